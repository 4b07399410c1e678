//! `oke token` and `oke kubeconfig`, the real binary against the fake OCI
//! service: the credential has the OCI CLI's shape, the fake accepts its
//! token, an expiring session is refreshed first, and a session that cannot
//! be refreshed fails at once in one line with stdin closed.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use std::process::Output;
use std::time::Duration;

use oci_iam_sso_testkit::oci::{FAKE_USER, FakeOciAuth, FakeOciConfig};

const CLUSTER: &str = "ocid1.cluster.oc1.eu-frankfurt-1.aaaaaaaexamplecluster";

struct Env {
    fake: FakeOciAuth,
    home: tempfile::TempDir,
}

impl Env {
    async fn new() -> Self {
        Self {
            fake: FakeOciAuth::start(FakeOciConfig::default()).await.unwrap(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs the binary off the runtime's thread (the fake keeps answering),
    /// with stdin closed: a prompt would fail, not hang.
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oci-iam-sso"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCI_CLI_ENDPOINT", self.fake.url())
            .stdin(std::process::Stdio::null());
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    /// A session of profile `name` minted by the fake with `ttl`.
    async fn session(&self, name: &str, ttl: Duration) {
        self.fake.control().set_token_ttl(ttl);
        support::oci::save_minted_session(&self.fake.control(), self.home.path(), name).await;
        self.fake.control().set_token_ttl(Duration::from_secs(3600));
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn oke_token_prints_an_exec_credential_the_fake_accepts() {
    let env = Env::new().await;
    env.session("DEFAULT", Duration::from_secs(3600)).await;
    let output = env
        .run(&[
            "oke",
            "token",
            "--cluster-id",
            CLUSTER,
            "--region",
            "eu-frankfurt-1",
        ])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
    let credential: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let token = credential["status"]["token"].as_str().unwrap().to_owned();
    let verified = env.fake.control().verify_cluster_token(&token).unwrap();
    assert_eq!(verified.cluster, CLUSTER);
    assert_eq!(verified.subject, FAKE_USER);
    assert_eq!(env.fake.control().counters().refreshes, 0);

    // The OCI CLI's ExecCredential, field by field (the token and the time redacted).
    let expires = credential["status"]["expirationTimestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(expires.ends_with('Z') && expires.len() == 20, "{expires}");
    insta::assert_snapshot!(
        text(&output.stdout)
            .replace(&token, "[token]")
            .replace(&expires, "[now + 4 min, RFC 3339 UTC]"),
        @r#"
    {
      "apiVersion": "client.authentication.k8s.io/v1beta1",
      "kind": "ExecCredential",
      "status": {
        "token": "[token]",
        "expirationTimestamp": "[now + 4 min, RFC 3339 UTC]"
      }
    }
    "#
    );
}

#[tokio::test]
async fn a_session_about_to_expire_is_refreshed_before_the_token_is_made() {
    let env = Env::new().await;
    env.session("prod", Duration::from_secs(120)).await;
    let output = env
        .run(&["oke", "token", "--cluster-id", CLUSTER, "--profile", "prod"])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(env.fake.control().counters().refreshes, 1);
    let credential: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    env.fake
        .control()
        .verify_cluster_token(credential["status"]["token"].as_str().unwrap())
        .unwrap();
}

#[tokio::test]
async fn a_session_that_cannot_be_refreshed_fails_at_once_in_one_line() {
    let env = Env::new().await;
    // Expiring soon, and the service refuses the refresh (the 24-hour cap).
    env.session("DEFAULT", Duration::from_secs(60)).await;
    env.fake.control().expire_sessions();
    let started = std::time::Instant::now();
    let output = env.run(&["oke", "token", "--cluster-id", CLUSTER]).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(17), "{stderr}");
    assert_eq!(text(&output.stdout), "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: oke token: "), "{stderr}");
    assert!(
        stderr.contains("session authenticate --profile DEFAULT"),
        "{stderr}"
    );
    assert!(!stderr.contains("ST$"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn an_expired_session_fails_without_a_request() {
    let env = Env::new().await;
    env.session("DEFAULT", Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let output = env.run(&["oke", "token", "--cluster-id", CLUSTER]).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(17), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(env.fake.control().counters().refreshes, 0);
}

#[tokio::test]
async fn a_bad_cluster_id_is_a_usage_error_in_one_line() {
    let env = Env::new().await;
    env.session("DEFAULT", Duration::from_secs(3600)).await;
    let output = env.run(&["oke", "token", "--cluster-id", "fakeocid"]).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn oke_kubeconfig_prints_the_exec_user_and_merges_it_into_a_file() {
    let env = Env::new().await;
    env.session("prod", Duration::from_secs(3600)).await;
    let output = env
        .run(&[
            "oke",
            "kubeconfig",
            "--cluster-id",
            CLUSTER,
            "--profile",
            "prod",
        ])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let binary = env!("CARGO_BIN_EXE_oci-iam-sso");
    insta::assert_snapshot!(text(&output.stdout).replace(binary, "[this binary]"), @r"
    users:
    - name: oci-iam-sso-prod-mplecluster
      user:
        exec:
          apiVersion: client.authentication.k8s.io/v1beta1
          command: [this binary]
          args:
          - oke
          - token
          - --cluster-id
          - ocid1.cluster.oc1.eu-frankfurt-1.aaaaaaaexamplecluster
          - --region
          - us-ashburn-1
          - --profile
          - prod
          interactiveMode: Never
    ");

    let kubeconfig = env.home.path().join(".kube/config");
    std::fs::create_dir_all(kubeconfig.parent().unwrap()).unwrap();
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://k\nusers:\n- name: other\n  user:\n    token: t\n",
    )
    .unwrap();
    let output = env
        .run(&[
            "oke",
            "kubeconfig",
            "--cluster-id",
            CLUSTER,
            "--profile",
            "prod",
            "--region",
            "eu-frankfurt-1",
            "--kubeconfig",
            "~/.kube/config",
            "--user",
            "oke",
        ])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(written.contains("- name: other"), "{written}");
    assert!(written.contains("server: https://k"), "{written}");
    assert!(written.contains("- name: oke\n"), "{written}");
    assert!(written.contains("- eu-frankfurt-1\n"), "{written}");
    // The report is for people (stderr); stdout stays empty.
    assert!(
        text(&output.stderr).starts_with("User `oke` added to "),
        "{}",
        text(&output.stderr)
    );
    assert!(output.stdout.is_empty());
}
