//! The fake's signature check, exactly as OCI's "Request Signatures" documentation
//! describes it: the signed
//! header list and its order, the body's length and hash, a date within five
//! minutes, an `ST$` session key id whose token is live, and an RSA-SHA256
//! signature made with the key bound in that token.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use axum::http::{HeaderMap, Method, Uri};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::state::{Rejection, State};
use super::token::{FakeClaims, Jwk, open};

/// How far the request's `date` may be from the fake's clock.
pub const MAX_CLOCK_SKEW_SECS: i64 = 5 * 60;

/// A request that passed the check: the session token it was signed for.
#[derive(Debug)]
pub(crate) struct Verified {
    pub token: String,
    pub claims: FakeClaims,
}

fn authorization_params(value: &str) -> Option<Vec<(String, String)>> {
    let rest = value.strip_prefix("Signature ")?;
    let mut params = Vec::new();
    for part in rest.split("\",") {
        let (name, quoted) = part.split_once('=')?;
        let value = quoted.strip_prefix('"')?.trim_end_matches('"');
        params.push((name.trim().to_owned(), value.to_owned()));
    }
    Some(params)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn verify(
    state: &mut State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, Rejection> {
    match check(state, method, uri, headers, body) {
        Ok(verified) => Ok(verified),
        Err(why) => Err(state.reject(why)),
    }
}

fn check(
    state: &State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, Rejection> {
    let authorization = header(headers, "authorization").ok_or(Rejection::MissingAuthorization)?;
    let params = authorization_params(authorization).ok_or(Rejection::MalformedAuthorization)?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .ok_or(Rejection::MalformedAuthorization)
    };
    if param("algorithm")? != "rsa-sha256" || param("version")? != "1" {
        return Err(Rejection::MalformedAuthorization);
    }
    let with_body = matches!(*method, Method::POST | Method::PUT | Method::PATCH);
    let expected = if with_body {
        "date (request-target) host content-length content-type x-content-sha256"
    } else {
        "date (request-target) host"
    };
    if param("headers")? != expected {
        return Err(Rejection::WrongHeaderList);
    }

    let date = header(headers, "date").ok_or(Rejection::StaleDate)?;
    let sent = httpdate::parse_http_date(date).map_err(|_| Rejection::StaleDate)?;
    let sent = sent
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map_err(|_| Rejection::StaleDate)?
        .as_secs();
    if (i64::try_from(sent).unwrap_or(i64::MAX) - state.now()).abs() > MAX_CLOCK_SKEW_SECS {
        return Err(Rejection::StaleDate);
    }

    if with_body {
        if header(headers, "content-length") != Some(&body.len().to_string()) {
            return Err(Rejection::ContentLengthMismatch);
        }
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
        if header(headers, "x-content-sha256") != Some(&STANDARD.encode(digest.as_ref())) {
            return Err(Rejection::BodyHashMismatch);
        }
    }

    let token = param("keyId")?
        .strip_prefix("ST$")
        .ok_or(Rejection::NotASessionKey)?;
    let claims = open(&state.mac_key, token).ok_or(Rejection::UnknownToken)?;
    let session = state
        .sessions
        .get(&claims.sess_id)
        .ok_or(Rejection::UnknownToken)?;
    if session.revoked {
        return Err(Rejection::RevokedSession);
    }
    if session.expired || claims.exp <= state.now() {
        return Err(Rejection::ExpiredToken);
    }
    let jwk: Jwk = serde_json::from_str(&claims.jwk).map_err(|_| Rejection::UnknownToken)?;
    if jwk != session.jwk {
        return Err(Rejection::UnknownToken);
    }

    let mut lines = Vec::new();
    for name in expected.split(' ') {
        let value = if name == "(request-target)" {
            let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
            format!("{} {target}", method.as_str().to_lowercase())
        } else {
            header(headers, name)
                .ok_or(Rejection::BadSignature)?
                .to_owned()
        };
        lines.push(format!("{name}: {value}"));
    }
    let signature = STANDARD
        .decode(param("signature")?)
        .map_err(|_| Rejection::BadSignature)?;
    let (n, e) = jwk.modulus_and_exponent().ok_or(Rejection::UnknownToken)?;
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            lines.join("\n").as_bytes(),
            &signature,
        )
        .map_err(|_| Rejection::BadSignature)?;
    Ok(Verified {
        token: token.to_owned(),
        claims,
    })
}
