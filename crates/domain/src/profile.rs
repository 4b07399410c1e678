//! Profiles: one identity-domain client and its login, under a name.

use crate::{ClientId, ClientSecret, Endpoints, InvalidInput, Scope, ServiceUrl};

/// A profile name: letters, digits and `._-@` (the same rule as OCI config profiles),
/// so a name is safe in file names, SQL and shell commands.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProfileName(String);

impl ProfileName {
    pub const DEFAULT: &'static str = "default";

    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInput> {
        let value = value.into();
        if value.len() <= 64 && is_profile_name(&value) {
            Ok(Self(value))
        } else {
            Err(InvalidInput::new(
                "profile name",
                crate::profile::name_problem(
                    &value,
                    "1 to 64 of the characters A-Z a-z 0-9 . _ - @",
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ProfileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The OCI config rule for profile names, `^[A-Za-z0-9._\-@]+$`, which both
/// identity-domain and OCI profiles follow so names are safe in paths and SQL,
/// narrowed by one rule: no leading `.`. A name becomes a directory
/// (`~/.oci/sessions/<profile>`), and `.` or `..` there would be the sessions
/// directory itself or `~/.oci`; other dot names would be hidden.
pub(crate) fn is_profile_name(value: &str) -> bool {
    has_profile_name_characters(value) && !value.starts_with('.')
}

fn has_profile_name_characters(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// Why `value` is not a profile name, in words; `rule` states the allowed characters.
pub(crate) fn name_problem(value: &str, rule: &str) -> String {
    if has_profile_name_characters(value) && value.starts_with('.') {
        format!("`{value}` must not start with `.`")
    } else {
        format!("`{value}` must be {rule}")
    }
}

/// What a profile knows about its identity domain and client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: ProfileName,
    pub domain_url: ServiceUrl,
    pub client_id: ClientId,
    pub scope: Scope,
    /// Base URL that `call /path` joins to (an EPM host, for example).
    pub resource_url: Option<ServiceUrl>,
    /// Only for confidential clients (the OCI token exchange).
    pub client_secret: Option<ClientSecret>,
    /// The endpoints discovery found for this profile (at login, or at the first
    /// refresh), so that a later process need not ask again. Only a cache: see
    /// [`Profile::known_endpoints`] for when it holds.
    pub endpoints: Option<KnownEndpoints>,
}

impl Profile {
    /// The remembered endpoints, when they still hold for this profile's
    /// domain URL; `None` means "discover them".
    pub fn known_endpoints(&self) -> Option<&Endpoints> {
        self.endpoints.as_ref()?.for_domain(&self.domain_url)
    }
}

/// Endpoints as discovery found them at `found_at` (a domain URL), kept with
/// the profile.
///
/// They are worth nothing for any other domain URL: changing a profile's
/// domain URL makes them stale, whatever the store still holds. And since the
/// refresh token goes wherever they point, they are only used while every one
/// of them is on the domain's own origin, the rule discovery enforces too (a
/// store edited by hand cannot move a token elsewhere).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownEndpoints {
    pub found_at: ServiceUrl,
    pub endpoints: Endpoints,
}

impl KnownEndpoints {
    pub fn new(found_at: ServiceUrl, endpoints: Endpoints) -> Self {
        Self {
            found_at,
            endpoints,
        }
    }

    /// The endpoints for a profile whose domain URL is `domain`, when they
    /// were found there and all stay on its origin.
    pub fn for_domain(&self, domain: &ServiceUrl) -> Option<&Endpoints> {
        (self.found_at == *domain && self.endpoints.all_on_origin_of(domain))
            .then_some(&self.endpoints)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names() {
        for ok in ["default", "DEFAULT", "epm.prod_1-a@x"] {
            assert!(ProfileName::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "../x", "a/b", "x;rm", &"a".repeat(65)] {
            assert!(ProfileName::new(bad).is_err(), "{bad}");
        }
    }

    fn endpoints_at(base: &str) -> Endpoints {
        let url = |path: &str| ServiceUrl::parse(&format!("{base}{path}")).expect("valid url");
        Endpoints {
            token: url("/oauth2/v1/token"),
            device_authorization: url("/oauth2/v1/device"),
            revocation: Some(url("/oauth2/v1/revoke")),
        }
    }

    #[test]
    fn remembered_endpoints_hold_only_for_the_domain_url_they_were_found_at() {
        let mut profile = crate::test_support::profile();
        let domain = profile.domain_url.clone();
        let found = endpoints_at(domain.base());
        profile.endpoints = Some(KnownEndpoints::new(domain.clone(), found.clone()));
        assert_eq!(profile.known_endpoints(), Some(&found));

        // Another domain URL: stale, even on the same host.
        profile.domain_url =
            ServiceUrl::parse(&format!("{}/other", domain.base())).expect("valid url");
        assert_eq!(profile.known_endpoints(), None);
        profile.domain_url =
            ServiceUrl::parse("https://idcs-other.identity.oraclecloud.com").expect("valid url");
        assert_eq!(profile.known_endpoints(), None);
    }

    #[test]
    fn remembered_endpoints_off_the_domain_origin_are_never_used() {
        let mut profile = crate::test_support::profile();
        let domain = profile.domain_url.clone();
        for off in [
            "https://evil.example.com",
            "https://idcs-test.identity.oraclecloud.com:8443",
        ] {
            let mut endpoints = endpoints_at(domain.base());
            endpoints.token = endpoints_at(off).token;
            profile.endpoints = Some(KnownEndpoints::new(domain.clone(), endpoints.clone()));
            assert_eq!(profile.known_endpoints(), None, "{off}");
            let mut endpoints = endpoints_at(domain.base());
            endpoints.revocation = endpoints_at(off).revocation;
            profile.endpoints = Some(KnownEndpoints::new(domain.clone(), endpoints));
            assert_eq!(profile.known_endpoints(), None, "{off}");
        }
    }

    #[test]
    fn names_starting_with_a_dot_are_refused_as_they_would_leave_or_hide_in_the_directory() {
        // `..` as an OCI profile would make `~/.oci/sessions/..` the session directory.
        for bad in [".", "..", ".hidden", "..x"] {
            assert!(ProfileName::new(bad).is_err(), "{bad}");
            assert!(crate::oci::OciProfileName::new(bad).is_err(), "{bad}");
        }
        for ok in ["a.", "a..b", "DEFAULT"] {
            assert!(ProfileName::new(ok).is_ok(), "{ok}");
            assert!(crate::oci::OciProfileName::new(ok).is_ok(), "{ok}");
        }
    }
}
