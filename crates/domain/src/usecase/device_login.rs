//! Device login (RFC 8628): show a code, wait for the user, store the first token set.

use crate::{
    Clock, DeviceLoginFailure, DevicePoll, Error, IdentityProvider, Lifecycle, Notices, PollStep,
    Presenter, Profile, TokenSet, TokenStore,
};

#[derive(Clone, Copy, Debug)]
pub struct LoginOptions {
    pub open_browser: bool,
}

pub struct DeviceLogin<'a> {
    pub provider: &'a dyn IdentityProvider,
    pub store: &'a dyn TokenStore,
    pub clock: &'a dyn Clock,
    pub presenter: &'a dyn Presenter,
    pub notices: &'a dyn Notices,
}

impl std::fmt::Debug for DeviceLogin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceLogin")
    }
}

impl DeviceLogin<'_> {
    /// Runs the whole flow; on success the token set is stored (durably) first.
    pub async fn run(&self, profile: &Profile, options: LoginOptions) -> Result<TokenSet, Error> {
        let failed = |failure| Error::DeviceLogin {
            profile: profile.name.clone(),
            failure,
        };
        // Once granted, the device code is spent: make room to keep the login
        // aside now, while failing costs nothing. The lock is not held while
        // the user approves.
        self.store
            .lock(&profile.name)
            .await?
            .prepare_rotation()
            .await?;
        let authorization = self
            .provider
            .start_device_authorization(&profile.client_id, &profile.scope)
            .await
            .map_err(|e| super::token_endpoint_error(&profile.name, e))?;
        // Never the codes or the verification URIs (the complete one holds the user code).
        tracing::info!(
            profile = %profile.name,
            expires_in_s = authorization.expires_in.as_secs(),
            interval_ms = authorization.interval.map(|i| i.as_millis()),
            "device authorization started: waiting for the user"
        );
        self.presenter.device_code(&authorization);
        if options.open_browser {
            // A missing browser is normal on servers: the code is already on screen.
            let _ = self.presenter.open_browser(authorization.browser_url());
        }

        let mut poll = DevicePoll::start(&authorization, self.clock.now());
        let mut wait = poll.first_wait();
        let response = loop {
            // Never sleep past the code's deadline, whatever interval the server asked for.
            let remaining = self.clock.now().until(poll.deadline);
            let nap = wait.min(remaining);
            self.presenter.waiting(nap, remaining);
            self.clock.sleep(nap).await;
            if Lifecycle::is_expired(poll.deadline, self.clock.now()) {
                return Err(failed(DeviceLoginFailure::Expired));
            }
            let outcome = self
                .provider
                .poll_device_token(&profile.client_id, &authorization.device_code)
                .await;
            match poll.step(outcome, self.clock.now()) {
                PollStep::Continue {
                    next,
                    wait: next_wait,
                } => {
                    tracing::debug!(next_poll_in_ms = next_wait.as_millis(), "not approved yet");
                    poll = next;
                    wait = next_wait;
                }
                PollStep::Granted(response) => {
                    tracing::info!(profile = %profile.name, "device login approved");
                    self.presenter.approved();
                    break response;
                }
                PollStep::Failed(failure) => {
                    tracing::info!(profile = %profile.name, %failure, "device login failed");
                    return Err(failed(failure));
                }
            }
        };

        let lost = |source| Error::PersistFailed {
            profile: profile.name.clone(),
            source,
        };
        let mut lock = self.store.lock(&profile.name).await.map_err(lost)?;
        let stored = lock.tokens().await.map_err(lost)?;
        let now = self.clock.now();
        for note in &response.notes {
            self.notices.notice(crate::Notice::OddTokenAnswer(*note));
        }
        let tokens = TokenSet::from_login(response, now, stored.as_ref().map(|t| t.generation));
        // The device code is spent: keep the new login like a rotation, so a
        // store that cannot take it now does not cost the user another login.
        super::persist::persist_issued(
            lock.as_mut(),
            &profile.name,
            stored.as_ref(),
            &tokens,
            now,
            self.notices,
        )
        .await?;
        drop(lock);
        super::remember_endpoints(self.provider, self.store, profile).await;
        Ok(tokens)
    }
}
