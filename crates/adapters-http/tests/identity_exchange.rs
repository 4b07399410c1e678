//! The token exchange (RFC 8693) against the fake identity domain and fake OCI auth
//! service on loopback: the session it returns is accepted by the OCI service
//! with the matching private key; a wrong secret, an unknown access token and
//! a server error become the right errors, without the secret or body in them.
#![allow(clippy::unwrap_used)]

mod identity_support;

use identity_support::{client_id, provider, start_fake_with};
use oci_iam_sso_adapters_http::HttpOciAuthService;
use oci_iam_sso_adapters_http::HttpSettings;
use oci_iam_sso_domain::oci::{
    OciAuthService as _, PrivateKeyPem, Region, SessionCredentials, TokenExchanger as _,
    spki_base64,
};
use oci_iam_sso_domain::{
    AccessToken, ClientId, ClientSecret, InvalidGrant, OAuthErrorKind, ProviderError, ServiceUrl,
};
use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig};
use oci_iam_sso_testkit::{FakeIdcsConfig, FakeIdentityDomain, Fault};

const CONFIDENTIAL: &str = "confidential-app";
const SECRET: &str = "SECRET-s3cret-value";

fn data(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/oci/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn fakes() -> (FakeOciAuth, FakeIdentityDomain) {
    let oci = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    let idcs = start_fake_with(FakeIdcsConfig {
        confidential_clients: vec![(CONFIDENTIAL.into(), SECRET.into())],
        session_minter: Some(oci.minter()),
        ..FakeIdcsConfig::default()
    })
    .await;
    (oci, idcs)
}

fn confidential() -> ClientId {
    ClientId::new(CONFIDENTIAL).unwrap()
}

fn public_key() -> String {
    spki_base64(&data("test_key_public.pem")).unwrap()
}

#[tokio::test]
async fn the_exchanged_session_is_accepted_by_the_oci_service() {
    let (oci, idcs) = fakes().await;
    let access = AccessToken::new(idcs.control().issue_access_token_for("ada"));
    let token = provider(&idcs)
        .exchange_for_oci_session(
            &confidential(),
            &ClientSecret::new(SECRET),
            &access,
            &public_key(),
        )
        .await
        .unwrap();
    assert_eq!(idcs.control().counters().token_exchanges, 1);

    let auth = HttpOciAuthService::new(
        HttpSettings::default(),
        Some(ServiceUrl::parse(oci.url()).unwrap()),
    );
    let session = SessionCredentials {
        token,
        private_key: PrivateKeyPem::new(data("test_key.pem")),
    };
    let region = Region::new("us-ashburn-1", "oraclecloud.com").unwrap();
    assert!(auth.validate_session(&region, &session).await.unwrap());
}

#[tokio::test]
async fn refusals_are_oauth_errors_without_the_secret() {
    let (_oci, idcs) = fakes().await;
    let access = AccessToken::new(idcs.control().issue_access_token_for("ada"));
    let provider = provider(&idcs);

    let wrong_secret = provider
        .exchange_for_oci_session(
            &confidential(),
            &ClientSecret::new("SECRET-wrong"),
            &access,
            &public_key(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        wrong_secret.oauth_kind(),
        Some(&OAuthErrorKind::InvalidClient)
    );
    // The public client has no secret to authenticate with.
    let public_client = provider
        .exchange_for_oci_session(
            &client_id(),
            &ClientSecret::new(SECRET),
            &access,
            &public_key(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        public_client.oauth_kind(),
        Some(&OAuthErrorKind::InvalidClient)
    );

    let unknown_token = provider
        .exchange_for_oci_session(
            &confidential(),
            &ClientSecret::new(SECRET),
            &AccessToken::new("SECRET-not-a-token"),
            &public_key(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        unknown_token.oauth_kind(),
        Some(&OAuthErrorKind::InvalidGrant(InvalidGrant::Invalid))
    );
    for error in [&wrong_secret, &public_client, &unknown_token] {
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }
}

#[tokio::test]
async fn a_server_error_is_reported_after_one_attempt() {
    let (oci, idcs) = fakes().await;
    let access = AccessToken::new(idcs.control().issue_access_token_for("ada"));
    idcs.control().inject(Fault::ServerError500, 1);
    let error = provider(&idcs)
        .exchange_for_oci_session(
            &confidential(),
            &ClientSecret::new(SECRET),
            &access,
            &public_key(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Server { status: 500, .. }),
        "{error:?}"
    );
    // One request reached the token endpoint (with discovery before it), none after.
    assert_eq!(idcs.control().counters().token_requests, 1);
    assert_eq!(oci.control().counters().validations, 0);
}
