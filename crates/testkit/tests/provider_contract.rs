//! The identity-provider contract suite checked against a minimal reference
//! provider written here with plain reqwest: proves the suite passes a
//! conforming client and fails a broken one. (The real adapter runs the same
//! suite in its own crate.)
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use async_trait::async_trait;
use oci_iam_sso_domain::{
    AccessToken, ClientId, DeviceAuthorization, DeviceCode, Endpoints, IdentityProvider,
    OAuthError, ProviderError, RefreshToken, Scope, ServiceUrl, TokenResponse, TransportFailure,
    UserCode,
};
use oci_iam_sso_testkit::contract::identity_provider_contract;
use serde_json::Value;

struct Reference {
    base: ServiceUrl,
    http: reqwest::Client,
    /// A deliberately broken variant: retries refreshes on server errors.
    retries_refresh: bool,
}

fn reference(base: &str, retries_refresh: bool) -> Box<dyn IdentityProvider> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Box::new(Reference {
        base: ServiceUrl::parse(base).unwrap(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
        retries_refresh,
    })
}

fn transport(error: &reqwest::Error) -> ProviderError {
    let failure = if error.is_connect() {
        TransportFailure::Connect
    } else if error.is_timeout() {
        TransportFailure::Timeout
    } else {
        TransportFailure::Interrupted
    };
    ProviderError::Transport {
        endpoint: "test".into(),
        failure,
        detail: "failed".into(),
    }
}

fn malformed() -> ProviderError {
    ProviderError::Malformed {
        endpoint: "test".into(),
        problem: "not OAuth JSON".into(),
    }
}

/// The reference reads an OAuth error body itself; the domain classifies it.
fn oauth_error(body: &[u8]) -> Option<OAuthError> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let text = |name: &str| body.get(name)?.as_str().map(str::to_owned);
    Some(OAuthError::classify(
        body.get("error")?.as_str()?,
        text("error_description"),
        text("ecid"),
    ))
}

impl Reference {
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<Value, ProviderError> {
        let url = self.base.join_path(path).unwrap();
        let response = self
            .http
            .post(url.as_str())
            .form(form)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|e| transport(&e))?;
        match status {
            200 => serde_json::from_slice(&body).map_err(|_| malformed()),
            400 | 401 => Err(oauth_error(&body).map_or_else(malformed, ProviderError::OAuth)),
            _ => Err(ProviderError::Server {
                endpoint: "test".into(),
                status,
                retry_after,
            }),
        }
    }
}

fn token_response(body: &Value) -> Result<TokenResponse, ProviderError> {
    Ok(TokenResponse {
        access_token: Some(AccessToken::new(
            body["access_token"].as_str().ok_or_else(malformed)?,
        )),
        token_type: body["token_type"].as_str().unwrap_or_default().to_owned(),
        expires_in: body["expires_in"].as_u64().map(Duration::from_secs),
        refresh_token: body["refresh_token"].as_str().map(RefreshToken::new),
        scope: None,
        notes: Vec::new(),
    })
}

#[async_trait]
impl IdentityProvider for Reference {
    /// Not tracked: every process that uses it discovers again.
    fn endpoints_in_use(&self) -> Option<Endpoints> {
        None
    }

    async fn endpoints(&self) -> Result<Endpoints, ProviderError> {
        let url = self
            .base
            .join_path(".well-known/openid-configuration")
            .unwrap();
        let response = self
            .http
            .get(url.as_str())
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let doc: Option<Value> = if response.status() == 200 {
            response.json().await.ok()
        } else {
            None
        };
        let pick = |key: &str, path: &str| {
            doc.as_ref()
                .and_then(|d| d[key].as_str())
                .map_or_else(|| self.base.join_path(path), ServiceUrl::parse)
                .unwrap()
        };
        Ok(Endpoints {
            token: pick("token_endpoint", "oauth2/v1/token"),
            device_authorization: pick("device_authorization_endpoint", "oauth2/v1/device"),
            revocation: Some(pick("revocation_endpoint", "oauth2/v1/revoke")),
        })
    }

    async fn start_device_authorization(
        &self,
        client_id: &ClientId,
        scope: &Scope,
    ) -> Result<DeviceAuthorization, ProviderError> {
        let scope = scope.to_string();
        let body = self
            .post(
                "oauth2/v1/device",
                &[
                    ("response_type", "device_code"),
                    ("client_id", client_id.as_str()),
                    ("scope", &scope),
                ],
            )
            .await?;
        Ok(DeviceAuthorization {
            device_code: DeviceCode::new(body["device_code"].as_str().ok_or_else(malformed)?),
            user_code: UserCode::new(body["user_code"].as_str().ok_or_else(malformed)?),
            verification_uri: ServiceUrl::parse(
                body["verification_uri"].as_str().ok_or_else(malformed)?,
            )?,
            verification_uri_complete: None,
            expires_in: Duration::from_secs(body["expires_in"].as_u64().ok_or_else(malformed)?),
            interval: body["interval"].as_u64().map(Duration::from_secs),
        })
    }

    async fn poll_device_token(
        &self,
        client_id: &ClientId,
        device_code: &DeviceCode,
    ) -> Result<TokenResponse, ProviderError> {
        let body = self
            .post(
                "oauth2/v1/token",
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", client_id.as_str()),
                    ("device_code", device_code.expose_secret()),
                ],
            )
            .await?;
        token_response(&body)
    }

    async fn refresh(
        &self,
        client_id: &ClientId,
        refresh_token: &RefreshToken,
    ) -> Result<TokenResponse, ProviderError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        let mut outcome = self.post("oauth2/v1/token", &form).await;
        if self.retries_refresh && matches!(outcome, Err(ProviderError::Server { .. })) {
            outcome = self.post("oauth2/v1/token", &form).await;
        }
        token_response(&outcome?)
    }

    async fn revoke(
        &self,
        client_id: &ClientId,
        token: &RefreshToken,
    ) -> Result<bool, ProviderError> {
        self.post(
            "oauth2/v1/revoke",
            &[
                ("client_id", client_id.as_str()),
                ("token", token.expose_secret()),
            ],
        )
        .await
        .map(|_| true)
        .or_else(|e| match e {
            // The revoke answer has an empty body.
            ProviderError::Malformed { .. } => Ok(true),
            other => Err(other),
        })
    }
}

#[tokio::test]
async fn a_conforming_provider_passes_the_identity_provider_contract() {
    let report = identity_provider_contract(|base| reference(base, false)).await;
    assert!(!report.contains("[FAIL]"), "{report}");
    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn the_contract_catches_a_provider_that_retries_refreshes() {
    let report = identity_provider_contract(|base| reference(base, true)).await;
    assert!(
        report
            .contains("[FAIL] refresh answered HTTP 500: requests sent, token kept: 2 request(s)"),
        "{report}"
    );
}
