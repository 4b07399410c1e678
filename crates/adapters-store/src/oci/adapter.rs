//! [`FsOciFiles`]: the domain's `OciFiles` and `OciKeys` ports on the real
//! filesystem — the OCI config file, the session directory and the db-token directory.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use oci_iam_sso_domain::oci::layout;
use oci_iam_sso_domain::oci::{
    ConsoleLoginKey, KeyPair, KeySize, OciError, OciFiles, OciKeys, OciLock, OciProfile,
    OciProfileName, PrivateKeyPem, Region, RsaPublicNumbers, SessionCredentials, TenancyOcid,
    bound_public_key,
};
use oci_iam_sso_domain::{SessionToken, expand_tilde};

use super::config::{ConfigValueError, OciConfig, check_entries};
use super::files::{self, FileError};
use super::keys;
use super::lock::{self, LOCK_WAIT};
use super::login_record;
use super::realms::resolve_region;

/// The OCI files of one user: a config file and the home directory that `~` means.
#[derive(Debug, Clone)]
pub struct FsOciFiles {
    config_path: PathBuf,
    home: PathBuf,
    /// `--region`: wins over the profile's `region`.
    region_override: Option<String>,
}

impl FsOciFiles {
    pub fn new(config_path: PathBuf, home: PathBuf, region_override: Option<String>) -> Self {
        Self {
            config_path,
            home,
            region_override,
        }
    }

    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    fn oci_dir(&self) -> PathBuf {
        self.home.join(layout::OCI_DIR)
    }

    /// `~/.oci/sessions/<profile>`.
    pub fn session_dir(&self, name: &OciProfileName) -> PathBuf {
        self.oci_dir()
            .join(layout::SESSIONS_DIR)
            .join(name.as_str())
    }

    /// `~/.oci/db-token`, the default db-token location.
    pub fn default_db_token_dir(&self) -> PathBuf {
        self.oci_dir().join(layout::DB_TOKEN_DIR)
    }

    /// A region name resolved to its realm domain (`~/.oci/regions-config.json` included).
    pub fn region(&self, name: &str) -> Result<Region, OciError> {
        resolve_region(name, &self.oci_dir().join(layout::REGIONS_CONFIG)).map_err(OciError::Config)
    }

    /// The parsed config file; `Ok(None)` when it does not exist.
    pub fn read_config(&self) -> Result<Option<OciConfig>, OciError> {
        let text = match std::fs::read_to_string(&self.config_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(OciError::Config(format!(
                    "{}: {e}",
                    self.config_path.display()
                )));
            }
        };
        OciConfig::parse(&text)
            .map(Some)
            .map_err(|e| OciError::Config(format!("{}: {e}", self.config_path.display())))
    }

    /// Whether the profile's own section holds an API key (a `user=` line):
    /// a session login would replace its `key_file` and `fingerprint`.
    pub fn holds_api_key(&self, name: &OciProfileName) -> Result<bool, OciError> {
        Ok(self
            .read_config()?
            .is_some_and(|config| config.section_has(name.as_str(), "user")))
    }

    fn rewrite_profile(
        &self,
        name: &OciProfileName,
        entries: &[(&str, &str)],
    ) -> Result<(), OciError> {
        self.rewrite_profile_without(name, entries, &[])
    }

    /// [`Self::rewrite_profile`], and the lines of `drop` removed from the section.
    fn rewrite_profile_without(
        &self,
        name: &OciProfileName,
        entries: &[(&str, &str)],
        drop: &[&str],
    ) -> Result<(), OciError> {
        files::ensure_parent(&self.config_path).map_err(files_error)?;
        // Two logins (or a login and `setup config`) at once would each read the
        // file, edit their copy and write it back: the last writer would drop the
        // other's profile. The read-edit-write runs under an exclusive lock.
        let _lock = self.lock_config()?;
        let mut config = self.read_config()?.unwrap_or_else(OciConfig::empty);
        config
            .set(name.as_str(), entries)
            .map_err(|e| self.refused(e))?;
        config.remove(name.as_str(), drop);
        files::write_atomic(&self.config_path, config.text().as_bytes()).map_err(files_error)
    }

    /// An exclusive lock on `<config>.lock` (0600), held until the file is dropped.
    /// A separate file, because the config file itself is replaced by a rename.
    fn lock_config(&self) -> Result<std::fs::File, OciError> {
        let mut path = self.config_path.clone().into_os_string();
        path.push(".lock");
        let path = PathBuf::from(path);
        let failed = |e: std::io::Error| OciError::Files {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let file = lock::open_lock_file(&path).map_err(failed)?;
        file.lock().map_err(failed)?;
        Ok(file)
    }

    /// `~/.oci/sessions/.<profile>.lock`: beside the session directories
    /// (profile names never start with `.`, so it is no profile's directory).
    pub fn session_lock_path(&self, name: &OciProfileName) -> PathBuf {
        self.oci_dir()
            .join(layout::SESSIONS_DIR)
            .join(format!(".{}.lock", name.as_str()))
    }

    fn refused(&self, error: ConfigValueError) -> OciError {
        OciError::Config(format!("{}: {error}", self.config_path.display()))
    }

    fn path_value(&self, value: Option<&String>) -> Option<PathBuf> {
        value
            .filter(|v| !v.is_empty())
            .map(|v| expand_tilde(v, &self.home))
    }
}

