//! The checks of this machine: the settings file, the token store (path,
//! modes, key source, whether the key opens it), the proxy variables and the
//! CA bundle. Only reads; a store that does not exist yet is not created.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::compose::App;
use crate::failure::Failure;
use crate::settings::{KeyChoice, Settings};

use super::checks::{Finding, Status, private_dir_status, too_open};

pub const SETTINGS: &str = "settings file";
pub const STORE: &str = "token store";
pub const KEY: &str = "store key";
pub const PROXY: &str = "proxy";
pub const CA_BUNDLE: &str = "CA bundle";

/// The variable naming a PEM bundle of extra trusted roots.
pub const CA_BUNDLE_VAR: &str = "OCI_IAM_SSO_CA_BUNDLE";

/// The settings file: found, parses; the settings when they load.
pub fn settings<'a>(app: &'a App, findings: &mut Vec<Finding>) -> Option<&'a Settings> {
    let file = app.settings_file();
    let loaded = app.settings();
    let shown = file.as_deref().map_or_else(
        || "no settings file location is known".to_owned(),
        |p| p.display().to_string(),
    );
    match (&loaded, file.as_deref().is_some_and(Path::is_file)) {
        (Ok(_), true) => findings.push(Finding::ok(SETTINGS, format!("{shown} parses"))),
        (Ok(_), false) => findings.push(Finding::info(
            SETTINGS,
            format!("none at {shown}: the defaults are in use"),
        )),
        (Err(failure), _) => findings.push(failed(SETTINGS, failure)),
    }
    loaded.ok()
}

/// A finding for a failure, with the remedy the error table gives it.
pub fn failed(check: &'static str, failure: &Failure) -> Finding {
    Finding::fix(
        check,
        failure.message(),
        failure
            .hint()
            .unwrap_or_else(|| "see the message".to_owned()),
    )
}

/// The store file and its directory, then the key source and whether it
/// opens the store. Returns whether the store is open.
pub fn store(app: &App, settings: &Settings, findings: &mut Vec<Finding>) -> bool {
    let path = &settings.store_path;
    if let Some(finding) = path
        .parent()
        .filter(|d| d.is_dir())
        .and_then(private_dir(STORE))
    {
        findings.push(finding);
    }
    let source = key_source(&settings.key);
    if let KeyChoice::KeyFile { path: key_file, .. } = &settings.key
        && let Some(finding) = mode_problem(KEY, key_file, 0o600)
    {
        findings.push(finding);
    }
    if !path.is_file() {
        findings.push(Finding::info(
            STORE,
            format!(
                "none yet at {}: `oci-iam-sso profile add` creates it",
                path.display()
            ),
        ));
        findings.push(Finding::info(
            KEY,
            format!("{source} (made with the store)"),
        ));
        return false;
    }
    // Opening a store narrows a loose mode to 0600 itself: look first.
    let loose = mode_problem(STORE, path, 0o600);
    let opened = app.store();
    match (loose, mode_problem(STORE, path, 0o600)) {
        (Some(before), None) => findings.push(Finding::info(
            STORE,
            format!(
                "{}; opening it just narrowed it to 0600 (whoever could read it may have a copy)",
                before.detail
            ),
        )),
        (_, Some(still)) => findings.push(still),
        (None, None) => findings.push(Finding::ok(
            STORE,
            format!("{} (mode 0600)", path.display()),
        )),
    }
    match opened {
        Ok(_) => {
            findings.push(Finding::ok(KEY, format!("{source} opens the store")));
            true
        }
        Err(failure) => {
            let mut finding = failed(KEY, &failure);
            finding.detail = format!("{source}: {}", finding.detail);
            findings.push(finding);
            false
        }
    }
}

/// Which key source the settings choose, in words (never the key).
fn key_source(key: &KeyChoice) -> String {
    match key {
        KeyChoice::Base64(_) => "OCI_IAM_SSO_KEY".to_owned(),
        KeyChoice::KeyFile { path, .. } => format!("key file {}", path.display()),
        KeyChoice::Keyring => "the OS keyring".to_owned(),
        KeyChoice::PassphraseEnv(var) => format!("passphrase from ${var}"),
        KeyChoice::PassphrasePrompt => "passphrase typed at the terminal".to_owned(),
    }
}

