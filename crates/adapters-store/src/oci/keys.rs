//! Keys: RSA key generation, the OCI fingerprint, the JWK the console login
//! takes, and the public numbers of a private key (to check that a token is
//! bound to it).
//!
//! Why the `rsa` crate: ring signs with RSA but cannot generate RSA keys, so
//! `rsa` is used for key generation (and PEM encoding) only; signing stays in ring.

use md5::{Digest as _, Md5};
use oci_iam_sso_domain::oci::{KeyPair, KeySize, PrivateKeyPem, RsaPublicNumbers};
use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};

/// A fresh RSA key pair, e = 65537 (`RsaPrivateKey::new` uses that exponent).
pub fn generate_key_pair(size: KeySize) -> Result<KeyPair, String> {
    let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, size.bits())
        .map_err(|e| format!("RSA key generation failed: {e}"))?;
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| format!("PKCS#8 encoding failed: {e}"))?;
    let public = private.to_public_key();
    let public_pem = public
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("public key encoding failed: {e}"))?;
    let public_der = public
        .to_public_key_der()
        .map_err(|e| format!("public key encoding failed: {e}"))?;
    Ok(KeyPair {
        private_pem: PrivateKeyPem::new(private_pem.as_str().to_owned()),
        public_pem,
        fingerprint: fingerprint(public_der.as_bytes()),
    })
}

/// The public key as the JSON JWK the console login takes:
/// `{"kty":"RSA","n":…,"e":…,"kid":"Ignored"}`, n and e unpadded base64url.
pub fn public_key_jwk(public_pem: &str) -> Result<String, String> {
    use base64::Engine as _;
    use rsa::pkcs8::DecodePublicKey as _;
    use rsa::traits::PublicKeyParts as _;
    let key = rsa::RsaPublicKey::from_public_key_pem(public_pem)
        .map_err(|e| format!("not an RSA public key: {e}"))?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    Ok(serde_json::json!({
        "kty": "RSA",
        "n": b64.encode(key.n().to_bytes_be()),
        "e": b64.encode(key.e().to_bytes_be()),
        "kid": "Ignored",
    })
    .to_string())
}

/// The public numbers of a private key PEM (PKCS#8 or PKCS#1, as the signer
/// reads them; text around the block, such as the `OCI_API_KEY` line the OCI
/// CLI appends, is ignored). `None` when it is not an RSA private key.
pub fn private_key_public_numbers(private_pem: &str) -> Option<RsaPublicNumbers> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let begin = private_pem.find("-----BEGIN ")?;
    let block = &private_pem[begin..];
    let label_end = block["-----BEGIN ".len()..].find("-----")? + "-----BEGIN ".len();
    let label = &block["-----BEGIN ".len()..label_end];
    let end_line = format!("-----END {label}-----");
    let block = &block[..block.find(&end_line)? + end_line.len()];
    let key = match label {
        "PRIVATE KEY" => rsa::RsaPrivateKey::from_pkcs8_pem(block).ok()?,
        "RSA PRIVATE KEY" => rsa::RsaPrivateKey::from_pkcs1_pem(block).ok()?,
        _ => return None,
    };
    let public_pem = key.to_public_key().to_public_key_pem(LineEnding::LF).ok()?;
    RsaPublicNumbers::from_jwk_json(&public_key_jwk(&public_pem).ok()?)
}

/// The console login's `public_key` parameter: the JWK, base64url without padding.
pub fn login_public_key(public_pem: &str) -> Result<String, String> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public_key_jwk(public_pem)?))
}

/// A random UUID (version 4) for the login's `nonce`.
pub fn random_uuid() -> String {
    use rand_core::RngCore as _;
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
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
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        use rsa::pkcs8::DecodePrivateKey as _;
        let key = generate_key_pair(KeySize::Rsa2048).unwrap();
        let expected = RsaPublicNumbers::from_jwk_json(&public_key_jwk(&key.public_pem).unwrap());
        assert!(expected.is_some());
        // As this tool writes it, with the OCI CLI's trailing line, and as PKCS#1.
        let pkcs8 = key.private_pem.expose_secret();
        let pkcs1 = rsa::RsaPrivateKey::from_pkcs8_pem(pkcs8)
            .unwrap()
            .to_pkcs1_pem(LineEnding::LF)
            .unwrap();
        for pem in [
            pkcs8.to_owned(),
            format!("{pkcs8}OCI_API_KEY\n"),
            pkcs1.as_str().to_owned(),
        ] {
            assert_eq!(private_key_public_numbers(&pem), expected);
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
    fn fingerprint_is_md5_hex_pairs() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(
            fingerprint(b""),
            "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e"
        );
    }
}
