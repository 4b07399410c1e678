//! The table as users and scripts meet it: every kind of error with its exit
//! code, message and remedy, as a reviewed snapshot, and the codes scripts
//! rely on pinned one by one (so a blindly re-blessed snapshot still fails).

use std::fmt::Write as _;
use std::time::Duration;

use oci_iam_sso_domain::oci::{OciError, TenancyOcid, TenancyRefusal};
use oci_iam_sso_domain::{
    DeviceLoginFailure, Error, InvalidInput, OAuthError, ProfileName, ProviderError, StoreError,
    TransportFailure,
};

use super::{advice, exit};

fn name() -> ProfileName {
    ProfileName::new("epm").expect("valid name")
}

fn oauth(code: &str, description: Option<&str>, ecid: Option<&str>) -> OAuthError {
    OAuthError::classify(
        code,
        description.map(str::to_owned),
        ecid.map(str::to_owned),
    )
}

fn server(status: u16) -> ProviderError {
    ProviderError::Server {
        endpoint: "token endpoint".into(),
        status,
        retry_after: Some(Duration::from_secs(2)),
    }
}

fn transport(failure: TransportFailure) -> ProviderError {
    ProviderError::Transport {
        endpoint: "token endpoint".into(),
        failure,
        detail: "simulated".into(),
    }
}

fn rejected(endpoint: &str, status: u16) -> ProviderError {
    ProviderError::Rejected {
        endpoint: endpoint.into(),
        status,
    }
}

fn oci_service(error: ProviderError) -> Error {
    OciError::Service(error).into()
}

