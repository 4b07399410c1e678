//! `fake-browser URL`: a scripted browser for the fake OCI console, so that
//! `session authenticate --browser-command fake-browser` completes a login
//! with no person and no real browser (`cargo xtask demo` uses it).
//!
//! It does what the console and the login page do in a browser: follows the
//! console's redirect to the loopback listener, loads its page, and sends the
//! URL fragment back as `GET /token?…`. Never use it for anything real.
#![allow(clippy::print_stderr)] // this binary's only output is its failure

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: fake-browser URL");
        return ExitCode::from(2);
    };
    match oci_iam_sso_testkit::oci::complete_login(&url) {
        Ok(200) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("fake-browser: the login listener answered {status}");
            ExitCode::FAILURE
        }
        Err(problem) => {
            eprintln!("fake-browser: {problem}");
            ExitCode::FAILURE
        }
    }
}
