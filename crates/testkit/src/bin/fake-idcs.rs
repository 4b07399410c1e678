//! `fake-idcs`: runs the fake identity domain and its fake resource server on
//! 127.0.0.1 for other processes (the CLI's integration tests, `cargo xtask
//! demo`). Prints its URLs as `key=value` lines, then serves until Ctrl-C.
#![allow(clippy::print_stdout)] // printing the URLs is this binary's output

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig};
use oci_iam_sso_testkit::{FakeIdcsConfig, FakeIdentityDomain};

/// A fake Oracle identity domain (device code and refresh grants) with a fake
/// EPM resource server, for tests and demos. Never use it for anything real.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Port of the identity domain on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A registered client id (repeatable; default `test-client`).
    #[arg(long = "client-id", value_name = "ID")]
    client_ids: Vec<String>,
    /// Approve every new user code at once, as this user.
    #[arg(long, value_name = "USER")]
    auto_approve: Option<String>,
    /// Polls closer together than this many seconds get `slow_down`.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    min_poll_interval: u64,
    /// Answer 404 for the discovery document (to exercise clients' fallback).
    #[arg(long)]
    no_discovery: bool,
    /// A confidential client allowed the token exchange, as ID:SECRET
    /// (repeatable). Without `--with-oci` its exchanges are refused after the
    /// client and token checks (`unauthorized_client`).
    #[arg(long = "confidential-client", value_name = "ID:SECRET", value_parser = id_and_secret)]
    confidential_clients: Vec<(String, String)>,
    /// Also run the fake OCI auth service (console login, session refresh,
    /// database tokens) in this process, minting the token exchange's sessions
    /// with it; prints its URL as `oci_url=`.
    #[arg(long)]
    with_oci: bool,
}

fn id_and_secret(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok((id.to_owned(), secret.to_owned()))
        }
        _ => Err("expected ID:SECRET".to_owned()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = FakeIdcsConfig {
        min_poll_interval: Duration::from_secs(args.min_poll_interval),
        auto_approve: args.auto_approve,
        discovery: !args.no_discovery,
        port: args.port,
        confidential_clients: args.confidential_clients,
        ..FakeIdcsConfig::default()
    };
    if !args.client_ids.is_empty() {
        config.client_ids = args.client_ids;
    }
    let fake = match FakeIdentityDomain::start(config).await {
        Ok(fake) => fake,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("fake-idcs: cannot listen on 127.0.0.1:{}: {e}", args.port);
            }
            return ExitCode::FAILURE;
        }
    };
    let oci = if args.with_oci {
        match FakeOciAuth::start(FakeOciConfig::default()).await {
            Ok(oci) => {
                fake.control().set_session_minter(oci.minter());
                Some(oci)
            }
            Err(e) => {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("fake-idcs: cannot start the fake OCI auth service: {e}");
                }
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    if let Some(oci) = &oci {
        println!("oci_url={}", oci.url());
    }
    println!("domain_url={}", fake.url());
    println!("resource_url={}", fake.resource_url());
    println!("control_url={}", fake.control_url());
    // Readers wait for these lines, and stdout is a pipe (block buffered) for them.
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
