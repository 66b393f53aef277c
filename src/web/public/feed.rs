//! `/feed.atom` and `/en/feed.atom`: what changed in the park, as Atom 1.0 (RFC 4287).
//!
//! Entries come from two places: the admin's revision history of public entries (a company added or its
//! profile updated, an award added, a phase whose status changed), the dated milestones of the park and its
//! companies (construction, handovers, product launches), and the park's news and announcements. Each entry's
//! id is a `tag:` URI built from the revision, milestone or post id, so it never changes for the same event.
//! Nothing about who edited is published.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::admin::spec;
use crate::catalog::{Catalog, Milestone, PhaseStatus};
use crate::db::events::PublicChange;
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::AppResult;

/// Entries in a feed: enough for any reader polling daily, small enough to stay cheap.
pub const MAX_ENTRIES: usize = 50;
/// Revisions read per request: phase edits that leave the status alone are skipped, so read more than shown.
const REVISIONS_READ: i64 = 500;
/// The `tag:` URI date (RFC 4151): fixed, so ids stay the same for as long as the site keeps its host name.
const TAG_DATE: &str = "2023";
/// Milestones are dated in the park's own time zone (China Standard Time).
const PARK_OFFSET: &str = "+08:00";

/// One Atom entry, ready to print.
pub struct Entry {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Absolute URL of the page about it, in the feed's language.
    pub link: String,
    /// RFC 3339.
    pub updated: String,
    pub published: Option<String>,
    /// `company`, `award`, `phase`, `milestone`.
    pub category: &'static str,
    pub category_label: &'static str,
    /// For ordering: `updated` as an instant, then the newer record first.
    order: (OffsetDateTime, i64),
}

#[derive(Template)]
#[template(path = "public/feed.xml")]
struct Feed<'a> {
    l: Lang,
    id: String,
    title: &'a str,
    subtitle: &'static str,
    updated: String,
    self_url: String,
    home_url: String,
    data_url: String,
    rights: &'static str,
    entries: Vec<Entry>,
}

pub async fn show(State(state): State<AppState>, ctx: crate::web::Ctx, headers: HeaderMap) -> AppResult<Response> {
    let l = ctx.lang;
    let catalog = state.catalog();
    let changes = crate::db::events::public_changes(&state.pool, REVISIONS_READ).await?;
    let tag = tag_prefix(&state.settings.public_url);
    let entries = entries(&state, &catalog, l, &tag, &changes);
    // The feed changed when its newest entry did; with no entry at all, when the data last did.
    let updated = entries.first().map(|e| e.updated.clone()).unwrap_or_else(|| catalog.last_modified().to_string());
    let name = catalog.park.name.get(l).to_string();
    let feed = Feed {
        l,
        id: format!("{tag}feed/{}", lang_key(l)),
        title: &name,
        subtitle: l.t(
            "园区动态：新入驻企业、企业资料更新、获奖、大事记与分期进展。",
            "What changed in the park: new companies, updated profiles, awards, milestones and phase progress.",
        ),
        updated: updated.clone(),
        self_url: state.absolute(&l.url("/feed.atom")),
        home_url: state.absolute(&l.url("/")),
        data_url: state.absolute(&l.url("/data")),
        rights: l.t(
            "本站汇编内容以 CC BY 4.0 许可发布；事实取自所注明的公开报道。",
            "The portal's compilation is published under CC BY 4.0; the facts come from the cited public reporting.",
        ),
        entries,
    };
    let xml = feed.render()?;
    // Any admin change can reword an entry (a renamed company, a corrected award) without adding one, so the
    // response is as new as the newest entry or the newest change, whichever is later.
    let modified = [updated.as_str(), catalog.last_modified()]
        .into_iter()
        .max_by_key(|t| parse_time(t).unwrap_or(OffsetDateTime::UNIX_EPOCH))
        .unwrap_or(catalog.last_modified());
    Ok(crate::web::cache::dated_response(&headers, modified, "application/atom+xml; charset=utf-8", Body::from(xml)))
}

fn lang_key(l: Lang) -> &'static str {
    if l.is_en() { "en" } else { "zh" }
}

/// `tag:HOST,2023:` for the site's host name (without a port, which a tag URI cannot carry).
fn tag_prefix(public_url: &str) -> String {
    let host = url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("tag:{host},{TAG_DATE}:")
}

