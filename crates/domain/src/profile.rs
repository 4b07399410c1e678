//! Profiles: one identity-domain client and its login, under a name.

use crate::{ClientId, ClientSecret, InvalidInput, Scope, ServiceUrl};

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
