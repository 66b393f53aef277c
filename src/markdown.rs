//! Markdown from editors, made safe for public pages: rendered by pulldown-cmark, then cleaned by ammonia
//! (no script, no event handler, no `javascript:` or `data:` URL survives).

use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect()).link_rel(Some("nofollow noopener noreferrer"));
    b
});

/// Safe HTML for `markdown`, shown under a page's own `<h1>`: its headings move one level down (`#` becomes
/// `<h2>`), so the page keeps one main heading.
pub fn to_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    let events = Parser::new(markdown).map(|event| match event {
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Event::Start(Tag::Heading { level: below(level), id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(below(level))),
        other => other,
    });
    pulldown_cmark::html::push_html(&mut html, events);
    CLEANER.clean(&html).to_string()
}

fn below(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
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
    fn headings_sit_below_the_page_title() {
        assert_eq!(to_html("# Open day\n\n### Where"), "<h2>Open day</h2>\n<h4>Where</h4>\n");
    }

    #[test]
    fn first_paragraph_is_plain() {
        assert_eq!(first_paragraph_text("**Gpixel** makes *sensors*.\n\nSecond."), "Gpixel makes sensors.");
    }
}
