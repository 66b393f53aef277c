//! The escaper of every HTML and XML template (askama.toml). askama's own reads a value byte by byte and was
//! 4–5 % of a page rendered afresh (bench/profiles/render-afresh.txt); most of a page's values are words, URLs
//! and numbers with nothing to escape. This one first checks the value eight bytes at a time and writes it
//! whole when nothing needs escaping; otherwise byte by byte, with the same entities askama writes.

use std::fmt::{self, Write};

use askama::filters::Escaper;

#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl Escaper for Html {
    fn write_escaped_str<W: Write>(&self, mut dest: W, text: &str) -> fmt::Result {
        if !needs_escaping(text.as_bytes()) {
            return dest.write_str(text);
        }
        let mut written = 0;
        for (at, b) in text.bytes().enumerate() {
            if let Some(entity) = entity(b) {
                // The five characters are ASCII, so `at` is a character boundary.
                dest.write_str(&text[written..at])?;
                dest.write_str(entity)?;
                written = at + 1;
            }
        }
        dest.write_str(&text[written..])
    }

    fn write_escaped_char<W: Write>(&self, mut dest: W, c: char) -> fmt::Result {
        match u8::try_from(c).ok().and_then(entity) {
            Some(entity) => dest.write_str(entity),
            None => dest.write_char(c),
        }
    }
}

/// Whether `bytes` hold a character to escape, read eight at a time: a byte equal to `c` is a zero byte of
/// `word ^ c…c`, and `(x - 0x01…01) & !x & 0x80…80` is non-zero exactly when `x` has a zero byte.
fn needs_escaping(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has = |word: u64, c: u8| {
        let x = word ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    };
    let mut words = bytes.chunks_exact(8);
    let found = words.by_ref().any(|chunk| {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        has(word, b'<') | has(word, b'>') | has(word, b'&') | has(word, b'"') | has(word, b'\'')
    });
    found || words.remainder().iter().any(|b| entity(*b).is_some())
}

/// askama's entities for the characters HTML escaping changes.
fn entity(b: u8) -> Option<&'static str> {
    match b {
        b'"' => Some("&#34;"),
        b'&' => Some("&#38;"),
        b'\'' => Some("&#39;"),
        b'<' => Some("&#60;"),
        b'>' => Some("&#62;"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(text: &str) -> String {
        let mut out = String::new();
        Html.write_escaped_str(&mut out, text).unwrap();
        out
    }

    fn askamas(text: &str) -> String {
        let mut out = String::new();
        askama::filters::Html.write_escaped_str(&mut out, text).unwrap();
        out
    }

    #[test]
    fn escapes_as_askama_does_wherever_the_character_falls() {
        let filler: Vec<char> = "长春光电 optics ".repeat(5).chars().collect();
        for special in ['<', '>', '&', '"', '\''] {
            // at the start, after one character, in the middle, at the end
            for at in [0, 1, 10, 11, 12, 20, filler.len()] {
                let mut text: String = filler[..at].iter().collect();
                text.push(special);
                text.extend(&filler[at..]);
                assert_eq!(ours(&text), askamas(&text), "{text:?}");
                assert_eq!(ours(&text).matches(&format!("&#{};", special as u32)).count(), 1, "{text:?}");
            }
        }
        for c in ['<', '&', 'a', '长'] {
            let (mut a, mut b) = (String::new(), String::new());
            Html.write_escaped_char(&mut a, c).unwrap();
            askama::filters::Html.write_escaped_char(&mut b, c).unwrap();
            assert_eq!(a, b);
        }
        assert_eq!(ours(""), "");
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_escaped_as_askama_does(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "a", "长光", "<", ">", "&", "\"", "'", " ", "&amp;", "0123456789abcdef0123456789abcde",
        ]), 0..60)) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(ours(&text), askamas(&text));
        }
    }
}
