//! `session authenticate`: the browser login the OCI CLI's
//! `oci session authenticate` performs (OCI's "Token-based Authentication for the CLI").
//!
//! Order matters: the listener is bound first (so the redirect has somewhere
//! to land), then a fresh RSA-2048 key pair is made, then the browser is sent
//! to the console with the public key; the token comes back to the listener,
//! and only then are the key, the token and the profile written.

use std::collections::BTreeMap;
use std::time::Duration;

use oci_iam_sso_domain::oci::{
    KeySize, OciError, OciFiles as _, OciKeys as _, OciProfileName, Region, TenancyChange,
    TenancyOcid, decode_claims,
};
use oci_iam_sso_domain::{Clock as _, Error, InvalidInput, ServiceUrl};

use crate::remedy::exit;

use super::args::{AuthenticateArgs, OciGlobalArgs};
use super::listener::{LoginBinding, LoginListener};
use super::report::{NewSession, new_session};
use crate::browser::{Browser, LaunchError, SYSTEM_OPENER};
use crate::compose::{App, OciContext};
use crate::failure::Failure;

/// How long the login may take, from the browser opening to the token arriving.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

pub(crate) async fn authenticate(
    app: &App,
    globals: &OciGlobalArgs,
    args: AuthenticateArgs,
) -> Result<u8, Failure> {
    authenticate_within(app, globals, args, LOGIN_TIMEOUT).await
}

pub(crate) async fn authenticate_within(
    app: &App,
    globals: &OciGlobalArgs,
    args: AuthenticateArgs,
    timeout: Duration,
) -> Result<u8, Failure> {
    let out = &app.out;
    let context = app.oci(globals, &args.profile)?;
    let (region, existing) = target_region(&context)?;

    let mut listener = LoginListener::bind(args.port).await?;
    let key = context.files.generate(KeySize::Rsa2048).await?;
    let login_key = context.files.console_login_key(&key)?;
    let public_key = login_key.public_key_param;
    let binding = LoginBinding {
        public_key: login_key.public_numbers,
        nonce: login_key.nonce,
    };
    let base = match &context.endpoint {
        Some(endpoint) => endpoint.clone(),
        None => ServiceUrl::parse(&region.login_url())?,
    };
    let mut url = base.join_path("/v1/oauth2/authorize")?.as_url().clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("action", "login")
            .append_pair("client_id", "iaas_console")
            .append_pair("response_type", "token id_token")
            .append_pair("nonce", &binding.nonce)
            .append_pair("scope", "openid")
            .append_pair("public_key", &public_key)
            .append_pair("redirect_uri", &listener.redirect_uri());
        if let Some(tenant) = &args.tenancy_name {
            query.append_pair("tenant", tenant);
        }
    }

    // This login needs a browser on this machine (the console redirects it
    // to the listener), so without a choice the system's opener starts one.
    match Browser::from_env(
        args.no_browser,
        args.browser_command.as_deref(),
        Some(SYSTEM_OPENER),
    ) {
        // The URL is what the login needs when no browser shows it: on
        // stderr even with --quiet. With a browser open, it is only a spare.
        Browser::None if args.no_browser => {
            out.stderr_line("Open this URL in a browser to log in:");
            out.stderr_line(url.as_str());
        }
        browser => match browser.open(url.as_str(), None) {
            Ok(()) => out.info(&format!(
                "Log in in the browser window; or open this URL:\n{url}"
            )),
            Err(problem) => out.stderr_line(&format!(
                "Could not open a browser ({}); open this URL:\n{url}",
                launch_problem(&problem)
            )),
        },
    }
    out.info(&format!(
        "Waiting up to {} for the login…",
        humantime::format_duration(timeout)
    ));

    let token = tokio::time::timeout(timeout, listener.wait_for_token(&binding))
        .await
        .map_err(|_| {
            OciError::Login(format!(
                "no login arrived within {}",
                humantime::format_duration(timeout)
            ))
        })??;
    drop(listener);

    let claims = decode_claims(token.expose_secret())?;
    if claims.is_expired(app.clock.now()) {
        return Err(
            OciError::Login("the console sent a token that has already expired".into()).into(),
        );
    }
    let tenancy = login_tenancy(
        &context.profile,
        claims.tenant.as_deref(),
        existing.get("tenancy"),
        args.allow_tenancy_change,
    )?;
    // Taken only now, not during the browser wait: a refresh of the old
    // session may finish first, and must not write after this login's files.
    let _lock = context.files.lock_session(&context.profile).await?;
    let dir = context
        .files
        .save_new_session(&context.profile, &region, &tenancy, &key, &token)
        .await?;
    new_session(
        out,
        &context,
        &NewSession {
            session_dir: &dir,
            region: &region,
            tenancy: &tenancy,
            expires_at: claims.expires_at,
            identity_profile: None,
        },
    )?;
    Ok(exit::OK)
}

/// The tenancy of a new session (the domain's rule,
/// [`TenancyOcid::for_new_session`]): a claim that moves the profile to
/// another tenancy is refused unless `allow_change`.
// The domain's `Error` is what the OCI helpers return; boxing it here would only move the cost.
#[allow(clippy::result_large_err)]
pub(crate) fn login_tenancy(
    profile: &OciProfileName,
    tenant_claim: Option<&str>,
    from_profile: Option<&String>,
    allow_change: bool,
) -> Result<TenancyOcid, Error> {
    let configured = from_profile.map(|t| TenancyOcid::parse(t)).transpose()?;
    let change = if allow_change {
        TenancyChange::Follow
    } else {
        TenancyChange::Refuse
    };
    TenancyOcid::for_new_session(tenant_claim, configured.as_ref(), change).map_err(|refusal| {
        OciError::Tenancy {
            profile: profile.to_string(),
            refusal,
        }
        .into()
    })
}

/// The region a new session of `context.profile` is for (`--region`, else the
/// profile's), and the profile's current entries. A malformed config file
/// fails here, before anyone logs in for nothing.
pub(crate) fn target_region(
    context: &OciContext,
) -> Result<(Region, BTreeMap<String, String>), Failure> {
    let existing = context
        .files
        .read_config()?
        .and_then(|config| config.profile(context.profile.as_str()))
        .unwrap_or_default();
    let region_name = context
        .region
        .clone()
        .or_else(|| existing.get("region").cloned())
        .ok_or_else(|| {
            InvalidInput::new("region", "pass --region (the profile has no `region` yet)")
        })?;
    Ok((context.files.region(&region_name)?, existing))
}

/// What stopped the browser, for the line that gives the URL instead.
fn launch_problem(problem: &LaunchError) -> String {
    match problem {
        LaunchError::NotConfigured => "no browser configured".into(),
        LaunchError::Spawn { program, error } => format!("`{program}`: {error}"),
    }
}
