//! For search engines: `/sitemap.xml` (every public page in both languages, with its alternates and when it
//! last changed) and `/robots.txt`.
//!
//! A sitemap file may list at most 50,000 URLs. Past [`URLS_PER_FILE`], `/sitemap.xml` becomes a sitemap
//! index of `/sitemap-1.xml`, `/sitemap-2.xml`, … Files are kept far below the protocol's limit so that each,
//! with its compressed copies, is kept by the response cache (`web::cache`, which keeps an entry of up to 1.5 MB
//! on any number of cores): a 10,000-URL file (4.2 MB) was rendered and compressed again on every request, a
//! 2,000-URL one (0.85 MB) is served from memory. At 100,000 companies that makes 101 files, which crawlers
//! fetch one by one anyway.

use std::borrow::Cow;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::catalog::Catalog;
use crate::i18n::Lang;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};

/// URLs per sitemap file (each page counts twice: once per language).
pub const URLS_PER_FILE: usize = 2_000;

/// Lists whose date is the catalog's: the home page, the directory and the area pages (`/stats` and
/// `/data` summarise everything too).
const LIST_PAGES: &[&str] =
    &["/", "/news", "/companies", "/sectors", "/phases", "/space", "/apply", "/awards", "/about", "/stats", "/data"];

/// One page of the site, which exists in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'a> {
    /// The Chinese path (`/companies/gpixel`); the English one is derived.
    pub path: Cow<'a, str>,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub lastmod: &'a str,
}

/// Every public page, lists first, then posts, sectors, phases, units and companies (in directory order).
pub fn pages(catalog: &Catalog) -> Vec<Page<'_>> {
    let listed = catalog.last_modified();
    let mut out = Vec::with_capacity(
        LIST_PAGES.len()
            + catalog.posts.len()
            + catalog.sectors.len()
            + catalog.phases.len()
            + catalog.units.len()
            + catalog.companies.len(),
    );
    out.extend(LIST_PAGES.iter().map(|p| Page { path: Cow::Borrowed(*p), lastmod: listed }));
    out.extend(
        // A scheduled post changed when it appeared, after its last save.
        catalog.posts.iter().map(|p| Page {
            path: Cow::Owned(p.path()),
            lastmod: catalog.modified_at("posts", p.id).max(p.published_utc.as_str()),
        }),
    );
    out.extend(catalog.sectors.iter().map(|s| Page {
        path: Cow::Owned(format!("/sectors/{}", s.slug)),
        lastmod: catalog.modified_at("sectors", s.id),
    }));
    out.extend(catalog.phases.iter().map(|p| Page {
        path: Cow::Owned(format!("/phases/{}", p.number)),
        lastmod: catalog.modified_at("phases", p.id),
    }));
    out.extend(
        catalog.units.iter().map(|u| Page {
            path: Cow::Owned(format!("/space/{}", u.id)),
            lastmod: catalog.modified_at("units", u.id),
        }),
    );
    out.extend(catalog.companies.iter().map(|c| Page {
        path: Cow::Owned(format!("/companies/{}", c.slug)),
        lastmod: catalog.modified_at("companies", c.id),
    }));
    out
}

/// One `<url>`: a page in one language, with both languages and the default as alternates.
struct Entry<'a> {
    loc: &'a str,
    zh: &'a str,
    en: &'a str,
    lastmod: &'a str,
}

#[derive(Template)]
#[template(path = "seo/urlset.xml")]
struct UrlSet<'a> {
    entries: Vec<Entry<'a>>,
}

struct IndexEntry {
    loc: String,
    lastmod: String,
}

#[derive(Template)]
#[template(path = "seo/index.xml")]
struct SitemapIndex {
    files: Vec<IndexEntry>,
}

