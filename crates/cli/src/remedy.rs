//! The one table from a domain failure to what the command line adds to its
//! message: the process exit code a script tests, and the remedy a person
//! reads (which names this binary's commands, flags and variables, so it is
//! written here and not in the domain).
//!
//! Exit codes by kind: [`EXIT_CODES`], the one list that `--help` (its
//! closing table) and docs/cli.md (a test keeps it equal) show users.

use oci_iam_sso_domain::oci::{OciError, TenancyRefusal};
use oci_iam_sso_domain::{
    CertificateProblem, DeviceLoginFailure, Error, OAuthErrorKind, ProfileName, ProviderError,
    StoreError,
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
    /// The server's TLS certificate was refused (unknown CA, expired, other host).
    pub const TLS_CERTIFICATE: u8 = 20;
    /// `doctor` found something that needs fixing (its table says what).
    pub const DOCTOR: u8 = 21;
    /// 128 + SIGINT, as shells report a Ctrl-C: `login` stopped while waiting.
    pub const INTERRUPTED: u8 = 130;
}

/// Every exit code and what it means, for people and scripts.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (exit::OK, "success"),
    (exit::FAILURE, "any other failure"),
    (
        exit::USAGE,
        "usage: a flag or argument was refused (before anything ran)",
    ),
    (
        exit::CONFIG,
        "settings or input: a bad value, an existing profile, no client secret or tenancy named",
    ),
    (
        exit::NOT_LOGGED_IN,
        "unknown profile, not logged in, OCI profile without a session",
    ),
    (
        exit::LOGIN_REQUIRED,
        "refresh token expired or invalid, or none: log in again",
    ),
    (
        exit::CHAIN_BROKEN,
        "refresh chain broken: the stored refresh token was used elsewhere",
    ),
    (
        exit::CLIENT_CONFIG,
        "client or scope rejected by the identity domain",
    ),
    (
        exit::DEVICE_LOGIN,
        "device or browser login denied, expired, timed out (--timeout) or for another tenancy",
    ),
    (
        exit::UNAUTHORIZED,
        "HTTP 401: the token, signature or session was not accepted",
    ),
    (
        exit::NETWORK,
        "the network: no answer, or the answer was cut off",
    ),
    (exit::SERVER, "the service is in trouble: HTTP 5xx or 429"),
    (
        exit::MALFORMED,
        "the answer is not what was expected (a proxy or login page?)",
    ),
    (
        exit::STORE,
        "the token store or the OCI files cannot be used",
    ),
    (exit::WRONG_KEY, "wrong or missing store key"),
    (
        exit::STORE_BUSY,
        "busy: a store or OCI lock held too long, a session replaced meanwhile",
    ),
    (
        exit::HTTP_STATUS,
        "another HTTP 4xx: a status >= 400 from `call`, or OCI's 403, 404, ...",
    ),
    (
        exit::SESSION_EXPIRED,
        "the OCI session expired or is refused",
    ),
    (
        exit::TOKEN_LOST,
        "a rotated refresh token could not be stored",
    ),
    (
        exit::PORT_BUSY,
        "the browser login's local port is taken by another program (pass another --port)",
    ),
    (
        exit::TLS_CERTIFICATE,
        "the server's TLS certificate is not trusted (unknown CA, expired, other host): --ca-bundle FILE",
    ),
    (
        exit::DOCTOR,
        "`doctor` found something that needs fixing (its table says what and how)",
    ),
    (
        exit::INTERRUPTED,
        "interrupted (Ctrl-C) while `login` waited: nothing was stored",
    ),
];

/// [`EXIT_CODES`] as the plain-text table that ends the top-level `--help`.
pub fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes:");
    for (code, meaning) in EXIT_CODES {
        text.push_str(&format!("\n  {code:>3}  {meaning}"));
    }
    text
}

/// [`EXIT_CODES`] as the Markdown table in docs/cli.md (a test compares them).
#[cfg(test)]
pub fn exit_codes_markdown() -> String {
    let mut text = String::from("| code | meaning |\n| ---: | --- |\n");
    for (code, meaning) in EXIT_CODES {
        text.push_str(&format!("| {code} | {} |\n", meaning.replace('|', "\\|")));
    }
    text
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
        ProviderError::Certificate { .. } => TLS_CERTIFICATE,
        ProviderError::Malformed { .. } => MALFORMED,
        ProviderError::InvalidInput(_) => CONFIG,
    }
}

/// What fixes a certificate the TLS handshake refused. `bundle_flag` is
/// the flag of the command at hand (`--cert-bundle` is the OCI CLI's name).
fn certificate_remedy(problem: &CertificateProblem, bundle_flag: &str) -> String {
    match problem {
        CertificateProblem::UnknownIssuer | CertificateProblem::Other(_) => format!(
            "if a private CA or a TLS-inspecting proxy signs it, add that CA's PEM bundle with {bundle_flag} FILE (or OCI_IAM_SSO_CA_BUNDLE); it is added to the system's roots"
        ),
        CertificateProblem::Expired => {
            "check this machine's clock (date -u); if it is right, the server's certificate has expired: tell its operator".to_owned()
        }
        CertificateProblem::NameMismatch => {
            "check the host name in the URL (the domain URL or --endpoint): the certificate names another host".to_owned()
        }
    }
}

/// An HTTP failure talking to the identity domain or a resource server.
fn provider(error: &ProviderError) -> Advice {
    if let ProviderError::Certificate { problem, .. } = error {
        return Advice::new(
            provider_exit(error),
            certificate_remedy(problem, "--ca-bundle"),
        );
    }
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
        // Answered above.
        ProviderError::Certificate { .. } => None,
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
        StoreError::KeySourceMismatch {
            made_with,
            opened_with,
            ..
        } => Advice::new(
            WRONG_KEY,
            format!(
                "open it with --key-source {made_with} (or key_source = \"{made_with}\" in the settings), or move its key: oci-iam-sso --key-source {made_with} store rekey --to {opened_with}; nothing was changed"
            ),
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
        ProviderError::Certificate { problem, .. } => {
            return Advice::new(
                provider_exit(error),
                certificate_remedy(problem, "--cert-bundle"),
            );
        }
        other => return provider(other),
    };
    Advice::new(provider_exit(error), remedy)
}

#[cfg(test)]
#[path = "remedy_tests.rs"]
mod tests;

#[cfg(test)]
mod exit_table_tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly on purpose

    #[test]
    fn docs_cli_md_shows_the_exit_code_table_of_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md");
        let doc = std::fs::read_to_string(path).unwrap();
        assert!(
            doc.contains(&super::exit_codes_markdown()),
            "docs/cli.md must contain this table (copy it from here):\n{}",
            super::exit_codes_markdown()
        );
    }

    #[test]
    fn codes_are_listed_once_in_order() {
        let codes: Vec<u8> = super::EXIT_CODES.iter().map(|(c, _)| *c).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
    }
}
