//! The OCI flags parse under a top level shaped like the CLI's, which has a
//! global `--profile` of its own (`args::Command` flattens
//! [`OciGlobalArgs`] into each OCI command the same way).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::path::Path;

use clap::{CommandFactory as _, Parser, Subcommand};

use super::*;

/// A top level shaped like the CLI's: a global `--profile` of its own, and the
/// OCI commands with [`OciGlobalArgs`] flattened into each.
#[derive(Debug, Parser)]
struct TopLevel {
    #[arg(long, global = true)]
    profile: Option<String>,
    #[command(subcommand)]
    command: Top,
}

#[derive(Debug, Subcommand)]
enum Top {
    Setup {
        #[command(flatten)]
        oci: OciGlobalArgs,
        #[command(subcommand)]
        command: SetupCommand,
    },
    Session {
        #[command(flatten)]
        oci: OciGlobalArgs,
        #[command(subcommand)]
        command: SessionCommand,
    },
    DbToken {
        #[command(flatten)]
        oci: OciGlobalArgs,
        #[command(subcommand)]
        command: DbTokenCommand,
    },
}

#[test]
fn the_commands_parse_under_a_top_level_with_its_own_profile_flag() {
    TopLevel::command().debug_assert();
    let parsed = TopLevel::try_parse_from([
        "x",
        "session",
        "authenticate",
        "--profile",
        "work",
        "--region",
        "us-ashburn-1",
        "--no-browser",
        "--port",
        "9999",
    ])
    .unwrap();
    let Top::Session {
        oci,
        command: SessionCommand::Authenticate(args),
    } = parsed.command
    else {
        panic!()
    };
    assert_eq!(args.profile.profile.as_deref(), Some("work"));
    assert_eq!(oci.region.as_deref(), Some("us-ashburn-1"));
    assert_eq!(args.port, 9999);
    let parsed = TopLevel::try_parse_from([
        "x",
        "db-token",
        "get",
        "--key-size",
        "4096",
        "--config-file",
        "/c",
    ])
    .unwrap();
    let Top::DbToken {
        oci,
        command: DbTokenCommand::Get(args),
    } = parsed.command
    else {
        panic!()
    };
    assert_eq!(args.key_size, 4096);
    assert_eq!(oci.config_file.as_deref(), Some(Path::new("/c")));
    assert!(TopLevel::try_parse_from(["x", "db-token", "get", "--key-size", "1024"]).is_err());
    let parsed = TopLevel::try_parse_from([
        "x",
        "setup",
        "config",
        "--tenancy",
        "ocid1.tenancy.oc1..t",
        "--region",
        "r-1",
    ])
    .unwrap();
    assert!(matches!(parsed.command, Top::Setup { .. }));
}
