//! `keep` against the fake OCI service with short lifetimes: a session kept
//! past several refreshes and stopped by SIGTERM mid-sleep (exit 0), database
//! tokens re-issued before they expire, and `--once` doing nothing twice.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use oci_iam_sso_domain::oci::decode_claims;
use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig};

struct Env {
    fake: FakeOciAuth,
    home: tempfile::TempDir,
}

impl Env {
    async fn new(ttl: Duration) -> Self {
        Self {
            fake: FakeOciAuth::start(FakeOciConfig {
                token_ttl: ttl,
                port: 0,
                ..FakeOciConfig::default()
            })
            .await
            .unwrap(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCI_CLI_ENDPOINT", self.fake.url())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    async fn session(&self, name: &str) {
        support::oci::save_minted_session(&self.fake.control(), self.home.path(), name).await;
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn stop(child: Child) -> Output {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_is_kept_past_several_refreshes_and_sigterm_mid_sleep_exits_0() {
    // Six-second sessions: refreshed every three seconds.
    let env = Env::new(Duration::from_secs(6)).await;
    env.session("DEFAULT").await;
    let child = env
        .command(&["keep", "--session", "DEFAULT"])
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(12)).await;
    let output = stop(child).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let refreshes = env.fake.control().counters().refreshes;
    assert!(refreshes >= 3, "{refreshes} refreshes: {stderr}");
    assert_eq!(env.fake.control().counters().signature_failures, 0);
    // One line per action, then the stop; never a token.
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len() as u32, refreshes + 1, "{stderr}");
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("keep: session [DEFAULT] refreshed; valid until "))
    );
    assert_eq!(lines.last(), Some(&"keep: stopped by SIGTERM"));
    assert!(
        !stderr.contains("ST$") && !stderr.contains("eyJ"),
        "{stderr}"
    );
    // The session on disk is the last one, and still valid.
    let token =
        std::fs::read_to_string(env.home.path().join(".oci/sessions/DEFAULT/token")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(decode_claims(&token).unwrap().expires_at.unix() > i64::try_from(now).unwrap());
}

#[tokio::test]
async fn once_does_what_is_due_and_nothing_the_second_time() {
    let env = Env::new(Duration::from_secs(3600)).await;
    env.session("DEFAULT").await;
    let args = ["keep", "--once", "--session", "DEFAULT", "--db-token"];
    let first = env.run(&args).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).starts_with("keep: db-token in "),
        "{}",
        text(&first.stderr)
    );
    let counters = env.fake.control().counters();
    assert_eq!((counters.refreshes, counters.db_tokens), (0, 1));
    let second = env.run(&args).await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert_eq!(text(&second.stderr), "");
    let counters = env.fake.control().counters();
    assert_eq!((counters.refreshes, counters.db_tokens), (0, 1));
    assert_eq!(text(&second.stdout), "");
}

#[tokio::test]
async fn database_tokens_are_reissued_before_they_expire() {
    // Sixteen-second database tokens: re-issued at half their life, which
    // leaves eight seconds for a key generation on a loaded machine.
    let env = Env::new(Duration::from_secs(3600)).await;
    env.fake.control().set_db_token_ttl(Duration::from_secs(16));
    env.session("DEFAULT").await;
    let child = env
        .command(&["keep", "--db-token", "--db-token-location", "~/db"])
        .spawn()
        .unwrap();
    let token_path = env.home.path().join("db/token");
    let mut expired_seen = 0;
    let started = std::time::Instant::now();
    // Until a third token (two re-issues), at most a minute.
    while env.fake.control().counters().db_tokens < 3 && started.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Ok(token) = std::fs::read_to_string(&token_path) {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            if decode_claims(&token).unwrap().expires_at.unix() <= i64::try_from(now).unwrap() {
                expired_seen += 1;
            }
        }
    }
    let output = stop(child).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(expired_seen, 0, "a reader found an expired token");
    let issued = env.fake.control().counters().db_tokens;
    assert!(issued >= 3, "{issued}: {}", text(&output.stderr));
}

