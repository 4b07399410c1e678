//! The error taxonomy: what went wrong, what the user can do about it, and the
//! process exit code. Messages are one line and never contain a secret or a
//! response body (a body can contain a token).

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

/// The identity provider's and resource servers' port error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    #[error("the identity domain refused the request: {0}")]
    OAuth(OAuthError),
    #[error("{endpoint} answered HTTP 401 Unauthorized: the access token was not accepted")]
    Unauthorized { endpoint: String },
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
    #[error("{endpoint} sent a response that is not what OAuth expects: {problem}")]
    Malformed { endpoint: String, problem: String },
    #[error("{0}")]
    InvalidInput(#[from] InvalidInput),
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
#[non_exhaustive]
pub enum StoreError {
    #[error("the token store is locked by another process and did not free up within {waited:?}")]
    LockTimeout { waited: Duration },
    #[error("the token store at {location} cannot be decrypted with this key")]
    WrongKey { location: String },
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

/// Everything a use case can fail with. `Display` is one line; [`Error::remedy`]
/// says what to do; [`Error::exit_code`] is the process exit status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),
    #[error("settings: {0}")]
    Settings(String),
    #[error("no profile named `{0}`")]
    UnknownProfile(ProfileName),
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

/// Process exit codes, one per kind of failure a script may want to tell apart.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CONFIG: u8 = 3;
    pub const NOT_LOGGED_IN: u8 = 4;
    pub const LOGIN_REQUIRED: u8 = 5;
    pub const CHAIN_BROKEN: u8 = 6;
    pub const CLIENT_CONFIG: u8 = 7;
    pub const DEVICE_LOGIN: u8 = 8;
    pub const UNAUTHORIZED: u8 = 9;
    pub const NETWORK: u8 = 10;
    pub const SERVER: u8 = 11;
    pub const MALFORMED: u8 = 12;
    pub const STORE: u8 = 13;
    pub const WRONG_KEY: u8 = 14;
    pub const STORE_BUSY: u8 = 15;
    pub const HTTP_STATUS: u8 = 16;
    pub const SESSION_EXPIRED: u8 = 17;
    pub const TOKEN_LOST: u8 = 18;
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidInput(_) | Error::Settings(_) | Error::ProfileExists(_) => exit::CONFIG,
            Error::UnknownProfile(_) | Error::NotLoggedIn(_) => exit::NOT_LOGGED_IN,
            Error::RefreshTokenExpired { .. }
            | Error::RefreshTokenInvalid { .. }
            | Error::NoRefreshToken(_) => exit::LOGIN_REQUIRED,
            Error::RefreshChainBroken { .. } => exit::CHAIN_BROKEN,
            Error::ClientConfiguration { .. } => exit::CLIENT_CONFIG,
            Error::DeviceLogin { failure, .. } => match failure {
                crate::DeviceLoginFailure::Provider(p) => provider_exit(p),
                _ => exit::DEVICE_LOGIN,
            },
            Error::Provider(p) => provider_exit(p),
            Error::Store(s) => store_exit(s),
            Error::PersistFailed { .. } => exit::TOKEN_LOST,
            Error::RefreshOutcomeUnknown { .. } => exit::NETWORK,
            Error::HttpStatus { .. } => exit::HTTP_STATUS,
            Error::Oci(e) => e.exit_code(),
            Error::NoClientSecret(_) => exit::CONFIG,
            Error::TokenExchangeRefused { error, .. } => match error.kind {
                crate::OAuthErrorKind::InvalidGrant(_) => exit::LOGIN_REQUIRED,
                _ => exit::CLIENT_CONFIG,
            },
        }
    }

    /// One sentence telling the user how to fix it, when there is a fix.
    pub fn remedy(&self) -> Option<String> {
        let login = |p: &ProfileName| format!("run `oci-iam-sso login --profile {p}`");
        Some(match self {
            Error::InvalidInput(_) => "check the value and run the command again (see --help)".into(),
            Error::Settings(_) => "fix the settings file or the OCI_IAM_SSO_* variable it names".into(),
            Error::UnknownProfile(p) => format!(
                "create it with `oci-iam-sso profile add {p} --domain-url URL --client-id ID`, or list profiles with `oci-iam-sso profile list`"
            ),
            Error::ProfileExists(p) => format!("remove it first with `oci-iam-sso profile remove {p}`, or pick another name"),
            Error::NotLoggedIn(p) => login(p),
            Error::NoRefreshToken(p) => format!(
                "add `offline_access` to the scope (`oci-iam-sso profile add {p} --scope ...`), then {}",
                login(p)
            ),
            Error::RefreshTokenExpired { profile, .. } => format!("{} to get a new refresh token", login(profile)),
            Error::RefreshChainBroken { profile, .. } => format!(
                "{}; another tool or host used this profile's refresh token — give each one its own profile",
                login(profile)
            ),
            Error::RefreshTokenInvalid { profile, .. } => format!("{} (or `oci-iam-sso import` a valid token)", login(profile)),
            Error::ClientConfiguration { error, .. } => match error.kind {
                crate::OAuthErrorKind::InvalidScope => {
                    "use scopes of a single resource, for example `urn:opc:idm:__myscopes__ offline_access` (`profile add --scope`)".into()
                }
                crate::OAuthErrorKind::InvalidClient => "check the client id and, for a confidential client, its secret (`oci-iam-sso profile remove`, then `profile add ... --client-secret-env VAR`)".into(),
                _ => "check the client id and that the domain administrator enabled the Device Code and Refresh Token grants for it".into(),
            },
            Error::DeviceLogin { profile, failure } => match failure {
                crate::DeviceLoginFailure::AccessDenied => format!("{} again and approve the request", login(profile)),
                crate::DeviceLoginFailure::Expired => format!("{} again and enter the code within its lifetime", login(profile)),
                crate::DeviceLoginFailure::Provider(p) => return provider_remedy(p),
            },
            Error::Provider(p) => return provider_remedy(p),
            Error::Store(s) => return store_remedy(s),
            Error::PersistFailed { profile, .. } => format!(
                "the server has already rotated the token, so {} once the store is writable again",
                login(profile)
            ),
            Error::RefreshOutcomeUnknown { profile, .. } => format!(
                "check the network and any proxy, then run the command once more; if the server did rotate the token before the connection broke, the stored one is consumed and you must {}",
                login(profile)
            ),
            Error::HttpStatus { .. } => return None,
            Error::Oci(e) => return e.remedy(),
            Error::NoClientSecret(p) => format!(
                "store the confidential client's secret: `oci-iam-sso profile remove {p}`, then `oci-iam-sso profile add {p} --domain-url URL --client-id ID --client-secret-env VAR` with the secret in the variable VAR, then {}",
                login(p)
            ),
            Error::TokenExchangeRefused { profile, error } => match error.kind {
                crate::OAuthErrorKind::InvalidClient => format!(
                    "check the client id and secret of profile `{profile}`; to store another secret, `oci-iam-sso profile remove {profile}`, then `oci-iam-sso profile add {profile} ... --client-secret-env VAR` and log in again"
                ),
                crate::OAuthErrorKind::InvalidGrant(_) => format!("{} and try again", login(profile)),
                _ => "ask the domain administrator to allow the token exchange grant for this client and to set up an identity propagation trust with OCI".into(),
            },
        })
    }
}

