//! The identity-provider contract: discovery and fallback, the device flow,
//! refresh rotation and the `invalid_grant` kinds, scopes, and revocation.
//! Server faults are in [`super::provider_faults`].

use std::time::Duration;

use oci_iam_sso_domain::{
    AccessToken, ClientId, DeviceAuthorization, IdentityProvider, ProviderError, RefreshToken,
    Scope, TokenResponse,
};

use super::Report;
use crate::{FakeControl, FakeIdcsConfig, FakeIdentityDomain};

pub(super) const CLIENT: &str = "contract-client";

/// Runs the identity-provider contract against providers built by `make`
/// from a domain base URL (`http://127.0.0.1:PORT`, no trailing slash). It
/// starts its own fake identity domains, so call it from a Tokio runtime.
///
/// ```no_run
/// # use oci_iam_sso_domain::IdentityProvider;
/// # fn my_provider(_: &str) -> Box<dyn IdentityProvider> { unimplemented!() }
/// # async fn example() {
/// let report = oci_iam_sso_testkit::contract::identity_provider_contract(|base_url| {
///     my_provider(base_url)
/// })
/// .await;
/// assert!(!report.contains("[FAIL]"), "{report}");
/// insta::assert_snapshot!(report);
/// # }
/// ```
pub async fn identity_provider_contract(
    make: impl Fn(&str) -> Box<dyn IdentityProvider>,
) -> String {
    let mut report = Report::default();
    let config = FakeIdcsConfig {
        client_ids: vec![CLIENT.to_owned()],
        min_poll_interval: Duration::ZERO,
        ..FakeIdcsConfig::default()
    };
    let Ok(fake) = FakeIdentityDomain::start(config.clone()).await else {
        return "[FAIL] could not start the fake identity domain\n".to_owned();
    };
    let provider = make(&fake.url());
    let mut secrets = Secrets::default();

    endpoints(&mut report, &make, &config).await;
    device_flow(&mut report, &make, &config, &mut secrets).await;
    refresh_kinds(&mut report, provider.as_ref(), &fake, &mut secrets).await;
    super::provider_faults::run(&mut report, &make, &fake, &mut secrets).await;
    revoke(&mut report, provider.as_ref(), &fake, &mut secrets).await;
    report.finish()
}

/// Every secret the suite has seen: no error message may contain one.
#[derive(Default)]
pub(super) struct Secrets(Vec<String>);

impl Secrets {
    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.0.push(secret.to_owned());
        }
    }

    /// The classified outcome, or `leaks a secret` when the error's Display or
    /// Debug contains a token, a device code or the client id.
    pub fn describe<T>(
        &self,
        outcome: &Result<T, ProviderError>,
        ok: impl Fn(&T) -> String,
    ) -> String {
        match outcome {
            Ok(value) => ok(value),
            Err(error) => {
                let text = format!("{error} {error:?}");
                if self
                    .0
                    .iter()
                    .chain([&CLIENT.to_owned()])
                    .any(|s| text.contains(s.as_str()))
                {
                    "error message leaks a secret".to_owned()
                } else {
                    classify(error)
                }
            }
        }
    }
}

pub(super) fn classify(error: &ProviderError) -> String {
    match error {
        ProviderError::OAuth(e) => format!(
            "OAuth {:?}, ecid {}",
            e.kind,
            if e.ecid.as_deref().is_some_and(|s| !s.is_empty()) {
                "kept"
            } else {
                "lost"
            }
        ),
        ProviderError::Unauthorized { .. } => "Unauthorized".to_owned(),
        ProviderError::Server {
            status,
            retry_after,
            ..
        } => {
            format!("Server {status}, retry after {retry_after:?}")
        }
        ProviderError::Transport { failure, .. } => format!("Transport {failure:?}"),
        ProviderError::Malformed { .. } => "Malformed".to_owned(),
        ProviderError::InvalidInput(_) => "InvalidInput".to_owned(),
        other => format!("unexpected error kind: {}", other.to_string().len()),
    }
}

pub(super) fn tokens(response: &TokenResponse) -> String {
    format!(
        "tokens: {} {}, expires in {:?}, refresh token {}",
        response.token_type,
        match &response.access_token {
            Some(token) if token.expose_secret().split('.').count() == 3 => "JWT",
            Some(_) => "opaque",
            None => "refused",
        },
        response.expires_in,
        if response.refresh_token.is_some() {
            "yes"
        } else {
            "no"
        },
    )
}

