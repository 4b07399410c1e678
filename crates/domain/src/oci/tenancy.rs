//! The tenancy a session belongs to: one OCID type, and the one rule that
//! decides which tenancy a new session's profile is written for.

use std::fmt;

use crate::InvalidInput;

/// A tenancy OCID: `ocid1.tenancy.<realm>.[region].<unique id>`
/// (`ocid1.tenancy.oc1..aaaa…`), made only of lowercase letters, digits, `.`,
/// `_` and `-` (Oracle's "Resource Identifiers" page describes the shape).
///
/// It is written into the OCI config file, so nothing that could carry a line
/// break, a `=` or a section header can become one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TenancyOcid(String);

impl TenancyOcid {
    /// Parses a tenancy OCID, ignoring surrounding blanks.
    pub fn parse(value: &str) -> Result<Self, InvalidInput> {
        let value = value.trim();
        if is_tenancy_ocid(value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidInput::new(
                "tenancy",
                format!(
                    "`{}` is not a tenancy OCID (ocid1.tenancy.<realm>..<id>: lowercase letters, digits, `.`, `_`, `-`)",
                    value.escape_debug()
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenancyOcid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for TenancyOcid {
    type Err = InvalidInput;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

fn is_tenancy_ocid(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("ocid1.tenancy.") else {
        return false;
    };
    let realm = rest.split('.').next().unwrap_or_default();
    let unique_id = rest.rsplit('.').next().unwrap_or_default();
    rest.contains('.')
        && !realm.is_empty()
        && !unique_id.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// What to do when a new session is for another tenancy than the profile's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenancyChange {
    /// Refuse: the console logs in to whatever tenancy the browser's user
    /// picks (or is still signed in to), and silently pointing a profile that
    /// scripts rely on at another tenancy would send their requests there.
    Refuse,
    /// Follow the session: it was asked for (`--allow-tenancy-change`), or the
    /// session's issuer decides the tenancy (a token exchange's trust).
    Follow,
}

/// Why no tenancy could be chosen for a new session.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TenancyRefusal {
    #[error("the session token's `tenant` is not a tenancy OCID")]
    ClaimNotOcid,
    #[error("neither the session token nor the profile names a tenancy")]
    Unnamed,
    #[error(
        "the login is for tenancy {logged_in}, but the profile is for tenancy {configured}; nothing was written"
    )]
    Changed {
        configured: TenancyOcid,
        logged_in: TenancyOcid,
    },
}

impl TenancyOcid {
    /// The tenancy a new session's profile is written for: the session token's
    /// `tenant` claim, else the one configured (the profile's or a flag's).
    /// A claim that differs from the configured tenancy is refused unless
    /// `change` says to follow it.
    pub fn for_new_session(
        claim: Option<&str>,
        configured: Option<&TenancyOcid>,
        change: TenancyChange,
    ) -> Result<TenancyOcid, TenancyRefusal> {
        let Some(claim) = claim else {
            return configured.cloned().ok_or(TenancyRefusal::Unnamed);
        };
        let logged_in = Self::parse(claim).map_err(|_| TenancyRefusal::ClaimNotOcid)?;
        match configured {
            Some(configured) if *configured != logged_in && change == TenancyChange::Refuse => {
                Err(TenancyRefusal::Changed {
                    configured: configured.clone(),
                    logged_in,
                })
            }
            _ => Ok(logged_in),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ocid(value: &str) -> TenancyOcid {
        TenancyOcid::parse(value).expect("a tenancy OCID")
    }

    #[test]
    fn tenancy_ocids_are_plain() {
        for ok in [
            "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq",
            "ocid1.tenancy.oc2.us-langley-1.a_b-c",
        ] {
            assert_eq!(ocid(ok).as_str(), ok);
        }
        // Blanks around it are dropped, never written.
        assert_eq!(
            ocid(" ocid1.tenancy.oc1..x\r\n").as_str(),
            "ocid1.tenancy.oc1..x"
        );
        for bad in [
            "",
            "ocid1.tenancy.",
            "ocid1.tenancy.oc1..",
            "ocid1.tenancy..x",
            "ocid1.tenancy.oc1",
            "ocid1.user.oc1..x",
            "ocid1.tenancy.oc1..x\nuser=y",
            "ocid1.tenancy.oc1..x\r[DEFAULT]",
            "ocid1.tenancy.oc1..x y",
            "ocid1.tenancy.oc1..X",
            "ocid1.tenancy.oc1..x=y",
            "ocid1.tenancy.oc1..x/../y",
        ] {
            let error = TenancyOcid::parse(bad).expect_err("not a tenancy OCID");
            assert!(!error.to_string().contains(['\n', '\r']), "{bad:?}");
        }
    }

    #[test]
    fn the_claim_wins_unless_it_changes_a_configured_tenancy() {
        let a = ocid("ocid1.tenancy.oc1..a");
        let b = ocid("ocid1.tenancy.oc1..b");
        let choose = TenancyOcid::for_new_session;
        use TenancyChange::{Follow, Refuse};
        assert_eq!(choose(Some(a.as_str()), None, Refuse), Ok(a.clone()));
        assert_eq!(choose(Some(a.as_str()), Some(&a), Refuse), Ok(a.clone()));
        assert_eq!(choose(None, Some(&b), Refuse), Ok(b.clone()));
        assert_eq!(choose(Some(a.as_str()), Some(&b), Follow), Ok(a.clone()));
        assert_eq!(
            choose(Some(a.as_str()), Some(&b), Refuse),
            Err(TenancyRefusal::Changed {
                configured: b.clone(),
                logged_in: a.clone()
            })
        );
        assert_eq!(choose(None, None, Follow), Err(TenancyRefusal::Unnamed));
        assert_eq!(
            choose(Some("ocid1.tenancy.oc1..t\nx=y"), Some(&a), Follow),
            Err(TenancyRefusal::ClaimNotOcid)
        );
    }
}
