//! Project automation, run as `cargo xtask <task>`:
//!
//! - `ci`    — format check, clippy with `-D warnings` on all targets, every test
//!   (nextest when installed, else `cargo test`), then the doc tests; the
//!   PostgreSQL store's tests against a throwaway cluster (`.ci/pg.sh`), started
//!   here unless `OCI_IAM_SSO_TEST_PG_URL` names one.
//! - `demo`  — the whole mission on the bundled fakes: the identity-domain
//!   journey, then OCI sessions, database tokens and the token exchange.
//! - `bench` — side-by-side timings of the hot paths, printed with ratios
//!   (`db-token get` against the real OCI CLI's, installed into
//!   `target/bench-venv` from PyPI when it is not on PATH).
//!
//! Only std: xtask must build fast on a clean machine.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod bench_db_token;
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
        _ => {
            eprintln!("usage: cargo xtask <ci | demo | bench>");
            eprintln!("  ci     format check, clippy -D warnings, all tests (what .ci/run runs)");
            eprintln!(
                "  demo   the whole mission on the bundled fakes: identity-domain tokens, OCI sessions, db tokens"
            );
            eprintln!("  bench  time `token` on a cache hit against `cat`, and `db-token get`");
            eprintln!("         against the OCI CLI's ([RUNS] [--db-token-runs N])");
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
                "--locked",
                "--no-fail-fast",
            ],
            &env,
        )?;
        process::cargo_with_env(&["test", "--workspace", "--locked", "--doc"], &env)?;
    } else {
        process::cargo_with_env(&["test", "--workspace", "--locked", "--no-fail-fast"], &env)?;
    }
    drop(cluster);
    println!("xtask ci: all checks passed");
    Ok(())
}
