//! The fake OCI auth service accepts a request signed exactly as OCI's
//! "Request Signatures" page describes and
//! rejects a wrong signature, a wrong header list, a wrong body hash, a stale
//! date and an expired session. Requests are signed here by hand (aws-lc-rs), not
//! with the project's signer, so the fake is checked independently of it.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::time::{Duration, SystemTime};

use aws_lc_rs::encoding::{AsDer as _, PublicKeyX509Der};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig, FakeOciControl, Rejection};

fn test_key_pem() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../adapters-http/tests/data/oci/test_key.pem"
    );
    std::fs::read_to_string(path).unwrap()
}

fn ring_key(pem: &str) -> RsaKeyPair {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    RsaKeyPair::from_pkcs8(&STANDARD.decode(body).unwrap()).unwrap()
}

fn public_pem(pem: &str) -> String {
    let der: PublicKeyX509Der<'_> = ring_key(pem).public_key().as_der().unwrap();
    let body = STANDARD.encode(der.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// What a test may get wrong on purpose.
#[derive(Default, Clone, Copy)]
struct Tamper {
    date_offset_secs: i64,
    drop_hash_from_list: bool,
    hash_other_body: bool,
}

struct Signer<'a> {
    key: &'a RsaKeyPair,
    token: &'a str,
}

impl Signer<'_> {
    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
        body: &[u8],
        tamper: Tamper,
    ) -> reqwest::RequestBuilder {
        let parsed = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
        let when = SystemTime::now()
            .checked_add(Duration::from_secs(tamper.date_offset_secs.unsigned_abs()))
            .filter(|_| tamper.date_offset_secs > 0)
            .or_else(|| {
                SystemTime::now()
                    .checked_sub(Duration::from_secs(tamper.date_offset_secs.unsigned_abs()))
            })
            .unwrap();
        let date = httpdate::fmt_http_date(when);
        let target = format!("{} {}", method.as_str().to_lowercase(), parsed.path());
        let mut lines = vec![
            format!("date: {date}"),
            format!("(request-target): {target}"),
            format!("host: {host}"),
        ];
        let mut names = "date (request-target) host".to_owned();
        let hashed: &[u8] = if tamper.hash_other_body {
            b"other"
        } else {
            body
        };
        let digest =
            STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, hashed).as_ref());
        let with_body = method == reqwest::Method::POST;
        if with_body {
            lines.push(format!("content-length: {}", body.len()));
            lines.push("content-type: application/json".into());
            names.push_str(" content-length content-type");
            if !tamper.drop_hash_from_list {
                lines.push(format!("x-content-sha256: {digest}"));
                names.push_str(" x-content-sha256");
            }
        }
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                lines.join("\n").as_bytes(),
                &mut signature,
            )
            .unwrap();
        let authorization = format!(
            "Signature algorithm=\"rsa-sha256\",headers=\"{names}\",keyId=\"ST${}\",signature=\"{}\",version=\"1\"",
            self.token,
            STANDARD.encode(&signature)
        );
        let mut builder = client
            .request(method, url)
            .header("date", date)
            .header("authorization", authorization);
        if with_body {
            builder = builder
                .header("content-type", "application/json")
                .header("x-content-sha256", digest)
                .body(body.to_vec());
        }
        builder
    }
}

async fn fake() -> (FakeOciAuth, FakeOciControl, reqwest::Client) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let fake = FakeOciAuth::start(FakeOciConfig::default()).await.unwrap();
    let control = fake.control();
    (fake, control, reqwest::Client::new())
}

fn refresh_body(token: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "currentToken": token })).unwrap()
}

