//! `login`: the device-code flow, then who is logged in and until when.

use base64::Engine;
use oci_iam_sso_domain::{AccessToken, DeviceLogin, LoginOptions, one_line};

use crate::args::LoginArgs;
use crate::browser::Browser;
use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;
use crate::presenter::StderrPresenter;

pub async fn run(app: &App, args: LoginArgs) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    // The code works on any device, so without a choice no browser is started.
    let browser = Browser::from_env(args.no_browser, args.browser_command.as_deref(), None);
    let open_browser = browser != Browser::None;
    let presenter =
        StderrPresenter::new(browser, app.settings()?.passphrase_var(), app.out.clone());
    let provider = app.provider(&profile)?;
    let login = DeviceLogin {
        provider: provider.as_ref(),
        store: app.store()?,
        clock: &app.clock,
        presenter: &presenter,
        notices: &crate::notices::StderrNotices,
    };
    let tokens = login.run(&profile, LoginOptions { open_browser }).await?;

    let who = tokens
        .access
        .as_ref()
        .and_then(|a| jwt_subject(&a.token))
        .map(|sub| format!(" as {sub}"))
        .unwrap_or_default();
    app.out
        .stderr_line(&format!("Logged in to profile `{}`{who}.", profile.name));
    if let Some(access) = &tokens.access {
        app.out.stderr_line(&format!(
            "Access token expires at {}.",
            rfc3339(access.expires_at)
        ));
    }
    if tokens.refresh_token.is_some() {
        app.out.stderr_line(&format!(
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
