//! AES-256-GCM for the secret columns.
//!
//! A sealed value is `version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! The associated data binds it to its place — `oci-iam-sso/v1/<profile>/<column>` — so a
//! value copied into another row or column fails to open instead of decrypting to the
//! wrong secret.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::RawKey;

const FORMAT_VERSION: u8 = 1;
const AAD_PREFIX: &str = "oci-iam-sso/v1/";
const TAG_LEN: usize = 16;

/// Why a sealed value did not open. Deliberately vague: the caller names the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenFailure {
    /// Unknown format version or too short to hold a nonce and a tag.
    Malformed,
    /// The tag did not verify: another key, another row or column, or tampering.
    NotAuthentic,
}

pub(crate) struct Cipher {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher([redacted])")
    }
}

fn associated_data(row: &str, column: &str) -> Vec<u8> {
    format!("{AAD_PREFIX}{row}/{column}").into_bytes()
}

impl Cipher {
    pub(crate) fn new(key: &RawKey) -> Self {
        let unbound =
            UnboundKey::new(&AES_256_GCM, key.bytes()).expect("a 32-byte key fits AES-256-GCM");
        Self {
            key: LessSafeKey::new(unbound),
            rng: SystemRandom::new(),
        }
    }

    /// Seals `plaintext` for `row`/`column` with a fresh random nonce.
    pub(crate) fn seal(&self, row: &str, column: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .expect("the operating system's random source works");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
        sealed.push(FORMAT_VERSION);
        sealed.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data(row, column)),
                &mut body,
            )
            .expect("AES-GCM sealing only fails on absurd lengths");
        sealed.extend_from_slice(&body);
        sealed
    }

    /// Opens a value sealed for exactly this `row`/`column`.
    pub(crate) fn open(
        &self,
        row: &str,
        column: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, OpenFailure> {
        let (&version, rest) = sealed.split_first().ok_or(OpenFailure::Malformed)?;
        if version != FORMAT_VERSION || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(OpenFailure::Malformed);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenFailure::Malformed)?;
        let mut buffer = Zeroizing::new(ciphertext.to_vec());
        let plaintext_len = self
            .key
            .open_in_place(nonce, Aad::from(associated_data(row, column)), &mut buffer)
            .map_err(|_| OpenFailure::NotAuthentic)?
            .len();
        buffer.truncate(plaintext_len);
        Ok(buffer)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> Cipher {
        Cipher::new(&RawKey::from_bytes(&[byte; 32]).unwrap())
    }

    #[test]
    fn round_trip_with_fresh_nonces() {
        let c = cipher(1);
        let a = c.seal("p", "refresh", b"secret");
        let b = c.seal("p", "refresh", b"secret");
        assert_ne!(a, b, "every seal uses a new nonce");
        assert_eq!(c.open("p", "refresh", &a).unwrap().as_slice(), b"secret");
    }

    #[test]
    fn place_and_key_are_bound() {
        let c = cipher(1);
        let sealed = c.seal("p", "refresh", b"secret");
        assert_eq!(
            c.open("q", "refresh", &sealed),
            Err(OpenFailure::NotAuthentic)
        );
        assert_eq!(
            c.open("p", "access", &sealed),
            Err(OpenFailure::NotAuthentic)
        );
        assert_eq!(
            cipher(2).open("p", "refresh", &sealed),
            Err(OpenFailure::NotAuthentic)
        );
        assert_eq!(
            c.open("p", "refresh", &sealed[..10]),
            Err(OpenFailure::Malformed)
        );
        assert_eq!(c.open("p", "refresh", &[]), Err(OpenFailure::Malformed));
    }
}