#[tokio::test]
async fn a_correctly_signed_refresh_gets_a_new_token() {
    let (fake, control, client) = fake().await;
    let pem = test_key_pem();
    let key = ring_key(&pem);
    let token = control.mint_session(&public_pem(&pem)).unwrap();
    let signer = Signer {
        key: &key,
        token: &token,
    };
    let url = format!("{}/v1/authentication/refresh", fake.url());
    let response = signer
        .request(
            &client,
            reqwest::Method::POST,
            &url,
            &refresh_body(&token),
            Tamper::default(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["token"].as_str().unwrap().split('.').count() == 3);
    assert_eq!(control.counters().refreshes, 1);
    assert_eq!(control.counters().signature_failures, 0);

    let regions = format!("{}/20160918/regions", fake.url());
    let response = signer
        .request(
            &client,
            reqwest::Method::GET,
            &regions,
            b"",
            Tamper::default(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn tampered_requests_are_rejected_and_counted() {
    let (fake, control, client) = fake().await;
    let pem = test_key_pem();
    let key = ring_key(&pem);
    let token = control.mint_session(&public_pem(&pem)).unwrap();
    let signer = Signer {
        key: &key,
        token: &token,
    };
    let url = format!("{}/v1/authentication/refresh", fake.url());
    let body = refresh_body(&token);
    let cases = [
        (
            Tamper {
                drop_hash_from_list: true,
                ..Tamper::default()
            },
            Rejection::WrongHeaderList,
        ),
        (
            Tamper {
                hash_other_body: true,
                ..Tamper::default()
            },
            Rejection::BodyHashMismatch,
        ),
        (
            Tamper {
                date_offset_secs: -6 * 60,
                ..Tamper::default()
            },
            Rejection::StaleDate,
        ),
        (
            Tamper {
                date_offset_secs: 6 * 60,
                ..Tamper::default()
            },
            Rejection::StaleDate,
        ),
    ];
    for (count, (tamper, expected)) in cases.into_iter().enumerate() {
        let response = signer
            .request(&client, reqwest::Method::POST, &url, &body, tamper)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{expected:?}");
        assert_eq!(control.last_rejection(), Some(expected));
        assert_eq!(control.counters().signature_failures, count as u32 + 1);
    }
    assert_eq!(control.counters().refreshes, 0);
}

#[tokio::test]
async fn a_signature_by_another_key_is_rejected() {
    let (fake, control, client) = fake().await;
    let token = control.mint_session(&public_pem(&test_key_pem())).unwrap();
    let other = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let url = format!("{}/20160918/regions", fake.url());
    let response = Signer {
        key: &other,
        token: &token,
    }
    .request(&client, reqwest::Method::GET, &url, b"", Tamper::default())
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(control.last_rejection(), Some(Rejection::BadSignature));
}

#[tokio::test]
async fn expired_and_revoked_sessions_are_rejected() {
    let (fake, control, client) = fake().await;
    let pem = test_key_pem();
    let key = ring_key(&pem);
    let url = format!("{}/20160918/regions", fake.url());
    let token = control.mint_session(&public_pem(&pem)).unwrap();
    control.expire_sessions();
    let response = Signer {
        key: &key,
        token: &token,
    }
    .request(&client, reqwest::Method::GET, &url, b"", Tamper::default())
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(control.last_rejection(), Some(Rejection::ExpiredToken));

    control.set_token_ttl(Duration::from_secs(1));
    control.set_clock_offset(-120);
    let short = control.mint_session(&public_pem(&pem)).unwrap();
    control.set_clock_offset(0);
    let response = Signer {
        key: &key,
        token: &short,
    }
    .request(&client, reqwest::Method::GET, &url, b"", Tamper::default())
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(control.last_rejection(), Some(Rejection::ExpiredToken));

    control.set_token_ttl(Duration::from_secs(3600));
    let revoked = control.mint_session(&public_pem(&pem)).unwrap();
    control.revoke_sessions();
    let response = Signer {
        key: &key,
        token: &revoked,
    }
    .request(&client, reqwest::Method::GET, &url, b"", Tamper::default())
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(control.last_rejection(), Some(Rejection::RevokedSession));
}

#[tokio::test]
async fn the_console_login_redirects_with_a_session_bound_to_the_given_key() {
    let (fake, control, _) = fake().await;
    let pem = test_key_pem();
    let private = ring_key(&pem);
    let public = private.public_key();
    let jwk = serde_json::json!({
        "kty": "RSA",
        "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        "kid": "Ignored",
    });
    let public_key = URL_SAFE_NO_PAD.encode(jwk.to_string());
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!(
        "{}/v1/oauth2/authorize?action=login&client_id=iaas_console&response_type=token%20id_token&nonce=n-1&scope=openid&public_key={public_key}&redirect_uri=http%3A%2F%2Flocalhost%3A8181",
        fake.url()
    );
    let response = no_redirects.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let token = location
        .strip_prefix("http://localhost:8181#security_token=")
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(control.counters().authorizations, 1);

    // The minted session accepts requests signed with that key.
    let key = ring_key(&pem);
    let response = Signer {
        key: &key,
        token: &token,
    }
    .request(
        &no_redirects,
        reqwest::Method::GET,
        &format!("{}/20160918/regions", fake.url()),
        b"",
        Tamper::default(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);

    let bad = url.replace(
        "redirect_uri=http%3A%2F%2Flocalhost",
        "redirect_uri=http%3A%2F%2Fevil.example",
    );
    assert_eq!(no_redirects.get(&bad).send().await.unwrap().status(), 400);
}
