//! One HTTP exchange: read the answer (bounded) and classify transport
//! failures by whether the request can have reached the server.

use oci_iam_sso_domain::{ProviderError, TransportFailure};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// An HTTP answer read whole. `Debug` shows the body's length, never the body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// "token endpoint https://host/oauth2/v1/token": what the errors name. The
/// query and fragment are left out (they can carry parameters).
pub fn describe_endpoint(what: &str, url: &url::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    format!("{what} {}", shown.as_str().trim_end_matches('/'))
}

/// Where a request went, for the trace: scheme, host, port and path. Never
/// the query or fragment (parameters, codes), nor user info.
fn traced_url(url: &url::Url) -> String {
    let mut shown = url.origin().ascii_serialization();
    shown.push_str(url.path());
    shown
}

/// Sends `request` and reads the answer, up to `limit` body bytes.
///
/// The trace gets one event per exchange: method, URL (no query), status,
/// time and body size. Never a header (`Authorization`) or a body (tokens,
/// codes, secrets).
pub async fn read_answer(
    request: reqwest::RequestBuilder,
    endpoint: &str,
    limit: usize,
) -> Result<Answer, ProviderError> {
    let (client, request) = request.build_split();
    let request = request.map_err(|e| transport_error(endpoint, e))?;
    let method = request.method().clone();
    let url = traced_url(request.url());
    let started = std::time::Instant::now();
    let answer = exchange(client.execute(request), endpoint, limit).await;
    let elapsed_ms = started.elapsed().as_millis();
    match &answer {
        Ok(answer) => tracing::debug!(
            %method,
            %url,
            status = answer.status.as_u16(),
            elapsed_ms,
            body_bytes = answer.body.len(),
            "HTTP request"
        ),
        Err(error) => tracing::debug!(%method, %url, elapsed_ms, %error, "HTTP request failed"),
    }
    answer
}

async fn exchange(
    sent: impl Future<Output = reqwest::Result<reqwest::Response>>,
    endpoint: &str,
    limit: usize,
) -> Result<Answer, ProviderError> {
    let mut response = sent.await.map_err(|e| transport_error(endpoint, e))?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(endpoint, e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(ProviderError::Malformed {
                endpoint: endpoint.to_owned(),
                problem: format!("the body is larger than {limit} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Classifies a reqwest failure for the domain's retry rules: `Connect` only
/// when the request cannot have left (so a retry cannot double-spend a
/// refresh token), `Timeout` or `Interrupted` otherwise.
pub fn transport_error(endpoint: &str, error: reqwest::Error) -> ProviderError {
    let error = error.without_url();
    // A refused certificate: no request left, and no retry can help.
    if let Some(problem) = super::tls::certificate_problem(&error) {
        return ProviderError::Certificate {
            endpoint: endpoint.to_owned(),
            problem,
        };
    }
    let (failure, summary) = if error.is_connect() {
        (TransportFailure::Connect, "could not connect")
    } else if error.is_timeout() {
        (TransportFailure::Timeout, "no complete answer in time")
    } else {
        (
            TransportFailure::Interrupted,
            "the connection broke after the request was sent",
        )
    };
    ProviderError::Transport {
        endpoint: endpoint.to_owned(),
        failure,
        detail: format!("{summary} ({})", innermost_cause(&error)),
    }
}

/// The most specific message of an error chain ("Connection refused (os error
/// 111)"); the wrappers above it add nothing a user can act on.
fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_description_drops_query_and_fragment() {
        let url = url::Url::parse("https://idcs.example.com/oauth2/v1/token?x=1#f").unwrap();
        assert_eq!(
            describe_endpoint("token endpoint", &url),
            "token endpoint https://idcs.example.com/oauth2/v1/token"
        );
    }

    #[test]
    fn the_traced_url_has_no_query_fragment_or_user_info() {
        let url =
            url::Url::parse("https://user:pw@idcs.example.com:8443/ui/v1/device?user_code=ABCD#x")
                .unwrap();
        assert_eq!(
            traced_url(&url),
            "https://idcs.example.com:8443/ui/v1/device"
        );
    }

    #[test]
    fn answer_debug_hides_the_body() {
        let answer = Answer {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: br#"{"access_token":"at-secret"}"#.to_vec(),
        };
        let shown = format!("{answer:?}");
        assert!(!shown.contains("at-secret"), "{shown}");
        assert!(shown.contains("body_len"), "{shown}");
    }
}
