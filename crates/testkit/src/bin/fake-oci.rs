//! `fake-oci`: runs the fake OCI auth service on 127.0.0.1 for other processes
//! (`cargo xtask bench`, which times our CLI and the real OCI CLI against it).
//! Prints its URLs as `key=value` lines, then serves until killed.
//!
//! With `--write-session-for-home DIR` it also logs a session in for a profile
//! of `DIR/.oci/config`, writing the files as `session authenticate` does, so a
//! benchmark needs no browser. A small control API under `/_testkit/` (its own
//! port) mints sessions for a given public key and reports the counters and the
//! last rejection reason.
#![allow(clippy::print_stdout, clippy::print_stderr)] // this binary's output

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use clap::Parser;
use oci_iam_sso_adapters_store::FsOciFiles;
use oci_iam_sso_adapters_store::generate_key_pair;
use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{KeySize, OciFiles as _, OciProfileName};
use oci_iam_sso_testkit::oci::{FAKE_TENANCY, FakeOciAuth, FakeOciConfig, FakeOciControl};
use serde_json::{Value, json};

/// A fake OCI auth service (session refresh, database tokens, regions, console
/// login) checking request signatures as OCI does. Never use it for anything real.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Port of the auth service on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Log in a session whose files go under DIR/.oci (DIR is a HOME).
    #[arg(long, value_name = "DIR")]
    write_session_for_home: Option<PathBuf>,
    /// Profile of that session.
    #[arg(long, default_value = OciProfileName::DEFAULT, requires = "write_session_for_home")]
    profile: String,
    /// Region of that session.
    #[arg(
        long,
        default_value = "us-ashburn-1",
        requires = "write_session_for_home"
    )]
    region: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fake-oci: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let config = FakeOciConfig {
        port: args.port,
        ..FakeOciConfig::default()
    };
    let fake = FakeOciAuth::start(config)
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let control = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen for the control API: {e}"))?;
    let control_url = format!(
        "http://{}/_testkit",
        control.local_addr().map_err(|e| e.to_string())?
    );
    let router = Router::new()
        .route("/_testkit/sessions", post(mint_session))
        .route("/_testkit/status", post(status))
        .with_state(fake.control());
    tokio::spawn(async move {
        // Serving ends only with an I/O error; the caller then fails on its requests.
        let _ = axum::serve(control, router).await;
    });

    if let Some(home) = &args.write_session_for_home {
        let config_file = write_session(&fake, home, &args.profile, &args.region).await?;
        println!("config_file={}", config_file.display());
        println!("profile={}", args.profile);
    }
    println!("oci_url={}", fake.url());
    println!("control_url={control_url}");
    // Readers wait for these lines, and stdout is a pipe (block buffered) for them.
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// Writes a new session for `profile` as `session authenticate` would, with a
/// key pair made here and a token of this fake; returns the config file's path.
async fn write_session(
    fake: &FakeOciAuth,
    home: &std::path::Path,
    profile: &str,
    region: &str,
) -> Result<PathBuf, String> {
    let config_file = home
        .join(oci_iam_sso_domain::oci::layout::OCI_DIR)
        .join(oci_iam_sso_domain::oci::layout::CONFIG_FILE);
    let files = FsOciFiles::new(config_file.clone(), home.to_path_buf(), None);
    let region = files.region(region).map_err(|e| e.to_string())?;
    let name = OciProfileName::new(profile).map_err(|e| e.to_string())?;
    let key = generate_key_pair(KeySize::Rsa2048)?;
    let token = fake.control().mint_session(&key.public_pem)?;
    files
        .save_new_session(
            &name,
            &region,
            &oci_iam_sso_domain::oci::TenancyOcid::parse(FAKE_TENANCY)
                .map_err(|e| e.to_string())?,
            &key,
            &SessionToken::new(token),
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(config_file)
}

#[derive(serde::Deserialize)]
struct MintRequest {
    public_key_pem: String,
}

/// A session bound to the given public key, as a browser login would mint it.
async fn mint_session(
    State(control): State<FakeOciControl>,
    Json(body): Json<MintRequest>,
) -> Json<Value> {
    match control.mint_session(&body.public_key_pem) {
        Ok(token) => Json(json!({ "token": token })),
        Err(e) => Json(json!({ "error": e })),
    }
}

/// The counters and why the last signed request was refused (POST, so a
/// std-only client with one POST helper can read it).
async fn status(State(control): State<FakeOciControl>) -> Json<Value> {
    let counters = control.counters();
    Json(json!({
        "refreshes": counters.refreshes,
        "db_tokens": counters.db_tokens,
        "validations": counters.validations,
        "signature_failures": counters.signature_failures,
        "last_rejection": control.last_rejection().map(|r| format!("{r:?}")),
    }))
}
