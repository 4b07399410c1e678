//! The identity domain's OAuth endpoints: discovery, device authorization,
//! token (device code and refresh grants, with injected faults; the token
//! exchange is in [`super::exchange`]) and revocation.

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::control::Fault;
use super::exchange;
use super::jwt;
use super::random;
use super::state::{Grant, OAuthFailure, Shared};
use crate::server::ConnectionKill;

type App = State<Arc<Shared>>;
type FormFields = Result<Form<Vec<(String, String)>>, FormRejection>;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/v1/device", post(device_authorization))
        .route("/oauth2/v1/token", post(token))
        .route("/oauth2/v1/revoke", post(revoke))
        .route("/ui/v1/device", get(verification_page))
}

async fn discovery(State(app): App) -> Response {
    let (enabled, overrides) = {
        let mut inner = app.lock();
        inner.counters.discovery_requests += 1;
        (inner.discovery, inner.discovery_overrides.clone())
    };
    if !enabled {
        return StatusCode::NOT_FOUND.into_response();
    }
    let base = &app.base_url;
    let mut document = serde_json::json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth2/v1/authorize"),
        "token_endpoint": format!("{base}/oauth2/v1/token"),
        "device_authorization_endpoint": format!("{base}/oauth2/v1/device"),
        "revocation_endpoint": format!("{base}/oauth2/v1/revoke"),
        "grant_types_supported": [DEVICE_GRANT, "refresh_token", exchange::EXCHANGE_GRANT],
        "scopes_supported": ["urn:opc:idm:__myscopes__", "offline_access", "openid"],
    });
    if let Some(members) = document.as_object_mut() {
        for (name, value) in overrides {
            if value.is_null() {
                members.remove(&name);
            } else {
                members.insert(name, value);
            }
        }
    }
    Json(document).into_response()
}

/// The form's fields, each at most once (RFC 6749 §3.1). `None` is `invalid_request`.
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(form: FormFields) -> Option<Self> {
        let Form(pairs) = form.ok()?;
        let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        let unique = names.windows(2).all(|w| w[0] != w[1]);
        unique.then_some(Self(pairs))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn require(&self, name: &str) -> Result<&str, OAuthFailure> {
        self.get(name).ok_or_else(OAuthFailure::invalid_request)
    }
}

async fn device_authorization(State(app): App, headers: HeaderMap, form: FormFields) -> Response {
    let answer = (|| {
        let fields = Fields::parse(form).ok_or_else(OAuthFailure::invalid_request)?;
        if fields.require("response_type")? != "device_code" {
            return Err(OAuthFailure::invalid_request());
        }
        let client_id = fields.require("client_id")?;
        let basic = exchange::basic_credentials(&headers);
        if !app.lock().client_authenticates(client_id, basic.as_ref()) {
            return Err(OAuthFailure::invalid_client());
        }
        let scope = fields.require("scope")?;
        app.lock().start_device(client_id, scope)
    })();
    match answer {
        // Exactly these four fields: no interval, no verification_uri_complete.
        Ok(device) => Json(serde_json::json!({
            "expires_in": device.expires_in,
            "device_code": device.device_code,
            "user_code": device.user_code,
            "verification_uri": format!("{}/ui/v1/device", app.base_url),
        }))
        .into_response(),
        Err(failure) => oauth_error(&failure),
    }
}

