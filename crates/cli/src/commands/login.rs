//! `login`: the device-code flow, then who is logged in and until when.

use std::time::Duration;

use base64::Engine;
use oci_iam_sso_domain::{AccessToken, DeviceLogin, LoginOptions, TokenSet, one_line};

use crate::args::LoginArgs;
use crate::browser::{Browser, SYSTEM_OPENER};
use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;
use crate::output::human_duration;
use crate::presenter::{Phase, Screen, StderrPresenter};
use crate::remedy::exit;

pub async fn run(app: &App, args: LoginArgs) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    let screen = Screen::detect();
    // A browser the user named ($BROWSER or --browser-command) is always
    // started: over SSH it may be a text browser or a helper that opens the
    // page on the person's own machine. The system's opener is not tried where
    // it cannot show the page to the person.
    let env_browser = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    let named = args.browser_command.is_some() || env_browser.is_some();
    let headless = screen.no_browser_reason();
    let default = if headless.is_some() {
        None
    } else {
        Some(SYSTEM_OPENER)
    };
    let browser = Browser::choose(
        args.no_browser,
        args.browser_command.as_deref(),
        env_browser,
        default,
    );
    let open_browser = browser != Browser::None;
    let qr = args.qr || (!args.no_qr && screen.qr_by_default());
    let presenter = StderrPresenter::new(
        browser,
        app.settings()?.passphrase_var(),
        app.out.clone(),
        screen,
        qr,
    );
    if let (false, false, Some(reason)) = (args.no_browser, named, headless) {
        presenter.line(&format!(
            "Not opening a browser: {reason}; open the URL below on any device."
        ));
    }
    let provider = app.provider(&profile)?;
    let login = DeviceLogin {
        provider: provider.as_ref(),
        store: app.store()?,
        clock: &app.clock,
        presenter: &presenter,
        notices: app.notices(),
    };
    let profile_name = profile.name.to_string();
    let run = login.run(&profile, LoginOptions { open_browser });
    let tokens = match wait(run, &presenter, args.timeout).await {
        Waited::Done(result) => result?,
        Waited::Interrupted => {
            presenter.stop();
            presenter.line(&format!(
                "Interrupted: nothing was stored, and the previous login of profile `{profile_name}` (if any) is as it was."
            ));
            return Ok(exit::INTERRUPTED);
        }
        Waited::TimedOut(after) => {
            presenter.stop();
            return Err(Failure::cli(
                format!(
                    "gave up waiting for the approval after {} (--timeout): nothing was stored, and the previous login of profile `{profile_name}` (if any) is as it was",
                    human_duration(after)
                ),
                Some(&format!(
                    "run `oci-iam-sso login --profile {profile_name}` again when someone can approve the code, or give a longer --timeout"
                )),
                exit::DEVICE_LOGIN,
            ));
        }
    };
    drop(presenter);

    let who = tokens
        .access
        .as_ref()
        .and_then(|a| jwt_subject(&a.token))
        .map(|sub| format!(" as {sub}"))
        .unwrap_or_default();
    app.out
        .info(&format!("Logged in to profile `{}`{who}.", profile.name));
    if let Some(access) = &tokens.access {
        app.out.info(&format!(
            "Access token expires at {}.",
            rfc3339(access.expires_at)
        ));
    }
    if tokens.refresh_token.is_some() {
        app.out.info(&format!(
            "Refresh token expected to expire at {} unless used (each use renews it).",
            rfc3339(tokens.refresh_expected_expiry(app.settings()?.refresh_token_lifetime))
        ));
    } else {
        app.out.stderr_line(
            "warning: the identity domain sent no refresh token, so you will have to log in again when the access token expires; add `offline_access` to the profile's scope",
        );
    }
    Ok(0)
}

enum Waited {
    Done(Result<TokenSet, oci_iam_sso_domain::Error>),
    Interrupted,
    TimedOut(Duration),
}

/// Runs the login until it ends, Ctrl-C is pressed or `timeout` passes. The
/// last two stop it only while it waits for the approval: once approved, the
/// new tokens are being stored and the login is let finish (a second Ctrl-C
/// too, since the handler stays installed).
async fn wait(
    run: impl Future<Output = Result<TokenSet, oci_iam_sso_domain::Error>>,
    presenter: &StderrPresenter,
    timeout: Option<Duration>,
) -> Waited {
    let mut run = std::pin::pin!(run);
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let mut interrupted = false;
    let far = Duration::from_secs(u64::from(u32::MAX));
    let mut deadline = std::pin::pin!(tokio::time::sleep(timeout.unwrap_or(far)));
    let mut timed_out = false;
    loop {
        tokio::select! {
            result = &mut run => return Waited::Done(result),
            _ = &mut ctrl_c, if !interrupted => {
                if presenter.phase() == Phase::Waiting {
                    return Waited::Interrupted;
                }
                interrupted = true;
                presenter.line("Approved already: storing the new login before stopping.");
            }
            () = &mut deadline, if !timed_out && timeout.is_some() => {
                if presenter.phase() == Phase::Waiting {
                    return Waited::TimedOut(timeout.unwrap_or(far));
                }
                timed_out = true;
            }
        }
    }
}

/// The `sub` claim of a JWT access token, for display only: the signature is not
/// checked, so nothing else may be taken from it here (the domain's
/// `access_lifetime` reads `exp` only when the server sent no usable `expires_in`).
pub fn jwt_subject(token: &AccessToken) -> Option<String> {
    let payload = token.expose_secret().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let sub = claims.get("sub")?.as_str()?;
    let shown = one_line(sub, 128);
    (!shown.is_empty()).then_some(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_of_a_jwt() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"ada@example.com","exp":1}"#);
        let token = AccessToken::new(format!("eyJhbGciOiJub25lIn0.{claims}.sig"));
        assert_eq!(jwt_subject(&token).as_deref(), Some("ada@example.com"));
        assert_eq!(jwt_subject(&AccessToken::new("opaque")), None);
    }
}
