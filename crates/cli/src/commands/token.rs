//! `token`: a valid access token on stdout. The cache-hit path reads the store
//! only: the provider is constructed (cheaply) but sends nothing.

use oci_iam_sso_domain::TokenRequest;

use crate::args::TokenArgs;
use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;
use crate::reports::TokenReport;

pub async fn run(app: &App, args: TokenArgs) -> Result<u8, Failure> {
    let profile = app.profile().await?;
    let provider = app.provider(&profile)?;
    let access = super::access_tokens(app, provider.as_ref())?
        .get(
            &profile,
            TokenRequest {
                min_ttl: args.min_ttl,
                force_refresh: args.force_refresh,
            },
        )
        .await?;
    // The token is this command's data: printed even with --quiet.
    if app.out.is_json() {
        app.out.json(&TokenReport {
            access_token: access.token.expose_secret(),
            token_type: &access.token_type,
            expires_at: rfc3339(access.expires_at),
        })?;
    } else {
        app.out.stdout_line(access.token.expose_secret());
    }
    Ok(0)
}
