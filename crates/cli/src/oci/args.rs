//! The OCI commands' flags (`setup`, `session`, `db-token`), as clap parses them.
//!
//! `--profile` is defined on each subcommand (it names an OCI config profile,
//! not an identity-domain profile); the flags shared by all OCI commands are
//! in [`OciGlobalArgs`]. Its clap id is `profile`, the id of the CLI's global
//! `--profile`, so clap does not propagate the global flag into these
//! subcommands: `oci-iam-sso session refresh --profile prod` names the OCI
//! profile, as with the OCI CLI (`args_tests` checks this shape). Sharing
//! the id also makes clap merge the two and copy OCI_IAM_SSO_PROFILE into
//! it; `Cli::parse_args` separates them again, so an OCI profile comes only
//! from the `--profile` after the command's name or OCI_CLI_PROFILE.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Flags every OCI command accepts.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "OCI options")]
pub struct OciGlobalArgs {
    /// OCI config file [default: ~/.oci/config]
    #[arg(long, global = true, env = "OCI_CLI_CONFIG_FILE", value_name = "PATH")]
    pub config_file: Option<PathBuf>,

    /// Base URL that replaces the OCI auth, identity and login endpoints
    /// (https://, or http:// to loopback only)
    #[arg(long, global = true, env = "OCI_CLI_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,

    /// OCI region, like us-ashburn-1 [default: the profile's `region`]
    #[arg(long, global = true, env = "OCI_CLI_REGION", value_name = "REGION")]
    pub region: Option<String>,

    /// The OCI CLI's `--auth`: only `security_token` (session tokens) is
    /// supported, and it is what these commands use without the flag
    #[arg(long, global = true, value_name = "TYPE", value_parser = parse_auth)]
    pub auth: Option<String>,

    /// PEM bundle of extra CA certificates trusted for the OCI calls, added
    /// to the system's roots (the OCI CLI's name for --ca-bundle)
    #[arg(long, global = true, env = "OCI_CLI_CERT_BUNDLE", value_name = "FILE")]
    pub cert_bundle: Option<PathBuf>,

    /// Seconds allowed to connect (TCP and TLS) to an OCI service, as the
    /// OCI CLI's flag [default: the connect_timeout setting, 10 s]
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub connection_timeout: Option<u64>,

    /// Seconds allowed for an OCI service's answer, as the OCI CLI's flag
    /// (here: the whole exchange) [default: the request_timeout setting, 30 s]
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub read_timeout: Option<u64>,

    /// The OCI profile when the command's `--profile` is not given; set by the
    /// caller, not a flag. Then OCI_CLI_PROFILE, then DEFAULT.
    #[arg(skip)]
    pub profile: Option<String>,

    /// The home directory `~` stands for [default: $HOME]; for tests.
    #[arg(skip)]
    pub home: Option<PathBuf>,
}

/// The OCI config profile a command works on.
#[derive(Debug, Clone, Default, Args)]
pub struct OciProfileArg {
    /// OCI config profile [default: OCI_CLI_PROFILE, else DEFAULT]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SetupCommand {
    /// Create or update an OCI config profile with a tenancy and a region (no API key)
    #[command(
        long_about = "Writes `tenancy` and `region` into a profile of the OCI config file, \
creating the file (0600, directory 0700) or the profile when needed. Every other profile and \
comment is kept as it is. Then run `session authenticate` to log in.",
        after_help = "Examples:\n  oci-iam-sso setup config --tenancy ocid1.tenancy.oc1..aaaa --region us-ashburn-1\n  oci-iam-sso setup config --tenancy ocid1.tenancy.oc1..aaaa --region eu-frankfurt-1 --profile fra"
    )]
    Config(SetupConfigArgs),
}

