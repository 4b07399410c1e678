//! The OS keyring as the store key's home, through the real binary against a
//! real Secret Service: gnome-keyring in a private D-Bus session that each
//! test starts (and stops) itself, with its own HOME. Outside CI a test is
//! skipped, saying so, when dbus-daemon or gnome-keyring-daemon is missing;
//! with CI=true it fails instead (.ci/run installs them).
#![allow(clippy::print_stderr)] // a skipped test says so in the test output

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{TestEnv, approving};

/// A private session bus with gnome-keyring's Secret Service on it, unlocked.
struct SecretService {
    address: String,
    /// gnome-keyring's HOME, removed when the service stops.
    _home: tempfile::TempDir,
    bus: Child,
    keyring: Child,
}

impl SecretService {
    fn start() -> Option<Self> {
        let missing = ["dbus-daemon", "gnome-keyring-daemon", "dbus-send"]
            .into_iter()
            .find(|tool| Command::new(tool).arg("--version").output().is_err());
        if let Some(tool) = missing {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{tool} is required in CI for the keyring tests (.ci/run installs dbus and gnome-keyring)"
            );
            eprintln!("skipped: {tool} is not installed (apt-get install dbus gnome-keyring)");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("piped"))
            .read_line(&mut address)
            .expect("dbus-daemon prints its address");
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "{address}");
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .envs(private_env(dir.path(), &address))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon starts");
        // The login keyring's password, on stdin, then end of input.
        keyring
            .stdin
            .take()
            .expect("piped")
            .write_all(b"test keyring password")
            .expect("password written");
        let service = Self {
            address,
            _home: dir,
            bus,
            keyring,
        };
        service.wait_until_on_the_bus();
        Some(service)
    }

    fn wait_until_on_the_bus(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            let answer = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output()
                .expect("dbus-send runs");
            if String::from_utf8_lossy(&answer.stdout).contains("boolean true") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("gnome-keyring never took org.freedesktop.secrets on the test bus");
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// The variables that keep gnome-keyring's files in `home` and on `bus`.
fn private_env(home: &Path, bus: &str) -> Vec<(String, String)> {
    let at = |sub: &str| home.join(sub).display().to_string();
    std::fs::create_dir_all(home.join("run")).expect("runtime dir");
    vec![
        ("HOME".into(), home.display().to_string()),
        ("XDG_DATA_HOME".into(), at("share")),
        ("XDG_CACHE_HOME".into(), at("cache")),
        ("XDG_CONFIG_HOME".into(), at("config")),
        ("XDG_RUNTIME_DIR".into(), at("run")),
        ("DBUS_SESSION_BUS_ADDRESS".into(), bus.to_owned()),
    ]
}

/// The binary in `env` with the keyring's bus and no OCI_IAM_SSO_KEY: the
/// key file is the default source.
fn cmd(env: &TestEnv, keyring: &SecretService) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    cmd.env_remove("OCI_IAM_SSO_KEY")
        .env("DBUS_SESSION_BUS_ADDRESS", &keyring.address);
    cmd
}

fn key_file(env: &TestEnv) -> PathBuf {
    env.home().join("data/oci-iam-sso/store.key")
}

