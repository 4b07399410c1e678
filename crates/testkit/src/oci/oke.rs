//! What an OKE cluster's API server does with a bearer token from
//! `oke token` (or the OCI CLI's `ce cluster generate-token`): decode the
//! padded base64url into a URL, take its `authorization` and `date` query
//! parameters back into headers, and check the signature of
//! `GET /cluster_request/{cluster}` exactly as a signed request is checked
//! (the same verifier, the same session key and clock).

use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;

use super::state::{FakeOciControl, Rejection};
use super::verify::verify;

/// A cluster token that passed the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedClusterToken {
    /// The cluster OCID of the URL's path.
    pub cluster: String,
    /// The URL's `host[:port]`, which the signature covers.
    pub host: String,
    /// The URL without its query (no secret in it).
    pub url_without_query: String,
    /// The `sub` of the session token that signed it.
    pub subject: String,
}

impl FakeOciControl {
    /// Checks a cluster token as the container engine does for a cluster's
    /// API server. A refusal counts as a signature failure, like any other.
    pub fn verify_cluster_token(&self, token: &str) -> Result<VerifiedClusterToken, Rejection> {
        let mut state = self.lock();
        let Some((uri, headers, parts)) = unpack(token) else {
            return Err(state.reject(Rejection::MalformedClusterToken));
        };
        let verified = verify(&mut state, &Method::GET, &uri, &headers, b"")?;
        state.counters.cluster_tokens += 1;
        Ok(VerifiedClusterToken {
            subject: verified.claims.sub,
            ..parts
        })
    }
}

/// The request the token stands for: its path, and the headers the query carried.
fn unpack(token: &str) -> Option<(Uri, HeaderMap, VerifiedClusterToken)> {
    // Padded, as Python's urlsafe_b64encode writes it: the engine insists.
    let text = String::from_utf8(URL_SAFE.decode(token).ok()?).ok()?;
    let url = url::Url::parse(&text).ok()?;
    let cluster = url.path().strip_prefix("/cluster_request/")?.to_owned();
    if cluster.is_empty() || cluster.contains('/') || url.fragment().is_some() {
        return None;
    }
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let [(n1, authorization), (n2, date)] = pairs.as_slice() else {
        return None;
    };
    if n1 != "authorization" || n2 != "date" {
        return None;
    }
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_owned(),
    };
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(authorization).ok()?);
    headers.insert("date", HeaderValue::from_str(date).ok()?);
    headers.insert("host", HeaderValue::from_str(&host).ok()?);
    let uri: Uri = url.path().parse().ok()?;
    let mut without_query = url.clone();
    without_query.set_query(None);
    Some((
        uri,
        headers,
        VerifiedClusterToken {
            cluster,
            host,
            url_without_query: without_query.to_string(),
            subject: String::new(),
        },
    ))
}
