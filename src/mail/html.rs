//! The HTML part of a message made from its plain text, so a caller writes the text once and no text can
//! inject markup: everything is escaped; blank lines separate paragraphs, a line break stays a line break, and
//! `http://` / `https://` links become clickable.

use std::fmt::Write as _;

use crate::i18n::Lang;

/// The inside of `<body>` for `text`.
pub fn html_from_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for paragraph in text.split("\n\n").map(|p| p.trim_matches('\n')).filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            linkify(line, &mut out);
        }
        out.push_str("</p>\n");
    }
    out.truncate(out.trim_end().len());
    out
}

/// A whole HTML document around `body` (from [`html_from_text`] or a caller's own), in `lang`.
pub fn document(lang: Lang, subject: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 256);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(lang.code());
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    escape(subject, &mut out);
    out.push_str("</title>\n</head>\n<body>\n");
    out.push_str(body);
    out.push_str("\n</body>\n</html>\n");
    out
}

/// One line, escaped, with its links as anchors.
fn linkify(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(start) = next_link(rest) {
        escape(&rest[..start], out);
        let link = &rest[start..];
        let len = link_length(link);
        let url = &link[..len];
        out.push_str("<a href=\"");
        escape(url, out);
        out.push_str("\">");
        escape(url, out);
        out.push_str("</a>");
        rest = &link[len..];
    }
    escape(rest, out);
}

/// Where the next link starts: `http://` or `https://` followed by something, at a word's start.
fn next_link(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find("http").map(|i| i + from) {
        let after = &text[found..];
        let scheme = if after.starts_with("https://") {
            8
        } else if after.starts_with("http://") {
            7
        } else {
            0
        };
        let at_word_start = !text[..found].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric());
        if scheme > 0 && at_word_start && link_length(after) > scheme {
            return Some(found);
        }
        from = found + 4;
    }
    None
}

/// How much of `text` (starting with a scheme) is the link: up to a space, a character a URL never holds
/// unescaped (any non-ASCII one: text in Chinese runs straight on), or a quote or angle bracket; without the
/// punctuation that ends a sentence, nor a closing bracket that opened before the link.
fn link_length(text: &str) -> usize {
    let end = text
        .find(|c: char| c.is_whitespace() || !c.is_ascii() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
        .unwrap_or(text.len());
    let mut url = &text[..end];
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let trimmed = match trimmed.strip_suffix(')') {
            Some(inner) if inner.matches('(').count() <= inner.matches(')').count() => inner,
            _ => trimmed,
        };
        if trimmed.len() == url.len() {
            return url.len();
        }
        url = trimmed;
    }
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\t' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_escaped_paragraphs_with_line_breaks() {
        assert_eq!(
            html_from_text("Hello <b>you</b> & co,\r\nsecond line\n\n\n\nA \"new\" paragraph.\n"),
            "<p>Hello &lt;b&gt;you&lt;/b&gt; &amp; co,<br>\nsecond line</p>\n<p>A &quot;new&quot; paragraph.</p>"
        );
        assert_eq!(html_from_text(""), "");
        assert_eq!(html_from_text("\n \n"), "");
    }

    #[test]
    fn links_are_clickable_and_end_where_the_sentence_does() {
        assert_eq!(
            html_from_text("Open https://park.example/en/admin/invite?t=a&b=1."),
            "<p>Open <a href=\"https://park.example/en/admin/invite?t=a&amp;b=1\">https://park.example/en/admin/invite?t=a&amp;b=1</a>.</p>"
        );
        assert_eq!(
            html_from_text("请打开http://park.example/x，然后登录"),
            "<p>请打开<a href=\"http://park.example/x\">http://park.example/x</a>，然后登录</p>"
        );
        assert_eq!(
            html_from_text("(see https://a.example/wiki/X_(y)) and (https://b.example)"),
            "<p>(see <a href=\"https://a.example/wiki/X_(y)\">https://a.example/wiki/X_(y)</a>) and \
             (<a href=\"https://b.example\">https://b.example</a>)</p>"
        );
    }

    #[test]
    fn only_http_links_at_a_word_start_are_links() {
        for text in ["javascript:alert(1)", "xhttp://a.example", "http:// nothing", "https://", "ftp://a.example"] {
            assert!(!html_from_text(text).contains("<a "), "{text}");
        }
        assert_eq!(
            html_from_text("https://a.example/\"onmouseover=\"x"),
            "<p><a href=\"https://a.example/\">https://a.example/</a>&quot;onmouseover=&quot;x</p>"
        );
    }

    #[test]
    fn a_document_states_its_language_and_escapes_its_title() {
        let doc = document(Lang::En, "A <b> subject", "<p>x</p>");
        assert!(doc.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(doc.contains("<title>A &lt;b&gt; subject</title>"));
        assert!(doc.contains("<body>\n<p>x</p>\n</body>"));
        assert!(document(Lang::Zh, "", "").contains("<html lang=\"zh-CN\">"));
    }
}
