//! Pinyin for Chinese names: a readable romanisation for English pages, and every plausible spelling for search.
//!
//! Many characters have several readings (长 is zhǎng or cháng). Names in this park mostly read 长 as cháng
//! (长春 Changchun, 长光 Changguang), so display uses known phrases first, and search indexes every
//! combination of readings (bounded), full and as initials, so `changguang` and `cgcx` both find 长光辰芯.

use pinyin::{ToPinyin, ToPinyinMulti};

/// Phrases whose reading differs from each character's most common one.
const PHRASES: &[(&str, &[&str])] =
    &[("长春", &["Cháng", "chūn"]), ("长光", &["Cháng", "guāng"]), ("吉林", &["Jí", "lín"])];

/// At most this many reading combinations are indexed per name.
pub const MAX_VARIANTS: usize = 4;

/// Tone-marked pinyin of a name, one capitalised word per name part: `长光华大` → `Chángguāng Huádà`.
/// Non-Chinese characters pass through. Returns an empty string for names without Chinese characters.
pub fn display(name: &str) -> String {
    let syllables = readings_for_display(name);
    if !syllables.iter().any(|s| s.1) {
        return String::new();
    }
    // Two characters make a word: most Chinese company short names are two two-character words.
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut count = 0;
    for (syllable, is_hanzi) in syllables {
        if !is_hanzi {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
                count = 0;
            }
            let t = syllable.trim();
            if !t.is_empty() {
                words.push(t.to_string());
            }
            continue;
        }
        if count == 2 {
            words.push(std::mem::take(&mut current));
            count = 0;
        }
        if current.is_empty() {
            let mut chars = syllable.chars();
            if let Some(first) = chars.next() {
                current.extend(first.to_uppercase());
                current.push_str(chars.as_str());
            }
        } else {
            current.push_str(&syllable.to_lowercase());
        }
        count += 1;
    }
    if !current.is_empty() {
        words.push(current);
    }
    words.join(" ")
}

/// (syllable, is_chinese) for each character, phrase overrides applied.
fn readings_for_display(name: &str) -> Vec<(String, bool)> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..chars.len().min(i + 2)];
        if let Some((_, readings)) = PHRASES.iter().find(|(p, _)| p.chars().eq(rest.iter().copied())) {
            out.extend(readings.iter().map(|r| (r.to_lowercase(), true)));
            i += 2;
            continue;
        }
        match chars[i].to_pinyin() {
            Some(p) => out.push((p.with_tone().to_string(), true)),
            None => out.push((chars[i].to_string(), false)),
        }
        i += 1;
    }
    out
}

