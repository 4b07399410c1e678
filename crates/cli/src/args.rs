//! Stage one of argument handling: the raw flags, as clap parses them. Nothing
//! here validates a value beyond its shape; `settings` turns these into checked
//! settings, and the commands turn names and URLs into domain types.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::clock::parse_duration;
use crate::output::OutputFormat;

const LONG_ABOUT: &str = "\
Gets OAuth access tokens from an Oracle identity domain (IDCS) without passwords and \
without long-lived API keys on disk.

You sign in once per profile with the device-code flow (`login`). The refresh token is kept \
encrypted in a local SQLite store and rotated on every refresh, so scripts can ask for a fresh \
access token (`token`), call a REST API with it (`call`), or hand it to another program (`exec`).

The store key comes from OCI_IAM_SSO_KEY (base64, for CI and containers), else from the key \
file (created on first use), else from a passphrase (`--passphrase-env VAR`), or from the OS \
keyring (`--key-source keyring`); `store rekey` moves a store from one to another.";

const AFTER_HELP: &str = "\
Examples:
  oci-iam-sso profile add epm --domain-url idcs-abc.identity.oraclecloud.com --client-id 0a1b2c
  oci-iam-sso login --profile epm
  oci-iam-sso token --profile epm
  oci-iam-sso call --profile epm /interop/rest/v1/services/dailymaintenance
  oci-iam-sso exec --profile epm -- ./nightly-export.sh

