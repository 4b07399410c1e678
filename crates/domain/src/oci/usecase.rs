//! The OCI use cases: refresh a session, validate it (locally or with the
//! service), and get a database token — refreshing an expiring session first.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Clock, Error, Lifecycle, ProviderError, SessionToken, Timestamp};

use super::{
    DbTokenRequest, OciAuthService, OciError, OciFiles, OciKeys, OciProfile, OciProfileName,
    SessionClaims, SessionCredentials, decode_claims,
};

/// A session that expires within this time is refreshed before it is used.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// `session refresh`: trade the current session token for a new one.
pub struct RefreshSession<'a> {
    pub auth: &'a dyn OciAuthService,
    pub files: &'a dyn OciFiles,
    pub clock: &'a dyn Clock,
}

impl std::fmt::Debug for RefreshSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshSession")
    }
}

impl RefreshSession<'_> {
    /// The claims of the new token, which is already written when this returns.
    pub async fn run(&self, name: &OciProfileName) -> Result<SessionClaims, Error> {
        // Held from the read to the write: a login finishing in between would
        // otherwise get the old key's token written beside its new key.
        let _lock = self.files.lock_session(name).await?;
        let profile = self.files.load_profile(name).await?;
        let session = self.files.read_session(&profile).await?;
        let (_, claims) =
            refresh(self.auth, self.files, self.clock.now(), &profile, session).await?;
        Ok(claims)
    }
}

/// Refreshes while the token is still valid (the service refuses expired ones),
/// then writes the new token; the key pair stays. The caller holds the
/// profile's session lock.
pub(super) async fn refresh(
    auth: &dyn OciAuthService,
    files: &dyn OciFiles,
    now: Timestamp,
    profile: &OciProfile,
    session: SessionCredentials,
) -> Result<(SessionCredentials, SessionClaims), OciError> {
    let claims = decode_claims(session.token.expose_secret())?;
    if claims.is_expired(now) {
        return Err(OciError::SessionExpired {
            profile: profile.name.to_string(),
        });
    }
    let token = auth
        .refresh_session(&profile.region, &session)
        .await
        .map_err(|e| match e {
            OciError::Service(ProviderError::Unauthorized { .. }) => OciError::RefreshRefused {
                profile: profile.name.to_string(),
            },
            other => other,
        })?;
    let new_claims = decode_claims(token.expose_secret())
        .map_err(|_| OciError::malformed("session refresh", "the new token is not a JWT"))?;
    files.write_session_token(profile, &token).await?;
    Ok((
        SessionCredentials {
            token,
            private_key: session.private_key,
        },
        new_claims,
    ))
}

/// `session validate [--local]`.
pub struct ValidateSession<'a> {
    pub auth: &'a dyn OciAuthService,
    pub files: &'a dyn OciFiles,
    pub clock: &'a dyn Clock,
}

impl std::fmt::Debug for ValidateSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValidateSession")
    }
}

/// What `session validate` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionState {
    pub claims: SessionClaims,
    /// True when the service was asked (not `--local`).
    pub checked_remotely: bool,
}

impl ValidateSession<'_> {
    /// `Ok` when the session is valid; `SessionExpired` / `SessionInvalid` otherwise.
    pub async fn run(&self, name: &OciProfileName, local: bool) -> Result<SessionState, Error> {
        let profile = self.files.load_profile(name).await?;
        let session = self.files.read_session(&profile).await?;
        let claims = decode_claims(session.token.expose_secret())?;
        if claims.is_expired(self.clock.now()) {
            return Err(OciError::SessionExpired {
                profile: name.to_string(),
            }
            .into());
        }
        if !local
            && !self
                .auth
                .validate_session(&profile.region, &session)
                .await?
        {
            return Err(OciError::SessionInvalid {
                profile: name.to_string(),
            }
            .into());
        }
        Ok(SessionState {
            claims,
            checked_remotely: !local,
        })
    }
}

/// `db-token get`.
pub struct GetDbToken<'a> {
    pub auth: &'a dyn OciAuthService,
    pub files: &'a dyn OciFiles,
    pub keys: &'a dyn OciKeys,
    pub clock: &'a dyn Clock,
}

impl std::fmt::Debug for GetDbToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GetDbToken")
    }
}

/// What `db-token get` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbTokenIssued {
    pub location: PathBuf,
    /// From the token's `exp`, when it is a readable JWT.
    pub expires_at: Option<Timestamp>,
    /// True when the session was refreshed first because it was about to expire.
    pub session_refreshed: bool,
}

impl GetDbToken<'_> {
    pub async fn run(
        &self,
        name: &OciProfileName,
        request: &DbTokenRequest,
    ) -> Result<DbTokenIssued, Error> {
        let (profile, session, session_refreshed) = {
            // Read (and refreshed) under the session's lock, so the key and
            // token read are a pair; released before the db token is asked for.
            let _lock = self.files.lock_session(name).await?;
            let profile = self.files.load_profile(name).await?;
            let session = self.files.read_session(&profile).await?;
            let claims = decode_claims(session.token.expose_secret())?;
            let now = self.clock.now();
            let lifecycle = claims.lifecycle(now, REFRESH_BEFORE_EXPIRY);
            if lifecycle == Lifecycle::Expired {
                return Err(OciError::SessionExpired {
                    profile: name.to_string(),
                }
                .into());
            }
            if lifecycle == Lifecycle::ExpiringSoon {
                let session = refresh(self.auth, self.files, now, &profile, session).await?;
                (profile, session.0, true)
            } else {
                (profile, session, false)
            }
        };
        // Two `db-token get` into one directory would otherwise rename their
        // files in between each other's, leaving one's token with the other's key.
        let _lock = self.files.lock_db_token_dir(&request.location).await?;
        let key = self.keys.generate(request.key_size).await?;
        let token: SessionToken = self
            .auth
            .generate_db_token(&profile.region, &session, &request.scope, &key.public_pem)
            .await?;
        // Only now, with the token in hand, does the private key touch the disk.
        self.files
            .write_db_token(&request.location, &token, &key)
            .await?;
        Ok(DbTokenIssued {
            location: request.location.clone(),
            expires_at: decode_claims(token.expose_secret())
                .ok()
                .map(|c| c.expires_at),
            session_refreshed,
        })
    }
}
