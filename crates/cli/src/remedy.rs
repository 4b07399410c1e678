//! The one table from a domain failure to what the command line adds to its
//! message: the process exit code a script tests, and the remedy a person
//! reads (which names this binary's commands, flags and variables, so it is
//! written here and not in the domain).
//!
//! Exit codes by kind (README.md lists them for users):
//!
//! | code | kind |
//! | --- | --- |
//! | 3 | settings or input (`InvalidInput`, `Settings`, `ProfileExists`, `NoClientSecret`, OCI `Config`, a new session with no tenancy named) |
//! | 4 | unknown profile, not logged in, OCI profile without a session |
//! | 5 | refresh token expired or invalid, no refresh token: log in again |
//! | 6 | refresh chain broken (the stored refresh token was consumed elsewhere) |
//! | 7 | client or scope rejected (an OAuth error answer) |
//! | 8 | device or browser login denied, expired or for another tenancy |
//! | 9 | HTTP 401: the token, signature or session was not accepted |
//! | 10 | the network: no answer, or the answer was cut off |
//! | 11 | the service is in trouble: HTTP 5xx or 429 |
//! | 12 | the answer is not what was expected (a proxy or login page?) |
//! | 13 | the token store or the OCI files cannot be used |
//! | 14 | wrong or missing store key |
//! | 15 | busy: a store or OCI lock held too long, a session replaced meanwhile |
//! | 16 | another HTTP 4xx: a status >= 400 from `call`, or OCI's 403, 404, … |
//! | 17 | the OCI session expired or is refused |
//! | 18 | a rotated refresh token could not be stored |
//! | 19 | the browser login's local port is taken by another program |

use oci_iam_sso_domain::oci::{OciError, TenancyRefusal};
use oci_iam_sso_domain::{
    DeviceLoginFailure, Error, OAuthErrorKind, ProfileName, ProviderError, StoreError,
};

/// Process exit codes, one per kind of failure a script may want to tell apart.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    /// Bad flags: clap exits with it itself, before any command runs.
    #[allow(dead_code)]
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
    pub const PORT_BUSY: u8 = 19;
}

/// What the command line says about a failure besides its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advice {
    pub exit_code: u8,
    /// One sentence telling the user how to fix it, when there is a fix.
    pub remedy: Option<String>,
}

impl Advice {
    fn new(exit_code: u8, remedy: impl Into<String>) -> Self {
        Self {
            exit_code,
            remedy: Some(remedy.into()),
        }
    }

    fn bare(exit_code: u8) -> Self {
        Self {
            exit_code,
            remedy: None,
        }
    }
}

fn login(profile: &ProfileName) -> String {
    format!("run `oci-iam-sso login --profile {profile}`")
}

