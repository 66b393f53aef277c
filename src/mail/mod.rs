//! Outgoing mail. A caller writes a [`Mail`] in the recipient's language and [`enqueue`]s it in the same
//! transaction as the change that causes it (an invitation and its mail commit together, or neither), then
//! calls [`Mailer::wake`] after the commit. The [`Mailer`]'s background task sends what is due, oldest first:
//! through SMTP when `--smtp-url` is set, otherwise as `.eml` files in the outbox folder beside the database,
//! so a fresh install loses nothing. A failed attempt is retried with backoff; nothing is ever sent from a
//! request, so a slow mail server never slows a save.
//!
//! Retention: message bodies can hold personal data (names, addresses, links that sign someone in), so sent
//! and given-up rows are deleted after [`KEEP_DAYS`] days by the sender ([`prune`]). Files written to the
//! outbox folder are the administrator's to clear.

mod html;
mod queue;
mod sender;

pub use html::{document, html_from_text};
pub use queue::{Counts, QueuedMail, Status, counts, enqueue, prune, recent};
pub use sender::{Delivery, Mailer, MailerError};

use crate::i18n::Lang;

/// Sent and given-up messages are kept this many days, for staff to see what went out.
pub const KEEP_DAYS: u32 = 90;

/// One message to one recipient, already written in the recipient's language: plain text and HTML
/// (sent as multipart/alternative). The address is checked when it is made, so a queued message always has
/// one a mail server can be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    to: String,
    lang: Lang,
    subject: String,
    text: String,
    html: String,
}

/// An address a message cannot be sent to (see [`valid_address`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not an e-mail address")]
pub struct InvalidAddress(pub String);

/// Whether `address` is a bare e-mail address (`name@domain`, no display name) that mail can be sent to:
/// for a form to show its error before anything is queued.
pub fn valid_address(address: &str) -> bool {
    address.len() <= 254 && address.trim() == address && address.parse::<lettre::Address>().is_ok()
}

impl Mail {
    /// A message whose HTML part is made from `text` (escaped; blank lines make paragraphs, line breaks stay,
    /// http(s) links become clickable), so callers write the text once.
    pub fn new(
        to: impl Into<String>,
        lang: Lang,
        subject: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Mail, InvalidAddress> {
        let to = to.into();
        if !valid_address(&to) {
            return Err(InvalidAddress(to));
        }
        let text = text.into();
        let html = html_from_text(&text);
        // A subject is one line: a line break would end the header.
        let subject = subject.into().split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Mail { to, lang, subject, text, html })
    }

    /// The same message with an HTML part of the caller's own: the inside of `<body>`, already escaped (the
    /// sender wraps it in a document with the message's language).
    pub fn with_html(mut self, html: impl Into<String>) -> Mail {
        self.html = html.into();
        self
    }

    pub fn to(&self) -> &str {
        &self.to
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn html(&self) -> &str {
        &self.html
    }
}

/// The language as stored (`mail_message.lang`).
fn lang_key(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

fn lang_of_key(key: &str) -> Lang {
    if key == "en" { Lang::En } else { Lang::Zh }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_addresses_are_valid() {
        for good in ["staff@example.com", "a.b+c@sub.example.org", "用户@example.com"] {
            assert!(valid_address(good), "{good}");
        }
        for bad in ["", "staff", "staff@", "@example.com", "Staff <staff@example.com>", " staff@example.com", "a b@c.d"]
        {
            assert!(!valid_address(bad), "{bad}");
        }
        assert!(!valid_address(&format!("{}@example.com", "a".repeat(250))));
    }

    #[test]
    fn a_mail_checks_its_address_and_keeps_one_subject_line() {
        assert_eq!(Mail::new("nobody", Lang::En, "Hi", "Hello").unwrap_err(), InvalidAddress("nobody".into()));
        let mail = Mail::new("a@example.com", Lang::Zh, "邀请\r\nBcc: x@example.com", "你好").unwrap();
        assert_eq!(mail.subject(), "邀请 Bcc: x@example.com");
        assert_eq!(mail.html(), "<p>你好</p>");
        assert_eq!(mail.with_html("<p><b>你好</b></p>").html(), "<p><b>你好</b></p>");
        assert_eq!(lang_of_key(lang_key(Lang::En)), Lang::En);
        assert_eq!(lang_of_key(lang_key(Lang::Zh)), Lang::Zh);
    }
}
