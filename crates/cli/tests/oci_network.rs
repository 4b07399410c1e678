//! The OCI commands on real networks: the fake OCI auth service over https
//! (a CA made at test time, trusted through the OCI CLI's `--cert-bundle` /
//! `OCI_CLI_CERT_BUNDLE`), through a CONNECT proxy, and against a fake that
//! stalls (the timeouts, with the OCI CLI's `--connection-timeout` and
//! `--read-timeout`, and the settings).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::process::Output;

use oci_iam_sso_adapters_store::{FsOciFiles, generate_key_pair};
use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{KeySize, OciFiles as _, OciProfileName, TenancyOcid};
use oci_iam_sso_testkit::oci::{FAKE_TENANCY, FakeOciAuth, FakeOciConfig, HeldEndpoint};
use oci_iam_sso_testkit::proxy::{ConnectProxy, ProxyConfig};
use oci_iam_sso_testkit::tls::{Serve, TestCa};

struct Env {
    fake: FakeOciAuth,
    home: tempfile::TempDir,
    bundle: String,
}

async fn https_env() -> Env {
    let ca = TestCa::new();
    let fake = FakeOciAuth::start(FakeOciConfig {
        serve: Serve::https(&ca.server(&["127.0.0.1", "localhost"])),
        ..FakeOciConfig::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let bundle = home.path().join("corp-ca.pem");
    ca.write_pem(&bundle).unwrap();
    let env = Env {
        fake,
        home,
        bundle: bundle.display().to_string(),
    };
    env.session().await;
    env
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Env {
    async fn run(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCI_CLI_ENDPOINT", self.fake.url())
            .envs(vars.iter().copied())
            .stdin(std::process::Stdio::null());
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    async fn session(&self) {
        let key = generate_key_pair(KeySize::Rsa2048).unwrap();
        let token = self.fake.control().mint_session(&key.public_pem).unwrap();
        let files = FsOciFiles::new(
            self.home.path().join(".oci/config"),
            self.home.path().into(),
            None,
        );
        files
            .save_new_session(
                &OciProfileName::new("DEFAULT").unwrap(),
                &files.region("us-ashburn-1").unwrap(),
                &TenancyOcid::parse(FAKE_TENANCY).unwrap(),
                &key,
                &SessionToken::new(token),
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn refresh_validate_and_db_token_run_over_https_with_the_cert_bundle() {
    let env = https_env().await;
    assert!(env.fake.url().starts_with("https://"), "{}", env.fake.url());
    let bundle = env.bundle.as_str();
    for (args, vars) in [
        (
            &["session", "refresh", "--cert-bundle", bundle][..],
            &[][..],
        ),
        (&["session", "validate"], &[("OCI_CLI_CERT_BUNDLE", bundle)]),
        (
            &["db-token", "get", "--auth", "security_token"],
            &[("OCI_IAM_SSO_CA_BUNDLE", bundle)],
        ),
    ] {
        let output = env.run(args, vars).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    let counters = env.fake.control().counters();
    assert_eq!(counters.signature_failures, 0);
}

#[tokio::test]
async fn without_the_bundle_the_oci_flag_is_named() {
    let env = https_env().await;
    let output = env.run(&["db-token", "get"], &[]).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(20), "{stderr}");
    assert!(stderr.contains("unknown issuer"), "{stderr}");
    assert!(stderr.contains("--cert-bundle FILE"), "{stderr}");
    assert!(!env.home.path().join(".oci/db-token/token").exists());
}

#[tokio::test]
async fn plain_http_endpoints_are_loopback_only() {
    let env = https_env().await;
    for endpoint in ["http://auth.example.com", "http://10.0.0.1:8080"] {
        let output = env
            .run(&["session", "refresh", "--endpoint", endpoint], &[])
            .await;
        assert_eq!(
            output.status.code(),
            Some(3),
            "{endpoint}: {}",
            text(&output.stderr)
        );
    }
}

#[tokio::test]
async fn the_oci_calls_go_through_the_proxy_unless_no_proxy_exempts_them() {
    let env = https_env().await;
    let proxy = ConnectProxy::start(ProxyConfig::default()).await.unwrap();
    let target = env.fake.url().trim_start_matches("https://").to_owned();
    let bundle = env.bundle.as_str();
    for command in [&["session", "refresh"][..], &["db-token", "get"]] {
        let output = env
            .run(
                command,
                &[
                    ("HTTPS_PROXY", proxy.url()),
                    ("OCI_CLI_CERT_BUNDLE", bundle),
                ],
            )
            .await;
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    }
    assert_eq!(proxy.tunnels(), vec![target.clone(), target]);
    let output = env
        .run(
            &["session", "refresh", "--proxy", proxy.url()],
            &[("NO_PROXY", "127.0.0.1"), ("OCI_CLI_CERT_BUNDLE", bundle)],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(proxy.tunnels().len(), 2, "NO_PROXY bypasses the proxy");
}

#[tokio::test]
async fn a_stalled_answer_times_out_with_the_read_timeout_or_the_setting() {
    let env = https_env().await;
    let bundle = env.bundle.as_str();
    // Answers that never come: the client gives up, and nothing is written.
    let _refresh = env.fake.control().hold(HeldEndpoint::Refresh);
    let _db = env.fake.control().hold(HeldEndpoint::DbToken);
    for (args, vars) in [
        (
            &["db-token", "get", "--read-timeout", "1"][..],
            &[("OCI_CLI_CERT_BUNDLE", bundle)][..],
        ),
        (
            &["session", "refresh"],
            &[
                ("OCI_CLI_CERT_BUNDLE", bundle),
                ("OCI_IAM_SSO_REQUEST_TIMEOUT", "1s"),
            ],
        ),
    ] {
        let output = env.run(args, vars).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(10), "{args:?}: {stderr}");
        assert!(stderr.contains("no complete answer in time"), "{stderr}");
    }
    assert!(!env.home.path().join(".oci/db-token/token").exists());
}

#[tokio::test]
async fn a_stalled_connection_times_out_with_the_connection_timeout() {
    let env = https_env().await;
    let proxy = ConnectProxy::start(ProxyConfig {
        credentials: None,
        stall: true,
    })
    .await
    .unwrap();
    let output = env
        .run(
            &["session", "refresh", "--connection-timeout", "1"],
            &[
                ("HTTPS_PROXY", proxy.url()),
                ("OCI_CLI_CERT_BUNDLE", &env.bundle),
            ],
        )
        .await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(10), "{stderr}");
    let output = env
        .run(&["session", "refresh", "--connection-timeout", "0"], &[])
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}