pub(super) fn client() -> ClientId {
    ClientId::new(CLIENT).expect("a valid client id")
}

async fn endpoints(
    report: &mut Report,
    make: &impl Fn(&str) -> Box<dyn IdentityProvider>,
    config: &FakeIdcsConfig,
) {
    for (scenario, discovery) in [
        ("endpoints from discovery", true),
        ("endpoints without discovery (404)", false),
    ] {
        let Ok(fake) = FakeIdentityDomain::start(FakeIdcsConfig {
            discovery,
            ..config.clone()
        })
        .await
        else {
            report.check(scenario, "fake did not start", &["started"]);
            continue;
        };
        let base = fake.url();
        let outcome = make(&base).endpoints().await;
        let text = match &outcome {
            Ok(e) => format!(
                "token {}, device {}, revocation {}",
                e.token.base().replace(&base, "<domain>"),
                e.device_authorization.base().replace(&base, "<domain>"),
                e.revocation
                    .as_ref()
                    .map_or("none".to_owned(), |r| r.base().replace(&base, "<domain>")),
            ),
            Err(error) => classify(error),
        };
        report.check(
            scenario,
            text,
            &["token <domain>/oauth2/v1/token, device <domain>/oauth2/v1/device, revocation <domain>/oauth2/v1/revoke"],
        );
        if discovery {
            let fetched = fake.control().counters().discovery_requests > 0;
            report.check(
                "the discovery document is fetched",
                if fetched { "yes" } else { "no" },
                &["yes"],
            );
        }
    }
}

async fn start(
    provider: &dyn IdentityProvider,
    scope: &Scope,
) -> Result<DeviceAuthorization, ProviderError> {
    provider.start_device_authorization(&client(), scope).await
}

fn device_summary(base: &str, d: &DeviceAuthorization) -> String {
    format!(
        "user code of {} characters, verification {}, complete {:?}, expires in {:?}, interval {:?}",
        d.user_code.as_str().len(),
        d.verification_uri.base().replace(base, "<domain>"),
        d.verification_uri_complete
            .as_ref()
            .map(|u| u.base().replace(base, "<domain>")),
        d.expires_in,
        d.interval,
    )
}

async fn device_flow(
    report: &mut Report,
    make: &impl Fn(&str) -> Box<dyn IdentityProvider>,
    config: &FakeIdcsConfig,
    secrets: &mut Secrets,
) {
    let Ok(fake) = FakeIdentityDomain::start(config.clone()).await else {
        return report.check("device flow", "fake did not start", &["started"]);
    };
    let (base, control) = (fake.url(), fake.control());
    let provider = make(&base);
    let scope = Scope::default_epm();

    let started = start(provider.as_ref(), &scope).await;
    if let Ok(d) = &started {
        secrets.add(d.device_code.expose_secret());
    }
    report.check(
        "device authorization (no interval sent)",
        secrets.describe(&started, |d| device_summary(&base, d)),
        &["user code of 8 characters, verification <domain>/ui/v1/device, complete None, expires in 300s, interval None"],
    );
    let Ok(device) = started else { return };
    let client_id = client();
    let poll = async |d: &DeviceAuthorization| {
        provider.poll_device_token(&client_id, &d.device_code).await
    };

    let pending = poll(&device).await;
    report.check(
        "poll before approval",
        secrets.describe(&pending, tokens),
        &["OAuth AuthorizationPending, ecid kept"],
    );

    control.approve(device.user_code.as_str(), "alice");
    let granted = poll(&device).await;
    if let Ok(t) = &granted {
        secrets.add(
            t.access_token
                .as_ref()
                .map_or("", AccessToken::expose_secret),
        );
        secrets.add(
            t.refresh_token
                .as_ref()
                .map_or("", RefreshToken::expose_secret),
        );
    }
    report.check(
        "poll after approval",
        secrets.describe(&granted, tokens),
        &["tokens: Bearer JWT, expires in Some(3600s), refresh token yes"],
    );

    if let Ok(denied) = start(provider.as_ref(), &scope).await {
        control.deny(denied.user_code.as_str());
        let outcome = poll(&denied).await;
        report.check(
            "poll after denial",
            secrets.describe(&outcome, tokens),
            &["OAuth AccessDenied, ecid kept"],
        );
    }
    if let Ok(late) = start(provider.as_ref(), &scope).await {
        control.set_clock_offset(301);
        let outcome = poll(&late).await;
        control.set_clock_offset(0);
        report.check(
            "poll after the code expired",
            secrets.describe(&outcome, tokens),
            &["OAuth ExpiredToken, ecid kept"],
        );
    }
    let two_resources = Scope::parse("https://a.example.com/read https://b.example.com/read")
        .expect("valid scope syntax");
    let outcome = start(provider.as_ref(), &two_resources).await;
    report.check(
        "device authorization with scopes of two resources",
        secrets.describe(&outcome, |d| device_summary(&base, d)),
        &["OAuth InvalidScope, ecid kept"],
    );

    let Ok(slow) = FakeIdentityDomain::start(FakeIdcsConfig {
        min_poll_interval: Duration::from_secs(60),
        ..config.clone()
    })
    .await
    else {
        return;
    };
    let slow_provider = make(&slow.url());
    if let Ok(device) = start(slow_provider.as_ref(), &scope).await {
        let _first = slow_provider
            .poll_device_token(&client(), &device.device_code)
            .await;
        let second = slow_provider
            .poll_device_token(&client(), &device.device_code)
            .await;
        report.check(
            "poll faster than the server allows",
            secrets.describe(&second, tokens),
            &["OAuth SlowDown, ecid kept"],
        );
    }
}

