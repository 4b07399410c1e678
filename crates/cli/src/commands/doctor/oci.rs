//! The checks of the OCI files: the config file and profile, the session
//! token (expiry, and whether it is bound to the key file beside it: its
//! `jwk` claim against the key's public half), the database-token files, and
//! every mode. Reads only; prints no token and no key.

use std::path::Path;

use oci_iam_sso_domain::oci::{
    OciProfile, REFRESH_BEFORE_EXPIRY, bound_public_key, decode_claims, layout,
};
use oci_iam_sso_domain::{ServiceUrl, Timestamp};
use zeroize::Zeroizing;

use crate::clock::rfc3339;
use crate::compose::{App, OciContext};
use crate::failure::Failure;
use crate::oci::{OciGlobalArgs, OciProfileArg};
use crate::output::human_duration;

use super::checks::{Finding, Status, expiry_status};
use super::local::{failed, mode_problem, private_dir};

pub const CONFIG: &str = "OCI config";
pub const SESSION: &str = "OCI session";
pub const KEY_PAIR: &str = "OCI key pair";
pub const DB_TOKEN: &str = "OCI db token";

/// What the clock check needs: the OCI profile's auth service (or `--endpoint`).
#[derive(Debug)]
pub struct OciTarget {
    pub url: ServiceUrl,
}

/// Checks the OCI files of `oci_profile` (else OCI_CLI_PROFILE, else DEFAULT).
/// Returns where OCI answers, when a profile with a region is configured.
pub async fn check(
    app: &App,
    globals: &OciGlobalArgs,
    oci_profile: Option<String>,
    now: Timestamp,
    findings: &mut Vec<Finding>,
) -> Option<OciTarget> {
    let named = oci_profile.is_some()
        || std::env::var("OCI_CLI_PROFILE").is_ok_and(|v| !v.trim().is_empty());
    let ctx = match app.oci(
        globals,
        &OciProfileArg {
            profile: oci_profile,
        },
    ) {
        Ok(ctx) => ctx,
        Err(failure) => {
            findings.push(failed(CONFIG, &failure));
            return None;
        }
    };
    let path = ctx.files.config_path().to_path_buf();
    let config = match ctx.files.read_config() {
        Ok(Some(config)) => config,
        Ok(None) => {
            findings.push(Finding::info(
                CONFIG,
                format!(
                    "none at {}: only the OCI commands need one (`oci-iam-sso setup config`)",
                    path.display()
                ),
            ));
            return None;
        }
        Err(error) => {
            findings.push(failed(CONFIG, &Failure::from(error)));
            return None;
        }
    };
    let name = ctx.profile.clone();
    if !config.has_profile(name.as_str()) {
        let detail = format!("{} has no profile [{name}]", path.display());
        let fix = format!(
            "create it with `oci-iam-sso setup config --profile {name} --tenancy OCID --region REGION`, or name another with --oci-profile or OCI_CLI_PROFILE"
        );
        findings.push(Finding::new(
            CONFIG,
            if named { Status::Fix } else { Status::Info },
            detail,
            Some(fix),
        ));
        return None;
    }
    let profile = match oci_iam_sso_domain::oci::OciFiles::load_profile(&ctx.files, &name).await {
        Ok(profile) => profile,
        Err(error) => {
            findings.push(failed(CONFIG, &Failure::from(error)));
            return None;
        }
    };
    findings.push(mode_problem(CONFIG, &path, 0o600).unwrap_or_else(|| {
        Finding::ok(
            CONFIG,
            format!(
                "{}, profile [{name}], region {}",
                path.display(),
                profile.region.name()
            ),
        )
    }));
    session(&ctx, &profile, now, findings);
    db_token(&ctx, &ctx.files.default_db_token_dir(), now, findings);
    let url = match &ctx.endpoint {
        Some(endpoint) => Some(endpoint.clone()),
        None => ServiceUrl::parse(&profile.region.auth_url()).ok(),
    };
    url.map(|url| OciTarget { url })
}

