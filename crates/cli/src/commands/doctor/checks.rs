//! The verdicts `doctor` gives, as plain functions of what it found: which
//! findings need fixing, how far a clock may drift, what a file's mode may
//! be. No I/O here; the gathering is in the sibling modules.

use std::time::Duration;

use oci_iam_sso_domain::{Lifecycle, Timestamp};

use crate::remedy::exit;

/// How a finding stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// As it should be.
    Ok,
    /// Worth knowing, nothing to fix (a missing optional file, a check skipped offline).
    Info,
    /// Needs fixing: a command will fail, or a secret is exposed.
    Fix,
}

impl Status {
    /// As the table shows it: what needs fixing stands out.
    pub fn label(self) -> &'static str {
        match self {
            Status::Fix => "FIX",
            other => other.name(),
        }
    }

    /// As JSON names it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Info => "info",
            Status::Fix => "fix",
        }
    }
}

/// One line of the table: what was checked, how it stands, and the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What was checked, such as `store key` or `OCI session`.
    pub check: &'static str,
    pub status: Status,
    /// What was found, in one line. Never a secret.
    pub detail: String,
    /// What to do about it, when there is something to do.
    pub fix: Option<String>,
}

impl Finding {
    pub fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Ok, detail, None::<String>)
    }

    pub fn info(check: &'static str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Info, detail, None::<String>)
    }

    pub fn fix(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(check, Status::Fix, detail, Some(fix))
    }

    pub fn new(
        check: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<impl Into<String>>,
    ) -> Self {
        Self {
            check,
            status,
            detail: detail.into(),
            fix: fix.map(Into::into),
        }
    }
}

/// Everything `doctor` found (its JSON shape is `reports::DoctorReport`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// How many findings need fixing; 0 means the exit code is 0.
    pub needs_fixing: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn new(findings: Vec<Finding>) -> Self {
        Self {
            needs_fixing: findings.iter().filter(|f| f.status == Status::Fix).count(),
            findings,
        }
    }

    /// 0 when nothing needs fixing (informational findings do not count),
    /// [`exit::DOCTOR`] otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.needs_fixing == 0 {
            exit::OK
        } else {
            exit::DOCTOR
        }
    }
}

/// A measured skew this small is the measurement's own error: a `Date`
/// header has whole seconds and the request takes time.
pub const CLOCK_NOISE: Duration = Duration::from_secs(5);

/// OCI refuses a signed request whose `date` is more than 5 minutes from its
/// clock (OCI documentation, "Request Signatures").
pub const OCI_SIGNATURE_SKEW: Duration = Duration::from_secs(5 * 60);

/// How a clock `skew_seconds` off a server's stands when `limit` is how far
/// off it may be before something breaks: within [`CLOCK_NOISE`] it is fine,
/// up to `limit` worth syncing, beyond it a fix.
pub fn skew_status(skew_seconds: i64, limit: Duration) -> Status {
    let off = Duration::from_secs(skew_seconds.unsigned_abs());
    if off <= CLOCK_NOISE {
        Status::Ok
    } else if off <= limit {
        Status::Info
    } else {
        Status::Fix
    }
}

/// The fix for a clock that is off.
pub const CLOCK_FIX: &str =
    "synchronise this machine's clock (`timedatectl set-ntp true`, or chrony/ntpd)";

/// Whether a file or directory with permission bits `mode` lets anyone but
/// its owner do more than `allowed` lets them (0600 for files, 0700 for
/// directories). Stricter than allowed is fine.
pub fn too_open(mode: u32, allowed: u32) -> bool {
    mode & 0o777 & !allowed != 0
}

/// How a directory that should be private (0700) stands with mode `mode`:
/// a shared one (sticky, like /tmp) is not ours to narrow, so it is only
/// information; any other that lets others in needs fixing.
pub fn private_dir_status(mode: u32) -> Status {
    if !too_open(mode, 0o700) {
        Status::Ok
    } else if mode & 0o1000 != 0 {
        Status::Info
    } else {
        Status::Fix
    }
}

/// How a token valid until `expires_at` stands `now`: expired is a fix when
/// something relies on it (`required`), else information; expiring within
/// `margin` is information.
pub fn expiry_status(
    expires_at: Timestamp,
    now: Timestamp,
    margin: Duration,
    required: bool,
) -> Status {
    match Lifecycle::of(expires_at, now, margin) {
        Lifecycle::Fresh => Status::Ok,
        Lifecycle::ExpiringSoon => Status::Info,
        Lifecycle::Expired if required => Status::Fix,
        Lifecycle::Expired => Status::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fix_findings_fail_the_run() {
        let calm = Report::new(vec![
            Finding::ok("a", "fine"),
            Finding::info("b", "offline"),
        ]);
        assert_eq!((calm.needs_fixing, calm.exit_code()), (0, 0));
        let broken = Report::new(vec![Finding::ok("a", "x"), Finding::fix("b", "y", "z")]);
        assert_eq!(broken.needs_fixing, 1);
        assert_eq!(broken.exit_code(), exit::DOCTOR);
    }

    #[test]
    fn skew_is_noise_then_worth_syncing_then_a_fix() {
        let limit = Duration::from_secs(60);
        assert_eq!(skew_status(0, limit), Status::Ok);
        assert_eq!(skew_status(-5, limit), Status::Ok);
        assert_eq!(skew_status(6, limit), Status::Info);
        assert_eq!(skew_status(-60, limit), Status::Info);
        assert_eq!(skew_status(61, limit), Status::Fix);
        assert_eq!(skew_status(-600, OCI_SIGNATURE_SKEW), Status::Fix);
        assert_eq!(skew_status(i64::MIN, limit), Status::Fix);
    }

    #[test]
    fn modes_may_be_stricter_never_looser() {
        assert!(!too_open(0o600, 0o600));
        assert!(!too_open(0o400, 0o600));
        assert!(!too_open(0o100_600, 0o600), "file type bits are ignored");
        assert!(too_open(0o644, 0o600));
        assert!(too_open(0o700, 0o600), "an executable key file");
        assert!(!too_open(0o700, 0o700));
        assert!(too_open(0o755, 0o700));
    }

    #[test]
    fn a_shared_directory_is_not_narrowed() {
        assert_eq!(private_dir_status(0o700), Status::Ok);
        assert_eq!(private_dir_status(0o755), Status::Fix);
        assert_eq!(private_dir_status(0o1777), Status::Info);
    }

    #[test]
    fn expiry_needs_fixing_only_when_something_relies_on_it() {
        let now = Timestamp::from_unix(1_000);
        let margin = Duration::from_secs(300);
        let at = |s| Timestamp::from_unix(s);
        assert_eq!(expiry_status(at(2_000), now, margin, true), Status::Ok);
        assert_eq!(expiry_status(at(1_200), now, margin, true), Status::Info);
        assert_eq!(expiry_status(at(1_000), now, margin, true), Status::Fix);
        assert_eq!(expiry_status(at(900), now, margin, false), Status::Info);
    }
}