fn files_error(e: FileError) -> OciError {
    OciError::Files {
        path: e.path,
        detail: e.detail,
    }
}

/// Records when this login happened, for `keep`'s 24-hour cap: the new
/// token's `iat`. A record that cannot be written only costs the cap's
/// accuracy (`keep` then starts one from the token it first sees), so it
/// never fails the login.
fn record_login(dir: &Path, key: &KeyPair, token: &SessionToken) {
    let Some(issued_at) = oci_iam_sso_domain::oci::decode_claims(token.expose_secret())
        .ok()
        .and_then(|claims| claims.issued_at)
    else {
        return;
    };
    // Named as `keep` names it: after the key file's text, built as it was written.
    let key_id = login_record::key_id(&files::session_key_text(key));
    if let Err(error) = login_record::write_login(dir, &key_id, issued_at) {
        tracing::debug!(dir = %dir.display(), %error, "the login time could not be recorded");
    }
}

fn read_secret_file(path: &Path) -> Result<String, OciError> {
    std::fs::read_to_string(path).map_err(|e| OciError::Files {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

#[async_trait]
impl OciFiles for FsOciFiles {
    async fn load_profile(&self, name: &OciProfileName) -> Result<OciProfile, OciError> {
        let config = self.read_config()?.ok_or_else(|| {
            OciError::Config(format!(
                "{} does not exist; create it with `oci-iam-sso setup config` or `session authenticate`",
                self.config_path.display()
            ))
        })?;
        let values = config.profile(name.as_str()).ok_or_else(|| {
            OciError::Config(format!(
                "{} has no profile [{name}]",
                self.config_path.display()
            ))
        })?;
        let region_name = self
            .region_override
            .clone()
            .or_else(|| values.get("region").cloned())
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                OciError::Config(format!(
                    "profile [{name}] has no `region` (or pass --region)"
                ))
            })?;
        Ok(OciProfile {
            name: name.clone(),
            region: self.region(&region_name)?,
            tenancy: values.get("tenancy").cloned(),
            fingerprint: values.get("fingerprint").cloned(),
            key_file: self.path_value(values.get("key_file")),
            security_token_file: self.path_value(values.get("security_token_file")),
        })
    }

    async fn read_session(&self, profile: &OciProfile) -> Result<SessionCredentials, OciError> {
        let no_session = || OciError::NoSession {
            profile: profile.name.to_string(),
        };
        let token_path = profile
            .security_token_file
            .as_ref()
            .ok_or_else(no_session)?;
        let token = match std::fs::read_to_string(token_path) {
            Ok(token) if !token.trim().is_empty() => SessionToken::new(token),
            Ok(_) => return Err(no_session()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_session()),
            Err(e) => {
                return Err(files_error(FileError {
                    path: token_path.display().to_string(),
                    detail: e.to_string(),
                }));
            }
        };
        let key_path = profile.key_file.as_ref().ok_or_else(|| {
            OciError::Config(format!(
                "profile [{}] has a session but no `key_file`",
                profile.name
            ))
        })?;
        Ok(SessionCredentials {
            token,
            private_key: PrivateKeyPem::new(read_secret_file(key_path)?),
        })
    }

    async fn lock_session(&self, name: &OciProfileName) -> Result<OciLock, OciError> {
        let path = self.session_lock_path(name);
        if let Some(sessions) = path.parent() {
            files::ensure_private_dir(sessions).map_err(files_error)?;
        }
        let what = format!("the session of profile `{name}`");
        Ok(OciLock::new(
            lock::lock_exclusive(&path, &what, LOCK_WAIT).await?,
        ))
    }

    async fn lock_db_token_dir(&self, dir: &Path) -> Result<OciLock, OciError> {
        files::ensure_private_dir(dir).map_err(files_error)?;
        let what = format!("the db-token directory {}", dir.display());
        let path = dir.join(files::DB_TOKEN_LOCK);
        Ok(OciLock::new(
            lock::lock_exclusive(&path, &what, LOCK_WAIT).await?,
        ))
    }

    async fn write_session_token(
        &self,
        profile: &OciProfile,
        token: &SessionToken,
    ) -> Result<(), OciError> {
        let path = profile
            .security_token_file
            .as_ref()
            .ok_or_else(|| OciError::NoSession {
                profile: profile.name.to_string(),
            })?;
        // The key on disk now, not the one read before the request: a tool that
        // does not take this lock (the OCI CLI) may have replaced the pair.
        let key_path = profile.key_file.as_ref().ok_or_else(|| {
            OciError::Config(format!(
                "profile [{}] has a session but no `key_file`",
                profile.name
            ))
        })?;
        let key_on_disk = PrivateKeyPem::new(read_secret_file(key_path)?);
        let bound = bound_public_key(token.expose_secret());
        if bound.is_none() || bound != keys::private_key_public_numbers(key_on_disk.expose_secret())
        {
            return Err(OciError::SessionChanged {
                profile: profile.name.to_string(),
            });
        }
        files::write_atomic(path, token.expose_secret().as_bytes()).map_err(files_error)
    }

    async fn save_new_session(
        &self,
        name: &OciProfileName,
        region: &Region,
        tenancy: &TenancyOcid,
        key: &KeyPair,
        token: &SessionToken,
    ) -> Result<PathBuf, OciError> {
        let dir = self.session_dir(name);
        let key_file = dir
            .join(files::SESSION_PRIVATE_KEY)
            .to_string_lossy()
            .into_owned();
        let token_file = dir
            .join(files::SESSION_TOKEN)
            .to_string_lossy()
            .into_owned();
        let entries = [
            ("fingerprint", key.fingerprint.as_str()),
            ("key_file", key_file.as_str()),
            ("tenancy", tenancy.as_str()),
            ("region", region.name()),
            ("security_token_file", token_file.as_str()),
        ];
        // Checked before anything is written: a refused entry leaves no new files behind.
        check_entries(name.as_str(), &entries).map_err(|e| self.refused(e))?;
        files::write_session_files(&dir, key, token.expose_secret()).map_err(files_error)?;
        record_login(&dir, key, token);
        // A session profile has no `user` (OCI's "Token-based Authentication
        // for the CLI"): the CLI refuses an API-key profile before it gets
        // here unless told to convert it, and converting drops the API key's
        // lines (the key file itself stays on disk).
        self.rewrite_profile_without(name, &entries, &["user", "pass_phrase"])?;
        Ok(dir)
    }

    async fn setup_profile(
        &self,
        name: &OciProfileName,
        tenancy: &TenancyOcid,
        region: &Region,
    ) -> Result<PathBuf, OciError> {
        // The guide's initial profile names the token file that `session
        // authenticate` will fill, so every tool agrees on where it lives;
        // not in a profile that holds an API key, which would then be taken
        // for a session profile by tools that look for the token file.
        let token_file = self.session_dir(name).join(files::SESSION_TOKEN);
        let token_file = token_file.to_string_lossy();
        let mut entries = vec![("tenancy", tenancy.as_str()), ("region", region.name())];
        if !self.holds_api_key(name)? {
            entries.push(("security_token_file", &token_file));
        }
        self.rewrite_profile(name, &entries)?;
        Ok(self.config_path.clone())
    }

    async fn write_db_token(
        &self,
        dir: &Path,
        token: &SessionToken,
        key: &KeyPair,
    ) -> Result<(), OciError> {
        files::write_db_token_files(dir, token.expose_secret(), key).map_err(files_error)
    }
}

#[async_trait]
impl OciKeys for FsOciFiles {
    async fn generate(&self, size: KeySize) -> Result<KeyPair, OciError> {
        // Key generation takes a noticeable moment: keep it off the async runtime's thread.
        tokio::task::spawn_blocking(move || keys::generate_key_pair(size))
            .await
            .map_err(|e| OciError::Other(format!("key generation was interrupted: {e}")))?
            .map_err(OciError::Other)
    }

    fn console_login_key(&self, key: &KeyPair) -> Result<ConsoleLoginKey, OciError> {
        let jwk = keys::public_key_jwk(&key.public_pem).map_err(OciError::Other)?;
        Ok(ConsoleLoginKey {
            public_key_param: keys::login_public_key(&key.public_pem).map_err(OciError::Other)?,
            public_numbers: RsaPublicNumbers::from_jwk_json(&jwk)
                .ok_or_else(|| OciError::Other("the generated public key has no RSA JWK".into()))?,
            nonce: keys::random_uuid(),
        })
    }
}
