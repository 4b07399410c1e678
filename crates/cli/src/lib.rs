//! The `oci-iam-sso` command line: argument parsing, settings, the composition
//! root that picks adapters, and one module per command.
//!
//! What lives here: everything that is about the process (flags, environment,
//! files, exit codes, what is printed). What does not: token rules, which are
//! the domain's use cases, and I/O with servers and the store, which the
//! adapter crates do.

pub mod cli;
pub mod clock;
pub mod commands;
pub mod compose;
pub mod failure;
pub mod notices;
pub mod oci;
pub mod output;
pub mod presenter;
pub mod remedy;
pub mod settings;

pub use failure::Failure;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: cli::args::Cli) -> Result<u8, Failure> {
    use cli::args::Command;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::cli(format!("cannot start the async runtime: {e}"), None, 1))?;
    // The OCI commands work on ~/.oci files, not on the token store: they need
    // neither its settings nor its key, so a problem there must not stop them.
    let mut stdout = std::io::stdout().lock();
    let oci = match cli.command {
        // The one OCI command that needs the token store (an identity-domain
        // login): it gets the settings the identity-domain commands get.
        Command::Session {
            oci,
            command: oci::SessionCommand::Exchange(args),
        } => {
            let settings = settings::load(&cli.global, &|name| std::env::var(name).ok())?;
            return runtime
                .block_on(oci::run_exchange(args, &oci, settings, &mut stdout))
                .map(|()| remedy::exit::OK);
        }
        Command::Setup { oci, command } => {
            runtime.block_on(oci::run_setup(command, &oci, &mut stdout))
        }
        Command::Session { oci, command } => {
            runtime.block_on(oci::run_session(command, &oci, &mut stdout))
        }
        Command::DbToken { oci, command } => {
            runtime.block_on(oci::run_db_token(command, &oci, &mut stdout))
        }
        command => {
            drop(stdout);
            let settings = settings::load(&cli.global, &|name| std::env::var(name).ok())?;
            return runtime.block_on(commands::dispatch(command, settings));
        }
    };
    oci.map(|()| remedy::exit::OK).map_err(Failure::from)
}
