//! The token exchange (RFC 8693; Oracle's identity-domain "Token Exchange Grant Type" documentation): the domain's
//! `TokenExchanger` port. A confidential client (HTTP Basic) trades an access
//! token for an OCI session token bound to a public key. Sent once: the
//! caller decides what a failure means.

use async_trait::async_trait;
use oci_iam_sso_domain::oci::TokenExchanger;
use oci_iam_sso_domain::{AccessToken, ClientId, ClientSecret, ProviderError, SessionToken};

use super::{BODY_LIMIT, HttpIdentityProvider, response};
use crate::client::{Answer, read_answer};

const EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const UPST_TOKEN_TYPE: &str = "urn:oci:token-type:oci-upst";

#[async_trait]
impl TokenExchanger for HttpIdentityProvider {
    async fn exchange_for_oci_session(
        &self,
        client_id: &ClientId,
        client_secret: &ClientSecret,
        access_token: &AccessToken,
        public_key_der_base64: &str,
    ) -> Result<SessionToken, ProviderError> {
        let (url, endpoint) = self.token_endpoint().await?;
        let form = [
            ("grant_type", EXCHANGE_GRANT),
            ("requested_token_type", UPST_TOKEN_TYPE),
            ("subject_token", access_token.expose_secret()),
            ("subject_token_type", "jwt"),
            ("public_key", public_key_der_base64),
        ];
        // Basic `id:secret` as the identity domain's examples send it. reqwest
        // marks the header sensitive, so it stays out of its debug output.
        let request = self
            .form_request(&url, &form)?
            .basic_auth(client_id.as_str(), Some(client_secret.expose_secret()));
        let answer = read_answer(request, &endpoint, BODY_LIMIT).await?;
        session_token(&endpoint, answer)
    }
}

/// The `token` of a successful answer, or the error the answer stands for.
fn session_token(endpoint: &str, answer: Answer) -> Result<SessionToken, ProviderError> {
    if !answer.status.is_success() {
        return Err(response::error_answer(
            endpoint,
            &answer,
            std::time::SystemTime::now(),
        ));
    }
    let mut fields = response::Fields::parse(endpoint, &answer)?;
    if !fields.has("token")
        && let Some(error) = response::oauth_error(&answer.body)
    {
        // Some servers answer errors with 200.
        return Err(ProviderError::OAuth(error));
    }
    fields.required_string("token").map(SessionToken::new)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly on purpose

    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_token_member_is_the_session() {
        let token = session_token("e", answer(200, r#"{"token":"eyJ.a.b"}"#)).unwrap();
        assert_eq!(token.expose_secret(), "eyJ.a.b");
    }

    #[test]
    fn errors_are_classified_and_never_quote_the_body() {
        let refused = session_token(
            "e",
            answer(
                401,
                r#"{"error":"invalid_client","error_description":"bad"}"#,
            ),
        )
        .unwrap_err();
        assert!(matches!(refused, ProviderError::OAuth(ref e) if e.code == "invalid_client"));
        let in_200 = session_token("e", answer(200, r#"{"error":"invalid_grant"}"#)).unwrap_err();
        assert!(matches!(in_200, ProviderError::OAuth(_)));
        for body in [
            r#"{"access_token":"SECRET-xyz"}"#,
            r#"{"token":7,"x":"SECRET-xyz"}"#,
            "SECRET-xyz",
        ] {
            let error = session_token("e", answer(200, body)).unwrap_err();
            assert!(matches!(error, ProviderError::Malformed { .. }), "{body}");
            assert!(!error.to_string().contains("SECRET"), "{error}");
        }
    }
}
