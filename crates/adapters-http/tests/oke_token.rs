//! Cluster tokens (`oke token`): made as the OCI CLI's `ce cluster
//! generate-token` makes them, and accepted by the fake's check, which does
//! what the container engine does for a cluster's API server.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use oci_iam_sso_adapters_http::{HttpOciAuthService, HttpSettings};
use oci_iam_sso_domain::oci::{
    ClusterId, ClusterTokenSigner, PrivateKeyPem, Region, SessionCredentials,
};
use oci_iam_sso_domain::{ServiceUrl, SessionToken, Timestamp};
use oci_iam_sso_testkit::oci::{FAKE_USER, FakeOciAuth, FakeOciConfig, Rejection};

const CLUSTER: &str = "ocid1.cluster.oc1.iad.aaaaaaaaexample";

fn data(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/oci/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Timestamp::from_unix(i64::try_from(secs).unwrap())
}

fn region() -> Region {
    Region::new("us-ashburn-1", "oraclecloud.com").unwrap()
}

async fn setup() -> (FakeOciAuth, SessionCredentials) {
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    let token = fake
        .control()
        .mint_session(&data("test_key_public.pem"))
        .unwrap();
    let session = SessionCredentials {
        token: SessionToken::new(token),
        private_key: PrivateKeyPem::new(data("test_key.pem")),
    };
    (fake, session)
}

fn signer(fake: Option<&FakeOciAuth>) -> HttpOciAuthService {
    HttpOciAuthService::new(
        HttpSettings::default(),
        fake.map(|f| ServiceUrl::parse(f.url()).unwrap()),
    )
}

#[tokio::test]
async fn the_fake_accepts_a_cluster_token_signed_with_the_session() {
    let (fake, session) = setup().await;
    let token = signer(Some(&fake))
        .cluster_token(
            &region(),
            &ClusterId::new(CLUSTER).unwrap(),
            &session,
            now(),
        )
        .unwrap();
    let verified = fake
        .control()
        .verify_cluster_token(token.expose_secret())
        .unwrap();
    assert_eq!(verified.cluster, CLUSTER);
    assert_eq!(verified.subject, FAKE_USER);
    assert_eq!(
        verified.url_without_query,
        format!("{}/cluster_request/{CLUSTER}", fake.url())
    );
    assert_eq!(fake.control().counters().cluster_tokens, 1);
}

#[tokio::test]
async fn a_token_for_another_cluster_a_stale_date_or_another_session_is_refused() {
    let (fake, session) = setup().await;
    let control = fake.control();
    let cluster = ClusterId::new(CLUSTER).unwrap();
    let good = signer(Some(&fake))
        .cluster_token(&region(), &cluster, &session, now())
        .unwrap();

    // The cluster in the path is covered by the signature.
    let url = String::from_utf8(URL_SAFE.decode(good.expose_secret()).unwrap()).unwrap();
    let moved = url.replace(CLUSTER, "ocid1.cluster.oc1.iad.other");
    assert_eq!(
        control.verify_cluster_token(&URL_SAFE.encode(&moved)),
        Err(Rejection::BadSignature)
    );
    // A credential kubectl kept too long: the service allows five minutes.
    let stale = signer(Some(&fake))
        .cluster_token(
            &region(),
            &cluster,
            &session,
            now().minus(std::time::Duration::from_secs(600)),
        )
        .unwrap();
    assert_eq!(
        control.verify_cluster_token(stale.expose_secret()),
        Err(Rejection::StaleDate)
    );
    // Unpadded or not base64url at all.
    let unpadded = good.expose_secret().trim_end_matches('=');
    if unpadded.len() != good.expose_secret().len() {
        assert_eq!(
            control.verify_cluster_token(unpadded),
            Err(Rejection::MalformedClusterToken)
        );
    }
    assert_eq!(
        control.verify_cluster_token("not a token"),
        Err(Rejection::MalformedClusterToken)
    );
    control.revoke_sessions();
    assert_eq!(
        control.verify_cluster_token(good.expose_secret()),
        Err(Rejection::RevokedSession)
    );
    assert_eq!(control.counters().cluster_tokens, 0);
}

/// The shape, field by field, of the OCI CLI's token (oci-cli's
/// `containerengine_cli_extended.py`): the container engine's URL of the
/// region, then `?authorization=…&date=…` form-encoded (`+` for a space),
/// all in base64url with `=` padding.
#[test]
fn the_token_is_the_oci_cli_s_url_in_padded_base64url() {
    let session = SessionCredentials {
        token: SessionToken::new("header.payload.sig"),
        private_key: PrivateKeyPem::new(data("test_key.pem")),
    };
    // Tue, 21 Jul 2026 12:00:00 GMT
    let at = Timestamp::from_unix(1_784_635_200);
    let token = signer(None)
        .cluster_token(&region(), &ClusterId::new(CLUSTER).unwrap(), &session, at)
        .unwrap();
    let text = token.expose_secret();
    assert_eq!(text.len() % 4, 0, "padded");
    assert!(
        text.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='))
    );
    let url = String::from_utf8(URL_SAFE.decode(text).unwrap()).unwrap();
    let prefix = format!(
        "https://containerengine.us-ashburn-1.oraclecloud.com/cluster_request/{CLUSTER}?authorization=Signature+algorithm%3D%22rsa-sha256%22%2Cheaders%3D%22date+%28request-target%29+host%22%2CkeyId%3D%22ST%24header.payload.sig%22%2Csignature%3D%22"
    );
    assert!(url.starts_with(&prefix), "{url}");
    assert!(
        url.ends_with("%22%2Cversion%3D%221%22&date=Tue%2C+21+Jul+2026+12%3A00%3A00+GMT"),
        "{url}"
    );
    // Deterministic: the same session, cluster and date give the same token.
    let again = signer(None)
        .cluster_token(&region(), &ClusterId::new(CLUSTER).unwrap(), &session, at)
        .unwrap();
    assert_eq!(token, again);
}
