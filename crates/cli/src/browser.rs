//! The one browser launcher, for the device login (`login`) and the OCI
//! browser login (`session authenticate`): which program opens a URL, and
//! starting it so that it inherits no store secret.
//!
//! Both commands choose alike: `--no-browser` wins, then `--browser-command`,
//! then `$BROWSER`, then the command's own default: the system's opener for
//! both, except that `login`, whose code works on any device, does not try
//! it over SSH or without a display (see `presenter::Screen`).

use std::process::{Command, Stdio};

/// The program that opens a URL in the desktop's browser: `open` on macOS,
/// `xdg-open` elsewhere (freedesktop.org xdg-utils).
pub const SYSTEM_OPENER: &str = if cfg!(target_os = "macos") {
    "open"
} else {
    "xdg-open"
};

/// How to open a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browser {
    /// `--no-browser`, or nothing configured.
    None,
    /// A program and its leading arguments; the URL is appended.
    Command(Vec<String>),
}

/// Why the browser did not start.
#[derive(Debug)]
pub enum LaunchError {
    /// There is no browser to start ([`Browser::None`]).
    NotConfigured,
    /// The program could not be started.
    Spawn {
        program: String,
        error: std::io::Error,
    },
}

impl Browser {
    /// `--no-browser` wins, then `--browser-command`, then `$BROWSER` (when
    /// set and not blank), then `default`. A command is split at whitespace
    /// like a shell would for the simple case; quoting is not supported.
    pub fn choose(
        no_browser: bool,
        command: Option<&str>,
        env_browser: Option<String>,
        default: Option<&str>,
    ) -> Self {
        if no_browser {
            return Browser::None;
        }
        let text = command
            .map(str::to_owned)
            .or(env_browser.filter(|b| !b.trim().is_empty()))
            .or(default.map(str::to_owned))
            .unwrap_or_default();
        let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        if words.is_empty() {
            Browser::None
        } else {
            Browser::Command(words)
        }
    }

    /// [`Browser::choose`] with `$BROWSER` from the environment.
    pub fn from_env(no_browser: bool, command: Option<&str>, default: Option<&str>) -> Self {
        Self::choose(no_browser, command, std::env::var("BROWSER").ok(), default)
    }

    /// Starts the browser with `url` as its last argument and does not wait
    /// for it (a thread reaps it, so no zombie is left while the login waits).
    /// The browser inherits neither the store key variable nor `secret_var`
    /// (the variable a store passphrase was read from, when one was): it has
    /// no business with them.
    pub fn open(&self, url: &str, secret_var: Option<&str>) -> Result<(), LaunchError> {
        self.open_watched(url, secret_var, |_, _| {})
    }

    /// [`Browser::open`], and `failed(program, status)` is called (from the
    /// reaping thread) when the program exits unsuccessfully: `xdg-open`
    /// starts fine and then finds no browser to hand the URL to.
    pub fn open_watched(
        &self,
        url: &str,
        secret_var: Option<&str>,
        failed: impl FnOnce(String, String) + Send + 'static,
    ) -> Result<(), LaunchError> {
        let Browser::Command(words) = self else {
            return Err(LaunchError::NotConfigured);
        };
        let (program, args) = words.split_first().ok_or(LaunchError::NotConfigured)?;
        let mut command = Command::new(program);
        command
            .args(args)
            .arg(url)
            .env_remove(oci_iam_sso_adapters_store::KEY_ENV_VAR)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(var) = secret_var {
            command.env_remove(var);
        }
        let mut child = command.spawn().map_err(|error| LaunchError::Spawn {
            program: program.clone(),
            error,
        })?;
        let program = program.clone();
        std::thread::spawn(move || match child.wait() {
            Ok(status) if !status.success() => failed(program, status.to_string()),
            _ => {}
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly on purpose

    use super::*;

    #[test]
    fn the_flag_wins_then_browser_then_the_default() {
        assert_eq!(
            Browser::choose(true, Some("x"), Some("y".into()), Some("z")),
            Browser::None
        );
        assert_eq!(
            Browser::choose(false, Some("firefox --new-window"), Some("y".into()), None),
            Browser::Command(vec!["firefox".into(), "--new-window".into()])
        );
        assert_eq!(
            Browser::choose(false, None, Some("lynx".into()), Some("z")),
            Browser::Command(vec!["lynx".into()])
        );
        assert_eq!(Browser::choose(false, None, None, None), Browser::None);
        assert_eq!(
            Browser::choose(false, None, Some(" ".into()), Some(SYSTEM_OPENER)),
            Browser::Command(vec![SYSTEM_OPENER.into()])
        );
        // An empty command given on purpose is no browser, not the default.
        assert_eq!(
            Browser::choose(false, Some(""), None, Some(SYSTEM_OPENER)),
            Browser::None
        );
    }

    #[test]
    fn a_missing_program_is_a_spawn_error_naming_it() {
        let browser = Browser::Command(vec!["/nonexistent/oci-iam-sso-browser".into()]);
        match browser.open("http://localhost:1/", None) {
            Err(LaunchError::Spawn { program, .. }) => {
                assert_eq!(program, "/nonexistent/oci-iam-sso-browser");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Browser::None.open("http://localhost:1/", None),
            Err(LaunchError::NotConfigured)
        ));
    }
}
