//! Stage one of argument handling: the raw flags, as clap parses them. Nothing
//! here validates a value beyond its shape; `settings` turns these into checked
//! settings, and the commands turn names and URLs into domain types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output::OutputFormat;

mod subcommands;
pub use subcommands::*;

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
