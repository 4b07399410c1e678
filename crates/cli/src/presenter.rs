//! The device-login presenter: the URL and code on stderr, a QR code of the
//! URL when asked for (or when no browser can show it here), a spinner with
//! the code's remaining time on a terminal, and the browser (started by the
//! one launcher, [`crate::browser`]).
//!
//! Without a terminal (cron, CI) there is no spinner and no escape sequence:
//! the lines are printed once, with one warning that the code must reach a
//! person before it expires.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use oci_iam_sso_domain::{DeviceAuthorization, Presenter, ServiceUrl};

use crate::browser::{Browser, LaunchError};
use crate::output::{Output, human_duration};

/// What the login's surroundings allow, read once from the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// stderr is a terminal: a spinner may redraw its line.
    pub terminal: bool,
    /// An SSH session (`$SSH_CONNECTION`, `$SSH_CLIENT` or `$SSH_TTY`): a browser started
    /// here would open on the remote machine, not in front of the person.
    pub remote: bool,
    /// A graphical session to open a browser in: `$DISPLAY` or
    /// `$WAYLAND_DISPLAY` on Linux and the other freedesktop.org systems;
    /// always on macOS and Windows.
    pub display: bool,
}

impl Screen {
    /// This process's stderr and environment.
    pub fn detect() -> Self {
        use std::io::IsTerminal;
        Self::from_env(std::io::stderr().is_terminal(), &|name| {
            std::env::var(name).ok()
        })
    }

    pub fn from_env(terminal: bool, var: &dyn Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
        let desktop_always = cfg!(any(target_os = "macos", target_os = "windows"));
        Self {
            terminal,
            remote: set("SSH_CONNECTION") || set("SSH_CLIENT") || set("SSH_TTY"),
            display: desktop_always || set("DISPLAY") || set("WAYLAND_DISPLAY"),
        }
    }

    /// Why no browser is started by default here, when none should be.
    pub fn no_browser_reason(&self) -> Option<&'static str> {
        if self.remote {
            Some("this is an SSH session")
        } else if !self.display {
            Some("there is no display")
        } else {
            None
        }
    }

    /// A QR code is shown unasked on a terminal where no browser opens.
    pub fn qr_by_default(&self) -> bool {
        self.terminal && self.no_browser_reason().is_some()
    }
}

/// Where the login is, for an interruption to say what it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nothing was written yet: stopping now loses nothing.
    Waiting = 0,
    /// The user approved: the new tokens are being stored.
    Approved = 1,
}

#[derive(Debug)]
pub struct StderrPresenter {
    browser: Browser,
    /// The store passphrase's variable, kept from the browser.
    secret_var: Option<String>,
    out: Output,
    screen: Screen,
    qr: bool,
    /// When the code expires, by this process's monotonic clock; the spinner
    /// counts down to it between the use case's calls.
    deadline: Arc<Mutex<Instant>>,
    spinner: Arc<Mutex<Option<ProgressBar>>>,
    announced_wait: AtomicBool,
    phase: AtomicU8,
}

impl StderrPresenter {
    pub fn new(
        browser: Browser,
        secret_var: Option<&str>,
        out: Output,
        screen: Screen,
        qr: bool,
    ) -> Self {
        Self {
            browser,
            secret_var: secret_var.map(str::to_owned),
            out,
            screen,
            qr,
            deadline: Arc::new(Mutex::new(Instant::now())),
            spinner: Arc::default(),
            announced_wait: AtomicBool::new(false),
            phase: AtomicU8::new(Phase::Waiting as u8),
        }
    }

    pub fn phase(&self) -> Phase {
        if self.phase.load(Ordering::SeqCst) == Phase::Approved as u8 {
            Phase::Approved
        } else {
            Phase::Waiting
        }
    }

    /// A line for the person, above the spinner when one is running.
    pub fn line(&self, text: &str) {
        line_above(&self.spinner, &self.out, text);
    }

    /// Stops the spinner and removes its line.
    pub fn stop(&self) {
        if let Some(bar) = self
            .spinner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            bar.finish_and_clear();
        }
    }

    fn set_remaining(&self, remaining: Duration) {
        *self.deadline.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now() + remaining;
    }

    fn start_spinner(&self) {
        let mut spinner = self.spinner.lock().unwrap_or_else(PoisonError::into_inner);
        if spinner.is_some() {
            return;
        }
        let deadline = Arc::clone(&self.deadline);
        let remaining = move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
            let at = *deadline.lock().unwrap_or_else(PoisonError::into_inner);
            // Rounded up, so the count reaches 0s only when the code is gone.
            let left = at.saturating_duration_since(Instant::now());
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            let _ = w.write_str(&human_duration(Duration::from_secs(secs)));
        };
        let style = ProgressStyle::with_template(
            "{spinner} Waiting for approval; the code expires in {remaining} (Ctrl-C to stop)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("remaining", remaining);
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(125));
        *spinner = Some(bar);
    }
}

