//! Many processes of the real binary sharing one store: the per-profile lock,
//! the re-read under it and the generation CAS must turn a crowd of `token`
//! calls on an expiring access token into exactly one refresh grant per
//! profile, with every process printing that refresh's access token.

mod support;

use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use oci_iam_sso_testkit::{Fault, Ttls};
use support::{KEY, TestEnv, approving};

/// Where the store keeps the OS lock of `profile`, beside the database.
fn lock_file(env: &TestEnv, profile: &str) -> std::fs::File {
    let mut dir = env.store_path().into_os_string();
    dir.push(".locks");
    let path = std::path::PathBuf::from(dir).join(format!("{profile}.lock"));
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .expect("the lock file opens")
}

/// No run may take longer than this (the lock waits up to 30 s by default).
const DEADLINE: Duration = Duration::from_secs(90);

/// Holds the one refresh at the fake long enough that every other process is
/// started and waiting for the lock (or for the store) while it runs.
const HOLD_THE_REFRESH: Duration = Duration::from_millis(400);

/// Logs `profiles` in with access tokens that live 1 s, waits until they have
/// expired, then restores an hour for the tokens issued after. (A token that
/// lives less than the skew is no longer refreshed while it is fresh: the
/// margin is capped at half its life.)
fn logged_in_with_expiring_access(profiles: &[&str]) -> TestEnv {
    let env = TestEnv::start(approving());
    let normal = env.control.ttls();
    env.control.set_ttls(Ttls {
        access: Duration::from_secs(1),
        ..normal
    });
    for profile in profiles {
        env.add_profile(profile);
        env.login(profile);
    }
    env.control.set_ttls(normal);
    std::thread::sleep(Duration::from_millis(1100));
    env
}

/// `oci-iam-sso token --profile <profile>` as a child process with this test's
/// private HOME and key (the same environment `TestEnv::cmd` gives).
fn spawn_token(env: &TestEnv, profile: &str) -> Child {
    spawn_token_with(env, profile, &[])
}

/// [`spawn_token`] with extra arguments before the command's name (`--store`)
/// or after it (`--min-ttl`); `extra` is appended at the end.
fn spawn_token_with(env: &TestEnv, profile: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.home().join("config"))
        .env("XDG_DATA_HOME", env.home().join("data"))
        .env("OCI_IAM_SSO_KEY", KEY)
        .current_dir(env.home())
        .args(["token", "--profile", profile])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits for `child` until `deadline`; a child still running then is killed
