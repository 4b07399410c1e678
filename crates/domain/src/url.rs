//! URLs the tool sends credentials to: `https://`, or `http://` to loopback only.

use crate::InvalidInput;

/// A base URL that is safe to send tokens to.
///
/// `https` always; `http` only when the host is loopback (`127.0.0.0/8`, `::1`,
/// `localhost`), which is how the testkit fakes and local listeners run.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServiceUrl(url::Url);

impl ServiceUrl {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let trimmed = input.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else if let Some(scheme) = mistyped_scheme(trimmed) {
            // `htps:/host` once became `https://htps/host`: text that starts
            // with a scheme but lacks its `//` is a typo, not a host.
            return Err(InvalidInput::new(
                "URL",
                format!(
                    "`{trimmed}` is not a URL: `{scheme}:` without `//`; write https://HOST (http:// only to loopback)"
                ),
            ));
        } else {
            // The identity-domain guide writes hosts without a scheme.
            format!("https://{trimmed}")
        };
        let url = url::Url::parse(&with_scheme)
            .map_err(|e| InvalidInput::new("URL", format!("`{trimmed}` is not a URL ({e})")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidInput::new(
                "URL",
                "must not contain a user name or password",
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidInput::new("URL", format!("`{trimmed}` has no host")));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(InvalidInput::new(
                    "URL",
                    format!(
                        "`{trimmed}` uses http://; only https:// is allowed (http:// only to loopback)"
                    ),
                ));
            }
            other => {
                return Err(InvalidInput::new(
                    "URL",
                    format!("`{trimmed}` has scheme `{other}`; use https://"),
                ));
            }
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn as_url(&self) -> &url::Url {
        &self.0
    }

    /// The URL without a trailing slash, as users write it.
    pub fn base(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// Appends an absolute path (`/oauth2/v1/token`) to the base URL, keeping any
    /// path prefix the base already has. A query or fragment of the base is not
    /// part of the prefix (appending after it would put the path in the query).
    pub fn join_path(&self, path: &str) -> Result<Self, InvalidInput> {
        let path = path.trim_start_matches('/');
        let mut prefix = self.0.clone();
        prefix.set_query(None);
        prefix.set_fragment(None);
        let prefix = prefix.as_str().trim_end_matches('/');
        let joined = Self::parse(&format!("{prefix}/{path}"))?;
        // The path comes after the authority and a `/`, so it cannot name
        // another host; checked anyway, because the token goes wherever this points.
        if !joined.same_origin(self) {
            return Err(InvalidInput::new(
                "URL path",
                format!("`{path}` would leave {}", self.origin()),
            ));
        }
        Ok(joined)
    }

    /// Whether both have the same scheme, host and port (an RFC 6454 origin):
    /// the unit a token may be sent to.
    pub fn same_origin(&self, other: &ServiceUrl) -> bool {
        self.0.origin() == other.0.origin()
    }

    /// `scheme://host[:port]`, to name where a URL points in messages (no
    /// path, query or fragment, which can carry secrets).
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }

    /// This URL reduced to its origin (`scheme://host[:port]`), and whether
    /// anything (a path, a query, a fragment) was dropped to get there.
    ///
    /// An identity domain lives at the root of its host
    /// (`https://idcs-….identity.oraclecloud.com`, with discovery at
    /// `/.well-known/openid-configuration`, OpenID Connect Discovery 1.0 §4),
    /// so a URL pasted from the console (`…/ui/v1/adminconsole`) means its origin.
    pub fn to_origin(&self) -> (Self, bool) {
        let mut origin = self.0.clone();
        origin.set_path("/");
        origin.set_query(None);
        origin.set_fragment(None);
        let dropped = origin != self.0;
        (Self(origin), dropped)
    }
}

/// The scheme of text like `htps:/host` or `https:host`: a scheme and a `:`
/// with no `//` after it. `host:8443` is a host and port, not a scheme.
fn mistyped_scheme(input: &str) -> Option<&str> {
    let (scheme, rest) = input.split_once(':')?;
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-'));
    (is_scheme && !rest.starts_with(|c: char| c.is_ascii_digit())).then_some(scheme)
}

/// Where a request named by a user goes: a full URL, or a path of the
/// profile's resource URL.
///
/// A scheme is never guessed here. Only text that starts with a scheme
/// (`https://…`, `http://…` to loopback) is a URL; anything else, with or
/// without a leading `/`, is a path. Guessing `https://` for `interop/rest/…`
/// once sent the bearer token to a host named `interop`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestTarget {
    /// Typed in full, scheme included; held to the [`ServiceUrl`] rule.
    Url(ServiceUrl),
    /// To be joined to a base with [`RequestTarget::resolve`].
    Path(String),
}

