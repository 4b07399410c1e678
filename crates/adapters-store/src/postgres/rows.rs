//! Rows to domain values and back, through the same sealing code as the
//! SQLite store (`crate::codec`), and the queries that need no profile lock.

use oci_iam_sso_domain::{
    Generation, PendingRotation, Profile, ProfileName, RotationRecord, StoreError, Timestamp,
    TokenSet,
};
use tokio_postgres::{GenericClient, Row};

use super::Ready;
use crate::codec::{fingerprint_from_column, open_pending};
pub(crate) use crate::row_codec::PROFILE_COLUMNS;
use crate::row_codec::{ProfileRow, TOKEN_COLUMNS, TokenRow};

/// The profile of a row selected with [`PROFILE_COLUMNS`].
pub(crate) fn profile_from_row(ready: &Ready, row: &Row) -> Result<Profile, StoreError> {
    ProfileRow {
        name: row.get(0),
        domain_url: row.get(1),
        scope: row.get(2),
        resource_url: row.get(3),
        client_id_ct: row.get(4),
        client_secret_ct: row.get(5),
        endpoints: row.get(6),
    }
    .open(&ready.cipher, &ready.location)
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
    TokenRow {
        generation: row.get(0),
        access_ct: row.get(1),
        token_type: row.get(2),
        access_expires_at: row.get(3),
        refresh_ct: row.get(4),
        refresh_issued_at: row.get(5),
        scope: row.get(6),
        chain_started_at: row.get(7),
        access_issued_at: row.get(8),
    }
    .open(&ready.cipher, &ready.location, name)
    .map(Some)
}

/// Writes `tokens` as the set of `name` (the caller checked the generation).
pub(crate) async fn write_tokens(
    ready: &Ready,
    client: &impl GenericClient,
    name: &ProfileName,
    tokens: &TokenSet,
) -> Result<(), StoreError> {
    let row = TokenRow::seal(&ready.cipher, &ready.location, name, tokens)?;
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
                &row.generation,
                &row.access_ct,
                &row.token_type,
                &row.access_expires_at,
                &row.refresh_ct,
                &row.refresh_issued_at,
                &row.scope,
                &row.chain_started_at,
                &row.access_issued_at,
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