/// Every kind of error, the ones the old domain table showed first.
fn errors() -> Vec<Error> {
    let io = || StoreError::Io {
        location: "/store".into(),
        detail: "disk full".into(),
    };
    let ecid = Some("q7bN2-0042");
    let dbtoken = "database token http://127.0.0.1:1/v1/actions/generateScopedAccessToken";
    vec![
        InvalidInput::new("URL", "`x` has no host").into(),
        Error::Settings("OCI_IAM_SSO_LOCK_TIMEOUT is not a duration".into()),
        Error::UnknownProfile {
            profile: name(),
            known: vec![],
        },
        Error::UnknownProfile {
            profile: name(),
            known: vec![ProfileName::new("other").expect("valid name")],
        },
        Error::ProfileExists(name()),
        Error::NotLoggedIn(name()),
        Error::PersistFailed {
            profile: name(),
            source: io(),
        },
        Error::HttpStatus {
            what: "EPM".into(),
            status: 404,
        },
        Error::DeviceLogin {
            profile: name(),
            failure: DeviceLoginFailure::Expired,
        },
        Error::Provider(ProviderError::Unauthorized {
            endpoint: "https://epm.example.com".into(),
        }),
        Error::Provider(server(503)),
        Error::Provider(transport(TransportFailure::Timeout)),
        Error::Provider(ProviderError::Malformed {
            endpoint: "token endpoint".into(),
            problem: "not JSON".into(),
        }),
        Error::Store(StoreError::LockTimeout {
            waited: Duration::from_secs(30),
        }),
        Error::Store(StoreError::WrongKey {
            location: "/store".into(),
        }),
        Error::Store(StoreError::KeySourceMismatch {
            location: "/store".into(),
            made_with: "keyring".into(),
            opened_with: "keyfile".into(),
        }),
        Error::Store(StoreError::KeyUnavailable {
            reason: "no terminal".into(),
        }),
        Error::Store(StoreError::Conflict {
            attempted: 3,
            found: 4,
        }),
        Error::Store(io()),
        OciError::SessionExpired {
            profile: "DEFAULT".into(),
        }
        .into(),
        // What a refresh's OAuth error becomes (the domain's classification table).
        Error::RefreshTokenExpired {
            profile: name(),
            ecid: ecid.map(str::to_owned),
        },
        Error::RefreshTokenInvalid {
            profile: name(),
            ecid: None,
        },
        Error::RefreshChainBroken {
            profile: name(),
            ecid: ecid.map(str::to_owned),
        },
        Error::NoRefreshToken(name()),
        Error::ClientConfiguration {
            profile: name(),
            error: oauth("invalid_scope", Some("Invalid scope"), ecid),
        },
        Error::ClientConfiguration {
            profile: name(),
            error: oauth("invalid_client", Some("Client authentication failed"), ecid),
        },
        Error::ClientConfiguration {
            profile: name(),
            error: oauth("unauthorized_client", None, ecid),
        },
        Error::Provider(ProviderError::OAuth(oauth(
            "temporarily_unavailable",
            Some("Try later"),
            None,
        ))),
        Error::Provider(ProviderError::OAuth(oauth("access_denied", None, ecid))),
        Error::RefreshOutcomeUnknown {
            profile: name(),
            source: transport(TransportFailure::Interrupted),
        },
        Error::Provider(transport(TransportFailure::Connect)),
        Error::Provider(server(429)),
        Error::Provider(rejected("https://epm.example.com", 403)),
        Error::Provider(ProviderError::InvalidInput(InvalidInput::new(
            "URL",
            "`ftp://x` is not https",
        ))),
        Error::DeviceLogin {
            profile: name(),
            failure: DeviceLoginFailure::AccessDenied,
        },
        Error::DeviceLogin {
            profile: name(),
            failure: DeviceLoginFailure::Provider(transport(TransportFailure::Connect)),
        },
        Error::Store(StoreError::Corrupt {
            location: "/store".into(),
            detail: "not a database".into(),
        }),
        Error::Store(StoreError::TooNew {
            location: "/store".into(),
            found: 9,
            known: 3,
        }),
        // The token exchange.
        Error::NoClientSecret(name()),
        Error::TokenExchangeRefused {
            profile: name(),
            error: oauth("invalid_client", None, ecid),
        },
        Error::TokenExchangeRefused {
            profile: name(),
            error: oauth("invalid_grant", Some("Token is not active"), ecid),
        },
        Error::TokenExchangeRefused {
            profile: name(),
            error: oauth("unauthorized_client", None, ecid),
        },
        // OCI.
        OciError::RefreshRefused {
            profile: "DEFAULT".into(),
        }
        .into(),
        OciError::SessionInvalid {
            profile: "DEFAULT".into(),
        }
        .into(),
        OciError::NoSession {
            profile: "work".into(),
        }
        .into(),
        OciError::Config("~/.oci/config line 3: not `key=value`".into()).into(),
        tenancy(TenancyRefusal::Unnamed).into(),
        tenancy(TenancyRefusal::ClaimNotOcid).into(),
        oci_service(ProviderError::Unauthorized {
            endpoint: dbtoken.into(),
        }),
        oci_service(rejected(dbtoken, 403)),
        oci_service(rejected(dbtoken, 404)),
        oci_service(rejected(dbtoken, 400)),
        oci_service(ProviderError::Server {
            endpoint: dbtoken.into(),
            status: 500,
            retry_after: None,
        }),
        oci_service(ProviderError::Transport {
            endpoint: dbtoken.into(),
            failure: TransportFailure::Connect,
            detail: "connection refused".into(),
        }),
        OciError::malformed(
            "session token",
            "not a JWT (three dot-separated parts expected)",
        )
        .into(),
        OciError::Files {
            path: "/home/u/.oci/db-token".into(),
            detail: "permission denied".into(),
        }
        .into(),
        OciError::SessionChanged {
            profile: "DEFAULT".into(),
        }
        .into(),
        OciError::Locked {
            what: "the session of profile `DEFAULT`".into(),
            waited_secs: 30,
        }
        .into(),
        tenancy(TenancyRefusal::Changed {
            configured: TenancyOcid::parse("ocid1.tenancy.oc1..a").expect("a tenancy OCID"),
            logged_in: TenancyOcid::parse("ocid1.tenancy.oc1..b").expect("a tenancy OCID"),
        })
        .into(),
        OciError::Login("the browser sent no token".into()).into(),
        OciError::PortBusy {
            address: "127.0.0.1:8181".into(),
            port: 8181,
        }
        .into(),
        OciError::Other("cannot sign the request".into()).into(),
    ]
}

