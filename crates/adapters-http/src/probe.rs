//! [`HttpProbe`]: what `doctor` asks a server without any credential — one
//! plain GET, for whether the server answers at all and for the `Date`
//! header every HTTP server sends (RFC 9110, "Date"), to measure how far
//! this machine's clock is from the server's. And [`ca_bundle_certificates`],
//! whether a CA bundle file is one the HTTP client would accept.

use std::path::Path;
use std::time::{Duration, SystemTime};

use oci_iam_sso_domain::{InvalidInput, ProviderError, ServiceUrl};

use crate::client::tls::read_ca_bundle;
use crate::client::{HttpSettings, LazyClient, describe_endpoint, read_answer};

/// A probe answer has no use for a body; anything longer is cut off unread.
const BODY_LIMIT: usize = 256 * 1024;

/// One server's answer to a plain GET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeAnswer {
    /// The HTTP status, whatever it is: any answer proves the server reachable.
    pub status: u16,
    /// The server's `Date`, when it sent a readable one.
    pub server_date: Option<SystemTime>,
    /// This machine's clock halfway through the exchange, the moment the
    /// server's `Date` is best compared with.
    pub local_date: SystemTime,
}

impl ProbeAnswer {
    /// How far the server's clock is ahead of this machine's, in whole
    /// seconds (negative: behind). `None` without a readable `Date`.
    pub fn skew_seconds(&self) -> Option<i64> {
        let server = self.server_date?;
        let seconds = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        Some(match server.duration_since(self.local_date) {
            Ok(ahead) => seconds(ahead),
            Err(behind) => -seconds(behind.duration()),
        })
    }
}

/// Plain, unauthenticated GETs with the shared client settings (timeouts,
/// proxy, CA roots, no redirects).
#[derive(Debug)]
pub struct HttpProbe {
    http: LazyClient,
}

impl HttpProbe {
    /// Cheap: the HTTP client is built on the first request.
    pub fn new(settings: HttpSettings) -> Self {
        Self {
            http: LazyClient::new(settings),
        }
    }

    /// GETs `url` once (no retry, no credential) and reports the status and
    /// the `Date`. Errors name the URL, never a body.
    pub async fn get(&self, url: &ServiceUrl) -> Result<ProbeAnswer, ProviderError> {
        let endpoint = describe_endpoint("server", url.as_url());
        let request = self.http.get()?.get(url.as_url().clone());
        let sent = SystemTime::now();
        let answer = read_answer(request, &endpoint, BODY_LIMIT).await?;
        let received = SystemTime::now();
        let half_way = received
            .duration_since(sent)
            .map(|elapsed| sent + elapsed / 2)
            .unwrap_or(received);
        let server_date = answer
            .headers
            .get(reqwest::header::DATE)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| httpdate::parse_http_date(text).ok());
        Ok(ProbeAnswer {
            status: answer.status.as_u16(),
            server_date,
            local_date: half_way,
        })
    }
}

/// How many certificates the PEM bundle at `path` holds, as the HTTP client
/// would read it; an error when it cannot be read or holds none.
pub fn ca_bundle_certificates(path: &Path) -> Result<usize, InvalidInput> {
    read_ca_bundle(path).map(|certs| certs.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn answer(server: Option<u64>, local: u64) -> ProbeAnswer {
        let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        ProbeAnswer {
            status: 200,
            server_date: server.map(at),
            local_date: at(local),
        }
    }

    #[test]
    fn skew_is_signed_whole_seconds() {
        assert_eq!(answer(Some(1_000), 1_000).skew_seconds(), Some(0));
        assert_eq!(answer(Some(1_090), 1_000).skew_seconds(), Some(90));
        assert_eq!(answer(Some(1_000), 1_300).skew_seconds(), Some(-300));
        assert_eq!(answer(None, 1_000).skew_seconds(), None);
    }

    #[test]
    fn a_bundle_without_certificates_is_refused_and_its_count_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("text.pem");
        std::fs::write(&text, "not a certificate\n").unwrap();
        assert!(ca_bundle_certificates(&text).is_err());
        assert!(ca_bundle_certificates(&dir.path().join("missing.pem")).is_err());
    }
}
