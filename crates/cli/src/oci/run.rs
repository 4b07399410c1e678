//! `setup config`, `session refresh|validate` and `db-token get`: each builds
//! the context, runs the domain use case and prints what it did.

use oci_iam_sso_domain::InvalidInput;
use oci_iam_sso_domain::oci::layout;
use oci_iam_sso_domain::oci::{
    DbScope, DbTokenRequest, GetDbToken, KeySize, RefreshSession, TenancyOcid, ValidateSession,
};

use crate::remedy::exit;

use super::args::{DbTokenCommand, OciGlobalArgs, SessionCommand, SetupCommand};
use super::report::print;
use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;

/// `setup config`.
pub async fn setup(
    app: &App,
    globals: &OciGlobalArgs,
    command: SetupCommand,
) -> Result<u8, Failure> {
    let SetupCommand::Config(args) = command;
    let context = app.oci(globals, &args.profile)?;
    let region_name = context
        .region
        .as_deref()
        .ok_or_else(|| InvalidInput::new("region", "`setup config` needs --region"))?;
    let tenancy = TenancyOcid::parse(&args.tenancy)?;
    let region = context.files.region(region_name)?;
    use oci_iam_sso_domain::oci::OciFiles as _;
    let api_key = context.files.holds_api_key(&context.profile)?;
    let path = context
        .files
        .setup_profile(&context.profile, &tenancy, &region)
        .await?;
    print(
        &app.out,
        &format!(
            "Profile [{}] written to {}",
            context.profile,
            path.display()
        ),
    )?;
    if api_key {
        // Its `security_token_file` was not added: tools would take it for a session profile.
        print(
            &app.out,
            &format!(
                "Profile [{}] holds an API key (a `user=` line), so no security_token_file was added; to make it a session profile: oci-iam-sso session authenticate --profile {} --convert-api-key-profile",
                context.profile, context.profile
            ),
        )?;
        return Ok(exit::OK);
    }
    print(
        &app.out,
        &format!(
            "Next: oci-iam-sso session authenticate --profile {}",
            context.profile
        ),
    )?;
    Ok(exit::OK)
}

/// `session authenticate|refresh|validate|exchange`.
pub async fn session(
    app: &App,
    globals: &OciGlobalArgs,
    command: SessionCommand,
) -> Result<u8, Failure> {
    match command {
        SessionCommand::Authenticate(args) => super::login::authenticate(app, globals, args).await,
        SessionCommand::Exchange(args) => super::exchange::run(app, globals, args).await,
        SessionCommand::Refresh(profile) => {
            let context = app.oci_online(globals, &profile)?;
            let claims = RefreshSession {
                auth: &context.auth,
                files: &context.files,
                clock: &app.clock,
            }
            .run(&context.profile)
            .await?;
            print(
                &app.out,
                &format!(
                    "Session of profile [{}] refreshed; valid until {}",
                    context.profile,
                    rfc3339(claims.expires_at)
                ),
            )?;
            Ok(exit::OK)
        }
        SessionCommand::Validate(args) => {
            let context = if args.local {
                app.oci(globals, &args.profile)?
            } else {
                app.oci_online(globals, &args.profile)?
            };
            let state = ValidateSession {
                auth: &context.auth,
                files: &context.files,
                clock: &app.clock,
            }
            .run(&context.profile, args.local)
            .await?;
            let how = if state.checked_remotely {
                "accepted by the service"
            } else {
                "not expired (checked locally)"
            };
            print(
                &app.out,
                &format!(
                    "Session of profile [{}] is valid until {} ({how})",
                    context.profile,
                    rfc3339(state.claims.expires_at)
                ),
            )?;
            Ok(exit::OK)
        }
    }
}

/// `db-token get`.
pub async fn db_token(
    app: &App,
    globals: &OciGlobalArgs,
    command: DbTokenCommand,
) -> Result<u8, Failure> {
    let DbTokenCommand::Get(args) = command;
    let context = app.oci_online(globals, &args.profile)?;
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
        clock: &app.clock,
    }
    .run(&context.profile, &request)
    .await?;
    let out = &app.out;
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
    if let Some(at) = issued.expires_at {
        print(out, &format!("db-token is valid until {}", rfc3339(at)))?;
    }
    Ok(exit::OK)
}
