//! Reading the claims of a session or database token (a JWT) without checking
//! its signature: the client only needs `exp`, `sub` and `tenant` to decide
//! when to refresh and what to print; the service checks the signature.

use super::OciError;
use crate::Timestamp;

/// The claims this tool reads from an OCI session token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionClaims {
    /// The user's OCID.
    pub subject: Option<String>,
    /// The tenancy's OCID.
    pub tenant: Option<String>,
    /// `iat`: when the token was issued (or last refreshed), when it says.
    pub issued_at: Option<Timestamp>,
    pub expires_at: Timestamp,
}

impl SessionClaims {
    /// Where the token stands `now`, refreshing `margin` before its expiry.
    pub fn lifecycle(&self, now: Timestamp, margin: std::time::Duration) -> crate::Lifecycle {
        crate::Lifecycle::of(self.expires_at, now, margin)
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        crate::Lifecycle::is_expired(self.expires_at, now)
    }
}

#[derive(serde::Deserialize)]
struct RawClaims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    iat: Option<i64>,
    exp: i64,
}

/// Decodes the payload of a JWT. The error never quotes the token.
pub fn decode_claims(token: &str) -> Result<SessionClaims, OciError> {
    let malformed = |problem: &str| OciError::malformed("session token", problem);
    let mut parts = token.trim().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not a JWT (three dot-separated parts expected)"));
    };
    let json = base64url_decode(payload).ok_or_else(|| malformed("payload is not base64url"))?;
    let raw: RawClaims = serde_json::from_slice(&json)
        .map_err(|_| malformed("payload is not JSON with a numeric `exp`"))?;
    Ok(SessionClaims {
        subject: raw.sub,
        tenant: raw.tenant,
        issued_at: raw.iat.map(Timestamp::from_unix),
        expires_at: Timestamp::from_unix(raw.exp),
    })
}

/// An RSA public key as its modulus and exponent (big-endian, leading zero
/// bytes dropped so two encodings of one key compare equal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaPublicNumbers {
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

impl RsaPublicNumbers {
    /// From a JWK's JSON text (`{"kty":"RSA","n":…,"e":…}`, n and e base64url).
    pub fn from_jwk_json(json: &str) -> Option<Self> {
        Self::from_jwk(&serde_json::from_str(json).ok()?)
    }

    fn from_jwk(jwk: &serde_json::Value) -> Option<Self> {
        if jwk.get("kty")?.as_str()? != "RSA" {
            return None;
        }
        let number = |name: &str| {
            let bytes = base64url_decode(jwk.get(name)?.as_str()?)?;
            let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
            let trimmed = bytes[first..].to_vec();
            (!trimmed.is_empty()).then_some(trimmed)
        };
        Some(Self {
            modulus: number("n")?,
            exponent: number("e")?,
        })
    }
}

/// The public key a session token is bound to: its `jwk` claim, which the
/// OCI auth service writes as JSON text (an object is read too). Only the
/// holder of the matching private key can use the token. `None` when the
/// token has no readable RSA `jwk`.
pub fn bound_public_key(token: &str) -> Option<RsaPublicNumbers> {
    let claims = payload_json(token)?;
    match claims.get("jwk")? {
        serde_json::Value::String(text) => RsaPublicNumbers::from_jwk_json(text),
        object @ serde_json::Value::Object(_) => RsaPublicNumbers::from_jwk(object),
        _ => None,
    }
}

/// A string claim of a JWT (such as an id_token's `nonce`); `None` when the
/// token is not a JWT or has no such string claim.
pub fn string_claim(token: &str, name: &str) -> Option<String> {
    Some(payload_json(token)?.get(name)?.as_str()?.to_owned())
}

fn payload_json(token: &str) -> Option<serde_json::Value> {
    let mut parts = token.trim().split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    serde_json::from_slice(&base64url_decode(payload)?).ok()
}

