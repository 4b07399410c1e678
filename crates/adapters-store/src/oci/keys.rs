//! Keys: RSA key generation, the OCI fingerprint, the JWK the console login
//! takes, and the public numbers of a private key (to check that a token is
//! bound to it).
//!
//! Everything here is aws-lc-rs, the project's one crypto stack: it generates
//! RSA keys (ring cannot) about ten times faster than the pure-Rust `rsa`
//! crate, exports PKCS#8 and SubjectPublicKeyInfo DER, and exposes n and e.

use aws_lc_rs::encoding::{AsDer as _, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RsaSubjectPublicKey};
use base64::Engine as _;
use md5::{Digest as _, Md5};
use oci_iam_sso_domain::oci::{KeyPair, KeySize, PrivateKeyPem, RsaPublicNumbers};
use zeroize::Zeroizing;

/// A fresh RSA key pair, e = 65537 (the only exponent aws-lc generates).
///
/// PEM as the OCI CLI writes it: PKCS#8 `PRIVATE KEY` and SubjectPublicKeyInfo
/// `PUBLIC KEY`, base64 in 64-character lines, LF line ends.
pub fn generate_key_pair(size: KeySize) -> Result<KeyPair, String> {
    let bits = match size {
        KeySize::Rsa2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
        KeySize::Rsa4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
    };
    let private = first_of_parallel_searches(bits).map_err(|_| "RSA key generation failed")?;
    let pkcs8: Pkcs8V1Der<'_> = private.as_der().map_err(|_| "PKCS#8 encoding failed")?;
    let public_der: PublicKeyX509Der<'_> = private
        .public_key()
        .as_der()
        .map_err(|_| "public key encoding failed")?;
    let private_pem = Zeroizing::new(pem("PRIVATE KEY", pkcs8.as_ref()));
    Ok(KeyPair {
        private_pem: PrivateKeyPem::new(private_pem.as_str().to_owned()),
        public_pem: pem("PUBLIC KEY", public_der.as_ref()),
        fingerprint: fingerprint(public_der.as_ref()),
    })
}

/// The most searches run at once (one per core, up to this many).
const MAX_SEARCHES: usize = 4;

/// One RSA key, from the first of several key searches run side by side.
///
/// Why: aws-lc searches for primes by drawing a fresh random candidate after
/// each failure (FIPS 186-4 appendix B.3.3), so one search takes anywhere
/// from 20 to 200 ms here, and that time is independent of the key it finds.
/// Taking whichever search finishes first therefore yields a key of exactly
/// the distribution of a single search, in a fraction of its median time
/// (`db-token get` makes a key on every call). The searches still running
/// finish on their own threads and their keys are dropped (aws-lc wipes a
/// key when it frees it); a process that exits first simply ends them.
fn first_of_parallel_searches(
    bits: aws_lc_rs::rsa::KeySize,
) -> Result<RsaKeyPair, aws_lc_rs::error::Unspecified> {
    let searches = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_SEARCHES);
    if searches < 2 {
        return RsaKeyPair::generate(bits);
    }
    let (found, first) = std::sync::mpsc::channel();
    for _ in 0..searches {
        let found = found.clone();
        let spawned = std::thread::Builder::new()
            .name("rsa-key-search".to_owned())
            .spawn(move || {
                // The receiver may be gone: another search won.
                let _ = found.send(RsaKeyPair::generate(bits));
            });
        if spawned.is_err() {
            break;
        }
    }
    drop(found);
    let mut outcome = None;
    for result in first {
        match result {
            Ok(key) => return Ok(key),
            Err(error) => outcome = Some(error),
        }
    }
    // No thread could be started (or every search failed): search here.
    match outcome {
        Some(error) => Err(error),
        None => RsaKeyPair::generate(bits),
    }
}

/// PEM text of one DER block (RFC 7468: 64-character lines, LF).
fn pem(label: &str, der: &[u8]) -> String {
    let body = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

/// The label and DER body of the first PEM block in `text` (text around it,
/// such as the `OCI_API_KEY` line the OCI CLI appends, is ignored).
fn pem_block(text: &str) -> Option<(&str, Zeroizing<Vec<u8>>)> {
    let begin = text.find("-----BEGIN ")? + "-----BEGIN ".len();
    let rest = &text[begin..];
    let label = &rest[..rest.find("-----")?];
    let body_start = label.len() + "-----".len();
    let end_line = format!("-----END {label}-----");
    let body = &rest[body_start..body_start + rest[body_start..].find(&end_line)?];
    let compact = Zeroizing::new(body.split_whitespace().collect::<String>());
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()?;
    Some((label, Zeroizing::new(der)))
}

/// The JWK JSON of an RSA public key's numbers.
fn jwk_json(key: &RsaSubjectPublicKey) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    serde_json::json!({
        "kty": "RSA",
        "n": b64.encode(key.modulus().big_endian_without_leading_zero()),
        "e": b64.encode(key.exponent().big_endian_without_leading_zero()),
        "kid": "Ignored",
    })
    .to_string()
}