#[derive(Debug, Args)]
pub struct SetupConfigArgs {
    /// Tenancy OCID
    #[arg(long, value_name = "OCID")]
    pub tenancy: String,
    #[command(flatten)]
    pub profile: OciProfileArg,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Log in with a browser and store a session token and its key pair
    #[command(
        long_about = "Starts a listener on http://localhost:PORT, makes a fresh RSA-2048 key pair \
and opens the OCI console login in a browser. After you log in, the console hands the session \
token back to the listener; the key pair and the token are written to \
~/.oci/sessions/<profile>/ (0700, files 0600) and the profile is rewritten with fingerprint, \
key_file, tenancy, region and security_token_file. Gives up after 5 minutes. Never prompts.\n\n\
Over SSH or with no display, no browser is started: the URL is printed on stderr with the \
`ssh -L PORT:localhost:PORT user@host` line that lets a browser on your own machine finish the \
login. `--no-browser` only prints the URL; it is not the OCI CLI's --no-browser, which mints a \
session from an API key or a session you already have. For logins with no browser at all, use \
`session exchange` (an identity-domain login exchanged for a session).",
        after_help = "Examples:\n  oci-iam-sso session authenticate --region us-ashburn-1\n  oci-iam-sso session authenticate --profile prod --no-browser\n  oci-iam-sso session authenticate --browser-command 'firefox --new-window'"
    )]
    Authenticate(AuthenticateArgs),
    /// Trade the session token for a new one while it is still valid
    #[command(after_help = "Examples:\n  oci-iam-sso session refresh --profile prod")]
    Refresh(OciProfileArg),
    /// Check the session: with the service, or only its expiry (--local)
    #[command(
        after_help = "Examples:\n  oci-iam-sso session validate\n  oci-iam-sso session validate --local --profile prod"
    )]
    Validate(ValidateArgs),
    /// Make a session from an identity-domain login, with no browser (token exchange)
    #[command(
        long_about = "Makes an OCI session without a browser: takes a valid access token of an \
identity-domain profile (refreshing it when needed, like `token`), makes a fresh RSA-2048 key \
pair, and asks the identity domain to exchange the token for an OCI session token bound to that \
key (OAuth token exchange, requested token type urn:oci:token-type:oci-upst). The key pair and \
the token are written to ~/.oci/sessions/<profile>/ (0700, files 0600) and the OCI profile is \
rewritten exactly as `session authenticate` does, so the OCI CLI, the SDKs and `db-token get` \
use it as their own.\n\n\
Needs, once: an identity-domain profile for a confidential application whose secret is stored \
(`profile add NAME ... --client-secret-env VAR`), a `login` with it, and a domain administrator \
who allowed the token exchange grant for that application and set up an identity propagation \
trust with OCI. Run it from cron every 50 minutes to keep a session (sessions live an hour).",
        after_help = "Examples:\n  export CLIENT_SECRET=...   # the confidential application's secret, never in argv\n  oci-iam-sso profile add ci --domain-url https://idcs-abc.identity.oraclecloud.com \\\n      --client-id 0a1b2c --client-secret-env CLIENT_SECRET\n  oci-iam-sso --profile ci login\n  oci-iam-sso session exchange --idcs-profile ci --profile DEFAULT --region us-ashburn-1\n  oci-iam-sso --profile ci session exchange && oci-iam-sso db-token get"
    )]
    Exchange(ExchangeArgs),
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    #[command(flatten)]
    pub profile: OciProfileArg,
    /// Write the session into a profile that holds an API key (a `user=`
    /// line), making it a session profile (see `session authenticate`)
    #[arg(long)]
    pub convert_api_key_profile: bool,
    /// Identity-domain profile (of `profile add`) whose login is exchanged
    /// [default: the global --profile (before `session`), else
    /// OCI_IAM_SSO_PROFILE, else the settings' default_profile, else `default`]
    #[arg(long, value_name = "NAME")]
    pub idcs_profile: Option<String>,
    /// Tenancy OCID, used only when the session token names no tenancy
    /// [default: the OCI profile's `tenancy`]
    #[arg(long, value_name = "OCID")]
    pub tenancy: Option<String>,
}

