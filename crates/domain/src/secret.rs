//! Secret newtypes: redacted in `Debug`, no `Display`, zeroized on drop, one
//! greppable accessor (`expose_secret`).

use zeroize::Zeroizing;

macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Wraps a secret value. Surrounding whitespace (a trailing newline from
            /// a file or stdin) is not part of any token and is dropped.
            pub fn new(value: impl Into<String>) -> Self {
                let value: String = value.into();
                let trimmed = value.trim();
                if trimmed.len() == value.len() {
                    Self(Zeroizing::new(value))
                } else {
                    let owned = Zeroizing::new(trimmed.to_owned());
                    drop(Zeroizing::new(value));
                    Self(owned)
                }
            }

            /// The secret itself. Every call site is a place where a secret leaves
            /// its wrapper: keep them few and reviewable.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// True when the value is empty (servers sometimes send `""`).
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }

            /// The label that may be shown instead of the value ([`crate::fingerprint`]).
            pub fn fingerprint(&self) -> String {
                crate::fingerprint(self.0.as_bytes())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_string!(
    /// An OAuth access token: opaque to the client, sent as `Authorization: Bearer`.
    AccessToken
);
secret_string!(
    /// A single-use OAuth refresh token.
    RefreshToken
);
/// Access and refresh tokens that come from outside (a server's answer, a
/// user's `import`) are checked before they are kept.
macro_rules! token_syntax {
    ($name:ident, $what:literal) => {
        impl $name {
            /// A token from outside, refused when it cannot be one. RFC 6749
            /// Appendix A.12 and A.17 allow visible characters only, and a bearer
            /// token (RFC 6750 §2.1) has no spaces: a control character (a
            /// server-sent `ESC[2J` reached the terminal) or whitespace (a
            /// newline split a token into two lines) means this is no token.
            /// Surrounding whitespace is dropped first, as [`Self::new`] does.
            /// The error never quotes the value.
            pub fn parse(value: impl Into<String>) -> Result<Self, crate::InvalidInput> {
                let token = Self::new(value);
                if token.is_empty() {
                    return Err(crate::InvalidInput::new($what, "is empty"));
                }
                // Visible ASCII (%x21-7E): stricter than VSCHAR by the space.
                if !token.0.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(crate::InvalidInput::new(
                        $what,
                        "has characters no token has (control characters, whitespace or non-ASCII)",
                    ));
                }
                Ok(token)
            }
        }
    };
}

token_syntax!(AccessToken, "access token");
token_syntax!(RefreshToken, "refresh token");

secret_string!(
    /// The device code of RFC 8628; whoever holds it can collect the user's tokens.
    DeviceCode
);
secret_string!(
    /// A confidential client's secret (token exchange).
    ClientSecret
);
secret_string!(
    /// An OCI session token (a JWT) or database token.
    SessionToken
);

/// An OAuth client id. The guides ask for it to be stored encrypted, so it is
/// redacted in `Debug`; it is not a credential, so it may be shown on request.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub fn new(value: impl Into<String>) -> Result<Self, crate::InvalidInput> {
        let value = value.into().trim().to_owned();
        if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(crate::InvalidInput::new(
                "client id",
                "must be non-empty and contain no spaces",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientId([redacted])")
    }
}

/// The short code a person types at the verification page. Shown on purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCode(String);

impl UserCode {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserCode {
    /// Control characters from the server never reach the terminal (escape
    /// sequences could rewrite what the user sees).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        self.0
            .chars()
            .filter(|c| !c.is_control())
            .try_for_each(|c| f.write_char(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let token = RefreshToken::new("rt-very-secret");
        assert_eq!(format!("{token:?}"), "RefreshToken([redacted])");
        let client = ClientId::new("client-abc").expect("valid client id");
        assert!(!format!("{client:?}").contains("client-abc"));
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(AccessToken::new(" at\n").expose_secret(), "at");
    }

    #[test]
    fn tokens_from_outside_have_visible_characters_only() {
        assert_eq!(
            RefreshToken::parse(" AQID+/x=\n")
                .expect("valid")
                .expose_secret(),
            "AQID+/x="
        );
        assert!(AccessToken::parse("eyJ.e30.sig").is_ok());
        for bad in [
            "at\u{1b}[2J",
            "first\nsecond",
            "a b",
            "a\tb",
            "caf\u{e9}",
            "x\u{202e}y",
        ] {
            let error = AccessToken::parse(bad).expect_err(bad).to_string();
            assert!(!error.contains(bad), "{error}");
            assert!(RefreshToken::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            RefreshToken::parse(" \n").expect_err("empty").to_string(),
            "invalid refresh token: is empty"
        );
    }

    #[test]
    fn a_user_code_never_prints_control_characters() {
        assert_eq!(UserCode::new("AB\u{1b}[2JCD\n").to_string(), "AB[2JCD");
    }

    #[test]
    fn client_id_rejects_spaces() {
        assert!(ClientId::new("a b").is_err());
        assert!(ClientId::new("  ").is_err());
    }
}
