//! `setup config`, `session refresh|validate` and `db-token get`: each builds
//! the context, runs the domain use case and prints what it did.

use std::io::Write;

use oci_iam_sso_domain::oci::layout;
use oci_iam_sso_domain::oci::{
    DbScope, DbTokenRequest, GetDbToken, KeySize, OciError, RefreshSession, TenancyOcid,
    ValidateSession,
};
use oci_iam_sso_domain::{Error, InvalidInput};

use super::args::{DbTokenCommand, OciGlobalArgs, SessionCommand, SetupCommand};
use super::context::OciContext;
use crate::clock::{SystemClock, rfc3339};

fn print(out: &mut dyn Write, text: &str) -> Result<(), OciError> {
    writeln!(out, "{text}").map_err(|e| OciError::Other(format!("cannot write the output: {e}")))
}

/// `setup config`.
pub async fn run_setup(
    command: SetupCommand,
    globals: &OciGlobalArgs,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let SetupCommand::Config(args) = command;
    let context = OciContext::new(globals, &args.profile)?;
    let region_name = context
        .region
        .as_deref()
        .ok_or_else(|| InvalidInput::new("region", "`setup config` needs --region"))?;
    let tenancy = TenancyOcid::parse(&args.tenancy)?;
    let region = context.files.region(region_name)?;
    use oci_iam_sso_domain::oci::OciFiles as _;
    let path = context
        .files
        .setup_profile(&context.profile, &tenancy, &region)
        .await?;
    print(
        out,
        &format!(
            "Profile [{}] written to {}",
            context.profile,
            path.display()
        ),
    )?;
    Ok(print(
        out,
        &format!(
            "Next: oci-iam-sso session authenticate --profile {}",
            context.profile
        ),
    )?)
}

/// `session authenticate|refresh|validate`.
pub async fn run_session(
    command: SessionCommand,
    globals: &OciGlobalArgs,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match command {
        SessionCommand::Authenticate(args) => super::login::authenticate(args, globals, out).await,
        SessionCommand::Exchange(_) => {
            unreachable!("lib::run dispatches `session exchange` with the token store")
        }
        SessionCommand::Refresh(profile) => {
            let context = OciContext::new(globals, &profile)?;
            let claims = RefreshSession {
                auth: &context.auth,
                files: &context.files,
                clock: &SystemClock,
            }
            .run(&context.profile)
            .await?;
            Ok(print(
                out,
                &format!(
                    "Session of profile [{}] refreshed; valid until {}",
                    context.profile,
                    rfc3339(claims.expires_at)
                ),
            )?)
        }
        SessionCommand::Validate(args) => {
            let context = OciContext::new(globals, &args.profile)?;
            let state = ValidateSession {
                auth: &context.auth,
                files: &context.files,
                clock: &SystemClock,
            }
            .run(&context.profile, args.local)
            .await?;
            let how = if state.checked_remotely {
                "accepted by the service"
            } else {
                "not expired (checked locally)"
            };
            Ok(print(
                out,
                &format!(
                    "Session of profile [{}] is valid until {} ({how})",
                    context.profile,
                    rfc3339(state.claims.expires_at)
                ),
            )?)
        }
    }
}

/// `db-token get`.
pub async fn run_db_token(
    command: DbTokenCommand,
    globals: &OciGlobalArgs,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let DbTokenCommand::Get(args) = command;
    let context = OciContext::new(globals, &args.profile)?;
    let location = match args.db_token_location {
        Some(dir) => oci_iam_sso_domain::expand_tilde(&dir.to_string_lossy(), &context.home),
        None => context.files.default_db_token_dir(),
    };
    let request = DbTokenRequest {
        scope: DbScope::new(args.scope)?,
        location,
        key_size: KeySize::from_bits(args.key_size)?,
    };
    let issued = GetDbToken {
        auth: &context.auth,
        files: &context.files,
        keys: &context.files,
        clock: &SystemClock,
    }
    .run(&context.profile, &request)
    .await?;
    if issued.session_refreshed {
        print(
            out,
            "The session was about to expire and was refreshed first",
        )?;
    }
    let dir = issued.location.display();
    print(
        out,
        &format!("Private key written at {dir}/{}", layout::DB_PRIVATE_KEY),
    )?;
    print(
        out,
        &format!("db-token written at: {dir}/{}", layout::DB_TOKEN),
    )?;
    match issued.expires_at {
        Some(at) => Ok(print(
            out,
            &format!("db-token is valid until {}", rfc3339(at)),
        )?),
        None => Ok(()),
    }
}
