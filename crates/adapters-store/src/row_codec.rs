//! The `profiles` and `tokens` rows both stores keep, and how they become
//! domain values and back: secret columns sealed and opened through
//! [`crate::codec`], every other value checked as it is read. Each store only
//! moves these fields in and out of its own SQL.

use oci_iam_sso_domain::{
    AccessToken, ClientId, ClientSecret, Generation, IssuedAccessToken, Profile, ProfileName,
    RefreshToken, Scope, ServiceUrl, StoreError, Timestamp, TokenSet,
};

use crate::codec::{
    ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, corrupt, endpoints_from_json,
    endpoints_to_json, open_text, seal_text,
};
use crate::key::Cipher;

/// How many audit rows each store keeps per profile (the oldest are pruned on write).
pub(crate) const ROTATIONS_KEPT: i64 = 200;

/// The columns of a profile, in this order, as both stores select them.
pub(crate) const PROFILE_COLUMNS: &str =
    "name, domain_url, scope, resource_url, client_id_ct, client_secret_ct, endpoints";

/// The columns of a token set, in this order, after its `profile` key.
pub(crate) const TOKEN_COLUMNS: &str = "generation, access_ct, token_type, access_expires_at, \
     refresh_ct, refresh_issued_at, scope, chain_started_at, access_issued_at";

/// A `profiles` row ([`PROFILE_COLUMNS`]), its secrets sealed.
pub(crate) struct ProfileRow {
    pub(crate) name: String,
    pub(crate) domain_url: String,
    pub(crate) scope: String,
    pub(crate) resource_url: Option<String>,
    pub(crate) client_id_ct: Vec<u8>,
    pub(crate) client_secret_ct: Option<Vec<u8>>,
    pub(crate) endpoints: Option<String>,
}

impl ProfileRow {
    pub(crate) fn seal(cipher: &Cipher, profile: &Profile) -> Self {
        let name = &profile.name;
        Self {
            name: name.as_str().to_owned(),
            domain_url: profile.domain_url.as_str().to_owned(),
            scope: profile.scope.to_string(),
            resource_url: profile.resource_url.as_ref().map(|u| u.as_str().to_owned()),
            client_id_ct: seal_text(cipher, name, CLIENT_ID, profile.client_id.as_str()),
            client_secret_ct: profile
                .client_secret
                .as_ref()
                .map(|s| seal_text(cipher, name, CLIENT_SECRET, s.expose_secret())),
            endpoints: profile.endpoints.as_ref().map(endpoints_to_json),
        }
    }

    /// The profile, its secrets opened; a value that does not parse is `Corrupt`.
    pub(crate) fn open(self, cipher: &Cipher, location: &str) -> Result<Profile, StoreError> {
        let name = self.name;
        let bad = |what: &str, e: oci_iam_sso_domain::InvalidInput| {
            corrupt(
                location,
                format!("profile `{name}` has an unreadable {what}: {e}"),
            )
        };
        let profile_name = ProfileName::new(name.clone()).map_err(|e| bad("name", e))?;
        let client_id = open_text(cipher, location, &name, CLIENT_ID, &self.client_id_ct)?;
        Ok(Profile {
            domain_url: ServiceUrl::parse(&self.domain_url).map_err(|e| bad("domain URL", e))?,
            client_id: ClientId::new(client_id).map_err(|e| bad("client id", e))?,
            scope: Scope::parse(&self.scope).map_err(|e| bad("scope", e))?,
            resource_url: self
                .resource_url
                .map(|u| ServiceUrl::parse(&u))
                .transpose()
                .map_err(|e| bad("resource URL", e))?,
            client_secret: self
                .client_secret_ct
                .map(|ct| {
                    open_text(cipher, location, &name, CLIENT_SECRET, &ct).map(ClientSecret::new)
                })
                .transpose()?,
            endpoints: self
                .endpoints
                .and_then(|text| endpoints_from_json(&name, &text)),
            name: profile_name,
        })
    }
}

/// A `tokens` row ([`TOKEN_COLUMNS`]), its secrets sealed.
pub(crate) struct TokenRow {
    pub(crate) generation: i64,
    pub(crate) access_ct: Option<Vec<u8>>,
    pub(crate) token_type: Option<String>,
    pub(crate) access_expires_at: Option<i64>,
    pub(crate) refresh_ct: Option<Vec<u8>>,
    pub(crate) refresh_issued_at: i64,
    pub(crate) scope: Option<String>,
    pub(crate) chain_started_at: i64,
    /// Stores written before schema version 2 did not record it.
    pub(crate) access_issued_at: Option<i64>,
}

impl TokenRow {
    pub(crate) fn seal(
        cipher: &Cipher,
        location: &str,
        name: &ProfileName,
        tokens: &TokenSet,
    ) -> Result<Self, StoreError> {
        let access = tokens.access.as_ref();
        let generation = tokens.generation.get();
        Ok(Self {
            generation: i64::try_from(generation).map_err(|_| StoreError::Io {
                location: location.to_owned(),
                detail: format!("generation {generation} is beyond what the store can hold"),
            })?,
            access_ct: access
                .map(|a| seal_text(cipher, name, ACCESS_TOKEN, a.token.expose_secret())),
            token_type: access.map(|a| a.token_type.clone()),
            access_expires_at: access.map(|a| a.expires_at.unix()),
            refresh_ct: tokens
                .refresh_token
                .as_ref()
                .map(|r| seal_text(cipher, name, REFRESH_TOKEN, r.expose_secret())),
            refresh_issued_at: tokens.refresh_issued_at.unix(),
            scope: tokens.scope.as_ref().map(ToString::to_string),
            chain_started_at: tokens.chain_started_at.unix(),
            access_issued_at: access.map(|a| a.issued_at.unix()),
        })
    }

    /// The token set of `name`, its secrets opened.
    pub(crate) fn open(
        self,
        cipher: &Cipher,
        location: &str,
        name: &ProfileName,
    ) -> Result<TokenSet, StoreError> {
        let profile = name.as_str();
        let access = match (self.access_ct, self.access_expires_at) {
            (Some(ct), Some(expires_at)) => Some(IssuedAccessToken {
                token: AccessToken::new(open_text(cipher, location, profile, ACCESS_TOKEN, &ct)?),
                token_type: self
                    .token_type
                    .unwrap_or_else(|| oci_iam_sso_domain::BEARER.to_owned()),
                issued_at: Timestamp::from_unix(
                    self.access_issued_at.unwrap_or(self.refresh_issued_at),
                ),
                expires_at: Timestamp::from_unix(expires_at),
            }),
            _ => None,
        };
        Ok(TokenSet {
            access,
            refresh_token: self
                .refresh_ct
                .map(|ct| {
                    open_text(cipher, location, profile, REFRESH_TOKEN, &ct).map(RefreshToken::new)
                })
                .transpose()?,
            refresh_issued_at: Timestamp::from_unix(self.refresh_issued_at),
            scope: self
                .scope
                .map(|s| Scope::parse(&s))
                .transpose()
                .map_err(|e| {
                    corrupt(
                        location,
                        format!("profile `{profile}` has a bad scope: {e}"),
                    )
                })?,
            chain_started_at: Timestamp::from_unix(self.chain_started_at),
            generation: Generation::new(u64::try_from(self.generation).map_err(|_| {
                corrupt(
                    location,
                    format!("profile `{profile}` has a negative generation"),
                )
            })?),
        })
    }
}
