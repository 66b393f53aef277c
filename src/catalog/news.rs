//! News and announcements in the read model: the published posts whose time has come, newest first, and the
//! time the next scheduled one is due (the publisher wakes for it: [`crate::app`]). What a post is about: the
//! phases and buildings staff tick, and the companies its text links to (`/companies/{slug}`).

use time::OffsetDateTime;

use super::Catalog;
use crate::db::posts::{PostRow, beijing_moment};
use crate::i18n::{Lang, Text};
use crate::query::QueryParam;

/// The parameters the news list reads, in their canonical order.
pub const PARAMS: &[QueryParam] = &[QueryParam::one("kind"), QueryParam::one("page").or("1")];
/// Posts on one page of the list.
pub const PER_PAGE: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: i64,
    pub slug: String,
    /// `news` or `announcement`.
    pub kind: String,
    /// When it appeared.
    pub published: OffsetDateTime,
    /// The same as the catalog's change times are kept: `YYYY-MM-DDTHH:MM:SSZ`.
    pub published_utc: String,
    pub pinned: bool,
    pub title: Text,
    /// As written, or else the body's first paragraph, as plain text.
    pub summary: Text,
    /// Markdown.
    pub body: Text,
    pub image_path: Option<String>,
    pub image_alt: Text,
    pub phase_ids: Vec<i64>,
    pub building_ids: Vec<i64>,
    /// Slugs of the companies the text links to, in either language, each once.
    pub company_slugs: Vec<String>,
}

/// The published posts of a read: those due by `now` (newest first), and the next to come due (when, which).
pub(super) fn due(rows: Vec<PostRow>, now: OffsetDateTime) -> (Vec<Post>, Option<(OffsetDateTime, i64)>) {
    let mut posts = Vec::new();
    let mut next: Option<(OffsetDateTime, i64)> = None;
    for row in rows {
        let Some(at) = beijing_moment(&row.publish_at) else { continue };
        if at > now {
            if next.is_none_or(|(n, _)| at < n) {
                next = Some((at, row.id));
            }
            continue;
        }
        posts.push(post(row, at));
    }
    posts.sort_by(|a, b| b.published.cmp(&a.published).then(b.id.cmp(&a.id)));
    // One post is pinned: the newest public one marked so. An older pin lapses, and a pinned draft or
    // scheduled post takes over only once it is public (a rule here, not in the table, for that reason).
    let mut pinned_seen = false;
    for p in &mut posts {
        if pinned_seen {
            p.pinned = false;
        }
        pinned_seen |= p.pinned;
    }
    (posts, next)
}

fn ids(list: Option<String>) -> Vec<i64> {
    list.unwrap_or_default().split(',').filter_map(|id| id.trim().parse().ok()).collect()
}

fn post(r: PostRow, published: OffsetDateTime) -> Post {
    let summary = |written: String, body: &str| {
        if written.trim().is_empty() { crate::markdown::first_paragraph_text(body) } else { written }
    };
    let mut company_slugs = linked_companies(&r.body_zh);
    for slug in linked_companies(&r.body_en) {
        if !company_slugs.contains(&slug) {
            company_slugs.push(slug);
        }
    }
    Post {
        id: r.id,
        slug: r.slug,
        kind: r.kind,
        published_utc: utc_stamp(published),
        published,
        pinned: r.pinned,
        summary: Text::new(summary(r.summary_zh, &r.body_zh), summary(r.summary_en, &r.body_en)),
        title: Text::new(r.title_zh, r.title_en),
        body: Text::new(r.body_zh, r.body_en),
        image_path: r.image_path.filter(|p| !p.is_empty()),
        image_alt: Text::new(r.image_alt_zh, r.image_alt_en),
        phase_ids: ids(r.phase_ids),
        building_ids: ids(r.building_ids),
        company_slugs,
    }
}

