//! The device flow of the fake (RFC 8628): creating codes, approving or
//! denying them, and the device-code grant with its pending, slow-down,
//! denied and expired answers.

use std::time::Instant;

use super::random;
use super::scope;
use super::state::{Grant, Inner, OAuthFailure, secs};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum DeviceStatus {
    Pending,
    Approved(String),
    Denied,
    Redeemed,
}

pub(crate) struct DeviceRecord {
    pub(super) device_code: String,
    pub(super) user_code: String,
    pub(super) client_id: String,
    pub(super) scope: String,
    pub(super) expires_at: i64,
    pub(super) status: DeviceStatus,
    pub(super) last_poll: Option<Instant>,
}

/// A new device authorization, as answered.
pub(crate) struct NewDevice {
    pub device_code: String,
    pub user_code: String,
    pub expires_in: u64,
}

impl Inner {
    pub fn start_device(
        &mut self,
        client_id: &str,
        scope: &str,
    ) -> Result<NewDevice, OAuthFailure> {
        if !self.known_client(client_id) {
            return Err(OAuthFailure::invalid_client());
        }
        if !scope::is_valid(scope) {
            return Err(OAuthFailure::invalid_scope());
        }
        let expires_in = self.ttls.device.as_secs();
        let record = DeviceRecord {
            device_code: random::device_code(),
            user_code: random::user_code(),
            client_id: client_id.to_owned(),
            scope: scope::normalise(scope),
            expires_at: self.now().saturating_add(secs(self.ttls.device)),
            status: match &self.auto_approve {
                Some(user) => DeviceStatus::Approved(user.clone()),
                None => DeviceStatus::Pending,
            },
            last_poll: None,
        };
        self.counters.device_authorizations += 1;
        let answer = NewDevice {
            device_code: record.device_code.clone(),
            user_code: record.user_code.clone(),
            expires_in,
        };
        self.devices.push(record);
        Ok(answer)
    }

    fn pending_mut(&mut self, user_code: &str) -> Option<&mut DeviceRecord> {
        let now = self.now();
        self.devices.iter_mut().find(|d| {
            d.user_code == user_code && d.status == DeviceStatus::Pending && d.expires_at > now
        })
    }

    pub fn approve(&mut self, user_code: &str, user: &str) -> bool {
        self.pending_mut(user_code)
            .map(|d| d.status = DeviceStatus::Approved(user.to_owned()))
            .is_some()
    }

    pub fn deny(&mut self, user_code: &str) -> bool {
        self.pending_mut(user_code)
            .map(|d| d.status = DeviceStatus::Denied)
            .is_some()
    }

    pub fn pending_user_codes(&self) -> Vec<String> {
        let now = self.now();
        self.devices
            .iter()
            .filter(|d| d.status == DeviceStatus::Pending && d.expires_at > now)
            .map(|d| d.user_code.clone())
            .collect()
    }

    pub fn approve_latest(&mut self, user: &str) -> Option<String> {
        let latest = self.pending_user_codes().pop()?;
        self.approve(&latest, user).then_some(latest)
    }

    /// The device-code grant (RFC 8628 §3.4/3.5).
    pub fn poll_device(
        &mut self,
        client_id: &str,
        device_code: &str,
    ) -> Result<Grant, OAuthFailure> {
        self.counters.device_polls += 1;
        if !self.known_client(client_id) {
            return Err(OAuthFailure::invalid_client());
        }
        let now = self.now();
        let min_interval = self.min_poll_interval;
        let Some(index) = self
            .devices
            .iter()
            .position(|d| d.device_code == device_code && d.client_id == client_id)
        else {
            return Err(OAuthFailure::invalid_token());
        };
        let device = &mut self.devices[index];
        if device.status == DeviceStatus::Redeemed {
            return Err(OAuthFailure::invalid_token());
        }
        if device.expires_at <= now {
            return Err(OAuthFailure::new(
                "expired_token",
                "The device code has expired",
            ));
        }
        let polled_too_soon = device
            .last_poll
            .is_some_and(|last| last.elapsed() < min_interval);
        device.last_poll = Some(Instant::now());
        if polled_too_soon {
            return Err(OAuthFailure::new("slow_down", "Polling too frequently"));
        }
        let user = match device.status.clone() {
            DeviceStatus::Pending => {
                return Err(OAuthFailure::new(
                    "authorization_pending",
                    "The authorization request is still pending",
                ));
            }
            DeviceStatus::Denied => {
                return Err(OAuthFailure::new(
                    "access_denied",
                    "The user denied the request",
                ));
            }
            DeviceStatus::Redeemed => return Err(OAuthFailure::invalid_token()),
            DeviceStatus::Approved(user) => user,
        };
        device.status = DeviceStatus::Redeemed;
        let (client_id, scope) = (device.client_id.clone(), device.scope.clone());
        let refresh = scope::has_offline_access(&scope).then(|| {
            self.chains += 1;
            self.mint_refresh(&user, &client_id, &scope, self.chains, 1)
        });
        Ok(self.grant(&user, &client_id, &scope, refresh))
    }
}
