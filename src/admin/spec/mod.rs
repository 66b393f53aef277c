//! What the admin edits: one declaration per entity — its table, fields, links and references. The list,
//! form, validation, save, history and revert code is written once, against these declarations (the way
//! Django's admin works from a model's fields).

use crate::i18n::Lang;

mod entities;

pub use entities::{
    AWARDS, BUILDINGS, COMPANIES, COMPETITIONS, DESIGNATIONS, MILESTONES, PARK, PHASES, POSTS, SECTORS, UNITS,
};

/// A label in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Label(pub &'static str, pub &'static str);

impl Label {
    pub fn get(&self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        l.borrow().t(self.0, self.1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Line,
    /// Several lines (one item per line).
    Lines,
    /// Markdown, rendered on public pages through a sanitiser.
    Markdown,
    /// Lower-case letters, digits and hyphens: part of a URL.
    Slug,
    /// A whole number within the bounds.
    Integer {
        min: i64,
        max: i64,
    },
    /// Whole yuan, not negative.
    Money,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: as precise as the source is.
    Date,
    /// A moment in Beijing time, `YYYY-MM-DD HH:MM` (seconds optional): when a post appears.
    DateTime,
    /// An http or https URL.
    Url,
    /// An email address (`name@example.cn`).
    Email,
    /// A telephone number: digits with spaces, hyphens, brackets and a leading `+` (`0431-8xxxxxxx`).
    Phone,
    Bool,
    /// One of fixed values (stored value, Chinese label, English label).
    Choice(&'static [(&'static str, &'static str, &'static str)]),
    /// The id of a row of another entity.
    Reference(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub column: &'static str,
    pub label: Label,
    pub kind: Kind,
    pub required: bool,
    pub max_chars: usize,
    pub help: Label,
}

impl Field {
    /// Which form control edits this field.
    pub fn widget(&self) -> &'static str {
        match self.kind {
            Kind::Lines | Kind::Markdown => "textarea",
            Kind::Bool => "checkbox",
            // A reference to an entity that can be large is typed, never listed whole (see [`Entity::picker`]).
            Kind::Reference(e) if entity(e).is_some_and(|e| e.picker.is_some()) => "picker",
            Kind::Choice(_) | Kind::Reference(_) => "select",
            Kind::Integer { .. } => "number",
            Kind::Url => "url",
            Kind::Email => "email",
            Kind::Phone => "tel",
            Kind::Line | Kind::Slug | Kind::Date | Kind::DateTime | Kind::Money => "text",
        }
    }

    /// (stored value, label in `l`) of a choice field.
    pub fn choice_options(&self, l: impl std::borrow::Borrow<Lang>) -> Vec<(&'static str, &'static str)> {
        let l = *l.borrow();
        match self.kind {
            Kind::Choice(c) => c.iter().map(|(v, zh, en)| (*v, l.t(zh, en))).collect(),
            _ => Vec::new(),
        }
    }

    /// The entity a reference field points at.
    pub fn reference(&self) -> Option<&'static str> {
        if let Kind::Reference(e) = self.kind { Some(e) } else { None }
    }

    pub fn is_english(&self) -> bool {
        self.column.ends_with("_en")
    }
}

const NO_HELP: Label = Label("", "");

const fn field(column: &'static str, label: Label, kind: Kind, required: bool, max_chars: usize) -> Field {
    Field { column, label, kind, required, max_chars, help: NO_HELP }
}

const fn text(column: &'static str, zh: &'static str, en: &'static str, required: bool) -> Field {
    field(column, Label(zh, en), Kind::Line, required, 200)
}

const fn long(column: &'static str, zh: &'static str, en: &'static str, kind: Kind) -> Field {
    field(column, Label(zh, en), kind, false, 10_000)
}

const fn with_help(mut f: Field, zh: &'static str, en: &'static str) -> Field {
    f.help = Label(zh, en);
    f
}

/// A many-to-many link edited as checkboxes (a company's sectors).
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// Key in forms and revisions, e.g. `sector_ids`.
    pub name: &'static str,
    pub label: Label,
    pub join_table: &'static str,
    pub own_column: &'static str,
    pub other_column: &'static str,
    pub other_entity: &'static str,
}

/// Rows elsewhere that point at an entry and so prevent deleting it.
#[derive(Debug, Clone, Copy)]
pub struct Referrer {
    pub table: &'static str,
    pub column: &'static str,
    pub label: Label,
    /// Column naming each referring row, for the message.
    pub title_column: &'static str,
}

/// How a large entity is found by what staff type: see [`Entity::picker`].
#[derive(Debug, Clone, Copy)]
pub struct Picker {
    /// Name columns a typed term is compared with: exactly (to choose an entry) and as a substring (to
    /// offer a short list). The slug, where the entity has one, is compared both ways too. Keep them in an
    /// index led by the entity's order column (companies: migration 0006), or every lookup reads the table.
    pub names: &'static [&'static str],
}