/// What `/sitemap.xml` (`file` None) or `/sitemap-N.xml` (`file` Some(N), from 1) holds for `pages` on the
/// site at `origin`, with files of at most `urls_per_file` URLs; None when there is no such file.
pub fn sitemap(pages: &[Page<'_>], origin: &str, file: Option<usize>, urls_per_file: usize) -> Option<String> {
    // A page's two languages stay in the same file.
    let per_file = (urls_per_file / 2).max(1);
    let files = pages.len().div_ceil(per_file).max(1);
    let chunk: &[Page<'_>] = match file {
        None if files > 1 => {
            let files = pages
                .chunks(per_file)
                .enumerate()
                .map(|(i, chunk)| IndexEntry {
                    loc: format!("{origin}/sitemap-{}.xml", i + 1),
                    lastmod: chunk.iter().map(|p| p.lastmod).max().unwrap_or_default().to_string(),
                })
                .collect();
            return SitemapIndex { files }.render().ok();
        }
        None => pages,
        Some(n) if files > 1 && (1..=files).contains(&n) => pages.chunks(per_file).nth(n - 1)?,
        Some(_) => return None,
    };
    let urls: Vec<(String, String, &str)> = chunk
        .iter()
        .map(|p| (format!("{origin}{}", p.path), format!("{origin}{}", Lang::En.url(&p.path)), p.lastmod))
        .collect();
    let entries = urls
        .iter()
        .flat_map(|(zh, en, lastmod)| {
            [zh, en].map(|loc| Entry { loc: loc.as_str(), zh: zh.as_str(), en: en.as_str(), lastmod })
        })
        .collect();
    UrlSet { entries }.render().ok()
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"))], body).into_response()
}

/// `GET /sitemap.xml`: the sitemap, or the index of its files when one would be too long.
pub async fn sitemap_xml(State(state): State<AppState>) -> AppResult<Response> {
    let catalog = state.catalog();
    let body = sitemap(&pages(&catalog), &state.settings.public_url, None, URLS_PER_FILE)
        .ok_or_else(|| AppError::Other(anyhow::anyhow!("cannot render the sitemap")))?;
    Ok(xml(body))
}

/// `GET /sitemap-{n}.xml`: one file of a sitemap too long for one (the route captures `{n}.xml`).
pub async fn sitemap_file(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let n = file
        .strip_suffix(".xml")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or(AppError::NotFound)?;
    let catalog = state.catalog();
    let body =
        sitemap(&pages(&catalog), &state.settings.public_url, Some(n), URLS_PER_FILE).ok_or(AppError::NotFound)?;
    Ok(xml(body))
}

/// `GET /robots.txt`: crawl everything public, nothing of the admin; where the sitemap is.
pub async fn robots_txt(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /admin\nDisallow: /en/admin\n\nSitemap: {}\n",
        state.absolute("/sitemap.xml")
    );
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(n: usize) -> Vec<Page<'static>> {
        (0..n)
            .map(|i| Page {
                path: Cow::Owned(format!("/companies/c{i}")),
                lastmod: if i == 3 { "2026-02-01T00:00:00Z" } else { "2026-01-01T00:00:00Z" },
            })
            .collect()
    }

    #[test]
    fn small_sites_get_one_file() {
        let body = sitemap(&site(5), "https://park.example", None, 10).unwrap();
        assert!(body.contains("<urlset"));
        assert_eq!(body.matches("<url>").count(), 10);
        assert!(body.contains("<loc>https://park.example/en/companies/c4</loc>"));
        assert!(sitemap(&site(5), "https://park.example", Some(1), 10).is_none());
    }

    #[test]
    fn large_sites_get_an_index_of_files_within_the_limit() {
        let pages = site(12);
        let index = sitemap(&pages, "https://park.example", None, 10).unwrap();
        assert!(index.contains("<sitemapindex"));
        assert_eq!(index.matches("<sitemap>").count(), 3);
        assert!(index.contains("<loc>https://park.example/sitemap-3.xml</loc>"));
        // The first file holds the page edited last, so it carries that date.
        assert!(index.contains("<lastmod>2026-02-01T00:00:00Z</lastmod>"));
        let mut listed = 0;
        for n in 1..=3 {
            let file = sitemap(&pages, "https://park.example", Some(n), 10).unwrap();
            let urls = file.matches("<url>").count();
            assert!(urls <= 10, "file {n} has {urls} URLs");
            listed += urls;
        }
        assert_eq!(listed, 24, "every page in both languages, once");
        assert!(sitemap(&pages, "https://park.example", Some(4), 10).is_none());
        assert!(sitemap(&pages, "https://park.example", Some(0), 10).is_none());
    }

    #[test]
    fn the_protocol_limit_holds() {
        const { assert!(URLS_PER_FILE <= 50_000) };
    }
}
