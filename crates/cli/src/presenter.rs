//! The device-login presenter: the URL and code on stderr, and the browser.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oci_iam_sso_domain::{DeviceAuthorization, Presenter, ServiceUrl};

use crate::output;

/// How to open the verification page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browser {
    /// `--no-browser`, or nothing configured.
    None,
    /// A program and its leading arguments; the URL is appended.
    Command(Vec<String>),
}

impl Browser {
    /// `--no-browser` wins, then `--browser-command`, then `$BROWSER`.
    pub fn choose(no_browser: bool, command: Option<&str>, env_browser: Option<String>) -> Self {
        if no_browser {
            return Browser::None;
        }
        let text = command
            .map(str::to_owned)
            .or(env_browser)
            .unwrap_or_default();
        // Split like a shell would for the simple case; quoting is not supported.
        let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        if words.is_empty() {
            Browser::None
        } else {
            Browser::Command(words)
        }
    }
}

#[derive(Debug)]
pub struct StderrPresenter {
    browser: Browser,
    announced_wait: AtomicBool,
}

impl StderrPresenter {
    pub fn new(browser: Browser) -> Self {
        Self {
            browser,
            announced_wait: AtomicBool::new(false),
        }
    }
}

impl Presenter for StderrPresenter {
    fn device_code(&self, authorization: &DeviceAuthorization) {
        output::stderr_line(&format!(
            "To sign in, open {} and enter the code {}",
            authorization.verification_uri, authorization.user_code
        ));
        output::stderr_line(&format!(
            "The code expires in {}.",
            humantime::format_duration(authorization.expires_in)
        ));
    }

    fn open_browser(&self, url: &ServiceUrl) -> Result<(), String> {
        let Browser::Command(words) = &self.browser else {
            return Err("no browser configured".into());
        };
        let (program, args) = words.split_first().ok_or("empty browser command")?;
        let spawned = Command::new(program)
            .args(args)
            .arg(url.as_str())
            .env_remove(oci_iam_sso_adapters_store::KEY_ENV_VAR)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(mut child) => {
                // Reap it in the background so no zombie is left while we poll.
                std::thread::spawn(move || child.wait());
                Ok(())
            }
            Err(e) => {
                let message = format!("could not start the browser `{program}`: {e}");
                output::stderr_line(&format!("{message}; open the URL above yourself"));
                Err(message)
            }
        }
    }

    fn waiting(&self, _next_poll_in: Duration, remaining: Duration) {
        if !self.announced_wait.swap(true, Ordering::Relaxed) {
            output::stderr_line(&format!(
                "Waiting for approval (up to {})...",
                humantime::format_duration(remaining)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_choice() {
        assert_eq!(
            Browser::choose(true, Some("x"), Some("y".into())),
            Browser::None
        );
        assert_eq!(
            Browser::choose(false, Some("firefox --new-window"), Some("y".into())),
            Browser::Command(vec!["firefox".into(), "--new-window".into()])
        );
        assert_eq!(
            Browser::choose(false, None, Some("lynx".into())),
            Browser::Command(vec!["lynx".into()])
        );
        assert_eq!(Browser::choose(false, None, None), Browser::None);
    }
}
