//! Rows to domain values and back, through the same sealing code as the
//! SQLite store (`crate::codec`), and the queries that need no profile lock.

use oci_iam_sso_domain::{
    AccessToken, ClientId, ClientSecret, Generation, IssuedAccessToken, KnownEndpoints,
    PendingRotation, Profile, ProfileName, RefreshToken, RotationRecord, Scope, ServiceUrl,
    StoreError, Timestamp, TokenSet,
};
use tokio_postgres::{GenericClient, Row};

use super::Ready;
use crate::codec::{
    ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, corrupt, endpoints_from_json,
    endpoints_to_json, fingerprint_from_column, open_pending, open_text, seal_text,
};

pub(crate) const PROFILE_COLUMNS: &str =
    "name, domain_url, scope, resource_url, client_id_ct, client_secret_ct, endpoints";

pub(crate) const TOKEN_COLUMNS: &str = "generation, access_ct, token_type, access_expires_at, \
     refresh_ct, refresh_issued_at, scope, chain_started_at, access_issued_at";

fn to_sql_u64(ready: &Ready, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Io {
        location: ready.location.clone(),
        detail: format!("generation {value} is beyond what the store can hold"),
    })
}

pub(crate) fn profile_from_row(ready: &Ready, row: &Row) -> Result<Profile, StoreError> {
    let location = ready.location.as_str();
    let name: String = row.get(0);
    let bad = |what: &str, e: oci_iam_sso_domain::InvalidInput| {
        corrupt(
            location,
            format!("profile `{name}` has an unreadable {what}: {e}"),
        )
    };
    let profile_name = ProfileName::new(name.clone()).map_err(|e| bad("name", e))?;
    let domain_url: String = row.get(1);
    let scope: String = row.get(2);
    let resource_url: Option<String> = row.get(3);
    let client_id_ct: Vec<u8> = row.get(4);
    let client_secret_ct: Option<Vec<u8>> = row.get(5);
    let endpoints: Option<String> = row.get(6);
    let client_id = open_text(&ready.cipher, location, &name, CLIENT_ID, &client_id_ct)?;
    Ok(Profile {
        domain_url: ServiceUrl::parse(&domain_url).map_err(|e| bad("domain URL", e))?,
        client_id: ClientId::new(client_id).map_err(|e| bad("client id", e))?,
        scope: Scope::parse(&scope).map_err(|e| bad("scope", e))?,
        resource_url: resource_url
            .map(|u| ServiceUrl::parse(&u))
            .transpose()
            .map_err(|e| bad("resource URL", e))?,
        client_secret: client_secret_ct
            .map(|ct| {
                open_text(&ready.cipher, location, &name, CLIENT_SECRET, &ct).map(ClientSecret::new)
            })
            .transpose()?,
        endpoints: endpoints.and_then(|text| endpoints_from_json(&name, &text)),
        name: profile_name,
    })
}

/// The parameters of `INSERT … profiles`, sealed.
pub(crate) struct ProfileRow {
    pub(crate) client_id: Vec<u8>,
    pub(crate) client_secret: Option<Vec<u8>>,
    pub(crate) resource_url: Option<String>,
    pub(crate) scope: String,
    pub(crate) endpoints: Option<String>,
}

pub(crate) fn profile_row(ready: &Ready, profile: &Profile) -> ProfileRow {
    let name = &profile.name;
    ProfileRow {
        client_id: seal_text(&ready.cipher, name, CLIENT_ID, profile.client_id.as_str()),
        client_secret: profile
            .client_secret
            .as_ref()
            .map(|s| seal_text(&ready.cipher, name, CLIENT_SECRET, s.expose_secret())),
        resource_url: profile.resource_url.as_ref().map(|u| u.as_str().to_owned()),
        scope: profile.scope.to_string(),
        endpoints: profile.endpoints.as_ref().map(endpoints_to_json),
    }
}

pub(crate) fn endpoints_json(known: &KnownEndpoints) -> String {
    endpoints_to_json(known)
}