/// Every entry for language `l`, newest first, at most [`MAX_ENTRIES`].
fn entries(state: &AppState, catalog: &Catalog, l: Lang, tag: &str, changes: &[PublicChange]) -> Vec<Entry> {
    let mut out: Vec<Entry> = changes.iter().filter_map(|c| revision_entry(state, catalog, l, tag, c)).collect();
    // Each milestone's newest admin change (changes are newest first), to date and order it among the others.
    let mut last_change: HashMap<i64, (OffsetDateTime, i64)> = HashMap::new();
    for c in changes.iter().filter(|c| c.entity == "milestones") {
        if let Some(at) = parse_time(&c.created_at) {
            last_change.entry(c.entity_id).or_insert((at, c.id));
        }
    }
    out.extend(catalog.milestones.iter().filter_map(|m| {
        // Beyond the revisions read, the catalog still knows when it was last edited.
        let changed = last_change
            .get(&m.id)
            .copied()
            .or_else(|| catalog.edited_at("milestones", m.id).and_then(parse_time).map(|at| (at, 0)));
        milestone_entry(state, catalog, l, tag, m, changed)
    }));
    out.extend(catalog.posts.iter().filter_map(|p| post_entry(state, catalog, l, tag, p)));
    out.sort_by_key(|e| std::cmp::Reverse(e.order));
    out.truncate(MAX_ENTRIES);
    out
}

/// A news post or announcement: published when it appeared, updated at its last edit after that (an edit
/// does not move it up the feed: a reworded post is not new news). Ordered after revisions of the same instant.
fn post_entry(
    state: &AppState,
    catalog: &Catalog,
    l: Lang,
    tag: &str,
    p: &crate::catalog::news::Post,
) -> Option<Entry> {
    let published = p.published_rfc3339();
    let updated = catalog.edited_at("posts", p.id).and_then(parse_time).filter(|at| *at > p.published);
    Some(Entry {
        id: format!("{tag}post/{}/{}", p.id, lang_key(l)),
        title: clean(p.title.get(l)),
        summary: clean(p.summary.get(l)),
        link: state.absolute(&l.url(&p.path())),
        updated: match updated {
            Some(at) => at.format(&Rfc3339).ok()?,
            None => published.clone(),
        },
        published: Some(published),
        category: p.kind_key(),
        category_label: crate::catalog::news::kind_label(&p.kind, l),
        order: (p.published, -p.id),
    })
}

fn parse_time(rfc3339: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(rfc3339, &Rfc3339).ok()
}

fn values(json: Option<&str>) -> BTreeMap<String, Value> {
    json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
}

/// What an admin change says as news, before it becomes a feed entry.
struct News {
    title: String,
    summary: String,
    path: String,
    category: &'static str,
    category_label: &'static str,
}

/// An entry for one admin change, or None when it is not news (a phase edit that kept the status) or its
/// entry is gone from the public site (deleted since).
fn revision_entry(state: &AppState, catalog: &Catalog, l: Lang, tag: &str, change: &PublicChange) -> Option<Entry> {
    let at = parse_time(&change.created_at)?;
    let added = matches!(change.action.as_str(), "create" | "restore");
    let news = match change.entity.as_str() {
        "companies" => company_news(catalog, l, change, added)?,
        "awards" if added => award_news(catalog, l, change)?,
        "phases" if change.action != "create" => phase_news(catalog, l, change)?,
        // Milestones are entries of their own (below), dated by when they happened; their revisions only
        // move their `updated` time. Other changes are not news.
        _ => return None,
    };
    Some(Entry {
        id: format!("{tag}revision/{}/{}", change.id, lang_key(l)),
        title: clean(&news.title),
        summary: clean(&news.summary),
        link: state.absolute(&l.url(&news.path)),
        updated: at.format(&Rfc3339).ok()?,
        published: None,
        category: news.category,
        category_label: news.category_label,
        order: (at, change.id),
    })
}

