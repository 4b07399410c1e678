//! The only place that writes to stdout and stderr. Commands build text and
//! hand it to the app's [`Output`]; errors are printed once, by `main`,
//! through [`Output::error`].
//!
//! stdout is data (a token, JSON, a body, a table scripts read), stderr is
//! for the person at the terminal. `--output json` turns a command's report
//! into one JSON document on stdout ([`Output::json`], shapes in
//! `crate::reports`); `--quiet` drops the
//! lines for people ([`Output::info`]) but never data nor an error. In tests
//! an [`Output`] can keep the text in memory instead ([`Output::memory`]).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use crate::failure::Failure;

/// How a command reports: lines for people, or one JSON document on stdout
/// (`--output text|json`, OCI_IAM_SSO_OUTPUT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
// No doc comments on the variants: clap would turn them into a "Possible
// values" list that switches every command's help to the long layout.
pub enum OutputFormat {
    // Lines for people on stderr; only data on stdout.
    #[default]
    Text,
    // One JSON document on stdout (see "JSON output" in docs/cli.md) in
    // place of the report's lines; warnings still go to stderr.
    Json,
}

/// Where a run's text goes: the process's stdout and stderr, or memory, and
/// in which format and how talkatively. Cheap to clone; clones share the
/// destination.
#[derive(Debug, Clone)]
pub struct Output {
    sink: Sink,
    format: OutputFormat,
    quiet: bool,
}

#[derive(Debug, Clone)]
enum Sink {
    Terminal,
    Memory(Arc<Mutex<Captured>>),
}

/// What a memory sink was given; stderr is kept too, so a test prints nothing.
#[derive(Debug, Default)]
struct Captured {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Output {
    /// The process's stdout and stderr.
    pub fn terminal() -> Self {
        Self {
            sink: Sink::Terminal,
            format: OutputFormat::Text,
            quiet: false,
        }
    }

    /// Keeps the text in memory, for tests ([`Output::stdout_text`]).
    pub fn memory() -> Self {
        Self {
            sink: Sink::Memory(Arc::default()),
            format: OutputFormat::Text,
            quiet: false,
        }
    }

    /// The same destination, reporting in `format`, and with `quiet` saying
    /// nothing for people on success.
    pub fn with_mode(self, format: OutputFormat, quiet: bool) -> Self {
        Self {
            format,
            quiet,
            ..self
        }
    }

    /// Whether the report is one JSON document on stdout.
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// `--quiet`: no line for people on success.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// A line for people about what happened ("Added profile…", "Next: …"),
    /// on stderr; nothing with `--quiet`.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            self.stderr_line(text);
        }
    }

    /// `value` as one line of JSON on stdout, flushed: the report of a
    /// command run with `--output json`. A failed write (a closed pipe) is
    /// an error, as the report is what the command is for.
    pub fn json<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<(), Failure> {
        let text = serde_json::to_string(value).map_err(|e| {
            Failure::cli(
                format!("cannot encode the JSON output: {e}"),
                None,
                crate::remedy::exit::FAILURE,
            )
        })?;
        self.try_stdout_line(&text).map_err(|e| {
            Failure::cli(
                format!("cannot write the output: {e}"),
                None,
                crate::remedy::exit::FAILURE,
            )
        })
    }

    /// What was written to stderr so far (always empty for the terminal).
    pub fn stderr_text(&self) -> String {
        self.captured(|c| String::from_utf8_lossy(&c.stderr).into_owned())
    }

    /// What was written to stdout so far (always empty for the terminal).
    pub fn stdout_text(&self) -> String {
        self.captured(|c| String::from_utf8_lossy(&c.stdout).into_owned())
    }

    /// A line on stdout (a token, JSON, a table row): what scripts read.
    pub fn stdout_line(&self, text: &str) {
        match &self.sink {
            Sink::Terminal => println!("{text}"),
            Sink::Memory(_) => self.remember(|c| line(&mut c.stdout, text)),
        }
    }

    /// A line on stdout, flushed, with the failure to write it returned
    /// instead of ending the process (the OCI commands report it as an error).
    pub fn try_stdout_line(&self, text: &str) -> std::io::Result<()> {
        match &self.sink {
            Sink::Terminal => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{text}").and_then(|()| out.flush())
            }
            Sink::Memory(_) => {
                self.remember(|c| line(&mut c.stdout, text));
                Ok(())
            }
        }
    }

    /// Raw bytes on stdout (a response body), flushed.
    pub fn stdout_bytes(&self, bytes: &[u8]) {
        match &self.sink {
            Sink::Terminal => {
                let mut out = std::io::stdout().lock();
                // A closed pipe (`| head`) is not an error worth reporting.
                let _ = out.write_all(bytes);
                let _ = out.flush();
            }
            Sink::Memory(_) => self.remember(|c| c.stdout.extend_from_slice(bytes)),
        }
    }

    /// A line for the person at the terminal, even with `--quiet` (a
    /// warning that needs action, the code a login needs approved); prefer
    /// [`Output::info`] for what merely reports success.
    pub fn stderr_line(&self, text: &str) {
        match &self.sink {
            Sink::Terminal => eprintln!("{text}"),
            Sink::Memory(_) => self.remember(|c| line(&mut c.stderr, text)),
        }
    }

    /// The error, once: `error: …` and, when there is one, `  hint: …`.
    pub fn error(&self, failure: &Failure) {
        self.stderr_line(&format!("error: {}", failure.message()));
        if let Some(hint) = failure.hint() {
            self.stderr_line(&format!("  hint: {hint}"));
        }
    }

    fn remember(&self, write: impl FnOnce(&mut Captured)) {
        if let Sink::Memory(captured) = &self.sink {
            write(&mut captured.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    fn captured(&self, read: impl FnOnce(&Captured) -> String) -> String {
        match &self.sink {
            Sink::Terminal => String::new(),
            Sink::Memory(captured) => {
                read(&captured.lock().unwrap_or_else(PoisonError::into_inner))
            }
        }
    }
}

fn line(buffer: &mut Vec<u8>, text: &str) {
    buffer.extend_from_slice(text.as_bytes());
    buffer.push(b'\n');
}

/// Whole seconds as `1h 2m 3s` (no sub-second noise), for the lines people read.
pub(crate) fn human_duration(duration: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(duration.as_secs())).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_drops_the_lines_that_report_success_only() {
        let out = Output::memory().with_mode(OutputFormat::Text, true);
        out.info("Added profile `epm`.");
        out.stderr_line("warning: act on this");
        out.stdout_line("the token");
        assert_eq!(out.stderr_text(), "warning: act on this\n");
        assert_eq!(out.stdout_text(), "the token\n");
        let loud = Output::memory();
        loud.info("Added profile `epm`.");
        assert_eq!(loud.stderr_text(), "Added profile `epm`.\n");
        assert!(!loud.is_quiet() && !loud.is_json());
    }

    #[test]
    fn json_is_one_line_on_stdout_in_the_declared_order() {
        #[derive(serde::Serialize)]
        struct Shape {
            zeta: u8,
            alpha: Option<&'static str>,
        }
        let out = Output::memory().with_mode(OutputFormat::Json, false);
        assert!(out.is_json());
        out.json(&Shape {
            zeta: 1,
            alpha: None,
        })
        .expect("written");
        assert_eq!(out.stdout_text(), "{\"zeta\":1,\"alpha\":null}\n");
        assert_eq!(out.stderr_text(), "");
    }
}