/// Every spelling search should find `name` by: lower-case full pinyin without spaces and the initials.
/// First the reading [`display`] uses (phrases applied), then other combinations of readings, up to
/// `max_variants` (see [`MAX_VARIANTS`]). Latin letters and digits are kept as they are.
pub fn search_spellings(name: &str, max_variants: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |full: String, initials: String| {
        if full.is_empty() {
            return;
        }
        for s in [full, initials] {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    };
    // The preferred reading.
    let (mut full, mut initials) = (String::new(), String::new());
    for (syllable, is_hanzi) in readings_for_display(name) {
        let plain = strip_tones(&syllable.to_lowercase());
        if is_hanzi {
            initials.extend(plain.chars().next());
            full.push_str(&plain);
        } else if plain.chars().all(char::is_alphanumeric) {
            full.push_str(&plain);
            initials.push_str(&plain);
        }
    }
    push(full, initials);

    // Other combinations of heteronym readings, bounded.
    let mut variants: Vec<(String, String)> = vec![(String::new(), String::new())];
    for ch in name.chars() {
        let Some(multi) = ch.to_pinyin_multi() else {
            if ch.is_alphanumeric() {
                for v in &mut variants {
                    v.0.extend(ch.to_lowercase());
                    v.1.extend(ch.to_lowercase());
                }
            }
            continue;
        };
        let mut readings: Vec<&'static str> = multi.into_iter().map(|p| p.plain()).collect();
        readings.dedup();
        let mut next = Vec::with_capacity(variants.len() * readings.len());
        for reading in &readings {
            for (full, initials) in &variants {
                if next.len() >= max_variants {
                    break;
                }
                // The first character, not byte: readings such as `ê` (欸) start with a multi-byte letter.
                let initial: String = reading.chars().take(1).collect();
                next.push((format!("{full}{reading}"), format!("{initials}{initial}")));
            }
        }
        variants = next;
    }
    for (full, initials) in variants {
        push(full, initials);
    }
    out
}

/// `cháng` → `chang`.
fn strip_tones(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ā' | 'á' | 'ǎ' | 'à' => 'a',
            'ē' | 'é' | 'ě' | 'è' => 'e',
            'ī' | 'í' | 'ǐ' | 'ì' => 'i',
            'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
            'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
            'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'ü' => 'v',
            'ń' | 'ň' | 'ǹ' => 'n',
            'ḿ' => 'm',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_phrase_readings() {
        assert_eq!(display("长光华大"), "Chángguāng Huádà");
        assert_eq!(display("Gpixel"), "");
    }

    #[test]
    fn search_covers_heteronyms_and_initials() {
        let s = search_spellings("长光辰芯", MAX_VARIANTS);
        assert!(s.iter().any(|v| v == "changguangchenxin"), "{s:?}");
        assert!(s.iter().any(|v| v == "cgcx"), "{s:?}");
        assert!(s.iter().any(|v| v == "zhangguangchenxin"), "{s:?}");
    }

    #[test]
    fn long_names_keep_the_phrase_reading() {
        let s = search_spellings("长春长光辰英生物科学仪器有限公司", 1);
        assert_eq!(s[0], "changchunchangguangchenyingshengwukexueyiqiyouxiangongsi");
        assert_eq!(s[1], "cccgcyswkxyqyxgs");
    }

    /// Every character the pinyin crate can read in the CJK Unified Ideographs block and its extensions A–I,
    /// alone and inside a name: none may panic (a byte slice of `ê`, the reading of 欸, once stopped the
    /// server for good), and each gives a full spelling and its initials.
    #[test]
    fn every_ideograph_the_crate_knows_romanises_without_panicking() {
        const BLOCKS: &[(u32, u32)] = &[
            (0x4E00, 0x9FFF),   // CJK Unified Ideographs
            (0x3400, 0x4DBF),   // Extension A
            (0x20000, 0x2A6DF), // B
            (0x2A700, 0x2B73F), // C
            (0x2B740, 0x2B81F), // D
            (0x2B820, 0x2CEAF), // E
            (0x2CEB0, 0x2EBEF), // F
            (0x2EBF0, 0x2EE5F), // I
            (0x30000, 0x3134F), // G
            (0x31350, 0x323AF), // H
        ];
        let mut known = 0;
        for &(first, last) in BLOCKS {
            for ch in (first..=last).filter_map(char::from_u32) {
                let (Some(_), Some(multi)) = (ch.to_pinyin(), ch.to_pinyin_multi()) else { continue };
                known += 1;
                assert!(multi.into_iter().count() >= 1, "{ch}");
                assert!(!display(&ch.to_string()).is_empty(), "display of {ch}");
                let name = format!("{ch}乃光电");
                assert!(!display(&name).is_empty(), "display of {name}");
                let spellings = search_spellings(&name, MAX_VARIANTS);
                assert!(spellings.len() >= 2, "spellings of {name}: {spellings:?}");
            }
        }
        // The crate reads about 41,000 of these characters; far fewer means the loop tested nothing.
        assert!(known > 20_000, "only {known} characters were checked");
    }

    #[test]
    fn a_reading_that_starts_with_a_multibyte_letter() {
        // 欸 reads ê (and ēi, éi, ěi, èi, ǎi): the initial is a whole character.
        let s = search_spellings("欸乃光电", MAX_VARIANTS);
        assert!(s.iter().any(|v| v.starts_with('ê') || v.starts_with('e')), "{s:?}");
        assert!(display("欸乃光电").starts_with(|c: char| c.is_alphabetic()));
    }
}
