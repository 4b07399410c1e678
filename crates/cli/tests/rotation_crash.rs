//! The crash loop: `token --force-refresh` is killed with SIGKILL at a random
//! moment, again and again, while the fake holds each refresh answer back for
//! a random time, so kills land before the request, while the fake waits,
//! after it answered, and during the store's commit.
//!
//! After every kill the store must hold the refresh token the fake considers
//! current, except in one case the protocol cannot prevent: the fake consumed
//! the stored token and issued the next one, and the process died before it
//! kept the answer aside. The fake's generation log shows that case (a
//! generation the store never received); the client must then say the chain
//! is broken (exit 6) instead of anything worse. An answer that was kept aside
//! before the kill must be adopted by the next run. Every other outcome fails
//! the test.
//!
//! The randomness is reproducible: the seed is fixed (override it with
//! `ROTATION_CRASH_SEED`) and printed with every failure.
#![allow(clippy::print_stderr)] // the summary line, shown with --nocapture

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oci_iam_sso_testkit::{Fault, GenerationEvent};
use support::{KEY, TestEnv, approving};

const RUNS: usize = 100;
const DEFAULT_SEED: u64 = 0x0005_c4a5_4100_9e11;
/// The fake holds each refresh answer back for up to this long.
const MAX_DELAY_MS: u64 = 200;
/// Kills land up to this long after the fake would have answered.
const KILL_AFTER_ANSWER_MS: u64 = 100;
/// What happens in the fake after a kill has settled by then.
const SETTLE: Duration = Duration::from_millis(50);

/// SplitMix64: a tiny, seedable generator (no dependency for a test).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max` (the modulo bias is irrelevant here).
    fn up_to(&mut self, max: u64) -> u64 {
        self.next() % (max + 1)
    }
}

/// How one run ended, as the store and the fake's generation log show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// No refresh reached the fake: the stored token is the current one.
    Untouched,
    /// The refresh finished and was saved before the kill (or the process
    /// finished): the store holds the new current token.
    Rotated,
    /// The fake consumed the stored token and issued the next, and the
    /// process died before it saved the answer.
    LostInFlight,
    /// Like `LostInFlight` as the store shows it, but the process had kept
    /// the answer aside before it died: the next run adopted it.
    Recovered,
}

#[derive(Debug, Default)]
struct Tally {
    untouched: usize,
    rotated: usize,
    lost_in_flight: usize,
    recovered: usize,
    /// Runs whose process was still alive when the kill came.
    killed: usize,
}