/// The session token and its key pair.
fn session(ctx: &OciContext, profile: &OciProfile, now: Timestamp, findings: &mut Vec<Finding>) {
    let name = &profile.name;
    let authenticate = format!("run `oci-iam-sso session authenticate --profile {name}`");
    let Some(token_path) = &profile.security_token_file else {
        findings.push(Finding::info(
            SESSION,
            format!("profile [{name}] names no security_token_file: not a session profile"),
        ));
        return;
    };
    let token = match read_secret(token_path) {
        Some(token) if !token.trim().is_empty() => token,
        _ => {
            findings.push(Finding::fix(
                SESSION,
                format!("no session token at {}", token_path.display()),
                authenticate,
            ));
            return;
        }
    };
    if let Some(dir) = token_path.parent()
        && let Some(finding) = private_dir(SESSION)(dir)
    {
        findings.push(finding);
    }
    findings.extend(mode_problem(SESSION, token_path, 0o600));
    findings.push(token_expiry(
        SESSION,
        token_path,
        &token,
        now,
        true,
        &authenticate,
    ));
    let Some(key_path) = &profile.key_file else {
        findings.push(Finding::fix(
            KEY_PAIR,
            format!("profile [{name}] has a session but no key_file"),
            authenticate,
        ));
        return;
    };
    findings.extend(mode_problem(KEY_PAIR, key_path, 0o600));
    findings.push(key_pair(ctx, KEY_PAIR, key_path, &token, &authenticate));
}

/// The database-token files in `dir`, when there are any.
fn db_token(ctx: &OciContext, dir: &Path, now: Timestamp, findings: &mut Vec<Finding>) {
    let token_path = dir.join(layout::DB_TOKEN);
    let Some(token) = read_secret(&token_path).filter(|t| !t.trim().is_empty()) else {
        return;
    };
    let get = "run `oci-iam-sso db-token get` before connecting".to_owned();
    if let Some(finding) = private_dir(DB_TOKEN)(dir) {
        findings.push(finding);
    }
    let key_path = dir.join(layout::DB_PRIVATE_KEY);
    findings.extend(mode_problem(DB_TOKEN, &token_path, 0o600));
    findings.extend(mode_problem(DB_TOKEN, &key_path, 0o600));
    findings.push(token_expiry(
        DB_TOKEN,
        &token_path,
        &token,
        now,
        false,
        &get,
    ));
    findings.push(key_pair(ctx, DB_TOKEN, &key_path, &token, &get));
}

/// A token file's expiry. `required`: an expired one needs fixing.
fn token_expiry(
    check: &'static str,
    path: &Path,
    token: &str,
    now: Timestamp,
    required: bool,
    renew: &str,
) -> Finding {
    let claims = match decode_claims(token) {
        Ok(claims) => claims,
        Err(error) => {
            return Finding::fix(check, format!("{}: {error}", path.display()), renew);
        }
    };
    let at = claims.expires_at;
    let status = expiry_status(at, now, REFRESH_BEFORE_EXPIRY, required);
    let detail = if now >= at {
        format!(
            "{} expired {} ({} ago)",
            path.display(),
            rfc3339(at),
            human_duration(at.until(now))
        )
    } else {
        format!(
            "{} valid until {} (in {})",
            path.display(),
            rfc3339(at),
            human_duration(now.until(at))
        )
    };
    let fix = (status != Status::Ok).then_some(renew);
    Finding::new(check, status, detail, fix)
}

/// Whether `token` is bound to the private key at `key_path`.
fn key_pair(
    ctx: &OciContext,
    check: &'static str,
    key_path: &Path,
    token: &str,
    renew: &str,
) -> Finding {
    let Some(pem) = read_secret(key_path) else {
        return Finding::fix(
            check,
            format!("cannot read the key file {}", key_path.display()),
            renew,
        );
    };
    let key = ctx.public_numbers(&pem);
    let bound = bound_public_key(token);
    match (key, bound) {
        (None, _) => Finding::fix(
            check,
            format!("{} is not an RSA private key", key_path.display()),
            renew,
        ),
        (Some(_), None) => Finding::info(
            check,
            format!(
                "the token names no key (jwk claim), so its pair with {} cannot be checked",
                key_path.display()
            ),
        ),
        (Some(key), Some(bound)) if key != bound => Finding::fix(
            check,
            format!(
                "the token is bound to another key than {} (one file of the pair was replaced)",
                key_path.display()
            ),
            renew,
        ),
        (Some(_), Some(_)) => Finding::ok(
            check,
            format!("the token is bound to {}", key_path.display()),
        ),
    }
}

/// A file that holds a secret, read into memory that is wiped afterwards.
fn read_secret(path: &Path) -> Option<Zeroizing<String>> {
    std::fs::read_to_string(path).ok().map(Zeroizing::new)
}
