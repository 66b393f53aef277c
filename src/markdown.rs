//! Markdown from editors, made safe for public pages: rendered by pulldown-cmark, then cleaned by ammonia
//! (no script, no event handler, no `javascript:` or `data:` URL survives).

use std::sync::LazyLock;

use pulldown_cmark::{Event, Parser, TagEnd};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect()).link_rel(Some("nofollow noopener noreferrer"));
    b
});

/// Safe HTML for `markdown`.
pub fn to_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new(markdown));
    CLEANER.clean(&html).to_string()
}

/// The text of the first paragraph, without markup (for cards and meta descriptions).
pub fn first_paragraph_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph) if !out.trim().is_empty() => break,
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_dangerous_urls_do_not_survive() {
        let html = to_html(
            "Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> [d](data:text/html,hi) **bold**",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
    }

    #[test]
    fn first_paragraph_is_plain() {
        assert_eq!(first_paragraph_text("**Gpixel** makes *sensors*.\n\nSecond."), "Gpixel makes sensors.");
    }
}
