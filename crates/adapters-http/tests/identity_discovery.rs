//! A discovery document is the server's word about where to send tokens; it
//! may not move them off the identity domain. Over real loopback HTTP: the
//! domain's fake serves a hostile document pointing at a second fake (another
//! port, so another origin), which must never see a request.
#![allow(clippy::unwrap_used)]

mod identity_support;

use identity_support::{client_id, provider, start_fake};
use oci_iam_sso_domain::{IdentityProvider, ProviderError, RefreshToken, Scope};

#[tokio::test]
async fn endpoints_on_another_host_are_refused_and_never_contacted() {
    for member in [
        "token_endpoint",
        "device_authorization_endpoint",
        "revocation_endpoint",
    ] {
        let domain = start_fake().await;
        let elsewhere = start_fake().await;
        let path = match member {
            "token_endpoint" => "/oauth2/v1/token",
            "device_authorization_endpoint" => "/oauth2/v1/device",
            _ => "/oauth2/v1/revoke",
        };
        domain
            .control()
            .set_discovery_member(member, format!("{}{path}", elsewhere.url()).into());
        let provider = provider(&domain);
        let token = RefreshToken::new(domain.control().issue_refresh_token_for("alice"));

        let error = provider.endpoints().await.unwrap_err();
        let refresh = provider.refresh(&client_id(), &token).await.unwrap_err();
        let device = provider
            .start_device_authorization(&client_id(), &Scope::default_epm())
            .await
            .unwrap_err();
        let revoke = provider.revoke(&client_id(), &token).await.unwrap_err();

        let shown = error.to_string();
        assert!(
            matches!(error, ProviderError::Malformed { .. }),
            "{error:?}"
        );
        assert!(!shown.contains('\n'), "one line: {shown}");
        assert!(shown.contains(member), "{shown}");
        assert!(
            shown.contains(&elsewhere.url()),
            "names the other host: {shown}"
        );
        assert!(shown.contains(&domain.url()), "names the domain: {shown}");
        for other in [&refresh, &device, &revoke] {
            assert_eq!(other.to_string(), shown);
        }
        let seen = elsewhere.control().counters();
        assert_eq!(
            (
                seen.token_requests,
                seen.device_authorizations,
                seen.revocations
            ),
            (0, 0, 0),
            "{member}: nothing reached the other host"
        );
        assert!(
            domain
                .control()
                .is_refresh_token_current(token.expose_secret()),
            "the refresh token was not spent"
        );
    }
}

#[tokio::test]
async fn endpoints_on_the_domain_itself_are_used() {
    let domain = start_fake().await;
    // Another path on the same origin is the server's choice to make.
    domain.control().set_discovery_member(
        "revocation_endpoint",
        format!("{}/oauth2/v1/revoke?from=discovery", domain.url()).into(),
    );
    let endpoints = provider(&domain).endpoints().await.unwrap();
    assert_eq!(
        endpoints.revocation.unwrap().as_str(),
        format!("{}/oauth2/v1/revoke?from=discovery", domain.url())
    );
}