/// The committed token set of `name`.
pub(crate) async fn read_tokens(
    ready: &Ready,
    client: &impl GenericClient,
    name: &ProfileName,
) -> Result<Option<TokenSet>, StoreError> {
    let row = client
        .query_opt(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE profile = $1"),
            &[&name.as_str()],
        )
        .await
        .map_err(|e| ready.error(&e))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let location = ready.location.as_str();
    let profile = name.as_str();
    let generation: i64 = row.get(0);
    let access_ct: Option<Vec<u8>> = row.get(1);
    let token_type: Option<String> = row.get(2);
    let access_expires_at: Option<i64> = row.get(3);
    let refresh_ct: Option<Vec<u8>> = row.get(4);
    let refresh_issued_at: i64 = row.get(5);
    let scope: Option<String> = row.get(6);
    let chain_started_at: i64 = row.get(7);
    let access_issued_at: Option<i64> = row.get(8);
    let access = match (access_ct, access_expires_at) {
        (Some(ct), Some(expires_at)) => Some(IssuedAccessToken {
            token: AccessToken::new(open_text(
                &ready.cipher,
                location,
                profile,
                ACCESS_TOKEN,
                &ct,
            )?),
            token_type: token_type.unwrap_or_else(|| oci_iam_sso_domain::BEARER.to_owned()),
            issued_at: Timestamp::from_unix(access_issued_at.unwrap_or(refresh_issued_at)),
            expires_at: Timestamp::from_unix(expires_at),
        }),
        _ => None,
    };
    Ok(Some(TokenSet {
        access,
        refresh_token: refresh_ct
            .map(|ct| {
                open_text(&ready.cipher, location, profile, REFRESH_TOKEN, &ct)
                    .map(RefreshToken::new)
            })
            .transpose()?,
        refresh_issued_at: Timestamp::from_unix(refresh_issued_at),
        scope: scope.map(|s| Scope::parse(&s)).transpose().map_err(|e| {
            corrupt(
                location,
                format!("profile `{profile}` has a bad scope: {e}"),
            )
        })?,
        chain_started_at: Timestamp::from_unix(chain_started_at),
        generation: Generation::new(u64::try_from(generation).map_err(|_| {
            corrupt(
                location,
                format!("profile `{profile}` has a negative generation"),
            )
        })?),
    }))
}

/// Writes `tokens` as the set of `name` (the caller checked the generation).
pub(crate) async fn write_tokens(
    ready: &Ready,
    client: &impl GenericClient,
    name: &ProfileName,
    tokens: &TokenSet,
) -> Result<(), StoreError> {
    let access = tokens.access.as_ref();
    let access_ct =
        access.map(|a| seal_text(&ready.cipher, name, ACCESS_TOKEN, a.token.expose_secret()));
    let refresh_ct = tokens
        .refresh_token
        .as_ref()
        .map(|r| seal_text(&ready.cipher, name, REFRESH_TOKEN, r.expose_secret()));
    let generation = to_sql_u64(ready, tokens.generation.get())?;
    let scope = tokens.scope.as_ref().map(ToString::to_string);
    client
        .execute(
            &format!(
                "INSERT INTO tokens (profile, {TOKEN_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (profile) DO UPDATE SET
                     generation = excluded.generation, access_ct = excluded.access_ct,
                     token_type = excluded.token_type,
                     access_expires_at = excluded.access_expires_at,
                     refresh_ct = excluded.refresh_ct,
                     refresh_issued_at = excluded.refresh_issued_at, scope = excluded.scope,
                     chain_started_at = excluded.chain_started_at,
                     access_issued_at = excluded.access_issued_at"
            ),
            &[
                &name.as_str(),
                &generation,
                &access_ct,
                &access.map(|a| a.token_type.as_str()),
                &access.map(|a| a.expires_at.unix()),
                &refresh_ct,
                &tokens.refresh_issued_at.unix(),
                &scope,
                &tokens.chain_started_at.unix(),
                &access.map(|a| a.issued_at.unix()),
            ],
        )
        .await
        .map_err(|e| ready.error(&e))?;
    Ok(())
}

/// The rotation kept aside for `name`, if any opens.
pub(crate) async fn read_pending(
    ready: &Ready,
    client: &impl GenericClient,
    name: &ProfileName,
) -> Result<Option<PendingRotation>, StoreError> {
    let row = client
        .query_opt(
            "SELECT sealed FROM pending WHERE profile = $1",
            &[&name.as_str()],
        )
        .await
        .map_err(|e| ready.error(&e))?;
    let sealed: Option<Vec<u8>> = row.and_then(|row| row.get(0));
    Ok(sealed.and_then(|sealed| open_pending(&ready.cipher, &ready.store_id, name, &sealed)))
}

pub(crate) fn rotation_from_row(row: &Row) -> RotationRecord {
    let at: i64 = row.get(0);
    let generation: i64 = row.get(1);
    let fingerprint: String = row.get(2);
    let recovered_from: Option<i64> = row.get(3);
    RotationRecord {
        at: Timestamp::from_unix(at),
        generation: Generation::new(u64::try_from(generation).unwrap_or(0)),
        fingerprint: fingerprint_from_column(fingerprint),
        recovered_from: recovered_from.map(Timestamp::from_unix),
    }
}
