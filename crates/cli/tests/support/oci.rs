//! The fake OCI auth service on its own runtime thread, for tests that block
//! on the binary while it answers.

use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig, FakeOciControl};

pub struct Oci {
    pub url: String,
    pub control: FakeOciControl,
    _stop: std::sync::mpsc::Sender<()>,
}

pub fn start_oci() -> Oci {
    start_oci_with(FakeOciConfig::default())
}

/// [`start_oci`] with the fake configured as `config` says.
pub fn start_oci_with(config: FakeOciConfig) -> Oci {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let fake = FakeOciAuth::start(config).await.expect("fake starts");
            ready_tx
                .send((fake.url().to_owned(), fake.control()))
                .expect("test waits");
            let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
            drop(fake);
        });
    });
    let (url, control) = ready_rx.recv().expect("fake started");
    Oci {
        url,
        control,
        _stop: stop_tx,
    }
}

/// Saves under `home` a session of OCI profile `name` (region us-ashburn-1,
/// the fake's tenancy) for a new key, minted by the fake that `control` drives.
#[allow(clippy::unwrap_used)] // test set-up fails loudly on purpose
pub async fn save_minted_session(control: &FakeOciControl, home: &std::path::Path, name: &str) {
    use oci_iam_sso_adapters_store::{FsOciFiles, generate_key_pair};
    use oci_iam_sso_domain::SessionToken;
    use oci_iam_sso_domain::oci::{KeySize, OciFiles as _, OciProfileName, TenancyOcid};

    let key = generate_key_pair(KeySize::Rsa2048).unwrap();
    let token = control.mint_session(&key.public_pem).unwrap();
    let files = FsOciFiles::new(home.join(".oci/config"), home.into(), None);
    files
        .save_new_session(
            &OciProfileName::new(name).unwrap(),
            &files.region("us-ashburn-1").unwrap(),
            &TenancyOcid::parse(oci_iam_sso_testkit::oci::FAKE_TENANCY).unwrap(),
            &key,
            &SessionToken::new(token),
        )
        .await
        .unwrap();
}
