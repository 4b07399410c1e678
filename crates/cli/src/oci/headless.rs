//! Where `session authenticate` runs: at a desktop, or where no browser can
//! open (over SSH, or with no graphical display). There the login URL goes
//! to stderr with the port forward that lets a browser on the user's own
//! machine reach this machine's loopback listener.
//!
//! Whether that is so is decided once, for both logins, by
//! [`crate::presenter::Screen`].

/// Why no browser is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Headless {
    /// Over SSH: `SSH_CONNECTION` gives the address this machine was reached at.
    Ssh { server_address: Option<String> },
    /// No `DISPLAY` nor `WAYLAND_DISPLAY` (Linux and other X11 systems).
    NoDisplay,
}

/// `Some` when no browser can open here. `env` reads a variable. The rule
/// (SSH, display) is the device login's, [`crate::presenter::Screen`].
pub(crate) fn detect(env: &dyn Fn(&str) -> Option<String>) -> Option<Headless> {
    let screen = crate::presenter::Screen::from_env(false, env);
    if screen.remote {
        // "client-ip client-port server-ip server-port" (OpenSSH's sshd(8)).
        let server_address =
            env("SSH_CONNECTION").and_then(|c| c.split_whitespace().nth(2).map(str::to_owned));
        return Some(Headless::Ssh { server_address });
    }
    (!screen.display).then_some(Headless::NoDisplay)
}

impl Headless {
    /// The lines (for stderr) that let the user finish the login elsewhere.
    pub(crate) fn instructions(
        &self,
        url: &str,
        port: u16,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<String> {
        let why = match self {
            Headless::Ssh { .. } => "this is an SSH session",
            Headless::NoDisplay => "there is no display",
        };
        let user = env("USER")
            .or_else(|| env("LOGNAME"))
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "user".to_owned());
        let host = match self {
            Headless::Ssh {
                server_address: Some(address),
            } => address.clone(),
            _ => std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "this-host".to_owned()),
        };
        vec![
            format!("No browser is started here ({why}). On your own machine, forward the login port first:"),
            format!("  ssh -L {port}:localhost:{port} {user}@{host}"),
            "then open this URL in a browser there (the console sends it back to localhost, which the forward brings here):".to_owned(),
            format!("  {url}"),
            "(--browser-command CMD or $BROWSER starts a browser here anyway; with no browser at all, see `oci-iam-sso session exchange`.)".to_owned(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn ssh_wins_and_names_the_address_the_user_reached() {
        let env = vars(&[
            ("SSH_CONNECTION", "10.0.0.5 51234 192.0.2.7 22"),
            ("DISPLAY", ":0"),
            ("USER", "ada"),
        ]);
        let headless = detect(&env).expect("over SSH");
        let lines = headless.instructions("https://login/x", 8181, &env);
        assert!(
            lines
                .iter()
                .any(|l| l.trim() == "ssh -L 8181:localhost:8181 ada@192.0.2.7")
        );
        assert!(lines.iter().any(|l| l.trim() == "https://login/x"));
        assert!(lines.iter().any(|l| l.contains("session exchange")));
    }

    #[test]
    fn a_desktop_is_not_headless_and_no_display_is() {
        assert_eq!(detect(&vars(&[("DISPLAY", ":0")])), None);
        assert_eq!(detect(&vars(&[("WAYLAND_DISPLAY", "wayland-0")])), None);
        if !cfg!(target_os = "macos") {
            assert_eq!(detect(&vars(&[])), Some(Headless::NoDisplay));
        }
    }
}
