//! `/admin/mail`: the outgoing mail queue as staff see it: how mail leaves (the SMTP server, or the outbox
//! folder where a fresh install keeps it), counts, and the newest messages with where each stands.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::auth::Staff;
use crate::config::SmtpSecurity;
use crate::i18n::Lang;
use crate::mail::{self, Counts, Delivery, QueuedMail, Status};
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::{Chrome, Ctx, render};

/// Messages listed on the page, newest first.
const SHOWN: i64 = 100;

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage {
    l: Lang,
    chrome: Chrome,
    user: Staff,
    /// `host:port` and how the connection is protected, with SMTP.
    smtp: Option<(String, &'static str)>,
    /// The folder the .eml files are written to, without SMTP.
    outbox: Option<String>,
    from: String,
    counts: Counts,
    messages: Vec<QueuedMail>,
}

pub async fn outbox(State(state): State<AppState>, ctx: Ctx, user: Staff) -> AppResult<Response> {
    let l = ctx.lang;
    let (smtp, outbox) = match state.mailer.delivery() {
        Delivery::Smtp(url) => {
            let security = match url.security() {
                SmtpSecurity::Tls => "TLS",
                SmtpSecurity::StartTls => "STARTTLS",
                SmtpSecurity::Plain => l.t("未加密", "unencrypted"),
            };
            (Some((format!("{}:{}", url.host(), url.port()), security)), None)
        }
        Delivery::Folder(dir) => (None, Some(absolute(dir).display().to_string())),
    };
    render(&MailPage {
        l,
        chrome: ctx.chrome("admin"),
        user,
        smtp,
        outbox,
        from: state.mailer.from_address(),
        counts: mail::counts(&state.pool).await?,
        messages: mail::recent(&state.pool, SHOWN).await?,
    })
}

/// The folder as a full path, so staff can find it on the server whatever directory it was started in.
fn absolute(dir: &std::path::Path) -> std::path::PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

impl MailPage {
    /// The language a message was written in, named in the page's language.
    fn language(&self, message: &QueuedMail) -> &'static str {
        match message.lang.0 {
            Lang::Zh => self.l.t("中文", "Chinese"),
            Lang::En => self.l.t("英文", "English"),
        }
    }

    fn status<'a>(&self, message: &'a QueuedMail) -> Status<'a> {
        message.status()
    }
}
