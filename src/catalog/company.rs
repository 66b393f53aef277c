//! A company as the public pages show it: its names and texts, what it is linked to, and what is worked out
//! from them (the pinyin it sorts by, the keys search matches, the summary on its card).

use std::borrow::{Borrow, Cow};

use super::model::text;
use super::{pinyin, search};
use crate::db;
use crate::i18n::{Lang, Text};

#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: i64,
    pub slug: Box<str>,
    /// Short names: the ones people use (长光辰芯, Gpixel).
    pub name: Text,
    pub legal_name: Text,
    pub phase_id: Option<i64>,
    pub building_id: Option<i64>,
    pub founded_year: Option<i64>,
    pub ciomp_spinoff: bool,
    pub description: Text,
    pub highlights: Text,
    pub website: Option<Box<str>>,
    pub logo_path: Option<Box<str>>,
    /// One of [`db::companies::STATUSES`] (the schema's check): the stored text, shared rather than copied into
    /// each of 100,000 entries; anything else (a check switched off) is kept as it is.
    pub status: Cow<'static, str>,
    pub source_id: Option<i64>,
    // Lists that never grow once built: boxed slices, a third smaller than vectors in each of 100,000 entries.
    pub sector_ids: Box<[i64]>,
    pub designation_ids: Box<[i64]>,
    pub award_ids: Box<[i64]>,
    pub milestone_ids: Box<[i64]>,
    /// Product names from the company's milestones, in milestone order (searchable, in the open data).
    pub products: Box<[String]>,
    /// When staff last changed this entry, if ever (`YYYY-MM-DDTHH:MM:SSZ`).
    pub edited_at: Option<Box<str>>,
    /// Who that last change came from (see [`Provenance`]).
    pub edited_by_company: bool,
    /// When its editor last confirmed the profile is current.
    pub confirmed_at: Option<Box<str>>,
    /// Tone-marked pinyin of the Chinese short name (every card shows it; worked out once).
    pinyin: Box<str>,
    /// Names, pinyin spellings and product names, lower-cased; see [`Company::search_keys`].
    search_keys: Derived<search::SearchKeys>,
}

/// A value worked out from the rest of its entry when first asked for (not while a large directory loads and
/// visitors wait for the first page). Always equal: what it is made from is compared instead.
#[derive(Debug, Clone, Default)]
pub struct Derived<T>(std::sync::OnceLock<T>);

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Derived<T>) -> bool {
        true
    }
}

/// The day (`YYYY-MM-DD`) of a stored time; a value too short to hold one, whole.
fn day_of(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// Where a profile's facts stand, as its page and the open data say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance<'a> {
    /// Never changed here: as its source states them.
    Source,
    /// Last changed by its editor (a proposal staff approved), on this day (`YYYY-MM-DD`).
    Company(&'a str),
    /// Last changed by park staff (a visitor's correction they accepted included), on this day.
    Staff(&'a str),
}

/// Where an entry's facts stand from when it was last changed here and whether its company made the change.
pub(super) fn provenance(edited_at: Option<&str>, by_company: bool) -> Provenance<'_> {
    match edited_at {
        None => Provenance::Source,
        Some(at) if by_company => Provenance::Company(day_of(at)),
        Some(at) => Provenance::Staff(day_of(at)),
    }
}

impl Provenance<'_> {
    /// Who last changed the entry and on which day, as a phrase; none for the source's own facts.
    pub fn changed(self, l: impl std::borrow::Borrow<crate::i18n::Lang>) -> Option<String> {
        let l = *l.borrow();
        match self {
            Provenance::Source => None,
            Provenance::Company(day) => {
                Some(format!("{}{}{}", l.t("企业于 ", "Updated by the company on "), l.date(day), l.t(" 更新", "")))
            }
            Provenance::Staff(day) => Some(format!(
                "{}{}{}",
                l.t("园区工作人员于 ", "Updated by park staff on "),
                l.date(day),
                l.t(" 更新", "")
            )),
        }
    }
}

