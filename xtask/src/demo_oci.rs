//! The OCI half of `cargo xtask demo`: a session profile with no API key, a
//! browser login at the fake console (a scripted browser clicks through),
//! validation, refresh, a database token with its files, and a session made
//! from an identity-domain login by the token exchange, with no browser.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::demo::{Cli, login};
use crate::process::FakeIdcs;

/// The tenancy the fake console logs everyone in to.
const FAKE_TENANCY: &str = "ocid1.tenancy.oc1..faketenancy";
const REGION: &str = "us-ashburn-1";
const OCI_PROFILE: &str = "demo-oci";
const EXCHANGED_PROFILE: &str = "demo-exchanged";
/// The confidential client the fake identity domain lets exchange tokens.
pub const CONFIDENTIAL_CLIENT: &str = "demo-confidential-app";
pub const CONFIDENTIAL_SECRET: &str = "demo-SECRET-5b7e";
const SECRET_VAR: &str = "DEMO_CLIENT_SECRET";

pub fn run(cli: &Cli<'_>, fake: &FakeIdcs, bin_dir: &Path, home: &Path) -> Result<(), String> {
    let endpoint = fake.oci_url.as_str();
    println!("---- the OCI half: session and database tokens (fake OCI at {endpoint}) ----\n");
    cli.step(
        "write an OCI config profile: a tenancy and a region, no API key",
        &[
            "setup",
            "config",
            "--tenancy",
            FAKE_TENANCY,
            "--region",
            REGION,
            "--profile",
            OCI_PROFILE,
        ],
    )?;
    let browser = bin_dir.join("fake-browser").display().to_string();
    cli.step(
        "log in with a browser (the fake console; a scripted browser clicks through)",
        &[
            "session",
            "authenticate",
            "--profile",
            OCI_PROFILE,
            "--port",
            "0",
            "--browser-command",
            &browser,
            "--endpoint",
            endpoint,
        ],
    )?;
    cli.step(
        "validate the session with the service",
        &[
            "session",
            "validate",
            "--profile",
            OCI_PROFILE,
            "--endpoint",
            endpoint,
        ],
    )?;
    cli.step(
        "refresh the session (the key pair stays)",
        &[
            "session",
            "refresh",
            "--profile",
            OCI_PROFILE,
            "--endpoint",
            endpoint,
        ],
    )?;
    let db_dir = home.join(".oci/db-token");
    let db_dir_text = db_dir.display().to_string();
    cli.step(
        "get a database token (what sqlnet's TOKEN_AUTH=OCI_TOKEN reads)",
        &[
            "db-token",
            "get",
            "--profile",
            OCI_PROFILE,
            "--db-token-location",
            &db_dir_text,
            "--endpoint",
            endpoint,
        ],
    )?;
    show_files(&db_dir)?;
    show_files(&home.join(".oci/sessions").join(OCI_PROFILE))?;

    cli.step_with_env(
        "add an identity-domain profile for a confidential client (its secret from a variable)",
        &[
            "profile",
            "add",
            "demo-confidential",
            "--domain-url",
            &fake.domain_url,
            "--client-id",
            CONFIDENTIAL_CLIENT,
            "--client-secret-env",
            SECRET_VAR,
        ],
        &[(SECRET_VAR, CONFIDENTIAL_SECRET)],
    )?;
    login(cli, fake, "demo-confidential")?;
    cli.step(
        "make an OCI session from that login, with no browser (token exchange)",
        &[
            "session",
            "exchange",
            "--idcs-profile",
            "demo-confidential",
            "--profile",
            EXCHANGED_PROFILE,
            "--region",
            REGION,
            "--endpoint",
            endpoint,
        ],
    )?;
    cli.step(
        "validate the exchanged session with the service",
        &[
            "session",
            "validate",
            "--profile",
            EXCHANGED_PROFILE,
            "--endpoint",
            endpoint,
        ],
    )?;
    let exchanged_source = format!("{EXCHANGED_PROFILE}:demo-confidential");
    cli.step(
        "keep everything alive once, as a systemd timer or cron would (nothing is due yet)",
        &[
            "keep",
            "--once",
            "--session",
            &exchanged_source,
            "--db-token",
            "--db-token-profile",
            OCI_PROFILE,
            "--db-token-location",
            &db_dir_text,
            "--idcs",
            "demo-confidential",
            "--endpoint",
            endpoint,
        ],
    )?;
    cli.step(
        "a kubectl credential for an OKE cluster (what `oke kubeconfig` wires into kubectl)",
        &[
            "oke",
            "token",
            "--cluster-id",
            "ocid1.cluster.oc1.iad.aaaademo",
            "--profile",
            OCI_PROFILE,
            "--endpoint",
            endpoint,
        ],
    )?;
    Ok(())
}

/// Lists a directory's files with their modes, as `ls -l` would show them.
fn show_files(dir: &Path) -> Result<(), String> {
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| format!("{:o}", m.permissions().mode() & 0o777))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    println!("    {} (mode {})", dir.display(), mode(dir)?);
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        println!("      {:<28} mode {}", name.to_string_lossy(), mode(&path)?);
    }
    println!();
    Ok(())
}
