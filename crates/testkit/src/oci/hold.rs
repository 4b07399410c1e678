//! Holding an answer of the fake back, so a test can do something while a
//! client waits for it: the request has reached the fake (and been answered
//! in its state) but the client has not read the answer yet. Races between two
//! commands become ordinary sequential steps, with no sleeps.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// An endpoint whose answers a [`Hold`] keeps back, or
/// [`crate::oci::FakeOciControl::fail_with`] replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeldEndpoint {
    /// `POST /v1/authentication/refresh`.
    Refresh,
    /// `POST /v1/actions/generateScopedAccessToken`.
    DbToken,
}

/// Answers of one endpoint wait until the test releases them, one per release.
#[derive(Clone, Debug)]
pub struct Hold {
    arrived: Arc<Semaphore>,
    released: Arc<Semaphore>,
}

impl Hold {
    pub(crate) fn new() -> Self {
        Self {
            arrived: Arc::new(Semaphore::new(0)),
            released: Arc::new(Semaphore::new(0)),
        }
    }

    /// Waits until a request has been answered by the fake and its answer is being held.
    pub async fn arrived(&self) {
        if let Ok(permit) = self.arrived.acquire().await {
            permit.forget();
        }
    }

    /// Lets one held answer go to the client.
    pub fn release(&self) {
        self.released.add_permits(1);
    }

    /// Called by a handler with its answer ready (and the state's lock released).
    pub(crate) async fn wait(&self) {
        self.arrived.add_permits(1);
        if let Ok(permit) = self.released.acquire().await {
            permit.forget();
        }
    }
}