/// The public key as the JSON JWK the console login takes:
/// `{"kty":"RSA","n":…,"e":…,"kid":"Ignored"}`, n and e unpadded base64url.
pub fn public_key_jwk(public_pem: &str) -> Result<String, String> {
    let (_, der) = pem_block(public_pem).ok_or("not an RSA public key: no PEM block")?;
    let key =
        RsaSubjectPublicKey::from_der(&der).map_err(|e| format!("not an RSA public key: {e}"))?;
    Ok(jwk_json(&key))
}

/// The public numbers of a private key PEM (PKCS#8 or PKCS#1, as the signer
/// reads them; text around the block, such as the `OCI_API_KEY` line the OCI
/// CLI appends, is ignored). `None` when it is not an RSA private key.
pub fn private_key_public_numbers(private_pem: &str) -> Option<RsaPublicNumbers> {
    let (label, der) = pem_block(private_pem)?;
    let key = match label {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der).ok()?,
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der).ok()?,
        _ => return None,
    };
    RsaPublicNumbers::from_jwk_json(&jwk_json(key.public_key()))
}

/// The console login's `public_key` parameter: the JWK, base64url without padding.
pub fn login_public_key(public_pem: &str) -> Result<String, String> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public_key_jwk(public_pem)?))
}

/// A random UUID (version 4) for the login's `nonce`.
pub fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    // The system's random source failing is not a state this tool can run in.
    aws_lc_rs::rand::fill(&mut bytes).expect("the operating system's random source works");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The OCI fingerprint: MD5 of the DER SubjectPublicKeyInfo, lowercase hex pairs joined by `:`.
pub fn fingerprint(spki_der: &[u8]) -> String {
    Md5::digest(spki_der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_differ() {
        let (a, b) = (random_uuid(), random_uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn jwk_carries_modulus_and_exponent() {
        let key = generate_key_pair(KeySize::Rsa2048).unwrap();
        let jwk: serde_json::Value =
            serde_json::from_str(&public_key_jwk(&key.public_pem).unwrap()).unwrap();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["n"].as_str().unwrap().len(), 342);
        assert!(public_key_jwk("nope").is_err());
    }

    #[test]
    fn a_private_key_gives_the_public_numbers_of_its_jwk() {
        let key = generate_key_pair(KeySize::Rsa2048).unwrap();
        let expected = RsaPublicNumbers::from_jwk_json(&public_key_jwk(&key.public_pem).unwrap());
        assert!(expected.is_some());
        // As this tool writes it, with the OCI CLI's trailing line, and as PKCS#1
        // (the RSAPrivateKey inside PKCS#8: after version and algorithm, an
        // OCTET STRING with a two-byte length for a 2048-bit key).
        let pkcs8 = key.private_pem.expose_secret();
        let (_, der) = pem_block(pkcs8).unwrap();
        assert_eq!(der[22..24], [0x04, 0x82]);
        let len = usize::from(der[24]) << 8 | usize::from(der[25]);
        let pkcs1 = pem("RSA PRIVATE KEY", &der[26..26 + len]);
        for text in [pkcs8.to_owned(), format!("{pkcs8}OCI_API_KEY\n"), pkcs1] {
            assert_eq!(private_key_public_numbers(&text), expected);
        }
        let other = generate_key_pair(KeySize::Rsa2048).unwrap();
        assert_ne!(
            private_key_public_numbers(other.private_pem.expose_secret()),
            expected
        );
        assert_eq!(private_key_public_numbers(&key.public_pem), None);
        assert_eq!(private_key_public_numbers("nothing"), None);
    }

    #[test]
    fn pem_is_64_character_lines_and_reads_back() {
        let key = generate_key_pair(KeySize::Rsa2048).unwrap();
        for text in [key.private_pem.expose_secret(), key.public_pem.as_str()] {
            let lines: Vec<&str> = text.lines().collect();
            assert!(text.ends_with("-----\n"));
            assert!(lines[1..lines.len() - 2].iter().all(|l| l.len() == 64));
            let (_, der) = pem_block(text).unwrap();
            assert_eq!(
                pem(
                    if lines[0].contains("PRIVATE") {
                        "PRIVATE KEY"
                    } else {
                        "PUBLIC KEY"
                    },
                    &der
                ),
                text
            );
        }
    }

    #[test]
    fn fingerprint_is_md5_hex_pairs() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(
            fingerprint(b""),
            "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e"
        );
    }
}
