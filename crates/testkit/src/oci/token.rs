//! The fake's session tokens: JWTs whose claims carry the session's public key
//! (a `jwk` claim, like the real service's), MACed with a key only the fake knows.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The claims the fake puts in (and reads back from) a session token.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FakeClaims {
    pub sub: String,
    pub tenant: String,
    pub iat: i64,
    pub exp: i64,
    pub sess_id: String,
    /// Unique per token, so a refresh within the same second still gives a new token.
    pub jti: String,
    pub ptype: String,
    /// JSON text of `{kty, n, e, kid}`: the key that must sign requests.
    pub jwk: String,
}

/// An RSA public key as a JWK's `n` and `e` (unpadded base64url, big-endian).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub n: String,
    pub e: String,
    #[serde(default)]
    pub kid: Option<String>,
}

impl Jwk {
    pub fn modulus_and_exponent(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        if self.kty != "RSA" {
            return None;
        }
        Some((
            URL_SAFE_NO_PAD.decode(&self.n).ok()?,
            URL_SAFE_NO_PAD.decode(&self.e).ok()?,
        ))
    }
}

pub(crate) fn mint(key: &hmac::Key, claims: &FakeClaims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"fake-oci"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signed = format!("{header}.{payload}");
    let tag = hmac::sign(key, signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// The claims of a token this fake minted; `None` for anything else.
pub(crate) fn open(key: &hmac::Key, token: &str) -> Option<FakeClaims> {
    let (signed, tag) = token.rsplit_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    hmac::verify(key, signed.as_bytes(), &tag).ok()?;
    let (_, payload) = signed.split_once('.')?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}