#[tokio::test]
async fn a_keep_table_in_the_settings_file_says_what_to_keep() {
    let env = Env::new(Duration::from_secs(3600)).await;
    env.session("DEFAULT").await;
    let settings = env.home.path().join(".config/oci-iam-sso");
    std::fs::create_dir_all(&settings).unwrap();
    std::fs::write(
        settings.join("config.toml"),
        "[keep]\nsessions = [\"DEFAULT\"]\ndb_token = true\ndb_token_location = \"~/kept-db\"\n",
    )
    .unwrap();
    let output = env.run(&["keep", "--once"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        env.home.path().join("kept-db/token").is_file(),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(env.fake.control().counters().db_tokens, 1);

    // The tuning keys take durations as the flags do; a bad one is refused
    // with the settings' one line, naming the value.
    std::fs::write(
        settings.join("config.toml"),
        "[keep]\nsessions = [\"DEFAULT\"]\ncap_warning = \"30m\"\ndb_token_margin = \"5m\"\n",
    )
    .unwrap();
    let output = env.run(&["keep", "--once"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    std::fs::write(
        settings.join("config.toml"),
        "[keep]\nsessions = [\"DEFAULT\"]\ncap_warning = \"soon\"\n",
    )
    .unwrap();
    let output = env.run(&["keep", "--once"]).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("`soon` is not a duration"),
        "{}",
        text(&output.stderr)
    );

    // A key the table does not know is refused with the settings' one line.
    std::fs::write(
        settings.join("config.toml"),
        "[keep]\nsesions = [\"DEFAULT\"]\n",
    )
    .unwrap();
    let output = env.run(&["keep", "--once"]).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("sesions"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn keep_with_nothing_to_keep_says_how_in_one_error() {
    let env = Env::new(Duration::from_secs(3600)).await;
    let output = env.run(&["keep", "--once"]).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("--session OCI_PROFILE"));
}

#[tokio::test]
async fn at_the_cap_without_an_exchange_source_keep_warns_once_then_reports_the_end() {
    // Six-second sessions that the fake refreshes for ten seconds after the login.
    let env = Env::new(Duration::from_secs(6)).await;
    env.fake.control().set_session_cap(Duration::from_secs(10));
    env.session("DEFAULT").await;
    let child = env
        .command(&["keep", "--session", "DEFAULT", "--session-cap", "10s"])
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(19)).await;
    let output = stop(child).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let counters = env.fake.control().counters();
    assert!(counters.refreshes >= 2, "{stderr}");
    // keep never asked past the cap: it knew the login time.
    assert_eq!(counters.refused_past_cap, 0, "{stderr}");
    let warnings = stderr
        .lines()
        .filter(|l| l.starts_with("keep: warning: session [DEFAULT] cannot be refreshed past "))
        .count();
    assert_eq!(warnings, 1, "{stderr}");
    let ends = stderr
        .lines()
        .filter(|l| l.starts_with("keep: error: session [DEFAULT] has expired"))
        .count();
    assert_eq!(ends, 1, "{stderr}");
}

/// A database client reads the token, then the key. `keep` renames the new
/// key in before the new token, so such a reader may, inside that rename
/// window, find the old token beside the new key, but never a new token
/// beside an old key.
#[tokio::test]
async fn a_reader_never_pairs_a_new_db_token_with_an_old_key() {
    use oci_iam_sso_domain::oci::{RsaPublicNumbers, bound_public_key};
    use oci_iam_sso_testkit::oci::jwk_of_private_key_pem;

    let env = Env::new(Duration::from_secs(3600)).await;
    env.fake.control().set_db_token_ttl(Duration::from_secs(4));
    env.session("DEFAULT").await;
    let child = env
        .command(&["keep", "--db-token", "--db-token-location", "~/db"])
        .spawn()
        .unwrap();
    let dir = env.home.path().join("db");
    let reader = tokio::task::spawn_blocking(move || {
        // Tokens in the order they appeared, with the key each is bound to.
        let mut seen: Vec<(String, Option<RsaPublicNumbers>)> = Vec::new();
        let mut reads: Vec<(usize, Option<RsaPublicNumbers>)> = Vec::new();
        let started = std::time::Instant::now();
        // Until three tokens were seen (two swaps), however slow the
        // machine makes the key generation; at most a minute.
        while seen.len() < 3 && started.elapsed() < Duration::from_secs(60) {
            // Often, but leaving the machine's two cores to `keep`.
            std::thread::sleep(Duration::from_millis(2));
            let (Ok(token), Ok(key)) = (
                std::fs::read_to_string(dir.join("token")),
                std::fs::read_to_string(dir.join("oci_db_key.pem")),
            ) else {
                continue;
            };
            let key = jwk_of_private_key_pem(&key).and_then(|jwk| {
                RsaPublicNumbers::from_jwk_json(&serde_json::to_string(&jwk).unwrap())
            });
            let index = match seen.iter().position(|(t, _)| *t == token) {
                Some(index) => index,
                None => {
                    let bound = bound_public_key(&token);
                    seen.push((token, bound));
                    seen.len() - 1
                }
            };
            reads.push((index, key));
        }
        let (mut pairs, mut in_window, mut new_token_old_key) = (0u32, 0u32, 0u32);
        for (index, key) in &reads {
            let key_of = seen
                .iter()
                .position(|(_, bound)| bound == key && key.is_some());
            match key_of {
                Some(k) if k == *index => pairs += 1,
                Some(k) if k < *index => new_token_old_key += 1,
                // The key is newer than the token (or of a token this reader
                // never saw): read between the two renames of one swap.
                _ => in_window += 1,
            }
        }
        (pairs, in_window, new_token_old_key, seen.len())
    });
    let (pairs, in_window, new_token_old_key, distinct) = reader.await.unwrap();
    let output = stop(child).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        distinct >= 3,
        "{distinct} tokens seen: {}",
        text(&output.stderr)
    );
    assert!(pairs > 100, "{pairs}");
    assert_eq!(
        new_token_old_key, 0,
        "{new_token_old_key} reads paired a new token with an old key"
    );
    // The window is two renames wide: a few reads at most per swap.
    assert!(in_window <= pairs / 20, "{in_window} of {pairs}");
}
