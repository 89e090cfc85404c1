//! Creating, listing, revoking and checking API keys.

use anyhow::Context;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use thiserror::Error;

use super::scope::{Principal, Scope};
use crate::clock::now_ms;
use crate::db::Db;

/// A key as listed (never with its secret).
#[derive(Clone, Debug, Serialize)]
pub struct ApiKey {
    /// The key's id (the part after `oc_`).
    pub id: String,
    /// What it is for.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<Scope>,
    /// When it was made (epoch ms).
    pub created_at: i64,
    /// When it was revoked (epoch ms).
    pub revoked_at: Option<i64>,
}

/// A new key, with the secret shown this once.
#[derive(Clone)]
pub struct CreatedKey {
    /// The key as stored.
    pub key: ApiKey,
    /// The whole key to give the client: `oc_<id>_<secret>`.
    pub token: String,
}

// By hand: the token is the secret itself; only its id part is printed.
impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .field("token", &format_args!("oc_{}_***", self.key.id))
            .finish()
    }
}

/// Why a presented key was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    /// Not of the form `oc_<id>_<secret>`.
    #[error("the API key is malformed")]
    Malformed,
    /// No such key, or the secret does not match.
    #[error("the API key is not valid")]
    Unknown,
    /// The key was revoked.
    #[error("the API key was revoked")]
    Revoked,
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes a key with the given scopes.
pub async fn create(db: &Db, name: &str, scopes: &[Scope]) -> anyhow::Result<CreatedKey> {
    anyhow::ensure!(!scopes.is_empty(), "a key needs at least one scope");
    anyhow::ensure!(
        !name.trim().is_empty() && name.len() <= 100,
        "name the key (1 to 100 characters)"
    );
    let id = hex::encode(rand::random::<[u8; 6]>());
    let secret = hex::encode(rand::random::<[u8; 24]>());
    let now = now_ms();
    let scope_text: Vec<String> = scopes.iter().map(ToString::to_string).collect();
    sqlx::query(
        "INSERT INTO api_keys (id, name, secret_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(name)
    .bind(digest(&secret))
    .bind(serde_json::to_string(&scope_text)?)
    .bind(now)
    .execute(db.pool())
    .await
    .context("storing the API key")?;
    Ok(CreatedKey {
        token: format!("oc_{id}_{secret}"),
        key: ApiKey {
            id,
            name: name.to_string(),
            scopes: scopes.to_vec(),
            created_at: now,
            revoked_at: None,
        },
    })
}

fn scopes_of(text: &str) -> Vec<Scope> {
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Scope::parse(s).ok())
        .collect()
}

/// Every key, newest first.
pub async fn list(db: &Db) -> anyhow::Result<Vec<ApiKey>> {
    let rows = sqlx::query("SELECT id, name, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id")
        .fetch_all(db.pool())
        .await
        .context("listing API keys")?;
    rows.iter()
        .map(|row| {
            Ok(ApiKey {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                scopes: scopes_of(&row.try_get::<String, _>("scopes")?),
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// Revokes a key; false when there is no such active key.
pub async fn revoke(db: &Db, id: &str) -> anyhow::Result<bool> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now_ms())
            .execute(db.pool())
            .await
            .context("revoking an API key")?;
    Ok(done.rows_affected() == 1)
}

/// Checks a presented token and returns who it is.
pub async fn authenticate(db: &Db, token: &str) -> anyhow::Result<Result<Principal, KeyError>> {
    let Some((id, secret)) = token
        .strip_prefix("oc_")
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(Err(KeyError::Malformed));
    };
    let row = sqlx::query("SELECT secret_hash, scopes, revoked_at FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await
        .context("reading an API key")?;
    let Some(row) = row else {
        return Ok(Err(KeyError::Unknown));
    };
    let stored: String = row.try_get("secret_hash")?;
    // Compare digests in constant time: a byte-wise early exit would leak how much matched.
    let presented = digest(secret);
    let same = stored.len() == presented.len()
        && stored
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Ok(Err(KeyError::Unknown));
    }
    if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
        return Ok(Err(KeyError::Revoked));
    }
    Ok(Ok(Principal {
        key_id: id.to_string(),
        scopes: scopes_of(&row.try_get::<String, _>("scopes")?),
    }))
}
