//! HS256 JWTs: the fake domain signs access tokens with a per-instance key and
//! the fake resource server checks them with the same key.

use aws_lc_rs::hmac;
use base64::Engine as _;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The claims of an access token minted by the fake.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct AccessClaims {
    pub sub: String,
    pub client_id: String,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

pub(crate) fn sign(key: &hmac::Key, claims: &AccessClaims) -> String {
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64.encode(serde_json::to_vec(claims).expect("claims serialize"));
    let signing_input = format!("{header}.{payload}");
    let tag = hmac::sign(key, signing_input.as_bytes());
    format!("{signing_input}.{}", B64.encode(tag.as_ref()))
}

/// The claims, when the signature is this key's. Expiry is the caller's check.
pub(crate) fn verify(key: &hmac::Key, token: &str) -> Option<AccessClaims> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (_, payload) = signing_input.split_once('.')?;
    let signature = B64.decode(signature).ok()?;
    hmac::verify(key, signing_input.as_bytes(), &signature).ok()?;
    serde_json::from_slice(&B64.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let other = hmac::Key::new(hmac::HMAC_SHA256, b"other");
        let claims = AccessClaims {
            sub: "alice".into(),
            client_id: "c".into(),
            scope: "s".into(),
            iat: 1,
            exp: 2,
            jti: "j".into(),
        };
        let token = sign(&key, &claims);
        assert_eq!(verify(&key, &token).expect("valid").sub, "alice");
        assert!(verify(&other, &token).is_none());
        assert!(verify(&key, &format!("{token}x")).is_none());
        assert!(verify(&key, "not.a-jwt").is_none());
    }
}
