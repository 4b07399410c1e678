//! Turning token-endpoint answers into domain types or classified errors.
//!
//! Pure functions over an [`Answer`], so every branch is unit-tested without
//! a server. The rule that shapes all of it: a problem is described by what
//! is wrong ("the JSON has no access_token"), never by quoting the body, and
//! never with a serde message (those quote values, and a value can be a token).

use std::time::{Duration, SystemTime};

use oci_iam_sso_domain::{
    AccessToken, DeviceAuthorization, DeviceCode, OAuthError, ProviderError, RefreshToken, Scope,
    ServiceUrl, TokenAnswerNote, TokenResponse, UserCode,
};
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use serde_json::{Map, Value};

use crate::client::Answer;

/// The longest lifetime or interval taken from a server: one year.
const MAX_SERVER_DURATION: Duration = Duration::from_secs(366 * 86_400);

/// A successful token response (RFC 6749 §5.1), or the error it stands for.
pub(crate) fn token_response(
    endpoint: &str,
    answer: Answer,
) -> Result<TokenResponse, ProviderError> {
    if !answer.status.is_success() {
        return Err(error_answer(endpoint, &answer, SystemTime::now()));
    }
    let mut fields = Fields::parse(endpoint, &answer)?;
    if !fields.has("access_token") {
        // Some servers answer errors with 200; take the OAuth error when there is one.
        if let Some(error) = oauth_error(&answer.body) {
            return Err(ProviderError::OAuth(error));
        }
    }
    let access_token = fields.optional_string("access_token");
    let refresh_token = match fields.optional_string("refresh_token")? {
        Some(text) => Some(RefreshToken::parse(text).map_err(|_| {
            fields.malformed(
                "the refresh_token has characters no token has (control characters or whitespace)"
                    .to_owned(),
            )
        })?),
        // An empty refresh token means "not rotated"; keep the stored one.
        None => None,
    };
    let mut notes = Vec::new();
    let access_token = match access_token.map(|text| text.map(AccessToken::parse)) {
        Ok(Some(Ok(token))) => Some(token),
        // After a 2xx the old refresh token is spent. When the answer brings a
        // good new one, it is kept even though the access token is unusable:
        // the stored set then has no access token, and the next use refreshes.
        _ if refresh_token.is_some() => {
            notes.push(TokenAnswerNote::AccessTokenRefused);
            None
        }
        Err(not_a_string) => return Err(not_a_string),
        Ok(None) => return Err(fields.malformed("the JSON has no access_token".to_owned())),
        Ok(Some(Err(_))) => {
            return Err(fields.malformed(
                "the access_token has characters no token has (control characters or whitespace)"
                    .to_owned(),
            ));
        }
    };
    // The same principle for the optional fields: a server's odd value is
    // defaulted (and reported), never a reason to throw the new refresh token away.
    let token_type = fields
        .optional_string("token_type")
        .ok()
        .flatten()
        .unwrap_or_else(|| oci_iam_sso_domain::BEARER.to_owned());
    let expires_in = match fields.optional_seconds("expires_in") {
        Ok(Some(lifetime)) if !lifetime.is_zero() => Some(lifetime),
        // Absent is legal (RFC 6749 §5.1: RECOMMENDED); the domain's token
        // rules decide the lifetime then (`access_lifetime`).
        Ok(None) => None,
        // 0 would refresh on every call; negative or text is no lifetime.
        Ok(Some(_)) | Err(_) => {
            notes.push(TokenAnswerNote::OddExpiresIn);
            None
        }
    };
    let scope = fields
        .optional_string("scope")
        .ok()
        .flatten()
        .and_then(|text| Scope::parse(&text).ok());
    Ok(TokenResponse {
        access_token,
        token_type,
        expires_in,
        refresh_token,
        scope,
        notes,
    })
}

/// A device authorization response (RFC 8628 §3.2).
pub(crate) fn device_authorization(
    endpoint: &str,
    answer: Answer,
) -> Result<DeviceAuthorization, ProviderError> {
    if !answer.status.is_success() {
        return Err(error_answer(endpoint, &answer, SystemTime::now()));
    }
    let mut fields = Fields::parse(endpoint, &answer)?;
    let device_code = fields.required_string("device_code")?;
    let user_code = fields.required_string("user_code")?;
    // Google spells it `verification_url`.
    let verification = match fields.optional_string("verification_uri")? {
        Some(uri) => uri,
        None => fields
            .optional_string("verification_url")?
            .ok_or_else(|| fields.malformed("the JSON has no verification_uri".to_owned()))?,
    };
    let verification_uri = fields.url("verification_uri", &verification)?;
    let verification_uri_complete = match fields.optional_string("verification_uri_complete")? {
        Some(uri) => Some(fields.url("verification_uri_complete", &uri)?),
        None => None,
    };
    let expires_in = fields
        .optional_seconds("expires_in")?
        .ok_or_else(|| fields.malformed("the JSON has no expires_in".to_owned()))?;
    let interval = fields.optional_seconds("interval")?;
    Ok(DeviceAuthorization {
        device_code: DeviceCode::new(device_code),
        user_code: UserCode::new(user_code),
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
    })
}

/// A revocation answer (RFC 7009 §2.2): any 2xx means revoked (or already unknown).
pub(crate) fn revocation(endpoint: &str, answer: Answer) -> Result<(), ProviderError> {
    if answer.status.is_success() {
        Ok(())
    } else {
        Err(error_answer(endpoint, &answer, SystemTime::now()))
    }
}