async fn token(
    State(app): App,
    Extension(kill): Extension<ConnectionKill>,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let fault = {
        let mut inner = app.lock();
        inner.counters.token_requests += 1;
        inner.faults.pop_front()
    };
    let mut rewrite = None;
    let drop_after_grant = match fault {
        None => false,
        Some(Fault::Delay(pause)) => {
            tokio::time::sleep(pause).await;
            false
        }
        Some(Fault::ConsumeThenDrop) => true,
        Some(Fault::RewriteGrant { members }) => {
            rewrite = Some(members);
            false
        }
        Some(other) => return play_fault(other, &kill).await,
    };
    let fields = Fields::parse(form);
    if let Some(fields) = &fields
        && fields.get("grant_type") == Some(exchange::EXCHANGE_GRANT)
    {
        return exchange::answer(exchange::exchange(&app, &headers, fields), oauth_error);
    }
    if let Some(client_id) = fields.as_ref().and_then(|f| f.get("client_id")) {
        let basic = exchange::basic_credentials(&headers);
        if !app.lock().client_authenticates(client_id, basic.as_ref()) {
            return oauth_error(&OAuthFailure::invalid_client());
        }
    }
    let result = run_grant(&app, fields);
    if drop_after_grant {
        if let Ok(Grant {
            log_index: Some(index),
            ..
        }) = &result
        {
            app.lock().mark_undelivered(*index);
        }
        return kill.close_without_response().await;
    }
    match result {
        Ok(grant) => {
            let access_token = jwt::sign(&app.key, &grant.access);
            app.lock().access_tokens.push(access_token.clone());
            let mut body = serde_json::json!({
                "access_token": access_token,
                "token_type": oci_iam_sso_domain::BEARER,
                "expires_in": grant.expires_in,
            });
            if let Some(refresh_token) = grant.refresh_token {
                body["refresh_token"] = refresh_token.into();
            }
            if let (Some(members), Some(object)) = (rewrite, body.as_object_mut()) {
                for (name, value) in members {
                    if value.is_null() {
                        object.remove(&name);
                    } else {
                        object.insert(name, value);
                    }
                }
            }
            ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
        }
        Err(failure) => oauth_error(&failure),
    }
}

fn run_grant(app: &Shared, fields: Option<Fields>) -> Result<Grant, OAuthFailure> {
    let fields = fields.ok_or_else(OAuthFailure::invalid_request)?;
    let grant_type = fields.require("grant_type")?;
    let client_id = fields.require("client_id")?;
    match grant_type {
        DEVICE_GRANT => {
            let device_code = fields.require("device_code")?;
            app.lock().poll_device(client_id, device_code)
        }
        "refresh_token" => {
            let refresh_token = fields.require("refresh_token")?;
            app.lock()
                .refresh(client_id, refresh_token, fields.get("scope"))
        }
        _ => Err(OAuthFailure {
            error: "unsupported_grant_type",
            description: "The grant type is not supported".to_owned(),
        }),
    }
}

async fn play_fault(fault: Fault, kill: &ConnectionKill) -> Response {
    const TRUNCATED: &str =
        r#"{"access_token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOi","token_type":"Bea"#;
    let json = [(header::CONTENT_TYPE, "application/json")];
    match fault {
        Fault::ServerError500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            html_page("500 Internal Server Error"),
        )
            .into_response(),
        Fault::ServiceUnavailable { retry_after_secs } => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, retry_after_secs.to_string())],
            html_page("503 Service Temporarily Unavailable"),
        )
            .into_response(),
        Fault::HtmlOk => html_page("Sign In").into_response(),
        Fault::MalformedJson => (json, r#"{"access_token" "oops",,}"#).into_response(),
        Fault::TruncatedJson => (json, TRUNCATED).into_response(),
        Fault::CloseWithoutResponse
        | Fault::ConsumeThenDrop
        | Fault::Delay(_)
        | Fault::RewriteGrant { .. } => kill.close_without_response().await,
    }
}

fn html_page(title: &str) -> axum::response::Html<String> {
    axum::response::Html(format!(
        "<html>\n<head><title>{title}</title></head>\n<body>\n<center><h1>{title}</h1></center>\n<hr>\n</body>\n</html>\n"
    ))
}

/// RFC 7009: 200 whatever the token (even none), so revocation never tells
/// what exists. A revoked refresh token is refused from then on.
async fn revoke(State(app): App, form: FormFields) -> Response {
    let token = Fields::parse(form).and_then(|f| f.get("token").map(str::to_owned));
    let mut inner = app.lock();
    inner.counters.revocations += 1;
    if let Some(token) = token {
        inner.revoke(&token);
    }
    StatusCode::OK.into_response()
}

async fn verification_page() -> Response {
    html_page("Enter the code shown by your device (approve it with the fake's control API)")
        .into_response()
}

/// HTTP 400 `{error, error_description, ecid}`, like the identity domain.
fn oauth_error(failure: &OAuthFailure) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({
            "error": failure.error,
            "error_description": failure.description,
            "ecid": random::ecid(),
        })),
    )
        .into_response()
}