/// The exit code and remedy of a domain error.
pub fn advice(error: &Error) -> Advice {
    use exit::*;
    match error {
        Error::InvalidInput(_) => Advice::new(
            CONFIG,
            "check the value and run the command again (see --help)",
        ),
        Error::Settings(_) => Advice::new(
            CONFIG,
            "fix the settings file or the OCI_IAM_SSO_* variable it names",
        ),
        Error::UnknownProfile { profile: p, known } => Advice::new(
            NOT_LOGGED_IN,
            if known.is_empty() {
                format!(
                    "create it with `oci-iam-sso profile add {p} --domain-url URL --client-id ID`"
                )
            } else {
                format!(
                    "use one of the known names, or create it with `oci-iam-sso profile add {p} --domain-url URL --client-id ID`"
                )
            },
        ),
        Error::ProfileExists(p) => Advice::new(
            CONFIG,
            format!("remove it first with `oci-iam-sso profile remove {p}`, or pick another name"),
        ),
        Error::NotLoggedIn(p) => Advice::new(NOT_LOGGED_IN, login(p)),
        Error::NoRefreshToken(p) => Advice::new(
            LOGIN_REQUIRED,
            format!(
                "add `offline_access` to the scope (`oci-iam-sso profile add {p} --scope ...`), then {}",
                login(p)
            ),
        ),
        Error::RefreshTokenExpired { profile, .. } => Advice::new(
            LOGIN_REQUIRED,
            format!("{} to get a new refresh token", login(profile)),
        ),
        Error::RefreshChainBroken { profile, .. } => Advice::new(
            CHAIN_BROKEN,
            format!(
                "{}; another tool or host used this profile's refresh token — give each one its own profile",
                login(profile)
            ),
        ),
        Error::RefreshTokenInvalid { profile, .. } => Advice::new(
            LOGIN_REQUIRED,
            format!("{} (or `oci-iam-sso import` a valid token)", login(profile)),
        ),
        Error::ClientConfiguration { error, .. } => Advice::new(
            CLIENT_CONFIG,
            match error.kind {
                OAuthErrorKind::InvalidScope => {
                    "use scopes of a single resource, for example `urn:opc:idm:__myscopes__ offline_access` (`profile add --scope`)"
                }
                OAuthErrorKind::InvalidClient => {
                    "check the client id and, for a confidential client, its secret (`oci-iam-sso profile remove`, then `profile add ... --client-secret-env VAR`)"
                }
                _ => {
                    "check the client id and that the domain administrator enabled the Device Code and Refresh Token grants for it"
                }
            },
        ),
        Error::DeviceLogin { profile, failure } => match failure {
            DeviceLoginFailure::AccessDenied => Advice::new(
                DEVICE_LOGIN,
                format!("{} again and approve the request", login(profile)),
            ),
            DeviceLoginFailure::Expired => Advice::new(
                DEVICE_LOGIN,
                format!(
                    "{} again and enter the code within its lifetime",
                    login(profile)
                ),
            ),
            DeviceLoginFailure::Provider(p) => provider(p),
        },
        Error::Provider(p) => provider(p),
        Error::Store(s) => store(s),
        Error::PersistFailed { profile, .. } => Advice::new(
            TOKEN_LOST,
            format!(
                "the server has already rotated the token, so {} once the store is writable again",
                login(profile)
            ),
        ),
        Error::RefreshOutcomeUnknown { profile, .. } => Advice::new(
            NETWORK,
            format!(
                "check the network and any proxy, then run the command once more; if the server did rotate the token before the connection broke, the stored one is consumed and you must {}",
                login(profile)
            ),
        ),
        Error::HttpStatus { .. } => Advice::bare(HTTP_STATUS),
        Error::Oci(e) => oci(e),
        Error::NoClientSecret(p) => Advice::new(
            CONFIG,
            format!(
                "store the confidential client's secret: `oci-iam-sso profile remove {p}`, then `oci-iam-sso profile add {p} --domain-url URL --client-id ID --client-secret-env VAR` with the secret in the variable VAR, then {}",
                login(p)
            ),
        ),
        Error::TokenExchangeRefused { profile, error } => match error.kind {
            OAuthErrorKind::InvalidClient => Advice::new(
                CLIENT_CONFIG,
                format!(
                    "check the client id and secret of profile `{profile}`; to store another secret, `oci-iam-sso profile remove {profile}`, then `oci-iam-sso profile add {profile} ... --client-secret-env VAR` and log in again"
                ),
            ),
            OAuthErrorKind::InvalidGrant(_) => {
                Advice::new(LOGIN_REQUIRED, format!("{} and try again", login(profile)))
            }
            _ => Advice::new(
                CLIENT_CONFIG,
                "ask the domain administrator to allow the token exchange grant for this client and to set up an identity propagation trust with OCI",
            ),
        },
    }
}

/// The exit code of an HTTP failure, wherever it happened.
fn provider_exit(error: &ProviderError) -> u8 {
    use exit::*;
    match error {
        ProviderError::OAuth(_) => CLIENT_CONFIG,
        ProviderError::Unauthorized { .. } => UNAUTHORIZED,
        ProviderError::Rejected { .. } => HTTP_STATUS,
        ProviderError::Server { .. } => SERVER,
        ProviderError::Transport { .. } => NETWORK,
        ProviderError::Malformed { .. } => MALFORMED,
        ProviderError::InvalidInput(_) => CONFIG,
    }
}

/// An HTTP failure talking to the identity domain or a resource server.
fn provider(error: &ProviderError) -> Advice {
    let remedy = match error {
        ProviderError::OAuth(e) if e.ecid.is_some() => {
            Some("quote the ecid to Oracle support if the problem persists")
        }
        ProviderError::OAuth(_) => None,
        ProviderError::Unauthorized { .. } => Some(
            "the resource server refused even a freshly refreshed token: check that the user has a role on this service and that the URL is the right environment",
        ),
        ProviderError::Rejected { status: 403, .. } => {
            Some("the server will not let this user do that: check the user's roles on the service")
        }
        ProviderError::Rejected { status: 404, .. } => {
            Some("nothing answers at that address: check the URL")
        }
        ProviderError::Rejected { .. } => {
            Some("the server refused the request as sent: check the URL")
        }
        ProviderError::Server { .. } => {
            Some("the service is having trouble; try again in a few minutes")
        }
        ProviderError::Transport { .. } => {
            Some("check the URL, the network and any proxy (HTTPS_PROXY), then try again")
        }
        ProviderError::Malformed { .. } => Some(
            "check that the URL points at the identity domain itself (a proxy or login page may be answering instead)",
        ),
        ProviderError::InvalidInput(_) => Some("check the URL"),
    };
    Advice {
        exit_code: provider_exit(error),
        remedy: remedy.map(str::to_owned),
    }
}

