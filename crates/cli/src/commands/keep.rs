//! `keep`: the loop that keeps OCI sessions, database tokens and
//! identity-domain refresh tokens alive, never prompting. What is due when is
//! the domain's [`KeepPolicy`]; this module only looks at the files and the
//! store, runs the use cases the policy calls for, logs one line per action on
//! stderr (no timestamp: the journal adds one; never a secret), and sleeps
//! until the next thing is due or SIGTERM/SIGINT ends it (exit 0).

use std::path::PathBuf;
use std::time::Duration;

use oci_iam_sso_adapters_store::login_record;
use oci_iam_sso_domain::keep::{KeepPolicy, Plan, SessionDue, SessionView, sleep_until_next};
use oci_iam_sso_domain::oci::{
    DbScope, DbTokenRequest, GetDbToken, KeySize, OciFiles as _, RefreshSession, decode_claims,
};
use oci_iam_sso_domain::{Clock as _, ProfileName, Timestamp, TokenRequest};

use crate::args::KeepArgs;
use crate::clock::rfc3339;
use crate::compose::{App, OciContext};
use crate::failure::Failure;
use crate::oci::{OciGlobalArgs, OciProfileArg};
use crate::remedy::exit;

/// One thing kept alive, with what the loop remembers about it.
enum Kept {
    Session {
        context: Box<OciContext>,
        /// The identity-domain profile a new session is exchanged from.
        exchange_from: Option<String>,
        warned: bool,
        reported_expired: bool,
    },
    DbToken {
        context: Box<OciContext>,
        request: DbTokenRequest,
    },
    Idcs {
        name: ProfileName,
    },
}

fn log(app: &App, line: &str) {
    app.out.stderr_line(&format!("keep: {line}"));
}

/// Without anything named on the command line, what the settings file's
/// `[keep]` table names (the flags that only tune keep its values too).
fn with_settings_table(app: &App, mut args: KeepArgs) -> Result<KeepArgs, Failure> {
    if !(args.sessions.is_empty() && !args.db_token && args.idcs.is_empty()) {
        return Ok(args);
    }
    let table = app.settings()?.keep.clone();
    args.sessions = table.sessions;
    args.db_token = table.db_token;
    args.idcs = table.idcs;
    if let Some(scope) = table.scope {
        args.scope = scope;
    }
    if let Some(dir) = table.db_token_location {
        // `~` is expanded below, against the OCI context's home, as for the flag.
        args.db_token_location = Some(PathBuf::from(dir));
    }
    args.db_token_profile = args.db_token_profile.or(table.db_token_profile);
    if let Some(share) = table.refresh_token_share {
        args.refresh_token_share = share;
    }
    if let Some(lead) = table.cap_warning {
        args.cap_warning = lead;
    }
    if let Some(margin) = table.db_token_margin {
        args.db_token_margin = margin;
    }
    Ok(args)
}

