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
mod tests_refresh_errors;
#[cfg(test)]
mod tests_refresh_retry;

pub use access_token::{AccessTokens, TokenRequest};
pub use device_login::{DeviceLogin, LoginOptions};
pub use manage::{
    ImportRefreshToken, Logout, LogoutOutcome, MAX_IMPORTED_TOKEN_LEN, call_with_bearer,
};

use crate::{Error, InvalidGrant, OAuthErrorKind, ProfileName, ProviderError};

/// Maps a token-endpoint failure to what it means for the profile.
pub(crate) fn refresh_error(profile: &ProfileName, error: ProviderError) -> Error {
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
