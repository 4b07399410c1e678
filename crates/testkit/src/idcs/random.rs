//! Random values the fake hands out (codes, tokens, ecids) and the short,
//! non-reversible fingerprints it logs instead of tokens.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;

fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .expect("the system random generator is available");
    out
}

/// A device code shaped like the identity domain's (a UUID).
pub(crate) fn device_code() -> String {
    let b = bytes::<16>();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Eight capital letters, like `SDFGHJKL`.
pub(crate) fn user_code() -> String {
    bytes::<8>()
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// An opaque refresh token in standard base64 (with `+`, `/` and `=`, as the
/// identity domain's are), so clients must form-encode it properly.
pub(crate) fn refresh_token() -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes::<33>()) + "AQ=="
}

/// A correlation id like `UsbMB0KCV00000000`.
pub(crate) fn ecid() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    bytes::<17>()
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// A signing key for this fake instance.
pub(crate) fn signing_key() -> [u8; 32] {
    bytes::<32>()
}

/// A unique id for a JWT (`jti`), so two tokens minted in the same second differ.
pub(crate) fn jwt_id() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes::<12>())
}
