//! The store URL (`postgres://user:password@host:port/db?…`), its redacted
//! form for messages, TLS with the project's one rustls stack, and opening a
//! connection with the store's timeouts.
//!
//! The password is read once into `tokio_postgres::Config` and never shown:
//! every message names [`Target::location`], built from the user, host, port
//! and database only; a URL that does not parse is reported without echoing it.

use std::sync::Arc;
use std::time::Duration;

use oci_iam_sso_domain::StoreError;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;
use tracing::debug;

use super::PostgresOptions;

/// Where the store lives, parsed and checked.
pub(crate) struct Target {
    pub(crate) config: Config,
    pub(crate) tls: MakeRustlsConnect,
    /// `postgres://user@host:port/db` (schema `s`): safe to print.
    pub(crate) location: String,
    /// The schema the store's tables live in (our own `schema` URL parameter).
    pub(crate) schema: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "oci_iam_sso";

fn bad_url(detail: impl Into<String>) -> StoreError {
    StoreError::Io {
        location: "the PostgreSQL store URL".to_owned(),
        detail: detail.into(),
    }
}

/// Whether `host` is this machine: the only place a connection without TLS
/// may go (the project's rule for HTTP too).
fn is_local(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

impl Target {
    /// Parses `url` (`postgres://` or `postgresql://`). Our own parameters,
    /// `schema` and `sslrootcert`, are taken out before the rest goes to
    /// tokio-postgres. TLS is required (and the server's certificate verified)
    /// for any host but loopback; `sslmode=disable` there is refused.
    pub(crate) fn parse(url: &str, options: &PostgresOptions) -> Result<Target, StoreError> {
        let parsed = url::Url::parse(url.trim()).map_err(|_| {
            bad_url("it is not a URL (expected postgres://user@host:port/database)")
        })?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(bad_url(format!(
                "its scheme is `{}`; expected postgres://",
                parsed.scheme()
            )));
        }
        let password = parsed.password().map(str::to_owned);
        let mut schema = DEFAULT_SCHEMA.to_owned();
        let mut root_cert = None;
        let mut passed = parsed.clone();
        passed.set_query(None);
        {
            let mut query = passed.query_pairs_mut();
            for (name, value) in parsed.query_pairs() {
                match &*name {
                    "schema" => schema = value.into_owned(),
                    "sslrootcert" => root_cert = Some(value.into_owned()),
                    _ => {
                        query.append_pair(&name, &value);
                    }
                }
            }
        }
        let mut passed = passed.to_string();
        if passed.ends_with('?') {
            passed.pop();
        }
        if schema.is_empty()
            || schema.len() > 63
            || !schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(bad_url(
                "its `schema` must be 1 to 63 lower-case letters, digits or `_`",
            ));
        }
        let mut config: Config = passed.parse().map_err(|e: tokio_postgres::Error| {
            let detail = e.to_string();
            match &password {
                Some(p) if detail.contains(p.as_str()) => bad_url("it does not parse"),
                _ => bad_url(format!("it does not parse: {detail}")),
            }
        })?;
        if config.get_hosts().is_empty() {
            return Err(bad_url("it names no host"));
        }
        let local = config.get_hosts().iter().all(is_local);
        if !local {
            if config.get_ssl_mode() == SslMode::Disable {
                return Err(bad_url(
                    "sslmode=disable is allowed only to a server on this machine (127.0.0.1, ::1, a Unix socket); remove it",
                ));
            }
            config.ssl_mode(SslMode::Require);
        }
        config
            .connect_timeout(options.connect_timeout)
            .keepalives(true)
            // A server that vanished is noticed within about a minute, not hours.
            .keepalives_idle(Duration::from_secs(30))
            .application_name("oci-iam-sso");
        let location = location(&config, &schema);
        let tls = tls(root_cert.as_deref()).map_err(|detail| StoreError::Io {
            location: location.clone(),
            detail,
        })?;
        Ok(Target {
            config,
            tls,
            location,
            schema,
        })
    }

