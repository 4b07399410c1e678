//! Issue 11's profile rules and refused mistakes, one test each, through the
//! real binary: which "profile" an OCI command takes, `profile show|set|default`,
//! `--settings`, and the domain URL, discovery check, busy login port and
//! unknown profile errors.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use support::{CLIENT_ID, TestEnv, approving};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}

fn oci_config(env: &TestEnv) -> String {
    std::fs::read_to_string(env.home().join(".oci/config")).unwrap_or_default()
}

const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";

// Item 3: one meaning per word.

#[test]
fn oci_commands_ignore_the_identity_profile_variable() {
    let env = TestEnv::start(approving());
    let (code, _, stderr) = run(env.cmd().env("OCI_IAM_SSO_PROFILE", "idp").args([
        "setup",
        "config",
        "--tenancy",
        TENANCY,
        "--region",
        "us-ashburn-1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let config = oci_config(&env);
    assert!(config.contains("[DEFAULT]"), "{config}");
    assert!(!config.contains("[idp]"), "{config}");
    // OCI_CLI_PROFILE and the command's own --profile still choose it.
    let (code, _, stderr) = run(env
        .cmd()
        .env("OCI_IAM_SSO_PROFILE", "idp")
        .env("OCI_CLI_PROFILE", "fra")
        .args([
            "setup",
            "config",
            "--tenancy",
            TENANCY,
            "--region",
            "eu-frankfurt-1",
        ]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(env.cmd().env("OCI_IAM_SSO_PROFILE", "idp").args([
        "setup",
        "config",
        "--tenancy",
        TENANCY,
        "--region",
        "us-phoenix-1",
        "--profile",
        "phx",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let config = oci_config(&env);
    assert!(
        config.contains("[fra]") && config.contains("[phx]"),
        "{config}"
    );
    assert!(!config.contains("[idp]"), "{config}");
}

#[test]
fn a_global_profile_before_another_oci_command_is_refused_with_the_fix() {
    let env = TestEnv::start(approving());
    let (code, _, stderr) = run(env.cmd().args([
        "--profile",
        "prod",
        "setup",
        "config",
        "--tenancy",
        TENANCY,
        "--region",
        "us-ashburn-1",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("put it after the command's name"),
        "{stderr}"
    );
    assert!(oci_config(&env).is_empty(), "nothing written");
}

#[test]
fn session_exchange_takes_the_identity_profile_from_the_global_one() {
    let env = TestEnv::start(approving());
    env.add_profile("known");
    run(env.cmd().args([
        "setup",
        "config",
        "--tenancy",
        TENANCY,
        "--region",
        "us-ashburn-1",
    ]));
    // From the variable: the OCI profile stays DEFAULT, the identity one is `ci`.
    let (code, _, stderr) = run(env
        .cmd()
        .env("OCI_IAM_SSO_PROFILE", "ci")
        .args(["session", "exchange"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("no profile named `ci` (known: known)"),
        "{stderr}"
    );
    // From the global --profile before the command's name; the one after is the OCI one.
    let (code, _, stderr) = run(env.cmd().args([
        "--profile",
        "ci2",
        "session",
        "exchange",
        "--profile",
        "DEFAULT",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("no profile named `ci2`"), "{stderr}");
}

#[test]
fn profile_show_defaults_to_the_current_profile() {
    let env = TestEnv::start(approving());
    env.add_profile("default");
    env.add_profile("epm");
    let (code, stdout, stderr) = run(env.cmd().args(["profile", "show"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("default"), "{stdout}");
    let (code, stdout, _) = run(env.cmd().args(["--profile", "epm", "profile", "show"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("epm"), "{stdout}");
}

#[test]
fn the_settings_flag_is_settings_and_the_old_one_still_works() {
    let env = TestEnv::start(approving());
    let file = env.home().join("mine.toml");
    std::fs::write(&file, "lock_timeout = \"soon\"\n").unwrap();
    for flag in ["--settings", "--config"] {
        let (code, _, stderr) =
            run(env
                .cmd()
                .args([flag, file.to_str().unwrap(), "profile", "list"]));
        assert_eq!(code, 3, "{flag}: {stderr}");
        assert!(stderr.contains("mine.toml"), "{flag}: {stderr}");
    }
    for var in ["OCI_IAM_SSO_SETTINGS", "OCI_IAM_SSO_CONFIG"] {
        let (code, _, stderr) = run(env.cmd().env(var, &file).args(["profile", "list"]));
        assert_eq!(code, 3, "{var}: {stderr}");
    }
    // The old name is not offered in help; a typo of the OCI flag points at the OCI one.
    let (_, help, _) = run(env.cmd().args(["--help"]));
    assert!(
        help.contains("--settings") && !help.contains("--config <"),
        "{help}"
    );
    let (code, _, stderr) = run(env
        .cmd()
        .args(["session", "validate", "--config-location", "/x"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--config-file"), "{stderr}");
}

#[test]
fn profile_set_keeps_the_tokens_unless_the_domain_or_client_changes() {
    let env = TestEnv::start(approving());
    env.add_profile("epm");
    env.login("epm");
    let before = env.token("epm");
    let (code, _, stderr) = run(env.cmd().args([
        "profile",
        "set",
        "epm",
        "--scope",
        "urn:opc:idm:__myscopes__ offline_access",
        "--resource-url",
        "https://epm.example.com",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("deleted"), "{stderr}");
    let (_, shown, _) = run(env.cmd().args(["profile", "show", "epm"]));
    assert!(shown.contains("https://epm.example.com"), "{shown}");
    assert_eq!(env.token("epm"), before, "the cached token stayed");

    let (code, _, stderr) =
        run(env
            .cmd()
            .args(["profile", "set", "epm", "--client-id", "another-client"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("were deleted"), "{stderr}");
    let (code, _, stderr) = run(env.cmd().args(["token", "--profile", "epm"]));
    assert_eq!(code, 4, "not logged in any more: {stderr}");
}

#[test]
fn profile_default_writes_the_settings_file_and_keeps_its_comments() {
    let env = TestEnv::start(approving());
    env.add_profile("a");
    env.add_profile("b");
    let dir = env.home().join("config/oci-iam-sso");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, "# mine\nlock_timeout = \"20s\"\n").unwrap();
    let (code, _, stderr) = run(env.cmd().args(["profile", "default", "b"]));
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        written,
        "# mine\ndefault_profile = \"b\"\nlock_timeout = \"20s\"\n"
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (_, shown, _) = run(env.cmd().args(["profile", "show"]));
    assert!(shown.contains("name:         b"), "{shown}");
    run(env.cmd().args(["profile", "default", "a"]));
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        written,
        "# mine\ndefault_profile = \"a\"\nlock_timeout = \"20s\"\n"
    );
    // An unknown one is refused and changes nothing.
    let (code, _, _) = run(env.cmd().args(["profile", "default", "zz"]));
    assert_eq!(code, 4);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
}

// Item 4: mistakes refused when made.

fn add(env: &TestEnv, url: &str, extra: &[&str]) -> (i32, String, String) {
    run(env
        .cmd()
        .args([
            "profile",
            "add",
            "x",
            "--domain-url",
            url,
            "--client-id",
            CLIENT_ID,
        ])
        .args(extra))
}

#[test]
fn a_mistyped_scheme_is_refused_not_saved_as_a_host() {
    let env = TestEnv::start(approving());
    let (code, _, stderr) = add(&env, "htps:/host", &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("htps:/host"), "{stderr}");
    let (_, listed, _) = run(env.cmd().args(["profile", "list"]));
    assert!(listed.is_empty(), "{listed}");
}

#[test]
fn a_console_url_is_reduced_to_the_domain_with_a_note() {
    let env = TestEnv::start(approving());
    let console = format!("{}/ui/v1/adminconsole?root=users", env.url);
    let (code, _, stderr) = add(&env, &console, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Note: using the identity domain"),
        "{stderr}"
    );
    let (_, shown, _) = run(env.cmd().args(["profile", "show", "x"]));
    assert!(
        shown.contains(&format!("domain_url:   {}\n", env.url)),
        "{shown}"
    );
}

/// A server that answers 404 to everything: something, but no identity domain.
fn not_a_domain() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buffer = [0; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    url
}

#[test]
fn profile_add_refuses_a_url_that_is_no_identity_domain_unless_told_not_to_check() {
    let env = TestEnv::start(approving());
    let url = not_a_domain();
    let (code, _, stderr) = add(&env, &url, &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("does not answer as an identity domain"),
        "{stderr}"
    );
    assert!(stderr.contains("--no-check"), "{stderr}");
    let (code, _, stderr) = add(&env, &url, &["--no-check"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn profile_add_saves_an_unreachable_domain_with_a_warning() {
    let env = TestEnv::start(approving());
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, _, stderr) = add(&env, &url, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Warning: could not check"), "{stderr}");
    let (_, listed, _) = run(env.cmd().args(["profile", "list"]));
    assert!(listed.starts_with("x\t"), "{listed}");
}

#[test]
fn a_busy_login_port_has_its_own_exit_code_and_remedy() {
    let env = TestEnv::start(approving());
    let squatter = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port().to_string();
    let (code, _, stderr) = run(env.cmd().args([
        "session",
        "authenticate",
        "--region",
        "us-ashburn-1",
        "--no-browser",
        "--port",
        &port,
    ]));
    assert_eq!(code, 19, "{stderr}");
    assert!(!stderr.contains("denied"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(stderr.contains("--port"), "{stderr}");
    drop(squatter);
}

#[test]
fn an_unknown_profile_lists_the_known_ones() {
    let env = TestEnv::start(approving());
    env.add_profile("alpha");
    env.add_profile("beta");
    let (code, _, stderr) = run(env.cmd().args(["token", "--profile", "gamma"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("no profile named `gamma` (known: alpha, beta)"),
        "{stderr}"
    );
}

#[test]
fn profile_set_checks_a_new_domain_and_then_drops_the_tokens_bound_to_the_old_one() {
    let env = TestEnv::start(approving());
    env.add_profile("epm");
    env.login("epm");
    // Not an identity domain: refused, and the profile and its tokens are untouched.
    let (code, _, stderr) =
        run(env
            .cmd()
            .args(["profile", "set", "epm", "--domain-url", &not_a_domain()]));
    assert_eq!(code, 3, "{stderr}");
    let before = env.token("epm");
    // The same fake under another loopback name: its discovery document names
    // 127.0.0.1, so the check refuses it too (tokens never leave the domain's
    // origin); with --no-check it is taken, and the old domain's tokens are
    // deleted with a warning.
    let other = env.url.replace("127.0.0.1", "localhost");
    let (code, _, stderr) = run(env
        .cmd()
        .args(["profile", "set", "epm", "--domain-url", &other]));
    assert_eq!(code, 3, "{stderr}");
    let (code, _, stderr) = run(env.cmd().args([
        "profile",
        "set",
        "epm",
        "--no-check",
        "--domain-url",
        &other,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("old domain and were deleted"), "{stderr}");
    assert!(!before.is_empty());
    let (code, _, _) = run(env.cmd().args(["token", "--profile", "epm"]));
    assert_eq!(code, 4);
    // Nothing to change is said, not silently done.
    let (code, _, stderr) = run(env
        .cmd()
        .args(["profile", "set", "epm", "--domain-url", &other]));
    assert_eq!(code, 0);
    assert!(stderr.contains("unchanged"), "{stderr}");
}
