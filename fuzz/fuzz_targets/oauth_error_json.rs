//! `OAuthError::from_json` on any bytes, then the user-facing error it becomes
//! (text, remedy, exit code): nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oci_iam_sso_domain::{Error, OAuthError, ProviderError};

fuzz_target!(|data: &[u8]| {
    let Some(error) = OAuthError::from_json(data) else {
        return;
    };
    let _ = format!("{error} {error:?}");
    let error = Error::Provider(ProviderError::OAuth(error));
    let _ = error.to_string();
    let _ = error.remedy();
    let _ = error.exit_code();
});