impl RequestTarget {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let input = input.trim();
        // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
        let has_scheme = input.split_once("://").is_some_and(|(scheme, _)| {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        if has_scheme {
            ServiceUrl::parse(input).map(Self::Url)
        } else {
            Ok(Self::Path(input.to_owned()))
        }
    }

    /// The URL the request goes to; a path needs `base` (`None` when there is
    /// no base to join it to).
    pub fn resolve(&self, base: Option<&ServiceUrl>) -> Option<Result<ServiceUrl, InvalidInput>> {
        match self {
            Self::Url(url) => Some(Ok(url.clone())),
            Self::Path(path) => base.map(|base| base.join_path(path)),
        }
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl std::fmt::Display for ServiceUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.base())
    }
}

impl std::fmt::Debug for ServiceUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceUrl({})", self.base())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_bare_hosts() {
        let url = ServiceUrl::parse("idcs-abc.identity.oraclecloud.com").expect("valid url");
        assert_eq!(url.base(), "https://idcs-abc.identity.oraclecloud.com");
        assert!(ServiceUrl::parse("https://idcs-abc.identity.oraclecloud.com/").is_ok());
    }

    #[test]
    fn http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.3.4.5",
        ] {
            assert!(ServiceUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://x",
        ] {
            assert!(ServiceUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_credentials_and_garbage() {
        assert!(ServiceUrl::parse("https://user:pw@host").is_err());
        assert!(ServiceUrl::parse("https://").is_err());
        assert!(ServiceUrl::parse("not a url at all").is_err());
    }

    #[test]
    fn a_scheme_without_its_slashes_is_refused_not_taken_for_a_host() {
        for bad in [
            "htps:/host",
            "https:/idcs-abc.example.com",
            "https:host",
            "http:/127.0.0.1",
        ] {
            let error = ServiceUrl::parse(bad).expect_err(bad).to_string();
            assert!(error.contains("without `//`"), "{bad}: {error}");
        }
        for ok in [
            "localhost:8443",
            "idcs-abc.example.com:443/x",
            "127.0.0.1:9",
        ] {
            assert!(ServiceUrl::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn to_origin_drops_a_console_path_and_says_so() {
        let console =
            ServiceUrl::parse("https://idcs-x.identity.oraclecloud.com/ui/v1/adminconsole?x=1#y")
                .expect("valid url");
        let (origin, dropped) = console.to_origin();
        assert_eq!(origin.base(), "https://idcs-x.identity.oraclecloud.com");
        assert!(dropped);
        let (same, dropped) = ServiceUrl::parse("https://idcs-x.identity.oraclecloud.com/")
            .expect("valid url")
            .to_origin();
        assert_eq!(same.base(), "https://idcs-x.identity.oraclecloud.com");
        assert!(!dropped);
    }

    #[test]
    fn join_keeps_prefix() {
        let url = ServiceUrl::parse("http://127.0.0.1:9/tenant/").expect("valid url");
        assert_eq!(
            url.join_path("/oauth2/v1/token").expect("joins").as_str(),
            "http://127.0.0.1:9/tenant/oauth2/v1/token"
        );
    }
}
