//! The flags of each subcommand (the top-level `Command` enum and the
//! global flags are in the parent module).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::clock::parse_duration;

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Move the store to a new key in another source (every secret sealed anew)
    #[command(
        long_about = "Seals every secret of the store anew under a new key kept in SOURCE, in one \
transaction: a failure or a crash part-way leaves the store as it was, under its old key. The \
new key is in its home before the store needs it; the old key file or keyring entry is deleted \
only after. Waits for running commands to finish (new ones wait for it). The store is opened \
with the current source as usual (--key-source, the passphrase flags, OCI_IAM_SSO_KEY).\n\n\
keyfile: the key_file setting's place (a key file already there is used, never replaced). \
env: the new key is read from OCI_IAM_SSO_NEW_KEY; pass it as OCI_IAM_SSO_KEY from then on. \
passphrase: the new passphrase from --new-passphrase-env VAR, else asked twice on the terminal. \
keyring: a new random key in the OS keyring (Secret Service, Keychain, Credential Manager).",
        after_help = "Examples:\n  oci-iam-sso store rekey --to keyring\n  oci-iam-sso --key-source keyring store rekey --to keyfile\n  NEW=secret oci-iam-sso store rekey --to passphrase --new-passphrase-env NEW\n  OCI_IAM_SSO_NEW_KEY=$(openssl rand -base64 32) oci-iam-sso store rekey --to env"
    )]
    Rekey(RekeyArgs),
}

#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// The source the new key goes to
    #[arg(long, value_name = "SOURCE", value_parser = ["keyfile", "env", "passphrase", "keyring"])]
    pub to: String,
    /// Read the new passphrase from this environment variable (with `--to passphrase`)
    #[arg(long, value_name = "VAR")]
    pub new_passphrase_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// OCI config profile to check [default: OCI_CLI_PROFILE, else DEFAULT]
    /// (the global --profile names the identity-domain profile)
    #[arg(long, value_name = "NAME")]
    pub oci_profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write the pages into (created when missing)
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Create a profile (an existing one is refused: remove it first)
    #[command(
        after_help = "Examples:\n  oci-iam-sso profile add epm --domain-url https://idcs-abc.identity.oraclecloud.com \\\n      --client-id 0a1b2c --resource-url https://epm-host\n  export OCI_IAM_SSO_CLIENT_ID=0a1b2c   # keeps the id out of the process list\n  oci-iam-sso profile add epm --domain-url idcs-abc.identity.oraclecloud.com\n  export CI_SECRET=...   # a confidential application, for `session exchange`\n  oci-iam-sso profile add ci --domain-url https://idcs-abc.identity.oraclecloud.com \\\n      --client-id 0a1b2c --client-secret-env CI_SECRET"
    )]
    Add(ProfileAddArgs),
    /// List profiles (name and domain, tab separated)
    #[command(
        after_help = "Examples:\n  oci-iam-sso profile list\n  oci-iam-sso profile list --output json"
    )]
    List(JsonArg),
    /// Show one profile's settings (the client id is shown, tokens never)
    #[command(
        after_help = "Examples:\n  oci-iam-sso profile show            # the current profile\n  oci-iam-sso profile show epm --output json"
    )]
    Show(ProfileShowArgs),
    /// Remove a profile and its stored tokens (without revoking them; see `logout`)
    #[command(
        after_help = "Examples:\n  oci-iam-sso logout --profile epm && oci-iam-sso profile remove epm"
    )]
    Remove(ProfileRemoveArgs),
    /// Change a profile's domain URL, client, scope, resource URL or secret
    #[command(
        long_about = "Changes the given fields of a profile and keeps the rest. The stored tokens \
stay when only the scope, the resource URL or the client secret changes. A new domain URL or \
client id makes them useless (a refresh token is bound to the client and the domain that issued \
it), so they are deleted, with a warning, and you log in again.",
        after_help = "Examples:\n  oci-iam-sso profile set epm --resource-url https://epm-host\n  oci-iam-sso profile set epm --scope 'urn:opc:idm:__myscopes__ offline_access'"
    )]
    Set(ProfileSetArgs),
    /// Make a profile the default one (`default_profile` in the settings file)
    #[command(after_help = "Examples:\n  oci-iam-sso profile default epm")]
    Default(ProfileRemoveArgs),
}

#[derive(Debug, Args)]
pub struct ProfileShowArgs {
    /// Profile name [default: the current profile: --profile, else the settings' default_profile]
    pub name: Option<String>,
    /// Deprecated spelling of `--output json`
    #[arg(long, hide = true)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProfileSetArgs {
    /// Profile name
    pub name: String,
    /// New identity domain URL (deletes the stored tokens)
    #[arg(long, value_name = "URL")]
    pub domain_url: Option<String>,
    /// New OAuth client id (deletes the stored tokens)
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// New OAuth scope, space separated
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// New base URL that `call /path` joins paths to
    #[arg(long, value_name = "URL")]
    pub resource_url: Option<String>,
    /// Environment variable holding a new client secret
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: Option<String>,
    /// Skip the discovery check of a new --domain-url
    #[arg(long)]
    pub no_check: bool,
}

