//! `cargo xtask bench`: side-by-side timings on this machine, printed as figures
//! and ratios. Nothing here asserts a time: the numbers are for people.
//!
//! - `token` on a cache hit against `cat` of a file of the same size (target: within 3x);
//! - peak resident memory of `token` (target: under 15 MiB);
//! - `db-token get` against the OCI CLI's, both on the fake OCI auth service
//!   (target: at most 1/5 of the OCI CLI's time), in [`crate::bench_db_token`].

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{FakeIdcs, TempHome, build_binaries};

const RUNS: usize = 200;
/// Each `db-token get` makes an RSA-2048 key, and the OCI CLI starts Python: fewer runs.
const DB_TOKEN_RUNS: usize = 20;

/// `cargo xtask bench [RUNS] [--db-token-runs N]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut runs = RUNS;
    let mut db_token_runs = DB_TOKEN_RUNS;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let number = |value: Option<&String>| {
            value
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("bench: expected a number after {arg}"))
        };
        match arg.as_str() {
            "--db-token-runs" => db_token_runs = number(rest.next())?,
            _ => runs = number(Some(arg))?,
        }
    }
    let bin_dir = build_binaries(true)?;
    token_cache_hit(&bin_dir, runs)?;
    crate::bench_db_token::run(&bin_dir, db_token_runs)
}

/// `token` on a cache hit against `cat`, and its peak memory.
fn token_cache_hit(bin_dir: &Path, runs: usize) -> Result<(), String> {
    let home = TempHome::new("bench")?;
    let fake = FakeIdcs::start(bin_dir, &["--auto-approve", "bench.user@example.com"])?;
    let cli = bin_dir.join("oci-iam-sso");
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    let oci = |args: &[&str]| {
        let mut command = Command::new(&cli);
        command
            .args(args)
            .env("OCI_IAM_SSO_KEY", key)
            .stdin(Stdio::null());
        home.apply(&mut command);
        command.env("OCI_IAM_SSO_KEY", key);
        command
    };
    let ok = |mut command: Command, what: &str| -> Result<Vec<u8>, String> {
        let output = command.output().map_err(|e| format!("{what}: {e}"))?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    };
    ok(
        oci(&[
            "profile",
            "add",
            "bench",
            "--domain-url",
            &fake.domain_url,
            "--client-id",
            "test-client",
        ]),
        "profile add",
    )?;
    ok(
        oci(&["login", "--profile", "bench", "--no-browser"]),
        "login",
    )?;
    let token = ok(oci(&["token", "--profile", "bench"]), "token")?;
    let token_file = home.0.join("token.txt");
    std::fs::write(&token_file, &token).map_err(|e| e.to_string())?;

    println!("\n{runs} runs each, wall time per process (release build)\n");
    let cat = time_runs(runs, 5, || {
        let mut command = Command::new("cat");
        command.arg(&token_file);
        command
    })?;
    let hit = time_runs(runs, 5, || oci(&["token", "--profile", "bench"]))?;
    report("cat token.txt", &cat, None);
    report("oci-iam-sso token (cache hit)", &hit, Some((&cat, 3.0)));

    match peak_rss_kib(oci(&["token", "--profile", "bench"])) {
        Some(kib) => println!(
            "\npeak memory of `token`: {:.1} MiB (target < 15 MiB: {})",
            kib as f64 / 1024.0,
            if kib < 15 * 1024 { "met" } else { "NOT met" }
        ),
        None => println!("\npeak memory: /usr/bin/time is not installed (apt-get install time)"),
    }
    Ok(())
}

pub struct Timings(Vec<Duration>);

/// Times `runs` runs after `warmups` untimed ones (page cache, first SQLite
/// open, Python's bytecode cache); every run must succeed.
pub fn time_runs(
    runs: usize,
    warmups: usize,
    make: impl Fn() -> Command,
) -> Result<Timings, String> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) + warmups {
        let mut command = make();
        command.stdout(Stdio::null()).stderr(Stdio::null());
        let start = Instant::now();
        let status = command.status().map_err(|e| e.to_string())?;
        samples.push(start.elapsed());
        if !status.success() {
            return Err(format!("a timed run failed: {status}"));
        }
    }
    samples.drain(..warmups);
    samples.sort();
    Ok(Timings(samples))
}

impl Timings {
    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.0.len() - 1) as f64 * p).round() as usize;
        self.0[index]
    }
}

pub fn report(label: &str, t: &Timings, against: Option<(&Timings, f64)>) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    print!(
        "{label:<34} median {:>7.2} ms   p90 {:>7.2} ms   min {:>7.2} ms",
        ms(t.percentile(0.5)),
        ms(t.percentile(0.9)),
        ms(t.percentile(0.0))
    );
    if let Some((base, target)) = against {
        let ratio = ms(t.percentile(0.5)) / ms(base.percentile(0.5));
        print!(
            "   ratio {ratio:.2}x (target <= {target}x: {})",
            if ratio <= target { "met" } else { "NOT met" }
        );
    }
    println!();
}

/// Peak resident set of one run, from GNU time's `%M` (KiB).
pub fn peak_rss_kib(command: Command) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let mut wrapped = Command::new(time);
    wrapped
        .arg("-f")
        .arg("%M")
        .arg(command.get_program())
        .args(command.get_args());
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    let output = wrapped.stdout(Stdio::null()).output().ok()?;
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}
