//! The OCI auth client against the fake OCI auth service on loopback: its
//! signed requests are accepted, and 401s, other refusals (403, 404), service
//! trouble, stale clocks and unreachable endpoints become the right errors
//! without leaking the token.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use oci_iam_sso_adapters_http::HttpOciAuthService;
use oci_iam_sso_adapters_http::HttpSettings;
use oci_iam_sso_domain::oci::{
    DbScope, OciAuthService, OciError, PrivateKeyPem, Region, SessionCredentials,
};
use oci_iam_sso_domain::{ProviderError, ServiceUrl, SessionToken};
use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig, HeldEndpoint, Rejection};

fn data(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/oci/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn region() -> Region {
    Region::new("us-ashburn-1", "oraclecloud.com").unwrap()
}

fn is_unauthorized(error: &OciError) -> bool {
    matches!(error, OciError::Service(ProviderError::Unauthorized { .. }))
}

async fn setup() -> (FakeOciAuth, HttpOciAuthService, SessionCredentials) {
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    let token = fake
        .control()
        .mint_session(&data("test_key_public.pem"))
        .unwrap();
    let client = HttpOciAuthService::new(
        HttpSettings::default(),
        Some(ServiceUrl::parse(fake.url()).unwrap()),
    );
    let session = SessionCredentials {
        token: SessionToken::new(token),
        private_key: PrivateKeyPem::new(data("test_key.pem")),
    };
    (fake, client, session)
}

#[tokio::test]
async fn refresh_db_token_and_validate_are_accepted_by_the_fake() {
    let (fake, client, session) = setup().await;
    let control = fake.control();

    let refreshed = client.refresh_session(&region(), &session).await.unwrap();
    assert_ne!(refreshed, session.token);
    assert_eq!(refreshed.expose_secret().split('.').count(), 3);

    let scope = DbScope::new("urn:oracle:db::id::ocid1.compartment.oc1..c").unwrap();
    let public = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    let db = client
        .generate_db_token(&region(), &session, &scope, public)
        .await
        .unwrap();
    assert!(!db.is_empty());
    assert_eq!(control.last_db_public_key().as_deref(), Some(public));
    assert_eq!(control.last_db_scope().as_deref(), Some(scope.as_str()));

    assert!(client.validate_session(&region(), &session).await.unwrap());
    let counters = control.counters();
    assert_eq!(
        (counters.refreshes, counters.db_tokens, counters.validations),
        (1, 1, 1)
    );
    assert_eq!(counters.signature_failures, 0);
}

#[tokio::test]
async fn a_revoked_session_is_unauthorized_and_invalid() {
    let (fake, client, session) = setup().await;
    fake.control().revoke_sessions();
    assert!(!client.validate_session(&region(), &session).await.unwrap());
    let error = client
        .refresh_session(&region(), &session)
        .await
        .unwrap_err();
    assert!(is_unauthorized(&error), "{error:?}");
    let message = error.to_string();
    assert!(
        !message.contains(session.token.expose_secret()),
        "{message}"
    );
    assert!(message.contains("/v1/authentication/refresh"), "{message}");
    assert_eq!(
        fake.control().last_rejection(),
        Some(Rejection::RevokedSession)
    );
}

#[tokio::test]
async fn a_clock_off_by_more_than_five_minutes_is_rejected() {
    let (fake, client, session) = setup().await;
    fake.control().set_clock_offset(-10 * 60);
    let error = client
        .refresh_session(&region(), &session)
        .await
        .unwrap_err();
    assert!(is_unauthorized(&error), "{error:?}");
    assert_eq!(fake.control().last_rejection(), Some(Rejection::StaleDate));
}

#[tokio::test]
async fn a_session_bound_to_another_key_is_rejected() {
    let (fake, client, mut session) = setup().await;
    let bound_elsewhere = fake
        .control()
        .mint_session(&data("other_key_public.pem"))
        .unwrap();
    session.token = SessionToken::new(bound_elsewhere);
    let error = client
        .refresh_session(&region(), &session)
        .await
        .unwrap_err();
    assert!(is_unauthorized(&error), "{error:?}");
    assert_eq!(
        fake.control().last_rejection(),
        Some(Rejection::BadSignature)
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = HttpOciAuthService::new(
        HttpSettings::default(),
        Some(ServiceUrl::parse(&url).unwrap()),
    );
    let session = SessionCredentials {
        token: SessionToken::new("a.b.c"),
        private_key: PrivateKeyPem::new(data("test_key.pem")),
    };
    let error = client
        .refresh_session(&region(), &session)
        .await
        .unwrap_err();
    assert!(
        matches!(error, OciError::Service(ProviderError::Transport { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn refusals_other_than_401_are_told_apart_from_service_trouble() {
    let (fake, client, session) = setup().await;
    let scope = DbScope::new("urn:oracle:db::id::ocid1.compartment.oc1..c").unwrap();
    let public = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    for status in [403, 404, 400] {
        fake.control().fail_with(HeldEndpoint::DbToken, status);
        let error = client
            .generate_db_token(&region(), &session, &scope, public)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, OciError::Service(ProviderError::Rejected { status: s, .. }) if *s == status),
            "{status}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("answered HTTP {status}"))
                && message.contains("/v1/actions/generateScopedAccessToken"),
            "{message}"
        );
        // OCI's error body is never quoted.
        assert!(!message.contains("fake-oci fault body"), "{message}");
    }
    for status in [429, 500, 503] {
        fake.control().fail_with(HeldEndpoint::Refresh, status);
        let error = client
            .refresh_session(&region(), &session)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, OciError::Service(ProviderError::Server { status: s, .. }) if *s == status),
            "{status}: {error:?}"
        );
    }
    fake.control().stop_failing(HeldEndpoint::Refresh);
    client.refresh_session(&region(), &session).await.unwrap();
    assert_eq!(fake.control().counters().db_tokens, 0);
}

#[tokio::test]
async fn an_unusable_private_key_is_a_config_error() {
    let (_fake, client, mut session) = setup().await;
    session.private_key = PrivateKeyPem::new("not a key".into());
    let error = client
        .refresh_session(&region(), &session)
        .await
        .unwrap_err();
    assert!(matches!(error, OciError::Config(_)), "{error:?}");
}