pub async fn run(app: &App, globals: &OciGlobalArgs, args: KeepArgs) -> Result<u8, Failure> {
    let args = with_settings_table(app, args)?;
    if args.sessions.is_empty() && !args.db_token && args.idcs.is_empty() {
        return Err(Failure::input(
            "keep has nothing to keep",
            "name what to keep: --session OCI_PROFILE, --db-token, --idcs PROFILE, or a [keep] table in the settings file",
        ));
    }
    if !(args.refresh_token_share > 0.0 && args.refresh_token_share <= 1.0) {
        return Err(Failure::input(
            format!(
                "--refresh-token-share {} is not a share of a lifetime",
                args.refresh_token_share
            ),
            "give a number above 0 and at most 1, such as 0.5",
        ));
    }
    let policy = KeepPolicy {
        session_cap: args.session_cap,
        refresh_token_share: args.refresh_token_share,
        cap_warning: args.cap_warning,
        db_token_margin: args.db_token_margin,
        ..KeepPolicy::default()
    };
    let mut kept = Vec::new();
    for given in &args.sessions {
        let (name, exchange_from) = match given.split_once(':') {
            Some((name, idcs)) => (name, Some(ProfileName::new(idcs)?.to_string())),
            None => (given.as_str(), None),
        };
        let context = app.oci(
            globals,
            &OciProfileArg {
                profile: Some(name.to_owned()),
            },
        )?;
        kept.push(Kept::Session {
            context: Box::new(context),
            exchange_from,
            warned: false,
            reported_expired: false,
        });
    }
    if args.db_token {
        let profile = args.db_token_profile.clone().or_else(|| {
            args.sessions
                .first()
                .map(|s| s.split(':').next().unwrap_or(s).to_owned())
        });
        let context = app.oci(globals, &OciProfileArg { profile })?;
        let location = match &args.db_token_location {
            Some(dir) => oci_iam_sso_domain::expand_tilde(&dir.to_string_lossy(), &context.home),
            None => context.files.default_db_token_dir(),
        };
        let request = DbTokenRequest {
            scope: DbScope::new(args.scope.clone())?,
            location,
            key_size: KeySize::Rsa2048,
        };
        kept.push(Kept::DbToken {
            context: Box::new(context),
            request,
        });
    }
    for name in &args.idcs {
        kept.push(Kept::Idcs {
            name: ProfileName::new(name.clone())?,
        });
    }

    let mut stop = Stop::new()?;
    loop {
        let mut next_checks = Vec::new();
        let mut failed = None;
        for item in &mut kept {
            match item.tend(app, &policy).await {
                Ok(next) => next_checks.push(next),
                Err(failure) => {
                    log(app, &format!("error: {}", failure.one_line()));
                    next_checks.push(app.clock.now().plus(policy.retry_after));
                    failed.get_or_insert(failure.exit_code());
                }
            }
        }
        if args.once {
            return Ok(failed.unwrap_or(exit::OK));
        }
        let now = app.clock.now();
        let sleep = sleep_until_next(now, next_checks).unwrap_or(policy.retry_after);
        // At least a second: a thing due again at once would otherwise spin.
        let sleep = sleep.max(Duration::from_secs(1));
        if let Some(signal) = stop.sleep(sleep).await {
            log(app, &format!("stopped by {signal}"));
            return Ok(exit::OK);
        }
    }
}

impl Kept {
    /// Does what is due for this thing; returns when to look at it again.
    async fn tend(&mut self, app: &App, policy: &KeepPolicy) -> Result<Timestamp, Failure> {
        match self {
            Kept::Session {
                context,
                exchange_from,
                warned,
                reported_expired,
            } => {
                tend_session(
                    app,
                    policy,
                    context,
                    exchange_from.as_deref(),
                    warned,
                    reported_expired,
                )
                .await
            }
            Kept::DbToken { context, request } => {
                tend_db_token(app, policy, context, request).await
            }
            Kept::Idcs { name } => tend_idcs(app, policy, name).await,
        }
    }
}

async fn tend_session(
    app: &App,
    policy: &KeepPolicy,
    context: &OciContext,
    exchange_from: Option<&str>,
    warned: &mut bool,
    reported_expired: &mut bool,
) -> Result<Timestamp, Failure> {
    let name = &context.profile;
    let mut exchanged = false;
    loop {
        let mut view = session_view(context, *warned).await?;
        view.can_exchange = exchange_from.is_some();
        let now = app.clock.now();
        let Plan { due, next_check } = policy.session(&view, now);
        match due {
            SessionDue::Nothing => return Ok(next_check),
            SessionDue::Refresh => {
                let claims = RefreshSession {
                    auth: &context.auth,
                    files: &context.files,
                    clock: &app.clock,
                }
                .run(name)
                .await?;
                *reported_expired = false;
                log(
                    app,
                    &format!(
                        "session [{name}] refreshed; valid until {}",
                        rfc3339(claims.expires_at)
                    ),
                );
            }
            SessionDue::WarnCap { cap_at } => {
                *warned = true;
                log(
                    app,
                    &format!(
                        "warning: session [{name}] cannot be refreshed past {} (the service's cap from the login); log in again before then: oci-iam-sso session authenticate --profile {name}",
                        rfc3339(cap_at)
                    ),
                );
            }
            SessionDue::Exchange => {
                let Some(idcs) = exchange_from.filter(|_| !exchanged) else {
                    // Once per look: a cap shorter than a token's life would
                    // otherwise exchange again at once, forever.
                    return Ok(next_check);
                };
                exchanged = true;
                let (_, done) =
                    crate::oci::exchange_into(app, context, Some(idcs.to_owned()), None).await?;
                *reported_expired = false;
                // The new key has no login record yet: the next look starts
                // one from the new token, so the cap counts from now.
                log(
                    app,
                    &format!(
                        "session [{name}] made anew from identity profile [{idcs}] (token exchange); valid until {}",
                        rfc3339(done.claims.expires_at)
                    ),
                );
            }
            SessionDue::Expired => {
                if !*reported_expired {
                    *reported_expired = true;
                    log(
                        app,
                        &format!(
                            "error: session [{name}] has expired and cannot be refreshed; log in again: oci-iam-sso session authenticate --profile {name}"
                        ),
                    );
                }
                return Ok(next_check);
            }
        }
    }
}

