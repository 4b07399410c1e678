//! The identity-provider contract under server faults: each refresh is sent
//! exactly once (never retried by the adapter: the token may be consumed),
//! errors are classified, and the transport failures say whether the server
//! may have acted (`Connect` before the request left, `Interrupted`/`Timeout` after).

use oci_iam_sso_domain::{IdentityProvider, RefreshToken, may_have_consumed};

use super::Report;
use super::provider::{Secrets, client, tokens};
use crate::{FakeIdentityDomain, Fault};

pub(super) async fn run(
    report: &mut Report,
    make: &impl Fn(&str) -> Box<dyn IdentityProvider>,
    fake: &FakeIdentityDomain,
    secrets: &mut Secrets,
) {
    let provider = make(&fake.url());
    // Discovery (if the adapter uses it) is done before faults are queued.
    let _ = provider.endpoints().await;
    let control = fake.control();

    let cases: [(&str, Fault, &[&str]); 6] = [
        (
            "refresh answered HTTP 500",
            Fault::ServerError500,
            &["Server 500, retry after None"],
        ),
        (
            "refresh answered HTTP 503 with Retry-After: 7",
            Fault::ServiceUnavailable {
                retry_after_secs: 7,
            },
            &["Server 503, retry after Some(7s)"],
        ),
        (
            "refresh answered an HTML page with HTTP 200",
            Fault::HtmlOk,
            &["Malformed"],
        ),
        (
            "refresh answered malformed JSON",
            Fault::MalformedJson,
            &["Malformed"],
        ),
        (
            "refresh answered truncated JSON",
            Fault::TruncatedJson,
            &["Malformed"],
        ),
        (
            "refresh connection closed without an answer",
            Fault::CloseWithoutResponse,
            &["Transport Interrupted", "Transport Timeout"],
        ),
    ];
    for (scenario, fault, expected) in cases {
        let token = RefreshToken::new(control.issue_refresh_token_for("alice"));
        secrets.add(token.expose_secret());
        control.clear_faults();
        control.inject(fault, 1);
        let before = control.counters().token_requests;
        let outcome = provider.refresh(&client(), &token).await;
        control.clear_faults();
        report.check(scenario, secrets.describe(&outcome, tokens), expected);
        let sent = control.counters().token_requests - before;
        let kept = control.is_refresh_token_current(token.expose_secret());
        report.check(
            &format!("{scenario}: requests sent, token kept"),
            format!(
                "{sent} request(s), token {}",
                if kept { "kept" } else { "lost" }
            ),
            &["1 request(s), token kept"],
        );
    }

    let token = RefreshToken::new(control.issue_refresh_token_for("alice"));
    secrets.add(token.expose_secret());
    control.inject(Fault::ConsumeThenDrop, 1);
    let outcome = provider.refresh(&client(), &token).await;
    control.clear_faults();
    let mut text = secrets.describe(&outcome, tokens);
    if let Err(error) = &outcome {
        text.push_str(if may_have_consumed(error) {
            ", may have consumed"
        } else {
            ", reported as not sent"
        });
    }
    report.check(
        "refresh rotated by the server but the answer was lost",
        text,
        &[
            "Transport Interrupted, may have consumed",
            "Transport Timeout, may have consumed",
        ],
    );

    let closed_url = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
        // Bound and dropped at once: nothing listens on that port afterwards.
        Ok(listener) => listener.local_addr().map(|a| format!("http://{a}")).ok(),
        Err(_) => None,
    };
    if let Some(url) = closed_url {
        let outcome = make(&url).refresh(&client(), &token).await;
        report.check(
            "refresh when nothing listens",
            secrets.describe(&outcome, tokens),
            &["Transport Connect"],
        );
    }
}