/// The company slugs a Markdown text links to: `/companies/{slug}` or `/en/companies/{slug}`, relative or on any
/// host (the portal's own address is not known here; a slug no company has is simply not shown).
fn linked_companies(markdown: &str) -> Vec<String> {
    let mut slugs = Vec::new();
    for event in pulldown_cmark::Parser::new(markdown) {
        let pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { dest_url, .. }) = event else { continue };
        let path = dest_url.split(['?', '#']).next().unwrap_or_default();
        let Some((_, rest)) = path.split_once("/companies/") else { continue };
        let slug = rest.trim_end_matches('/');
        if !slug.is_empty() && !slug.contains('/') && !slugs.iter().any(|s| s == slug) {
            slugs.push(slug.to_string());
        }
    }
    slugs
}

fn utc_stamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(format).unwrap_or_default()
}

/// The label of a post kind in `l`.
pub fn kind_label(kind: &str, l: Lang) -> &'static str {
    match kind {
        "announcement" => l.t("通知公告", "Announcement"),
        _ => l.t("新闻动态", "News"),
    }
}

impl Post {
    /// The day it appeared, Beijing time: `YYYY-MM-DD`.
    pub fn day(&self) -> String {
        let at = self.published.to_offset(crate::db::PARK_OFFSET);
        format!("{:04}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day())
    }

    /// When it appeared, as RFC 3339 (feeds, `datePublished`).
    pub fn published_rfc3339(&self) -> String {
        self.published
            .to_offset(crate::db::PARK_OFFSET)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    pub fn kind_label(&self, l: impl std::borrow::Borrow<Lang>) -> &'static str {
        kind_label(&self.kind, *l.borrow())
    }

    /// The kind as a fixed key: `announcement` or `news`.
    pub fn kind_key(&self) -> &'static str {
        if self.kind == "announcement" { "announcement" } else { "news" }
    }

    pub fn path(&self) -> String {
        format!("/news/{}", self.slug)
    }
}

impl Catalog {
    pub fn post_by_slug(&self, slug: &str) -> Option<&Post> {
        self.posts.iter().find(|p| p.slug == slug)
    }

    /// The pinned post, if one is pinned and public.
    pub fn pinned_post(&self) -> Option<&Post> {
        self.posts.iter().find(|p| p.pinned)
    }

    /// Posts of a kind (all with None), newest first.
    pub fn posts_of_kind<'a>(&'a self, kind: Option<&'a str>) -> impl Iterator<Item = &'a Post> + 'a {
        self.posts.iter().filter(move |p| kind.is_none_or(|k| p.kind == k))
    }

    /// The newest posts about a phase or one of its buildings, at most `limit`.
    pub fn posts_about_phase(&self, phase: &super::Phase, limit: usize) -> Vec<&Post> {
        let about = |p: &&Post| {
            p.phase_ids.contains(&phase.id) || p.building_ids.iter().any(|b| phase.building_ids.contains(b))
        };
        self.posts.iter().filter(about).take(limit).collect()
    }

    /// The newest posts whose text links to a company, at most `limit`.
    pub fn posts_about_company(&self, slug: &str, limit: usize) -> Vec<&Post> {
        self.posts.iter().filter(|p| p.company_slugs.iter().any(|s| s == slug)).take(limit).collect()
    }

    /// The posts the home page shows: the pinned one first, then the newest.
    pub fn front_page_posts(&self, limit: usize) -> Vec<&Post> {
        let pinned = self.pinned_post();
        pinned.into_iter().chain(self.posts.iter().filter(|p| !p.pinned)).take(limit).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_links_in_either_form_are_found_once() {
        let md = "[长光卫星](/companies/changguang-satellite) and [it](https://park.example/en/companies/changguang-satellite/) \
                  and [Gpixel](/en/companies/gpixel?x=1#a), not [a sector](/sectors/optics) nor [deep](/companies/a/b)";
        assert_eq!(linked_companies(md), vec!["changguang-satellite", "gpixel"]);
    }
}
