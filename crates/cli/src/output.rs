//! The only place that writes to stdout and stderr. Commands build text and
//! hand it to the app's [`Output`]; errors are printed once, by `main`,
//! through [`Output::error`].
//!
//! stdout is for what scripts read (a token, JSON, a body, the OCI commands'
//! report), stderr for the person at the terminal. In tests an [`Output`] can
//! keep the text in memory instead ([`Output::memory`]).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use crate::failure::Failure;

/// Where a run's text goes: the process's stdout and stderr, or memory.
/// Cheap to clone; clones share the destination.
#[derive(Debug, Clone)]
pub struct Output {
    sink: Sink,
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
        }
    }

    /// Keeps the text in memory, for tests ([`Output::stdout_text`]).
    pub fn memory() -> Self {
        Self {
            sink: Sink::Memory(Arc::default()),
        }
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

    /// A line for the person at the terminal.
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

/// A line on stderr for code that has no [`Output`] at hand (the use cases'
/// notices, `notices::StderrNotices`): the terminal's, like the app's.
pub fn stderr_line(text: &str) {
    Output::terminal().stderr_line(text);
}

/// Whole seconds as `1h 2m 3s` (no sub-second noise), for the lines people read.
pub(crate) fn human_duration(duration: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(duration.as_secs())).to_string()
}
