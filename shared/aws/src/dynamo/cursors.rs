//! Cursors (small per-app JSON values) and idempotency claims, on the state table.

use super::{attr, get_item, get_s, key, keys, n, s, ttl};
use crate::error::{code_of, store_error};
use app::ports::{CursorStore, IdempotencyStore, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use domain::AppId;
use domain::datetime::epoch_millis;
use time::OffsetDateTime;

/// DynamoDB limits a partition key to 2048 bytes; keep a margin for the prefix.
const MAX_KEY_BYTES: usize = 1024;
const CLAIMED_UNTIL: &str = "claimed_until_ms";

/// [`CursorStore`]: `pk = {app}#cursor`, `sk = key`, value in `value`.
#[derive(Debug, Clone)]
pub struct DynamoCursorStore {
    client: Client,
    table: String,
}

impl DynamoCursorStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait]
impl CursorStore for DynamoCursorStore {
    async fn get(&self, app: &AppId, name: &str) -> StoreResult<Option<String>> {
        let item = get_item(&self.client, &self.table, key(keys::cursor_pk(app), name)).await?;
        item.map(|i| get_s(&i, "value").map(str::to_owned))
            .transpose()
    }

    async fn put(&self, app: &AppId, name: &str, value: &str) -> StoreResult<()> {
        if name.is_empty() || name.len() > MAX_KEY_BYTES {
            return Err(StoreError::Corrupt(format!(
                "cursor name must be 1-{MAX_KEY_BYTES} bytes"
            )));
        }
        let mut item = key(keys::cursor_pk(app), name);
        item.insert("value".into(), s(value));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| store_error("PutItem cursor", e))?;
        Ok(())
    }
}

/// [`IdempotencyStore`]: one item per key with a TTL at `expires_at`. A claim is a conditional
/// put that succeeds when no live claim exists (TTL deletion lags up to days, so an expired
/// claim still in the table is treated as absent).
#[derive(Debug, Clone)]
pub struct DynamoIdempotencyStore {
    client: Client,
    table: String,
}

impl DynamoIdempotencyStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn checked_key(raw: &str) -> StoreResult<&str> {
    if raw.is_empty() || raw.len() > MAX_KEY_BYTES {
        return Err(StoreError::Corrupt(format!(
            "idempotency key must be 1-{MAX_KEY_BYTES} bytes"
        )));
    }
    Ok(raw)
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotencyStore {
    async fn claim(
        &self,
        raw: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut item = key(
            keys::idempotency_pk(checked_key(raw)?),
            keys::IDEMPOTENCY_SK,
        );
        item.insert(attr::EXPIRES_AT.into(), ttl(expires_at));
        // TTL is in whole seconds; the claim itself is compared in milliseconds.
        item.insert(CLAIMED_UNTIL.into(), n(epoch_millis(expires_at)));
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #until <= :now")
            .expression_attribute_names("#until", CLAIMED_UNTIL)
            .expression_attribute_values(":now", n(epoch_millis(now)))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(store_error("PutItem claim", e)),
        }
    }

    async fn release(&self, raw: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(
                keys::idempotency_pk(checked_key(raw)?),
                keys::IDEMPOTENCY_SK,
            )))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem claim", e))?;
        Ok(())
    }
}
