//! The front door: one hand-written tower layer that every request passes first.
//!
//! In order, it gives the request an id and a log span, refuses a host not in `--allowed-hosts` (400), sheds
//! load past `--max-concurrency` (503 + `Retry-After`), answers a page the response cache keeps for exactly this
//! URL without routing it (most requests; the router and its layers were a third of the CPU of such a request,
//! bench/profiles/cached-page-seeded.txt), and on the way out dresses error responses as styled pages in the
//! visitor's language and adds the security headers. These were four `from_fn` middlewares and
//! a `TraceLayer`; each boxed the request's future and cloned the router on every request, on the path of
//! every cached page. Here the future is a plain enum with no allocation; `bench/run`'s cached-page rows
//! (BENCHMARKS.md) are what this path is measured by.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;
use tracing::instrument::Instrumented;

use crate::i18n::Text;
use crate::web::cache::PageCache;
use crate::web::error::AppError;

/// Headers every response carries, error pages and static files included.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
];

/// The id of one request, in its log span and in the `X-Request-Id` response header.
#[derive(Debug, Clone, Copy)]
pub struct RequestId(u64);

impl RequestId {
    /// As [`Display`](std::fmt::Display) writes it (16 hexadecimal digits), without formatting machinery.
    fn header_value(&self) -> HeaderValue {
        let digits: [u8; 16] = std::array::from_fn(|i| b"0123456789abcdef"[(self.0 >> (60 - 4 * i)) as usize & 0xf]);
        HeaderValue::from_bytes(&digits).unwrap_or(HeaderValue::from_static("-"))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[derive(Clone)]
pub struct FrontDoorLayer {
    shared: Arc<Shared>,
}

struct Shared {
    allowed_hosts: Vec<String>,
    /// For the error pages' links.
    settings: Arc<crate::config::Settings>,
    in_flight: Arc<Semaphore>,
    hsts: bool,
    /// The next request id ([`AppState::requests`](crate::web::AppState::requests)).
    next_id: Arc<AtomicU64>,
    /// Kept pages are answered here, before routing ([`PageCache::answer`]).
    page_cache: Arc<PageCache>,
}

/// Request ids start at a random number per process (ids from different runs do not collide in one log),
/// then count up by one.
pub fn first_request_id() -> AtomicU64 {
    AtomicU64::new(u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or_default()))
}

impl FrontDoorLayer {
    pub fn new(
        settings: &Arc<crate::config::Settings>,
        in_flight: Arc<Semaphore>,
        next_id: Arc<AtomicU64>,
        page_cache: Arc<PageCache>,
    ) -> FrontDoorLayer {
        FrontDoorLayer {
            shared: Arc::new(Shared {
                allowed_hosts: settings.allowed_hosts.clone(),
                settings: settings.clone(),
                in_flight,
                hsts: settings.secure_cookies,
                next_id,
                page_cache,
            }),
        }
    }
}

impl<S> tower::Layer<S> for FrontDoorLayer {
    type Service = FrontDoor<S>;
    fn layer(&self, inner: S) -> FrontDoor<S> {
        FrontDoor { inner, shared: self.shared.clone() }
    }
}

#[derive(Clone)]
pub struct FrontDoor<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> tower::Service<Request> for FrontDoor<S>
where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = FrontFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let id = RequestId(self.shared.next_id.fetch_add(1, Ordering::Relaxed));
        // Method and path only: the query may hold a search term, but never log headers (cookies).
        let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %logged_path(request.uri().path()));
        let uri = request.uri().clone();
        let refusal = if !super::host_allowed(&self.shared.allowed_hosts, &request) {
            Some(
                AppError::BadRequest(Text::new(
                    "这个网站不接受该主机名。",
                    "This site does not answer to that host name.",
                ))
                .into_response(),
            )
        } else {
            None
        };
        let permit = match refusal {
            Some(_) => None,
            None => self.shared.in_flight.clone().try_acquire_owned().ok(),
        };
        let access_log = tracing::enabled!(target: "park_portal::access", tracing::Level::DEBUG)
            .then(|| (span.clone(), Instant::now()));
        let state = match (refusal, permit) {
            (Some(refused), _) => State::Done { response: Some(refused) },
            (None, None) => {
                let busy = (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")]).into_response();
                State::Done { response: Some(busy) }
            }
            (None, Some(permit)) => match self.shared.page_cache.answer(&request) {
                Some(kept) => State::Done { response: Some(kept) },
                None => {
                    request.extensions_mut().insert(id);
                    State::Running { inner: self.inner.call(request).instrument(span), permit }
                }
            },
        };
        FrontFuture { state, uri, id, access_log, shared: self.shared.clone() }
    }
}

pin_project_lite::pin_project! {
    pub struct FrontFuture<F> {
        #[pin]
        state: State<F>,
        uri: Uri,
        id: RequestId,
        access_log: Option<(tracing::Span, Instant)>,
        shared: Arc<Shared>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        Done { response: Option<Response> },
        Running {
            #[pin]
            inner: Instrumented<F>,
            permit: OwnedSemaphorePermit,
        },
    }
}

impl<F> Future for FrontFuture<F>
where
    F: Future<Output = Result<Response, std::convert::Infallible>>,
{
    type Output = Result<Response, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match this.state.project() {
            StateProj::Done { response } => {
                response.take().unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
            }
            StateProj::Running { inner, .. } => {
                let Ok(response) = std::task::ready!(inner.poll(cx));
                response
            }
        };
        if let Some((span, started)) = this.access_log {
            span.in_scope(|| {
                tracing::debug!(target: "park_portal::access", status = response.status().as_u16(),
                    micros = started.elapsed().as_micros() as u64, "answered");
            });
        }
        let mut response = super::dress_error(this.uri, &this.shared.settings, response);
        let headers = response.headers_mut();
        for (name, value) in SECURITY_HEADERS {
            headers.entry(HeaderName::from_static(name)).or_insert(HeaderValue::from_static(value));
        }
        if this.shared.hsts {
            // Served over HTTPS (the same switch as Secure cookies): browsers should never use plain HTTP again.
            headers
                .entry(header::STRICT_TRANSPORT_SECURITY)
                .or_insert(HeaderValue::from_static("max-age=31536000; includeSubDomains"));
        }
        headers.insert(HeaderName::from_static("x-request-id"), this.id.header_value());
        Poll::Ready(Ok(response))
    }
}

/// The path as the log shows it: an invitation link's token is a key to an account, and logs are kept and
/// copied, so it is left out.
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.find("/admin/invitation/") {
        Some(at) => format!("{}/admin/invitation/…", &path[..at]).into(),
        None => path.into(),
    }
}

#[cfg(test)]
mod logged {
    #[test]
    fn the_request_id_header_is_the_logged_id() {
        for id in [0, 1, 0xfeed_beef, u64::MAX] {
            let id = super::RequestId(id);
            assert_eq!(id.header_value().to_str().ok(), Some(id.to_string().as_str()));
        }
    }

    #[test]
    fn an_invitation_token_never_reaches_the_log() {
        assert_eq!(super::logged_path("/en/admin/invitation/abcDEF123_-"), "/en/admin/invitation/…");
        assert_eq!(super::logged_path("/admin/invitation/abc"), "/admin/invitation/…");
        assert_eq!(super::logged_path("/companies/gpixel"), "/companies/gpixel");
    }
}
