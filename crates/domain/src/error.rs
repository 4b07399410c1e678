//! The error taxonomy: what went wrong, as kinds a caller can tell apart.
//! Messages are one line, never contain a secret or a response body (a body
//! can contain a token), and name no command of a front end: what to do about
//! an error and the process exit code are the command line's table
//! (`crates/cli/src/remedy.rs`).
//!
//! The enums are exhaustive on purpose: a new kind does not compile until
//! that table says what it means for the user.

use std::time::Duration;

use crate::ProfileName;

/// A value the user or a settings file supplied that does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {problem}")]
pub struct InvalidInput {
    pub what: &'static str,
    pub problem: String,
}

impl InvalidInput {
    pub fn new(what: &'static str, problem: impl Into<String>) -> Self {
        Self {
            what,
            problem: problem.into(),
        }
    }
}

/// The `error` code of an OAuth error response, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthErrorKind {
    InvalidGrant(InvalidGrant),
    InvalidScope,
    InvalidRequest,
    InvalidClient,
    UnauthorizedClient,
    UnsupportedGrantType,
    AuthorizationPending,
    SlowDown,
    AccessDenied,
    ExpiredToken,
    /// Any other code, kept as sent (RFC 6749 allows extensions).
    Other(String),
}

/// `invalid_grant` split by the identity domain's exact descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidGrant {
    /// `Token is expired for client : <id>`
    Expired,
    /// `The token has already been consumed`
    Consumed,
    /// `The given token in the request is invalid`
    Invalid,
    /// Any other description (other identity providers).
    Other,
}

/// An OAuth error response `{error, error_description, ecid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub kind: OAuthErrorKind,
    pub code: String,
    pub description: Option<String>,
    /// The identity domain's correlation id, for Oracle support.
    pub ecid: Option<String>,
}

impl OAuthError {
    /// Classifies the `error` code of an answer (RFC 6749 §5.2), with the
    /// server's description and ecid made safe to show: one short line, no
    /// word that looks like a token, no client id. The adapter that read the
    /// answer calls this; parsing the body is its business.
    pub fn classify(code: &str, description: Option<String>, ecid: Option<String>) -> Self {
        let kind = match code {
            "invalid_grant" => {
                OAuthErrorKind::InvalidGrant(classify_invalid_grant(description.as_deref()))
            }
            "invalid_scope" => OAuthErrorKind::InvalidScope,
            "invalid_request" => OAuthErrorKind::InvalidRequest,
            "invalid_client" => OAuthErrorKind::InvalidClient,
            "unauthorized_client" => OAuthErrorKind::UnauthorizedClient,
            "unsupported_grant_type" => OAuthErrorKind::UnsupportedGrantType,
            "authorization_pending" => OAuthErrorKind::AuthorizationPending,
            "slow_down" => OAuthErrorKind::SlowDown,
            "access_denied" => OAuthErrorKind::AccessDenied,
            "expired_token" => OAuthErrorKind::ExpiredToken,
            // Flattened like `code`: the raw text is server input of any length.
            other => OAuthErrorKind::Other(one_line(other, 64)),
        };
        // Descriptions are server text shown to the user; keep them short and on one line.
        // The expired-token text ends with the client id, which stays out of messages.
        let description = match kind {
            OAuthErrorKind::InvalidGrant(InvalidGrant::Expired) => {
                Some(format!("{EXPIRED_PREFIX} : [redacted]"))
            }
            _ => description.map(|d| one_line(&redact_token_like(&d), 200)),
        };
        let ecid = ecid.map(|e| one_line(&e, 64));
        Self {
            kind,
            code: one_line(code, 64),
            description,
            ecid,
        }
    }
}

/// The start of IDCS's `Token is expired for client : <CLIENT_ID>` description.
const EXPIRED_PREFIX: &str = "Token is expired for client";

fn classify_invalid_grant(description: Option<&str>) -> InvalidGrant {
    let Some(text) = description else {
        return InvalidGrant::Other;
    };
    let text = text.trim();
    if text.starts_with(EXPIRED_PREFIX) {
        InvalidGrant::Expired
    } else if text == "The token has already been consumed"
        || text == "The token is already consumed"
    {
        InvalidGrant::Consumed
    } else if text == "The given token in the request is invalid" {
        InvalidGrant::Invalid
    } else {
        InvalidGrant::Other
    }
}