/// and the test fails.
fn finish(mut child: Child, deadline: Instant) -> Output {
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a `token` process was still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether the fake resource server accepts `token` (GET with a bearer header).
fn resource_accepts(resource_url: &str, token: &str) -> bool {
    let address = resource_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("resource server");
    write!(
        stream,
        "GET /interop/rest/v1/services/dailymaintenance HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer.starts_with("HTTP/1.1 200")
}

/// Starts `per_profile` processes for each profile, interleaved, and returns
/// each profile's outputs.
fn run_crowd(env: &TestEnv, profiles: &[&str], per_profile: usize) -> Vec<Vec<Output>> {
    let mut children: Vec<(usize, Child)> = Vec::new();
    for _ in 0..per_profile {
        for (index, profile) in profiles.iter().enumerate() {
            children.push((index, spawn_token(env, profile)));
        }
    }
    let deadline = Instant::now() + DEADLINE;
    let mut outputs: Vec<Vec<Output>> = profiles.iter().map(|_| Vec::new()).collect();
    for (index, child) in children {
        outputs[index].push(finish(child, deadline));
    }
    outputs
}

/// Every process succeeded, said nothing on stderr, and printed the same token.
fn the_one_token(profile: &str, outputs: &[Output]) -> String {
    for output in outputs {
        assert!(
            output.status.success(),
            "a `token --profile {profile}` failed ({:?}): {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.stderr.is_empty(), "no warning expected");
    }
    let tokens: Vec<String> = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .collect();
    let first = tokens[0].clone();
    let same = tokens.iter().filter(|t| **t == first).count();
    assert_eq!(
        same,
        tokens.len(),
        "profile {profile}: every process prints the one refreshed token"
    );
    first
}

#[test]
fn thirty_two_processes_share_one_refresh() {
    let env = logged_in_with_expiring_access(&["default"]);
    let before = env.control.counters();
    env.control.inject(Fault::Delay(HOLD_THE_REFRESH), 1);

    let outputs = run_crowd(&env, &["default"], 32);

    let after = env.control.counters();
    assert_eq!(outputs[0].len(), 32);
    let token = the_one_token("default", &outputs[0]);
    assert_eq!(
        after.refresh_grants - before.refresh_grants,
        1,
        "exactly one refresh grant for 32 processes"
    );
    assert_eq!(after.consumed_token_reuses, 0);
    assert!(
        resource_accepts(&env.resource_url, &token),
        "the shared token is valid"
    );
    // The 31 others took the refreshed token from the store: a later call is
    // a cache hit and prints it again.
    assert_eq!(env.token("default"), token);
    assert_eq!(env.control.counters().refresh_grants, after.refresh_grants);
}

#[test]
fn eight_profiles_times_eight_processes() {
    let names: Vec<String> = (1..=8).map(|i| format!("p{i}")).collect();
    let profiles: Vec<&str> = names.iter().map(String::as_str).collect();
    let env = logged_in_with_expiring_access(&profiles);
    let before = env.control.counters();
    env.control.inject(Fault::Delay(HOLD_THE_REFRESH), 8);

    let outputs = run_crowd(&env, &profiles, 8);

    let after = env.control.counters();
    env.control.clear_faults();
    let mut tokens = Vec::new();
    for (profile, outputs) in profiles.iter().zip(&outputs) {
        assert_eq!(outputs.len(), 8);
        let token = the_one_token(profile, outputs);
        assert!(resource_accepts(&env.resource_url, &token));
        tokens.push(token);
    }
    assert_eq!(
        after.refresh_grants - before.refresh_grants,
        8,
        "exactly one refresh grant per profile"
    );
    assert_eq!(after.consumed_token_reuses, 0);
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 8, "each profile has its own token");
}

/// Another process holding the profile's lock (here the test itself) makes
/// `token` wait, bounded by the lock timeout setting, then fail plainly with
/// the store-busy exit code; released in time, the waiter carries on.
#[test]
fn a_held_lock_is_waited_for_within_the_lock_timeout() {
    let env = logged_in_with_expiring_access(&["default"]);
    let before = env.control.counters();
    let held = lock_file(&env, "default");
    held.lock().expect("the test takes the profile lock");

    let output = cli_snapshot!(
        "lock_timeout",
        env.filters(),
        env.cmd().env("OCI_IAM_SSO_LOCK_TIMEOUT", "1s").arg("token")
    );
    assert_eq!(output.status.code(), Some(15), "store busy");
    assert_eq!(env.control.counters().refresh_grants, before.refresh_grants);

    // Released while the process waits (default timeout 30 s): it goes on.
    let waiting = spawn_token(&env, "default");
    std::thread::sleep(Duration::from_millis(300));
    held.unlock().expect("unlock");
    drop(held);
    let output = finish(waiting, Instant::now() + DEADLINE);
    let token = the_one_token("default", &[output]);
    assert!(resource_accepts(&env.resource_url, &token));
    assert_eq!(
        env.control.counters().refresh_grants,
        before.refresh_grants + 1
    );
}

/// Starts `count` `token` processes for `default`, the i-th with `extra(i)`.
fn run_many(env: &TestEnv, count: usize, extra: impl Fn(usize) -> Vec<String>) -> Vec<Output> {
    let children: Vec<Child> = (0..count)
        .map(|i| {
            let args = extra(i);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            spawn_token_with(env, "default", &args)
        })
        .collect();
    let deadline = Instant::now() + DEADLINE;
    children.into_iter().map(|c| finish(c, deadline)).collect()
}

/// Half the processes reach the store through a symlink to it in another
/// directory: the lock belongs to the file, not to the name it was reached
/// by, so they still make one refresh between them.
#[test]
fn one_lock_per_store_whatever_path_reaches_it() {
    let env = logged_in_with_expiring_access(&["default"]);
    let elsewhere = env.home().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("a directory");
    let link = elsewhere.join("tokens.db");
    std::os::unix::fs::symlink(env.store_path(), &link).expect("symlink");
    let through_link = link.display().to_string();
    let before = env.control.counters();
    env.control.inject(Fault::Delay(HOLD_THE_REFRESH), 1);

    // `--store` goes after the command too (it is global).
    let outputs = run_many(&env, 32, |i| {
        if i % 2 == 0 {
            vec!["--store".into(), through_link.clone()]
        } else {
            Vec::new()
        }
    });

    the_one_token("default", &outputs);
    let after = env.control.counters();
    assert_eq!(after.refresh_grants - before.refresh_grants, 1, "one grant");
    assert_eq!(after.consumed_token_reuses, 0, "no false 'chain broken'");
}

/// The server's tokens live 30 s, less than the default 60 s skew: a token
/// another process just got is used while it lives, not refreshed again.
#[test]
fn single_flight_holds_when_the_lifetime_is_inside_the_margin() {
    let env = logged_in_with_expiring_access(&["default"]);
    let normal = env.control.ttls();
    env.control.set_ttls(Ttls {
        access: Duration::from_secs(30),
        ..normal
    });
    let before = env.control.counters();
    env.control.inject(Fault::Delay(HOLD_THE_REFRESH), 1);

    let outputs = run_many(&env, 64, |_| Vec::new());

    one_token_reported_once(&outputs);
    assert_eq!(
        env.control.counters().refresh_grants - before.refresh_grants,
        1,
        "one grant for 64 processes"
    );
}

/// `--min-ttl 2h` against 1 h tokens: one refresh, reported once, not one
/// refresh per process.
#[test]
fn a_min_ttl_longer_than_the_lifetime_is_reported_not_obeyed_by_every_process() {
    let env = logged_in_with_expiring_access(&["default"]);
    let before = env.control.counters();
    env.control.inject(Fault::Delay(HOLD_THE_REFRESH), 1);

    let outputs = run_many(&env, 32, |_| vec!["--min-ttl".into(), "2h".into()]);

    one_token_reported_once(&outputs);
    assert_eq!(
        env.control.counters().refresh_grants - before.refresh_grants,
        1,
        "one grant for 32 processes"
    );
}

/// Every process succeeded with the same token, and exactly one (the one that
/// refreshed) said the margin cannot be met; nobody said anything else.
fn one_token_reported_once(outputs: &[Output]) {
    let tokens: Vec<String> = outputs
        .iter()
        .map(|o| {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        })
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token for all");
    let said: Vec<String> = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .filter(|e| !e.is_empty())
        .collect();
    assert_eq!(said.len(), 1, "reported once: {said:?}");
    assert!(said[0].contains("less than the margin"), "{said:?}");
}