async fn refresh_kinds(
    report: &mut Report,
    provider: &dyn IdentityProvider,
    fake: &FakeIdentityDomain,
    secrets: &mut Secrets,
) {
    let control = fake.control();
    let first = RefreshToken::new(control.issue_refresh_token_for("alice"));
    secrets.add(first.expose_secret());
    let rotated = provider.refresh(&client(), &first).await;
    let mut outcome = secrets.describe(&rotated, tokens);
    if let Ok(TokenResponse {
        refresh_token: Some(new),
        ..
    }) = &rotated
    {
        secrets.add(new.expose_secret());
        let rotation_seen = new != &first
            && control.is_refresh_token_current(new.expose_secret())
            && !control.is_refresh_token_current(first.expose_secret());
        outcome.push_str(if rotation_seen {
            "; old token consumed, new one current"
        } else {
            "; no rotation seen"
        });
    }
    report.check(
        "refresh rotates the refresh token",
        outcome,
        &["tokens: Bearer JWT, expires in Some(3600s), refresh token yes; old token consumed, new one current"],
    );
    // What the use cases remember with the profile: where the grant went (or
    // nothing, from a provider that does not say).
    let in_use = match provider.endpoints_in_use() {
        None => "none".to_owned(),
        Some(endpoints) => format!("token {}", endpoints.token.as_url().path()),
    };
    report.check(
        "endpoints_in_use() after a refresh",
        in_use,
        &["token /oauth2/v1/token", "none"],
    );

    let reused = provider.refresh(&client(), &first).await;
    report.check(
        "refresh with a consumed token",
        secrets.describe(&reused, tokens),
        &["OAuth InvalidGrant(Consumed), ecid kept"],
    );

    let unknown = RefreshToken::new("AQIDBAnever-issued-by-this-domain=");
    let outcome = provider.refresh(&client(), &unknown).await;
    report.check(
        "refresh with an unknown token",
        secrets.describe(&outcome, tokens),
        &["OAuth InvalidGrant(Invalid), ecid kept"],
    );

    let aging = RefreshToken::new(control.issue_refresh_token_for("alice"));
    secrets.add(aging.expose_secret());
    control.set_clock_offset(604_801);
    let outcome = provider.refresh(&client(), &aging).await;
    control.set_clock_offset(0);
    report.check(
        "refresh with an expired token",
        secrets.describe(&outcome, tokens),
        &["OAuth InvalidGrant(Expired), ecid kept"],
    );
}

async fn revoke(
    report: &mut Report,
    provider: &dyn IdentityProvider,
    fake: &FakeIdentityDomain,
    secrets: &mut Secrets,
) {
    let control: FakeControl = fake.control();
    let token = RefreshToken::new(control.issue_refresh_token_for("alice"));
    secrets.add(token.expose_secret());
    let before = control.counters().revocations;
    let outcome = provider.revoke(&client(), &token).await;
    let mut text = secrets.describe(&outcome, |revoked| format!("revoked: {revoked}"));
    if outcome.is_ok() {
        let sent = control.counters().revocations - before;
        let still = control.is_refresh_token_current(token.expose_secret());
        text.push_str(&format!(
            "; {sent} revocation request(s); token {}",
            if still { "still valid" } else { "invalid" }
        ));
    }
    report.check(
        "revoke a refresh token",
        text,
        &["revoked: true; 1 revocation request(s); token invalid"],
    );
}
