//! The only place that writes to stdout and stderr. Commands build text and
//! hand it here; errors are printed once, by `main`, through [`error`].
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;

use crate::failure::Failure;

/// A line on stdout (a token, JSON, a table row): what scripts read.
pub fn stdout_line(text: &str) {
    println!("{text}");
}

/// Raw bytes on stdout (a response body), flushed.
pub fn stdout_bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

/// A line for the person at the terminal.
pub fn stderr_line(text: &str) {
    eprintln!("{text}");
}

/// The error, once: `error: …` and, when there is one, `  hint: …`.
pub fn error(failure: &Failure) {
    eprintln!("error: {}", failure.message());
    if let Some(hint) = failure.hint() {
        eprintln!("  hint: {hint}");
    }
}