#[test]
fn exit_codes_and_remedies() {
    let mut table = String::new();
    for error in errors() {
        let advice = advice(&error);
        let remedy = advice.remedy.unwrap_or_else(|| "-".into());
        writeln!(
            table,
            "[{}] {error}\n     remedy: {remedy}",
            advice.exit_code
        )
        .expect("write to String");
    }
    insta::assert_snapshot!(table);
}

fn code(error: Error) -> u8 {
    advice(&error).exit_code
}

fn remedy(error: Error) -> String {
    advice(&error).remedy.unwrap_or_default()
}

#[test]
fn the_refresh_outcomes_have_their_exit_codes() {
    let expired = Error::RefreshTokenExpired {
        profile: name(),
        ecid: None,
    };
    assert_eq!(code(expired), exit::LOGIN_REQUIRED);
    let broken = Error::RefreshChainBroken {
        profile: name(),
        ecid: None,
    };
    assert_eq!(code(broken), exit::CHAIN_BROKEN);
    assert_eq!(exit::CHAIN_BROKEN, 6);
    let invalid = Error::RefreshTokenInvalid {
        profile: name(),
        ecid: None,
    };
    assert_eq!(code(invalid), exit::LOGIN_REQUIRED);
    let scope = Error::ClientConfiguration {
        profile: name(),
        error: oauth("invalid_scope", None, None),
    };
    assert_eq!(code(scope), exit::CLIENT_CONFIG);
    assert_eq!(code(Error::NotLoggedIn(name())), exit::NOT_LOGGED_IN);
    let busy = OciError::PortBusy {
        address: "127.0.0.1:8181".into(),
        port: 8181,
    };
    assert_eq!(code(busy.into()), exit::PORT_BUSY);
    assert_eq!(exit::PORT_BUSY, 19);
    assert!(remedy(Error::NoRefreshToken(name())).contains("offline_access"));
    let unknown = Error::RefreshOutcomeUnknown {
        profile: name(),
        source: transport(TransportFailure::Timeout),
    };
    let text = remedy(unknown);
    assert!(
        text.contains("if the server") && text.contains("login"),
        "{text}"
    );
}

#[test]
fn token_exchange_refusals_say_what_to_fix() {
    let refused = |code: &str| Error::TokenExchangeRefused {
        profile: name(),
        error: oauth(code, Some("refused"), None),
    };
    for (oauth_code, exit_code, fix) in [
        ("invalid_client", exit::CLIENT_CONFIG, "--client-secret-env"),
        (
            "invalid_grant",
            exit::LOGIN_REQUIRED,
            "oci-iam-sso login --profile epm",
        ),
        (
            "unauthorized_client",
            exit::CLIENT_CONFIG,
            "identity propagation trust",
        ),
    ] {
        assert_eq!(code(refused(oauth_code)), exit_code, "{oauth_code}");
        assert!(remedy(refused(oauth_code)).contains(fix), "{oauth_code}");
    }
    let no_secret = remedy(Error::NoClientSecret(name()));
    assert!(no_secret.contains("profile add epm") && no_secret.contains("--client-secret-env VAR"));
    assert_eq!(code(Error::NoClientSecret(name())), exit::CONFIG);
}

