//! The parsers fed with bodies directly: every branch of the classification,
//! and the rule that no problem text ever quotes the body.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use oci_iam_sso_domain::{InvalidGrant, OAuthErrorKind};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

use super::*;

const ENDPOINT: &str = "token endpoint https://idcs.example.com/oauth2/v1/token";

fn answer(status: u16, content_type: &str, body: &str) -> Answer {
    let mut headers = HeaderMap::new();
    if !content_type.is_empty() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
    }
    Answer {
        status: StatusCode::from_u16(status).unwrap(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

fn json(status: u16, body: &str) -> Answer {
    answer(status, "application/json", body)
}

fn problem(error: ProviderError) -> String {
    match error {
        ProviderError::Malformed { problem, .. } => problem,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn a_full_token_response_is_parsed() {
    let body = r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600,
        "refresh_token":"rt-2","scope":"urn:opc:idm:__myscopes__ offline_access"}"#;
    let tokens = token_response(ENDPOINT, json(200, body)).unwrap();
    assert_eq!(tokens.access_token.unwrap().expose_secret(), "at-1");
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3600)));
    assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "rt-2");
    assert_eq!(tokens.scope, Some(Scope::default_epm()));
}

#[test]
fn only_the_access_token_is_required() {
    let tokens = token_response(ENDPOINT, json(200, r#"{"access_token":"at"}"#)).unwrap();
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, None);
    assert!(tokens.refresh_token.is_none());
    assert!(tokens.scope.is_none());
}

#[test]
fn expires_in_may_be_a_numeric_string_or_a_fraction() {
    let tokens = token_response(
        ENDPOINT,
        json(200, r#"{"access_token":"at","expires_in":"3599"}"#),
    )
    .unwrap();
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3599)));
    let tokens = token_response(
        ENDPOINT,
        json(200, r#"{"access_token":"at","expires_in":1.5}"#),
    )
    .unwrap();
    assert_eq!(tokens.expires_in, Some(Duration::from_millis(1500)));
}

