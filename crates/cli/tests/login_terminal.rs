//! `login` on a real terminal: the binary runs in a tmux pane (a pty) against
//! the fake identity domain, and the test reads the screen with
//! `tmux capture-pane`. Outside CI the tests are skipped, saying so, when tmux
//! is not installed; with CI=true a missing tmux fails them (.ci/run installs it).
#![allow(clippy::print_stderr)] // a skipped test says so in the test output

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use oci_iam_sso_testkit::FakeIdcsConfig;
use support::{KEY, TestEnv};

/// A private tmux server (its own socket) running one command in a pane;
/// the server is killed on drop.
struct Pane {
    socket: String,
}

impl Pane {
    /// Runs `script` (a shell script) in a fresh 120x60 pane, or `None` when
    /// tmux is missing outside CI.
    fn start(script: &Path) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "tmux is required in CI for the terminal tests of `login` (.ci/run installs it)"
            );
            eprintln!("skipped: tmux is not installed (apt-get install tmux to run this test)");
            return None;
        }
        let socket = format!(
            "oci-iam-sso-test-{}-{}",
            std::process::id(),
            script
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "login", "-x", "120", "-y", "60"])
            .arg(format!("sh {}", script.display()))
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Some(Self { socket })
    }

    fn capture(&self) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "login"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The screen once `done` holds for it (fails after 30 s with the screen).
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited 30s for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send_keys(&self, keys: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "login", keys])
            .status()
            .expect("send-keys");
        assert!(status.success());
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// A script that runs `login ARGS` with this test's environment only (no
/// display, no SSH), then prints its exit code and keeps the pane open.
fn login_script(env: &TestEnv, args: &str) -> std::path::PathBuf {
    let bin = assert_cmd::cargo::cargo_bin("oci-iam-sso");
    let home = env.home();
    let script = home.join("login.sh");
    std::fs::write(
        &script,
        // The shell survives a Ctrl-C to print the exit code (a trap with a
        // command is reset to the default in the child, which gets SIGINT).
        format!(
            "trap : INT\nenv -i TERM=screen PATH=/usr/bin:/bin HOME='{home}' \
             XDG_CONFIG_HOME='{home}/config' XDG_DATA_HOME='{home}/data' \
             OCI_IAM_SSO_KEY='{KEY}' OCI_IAM_SSO_DEVICE_POLL_INTERVAL=200ms \
             '{bin}' login {args}\necho \"EXIT=$?\"\nsleep 600\n",
            home = home.display(),
            bin = bin.display(),
        ),
    )
    .expect("write script");
    script
}

/// The spinner's remaining time, such as `4m 58s`.
fn countdown(screen: &str) -> Option<String> {
    let line = screen
        .lines()
        .find(|l| l.contains("Waiting for approval; the code expires in"))?;
    let rest = line.split("expires in ").nth(1)?;
    Some(rest.split(" (").next()?.trim().to_owned())
}

fn holding() -> FakeIdcsConfig {
    FakeIdcsConfig {
        min_poll_interval: Duration::ZERO,
        ..FakeIdcsConfig::default()
    }
}

#[test]
fn the_countdown_moves_while_the_login_waits_then_the_login_is_stored() {
    let env = TestEnv::start(holding());
    env.add_profile("default");
    let Some(pane) = Pane::start(&login_script(&env, "--no-qr")) else {
        return;
    };
    let first = pane.wait_for("the spinner", |s| countdown(s).is_some());
    std::thread::sleep(Duration::from_millis(1100));
    let second = pane.capture();
    let (a, b) = (countdown(&first), countdown(&second));
    assert!(
        b.is_some() && a != b,
        "the countdown did not move:\n{first}\n---\n{second}"
    );
    assert!(
        first.contains("Not opening a browser: there is no display"),
        "{first}"
    );
    assert!(
        !first.contains("warning: stderr is not a terminal"),
        "{first}"
    );

    env.control
        .approve_latest("ada@example.com")
        .expect("a pending code");
    let done = pane.wait_for("the end", |s| s.contains("EXIT="));
    assert!(done.contains("EXIT=0"), "{done}");
    assert!(
        done.contains("Logged in to profile `default` as ada@example.com."),
        "{done}"
    );
    // The spinner's line is gone once approved.
    assert_eq!(countdown(&done), None, "{done}");
}

#[test]
fn qr_shows_a_code_and_ctrl_c_keeps_what_was_there() {
    let env = TestEnv::start(holding());
    env.add_profile("default");
    let Some(pane) = Pane::start(&login_script(&env, "--qr")) else {
        return;
    };
    let screen = pane.wait_for("the spinner", |s| countdown(s).is_some());
    assert!(screen.contains("Or scan this QR code"), "{screen}");
    let blocks = screen
        .lines()
        .filter(|l| l.contains('█') && (l.contains('▀') || l.contains('▄')))
        .count();
    assert!(blocks > 8, "no QR code on screen:\n{screen}");

    pane.send_keys("C-c");
    let done = pane.wait_for("the end", |s| s.contains("EXIT="));
    assert!(done.contains("EXIT=130"), "{done}");
    assert!(
        done.contains("Interrupted: nothing was stored, and the previous login of profile `default` (if any) is as it was."),
        "{done}"
    );
    let tokens = env.cmd().args(["token"]).output().expect("token runs");
    assert_eq!(tokens.status.code(), Some(4), "still not logged in");
}

#[test]
fn an_expiring_code_ends_with_a_clear_line() {
    let env = TestEnv::start(FakeIdcsConfig {
        device_ttl: Duration::from_secs(3),
        ..holding()
    });
    env.add_profile("default");
    let Some(pane) = Pane::start(&login_script(&env, "--no-qr")) else {
        return;
    };
    let done = pane.wait_for("the end", |s| s.contains("EXIT="));
    assert!(done.contains("EXIT=8"), "{done}");
    assert!(
        done.contains("the device code expired before the sign-in was approved"),
        "{done}"
    );
    assert_eq!(countdown(&done), None, "the spinner is cleared:\n{done}");
}
