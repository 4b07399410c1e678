//! The values the OCI commands pass around: profile names, regions, keys,
//! session credentials and database-token requests.

use std::path::PathBuf;

use zeroize::Zeroizing;

use crate::{InvalidInput, SessionToken};

/// The name of a profile in the OCI config file: `^[A-Za-z0-9._\-@]+$`, not
/// starting with `.` (the name is also a directory under `~/.oci/sessions`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OciProfileName(String);

impl OciProfileName {
    pub const DEFAULT: &'static str = "DEFAULT";

    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into();
        if crate::profile::is_profile_name(&value) {
            Ok(Self(value))
        } else {
            Err(InvalidInput::new(
                "OCI profile name",
                crate::profile::name_problem(&value, "made of the characters A-Z a-z 0-9 . _ - @"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OciProfileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An OCI region (`us-ashburn-1`) with the domain of its realm (`oraclecloud.com`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    name: String,
    realm_domain: String,
}

impl Region {
    pub fn new(name: &str, realm_domain: &str) -> Result<Self, InvalidInput> {
        let is_label = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        let name = name.trim().to_ascii_lowercase();
        if !is_label(&name) {
            return Err(InvalidInput::new(
                "region",
                format!("`{name}` is not a region name like `us-ashburn-1`"),
            ));
        }
        let realm_domain = realm_domain.trim().to_ascii_lowercase();
        if !realm_domain.split('.').all(is_label) {
            return Err(InvalidInput::new(
                "realm domain",
                format!("`{realm_domain}` is not a domain"),
            ));
        }
        Ok(Self { name, realm_domain })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn realm_domain(&self) -> &str {
        &self.realm_domain
    }

    /// `https://auth.{region}.{realm domain}`: session refresh and database tokens.
    pub fn auth_url(&self) -> String {
        format!("https://auth.{}.{}", self.name, self.realm_domain)
    }

    /// `https://identity.{region}.oci.{realm domain}`: the identity API.
    pub fn identity_url(&self) -> String {
        format!("https://identity.{}.oci.{}", self.name, self.realm_domain)
    }

    /// `https://containerengine.{region}.{realm domain}`: OKE, whose
    /// `cluster_request` URL a kubectl token signs.
    pub fn container_engine_url(&self) -> String {
        format!(
            "https://containerengine.{}.{}",
            self.name, self.realm_domain
        )
    }

    /// `https://login.{region}.{realm domain}`: the console login.
    pub fn login_url(&self) -> String {
        format!("https://login.{}.{}", self.name, self.realm_domain)
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// A profile of the OCI config file, with `[DEFAULT]` values merged in and `~` expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OciProfile {
    pub name: OciProfileName,
    pub region: Region,
    pub tenancy: Option<String>,
    pub fingerprint: Option<String>,
    pub key_file: Option<PathBuf>,
    pub security_token_file: Option<PathBuf>,
}

/// An unencrypted PKCS#8 PEM private key. Redacted in `Debug`, zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKeyPem(Zeroizing<String>);

impl PrivateKeyPem {
    pub fn new(pem: String) -> Self {
        Self(Zeroizing::new(pem))
    }

    /// The PEM text. Call sites are where the key leaves its wrapper: to sign or to be written.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKeyPem([redacted])")
    }
}

/// RSA key sizes this tool generates (e = 65537).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum KeySize {
    /// What the OCI CLI uses.
    #[default]
    Rsa2048,
    /// What python-oracledb's own token plugin uses.
    Rsa4096,
}

impl KeySize {
    pub fn bits(self) -> usize {
        match self {
            KeySize::Rsa2048 => 2048,
            KeySize::Rsa4096 => 4096,
        }
    }

    pub fn from_bits(bits: u32) -> Result<Self, InvalidInput> {
        match bits {
            2048 => Ok(KeySize::Rsa2048),
            4096 => Ok(KeySize::Rsa4096),
            other => Err(InvalidInput::new(
                "key size",
                format!("{other} bits; use 2048 or 4096"),
            )),
        }
    }
}

/// A fresh RSA key pair with its OCI fingerprint (MD5 of the DER SubjectPublicKeyInfo).
#[derive(Clone, Debug)]
pub struct KeyPair {
    pub private_pem: PrivateKeyPem,
    /// SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`).
    pub public_pem: String,
    /// Lowercase hex pairs joined by `:`.
    pub fingerprint: String,
}

/// What a browser login sends to the console for a fresh key pair, and what
/// it checks the answer against (the OCI CLI's `session authenticate` sends
/// the same: a JWK of the public key and a random `nonce`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleLoginKey {
    /// The `public_key` query parameter: the JWK, base64url without padding.
    pub public_key_param: String,
    /// The public numbers the session token's `jwk` claim must carry.
    pub public_numbers: super::RsaPublicNumbers,
    /// A random UUID (version 4), the `nonce` an `id_token` must name.
    pub nonce: String,
}

/// What signs a request on behalf of a session: its token and its private key.
#[derive(Clone, Debug)]
pub struct SessionCredentials {
    pub token: SessionToken,
    pub private_key: PrivateKeyPem,
}

/// The scope requested for a database token.
pub const DEFAULT_DB_SCOPE: &str = "urn:oracle:db::id::*";

/// A database-token scope: must contain `urn:oracle:db:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbScope(String);

impl DbScope {
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into().trim().to_owned();
        if value.contains("urn:oracle:db:") {
            Ok(Self(value))
        } else {
            Err(InvalidInput::new(
                "database token scope",
                format!(
                    "`{value}` must contain `urn:oracle:db:` (for example `{DEFAULT_DB_SCOPE}`)"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for DbScope {
    fn default() -> Self {
        Self(DEFAULT_DB_SCOPE.to_owned())
    }
}

/// `db-token get`: which scope, where to write, and how big a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbTokenRequest {
    pub scope: DbScope,
    pub location: PathBuf,
    pub key_size: KeySize,
}

/// An exclusive lock of a session or a db-token directory, released when
/// dropped. What it holds (an open lock file) is the adapter's business.
pub struct OciLock {
    /// Never read: holding it is the point, dropping it releases the lock.
    _held: Box<dyn std::any::Any + Send + Sync>,
}

impl OciLock {
    pub fn new(held: impl std::any::Any + Send + Sync) -> Self {
        Self {
            _held: Box::new(held),
        }
    }
}

impl std::fmt::Debug for OciLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OciLock")
    }
}
