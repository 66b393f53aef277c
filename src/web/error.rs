//! One error type for every handler, and the one place where failures become pages and statuses.
//!
//! [`AppError::into_response`] only decides the status and logs; the page itself is rendered by
//! [`crate::web::dress_error`] in the front door, which knows the request's language. It also dresses
//! axum's own bare answers (405, unmatched routes) in the same styled page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::i18n::Text;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {}", .0.en)]
    BadRequest(Text),
    #[error("sign-in required")]
    Unauthorized,
    /// Signed in, but this account may not do this (a company editor on a staff page or another company).
    #[error("not allowed for this account")]
    Forbidden,
    #[error("conflict: {}", .0.en)]
    Conflict(Text),
    #[error("too large: {}", .0.en)]
    TooLarge(Text),
    #[error("unsupported upload: {}", .0.en)]
    Unsupported(Text),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Attached to an error response so the error-page layer can render it in the visitor's language.
#[derive(Debug, Clone)]
pub struct ErrorDetails {
    /// What was wrong, when there is more to say than the status.
    pub message: Option<Text>,
    /// For 5xx: the id written to the log with the real cause, shown so a report can be matched to it.
    pub incident: Option<String>,
}

impl From<crate::catalog::directory::FindError> for AppError {
    fn from(err: crate::catalog::directory::FindError) -> AppError {
        use crate::catalog::directory::FindError;
        match err {
            FindError::NoSuchPage { page, pages } => AppError::BadRequest(FindError::no_such_page(page, pages)),
        }
    }
}

/// A failed save, for a handler that has nothing more specific to say (a conflict or a taken value gets its
/// own page where the form is).
impl From<crate::admin::record::SaveError> for AppError {
    fn from(err: crate::admin::record::SaveError) -> AppError {
        use crate::admin::record::SaveError;
        match err {
            SaveError::NotFound => AppError::NotFound,
            SaveError::Database(e) => AppError::Database(e),
            SaveError::Invalid(text) => AppError::Conflict(text),
            SaveError::Referred => {
                AppError::Conflict(Text::new("其他条目仍引用此条目。", "Other entries still refer to this one."))
            }
            other => AppError::Other(anyhow::anyhow!("{other}")),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Database(_) | AppError::Template(_) | AppError::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let incident = status.is_server_error().then(|| {
            let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
            tracing::error!(incident = %id, error = %self, "request failed");
            id
        });
        let message = match self {
            AppError::BadRequest(text)
            | AppError::Conflict(text)
            | AppError::TooLarge(text)
            | AppError::Unsupported(text) => Some(text),
            AppError::Forbidden => {
                Some(Text::new("这个账号无权查看或更改这里的内容。", "This account may not see or change this."))
            }
            _ => None,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorDetails { message, incident });
        response
    }
}
