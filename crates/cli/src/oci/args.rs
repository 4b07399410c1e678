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
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

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
key_file, tenancy, region and security_token_file. Gives up after 5 minutes. Never prompts.",
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
    /// Tenancy name to log in to (skips the console's tenancy prompt)
    #[arg(long, value_name = "NAME")]
    pub tenancy_name: Option<String>,
    /// Print the login URL instead of opening a browser
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

fn parse_key_size(value: &str) -> Result<u32, String> {
    match value {
        "2048" => Ok(2048),
        "4096" => Ok(4096),
        _ => Err("use 2048 or 4096".into()),
    }
}
