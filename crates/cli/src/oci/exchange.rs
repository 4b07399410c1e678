//! `session exchange`: an OCI session from an identity-domain login, with no
//! browser (OAuth 2.0 token exchange, RFC 8693). Unlike the other OCI
//! commands it needs the token store; the rules are the domain's
//! `ExchangeSession`, the output is the browser login's.

use oci_iam_sso_domain::ProfileName;
use oci_iam_sso_domain::oci::{ExchangeSession, ExchangeTarget, SessionExchanged, TenancyOcid};

use crate::remedy::exit;

use super::args::{ExchangeArgs, OciGlobalArgs};
use super::login::target_region;
use super::report::{NewSession, new_session};
use crate::compose::{App, OciContext};
use crate::failure::Failure;

/// Runs `session exchange`; the store is opened only after the OCI config
/// was found readable, so a broken config costs no key prompt.
pub(crate) async fn run(
    app: &App,
    globals: &OciGlobalArgs,
    args: ExchangeArgs,
) -> Result<u8, Failure> {
    let context = app.oci_online(globals, &args.profile)?;
    super::login::refuse_api_key_profile(&context, args.convert_api_key_profile)?;
    let (name, done) = exchange_into(app, &context, args.idcs_profile, args.tenancy).await?;
    if !app.out.is_json() {
        app.out.info(&format!(
            "Exchanged the access token of identity profile `{name}` for an OCI session of tenancy {}",
            done.tenancy
        ));
    }
    let region = target_region(&context)?.0;
    new_session(
        &app.out,
        &context,
        &NewSession {
            session_dir: &done.session_dir,
            region: &region,
            tenancy: &done.tenancy,
            expires_at: done.claims.expires_at,
            identity_profile: Some(name.as_str()),
        },
    )?;
    Ok(exit::OK)
}

/// Makes a new session of `context`'s OCI profile from the identity-domain
/// profile `idcs_profile` (default: the global one); `keep` calls it too,
/// when a session nears the service's cap.
pub(crate) async fn exchange_into(
    app: &App,
    context: &OciContext,
    idcs_profile: Option<String>,
    tenancy: Option<String>,
) -> Result<(ProfileName, SessionExchanged), Failure> {
    // Read first, as for every command that uses the store: a settings
    // problem is reported before the OCI config is looked at.
    let settings = app.settings()?;
    let (region, existing) = target_region(context)?;
    let tenancy = match tenancy {
        Some(given) => Some(TenancyOcid::parse(&given)?),
        None => existing
            .get("tenancy")
            .map(|t| TenancyOcid::parse(t))
            .transpose()?,
    };
    // The store (and its key) only once the OCI side is known to be usable.
    app.store()?;
    // The identity-domain profile as for every identity command (this
    // command's `--profile` names the OCI one: `Cli::parse_args`).
    let name = idcs_profile.unwrap_or_else(|| settings.profile().to_owned());
    let name = ProfileName::new(name)?;
    let identity = app.named_profile(name.clone()).await?;
    let provider = app.provider(&identity)?;
    let exchanger = app.token_exchanger(&identity)?;
    let done = ExchangeSession {
        tokens: crate::commands::access_tokens(app, provider.as_ref())?,
        exchanger: exchanger.as_ref(),
        keys: &context.files,
        files: &context.files,
        clock: &app.clock,
    }
    .run(
        &identity,
        &ExchangeTarget {
            profile: context.profile.clone(),
            region: region.clone(),
            tenancy,
        },
    )
    .await?;
    Ok((name, done))
}
