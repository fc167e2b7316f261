//! CRM records (leads, accounts; generic over the JING object code): batch create, batch update,
//! get, list changed since a time, invalidate (作废). Values travel as `domain::Value`.

use crate::client::JingClient;
use crate::contract::{CodeClass, OwnWriteMarker, classify, fields as f};
use crate::envelope::{BatchData, GetData, PageData, RecordData};
use crate::error::{JingError, sync_error_for};
use crate::metadata::FieldTypes;
use domain::datetime::{epoch_millis, from_epoch_millis};
use domain::{ErrorCode, JingId, SyncError, Value};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Field code → value.
pub type FieldValues = BTreeMap<String, Value>;

/// One record read from JING.
#[derive(Debug, Clone, PartialEq)]
pub struct JingRecord {
    pub id: JingId,
    pub fields: FieldValues,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub invalid: bool,
    /// The last change was made by our own API client (an echo of a write of ours).
    pub by_integration: bool,
}

/// An update of one record by its entity id.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordUpdate {
    pub id: JingId,
    pub fields: FieldValues,
}

/// What happened to one item of a batch, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    Created(JingId),
    Updated(JingId),
    Invalidated(JingId),
    /// JING's duplicate rules matched an existing record; bind to it instead of creating.
    BoundToExisting(JingId),
    Failed(SyncError),
}

/// One page of changed records and the cursor of the next (None = done).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedPage {
    pub records: Vec<JingRecord>,
    pub next_cursor: Option<String>,
}

#[derive(Clone, Copy)]
enum WriteKind {
    Create,
    Update,
    Invalidate,
}

impl JingClient {
    /// Create records in batches of `contract.batch_size` (one call per batch).
    pub async fn batch_create(
        &self,
        object: &str,
        records: &[FieldValues],
    ) -> Result<Vec<WriteOutcome>, JingError> {
        let items: Vec<Json> = records
            .iter()
            .map(|r| json!({ f::FIELDS: encode(r) }))
            .collect();
        let path = self.contract().paths.object_batch_create.clone();
        self.batched(
            "object_batch_create",
            &path,
            object,
            f::RECORDS,
            items,
            WriteKind::Create,
        )
        .await
    }

    /// Update records by entity id in batches.
    pub async fn batch_update(
        &self,
        object: &str,
        updates: &[RecordUpdate],
    ) -> Result<Vec<WriteOutcome>, JingError> {
        let items: Vec<Json> = updates
            .iter()
            .map(|u| json!({ f::ENTITY_ID: u.id.as_str(), f::FIELDS: encode(&u.fields) }))
            .collect();
        let path = self.contract().paths.object_batch_update.clone();
        self.batched(
            "object_batch_update",
            &path,
            object,
            f::RECORDS,
            items,
            WriteKind::Update,
        )
        .await
    }

    /// Invalidate (作废) records in batches.
    pub async fn invalidate(
        &self,
        object: &str,
        ids: &[JingId],
    ) -> Result<Vec<WriteOutcome>, JingError> {
        let items: Vec<Json> = ids.iter().map(|id| Json::String(id.to_string())).collect();
        let path = self.contract().paths.object_invalidate.clone();
        self.batched(
            "object_invalidate",
            &path,
            object,
            f::ENTITY_IDS,
            items,
            WriteKind::Invalidate,
        )
        .await
    }

    /// Read records by id in batches; ids JING does not know are left out.
    pub async fn get_records(
        &self,
        object: &str,
        ids: &[JingId],
        types: &FieldTypes,
    ) -> Result<Vec<JingRecord>, JingError> {
        let path = self.contract().paths.object_get.clone();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(self.contract().batch_size.max(1)) {
            let body = json!({ f::OBJECT_NAME: object, f::ENTITY_IDS: chunk.iter().map(JingId::as_str).collect::<Vec<_>>() });
            let data: GetData = self.call("object_get", &path, &body, object).await?;
            for r in data.records {
                out.push(decode_record(
                    r,
                    types,
                    &self.contract().webhook.own_writes,
                )?);
            }
        }
        Ok(out)
    }

    pub async fn get_record(
        &self,
        object: &str,
        id: &JingId,
        types: &FieldTypes,
    ) -> Result<Option<JingRecord>, JingError> {
        Ok(self
            .get_records(object, std::slice::from_ref(id), types)
            .await?
            .pop())
    }

    /// One page of records changed at or after `since` (oldest first), from `cursor` on.
    pub async fn list_changed(
        &self,
        object: &str,
        since: OffsetDateTime,
        cursor: Option<&str>,
        types: &FieldTypes,
    ) -> Result<ChangedPage, JingError> {
        let page = self.list_changed_raw(object, since, cursor).await?;
        let own = &self.contract().webhook.own_writes;
        let records = page
            .list
            .into_iter()
            .map(|r| decode_record(r, types, own))
            .collect::<Result<_, _>>()?;
        Ok(ChangedPage {
            records,
            next_cursor: page.next_cursor,
        })
    }

    /// The same page with field values as JING sent them.
    pub(crate) async fn list_changed_raw(
        &self,
        object: &str,
        since: OffsetDateTime,
        cursor: Option<&str>,
    ) -> Result<PageData<RecordData>, JingError> {
        let mut body = json!({
            f::OBJECT_NAME: object,
            f::UPDATED_SINCE: epoch_millis(since),
            f::PAGE_SIZE: self.contract().page_size.min(self.contract().max_page_size),
        });
        if let Some(c) = cursor {
            body[f::CURSOR] = Json::String(c.to_owned());
        }
        let path = self.contract().paths.object_list.clone();
        let mut page: PageData<RecordData> = self.call("object_list", &path, &body, object).await?;
        page.next_cursor = page.next_cursor.filter(|c| !c.is_empty());
        Ok(page)
    }

