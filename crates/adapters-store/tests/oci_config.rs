//! The OCI config adapter on real files: a rewrite keeps other profiles and
//! comments byte for byte; session files and keys land with private permissions.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use aws_lc_rs::encoding::{AsDer as _, PublicKeyX509Der};
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use oci_iam_sso_adapters_store::FsOciFiles;
use oci_iam_sso_adapters_store::{generate_key_pair, oci_key_fingerprint as fingerprint};
use oci_iam_sso_domain::SessionToken;
use oci_iam_sso_domain::oci::{KeySize, OciError, OciFiles, OciKeys, OciProfileName};

const ORIGINAL: &str = "\
# OCI config, hand edited; keep this comment
[DEFAULT]
region=us-ashburn-1

[prod]
# the production tenancy
tenancy = ocid1.tenancy.oc1..prod
user=ocid1.user.oc1..me
fingerprint=11:22
key_file=~/.oci/prod.pem ; not a comment either

[session]
region=us-phoenix-1
fingerprint=old:fp
; trailing comment of the session profile

[last]
tenancy=ocid1.tenancy.oc1..last";

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn key_pair() -> oci_iam_sso_domain::oci::KeyPair {
    generate_key_pair(KeySize::Rsa2048).unwrap()
}

#[tokio::test]
async fn a_new_session_rewrites_one_profile_and_keeps_the_rest() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".oci/config");
    fs::create_dir_all(config.parent().unwrap()).unwrap();
    fs::write(&config, ORIGINAL).unwrap();
    let files = FsOciFiles::new(config.clone(), home.path().into(), None);
    let name = OciProfileName::new("session").unwrap();
    let region = files.region("us-phoenix-1").unwrap();
    let mut key = key_pair();
    key.fingerprint = "aa:bb:cc".into(); // a fixed value keeps the snapshot stable
    let token = SessionToken::new("header.payload.signature");
    let dir = files
        .save_new_session(
            &name,
            &region,
            &tenancy("ocid1.tenancy.oc1..new"),
            &key,
            &token,
        )
        .await
        .unwrap();

    let text = fs::read_to_string(&config).unwrap();
    let home_text = home.path().display().to_string();
    insta::assert_snapshot!(text.replace(&home_text, "[HOME]"));
    // Everything but the session profile is byte for byte the original.
    assert!(text.starts_with(&ORIGINAL[..ORIGINAL.find("[session]").unwrap()]));
    assert!(text.ends_with("[last]\ntenancy=ocid1.tenancy.oc1..last"));
    assert_eq!(mode(&config), 0o600);

    assert_eq!(dir, home.path().join(".oci/sessions/session"));
    assert_eq!(mode(&dir), 0o700);
    for file in ["oci_api_key.pem", "oci_api_key_public.pem", "token"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    assert_eq!(
        fs::read_to_string(dir.join("token")).unwrap(),
        "header.payload.signature"
    );

    let profile = files.load_profile(&name).await.unwrap();
    assert_eq!(profile.region.name(), "us-phoenix-1");
    assert_eq!(profile.tenancy.as_deref(), Some("ocid1.tenancy.oc1..new"));
    let session = files.read_session(&profile).await.unwrap();
    assert_eq!(session.token, token);
    // The key as written, with the OCI CLI's label line after the PEM block.
    assert_eq!(
        session.private_key.expose_secret(),
        &format!("{}OCI_API_KEY", key.private_pem.expose_secret())
    );
}

/// A login records its time beside the session (for `keep`'s 24-hour cap),
/// named after the key file as `keep` reads it back; a refresh later moves
/// the token's `iat` but not the login.
#[tokio::test]
async fn a_new_session_records_its_login_time_for_keep() {
    use oci_iam_sso_adapters_store::login_record::{LOGIN_RECORD, key_id, read_login};
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".oci/config");
    let files = FsOciFiles::new(config, home.path().into(), None);
    let name = OciProfileName::new("session").unwrap();
    let region = files.region("us-phoenix-1").unwrap();
    let b64 = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let token = format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"RS256"}"#),
        b64(r#"{"iat":1700000000,"exp":1700003600}"#)
    );
    let dir = files
        .save_new_session(
            &name,
            &region,
            &tenancy("ocid1.tenancy.oc1..t"),
            &key_pair(),
            &SessionToken::new(token),
        )
        .await
        .unwrap();
    assert_eq!(mode(&dir.join(LOGIN_RECORD)), 0o600);
    let session = files
        .read_session(&files.load_profile(&name).await.unwrap())
        .await
        .unwrap();
    let key = key_id(session.private_key.expose_secret());
    assert_eq!(
        read_login(&dir, &key).map(|t| t.unix()),
        Some(1_700_000_000)
    );
    assert_eq!(read_login(&dir, "another key"), None);
}

#[tokio::test]
async fn setup_config_creates_the_file_and_its_directory_privately() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".oci/config");
    let files = FsOciFiles::new(config.clone(), home.path().into(), None);
    let region = files.region("eu-frankfurt-1").unwrap();
    files
        .setup_profile(
            &OciProfileName::new("DEFAULT").unwrap(),
            &tenancy("ocid1.tenancy.oc1..t"),
            &region,
        )
        .await
        .unwrap();
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        format!(
            "[DEFAULT]\ntenancy=ocid1.tenancy.oc1..t\nregion=eu-frankfurt-1\nsecurity_token_file={}\n",
            home.path().join(".oci/sessions/DEFAULT/token").display()
        )
    );
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(config.parent().unwrap()), 0o700);
}