#[derive(Debug, Args)]
pub struct AuthenticateArgs {
    #[command(flatten)]
    pub profile: OciProfileArg,
    /// The OCI CLI's name for this command's --profile
    #[arg(long, value_name = "NAME")]
    pub profile_name: Option<String>,
    /// The OCI CLI's name for --config-file on this command
    #[arg(long, value_name = "PATH")]
    pub config_location: Option<PathBuf>,
    /// Log in to a profile that holds an API key (a `user=` line) and make
    /// it a session profile: its `user` and `pass_phrase` lines are removed
    /// and its key_file and fingerprint replaced (the API key file stays on
    /// disk). Without it such a profile is refused
    #[arg(long)]
    pub convert_api_key_profile: bool,
    /// Tenancy name to log in to (skips the console's tenancy prompt)
    #[arg(long, value_name = "NAME")]
    pub tenancy_name: Option<String>,
    /// Print the login URL instead of opening a browser; you open it in a
    /// browser that can reach this machine's localhost:PORT. Unlike the OCI
    /// CLI's --no-browser (which mints a session with an API key or session
    /// you already have, GenerateUpst), this is still a console login; for a
    /// login with no browser at all, see `session exchange`
    #[arg(long)]
    pub no_browser: bool,
    /// Port of the local listener the console redirects to
    #[arg(long, default_value_t = 8181, value_name = "PORT")]
    pub port: u16,
    /// Program (with arguments) that opens the login URL, given as its last argument
    /// [default: $BROWSER, else xdg-open, or open on macOS]
    #[arg(long, value_name = "CMD")]
    pub browser_command: Option<String>,
    /// Accept a login to another tenancy than the profile's `tenancy` and
    /// switch the profile to it (without it such a login is refused and
    /// nothing is written)
    #[arg(long)]
    pub allow_tenancy_change: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub profile: OciProfileArg,
    /// Only decode the token and compare its expiry with the clock (no request)
    #[arg(long)]
    pub local: bool,
}

#[derive(Debug, Subcommand)]
pub enum DbTokenCommand {
    /// Get a database token and its key pair for IAM database authentication
    #[command(
        long_about = "Makes a fresh RSA key pair and asks the OCI auth service for a database \
token bound to it, signed with the session (refreshed first when it expires within 5 minutes). \
Writes `token`, `oci_db_key.pem` and `oci_db_key_public.pem` (0600) into the db-token directory \
(0700); the private key is written only after the service answered. Database clients read that \
directory (sqlnet.ora TOKEN_AUTH=OCI_TOKEN).",
        after_help = "Examples:\n  oci-iam-sso db-token get\n  oci-iam-sso db-token get --profile prod --db-token-location ~/.oci/db-token-prod\n  oci-iam-sso db-token get --scope 'urn:oracle:db::id::ocid1.compartment.oc1..aaaa' --key-size 4096"
    )]
    Get(DbTokenGetArgs),
}

#[derive(Debug, Args)]
pub struct DbTokenGetArgs {
    #[command(flatten)]
    pub profile: OciProfileArg,
    /// Scope of the token; must contain `urn:oracle:db:`
    #[arg(long, default_value = "urn:oracle:db::id::*", value_name = "SCOPE")]
    pub scope: String,
    /// Directory for the token and key files [default: ~/.oci/db-token]
    #[arg(long, value_name = "DIR")]
    pub db_token_location: Option<PathBuf>,
    /// RSA key size in bits
    #[arg(long, default_value_t = 2048, value_parser = parse_key_size, value_name = "2048|4096")]
    pub key_size: u32,
}

/// `--auth`: the OCI CLI's choices other than session tokens are refused in
/// one line that says why (this tool keeps no API key, instance or resource
/// principal).
fn parse_auth(value: &str) -> Result<String, String> {
    match value {
        "security_token" => Ok(value.to_owned()),
        "api_key"
        | "instance_principal"
        | "resource_principal"
        | "instance_obo_user"
        | "oke_workload_identity" => Err(format!(
            "oci-iam-sso works with session tokens only: use `--auth security_token` (or leave --auth out); for `{value}`, use the OCI CLI"
        )),
        _ => Err("the only value is `security_token` (session tokens)".to_owned()),
    }
}

/// A whole number of seconds, at least 1 (the OCI CLI's timeouts).
fn parse_seconds(value: &str) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(seconds),
        _ => Err("a whole number of seconds, at least 1 (as the OCI CLI)".to_owned()),
    }
}

fn parse_key_size(value: &str) -> Result<u32, String> {
    match value {
        "2048" => Ok(2048),
        "4096" => Ok(4096),
        _ => Err("use 2048 or 4096".into()),
    }
}
