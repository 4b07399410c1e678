//! What the use cases want the user to know although they succeeded, worded
//! for the person at the terminal (stderr, so stdout stays data).

use oci_iam_sso_domain::{Notice, Notices};

use crate::clock::rfc3339;
use crate::output;

/// Prints each notice as one line on stderr.
#[derive(Debug, Default, Clone, Copy)]
pub struct StderrNotices;

impl Notices for StderrNotices {
    fn notice(&self, notice: Notice) {
        output::stderr_line(&describe(&notice));
    }
}

/// One line per notice. Never a secret: notices carry none.
pub fn describe(notice: &Notice) -> String {
    match notice {
        Notice::RotationKeptAside { profile, error } => format!(
            "warning: the token store could not save the rotated refresh token of profile `{profile}` ({error}); it is kept aside, sealed, and the next run saves it — free space or stop whatever holds the store's lock"
        ),
        Notice::RotationRecovered { profile, kept_at } => format!(
            "note: saved the rotated refresh token of profile `{profile}` that was kept aside at {} when saving it had failed",
            rfc3339(*kept_at)
        ),
        Notice::MarginExceedsLifetime {
            requested,
            lifetime,
        } => format!(
            "note: this identity domain issues access tokens for {}, less than the margin of {} asked for (--min-ttl or skew); each token is used until half its life has passed",
            crate::output::human_duration(*lifetime),
            crate::output::human_duration(*requested)
        ),
        Notice::OddTokenAnswer(note) => format!("warning: {note}"),
        _ => "note: (an event this version cannot describe)".to_owned(),
    }
}
