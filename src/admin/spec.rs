//! What the admin edits: one declaration per entity — its table, fields, links and references. The list,
//! form, validation, save, history and revert code is written once, against these declarations (the way
//! Django's admin works from a model's fields).

use crate::i18n::Lang;

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
    Text,
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

impl Kind {
    pub fn is_integer(self) -> bool {
        matches!(self, Kind::Integer { .. } | Kind::Money | Kind::Reference(_) | Kind::Bool)
    }
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
            Kind::Text | Kind::Slug | Kind::Date | Kind::Money => "text",
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
    field(column, Label(zh, en), Kind::Text, required, 200)
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
    /// Text columns kept in records and revisions but not edited on the form (a company's logo file).
    pub hidden: &'static [&'static str],
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
pub const COMPANY_STATUS: &[(&str, &str, &str)] =
    &[("active", "在园", "Active"), ("moved_out", "已迁出", "Moved out"), ("closed", "已关闭", "Closed")];
pub const BUILDING_KIND: &[(&str, &str, &str)] = &[
    ("science_tech", "科技楼", "Science and technology"),
    ("incubation", "孵化楼", "Incubation"),
    ("other", "其他", "Other"),
];
pub const MILESTONE_KIND: &[(&str, &str, &str)] = &[
    ("construction_started", "开工", "Construction began"),
    ("handover", "竣工交付", "Handed over"),
    ("product_launch", "产品发布", "Product launch"),
    ("tenants", "入驻", "Tenants"),
    ("other", "其他", "Other"),
];

const YEAR: Kind = Kind::Integer { min: 1900, max: 2100 };

pub static COMPANIES: Entity = Entity {
    key: "companies",
    table: "company",
    singular: Label("企业", "company"),
    plural: Label("企业", "Companies"),
    fields: &[
        with_help(
            field("slug", Label("网址标识", "URL slug"), Kind::Slug, true, 80),
            "小写字母、数字和连字符，如 gpixel",
            "Lower-case letters, digits and hyphens, e.g. gpixel",
        ),
        text("short_name_zh", "中文简称", "Chinese short name", true),
        with_help(
            text("short_name_en", "英文名称", "English name", false),
            "仅填写官方英文名称",
            "Only an official English name",
        ),
        text("legal_name_zh", "中文全称", "Registered Chinese name", false),
        text("legal_name_en", "英文全称", "Registered English name", false),
        field("phase_id", Label("所在分期", "Phase"), Kind::Reference("phases"), false, 0),
        field("building_id", Label("所在楼宇", "Building"), Kind::Reference("buildings"), false, 0),
        field("founded_year", Label("成立年份", "Year founded"), YEAR, false, 0),
        field("ciomp_spinoff", Label("长春光机所转化企业", "CIOMP spin-off"), Kind::Bool, false, 0),
        with_help(
            long("description_zh", "中文介绍", "Description (Chinese)", Kind::Markdown),
            "支持 Markdown",
            "Markdown allowed",
        ),
        with_help(
            long("description_en", "英文介绍", "Description (English)", Kind::Markdown),
            "支持 Markdown",
            "Markdown allowed",
        ),
        with_help(
            long("highlights_zh", "亮点（中文）", "Highlights (Chinese)", Kind::Lines),
            "每行一条",
            "One per line",
        ),
        with_help(
            long("highlights_en", "亮点（英文）", "Highlights (English)", Kind::Lines),
            "每行一条",
            "One per line",
        ),
        with_help(
            field("website", Label("网站", "Website"), Kind::Url, false, 300),
            "以 http:// 或 https:// 开头",
            "Starting with http:// or https://",
        ),
        field("status", Label("状态", "Status"), Kind::Choice(COMPANY_STATUS), true, 0),
    ],
    hidden: &["logo_path"],
    links: &[
        Link {
            name: "sector_ids",
            label: Label("产业方向", "Sectors"),
            join_table: "company_sector",
            own_column: "company_id",
            other_column: "sector_id",
            other_entity: "sectors",
        },
        Link {
            name: "designation_ids",
            label: Label("资质认定", "Designations"),
            join_table: "company_designation",
            own_column: "company_id",
            other_column: "designation_id",
            other_entity: "designations",
        },
    ],
    referrers: &[
        Referrer { table: "award", column: "company_id", label: Label("获奖", "awards"), title_column: "rank_zh" },
        Referrer {
            table: "milestone",
            column: "company_id",
            label: Label("大事记", "milestones"),
            title_column: "title_zh",
        },
    ],
    list_columns: &["slug", "phase_id", "status"],
    title: ("short_name_zh", "short_name_en"),
    order_by: "short_name_zh",
    singleton: false,
    picker: Some(Picker { names: &["short_name_zh", "short_name_en", "legal_name_zh", "legal_name_en"] }),
};

