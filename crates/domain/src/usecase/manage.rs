//! Smaller use cases: import a refresh token, log out, call a resource server.

use crate::{
    AccessTokens, Clock, Error, IdentityProvider, Notices, Profile, ProviderError, RefreshToken,
    ResourceClient, ResourceRequest, ResourceResponse, TokenRequest, TokenSet, TokenStore,
};

/// The longest refresh token `import` accepts. Identity-domain refresh tokens
/// are a few hundred bytes to a few KiB; anything far larger is not one.
pub const MAX_IMPORTED_TOKEN_LEN: usize = 16 * 1024;

/// Starts a profile's chain from a refresh token got elsewhere. The token is
/// redeemed first: only a token the identity domain accepts replaces anything.
pub struct ImportRefreshToken<'a> {
    pub provider: &'a dyn IdentityProvider,
    pub store: &'a dyn TokenStore,
    pub clock: &'a dyn Clock,
    pub notices: &'a dyn Notices,
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
        if token.expose_secret().len() > MAX_IMPORTED_TOKEN_LEN {
            return Err(crate::InvalidInput::new(
                "refresh token",
                format!("is longer than {MAX_IMPORTED_TOKEN_LEN} bytes"),
            )
            .into());
        }
        let mut lock = self.store.lock(&profile.name).await?;
        let stored = lock.tokens().await?;
        // Redeeming consumes the imported token: be ready to keep its successor.
        lock.prepare_rotation().await?;
        let response = self
            .provider
            .refresh(&profile.client_id, &token)
            .await
            .map_err(|e| super::token_endpoint_error(&profile.name, e))?;
        let now = self.clock.now();
        let tokens = TokenSet::from_imported_refresh_token(
            token,
            now,
            stored.as_ref().map(|t| t.generation),
        )
        .rotated(response, now);
        super::persist::persist_issued(
            lock.as_mut(),
            &profile.name,
            stored.as_ref(),
            &tokens,
            now,
            self.notices,
        )
        .await?;
        Ok(tokens)
    }
}

/// Revokes the refresh token at the server (best effort) and deletes it.
pub struct Logout<'a> {
    pub provider: &'a dyn IdentityProvider,
    pub store: &'a dyn TokenStore,
    /// Dates the adoption of a rotation kept aside, if one is found.
    pub clock: &'a dyn Clock,
    pub notices: &'a dyn Notices,
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
        // Revoke the live refresh token, which may be one kept aside.
        let under = super::persist::read_under_lock(
            lock.as_mut(),
            &profile.name,
            self.clock.now(),
            self.notices,
        )
        .await?;
        let Some(tokens) = under.current else {
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
