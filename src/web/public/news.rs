//! `/news`: the park's news and announcements (新闻动态 / 通知公告), newest first, the pinned one on top,
//! filterable by kind, twenty to a page; `/news/{slug}`: one post, with the phases, buildings and companies it
//! is about. The source article is not news of the portal's own: a park without posts says so and shows its
//! dated milestones instead, labelled as such.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::catalog::news::{PER_PAGE, Post};
use crate::catalog::{Building, Catalog, Company, Phase};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::head::{PreviewImage, breadcrumbs, news_article};
use crate::web::{Chrome, Ctx, render};

/// What the list was asked for.
struct NewsQuery {
    kind: Option<&'static str>,
    page: usize,
}

impl NewsQuery {
    fn parse(pairs: &[(String, String)]) -> Result<NewsQuery, Text> {
        let mut query = NewsQuery { kind: None, page: 1 };
        for (key, value) in pairs {
            let value = value.trim();
            match key.as_str() {
                _ if value.is_empty() => {}
                "kind" => {
                    query.kind = Some(match value {
                        "news" => "news",
                        "announcement" => "announcement",
                        _ => {
                            return Err(Text::new(
                                "类别无效：可选 news（新闻动态）或 announcement（通知公告）。",
                                "Unknown kind: use news or announcement.",
                            ));
                        }
                    })
                }
                "page" => {
                    query.page = value.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                        Text::new("页码无效：请使用从 1 开始的整数。", "Not a page number: use a whole number from 1.")
                    })?
                }
                _ => {}
            }
        }
        Ok(query)
    }

    fn url(&self, l: Lang, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(kind) = self.kind {
            s.append_pair("kind", kind);
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let query = s.finish();
        if query.is_empty() { l.url("/news") } else { format!("{}?{query}", l.url("/news")) }
    }
}

#[derive(Template)]
#[template(path = "public/news.html")]
struct NewsPage<'a> {
    l: Lang,
    chrome: Chrome,
    catalog: &'a Catalog,
    /// On the first page: the pinned post (not repeated in the list).
    pinned: Option<&'a Post>,
    posts: Vec<&'a Post>,
    kind: Option<&'static str>,
    /// Posts of the chosen kind, the pinned one included.
    total: usize,
    page: usize,
    pages: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let query = NewsQuery::parse(&ctx.query_pairs()).map_err(AppError::BadRequest)?;
    let pinned = catalog.pinned_post().filter(|p| query.kind.is_none_or(|k| p.kind == k));
    let listed: Vec<&Post> =
        catalog.posts_of_kind(query.kind).filter(|p| pinned.is_none_or(|pin| pin.id != p.id)).collect();
    let pages = listed.len().div_ceil(PER_PAGE).max(1);
    if query.page > pages {
        return Err(AppError::NotFound);
    }
    let posts = listed.iter().skip((query.page - 1) * PER_PAGE).take(PER_PAGE).copied().collect();
    let title = match query.kind {
        Some("announcement") => l.t("通知公告", "Announcements"),
        Some(_) => l.t("新闻动态", "News"),
        None => l.t("新闻公告", "News and announcements"),
    };
    let description = l.t(
        "长春光电信息产业园的新闻动态与通知公告。",
        "News and announcements of the Changchun Optoelectronic Information Industrial Park.",
    );
    let canonical = query.url(Lang::Zh, query.page);
    let chrome = ctx
        .chrome("news")
        .canonical_query(canonical.split_once('?').map(|(_, q)| q).unwrap_or_default())
        .describe(title, description);
    render(&NewsPage {
        l,
        chrome,
        catalog: &catalog,
        pinned: pinned.filter(|_| query.page == 1),
        total: listed.len() + usize::from(pinned.is_some()),
        posts,
        kind: query.kind,
        page: query.page,
        pages,
        prev_url: (query.page > 1).then(|| query.url(l, query.page - 1)),
        next_url: (query.page < pages).then(|| query.url(l, query.page + 1)),
    })
}

#[derive(Template)]
#[template(path = "public/post.html")]
struct PostPage<'a> {
    l: Lang,
    chrome: Chrome,
    post: &'a Post,
    body_html: String,
    /// The language the title and body are shown in: English may fall back to Chinese.
    body_lang: Option<&'static str>,
    phases: Vec<&'a Phase>,
    buildings: Vec<&'a Building>,
    companies: Vec<&'a Company>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(slug): Path<String>) -> AppResult<Response> {
    let catalog = state.catalog();
    let l = ctx.lang;
    let post = catalog.post_by_slug(&slug).ok_or(AppError::NotFound)?;
    let title = post.title.get(l);
    let path = post.path();
    let image = match &post.image_path {
        Some(p) => {
            let alt = post.image_alt.get(l).to_string();
            PreviewImage::uploaded(&state.settings.public_url, &state.settings.uploads_dir, "news", p, alt).await
        }
        None => None,
    };
    let image_url = image.as_ref().map(|i| i.url.clone());
    // A post of a title alone still describes itself to search engines and link previews.
    let description = match post.summary.get(l) {
        "" => format!("{}{}{title}", post.kind_label(l), l.t("：", ": ")),
        summary => summary.to_string(),
    };
    let trail = breadcrumbs(&ctx, &[(l.t("新闻公告", "News"), "/news"), (title, &path)]);
    let chrome = ctx
        .chrome("news")
        .describe(title, description)
        .preview_image(image)
        .structured_data(|h| vec![news_article(&catalog, post, l, &h.canonical, image_url.as_deref()), trail]);
    let body_lang = post.body.is_fallback(l).then_some("zh-CN");
    render(&PostPage {
        l,
        chrome,
        post,
        body_html: crate::markdown::to_html(post.body.get(l)),
        body_lang,
        phases: post.phase_ids.iter().filter_map(|id| catalog.phase(id)).collect(),
        buildings: post.building_ids.iter().filter_map(|id| catalog.building(id)).collect(),
        companies: post.company_slugs.iter().filter_map(|s| catalog.company_by_slug(s)).collect(),
    })
}