Settings file: <config dir>/oci-iam-sso/config.toml, or --settings FILE (OCI_IAM_SSO_SETTINGS);
keys default_profile, store_path, store_url, key_file, key_source, lock_timeout, connect_timeout,
request_timeout, skew, refresh_token_lifetime, proxy, ca_bundle; each key can be overridden by an
OCI_IAM_SSO_<KEY> environment variable (OCI_IAM_SSO_STORE for store_path). store_url
(postgres://user@host:port/db) selects the shared PostgreSQL store instead of the SQLite file.
This is not the OCI config file (--config-file).";

/// The command line as typed.
#[derive(Debug, Parser)]
#[command(
    name = "oci-iam-sso",
    version,
    about = "Oracle identity-domain tokens for scripts: device login once, fresh access tokens after",
    long_about = LONG_ABOUT,
    after_help = format!("{AFTER_HELP}\n\n{}", crate::remedy::exit_codes_help()),
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process arguments (exiting on a usage error, as
    /// [`Parser::parse`]), then gives each meaning of "profile" its own source.
    ///
    /// The OCI commands' `--profile` shares the clap id of the global one (see
    /// `oci::args`), so clap merges the two and copies OCI_IAM_SSO_PROFILE
    /// into both. For an OCI command they are told apart here: its OCI
    /// profile is the `--profile` after the command's name (else
    /// OCI_CLI_PROFILE, as with the OCI CLI), and the identity-domain profile
    /// (which only `session exchange` uses) is a `--profile` before the name,
    /// else OCI_IAM_SSO_PROFILE, else the settings' default.
    pub fn parse_args() -> Self {
        let argv = with_settings_flag(std::env::args_os().collect());
        let mut cli = Self::parse_from(&argv);
        cli.fold_json_flags();
        let args: Vec<String> = argv
            .iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        if let Err(message) =
            cli.separate_profiles(&args, std::env::var("OCI_IAM_SSO_PROFILE").ok())
        {
            use clap::CommandFactory as _;
            Self::command()
                .error(clap::error::ErrorKind::ArgumentConflict, message)
                .exit();
        }
        cli
    }

    /// The old per-command `--json` flags are a hidden, deprecated spelling
    /// of `--output json`, kept so that existing scripts do not break.
    pub(crate) fn fold_json_flags(&mut self) {
        let json = match &self.command {
            Command::Token(args) => args.json,
            Command::Status(args) => args.json,
            Command::Profile(ProfileCommand::List(args)) => args.json,
            Command::Profile(ProfileCommand::Show(args)) => args.json,
            _ => false,
        };
        if json {
            self.global.output = OutputFormat::Json;
        }
    }

    /// See [`Cli::parse_args`]. A `--profile` before an OCI command other
    /// than `session exchange` would name an identity-domain profile the
    /// command does not use: refused with the fix, rather than ignored.
    fn separate_profiles(
        &mut self,
        args: &[String],
        identity_env: Option<String>,
    ) -> Result<(), String> {
        let uses_identity = matches!(
            self.command,
            Command::Session {
                command: crate::oci::SessionCommand::Exchange(_),
                ..
            }
        );
        let Some(oci_profile) = self.command.oci_profile_mut() else {
            return Ok(());
        };
        // The global flags that take a value as the next argument.
        const VALUED: &[&str] = &[
            "--profile",
            "--store",
            "--passphrase-env",
            "--key-source",
            "--settings",
            "--config",
            "--proxy",
            "--ca-bundle",
            "--output",
        ];
        let mut before = None;
        let mut after = None;
        let mut in_command = false;
        let mut words = args.iter();
        while let Some(word) = words.next() {
            if word == "--" {
                break;
            }
            let value = if word == "--profile" {
                words.next().cloned()
            } else if let Some(value) = word.strip_prefix("--profile=") {
                Some(value.to_owned())
            } else {
                if !in_command && VALUED.contains(&word.as_str()) {
                    words.next();
                } else if !word.starts_with('-') {
                    in_command = true;
                }
                continue;
            };
            if in_command {
                after = value;
            } else {
                before = value;
            }
        }
        if let (Some(name), false) = (&before, uses_identity) {
            return Err(format!(
                "`--profile {name}` before the command's name is an identity-domain profile, which this command does not use; to name the OCI config profile, put it after the command's name (`... --profile {name}`)"
            ));
        }
        *oci_profile = after;
        self.global.profile = before.or(identity_env.filter(|v| !v.trim().is_empty()));
        Ok(())
    }
}

/// `--config FILE`, the deprecated name of `--settings FILE`, still works: it
/// is renamed here (up to a `--`, after which words belong to another program)
/// rather than declared to clap, which would offer even a hidden `--config`
/// as the fix of a typo such as `--config-location`, whose twin is the OCI
/// `--config-file`.
fn with_settings_flag(argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut done = false;
    argv.into_iter()
        .map(|word| {
            if done || word == "--" {
                done = true;
                return word;
            }
            match word.to_str() {
                Some("--config") => "--settings".into(),
                Some(text) => match text.strip_prefix("--config=") {
                    Some(value) => format!("--settings={value}").into(),
                    None => word,
                },
                None => word,
            }
        })
        .collect()
}

impl Command {
    /// The OCI profile flag of an OCI command.
    fn oci_profile_mut(&mut self) -> Option<&mut Option<String>> {
        use crate::oci::{DbTokenCommand, SessionCommand, SetupCommand};
        let arg = match self {
            Command::Setup {
                command: SetupCommand::Config(args),
                ..
            } => &mut args.profile,
            Command::Session { command, .. } => match command {
                SessionCommand::Authenticate(args) => &mut args.profile,
                SessionCommand::Refresh(profile) => profile,
                SessionCommand::Validate(args) => &mut args.profile,
                SessionCommand::Exchange(args) => &mut args.profile,
            },
            Command::DbToken {
                command: DbTokenCommand::Get(args),
                ..
            } => &mut args.profile,
            Command::Oke { command, .. } => command.profile_mut(),
            _ => return None,
        };
        Some(&mut arg.profile)
    }
}

/// Flags every command accepts.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Profile to use [default: the settings' default_profile, else `default`]
    #[arg(long, global = true, env = "OCI_IAM_SSO_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Token store file [default: <data dir>/oci-iam-sso/tokens.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,

    /// Read the store passphrase from this environment variable instead of using
    /// OCI_IAM_SSO_KEY or the key file
    #[arg(long, global = true, value_name = "VAR")]
    pub passphrase_env: Option<String>,

    /// Ask for the store passphrase on the terminal (never when stdin is not a TTY)
    #[arg(long, global = true, conflicts_with = "passphrase_env")]
    pub ask_passphrase: bool,

    /// Where the store key lives: keyfile, env (OCI_IAM_SSO_KEY), passphrase or
    /// keyring (the OS keyring) [default: the key_source setting, else
    /// OCI_IAM_SSO_KEY when set, else the key file; a store moved to the keyring by
    /// `store rekey` is found there]
    #[arg(long, global = true, value_name = "SOURCE", value_parser = ["keyfile", "env", "passphrase", "keyring"])]
    pub key_source: Option<String>,

    /// This tool's settings file (not the OCI config file, which is
    /// `--config-file`) [default: <config dir>/oci-iam-sso/config.toml]
    // OCI_IAM_SSO_CONFIG, the old variable, is still read (`settings_file`).
    #[arg(
        long = "settings",
        global = true,
        env = "OCI_IAM_SSO_SETTINGS",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// Proxy for https:// requests, like http://proxy.example.com:3128
    /// [default: the `proxy` setting, else HTTPS_PROXY, else ALL_PROXY;
    /// NO_PROXY exempts hosts]. Put credentials in OCI_IAM_SSO_PROXY or the
    /// settings file rather than here: other users can read a command line
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,

    /// PEM bundle of extra CA certificates to trust (a private CA, or a
    /// proxy that re-signs TLS), added to the system's roots [default: the
    /// `ca_bundle` setting, OCI_IAM_SSO_CA_BUNDLE]
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,

    /// Log to stderr what happens (cache hits, lock waits, refreshes, discovery,
    /// requests): -v info, -vv debug, -vvv trace. RUST_LOG (such as
    /// `oci_iam_sso=debug`) takes precedence. No token, code, client id, secret or key
    /// is ever logged
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// How commands report: `text` (lines for people on stderr, only data on
    /// stdout) or `json` (one JSON document on stdout; shapes in docs/cli.md)
    #[arg(
        long,
        global = true,
        env = "OCI_IAM_SSO_OUTPUT",
        value_enum,
        default_value_t = OutputFormat::Text,
        value_name = "FORMAT"
    )]
    pub output: OutputFormat,

    /// Print nothing on success (errors still go to stderr); what a command
    /// exists to print (a token, a body, JSON) is still printed
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, show and remove profiles (an identity domain and its client)
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Sign in with the device-code flow and store the tokens
    #[command(
        long_about = "Signs in with the OAuth device-code flow (RFC 8628): shows a URL and a code on \
stderr, opens the browser ($BROWSER, else the system's opener; not over SSH or without a \
display, where a QR code of the page is shown instead), waits for you to approve (a spinner \
counts down the code's lifetime on a terminal), then stores the tokens encrypted. Ctrl-C while \
waiting stores nothing and leaves the previous login as it was (exit 130). Never reads standard \
input.",
        after_help = "Examples:\n  oci-iam-sso login --profile epm\n  oci-iam-sso login --no-browser\n  oci-iam-sso login --qr --timeout 2m\n  oci-iam-sso login --browser-command 'firefox --new-window'"
    )]
    Login(LoginArgs),
    /// Print a valid access token on stdout, refreshing it when needed
    #[command(
        long_about = "Prints a valid access token on stdout. A cached token that stays valid for \
--min-ttl is printed without any network request; otherwise the refresh token is used once \
(under the profile's lock, so parallel calls refresh only once) and the new tokens are stored \
before the access token is printed.",
        after_help = "Examples:\n  curl -H \"Authorization: Bearer $(oci-iam-sso token)\" https://epm-host/...\n  oci-iam-sso token --min-ttl 10m --output json"
    )]
    Token(TokenArgs),
    /// Send an HTTP request with the profile's access token
    #[command(
        long_about = "Sends an HTTP request with `Authorization: Bearer <access token>`. Only a value \
that starts with `https://` (or `http://` to loopback) is a URL; anything else is a path joined \
to the profile's resource URL. On HTTP 401 the token is refreshed once \
and the request sent again. The response body goes to stdout, the status line to stderr; a \
status of 400 or more exits with code 16.",
        after_help = "Examples:\n  oci-iam-sso call /interop/rest/v1/services/dailymaintenance\n  oci-iam-sso call -X POST https://epm-host/api -H 'Content-Type: application/json' -d @body.json\n  echo '{}' | oci-iam-sso call -X PUT /api/thing -d -"
    )]
    Call(CallArgs),
    /// Run a program with the access token in OCI_IAM_SSO_ACCESS_TOKEN
    #[command(
        long_about = "Runs a program with a valid access token in its environment variable \
OCI_IAM_SSO_ACCESS_TOKEN (never in its arguments, which other users can see) and exits with the \
program's exit code (128+N when a signal N ended it).",
        after_help = "Examples:\n  oci-iam-sso exec -- sh -c 'curl -H \"Authorization: Bearer $OCI_IAM_SSO_ACCESS_TOKEN\" \"$URL\"'\n  oci-iam-sso exec --profile epm -- python export.py"
    )]
    Exec(ExecArgs),
    /// Show expiries, refresh-token age and recent rotations (never a secret)
    #[command(
        long_about = "Shows, for every profile (or only --profile), whether it is logged in, when \
the access token expires, how old the refresh token is and when it is expected to expire \
(refresh_token_lifetime setting, 7 days by default), and the last rotations. Warns when the \
refresh token expires within a day.",
        after_help = "Examples:\n  oci-iam-sso status\n  oci-iam-sso status --profile epm --output json"
    )]
    Status(StatusArgs),
    /// Revoke the refresh token (best effort) and delete the stored tokens
    #[command(
        long_about = "Revokes the profile's refresh token at the identity domain (best effort: a \
failure is reported, not fatal) and deletes the stored tokens. The profile itself stays; remove \
it with `profile remove`.",
        after_help = "Examples:\n  oci-iam-sso logout --profile epm"
    )]
    Logout,
    /// Start a profile from a refresh token read on stdin
    #[command(
        long_about = "Reads one refresh token (one line) from standard input and stores it as the \
start of the profile's chain; the next `token` refreshes it. Refuses to read from a terminal, so \
the token never shows on screen or in the shell history: pipe it in.",
        after_help = "Examples:\n  oci-iam-sso import --profile epm < refresh_token.txt\n  vault read -field=rt secret/epm | oci-iam-sso import --profile epm"
    )]
    Import,
    /// Manage the token store itself: move it to another key source
    #[command(subcommand)]
    Store(StoreCommand),
    /// Write an OCI config profile for session tokens (tenancy and region, no API key)
    Setup {
        #[command(flatten)]
        oci: crate::oci::OciGlobalArgs,
        #[command(subcommand)]
        command: crate::oci::SetupCommand,
    },
    /// OCI session tokens: browser login, refresh, validate, token exchange
    Session {
        #[command(flatten)]
        oci: crate::oci::OciGlobalArgs,
        #[command(subcommand)]
        command: crate::oci::SessionCommand,
    },
    /// OCI database tokens for IAM database authentication
    DbToken {
        #[command(flatten)]
        oci: crate::oci::OciGlobalArgs,
        #[command(subcommand)]
        command: crate::oci::DbTokenCommand,
    },
    /// Check the set-up: settings, store and key, profiles, OCI files, clock, proxy, CA
    #[command(
        long_about = "Checks what a run needs and prints one table of findings, each with its \
fix: the settings file (found, parses), the token store (path, modes 0600/0700, which key \
source, whether it opens the store), the current identity-domain profile and its domain's \
discovery document, the OCI config file and profile (--config-file, --oci-profile), the \
session token (expiry, and whether it is bound to the key file beside it), db-token files when \
present, this machine's clock against the identity domain's and OCI's (a plain GET each; \
skipped offline), the proxy variables (never their passwords) and OCI_IAM_SSO_CA_BUNDLE. Reads \
only: a store that does not exist yet is not created. Exits 0 when nothing needs fixing \
(`info` rows do not count), 21 when something does; with --quiet the table is printed only \
then.",
        after_help = "Examples:\n  oci-iam-sso doctor\n  oci-iam-sso --profile epm doctor --oci-profile prod\n  oci-iam-sso -q doctor || echo 'something needs fixing'\n  oci-iam-sso doctor --output json | jq '.findings[] | select(.status == \"fix\")'"
    )]
    Doctor {
        // First: the OCI options' help heading would otherwise cover these.
        #[command(flatten)]
        args: DoctorArgs,
        #[command(flatten)]
        oci: crate::oci::OciGlobalArgs,
    },
    /// Keep OCI sessions, database tokens and refresh tokens alive, never prompting
    #[command(
        long_about = "Keeps alive what it is given, never prompting: OCI session profiles \
(--session, refreshed at half their life until the service's 24-hour cap from the login, with a \
warning two hours before it), a database token (--db-token, re-issued 10 minutes before it \
expires, its key and token swapped together) and identity-domain profiles (--idcs, the refresh \
token rotated once --refresh-token-share of its lifetime has passed). Logs one line per action on \
stderr, never a secret. Runs until SIGTERM or SIGINT (exit 0), sleeping until the next thing is \
due; --once does what is due and exits (for cron and systemd timers). With none of --session, \
--db-token and --idcs, what to keep comes from the settings file's [keep] table (sessions, \
db_token, scope, db_token_location, db_token_profile, idcs, refresh_token_share).",
        after_help = "Examples:\n  oci-iam-sso keep --session DEFAULT --db-token\n  oci-iam-sso keep --once --session prod --idcs epm\n  systemctl --user enable --now oci-iam-sso-keep.service   # docs/systemd/"
    )]
    Keep {
        #[command(flatten)]
        oci: crate::oci::OciGlobalArgs,
        #[command(flatten)]
        args: KeepArgs,
    },
    /// Kubernetes (OKE) credentials from the OCI session: kubectl's exec plugin
    Oke {
        #[command(flatten)]
        oci: crate::oci::OciGlobalArgs,
        #[command(subcommand)]
        command: crate::oci::OkeCommand,
    },

    // Fitting the shell: completions, and the man pages `cargo xtask man` asks for.
    /// Print a shell completion script on stdout
    #[command(
        long_about = "Prints the completion script for SHELL on stdout; load it from the shell's \
start-up file.",
        after_help = "Examples:\n  oci-iam-sso completions bash > ~/.local/share/bash-completion/completions/oci-iam-sso\n  oci-iam-sso completions zsh > \"${fpath[1]}/_oci-iam-sso\"\n  oci-iam-sso completions fish > ~/.config/fish/completions/oci-iam-sso.fish\n  oci-iam-sso completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),
    /// Write one man page per command into DIR (for `cargo xtask man`)
    #[command(name = "__man", hide = true)]
    Man(ManArgs),
}

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
    /// Do what is due now and exit (for cron and systemd timers)
    #[arg(long)]
    pub once: bool,
    /// The service's cap on a session's life from its login; for tests
    #[arg(long, hide = true, default_value = "24h", value_parser = parse_duration)]
    pub session_cap: Duration,
}
