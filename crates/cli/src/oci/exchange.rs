//! `session exchange`: an OCI session from an identity-domain login, with no
//! browser (§7 of the protocol facts). Unlike the other OCI commands it needs
//! the token store, so `lib::run` hands it the settings; the rules are the
//! domain's `ExchangeSession`, the output is the browser login's.

use std::io::Write;

use oci_iam_sso_domain::oci::{ExchangeSession, ExchangeTarget, TenancyOcid};
use oci_iam_sso_domain::{Error, ProfileName};

use super::args::{ExchangeArgs, OciGlobalArgs};
use super::context::OciContext;
use super::login::{print, print_new_session, target_region};
use crate::compose::App;
use crate::failure::Failure;
use crate::settings::Settings;

/// Runs `session exchange`; the store is opened only after the OCI config
/// was found readable, so a broken config costs no key prompt.
pub async fn run_exchange(
    args: ExchangeArgs,
    globals: &OciGlobalArgs,
    settings: Settings,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let context = OciContext::new(globals, &args.profile)?;
    let (region, existing) = target_region(&context)?;
    let tenancy = match args.tenancy {
        Some(given) => Some(TenancyOcid::parse(&given)?),
        None => existing
            .get("tenancy")
            .map(|t| TenancyOcid::parse(t))
            .transpose()?,
    };
    let app = App::open(settings)?;
    // Not `settings.profile()`: this command's `--profile` names the OCI profile.
    let name = args
        .idcs_profile
        .unwrap_or_else(|| app.settings.default_profile.clone());
    let name = ProfileName::new(name)?;
    let identity = app
        .store
        .profile(&name)
        .await?
        .ok_or_else(|| Error::UnknownProfile(name.clone()))?;
    let provider = app.provider(&identity);
    let exchanger = app.token_exchanger(&identity);
    let done = ExchangeSession {
        tokens: crate::commands::access_tokens(&app, provider.as_ref()),
        exchanger: exchanger.as_ref(),
        keys: &context.files,
        files: &context.files,
        clock: &app.clock,
    }
    .run(
        &identity,
        &ExchangeTarget {
            profile: context.profile.clone(),
            region,
            tenancy,
        },
    )
    .await?;
    print(
        out,
        &format!(
            "Exchanged the access token of identity profile `{name}` for an OCI session of tenancy {}",
            done.tenancy
        ),
    )
    .map_err(Error::from)?;
    print_new_session(out, &context, &done.session_dir, done.claims.expires_at)
        .map_err(|e| Error::from(e).into())
}
