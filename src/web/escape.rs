//! The escaper of every HTML and XML template (askama.toml): askama's own, after a check that most text
//! passes untouched. askama reads a value byte by byte, writing as it goes; a page's values are mostly
//! words, URLs and numbers with nothing to escape, and were 4–5 % of a page rendered afresh
//! (bench/profiles/render-afresh.txt). The check reads the value in blocks, with no early exit, which the
//! compiler turns into wide compares; a value that needs escaping goes to askama's escaper unchanged.

use std::fmt::{self, Write};

use askama::filters::Escaper;

#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl Escaper for Html {
    #[inline]
    fn write_escaped_str<W: Write>(&self, mut dest: W, text: &str) -> fmt::Result {
        if needs_escaping(text) { askama::filters::Html.write_escaped_str(dest, text) } else { dest.write_str(text) }
    }

    #[inline]
    fn write_escaped_char<W: Write>(&self, dest: W, c: char) -> fmt::Result {
        askama::filters::Html.write_escaped_char(dest, c)
    }
}

/// Whether `text` holds one of the five characters HTML escaping changes.
fn needs_escaping(text: &str) -> bool {
    let special = |b: &u8| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'');
    text.as_bytes().chunks(32).any(|block| block.iter().fold(false, |found, b| found | special(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        Html.write_escaped_str(&mut out, text).unwrap();
        out
    }

    #[test]
    fn escapes_as_askama_does_wherever_the_character_falls() {
        let filler = "长春光电 optics ".repeat(5);
        let chars: Vec<char> = filler.chars().collect();
        for special in ['<', '>', '&', '"', '\''] {
            // at the start, within and across the first 32-byte blocks, at the end
            for at in [0, 1, 10, 11, 12, 20, chars.len()] {
                let mut text: String = chars[..at].iter().collect();
                text.push(special);
                text.extend(&chars[at..]);
                let mut askama = String::new();
                askama::filters::Html.write_escaped_str(&mut askama, &text).unwrap();
                assert_eq!(escaped(&text), askama, "{text:?}");
                let entity = format!("&#{};", special as u32);
                assert_eq!(escaped(&text).matches(&entity).count(), 1, "{text:?}");
            }
        }
        assert_eq!(escaped(&filler), filler);
        assert_eq!(escaped(""), "");
    }
}
