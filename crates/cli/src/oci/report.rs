//! What the OCI commands report. In text mode: lines for people, on stderr
//! (none with `--quiet`); stdout stays empty, as these commands write files
//! rather than print data. With `--output json`: one document on stdout (the
//! shapes are in [`crate::reports`]) instead of those lines.

use std::path::Path;

use oci_iam_sso_domain::Timestamp;
use oci_iam_sso_domain::oci::{Region, TenancyOcid, layout};

use crate::clock::rfc3339;
use crate::compose::OciContext;
use crate::failure::Failure;
use crate::output::Output;
use crate::reports::{NewSessionReport, path_text};

/// A session just written by a browser login or an exchange.
pub(crate) struct NewSession<'a> {
    pub session_dir: &'a Path,
    pub region: &'a Region,
    pub tenancy: &'a TenancyOcid,
    pub expires_at: Timestamp,
    /// The identity-domain profile whose token was exchanged (`session exchange`).
    pub identity_profile: Option<&'a str>,
}

/// Reports a new session: its JSON, or the lines that say where it is.
pub(crate) fn new_session(
    out: &Output,
    context: &OciContext,
    session: &NewSession<'_>,
) -> Result<(), Failure> {
    let token_file = session.session_dir.join(layout::SESSION_TOKEN);
    if out.is_json() {
        return out.json(&NewSessionReport {
            profile: context.profile.to_string(),
            region: session.region.name().to_owned(),
            tenancy: session.tenancy.to_string(),
            config_file: path_text(context.files.config_path()),
            session_token_file: path_text(&token_file),
            expires_at: rfc3339(session.expires_at),
            identity_profile: session.identity_profile.map(str::to_owned),
        });
    }
    out.info(&format!(
        "Config written to: {}",
        context.files.config_path().display()
    ));
    out.info(&format!(
        "Session token written to: {}",
        token_file.display()
    ));
    out.info(&format!(
        "Session of profile [{}] is valid until {}",
        context.profile,
        rfc3339(session.expires_at)
    ));
    out.info(&format!(
        "Try: oci-iam-sso session validate --profile {}",
        context.profile
    ));
    Ok(())
}