/// Servers sometimes echo what they were sent; a description is shown to the
/// user (and lands in CI logs), so any word that could be a token is hidden.
/// Real descriptions are prose: their words are short.
fn redact_token_like(text: &str) -> String {
    let token_char = |c: char| c.is_ascii_alphanumeric() || "._~+/=-".contains(c);
    text.split(' ')
        .map(|word| {
            if word.chars().count() >= 32 && word.chars().all(token_char) {
                "[redacted]"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text from outside (a server, a settings file, SQLite) made fit for a
/// one-line message: every run of whitespace and control characters becomes
/// one space (a line break or an escape sequence never reaches the terminal),
/// and text longer than `max` characters is cut and ends with `…`.
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", flat[..cut].trim_end()),
        None => flat,
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        if let Some(e) = &self.ecid {
            write!(f, " (ecid {e})")?;
        }
        Ok(())
    }
}

/// How a request failed before any HTTP answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// Could not connect (refused, DNS, TLS handshake): the server saw nothing.
    Connect,
    /// No answer in time after the request was sent: the server may have acted on it.
    Timeout,
    /// The connection dropped after the request was sent: the server may have acted on it.
    Interrupted,
}

impl TransportFailure {
    /// True when the server cannot have received (and so consumed) the request.
    pub fn request_not_sent(self) -> bool {
        matches!(self, TransportFailure::Connect)
    }
}

/// Why a server's TLS certificate was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateProblem {
    /// Signed by no authority this machine trusts (a private CA, or a proxy
    /// that re-signs traffic with a corporate CA).
    UnknownIssuer,
    /// Expired, or not valid yet (or this machine's clock is wrong).
    Expired,
    /// Issued for another host name than the one in the URL.
    NameMismatch,
    /// Any other refusal (revoked, wrong usage, malformed), as TLS worded it.
    Other(String),
}

impl std::fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertificateProblem::UnknownIssuer => {
                f.write_str("is signed by an unknown certificate authority (unknown issuer)")
            }
            CertificateProblem::Expired => {
                f.write_str("has expired or is not valid yet (check this machine's clock)")
            }
            CertificateProblem::NameMismatch => {
                f.write_str("was issued for another host name (name mismatch)")
            }
            CertificateProblem::Other(detail) => write!(f, "was not accepted: {detail}"),
        }
    }
}

/// An HTTP exchange that failed: the identity provider's, the resource
/// servers' and the OCI services' port error.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the identity domain refused the request: {0}")]
    OAuth(OAuthError),
    #[error("{endpoint} answered HTTP 401 Unauthorized: the access token was not accepted")]
    Unauthorized { endpoint: String },
    /// A 4xx other than 401 and 429 (a 403 or 404, say) that carries no OAuth
    /// error: the server understood the request and refused it as sent, so
    /// sending it again unchanged does not help.
    #[error("{endpoint} answered HTTP {status}{}", reason_phrase(*.status))]
    Rejected { endpoint: String, status: u16 },
    /// A 5xx, or 429 (too many requests): the service is in trouble or busy,
    /// and a later try may succeed.
    #[error("{endpoint} answered HTTP {status}")]
    Server {
        endpoint: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("{endpoint} could not be reached: {detail}")]
    Transport {
        endpoint: String,
        failure: TransportFailure,
        detail: String,
    },
    /// The TLS handshake failed on the server's certificate: no request was
    /// sent, and sending it again changes nothing until the trust (a CA
    /// bundle), the clock or the URL is fixed.
    #[error("{endpoint}: the server's TLS certificate {problem}")]
    Certificate {
        endpoint: String,
        problem: CertificateProblem,
    },
    #[error("{endpoint} sent a response that is not what OAuth expects: {problem}")]
    Malformed { endpoint: String, problem: String },
    #[error("{0}")]
    InvalidInput(#[from] InvalidInput),
}

/// The reason phrases (RFC 9110 §15.5) of the refusals users meet most.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => " Bad Request",
        403 => " Forbidden",
        404 => " Not Found",
        409 => " Conflict",
        _ => "",
    }
}

impl ProviderError {
    /// The classified OAuth error, when the server sent one.
    pub fn oauth_kind(&self) -> Option<&OAuthErrorKind> {
        match self {
            ProviderError::OAuth(e) => Some(&e.kind),
            _ => None,
        }
    }
}

