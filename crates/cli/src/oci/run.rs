//! `setup config`, `session refresh|validate` and `db-token get`: each builds
//! the context, runs the domain use case and reports what it did (lines for
//! people on stderr, or its JSON on stdout: see [`super::report`]).

use oci_iam_sso_domain::InvalidInput;
use oci_iam_sso_domain::oci::layout;
use oci_iam_sso_domain::oci::{
    DbScope, DbTokenRequest, GetDbToken, KeySize, RefreshSession, TenancyOcid, ValidateSession,
};

use crate::remedy::exit;

use super::args::{DbTokenCommand, OciGlobalArgs, SessionCommand, SetupCommand};
use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;
use crate::reports::{DbTokenReport, RefreshedReport, SetupReport, ValidReport, path_text};

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
    let path = context
        .files
        .setup_profile(&context.profile, &tenancy, &region)
        .await?;
    let out = &app.out;
    if out.is_json() {
        out.json(&SetupReport {
            profile: context.profile.to_string(),
            config_file: path_text(&path),
            tenancy: tenancy.to_string(),
            region: region.name().to_owned(),
        })?;
        return Ok(exit::OK);
    }
    out.info(&format!(
        "Profile [{}] written to {}",
        context.profile,
        path.display()
    ));
    out.info(&format!(
        "Next: oci-iam-sso session authenticate --profile {}",
        context.profile
    ));
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
            let context = app.oci(globals, &profile)?;
            let claims = RefreshSession {
                auth: &context.auth,
                files: &context.files,
                clock: &app.clock,
            }
            .run(&context.profile)
            .await?;
            if app.out.is_json() {
                app.out.json(&RefreshedReport {
                    profile: context.profile.to_string(),
                    expires_at: rfc3339(claims.expires_at),
                })?;
            } else {
                app.out.info(&format!(
                    "Session of profile [{}] refreshed; valid until {}",
                    context.profile,
                    rfc3339(claims.expires_at)
                ));
            }
            Ok(exit::OK)
        }
        SessionCommand::Validate(args) => {
            let context = app.oci(globals, &args.profile)?;
            let state = ValidateSession {
                auth: &context.auth,
                files: &context.files,
                clock: &app.clock,
            }
            .run(&context.profile, args.local)
            .await?;
            if app.out.is_json() {
                app.out.json(&ValidReport {
                    profile: context.profile.to_string(),
                    valid: true,
                    expires_at: rfc3339(state.claims.expires_at),
                    checked_remotely: state.checked_remotely,
                })?;
                return Ok(exit::OK);
            }
            let how = if state.checked_remotely {
                "accepted by the service"
            } else {
                "not expired (checked locally)"
            };
            app.out.info(&format!(
                "Session of profile [{}] is valid until {} ({how})",
                context.profile,
                rfc3339(state.claims.expires_at)
            ));
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
    let context = app.oci(globals, &args.profile)?;
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
    let key_file = issued.location.join(layout::DB_PRIVATE_KEY);
    let token_file = issued.location.join(layout::DB_TOKEN);
    if out.is_json() {
        out.json(&DbTokenReport {
            profile: context.profile.to_string(),
            db_token_file: path_text(&token_file),
            private_key_file: path_text(&key_file),
            expires_at: issued.expires_at.map(rfc3339),
            session_refreshed: issued.session_refreshed,
        })?;
        return Ok(exit::OK);
    }
    if issued.session_refreshed {
        out.info("The session was about to expire and was refreshed first");
    }
    out.info(&format!("Private key written at {}", key_file.display()));
    out.info(&format!("db-token written at: {}", token_file.display()));
    if let Some(at) = issued.expires_at {
        out.info(&format!("db-token is valid until {}", rfc3339(at)));
    }
    Ok(exit::OK)
}
