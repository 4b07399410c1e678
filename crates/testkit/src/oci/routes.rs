//! The fake's endpoints: session refresh, scoped database tokens, the regions
//! list (used to validate a session) and the console login that mints sessions.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State as AxumState};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use super::hold::HeldEndpoint;
use super::state::FakeOciControl;
use super::token::Jwk;
use super::verify::verify;

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

/// The answer [`FakeOciControl::fail_with`] set for `endpoint`, if any. The
/// message quotes a marker so tests can check a client never shows the body.
fn fault(state: &super::state::State, endpoint: HeldEndpoint) -> Option<Response> {
    let status = *state.faults.get(&endpoint)?;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // The codes of the OCI API's error documentation.
    let code = match status.as_u16() {
        400 => "InvalidParameter",
        403 => "NotAllowed",
        404 => "NotAuthorizedOrNotFound",
        409 => "Conflict",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        _ => "InternalServerError",
    };
    Some(error(status, code, "fake-oci fault body"))
}

fn not_authenticated() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "NotAuthenticated",
        "The required information to complete authentication was not provided or was incorrect.",
    )
}

pub(crate) async fn refresh(
    AxumState(control): AxumState<FakeOciControl>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = refreshed_token(&control, &method, &uri, &headers, &body);
    held(&control, HeldEndpoint::Refresh, answer).await
}

/// Answers a token (or an error) after any [`crate::oci::Hold`] of `endpoint` let it go.
async fn held(
    control: &FakeOciControl,
    endpoint: HeldEndpoint,
    answer: Result<String, Response>,
) -> Response {
    match answer {
        Ok(token) => {
            let hold = control.lock().holds.get(&endpoint).cloned();
            if let Some(hold) = hold {
                hold.wait().await;
            }
            Json(json!({ "token": token })).into_response()
        }
        Err(refused) => refused,
    }
}

// The refusal is the HTTP answer itself; boxing it would only move the cost.
#[allow(clippy::result_large_err)]
fn refreshed_token(
    control: &FakeOciControl,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<String, Response> {
    let mut state = control.lock();
    let Ok(verified) = verify(&mut state, method, uri, headers, body) else {
        return Err(not_authenticated());
    };
    if let Some(refused) = fault(&state, HeldEndpoint::Refresh) {
        return Err(refused);
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        current_token: String,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) if b.current_token == verified.token => {}
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                "currentToken",
            ));
        }
    }
    let Some((jwk, login_at)) = state
        .sessions
        .get(&verified.claims.sess_id)
        .map(|s| (s.jwk.clone(), s.login_at))
    else {
        return Err(not_authenticated());
    };
    // OCI refreshes a session only up to 24 hours after its login.
    let cap = i64::try_from(state.session_cap.as_secs()).unwrap_or(i64::MAX);
    if state.now() >= login_at.saturating_add(cap) {
        state.counters.refused_past_cap += 1;
        return Err(not_authenticated());
    }
    state.counters.refreshes += 1;
    Ok(state.token_for(&verified.claims.sess_id, &jwk))
}

pub(crate) async fn generate_scoped_access_token(
    AxumState(control): AxumState<FakeOciControl>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = db_token(&control, &method, &uri, &headers, &body);
    held(&control, HeldEndpoint::DbToken, answer).await
}

// The refusal is the HTTP answer itself; boxing it would only move the cost.
#[allow(clippy::result_large_err)]
fn db_token(
    control: &FakeOciControl,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<String, Response> {
    let mut state = control.lock();
    let Ok(verified) = verify(&mut state, method, uri, headers, body) else {
        return Err(not_authenticated());
    };
    if let Some(refused) = fault(&state, HeldEndpoint::DbToken) {
        return Err(refused);
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        scope: String,
        public_key: String,
    }
    let Ok(request) = serde_json::from_slice::<Body>(body) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "scope and publicKey are required",
        ));
    };
    if !request.scope.contains("urn:oracle:db:") {
        return Err(error(StatusCode::BAD_REQUEST, "InvalidParameter", "scope"));
    }
    if !request.public_key.starts_with("-----BEGIN PUBLIC KEY-----") {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "publicKey",
        ));
    }
    state.counters.db_tokens += 1;
    state.last_db_scope = Some(request.scope);
    state.last_db_public_key = Some(request.public_key);
    // A database token is a JWT too; the fake reuses its session-token
    // format, bound (its `jwk`) to the key it was asked for when that parses.
    let jwk = super::minter::jwk_of_public_pem(state.last_db_public_key.as_deref().unwrap_or(""))
        .unwrap_or(Jwk {
            kty: "RSA".into(),
            n: String::new(),
            e: String::new(),
            kid: None,
        });
    let ttl = state.db_token_ttl.unwrap_or(state.token_ttl);
    Ok(state.token_for_ttl(&format!("db-{}", verified.claims.sess_id), &jwk, ttl))
}

pub(crate) async fn regions(
    AxumState(control): AxumState<FakeOciControl>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut state = control.lock();
    if verify(&mut state, &method, &uri, &headers, b"").is_err() {
        return not_authenticated();
    }
    state.counters.validations += 1;
    Json(json!([{ "key": "IAD", "name": "us-ashburn-1" }])).into_response()
}

/// The console login: a real one asks for a password; the fake logs in at once
/// and redirects to `redirect_uri#security_token=…`, like the OCI console.
pub(crate) async fn authorize(
    AxumState(control): AxumState<FakeOciControl>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    if get("client_id") != "iaas_console"
        || get("response_type") != "token id_token"
        || get("action") != "login"
        || get("scope") != "openid"
        || get("nonce").is_empty()
    {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "login parameters",
        );
    }
    let redirect = get("redirect_uri");
    if !(redirect.starts_with("http://localhost:") || redirect.starts_with("http://127.0.0.1:")) {
        return error(StatusCode::BAD_REQUEST, "InvalidParameter", "redirect_uri");
    }
    let jwk = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(get("public_key").trim_end_matches('='))
        .ok()
        .and_then(|json| serde_json::from_slice::<Jwk>(&json).ok())
        .filter(|jwk| jwk.modulus_and_exponent().is_some());
    let Some(jwk) = jwk else {
        return error(StatusCode::BAD_REQUEST, "InvalidParameter", "public_key");
    };
    let mut state = control.lock();
    state.counters.authorizations += 1;
    state.last_authorize_query = uri.query().map(str::to_owned);
    let token = state.new_session(jwk);
    let location = format!("{redirect}#security_token={token}&token_type=Bearer");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}
