//! The checks that ask a server: the current identity-domain profile's
//! discovery document, and this machine's clock against the identity
//! domain's and OCI's `Date` header (one plain GET each, without a
//! credential). Offline, the clock checks are skipped with a note.

use std::time::Duration;

use oci_iam_sso_domain::{Profile, ProfileName, ServiceUrl};

use crate::compose::App;
use crate::output::human_duration;
use crate::settings::Settings;

use super::checks::{CLOCK_FIX, CLOCK_NOISE, Finding, OCI_SIGNATURE_SKEW, Status, skew_status};
use super::local::failed;

pub const PROFILE: &str = "identity profile";
pub const DISCOVERY: &str = "discovery";
pub const CLOCK_DOMAIN: &str = "clock vs domain";
pub const CLOCK_OCI: &str = "clock vs OCI";

/// Where an identity domain publishes its endpoints (OpenID Connect Discovery).
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// The current profile (from the open store) and its domain's discovery
/// document; then the clock against the domain, when it answered.
pub async fn identity(app: &App, settings: &Settings, findings: &mut Vec<Finding>) {
    let Some(profile) = current_profile(app, settings, findings).await else {
        return;
    };
    let name = &profile.name;
    let domain = &profile.domain_url;
    match app.check_domain(&profile).await {
        Ok(Some(_)) => findings.push(Finding::ok(
            DISCOVERY,
            format!("{domain} serves its discovery document"),
        )),
        Ok(None) => {
            findings.push(Finding::fix(
                DISCOVERY,
                format!("{domain} answers, but not as an identity domain (no discovery document)"),
                format!("check the domain URL: `oci-iam-sso profile set {name} --domain-url URL`"),
            ));
            return;
        }
        Err(failure) => {
            findings.push(failed(DISCOVERY, &failure));
            findings.push(Finding::info(
                CLOCK_DOMAIN,
                "skipped: the identity domain did not answer",
            ));
            return;
        }
    }
    let Ok(url) = domain.join_path(DISCOVERY_PATH) else {
        return;
    };
    findings.push(
        clock(
            app,
            CLOCK_DOMAIN,
            "the identity domain",
            &url,
            settings.skew,
        )
        .await,
    );
}

/// The profile the identity-domain commands use, when the store has it.
async fn current_profile(
    app: &App,
    settings: &Settings,
    findings: &mut Vec<Finding>,
) -> Option<Profile> {
    let store = app.store().ok()?;
    let name = match ProfileName::new(settings.profile()) {
        Ok(name) => name,
        Err(error) => {
            findings.push(failed(PROFILE, &error.into()));
            return None;
        }
    };
    let profiles = match store.profiles().await {
        Ok(profiles) => profiles,
        Err(error) => {
            findings.push(failed(PROFILE, &error.into()));
            return None;
        }
    };
    let Some(profile) = profiles.iter().find(|p| p.name == name).cloned() else {
        let known: Vec<String> = profiles.iter().map(|p| p.name.to_string()).collect();
        let finding = if known.is_empty() {
            Finding::info(
                PROFILE,
                "none yet: `oci-iam-sso profile add NAME --domain-url URL --client-id ID`",
            )
        } else {
            Finding::new(
                PROFILE,
                // Named on purpose, it must exist; the default need not.
                if settings.explicit_profile.is_some() {
                    Status::Fix
                } else {
                    Status::Info
                },
                format!("no profile `{name}`; the store has {}", known.join(", ")),
                Some(format!(
                    "make one the default: `oci-iam-sso profile default {}`",
                    known[0]
                )),
            )
        };
        findings.push(finding);
        return None;
    };
    let logged_in = matches!(store.tokens(&name).await, Ok(Some(_)));
    findings.push(if logged_in {
        Finding::ok(
            PROFILE,
            format!("{name} at {}, logged in", profile.domain_url),
        )
    } else {
        Finding::new(
            PROFILE,
            Status::Info,
            format!("{name} at {}, not logged in", profile.domain_url),
            Some(format!("run `oci-iam-sso login --profile {name}`")),
        )
    });
    Some(profile)
}

/// This machine's clock against OCI's, at `url` (the auth service or `--endpoint`).
pub async fn oci_clock(app: &App, url: &ServiceUrl) -> Finding {
    clock(app, CLOCK_OCI, "OCI", url, OCI_SIGNATURE_SKEW).await
}

/// One GET of `url` and the skew its `Date` shows, judged against `limit`.
async fn clock(
    app: &App,
    check: &'static str,
    server: &str,
    url: &ServiceUrl,
    limit: Duration,
) -> Finding {
    let answer = match app.probe(url).await {
        Ok(answer) => answer,
        Err(_) => {
            return Finding::info(
                check,
                format!("skipped: {} did not answer (offline?)", url.origin()),
            );
        }
    };
    let Some(skew) = answer.skew_seconds() else {
        return Finding::info(check, format!("skipped: {server} sent no Date header"));
    };
    let status = skew_status(skew, limit);
    if status == Status::Ok {
        return Finding::ok(
            check,
            format!("within {}s of {server}'s clock", CLOCK_NOISE.as_secs()),
        );
    }
    let off = human_duration(Duration::from_secs(skew.unsigned_abs()));
    let direction = if skew > 0 { "behind" } else { "ahead of" };
    Finding::new(
        check,
        status,
        format!(
            "this machine's clock is {off} {direction} {server}'s (tolerated: {})",
            human_duration(limit)
        ),
        Some(CLOCK_FIX),
    )
}
