//! The access-token provider: the cached token when it is fresh, otherwise one
//! refresh under the profile's lock, persisted before the token is handed out.

use std::time::Duration;

use tracing::{Instrument, debug, info, info_span, warn};

use crate::{
    Clock, Error, IdentityProvider, IssuedAccessToken, Notice, Notices, OAuthErrorKind, Profile,
    ProviderError, RefreshToken, RetryPolicy, TokenSet, TokenStore, retry::may_have_consumed,
};

use super::persist::{UnderLock, persist_issued, read_under_lock};

/// What the caller needs from the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// Refresh when the token expires within this time.
    pub min_ttl: Duration,
    /// Refresh even when the cached token is fresh (unless another process just did).
    pub force_refresh: bool,
}

pub struct AccessTokens<'a> {
    pub provider: &'a dyn IdentityProvider,
    pub store: &'a dyn TokenStore,
    pub clock: &'a dyn Clock,
    /// Where to say what the user should know although the call succeeded.
    pub notices: &'a dyn Notices,
    /// Margin before expiry at which a token counts as expiring (clock skew).
    pub skew: Duration,
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for AccessTokens<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("skew", &self.skew)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl AccessTokens<'_> {
    /// A valid access token for `profile`. A cache hit touches only the store.
    pub async fn get(
        &self,
        profile: &Profile,
        request: TokenRequest,
    ) -> Result<IssuedAccessToken, Error> {
        let margin = request.min_ttl.max(self.skew);
        let snapshot = self.store.tokens(&profile.name).await?;
        let seen = snapshot.as_ref().map(|t| t.generation);
        if !request.force_refresh
            && let Some(access) = snapshot
                .as_ref()
                .and_then(|t| t.usable_access(self.clock.now(), margin))
        {
            info!(
                profile = %profile.name,
                generation = seen.map(|g| g.get()),
                expires_in_s = self.clock.now().until(access.expires_at).as_secs(),
                "cache hit: the stored access token is fresh, nothing sent"
            );
            return Ok(access.clone());
        }

        let mut lock = self.store.lock(&profile.name).await?;
        let UnderLock {
            mut stored,
            current,
        } = read_under_lock(lock.as_mut(), &profile.name, self.clock.now(), self.notices).await?;
        let mut current = current.ok_or_else(|| Error::NotLoggedIn(profile.name.clone()))?;
        // Another process may have refreshed while we waited for the lock: use its
        // result (a forced refresh too). Single flight holds even when the
        // margin is longer than the server's lifetime, because the margin is
        // then capped at half the lifetime (`effective_margin`).
        if (!request.force_refresh || Some(current.generation) != seen)
            && let Some(access) = current.usable_access(self.clock.now(), margin)
        {
            info!(
                profile = %profile.name,
                generation = current.generation.get(),
                "cache hit under the lock: another process refreshed while this one waited"
            );
            return Ok(access.clone());
        }

        // The grant consumes the refresh token: make sure its answer can be kept
        // before it leaves.
        lock.prepare_rotation().await?;
        let mut reread_after_invalid_grant = false;
        loop {
            let Some(refresh_token) = current.refresh_token.clone() else {
                return Err(Error::NoRefreshToken(profile.name.clone()));
            };
            let grant = info_span!(
                "refresh",
                profile = %profile.name,
                generation = current.generation.get()
            );
            match self
                .refresh_with_retries(profile, &current, &refresh_token)
                .instrument(grant)
                .await
            {
                Ok(next) => {
                    let now = self.clock.now();
                    persist_issued(
                        lock.as_mut(),
                        &profile.name,
                        stored.as_ref(),
                        &next,
                        now,
                        self.notices,
                    )
                    .await?;
                    super::remember_endpoints(self.provider, self.store, profile).await;
                    // The answer's refresh token is stored; its access token was
                    // refused (the notice says why): the next call refreshes.
                    let access = next.access.ok_or_else(|| {
                        Error::Provider(ProviderError::Malformed {
                            endpoint: "the token endpoint".into(),
                            problem: "its access_token was refused (see the warning); the new refresh token of the same answer was stored, so the next command refreshes with it".into(),
                        })
                    })?;
                    if access.margin_exceeds_lifetime(margin) {
                        self.notices.notice(Notice::MarginExceedsLifetime {
                            requested: margin,
                            lifetime: access.lifetime(),
                        });
                    }
                    return Ok(access);
                }
                // Any `invalid_grant` (consumed, expired, revoked, whatever the
                // server's words) may mean someone outside our lock (an older
                // tool, another host) rotated the token: if they stored the newer
                // one, carry on from it before calling the chain broken.
                Err(ProviderError::OAuth(e))
                    if matches!(e.kind, OAuthErrorKind::InvalidGrant(_))
                        && !reread_after_invalid_grant =>
                {
                    reread_after_invalid_grant = true;
                    let again = read_under_lock(
                        lock.as_mut(),
                        &profile.name,
                        self.clock.now(),
                        self.notices,
                    )
                    .await?;
                    match again.current {
                        Some(newer)
                            if newer.generation > current.generation
                                && newer.refresh_token.is_some() =>
                        {
                            info!(
                                profile = %profile.name,
                                generation = newer.generation.get(),
                                "invalid_grant, but the store holds a newer set written meanwhile: going on from it"
                            );
                            if let Some(access) = newer.usable_access(self.clock.now(), margin) {
                                return Ok(access.clone());
                            }
                            stored = again.stored;
                            current = newer;
                        }
                        _ => {
                            return Err(super::token_endpoint_error(
                                &profile.name,
                                ProviderError::OAuth(e),
                            ));
                        }
                    }
                }
                Err(e) => return Err(super::token_endpoint_error(&profile.name, e)),
            }
        }
    }

    /// One refresh grant with retries for failures that cannot have consumed the token.
    async fn refresh_with_retries(
        &self,
        profile: &Profile,
        current: &TokenSet,
        refresh_token: &RefreshToken,
    ) -> Result<TokenSet, ProviderError> {
        let mut failed_attempts = 0;
        loop {
            match self
                .provider
                .refresh(&profile.client_id, refresh_token)
                .await
            {
                Ok(response) => {
                    for note in &response.notes {
                        self.notices.notice(Notice::OddTokenAnswer(*note));
                    }
                    let next = current.rotated(response, self.clock.now());
                    info!(
                        attempts = failed_attempts + 1,
                        generation = next.generation.get(),
                        rotated = next.refresh_token != current.refresh_token,
                        "refresh grant answered"
                    );
                    return Ok(next);
                }
                Err(error) => {
                    failed_attempts += 1;
                    let wait = if may_have_consumed(&error) {
                        None
                    } else {
                        self.retry
                            .delay_after(&error, failed_attempts, self.clock.jitter())
                    };
                    match wait {
                        Some(wait) => {
                            warn!(
                                attempt = failed_attempts,
                                retry_in_ms = wait.as_millis(),
                                %error,
                                "refresh grant failed before it could consume the token: trying again"
                            );
                            self.clock.sleep(wait).await;
                        }
                        None => {
                            debug!(attempt = failed_attempts, %error, "refresh grant failed");
                            return Err(error);
                        }
                    }
                }
            }
        }
    }
}
