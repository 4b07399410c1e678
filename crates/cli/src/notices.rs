//! What the use cases want the user to know although they succeeded, worded
//! for the person at the terminal (stderr, so stdout stays data).

use oci_iam_sso_domain::{Notice, Notices};

use crate::clock::rfc3339;
use crate::output::Output;

/// Prints each notice as one line on stderr, through the app's [`Output`]:
/// a warning (something to act on) always, a note only without `--quiet`.
#[derive(Debug, Clone)]
pub struct StderrNotices {
    out: Output,
}

impl StderrNotices {
    pub fn new(out: Output) -> Self {
        Self { out }
    }
}

impl Notices for StderrNotices {
    fn notice(&self, notice: Notice) {
        let text = describe(&notice);
        if is_warning(&notice) {
            self.out.stderr_line(&text);
        } else {
            self.out.info(&text);
        }
    }
}

/// Whether the user should act on it (a warning; one this version cannot
/// describe counts as one), or it only reports what was done for them (a
/// note, which `--quiet` drops).
fn is_warning(notice: &Notice) -> bool {
    !matches!(
        notice,
        Notice::RotationRecovered { .. } | Notice::MarginExceedsLifetime { .. }
    )
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
