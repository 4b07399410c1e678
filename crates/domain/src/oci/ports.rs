//! The OCI ports: the auth service (HTTP, signed requests), the files (config,
//! session and db-token files), key generation and the identity domain's token
//! exchange. Each method's doc states its contract.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::{AccessToken, ClientId, ClientSecret, ProviderError, SessionToken};

use super::{
    ConsoleLoginKey, DbScope, KeyPair, KeySize, OciError, OciLock, OciProfile, OciProfileName,
    Region, SessionCredentials, TenancyOcid,
};

/// The OCI auth and identity services, called with requests signed by the session key.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait OciAuthService: Send + Sync {
    /// `POST /v1/authentication/refresh` with `{"currentToken"}`. MUST return
    /// `OciError::Service(ProviderError::Unauthorized)` for HTTP 401 and never
    /// retry on its own.
    async fn refresh_session(
        &self,
        region: &Region,
        session: &SessionCredentials,
    ) -> Result<SessionToken, OciError>;

    /// `POST /v1/actions/generateScopedAccessToken` with `{"scope","publicKey"}`.
    /// MUST return `OciError::Service(ProviderError::Unauthorized)` for HTTP 401.
    async fn generate_db_token(
        &self,
        region: &Region,
        session: &SessionCredentials,
        scope: &DbScope,
        public_key_pem: &str,
    ) -> Result<SessionToken, OciError>;

    /// A signed `GET /20160918/regions`. MUST return `Ok(false)` for HTTP 401
    /// and `Ok(true)` for a success.
    async fn validate_session(
        &self,
        region: &Region,
        session: &SessionCredentials,
    ) -> Result<bool, OciError>;
}

/// The OCI config file and the files next to it.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait OciFiles: Send + Sync {
    /// MUST return the profile with `[DEFAULT]` merged in, `OciError::Config`
    /// (with a line number when the file is malformed) otherwise.
    async fn load_profile(&self, name: &OciProfileName) -> Result<OciProfile, OciError>;

    /// MUST read the token and private key the profile names, and return
    /// `OciError::NoSession` when it names no `security_token_file`.
    async fn read_session(&self, profile: &OciProfile) -> Result<SessionCredentials, OciError>;

    /// Takes the exclusive lock of the profile's session, waiting (bounded)
    /// while another process holds it; `OciError::Locked` when the wait is
    /// over. Whoever reads a session to replace it, or writes a new one,
    /// MUST hold it from the read to the write, so two commands never mix
    /// their files.
    async fn lock_session(&self, name: &OciProfileName) -> Result<OciLock, OciError>;

    /// The same for a db-token directory (created 0700 when absent).
    async fn lock_db_token_dir(&self, dir: &Path) -> Result<OciLock, OciError>;

    /// With the profile's session lock held: MUST re-read the private key the
    /// profile names and write the token only when the token is bound to it
    /// (its `jwk` claim); otherwise `OciError::SessionChanged` and nothing is
    /// written. MUST replace the token file atomically (0600), keeping the key pair.
    async fn write_session_token(
        &self,
        profile: &OciProfile,
        token: &SessionToken,
    ) -> Result<(), OciError>;

    /// After a browser login, with the profile's session lock held: MUST write the key pair and token into the
    /// profile's session directory (0700, files 0600) and then rewrite the
    /// profile with `fingerprint`, `key_file`, `tenancy`, `region` and
    /// `security_token_file`, keeping every other profile and comment.
    /// Returns the session directory.
    async fn save_new_session(
        &self,
        name: &OciProfileName,
        region: &Region,
        tenancy: &TenancyOcid,
        key: &KeyPair,
        token: &SessionToken,
    ) -> Result<PathBuf, OciError>;

    /// MUST set `tenancy` and `region` of the profile, creating it when absent.
    /// Returns the config file's path.
    async fn setup_profile(
        &self,
        name: &OciProfileName,
        tenancy: &TenancyOcid,
        region: &Region,
    ) -> Result<PathBuf, OciError>;

    /// MUST write `token`, `oci_db_key.pem` and `oci_db_key_public.pem` into
    /// `dir` (created 0700, files 0600, each atomically).
    async fn write_db_token(
        &self,
        dir: &Path,
        token: &SessionToken,
        key: &KeyPair,
    ) -> Result<(), OciError>;
}

/// RSA key generation.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait OciKeys: Send + Sync {
    /// MUST return a fresh key pair (e = 65537) of the given size.
    async fn generate(&self, size: KeySize) -> Result<KeyPair, OciError>;

    /// MUST describe `key`'s public half for a browser login, with a fresh random nonce.
    fn console_login_key(&self, key: &KeyPair) -> Result<ConsoleLoginKey, OciError>;
}

/// The identity domain's token exchange (RFC 8693): an access
/// token traded for an OCI session token (UPST) by a confidential client.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait TokenExchanger: Send + Sync {
    /// MUST send once (never retry on its own) `POST {token endpoint}` with
    /// `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
    /// `requested_token_type=urn:oci:token-type:oci-upst`, `subject_token`,
    /// `subject_token_type=jwt` and `public_key` (base64 DER
    /// SubjectPublicKeyInfo, no PEM armour), authenticated with HTTP Basic
    /// `client_id:client_secret`, and return the answer's `token`.
    /// MUST return `ProviderError::OAuth` for an OAuth error answer (401
    /// `invalid_client` included) and never quote a response body.
    async fn exchange_for_oci_session(
        &self,
        client_id: &ClientId,
        client_secret: &ClientSecret,
        access_token: &AccessToken,
        public_key_der_base64: &str,
    ) -> Result<SessionToken, ProviderError>;
}