/// A company added, or its profile changed (naming the fields).
fn company_news(catalog: &Catalog, l: Lang, change: &PublicChange, added: bool) -> Option<News> {
    let c = catalog.company(change.entity_id)?;
    let name = c.name.get(l);
    let (title, summary) = if added {
        let title = match l {
            Lang::Zh => format!("新入驻企业：{name}"),
            Lang::En => format!("New company: {name}"),
        };
        (title, c.summary(l))
    } else {
        let changed = changed_fields(&spec::COMPANIES, change, l);
        let summary = match (l, changed.is_empty()) {
            (_, true) => c.summary(l),
            (Lang::Zh, false) => format!("更新了：{}。", changed.join("、")),
            (Lang::En, false) => format!("Updated: {}.", changed.join(", ")),
        };
        let title = match l {
            Lang::Zh => format!("企业资料更新：{name}"),
            Lang::En => format!("Profile updated: {name}"),
        };
        (title, summary)
    };
    let path = format!("/companies/{}", c.slug);
    Some(News { title, summary, path, category: "company", category_label: l.t("企业", "Company") })
}

/// An award won: who, what, and the money and support it brought.
fn award_news(catalog: &Catalog, l: Lang, change: &PublicChange) -> Option<News> {
    let a = catalog.awards.iter().find(|a| a.id == change.entity_id)?;
    let company = catalog.company(a.company_id)?;
    let competition = catalog.competition(a.competition_id).map(|c| c.name.get(l)).unwrap_or_default();
    let edition = a.edition_label(l);
    let title = match l {
        Lang::Zh => format!("新获奖：{} 获{edition}{competition}{}", company.name.get(l), a.rank.get(l)),
        Lang::En => {
            let edition = if edition.is_empty() { String::new() } else { format!("{edition} ") };
            format!("New award: {} wins {}, {edition}{competition}", company.name.get(l), a.rank.get(l))
        }
    };
    let mut details: Vec<String> =
        [&a.division, &a.group].into_iter().filter(|t| !t.is_empty()).map(|t| t.get(l).to_string()).collect();
    if let Some(m) = a.prize_money_yuan {
        details.push(format!("{}{}", l.t("奖金 ", "prize money "), l.yuan(m)));
    }
    if let Some(s) = a.project_support_yuan {
        details.push(format!("{}{}", l.t("项目支持 ", "project support "), l.yuan(s)));
    }
    let summary = details.join(l.t("；", "; "));
    let summary = if summary.is_empty() { title.clone() } else { summary };
    let path = format!("/companies/{}", company.slug);
    Some(News { title, summary, path, category: "award", category_label: l.t("获奖", "Award") })
}

/// A phase's status changed (other edits of a phase are not news).
fn phase_news(catalog: &Catalog, l: Lang, change: &PublicChange) -> Option<News> {
    let p = catalog.phase(change.entity_id)?;
    let status = |json: Option<&str>| values(json).get("status").and_then(Value::as_str).map(str::to_string);
    let (before, after) = (status(change.before_json.as_deref()), status(change.after_json.as_deref()));
    if before == after {
        return None;
    }
    let label = |s: &Option<String>| match s.as_deref().and_then(PhaseStatus::parse) {
        Some(s) => s.label(l),
        None => l.t("未说明", "not stated"),
    };
    let name = p.name.get(l);
    let (from, to) = (label(&before), label(&after));
    let (title, summary) = match l {
        Lang::Zh => (format!("{name}状态变更：{to}"), format!("{name}的状态由“{from}”变为“{to}”。")),
        Lang::En => (format!("{name} is now: {to}"), format!("{name} changed from “{from}” to “{to}”.")),
    };
    let path = format!("/phases/{}", p.number);
    Some(News { title, summary, path, category: "phase", category_label: l.t("分期", "Phase") })
}

/// Labels of the public fields a change touched, in form order.
fn changed_fields(entity: &spec::Entity, change: &PublicChange, l: Lang) -> Vec<&'static str> {
    let (before, after) = (values(change.before_json.as_deref()), values(change.after_json.as_deref()));
    let mut keys: Vec<&str> = entity.fields.iter().map(|f| f.column).collect();
    keys.extend(entity.links.iter().map(|k| k.name));
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .filter_map(|k| entity.label_of(k).map(|label| label.get(l)))
        .collect()
}

