//! TLS for the fakes: a certificate authority made at test time (rcgen) and
//! server certificates it signs, so the HTTP adapters and the binary cross a
//! real TLS handshake on loopback. Nothing is read from or written to the
//! system's trust store: a client trusts the CA only when given its PEM
//! (`--ca-bundle`), which is exactly what the tests check.
//!
//! The crypto provider is the workspace's one stack, taken from rustls'
//! crate features (`ServerConfig::builder`); rcgen's feature must match it.

use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A test certificate authority.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    /// A fresh CA (ECDSA P-256), valid from 1975 to 4096.
    pub fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names to check");
        params
            .distinguished_name
            .push(DnType::CommonName, "oci-iam-sso test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("a P-256 key");
        let pem = params.self_signed(&key).expect("a self-signed CA").pem();
        Self {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// The CA certificate in PEM: what `--ca-bundle` is given.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// Writes the CA certificate's PEM to `path`.
    pub fn write_pem(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, &self.pem)
    }

    /// A server certificate for `names` (IP addresses become IP names),
    /// valid now.
    pub fn server(&self, names: &[&str]) -> ServerCert {
        self.sign(names, false)
    }

    /// A server certificate for `names` that expired in 2000.
    pub fn expired_server(&self, names: &[&str]) -> ServerCert {
        self.sign(names, true)
    }

    fn sign(&self, names: &[&str], expired: bool) -> ServerCert {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("DNS names or IP addresses");
        params
            .distinguished_name
            .push(DnType::CommonName, "oci-iam-sso test server");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            params.not_before = rcgen::date_time_ymd(1999, 1, 1);
            params.not_after = rcgen::date_time_ymd(2000, 1, 1);
        }
        let key = KeyPair::generate().expect("a P-256 key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("a certificate signed by the test CA");
        ServerCert {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

/// A server certificate and its private key, ready to serve.
pub struct ServerCert {
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for ServerCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCert").finish_non_exhaustive()
    }
}

impl ServerCert {
    /// A TLS acceptor serving this certificate (HTTP/1.1 only).
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                self.chain.clone(),
                PrivateKeyDer::Pkcs8(self.key.clone_key()),
            )
            .expect("a certificate and its own key");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

/// How a fake serves: plain http (the default), or https with a certificate.
#[derive(Clone, Default)]
pub enum Serve {
    #[default]
    Http,
    Https(tokio_rustls::TlsAcceptor),
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Serve::Http => "Http",
            Serve::Https(_) => "Https",
        })
    }
}

impl Serve {
    /// https with `cert`.
    pub fn https(cert: &ServerCert) -> Self {
        Serve::Https(cert.acceptor())
    }

    /// The URL scheme.
    pub fn scheme(&self) -> &'static str {
        match self {
            Serve::Http => "http",
            Serve::Https(_) => "https",
        }
    }
}