/// A check of a directory that should be private (0700): the problem, if
/// any. A shared directory (sticky, like /tmp) gets a note, not a chmod.
pub fn private_dir(check: &'static str) -> impl Fn(&Path) -> Option<Finding> {
    move |dir| {
        let mode = std::fs::metadata(dir).ok()?.permissions().mode();
        match private_dir_status(mode) {
            Status::Ok => None,
            Status::Info => Some(Finding::info(
                check,
                format!(
                    "{} is a shared directory (mode {:04o}); the files in it are private",
                    dir.display(),
                    mode & 0o7777
                ),
            )),
            Status::Fix => mode_problem(check, dir, 0o700),
        }
    }
}

/// The finding for a path whose mode is looser than `allowed`, if it is.
pub fn mode_problem(check: &'static str, path: &Path, allowed: u32) -> Option<Finding> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    too_open(mode, allowed).then(|| {
        Finding::fix(
            check,
            format!(
                "{} is mode {mode:04o} (at most {allowed:04o})",
                path.display()
            ),
            format!("chmod {allowed:o} {}", path.display()),
        )
    })
}

/// The proxy https:// requests will use, by the HTTP adapter's own rule
/// (`--proxy` or the `proxy` setting, else the variables), shown without
/// credentials. `env` reads a variable.
pub fn proxy(
    configured: Option<&oci_iam_sso_adapters_http::ProxyUrl>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Finding {
    let choice = match oci_iam_sso_adapters_http::choose_proxy(configured, env) {
        Ok(choice) => choice,
        Err(invalid) => {
            return Finding::fix(
                PROXY,
                format!("{} {}", invalid.what, invalid.problem),
                format!(
                    "set {} to a URL such as http://proxy.example:3128",
                    invalid.what
                ),
            );
        }
    };
    let Some(choice) = choice else {
        let unused = ["HTTP_PROXY", "http_proxy"]
            .into_iter()
            .find(|name| env(name).is_some_and(|v| !v.trim().is_empty()));
        return match unused {
            Some(name) => Finding::info(
                PROXY,
                format!("{name} is set but not used: only https:// requests are proxied"),
            ),
            None => Finding::ok(PROXY, "no HTTPS_PROXY: direct connections"),
        };
    };
    let source = match choice.source {
        "setting" => "--proxy or the proxy setting",
        variable => variable,
    };
    let mut detail = format!("{source}: {}", choice.url);
    if let Some((name, exempt)) = &choice.exempt {
        detail.push_str(&format!(", {name}={exempt}"));
    }
    Finding::info(
        PROXY,
        format!("{detail} (https:// requests only; NO_PROXY exempts hosts, loopback included)"),
    )
}

/// The CA bundle the HTTP client will add to the system's roots: `configured`
/// (`--ca-bundle`, else the `ca_bundle` setting or its variable, as the
/// settings resolved it), else [`CA_BUNDLE_VAR`] when the settings did not
/// load; whether it parses as PEM.
pub fn ca_bundle(configured: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Finding {
    let from_env;
    let path = match configured {
        Some(path) => path,
        None => {
            let Some(value) = env(CA_BUNDLE_VAR).filter(|v| !v.trim().is_empty()) else {
                return Finding::ok(CA_BUNDLE, "none added: the system's trusted roots");
            };
            from_env = std::path::PathBuf::from(value.trim());
            &from_env
        }
    };
    match crate::compose::ca_bundle_certificates(path) {
        Ok(count) => Finding::ok(
            CA_BUNDLE,
            format!("{}: {count} PEM certificate(s)", path.display()),
        ),
        Err(problem) => Finding::fix(
            CA_BUNDLE,
            format!("{}: {}", path.display(), problem.problem),
            format!(
                "point --ca-bundle, the ca_bundle setting or {CA_BUNDLE_VAR} at a PEM file of CA certificates (-----BEGIN CERTIFICATE-----), or unset it"
            ),
        ),
    }
}
