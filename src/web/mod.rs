//! The web layer: request context shared by every page, rendering, and the styled error pages.

pub mod admin;
pub mod assets;
pub mod cache;
pub mod charts;
pub mod client_address;
pub mod error;
pub mod escape;
pub mod front;
pub mod head;
pub mod origin;
pub mod public;
pub mod schematic;
pub mod state;

pub use state::AppState;

use std::sync::Arc;

use askama::Template;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::config::Settings;
use crate::i18n::{Lang, Text};
use crate::web::error::{AppError, AppResult, ErrorDetails};
use crate::web::head::{Head, PreviewImage};

/// The parts of a request every page needs: its language and its own URL, relative and absolute.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// Path as requested, including the `/en` prefix.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// For absolute URLs (`Settings::public_url`).
    settings: Arc<Settings>,
    /// The day (park time, `YYYY-MM-DD`) the published data last changed, for the page footer.
    data_changed: Option<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Nested routers see a stripped URI; the original one tells the language.
        let uri = parts.extensions.get::<OriginalUri>().map(|o| &o.0).unwrap_or(&parts.uri);
        let mut ctx = Ctx::from_uri(uri, state.settings.clone());
        let changed = state.catalog().last_modified().to_string();
        ctx.data_changed =
            (!changed.is_empty()).then(|| crate::catalog::park_time(&changed).chars().take(10).collect());
        Ok(ctx)
    }
}

impl Ctx {
    pub fn from_uri(uri: &axum::http::Uri, settings: Arc<Settings>) -> Ctx {
        Ctx {
            lang: Lang::of_path(uri.path()),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            settings,
            data_changed: None,
        }
    }

    /// `path` (starting with `/`) as an absolute URL on this site.
    pub fn absolute(&self, path: &str) -> String {
        self.settings.absolute(path)
    }

    /// Decoded query pairs. Invalid percent-encoding is read leniently (kept as typed) and invalid UTF-8
    /// becomes U+FFFD, so no query string is ever refused for its encoding alone.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default()
    }

    /// The path without the language prefix: the Chinese page's path.
    pub fn base_path(&self) -> String {
        match self.lang {
            Lang::Zh => self.path.clone(),
            Lang::En => {
                let rest = self.path.strip_prefix("/en").unwrap_or(&self.path);
                if rest.is_empty() { "/".to_string() } else { rest.to_string() }
            }
        }
    }

    /// The page layout's data for a page in `section` (for the navigation's current-page mark), with the
    /// default head: canonical URL without the query, the park's preview picture, no structured data.
    pub fn chrome(&self, section: &'static str) -> Chrome {
        let base = self.base_path();
        // The language switch keeps the visitor's query (their filters); the canonical URL need not.
        let twin_path = if self.lang.is_en() { base.clone() } else { Lang::En.url(&base) };
        let twin = match &self.query {
            Some(q) if !q.is_empty() => format!("{twin_path}?{q}"),
            _ => twin_path,
        };
        Chrome {
            section,
            twin,
            css: &assets::SITE_CSS,
            admin_js: &assets::ADMIN_JS,
            head: Some(Head::new(&self.settings.public_url, self.lang, &base)),
            data_changed: self.data_changed.clone(),
        }
    }
}

/// What the shared layout (`_base.html`) needs besides the language.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub section: &'static str,
    /// The same page in the other language.
    pub twin: String,
    pub css: &'static str,
    pub admin_js: &'static str,
    /// What search engines and link previews are told; `None` on pages that must not be indexed (errors).
    pub head: Option<Head>,
    /// When the published data last changed (`YYYY-MM-DD`, park time), said in the footer.
    pub data_changed: Option<String>,
}

impl Chrome {
    /// The page's own title (the layout adds the site's name) and its meta description.
    pub fn describe(mut self, title: impl Into<String>, description: impl Into<String>) -> Chrome {
        if let Some(head) = &mut self.head {
            head.title = title.into();
            head.description = description.into();
        }
        self
    }

    /// Query parameters that make this a different page (the directory's filters), already in canonical
    /// order and without `?`; they become part of the canonical URL and the language alternates.
    pub fn canonical_query(mut self, query: &str) -> Chrome {
        if let Some(head) = &mut self.head {
            head.set_query(query);
        }
        self
    }

    /// The picture link previews show instead of the park's.
    pub fn preview_image(mut self, image: Option<PreviewImage>) -> Chrome {
        if let (Some(head), Some(image)) = (&mut self.head, image) {
            head.image = image;
        }
        self
    }

    /// schema.org items for the page's JSON-LD block, made from the finished head (for its canonical URL
    /// and picture); not called on pages without a head.
    pub fn structured_data(mut self, items: impl FnOnce(&Head) -> Vec<serde_json::Value>) -> Chrome {
        if let Some(head) = &mut self.head {
            let items = items(head);
            let value = match items.len() {
                0 => None,
                1 => items.into_iter().next().map(|mut item| {
                    item["@context"] = serde_json::json!("https://schema.org");
                    item
                }),
                _ => Some(head::graph(items)),
            };
            head.json_ld = value.as_ref().map(head::json_for_html);
        }
        self
    }

    /// A page search engines should not keep (an error page): no canonical URL, previews or structured data.
    pub fn not_indexed(mut self) -> Chrome {
        self.head = None;
        self
    }
}

/// A sent form's field, trimmed; empty when absent.
pub fn form_value(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
}

/// Room for a page's HTML before it is rendered. askama's own estimate is the template's fixed text (1–3 KB),
/// and a page of 8–25 KB grown from it is copied three or four times over (6 % of a page rendered afresh in
/// bench/profiles/render-afresh.txt); unused room is handed back in place once the page is done.
const PAGE_BUFFER: usize = 32 * 1024;

