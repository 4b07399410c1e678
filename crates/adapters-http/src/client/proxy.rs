//! Which proxy https:// requests go through: `--proxy` / the `proxy` setting,
//! else `HTTPS_PROXY` (`https_proxy`), else `ALL_PROXY` (`all_proxy`), as curl
//! reads them; `NO_PROXY` (`no_proxy`) exempts hosts in every case.
//!
//! Only https:// requests are proxied: plain http:// is only ever sent to
//! loopback (a `ServiceUrl` refuses anything else), which no remote proxy can
//! reach, so `HTTP_PROXY` has nothing to apply to. Loopback https:// is not
//! exempt unless `NO_PROXY` says so (curl and Python's requests, which the OCI
//! CLI uses, behave the same).
//!
//! A proxy URL can carry a user name and password: [`ProxyUrl`] shows neither
//! in `Debug` or `Display`, and no error quotes a proxy URL.

/// A proxy URL (`http://` or `https://`, with a host). Its user info is
/// never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(url::Url);

impl ProxyUrl {
    /// Checks `text`; the error never quotes it (it may hold a password).
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let url = url::Url::parse(text.trim())
            .map_err(|_| "is not a URL like http://proxy.example.com:3128")?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("is not an http:// or https:// proxy URL (SOCKS is not supported)");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("has no host");
        }
        Ok(Self(url))
    }

    /// The URL with its credentials, for the HTTP client only.
    fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the URL carries a user name or password.
    pub fn has_credentials(&self) -> bool {
        !self.0.username().is_empty() || self.0.password().is_some()
    }
}

impl std::fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.has_credentials() {
            // Written out, not set on the URL: `url` would percent-encode the brackets.
            let url = &self.0;
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            return write!(
                f,
                "{}://[redacted]@{}{port}{}",
                url.scheme(),
                url.host_str().unwrap_or_default(),
                url.path().trim_end_matches('/')
            );
        }
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// The proxy https:// requests go through, and where it was named.
#[derive(Debug)]
pub struct ProxyChoice {
    /// `setting` (from `--proxy` or the `proxy` setting) or the variable's name.
    pub source: &'static str,
    pub url: ProxyUrl,
    /// `NO_PROXY` (or `no_proxy`) and its host list, when set.
    pub exempt: Option<(&'static str, String)>,
}

/// The one rule for which proxy is used: the configured one, else the first
/// of `HTTPS_PROXY`, `https_proxy`, `ALL_PROXY`, `all_proxy` (as curl and the
/// OCI CLI's requests read them); plain http:// requests (loopback only) are
/// never proxied; `NO_PROXY` exempts hosts. `None`: connect directly. A bad
/// variable is an error naming it, never quoting it.
pub fn choose_proxy(
    configured: Option<&ProxyUrl>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyChoice>, oci_iam_sso_domain::InvalidInput> {
    use oci_iam_sso_domain::InvalidInput;
    let (source, url) = match configured {
        Some(proxy) => ("setting", proxy.clone()),
        None => {
            let Some((name, text)) = first_env(
                env,
                &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
            ) else {
                return Ok(None);
            };
            let url = ProxyUrl::parse(&text).map_err(|problem| InvalidInput::new(name, problem))?;
            (name, url)
        }
    };
    Ok(Some(ProxyChoice {
        source,
        url,
        exempt: first_env(env, &["NO_PROXY", "no_proxy"]),
    }))
}

/// The proxy for https:// requests, or `None` to connect directly.
pub(super) fn https_proxy(
    configured: Option<&ProxyUrl>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<reqwest::Proxy>, oci_iam_sso_domain::InvalidInput> {
    let Some(choice) = choose_proxy(configured, env)? else {
        return Ok(None);
    };
    let exempt = choice.exempt.map(|(_, list)| list).unwrap_or_default();
    let proxy = reqwest::Proxy::https(choice.url.expose())
        .map_err(|_| oci_iam_sso_domain::InvalidInput::new("proxy", "is not a proxy URL"))?;
    Ok(Some(proxy.no_proxy(reqwest::NoProxy::from_string(&exempt))))
}

/// The first of `names` that is set and not blank, with its name.
fn first_env(
    env: &dyn Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Option<(&'static str, String)> {
    names.iter().find_map(|name| {
        env(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
            .map(|value| (*name, value))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn credentials_are_never_shown() {
        let proxy = ProxyUrl::parse("http://alice:s3cret@proxy.corp:3128").unwrap();
        for shown in [proxy.to_string(), format!("{proxy:?}")] {
            assert!(
                !shown.contains("s3cret") && !shown.contains("alice"),
                "{shown}"
            );
            assert!(shown.contains("proxy.corp:3128"), "{shown}");
        }
        assert_eq!(proxy.to_string(), "http://[redacted]@proxy.corp:3128");
        assert!(proxy.has_credentials());
        let plain = ProxyUrl::parse("http://proxy.corp:3128").unwrap();
        assert_eq!(plain.to_string(), "http://proxy.corp:3128");
    }

    #[test]
    fn a_bad_proxy_is_refused_without_quoting_it() {
        for bad in ["socks5://u:s3cret@h:1080", "not a url s3cret", "http://"] {
            let problem = ProxyUrl::parse(bad).unwrap_err();
            assert!(!problem.contains("s3cret"), "{problem}");
        }
        let error =
            https_proxy(None, &vars(&[("HTTPS_PROXY", "socks5://u:s3cret@h:1")])).unwrap_err();
        assert_eq!(error.what, "HTTPS_PROXY");
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }

    #[test]
    fn the_setting_wins_then_https_proxy_then_all_proxy() {
        assert!(https_proxy(None, &vars(&[])).unwrap().is_none());
        assert!(
            https_proxy(None, &vars(&[("HTTP_PROXY", "http://h:1")]))
                .unwrap()
                .is_none()
        );
        for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
            assert!(
                https_proxy(None, &vars(&[(var, "http://h:1")]))
                    .unwrap()
                    .is_some(),
                "{var}"
            );
        }
        // A bad variable does not matter when the setting names the proxy.
        let configured = ProxyUrl::parse("http://h:1").unwrap();
        assert!(
            https_proxy(Some(&configured), &vars(&[("HTTPS_PROXY", "socks5://x")]))
                .unwrap()
                .is_some()
        );
    }
}
