//! The circuit breaker's rolling windows: one item per window (`pk = {app}#quota`,
//! `sk = window#{name}`) holding a ring of `span` slots. Slot `b mod span` keeps bucket `b`'s
//! number (`e{slot}`) and its counters (`c{slot}x{i}`). An add is one `UpdateItem` that returns
//! the whole item (the window's sums come with it): `ADD` when the slot already holds this bucket,
//! else `SET` when it holds an older one (a new bucket starts from the counts). A lost race
//! between two workers opening the same bucket is retried.

use super::{key, keys, n, ttl};
use crate::error::{code_of, store_error};
use app::ports::{StoreError, StoreResult};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use domain::AppId;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// Attempts before giving up on a bucket other workers keep opening (never in practice).
const ATTEMPTS: usize = 4;

pub(crate) async fn add_in_window(
    client: &Client,
    table: &str,
    app: &AppId,
    name: &str,
    (bucket, span): (i64, u32),
    counts: &[u64],
) -> StoreResult<Vec<u64>> {
    let span = span.max(1);
    let slot = bucket.rem_euclid(i64::from(span));
    for _ in 0..ATTEMPTS {
        for open in [false, true] {
            let mut update = client
                .update_item()
                .table_name(table)
                .set_key(Some(key(keys::quota_pk(app), format!("window#{name}"))))
                .expression_attribute_values(":b", n(bucket))
                .expression_attribute_values(":exp", ttl(keep_until()))
                .return_values(ReturnValue::AllNew);
            for (i, c) in counts.iter().enumerate() {
                update = update.expression_attribute_values(format!(":n{i}"), n(c));
            }
            let (expr, condition) = if open {
                let sets: Vec<String> = (0..counts.len())
                    .map(|i| format!("c{slot}x{i} = :n{i}"))
                    .collect();
                (
                    format!("SET e{slot} = :b, expires_at = :exp, {}", sets.join(", ")),
                    format!("attribute_not_exists(e{slot}) OR e{slot} < :b"),
                )
            } else {
                let adds: Vec<String> = (0..counts.len())
                    .map(|i| format!("c{slot}x{i} :n{i}"))
                    .collect();
                (
                    format!("ADD {} SET expires_at = :exp", adds.join(", ")),
                    format!("e{slot} = :b"),
                )
            };
            let out = update
                .update_expression(expr)
                .condition_expression(condition)
                .send()
                .await;
            match out {
                Ok(out) => {
                    let item = out.attributes.unwrap_or_default();
                    return Ok(sums(&item, bucket, span, counts.len()));
                }
                Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => continue,
                Err(e) => return Err(store_error("UpdateItem window", e)),
            }
        }
    }
    Err(StoreError::Unavailable(format!(
        "window {name}: bucket {bucket} kept changing under {ATTEMPTS} attempts"
    )))
}

/// A window outlives its last add by a day (a quiet object's window then disappears).
fn keep_until() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(1)
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

fn sums(item: &HashMap<String, AttributeValue>, bucket: i64, span: u32, width: usize) -> Vec<u64> {
    let first = bucket - i64::from(span) + 1;
    let mut out = vec![0u64; width];
    for slot in 0..span {
        let Some(b) = number(item, &format!("e{slot}")) else {
            continue;
        };
        if b < first || b > bucket {
            continue;
        }
        for (i, sum) in out.iter_mut().enumerate() {
            let c = number(item, &format!("c{slot}x{i}")).unwrap_or(0).max(0) as u64;
            *sum = sum.saturating_add(c);
        }
    }
    out
}
