//! Opening a store with its key, whatever database holds the key settings:
//! the SQLite and the PostgreSQL store record the same settings (KDF, salt,
//! iterations, key-check value, the kind of source that made the store and
//! the store's id) and both come here to check or create them, so the rules
//! (which source opens what, the keyring, "made with another source") live once.

use std::path::{Path, PathBuf};

use oci_iam_sso_domain::StoreError;

use crate::codec::corrupt;

use super::{
    Cipher, KdfParams, KeySource, KeySourceKind, RawKey, create_or_load_key_file,
    derive_from_passphrase, load_key_file, parse_base64_key,
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
    Keyring,
    /// The key file, unless the store records that its key is in the keyring.
    Default(&'a Path),
}

impl<'a> PreparedKey<'a> {
    /// A malformed base64 key is reported here, before any store is touched.
    pub(crate) fn from_source(key: &'a KeySource) -> Result<Self, StoreError> {
        Ok(match key {
            KeySource::Base64(value) => PreparedKey::Raw(parse_base64_key(value)?),
            KeySource::KeyFile(file) => PreparedKey::File(file),
            KeySource::Default(file) => PreparedKey::Default(file),
            KeySource::Keyring => PreparedKey::Keyring,
            KeySource::Passphrase(passphrase) => PreparedKey::Passphrase(passphrase),
        })
    }

    /// The kind this key is recorded as (the default counts as the key file).
    pub(crate) fn kind(&self) -> KeySourceKind {
        match self {
            PreparedKey::Raw(_) => KeySourceKind::Env,
            PreparedKey::File(_) | PreparedKey::Default(_) => KeySourceKind::KeyFile,
            PreparedKey::Passphrase(_) => KeySourceKind::Passphrase,
            PreparedKey::Keyring => KeySourceKind::Keyring,
        }
    }
}

/// What a store records about its key, as read from its database.
#[derive(Debug, Default)]
pub(crate) struct KeySettings {
    pub(crate) kdf: Option<String>,
    pub(crate) salt: Option<Vec<u8>>,
    /// As stored (text); checked against bounds before use.
    pub(crate) iterations: Option<String>,
    pub(crate) check: Option<Vec<u8>>,
    /// `KeySourceKind::name` of the source that made the store.
    pub(crate) source: Option<String>,
    pub(crate) store_id: Option<String>,
}

impl KeySettings {
    /// The settings as `(name, value)` rows, for a store that records them.
    pub(crate) fn rows(&self) -> Vec<(&'static str, MetaValue<'_>)> {
        fn text<'v>(
            name: &'static str,
            value: &'v Option<String>,
        ) -> Option<(&'static str, MetaValue<'v>)> {
            value.as_deref().map(|v| (name, MetaValue::Text(v)))
        }
        fn blob<'v>(
            name: &'static str,
            value: &'v Option<Vec<u8>>,
        ) -> Option<(&'static str, MetaValue<'v>)> {
            value.as_deref().map(|v| (name, MetaValue::Blob(v)))
        }
        [
            text(meta::KDF, &self.kdf),
            blob(meta::KDF_SALT, &self.salt),
            text(meta::KDF_ITERATIONS, &self.iterations),
            blob(meta::KEY_CHECK, &self.check),
            text(meta::KEY_SOURCE, &self.source),
            text(meta::STORE_ID, &self.store_id),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The store's identity: recorded since key sources are recorded; before,
    /// the fingerprint of its key-check value (sealed with a fresh random nonce
    /// when the store was created, so no two stores share it). A rotation kept
    /// aside and a keyring entry are bound to it.
    pub(crate) fn store_id(&self, location: &str) -> Result<String, StoreError> {
        if let Some(id) = &self.store_id {
            return Ok(id.clone());
        }
        self.check
            .as_deref()
            .map(oci_iam_sso_domain::fingerprint)
            .ok_or_else(|| corrupt(location, "it has no key-check value".to_owned()))
    }

    /// The kind of source that made the store: recorded, or (for a store made
    /// before sources were recorded) a passphrase when its KDF says so.
    pub(crate) fn made_with(&self, location: &str) -> Result<Option<KeySourceKind>, StoreError> {
        match &self.source {
            Some(name) => KeySourceKind::parse(name)
                .map(Some)
                .ok_or_else(|| corrupt(location, format!("its key source `{name}` is unknown"))),
            None => Ok((self.kdf.as_deref() == Some(meta::KDF_PBKDF2))
                .then_some(KeySourceKind::Passphrase)),
        }
    }
}

/// A setting's value, in the type the store keeps it as.
pub(crate) enum MetaValue<'a> {
    Text(&'a str),
    Blob(&'a [u8]),
}

/// Where the key of an open store lives: what a rekey moves it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyHome {
    File(PathBuf),
    Keyring,
    /// The environment or a passphrase: nothing the store can remove.
    Elsewhere(KeySourceKind),
}

impl KeyHome {
    pub(crate) fn kind(&self) -> KeySourceKind {
        match self {
            KeyHome::File(_) => KeySourceKind::KeyFile,
            KeyHome::Keyring => KeySourceKind::Keyring,
            KeyHome::Elsewhere(kind) => *kind,
        }
    }
}

/// An opened store's key and what it recorded about it.
pub(crate) struct Unlocked {
    pub(crate) cipher: Cipher,
    pub(crate) store_id: String,
    pub(crate) home: KeyHome,
}

/// The cipher of an existing store whose key settings are `stored`. When the
/// key does not open it and the store was made with another kind of source,
/// the error names that source (a key that opens it is fine from any source).
pub(crate) fn unlock(
    key: &PreparedKey<'_>,
    stored: &KeySettings,
    location: &str,
) -> Result<Unlocked, StoreError> {
    let made_with = stored.made_with(location)?;
    let follows_record =
        matches!(key, PreparedKey::Default(_)) && made_with == Some(KeySourceKind::Keyring);
    let cipher = match try_key(key, stored, follows_record, location) {
        Err(StoreError::WrongKey { .. } | StoreError::KeyUnavailable { .. })
            if !follows_record && made_with.is_some_and(|made| made != key.kind()) =>
        {
            return Err(StoreError::KeySourceMismatch {
                location: location.to_owned(),
                made_with: made_with.unwrap_or(key.kind()).name().to_owned(),
                opened_with: key.kind().name().to_owned(),
            });
        }
        other => other?,
    };
    Ok(Unlocked {
        cipher,
        store_id: stored.store_id(location)?,
        home: home(key, follows_record),
    })
}

/// Where the key lives; `in_keyring`: the default source found the store's
/// record pointing to the keyring.
fn home(key: &PreparedKey<'_>, in_keyring: bool) -> KeyHome {
    match key {
        PreparedKey::Raw(_) => KeyHome::Elsewhere(KeySourceKind::Env),
        PreparedKey::Passphrase(_) => KeyHome::Elsewhere(KeySourceKind::Passphrase),
        PreparedKey::Keyring => KeyHome::Keyring,
        PreparedKey::Default(_) if in_keyring => KeyHome::Keyring,
        PreparedKey::File(file) | PreparedKey::Default(file) => KeyHome::File(file.to_path_buf()),
    }
}

fn try_key(
    key: &PreparedKey<'_>,
    stored: &KeySettings,
    from_keyring: bool,
    location: &str,
) -> Result<Cipher, StoreError> {
    let kdf = stored
        .kdf
        .as_deref()
        .ok_or_else(|| corrupt(location, "it has no key settings".to_owned()))?;
    let check = stored
        .check
        .as_deref()
        .ok_or_else(|| corrupt(location, "it has no key-check value".to_owned()))?;
    let wrong_key = || StoreError::WrongKey {
        location: location.to_owned(),
    };
    let derived;
    let raw = match (key, from_keyring) {
        (PreparedKey::Raw(raw), _) => raw,
        (PreparedKey::Keyring, _) | (PreparedKey::Default(_), true) => {
            derived = super::keyring::load(&stored.store_id(location)?)?;
            &derived
        }
        // An existing store never gets a new key file: that could not open it.
        (PreparedKey::File(file) | PreparedKey::Default(file), _) => {
            derived = load_key_file(file)?;
            &derived
        }
        (PreparedKey::Passphrase(passphrase), _) => {
            if kdf != meta::KDF_PBKDF2 {
                return Err(wrong_key());
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
                .ok_or_else(|| {
                    corrupt(
                        location,
                        "its passphrase settings are missing or out of bounds".to_owned(),
                    )
                })?;
            derived = derive_from_passphrase(passphrase, &params)?;
            &derived
        }
    };
    let cipher = Cipher::new(raw);
    match cipher.open(KEY_CHECK_ROW, meta::KEY_CHECK, check) {
        Ok(plain) if plain.as_slice() == KEY_CHECK_PLAINTEXT => Ok(cipher),
        _ => Err(wrong_key()),
    }
}

/// The key of a new store and the settings to record for it: a fresh salt for
/// a passphrase, a fresh random key for the keyring (saved there now, before
/// the store that needs it is committed), the key-check value sealed with a
/// fresh nonce, the source's kind and the store's id.
pub(crate) fn initialise(key: &PreparedKey<'_>) -> Result<(Unlocked, KeySettings), StoreError> {
    let derived;
    let mut settings = KeySettings {
        kdf: Some(meta::KDF_RAW.to_owned()),
        source: Some(key.kind().name().to_owned()),
        ..KeySettings::default()
    };
    let raw = match key {
        PreparedKey::Raw(raw) => raw,
        PreparedKey::File(file) | PreparedKey::Default(file) => {
            derived = create_or_load_key_file(file)?;
            &derived
        }
        PreparedKey::Keyring => {
            derived = super::random_key()?;
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
    let check = cipher.seal(KEY_CHECK_ROW, meta::KEY_CHECK, KEY_CHECK_PLAINTEXT);
    let store_id = oci_iam_sso_domain::fingerprint(&check);
    if matches!(key, PreparedKey::Keyring) {
        super::keyring::save(&store_id, raw)?;
    }
    settings.check = Some(check);
    settings.store_id = Some(store_id.clone());
    let unlocked = Unlocked {
        cipher,
        store_id,
        home: home(key, false),
    };
    Ok((unlocked, settings))
}
