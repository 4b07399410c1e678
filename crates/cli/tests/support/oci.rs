//! The fake OCI auth service on its own runtime thread, for tests that block
//! on the binary while it answers.

use oci_iam_sso_testkit::oci::{FakeOciAuth, FakeOciConfig, FakeOciControl};

pub struct Oci {
    pub url: String,
    pub control: FakeOciControl,
    _stop: std::sync::mpsc::Sender<()>,
}

pub fn start_oci() -> Oci {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let fake = FakeOciAuth::start(FakeOciConfig::default())
                .await
                .expect("fake starts");
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
