//! Project automation, run as `cargo xtask <task>`:
//!
//! - `ci`    — format check, clippy with `-D warnings` on all targets, every test
//!   (nextest when installed, else `cargo test`), then the doc tests; the
//!   PostgreSQL store's tests against a throwaway cluster (`.ci/pg.sh`), started
//!   here unless `OCI_IAM_SSO_TEST_PG_URL` names one.
//! - `demo`  — the whole mission on the bundled fakes: the identity-domain
//!   journey, then OCI sessions, database tokens and the token exchange.
//! - `bench` — side-by-side timings of the hot paths, printed with ratios and
//!   goals and written to `docs/benchmarks.md` (`db-token get` and `session
//!   validate --local` against the real OCI CLI's, installed into
//!   `target/bench-venv` from PyPI when it is not on PATH).
//! - `man`   — one man page per command into `target/man` (or the directory
//!   given), written by the CLI binary's hidden `__man` command.
//!
//! Only std: xtask must build fast on a clean machine.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod bench_db_token;
mod bench_token;
mod demo;
mod demo_oci;
mod oci_cli;
mod process;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("demo") => demo::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("man") => man(args.get(1).map(String::as_str)),
        _ => {
            eprintln!("usage: cargo xtask <ci | demo | bench | man>");
            eprintln!("  ci     format check, clippy -D warnings, all tests (what .ci/run runs)");
            eprintln!(
                "  demo   the whole mission on the bundled fakes: identity-domain tokens, OCI sessions, db tokens"
            );
            eprintln!(
                "  bench  time `token` against `cat`, 64 concurrent `token`s, and `db-token get`"
            );
            eprintln!("         and `session validate --local` against the OCI CLI's");
            eprintln!("         ([RUNS] [--slow-runs N]); writes docs/benchmarks.md");
            eprintln!("  man    one man page per command into target/man ([DIR])");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the CLI and has it write its man pages: clap_mangen stays a
/// dependency of the binary, which has the command tree, not of xtask.
fn man(dir: Option<&str>) -> Result<(), String> {
    let dir = dir.map_or_else(
        || process::target_dir().join("man"),
        std::path::PathBuf::from,
    );
    process::cargo(&[
        "build",
        "--quiet",
        "--locked",
        "-p",
        "oci-iam-sso",
        "--bin",
        "oci-iam-sso",
    ])?;
    let bin = process::target_dir().join("debug").join("oci-iam-sso");
    let status = std::process::Command::new(&bin)
        .arg("__man")
        .arg(&dir)
        .status()
        .map_err(|e| format!("could not run {}: {e}", bin.display()))?;
    if !status.success() {
        return Err(format!("`oci-iam-sso __man` failed ({status})"));
    }
    println!(
        "xtask man: read one with `man -l {}`",
        dir.join("oci-iam-sso-login.1").display()
    );
    Ok(())
}

fn ci() -> Result<(), String> {
    use process::cargo;
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        // Lints the feature-gated `fake-oci` binary too.
        "--all-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    // The PostgreSQL store's tests need a server: a throwaway cluster on
    // 127.0.0.1 (`.ci/pg.sh`), unless OCI_IAM_SSO_TEST_PG_URL names one.
    let cluster = process::TestCluster::start()?;
    let env = [(process::TEST_PG_URL_VAR, cluster.url.as_str())];
    if process::has_nextest() {
        process::cargo_with_env(
            &[
                "nextest",
                "run",
                "--workspace",
                "--all-features",
                "--locked",
                "--no-fail-fast",
            ],
            &env,
        )?;
        process::cargo_with_env(
            &["test", "--workspace", "--all-features", "--locked", "--doc"],
            &env,
        )?;
    } else {
        process::cargo_with_env(
            &[
                "test",
                "--workspace",
                "--all-features",
                "--locked",
                "--no-fail-fast",
            ],
            &env,
        )?;
    }
    drop(cluster);
    println!("xtask ci: all checks passed");
    Ok(())
}
