//! Opening a store with its key, whatever database holds the key settings:
//! the SQLite and the PostgreSQL store both record the same four settings
//! (KDF, salt, iterations, key-check value) and both come here to check or
//! create them, so the rules live once.

// The key-settings table and the key check are shared by both stores; the
// unlock path below serves the PostgreSQL store (the SQLite store opens with
// its own, which also knows the keyring), so it idles in a SQLite-only build.
#![cfg_attr(not(feature = "postgres"), allow(dead_code))]

use std::path::Path;

use oci_iam_sso_domain::StoreError;

use super::{
    Cipher, KdfParams, KeySource, RawKey, create_or_load_key_file, derive_from_passphrase,
    load_key_file, parse_base64_key,
};

/// Keys of the settings a store records about its key.
pub(crate) mod meta {
    /// `raw` (a 32-byte key from base64 or a key file) or `pbkdf2-hmac-sha256`.
    pub(crate) const KDF: &str = "kdf";
    pub(crate) const KDF_SALT: &str = "kdf_salt";
    pub(crate) const KDF_ITERATIONS: &str = "kdf_iterations";
    /// A known plaintext sealed with the store key: opens only with the right key.
    pub(crate) const KEY_CHECK: &str = "key_check";
    /// The kind of key source that made the store (`KeySourceKind::name`);
    /// absent in stores made before it was recorded.
    pub(crate) const KEY_SOURCE: &str = "key_source";
    /// The store's identity, kept across a rekey (slots and the keyring entry
    /// are bound to it); absent in older stores, whose identity is the
    /// fingerprint of their key-check value.
    pub(crate) const STORE_ID: &str = "store_id";

    pub(crate) const KDF_RAW: &str = "raw";
    pub(crate) const KDF_PBKDF2: &str = "pbkdf2-hmac-sha256";
}

/// The plaintext behind the key-check value, and where its associated data points.
pub(crate) const KEY_CHECK_PLAINTEXT: &[u8] = b"oci-iam-sso token store key check";
pub(crate) const KEY_CHECK_ROW: &str = "meta";

/// The key source after the checks that need no store: a base64 key is decoded.
pub(crate) enum PreparedKey<'a> {
    Raw(RawKey),
    File(&'a Path),
    Passphrase(&'a str),
}

impl<'a> PreparedKey<'a> {
    /// A malformed base64 key is reported here, before any store is touched.
    pub(crate) fn from_source(key: &'a KeySource) -> Result<Self, StoreError> {
        Ok(match key {
            KeySource::Base64(value) => PreparedKey::Raw(parse_base64_key(value)?),
            KeySource::KeyFile(file) | KeySource::Default(file) => PreparedKey::File(file),
            // Only the SQLite store records its source and keeps keys in the keyring so far.
            KeySource::Keyring => {
                return Err(StoreError::KeyUnavailable {
                    reason: "the PostgreSQL store takes its key from OCI_IAM_SSO_KEY, a key file or a passphrase; the OS keyring serves SQLite stores only".to_owned(),
                });
            }
            KeySource::Passphrase(passphrase) => PreparedKey::Passphrase(passphrase),
        })
    }
}

/// What a store records about its key.
#[derive(Debug, Default)]
pub(crate) struct KeySettings {
    pub(crate) kdf: Option<String>,
    pub(crate) salt: Option<Vec<u8>>,
    /// As stored (text); checked against bounds before use.
    pub(crate) iterations: Option<String>,
    pub(crate) check: Option<Vec<u8>>,
}

/// Why an existing store did not open with the key.
#[derive(Debug)]
pub(crate) enum Refusal {
    WrongKey,
    /// The settings are missing or out of bounds; the detail says which.
    Corrupt(&'static str),
    Key(StoreError),
}

/// The cipher of an existing store whose key settings are `stored`.
pub(crate) fn unlock(key: &PreparedKey<'_>, stored: &KeySettings) -> Result<Cipher, Refusal> {
    let kdf = stored
        .kdf
        .as_deref()
        .ok_or(Refusal::Corrupt("it has no key settings"))?;
    let check = stored
        .check
        .as_deref()
        .ok_or(Refusal::Corrupt("it has no key-check value"))?;
    let derived;
    let raw = match key {
        PreparedKey::Raw(raw) => raw,
        // An existing store never gets a new key file: that could not open it.
        PreparedKey::File(file) => {
            derived = load_key_file(file).map_err(Refusal::Key)?;
            &derived
        }
        PreparedKey::Passphrase(passphrase) => {
            if kdf != meta::KDF_PBKDF2 {
                return Err(Refusal::WrongKey);
            }
            let iterations = stored
                .iterations
                .as_deref()
                .and_then(|i| i.parse::<i64>().ok());
            let params = stored
                .salt
                .clone()
                .zip(iterations)
                .and_then(|(salt, iterations)| KdfParams::checked(salt, iterations))
                .ok_or(Refusal::Corrupt(
                    "its passphrase settings are missing or out of bounds",
                ))?;
            derived = derive_from_passphrase(passphrase, &params).map_err(Refusal::Key)?;
            &derived
        }
    };
    let cipher = Cipher::new(raw);
    match cipher.open(KEY_CHECK_ROW, meta::KEY_CHECK, check) {
        Ok(plain) if plain.as_slice() == KEY_CHECK_PLAINTEXT => Ok(cipher),
        _ => Err(Refusal::WrongKey),
    }
}

/// The key of a new store and the settings to record for it (a fresh salt
/// for a passphrase; the key-check value sealed with a fresh nonce).
pub(crate) fn initialise(key: &PreparedKey<'_>) -> Result<(Cipher, KeySettings), StoreError> {
    let derived;
    let mut settings = KeySettings {
        kdf: Some(meta::KDF_RAW.to_owned()),
        ..KeySettings::default()
    };
    let raw = match key {
        PreparedKey::Raw(raw) => raw,
        PreparedKey::File(file) => {
            derived = create_or_load_key_file(file)?;
            &derived
        }
        PreparedKey::Passphrase(passphrase) => {
            let params = KdfParams::generate();
            derived = derive_from_passphrase(passphrase, &params)?;
            settings.kdf = Some(meta::KDF_PBKDF2.to_owned());
            settings.iterations = Some(params.iterations.to_string());
            settings.salt = Some(params.salt);
            &derived
        }
    };
    let cipher = Cipher::new(raw);
    settings.check = Some(cipher.seal(KEY_CHECK_ROW, meta::KEY_CHECK, KEY_CHECK_PLAINTEXT));
    Ok((cipher, settings))
}

/// The store's identity: its key-check value is sealed with a fresh random
/// nonce when the store is created, so no two stores share it. A rotation
/// kept aside is bound to it and cannot be adopted into another store.
pub(crate) fn store_id(check: &[u8]) -> String {
    oci_iam_sso_domain::fingerprint(check)
}
