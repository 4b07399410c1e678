//! Every answer parser of the HTTP adapter (token, device authorization,
//! revocation, error, discovery) on one fuzzed answer.
//!
//! Input layout: 2 bytes status, 1 byte of header flags, then for each flag
//! set (Content-Type, Retry-After, Location) a length byte and that many bytes
//! of header value; the rest is the body.
//!
//! Besides "no panic": an error must never quote the body. When the body holds
//! the marker below and is not an OAuth error document (whose
//! `error_description` the client does show), and no header holds it, no
//! error text may contain it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oci_iam_sso_adapters_http::fuzzing::{RawAnswer, parse_answer};
use oci_iam_sso_domain::OAuthError;

const SECRET: &str = "SECRETeyJtoken";

fn take<'a>(data: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (&len, rest) = data.split_first()?;
    let len = usize::from(len).min(rest.len());
    let (value, rest) = rest.split_at(len);
    *data = rest;
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    let [high, low, flags, rest @ ..] = data else {
        return;
    };
    let status = 100 + u16::from_be_bytes([*high, *low]) % 500;
    let mut rest = rest;
    let mut header = |bit: u8| {
        if flags & bit != 0 {
            take(&mut rest)
        } else {
            None
        }
    };
    let content_type = header(1);
    let retry_after = header(2);
    let location = header(4);
    let body = rest;
    let errors = parse_answer(RawAnswer {
        status,
        content_type,
        retry_after,
        location,
        body,
    });
    let holds_secret = |bytes: &[u8]| bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
    // The redirect error names the Location's host on purpose: that is a
    // header, not the body, so inputs with the marker in a header are skipped.
    let in_headers = [content_type, retry_after, location]
        .into_iter()
        .flatten()
        .any(holds_secret);
    if holds_secret(body) && !in_headers && OAuthError::from_json(body).is_none() {
        for error in &errors {
            assert!(!error.contains(SECRET), "an error quotes the body: {error}");
        }
    }
});
