//! Helpers shared by the `store_*` tests (included with `mod store_support;`).
#![allow(dead_code, clippy::unwrap_used)] // shared helpers; tests fail loudly on purpose

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use oci_iam_sso_adapters_store::{KeySource, SqliteTokenStore, StoreOptions};
use oci_iam_sso_domain::{
    AccessToken, ClientId, ClientSecret, Generation, IssuedAccessToken, Profile, ProfileName,
    RefreshToken, Scope, ServiceUrl, StoreError, Timestamp, TokenSet,
};

pub fn key_a() -> KeySource {
    KeySource::base64(base64::engine::general_purpose::STANDARD.encode([0x41u8; 32]))
}

pub fn key_b() -> KeySource {
    KeySource::base64(base64::engine::general_purpose::STANDARD.encode([0x42u8; 32]))
}

pub fn short_timeout() -> StoreOptions {
    StoreOptions {
        lock_timeout: Duration::from_millis(200),
    }
}

/// A store path in a not-yet-existing subdirectory of `dir`.
pub fn store_path(dir: &Path) -> PathBuf {
    dir.join("state").join("tokens.db")
}

pub fn open(path: &Path) -> SqliteTokenStore {
    SqliteTokenStore::open(path, key_a(), StoreOptions::default()).expect("store opens")
}

pub fn name(value: &str) -> ProfileName {
    ProfileName::new(value).expect("valid profile name")
}

pub fn profile(value: &str) -> Profile {
    Profile {
        name: name(value),
        domain_url: ServiceUrl::parse("https://idcs-1234.identity.oraclecloud.com").unwrap(),
        client_id: ClientId::new(format!("client-id-PLAINTEXT-{value}")).unwrap(),
        scope: Scope::default_epm(),
        resource_url: Some(ServiceUrl::parse("https://epm.example.com/base").unwrap()),
        client_secret: Some(ClientSecret::new(format!(
            "client-secret-PLAINTEXT-{value}"
        ))),
        endpoints: None,
    }
}

/// A full token set whose secrets name the profile and generation.
pub fn tokens(profile: &str, generation: u64) -> TokenSet {
    TokenSet {
        access: Some(IssuedAccessToken {
            token: AccessToken::new(format!("access-PLAINTEXT-{profile}-{generation}")),
            token_type: "Bearer".into(),
            issued_at: Timestamp::from_unix(1_700_000_000 + generation as i64),
            expires_at: Timestamp::from_unix(1_700_003_600 + generation as i64),
        }),
        refresh_token: Some(RefreshToken::new(format!(
            "refresh-PLAINTEXT-{profile}-{generation}"
        ))),
        refresh_issued_at: Timestamp::from_unix(1_700_000_000 + generation as i64),
        scope: Some(Scope::default_epm()),
        chain_started_at: Timestamp::from_unix(1_699_000_000),
        generation: Generation::new(generation),
    }
}

/// Stores `tokens(profile, generation)` under the profile's lock, from nothing.
pub async fn store_first(store: &SqliteTokenStore, profile: &str, generation: u64) {
    use oci_iam_sso_domain::TokenStore;
    let mut lock = store.lock(&name(profile)).await.expect("lock");
    lock.replace(None, &tokens(profile, generation), T_AUDIT)
        .await
        .expect("first write");
}

/// Every byte of the database and its WAL, if any.
pub fn db_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("db file");
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(more) = std::fs::read(PathBuf::from(wal)) {
        bytes.extend(more);
    }
    bytes
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

pub fn open_err(path: &Path, key: KeySource) -> StoreError {
    SqliteTokenStore::open(path, key, short_timeout()).expect_err("open must fail")
}

/// When the tests' writes happen, by the domain's clock (the audit trail's date).
#[allow(dead_code)]
pub const T_AUDIT: oci_iam_sso_domain::Timestamp =
    oci_iam_sso_domain::Timestamp::from_unix(1_950_000_000);
