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
///
/// Every card on a directory page asks for this, so the parser is spared where it can be: an opening in plain
/// words is its own text; otherwise, as pulldown-cmark reads the whole document before its first event, the
/// text up to the first blank line is read alone when it ends in a paragraph and holds nothing whose meaning
/// could come from further down (a link reference, a fence, an HTML block); otherwise the whole document is.
pub fn first_paragraph_text(markdown: &str) -> String {
    if let Some(text) = plain_opening(markdown) {
        return text;
    }
    let mut out = String::new();
    if let Some(opening) = opening_block(markdown) {
        if push_text(opening, &mut out) {
            return out.trim().to_string();
        }
        out.clear();
    }
    push_text(markdown, &mut out);
    out.trim().to_string()
}

/// Appends the text of `markdown`'s events to `out` until a paragraph with words ends (true) or the document
/// does (false).
fn push_text(markdown: &str, out: &mut String) -> bool {
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph) if !out.trim().is_empty() => return true,
            _ => {}
        }
    }
    false
}

/// The first paragraph's text when no character of it is markup and none of its lines could open another kind
/// of block: its lines, trimmed, joined by spaces (as the parser would give them).
fn plain_opening(markdown: &str) -> Option<String> {
    const MARKUP: [char; 11] = ['\\', '`', '*', '_', '[', ']', '<', '>', '&', '\r', '\0'];
    let blank = |line: &str| line.bytes().all(|b| matches!(b, b' ' | b'\t'));
    let mut out = String::new();
    for line in markdown.lines().skip_while(|line| blank(line)) {
        if blank(line) {
            break;
        }
        let words = line.trim_matches([' ', '\t']);
        let indented = line.starts_with('\t') || line.len() - line.trim_start_matches(' ').len() > 3;
        if (out.is_empty() && indented) || opens_block(words) || words.contains(MARKUP) {
            return None;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(words);
    }
    // Words that are all white space (U+3000, say) do not end the parser's first paragraph.
    let words = out.trim();
    (!words.is_empty()).then(|| words.to_string())
}

/// Whether a line beginning with `words` could be a heading, quote, list item, rule, fence or HTML block, or
/// underline the line before it.
fn opens_block(words: &str) -> bool {
    let numbered = words.trim_start_matches(|c: char| c.is_ascii_digit());
    let list_number = numbered.len() < words.len() && numbered.starts_with(['.', ')']);
    list_number || words.starts_with(['#', '>', '-', '+', '*', '=', '_', '<', '`', '~'])
}

/// `markdown` up to its first blank line after some text, when that part reads the same alone as within the
/// whole document: none of `[` (a reference defined later), `<` (an HTML block may run on), or a fence mark.
fn opening_block(markdown: &str) -> Option<&str> {
    let blank = |line: &str| line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    let mut end = 0;
    let mut seen_text = false;
    for line in markdown.split_inclusive('\n') {
        if blank(line) {
            if seen_text {
                break;
            }
        } else {
            seen_text = true;
        }
        end += line.len();
    }
    let opening = &markdown[..end];
    (end < markdown.len() && !opening.contains(['[', '<', '`', '~'])).then_some(opening)
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

    /// The opening read alone gives what the whole document gives, in the cases where block structure
    /// can depend on what follows.
    #[test]
    fn the_opening_alone_reads_as_the_whole_document() {
        let whole = |markdown: &str| {
            let mut out = String::new();
            push_text(markdown, &mut out);
            out.trim().to_string()
        };
        for markdown in [
            "**Gpixel** makes *sensors*.\n\nSecond.",
            "\n\n  \nFirst line\nsecond line.  \nhard break\n\nNext.",
            "# Title\nText under it.\n\nMore.",
            "- one\n- two\n\nAfter the list.",
            "- one\n\n- two (a loose list)\n\nAfter.",
            "    indented code\n\n    more code\n\nA paragraph.",
            "> quoted\nlazy line\n\n> second quote",
            "See [the site][site].\n\n[site]: https://example.com",
            "```\nfenced\n\ncode\n```\n\nAfter the fence.",
            "<div>\n\nhtml block\n\n</div>\n\nAfter.",
            "Setext\n======\n\nBody.",
            "Tabs\t\n\t\nand spaces",
            "Only one paragraph, no blank line after it.",
            "\u{3000}\n\nIdeographic space is not a blank line.",
            "长光辰芯成立于2012年。\r\n\r\n第二段。",
        ] {
            assert_eq!(first_paragraph_text(markdown), whole(markdown), "{markdown:?}");
        }
        assert_eq!(opening_block("Plain **words**.\n\nMore."), Some("Plain **words**.\n"));
        assert_eq!(
            plain_opening("  Plain words,\n   on two lines. \n\n# More"),
            Some("Plain words, on two lines.".into())
        );
        assert_eq!(plain_opening("Plain **words**."), None);
        assert_eq!(opening_block("See [x][y].\n\n[y]: /z"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(4000))]
        /// Documents made of the pieces that change block structure (list marks, quotes, headings, indents,
        /// blank lines of every spelling) and inline markup: neither shortcut ever reads differently.
        #[test]
        fn any_opening_reads_as_the_whole_document(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "a", "长光", " ", "  ", "    ", "\t", "\n", "\r", "\r\n", "\n\n", "- ", "* ", "1. ", "> ", "# ", "=",
            "---", "**", "_", "\\", "&amp;", "\u{3000}", "2012", ".", ")", "+", "[x]", "[x]: /y", "<b>", "`", "~~~",
            "!", "|", "\0", "&", "12)",
        ]), 0..40)) {
            let markdown = pieces.concat();
            let mut whole = String::new();
            push_text(&markdown, &mut whole);
            proptest::prop_assert_eq!(first_paragraph_text(&markdown), whole.trim());
        }
    }

    #[test]
    fn first_paragraph_is_plain() {
        assert_eq!(first_paragraph_text("**Gpixel** makes *sensors*.\n\nSecond."), "Gpixel makes sensors.");
    }
}
