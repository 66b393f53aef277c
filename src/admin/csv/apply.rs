//! Applying a planned import: every row that writes, with its revision, in the caller's transaction.

use super::{Action, Plan};
use crate::admin::record::{self, SaveError};
use crate::admin::spec::Entity;
use crate::i18n::Text;
use sqlx::SqliteConnection;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The row's entry was saved (or deleted) by someone else after the plan was made.
    #[error("row {row}: the entry changed since the preview")]
    Changed { row: usize },
    #[error("row {row}: {column} is already used")]
    Duplicate { row: usize, column: String },
    /// A constraint of the database refused the row.
    #[error("row {row}: refused by the database: {message}")]
    Refused { row: usize, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl ImportError {
    /// What to tell the admin; `None` for a fault of ours.
    pub fn message(&self) -> Option<Text> {
        Some(match self {
            ImportError::Changed { row } => Text::new(
                format!(
                    "第 {row} 行的条目在预览之后已被他人修改或删除。为免覆盖他人的修改，本次导入未做任何更改；请重新上传以查看最新的对比。"
                ),
                format!(
                    "The entry in row {row} was changed or deleted by someone else after the preview. So as not to overwrite their work, nothing was imported; upload the file again to see a fresh comparison."
                ),
            ),
            ImportError::Duplicate { row, column } => Text::new(
                format!("第 {row} 行：“{column}”的值已被另一条目使用。本次导入未做任何更改。"),
                format!("Row {row}: another entry already uses its “{column}”. Nothing was imported."),
            ),
            ImportError::Refused { row, message } => Text::new(
                format!("第 {row} 行无法保存（数据库拒绝：{message}）。本次导入未做任何更改。"),
                format!("Row {row} could not be saved (the database refused it: {message}). Nothing was imported."),
            ),
            ImportError::Database(_) => return None,
        })
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Applied {
    pub created: usize,
    pub updated: usize,
}

/// Writes every row of `plan` that creates or changes something, each with its revision, in the caller's
/// transaction. On an error the caller drops the transaction, so nothing of the import stays.
pub async fn apply(
    tx: &mut SqliteConnection,
    entity: &Entity,
    plan: &Plan,
    username: &str,
) -> Result<Applied, ImportError> {
    let mut applied = Applied::default();
    for row in plan.writes() {
        let result = match (row.action, row.id, row.version) {
            (Action::Create, _, _) => record::create_in(tx, entity, &row.values, username).await.map(|_| {
                applied.created += 1;
            }),
            (Action::Update, Some(id), Some(version)) => {
                record::update_in(tx, entity, id, version, &row.values, username).await.map(|()| {
                    applied.updated += 1;
                })
            }
            _ => continue,
        };
        result.map_err(|err| {
            let row = row.number;
            match err {
                SaveError::Conflict { .. } | SaveError::NotFound => ImportError::Changed { row },
                SaveError::Duplicate { column } => ImportError::Duplicate { row, column },
                SaveError::Invalid(text) => ImportError::Refused { row, message: text.en.into() },
                SaveError::Referred => ImportError::Refused { row, message: "the entry is referred to".into() },
                SaveError::Database(err) => match err.as_database_error() {
                    Some(db) => ImportError::Refused { row, message: db.message().to_string() },
                    None => ImportError::Database(err),
                },
            }
        })?;
    }
    Ok(applied)
}
