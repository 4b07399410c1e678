//! `status`: where each profile's tokens stand. Never prints a secret.

use oci_iam_sso_domain::{Clock, Error, Lifecycle, ProfileName, ProfileStatus};

use crate::args::StatusArgs;
use crate::clock::rfc3339;
use crate::compose::App;
use crate::failure::Failure;
use crate::output::Output;

/// How many rotations to show.
const RECENT_ROTATIONS: usize = 5;

pub async fn run(app: &App, args: StatusArgs) -> Result<u8, Failure> {
    let settings = app.settings()?;
    let store = app.store()?;
    let profiles = match &settings.explicit_profile {
        Some(name) => {
            let name = ProfileName::new(name.as_str())?;
            vec![
                store
                    .profile(&name)
                    .await?
                    .ok_or(Error::UnknownProfile(name))?,
            ]
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
    if args.json {
        let text = serde_json::to_string(&statuses)
            .map_err(|e| Failure::cli(format!("cannot encode the status: {e}"), None, 1))?;
        app.out.stdout_line(&text);
        return Ok(0);
    }
    if statuses.is_empty() {
        app.out
            .stderr_line("No profiles yet: create one with `oci-iam-sso profile add`.");
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
            super::human_duration(std::time::Duration::from_secs(refresh.age_seconds)),
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
        line(format!("  warning:        {warning}"));
    }
}

fn relative(at: oci_iam_sso_domain::Timestamp, now: oci_iam_sso_domain::Timestamp) -> String {
    if !Lifecycle::is_expired(at, now) {
        format!(
            "expires {} (in {})",
            rfc3339(at),
            super::human_duration(now.until(at))
        )
    } else {
        format!(
            "expired {} ({} ago)",
            rfc3339(at),
            super::human_duration(at.until(now))
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
