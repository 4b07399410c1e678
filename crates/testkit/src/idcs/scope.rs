//! Which scopes the fake accepts. Like the identity domain, it takes the
//! identity domain's own scopes and the scopes of ONE resource per request
//! (`https://host/...` prefixes); several resources are `invalid_scope`.

use std::collections::BTreeSet;

/// Scopes that belong to no resource server.
const DOMAIN_SCOPES: [&str; 4] = ["offline_access", "openid", "profile", "email"];
/// The "all my scopes" scope of an identity domain (counts as one resource).
const MY_SCOPES: &str = "urn:opc:idm:__myscopes__";

pub(crate) fn is_valid(scope: &str) -> bool {
    let mut resources = BTreeSet::new();
    let mut any = false;
    for token in scope.split_whitespace() {
        any = true;
        if DOMAIN_SCOPES.contains(&token) {
            continue;
        }
        if token == MY_SCOPES {
            resources.insert(MY_SCOPES.to_owned());
        } else if let Some(rest) = token
            .strip_prefix("https://")
            .or_else(|| token.strip_prefix("http://"))
        {
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            if host.is_empty() {
                return false;
            }
            resources.insert(host.to_ascii_lowercase());
        } else {
            return false;
        }
    }
    any && resources.len() <= 1
}

pub(crate) fn has_offline_access(scope: &str) -> bool {
    scope.split_whitespace().any(|t| t == "offline_access")
}

/// Single spaces, as the fake echoes scopes in tokens.
pub(crate) fn normalise(scope: &str) -> String {
    scope.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_resource_per_request() {
        assert!(is_valid("urn:opc:idm:__myscopes__  offline_access"));
        assert!(is_valid(
            "https://epm.example.com/read https://epm.example.com/write"
        ));
        assert!(!is_valid("https://a.example.com/x https://b.example.com/y"));
        assert!(!is_valid(
            "urn:opc:idm:__myscopes__ https://b.example.com/y"
        ));
        assert!(!is_valid("made-up"));
        assert!(!is_valid("   "));
    }
}
