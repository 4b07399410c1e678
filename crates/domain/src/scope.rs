//! OAuth scope: a space-separated set of scope tokens.

use crate::InvalidInput;

/// The scope the EPM guide asks for: the user's own scopes plus a refresh token.
pub const DEFAULT_SCOPE: &str = "urn:opc:idm:__myscopes__ offline_access";

/// An ordered set of scope tokens (order kept for display, duplicates dropped).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope(Vec<String>);

impl Scope {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let mut tokens: Vec<String> = Vec::new();
        for token in input.split_whitespace() {
            // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            if token.chars().any(|c| {
                !(c == '\x21' || ('\x23'..='\x5b').contains(&c) || ('\x5d'..='\x7e').contains(&c))
            }) {
                return Err(InvalidInput::new(
                    "scope",
                    format!("`{token}` has a character scopes may not contain"),
                ));
            }
            if !tokens.iter().any(|t| t == token) {
                tokens.push(token.to_owned());
            }
        }
        if tokens.is_empty() {
            return Err(InvalidInput::new("scope", "is empty"));
        }
        Ok(Self(tokens))
    }

    pub fn default_epm() -> Self {
        Self(DEFAULT_SCOPE.split(' ').map(str::to_owned).collect())
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_spaces_and_duplicates() {
        let scope = Scope::parse("urn:opc:idm:__myscopes__  offline_access offline_access")
            .expect("valid scope");
        assert_eq!(scope.to_string(), DEFAULT_SCOPE);
        assert_eq!(scope, Scope::default_epm());
        assert!(scope.contains("offline_access"));
    }

    #[test]
    fn rejects_empty_and_quotes() {
        assert!(Scope::parse("   ").is_err());
        assert!(Scope::parse("a\"b").is_err());
    }
}
