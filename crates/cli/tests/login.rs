//! `login` through the real binary against the fake identity domain.

mod support;

use std::time::{Duration, Instant};

use oci_iam_sso_testkit::FakeIdcsConfig;
use support::{CLIENT_ID, TestEnv, approving};

#[test]
fn login_approved() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    cli_snapshot!(
        "login_approved",
        env.filters(),
        env.cmd().args(["login", "--no-browser"])
    );
    assert_eq!(env.control.counters().device_authorizations, 1);
}

#[test]
fn login_opens_the_browser_command_with_the_url_last() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    let script = env.home().join("browser.sh");
    let record = env.home().join("opened.txt");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" > {}\n", record.display()),
    )
    .expect("write script");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .expect("chmod");
    let command = format!("{} --new-window", script.display());
    env.cmd()
        .args(["login", "--browser-command", &command])
        .assert()
        .success();
    // $BROWSER is the fallback.
    let opened = wait_for_file(&record);
    assert_eq!(
        opened.trim(),
        format!("--new-window {}/ui/v1/device", env.url)
    );
    std::fs::remove_file(&record).expect("rm");
    env.cmd()
        .env("BROWSER", script.to_str().expect("utf-8"))
        .arg("login")
        .assert()
        .success();
    assert_eq!(
        wait_for_file(&record).trim(),
        format!("{}/ui/v1/device", env.url)
    );
    // --no-browser wins over $BROWSER.
    std::fs::remove_file(&record).expect("rm");
    env.cmd()
        .env("BROWSER", script.to_str().expect("utf-8"))
        .args(["login", "--no-browser"])
        .assert()
        .success();
    std::thread::sleep(Duration::from_millis(200));
    assert!(!record.exists(), "no browser with --no-browser");
}

fn wait_for_file(path: &std::path::Path) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the browser command never ran");
}

#[test]
fn login_approved_through_the_control_api_and_denied() {
    let env = TestEnv::start(FakeIdcsConfig {
        min_poll_interval: Duration::ZERO,
        ..FakeIdcsConfig::default()
    });
    env.add_profile("default");
    let mut child = env.cmd();
    child.args(["login", "--no-browser"]);
    let approver = {
        let control = env.control.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if let Some(code) = control.approve_latest("grace@example.com") {
                    return code;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            panic!("no pending user code");
        })
    };
    let output = child.output().expect("runs");
    let code = approver.join().expect("approved");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("enter the code {code}")),
        "{stderr}"
    );
    assert!(stderr.contains("as grace@example.com"), "{stderr}");

    let mut child = env.cmd();
    child.args(["login", "--no-browser"]);
    let denier = {
        let control = env.control.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if let Some(code) = control.pending_user_codes().first() {
                    assert!(control.deny(code));
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            panic!("no pending user code");
        })
    };
    cli_snapshot!("login_access_denied", env.filters(), &mut child);
    denier.join().expect("denied");
}

#[test]
fn login_device_code_expires() {
    let env = TestEnv::start(FakeIdcsConfig {
        min_poll_interval: Duration::ZERO,
        device_ttl: Duration::from_secs(1),
        ..FakeIdcsConfig::default()
    });
    env.add_profile("default");
    cli_snapshot!(
        "login_device_code_expired",
        env.filters(),
        env.cmd().args(["login", "--no-browser"])
    );
}

#[test]
fn login_invalid_scope() {
    let env = TestEnv::start(approving());
    env.cmd()
        .args(["profile", "add", "default", "--domain-url", &env.url])
        .args(["--client-id", CLIENT_ID])
        .args([
            "--scope",
            "https://a.example.com/x https://b.example.com/y offline_access",
        ])
        .assert()
        .success();
    cli_snapshot!(
        "login_invalid_scope",
        env.filters(),
        env.cmd().args(["login", "--no-browser"])
    );
}

#[test]
fn login_without_offline_access_warns() {
    let env = TestEnv::start(approving());
    env.cmd()
        .args(["profile", "add", "default", "--domain-url", &env.url])
        .args([
            "--client-id",
            CLIENT_ID,
            "--scope",
            "urn:opc:idm:__myscopes__",
        ])
        .assert()
        .success();
    cli_snapshot!(
        "login_no_refresh_token",
        env.filters(),
        env.cmd().args(["login", "--no-browser"])
    );
}

#[test]
fn login_connection_refused() {
    let env = TestEnv::start(approving());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    env.cmd()
        .args([
            "profile",
            "add",
            "default",
            "--domain-url",
            &url,
            "--client-id",
            CLIENT_ID,
        ])
        .assert()
        .success();
    cli_snapshot!(
        "login_connection_refused",
        env.filters(),
        env.cmd().args(["login", "--no-browser"])
    );
}

#[test]
fn login_unknown_profile() {
    let env = TestEnv::start(approving());
    cli_snapshot!(
        "login_unknown_profile",
        env.filters(),
        env.cmd()
            .args(["login", "--no-browser", "--profile", "nope"])
    );
}

#[test]
fn login_never_reads_stdin() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    // A stdin that never ends: reading it would hang until the timeout.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("oci-iam-sso"));
    child
        .env_clear()
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.home().join("config"))
        .env("XDG_DATA_HOME", env.home().join("data"))
        .env("OCI_IAM_SSO_KEY", support::KEY)
        .env("OCI_IAM_SSO_DEVICE_POLL_INTERVAL", "20ms")
        .args(["login", "--no-browser"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut running = child.spawn().expect("spawn");
    let _open_stdin = running.stdin.take();
    let start = Instant::now();
    loop {
        if let Some(status) = running.try_wait().expect("wait") {
            assert!(status.success());
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "login waited on stdin"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn login_over_a_pipe_warns_once_and_draws_no_spinner() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    // No --no-browser: the environment has no display, so no browser is tried.
    let output = env.cmd().arg("login").output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: stderr is not a terminal: the code above must reach a person who approves it within 5m, or this login fails"
        ],
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "no escape sequence: {stderr:?}");
    assert!(!stderr.contains("Ctrl-C"), "no spinner: {stderr}");
    assert!(
        !stderr.contains('▀'),
        "no QR code unless asked for: {stderr}"
    );
    if cfg!(target_os = "linux") {
        assert!(
            stderr.contains(
                "Not opening a browser: there is no display; open the URL below on any device."
            ),
            "{stderr}"
        );
    }
    assert!(output.stdout.is_empty());
}

#[test]
fn login_over_ssh_tries_no_browser_but_a_named_one() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    let output = env
        .cmd()
        .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
        .env("DISPLAY", ":0")
        .args(["login", "--qr"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("Not opening a browser: this is an SSH session"),
        "{stderr}"
    );
    // --qr asks for the code even without a terminal.
    assert!(stderr.contains('█') && stderr.contains('▀'), "{stderr}");
}

#[test]
fn login_timeout_gives_up_and_stores_nothing() {
    let env = TestEnv::start(FakeIdcsConfig {
        min_poll_interval: Duration::ZERO,
        ..FakeIdcsConfig::default()
    });
    env.add_profile("default");
    let start = Instant::now();
    cli_snapshot!(
        "login_timeout",
        env.filters(),
        env.cmd().args(["login", "--no-browser", "--timeout", "1s"])
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    env.cmd().arg("token").assert().code(4);
}
