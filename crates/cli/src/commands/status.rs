//! `status`: where each profile's tokens stand. Never prints a secret.

use oci_iam_sso_domain::{Clock, Lifecycle, ProfileName, ProfileStatus, StatusWarning};

use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;
use crate::output::Output;
use crate::reports::StatusReport;

/// How many rotations to show.
const RECENT_ROTATIONS: usize = 5;

pub async fn run(app: &App) -> Result<u8, Failure> {
    let settings = app.settings()?;
    let store = app.store()?;
    let profiles = match &settings.explicit_profile {
        Some(name) => {
            let name = ProfileName::new(name.as_str())?;
            vec![app.named_profile(name).await?]
        }
        None => store.profiles().await?,
    };
    let now = app.clock.now();
    let mut statuses = Vec::with_capacity(profiles.len());
    for profile in &profiles {
        let tokens = store.tokens(&profile.name).await?;
        let rotations = store.rotations(&profile.name, RECENT_ROTATIONS).await?;
        let pending = store.pending(&profile.name).await?;
        statuses.push(
            ProfileStatus::of(
                profile,
                tokens.as_ref(),
                rotations,
                now,
                settings.refresh_token_lifetime,
                settings.skew,
            )
            .with_kept_aside(pending.as_ref(), tokens.as_ref()),
        );
    }
    // The report is this command's data: on stdout, even with --quiet.
    if app.out.is_json() {
        let reports: Vec<StatusReport> = statuses.iter().map(report).collect();
        app.out.json(&reports)?;
        return Ok(0);
    }
    if statuses.is_empty() {
        app.out
            .info("No profiles yet: create one with `oci-iam-sso profile add`.");
    }
    for (index, status) in statuses.iter().enumerate() {
        if index > 0 {
            app.out.stdout_line("");
        }
        print_human(&app.out, status, now);
    }
    Ok(0)
}

fn print_human(out: &Output, status: &ProfileStatus, now: oci_iam_sso_domain::Timestamp) {
    let line = |text: String| out.stdout_line(&text);
    line(format!(
        "profile {} ({})",
        status.profile, status.domain_url
    ));
    line(format!("  scope:          {}", status.scope));
    if !status.logged_in {
        line("  logged in:      no".into());
    }
    if let Some(access) = &status.access_token {
        line(format!(
            "  access token:   {} ({})",
            relative(access.expires_at, now),
            state(access.state)
        ));
    }
    if let Some(refresh) = &status.refresh_token {
        line(format!(
            "  refresh token:  generation {}, received {} ago, expected to expire {} ({})",
            refresh.generation,
            crate::output::human_duration(std::time::Duration::from_secs(refresh.age_seconds)),
            rfc3339(refresh.expected_expiry),
            state(refresh.state)
        ));
        line(format!(
            "  chain started:  {}",
            rfc3339(refresh.chain_started_at)
        ));
    }
    for rotation in &status.recent_rotations {
        let recovered = rotation.recovered_from.map_or_else(String::new, |kept_at| {
            format!(
                "; saving it had failed, it was kept aside at {} and saved later",
                rfc3339(kept_at)
            )
        });
        line(format!(
            "  rotation:       generation {} at {} (fingerprint {}{recovered})",
            rotation.generation,
            rfc3339(rotation.at),
            rotation
                .fingerprint
                .as_deref()
                .unwrap_or("none: no refresh token")
        ));
    }
    for warning in &status.warnings {
        line(format!(
            "  warning:        {}",
            warning_text(&status.profile, *warning)
        ));
    }
}

/// `status --output json`: the domain's report, with its warnings in words.
fn report(status: &ProfileStatus) -> StatusReport {
    let warnings = status
        .warnings
        .iter()
        .map(|w| warning_text(&status.profile, *w))
        .collect();
    StatusReport::of(status, warnings)
}

/// What a warning means for the user, with the command that helps.
fn warning_text(profile: &str, warning: StatusWarning) -> String {
    match warning {
        StatusWarning::RefreshTokenExpired => format!(
            "the refresh token has probably expired: run `oci-iam-sso login --profile {profile}`"
        ),
        StatusWarning::RefreshTokenExpiringSoon => format!(
            "the refresh token expires within a day unless it is used: run `oci-iam-sso token --profile {profile}` (or log in again)"
        ),
        StatusWarning::NoRefreshToken => {
            "no refresh token is stored: the access token cannot be renewed".into()
        }
        StatusWarning::KeptAside { generation } => format!(
            "saving the rotated refresh token failed; generation {generation} is kept aside and the next `oci-iam-sso token --profile {profile}` saves it"
        ),
    }
}

fn relative(at: oci_iam_sso_domain::Timestamp, now: oci_iam_sso_domain::Timestamp) -> String {
    if !Lifecycle::is_expired(at, now) {
        format!(
            "expires {} (in {})",
            rfc3339(at),
            crate::output::human_duration(now.until(at))
        )
    } else {
        format!(
            "expired {} ({} ago)",
            rfc3339(at),
            crate::output::human_duration(at.until(now))
        )
    }
}

fn state(lifecycle: Lifecycle) -> &'static str {
    match lifecycle {
        Lifecycle::Fresh => "fresh",
        Lifecycle::ExpiringSoon => "expiring soon",
        Lifecycle::Expired => "expired",
    }
}

#[cfg(test)]
mod tests {
    use oci_iam_sso_domain::{
        ClientId, DEFAULT_SCOPE, Generation, Profile, ProfileName, Scope, ServiceUrl,
    };

    use super::*;

    fn status(warnings: Vec<StatusWarning>) -> ProfileStatus {
        let profile = Profile {
            name: ProfileName::new("epm").expect("valid name"),
            domain_url: ServiceUrl::parse("https://idcs-test.identity.oraclecloud.com")
                .expect("valid URL"),
            client_id: ClientId::new("client").expect("valid client id"),
            scope: Scope::parse(DEFAULT_SCOPE).expect("valid scope"),
            resource_url: None,
            client_secret: None,
            endpoints: None,
        };
        let mut status = ProfileStatus::of(
            &profile,
            None,
            Vec::new(),
            oci_iam_sso_domain::Timestamp::from_unix(0),
            oci_iam_sso_domain::DEFAULT_REFRESH_TTL,
            oci_iam_sso_domain::DEFAULT_SKEW,
        );
        status.warnings = warnings;
        status
    }

    #[test]
    fn the_json_keeps_the_warnings_last_and_in_words() {
        let report = status(vec![
            StatusWarning::RefreshTokenExpired,
            StatusWarning::RefreshTokenExpiringSoon,
            StatusWarning::NoRefreshToken,
            StatusWarning::KeptAside {
                generation: Generation::new(8),
            },
        ]);
        let json = serde_json::to_value(super::report(&report)).expect("serializable");
        let keys: Vec<&String> = json.as_object().expect("an object").keys().collect();
        assert_eq!(
            keys.last().map(|k| k.as_str()),
            Some("warnings"),
            "{keys:?}"
        );
        assert_eq!(
            json["warnings"],
            serde_json::json!([
                "the refresh token has probably expired: run `oci-iam-sso login --profile epm`",
                "the refresh token expires within a day unless it is used: run `oci-iam-sso token --profile epm` (or log in again)",
                "no refresh token is stored: the access token cannot be renewed",
                "saving the rotated refresh token failed; generation 8 is kept aside and the next `oci-iam-sso token --profile epm` saves it",
            ])
        );
        let empty = serde_json::to_value(super::report(&status(Vec::new()))).expect("json");
        assert_eq!(empty["warnings"], serde_json::json!([]));
    }
}
