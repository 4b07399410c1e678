//! Use cases: the application's verbs, each driving the ports it is given.

mod access_token;
mod device_login;
mod manage;
mod persist;

#[cfg(test)]
mod tests_access_token;
#[cfg(test)]
mod tests_device_login;
#[cfg(test)]
mod tests_kept_rotation;
#[cfg(test)]
mod tests_manage;
#[cfg(test)]
mod tests_observable;
#[cfg(test)]
mod tests_refresh_errors;
#[cfg(test)]
mod tests_refresh_retry;

pub use access_token::{AccessTokens, TokenRequest};
pub use device_login::{DeviceLogin, LoginOptions};
pub use manage::{
    ImportRefreshToken, Logout, LogoutOutcome, MAX_IMPORTED_TOKEN_LEN, call_with_bearer,
};

use crate::{
    Error, IdentityProvider, InvalidGrant, KnownEndpoints, OAuthErrorKind, Profile, ProfileName,
    ProviderError, TokenStore,
};

/// After a grant: remembers with the profile the endpoints it went to, when
/// they are not the ones the profile already has, so that the next process
/// sends no discovery request. Best effort: failing costs one discovery later.
pub(crate) async fn remember_endpoints(
    provider: &dyn IdentityProvider,
    store: &dyn TokenStore,
    profile: &Profile,
) {
    let Some(in_use) = provider.endpoints_in_use() else {
        return;
    };
    if profile.known_endpoints() == Some(&in_use) {
        return;
    }
    let known = KnownEndpoints::new(profile.domain_url.clone(), in_use);
    match store.remember_endpoints(&profile.name, &known).await {
        Ok(true) => tracing::debug!(
            profile = %profile.name,
            token_endpoint = %known.endpoints.token,
            "endpoints remembered with the profile"
        ),
        Ok(false) => tracing::debug!(
            profile = %profile.name,
            "endpoints not remembered: the profile was changed or removed meanwhile"
        ),
        Err(error) => tracing::warn!(
            profile = %profile.name,
            %error,
            "cannot remember the endpoints; the next run discovers them again"
        ),
    }
}

/// Maps a failure of the token endpoint (a refresh, a device-code poll, an
/// imported token's first redemption) to what it means for the profile.
pub(crate) fn token_endpoint_error(profile: &ProfileName, error: ProviderError) -> Error {
    let oauth = match error {
        ProviderError::OAuth(oauth) => oauth,
        // The request left and no answer came: the server may have rotated the
        // token. Saying "try again" as if nothing happened would hide that.
        ProviderError::Transport { failure, .. } if !failure.request_not_sent() => {
            return Error::RefreshOutcomeUnknown {
                profile: profile.clone(),
                source: error,
            };
        }
        other => return Error::Provider(other),
    };
    let profile = profile.clone();
    match oauth.kind {
        OAuthErrorKind::InvalidGrant(InvalidGrant::Expired) => Error::RefreshTokenExpired {
            profile,
            ecid: oauth.ecid,
        },
        OAuthErrorKind::InvalidGrant(InvalidGrant::Consumed) => Error::RefreshChainBroken {
            profile,
            ecid: oauth.ecid,
        },
        // RFC 6749 §5.2: `invalid_grant` means the grant is invalid, expired or
        // revoked, whatever the words of another provider: only a new login helps.
        OAuthErrorKind::InvalidGrant(InvalidGrant::Invalid | InvalidGrant::Other) => {
            Error::RefreshTokenInvalid {
                profile,
                ecid: oauth.ecid,
            }
        }
        OAuthErrorKind::InvalidScope
        | OAuthErrorKind::InvalidClient
        | OAuthErrorKind::UnauthorizedClient
        | OAuthErrorKind::InvalidRequest
        | OAuthErrorKind::UnsupportedGrantType => Error::ClientConfiguration {
            profile,
            error: oauth,
        },
        _ => Error::Provider(ProviderError::OAuth(oauth)),
    }
}