#[tokio::test]
async fn profiles_inherit_default_and_expand_tilde() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    fs::write(&config, ORIGINAL).unwrap();
    let files = FsOciFiles::new(config, home.path().into(), None);
    let prod = files
        .load_profile(&OciProfileName::new("prod").unwrap())
        .await
        .unwrap();
    assert_eq!(
        prod.region.auth_url(),
        "https://auth.us-ashburn-1.oraclecloud.com"
    );
    assert_eq!(
        prod.key_file.unwrap(),
        home.path().join(".oci/prod.pem ; not a comment either")
    );
    let error = files
        .read_session(
            &files
                .load_profile(&OciProfileName::new("prod").unwrap())
                .await
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, OciError::NoSession { .. }), "{error:?}");
    let overridden = FsOciFiles::new(
        home.path().join("config"),
        home.path().into(),
        Some("us-langley-1".into()),
    );
    let prod = overridden
        .load_profile(&OciProfileName::new("prod").unwrap())
        .await
        .unwrap();
    assert_eq!(
        prod.region.auth_url(),
        "https://auth.us-langley-1.oraclegovcloud.com"
    );
}

#[tokio::test]
async fn malformed_config_names_file_and_line() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    fs::write(&config, "[DEFAULT]\nregion=us-ashburn-1\nthis is not ini\n").unwrap();
    let files = FsOciFiles::new(config.clone(), home.path().into(), None);
    let error = files
        .load_profile(&OciProfileName::new("DEFAULT").unwrap())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains(&config.display().to_string()), "{message}");
    assert!(matches!(error, OciError::Config(_)), "{error:?}");
    // A malformed file is never overwritten.
    let region = files.region("us-ashburn-1").unwrap();
    assert!(
        files
            .setup_profile(
                &OciProfileName::new("x").unwrap(),
                &tenancy("ocid1.tenancy.oc1..t"),
                &region
            )
            .await
            .is_err()
    );
    assert!(
        fs::read_to_string(&config)
            .unwrap()
            .ends_with("this is not ini\n")
    );
}

/// The DER body of a one-block PEM text.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[tokio::test]
async fn generated_keys_are_rsa_65537_with_the_oci_fingerprint() {
    let home = tempfile::tempdir().unwrap();
    let files = FsOciFiles::new(home.path().join("c"), home.path().into(), None);
    for (size, bits) in [(KeySize::Rsa2048, 2048), (KeySize::Rsa4096, 4096)] {
        let key = files.generate(size).await.unwrap();
        assert!(
            key.private_pem
                .expose_secret()
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        assert!(key.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let private = RsaKeyPair::from_pkcs8(&pem_der(key.private_pem.expose_secret())).unwrap();
        assert_eq!(private.public_modulus_len() * 8, bits);
        let exponent = private.public_key().exponent();
        assert_eq!(exponent.big_endian_without_leading_zero(), [1, 0, 1]);
        let public: PublicKeyX509Der<'_> = private.public_key().as_der().unwrap();
        assert_eq!(pem_der(&key.public_pem), public.as_ref());
        assert_eq!(key.fingerprint, fingerprint(public.as_ref()));
        assert_eq!(key.fingerprint.len(), 47);
        assert!(!format!("{key:?}").contains("PRIVATE KEY"));
    }
}

#[tokio::test]
async fn values_that_would_inject_config_lines_are_refused_and_nothing_is_written() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    fs::write(&config, ORIGINAL).unwrap();
    let files = FsOciFiles::new(config.clone(), home.path().into(), None);
    let region = files.region("us-phoenix-1").unwrap();
    let name = OciProfileName::new("session").unwrap();
    // A tenancy cannot inject a line: the port takes a `TenancyOcid`, which
    // refuses one (see the domain's tests); a path can, and is refused here.
    // A home whose path holds a line break would put one into `key_file`.
    let odd_home = home.path().join("x\nuser=ocid1.user.oc1..evil");
    let odd = FsOciFiles::new(config.clone(), odd_home.clone(), None);
    let error = odd
        .save_new_session(
            &name,
            &region,
            &tenancy("ocid1.tenancy.oc1..t"),
            &key_pair(),
            &SessionToken::new("a.b.c"),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("key_file"), "{error}");
    assert!(
        !odd_home.exists(),
        "no session files are written for a refused profile"
    );
    assert!(!home.path().join(".oci").exists());
    assert_eq!(fs::read_to_string(&config).unwrap(), ORIGINAL);
}

#[tokio::test]
async fn a_config_rewrite_waits_for_the_config_lock() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    fs::write(&config, ORIGINAL).unwrap();
    let held = fs::File::create(home.path().join("config.lock")).unwrap();
    held.lock().unwrap();
    // Another "process" holds the lock for a while, checks the file did not
    // change meanwhile, then lets go.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let watched = config.clone();
    let holder = std::thread::spawn(move || {
        locked_tx.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let unchanged = fs::read_to_string(&watched).unwrap() == ORIGINAL;
        held.unlock().unwrap();
        unchanged
    });
    locked_rx.recv().unwrap();
    let files = FsOciFiles::new(config.clone(), home.path().into(), None);
    let region = files.region("us-phoenix-1").unwrap();
    files
        .setup_profile(
            &OciProfileName::new("new").unwrap(),
            &tenancy("ocid1.tenancy.oc1..t"),
            &region,
        )
        .await
        .unwrap();
    assert!(
        holder.join().unwrap(),
        "the config changed while another process held the lock"
    );
    let text = fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with(ORIGINAL) && text.contains("[new]"),
        "{text}"
    );
}

fn tenancy(ocid: &str) -> oci_iam_sso_domain::oci::TenancyOcid {
    oci_iam_sso_domain::oci::TenancyOcid::parse(ocid).unwrap()
}
