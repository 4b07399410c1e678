//! Shared helpers of the identity and resource tests: a fake identity domain
//! on loopback, a provider aimed at it, and the snapshot filters.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use oci_iam_sso_adapters_http::{HttpIdentityProvider, HttpSettings};
use oci_iam_sso_domain::{ClientId, ServiceUrl};
use oci_iam_sso_testkit::{FakeIdcsConfig, FakeIdentityDomain};

pub const CLIENT: &str = "test-client";

/// A fake domain that never answers `slow_down` (tests poll back to back).
pub async fn start_fake() -> FakeIdentityDomain {
    start_fake_with(FakeIdcsConfig::default()).await
}

pub async fn start_fake_with(config: FakeIdcsConfig) -> FakeIdentityDomain {
    FakeIdentityDomain::start(FakeIdcsConfig {
        min_poll_interval: Duration::ZERO,
        ..config
    })
    .await
    .unwrap()
}

pub fn url(text: &str) -> ServiceUrl {
    ServiceUrl::parse(text).unwrap()
}

pub fn client_id() -> ClientId {
    ClientId::new(CLIENT).unwrap()
}

pub fn provider(fake: &FakeIdentityDomain) -> HttpIdentityProvider {
    provider_with(fake, HttpSettings::default())
}

pub fn provider_with(fake: &FakeIdentityDomain, settings: HttpSettings) -> HttpIdentityProvider {
    HttpIdentityProvider::new(url(&fake.url()), settings)
}

/// Settings whose request timeout is short, for the timeout tests.
pub fn short_timeout() -> HttpSettings {
    HttpSettings {
        request_timeout: Duration::from_millis(300),
        ..HttpSettings::default()
    }
}

/// Replaces what changes between runs: loopback ports and ecids.
pub fn stable(text: &str) -> String {
    let ports = regex_lite_replace(text, "127.0.0.1:", |c| c.is_ascii_digit(), "[PORT]");
    regex_lite_replace(&ports, "(ecid ", |c| c.is_ascii_alphanumeric(), "[ECID]")
}

/// Replaces the run of `keep` characters after each `prefix` with `with`.
fn regex_lite_replace(text: &str, prefix: &str, keep: fn(char) -> bool, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let (head, tail) = rest.split_at(at + prefix.len());
        out.push_str(head);
        let end = tail.find(|c: char| !keep(c)).unwrap_or(tail.len());
        if end > 0 {
            out.push_str(with);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}