impl Drop for StderrPresenter {
    fn drop(&mut self) {
        self.stop();
    }
}

fn line_above(spinner: &Mutex<Option<ProgressBar>>, out: &Output, text: &str) {
    let spinner = spinner.lock().unwrap_or_else(PoisonError::into_inner);
    match spinner.as_ref() {
        Some(bar) => bar.suspend(|| out.stderr_line(text)),
        None => out.stderr_line(text),
    }
}

/// The URL as a QR code in Unicode half blocks (two modules per character
/// cell), light on dark so that it scans on the usual dark terminal; `None`
/// when the URL is too long for a QR code.
pub fn qr_text(url: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

impl Presenter for StderrPresenter {
    fn device_code(&self, authorization: &DeviceAuthorization) {
        self.set_remaining(authorization.expires_in);
        self.line(&format!(
            "To sign in, open {} and enter the code {}",
            authorization.verification_uri, authorization.user_code
        ));
        self.line(&format!(
            "The code expires in {}.",
            human_duration(authorization.expires_in)
        ));
        if self.qr {
            match qr_text(authorization.browser_url().as_str()) {
                Some(qr) => {
                    self.line("Or scan this QR code of the page with a phone:");
                    self.line(&qr);
                }
                None => self.line("The page's address is too long for a QR code."),
            }
        }
        if !self.screen.terminal {
            self.line(&format!(
                "warning: stderr is not a terminal: the code above must reach a person who approves it within {}, or this login fails",
                human_duration(authorization.expires_in)
            ));
        }
    }

    fn open_browser(&self, url: &ServiceUrl) -> Result<(), String> {
        let (out, spinner) = (self.out.clone(), Arc::clone(&self.spinner));
        let failed = move |program: String, status: String| {
            line_above(
                &spinner,
                &out,
                &format!(
                    "The browser command `{program}` failed ({status}); open the URL above yourself."
                ),
            );
        };
        match self
            .browser
            .open_watched(url.as_str(), self.secret_var.as_deref(), failed)
        {
            Ok(()) => Ok(()),
            Err(LaunchError::NotConfigured) => Err("no browser configured".into()),
            Err(LaunchError::Spawn { program, error }) => {
                let message = format!("could not start the browser `{program}`: {error}");
                self.line(&format!("{message}; open the URL above yourself"));
                Err(message)
            }
        }
    }

    fn waiting(&self, _next_poll_in: Duration, remaining: Duration) {
        self.set_remaining(remaining);
        if self.screen.terminal {
            self.start_spinner();
        } else if !self.announced_wait.swap(true, Ordering::Relaxed) {
            self.line(&format!(
                "Waiting for approval (up to {})...",
                human_duration(remaining)
            ));
        }
    }

    fn approved(&self) {
        self.phase.store(Phase::Approved as u8, Ordering::SeqCst);
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly on purpose

    use super::*;

    fn screen(terminal: bool, vars: &[(&str, &str)]) -> Screen {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Screen::from_env(terminal, &move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn ssh_and_a_missing_display_mean_no_browser_and_a_qr_code() {
        let ssh = screen(true, &[("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")]);
        assert_eq!(ssh.no_browser_reason(), Some("this is an SSH session"));
        assert!(ssh.qr_by_default());
        let ssh_tty = screen(true, &[("SSH_TTY", "/dev/pts/3"), ("DISPLAY", ":0")]);
        assert!(ssh_tty.remote);
        // A pipe gets no QR code unless asked for.
        assert!(!screen(false, &[("SSH_TTY", "/dev/pts/3")]).qr_by_default());
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            return;
        }
        let bare = screen(true, &[("DISPLAY", " ")]);
        assert_eq!(bare.no_browser_reason(), Some("there is no display"));
        for display in [("DISPLAY", ":0"), ("WAYLAND_DISPLAY", "wayland-0")] {
            let desk = screen(true, &[display]);
            assert_eq!(desk.no_browser_reason(), None);
            assert!(!desk.qr_by_default());
        }
    }

    #[test]
    fn a_qr_code_is_made_of_half_blocks() {
        let qr = qr_text("https://idcs-abc.identity.oraclecloud.com/ui/v1/device").unwrap();
        assert!(qr.contains('█') && qr.contains('▀') && qr.contains('▄'));
        let rows: Vec<&str> = qr.lines().collect();
        assert!(rows.len() > 10);
        assert!(
            rows.iter()
                .all(|r| r.chars().count() == rows[0].chars().count())
        );
        assert_eq!(qr_text(&"x".repeat(8000)), None);
    }
}
