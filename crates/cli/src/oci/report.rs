//! What the OCI commands print: one line at a time on stdout, and the lines
//! that describe a new session (a browser login or an exchange).

use std::path::Path;

use oci_iam_sso_domain::Timestamp;
use oci_iam_sso_domain::oci::{OciError, layout};

use crate::clock::rfc3339;
use crate::compose::OciContext;
use crate::output::Output;

/// One line of an OCI command's report, on stdout; a failed write is an error.
pub(crate) fn print(out: &Output, text: &str) -> Result<(), OciError> {
    out.try_stdout_line(text)
        .map_err(|e| OciError::Other(format!("cannot write the output: {e}")))
}

/// What a new session looks like on screen, from a browser login or an exchange.
pub(crate) fn print_new_session(
    out: &Output,
    context: &OciContext,
    session_dir: &Path,
    expires_at: Timestamp,
) -> Result<(), OciError> {
    print(
        out,
        &format!(
            "Config written to: {}",
            context.files.config_path().display()
        ),
    )?;
    print(
        out,
        &format!(
            "Session token written to: {}",
            session_dir.join(layout::SESSION_TOKEN).display()
        ),
    )?;
    print(
        out,
        &format!(
            "Session of profile [{}] is valid until {}",
            context.profile,
            rfc3339(expires_at)
        ),
    )?;
    print(
        out,
        &format!(
            "Try: oci-iam-sso session validate --profile {}",
            context.profile
        ),
    )
}
