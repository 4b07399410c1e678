//! A rotated refresh token is never lost because saving it failed. Each test
//! makes the store refuse the write at the worst moment — after the identity
//! domain has already rotated the token — and then checks that the next
//! `token` works with no new login and that `status` tells what happened.
//!
//! The three faults: another program holding SQLite's write lock past the
//! lock timeout, `kill -9` while waiting for that lock, and a file-size limit
//! (RLIMIT_FSIZE, as `ulimit -f` sets it) that the store's next write exceeds.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oci_iam_sso_testkit::Fault;
use support::{KEY, TestEnv, approving};

/// A profile logged in against a fresh fake, with one refresh done, so the
/// store and its kept-aside slot exist as they do on any host after a day.
fn logged_in() -> TestEnv {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    env.login("default");
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
    env
}

/// The binary as `TestEnv::cmd` sets it up, as a plain child process.
fn child(env: &TestEnv, lock_timeout: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
    with_env(&mut cmd, env, lock_timeout);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn with_env(cmd: &mut Command, env: &TestEnv, lock_timeout: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.home().join("config"))
        .env("XDG_DATA_HOME", env.home().join("data"))
        .env("OCI_IAM_SSO_KEY", KEY)
        .env("OCI_IAM_SSO_LOCK_TIMEOUT", lock_timeout)
        .current_dir(env.home());
}

/// Waits (bounded) until `done` holds.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Another program's connection that holds SQLite's write lock.
fn hold_write_lock(env: &TestEnv) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(env.store_path()).expect("open the store");
    conn.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    conn
}

/// Starts `token --force-refresh` while the fake holds its answer back for
/// `delay_ms`, and takes SQLite's write lock once the request has arrived:
/// after the client's pre-grant check, before its write.
fn lock_taken_while_the_answer_is_held(
    env: &TestEnv,
    delay_ms: u64,
    lock_timeout: &str,
) -> (std::process::Child, rusqlite::Connection) {
    env.control
        .inject(Fault::Delay(Duration::from_millis(delay_ms)), 1);
    let running = child(env, lock_timeout, &["token", "--force-refresh"])
        .spawn()
        .expect("spawn");
    let requests = env.control.counters().token_requests;
    wait_for("the refresh request", || {
        env.control.counters().token_requests > requests
    });
    (running, hold_write_lock(env))
}

fn current_chain_is_stored(env: &TestEnv) {
    // A plain `token` after the fault: no login, no error, and a further
    // forced refresh proves the stored refresh token is the server's current one.
    let token = env.token("default");
    assert!(!token.is_empty());
    let reuses = env.control.counters().consumed_token_reuses;
    env.cmd()
        .args(["token", "--force-refresh"])
        .assert()
        .success();
    assert_eq!(
        env.control.counters().consumed_token_reuses,
        reuses,
        "no consumed token was sent"
    );
}

fn status_text(env: &TestEnv) -> String {
    let output = env.cmd().arg("status").output().expect("status runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn a_write_lock_held_past_the_timeout_after_the_grant_loses_nothing() {
    let env = logged_in();
    let grants = env.control.counters().refresh_grants;
    // The answer is held back, so the lock can be taken after the client's
    // pre-grant check and before its write.
    let (running, holder) = lock_taken_while_the_answer_is_held(&env, 700, "1s");
    let output = running.wait_with_output().expect("ran");
    drop(holder); // the other program commits and goes away

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status.code()
    );
    assert!(stderr.contains("kept aside"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).trim().is_empty());
    assert_eq!(env.control.counters().refresh_grants, grants + 1);
    // Before any run adopts it, `status` says a rotation waits to be saved.
    let waiting = status_text(&env);
    assert!(waiting.contains("is kept aside and the next"), "{waiting}");

    current_chain_is_stored(&env);
    let status = status_text(&env);
    assert!(
        status.contains("saving it had failed, it was kept aside at"),
        "{status}"
    );
}

#[test]
fn kill_9_while_waiting_for_the_write_lock_after_the_grant_loses_nothing() {
    let env = logged_in();
    let generations = env.control.generation_log().len();
    let holder = {
        let (mut running, holder) = lock_taken_while_the_answer_is_held(&env, 300, "30s");
        wait_for("the rotation", || {
            env.control.generation_log().len() > generations
        });
        // The client now has the answer and waits for the write lock.
        std::thread::sleep(Duration::from_millis(300));
        assert!(running.try_wait().expect("wait").is_none(), "still waiting");
        running.kill().expect("SIGKILL");
        running.wait().expect("reaped");
        holder
    };
    drop(holder);

    current_chain_is_stored(&env);
    let status = status_text(&env);
    assert!(
        status.contains("saving it had failed, it was kept aside at"),
        "{status}"
    );
}

#[test]
fn a_file_size_limit_hit_by_the_store_after_the_grant_loses_nothing() {
    let env = logged_in();
    // Another process reads the store meanwhile. The next commit writes its
    // rollback journal and database pages past the limit below, while the
    // kept-aside slot, already allocated, is written within its blocks.
    // (The WAL lines are for a store of an earlier release, in WAL mode.)
    let reader = rusqlite::Connection::open(env.store_path()).expect("open");
    let _: i64 = reader
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .expect("read");
    let wal = env.store_path().with_extension("db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    // `ulimit -f` counts 1024-byte blocks in bash and dash alike.
    let limit_kib = (wal_len / 1024).max(8);
    let generations = env.control.generation_log().len();
    let mut limited = Command::new("sh");
    with_env(&mut limited, &env, "5s");
    let output = limited
        .arg("-c")
        .arg(format!("ulimit -f {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_oci-iam-sso"))
        .args(["token", "--force-refresh"])
        .stdin(Stdio::null())
        .output()
        .expect("ran");
    drop(reader);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        env.control.generation_log().len() > generations,
        "the grant happened (exit {:?}): {stderr}",
        output.status.code()
    );
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status.code()
    );
    assert!(stderr.contains("kept aside"), "{stderr}");

    current_chain_is_stored(&env);
    let status = status_text(&env);
    assert!(
        status.contains("saving it had failed, it was kept aside at"),
        "{status}"
    );
}
