//! The `oci-iam-sso` binary: parse, run, print the error once, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors (and --help, --version) exit here, with clap's code 2 (0 for help).
    let cli = oci_iam_sso::Cli::parse();
    match oci_iam_sso::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            oci_iam_sso::output::Output::terminal().error(&failure);
            ExitCode::from(failure.exit_code())
        }
    }
}