#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    /// Profile name (letters, digits and `._-@`)
    pub name: String,
    /// Identity domain URL, e.g. https://idcs-abc.identity.oraclecloud.com
    #[arg(long, value_name = "URL")]
    pub domain_url: String,
    /// OAuth client id of the identity-domain application (stored encrypted)
    #[arg(
        long,
        env = "OCI_IAM_SSO_CLIENT_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    pub client_id: String,
    /// OAuth scope, space separated
    #[arg(long, value_name = "SCOPE", default_value = oci_iam_sso_domain::DEFAULT_SCOPE)]
    pub scope: String,
    /// Base URL that `call /path` joins paths to (an EPM host, for example)
    #[arg(long, value_name = "URL")]
    pub resource_url: Option<String>,
    /// Environment variable holding the client secret of a confidential
    /// application (only `session exchange` needs one); the secret is stored
    /// encrypted and never given on the command line
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: Option<String>,
    /// Save without asking the domain's discovery document first (by default
    /// a domain that answers but is not an identity domain is refused; one
    /// that cannot be reached is saved with a warning)
    #[arg(long)]
    pub no_check: bool,
}

#[derive(Debug, Args)]
pub struct ProfileRemoveArgs {
    /// Profile name
    pub name: String,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Deprecated spelling of `--output json`
    #[arg(long, hide = true)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Do not open a browser; only print the URL and code
    #[arg(long, conflicts_with = "browser_command")]
    pub no_browser: bool,
    /// Command that opens the browser (the URL is added as its last argument)
    /// [default: $BROWSER, else xdg-open (open on macOS), except over SSH or
    /// without a display]
    #[arg(long, value_name = "CMD")]
    pub browser_command: Option<String>,
    /// Also show the page's address as a QR code, to scan with a phone
    /// [default: on a terminal over SSH or without a display]
    #[arg(long, conflicts_with = "no_qr")]
    pub qr: bool,
    /// Never show a QR code
    #[arg(long)]
    pub no_qr: bool,
    /// Give up waiting for the approval after this long (exit 8), such as 2m;
    /// without it the login waits as long as the code is valid
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Refresh when the cached token expires within this time
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub min_ttl: Duration,
    /// Refresh even when the cached token is still fresh
    #[arg(long)]
    pub force_refresh: bool,
    /// Deprecated spelling of `--output json`
    #[arg(long, hide = true)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// HTTP method
    #[arg(
        short = 'X',
        long = "request",
        value_name = "METHOD",
        default_value = "GET"
    )]
    pub method: String,
    /// Full URL (with its scheme), or a path joined to the profile's resource URL
    pub url: String,
    /// Extra request header, `Name: value` (repeatable)
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Request body: TEXT, `@FILE` to read a file, or `-` to read stdin
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    pub data: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The program and its arguments, after `--`
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Deprecated spelling of `--output json`
    #[arg(long, hide = true)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "What to keep")]
pub struct KeepArgs {
    /// OCI session profile to refresh at half its life until the 24-hour cap (repeatable);
    /// with `:IDCS_PROFILE`, a new session is made from that identity-domain profile
    /// (as `session exchange` does) before the cap
    #[arg(long = "session", value_name = "OCI_PROFILE[:IDCS_PROFILE]")]
    pub sessions: Vec<String>,
    /// Keep a database token in --db-token-location re-issued before it expires
    #[arg(long)]
    pub db_token: bool,
    /// Scope of the kept database token
    #[arg(long, default_value = "urn:oracle:db::id::*", value_name = "SCOPE")]
    pub scope: String,
    /// Directory of the kept database token [default: ~/.oci/db-token]
    #[arg(long, value_name = "DIR")]
    pub db_token_location: Option<PathBuf>,
    /// OCI profile whose session issues the database token [default: the first --session, else
    /// OCI_CLI_PROFILE, else DEFAULT]
    #[arg(long, value_name = "OCI_PROFILE")]
    pub db_token_profile: Option<String>,
    /// Identity-domain profile whose refresh token is rotated before it dies of age (repeatable)
    #[arg(long = "idcs", value_name = "PROFILE")]
    pub idcs: Vec<String>,
    /// Rotate a refresh token once this share of its lifetime has passed
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub refresh_token_share: f64,
    /// Warn this long before a session's 24-hour cap when it cannot be made anew
    #[arg(long, default_value = "2h", value_name = "DURATION", value_parser = parse_duration)]
    pub cap_warning: Duration,
    /// Re-issue the database token this long before it expires (never before half its life)
    #[arg(long, default_value = "10m", value_name = "DURATION", value_parser = parse_duration)]
    pub db_token_margin: Duration,
    /// Do what is due now and exit (for cron and systemd timers)
    #[arg(long)]
    pub once: bool,
    /// The service's cap on a session's life from its login; for tests
    #[arg(long, hide = true, default_value = "24h", value_parser = parse_duration)]
    pub session_cap: Duration,
}