#[test]
fn an_empty_refresh_token_means_not_rotated() {
    let tokens = token_response(
        ENDPOINT,
        json(200, r#"{"access_token":"at","refresh_token":""}"#),
    )
    .unwrap();
    assert!(tokens.refresh_token.is_none());
}

#[test]
fn bad_members_are_named_but_never_quoted() {
    let cases = [
        (r#"{"token_type":"Bearer"}"#, "the JSON has no access_token"),
        (r#"{"access_token":""}"#, "the JSON has no access_token"),
        (r#"{"access_token":42}"#, "access_token is not a string"),
        (
            r#"{"access_token":"at-secret\u001b[2J"}"#,
            "the access_token has characters no token has (control characters or whitespace)",
        ),
        (
            r#"{"access_token":"at-secret","refresh_token":"rt-secret\nrt-secret"}"#,
            "the refresh_token has characters no token has (control characters or whitespace)",
        ),
        (r#"["at-secret"]"#, "the JSON is not an object"),
    ];
    for (body, expected) in cases {
        let text = problem(token_response(ENDPOINT, json(200, body)).unwrap_err());
        assert_eq!(text, expected, "{body}");
        assert!(!text.contains("secret"), "{text}");
    }
}

#[test]
fn bodies_that_are_not_json_are_described() {
    let cases = [
        (
            answer(200, "text/html", "<html>login at-secret</html>"),
            "the body is HTML, not JSON (a login page or proxy answered?)",
        ),
        (
            answer(200, "application/json", "  <!DOCTYPE html><p>at-secret"),
            "the body is HTML, not JSON (a login page or proxy answered?)",
        ),
        (
            json(200, r#"{"access_token":"at-secret","expi"#),
            "the body is not valid JSON (truncated?)",
        ),
        (
            json(200, r#"{"access_token": at-secret}"#),
            "the body is not valid JSON",
        ),
        (json(200, ""), "the body is empty"),
    ];
    for (answer, expected) in cases {
        let error = token_response(ENDPOINT, answer).unwrap_err();
        let display = error.to_string();
        assert_eq!(problem(error), expected);
        assert!(!display.contains("secret"), "{display}");
    }
}

#[test]
fn oauth_errors_are_classified() {
    let body = r#"{"error":"invalid_grant","error_description":"The token has already been consumed","ecid":"e-1"}"#;
    let error = token_response(ENDPOINT, json(400, body)).unwrap_err();
    assert_eq!(
        error.oauth_kind(),
        Some(&OAuthErrorKind::InvalidGrant(InvalidGrant::Consumed))
    );
    let pending = token_response(ENDPOINT, json(400, r#"{"error":"authorization_pending"}"#));
    assert_eq!(
        pending.unwrap_err().oauth_kind(),
        Some(&OAuthErrorKind::AuthorizationPending)
    );
    // Some servers answer errors with 200.
    let ok_error = token_response(ENDPOINT, json(200, r#"{"error":"slow_down"}"#));
    assert_eq!(
        ok_error.unwrap_err().oauth_kind(),
        Some(&OAuthErrorKind::SlowDown)
    );
}

#[test]
fn an_oauth_error_body_is_read_and_classified_or_refused() {
    let body = r#"{"error":"invalid_client","error_description":"Client\nauthentication failed","ecid":"abc\ndef"}"#;
    let error = oauth_error(body.as_bytes()).unwrap();
    assert_eq!(error.kind, OAuthErrorKind::InvalidClient);
    // The domain's classification made the server's texts one line.
    assert_eq!(
        error.to_string(),
        "invalid_client: Client authentication failed (ecid abc def)"
    );
    let bare = oauth_error(br#"{"error":"slow_down"}"#).unwrap();
    assert_eq!((bare.description, bare.ecid), (None, None));
    // Not an OAuth error document: the caller reports it as malformed, unquoted.
    for body in [
        r#"{"error": "invalid_grant""#,
        r#"{"message":"Bad Request"}"#,
        r#"{"error":400}"#,
        "<html><body><h1>401 Unauthorized</h1></body></html>",
        "",
    ] {
        assert_eq!(oauth_error(body.as_bytes()), None, "{body}");
    }
}

#[test]
fn statuses_without_an_oauth_document() {
    let now = SystemTime::now();
    let unauthorized = error_answer(ENDPOINT, &answer(401, "text/html", "<html/>"), now);
    assert!(matches!(unauthorized, ProviderError::Unauthorized { .. }));

    let forbidden = error_answer(ENDPOINT, &answer(403, "text/html", "<html>x</html>"), now);
    assert_eq!(
        problem(forbidden),
        "HTTP 403 with an HTML page (a login page or proxy answered?)"
    );
    let not_found = error_answer(ENDPOINT, &answer(404, "text/plain", "nope"), now);
    assert_eq!(
        problem(not_found),
        "HTTP 404 with no OAuth error document (is the URL the identity domain's?)"
    );

    let mut redirect = answer(302, "", "");
    redirect.headers.insert(
        LOCATION,
        HeaderValue::from_static("https://login.example.com/sso?code=secret"),
    );
    let text = problem(error_answer(ENDPOINT, &redirect, now));
    assert_eq!(
        text,
        "HTTP 302 redirect to login.example.com, which is not followed (a login page or proxy answered?)"
    );
}

#[test]
fn server_errors_carry_retry_after() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let mut busy = json(503, r#"{"error":"temporarily_unavailable"}"#);
    busy.headers
        .insert(RETRY_AFTER, HeaderValue::from_static("120"));
    match error_answer(ENDPOINT, &busy, now) {
        ProviderError::Server {
            status,
            retry_after,
            ..
        } => {
            assert_eq!(status, 503);
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("{other:?}"),
    }
    let too_many = error_answer(ENDPOINT, &answer(429, "", ""), now);
    assert!(matches!(
        too_many,
        ProviderError::Server {
            status: 429,
            retry_after: None,
            ..
        }
    ));
}

#[test]
fn retry_after_as_an_http_date() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
    assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(90)));

    let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
    headers.insert(RETRY_AFTER, HeaderValue::from_str(&earlier).unwrap());
    assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));

    headers.insert(RETRY_AFTER, HeaderValue::from_static("tomorrow"));
    assert_eq!(retry_after(&headers, now), None);
}

#[test]
fn a_device_authorization_from_an_identity_domain() {
    let body = r#"{"expires_in":300,"device_code":"dc-1","user_code":"ABCD-EFGH",
        "verification_uri":"https://idcs.example.com/ui/v1/device"}"#;
    let auth = device_authorization(ENDPOINT, json(200, body)).unwrap();
    assert_eq!(auth.device_code.expose_secret(), "dc-1");
    assert_eq!(auth.user_code.as_str(), "ABCD-EFGH");
    assert_eq!(
        auth.verification_uri.as_str(),
        "https://idcs.example.com/ui/v1/device"
    );
    assert!(auth.verification_uri_complete.is_none());
    assert_eq!(auth.expires_in, Duration::from_secs(300));
    assert_eq!(auth.interval, None);
}

#[test]
fn a_device_authorization_with_google_spelling_and_interval() {
    let body = r#"{"expires_in":"1800","device_code":"dc","user_code":"U",
        "verification_url":"https://www.google.com/device","interval":5,
        "verification_uri_complete":"https://www.google.com/device?code=U"}"#;
    let auth = device_authorization(ENDPOINT, json(200, body)).unwrap();
    assert_eq!(auth.verification_uri.host(), "www.google.com");
    assert!(auth.verification_uri_complete.is_some());
    assert_eq!(auth.interval, Some(Duration::from_secs(5)));
    assert_eq!(auth.expires_in, Duration::from_secs(1800));
}

#[test]
fn a_device_authorization_with_bad_members() {
    let cases = [
        (
            r#"{"device_code":"dc","user_code":"U","expires_in":300}"#,
            "the JSON has no verification_uri",
        ),
        (
            r#"{"device_code":"dc","user_code":"U","verification_uri":"https://x.example.com"}"#,
            "the JSON has no expires_in",
        ),
        (
            r#"{"device_code":"dc","user_code":"U","expires_in":300,"verification_uri":"http://evil.example.com"}"#,
            "verification_uri is not an https:// URL (http:// only to loopback)",
        ),
        (
            r#"{"user_code":"U","expires_in":300,"verification_uri":"https://x.example.com"}"#,
            "the JSON has no device_code",
        ),
    ];
    for (body, expected) in cases {
        let text = problem(device_authorization(ENDPOINT, json(200, body)).unwrap_err());
        assert_eq!(text, expected, "{body}");
    }
}

#[test]
fn revocation_accepts_any_success() {
    assert!(revocation(ENDPOINT, answer(200, "", "")).is_ok());
    assert!(revocation(ENDPOINT, answer(204, "", "")).is_ok());
    let error = revocation(ENDPOINT, json(400, r#"{"error":"unsupported_token_type"}"#));
    assert!(matches!(
        error.unwrap_err().oauth_kind(),
        Some(OAuthErrorKind::Other(code)) if code == "unsupported_token_type"
    ));
}

#[test]
fn a_rotated_refresh_token_survives_odd_optional_fields() {
    // After a 2xx the old refresh token is spent: losing the new one to a
    // malformed optional field would break the chain.
    for body in [
        r#"{"access_token":"at","refresh_token":"rt-new","expires_in":"soon"}"#,
        r#"{"access_token":"at","refresh_token":"rt-new","expires_in":-5}"#,
        r#"{"access_token":"at","refresh_token":"rt-new","scope":"a\"b"}"#,
        r#"{"access_token":"at","refresh_token":"rt-new","token_type":7}"#,
    ] {
        let tokens = token_response(ENDPOINT, json(200, body)).expect(body);
        assert_eq!(
            tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
            Some("rt-new"),
            "{body}"
        );
        assert_eq!(tokens.token_type, "Bearer");
    }
}

#[test]
fn odd_lifetimes_are_dropped_and_noted_absent_ones_only_dropped() {
    for (expires_in, notes) in [
        ("0", vec![TokenAnswerNote::OddExpiresIn]),
        ("-5", vec![TokenAnswerNote::OddExpiresIn]),
        (r#""soon""#, vec![TokenAnswerNote::OddExpiresIn]),
        ("null", vec![]),
    ] {
        let body =
            format!(r#"{{"access_token":"at","refresh_token":"rt","expires_in":{expires_in}}}"#);
        let tokens = token_response(ENDPOINT, json(200, &body)).expect(&body);
        assert_eq!(tokens.expires_in, None, "{body}");
        assert_eq!(tokens.notes, notes, "{body}");
    }
}

#[test]
fn a_good_new_refresh_token_outlives_a_refused_access_token() {
    for access in [r#""at\u001b[2J""#, r#""at one""#, "42", r#""""#, "null"] {
        let body = format!(r#"{{"access_token":{access},"refresh_token":"rt-new"}}"#);
        let tokens = token_response(ENDPOINT, json(200, &body)).expect(&body);
        assert!(tokens.access_token.is_none(), "{body}");
        assert_eq!(
            tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
            Some("rt-new"),
            "{body}"
        );
        assert_eq!(tokens.notes, vec![TokenAnswerNote::AccessTokenRefused]);
    }
}

#[test]
fn absurd_lifetimes_are_capped_to_a_year() {
    let tokens = token_response(
        ENDPOINT,
        json(
            200,
            r#"{"access_token":"at","expires_in":18446744073709551615}"#,
        ),
    )
    .expect("parsed");
    assert_eq!(
        tokens.expires_in,
        Some(std::time::Duration::from_secs(366 * 86_400))
    );
}