fn token(cmd: &mut assert_cmd::Command) -> String {
    let output = cmd.arg("token").output().expect("runs");
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

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A logged-in profile in a store under the default key file.
fn logged_in(env: &TestEnv, keyring: &SecretService) -> String {
    cmd(env, keyring)
        .args(["profile", "add", "default", "--domain-url", &env.url])
        .args(["--client-id", support::CLIENT_ID])
        .assert()
        .success();
    cmd(env, keyring)
        .args(["login", "--no-browser"])
        .assert()
        .success();
    assert!(key_file(env).exists());
    token(&mut cmd(env, keyring))
}

#[test]
fn a_store_moved_to_the_keyring_opens_from_it_and_a_copied_data_dir_decrypts_nothing() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let env = TestEnv::start(approving());
    let first = logged_in(&env, &keyring);

    let moved = cmd(&env, &keyring)
        .args(["store", "rekey", "--to", "keyring"])
        .output()
        .expect("runs");
    assert!(moved.status.success(), "{}", stderr_of(&moved));
    assert!(
        stderr_of(&moved).contains("from keyfile to keyring: 1 profile(s)"),
        "{}",
        stderr_of(&moved)
    );
    assert!(!key_file(&env).exists(), "the old key file is deleted");
    // Without any key option the store is found in the keyring.
    assert_eq!(token(&mut cmd(&env, &keyring)), first);

    // The data directory alone, elsewhere and without the keyring: nothing opens.
    let copy = tempfile::tempdir().expect("temp dir");
    let copied = copy.path().join("oci-iam-sso");
    let status = Command::new("cp")
        .arg("-a")
        .arg(env.home().join("data/oci-iam-sso"))
        .arg(&copied)
        .status()
        .expect("cp");
    assert!(status.success());
    let store = copied.join("tokens.db");
    let bytes = std::fs::read(&store).expect("store");
    assert!(
        !bytes.windows(first.len()).any(|w| w == first.as_bytes()),
        "no token in clear"
    );
    for bus in ["unix:path=/nonexistent/bus", keyring.address.as_str()] {
        let mut attempt = cmd(&env, &keyring);
        attempt
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .env("HOME", copy.path())
            .env("XDG_DATA_HOME", copy.path());
        let output = attempt.arg("token").output().expect("runs");
        let stderr = stderr_of(&output);
        if bus.starts_with("unix:path=/nonexistent") {
            assert_eq!(output.status.code(), Some(14), "{stderr}");
            assert!(stderr.contains("OS keyring"), "{stderr}");
            assert!(output.stdout.is_empty(), "nothing decrypted");
        } else {
            // On the same machine with the keyring, the copy opens: the key
            // is bound to the store, not to its path.
            assert!(output.status.success(), "{stderr}");
        }
    }
    // With the key file named, the error says where the key is and how to move it.
    let output = cmd(&env, &keyring)
        .args(["--key-source", "keyfile", "token"])
        .output()
        .expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(14), "{stderr}");
    assert!(
        stderr.contains("was made with the key source `keyring`, not `keyfile`"),
        "{stderr}"
    );
    assert!(stderr.contains("store rekey --to keyfile"), "{stderr}");
    assert!(output.stdout.is_empty());

    // And back to the key file: the keyring entry goes.
    cmd(&env, &keyring)
        .args(["store", "rekey", "--to", "keyfile"])
        .assert()
        .success();
    assert!(key_file(&env).exists());
    assert_eq!(token(&mut cmd(&env, &keyring)), first);
    let output = cmd(&env, &keyring)
        .args(["--key-source", "keyring", "token"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(14), "{}", stderr_of(&output));
}

#[test]
fn a_new_store_can_start_in_the_keyring_with_no_key_on_disk() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let env = TestEnv::start(approving());
    cmd(&env, &keyring)
        .args(["--key-source", "keyring", "profile", "add", "default"])
        .args(["--domain-url", &env.url, "--client-id", support::CLIENT_ID])
        .assert()
        .success();
    cmd(&env, &keyring)
        .args(["--key-source", "keyring", "login", "--no-browser"])
        .assert()
        .success();
    assert!(!key_file(&env).exists(), "no key file made");
    let first = token(cmd(&env, &keyring).args(["--key-source", "keyring"]));
    // The default source follows the store's record to the keyring.
    assert_eq!(token(&mut cmd(&env, &keyring)), first);
}

/// How a command opens the store with `source` (its current key and passphrase).
fn opened_with(cmd: &mut assert_cmd::Command, source: &str, key: &str, passphrase: &str) {
    cmd.env_remove("OCI_IAM_SSO_KEY");
    match source {
        "env" => {
            cmd.env("OCI_IAM_SSO_KEY", key)
                .args(["--key-source", "env"]);
        }
        "passphrase" => {
            cmd.env("PW", passphrase).args(["--passphrase-env", "PW"]);
        }
        // The key file and the keyring need no option: the default follows the store.
        _ => {}
    }
}

