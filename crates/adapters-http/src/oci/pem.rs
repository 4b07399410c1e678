//! Reading RSA private keys from PEM text into aws-lc-rs key pairs.
//!
//! PKCS#8 (`BEGIN PRIVATE KEY`, what `oci setup` and this tool write) and
//! PKCS#1 (`BEGIN RSA PRIVATE KEY`, older OCI key files) are accepted.
//! Encrypted keys are not: a session key is never encrypted.

use aws_lc_rs::signature::RsaKeyPair;
use base64::Engine as _;

/// Why a private key could not be loaded. Never quotes the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key file is not PEM (no `-----BEGIN … PRIVATE KEY-----` block)")]
    NotPem,
    #[error("the key file holds an encrypted key; use an unencrypted key")]
    Encrypted,
    #[error("the PEM body is not valid base64")]
    BadBase64,
    #[error("the key is not a usable RSA private key (2048 to 8192 bits)")]
    Rejected,
}

/// Parses a PEM private key into an aws-lc-rs RSA key pair.
pub fn rsa_key_pair_from_pem(pem: &str) -> Result<RsaKeyPair, KeyError> {
    let (label, der) = pem_block(pem)?;
    match label.as_str() {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der).map_err(|_| KeyError::Rejected),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der).map_err(|_| KeyError::Rejected),
        "ENCRYPTED PRIVATE KEY" => Err(KeyError::Encrypted),
        _ => Err(KeyError::NotPem),
    }
}

/// The label and decoded body of the first PEM block in `text`.
pub fn pem_block(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let mut lines = text.lines().map(str::trim);
    let label = lines
        .by_ref()
        .find_map(|l| l.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
        .ok_or(KeyError::NotPem)?
        .to_owned();
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines {
        if line == end {
            if body.contains(':') {
                // `Proc-Type: 4,ENCRYPTED` headers of legacy encrypted PEM.
                return Err(KeyError::Encrypted);
            }
            let der = base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map_err(|_| KeyError::BadBase64)?;
            return Ok((label, der));
        }
        if line.contains(':') {
            return Err(KeyError::Encrypted);
        }
        body.push_str(line);
    }
    Err(KeyError::NotPem)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rejects_text_that_is_not_pem() {
        assert_eq!(rsa_key_pair_from_pem("hello").err(), Some(KeyError::NotPem));
        let truncated = "-----BEGIN PRIVATE KEY-----\nMIIB\n";
        assert_eq!(
            rsa_key_pair_from_pem(truncated).err(),
            Some(KeyError::NotPem)
        );
    }

    #[test]
    fn rejects_encrypted_keys() {
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            rsa_key_pair_from_pem(legacy).err(),
            Some(KeyError::Encrypted)
        );
        let pkcs8 =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(
            rsa_key_pair_from_pem(pkcs8).err(),
            Some(KeyError::Encrypted)
        );
    }

    #[test]
    fn rejects_garbage_der() {
        let bad = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(rsa_key_pair_from_pem(bad).err(), Some(KeyError::Rejected));
    }
}
