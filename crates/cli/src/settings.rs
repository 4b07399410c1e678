//! Stage two of argument handling: the settings file, `OCI_IAM_SSO_*` variables
//! and the global flags merged (flag > variable > file > default) and checked.
//!
//! A value that does not fit is a one-line `Error::Settings` naming the key and
//! where it came from (exit code 3). The file is only parsed when it exists, so
//! the `token` fast path pays for a `stat` and nothing more.

use std::path::{Path, PathBuf};
use std::time::Duration;

use oci_iam_sso_domain::{DEFAULT_REFRESH_TTL, DEFAULT_SKEW, Error, one_line};
use zeroize::Zeroizing;

use oci_iam_sso_adapters_http::ProxyUrl;

use crate::args::GlobalArgs;
use crate::clock::parse_duration;
use crate::failure::Failure;

/// Where the store key comes from.
pub enum KeyChoice {
    /// `OCI_IAM_SSO_KEY`: a base64 key, for CI and containers.
    Base64(Zeroizing<String>),
    /// The key file, created on first use. Not `explicit` (nothing named a
    /// source): a store that records the OS keyring opens from there.
    KeyFile { path: PathBuf, explicit: bool },
    /// The OS keyring (`key_source = "keyring"`).
    Keyring,
    /// A passphrase read from the named environment variable.
    PassphraseEnv(String),
    /// A passphrase typed at the terminal (`--ask-passphrase`).
    PassphrasePrompt,
}

impl std::fmt::Debug for KeyChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyChoice::Base64(_) => f.write_str("Base64([redacted])"),
            KeyChoice::KeyFile { path, explicit } => {
                write!(f, "KeyFile({}, explicit: {explicit})", path.display())
            }
            KeyChoice::Keyring => f.write_str("Keyring"),
            KeyChoice::PassphraseEnv(var) => write!(f, "PassphraseEnv({var})"),
            KeyChoice::PassphrasePrompt => f.write_str("PassphrasePrompt"),
        }
    }
}

/// A `postgres://` URL, which may hold a password: never shown whole.
pub struct StoreUrl(Zeroizing<String>);

impl StoreUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreUrl(postgres://[redacted])")
    }
}

/// Checked settings for one run.
#[derive(Debug)]
pub struct Settings {
    /// The profile named by `--profile` or `OCI_IAM_SSO_PROFILE`, when one was.
    pub explicit_profile: Option<String>,
    pub default_profile: String,
    pub store_path: PathBuf,
    /// A shared PostgreSQL store (`store_url`, `OCI_IAM_SSO_STORE_URL`); the
    /// SQLite file at `store_path` when absent or when `--store` is given.
    pub store_url: Option<StoreUrl>,
    pub key: KeyChoice,
    /// The key file's place (`key_file`, else the default), whatever the source:
    /// where `store rekey --to keyfile` puts the key.
    pub key_file: PathBuf,
    pub lock_timeout: Duration,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub skew: Duration,
    pub refresh_token_lifetime: Duration,
    /// Hidden, for tests and demos against a local fake only: the device-poll
    /// interval used when the server sends none (RFC 8628 says 5 s).
    pub device_poll_interval: Option<Duration>,
    /// `--proxy`, else the `proxy` setting; `None`: the environment's
    /// (HTTPS_PROXY, ALL_PROXY). Its `Debug` hides credentials.
    pub proxy: Option<ProxyUrl>,
    /// `--ca-bundle`, else the `ca_bundle` setting: added to the system's roots.
    pub ca_bundle: Option<PathBuf>,
    /// The `[keep]` table (empty when absent).
    pub keep: KeepTable,
}

impl Settings {
    /// The variable the store passphrase is read from, when one is used.
    pub fn passphrase_var(&self) -> Option<&str> {
        match &self.key {
            KeyChoice::PassphraseEnv(var) => Some(var),
            _ => None,
        }
    }

