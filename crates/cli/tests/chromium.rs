//! A real browser runs the login page's script: headless Chromium (Debian's
//! `chromium` package) is the `$BROWSER` of `session authenticate` against
//! the fake console. The console redirects it to the loopback listener with
//! the token in the URL fragment, which only the page's JavaScript can send
//! back (`GET /token?<fragment>`); the session is written only if it did.
//!
//! Outside CI the test skips, saying why, when Chromium is not installed;
//! under `CI=true` it never skips (`.ci/run` installs the package).

#![allow(clippy::unwrap_used, clippy::print_stderr)] // tests fail loudly on purpose

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The wrapper the CLI starts as its browser: Chromium headless, as root
/// (no sandbox), with nothing that reaches the network on its own, a fresh
/// profile, and a time limit. Its PID is written so the test can stop it.
fn write_wrapper(dir: &Path) -> std::path::PathBuf {
    let wrapper = dir.join("chromium-browser.sh");
    let profile = dir.join("chromium-profile");
    let pid = dir.join("chromium.pid");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho $$ > '{pid}'\nexec timeout 120 {CHROMIUM} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --disable-default-apps --no-default-browser-check --user-data-dir='{profile}' \"$1\" >/dev/null 2>&1\n",
            pid = pid.display(),
            profile = profile.display(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    wrapper
}

#[tokio::test]
async fn headless_chromium_runs_the_page_script_and_the_session_is_written() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{CHROMIUM} is missing; under CI=true this test never skips (.ci/run installs the `chromium` package)"
        );
        eprintln!("skipped: {CHROMIUM} is not installed (apt-get install chromium)");
        return;
    }
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let wrapper = write_wrapper(home.path());
    let mut command = Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
    command
        .args([
            "session",
            "authenticate",
            "--region",
            "us-ashburn-1",
            "--port",
            "0",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OCI_CLI_ENDPOINT", fake.url())
        .env("BROWSER", &wrapper)
        .stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    // Chromium keeps running headless after the page: stop it.
    if let Ok(pid) = std::fs::read_to_string(home.path().join("chromium.pid")) {
        let _ = Command::new("kill").arg(pid.trim()).status();
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let session = home.path().join(".oci/sessions/DEFAULT");
    let token = std::fs::read_to_string(session.join("token")).unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert!(session.join("oci_api_key.pem").exists());
    let config = std::fs::read_to_string(home.path().join(".oci/config")).unwrap();
    assert!(config.contains("security_token_file="), "{config}");
    assert_eq!(fake.control().counters().signature_failures, 0);
}
