//! Entry points for `cargo fuzz` (the `fuzz/` project at the repository root).
//! The answer parsers are crate-private; this hands one answer to each of them.
//! Not an API: hidden from the docs and free to change with the fuzz targets.

use std::time::SystemTime;

use oci_iam_sso_domain::ServiceUrl;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};

use super::{discovery, response};
use crate::client::Answer;

/// One answer as raw parts; headers that are not valid header values are left out.
#[derive(Debug, Clone, Copy)]
pub struct RawAnswer<'a> {
    pub status: u16,
    pub content_type: Option<&'a [u8]>,
    pub retry_after: Option<&'a [u8]>,
    pub location: Option<&'a [u8]>,
    pub body: &'a [u8],
}

impl RawAnswer<'_> {
    fn answer(&self) -> Answer {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (CONTENT_TYPE, self.content_type),
            (RETRY_AFTER, self.retry_after),
            (LOCATION, self.location),
        ] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v).ok()) {
                headers.insert(name, value);
            }
        }
        Answer {
            status: StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK),
            headers,
            body: self.body.to_vec(),
        }
    }
}

/// Reads `raw` as a token response, a device authorization, a revocation
/// answer, an error answer and a discovery document, and returns the text
/// (`Display`) of every error, for the fuzz target's checks.
pub fn parse_answer(raw: RawAnswer<'_>) -> Vec<String> {
    const ENDPOINT: &str = "token endpoint https://idcs.example.com/oauth2/v1/token";
    let mut errors = Vec::new();
    if let Err(e) = response::token_response(ENDPOINT, raw.answer()) {
        errors.push(e.to_string());
    }
    if let Err(e) = response::device_authorization(ENDPOINT, raw.answer()) {
        errors.push(e.to_string());
    }
    if let Err(e) = response::revocation(ENDPOINT, raw.answer()) {
        errors.push(e.to_string());
    }
    errors.push(response::error_answer(ENDPOINT, &raw.answer(), SystemTime::now()).to_string());
    if let Ok(domain) = ServiceUrl::parse("https://idcs.example.com")
        && let Err(e) = discovery::endpoints_from_answer(&domain, ENDPOINT, raw.answer())
    {
        errors.push(e.to_string());
    }
    errors
}
