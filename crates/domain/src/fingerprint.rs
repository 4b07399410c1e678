//! The one label of a secret that may be shown: in the audit trail, in
//! `status`, in traces and in the fakes' logs, so all of them can be compared.

/// A short, non-reversible label of a secret: the first 12 hex digits (48
/// bits) of its SHA-256. Enough to match a log line with a stored set; useless
/// for recovering a token, whose entropy is far above 48 bits.
pub fn fingerprint(secret: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret);
    digest.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints_are_short_lowercase_hex_of_sha256() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223…
        assert_eq!(super::fingerprint(b"abc"), "ba7816bf8f01");
        assert_ne!(super::fingerprint(b"rt-1"), super::fingerprint(b"rt-2"));
    }
}
