//! The device-login presenter: the URL and code on stderr, and the browser
//! (started by the one launcher, [`crate::browser`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oci_iam_sso_domain::{DeviceAuthorization, Presenter, ServiceUrl};

use crate::browser::{Browser, LaunchError};
use crate::output::Output;

#[derive(Debug)]
pub struct StderrPresenter {
    browser: Browser,
    /// The store passphrase's variable, kept from the browser.
    secret_var: Option<String>,
    out: Output,
    announced_wait: AtomicBool,
}

impl StderrPresenter {
    pub fn new(browser: Browser, secret_var: Option<&str>, out: Output) -> Self {
        Self {
            browser,
            secret_var: secret_var.map(str::to_owned),
            out,
            announced_wait: AtomicBool::new(false),
        }
    }
}

impl Presenter for StderrPresenter {
    fn device_code(&self, authorization: &DeviceAuthorization) {
        self.out.stderr_line(&format!(
            "To sign in, open {} and enter the code {}",
            authorization.verification_uri, authorization.user_code
        ));
        self.out.stderr_line(&format!(
            "The code expires in {}.",
            humantime::format_duration(authorization.expires_in)
        ));
    }

    fn open_browser(&self, url: &ServiceUrl) -> Result<(), String> {
        match self.browser.open(url.as_str(), self.secret_var.as_deref()) {
            Ok(()) => Ok(()),
            Err(LaunchError::NotConfigured) => Err("no browser configured".into()),
            Err(LaunchError::Spawn { program, error }) => {
                let message = format!("could not start the browser `{program}`: {error}");
                self.out
                    .stderr_line(&format!("{message}; open the URL above yourself"));
                Err(message)
            }
        }
    }

    fn waiting(&self, _next_poll_in: Duration, remaining: Duration) {
        if !self.announced_wait.swap(true, Ordering::Relaxed) {
            self.out.stderr_line(&format!(
                "Waiting for approval (up to {})...",
                humantime::format_duration(remaining)
            ));
        }
    }
}
