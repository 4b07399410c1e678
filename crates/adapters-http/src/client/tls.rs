//! TLS trust: the extra CA bundles added to the platform's roots, and what a
//! refused server certificate means in words a user can act on.

use oci_iam_sso_domain::{CertificateProblem, InvalidInput, one_line};

/// The certificates of a PEM bundle; a file that cannot be read or holds no
/// certificate is refused (silently trusting nothing more would surface later
/// as an unexplained "unknown issuer").
pub(crate) fn read_ca_bundle(
    path: &std::path::Path,
) -> Result<Vec<reqwest::Certificate>, InvalidInput> {
    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| InvalidInput::new("CA file", format!("cannot read {shown}: {e}")))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
        InvalidInput::new(
            "CA file",
            format!("{shown} is not a PEM certificate bundle"),
        )
    })?;
    if certs.is_empty() {
        return Err(InvalidInput::new(
            "CA file",
            format!("{shown} contains no PEM certificate"),
        ));
    }
    Ok(certs)
}

/// The certificate problem in an error chain, when the TLS handshake refused
/// the server's certificate. Other TLS failures (a plain-http server, an
/// alert) are not certificate problems and stay transport failures.
pub(crate) fn certificate_problem(
    error: &(dyn std::error::Error + 'static),
) -> Option<CertificateProblem> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = rustls_error(e) {
            return classify(tls);
        }
        current = e.source();
    }
    None
}

/// `error` as rustls' error, looking inside `io::Error`s: their `source`
/// skips the error they wrap, and the TLS stack wraps one io::Error in
/// another (hyper-rustls around tokio-rustls).
fn rustls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let mut io = error.downcast_ref::<std::io::Error>()?;
    // A bound, not a loop on trust: each level is one wrapper.
    for _ in 0..8 {
        let inner = io.get_ref()?;
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        io = inner.downcast_ref::<std::io::Error>()?;
    }
    None
}

fn classify(error: &rustls::Error) -> Option<CertificateProblem> {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(problem) = error else {
        return None;
    };
    Some(match problem {
        C::UnknownIssuer => CertificateProblem::UnknownIssuer,
        C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
            CertificateProblem::Expired
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => CertificateProblem::NameMismatch,
        // The display of the other kinds names no secret; a certificate's
        // names could be long, so the text is kept short.
        other => CertificateProblem::Other(one_line(&format!("{other:?}"), 120)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_certificate_error_is_found_and_named() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        assert_eq!(
            certificate_problem(&io),
            Some(CertificateProblem::UnknownIssuer)
        );
        let alert = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
        );
        assert_eq!(certificate_problem(&alert), None);
        // As the TLS stack hands it up: an io::Error inside an io::Error.
        let nested = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName),
        ));
        assert_eq!(
            certificate_problem(&nested),
            Some(CertificateProblem::NameMismatch)
        );
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert_eq!(
            certificate_problem(&expired),
            Some(CertificateProblem::Expired)
        );
    }
}
