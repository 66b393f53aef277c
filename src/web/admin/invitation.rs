//! `/admin/invitation/{token}`: an invitee chooses a username and password and becomes the editor of the
//! company they were invited for, signed in at once. The page needs no session; the token is the key.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::AuthSession;
use super::{path_param, set_flash};
use crate::admin::accounts;
use crate::admin::invitations::{self, AcceptError, Invitation};
use crate::admin::record;
use crate::admin::spec::COMPANIES;
use crate::i18n::{Lang, Text};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::{Chrome, Ctx, render};

/// The token an invitation URL carries; a path with no token is 404.
pub struct TokenParam(pub String);

impl axum::extract::FromRequestParts<AppState> for TokenParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> AppResult<Self> {
        let token = path_param(parts, state, "token").await?;
        // Tokens are 43 URL-safe characters; anything else cannot be one, and is not looked up.
        let shaped = token.len() <= 64 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if shaped { Ok(TokenParam(token)) } else { Err(AppError::NotFound) }
    }
}

#[derive(Template)]
#[template(path = "admin/invitation.html")]
struct InvitationPage {
    l: Lang,
    chrome: Chrome,
    /// None: the link does not work (unknown, used, revoked or expired); the page says so.
    invitation: Option<Invitation>,
    company: String,
    action: String,
    username: String,
    errors: Vec<(&'static str, Text)>,
}

impl InvitationPage {
    fn error(&self, field: &str) -> Option<&Text> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, t)| t)
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    username: String,
    errors: Vec<(&'static str, Text)>,
) -> AppResult<Response> {
    let invitation = invitations::find_by_token(&state.pool, token).await?.filter(Invitation::is_open);
    let company = match &invitation {
        Some(i) => {
            let mut conn = state.pool.acquire().await?;
            record::load(&mut conn, &COMPANIES, i.company_id)
                .await?
                .map(|c| c.title(&COMPANIES, ctx.lang))
                .unwrap_or_default()
        }
        None => String::new(),
    };
    let status = match (&invitation, errors.is_empty()) {
        (None, _) => StatusCode::GONE,
        (Some(_), false) => StatusCode::UNPROCESSABLE_ENTITY,
        (Some(_), true) => StatusCode::OK,
    };
    let mut response = render(&InvitationPage {
        l: ctx.lang,
        chrome: ctx.chrome("admin"),
        invitation,
        company,
        action: ctx.lang.url(&format!("/admin/invitation/{token}")),
        username,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, TokenParam(token): TokenParam) -> AppResult<Response> {
    page(&state, &ctx, &token, String::new(), Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    mut auth: AuthSession,
    TokenParam(token): TokenParam,
    axum::extract::Form(form): axum::extract::Form<AcceptForm>,
) -> AppResult<Response> {
    let username = form.username.trim().to_string();
    // A link that does not work is said at once, before the costly checks (zxcvbn, argon2): guessing tokens
    // must not cost the server a password hash per try.
    if invitations::find_by_token(&state.pool, &token).await?.filter(Invitation::is_open).is_none() {
        return page(&state, &ctx, &token, username, Vec::new()).await;
    }
    let mut errors = Vec::new();
    if let Err(e) = accounts::check_username(&username) {
        errors.push(("username", e));
    }
    if let Err(e) = accounts::check_password_policy(&form.password, &username) {
        errors.push(("password", e));
    } else if form.password != form.confirm {
        errors.push(("confirm", Text::new("两次输入的密码不一致。", "The two passwords differ.")));
    }
    if !errors.is_empty() {
        return page(&state, &ctx, &token, username, errors).await;
    }
    let password = form.password;
    let hash = tokio::task::spawn_blocking(move || accounts::hash_password(&password))
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("hashing stopped: {e}")))??;
    let account = match invitations::accept(&state.pool, &token, &username, &hash).await {
        Ok(account) => account,
        Err(AcceptError::Field(field, text)) => return page(&state, &ctx, &token, username, vec![(field, text)]).await,
        Err(AcceptError::Closed) => return page(&state, &ctx, &token, username, Vec::new()).await,
        Err(AcceptError::Database(e)) => return Err(e.into()),
    };
    let account = super::auth::Account::from(account);
    // An earlier session in this browser (staff testing the link, say) ends: the new account starts clean.
    let _ = auth.logout().await;
    auth.login(&account).await.map_err(|e| AppError::Other(anyhow::anyhow!("cannot start a session: {e}")))?;
    super::auth::mark_signed_in(&auth).await?;
    set_flash(
        &auth,
        Text::new(
            "账户已设置，您已登录。以后请用这个用户名和密码登录。",
            "Your account is ready and you are signed in. Sign in with this username and password from now on.",
        ),
    )
    .await;
    Ok(Redirect::to(&account.home(ctx.lang)).into_response())
}
