//! `logout`: revoke the refresh token (best effort) and delete the tokens.

use oci_iam_sso_domain::{Logout, LogoutOutcome};

use crate::compose::App;
use crate::failure::Failure;

pub async fn run(app: &App) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    let provider = app.provider(&profile)?;
    let outcome = Logout {
        provider: provider.as_ref(),
        store: app.store()?,
        clock: &app.clock,
        notices: app.notices(),
    }
    .run(&profile)
    .await?;
    let name = &profile.name;
    match outcome {
        LogoutOutcome::NotLoggedIn => {
            app.out.info(&format!(
                "Profile `{name}` was not logged in; nothing to do."
            ));
        }
        LogoutOutcome::Revoked => {
            app.out.info(&format!(
                "Logged out of profile `{name}`: token revoked and deleted."
            ));
        }
        LogoutOutcome::NothingToRevoke => app.out.info(&format!(
            "Logged out of profile `{name}`: no refresh token was stored; the access token was deleted."
        )),
        LogoutOutcome::NoRevocationEndpoint => app.out.stderr_line(&format!(
            "Logged out of profile `{name}`: tokens deleted; the identity domain has no revocation endpoint, so the refresh token stays valid until it expires."
        )),
        LogoutOutcome::RevocationFailed(e) => app.out.stderr_line(&format!(
            "Logged out of profile `{name}`: tokens deleted, but revoking the refresh token failed ({e}); it stays valid until it expires."
        )),
    }
    Ok(0)
}
