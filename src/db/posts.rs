//! News and announcements as stored (migration 0014): what the public read model reads, and the clock posts
//! are published by. Publication times are Beijing time as staff type them (`YYYY-MM-DD HH:MM`, seconds
//! optional): the park's own clock ([`super::PARK_OFFSET`]).

use sqlx::FromRow;
use time::{OffsetDateTime, PrimitiveDateTime};

#[derive(Debug, Clone, FromRow)]
pub struct PostRow {
    pub id: i64,
    pub slug: String,
    pub kind: String,
    pub status: String,
    pub publish_at: String,
    pub pinned: bool,
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub image_path: Option<String>,
    pub image_alt_zh: String,
    pub image_alt_en: String,
    /// The linked phases' and buildings' ids, comma-separated.
    pub phase_ids: Option<String>,
    pub building_ids: Option<String>,
}

/// Published posts, due or not: the catalog shows the due ones and wakes up for the next.
pub const POSTS: super::Select = super::Select {
    table: "post",
    sql: "select id, slug, kind, status, publish_at, pinned, title_zh, title_en, summary_zh, summary_en, body_zh,
                 body_en, image_path, image_alt_zh, image_alt_en,
                 (select group_concat(phase_id) from post_phase where post_id = post.id) as phase_ids,
                 (select group_concat(building_id) from post_building where post_id = post.id) as building_ids
         from post where status = 'published'",
    key: "id",
    order: "publish_at desc, id desc",
};

/// A publication time as stored, as a moment; None when it is not one (the admin's rule lets none in).
pub fn beijing_moment(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim().replacen('T', " ", 1);
    let with_seconds = if text.len() == 16 { format!("{text}:00") } else { text };
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(&with_seconds, format).ok().map(|at| at.assume_offset(super::PARK_OFFSET))
}

/// Now in Beijing, to the minute, as a publication time is typed: what a new post's form starts with.
pub fn beijing_now() -> String {
    let now = OffsetDateTime::now_utc().to_offset(super::PARK_OFFSET);
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    now.format(format).unwrap_or_default()
}

/// Logs a post whose time has come as changed, so every server's catalog (which shows only what is due) reads
/// the posts again and publishes it, and any other that came due with it.
pub async fn log_due(db: impl sqlx::SqliteExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("insert into change_log (entity, entity_id) values ('post', ?)").bind(id).execute(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::UtcOffset;

    #[test]
    fn beijing_times_are_eight_hours_ahead_of_utc() {
        let at = beijing_moment("2026-12-03 09:30").unwrap();
        assert_eq!(at.to_offset(UtcOffset::UTC).hour(), 1);
        assert_eq!(beijing_moment("2026-12-03 09:30:15").unwrap().second(), 15);
        assert!(beijing_moment("tomorrow").is_none());
        assert_eq!(beijing_now().len(), 16);
    }
}
