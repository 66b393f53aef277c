//! Conditional requests on dates: `Last-Modified`, `If-Modified-Since` and the 304 answer, for cached pages,
//! feeds and open-data files alike.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Pages revalidate on every use: an admin's save shows on the next request, and a 304 costs little.
pub const PAGE_CACHE_CONTROL: &str = "no-cache";

/// Whether a GET may be answered 304 on dates: its `If-Modified-Since` is at or after the response's
/// `Last-Modified`. An `If-None-Match` takes precedence (RFC 9110 §13.2.2), so then this is false and the
/// ETag decides.
pub fn unmodified_since(request_headers: &HeaderMap, response_headers: &HeaderMap) -> bool {
    if request_headers.contains_key(header::IF_NONE_MATCH) {
        return false;
    }
    let date = |headers: &HeaderMap, name| {
        headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).and_then(|v| httpdate::parse_http_date(v).ok())
    };
    match (date(request_headers, header::IF_MODIFIED_SINCE), date(response_headers, header::LAST_MODIFIED)) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// `response` as a 304: its validators and caching headers, without the body or the headers describing it.
pub fn not_modified(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::CONTENT_DISPOSITION] {
        parts.headers.remove(name);
    }
    Response::from_parts(parts, Body::empty())
}

/// `YYYY-MM-DDTHH:MM:SSZ` (or any RFC 3339 time) as an HTTP date (`Fri, 27 Nov 2026 18:00:00 GMT`).
pub fn http_date(rfc3339: &str) -> Option<HeaderValue> {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).ok()?;
    HeaderValue::from_str(&httpdate::fmt_http_date(at.into())).ok()
}

/// A response carrying `Last-Modified` (from `modified`, RFC 3339) and the pages' `Cache-Control`; a 304
/// when the request's `If-Modified-Since` is at or after it.
pub fn dated_response(request: &HeaderMap, modified: &str, content_type: &'static str, body: Body) -> Response {
    let mut response =
        ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, PAGE_CACHE_CONTROL)], body).into_response();
    if let Some(date) = http_date(modified) {
        response.headers_mut().insert(header::LAST_MODIFIED, date);
    }
    if unmodified_since(request, response.headers()) { not_modified(response) } else { response }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn if_modified_since_against_last_modified() {
        let at = |date: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::LAST_MODIFIED, HeaderValue::from_static(date));
            headers
        };
        let mut request = HeaderMap::new();
        request.insert(header::IF_MODIFIED_SINCE, HeaderValue::from_static("Tue, 05 Mar 2024 08:09:10 GMT"));
        assert!(unmodified_since(&request, &at("Tue, 05 Mar 2024 08:09:10 GMT")));
        assert!(!unmodified_since(&request, &at("Tue, 05 Mar 2024 08:09:11 GMT")));
        request.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!unmodified_since(&request, &at("Tue, 05 Mar 2024 08:09:10 GMT")));
    }
}
