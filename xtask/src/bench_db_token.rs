//! `db-token get` of oci-iam-sso against `oci iam db-token get --auth
//! security_token` of the real OCI CLI, both against the same fake OCI auth
//! service on 127.0.0.1 with the same session (HOME in a temporary directory),
//! plus the peak memory of each. Target: ours at most 1/5 of the OCI CLI's time.
//!
//! Both tools make a fresh RSA-2048 key per run, which dominates our time; the
//! OCI CLI adds Python's start-up and imports. When the OCI CLI is missing or
//! cannot talk to the fake, the bench says why and goes on without that row.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::bench::{peak_rss_kib, report, time_runs};
use crate::process::{FakeOci, TempHome};

const PROFILE: &str = "bench";
const REGION: &str = "us-ashburn-1";
/// At most 1/5 of the OCI CLI's time.
const TARGET_RATIO: f64 = 0.2;
const WARMUPS: usize = 2;

pub fn run(bin_dir: &Path, runs: usize) -> Result<(), String> {
    let home = TempHome::new("bench-db-token")?;
    let fake = FakeOci::start(bin_dir, &home.0, PROFILE, REGION)?;
    let config_file = fake.config_file.display().to_string();
    let with_env = |program: &Path, args: &[&str]| {
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::null());
        home.apply(&mut command);
        for leaking in [
            "OCI_CLI_PROFILE",
            "OCI_CLI_CONFIG_FILE",
            "OCI_CLI_AUTH",
            "OCI_CLI_RC_FILE",
            "OCI_CLI_REGION",
        ] {
            command.env_remove(leaking);
        }
        command.env("OCI_CLI_ENDPOINT", &fake.oci_url);
        command
    };
    let db_token_args = ["--profile", PROFILE, "--config-file", config_file.as_str()];
    let ours_path = bin_dir.join("oci-iam-sso");
    let ours = || {
        with_env(
            &ours_path,
            &[&["db-token", "get"][..], &db_token_args].concat(),
        )
    };

    println!(
        "\n`db-token get` against the fake OCI auth service at {} (OCI_CLI_ENDPOINT), \
         profile `{PROFILE}`, a session minted by the fake; every run makes an RSA-2048 key",
        fake.oci_url
    );
    succeeds(ours(), "oci-iam-sso db-token get")?;
    let theirs = |oci: &Path| {
        let args = ["iam", "db-token", "get", "--auth", "security_token"];
        with_env(oci, &[&args[..], &db_token_args].concat())
    };
    // The OCI CLI's row: `Err` says why there is none (never fails the bench).
    let oci = crate::oci_cli::find_or_install()
        .map_err(|why| println!("OCI CLI not available: {why}"))
        .ok();
    // One untimed run first: a refusal by the fake is a finding to report.
    let working_oci = oci.as_ref().filter(|oci| {
        succeeds(theirs(oci), "oci iam db-token get")
            .map_err(|why| {
                println!("{why}");
                println!("the fake's status: {}", status(&fake));
            })
            .is_ok()
    });

    println!("\n{runs} runs each after {WARMUPS} warm-ups, wall time per process\n");
    let our_times = time_runs(runs, WARMUPS, ours)?;
    match (working_oci, &oci) {
        (Some(oci), _) => {
            let their_times = time_runs(runs, WARMUPS, || theirs(oci))?;
            report("oci iam db-token get (OCI CLI)", &their_times, None);
            report(
                "oci-iam-sso db-token get",
                &our_times,
                Some((&their_times, TARGET_RATIO)),
            );
        }
        (None, Some(oci)) => {
            // The OCI CLI cannot do the request here; its start-up alone is still a floor.
            let floor = time_runs(runs, WARMUPS, || with_env(oci, &["--version"]))?;
            report("oci --version (start-up floor only)", &floor, None);
            report(
                "oci-iam-sso db-token get",
                &our_times,
                Some((&floor, TARGET_RATIO)),
            );
            println!("(the ratio is against `oci --version`, not against `oci iam db-token get`)");
        }
        (None, None) => report("oci-iam-sso db-token get", &our_times, None),
    }

    println!();
    memory("oci-iam-sso db-token get", ours());
    if let Some(oci) = working_oci {
        memory("oci iam db-token get", theirs(oci));
    }
    println!("the fake's status: {}", status(&fake));
    Ok(())
}

/// The fake's counters and last rejection, or why they could not be read.
fn status(fake: &FakeOci) -> String {
    fake.status()
        .unwrap_or_else(|e| format!("unavailable ({e})"))
        .trim()
        .to_owned()
}

/// Runs `command` once; `Err` has its exit status and last lines of stderr
/// (neither CLI prints tokens or keys there).
fn succeeds(mut command: Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut tail: Vec<&str> = stderr.lines().rev().take(3).collect();
    tail.reverse();
    Err(format!(
        "{what} failed ({}): {}",
        output.status,
        tail.join(" | ")
    ))
}

fn memory(label: &str, command: Command) {
    match peak_rss_kib(command) {
        Some(kib) => println!("peak memory of `{label}`: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak memory of `{label}`: unknown (/usr/bin/time is not installed)"),
    }
}