    async fn batched(
        &self,
        kind: &str,
        path: &str,
        object: &str,
        key: &str,
        items: Vec<Json>,
        write: WriteKind,
    ) -> Result<Vec<WriteOutcome>, JingError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(self.contract().batch_size.max(1)) {
            let body = json!({ f::OBJECT_NAME: object, key: chunk });
            let data: BatchData = self.call(kind, path, &body, object).await?;
            out.extend(outcomes(data, chunk.len(), object, write));
        }
        Ok(out)
    }
}

fn encode(fields: &FieldValues) -> Map<String, Json> {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_jing_json()))
        .collect()
}

/// Line the answer items up with the input; an item JING did not mention is a failure.
fn outcomes(data: BatchData, len: usize, object: &str, write: WriteKind) -> Vec<WriteOutcome> {
    let mut out: Vec<Option<WriteOutcome>> = vec![None; len];
    for s in data.success {
        if let (Some(slot), Ok(id)) = (out.get_mut(s.index), JingId::parse(&s.entity_id)) {
            *slot = Some(match write {
                WriteKind::Create => WriteOutcome::Created(id),
                WriteKind::Update => WriteOutcome::Updated(id),
                WriteKind::Invalidate => WriteOutcome::Invalidated(id),
            });
        }
    }
    for fail in data.failure {
        let Some(slot) = out.get_mut(fail.index) else {
            continue;
        };
        let existing = fail
            .existing_id
            .as_deref()
            .and_then(|id| JingId::parse(id).ok());
        *slot = Some(match (classify(fail.code), write, existing) {
            (CodeClass::Duplicate, WriteKind::Create, Some(id)) => {
                WriteOutcome::BoundToExisting(id)
            }
            _ => WriteOutcome::Failed(sync_error_for(
                fail.code,
                &fail.msg,
                fail.field.as_deref(),
                object,
            )),
        });
    }
    out.into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                WriteOutcome::Failed(
                    SyncError::new(ErrorCode::InvalidValue)
                        .object(object)
                        .detail("JING gave no answer for this item"),
                )
            })
        })
        .collect()
}

pub(crate) fn decode_record(
    r: RecordData,
    types: &FieldTypes,
    own: &OwnWriteMarker,
) -> Result<JingRecord, JingError> {
    let id = JingId::parse(&r.entity_id).map_err(|e| JingError::Protocol(e.to_string()))?;
    let mut fields = FieldValues::new();
    for (code, raw) in &r.fields {
        let ty = types.of(code);
        // A value that does not fit its declared type is kept as text rather than dropped.
        let v = Value::from_jing_json(ty, raw)
            .or_else(|_| Value::from_jing_json(FieldTypes::FALLBACK, raw));
        fields.insert(code.clone(), v.unwrap_or(Value::Empty));
    }
    Ok(JingRecord {
        id,
        fields,
        created_at: from_epoch_millis(r.created_time),
        updated_at: from_epoch_millis(r.updated_time),
        invalid: r.invalid,
        by_integration: r.last_operator.is_some_and(|o| {
            o.operator_type == own.operator_type && o.login_platform == own.login_platform
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{FailureItem, SuccessItem};

    #[test]
    fn batch_answers_line_up_with_the_input() {
        let data = BatchData {
            success: vec![SuccessItem {
                index: 0,
                entity_id: "NttdW4NoJfD2cX6f7rg52f".into(),
            }],
            failure: vec![
                FailureItem {
                    index: 1,
                    code: 42205,
                    msg: "duplicate mobile".into(),
                    field: Some("mobile".into()),
                    existing_id: Some("B3hJubdf4GR3fNhSyx5npA".into()),
                },
                FailureItem {
                    index: 2,
                    code: 42202,
                    msg: "vip".into(),
                    field: Some("life_status".into()),
                    existing_id: None,
                },
            ],
        };
        let out = outcomes(data, 4, "lead", WriteKind::Create);
        assert!(
            matches!(&out[0], WriteOutcome::Created(id) if id.as_str() == "NttdW4NoJfD2cX6f7rg52f")
        );
        assert!(
            matches!(&out[1], WriteOutcome::BoundToExisting(id) if id.as_str() == "B3hJubdf4GR3fNhSyx5npA")
        );
        assert!(
            matches!(&out[2], WriteOutcome::Failed(e) if e.code == ErrorCode::InvalidPicklistValue && e.field.as_deref() == Some("life_status"))
        );
        assert!(matches!(&out[3], WriteOutcome::Failed(e) if e.code == ErrorCode::InvalidValue));
    }

    #[test]
    fn a_duplicate_on_update_is_a_failure_not_a_binding() {
        let data = BatchData {
            success: vec![],
            failure: vec![FailureItem {
                index: 0,
                code: 42205,
                msg: "dup".into(),
                field: None,
                existing_id: Some("x1".into()),
            }],
        };
        assert!(matches!(
            &outcomes(data, 1, "lead", WriteKind::Update)[0],
            WriteOutcome::Failed(_)
        ));
    }
}