/// Unpadded (or padded) base64url, as in JWTs. The domain has no base64
/// dependency and needs only this decoder.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    // Six leftover bits cannot come from whole bytes.
    (bits < 6).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base64url_with_and_without_padding() {
        assert_eq!(base64url_decode("aGk").unwrap(), b"hi");
        assert_eq!(base64url_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64url_decode("-_8").unwrap(), [0xfb, 0xff]);
        assert!(base64url_decode("a").is_none());
        assert!(base64url_decode("a+b/").is_none());
    }

    #[test]
    fn reads_the_claims() {
        // {"sub":"ocid1.user.oc1..u","tenant":"ocid1.tenancy.oc1..t","exp":1767229200}
        let payload = "eyJzdWIiOiJvY2lkMS51c2VyLm9jMS4udSIsInRlbmFudCI6Im9jaWQxLnRlbmFuY3kub2MxLi50IiwiZXhwIjoxNzY3MjI5MjAwfQ";
        let claims = decode_claims(&format!("e30.{payload}.c2ln")).unwrap();
        assert_eq!(claims.subject.as_deref(), Some("ocid1.user.oc1..u"));
        assert_eq!(claims.tenant.as_deref(), Some("ocid1.tenancy.oc1..t"));
        assert_eq!(claims.expires_at, Timestamp::from_unix(1_767_229_200));
    }

    fn jwt_with(claims: &serde_json::Value) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = claims.to_string().into_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            }
        }
        format!("e30.{out}.c2ln")
    }

    #[test]
    fn reads_the_bound_key_from_json_text_or_an_object() {
        let jwk = serde_json::json!({"kty": "RSA", "n": "AQID", "e": "AQAB", "kid": "Ignored"});
        let expected = RsaPublicNumbers::from_jwk_json(&jwk.to_string()).unwrap();
        let as_text = jwt_with(&serde_json::json!({"exp": 1, "jwk": jwk.to_string()}));
        let as_object = jwt_with(&serde_json::json!({"exp": 1, "jwk": jwk}));
        assert_eq!(bound_public_key(&as_text).as_ref(), Some(&expected));
        assert_eq!(bound_public_key(&as_object).as_ref(), Some(&expected));
        // A leading zero byte in `n` is the same number.
        let padded = serde_json::json!({"kty": "RSA", "n": "AAECAw", "e": "AQAB"}).to_string();
        assert_eq!(
            RsaPublicNumbers::from_jwk_json(&padded).as_ref(),
            Some(&expected)
        );
        let other = serde_json::json!({"kty": "RSA", "n": "AQIE", "e": "AQAB"}).to_string();
        assert_ne!(
            RsaPublicNumbers::from_jwk_json(&other).as_ref(),
            Some(&expected)
        );
        for missing in [
            serde_json::json!({"exp": 1}),
            serde_json::json!({"exp": 1, "jwk": "not json"}),
            serde_json::json!({"exp": 1, "jwk": {"kty": "EC", "n": "AQID", "e": "AQAB"}}),
            serde_json::json!({"exp": 1, "jwk": {"kty": "RSA", "n": "", "e": "AQAB"}}),
        ] {
            assert!(bound_public_key(&jwt_with(&missing)).is_none(), "{missing}");
        }
        assert!(bound_public_key("not-a-jwt").is_none());
        let id_token = jwt_with(&serde_json::json!({"nonce": "n-1"}));
        assert_eq!(string_claim(&id_token, "nonce").as_deref(), Some("n-1"));
        assert_eq!(string_claim(&id_token, "sub"), None);
    }

    #[test]
    fn errors_do_not_quote_the_token() {
        for bad in ["secret-no-dots", "a.secret!.c", "a.eyJ4IjoxfQ.c", "a.b.c.d"] {
            let message = decode_claims(bad).unwrap_err().to_string();
            assert!(!message.contains("secret"), "{message}");
        }
    }
}