/// The token store's port error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the token store is locked by another process and did not free up within {waited:?}")]
    LockTimeout { waited: Duration },
    #[error("the token store at {location} cannot be decrypted with this key")]
    WrongKey { location: String },
    /// The store records the kind of key source that made it (`keyfile`, `env`,
    /// `passphrase`, `keyring`); another kind did not open it.
    #[error(
        "the token store at {location} was made with the key source `{made_with}`, not `{opened_with}`"
    )]
    KeySourceMismatch {
        location: String,
        made_with: String,
        opened_with: String,
    },
    #[error("no store key is available: {reason}")]
    KeyUnavailable { reason: String },
    #[error("the token store at {location} is corrupt or not a token store: {detail}")]
    Corrupt { location: String, detail: String },
    #[error(
        "the token store at {location} was written by a newer version (schema {found}, this build knows up to {known})"
    )]
    TooNew {
        location: String,
        found: u32,
        known: u32,
    },
    #[error(
        "a newer token set (generation {found}) is already stored; this one (generation {attempted}) was not written"
    )]
    Conflict { attempted: u64, found: u64 },
    #[error("token store I/O failed at {location}: {detail}")]
    Io { location: String, detail: String },
}

/// Everything a use case can fail with. `Display` is one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),
    #[error("settings: {0}")]
    Settings(String),
    /// `known` are the profiles the store has, so the message can name them.
    #[error("no profile named `{profile}`{}", known_suffix(.known))]
    UnknownProfile {
        profile: ProfileName,
        known: Vec<ProfileName>,
    },
    #[error("profile `{0}` already exists")]
    ProfileExists(ProfileName),
    #[error("profile `{0}` is not logged in")]
    NotLoggedIn(ProfileName),
    /// The login's answer carried no refresh token, so nothing can renew the access token.
    #[error("profile `{0}` has no refresh token, so its access token cannot be renewed")]
    NoRefreshToken(ProfileName),
    #[error("the refresh token of profile `{profile}` has expired{}", ecid_suffix(.ecid))]
    RefreshTokenExpired {
        profile: ProfileName,
        ecid: Option<String>,
    },
    #[error("the refresh chain of profile `{profile}` is broken: the stored refresh token was already consumed and no newer one was stored{}", ecid_suffix(.ecid))]
    RefreshChainBroken {
        profile: ProfileName,
        ecid: Option<String>,
    },
    #[error("the identity domain does not recognise the refresh token of profile `{profile}`{}", ecid_suffix(.ecid))]
    RefreshTokenInvalid {
        profile: ProfileName,
        ecid: Option<String>,
    },
    #[error("the identity domain rejected the client or scope of profile `{profile}`: {error}")]
    ClientConfiguration {
        profile: ProfileName,
        error: OAuthError,
    },
    #[error("device login for profile `{profile}` failed: {failure}")]
    DeviceLogin {
        profile: ProfileName,
        failure: crate::DeviceLoginFailure,
    },
    #[error("{0}")]
    Provider(ProviderError),
    #[error("{0}")]
    Store(StoreError),
    /// A new refresh token was received but could not be stored: it is lost.
    #[error(
        "received a rotated refresh token for profile `{profile}` but could not store it: {source}"
    )]
    PersistFailed {
        profile: ProfileName,
        source: StoreError,
    },
    /// The refresh request left but its answer never came: the server may have
    /// rotated (and so consumed) the stored refresh token.
    #[error("the refresh of profile `{profile}` was cut off after the request was sent: {source}")]
    RefreshOutcomeUnknown {
        profile: ProfileName,
        source: ProviderError,
    },
    #[error("{what} answered HTTP {status}")]
    HttpStatus { what: String, status: u16 },
    #[error("OCI: {0}")]
    Oci(#[from] crate::oci::OciError),
    /// The token exchange needs a confidential client, and the profile has no secret.
    #[error("profile `{0}` has no client secret, which the token exchange needs")]
    NoClientSecret(ProfileName),
    #[error(
        "the identity domain refused to exchange the access token of profile `{profile}` for an OCI session: {error}"
    )]
    TokenExchangeRefused {
        profile: ProfileName,
        error: OAuthError,
    },
}

fn known_suffix(known: &[ProfileName]) -> String {
    if known.is_empty() {
        return " (there are no profiles yet)".to_owned();
    }
    let names: Vec<&str> = known.iter().map(ProfileName::as_str).collect();
    format!(" (known: {})", names.join(", "))
}

fn ecid_suffix(ecid: &Option<String>) -> String {
    ecid.as_ref()
        .map(|e| format!(" (ecid {e})"))
        .unwrap_or_default()
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}