/// The fingerprint of the stored refresh token (the newest audit record),
/// read with `status --json`.
fn stored_fingerprint(env: &TestEnv) -> Result<String, String> {
    let output = env
        .cmd()
        .args(["status", "--json"])
        .output()
        .map_err(|e| format!("status did not run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "status failed after a kill ({:?}): {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("status JSON: {e}"))?;
    value[0]["recent_rotations"][0]["fingerprint"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the store has no rotation record".to_owned())
}

/// Starts `token --force-refresh` and SIGKILLs it `kill_after` later (when it
/// is still running). Returns whether the kill found it alive.
fn kill_a_refresh(env: &TestEnv, kill_after: Duration) -> Result<bool, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("XDG_CONFIG_HOME", env.home().join("config"))
        .env("XDG_DATA_HOME", env.home().join("data"))
        .env("OCI_IAM_SSO_KEY", KEY)
        .current_dir(env.home())
        .args(["token", "--force-refresh"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    std::thread::sleep(kill_after);
    let alive = child.try_wait().map_err(|e| e.to_string())?.is_none();
    if alive {
        // std's kill is SIGKILL on Unix: no destructor, no flush, no unlock.
        child.kill().map_err(|e| format!("kill: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !alive && !output.status.success() {
        return Err(format!(
            "an unkilled refresh failed ({:?}): {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(alive)
}

/// Compares the store with the fake's log of issued refresh tokens.
fn classify(
    before: &[GenerationEvent],
    after: &[GenerationEvent],
    stored: &str,
) -> Result<Outcome, String> {
    let current = before.last().ok_or("the fake issued no token")?;
    match &after[before.len()..] {
        [] if stored == current.fingerprint => Ok(Outcome::Untouched),
        [next] if next.chain == current.chain && next.generation == current.generation + 1 => {
            if stored == next.fingerprint {
                Ok(Outcome::Rotated)
            } else if stored == current.fingerprint {
                Ok(Outcome::LostInFlight)
            } else {
                Err("the store holds a token of neither generation".into())
            }
        }
        [] => Err("the store no longer holds the current token, and nothing was issued".into()),
        more => Err(format!(
            "{} tokens were issued in one run: {more:?}",
            more.len()
        )),
    }
}

/// After a run, proves the classification with a real refresh: a kept token is
/// accepted (and the chain moves on); an answer kept aside is adopted (and is
/// the fake's current token); a token lost in flight is reported as a broken
/// chain and replaced with a fresh one by `import`. Returns the final outcome.
fn check_and_recover(env: &TestEnv, outcome: Outcome) -> Result<Outcome, String> {
    let before = env.control.generation_log().len();
    let output = env
        .cmd()
        .args(["token", "--force-refresh"])
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    match outcome {
        Outcome::Untouched | Outcome::Rotated => {
            if !output.status.success() {
                return Err(format!(
                    "the stored token was refused ({:?}): {stderr}",
                    output.status.code()
                ));
            }
            let log = env.control.generation_log();
            let newest = log.last().ok_or("empty log")?;
            if log.len() != before + 1 || stored_fingerprint(env)? != newest.fingerprint {
                return Err("the checking refresh did not store the next generation".into());
            }
        }
        Outcome::LostInFlight if output.status.success() && stderr.contains("kept aside") => {
            let newest = env.control.generation_log();
            let newest = newest.last().ok_or("empty log")?;
            if env.control.generation_log().len() != before
                || stored_fingerprint(env)? != newest.fingerprint
            {
                return Err("the adopted set is not the fake's current token".into());
            }
            return Ok(Outcome::Recovered);
        }
        Outcome::LostInFlight | Outcome::Recovered => {
            if output.status.code() != Some(6) || !stderr.contains("login") {
                return Err(format!(
                    "a lost rotation must be reported as a broken chain (exit 6), got {:?}: {stderr}",
                    output.status.code()
                ));
            }
            let fresh = env.control.issue_refresh_token_for("ada@example.com");
            env.cmd()
                .arg("import")
                .write_stdin(format!("{fresh}\n"))
                .assert()
                .success();
        }
    }
    Ok(outcome)
}

fn one_run(env: &TestEnv, random: &mut Random, tally: &mut Tally) -> Result<(), String> {
    let delay = random.up_to(MAX_DELAY_MS);
    let kill_after = Duration::from_millis(random.up_to(delay + KILL_AFTER_ANSWER_MS));
    let delay = Duration::from_millis(delay);
    let before = env.control.generation_log();
    env.control.inject(Fault::Delay(delay), 1);

    let started = Instant::now();
    if kill_a_refresh(env, kill_after)? {
        tally.killed += 1;
    }
    // A request the process sent just before it died may still be in the
    // fake's hands: let that finish before looking.
    let settled = kill_after + delay + SETTLE;
    std::thread::sleep(settled.saturating_sub(started.elapsed()));
    env.control.clear_faults();

    let after = env.control.generation_log();
    let outcome = classify(&before, &after, &stored_fingerprint(env)?)?;
    let outcome = check_and_recover(env, outcome)
        .map_err(|e| format!("{e} (delay {delay:?}, kill after {kill_after:?}, {outcome:?})"))?;
    match outcome {
        Outcome::Untouched => tally.untouched += 1,
        Outcome::Rotated => tally.rotated += 1,
        Outcome::LostInFlight => tally.lost_in_flight += 1,
        Outcome::Recovered => tally.recovered += 1,
    }
    Ok(())
}

#[test]
fn kill_minus_nine_never_loses_a_token_silently() {
    let seed = std::env::var("ROTATION_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let env = TestEnv::start(approving());
    env.add_profile("default");
    env.login("default");

    let mut random = Random(seed);
    let mut tally = Tally::default();
    for run in 0..RUNS {
        if let Err(problem) = one_run(&env, &mut random, &mut tally) {
            panic!("run {run} of {RUNS} (ROTATION_CRASH_SEED={seed}): {problem}; so far {tally:?}");
        }
    }
    eprintln!("crash loop (seed {seed}): {tally:?}");
    assert_eq!(
        tally.untouched + tally.rotated + tally.lost_in_flight + tally.recovered,
        RUNS
    );
    assert!(
        tally.killed > 0,
        "the kills must land while the refresh runs"
    );
    assert_eq!(
        env.control.counters().consumed_token_reuses,
        tally.lost_in_flight as u64,
        "a consumed token is only ever sent by the check after a lost rotation"
    );
}

/// A store cut short (as a crash of the disk or a bad copy leaves it) or
/// overwritten in the middle is refused with a clear error, and the file is
/// left byte for byte as it was, so nothing in it is lost to a rewrite.
#[test]
fn a_damaged_store_is_refused_and_never_rewritten() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    env.login("default");
    let path = env.store_path();
    // Any run reads the store; the file alone holds the tokens (a rollback
    // journal exists only while a write is under way).
    env.cmd().args(["status"]).assert().success();
    let whole = std::fs::read(&path).expect("store");

    let damages: [(&str, Vec<u8>); 3] = [
        ("store_truncated_header", whole[..60].to_vec()),
        ("store_truncated_half", whole[..whole.len() / 2].to_vec()),
        ("store_overwritten_middle", {
            let mut bytes = whole.clone();
            let middle = bytes.len() / 2;
            bytes[middle - 512..middle + 512].fill(0x5a);
            bytes
        }),
    ];
    for (name, damaged) in damages {
        std::fs::write(&path, &damaged).expect("damage the store");
        for suffix in ["-wal", "-shm"] {
            let mut side = path.clone().into_os_string();
            side.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(side));
        }
        let output = cli_snapshot!(
            name,
            env.filters(),
            env.cmd().args(["token", "--force-refresh"])
        );
        assert_eq!(
            output.status.code(),
            Some(13),
            "{name}: the store exit code"
        );
        assert_eq!(
            std::fs::read(&path).expect("store"),
            damaged,
            "{name}: the damaged file is left as it was"
        );
    }
}