#[test]
fn rekey_moves_through_every_source_and_the_token_survives() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let env = TestEnv::start(approving());
    let first = logged_in(&env, &keyring);
    let (mut source, mut key, mut passphrase) = ("keyfile", support::KEY, "first passphrase");
    let keys = [support::OTHER_KEY, support::KEY];
    let passphrases = ["second passphrase", "third passphrase"];
    for (step, to) in [
        "env",
        "passphrase",
        "keyring",
        "passphrase",
        "env",
        "keyring",
        "keyfile",
        "env",
        "keyfile",
    ]
    .into_iter()
    .enumerate()
    {
        let (new_key, new_passphrase) = (keys[step % 2], passphrases[step % 2]);
        let mut rekey = cmd(&env, &keyring);
        opened_with(&mut rekey, source, key, passphrase);
        rekey
            .env("OCI_IAM_SSO_NEW_KEY", new_key)
            .env("NEW_PW", new_passphrase)
            .args([
                "store",
                "rekey",
                "--to",
                to,
                "--new-passphrase-env",
                "NEW_PW",
            ]);
        let output = rekey.output().expect("runs");
        assert!(
            output.status.success(),
            "{source} -> {to}: {}",
            stderr_of(&output)
        );
        (source, key, passphrase) = (to, new_key, new_passphrase);
        let mut read = cmd(&env, &keyring);
        opened_with(&mut read, source, key, passphrase);
        assert_eq!(token(&mut read), first, "after the rekey to {to}");
    }
    assert!(key_file(&env).exists());
}

#[test]
fn a_rekey_that_fails_part_way_keeps_the_old_store_and_key() {
    // A keyring that cannot be reached fails the rekey after every secret
    // was sealed anew, just before the commit: a fault mid-rekey. No Secret
    // Service is needed for that.
    let env = TestEnv::start(approving());
    let mut base = env.cmd();
    base.env_remove("OCI_IAM_SSO_KEY");
    let plain = || {
        let mut cmd = env.cmd();
        cmd.env_remove("OCI_IAM_SSO_KEY")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
        cmd
    };
    plain()
        .args(["profile", "add", "default", "--domain-url", &env.url])
        .args(["--client-id", support::CLIENT_ID])
        .assert()
        .success();
    plain().args(["login", "--no-browser"]).assert().success();
    let first = token(&mut plain());
    let key_before = std::fs::read(key_file(&env)).expect("key file");
    let output = plain()
        .args(["store", "rekey", "--to", "keyring"])
        .output()
        .expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(14), "{stderr}");
    assert!(
        stderr.contains("cannot store the key in the OS keyring"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(key_file(&env)).expect("key file kept"),
        key_before
    );
    assert_eq!(token(&mut plain()), first);
    drop(base);
}

#[test]
fn a_token_during_a_rekey_works_or_waits() {
    let Some(keyring) = SecretService::start() else {
        return;
    };
    let env = TestEnv::start(approving());
    let first = logged_in(&env, &keyring);
    let mut rekey = std::process::Command::new(assert_cmd::cargo::cargo_bin("oci-iam-sso"));
    rekey
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.home().join("config"))
        .env("XDG_DATA_HOME", env.home().join("data"))
        .env("DBUS_SESSION_BUS_ADDRESS", &keyring.address)
        .args(["store", "rekey", "--to", "keyring"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut running = rekey.spawn().expect("rekey starts");
    let mut runs = 0;
    // Tokens before, during and after: each either works at once or waits
    // for the rekey and then works from the keyring.
    while running.try_wait().expect("wait").is_none() || runs < 3 {
        assert_eq!(token(&mut cmd(&env, &keyring)), first);
        runs += 1;
    }
    assert!(running.wait().expect("rekey ends").success());
    assert!(!key_file(&env).exists());
}
