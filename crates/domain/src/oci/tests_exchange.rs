//! Use-case tests of `session exchange` with mocked ports: the access token
//! comes through the rotation rules, nothing is written unless the exchange
//! succeeded, and every refusal says what to do.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use mockall::predicate::eq;

use super::mocks::{MockOciFiles, MockOciKeys, MockTokenExchanger};
use super::tests::b64url;
use super::*;
use crate::mocks::{MockIdentityProvider, MockTokenStore};
use crate::test_support::{
    CLIENT_ID, CLIENT_SECRET, ManualClock, Replaced, T0, expired, fresh, give_lock, lock_with,
    oauth, profile, response, script_refresh, server, snapshot,
};
use crate::{AccessTokens, DEFAULT_SKEW, Error, Profile, ProviderError, RetryPolicy, SessionToken};

const PUBLIC_PEM: &str =
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\nhkiG9w0BAQEF\n-----END PUBLIC KEY-----\n";
const SPKI: &str = "MIIBIjANBgkqhkiG9w0BAQEF";

/// A session JWT expiring `ttl_secs` after T0, with an optional `tenant`.
fn session_jwt(ttl_secs: i64, tenant: Option<&str>) -> SessionToken {
    let tenant = tenant.map_or(String::new(), |t| format!(r#","tenant":"{t}""#));
    let payload = format!(r#"{{"sub":"u"{tenant},"exp":{}}}"#, T0.unix() + ttl_secs);
    SessionToken::new(format!("e30.{}.sig", b64url(payload.as_bytes())))
}

fn target(tenancy: Option<&str>) -> ExchangeTarget {
    ExchangeTarget {
        profile: OciProfileName::new("exchanged").unwrap(),
        region: Region::new("us-ashburn-1", "oraclecloud.com").unwrap(),
        tenancy: tenancy.map(|t| TenancyOcid::parse(t).unwrap()),
    }
}

fn keys() -> MockOciKeys {
    let mut keys = MockOciKeys::new();
    keys.expect_generate()
        .with(eq(KeySize::Rsa2048))
        .times(1)
        .returning(|_| {
            Ok(KeyPair {
                private_pem: PrivateKeyPem::new("PRIVATE".into()),
                public_pem: PUBLIC_PEM.into(),
                fingerprint: "aa:bb".into(),
            })
        });
    keys
}

/// An exchanger that expects the access token `access` and answers `answer`.
fn exchanger(
    access: &'static str,
    answer: Result<SessionToken, crate::ProviderError>,
) -> MockTokenExchanger {
    let mut exchanger = MockTokenExchanger::new();
    exchanger
        .expect_exchange_for_oci_session()
        .withf(move |client_id, secret, token, key| {
            client_id.as_str() == CLIENT_ID
                && secret.expose_secret() == CLIENT_SECRET
                && token.expose_secret() == access
                && key == SPKI
        })
        .times(1)
        .return_once(move |_, _, _, _| answer);
    exchanger
}

/// Files that expect exactly one `save_new_session` for `tenancy`.
fn files_saving(tenancy: &'static str) -> MockOciFiles {
    let mut files = MockOciFiles::new();
    files
        .expect_lock_session()
        .withf(|name| name.as_str() == "exchanged")
        .times(1)
        .returning(|_| Ok(OciLock::new(())));
    files
        .expect_save_new_session()
        .withf(move |name, region, t, key, _| {
            name.as_str() == "exchanged"
                && region.name() == "us-ashburn-1"
                && t.as_str() == tenancy
                && key.public_pem == PUBLIC_PEM
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok("/home/u/.oci/sessions/exchanged".into()));
    files
}

struct Ports {
    provider: MockIdentityProvider,
    store: MockTokenStore,
    exchanger: MockTokenExchanger,
    keys: MockOciKeys,
    files: MockOciFiles,
}

impl Ports {
    /// Ports that fail the test on any call (tests add what they expect).
    fn strict() -> Self {
        Self {
            provider: crate::test_support::provider_mock(),
            store: MockTokenStore::new(),
            exchanger: MockTokenExchanger::new(),
            keys: MockOciKeys::new(),
            files: MockOciFiles::new(),
        }
    }

    async fn run(
        &self,
        identity: &Profile,
        tenancy: Option<&str>,
    ) -> Result<SessionExchanged, Error> {
        let clock = ManualClock::at(T0);
        ExchangeSession {
            tokens: AccessTokens {
                provider: &self.provider,
                store: &self.store,
                clock: &clock,
                notices: &crate::IgnoreNotices,
                skew: DEFAULT_SKEW,
                retry: RetryPolicy::default(),
            },
            exchanger: &self.exchanger,
            keys: &self.keys,
            files: &self.files,
            clock: &clock,
        }
        .run(identity, &target(tenancy))
        .await
    }
}

#[tokio::test]
async fn a_cached_access_token_is_exchanged_and_the_session_written() {
    let mut ports = Ports::strict();
    snapshot(&mut ports.store, Some(fresh(1)));
    ports.keys = keys();
    ports.exchanger = exchanger("at-1", Ok(session_jwt(3600, Some("ocid1.tenancy.oc1..t"))));
    ports.files = files_saving("ocid1.tenancy.oc1..t");

    let done = ports
        .run(&profile(), Some("ocid1.tenancy.oc1..ignored"))
        .await
        .unwrap();
    assert_eq!(done.tenancy.as_str(), "ocid1.tenancy.oc1..t");
    assert_eq!(
        done.claims.expires_at,
        T0.plus(crate::test_support::secs(3600))
    );
    assert_eq!(
        done.session_dir.to_str(),
        Some("/home/u/.oci/sessions/exchanged")
    );
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_under_the_lock_first() {
    let mut ports = Ports::strict();
    snapshot(&mut ports.store, Some(expired(1)));
    let replaced = Replaced::default();
    give_lock(
        &mut ports.store,
        lock_with(vec![Some(expired(1))], Some(Ok(())), &replaced),
    );
    let calls = script_refresh(
        &mut ports.provider,
        vec![Ok(response("at-2", Some("rt-2")))],
    );
    ports.keys = keys();
    ports.exchanger = exchanger("at-2", Ok(session_jwt(3600, None)));
    ports.files = files_saving("ocid1.tenancy.oc1..given");

    let done = ports
        .run(&profile(), Some("ocid1.tenancy.oc1..given"))
        .await
        .unwrap();
    assert_eq!(done.tenancy.as_str(), "ocid1.tenancy.oc1..given");
    assert_eq!(crate::test_support::calls(&calls), vec!["rt-1"]);
    // The rotated refresh token was stored before the access token was used.
    assert_eq!(replaced.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn without_a_client_secret_nothing_is_asked_of_anyone() {
    let ports = Ports::strict();
    let mut identity = profile();
    identity.client_secret = None;
    let error = ports.run(&identity, None).await.unwrap_err();
    assert!(matches!(error, Error::NoClientSecret(_)), "{error:?}");
}

#[tokio::test]
async fn a_profile_that_is_not_logged_in_makes_no_key() {
    let mut ports = Ports::strict();
    snapshot(&mut ports.store, None);
    let replaced = Replaced::default();
    give_lock(&mut ports.store, lock_with(vec![None], None, &replaced));
    let error = ports.run(&profile(), None).await.unwrap_err();
    assert!(matches!(error, Error::NotLoggedIn(_)), "{error:?}");
}

#[tokio::test]
async fn refusals_name_the_profile_and_write_nothing() {
    for code in ["invalid_client", "invalid_grant", "unauthorized_client"] {
        let mut ports = Ports::strict();
        snapshot(&mut ports.store, Some(fresh(1)));
        ports.keys = keys();
        ports.exchanger = exchanger("at-1", Err(oauth(code, Some("refused"))));
        let error = ports.run(&profile(), None).await.unwrap_err();
        assert!(
            matches!(&error, Error::TokenExchangeRefused { error, .. } if error.code == code),
            "{code}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("profile `epm`") && message.contains(code),
            "{message}"
        );
        assert!(!message.contains(CLIENT_SECRET) && !message.contains("at-1"));
    }
}

#[tokio::test]
async fn a_server_failure_is_passed_on_as_it_is() {
    let mut ports = Ports::strict();
    snapshot(&mut ports.store, Some(fresh(1)));
    ports.keys = keys();
    ports.exchanger = exchanger("at-1", Err(server(503, None)));
    let error = ports.run(&profile(), None).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Provider(ProviderError::Server { status: 503, .. })
        ),
        "{error:?}"
    );
}

fn is_malformed(error: &Error) -> bool {
    matches!(
        error,
        Error::Oci(OciError::Service(ProviderError::Malformed { .. }))
    )
}

#[tokio::test]
async fn an_unusable_session_token_is_not_written() {
    for (token, problem) in [
        (SessionToken::new("not-a-jwt"), "not a JWT"),
        (session_jwt(-1, Some("t")), "already expired"),
    ] {
        let mut ports = Ports::strict();
        snapshot(&mut ports.store, Some(fresh(1)));
        ports.keys = keys();
        ports.exchanger = exchanger("at-1", Ok(token));
        let error = ports.run(&profile(), None).await.unwrap_err();
        assert!(error.to_string().contains(problem), "{error}");
        assert!(is_malformed(&error), "{error:?}");
    }
}

#[tokio::test]
async fn a_tenant_claim_that_is_not_a_tenancy_ocid_is_not_written() {
    // `\\n` is a JSON escape: the claim decodes to a value with a line break,
    // which would add a key to the config file.
    for tenant in [
        r"ocid1.tenancy.oc1..t\nuser=ocid1.user.oc1..x",
        "t",
        "ocid1.user.oc1..u",
    ] {
        let mut ports = Ports::strict();
        snapshot(&mut ports.store, Some(fresh(1)));
        ports.keys = keys();
        ports.exchanger = exchanger("at-1", Ok(session_jwt(3600, Some(tenant))));
        let error = ports
            .run(&profile(), Some("ocid1.tenancy.oc1..given"))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("tenancy OCID"), "{error}");
        assert!(
            matches!(
                error,
                Error::Oci(OciError::Tenancy {
                    refusal: TenancyRefusal::ClaimNotOcid,
                    ..
                })
            ),
            "{tenant}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_session_without_tenancy_needs_the_flag() {
    let mut ports = Ports::strict();
    snapshot(&mut ports.store, Some(fresh(1)));
    ports.keys = keys();
    ports.exchanger = exchanger("at-1", Ok(session_jwt(3600, None)));
    let error = ports.run(&profile(), None).await.unwrap_err();
    assert!(error.to_string().contains("names a tenancy"), "{error}");
    assert!(
        matches!(
            error,
            Error::Oci(OciError::Tenancy {
                refusal: TenancyRefusal::Unnamed,
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn the_public_key_is_the_pem_body_without_armour() {
    assert_eq!(spki_base64(PUBLIC_PEM).as_deref(), Some(SPKI));
    assert_eq!(
        spki_base64("-----BEGIN PUBLIC KEY-----\r\nAAAA\r\n-----END PUBLIC KEY-----").as_deref(),
        Some("AAAA")
    );
    for not_spki in [
        "",
        "AAAA",
        "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nAA\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nAA-_\n-----END PUBLIC KEY-----",
    ] {
        assert_eq!(spki_base64(not_spki), None, "{not_spki}");
    }
}
