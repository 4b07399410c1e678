//! Use-case tests of the OCI module with mocked ports.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::path::{Path, PathBuf};
use std::time::Duration;

use mockall::predicate::eq;

use super::mocks::{MockOciAuthService, MockOciFiles, MockOciKeys};
use super::*;
use crate::{Clock, Error, ProviderError, SessionToken, Timestamp};

const NOW: Timestamp = Timestamp::from_unix(1_767_225_600);

pub(super) struct FixedClock;

#[async_trait::async_trait]
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        NOW
    }
    async fn sleep(&self, _: Duration) {}
}

pub(super) fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A JWT expiring `ttl_secs` after NOW (negative: already expired).
pub(super) fn jwt(ttl_secs: i64, marker: &str) -> SessionToken {
    let payload = format!(
        r#"{{"sub":"u","tenant":"t","exp":{},"m":"{marker}"}}"#,
        NOW.unix() + ttl_secs
    );
    SessionToken::new(format!("e30.{}.sig", b64url(payload.as_bytes())))
}

pub(super) fn name() -> OciProfileName {
    OciProfileName::new("DEFAULT").unwrap()
}

pub(super) fn profile() -> OciProfile {
    OciProfile {
        name: name(),
        region: Region::new("us-ashburn-1", "oraclecloud.com").unwrap(),
        tenancy: Some("ocid1.tenancy.oc1..t".into()),
        fingerprint: None,
        key_file: Some("/k/oci_api_key.pem".into()),
        security_token_file: Some("/k/token".into()),
    }
}

