//! `session exchange`: an OCI session made from the identity-domain login,
//! with no browser. The access token comes from [`AccessTokens`] (so the
//! refresh-token rotation and locking rules hold), the key pair is fresh, the
//! identity domain trades the token for a session bound to that key (RFC 8693), and
//! the session is written exactly as a browser login writes it
//! ([`OciFiles::save_new_session`]).

use std::path::PathBuf;
use std::time::Duration;

use crate::{AccessTokens, Clock, Error, OAuthErrorKind, Profile, ProviderError, TokenRequest};

use super::{
    KeySize, OciError, OciFiles, OciKeys, OciProfileName, Region, SessionClaims, TenancyChange,
    TenancyOcid, TokenExchanger, decode_claims,
};

/// The access token must outlive the exchange request by at least this much.
const ACCESS_TOKEN_MIN_TTL: Duration = Duration::from_secs(60);

/// `session exchange`.
pub struct ExchangeSession<'a> {
    /// Hands out the identity profile's access token.
    pub tokens: AccessTokens<'a>,
    pub exchanger: &'a dyn TokenExchanger,
    pub keys: &'a dyn OciKeys,
    pub files: &'a dyn OciFiles,
    pub clock: &'a dyn Clock,
}

impl std::fmt::Debug for ExchangeSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExchangeSession")
    }
}

/// Where the new session goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeTarget {
    /// The OCI config profile to write.
    pub profile: OciProfileName,
    pub region: Region,
    /// Used when the session token names no tenancy (its `tenant` claim wins).
    pub tenancy: Option<TenancyOcid>,
}

/// What `session exchange` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionExchanged {
    /// `~/.oci/sessions/<profile>`, holding the key pair and `token`.
    pub session_dir: PathBuf,
    pub claims: SessionClaims,
    pub tenancy: TenancyOcid,
}

impl ExchangeSession<'_> {
    /// Exchanges `identity`'s access token for a session of `target.profile`.
    /// Nothing is written unless the exchange succeeded.
    pub async fn run(
        &self,
        identity: &Profile,
        target: &ExchangeTarget,
    ) -> Result<SessionExchanged, Error> {
        // Checked first: without a secret nothing else is worth doing.
        let secret = identity
            .client_secret
            .as_ref()
            .ok_or_else(|| Error::NoClientSecret(identity.name.clone()))?;
        let access = self
            .tokens
            .get(
                identity,
                TokenRequest {
                    min_ttl: ACCESS_TOKEN_MIN_TTL,
                    force_refresh: false,
                },
            )
            .await?;
        let key = self.keys.generate(KeySize::Rsa2048).await?;
        let public_key = spki_base64(&key.public_pem).ok_or_else(|| {
            OciError::Other("the generated public key is not a PEM SubjectPublicKeyInfo".into())
        })?;
        let token = self
            .exchanger
            .exchange_for_oci_session(&identity.client_id, secret, &access.token, &public_key)
            .await
            .map_err(|e| exchange_error(identity, e))?;
        let claims = decode_claims(token.expose_secret())
            .map_err(|_| OciError::malformed("token exchange", "the session token is not a JWT"))?;
        if claims.is_expired(self.clock.now()) {
            return Err(OciError::malformed(
                "token exchange",
                "the session token has already expired",
            )
            .into());
        }
        // The exchange's trust decides the tenancy: the configured one only
        // names it when the token does not.
        let tenancy = TenancyOcid::for_new_session(
            claims.tenant.as_deref(),
            target.tenancy.as_ref(),
            TenancyChange::Follow,
        )
        .map_err(|refusal| OciError::Tenancy {
            profile: target.profile.to_string(),
            refusal,
        })?;
        let _lock = self.files.lock_session(&target.profile).await?;
        let session_dir = self
            .files
            .save_new_session(&target.profile, &target.region, &tenancy, &key, &token)
            .await?;
        Ok(SessionExchanged {
            session_dir,
            claims,
            tenancy,
        })
    }
}

/// An OAuth refusal is about this profile (client, grant or trust); anything
/// else (network, server, malformed answer) is reported as it is.
fn exchange_error(identity: &Profile, error: ProviderError) -> Error {
    match error {
        ProviderError::OAuth(error)
            if !matches!(
                error.kind,
                OAuthErrorKind::AuthorizationPending | OAuthErrorKind::SlowDown
            ) =>
        {
            Error::TokenExchangeRefused {
                profile: identity.name.clone(),
                error,
            }
        }
        other => Error::Provider(other),
    }
}

/// The base64 DER inside a `-----BEGIN PUBLIC KEY-----` PEM (SubjectPublicKeyInfo),
/// without the armour and line breaks: the PEM body is exactly that base64.
pub fn spki_base64(pem: &str) -> Option<String> {
    let body = pem
        .trim()
        .strip_prefix("-----BEGIN PUBLIC KEY-----")?
        .strip_suffix("-----END PUBLIC KEY-----")?;
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let valid = !base64.is_empty()
        && base64.len().is_multiple_of(4)
        && base64
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='));
    valid.then_some(base64)
}
