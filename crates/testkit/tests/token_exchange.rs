//! The fake identity domain's token exchange (RFC 8693): a confidential client trades
//! an access token for an OCI session token bound to its public key, which the
//! fake OCI auth service then accepts; every wrong input is refused with the
//! identity domain's error shape.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use std::time::SystemTime;

use aws_lc_rs::encoding::{AsDer as _, PublicKeyX509Der};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig};
use oci_iam_sso_testkit::{FakeIdcsConfig, FakeIdentityDomain};
use serde_json::Value;

const CONFIDENTIAL: &str = "confidential-app";
const SECRET: &str = "s3cret:with-colon";
const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const UPST: &str = "urn:oci:token-type:oci-upst";

fn private_key() -> RsaKeyPair {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../adapters-http/tests/data/oci/test_key.pem"
    );
    let pem = std::fs::read_to_string(path).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(body).unwrap()).unwrap()
}

fn spki_base64(key: &RsaKeyPair) -> String {
    let der: PublicKeyX509Der<'_> = key.public_key().as_der().unwrap();
    STANDARD.encode(der.as_ref())
}

struct Fakes {
    oci: FakeOciAuth,
    idcs: FakeIdentityDomain,
}

async fn fakes(with_minter: bool) -> Fakes {
    common::install_crypto();
    let oci = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    let idcs = FakeIdentityDomain::start(FakeIdcsConfig {
        confidential_clients: vec![(CONFIDENTIAL.into(), SECRET.into())],
        session_minter: with_minter.then(|| oci.minter()),
        ..FakeIdcsConfig::default()
    })
    .await
    .unwrap();
    Fakes { oci, idcs }
}

impl Fakes {
    /// The exchange with the valid inputs, `change` applied to the form.
    async fn exchange(
        &self,
        credentials: Option<(&str, &str)>,
        change: impl FnOnce(&mut Vec<(&'static str, String)>),
    ) -> (u16, Option<String>, Value) {
        let mut form = vec![
            ("grant_type", EXCHANGE.to_owned()),
            ("requested_token_type", UPST.to_owned()),
            (
                "subject_token",
                self.idcs.control().issue_access_token_for("ada"),
            ),
            ("subject_token_type", "jwt".to_owned()),
            ("public_key", spki_base64(&private_key())),
        ];
        change(&mut form);
        let mut request = common::http()
            .post(format!("{}/oauth2/v1/token", self.idcs.url()))
            .form(&form);
        if let Some((id, secret)) = credentials {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, challenge, response.json().await.unwrap())
    }
}

fn set(form: &mut [(&'static str, String)], name: &str, value: &str) {
    form.iter_mut().find(|(n, _)| *n == name).unwrap().1 = value.to_owned();
}

/// A signed `GET /20160918/regions` (OCI request signature) with the session key: 200 when the
/// fake OCI auth service accepts the session.
async fn validate(oci: &FakeOciAuth, key: &RsaKeyPair, token: &str) -> u16 {
    let url = url::Url::parse(&format!("{}/20160918/regions", oci.url())).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let date = httpdate::fmt_http_date(SystemTime::now());
    let signing = format!(
        "date: {date}\n(request-target): get {}\nhost: {host}",
        url.path()
    );
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        signing.as_bytes(),
        &mut signature,
    )
    .unwrap();
    let authorization = format!(
        "Signature algorithm=\"rsa-sha256\",headers=\"date (request-target) host\",keyId=\"ST${token}\",signature=\"{}\",version=\"1\"",
        STANDARD.encode(&signature)
    );
    common::http()
        .get(url)
        .header("date", date)
        .header("authorization", authorization)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_confidential_client_gets_a_session_the_oci_fake_accepts() {
    let fakes = fakes(true).await;
    let (status, _, body) = fakes.exchange(Some((CONFIDENTIAL, SECRET)), |_| {}).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap();

    // The session is bound to the key that was sent, as a `jwk` claim.
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let jwk: Value = serde_json::from_str(claims["jwk"].as_str().unwrap()).unwrap();
    let key = private_key();
    let modulus = key.public_key().modulus();
    assert_eq!(
        jwk["n"],
        URL_SAFE_NO_PAD.encode(modulus.big_endian_without_leading_zero())
    );

    assert_eq!(validate(&fakes.oci, &key, token).await, 200);
    assert_eq!(fakes.idcs.control().counters().token_exchanges, 1);
}

#[tokio::test]
async fn client_authentication_is_required_and_checked() {
    let fakes = fakes(true).await;
    for credentials in [
        None,
        Some((CONFIDENTIAL, "wrong")),
        Some(("test-client", SECRET)),
    ] {
        let (status, challenge, body) = fakes.exchange(credentials, |_| {}).await;
        assert_eq!(status, 401, "{credentials:?}");
        assert_eq!(challenge.as_deref(), Some("Basic"));
        assert_eq!(body["error"], "invalid_client");
    }
    assert_eq!(fakes.idcs.control().counters().token_exchanges, 3);
    assert_eq!(fakes.oci.control().counters().validations, 0);
}

#[tokio::test]
async fn wrong_inputs_are_refused_with_the_domains_error() {
    let fakes = fakes(true).await;
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        spki_base64(&private_key())
    );
    let cases: [(&str, &str, &str); 6] = [
        ("subject_token", "not-a-token", "invalid_grant"),
        (
            "requested_token_type",
            "urn:oci:token-type:other",
            "invalid_request",
        ),
        ("subject_token_type", "access_token", "invalid_request"),
        ("public_key", &pem, "invalid_request"),
        ("public_key", "bm90IGEga2V5", "invalid_request"),
        ("public_key", "", "invalid_request"),
    ];
    for (field, value, error) in cases {
        let (status, _, body) = fakes
            .exchange(Some((CONFIDENTIAL, SECRET)), |form| set(form, field, value))
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{field}"
        );
        assert!(body["ecid"].is_string());
    }
}

#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let fakes = fakes(true).await;
    let token = fakes.idcs.control().issue_access_token_for("ada");
    fakes.idcs.control().set_clock_offset(2 * 3600);
    let (status, _, body) = fakes
        .exchange(Some((CONFIDENTIAL, SECRET)), |form| {
            set(form, "subject_token", &token)
        })
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn without_a_trust_the_grant_is_refused_until_a_minter_is_set() {
    let fakes = fakes(false).await;
    let (status, _, body) = fakes.exchange(Some((CONFIDENTIAL, SECRET)), |_| {}).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );

    fakes.idcs.control().set_session_minter(fakes.oci.minter());
    let (status, _, _) = fakes.exchange(Some((CONFIDENTIAL, SECRET)), |_| {}).await;
    assert_eq!(status, 200);
}
