//! Fitting the shell: `completions SHELL` prints a completion script on
//! stdout, and the hidden `__man DIR` writes one man page per command (what
//! `cargo xtask man` runs, so that xtask does not link clap itself).

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs, ManArgs};
use crate::compose::App;
use crate::failure::Failure;
use crate::remedy::exit;

const BIN: &str = "oci-iam-sso";

pub fn completions(app: &App, args: &CompletionsArgs) -> Result<u8, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut without_hidden(Cli::command()),
        BIN,
        &mut script,
    );
    app.out.stdout_bytes(&script);
    Ok(exit::OK)
}

/// The command tree without its hidden commands (`__man`), which the
/// completion generators would otherwise offer.
fn without_hidden(full: clap::Command) -> clap::Command {
    let visible: Vec<clap::Command> = full
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    let mut clean = clap::Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(visible)
        .subcommand_required(true);
    if let Some(about) = full.get_about() {
        clean = clean.about(about.clone());
    }
    clean
}

pub fn man(app: &App, args: &ManArgs) -> Result<u8, Failure> {
    let cannot = |e: std::io::Error| {
        Failure::cli(
            format!("cannot write the man pages to {}: {e}", args.dir.display()),
            None,
            exit::FAILURE,
        )
    };
    std::fs::create_dir_all(&args.dir).map_err(cannot)?;
    // One page per visible command, named like git's and cargo's:
    // oci-iam-sso.1, oci-iam-sso-login.1, oci-iam-sso-profile-add.1, ...
    clap_mangen::generate_to(Cli::command(), &args.dir).map_err(cannot)?;
    let written = std::fs::read_dir(&args.dir)
        .map_err(cannot)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".1"))
        .count();
    app.out
        .info(&format!("{written} man pages in {}.", args.dir.display()));
    Ok(exit::OK)
}
