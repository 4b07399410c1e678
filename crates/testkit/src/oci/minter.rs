//! Session tokens minted for another fake: the fake identity domain's token
//! exchange (RFC 8693) hands out sessions this fake accepts,
//! so `session refresh`, `session validate` and `db-token get` work with them.

use aws_lc_rs::signature::RsaSubjectPublicKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::state::FakeOciControl;
use super::token::Jwk;

/// Mints sessions of one running [`super::FakeOciAuth`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SessionMinter {
    control: FakeOciControl,
}

impl SessionMinter {
    pub(crate) fn new(control: FakeOciControl) -> Self {
        Self { control }
    }

    /// A new session bound to an RSA public key given as DER
    /// SubjectPublicKeyInfo; `Err` when the bytes are not one.
    pub fn mint_for_public_key_der(&self, spki_der: &[u8]) -> Result<String, String> {
        let key = RsaSubjectPublicKey::from_der(spki_der)
            .map_err(|e| format!("not an RSA SubjectPublicKeyInfo: {e}"))?;
        Ok(self.control.lock().new_session(jwk_of(&key)))
    }

    /// The same from PEM text (`-----BEGIN PUBLIC KEY-----`).
    pub fn mint_for_public_key_pem(&self, pem: &str) -> Result<String, String> {
        let der = pem_body(pem, "PUBLIC KEY")
            .ok_or_else(|| "not an RSA public key PEM: no base64 PUBLIC KEY block".to_owned())?;
        self.mint_for_public_key_der(&der)
            .map_err(|e| format!("not an RSA public key PEM: {e}"))
    }
}

/// The DER inside a PEM block labelled `label`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let (begin, end) = (
        format!("-----BEGIN {label}-----"),
        format!("-----END {label}-----"),
    );
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != begin)
        .skip(1)
        .take_while(|l| *l != end)
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The JWK of an RSA public key PEM (SubjectPublicKeyInfo); `None` for anything else.
pub(crate) fn jwk_of_public_pem(pem: &str) -> Option<Jwk> {
    let der = pem_body(pem, "PUBLIC KEY")?;
    RsaSubjectPublicKey::from_der(&der)
        .ok()
        .map(|key| jwk_of(&key))
}

/// The JWK of the public half of an RSA private key PEM (PKCS#8): what a
/// token bound to that key carries. For tests that check a token and a key
/// file belong together.
pub fn jwk_of_private_key_pem(pem: &str) -> Option<Jwk> {
    use aws_lc_rs::signature::KeyPair as _;
    let der = pem_body(pem, "PRIVATE KEY")?;
    let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der).ok()?;
    Some(jwk_of(key.public_key()))
}

/// The JWK the session token carries (`kid` as the console login sends it).
fn jwk_of(key: &RsaSubjectPublicKey) -> Jwk {
    Jwk {
        kty: "RSA".into(),
        n: URL_SAFE_NO_PAD.encode(key.modulus().big_endian_without_leading_zero()),
        e: URL_SAFE_NO_PAD.encode(key.exponent().big_endian_without_leading_zero()),
        kid: Some("Ignored".into()),
    }
}