#[derive(Debug)]
pub struct Entity {
    /// URL segment and revision key: `companies`.
    pub key: &'static str,
    pub table: &'static str,
    pub singular: Label,
    pub plural: Label,
    pub fields: &'static [Field],
    /// Columns set by an upload, not by the form (a company's logo file); kept in records and revisions.
    pub upload_columns: &'static [&'static str],
    /// Columns the schema keeps unique: a save checks them first and names the one already taken.
    pub unique: &'static [&'static str],
    pub links: &'static [Link],
    pub referrers: &'static [Referrer],
    /// Columns shown in the list, after the title.
    pub list_columns: &'static [&'static str],
    /// Columns naming a row (Chinese first, English second).
    pub title: (&'static str, &'static str),
    /// Default list order.
    pub order_by: &'static str,
    /// Only one row, never created or deleted (the park's own text).
    pub singleton: bool,
    /// Set for an entity whose rows are not bounded by the park itself and so can run to tens of thousands
    /// (companies: the directory's tenants). A field referring to it is a search field (type an id, a slug
    /// or a name; the server resolves it) instead of a `<select>` of every row, and nothing loads all its
    /// rows to check or name a reference. Declared rather than decided by counting rows, so a form keeps one
    /// shape whatever the data (no switch when the 201st company arrives) and needs no count per request;
    /// the other entities are bounded by the park's phases, buildings and the few sectors, designations and
    /// competitions it has, and stay lists. Links (checkboxes) never point at such an entity.
    pub picker: Option<Picker>,
}

impl Entity {
    pub fn field(&self, column: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.column == column)
    }

    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }

    /// Label of a field or link key.
    pub fn label_of(&self, key: &str) -> Option<Label> {
        self.field(key).map(|f| f.label).or_else(|| self.link(key).map(|l| l.label))
    }

    /// Fields whose English twin follows them (`name_zh` → `name_en`), for side-by-side display.
    pub fn english_twin(&self, column: &str) -> Option<&Field> {
        column
            .strip_suffix("_zh")
            .and_then(|stem| self.fields.iter().find(|f| f.column.strip_suffix("_en") == Some(stem)))
    }

    /// The `_zh` columns whose `_en` twin must not stay empty in a complete entry.
    pub fn translated_pairs(&self) -> impl Iterator<Item = (&Field, &Field)> {
        self.fields.iter().filter_map(|f| self.english_twin(f.column).map(|en| (f, en)))
    }
}

pub const PHASE_STATUS: &[(&str, &str, &str)] = &[
    ("planned", "规划中", "Planned"),
    ("under_construction", "在建", "Under construction"),
    ("delivered", "已交付使用", "Delivered"),
];
pub use crate::db::companies::STATUSES as COMPANY_STATUS;
pub const BUILDING_KIND: &[(&str, &str, &str)] = &[
    ("science_tech", "科技楼", "Science and technology"),
    ("incubation", "孵化楼", "Incubation"),
    ("other", "其他", "Other"),
];
/// A unit's kinds and statuses are the public pages' too: declared with the table (`db::places`).
pub use crate::db::places::{UNIT_KIND, UNIT_STATUS};
pub const POST_KIND: &[(&str, &str, &str)] =
    &[("news", "新闻动态", "News"), ("announcement", "通知公告", "Announcement")];
pub const POST_STATUS: &[(&str, &str, &str)] = &[("draft", "草稿", "Draft"), ("published", "已发布", "Published")];
pub const MILESTONE_KIND: &[(&str, &str, &str)] = &[
    ("construction_started", "开工", "Construction began"),
    ("handover", "竣工交付", "Handed over"),
    ("product_launch", "产品发布", "Product launch"),
    ("tenants", "入驻", "Tenants"),
    ("other", "其他", "Other"),
];

/// Every edited entity, in the admin's menu order.
pub static ENTITIES: &[&Entity] = &[
    &COMPANIES,
    &SECTORS,
    &PHASES,
    &BUILDINGS,
    &UNITS,
    &POSTS,
    &AWARDS,
    &COMPETITIONS,
    &MILESTONES,
    &DESIGNATIONS,
    &PARK,
];

pub fn entity(key: &str) -> Option<&'static Entity> {
    ENTITIES.iter().copied().find(|e| e.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_entities_are_searched_and_never_linked() {
        assert!(COMPANIES.picker.is_some());
        assert_eq!(AWARDS.field("company_id").map(Field::widget), Some("picker"));
        assert_eq!(MILESTONES.field("company_id").map(Field::widget), Some("picker"));
        assert_eq!(AWARDS.field("competition_id").map(Field::widget), Some("select"));
        assert_eq!(COMPANIES.field("phase_id").map(Field::widget), Some("select"));
        for e in ENTITIES {
            for link in e.links {
                assert!(entity(link.other_entity).is_some_and(|o| o.picker.is_none()), "{}.{}", e.key, link.name);
            }
            if let Some(p) = e.picker {
                for column in p.names {
                    assert!(e.field(column).is_some_and(|f| f.kind == Kind::Line), "{}.{column}", e.key);
                }
            }
        }
    }
}