    /// The profile a single-profile command works on.
    pub fn profile(&self) -> &str {
        self.explicit_profile
            .as_deref()
            .unwrap_or(&self.default_profile)
    }
}

/// The settings file's keys; every value is text, checked below.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    default_profile: Option<String>,
    store_path: Option<String>,
    store_url: Option<String>,
    key_file: Option<String>,
    key_source: Option<String>,
    lock_timeout: Option<String>,
    connect_timeout: Option<String>,
    request_timeout: Option<String>,
    skew: Option<String>,
    refresh_token_lifetime: Option<String>,
    device_poll_interval: Option<String>,
    proxy: Option<String>,
    ca_bundle: Option<String>,
    /// What `keep` keeps when its command line names nothing.
    keep: Option<KeepTable>,
}

/// The `[keep]` table: the same names as `keep`'s flags, for a systemd unit
/// or cron line that only says `oci-iam-sso keep`.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeepTable {
    /// `OCI_PROFILE` or `OCI_PROFILE:IDCS_PROFILE`, as `--session`.
    #[serde(default)]
    pub sessions: Vec<String>,
    #[serde(default)]
    pub db_token: bool,
    pub scope: Option<String>,
    pub db_token_location: Option<String>,
    pub db_token_profile: Option<String>,
    /// Identity-domain profiles, as `--idcs`.
    #[serde(default)]
    pub idcs: Vec<String>,
    pub refresh_token_share: Option<f64>,
    /// As `--cap-warning`: a duration such as "2h".
    #[serde(default, deserialize_with = "duration_text")]
    pub cap_warning: Option<Duration>,
    /// As `--db-token-margin`: a duration such as "10m".
    #[serde(default, deserialize_with = "duration_text")]
    pub db_token_margin: Option<Duration>,
}

/// A duration written as text in the settings file ("90s", "10m", "1h 30m").
fn duration_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    parse_duration(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// Settings keys and the variables that override them.
const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("default_profile", "OCI_IAM_SSO_DEFAULT_PROFILE"),
    ("store_path", "OCI_IAM_SSO_STORE"),
    ("store_url", "OCI_IAM_SSO_STORE_URL"),
    ("key_file", "OCI_IAM_SSO_KEY_FILE"),
    ("key_source", "OCI_IAM_SSO_KEY_SOURCE"),
    ("lock_timeout", "OCI_IAM_SSO_LOCK_TIMEOUT"),
    ("connect_timeout", "OCI_IAM_SSO_CONNECT_TIMEOUT"),
    ("request_timeout", "OCI_IAM_SSO_REQUEST_TIMEOUT"),
    ("skew", "OCI_IAM_SSO_SKEW"),
    (
        "refresh_token_lifetime",
        "OCI_IAM_SSO_REFRESH_TOKEN_LIFETIME",
    ),
    ("device_poll_interval", "OCI_IAM_SSO_DEVICE_POLL_INTERVAL"),
    ("proxy", "OCI_IAM_SSO_PROXY"),
    ("ca_bundle", "OCI_IAM_SSO_CA_BUNDLE"),
];

const APP_DIR: &str = "oci-iam-sso";

/// The settings file this run reads: `--settings` or OCI_IAM_SSO_SETTINGS,
/// else the deprecated OCI_IAM_SSO_CONFIG, else the per-user default.
pub fn settings_file(global: &GlobalArgs, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    global
        .config
        .clone()
        .or_else(|| {
            env("OCI_IAM_SSO_CONFIG")
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| dirs::config_dir().map(|d| d.join(APP_DIR).join("config.toml")))
}

/// Sets `default_profile` in the settings file at `path`, keeping every other
/// line (keys and comments) as it is; creates the file when there is none.
/// The new file replaces the old one atomically (written beside it, 0600,
/// then renamed), so a crash leaves one or the other, never half of each.
pub fn write_default_profile(path: &Path, profile: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    let failed = |what: &str, e: std::io::Error| {
        Failure::cli(
            format!("cannot {what} {}: {e}", path.display()),
            Some("check the permissions of the settings directory, or pass --settings FILE"),
            crate::remedy::exit::CONFIG,
        )
    };
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(failed("read", e)),
    };
    // Parsed first, so a broken file is reported, not rewritten.
    if !old.trim().is_empty() {
        read_file(path)?;
    }
    let text = with_default_profile(&old, profile);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| failed("create the directory of", e))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config.toml"),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        failed("write", e)
    })
}