impl Company {
    pub fn provenance(&self) -> Provenance<'_> {
        provenance(self.edited_at.as_deref(), self.edited_by_company)
    }

    /// Where the profile stands, in a sentence: who last changed it and when, or that its facts are as of its
    /// source's date; and a confirmation by its editor since.
    pub fn provenance_note(&self, l: impl std::borrow::Borrow<crate::i18n::Lang>) -> String {
        let l = *l.borrow();
        let mut note = self
            .provenance()
            .changed(l)
            .unwrap_or_else(|| l.t("以上信息均截至来源发布之时", "All facts are as of the source's date").to_string());
        if let Some(day) = self.confirmed_on() {
            note.push_str(&format!(
                "{}{}{}",
                l.t("；企业于 ", "; confirmed current by the company on "),
                l.date(day),
                l.t(" 确认仍然准确", "")
            ));
        }
        note.push_str(l.t("。", "."));
        note
    }

    /// The day its editor last confirmed the profile is current, when that came after its last change.
    pub fn confirmed_on(&self) -> Option<&str> {
        let confirmed = self.confirmed_at.as_deref()?;
        let later = self.edited_at.as_deref().is_none_or(|edited| confirmed > edited);
        later.then(|| day_of(confirmed))
    }

    /// A company from its row, links and products: computes its pinyin sort key and search keys.
    pub(super) fn build(
        c: db::companies::CompanyRow,
        sector_ids: Vec<i64>,
        designation_ids: Vec<i64>,
        products: Vec<String>,
    ) -> Company {
        let mut company = Company {
            id: c.id,
            slug: c.slug.into(),
            name: text(c.short_name_zh, c.short_name_en),
            legal_name: text(c.legal_name_zh, c.legal_name_en),
            phase_id: c.phase_id,
            building_id: c.building_id,
            founded_year: c.founded_year,
            ciomp_spinoff: c.ciomp_spinoff,
            description: text(c.description_zh, c.description_en),
            highlights: text(c.highlights_zh, c.highlights_en),
            website: c.website.filter(|w| !w.trim().is_empty()).map(String::into_boxed_str),
            logo_path: c.logo_path.filter(|p| !p.trim().is_empty()).map(String::into_boxed_str),
            status: match db::companies::STATUSES.iter().map(|(known, _, _)| *known).find(|known| *known == c.status) {
                Some(known) => Cow::Borrowed(known),
                None => Cow::Owned(c.status),
            },
            source_id: c.source_id,
            sector_ids: sector_ids.into(),
            designation_ids: designation_ids.into(),
            award_ids: Box::default(),
            milestone_ids: Box::default(),
            products: products.into(),
            edited_at: c.edited_at.map(String::into_boxed_str),
            edited_by_company: c.edited_via.as_deref() == Some("edit"),
            confirmed_at: c.confirmed_at.map(String::into_boxed_str),
            pinyin: Box::default(),
            search_keys: Derived::default(),
        };
        company.pinyin = pinyin::display(&company.name.zh).into_boxed_str();
        company
    }

    /// Names, pinyin spellings and product names, lower-cased: what search matches besides the descriptions.
    pub fn search_keys(&self) -> &search::SearchKeys {
        self.search_keys.0.get_or_init(|| search::SearchKeys::of(self))
    }

    /// Directory order: by the pinyin of the Chinese name (lower-case), then the name itself (the same in both
    /// languages), then id. Compared character by character rather than kept as a key: at 100,000 companies a
    /// stored key took 10 MB, and the comparisons only run while companies are sorted in.
    pub fn order(&self, other: &Company) -> std::cmp::Ordering {
        self.sort_chars().cmp(other.sort_chars()).then(self.id.cmp(&other.id))
    }

    /// What [`Company::order`] compares: the lower-case pinyin, a space, the Chinese name.
    fn sort_chars(&self) -> impl Iterator<Item = char> + '_ {
        self.pinyin.chars().flat_map(char::to_lowercase).chain(std::iter::once(' ')).chain(self.name.zh.chars())
    }

    /// The name as a page in `l` writes it: on an English page, a name with no English form is written in
    /// pinyin with the Chinese in brackets ("Chényīng Yíqì (辰英仪器)").
    pub fn display_name(&self, l: impl Borrow<Lang>) -> String {
        let l = *l.borrow();
        let pinyin = if self.name.is_fallback(l) { self.pinyin() } else { "" };
        match pinyin.is_empty() {
            true => self.name.get(l).to_string(),
            false => format!("{pinyin} ({})", self.name.zh),
        }
    }

    /// Tone-marked pinyin of the Chinese short name, shown on English pages when no English name exists.
    pub fn pinyin(&self) -> &str {
        &self.pinyin
    }

    /// The description's opening, as plain text, for cards and meta descriptions: whole sentences until it
    /// says more than a name and a phase ("X is a phase 1 tenant of the park." alone says nothing of what X
    /// does), at most two. On an English page a name with no English form is written in pinyin.
    pub fn summary(&self, l: impl Borrow<Lang>) -> String {
        let l = *l.borrow();
        let text = self.in_english_names(l, crate::markdown::first_paragraph_text(self.description.get(l)), false);
        let enough = if l.is_en() { 60 } else { 30 };
        let mut end = 0;
        for _ in 0..2 {
            if text[..end].chars().count() >= enough {
                break;
            }
            let rest = &text[end..];
            end += rest
                .char_indices()
                .find(|(_, c)| matches!(c, '。' | '！' | '？'))
                .map(|(i, c)| i + c.len_utf8())
                .or_else(|| rest.find(". ").map(|i| i + 1))
                .unwrap_or(rest.len());
        }
        text[..end].trim().to_string()
    }

    /// The description as safe HTML (editors write Markdown).
    pub fn description_html(&self, l: impl Borrow<Lang>) -> String {
        let l = *l.borrow();
        crate::markdown::to_html(&self.in_english_names(l, self.description.get(l).to_string(), true))
    }

    /// `text` with the Chinese name written in pinyin, when `l` is English and the company has no English name
    /// (an English reader cannot say 长光华大); with `beside`, the first mention keeps the Chinese in brackets.
    fn in_english_names(&self, l: Lang, text: String, beside: bool) -> String {
        if !l.is_en()
            || !self.name.is_fallback(l)
            || self.description.is_fallback(l)
            || self.name.zh.is_empty()
            || !text.contains(&*self.name.zh)
        {
            return text;
        }
        let pinyin = self.pinyin();
        if pinyin.is_empty() {
            return text;
        }
        match beside {
            true => {
                let first = text.replacen(&*self.name.zh, &format!("{pinyin} ({})", self.name.zh), 1);
                let (head, tail) = first.split_at(first.find(&*self.name.zh).unwrap_or(0) + self.name.zh.len());
                format!("{head}{}", tail.replace(&*self.name.zh, pinyin))
            }
            false => text.replace(&*self.name.zh, pinyin),
        }
    }
}
