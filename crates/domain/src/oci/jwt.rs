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
    pub expires_at: Timestamp,
}

#[derive(serde::Deserialize)]
struct RawClaims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
    exp: i64,
}

/// Decodes the payload of a JWT. The error never quotes the token.
pub fn decode_claims(token: &str) -> Result<SessionClaims, OciError> {
    let malformed = |problem: &str| OciError::Malformed {
        endpoint: "session token".into(),
        problem: problem.into(),
    };
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
        expires_at: Timestamp::from_unix(raw.exp),
    })
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

    #[test]
    fn errors_do_not_quote_the_token() {
        for bad in ["secret-no-dots", "a.secret!.c", "a.eyJ4IjoxfQ.c", "a.b.c.d"] {
            let message = decode_claims(bad).unwrap_err().to_string();
            assert!(!message.contains("secret"), "{message}");
        }
    }
}