    /// Opens a connection and sets the session: the store's schema, the lock
    /// and statement timeouts, and durable commits.
    pub(crate) async fn connect(&self, options: &PostgresOptions) -> Result<Client, StoreError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.error(options, &e))?;
        let location = self.location.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                debug!(%location, %error, "PostgreSQL connection ended");
            }
        });
        let lock_ms = options.lock_timeout.as_millis().max(1);
        // A statement that is not waiting for a lock still ends: a server that
        // stops answering must not hang a cron job.
        let statement_ms = lock_ms + options.connect_timeout.as_millis().max(1) * 3;
        client
            .batch_execute(&format!(
                "SET search_path TO \"{schema}\"; SET lock_timeout = {lock_ms}; \
                 SET statement_timeout = {statement_ms}; SET synchronous_commit = on; \
                 SET idle_in_transaction_session_timeout = 0",
                schema = self.schema
            ))
            .await
            .map_err(|e| self.error(options, &e))?;
        Ok(client)
    }

    /// The port's error for a failed PostgreSQL call. A lock that did not come
    /// within `lock_timeout` is a `LockTimeout`; anything else is `Io` with a
    /// one-line reason that names no value (bound parameters are never echoed).
    pub(crate) fn error(
        &self,
        options: &PostgresOptions,
        error: &tokio_postgres::Error,
    ) -> StoreError {
        store_error(&self.location, options.lock_timeout, error)
    }
}

pub(crate) fn store_error(
    location: &str,
    waited: Duration,
    error: &tokio_postgres::Error,
) -> StoreError {
    use tokio_postgres::error::SqlState;
    if let Some(db) = error.as_db_error() {
        if *db.code() == SqlState::LOCK_NOT_AVAILABLE {
            return StoreError::LockTimeout { waited };
        }
        return StoreError::Io {
            location: location.to_owned(),
            detail: format!(
                "the server answered {} ({})",
                oci_iam_sso_domain::one_line(db.message(), 200),
                db.code().code()
            ),
        };
    }
    let detail = if error.is_closed() {
        "the connection to the server was lost (is the PostgreSQL server running?)".to_owned()
    } else {
        // "error connecting to server: Connection refused (os error 111)" and
        // the like: the chain names the cause, never the URL.
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let more = cause.to_string();
            if !text.contains(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            source = cause.source();
        }
        oci_iam_sso_domain::one_line(&text, 300)
    };
    StoreError::Io {
        location: location.to_owned(),
        detail,
    }
}

fn location(config: &Config, schema: &str) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) if name.contains(':') => format!("[{name}]"),
        Some(Host::Tcp(name)) => name.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => String::new(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{host}:{port}/{db} (schema {schema})")
}

/// rustls with the provider the process already uses (the HTTP client
/// installs the workspace's one), else the workspace's provider: switching
/// ring for aws-lc-rs is this one line and the workspace's feature.
fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

/// Verifies the server against the platform's roots, or only against the CA
/// in `root_cert` (libpq's `sslrootcert`) when given.
fn tls(root_cert: Option<&str>) -> Result<MakeRustlsConnect, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let builder = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS settings: {e}"))?;
    let config = match root_cert {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read sslrootcert {path}: {e}"))?;
            for cert in certs {
                let cert = cert.map_err(|e| format!("cannot read sslrootcert {path}: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("sslrootcert {path} holds a bad certificate: {e}"))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::BuilderVerifierExt;
            builder
                .with_platform_verifier()
                .map_err(|e| format!("TLS roots: {e}"))?
                .with_no_client_auth()
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn options() -> PostgresOptions {
        PostgresOptions::default()
    }

    #[test]
    fn the_location_never_shows_the_password() {
        let target = Target::parse(
            "postgres://fleet:s3cr3t-PASSWORD@db.example.com:6543/tokens?schema=team_a",
            &options(),
        )
        .unwrap();
        assert_eq!(
            target.location,
            "postgres://fleet@db.example.com:6543/tokens (schema team_a)"
        );
        assert!(!format!("{target:?}").contains("s3cr3t"));
        assert_eq!(target.config.get_ssl_mode(), SslMode::Require);
    }

    #[test]
    fn tls_is_required_off_this_machine() {
        let err = Target::parse(
            "postgres://fleet:s3cr3t-PASSWORD@db.example.com/tokens?sslmode=disable",
            &options(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("sslmode=disable"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let local = Target::parse("postgres://u:p@127.0.0.1:5/d?sslmode=disable", &options());
        assert!(local.is_ok());
    }

    #[test]
    fn a_bad_url_is_not_echoed() {
        for url in [
            "postgres://u:s3cr3t-PASSWORD@h/d?sslmode=sometimes",
            "mysql://u:s3cr3t-PASSWORD@h/d",
            "postgres://u:s3cr3t-PASSWORD@h/d?schema=Bad-Name",
            "not a url s3cr3t-PASSWORD",
        ] {
            let err = Target::parse(url, &options()).unwrap_err().to_string();
            assert!(!err.contains("s3cr3t"), "{err}");
        }
    }
}