fn files_with_session(ttl_secs: i64) -> MockOciFiles {
    let mut files = MockOciFiles::new();
    files
        .expect_lock_session()
        .returning(|_| Ok(OciLock::new(())));
    files
        .expect_lock_db_token_dir()
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

fn key_pair() -> KeyPair {
    KeyPair {
        private_pem: PrivateKeyPem::new("DBKEY".into()),
        public_pem: "PUBLIC".into(),
        fingerprint: "aa:bb".into(),
    }
}

fn request() -> DbTokenRequest {
    DbTokenRequest {
        scope: DbScope::default(),
        location: PathBuf::from("/db"),
        key_size: KeySize::Rsa2048,
    }
}

fn oci(error: Error) -> OciError {
    match error {
        Error::Oci(e) => e,
        other => panic!("expected an OCI error, got {other:?}"),
    }
}

#[tokio::test]
async fn refresh_writes_the_new_token() {
    let mut files = files_with_session(600);
    let mut auth = MockOciAuthService::new();
    auth.expect_refresh_session()
        .withf(|_, s| s.token == jwt(600, "old"))
        .times(1)
        .returning(|_, _| Ok(jwt(3600, "new")));
    files
        .expect_write_session_token()
        .withf(|_, t| *t == jwt(3600, "new"))
        .times(1)
        .returning(|_, _| Ok(()));
    let claims = RefreshSession {
        auth: &auth,
        files: &files,
        clock: &FixedClock,
    }
    .run(&name())
    .await
    .unwrap();
    assert_eq!(claims.expires_at, Timestamp::from_unix(NOW.unix() + 3600));
}

#[tokio::test]
async fn refresh_refused_asks_for_a_new_login() {
    let mut files = files_with_session(600);
    files.expect_write_session_token().never();
    let mut auth = MockOciAuthService::new();
    auth.expect_refresh_session().returning(|_, _| {
        Err(OciError::Service(ProviderError::Unauthorized {
            endpoint: "auth".into(),
        }))
    });
    let error = RefreshSession {
        auth: &auth,
        files: &files,
        clock: &FixedClock,
    }
    .run(&name())
    .await
    .unwrap_err();
    assert!(matches!(oci(error), OciError::RefreshRefused { profile } if profile == "DEFAULT"));
}

#[tokio::test]
async fn an_expired_session_is_not_sent_to_the_service() {
    let files = files_with_session(-1);
    let mut auth = MockOciAuthService::new();
    auth.expect_refresh_session().never();
    let error = RefreshSession {
        auth: &auth,
        files: &files,
        clock: &FixedClock,
    }
    .run(&name())
    .await
    .unwrap_err();
    assert!(matches!(oci(error), OciError::SessionExpired { profile } if profile == "DEFAULT"));
}

#[tokio::test]
async fn db_token_with_a_fresh_session_does_not_refresh() {
    let mut files = files_with_session(30 * 60);
    let mut auth = MockOciAuthService::new();
    let mut keys = MockOciKeys::new();
    auth.expect_refresh_session().never();
    keys.expect_generate()
        .with(eq(KeySize::Rsa2048))
        .times(1)
        .returning(|_| Ok(key_pair()));
    auth.expect_generate_db_token()
        .withf(|_, s, scope, public| {
            s.token == jwt(30 * 60, "old")
                && scope.as_str() == DEFAULT_DB_SCOPE
                && public == "PUBLIC"
        })
        .times(1)
        .returning(|_, _, _, _| Ok(jwt(3600, "db")));
    files
        .expect_write_db_token()
        .withf(|dir, token, key| {
            dir == Path::new("/db") && *token == jwt(3600, "db") && key.fingerprint == "aa:bb"
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let issued = GetDbToken {
        auth: &auth,
        files: &files,
        keys: &keys,
        clock: &FixedClock,
    }
    .run(&name(), &request())
    .await
    .unwrap();
    assert!(!issued.session_refreshed);
    assert_eq!(
        issued.expires_at,
        Some(Timestamp::from_unix(NOW.unix() + 3600))
    );
}

#[tokio::test]
async fn db_token_refreshes_a_session_that_expires_within_five_minutes() {
    let mut files = files_with_session(4 * 60);
    let mut auth = MockOciAuthService::new();
    let mut keys = MockOciKeys::new();
    let mut sequence = mockall::Sequence::new();
    auth.expect_refresh_session()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _| Ok(jwt(3600, "new")));
    files
        .expect_write_session_token()
        .times(1)
        .returning(|_, _| Ok(()));
    keys.expect_generate().returning(|_| Ok(key_pair()));
    auth.expect_generate_db_token()
        .withf(|_, s, _, _| s.token == jwt(3600, "new"))
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _, _, _| Ok(jwt(3600, "db")));
    files
        .expect_write_db_token()
        .times(1)
        .returning(|_, _, _| Ok(()));
    let issued = GetDbToken {
        auth: &auth,
        files: &files,
        keys: &keys,
        clock: &FixedClock,
    }
    .run(&name(), &request())
    .await
    .unwrap();
    assert!(issued.session_refreshed);
}

#[tokio::test]
async fn db_token_failure_writes_no_key() {
    let mut files = files_with_session(30 * 60);
    files.expect_write_db_token().never();
    let mut auth = MockOciAuthService::new();
    let mut keys = MockOciKeys::new();
    keys.expect_generate().returning(|_| Ok(key_pair()));
    auth.expect_generate_db_token().returning(|_, _, _, _| {
        Err(OciError::Service(ProviderError::Unauthorized {
            endpoint: "auth".into(),
        }))
    });
    let error = GetDbToken {
        auth: &auth,
        files: &files,
        keys: &keys,
        clock: &FixedClock,
    }
    .run(&name(), &request())
    .await
    .unwrap_err();
    assert!(matches!(
        oci(error),
        OciError::Service(ProviderError::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn db_token_with_an_expired_session_fails_with_exit_17() {
    let files = files_with_session(0);
    let auth = MockOciAuthService::new();
    let keys = MockOciKeys::new();
    let error = GetDbToken {
        auth: &auth,
        files: &files,
        keys: &keys,
        clock: &FixedClock,
    }
    .run(&name(), &request())
    .await
    .unwrap_err();
    assert!(matches!(oci(error), OciError::SessionExpired { .. }));
}

#[tokio::test]
async fn validate_local_and_remote() {
    let files = files_with_session(600);
    let mut auth = MockOciAuthService::new();
    auth.expect_validate_session().never();
    let state = ValidateSession {
        auth: &auth,
        files: &files,
        clock: &FixedClock,
    }
    .run(&name(), true)
    .await
    .unwrap();
    assert!(!state.checked_remotely);

    let mut auth = MockOciAuthService::new();
    auth.expect_validate_session()
        .times(1)
        .returning(|_, _| Ok(false));
    let error = ValidateSession {
        auth: &auth,
        files: &files,
        clock: &FixedClock,
    }
    .run(&name(), false)
    .await
    .unwrap_err();
    assert!(matches!(oci(error), OciError::SessionInvalid { .. }));

    let expired = files_with_session(-5);
    let error = ValidateSession {
        auth: &auth,
        files: &expired,
        clock: &FixedClock,
    }
    .run(&name(), true)
    .await
    .unwrap_err();
    assert!(matches!(oci(error), OciError::SessionExpired { .. }));
}

#[test]
fn names_regions_and_scopes() {
    assert!(OciProfileName::new("a.b_c-d@e").is_ok());
    for bad in ["", "a b", "a/b", "[x]"] {
        assert!(OciProfileName::new(bad).is_err(), "{bad}");
    }
    let region = Region::new("us-ashburn-1", "oraclecloud.com").unwrap();
    assert_eq!(
        region.auth_url(),
        "https://auth.us-ashburn-1.oraclecloud.com"
    );
    assert_eq!(
        region.identity_url(),
        "https://identity.us-ashburn-1.oci.oraclecloud.com"
    );
    assert!(Region::new("us/evil", "oraclecloud.com").is_err());
    assert!(Region::new("us-1", "evil.com/x").is_err());
    assert!(DbScope::new("urn:oracle:db::id::ocid1.compartment.x").is_ok());
    assert!(DbScope::new("urn:opc:idm:__myscopes__").is_err());
    assert_eq!(KeySize::from_bits(4096).unwrap().bits(), 4096);
    assert!(KeySize::from_bits(1024).is_err());
    assert_eq!(
        format!("{:?}", PrivateKeyPem::new("SECRET".into())),
        "PrivateKeyPem([redacted])"
    );
}