/// A milestone's date as the first instant it can mean (`2021` → 1 January 2021, `2021-09` → 1 September),
/// in the park's time zone, with whether the source gave it to the year, month or day.
fn milestone_date(occurred_on: &str) -> Option<(String, Precision)> {
    let mut parts = occurred_on.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month = parts.next().map(|m| m.parse::<u8>().ok()).unwrap_or(Some(1))?;
    let day = parts.next().map(|d| d.parse::<u8>().ok()).unwrap_or(Some(1))?;
    let precision = match occurred_on.trim().matches('-').count() {
        0 => Precision::Year,
        1 => Precision::Month,
        _ => Precision::Day,
    };
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    Some((format!("{date}T00:00:00{PARK_OFFSET}"), precision))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Year,
    Month,
    Day,
}

/// The entry of a milestone; `changed` is its last admin change (time, revision id), if any.
fn milestone_entry(
    state: &AppState,
    catalog: &Catalog,
    l: Lang,
    tag: &str,
    m: &Milestone,
    changed: Option<(OffsetDateTime, i64)>,
) -> Option<Entry> {
    let (published, precision) = milestone_date(&m.occurred_on)?;
    let happened = parse_time(&published)?;
    // Recorded or corrected through the admin after it happened: that is when it became news here.
    let (order, updated) = match changed.filter(|(at, _)| *at > happened) {
        Some((at, revision)) => ((at, revision), at.format(&Rfc3339).ok()?),
        // Milestones sort after revisions made at the same instant; their ids are a separate sequence.
        None => ((happened, -m.id), published.clone()),
    };
    let title = match l {
        Lang::Zh => format!("{}：{}", l.date(&m.occurred_on), m.title.get(l)),
        Lang::En => format!("{}: {}", l.date(&m.occurred_on), m.title.get(l)),
    };
    let mut summary = m.description.get(l).to_string();
    let note = match precision {
        Precision::Year => Some(l.t(
            "来源只给出年份；本条按该年1月1日排序。",
            "The source gives the year only; this entry is dated 1 January of that year.",
        )),
        Precision::Month => Some(l.t(
            "来源只给出年月；本条按该月1日排序。",
            "The source gives the month only; this entry is dated the first day of that month.",
        )),
        Precision::Day => None,
    };
    if let Some(note) = note {
        if !summary.is_empty() {
            summary.push(' ');
        }
        summary.push_str(note);
    }
    let path = milestone_page(catalog, m);
    Some(Entry {
        id: format!("{tag}milestone/{}/{}", m.id, lang_key(l)),
        title: clean(&title),
        summary: clean(&summary),
        link: state.absolute(&l.url(&path)),
        updated,
        published: Some(published),
        category: "milestone",
        category_label: l.t("大事记", "Milestone"),
        order,
    })
}

/// The page a milestone is shown on: its company's profile, its phase, or the phases overview.
fn milestone_page(catalog: &Catalog, m: &Milestone) -> String {
    if let Some(c) = m.company_id.and_then(|id| catalog.company(id)) {
        return format!("/companies/{}", c.slug);
    }
    let phase = m.phase_id.or_else(|| m.building_id.and_then(|b| catalog.building(b)).and_then(|b| b.phase_id));
    match phase.and_then(|id| catalog.phase(id)) {
        Some(p) => format!("/phases/{}", p.number),
        None => "/phases".to_string(),
    }
}

/// Text safe for XML 1.0: control characters an editor may have pasted are dropped (XML cannot carry them
/// even escaped); line breaks become spaces.
fn clean(text: &str) -> String {
    let one_line: String =
        text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|c| !c.is_control()).collect();
    one_line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_map_to_their_first_day() {
        assert_eq!(milestone_date("2021"), Some(("2021-01-01T00:00:00+08:00".into(), Precision::Year)));
        assert_eq!(milestone_date("2021-09"), Some(("2021-09-01T00:00:00+08:00".into(), Precision::Month)));
        assert_eq!(milestone_date("2023-02-14"), Some(("2023-02-14T00:00:00+08:00".into(), Precision::Day)));
        assert_eq!(milestone_date("2023-02-30"), None);
        assert_eq!(milestone_date("soon"), None);
    }

    #[test]
    fn tag_uris_leave_out_the_port() {
        assert_eq!(tag_prefix("http://127.0.0.1:3000"), "tag:127.0.0.1,2023:");
        assert_eq!(tag_prefix("https://Park.Example"), "tag:park.example,2023:");
    }

    #[test]
    fn text_for_xml_has_no_control_characters() {
        assert_eq!(clean("a\u{1}b\n c\t"), "ab c");
    }
}
