//! OCI request signatures (draft-cavage HTTP signatures, as OCI's "Request
//! Signatures" page specifies them).
//!
//! A pure function: given the request, the key, the key id and the date, it
//! returns the headers to add. It does no I/O and reads no clock, so the same
//! input always gives the same bytes (RSASSA-PKCS1-v1_5 is deterministic).

use std::time::SystemTime;

use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;

/// The `keyId` of the `Authorization` header.
#[derive(Clone, Copy)]
pub enum KeyId<'a> {
    /// `ST$<session token>`: requests signed with a session's key.
    SessionToken(&'a str),
    /// `<tenancy>/<user>/<fingerprint>`: requests signed with an API key.
    ApiKey {
        tenancy: &'a str,
        user: &'a str,
        fingerprint: &'a str,
    },
}

impl KeyId<'_> {
    fn render(&self) -> String {
        match self {
            KeyId::SessionToken(token) => format!("ST${token}"),
            KeyId::ApiKey {
                tenancy,
                user,
                fingerprint,
            } => format!("{tenancy}/{user}/{fingerprint}"),
        }
    }
}

impl std::fmt::Debug for KeyId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyId::SessionToken(_) => f.write_str("KeyId::SessionToken([redacted])"),
            KeyId::ApiKey { fingerprint, .. } => write!(f, "KeyId::ApiKey({fingerprint})"),
        }
    }
}

/// The parts of a request the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SigningRequest<'a> {
    /// `GET`, `POST`, … (any case).
    pub method: &'a str,
    pub url: &'a url::Url,
    /// Headers the caller already set; only `content-type` is read (default `application/json`).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The headers to add to the request, in signing order, `authorization` last.
///
/// `Debug` hides the `authorization` value: with a session key id it carries the token.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub headers: Vec<(&'static str, String)>,
}

impl SignedHeaders {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    *n,
                    if *n == "authorization" {
                        "[redacted]"
                    } else {
                        v
                    },
                )
            })
            .collect();
        f.debug_struct("SignedHeaders")
            .field("headers", &shown)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the URL has no host")]
    NoHost,
    #[error("RSA signing failed")]
    Signing,
}

/// Methods whose body is covered by the signature.
fn signs_body(method: &str) -> bool {
    ["POST", "PUT", "PATCH"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// The signed header names and values, in order, without `authorization`.
fn signed_headers(
    request: &SigningRequest<'_>,
    date: SystemTime,
) -> Result<Vec<(&'static str, String)>, SignError> {
    let url = request.url;
    let host = url.host_str().ok_or(SignError::NoHost)?;
    // `Url::port` is `None` for the scheme's default port, which must not appear.
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let target = match url.query() {
        Some(query) => format!("{} {}?{query}", request.method.to_lowercase(), url.path()),
        None => format!("{} {}", request.method.to_lowercase(), url.path()),
    };
    let mut headers = vec![
        ("date", httpdate::fmt_http_date(date)),
        ("(request-target)", target),
        ("host", host),
    ];
    if signs_body(request.method) {
        let content_type = request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map_or("application/json", |(_, v)| v.as_str());
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, request.body);
        headers.push(("content-length", request.body.len().to_string()));
        headers.push(("content-type", content_type.to_owned()));
        headers.push((
            "x-content-sha256",
            base64::engine::general_purpose::STANDARD.encode(digest.as_ref()),
        ));
    }
    Ok(headers)
}

/// The exact text that is signed: `name: value` lines joined by `\n`, no trailing newline.
pub fn signing_string(request: &SigningRequest<'_>, date: SystemTime) -> Result<String, SignError> {
    Ok(render_signing_string(&signed_headers(request, date)?))
}

fn render_signing_string(headers: &[(&'static str, String)]) -> String {
    headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Signs `request` and returns the headers to add: `date`, `host`, for
/// POST/PUT/PATCH `content-length`, `content-type`, `x-content-sha256`, and
/// `authorization`. (`(request-target)` is signed but is not a header.)
pub fn sign_request(
    request: &SigningRequest<'_>,
    key: &RsaKeyPair,
    key_id: KeyId<'_>,
    date: SystemTime,
) -> Result<SignedHeaders, SignError> {
    let signed = signed_headers(request, date)?;
    let text = render_signing_string(&signed);
    let mut signature = vec![0u8; key.public_modulus_len()];
    // aws-lc-rs ignores the random source (ring took it for blinding);
    // PKCS#1 v1.5 signatures are deterministic.
    key.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        text.as_bytes(),
        &mut signature,
    )
    .map_err(|_| SignError::Signing)?;
    let names: Vec<&str> = signed.iter().map(|(n, _)| *n).collect();
    let authorization = format!(
        "Signature algorithm=\"rsa-sha256\",headers=\"{}\",keyId=\"{}\",signature=\"{}\",version=\"1\"",
        names.join(" "),
        key_id.render(),
        base64::engine::general_purpose::STANDARD.encode(&signature),
    );
    let mut headers: Vec<(&'static str, String)> = signed
        .into_iter()
        .filter(|(n, _)| *n != "(request-target)")
        .collect();
    headers.push(("authorization", authorization));
    Ok(SignedHeaders { headers })
}