fn store(error: &StoreError) -> Advice {
    use exit::*;
    match error {
        StoreError::LockTimeout { .. } => Advice::new(
            STORE_BUSY,
            "another oci-iam-sso is still working on this profile; retry, or raise OCI_IAM_SSO_LOCK_TIMEOUT",
        ),
        StoreError::WrongKey { .. } => Advice::new(
            WRONG_KEY,
            "use the key the store was created with (OCI_IAM_SSO_KEY, the key file, or the passphrase); nothing was changed",
        ),
        StoreError::KeyUnavailable { .. } => Advice::new(
            WRONG_KEY,
            "set OCI_IAM_SSO_KEY (base64 of 32 bytes) or --passphrase-env VAR, or drop the key options to use the key file",
        ),
        StoreError::Corrupt { .. } => Advice::new(
            STORE,
            "the file was left untouched: restore it from a backup, or move it aside and log in again",
        ),
        StoreError::TooNew { .. } => Advice::new(STORE, "upgrade oci-iam-sso"),
        StoreError::Conflict { .. } => Advice::new(
            STORE,
            "retry the command; another process refreshed the token at the same time",
        ),
        // The shared store names itself by its URL (never with the password).
        StoreError::Io { location, .. }
            if location.starts_with("postgres://") || location.contains("PostgreSQL") =>
        {
            Advice::new(
                STORE,
                "check that the PostgreSQL server is running and reachable, and store_url / OCI_IAM_SSO_STORE_URL",
            )
        }
        StoreError::Io { .. } => Advice::new(
            STORE,
            "check the permissions and free space of the store's directory",
        ),
    }
}

fn oci(error: &OciError) -> Advice {
    use exit::*;
    let authenticate =
        |profile: &str| format!("run `oci-iam-sso session authenticate --profile {profile}`");
    match error {
        OciError::SessionExpired { profile } | OciError::SessionInvalid { profile } => {
            Advice::new(SESSION_EXPIRED, authenticate(profile))
        }
        OciError::NoSession { profile } => Advice::new(NOT_LOGGED_IN, authenticate(profile)),
        OciError::RefreshRefused { profile } => Advice::new(
            SESSION_EXPIRED,
            format!(
                "the session can no longer be refreshed; log in again: {}",
                authenticate(profile)
            ),
        ),
        OciError::Config(_) => Advice::new(
            CONFIG,
            "fix the OCI config file (see `oci-iam-sso setup config --help`)",
        ),
        OciError::Service(p) => oci_service(p),
        OciError::Files { .. } => Advice::new(
            STORE,
            "check the permissions and free space of that directory",
        ),
        OciError::SessionChanged { profile } => Advice::new(
            STORE_BUSY,
            format!(
                "the session on disk is the newer one; check it with `oci-iam-sso session validate --profile {profile}`"
            ),
        ),
        OciError::Locked { .. } => Advice::new(
            STORE_BUSY,
            "another oci-iam-sso command is using it; let it finish, then try again",
        ),
        OciError::Tenancy { profile, refusal } => match refusal {
            TenancyRefusal::Changed { .. } => Advice::new(
                DEVICE_LOGIN,
                format!(
                    "log in to the profile's tenancy (--tenancy-name NAME), or pass --allow-tenancy-change to switch profile [{profile}] to the new one"
                ),
            ),
            TenancyRefusal::Unnamed => Advice::new(
                CONFIG,
                format!(
                    "name the tenancy: --tenancy OCID on `oci-iam-sso session exchange`, or `oci-iam-sso setup config --profile {profile} --tenancy OCID`"
                ),
            ),
            TenancyRefusal::ClaimNotOcid => Advice::new(
                MALFORMED,
                "the login service sent a session token this tool cannot use; try again, and report it if it persists",
            ),
        },
        OciError::Login(_) => {
            Advice::new(DEVICE_LOGIN, "run `oci-iam-sso session authenticate` again")
        }
        OciError::PortBusy { port, .. } => Advice::new(
            PORT_BUSY,
            format!(
                "pass another port (`--port {}`), or stop the program that holds {port} (`ss -ltnp 'sport = :{port}'` or `lsof -i :{port}` names it)",
                port.wrapping_add(1).max(1024)
            ),
        ),
        OciError::Other(_) => Advice::bare(FAILURE),
    }
}

/// An HTTP failure talking to the OCI auth or identity service (or a session
/// token that is not what a service sends).
fn oci_service(error: &ProviderError) -> Advice {
    let remedy = match error {
        ProviderError::Unauthorized { .. } => {
            "check the session (`oci-iam-sso session validate`) and that the user may get this token (IAM policy)"
        }
        ProviderError::Rejected { status: 403, .. } => {
            "OCI does not let this user do that: check that an IAM policy allows it for one of the user's groups in the session's tenancy"
        }
        ProviderError::Rejected { status: 404, .. } => {
            "nothing answers at that address: check the profile's region and --endpoint"
        }
        ProviderError::Rejected { .. } => {
            "OCI refused the request as sent: check the command's options (see --help)"
        }
        ProviderError::Server { .. } => "the service is having trouble; try again in a few minutes",
        ProviderError::Transport { .. } => {
            "check the region, --endpoint, the network and any proxy (HTTPS_PROXY), then try again"
        }
        ProviderError::Malformed { .. } => {
            "check --endpoint (a proxy or login page may be answering instead)"
        }
        other => return provider(other),
    };
    Advice::new(provider_exit(error), remedy)
}

#[cfg(test)]
#[path = "remedy_tests.rs"]
mod tests;
