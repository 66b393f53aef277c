//! Sign-in, sign-out, the accounts' roles and the guards in front of every other admin page (axum-login over tower-sessions,
//! sessions stored in SQLite).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_login::{AuthUser, AuthnBackend};
use sqlx::SqlitePool;

use crate::admin::accounts::{self, Role};
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// A signed-in account: park staff or a company editor. Handlers take [`Staff`] or [`Editor`], which check
/// the role; this is what the session holds.
#[derive(Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The company an editor keeps.
    pub company_id: Option<i64>,
    password_hash: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl AuthUser for Account {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    /// Sessions are bound to the password: changing it signs the account out everywhere.
    fn session_auth_hash(&self) -> &[u8] {
        self.password_hash.as_bytes()
    }
}

impl From<accounts::AdminUser> for Account {
    fn from(u: accounts::AdminUser) -> Account {
        Account {
            id: u.id,
            username: u.username,
            role: u.role,
            company_id: u.company_id,
            password_hash: u.password_hash,
        }
    }
}

impl Account {
    /// Where this account starts after signing in.
    pub fn home(&self, lang: Lang) -> String {
        match self.role {
            Role::Staff => lang.url("/admin"),
            Role::Editor => lang.url("/admin/my"),
        }
    }
}

/// A signed-in member of staff, as a handler's argument: no session is 401, an editor's session 403. Carries
/// the count of proposals waiting for review, which the admin header shows on every staff page.
#[derive(Clone, Debug)]
pub struct Staff {
    pub account: Account,
    pub pending_reviews: i64,
    /// Entry applications nobody has answered yet.
    pub new_applications: i64,
}

impl std::ops::Deref for Staff {
    type Target = Account;

    fn deref(&self) -> &Account {
        &self.account
    }
}

/// A signed-in company editor and the company they keep, as a handler's argument: staff get 403.
#[derive(Clone, Debug)]
pub struct Editor {
    pub account: Account,
    pub company_id: i64,
}

impl std::ops::Deref for Editor {
    type Target = Account;

    fn deref(&self) -> &Account {
        &self.account
    }
}

async fn signed_in(parts: &mut axum::http::request::Parts, state: &AppState) -> AppResult<Account> {
    use axum::extract::FromRequestParts;
    let auth = AuthSession::from_request_parts(parts, state).await.map_err(|_| AppError::Unauthorized)?;
    auth.user.ok_or(AppError::Unauthorized)
}

impl axum::extract::FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> AppResult<Staff> {
        let account = signed_in(parts, state).await?;
        if account.role != Role::Staff {
            return Err(AppError::Forbidden);
        }
        let pending_reviews = crate::admin::proposals::count_pending(&state.pool).await?;
        let new_applications = crate::admin::applications::new_count(&state.pool).await?;
        Ok(Staff { account, pending_reviews, new_applications })
    }
}

impl axum::extract::FromRequestParts<AppState> for Editor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> AppResult<Editor> {
        let account = signed_in(parts, state).await?;
        match (account.role, account.company_id) {
            (Role::Editor, Some(company_id)) => Ok(Editor { account, company_id }),
            _ => Err(AppError::Forbidden),
        }
    }
}

#[derive(Clone)]
pub struct Backend {
    pub pool: SqlitePool,
}

pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl AuthnBackend for Backend {
    type User = Account;
    type Credentials = Credentials;
    type Error = sqlx::Error;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<Account>, sqlx::Error> {
        let user = accounts::find(&self.pool, &creds.username).await?;
        // Verify against a dummy hash for unknown users, so timing does not tell which usernames exist.
        let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| accounts::dummy_hash().to_string());
        let ok = tokio::task::spawn_blocking(move || accounts::verify_password(&creds.password, &hash))
            .await
            .unwrap_or(false);
        Ok(user.filter(|_| ok).map(Account::from))
    }

    async fn get_user(&self, id: &i64) -> Result<Option<Account>, sqlx::Error> {
        Ok(accounts::find_by_id(&self.pool, *id).await?.map(Account::from))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

/// Session key of the sign-in time, for the absolute timeout.
const SIGNED_IN_AT: &str = "signed_in_at";
/// Sessions end 12 hours after sign-in, however active.
const ABSOLUTE_TIMEOUT_SECS: i64 = 12 * 60 * 60;

/// A same-site path to return to after sign-in: `/admin…` only, never `//host` or an absolute URL.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = (next.starts_with("/admin") || next.starts_with("/en/admin"))
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    ok.then_some(next)
}

/// Guard for staff routes: see [`guard`]. An editor who opens the staff dashboard (an old bookmark, the
/// brand link) is taken to their own page instead of a refusal.
pub async fn require_staff(
    auth: AuthSession,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    guard(auth, request, next, Some(Role::Staff)).await
}

/// Guard for a company editor's routes: see [`guard`].
pub async fn require_editor(
    auth: AuthSession,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    guard(auth, request, next, Some(Role::Editor)).await
}

/// Guard for routes of every account (signing out).
pub async fn require_account(
    auth: AuthSession,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    guard(auth, request, next, None).await
}

