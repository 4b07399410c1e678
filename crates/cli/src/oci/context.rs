//! What every OCI command needs, resolved once from the flags and the
//! environment: the home directory, the config file, the profile name, the
//! endpoint override, the files adapter and the auth client.

use std::path::PathBuf;

use oci_iam_sso_adapters_http::HttpSettings;
use oci_iam_sso_adapters_http::oci::HttpOciAuthService;
use oci_iam_sso_adapters_store::oci::{FsOciFiles, config_location, profile_name};
use oci_iam_sso_domain::oci::{OciError, OciProfileName};
use oci_iam_sso_domain::{Error, ServiceUrl};

use super::args::{OciGlobalArgs, OciProfileArg};

#[derive(Debug)]
pub(crate) struct OciContext {
    pub home: PathBuf,
    pub profile: OciProfileName,
    pub endpoint: Option<ServiceUrl>,
    pub files: FsOciFiles,
    pub auth: HttpOciAuthService,
    pub region: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl OciContext {
    // The domain's `Error` is what every `run_*` returns; boxing it here would only move the cost.
    #[allow(clippy::result_large_err)]
    pub fn new(globals: &OciGlobalArgs, profile: &OciProfileArg) -> Result<Self, Error> {
        let home = globals
            .home
            .clone()
            .or_else(dirs::home_dir)
            .ok_or_else(|| OciError::Config("cannot find the home directory (set HOME)".into()))?;
        let config_path = config_location(globals.config_file.as_deref(), &env, &home);
        let name = profile_name(
            profile.profile.as_deref().or(globals.profile.as_deref()),
            &env,
        );
        let profile = OciProfileName::new(name)?;
        let endpoint = globals
            .endpoint
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(ServiceUrl::parse)
            .transpose()?;
        Ok(Self {
            files: FsOciFiles::new(config_path, home.clone(), globals.region.clone()),
            auth: HttpOciAuthService::new(HttpSettings::default(), endpoint.clone()),
            home,
            profile,
            endpoint,
            region: globals.region.clone(),
        })
    }
}