/// `text` (a flat TOML settings file) with its `default_profile` line set to
/// `profile`, or one added before the first key when it has none. Profile
/// names need no escaping in a TOML basic string (`ProfileName`'s characters).
fn with_default_profile(text: &str, profile: &str) -> String {
    let line = format!("default_profile = \"{profile}\"");
    let is_key = |l: &str| {
        l.trim_start()
            .strip_prefix("default_profile")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if let Some(existing) = lines.iter_mut().find(|l| is_key(l)) {
        *existing = line;
    } else {
        let first_key = lines
            .iter()
            .position(|l| {
                let l = l.trim();
                !l.is_empty() && !l.starts_with('#')
            })
            .unwrap_or(lines.len());
        lines.insert(first_key, line);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Where the key comes from: `--key-source` (else `key_source`) names a
/// source; the passphrase flags choose a passphrase; with neither,
/// `OCI_IAM_SSO_KEY` when set, else the key file.
fn key_choice(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
    from_settings: Option<String>,
    key_file: &Path,
) -> Result<KeyChoice, String> {
    use oci_iam_sso_adapters_store::KeySourceKind;
    let passphrase = match (&global.passphrase_env, global.ask_passphrase) {
        (Some(var), _) => Some(KeyChoice::PassphraseEnv(var.clone())),
        (None, true) => Some(KeyChoice::PassphrasePrompt),
        (None, false) => None,
    };
    let named = global.key_source.clone().or(from_settings);
    let kind = match named.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(KeySourceKind::parse(name).ok_or_else(|| {
            format!("`{name}` is not a key source (keyfile, env, passphrase or keyring)")
        })?),
    };
    let env_key = env(oci_iam_sso_adapters_store::KEY_ENV_VAR)
        .filter(|k| !k.trim().is_empty())
        .map(Zeroizing::new);
    Ok(match kind {
        // A passphrase flag is a choice made on this command line: it wins
        // over a source from the settings, but not over `--key-source`.
        Some(kind) if passphrase.is_some() && kind != KeySourceKind::Passphrase => {
            if global.key_source.is_some() {
                return Err(format!(
                    "`{kind}` and a passphrase flag name two sources; drop one"
                ));
            }
            passphrase.unwrap_or(KeyChoice::PassphrasePrompt)
        }
        Some(KeySourceKind::Passphrase) => passphrase.unwrap_or(KeyChoice::PassphrasePrompt),
        Some(KeySourceKind::Env) => KeyChoice::Base64(env_key.ok_or_else(|| {
            "`env` reads the key from OCI_IAM_SSO_KEY, which is not set (`openssl rand -base64 32`)"
                .to_owned()
        })?),
        Some(KeySourceKind::KeyFile) => KeyChoice::KeyFile {
            path: key_file.to_owned(),
            explicit: true,
        },
        Some(KeySourceKind::Keyring) => KeyChoice::Keyring,
        None => match (passphrase, env_key) {
            (Some(passphrase), _) => passphrase,
            (None, Some(key)) => KeyChoice::Base64(key),
            (None, None) => KeyChoice::KeyFile {
                path: key_file.to_owned(),
                explicit: false,
            },
        },
    })
}

/// Loads the settings for this run. `env` reads a variable (the process
/// environment in production, a map in unit tests).
pub fn load(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, Failure> {
    let file = settings_file(global, env);
    let raw = match file.as_deref() {
        Some(path) if path.is_file() => read_file(path)?,
        _ => RawSettings::default(),
    };
    let origin = |key: &str| -> String {
        match ENV_OVERRIDES.iter().find(|(k, _)| *k == key) {
            Some((_, var)) if env(var).is_some() => var.to_string(),
            _ => match &file {
                Some(path) => format!("`{key}` in {}", path.display()),
                None => format!("`{key}`"),
            },
        }
    };
    let pick = |key: &str, from_file: &Option<String>| -> Option<String> {
        let var = ENV_OVERRIDES
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v);
        var.and_then(env)
            .filter(|v| !v.trim().is_empty())
            .or_else(|| from_file.clone())
    };
    let duration =
        |key: &str, from_file: &Option<String>, default: Duration| match pick(key, from_file) {
            None => Ok(default),
            Some(text) => parse_duration(&text).map_err(|problem| {
                Failure::from(Error::Settings(format!("{}: {problem}", origin(key))))
            }),
        };

    let data_dir = dirs::data_dir().map(|d| d.join(APP_DIR));
    let store_path = match global.store.clone() {
        Some(path) => path,
        None => match pick("store_path", &raw.store_path) {
            Some(path) => expand_home(&path),
            None => data_dir
                .as_ref()
                .map(|d| d.join("tokens.db"))
                .ok_or_else(no_data_dir)?,
        },
    };
    let key_file = match pick("key_file", &raw.key_file) {
        Some(path) => expand_home(&path),
        None => data_dir
            .as_ref()
            .map(|d| d.join("store.key"))
            .ok_or_else(no_data_dir)?,
    };
    // `--store PATH` names an SQLite file and wins over a configured URL.
    let store_url = match pick("store_url", &raw.store_url) {
        Some(_) if global.store.is_some() => None,
        Some(url) => {
            let url = url.trim().to_owned();
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                // The value may hold a password: it is not quoted.
                return Err(Failure::from(Error::Settings(format!(
                    "{}: expected a postgres:// URL (postgres://user@host:port/database)",
                    origin("store_url")
                ))));
            }
            Some(StoreUrl(Zeroizing::new(url)))
        }
        None => None,
    };
    let key = key_choice(global, env, pick("key_source", &raw.key_source), &key_file).map_err(
        |problem| {
            let from = if global.key_source.is_some() {
                "--key-source".to_owned()
            } else {
                origin("key_source")
            };
            Failure::from(Error::Settings(format!("{from}: {problem}")))
        },
    )?;
    let device_poll_interval = match pick("device_poll_interval", &raw.device_poll_interval) {
        None => None,
        Some(text) => Some(parse_duration(&text).map_err(|problem| {
            Failure::from(Error::Settings(format!(
                "{}: {problem}",
                origin("device_poll_interval")
            )))
        })?),
    };
    let proxy = match &global.proxy {
        Some(text) => Some(
            ProxyUrl::parse(text)
                .map_err(|problem| Failure::from(Error::Settings(format!("--proxy {problem}"))))?,
        ),
        None => pick("proxy", &raw.proxy)
            .map(|text| {
                // Never the value: it may carry the proxy's password.
                ProxyUrl::parse(&text).map_err(|problem| {
                    Failure::from(Error::Settings(format!("{}: {problem}", origin("proxy"))))
                })
            })
            .transpose()?,
    };
    let ca_bundle = global
        .ca_bundle
        .clone()
        .or_else(|| pick("ca_bundle", &raw.ca_bundle).map(|path| expand_home(&path)));
    let lock_timeout = duration("lock_timeout", &raw.lock_timeout, Duration::from_secs(30))?;
    let longest = oci_iam_sso_adapters_store::StoreOptions::MAX_LOCK_TIMEOUT;
    if lock_timeout > longest {
        return Err(Failure::from(Error::Settings(format!(
            "{}: {} is longer than the store can wait (at most {})",
            origin("lock_timeout"),
            humantime::format_duration(lock_timeout),
            humantime::format_duration(Duration::from_secs(longest.as_secs()))
        ))));
    }
    Ok(Settings {
        explicit_profile: global.profile.clone().filter(|p| !p.is_empty()),
        default_profile: pick("default_profile", &raw.default_profile)
            .unwrap_or_else(|| oci_iam_sso_domain::ProfileName::DEFAULT.to_owned()),
        store_path,
        store_url,
        key,
        key_file,
        lock_timeout,
        connect_timeout: duration(
            "connect_timeout",
            &raw.connect_timeout,
            Duration::from_secs(10),
        )?,
        request_timeout: duration(
            "request_timeout",
            &raw.request_timeout,
            Duration::from_secs(30),
        )?,
        skew: duration("skew", &raw.skew, DEFAULT_SKEW)?,
        refresh_token_lifetime: duration(
            "refresh_token_lifetime",
            &raw.refresh_token_lifetime,
            DEFAULT_REFRESH_TTL,
        )?,
        device_poll_interval,
        proxy,
        ca_bundle,
        keep: raw.keep.clone().unwrap_or_default(),
    })
}

fn read_file(path: &Path) -> Result<RawSettings, Failure> {
    let location = path.display().to_string();
    config::Config::builder()
        .add_source(config::File::new(&location, config::FileFormat::Toml))
        .build()
        .and_then(config::Config::try_deserialize::<RawSettings>)
        .map_err(|e| {
            Error::Settings(format!(
                "{location}: {}",
                one_line(&e.to_string(), SHOWN_TEXT)
            ))
            .into()
        })
}

fn no_data_dir() -> Failure {
    Failure::from(Error::Settings(
        "no data directory is known (set HOME, or OCI_IAM_SSO_STORE and OCI_IAM_SSO_KEY_FILE)"
            .into(),
    ))
}

fn expand_home(path: &str) -> PathBuf {
    match dirs::home_dir() {
        Some(home) => oci_iam_sso_domain::expand_tilde(path, &home),
        None => PathBuf::from(path),
    }
}

/// The longest settings text (a value, the config crate's message) quoted in
/// an error: enough for a key, its value and the list of expected keys.
const SHOWN_TEXT: usize = 400;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn default_profile_replaces_its_line_or_is_added_before_the_first_key() {
        assert_eq!(with_default_profile("", "a"), "default_profile = \"a\"\n");
        assert_eq!(
            with_default_profile("# c\n\nskew = \"1s\"\n", "a"),
            "# c\n\ndefault_profile = \"a\"\nskew = \"1s\"\n"
        );
        assert_eq!(
            with_default_profile("skew = \"1s\"\n  default_profile= \"old\" # x\n", "b"),
            "skew = \"1s\"\ndefault_profile = \"b\"\n"
        );
        // A key that only starts with the name is another key.
        assert_eq!(
            with_default_profile("default_profile_x = 1\n", "c"),
            "default_profile = \"c\"\ndefault_profile_x = 1\n"
        );
    }

    fn global(config: Option<PathBuf>) -> GlobalArgs {
        GlobalArgs {
            profile: None,
            store: None,
            passphrase_env: None,
            ask_passphrase: false,
            key_source: None,
            config,
            proxy: None,
            ca_bundle: None,
            verbose: 0,
            output: crate::output::OutputFormat::Text,
            quiet: false,
        }
    }

    fn load_with(file: &str, vars: &[(&str, &str)]) -> Result<Settings, Failure> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, file).expect("write settings");
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load(&global(Some(path)), &|k| vars.get(k).cloned())
    }

    #[test]
    fn file_values_and_env_overrides() {
        let s = load_with(
            "lock_timeout = \"5s\"\nskew = 90\nstore_path = \"/x/t.db\"\n",
            &[("OCI_IAM_SSO_LOCK_TIMEOUT", "2m")],
        )
        .expect("valid settings");
        assert_eq!(s.lock_timeout, Duration::from_secs(120));
        assert_eq!(s.skew, Duration::from_secs(90));
        assert_eq!(s.store_path, PathBuf::from("/x/t.db"));
        assert_eq!(s.profile(), "default");
    }

    #[test]
    fn bad_duration_names_the_key() {
        let e = load_with("request_timeout = \"soon\"\n", &[]).expect_err("bad duration");
        let text = e.message();
        assert!(text.contains("`request_timeout`"), "{text}");
        assert_eq!(e.exit_code(), 3);
        let e = load_with("", &[("OCI_IAM_SSO_SKEW", "x")]).expect_err("bad env");
        assert!(e.message().contains("OCI_IAM_SSO_SKEW"), "{e:?}");
    }

    #[test]
    fn a_lock_timeout_sqlite_cannot_wait_is_a_settings_error_not_a_panic() {
        let e = load_with("", &[("OCI_IAM_SSO_LOCK_TIMEOUT", "100000h")]).expect_err("too long");
        let text = e.message();
        assert!(text.contains("OCI_IAM_SSO_LOCK_TIMEOUT"), "{text}");
        assert!(text.contains("longer than the store can wait"), "{text}");
        assert!(!text.contains('\n'), "one line");
        assert_eq!(e.exit_code(), 3);
        assert!(load_with("", &[("OCI_IAM_SSO_LOCK_TIMEOUT", "24d")]).is_ok());
    }

    #[test]
    fn the_proxy_setting_is_checked_and_never_quoted() {
        let s = load_with(
            "proxy = \"http://alice:s3cret@proxy.corp:3128\"\nca_bundle = \"/etc/corp.pem\"\n",
            &[],
        )
        .expect("ok");
        assert!(s.proxy.is_some());
        assert_eq!(s.ca_bundle, Some(PathBuf::from("/etc/corp.pem")));
        assert!(!format!("{s:?}").contains("s3cret"), "{s:?}");
        let e = load_with("", &[("OCI_IAM_SSO_PROXY", "socks5://alice:s3cret@h:1")])
            .expect_err("not an http proxy");
        assert!(e.message().contains("OCI_IAM_SSO_PROXY"), "{}", e.message());
        assert!(!e.message().contains("s3cret"), "{}", e.message());
        assert_eq!(e.exit_code(), 3);
    }

    #[test]
    fn unknown_key_is_refused() {
        let e = load_with("lock_timeot = \"5s\"\n", &[]).expect_err("unknown key");
        assert!(e.message().contains("lock_timeot"), "{e:?}");
    }

    #[test]
    fn key_source_names_the_source() {
        let s =
            load_with("key_source = \"keyring\"\n", &[("OCI_IAM_SSO_KEY", "AAAA")]).expect("ok");
        assert!(matches!(s.key, KeyChoice::Keyring));
        let s =
            load_with("key_source = \"keyfile\"\n", &[("OCI_IAM_SSO_KEY", "AAAA")]).expect("ok");
        assert!(matches!(s.key, KeyChoice::KeyFile { explicit: true, .. }));
        let e = load_with("key_source = \"env\"\n", &[]).expect_err("no key");
        assert!(
            e.message().contains("OCI_IAM_SSO_KEY, which is not set"),
            "{e:?}"
        );
        let e = load_with("key_source = \"vault\"\n", &[]).expect_err("unknown");
        assert!(e.message().contains("`vault` is not a key source"), "{e:?}");
        let s = load_with("", &[("OCI_IAM_SSO_KEY_SOURCE", "keyring")]).expect("ok");
        assert!(matches!(s.key, KeyChoice::Keyring));
    }

    #[test]
    fn key_choice_order() {
        let s = load_with("key_file = \"/k\"\n", &[("OCI_IAM_SSO_KEY", "AAAA")]).expect("ok");
        assert!(matches!(s.key, KeyChoice::Base64(_)));
        assert!(!format!("{s:?}").contains("AAAA"));
        let s = load_with("key_file = \"/k\"\n", &[]).expect("ok");
        assert!(
            matches!(s.key, KeyChoice::KeyFile { ref path, explicit: false } if path == Path::new("/k"))
        );
    }
}
