//! Shared by the CLI's integration tests: a fake identity domain on its own
//! thread, a private HOME per test, and one function that runs the real binary
//! and renders exit code, stdout and stderr in a fixed layout for snapshots.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

pub mod oci;

use assert_cmd::Command;
use oci_iam_sso_testkit::{FakeControl, FakeIdcsConfig, FakeIdentityDomain};

/// A fixed test store key (base64 of 32 bytes), as CI would set OCI_IAM_SSO_KEY.
pub const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
pub const OTHER_KEY: &str = "HxsdHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";
pub const CLIENT_ID: &str = "test-client";

/// A running fake domain plus a private home directory for one test.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub resource_url: String,
    pub control: FakeControl,
    _stop: std::sync::mpsc::Sender<()>,
}

/// The default fake for CLI tests: no polling limit, approved at once.
pub fn approving() -> FakeIdcsConfig {
    FakeIdcsConfig {
        auto_approve: Some("ada@example.com".into()),
        min_poll_interval: Duration::ZERO,
        ..FakeIdcsConfig::default()
    }
}

impl TestEnv {
    pub fn start(config: FakeIdcsConfig) -> Self {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        // The fake runs on its own runtime thread so the test can block on the
        // binary while the fake keeps answering.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let fake = FakeIdentityDomain::start(config)
                    .await
                    .expect("fake starts");
                ready_tx
                    .send((fake.url(), fake.resource_url(), fake.control()))
                    .expect("test waits");
                // Park until the test drops its sender.
                let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                drop(fake);
            });
        });
        let (url, resource_url, control) = ready_rx.recv().expect("fake started");
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            url,
            resource_url,
            control,
            _stop: stop_tx,
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn store_path(&self) -> PathBuf {
        self.home().join("data/oci-iam-sso/tokens.db")
    }

    /// The binary with a clean environment: this test's HOME and XDG dirs, the
    /// test key, and fast device polling against the fake.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("oci-iam-sso").expect("binary built");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join("config"))
            .env("XDG_DATA_HOME", self.home().join("data"))
            .env("OCI_IAM_SSO_KEY", KEY)
            .env("OCI_IAM_SSO_DEVICE_POLL_INTERVAL", "20ms")
            .current_dir(self.home())
            .timeout(Duration::from_secs(60));
        cmd
    }

    /// `profile add default` against this fake (with its resource server).
    pub fn add_profile(&self, name: &str) {
        self.cmd()
            .args(["profile", "add", name, "--domain-url", &self.url])
            .args([
                "--client-id",
                CLIENT_ID,
                "--resource-url",
                &self.resource_url,
            ])
            .assert()
            .success();
    }

    pub fn login(&self, name: &str) {
        self.cmd()
            .args(["login", "--no-browser", "--profile", name])
            .assert()
            .success();
    }

    /// The current access token, from `token`.
    pub fn token(&self, name: &str) -> String {
        let output = self
            .cmd()
            .args(["token", "--profile", name])
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    /// Filters for this test's volatile values (applied on top of [`filters`]).
    pub fn filters(&self) -> Vec<(String, String)> {
        let mut all = vec![(
            escape(&self.home().display().to_string()),
            "[TEMP_DIR]".into(),
        )];
        all.extend(filters());
        all
    }
}

/// Replaces volatile text: ports, times, tokens, user codes, durations.
pub fn filters() -> Vec<(String, String)> {
    [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (
            r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*",
            "[TOKEN]",
        ),
        (r"enter the code [A-Z0-9-]+", "enter the code [USER_CODE]"),
        (r"fingerprint [0-9a-zA-Z_-]+", "fingerprint [FINGERPRINT]"),
        (r"\(in [0-9hms ]+\)", "(in [DURATION])"),
        (r"received [0-9hms ]+ ago", "received [DURATION] ago"),
        (r"oci-iam-sso \d+\.\d+\.\d+", "oci-iam-sso [VERSION]"),
        (r"\(ecid [^)]*\)", "(ecid [ECID])"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect()
}

/// Regex-escapes a literal (no regex crate needed for this).
pub fn escape(literal: &str) -> String {
    let mut out = String::new();
    for c in literal.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Runs `cmd` and renders it the way the snapshots show it.
pub fn render(cmd: &mut Command) -> (String, Output) {
    let output = cmd.output().expect("the binary runs");
    let text = format!(
        "success: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        output.status.success(),
        output
            .status
            .code()
            .map_or("signal".to_owned(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    (text, output)
}

/// Runs a command and snapshots its exit code, stdout and stderr under `name`,
/// with the filters given (usually `env.filters()`). Returns the output.
#[macro_export]
macro_rules! cli_snapshot {
    ($name:expr, $filters:expr, $cmd:expr) => {{
        let (text, output) = $crate::support::render($cmd);
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in $filters {
            settings.add_filter(&pattern, replacement);
        }
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!($name, text));
        output
    }};
}

/// A one-shot HTTP server that answers 200 with the raw request it received
/// as the body, so tests can see the method, headers and body `call` sent.
pub fn echo_server() -> (String, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut request = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read");
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("length");
            }
            request.push_str(&line);
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        request.push_str(&String::from_utf8_lossy(&body));
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
            request.len(),
            request
        )
        .expect("answer");
    });
    (url, handle)
}
