//! `oke token` with mocked ports: refresh only when about to expire, never
//! sign with an expired or unrefreshable session, sign for the cluster's region.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use mockall::predicate::always;

use super::mocks::{MockClusterTokenSigner, MockOciAuthService, MockOciFiles};
use super::tests::{FixedClock, jwt, profile};
use super::*;
use crate::{Clock as _, Error, ProviderError, Timestamp};

const CLUSTER: &str = "ocid1.cluster.oc1.iad.aaaacluster";

fn files(ttl_secs: i64) -> MockOciFiles {
    let mut files = MockOciFiles::new();
    files
        .expect_lock_session()
        .returning(|_| Ok(OciLock::new(())));
    files.expect_load_profile().returning(|_| Ok(profile()));
    files.expect_read_session().returning(move |_| {
        Ok(SessionCredentials {
            token: jwt(ttl_secs, "old"),
            private_key: PrivateKeyPem::new("KEY".into()),
        })
    });
    files
}

fn signer_expecting(marker: &'static str, region: &'static str) -> MockClusterTokenSigner {
    let mut signer = MockClusterTokenSigner::new();
    signer
        .expect_cluster_token()
        .withf(move |r, c, s, _| {
            r.name() == region
                && c.as_str() == CLUSTER
                && string_claim(s.token.expose_secret(), "m").as_deref() == Some(marker)
        })
        .times(1)
        .returning(|_, _, _, _| Ok(ClusterToken::new("tok".into())));
    signer
}

async fn run(
    files: &MockOciFiles,
    auth: &MockOciAuthService,
    signer: &MockClusterTokenSigner,
    region: Option<&Region>,
) -> Result<ClusterCredential, Error> {
    GetClusterToken {
        auth,
        files,
        signer,
        clock: &FixedClock,
    }
    .run(
        &super::tests::name(),
        &ClusterId::new(CLUSTER).unwrap(),
        region,
    )
    .await
}

#[tokio::test]
async fn a_fresh_session_signs_without_a_refresh_and_lives_four_minutes() {
    let files = files(3600);
    let auth = MockOciAuthService::new(); // any call fails the test
    let mut signer = MockClusterTokenSigner::new();
    signer
        .expect_cluster_token()
        .withf(|r, c, _, at| {
            r.name() == "us-ashburn-1" && c.as_str() == CLUSTER && *at == FixedClock.now()
        })
        .times(1)
        .returning(|_, _, _, _| Ok(ClusterToken::new("tok".into())));
    let credential = run(&files, &auth, &signer, None).await.unwrap();
    assert_eq!(credential.token.expose_secret(), "tok");
    assert_eq!(
        credential.expires_at,
        FixedClock.now().plus(CLUSTER_TOKEN_LIFETIME)
    );
    assert!(!credential.session_refreshed);
    assert_eq!(
        format!("{:?}", credential.token),
        "ClusterToken([redacted])"
    );
}

#[tokio::test]
async fn a_session_about_to_expire_is_refreshed_at_its_region_and_the_new_one_signs() {
    let mut files = files(120);
    files
        .expect_write_session_token()
        .times(1)
        .returning(|_, _| Ok(()));
    let mut auth = MockOciAuthService::new();
    auth.expect_refresh_session()
        .withf(|r, _| r.name() == "us-ashburn-1")
        .times(1)
        .returning(|_, _| Ok(jwt(3600, "new")));
    let signer = signer_expecting("new", "eu-frankfurt-1");
    let frankfurt = Region::new("eu-frankfurt-1", "oraclecloud.com").unwrap();
    let credential = run(&files, &auth, &signer, Some(&frankfurt)).await.unwrap();
    assert!(credential.session_refreshed);
}

#[tokio::test]
async fn an_expired_session_fails_at_once_without_a_request_or_a_signature() {
    let files = files(-1);
    let auth = MockOciAuthService::new();
    let signer = MockClusterTokenSigner::new();
    let error = run(&files, &auth, &signer, None).await.unwrap_err();
    assert!(
        matches!(error, Error::Oci(OciError::SessionExpired { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refresh_the_service_refuses_fails_without_a_signature() {
    let files = files(60);
    let mut auth = MockOciAuthService::new();
    auth.expect_refresh_session()
        .with(always(), always())
        .times(1)
        .returning(|_, _| {
            Err(OciError::Service(ProviderError::Unauthorized {
                endpoint: "refresh".into(),
            }))
        });
    let signer = MockClusterTokenSigner::new();
    let error = run(&files, &auth, &signer, None).await.unwrap_err();
    assert!(
        matches!(error, Error::Oci(OciError::RefreshRefused { .. })),
        "{error:?}"
    );
}

#[test]
fn cluster_ids_are_ocids_and_nothing_that_could_leave_the_path() {
    assert!(ClusterId::new(CLUSTER).is_ok());
    for bad in [
        "",
        "fakeocid",
        "ocid1.instance.oc1..x",
        "ocid1.cluster.oc1/../x",
        "ocid1.cluster.oc1?x=1",
        "ocid1.cluster.oc1 x",
    ] {
        assert!(ClusterId::new(bad).is_err(), "{bad}");
    }
    let _ = Timestamp::from_unix(0);
}
