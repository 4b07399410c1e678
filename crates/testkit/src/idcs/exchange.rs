//! The token exchange grant (RFC 8693, as Oracle's identity-domain "Token Exchange Grant Type" documentation
//! describes it for OCI session tokens): a confidential client
//! (HTTP Basic) trades an access token this domain issued for an OCI session
//! token (UPST) bound to the public key it sends. The session is minted by the
//! fake OCI auth service the domain was given ([`crate::oci::SessionMinter`]),
//! so that service accepts it afterwards.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::oauth::Fields;
use super::state::{OAuthFailure, Shared};

pub(crate) const EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub(crate) const UPST_TOKEN_TYPE: &str = "urn:oci:token-type:oci-upst";

/// Why an exchange was refused: 401 for client authentication, 400 otherwise.
pub(crate) enum Refusal {
    Unauthenticated,
    Bad(OAuthFailure),
}

impl From<OAuthFailure> for Refusal {
    fn from(failure: OAuthFailure) -> Self {
        Self::Bad(failure)
    }
}

/// Runs the grant: the session token, or why not.
pub(crate) fn exchange(
    app: &Shared,
    headers: &HeaderMap,
    fields: &Fields,
) -> Result<String, Refusal> {
    let minter = {
        let mut inner = app.lock();
        inner.counters.token_exchanges += 1;
        let (id, secret) = basic_credentials(headers).ok_or(Refusal::Unauthenticated)?;
        if !inner.is_confidential_client(&id, &secret) {
            return Err(Refusal::Unauthenticated);
        }
        if fields.require("requested_token_type")? != UPST_TOKEN_TYPE
            || fields.require("subject_token_type")? != "jwt"
        {
            return Err(OAuthFailure::invalid_request().into());
        }
        let subject = fields.require("subject_token")?;
        if !inner.accepts_access_token(&app.key, subject) {
            return Err(OAuthFailure::invalid_token().into());
        }
        inner.session_minter.clone().ok_or_else(|| {
            OAuthFailure::new(
                "unauthorized_client",
                "No identity propagation trust is configured for OCI",
            )
        })?
    };
    let der = STANDARD
        .decode(fields.require("public_key")?)
        .map_err(|_| OAuthFailure::invalid_request())?;
    // The domain's lock is released: minting takes the OCI fake's own lock.
    Ok(minter
        .mint_for_public_key_der(&der)
        .map_err(|_| OAuthFailure::invalid_request())?)
}

/// `Authorization: Basic base64(id:secret)` (RFC 6749 §2.3.1).
pub(super) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// 200 `{"token": …}`, or the refusal in the identity domain's error shape.
pub(crate) fn answer(
    result: Result<String, Refusal>,
    error: fn(&OAuthFailure) -> Response,
) -> Response {
    match result {
        Ok(token) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({ "token": token })),
        )
            .into_response(),
        Err(Refusal::Bad(failure)) => error(&failure),
        Err(Refusal::Unauthenticated) => {
            let mut response = error(&OAuthFailure::invalid_client());
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic"),
            );
            response
        }
    }
}
