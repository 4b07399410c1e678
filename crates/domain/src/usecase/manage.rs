//! Smaller use cases: import a refresh token, log out, call a resource server.

use crate::{
    AccessTokens, Clock, Error, IdentityProvider, Profile, ProviderError, RefreshToken,
    ResourceClient, ResourceRequest, ResourceResponse, TokenRequest, TokenSet, TokenStore,
};

/// Starts a profile's chain from a refresh token got elsewhere.
pub struct ImportRefreshToken<'a> {
    pub store: &'a dyn TokenStore,
    pub clock: &'a dyn Clock,
}

impl std::fmt::Debug for ImportRefreshToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImportRefreshToken")
    }
}

impl ImportRefreshToken<'_> {
    pub async fn run(&self, profile: &Profile, token: RefreshToken) -> Result<TokenSet, Error> {
        if token.is_empty() {
            return Err(crate::InvalidInput::new("refresh token", "is empty").into());
        }
        let mut lock = self.store.lock(&profile.name).await?;
        let previous = lock.tokens().await?.map(|t| t.generation);
        let tokens = TokenSet::from_imported_refresh_token(token, self.clock.now(), previous);
        lock.replace(previous, &tokens).await?;
        Ok(tokens)
    }
}

/// Revokes the refresh token at the server (best effort) and deletes it.
pub struct Logout<'a> {
    pub provider: &'a dyn IdentityProvider,
    pub store: &'a dyn TokenStore,
}

impl std::fmt::Debug for Logout<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Logout")
    }
}

#[derive(Debug)]
pub enum LogoutOutcome {
    NotLoggedIn,
    Revoked,
    /// Only an access token was stored: it was deleted, nothing could be revoked.
    NothingToRevoke,
    /// The server has no revocation endpoint: the token lives until it expires.
    NoRevocationEndpoint,
    /// Revocation failed; the local copy is deleted all the same.
    RevocationFailed(ProviderError),
}

impl Logout<'_> {
    pub async fn run(&self, profile: &Profile) -> Result<LogoutOutcome, Error> {
        let mut lock = self.store.lock(&profile.name).await?;
        let Some(tokens) = lock.tokens().await? else {
            return Ok(LogoutOutcome::NotLoggedIn);
        };
        let outcome = match &tokens.refresh_token {
            Some(token) => match self.provider.revoke(&profile.client_id, token).await {
                Ok(true) => LogoutOutcome::Revoked,
                Ok(false) => LogoutOutcome::NoRevocationEndpoint,
                Err(e) => LogoutOutcome::RevocationFailed(e),
            },
            None => LogoutOutcome::NothingToRevoke,
        };
        lock.clear().await?;
        Ok(outcome)
    }
}

/// Sends `request` with the profile's access token; on 401 refreshes once and
/// sends it again (the cached token may have been revoked early).
pub async fn call_with_bearer(
    tokens: &AccessTokens<'_>,
    resources: &dyn ResourceClient,
    profile: &Profile,
    request: &ResourceRequest,
    token_request: TokenRequest,
) -> Result<ResourceResponse, Error> {
    let access = tokens.get(profile, token_request).await?;
    let response = resources
        .send(request, &access.token)
        .await
        .map_err(Error::Provider)?;
    if response.status != 401 {
        return Ok(response);
    }
    let access = tokens
        .get(
            profile,
            TokenRequest {
                force_refresh: true,
                ..token_request
            },
        )
        .await?;
    resources
        .send(request, &access.token)
        .await
        .map_err(Error::Provider)
}