#[test]
fn an_oci_refusal_is_not_reported_as_service_trouble() {
    let trouble = remedy(oci_service(server(503)));
    assert_eq!(code(oci_service(server(503))), exit::SERVER);
    assert_eq!(code(oci_service(server(429))), exit::SERVER);
    for status in [400, 403, 404, 409] {
        let error = oci_service(rejected("database token", status));
        assert_eq!(code(oci_service(rejected("x", status))), exit::HTTP_STATUS);
        assert_ne!(remedy(error), trouble, "{status}");
    }
    assert!(remedy(oci_service(rejected("x", 403))).contains("IAM policy"));
    assert!(remedy(oci_service(rejected("x", 404))).contains("region"));
    let unauthorized = oci_service(ProviderError::Unauthorized {
        endpoint: "x".into(),
    });
    assert_eq!(code(unauthorized), exit::UNAUTHORIZED);
}

#[test]
fn the_oci_session_kinds_have_their_exit_codes() {
    let profile = || "DEFAULT".to_owned();
    let expired = OciError::SessionExpired { profile: profile() };
    assert_eq!(code(expired.into()), exit::SESSION_EXPIRED);
    let refused = remedy(OciError::RefreshRefused { profile: profile() }.into());
    assert!(
        refused.starts_with("the session can no longer be refreshed; log in again")
            && refused.contains("oci-iam-sso session authenticate --profile DEFAULT"),
        "{refused}"
    );
    let changed = tenancy(TenancyRefusal::Changed {
        configured: TenancyOcid::parse("ocid1.tenancy.oc1..a").expect("a tenancy OCID"),
        logged_in: TenancyOcid::parse("ocid1.tenancy.oc1..b").expect("a tenancy OCID"),
    });
    assert_eq!(code(Error::Oci(changed)), exit::DEVICE_LOGIN);
}

#[test]
fn remedies_quote_no_server_text() {
    // A description can echo what was sent; a remedy is written from the kind
    // and the profile name only.
    let echoed = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl-SECRET";
    let description = format!("bad token {echoed} from client 9f8e7d6c5b4a39281706f5e4d3c2b1a0");
    for code in ["invalid_grant", "invalid_client", "invalid_scope", "odd"] {
        let error = oauth(code, Some(&description), Some("ecid-SECRET"));
        for error in [
            Error::ClientConfiguration {
                profile: name(),
                error: error.clone(),
            },
            Error::TokenExchangeRefused {
                profile: name(),
                error: error.clone(),
            },
            Error::Provider(ProviderError::OAuth(error)),
        ] {
            let text = remedy(error);
            assert!(
                !text.contains("SECRET") && !text.contains("9f8e7d6c"),
                "{text}"
            );
        }
    }
}

fn tenancy(refusal: TenancyRefusal) -> OciError {
    OciError::Tenancy {
        profile: "DEFAULT".into(),
        refusal,
    }
}

#[test]
fn a_refused_certificate_names_the_problem_and_the_flag_and_exits_20() {
    use oci_iam_sso_domain::CertificateProblem;
    let refused = |problem: CertificateProblem| ProviderError::Certificate {
        endpoint: "token endpoint https://idcs.example.com/oauth2/v1/token".into(),
        problem,
    };
    let unknown = Error::Provider(refused(CertificateProblem::UnknownIssuer));
    assert_eq!(exit::TLS_CERTIFICATE, 20);
    assert!(unknown.to_string().contains("unknown issuer"), "{unknown}");
    assert_eq!(
        code(Error::Provider(refused(CertificateProblem::UnknownIssuer))),
        20
    );
    assert!(remedy(unknown).contains("--ca-bundle FILE"));
    // The OCI commands name the OCI CLI's flag.
    let oci = oci_service(refused(CertificateProblem::UnknownIssuer));
    assert!(remedy(oci).contains("--cert-bundle FILE"));
    let expired = Error::Provider(refused(CertificateProblem::Expired));
    assert!(expired.to_string().contains("expired"), "{expired}");
    assert!(remedy(expired).contains("clock"));
    let mismatch = oci_service(refused(CertificateProblem::NameMismatch));
    assert!(mismatch.to_string().contains("name mismatch"), "{mismatch}");
    assert!(remedy(mismatch).contains("host name"));
}
