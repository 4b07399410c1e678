//! The store key: where it comes from ([`KeySource`]), how it is loaded or
//! derived, and the AES-256-GCM cipher that seals the secret columns.
//!
//! Which source the CLI should pick, in order:
//! 1. `OCI_IAM_SSO_KEY` set → [`KeySource::Base64`] with its value (CI, containers);
//! 2. otherwise → [`KeySource::KeyFile`] at the CLI's default location (created on
//!    first use, 0600 in a 0700 directory);
//! 3. [`KeySource::Passphrase`] only when the user asks for it (interactive hosts
//!    where no key may rest on disk): it costs a PBKDF2 run on every open;
//! 4. [`KeySource::Keyring`] when the user asks for it (desktops): the key lives in
//!    the OS keyring, so a copy of the data directory alone decrypts nothing.
//!
//! A store records which kind of source made it ([`KeySourceKind`]), so opening
//! it with another says so, and `rekey` moves it from one to another.

mod cipher;
mod file;
pub(crate) mod keyring;
mod passphrase;
pub(crate) mod unlock;

use std::path::PathBuf;

use base64::Engine;
use oci_iam_sso_domain::StoreError;
use zeroize::Zeroizing;

pub(crate) use cipher::{Cipher, OpenFailure};
pub(crate) use passphrase::KdfParams;
pub(crate) use unlock::{
    KeyHome, KeySettings, MetaValue, PreparedKey, Unlocked, initialise, meta, unlock,
};

/// The environment variable the CLI reads a base64 key from.
pub const KEY_ENV_VAR: &str = "OCI_IAM_SSO_KEY";

/// Length of the AES-256 key, in bytes.
pub const KEY_LEN: usize = 32;

/// The kinds of key source, as a store records the one that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySourceKind {
    /// A key file of 32 random bytes.
    KeyFile,
    /// A base64 key from the environment (`OCI_IAM_SSO_KEY`).
    Env,
    /// A passphrase stretched with PBKDF2.
    Passphrase,
    /// The OS keyring.
    Keyring,
}

impl KeySourceKind {
    pub const ALL: [KeySourceKind; 4] = [
        KeySourceKind::KeyFile,
        KeySourceKind::Env,
        KeySourceKind::Passphrase,
        KeySourceKind::Keyring,
    ];

    /// The name the store records and the CLI's `--key-source` takes.
    pub fn name(self) -> &'static str {
        match self {
            KeySourceKind::KeyFile => "keyfile",
            KeySourceKind::Env => "env",
            KeySourceKind::Passphrase => "passphrase",
            KeySourceKind::Keyring => "keyring",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl std::fmt::Display for KeySourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the store key comes from.
pub enum KeySource {
    /// Standard base64 of 32 bytes (`openssl rand -base64 32`), e.g. `OCI_IAM_SSO_KEY`.
    Base64(Zeroizing<String>),
    /// A file holding exactly 32 raw bytes; created (0600) when the store is new.
    KeyFile(PathBuf),
    /// A passphrase, stretched with PBKDF2-HMAC-SHA256 and a salt kept in the store.
    Passphrase(Zeroizing<String>),
    /// The OS keyring, in an entry named after the store (created with the store).
    Keyring,
    /// No explicit choice: the key file, unless the store records that its key
    /// lives in the OS keyring (where `rekey` put it).
    Default(PathBuf),
}

impl KeySource {
    /// The kind this source is recorded as (the default counts as the key file).
    pub fn kind(&self) -> KeySourceKind {
        match self {
            KeySource::Base64(_) => KeySourceKind::Env,
            KeySource::KeyFile(_) | KeySource::Default(_) => KeySourceKind::KeyFile,
            KeySource::Passphrase(_) => KeySourceKind::Passphrase,
            KeySource::Keyring => KeySourceKind::Keyring,
        }
    }

    pub fn base64(value: impl Into<String>) -> Self {
        KeySource::Base64(Zeroizing::new(value.into()))
    }

    pub fn key_file(path: impl Into<PathBuf>) -> Self {
        KeySource::KeyFile(path.into())
    }

    pub fn passphrase(value: impl Into<String>) -> Self {
        KeySource::Passphrase(Zeroizing::new(value.into()))
    }
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Base64(_) => f.write_str("KeySource::Base64([redacted])"),
            KeySource::KeyFile(path) => write!(f, "KeySource::KeyFile({})", path.display()),
            KeySource::Passphrase(_) => f.write_str("KeySource::Passphrase([redacted])"),
            KeySource::Keyring => f.write_str("KeySource::Keyring"),
            KeySource::Default(path) => write!(f, "KeySource::Default({})", path.display()),
        }
    }
}

/// 32 bytes of key material, wiped when dropped.
pub(crate) struct RawKey(Zeroizing<[u8; KEY_LEN]>);

impl RawKey {
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if bytes.len() != KEY_LEN {
            return None;
        }
        key.copy_from_slice(bytes);
        Some(Self(key))
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for RawKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawKey([redacted])")
    }
}

/// A fresh random key.
pub(crate) fn random_key() -> Result<RawKey, StoreError> {
    use aws_lc_rs::rand::SecureRandom;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    aws_lc_rs::rand::SystemRandom::new()
        .fill(key.as_mut_slice())
        .map_err(|_| unavailable("the operating system's random source failed"))?;
    Ok(RawKey(key))
}

fn unavailable(reason: impl Into<String>) -> StoreError {
    StoreError::KeyUnavailable {
        reason: reason.into(),
    }
}

/// Decodes a base64 key; the error names the problem, never the value.
pub(crate) fn parse_base64_key(value: &str) -> Result<RawKey, StoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(unavailable(format!("{KEY_ENV_VAR} is empty")));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value))
        .map(Zeroizing::new)
        .map_err(|_| {
            unavailable(format!(
                "{KEY_ENV_VAR} is not standard base64 (create one with `openssl rand -base64 32`)"
            ))
        })?;
    RawKey::from_bytes(&decoded).ok_or_else(|| {
        unavailable(format!(
            "{KEY_ENV_VAR} decodes to {} bytes; it must be {KEY_LEN} (`openssl rand -base64 32`)",
            decoded.len()
        ))
    })
}

pub(crate) use file::{create_or_load_key_file, load_key_file};

pub(crate) fn derive_from_passphrase(
    passphrase: &str,
    params: &KdfParams,
) -> Result<RawKey, StoreError> {
    if passphrase.is_empty() {
        return Err(unavailable("the passphrase is empty"));
    }
    Ok(passphrase::derive(passphrase, params))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base64_keys_are_checked_without_echoing_them() {
        let good = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(
            parse_base64_key(&format!("{good}\n")).unwrap().bytes(),
            &[7u8; 32]
        );

        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        let err = parse_base64_key(&short).unwrap_err().to_string();
        assert!(err.contains("16 bytes"), "{err}");
        assert!(!err.contains(&short), "{err}");

        let err = parse_base64_key("not base64 at all!")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not standard base64"), "{err}");
        assert!(!err.contains("at all"), "{err}");
    }

    #[test]
    fn debug_redacts_key_material() {
        let shown = format!(
            "{:?} {:?} {:?}",
            KeySource::base64("c2VjcmV0"),
            KeySource::passphrase("hunter2"),
            RawKey::from_bytes(&[1u8; 32]).unwrap()
        );
        assert!(
            !shown.contains("c2VjcmV0") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(!shown.contains("[1, 1"), "{shown}");
    }
}
