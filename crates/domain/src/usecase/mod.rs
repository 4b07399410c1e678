//! Use cases: the application's verbs, each driving the ports it is given.

mod access_token;
mod device_login;
mod manage;

#[cfg(test)]
mod tests_access_token;
#[cfg(test)]
mod tests_device_login;
#[cfg(test)]
mod tests_manage;
#[cfg(test)]
mod tests_refresh_errors;
#[cfg(test)]
mod tests_refresh_retry;

pub use access_token::{AccessTokens, TokenRequest};
pub use device_login::{DeviceLogin, LoginOptions};
pub use manage::{ImportRefreshToken, Logout, LogoutOutcome, call_with_bearer};

use crate::{Error, InvalidGrant, OAuthErrorKind, ProfileName, ProviderError};

/// Maps a token-endpoint failure to what it means for the profile.
pub(crate) fn refresh_error(profile: &ProfileName, error: ProviderError) -> Error {
    let ProviderError::OAuth(oauth) = error else {
        return Error::Provider(error);
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