/// The session as the policy sees it; the login time comes from the record
/// beside the session files, started from the token's `iat` the first time
/// `keep` sees the session's key.
async fn session_view(context: &OciContext, warned: bool) -> Result<SessionView, Failure> {
    let profile = context.files.load_profile(&context.profile).await?;
    let session = context.files.read_session(&profile).await?;
    let token = session.token.expose_secret();
    let claims = decode_claims(token)?;
    let issued_at = claims
        .issued_at
        .unwrap_or_else(|| claims.expires_at.minus(Duration::from_secs(3600)));
    let key = login_record::key_id(session.private_key.expose_secret());
    let dir = profile
        .security_token_file
        .as_ref()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_else(|| context.files.session_dir(&context.profile));
    let login_at = match login_record::read_login(&dir, &key) {
        Some(at) => at,
        None => {
            // A record that cannot be written only costs the cap's accuracy.
            let _ = login_record::write_login(&dir, &key, issued_at);
            issued_at
        }
    };
    Ok(SessionView {
        issued_at,
        expires_at: claims.expires_at,
        login_at,
        can_exchange: false,
        warned,
    })
}

async fn tend_db_token(
    app: &App,
    policy: &KeepPolicy,
    context: &OciContext,
    request: &DbTokenRequest,
) -> Result<Timestamp, Failure> {
    let token = std::fs::read_to_string(
        request
            .location
            .join(oci_iam_sso_domain::oci::layout::DB_TOKEN),
    )
    .ok();
    let claims = token.as_deref().and_then(|t| decode_claims(t).ok());
    let plan = policy.db_token(
        claims.as_ref().and_then(|c| c.issued_at),
        claims.as_ref().map(|c| c.expires_at),
        app.clock.now(),
    );
    if !plan.due {
        return Ok(plan.next_check);
    }
    let issued = GetDbToken {
        auth: &context.auth,
        files: &context.files,
        keys: &context.files,
        clock: &app.clock,
    }
    .run(&context.profile, request)
    .await?;
    let until = issued
        .expires_at
        .map_or_else(|| "an unknown time".to_owned(), rfc3339);
    log(
        app,
        &format!(
            "db-token in {} re-issued with profile [{}]; valid until {until}",
            issued.location.display(),
            context.profile
        ),
    );
    let plan = policy.db_token(Some(app.clock.now()), issued.expires_at, app.clock.now());
    Ok(plan.next_check)
}

async fn tend_idcs(
    app: &App,
    policy: &KeepPolicy,
    name: &ProfileName,
) -> Result<Timestamp, Failure> {
    let lifetime = app.settings()?.refresh_token_lifetime;
    let store = app.store()?;
    let Some(tokens) = store.tokens(name).await? else {
        return Err(oci_iam_sso_domain::Error::NotLoggedIn(name.clone()).into());
    };
    let plan = policy.refresh_token(tokens.refresh_issued_at, lifetime, app.clock.now());
    if !plan.due {
        return Ok(plan.next_check);
    }
    let profile = app.named_profile(name.clone()).await?;
    let provider = app.provider(&profile)?;
    super::access_tokens(app, provider.as_ref())?
        .get(
            &profile,
            TokenRequest {
                min_ttl: Duration::ZERO,
                force_refresh: true,
            },
        )
        .await?;
    log(
        app,
        &format!("identity profile [{name}]: refresh token rotated"),
    );
    let now = app.clock.now();
    Ok(policy.refresh_token(now, lifetime, now).next_check)
}

/// SIGTERM (systemd's stop) and SIGINT end the sleep.
struct Stop {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Stop {
    fn new() -> Result<Self, Failure> {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind| {
            signal(kind)
                .map_err(|e| Failure::cli(format!("cannot listen for signals: {e}"), None, 1))
        };
        Ok(Self {
            term: listen(SignalKind::terminate())?,
            int: listen(SignalKind::interrupt())?,
        })
    }

    /// Sleeps `duration`; `Some(name)` when a signal came first.
    async fn sleep(&mut self, duration: Duration) -> Option<&'static str> {
        tokio::select! {
            () = tokio::time::sleep(duration) => None,
            _ = self.term.recv() => Some("SIGTERM"),
            _ = self.int.recv() => Some("SIGINT"),
        }
    }
}