pub static SECTORS: Entity = Entity {
    key: "sectors",
    table: "sector",
    singular: Label("产业方向", "sector"),
    plural: Label("产业方向", "Sectors"),
    fields: &[
        field("slug", Label("网址标识", "URL slug"), Kind::Slug, true, 80),
        text("name_zh", "中文名称", "Chinese name", true),
        text("name_en", "英文名称", "English name", false),
        long("description_zh", "中文说明", "Description (Chinese)", Kind::Lines),
        long("description_en", "英文说明", "Description (English)", Kind::Lines),
        field("sort_order", Label("排序", "Sort order"), Kind::Integer { min: 0, max: 1000 }, true, 0),
    ],
    hidden: &[],
    links: &[],
    referrers: &[Referrer {
        table: "company_sector",
        column: "sector_id",
        label: Label("企业", "companies"),
        title_column: "company_id",
    }],
    list_columns: &["slug", "sort_order"],
    title: ("name_zh", "name_en"),
    order_by: "sort_order, id",
    singleton: false,
    picker: None,
};

pub static PHASES: Entity = Entity {
    key: "phases",
    table: "phase",
    singular: Label("分期", "phase"),
    plural: Label("园区分期", "Phases"),
    fields: &[
        field("number", Label("期次", "Number"), Kind::Integer { min: 1, max: 99 }, true, 0),
        text("name_zh", "中文名称", "Chinese name", true),
        text("name_en", "英文名称", "English name", false),
        with_help(
            field("status", Label("状态", "Status"), Kind::Choice(PHASE_STATUS), false, 0),
            "留空表示来源未说明",
            "Leave empty when the source does not say",
        ),
        with_help(
            field("construction_started_on", Label("开工", "Construction began"), Kind::Date, false, 10),
            "YYYY、YYYY-MM 或 YYYY-MM-DD",
            "YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        field("completed_on", Label("竣工", "Completed"), Kind::Date, false, 10),
        field("expected_completion_on", Label("预计竣工", "Expected completion"), Kind::Date, false, 10),
        field(
            "tenant_count_stated",
            Label("入驻企业数（公开）", "Tenants (stated)"),
            Kind::Integer { min: 0, max: 100_000 },
            false,
            0,
        ),
        with_help(
            field("as_of", Label("截至日期", "As of"), Kind::Date, false, 10),
            "所述状态和数字的日期",
            "The date the stated status and figures refer to",
        ),
        long("note_zh", "中文说明", "Note (Chinese)", Kind::Lines),
        long("note_en", "英文说明", "Note (English)", Kind::Lines),
        with_help(
            text("site_plan_alt_zh", "总平面图替代文字（中文）", "Site plan alt text (Chinese)", false),
            "描述图中内容，供看不到图片的读者使用；留空则为“（分期名称）总平面图”",
            "Describes the plan for readers who cannot see it; empty: the phase's name + 总平面图",
        ),
        with_help(
            text("site_plan_alt_en", "总平面图替代文字（英文）", "Site plan alt text (English)", false),
            "留空则为“Site plan of（英文分期名称）”",
            "Empty: “Site plan of” + the phase's English name",
        ),
    ],
    hidden: &["site_plan_path"],
    links: &[],
    referrers: &[
        Referrer {
            table: "company",
            column: "phase_id",
            label: Label("企业", "companies"),
            title_column: "short_name_zh",
        },
        Referrer {
            table: "building", column: "phase_id", label: Label("楼宇", "buildings"), title_column: "name_zh"
        },
        Referrer {
            table: "milestone",
            column: "phase_id",
            label: Label("大事记", "milestones"),
            title_column: "title_zh",
        },
    ],
    list_columns: &["number", "status", "as_of"],
    title: ("name_zh", "name_en"),
    order_by: "number",
    singleton: false,
    picker: None,
};

pub static BUILDINGS: Entity = Entity {
    key: "buildings",
    table: "building",
    singular: Label("楼宇", "building"),
    plural: Label("楼宇", "Buildings"),
    fields: &[
        field("phase_id", Label("所属分期", "Phase"), Kind::Reference("phases"), false, 0),
        text("name_zh", "中文名称", "Chinese name", true),
        text("name_en", "英文名称", "English name", false),
        field("kind", Label("类型", "Kind"), Kind::Choice(BUILDING_KIND), true, 0),
        field("building_count", Label("栋数", "Number of buildings"), Kind::Integer { min: 1, max: 1000 }, true, 0),
        field("completed_on", Label("竣工交付", "Completed"), Kind::Date, false, 10),
        long("note_zh", "中文说明", "Note (Chinese)", Kind::Lines),
        long("note_en", "英文说明", "Note (English)", Kind::Lines),
    ],
    hidden: &[],
    links: &[],
    referrers: &[
        Referrer {
            table: "company",
            column: "building_id",
            label: Label("企业", "companies"),
            title_column: "short_name_zh",
        },
        Referrer {
            table: "milestone",
            column: "building_id",
            label: Label("大事记", "milestones"),
            title_column: "title_zh",
        },
    ],
    list_columns: &["phase_id", "kind", "completed_on"],
    title: ("name_zh", "name_en"),
    order_by: "id",
    singleton: false,
    picker: None,
};

pub static DESIGNATIONS: Entity = Entity {
    key: "designations",
    table: "designation",
    singular: Label("资质认定", "designation"),
    plural: Label("资质认定", "Designations"),
    fields: &[
        field("slug", Label("网址标识", "URL slug"), Kind::Slug, true, 80),
        text("name_zh", "中文名称", "Chinese name", true),
        text("name_en", "英文名称", "English name", false),
        long("description_zh", "中文说明", "Description (Chinese)", Kind::Lines),
        long("description_en", "英文说明", "Description (English)", Kind::Lines),
    ],
    hidden: &[],
    links: &[],
    referrers: &[Referrer {
        table: "company_designation",
        column: "designation_id",
        label: Label("企业", "companies"),
        title_column: "company_id",
    }],
    list_columns: &["slug"],
    title: ("name_zh", "name_en"),
    order_by: "id",
    singleton: false,
    picker: None,
};

pub static COMPETITIONS: Entity = Entity {
    key: "competitions",
    table: "competition",
    singular: Label("赛事", "competition"),
    plural: Label("赛事", "Competitions"),
    fields: &[
        field("slug", Label("网址标识", "URL slug"), Kind::Slug, true, 80),
        text("name_zh", "中文名称", "Chinese name", true),
        text("name_en", "英文名称", "English name", false),
    ],
    hidden: &[],
    links: &[],
    referrers: &[Referrer {
        table: "award",
        column: "competition_id",
        label: Label("获奖", "awards"),
        title_column: "rank_zh",
    }],
    list_columns: &["slug"],
    title: ("name_zh", "name_en"),
    order_by: "id",
    singleton: false,
    picker: None,
};

pub static AWARDS: Entity = Entity {
    key: "awards",
    table: "award",
    singular: Label("获奖", "award"),
    plural: Label("获奖", "Awards"),
    fields: &[
        field("company_id", Label("企业", "Company"), Kind::Reference("companies"), true, 0),
        field("competition_id", Label("赛事", "Competition"), Kind::Reference("competitions"), true, 0),
        field("edition", Label("届次", "Edition"), Kind::Integer { min: 1, max: 999 }, false, 0),
        text("division_zh", "赛区（中文）", "Division (Chinese)", false),
        text("division_en", "赛区（英文）", "Division (English)", false),
        text("organiser_zh", "主办（中文）", "Organiser (Chinese)", false),
        text("organiser_en", "主办（英文）", "Organiser (English)", false),
        text("group_zh", "组别（中文）", "Group (Chinese)", false),
        text("group_en", "组别（英文）", "Group (English)", false),
        text("rank_zh", "奖项（中文）", "Rank (Chinese)", true),
        text("rank_en", "奖项（英文）", "Rank (English)", false),
        field("year", Label("年份", "Year"), YEAR, false, 0),
        with_help(
            field("prize_money_yuan", Label("奖金（元）", "Prize money (yuan)"), Kind::Money, false, 0),
            "整数元，如 40000",
            "Whole yuan, e.g. 40000",
        ),
        field("project_support_yuan", Label("项目支持（元）", "Project support (yuan)"), Kind::Money, false, 0),
    ],
    hidden: &[],
    links: &[],
    referrers: &[],
    list_columns: &["company_id", "competition_id", "prize_money_yuan"],
    title: ("rank_zh", "rank_en"),
    order_by: "id",
    singleton: false,
    picker: None,
};

pub static MILESTONES: Entity = Entity {
    key: "milestones",
    table: "milestone",
    singular: Label("大事记", "milestone"),
    plural: Label("大事记与产品", "Milestones and products"),
    fields: &[
        with_help(
            field("occurred_on", Label("日期", "Date"), Kind::Date, true, 10),
            "YYYY、YYYY-MM 或 YYYY-MM-DD",
            "YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        field("kind", Label("类型", "Kind"), Kind::Choice(MILESTONE_KIND), true, 0),
        field("company_id", Label("企业", "Company"), Kind::Reference("companies"), false, 0),
        field("phase_id", Label("分期", "Phase"), Kind::Reference("phases"), false, 0),
        field("building_id", Label("楼宇", "Building"), Kind::Reference("buildings"), false, 0),
        with_help(
            text("product_name", "产品名称", "Product name", false),
            "产品发布时填写，可被搜索",
            "For product launches; searchable",
        ),
        text("title_zh", "中文标题", "Title (Chinese)", true),
        text("title_en", "英文标题", "Title (English)", false),
        long("description_zh", "中文说明", "Description (Chinese)", Kind::Lines),
        long("description_en", "英文说明", "Description (English)", Kind::Lines),
    ],
    hidden: &[],
    links: &[],
    referrers: &[],
    list_columns: &["occurred_on", "kind", "company_id"],
    title: ("title_zh", "title_en"),
    order_by: "occurred_on desc, id desc",
    singleton: false,
    picker: None,
};

pub static PARK: Entity = Entity {
    key: "park",
    table: "park",
    singular: Label("园区介绍", "park text"),
    plural: Label("园区介绍", "Park text"),
    fields: &[
        text("name_zh", "中文名称", "Chinese name", true),
        text("name_en", "英文名称", "English name", false),
        text("alt_name_zh", "别名（中文）", "Other name (Chinese)", false),
        text("alt_name_en", "别名（英文）", "Other name (English)", false),
        text("nickname_zh", "称号（中文）", "Nickname (Chinese)", false),
        text("nickname_en", "称号（英文）", "Nickname (English)", false),
        long("location_zh", "位置（中文）", "Location (Chinese)", Kind::Lines),
        long("location_en", "位置（英文）", "Location (English)", Kind::Lines),
        long("builders_zh", "建设方（中文）", "Builders (Chinese)", Kind::Lines),
        long("builders_en", "建设方（英文）", "Builders (English)", Kind::Lines),
        long("aim_zh", "目标（中文）", "Aim (Chinese)", Kind::Lines),
        long("aim_en", "目标（英文）", "Aim (English)", Kind::Lines),
        long("strategy_zh", "发展思路（中文）", "Strategy (Chinese)", Kind::Lines),
        long("strategy_en", "发展思路（英文）", "Strategy (English)", Kind::Lines),
        long("ecosystem_zh", "产业生态（中文）", "Ecosystem (Chinese)", Kind::Lines),
        long("ecosystem_en", "产业生态（英文）", "Ecosystem (English)", Kind::Lines),
        long("core_competence_zh", "核心竞争力（中文）", "Core competence (Chinese)", Kind::Lines),
        long("core_competence_en", "核心竞争力（英文）", "Core competence (English)", Kind::Lines),
        long("industry_layout_zh", "产业布局（中文）", "Industry layout (Chinese)", Kind::Lines),
        long("industry_layout_en", "产业布局（英文）", "Industry layout (English)", Kind::Lines),
        long("jobs_zh", "就业（中文）", "Jobs (Chinese)", Kind::Lines),
        long("jobs_en", "就业（英文）", "Jobs (English)", Kind::Lines),
        long("outlook_zh", "前景（中文）", "Outlook (Chinese)", Kind::Lines),
        long("outlook_en", "前景（英文）", "Outlook (English)", Kind::Lines),
        long("policy_context_zh", "政策背景（中文）", "Policy context (Chinese)", Kind::Lines),
        long("policy_context_en", "政策背景（英文）", "Policy context (English)", Kind::Lines),
        long("history_zh", "发展历史（中文）", "History (Chinese)", Kind::Lines),
        long("history_en", "发展历史（英文）", "History (English)", Kind::Lines),
        with_help(
            text("contact_office_zh", "联系部门（中文）", "Contact office (Chinese)", false),
            "如“园区招商服务中心”。留空时网站显示“未说明”。",
            "E.g. the park's investment service centre. Left empty, the site says “not stated”.",
        ),
        text("contact_office_en", "联系部门（英文）", "Contact office (English)", false),
        field("contact_phone", Label("联系电话", "Phone"), Kind::Phone, false, 40),
        field("contact_email", Label("电子邮件", "Email"), Kind::Email, false, 254),
    ],
    hidden: &[],
    links: &[],
    referrers: &[],
    list_columns: &[],
    title: ("name_zh", "name_en"),
    order_by: "id",
    singleton: true,
    picker: None,
};

/// Every edited entity, in the admin's menu order.
pub static ENTITIES: &[&Entity] =
    &[&COMPANIES, &SECTORS, &PHASES, &BUILDINGS, &AWARDS, &COMPETITIONS, &MILESTONES, &DESIGNATIONS, &PARK];

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
                    assert!(e.field(column).is_some_and(|f| f.kind == Kind::Text), "{}.{column}", e.key);
                }
            }
        }
    }
}