/// Renders a page template into an HTML response.
pub fn render(template: &impl Template) -> AppResult<Response> {
    let mut html = String::with_capacity(PAGE_BUFFER);
    template.render_into(&mut html)?;
    // Exactly the page's size: the body is then shared without a copy, and the response cache keeps no slack.
    html.shrink_to_fit();
    Ok(Html(html).into_response())
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    l: Lang,
    chrome: Chrome,
    status: u16,
    heading: &'static str,
    explanation: &'static str,
    message: Option<&'a Text>,
    incident: Option<&'a str>,
}

/// Marks an error response whose plain-text body is its answer (a CSV file's 503): [`dress_error`] keeps it.
#[derive(Debug, Clone, Copy)]
pub struct KeepBody;

/// Turns an error response — ours, axum's bare 404/405, a caught panic, a refusal at the front door — into
/// the styled page in the language of `uri`, keeping the status and headers (such as `Allow`). Other
/// responses pass through untouched, and so do error responses that are already a page of their own or an
/// API's JSON answer (HTML or JSON without [`ErrorDetails`]).
pub fn dress_error(uri: &axum::http::Uri, settings: &Arc<Settings>, response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let details = response.extensions().get::<ErrorDetails>().cloned();
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let own = content_type.starts_with("text/html")
        || content_type.starts_with("application/json")
        || response.extensions().get::<KeepBody>().is_some();
    if details.is_none() && own {
        // a page of its own already (a form with errors, the conflict page), or an API's JSON error
        return response;
    }
    let ctx = Ctx::from_uri(uri, settings.clone());
    let details = details.unwrap_or(ErrorDetails { message: None, incident: None });
    let l = ctx.lang;
    let (heading, explanation) = describe(status, l);
    let page = ErrorPage {
        l,
        chrome: ctx.chrome("").not_indexed(),
        status: status.as_u16(),
        heading,
        explanation,
        message: details.message.as_ref(),
        incident: details.incident.as_deref(),
    };
    let body = match page.render() {
        Ok(html) => html,
        Err(err) => {
            tracing::error!(error = %err, "cannot render the error page");
            format!("{} {}", status.as_u16(), heading)
        }
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn describe(status: StatusCode, l: Lang) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => (
            l.t("页面不存在", "Page not found"),
            l.t("这个地址没有页面。可能链接有误，或者该条目已被移除。", "There is no page at this address. The link may be mistyped, or the entry may have been removed."),
        ),
        StatusCode::BAD_REQUEST => (
            l.t("请求有误", "Bad request"),
            l.t("这个地址中的参数无法理解。", "Part of this address could not be understood."),
        ),
        StatusCode::UNAUTHORIZED => (
            l.t("需要登录", "Sign-in required"),
            l.t("请先登录（园区工作人员或企业编辑）。", "Please sign in first (park staff or company editor)."),
        ),
        StatusCode::FORBIDDEN => (
            l.t("请求被拒绝", "Forbidden"),
            l.t("这个请求来自其他网站或不被允许，未做任何更改。", "This request came from another site or is not allowed; nothing was changed."),
        ),
        StatusCode::CONFLICT => (
            l.t("无法完成", "Conflict"),
            l.t("这个操作与现有数据冲突，未做任何更改。", "This would conflict with existing data; nothing was changed."),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            l.t("内容太大", "Too large"),
            l.t("提交的内容超过了大小上限，未做任何更改。", "What was sent is larger than allowed; nothing was changed."),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            l.t("不支持的文件", "Unsupported file"),
            l.t("只接受 PNG、JPEG 或 WebP 图片。", "Only PNG, JPEG or WebP images are accepted."),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            l.t("无法处理的表单", "The form could not be read"),
            l.t("提交的表单格式有误。", "The submitted form is malformed."),
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            l.t("服务器繁忙", "The server is busy"),
            l.t("请求太多，请稍后再试。", "Too many requests at once; please try again in a moment."),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            l.t("请求超时", "Request timed out"),
            l.t("请求没有及时完成，请重试。", "The request did not complete in time; please try again."),
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            l.t("请求过于频繁", "Too many requests"),
            l.t("请稍后再试。", "Please try again later."),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            l.t("不支持此操作", "Method not allowed"),
            l.t("这个地址不接受这种请求方式。", "This address does not accept this kind of request."),
        ),
        s if s.is_server_error() => (
            l.t("服务器出错了", "Something went wrong"),
            l.t("出错的是我们，不是您。请稍后再试；如果问题持续，请把下面的事件编号告诉我们。", "The fault is ours, not yours. Please try again later; if it persists, tell us the incident number below."),
        ),
        _ => (l.t("请求无法完成", "The request could not be completed"), l.t("请检查地址后重试。", "Please check the address and try again.")),
    }
}

/// With `--allowed-hosts` set, a request for any other `Host` is refused (as Django's ALLOWED_HOSTS), so
/// links and redirects are never built for a host an attacker chose. `.example.com` also matches subdomains.
pub fn host_allowed(allowed: &[String], request: &axum::extract::Request) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
        .unwrap_or("");
    // Strip a port, keeping IPv6 literals whole.
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.ends_with(':') => name,
        _ => host,
    }
    .to_ascii_lowercase();
    allowed.iter().any(|a| match a.strip_prefix('.') {
        Some(domain) => name == domain || name.ends_with(&format!(".{domain}")),
        None => name == *a,
    })
}

/// Answer for a panicking handler: a 500 the error-page layer renders, with an incident id in the log.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    AppError::Other(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}
