//! Passphrase keys: PBKDF2-HMAC-SHA256 with a random salt kept in the store, at
//! OWASP's 2023 recommendation of 600,000 iterations or more.

use std::num::NonZeroU32;

use aws_lc_rs::pbkdf2;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::{KEY_LEN, RawKey};

/// The fewest iterations a new store gets, and the fewest an existing one may claim.
pub(crate) const MIN_PBKDF2_ITERATIONS: u32 = 600_000;
/// An upper bound, so a tampered store cannot make every open spin for hours.
pub(crate) const MAX_PBKDF2_ITERATIONS: u32 = 50_000_000;
pub(crate) const SALT_LEN: usize = 16;

/// The stretching parameters, stored in the clear beside the data (they are not secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KdfParams {
    pub(crate) salt: Vec<u8>,
    pub(crate) iterations: u32,
}

impl KdfParams {
    /// Fresh parameters for a new store.
    pub(crate) fn generate() -> Self {
        let mut salt = vec![0u8; SALT_LEN];
        SystemRandom::new()
            .fill(&mut salt)
            .expect("the operating system's random source works");
        Self {
            salt,
            iterations: MIN_PBKDF2_ITERATIONS,
        }
    }

    /// Parameters read back from a store; `None` when they are out of bounds.
    pub(crate) fn checked(salt: Vec<u8>, iterations: i64) -> Option<Self> {
        let iterations = u32::try_from(iterations).ok()?;
        let sane = salt.len() >= SALT_LEN
            && (MIN_PBKDF2_ITERATIONS..=MAX_PBKDF2_ITERATIONS).contains(&iterations);
        sane.then_some(Self { salt, iterations })
    }
}

pub(crate) fn derive(passphrase: &str, params: &KdfParams) -> RawKey {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    let iterations =
        NonZeroU32::new(params.iterations).expect("iterations were checked to be at least 600,000");
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &params.salt,
        passphrase.as_bytes(),
        out.as_mut_slice(),
    );
    RawKey(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parameters_out_of_bounds_are_refused() {
        assert!(KdfParams::checked(vec![0; 16], 600_000).is_some());
        assert!(KdfParams::checked(vec![0; 16], 1_000).is_none());
        assert!(KdfParams::checked(vec![0; 16], i64::MAX).is_none());
        assert!(KdfParams::checked(vec![0; 4], 600_000).is_none());
        let fresh = KdfParams::generate();
        assert_ne!(fresh.salt, KdfParams::generate().salt);
        assert!(fresh.iterations >= 600_000);
    }
}
