//! The `oci-iam-sso` command line: argument parsing, settings, the composition
//! root that picks adapters, and one module per command.
//!
//! What lives here: everything that is about the process (flags, environment,
//! files, exit codes, what is printed). What does not: token rules, which are
//! the domain's use cases, and I/O with servers and the store, which the
//! adapter crates do.

mod args;
mod browser;
mod clock;
mod commands;
mod compose;
mod failure;
mod notices;
mod oci;
mod output;
mod presenter;
mod remedy;
mod reports;
mod settings;

pub use args::Cli;
pub use failure::Failure;
pub use output::{Output, OutputFormat};

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: args::Cli) -> Result<u8, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::cli(format!("cannot start the async runtime: {e}"), None, 1))?;
    let out = output::Output::terminal().with_mode(cli.global.output, cli.global.quiet);
    let app = compose::App::new(cli.global, out);
    runtime.block_on(commands::dispatch(&app, cli.command))
}
