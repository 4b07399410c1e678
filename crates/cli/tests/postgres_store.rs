//! The shared PostgreSQL store through the real binary: several "hosts"
//! (separate HOME directories, separate processes, the same store key) share
//! one profile in one database. Needs the test cluster (`.ci/pg.sh start`,
//! `OCI_IAM_SSO_TEST_PG_URL`); without it these tests say why they skip, and
//! under `CI=true` they fail instead.
#![cfg(feature = "postgres")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use oci_iam_sso_testkit::postgres::{test_pg_url, with_fresh_schema};
use oci_iam_sso_testkit::{Fault, Ttls};
use support::{CLIENT_ID, KEY, TestEnv, approving};

const DEADLINE: Duration = Duration::from_secs(120);
const HOLD_THE_REFRESH: Duration = Duration::from_millis(400);

/// The binary as one host sees it: its own HOME, the shared store and key.
fn host_cmd(home: &Path, store_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("OCI_IAM_SSO_KEY", KEY)
        .env("OCI_IAM_SSO_STORE_URL", store_url)
        .env("OCI_IAM_SSO_DEVICE_POLL_INTERVAL", "20ms")
        .current_dir(home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(mut cmd: Command) -> Output {
    let child = cmd.spawn().expect("the binary starts");
    finish(child, Instant::now() + DEADLINE)
}

fn finish(mut child: Child, deadline: Instant) -> Output {
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a process was still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed ({:?}): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `hosts` home directories inside the test's temp dir.
fn homes(env: &TestEnv, hosts: usize) -> Vec<PathBuf> {
    (0..hosts)
        .map(|h| {
            let home = env.home().join(format!("host{h}"));
            std::fs::create_dir_all(&home).expect("home");
            home
        })
        .collect()
}

/// Adds and logs in `default` from the first host with access tokens that
/// live 1 s, and waits until they have expired.
fn logged_in_with_expiring_access(env: &TestEnv, home: &Path, url: &str) {
    let normal = env.control.ttls();
    env.control.set_ttls(Ttls {
        access: Duration::from_secs(1),
        ..normal
    });
    let mut add = host_cmd(home, url);
    add.args(["profile", "add", "default", "--domain-url", &env.url])
        .args([
            "--client-id",
            CLIENT_ID,
            "--resource-url",
            &env.resource_url,
        ]);
    ok(&run(add));
    let mut login = host_cmd(home, url);
    login.args(["login", "--no-browser", "--profile", "default"]);
    ok(&run(login));
    env.control.set_ttls(normal);
    std::thread::sleep(Duration::from_millis(1100));
}

fn token_cmd(home: &Path, url: &str) -> Command {
    let mut cmd = host_cmd(home, url);
    cmd.args(["token", "--profile", "default"]);
    cmd
}

#[test]
fn four_hosts_times_sixteen_processes_share_one_refresh() {
    let test = "four_hosts_times_sixteen_processes_share_one_refresh";
    let Some(url) = test_pg_url(test) else { return };
    let url = with_fresh_schema(&url, "fleet");
    let env = TestEnv::start(approving());
    let homes = homes(&env, 4);
    logged_in_with_expiring_access(&env, &homes[0], &url);
    let before = env.control.counters();
    env.control.inject(Fault::Delay(HOLD_THE_REFRESH), 1);

    let mut children = Vec::new();
    for _ in 0..16 {
        for home in &homes {
            children.push(token_cmd(home, &url).spawn().expect("starts"));
        }
    }
    let deadline = Instant::now() + DEADLINE;
    let outputs: Vec<Output> = children.into_iter().map(|c| finish(c, deadline)).collect();

    let after = env.control.counters();
    assert_eq!(outputs.len(), 64);
    let errors: Vec<String> = outputs
        .iter()
        .filter(|o| !o.status.success() || !o.stderr.is_empty())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(errors.is_empty(), "0 errors expected: {errors:?}");
    let tokens: Vec<String> = outputs.iter().map(ok).collect();
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "the same token everywhere"
    );
    assert_eq!(
        after.refresh_grants - before.refresh_grants,
        1,
        "exactly one refresh grant for 4 hosts x 16 processes"
    );
    assert_eq!(after.consumed_token_reuses, 0);
    // Every host now reads it from the database: a cache hit, no grant.
    for home in &homes {
        assert_eq!(ok(&run(token_cmd(home, &url))), tokens[0]);
    }
    assert_eq!(env.control.counters().refresh_grants, after.refresh_grants);
}

/// Eight profiles, each refreshed by eight processes spread over two hosts:
/// one grant per profile, and the profiles never wait on each other's lock.
#[test]
fn eight_profiles_times_eight_processes_over_two_hosts() {
    let test = "eight_profiles_times_eight_processes_over_two_hosts";
    let Some(url) = test_pg_url(test) else { return };
    let url = with_fresh_schema(&url, "profiles");
    let env = TestEnv::start(approving());
    let homes = homes(&env, 2);
    let normal = env.control.ttls();
    env.control.set_ttls(Ttls {
        access: Duration::from_secs(1),
        ..normal
    });
    let names: Vec<String> = (1..=8).map(|i| format!("p{i}")).collect();
    for name in &names {
        let mut add = host_cmd(&homes[0], &url);
        add.args(["profile", "add", name, "--domain-url", &env.url])
            .args([
                "--client-id",
                CLIENT_ID,
                "--resource-url",
                &env.resource_url,
            ]);
        ok(&run(add));
        let mut login = host_cmd(&homes[1], &url);
        login.args(["login", "--no-browser", "--profile", name]);
        ok(&run(login));
    }
    env.control.set_ttls(normal);
    std::thread::sleep(Duration::from_millis(1100));
    let before = env.control.counters();
    env.control.inject(Fault::Delay(HOLD_THE_REFRESH), 8);

    let mut children = Vec::new();
    for i in 0..8 {
        for (p, name) in names.iter().enumerate() {
            let mut cmd = host_cmd(&homes[(i + p) % 2], &url);
            cmd.args(["token", "--profile", name]);
            children.push((p, cmd.spawn().expect("starts")));
        }
    }
    let deadline = Instant::now() + DEADLINE;
    let mut tokens: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for (p, child) in children {
        let output = finish(child, deadline);
        assert!(
            output.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        tokens[p].push(ok(&output));
    }
    let after = env.control.counters();
    env.control.clear_faults();
    for list in &tokens {
        assert_eq!(list.len(), 8);
        assert!(list.iter().all(|t| *t == list[0]), "one token per profile");
    }
    let mut firsts: Vec<&String> = tokens.iter().map(|l| &l[0]).collect();
    firsts.sort();
    firsts.dedup();
    assert_eq!(firsts.len(), 8, "each profile has its own token");
    assert_eq!(after.refresh_grants - before.refresh_grants, 8);
    assert_eq!(after.consumed_token_reuses, 0);
}

/// The URL `pg_dump`/`psql` accept: without our `schema` parameter.
fn libpq_url(url: &str) -> (String, String) {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut schema = String::new();
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.strip_prefix("schema=") {
            Some(name) => {
                schema = name.to_owned();
                false
            }
            None => !pair.is_empty(),
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, schema)
}

fn pg_bin(name: &str) -> PathBuf {
    Path::new("/usr/lib/postgresql/15/bin").join(name)
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_dump_of_the_database_holds_no_secret_in_clear() {
    let test = "a_dump_of_the_database_holds_no_secret_in_clear";
    let Some(url) = test_pg_url(test) else { return };
    let url = with_fresh_schema(&url, "dump");
    let env = TestEnv::start(approving());
    let homes = homes(&env, 2);
    logged_in_with_expiring_access(&env, &homes[0], &url);
    // A refresh from the other host: a rotated set and an audit row as well.
    let token = ok(&run(token_cmd(&homes[1], &url)));

    let (libpq, schema) = libpq_url(&url);
    let dump = Command::new(pg_bin("pg_dump"))
        .args(["--data-only", "--inserts", "-n", &schema, &libpq])
        .output()
        .expect("pg_dump runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dump = String::from_utf8_lossy(&dump.stdout).into_owned();
    assert!(
        dump.contains("INSERT INTO"),
        "the dump has the rows: {dump}"
    );
    let mut secrets = env.control.issued_secrets();
    secrets.push(token);
    secrets.push(CLIENT_ID.to_owned());
    assert!(secrets.len() > 3, "the fake issued tokens");
    for secret in &secrets {
        // bytea is dumped as hex: look for both spellings.
        assert!(
            !dump.contains(secret.as_str()) && !dump.contains(&hex(secret)),
            "a secret is in clear in the dump"
        );
    }
}

/// A cluster of this test's own (it is stopped mid-refresh; the shared one
/// serves the other tests meanwhile), stopped and deleted on drop.
struct OwnCluster {
    dir: String,
    url: String,
}

fn pg_script(dir: &str, action: &str) -> Output {
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/pg.sh"))
        .arg(action)
        .env("PG_DIR", dir)
        .env("PG_INSTALL", "0")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .expect(".ci/pg.sh runs")
}

impl OwnCluster {
    fn start() -> Self {
        let dir = format!(
            "/tmp/oci-iam-sso-pg-crash-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let started = pg_script(&dir, "start");
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
        let stdout = String::from_utf8_lossy(&started.stdout);
        let url = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("OCI_IAM_SSO_TEST_PG_URL="))
            .next_back()
            .expect("pg.sh prints the URL")
            .to_owned();
        Self { dir, url }
    }

    fn crash(&self) {
        let out = pg_script(&self.dir, "crash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn resume(&self) {
        let out = pg_script(&self.dir, "resume");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = pg_script(&self.dir, "stop");
    }
}

/// The server stops (`pg_ctl -m immediate`) while the fake identity domain
/// holds the answer to the one refresh grant: the refresh token is consumed
/// at the server, the database is gone. The process says so in one line and
/// keeps the rotated set sealed on its host; after the restart the next run
/// on that host adopts it, and every host then shares the intact chain.
#[test]
fn a_server_stopped_mid_refresh_loses_no_token() {
    let test = "a_server_stopped_mid_refresh_loses_no_token";
    if test_pg_url(test).is_none() {
        return;
    }
    let cluster = OwnCluster::start();
    let url = cluster.url.clone();
    let env = TestEnv::start(approving());
    let homes = homes(&env, 2);
    logged_in_with_expiring_access(&env, &homes[0], &url);
    let before = env.control.counters();
    env.control.inject(Fault::Delay(Duration::from_secs(4)), 1);

    let refreshing = token_cmd(&homes[0], &url).spawn().expect("starts");
    // Wait until the process has the lock and its grant is held at the fake.
    let waited = Instant::now();
    while env.control.counters().token_requests == before.token_requests {
        assert!(waited.elapsed() < DEADLINE, "the grant never left");
        std::thread::sleep(Duration::from_millis(20));
    }
    cluster.crash();
    let output = finish(refreshing, Instant::now() + DEADLINE);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("could not save the rotated refresh token")
            && stderr.contains("postgres://")
            && stderr.to_lowercase().contains("connect"),
        "{stderr}"
    );
    let token = ok(&output);
    assert_eq!(
        env.control.counters().refresh_grants,
        before.refresh_grants + 1
    );

    // While the server is down, another host cannot use the store at all:
    // one clear line, never a broken chain.
    let down = run(token_cmd(&homes[1], &url));
    assert!(!down.status.success());
    let said = String::from_utf8_lossy(&down.stderr);
    assert!(said.contains("postgres://"), "{said}");
    assert!(!said.contains("password"), "{said}");

    cluster.resume();
    // The host that kept the set adopts it; the chain goes on from it.
    let again = run(token_cmd(&homes[0], &url));
    let adopted = ok(&again);
    assert_eq!(adopted, token, "the kept set is the live one");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("saved the rotated refresh token"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // Every other host now reads it from the database.
    assert_eq!(ok(&run(token_cmd(&homes[1], &url))), token);
    let after = env.control.counters();
    assert_eq!(
        after.refresh_grants,
        before.refresh_grants + 1,
        "no new grant"
    );
    assert_eq!(after.consumed_token_reuses, 0, "the chain is intact");
}
