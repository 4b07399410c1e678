//! The OCI use cases hold the session lock for as long as they must.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::sync::{Arc, Mutex};

use super::mocks::{MockOciAuthService, MockOciFiles};
use super::tests::{FixedClock, jwt, name, profile};
use super::*;

/// Records when it is dropped, so a test sees how long a lock was held.
struct Released(Arc<Mutex<Vec<&'static str>>>);

impl Drop for Released {
    fn drop(&mut self) {
        self.0.lock().unwrap().push("unlock");
    }
}

#[tokio::test]
async fn refresh_holds_the_session_lock_from_the_read_to_the_write() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = |event| {
        let events = events.clone();
        move || events.lock().unwrap().push(event)
    };
    let mut files = MockOciFiles::new();
    let (locked, events_in_lock) = (log("lock"), events.clone());
    files.expect_lock_session().times(1).returning(move |_| {
        locked();
        Ok(OciLock::new(Released(events_in_lock.clone())))
    });
    let read = log("read");
    files.expect_load_profile().returning(|_| Ok(profile()));
    files.expect_read_session().returning(move |_| {
        read();
        Ok(SessionCredentials {
            token: jwt(600, "old"),
            private_key: PrivateKeyPem::new("KEY".into()),
        })
    });
    let write = log("write");
    files.expect_write_session_token().returning(move |_, _| {
        write();
        Ok(())
    });
    let mut auth = MockOciAuthService::new();
    auth.expect_refresh_session()
        .returning(|_, _| Ok(jwt(3600, "new")));
    RefreshSession {
        auth: &auth,
        files: &files,
        clock: &FixedClock,
    }
    .run(&name())
    .await
    .unwrap();
    assert_eq!(*events.lock().unwrap(), ["lock", "read", "write", "unlock"]);
}
