//! Session tokens minted for another fake: the fake identity domain's token
//! exchange (RFC 8693) hands out sessions this fake accepts,
//! so `session refresh`, `session validate` and `db-token get` work with them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts as _;

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
        let key = rsa::RsaPublicKey::from_public_key_der(spki_der)
            .map_err(|e| format!("not an RSA SubjectPublicKeyInfo: {e}"))?;
        Ok(self.control.lock().new_session(jwk_of(&key)))
    }

    /// The same from PEM text (`-----BEGIN PUBLIC KEY-----`).
    pub fn mint_for_public_key_pem(&self, pem: &str) -> Result<String, String> {
        let key = rsa::RsaPublicKey::from_public_key_pem(pem)
            .map_err(|e| format!("not an RSA public key PEM: {e}"))?;
        Ok(self.control.lock().new_session(jwk_of(&key)))
    }
}

/// The JWK of an RSA public key PEM (SubjectPublicKeyInfo); `None` for anything else.
pub(crate) fn jwk_of_public_pem(pem: &str) -> Option<Jwk> {
    rsa::RsaPublicKey::from_public_key_pem(pem)
        .ok()
        .map(|key| jwk_of(&key))
}

/// The JWK of the public half of an RSA private key PEM (PKCS#8): what a
/// token bound to that key carries. For tests that check a token and a key
/// file belong together.
pub fn jwk_of_private_key_pem(pem: &str) -> Option<Jwk> {
    use rsa::pkcs8::DecodePrivateKey as _;
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).ok()?;
    Some(jwk_of(&key.to_public_key()))
}

/// The JWK the session token carries (`kid` as the console login sends it).
fn jwk_of(key: &rsa::RsaPublicKey) -> Jwk {
    Jwk {
        kty: "RSA".into(),
        n: URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        e: URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        kid: Some("Ignored".into()),
    }
}
