//! The CLI's settings loader on a fuzzed settings file plus one fuzzed
//! `OCI_IAM_SSO_*` variable.
//!
//! Input layout: 1 byte picks the variable, then the variable's value up to
//! the first NUL byte, then the file (UTF-8 or not, as the fuzzer likes).
//!
//! Besides "no panic": a refused setting is a one-line message (what the
//! settings module promises), with exit code 3.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use clap::Parser as _;
use libfuzzer_sys::fuzz_target;
use oci_iam_sso::cli::args::Cli;
use oci_iam_sso::settings;

const VARIABLES: &[&str] = &[
    "OCI_IAM_SSO_DEFAULT_PROFILE",
    "OCI_IAM_SSO_STORE",
    "OCI_IAM_SSO_KEY_FILE",
    "OCI_IAM_SSO_LOCK_TIMEOUT",
    "OCI_IAM_SSO_CONNECT_TIMEOUT",
    "OCI_IAM_SSO_REQUEST_TIMEOUT",
    "OCI_IAM_SSO_SKEW",
    "OCI_IAM_SSO_REFRESH_TOKEN_LIFETIME",
    "OCI_IAM_SSO_DEVICE_POLL_INTERVAL",
    "OCI_IAM_SSO_KEY",
];

fn settings_file() -> &'static PathBuf {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("config.toml");
        (dir, path)
    });
    path
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let value = String::from_utf8_lossy(&rest[..split]).into_owned();
    let file = rest.get(split + 1..).unwrap_or_default();
    let variable = VARIABLES[usize::from(pick) % VARIABLES.len()];

    let path = settings_file();
    std::fs::write(path, file).expect("the settings file is written");
    // Parsed, not built, so new global flags need no change here.
    let global = Cli::try_parse_from([
        "oci-iam-sso".as_ref(),
        "--config".as_ref(),
        path.as_os_str(),
        "status".as_ref(),
    ])
    .expect("the command line parses")
    .global;
    let env = |name: &str| (name == variable).then(|| value.clone());
    if let Err(failure) = settings::load(&global, &env) {
        let message = failure.message();
        assert!(
            !message.contains('\n'),
            "a settings error spans lines: {message:?}"
        );
        assert_eq!(failure.exit_code(), 3, "{message}");
    }
});
