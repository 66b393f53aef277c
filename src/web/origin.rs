//! The `Origin` of a state-changing request must name this site's scheme too.
//!
//! `tower_http::csrf` compares an `Origin` with the `Host` byte for byte and leaves the scheme out (it
//! cannot know it: behind a TLS proxy the request reaches us as plain HTTP). We know it from
//! `--public-url`, so a form posted from `https://park.example` to a site served as `http://park.example`
//! (or the reverse) is refused here. Requests with `Sec-Fetch-Site` are judged by it (the browser compares
//! schemes itself); requests without an `Origin` are left to the CSRF layer.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::web::AppState;

pub async fn same_scheme(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if crosses_schemes(&request, &state.settings.public_url) {
        tracing::warn!(origin = ?request.headers().get(header::ORIGIN), "refused: the Origin's scheme is not this site's");
        return StatusCode::FORBIDDEN.into_response();
    }
    next.run(request).await
}

fn crosses_schemes(request: &Request, public_url: &str) -> bool {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || request.headers().contains_key("sec-fetch-site") {
        return false;
    }
    let Some(origin) = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let scheme = |url: &str| url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
    match (scheme(origin), scheme(public_url)) {
        (Some(theirs), Some(ours)) => theirs != ours,
        // `Origin: null` and other opaque origins are the CSRF layer's to judge.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut request = Request::builder().method(Method::POST).uri("/admin/login");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn an_origin_of_the_other_scheme_is_refused() {
        let site = "http://park.example";
        assert!(crosses_schemes(&post(&[("origin", "https://park.example")]), site));
        assert!(crosses_schemes(&post(&[("origin", "http://park.example")]), "https://park.example"));
        assert!(!crosses_schemes(&post(&[("origin", "http://park.example")]), site));
        assert!(!crosses_schemes(&post(&[]), site));
        assert!(!crosses_schemes(&post(&[("origin", "null")]), site));
        assert!(!crosses_schemes(
            &post(&[("origin", "https://park.example"), ("sec-fetch-site", "same-origin")]),
            site
        ));
    }
}
