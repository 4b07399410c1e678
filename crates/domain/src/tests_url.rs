//! Edge cases of [`ServiceUrl`]: which URLs may receive tokens, and how bases join.

use crate::ServiceUrl;

fn accepted(input: &str) -> bool {
    ServiceUrl::parse(input).is_ok()
}

#[test]
fn ipv6_loopback_in_any_spelling_may_use_http() {
    assert!(accepted("http://[::1]"));
    assert!(accepted("http://[0:0:0:0:0:0:0:1]:8080"));
}

#[test]
fn other_ipv6_addresses_need_https() {
    assert!(!accepted("http://[::2]"));
    assert!(!accepted("http://[fe80::1]"));
    // An IPv4-mapped loopback is not `::1`; refusing it errs on the safe side.
    assert!(!accepted("http://[::ffff:127.0.0.1]"));
    assert!(accepted("https://[2001:db8::1]"));
}

#[test]
fn the_whole_127_network_is_loopback() {
    assert!(accepted("http://127.0.0.1"));
    assert!(accepted("http://127.255.255.254:1"));
    assert!(!accepted("http://128.0.0.1"));
    assert!(!accepted("http://0.0.0.0"));
}

#[test]
fn localhost_with_a_trailing_dot_needs_https() {
    // Only the exact name counts: `localhost.` is resolved by DNS settings we do not control.
    assert!(!accepted("http://localhost.:8080"));
    assert!(accepted("https://localhost.:8080"));
}

#[test]
fn names_that_merely_start_or_end_with_localhost_need_https() {
    assert!(!accepted("http://localhost.example.com"));
    assert!(!accepted("http://mylocalhost"));
}

#[test]
fn scheme_and_host_are_case_insensitive() {
    let url = ServiceUrl::parse("HTTPS://IDCS-ABC.Identity.OracleCloud.com/").expect("accepted");
    assert_eq!(url.base(), "https://idcs-abc.identity.oraclecloud.com");
    assert_eq!(url.host(), "idcs-abc.identity.oraclecloud.com");
    let local = ServiceUrl::parse("HTTP://LOCALHOST:8080").expect("accepted");
    assert!(local.is_loopback());
    assert_eq!(local.base(), "http://localhost:8080");
}

#[test]
fn surrounding_whitespace_is_ignored() {
    let url = ServiceUrl::parse("  https://idcs.example.com \n").expect("accepted");
    assert_eq!(url.base(), "https://idcs.example.com");
}

#[test]
fn other_schemes_are_refused() {
    for bad in [
        "file:///etc/passwd",
        "ws://localhost",
        "javascript:alert(1)",
    ] {
        assert!(!accepted(bad), "{bad}");
    }
}

#[test]
fn a_user_name_alone_is_refused() {
    assert!(!accepted("https://user@idcs.example.com"));
}

#[test]
fn the_path_prefix_is_kept_when_joining() {
    let base = ServiceUrl::parse("https://epm.example.com/tenant/a").expect("accepted");
    let joined = base.join_path("/interop/rest/v1/services").expect("joined");
    assert_eq!(
        joined.as_str(),
        "https://epm.example.com/tenant/a/interop/rest/v1/services"
    );
    assert_eq!(joined.host(), "epm.example.com");
}

#[test]
fn joining_drops_the_query_and_fragment_of_the_base() {
    let base = ServiceUrl::parse("https://idcs.example.com/t?x=1#top").expect("accepted");
    let joined = base.join_path("/oauth2/v1/token").expect("joined");
    assert_eq!(
        joined.as_str(),
        "https://idcs.example.com/t/oauth2/v1/token"
    );
}

#[test]
fn a_joined_path_may_carry_its_own_query() {
    let base = ServiceUrl::parse("https://epm.example.com").expect("accepted");
    let joined = base.join_path("/a/b?limit=5").expect("joined");
    assert_eq!(joined.as_str(), "https://epm.example.com/a/b?limit=5");
}

#[test]
fn a_query_on_its_own_is_kept_for_resource_calls() {
    let url = ServiceUrl::parse("https://epm.example.com/a?b=c").expect("accepted");
    assert_eq!(url.as_url().query(), Some("b=c"));
}

mod request_targets {
    use crate::{RequestTarget, ServiceUrl};

    fn resolved(input: &str) -> String {
        let base = ServiceUrl::parse("https://epm.example.com/base/").expect("valid");
        RequestTarget::parse(input)
            .expect("parses")
            .resolve(Some(&base))
            .expect("has a base")
            .expect("joins")
            .as_str()
            .to_owned()
    }

    #[test]
    fn text_without_a_scheme_is_a_path_of_the_base() {
        for input in ["interop/rest/v1", "/interop/rest/v1", " interop/rest/v1\n"] {
            assert_eq!(
                resolved(input),
                "https://epm.example.com/base/interop/rest/v1",
                "{input:?}"
            );
        }
        // Host-like text is still a path: no scheme is ever guessed.
        assert_eq!(
            resolved("evil.example.com/x?next=https://evil.example.com"),
            "https://epm.example.com/base/evil.example.com/x?next=https://evil.example.com"
        );
        for sneaky in [
            "//evil.example.com/x",
            "@evil.example.com",
            "\\\\evil.example.com",
        ] {
            assert!(
                resolved(sneaky).starts_with("https://epm.example.com/"),
                "{sneaky}"
            );
        }
    }

    #[test]
    fn a_full_url_is_taken_as_typed_under_the_url_rule() {
        assert_eq!(
            resolved("HTTPS://other.example.com/x"),
            "https://other.example.com/x"
        );
        assert_eq!(resolved("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x");
        for bad in ["http://other.example.com/x", "ftp://other.example.com/x"] {
            assert!(RequestTarget::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_path_needs_a_base() {
        let path = RequestTarget::parse("interop").expect("parses");
        assert!(path.resolve(None).is_none());
        let url = RequestTarget::parse("https://x.example.com").expect("parses");
        assert!(url.resolve(None).is_some());
    }
}
