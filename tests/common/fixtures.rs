//! Rows a test needs, made by small builders instead of an SQL string in each test:
//! `company("ainai").zh("欸乃光电").insert(&app).await`, or `companies("bulk-", 5000).zh("批量").insert(&app)`.
//!
//! They write straight to the database, as someone at the sqlite3 prompt or another process would (no
//! revision, no version bump): a test that means an editor's save posts the admin form instead. Call
//! [`TestApp::settle`](super::TestApp::settle) afterwards when the public pages must show the rows.

use super::TestApp;

/// One company; every column not set is left to the table's default (NULL for most).
#[derive(Debug, Clone)]
pub struct Company {
    id: Option<i64>,
    slug: String,
    zh: String,
    en: Option<String>,
    legal_en: Option<String>,
    description_zh: Option<String>,
    phase: Option<i64>,
}

/// A company with this slug, its Chinese short name the slug until [`Company::zh`] says otherwise.
pub fn company(slug: &str) -> Company {
    Company {
        id: None,
        slug: slug.to_string(),
        zh: slug.to_string(),
        en: None,
        legal_en: None,
        description_zh: None,
        phase: None,
    }
}

impl Company {
    /// A fixed id (otherwise the database gives the next one).
    pub fn id(mut self, id: i64) -> Self {
        self.id = Some(id);
        self
    }

    /// The Chinese short name.
    pub fn zh(mut self, name: &str) -> Self {
        self.zh = name.to_string();
        self
    }

    /// The English short name.
    pub fn en(mut self, name: &str) -> Self {
        self.en = Some(name.to_string());
        self
    }

    /// The English legal name.
    pub fn legal_en(mut self, name: &str) -> Self {
        self.legal_en = Some(name.to_string());
        self
    }

    pub fn description_zh(mut self, text: &str) -> Self {
        self.description_zh = Some(text.to_string());
        self
    }

    /// The phase's id (the seed's phases 1–3 have ids 1–3).
    pub fn phase(mut self, phase_id: i64) -> Self {
        self.phase = Some(phase_id);
        self
    }

    /// Inserts the row; returns its id. Columns not set are not named, so the table's defaults apply.
    pub async fn insert(&self, app: &TestApp) -> i64 {
        let mut columns =
            vec![("slug", Value::Text(self.slug.clone())), ("short_name_zh", Value::Text(self.zh.clone()))];
        let optional = [
            ("id", self.id.map(Value::Int)),
            ("short_name_en", self.en.clone().map(Value::Text)),
            ("legal_name_en", self.legal_en.clone().map(Value::Text)),
            ("description_zh", self.description_zh.clone().map(Value::Text)),
            ("phase_id", self.phase.map(Value::Int)),
        ];
        columns.extend(optional.into_iter().filter_map(|(column, value)| Some((column, value?))));
        let names: Vec<&str> = columns.iter().map(|(column, _)| *column).collect();
        let sql = format!(
            "insert into company ({}) values ({}) returning id",
            names.join(", "),
            vec!["?"; names.len()].join(", ")
        );
        let mut query = sqlx::query_scalar(&sql);
        for (_, value) in columns {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(n) => query.bind(n),
            };
        }
        query.fetch_one(&app.state.pool).await.unwrap_or_else(|e| panic!("insert company {}: {e}", self.slug))
    }
}

enum Value {
    Text(String),
    Int(i64),
}

/// Many companies in one statement: slugs and names are a prefix followed by a number.
#[derive(Debug, Clone)]
pub struct Companies {
    count: usize,
    first: usize,
    width: usize,
    slug: String,
    zh: String,
    en: Option<String>,
    legal_en: Option<String>,
    description_zh: Option<String>,
    phase: Option<i64>,
}

/// `count` companies with slugs `{slug_prefix}1` … `{slug_prefix}{count}`; their Chinese names are the
/// slugs until [`Companies::zh`] gives a prefix of their own.
pub fn companies(slug_prefix: &str, count: usize) -> Companies {
    Companies {
        count,
        first: 1,
        width: 0,
        slug: slug_prefix.to_string(),
        zh: slug_prefix.to_string(),
        en: None,
        legal_en: None,
        description_zh: None,
        phase: None,
    }
}

impl Companies {
    /// Numbers from `first` (1 unless set), written with at least `width` digits (`07`).
    pub fn numbered(mut self, first: usize, width: usize) -> Self {
        self.first = first;
        self.width = width;
        self
    }

    /// Chinese short names: this prefix and the number.
    pub fn zh(mut self, prefix: &str) -> Self {
        self.zh = prefix.to_string();
        self
    }

    /// English short names: this prefix and the number.
    pub fn en(mut self, prefix: &str) -> Self {
        self.en = Some(prefix.to_string());
        self
    }

    /// English legal names: this prefix and the number.
    pub fn legal_en(mut self, prefix: &str) -> Self {
        self.legal_en = Some(prefix.to_string());
        self
    }

    /// The same Chinese description for every one.
    pub fn description_zh(mut self, text: &str) -> Self {
        self.description_zh = Some(text.to_string());
        self
    }

    /// The phase's id, for every one.
    pub fn phase(mut self, phase_id: i64) -> Self {
        self.phase = Some(phase_id);
        self
    }

    /// Inserts the rows (one statement, fast for thousands). Columns not set are not named, so the table's
    /// defaults apply.
    pub async fn insert(&self, app: &TestApp) {
        if self.count == 0 {
            return;
        }
        let number = if self.width == 0 { "i".to_string() } else { format!("printf('%0{}d', i)", self.width) };
        // (column, expression over the row number `i`, bound value)
        let mut columns = vec![
            ("slug", format!("? || {number}"), Value::Text(self.slug.clone())),
            ("short_name_zh", format!("? || {number}"), Value::Text(self.zh.clone())),
        ];
        let numbered = [("short_name_en", &self.en), ("legal_name_en", &self.legal_en)];
        for (column, prefix) in numbered {
            if let Some(prefix) = prefix {
                columns.push((column, format!("? || {number}"), Value::Text(prefix.clone())));
            }
        }
        if let Some(text) = &self.description_zh {
            columns.push(("description_zh", "?".to_string(), Value::Text(text.clone())));
        }
        if let Some(phase) = self.phase {
            columns.push(("phase_id", "?".to_string(), Value::Int(phase)));
        }
        let sql = format!(
            "with recursive n(i) as (select ? union all select i + 1 from n where i < ?)
             insert into company ({}) select {} from n",
            columns.iter().map(|(column, _, _)| *column).collect::<Vec<_>>().join(", "),
            columns.iter().map(|(_, expression, _)| expression.as_str()).collect::<Vec<_>>().join(", "),
        );
        let last = self.first + self.count - 1;
        let mut query = sqlx::query(&sql).bind(self.first as i64).bind(last as i64);
        for (_, _, value) in columns {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(n) => query.bind(n),
            };
        }
        query
            .execute(&app.state.pool)
            .await
            .unwrap_or_else(|e| panic!("insert {} companies {}…: {e}", self.count, self.slug));
    }
}