fn provider_exit(error: &ProviderError) -> u8 {
    match error {
        ProviderError::OAuth(_) => exit::CLIENT_CONFIG,
        ProviderError::Unauthorized { .. } => exit::UNAUTHORIZED,
        ProviderError::Server { .. } => exit::SERVER,
        ProviderError::Transport { .. } => exit::NETWORK,
        ProviderError::Malformed { .. } => exit::MALFORMED,
        ProviderError::InvalidInput(_) => exit::CONFIG,
    }
}

fn provider_remedy(error: &ProviderError) -> Option<String> {
    Some(match error {
        ProviderError::OAuth(e) if e.ecid.is_some() => "quote the ecid to Oracle support if the problem persists".into(),
        ProviderError::OAuth(_) => return None,
        ProviderError::Unauthorized { .. } => {
            "the resource server refused even a freshly refreshed token: check that the user has a role on this service and that the URL is the right environment".into()
        }
        ProviderError::Server { .. } => "the service is having trouble; try again in a few minutes".into(),
        ProviderError::Transport { .. } => "check the URL, the network and any proxy (HTTPS_PROXY), then try again".into(),
        ProviderError::Malformed { .. } => {
            "check that the URL points at the identity domain itself (a proxy or login page may be answering instead)".into()
        }
        ProviderError::InvalidInput(_) => "check the URL".into(),
    })
}

fn store_exit(error: &StoreError) -> u8 {
    match error {
        StoreError::WrongKey { .. } | StoreError::KeyUnavailable { .. } => exit::WRONG_KEY,
        StoreError::LockTimeout { .. } => exit::STORE_BUSY,
        _ => exit::STORE,
    }
}

fn store_remedy(error: &StoreError) -> Option<String> {
    Some(match error {
        StoreError::LockTimeout { .. } => "another oci-iam-sso is still working on this profile; retry, or raise OCI_IAM_SSO_LOCK_TIMEOUT".into(),
        StoreError::WrongKey { .. } => {
            "use the key the store was created with (OCI_IAM_SSO_KEY, the key file, or the passphrase); nothing was changed".into()
        }
        StoreError::KeyUnavailable { .. } => "set OCI_IAM_SSO_KEY (base64 of 32 bytes) or --passphrase-env VAR, or drop the key options to use the key file".into(),
        StoreError::Corrupt { .. } => {
            "the file was left untouched: restore it from a backup, or move it aside and log in again".into()
        }
        StoreError::TooNew { .. } => "upgrade oci-iam-sso".into(),
        StoreError::Conflict { .. } => "retry the command; another process refreshed the token at the same time".into(),
        StoreError::Io { .. } => "check the permissions and free space of the store's directory".into(),
    })
}