/// Without a valid session, GET goes to the sign-in page and anything else is answered 401; an account of
/// another role than `role` gets 403. Nothing of the page is rendered either way. The handlers' own
/// extractors ([`Staff`], [`Editor`]) check the role again, so a route put in the wrong list still refuses.
async fn guard(
    mut auth: AuthSession,
    request: axum::extract::Request,
    next: axum::middleware::Next,
    role: Option<Role>,
) -> Response {
    // Inside `nest`, the request's URI has lost its `/admin` prefix; the original tells language and return path.
    let original = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| request.uri().clone());
    let lang = crate::i18n::Lang::of_path(original.path());
    let expired = match &auth.user {
        None => true,
        Some(_) => {
            let signed_in: Option<i64> = auth.session.get(SIGNED_IN_AT).await.ok().flatten();
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            signed_in.is_none_or(|at| now - at > ABSOLUTE_TIMEOUT_SECS)
        }
    };
    if expired {
        if auth.user.is_some() {
            let _ = auth.logout().await;
        }
        if matches!(*request.method(), Method::GET | Method::HEAD) {
            let here = original.path_and_query().map(|p| p.as_str()).unwrap_or("/admin");
            let login = lang.url("/admin/login");
            let target =
                format!("{login}?next={}", form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>());
            return Redirect::to(&target).into_response();
        }
        return AppError::Unauthorized.into_response();
    }
    if let (Some(role), Some(user)) = (role, &auth.user)
        && user.role != role
    {
        let dashboard = request.uri().path() == "/" || request.uri().path().is_empty();
        if dashboard && request.method() == Method::GET {
            return Redirect::to(&user.home(lang)).into_response();
        }
        tracing::warn!(username = %user.username, path = %original.path(), "refused: not for this account's role");
        return AppError::Forbidden.into_response();
    }
    next.run(request).await
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    l: Lang,
    chrome: Chrome,
    username: String,
    next: String,
    error: Option<Text>,
}

pub async fn login_form(ctx: Ctx, auth: AuthSession) -> AppResult<Response> {
    let next = ctx.query_pairs().into_iter().find(|(k, _)| k == "next").map(|(_, v)| v).unwrap_or_default();
    if let Some(user) = &auth.user {
        return Ok(Redirect::to(safe_next(&next).unwrap_or(&user.home(ctx.lang))).into_response());
    }
    render(&LoginPage { l: ctx.lang, chrome: ctx.chrome("admin"), username: String::new(), next, error: None })
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The client's IP address as sign-in throttling and the log see it: the socket's peer, or behind a trusted
/// proxy the address it forwarded (`--trusted-proxies`); `unknown` in tests without a socket.
pub struct ClientAddress {
    pub address: String,
    /// The proxy it came through, when the address was read from a forwarding header.
    pub proxy: Option<std::net::IpAddr>,
}

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientAddress { address: "unknown".into(), proxy: None });
        };
        let peer = peer.ip().to_canonical();
        let client = crate::web::client_address::client_address(peer, &parts.headers, &state.settings.trusted_proxies);
        Ok(ClientAddress { address: client.to_string(), proxy: (client != peer).then_some(peer) })
    }
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    client: ClientAddress,
    mut auth: AuthSession,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let username = form.username.trim().to_string();
    let (address, proxy) = (client.address, client.proxy.map(tracing::field::display));
    let page = |status: StatusCode, error: Text| -> AppResult<Response> {
        let mut response = render(&LoginPage {
            l: ctx.lang,
            chrome: ctx.chrome("admin"),
            username: username.clone(),
            next: form.next.clone(),
            error: Some(error),
        })?;
        *response.status_mut() = status;
        Ok(response)
    };
    let Some(attempt) = accounts::reserve_attempt(&state.pool, &username, &address).await? else {
        tracing::warn!(username = %username, address = %address, proxy, "sign-in refused: throttled");
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            Text::new("登录失败次数过多，请 15 分钟后再试。", "Too many failed sign-ins. Try again in 15 minutes."),
        );
    };
    let user = auth
        .authenticate(Credentials { username: username.clone(), password: form.password.clone() })
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("authentication failed: {e}")))?;
    let Some(user) = user else {
        // The reserved attempt stays recorded as failed.
        tracing::warn!(username = %username, address = %address, proxy, "sign-in failed");
        return page(StatusCode::UNAUTHORIZED, Text::new("用户名或密码不正确。", "Wrong username or password."));
    };
    auth.login(&user).await.map_err(|e| AppError::Other(anyhow::anyhow!("cannot start a session: {e}")))?;
    mark_signed_in(&auth).await?;
    accounts::attempt_succeeded(&state.pool, attempt).await?;
    tracing::info!(username = %username, address = %address, proxy, "signed in");
    let home = user.home(ctx.lang);
    Ok(Redirect::to(safe_next(&form.next).unwrap_or(&home)).into_response())
}

/// Starts the absolute timeout of a session just signed in.
pub(super) async fn mark_signed_in(auth: &AuthSession) -> AppResult<()> {
    auth.session
        .insert(SIGNED_IN_AT, time::OffsetDateTime::now_utc().unix_timestamp())
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("cannot write the session: {e}")))
}

pub async fn logout(ctx: Ctx, mut auth: AuthSession) -> AppResult<Response> {
    if let Some(user) =
        auth.logout().await.map_err(|e| AppError::Other(anyhow::anyhow!("cannot end the session: {e}")))?
    {
        tracing::info!(username = %user.username, "signed out");
    }
    Ok(Redirect::to(&ctx.lang.url("/admin/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/admin/companies"), Some("/admin/companies"));
        assert_eq!(safe_next("/en/admin"), Some("/en/admin"));
        assert_eq!(safe_next("//evil.example/admin"), None);
        assert_eq!(safe_next("https://evil.example/admin"), None);
        assert_eq!(safe_next("/admin\\@evil"), None);
        assert_eq!(safe_next("/companies"), None);
    }
}
