//! The signer against test vectors produced with OpenSSL outside the project
//! (see tests/data/oci/README.md): same signing strings, same signature bytes.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use oci_iam_sso_adapters_http::rsa_key_pair_from_pem;
use oci_iam_sso_adapters_http::{KeyId, SigningRequest, sign_request, signing_string};

/// Tue, 21 Jul 2026 12:00:00 GMT
fn fixed_date() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_635_200)
}

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/oci")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Case {
    name: &'static str,
    method: &'static str,
    url: &'static str,
    headers: Vec<(String, String)>,
    body: Option<&'static str>,
    key_id: KeyId<'static>,
    expected_names: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "get_regions",
            method: "GET",
            url: "https://identity.us-ashburn-1.oci.oraclecloud.com/20160918/regions",
            headers: vec![],
            body: None,
            key_id: KeyId::SessionToken("test-session-token"),
            expected_names: "date (request-target) host",
        },
        Case {
            name: "post_refresh",
            method: "POST",
            url: "https://auth.us-ashburn-1.oraclecloud.com/v1/authentication/refresh",
            headers: vec![],
            body: Some("refresh.body"),
            key_id: KeyId::SessionToken("test-session-token"),
            expected_names: "date (request-target) host content-length content-type x-content-sha256",
        },
        Case {
            name: "put_query",
            method: "PUT",
            url: "http://127.0.0.1:8443/v1/things?a=1&b=two",
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: Some("put_query.body"),
            key_id: KeyId::ApiKey {
                tenancy: "ocid1.tenancy.oc1..aaaa",
                user: "ocid1.user.oc1..bbbb",
                fingerprint: "4d:8a:7a:0c:e3:42:29:ed:11:3d:e2:be:c9:49:f1:38",
            },
            expected_names: "date (request-target) host content-length content-type x-content-sha256",
        },
    ]
}

#[test]
fn signing_strings_and_signatures_match_openssl() {
    let key = rsa_key_pair_from_pem(&data("test_key.pem")).expect("test key loads");
    for case in cases() {
        let url = url::Url::parse(case.url).unwrap();
        let body = case.body.map(data).unwrap_or_default();
        let request = SigningRequest {
            method: case.method,
            url: &url,
            headers: &case.headers,
            body: body.as_bytes(),
        };
        assert_eq!(
            signing_string(&request, fixed_date()).unwrap(),
            data(&format!("{}.signing_string", case.name)),
            "{}",
            case.name
        );
        let signed = sign_request(&request, &key, case.key_id, fixed_date()).unwrap();
        let expected_key_id = match case.key_id {
            KeyId::SessionToken(t) => format!("ST${t}"),
            KeyId::ApiKey {
                tenancy,
                user,
                fingerprint,
            } => format!("{tenancy}/{user}/{fingerprint}"),
        };
        assert_eq!(
            signed.get("authorization").unwrap(),
            format!(
                "Signature algorithm=\"rsa-sha256\",headers=\"{}\",keyId=\"{}\",signature=\"{}\",version=\"1\"",
                case.expected_names,
                expected_key_id,
                data(&format!("{}.signature", case.name)).trim()
            ),
            "{}",
            case.name
        );
        assert_eq!(signed.get("date"), Some("Tue, 21 Jul 2026 12:00:00 GMT"));
    }
}

#[test]
fn body_headers_are_added_only_for_methods_with_a_body() {
    let key = rsa_key_pair_from_pem(&data("test_key.pem")).unwrap();
    let url = url::Url::parse("https://auth.us-ashburn-1.oraclecloud.com/v1/x").unwrap();
    let get = SigningRequest {
        method: "get",
        url: &url,
        headers: &[],
        body: b"",
    };
    let names: Vec<&str> = sign_request(&get, &key, KeyId::SessionToken("t"), fixed_date())
        .unwrap()
        .headers
        .iter()
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(names, ["date", "host", "authorization"]);
    let patch = SigningRequest {
        method: "PATCH",
        url: &url,
        headers: &[],
        body: b"{}",
    };
    let signed = sign_request(&patch, &key, KeyId::SessionToken("t"), fixed_date()).unwrap();
    assert_eq!(signed.get("content-type"), Some("application/json"));
    assert_eq!(signed.get("content-length"), Some("2"));
    assert_eq!(
        signed.get("x-content-sha256"),
        Some("RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=")
    );
}

#[test]
fn default_port_is_left_out_of_host_and_other_ports_kept() {
    let plain = url::Url::parse("https://auth.example.com:443/a").unwrap();
    let request = SigningRequest {
        method: "GET",
        url: &plain,
        headers: &[],
        body: b"",
    };
    assert!(
        signing_string(&request, fixed_date())
            .unwrap()
            .ends_with("\nhost: auth.example.com")
    );
    let other = url::Url::parse("https://auth.example.com:8443/a").unwrap();
    let request = SigningRequest {
        method: "GET",
        url: &other,
        headers: &[],
        body: b"",
    };
    assert!(
        signing_string(&request, fixed_date())
            .unwrap()
            .ends_with("\nhost: auth.example.com:8443")
    );
}

#[test]
fn debug_hides_the_session_token() {
    let key = rsa_key_pair_from_pem(&data("test_key.pem")).unwrap();
    let url = url::Url::parse("https://auth.example.com/a").unwrap();
    let request = SigningRequest {
        method: "GET",
        url: &url,
        headers: &[],
        body: b"",
    };
    let signed = sign_request(
        &request,
        &key,
        KeyId::SessionToken("secret-token"),
        fixed_date(),
    )
    .unwrap();
    assert!(!format!("{signed:?}").contains("secret-token"));
    assert!(!format!("{:?}", KeyId::SessionToken("secret-token")).contains("secret-token"));
}