/// The error a non-2xx answer stands for.
pub(crate) fn error_answer(endpoint: &str, answer: &Answer, now: SystemTime) -> ProviderError {
    let status = answer.status;
    let code = status.as_u16();
    if status.is_redirection() {
        let target = location_host(&answer.headers)
            .map(|host| format!(" to {host}"))
            .unwrap_or_default();
        return malformed(
            endpoint,
            format!(
                "HTTP {code} redirect{target}, which is not followed (a login page or proxy answered?)"
            ),
        );
    }
    if status.is_server_error() || code == 429 {
        return ProviderError::Server {
            endpoint: endpoint.to_owned(),
            status: code,
            retry_after: retry_after(&answer.headers, now),
        };
    }
    if status.is_client_error() {
        if let Some(error) = oauth_error(&answer.body) {
            return ProviderError::OAuth(error);
        }
        if code == 401 {
            return ProviderError::Unauthorized {
                endpoint: endpoint.to_owned(),
            };
        }
        let what = if is_html(answer) {
            "an HTML page (a login page or proxy answered?)"
        } else {
            "no OAuth error document (is the URL the identity domain's?)"
        };
        return malformed(endpoint, format!("HTTP {code} with {what}"));
    }
    malformed(endpoint, format!("unexpected HTTP {code}"))
}

/// The OAuth error an answer's body holds (RFC 6749 §5.2: `error`,
/// `error_description`; identity domains add `ecid`), classified by the
/// domain. `None` when the body is not such a document, so the caller reports
/// it as malformed without quoting it.
pub(crate) fn oauth_error(body: &[u8]) -> Option<OAuthError> {
    #[derive(serde::Deserialize)]
    struct OAuthErrorBody {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
        #[serde(default)]
        ecid: Option<String>,
    }
    let parsed: OAuthErrorBody = serde_json::from_slice(body).ok()?;
    Some(OAuthError::classify(
        &parsed.error,
        parsed.error_description,
        parsed.ecid,
    ))
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // A date in the past means "now".
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn location_host(headers: &HeaderMap) -> Option<String> {
    let location = headers.get(LOCATION)?.to_str().ok()?;
    let url = url::Url::parse(location).ok()?;
    url.host_str().map(str::to_owned)
}

pub(crate) fn is_html(answer: &Answer) -> bool {
    let declared = answer
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
    declared || answer.body.trim_ascii_start().starts_with(b"<")
}

pub(crate) fn malformed(endpoint: &str, problem: String) -> ProviderError {
    ProviderError::Malformed {
        endpoint: endpoint.to_owned(),
        problem,
    }
}

/// The members of a JSON object, taken out one by one (moved, so token
/// strings are not copied around).
pub(crate) struct Fields<'a> {
    endpoint: &'a str,
    object: Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// The body as a JSON object, or what is wrong with it.
    pub(crate) fn parse(endpoint: &'a str, answer: &Answer) -> Result<Self, ProviderError> {
        let problem = if answer.body.trim_ascii().is_empty() {
            "the body is empty"
        } else if is_html(answer) {
            "the body is HTML, not JSON (a login page or proxy answered?)"
        } else {
            match serde_json::from_slice::<Value>(&answer.body) {
                Ok(Value::Object(object)) => return Ok(Self { endpoint, object }),
                Ok(_) => "the JSON is not an object",
                Err(e) if e.is_eof() => "the body is not valid JSON (truncated?)",
                Err(_) => "the body is not valid JSON",
            }
        };
        Err(malformed(endpoint, problem.to_owned()))
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.object.get(name).is_some_and(|v| !v.is_null())
    }

    pub(crate) fn malformed(&self, problem: String) -> ProviderError {
        malformed(self.endpoint, problem)
    }

    /// A non-empty string member.
    pub(crate) fn required_string(&mut self, name: &str) -> Result<String, ProviderError> {
        self.optional_string(name)?
            .ok_or_else(|| self.malformed(format!("the JSON has no {name}")))
    }

    /// A string member; absent, `null` and `""` are all `None`.
    pub(crate) fn optional_string(&mut self, name: &str) -> Result<Option<String>, ProviderError> {
        match self.object.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(self.malformed(format!("{name} is not a string"))),
        }
    }

    /// A number of seconds; numeric strings (`"3600"`) are accepted too.
    pub(crate) fn optional_seconds(
        &mut self,
        name: &str,
    ) -> Result<Option<Duration>, ProviderError> {
        let value = self.object.remove(name);
        let not_seconds = || self.malformed(format!("{name} is not a number of seconds"));
        let seconds = match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(seconds) => Ok(Some(Duration::from_secs(seconds))),
                None => n
                    .as_f64()
                    .and_then(|f| Duration::try_from_secs_f64(f).ok())
                    .map(Some)
                    .ok_or_else(not_seconds),
            },
            Some(Value::String(text)) => text
                .trim()
                .parse::<u64>()
                .map(|seconds| Some(Duration::from_secs(seconds)))
                .map_err(|_| not_seconds()),
            Some(_) => Err(not_seconds()),
        }?;
        // No token or code lives for years; a larger figure is a server bug that
        // would overflow expiry arithmetic, so it is capped.
        Ok(seconds.map(|d| d.min(MAX_SERVER_DURATION)))
    }

    /// A URL we may send a browser to: https, or http to loopback.
    fn url(&self, name: &str, text: &str) -> Result<ServiceUrl, ProviderError> {
        ServiceUrl::parse(text).map_err(|_| {
            self.malformed(format!(
                "{name} is not an https:// URL (http:// only to loopback)"
            ))
        })
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
