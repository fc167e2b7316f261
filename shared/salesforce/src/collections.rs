//! Writes: sObject Collections create/update/delete chunked at 200 records per call (one API
//! call each, reference §5.1), and single-record create that surfaces duplicate matches.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::classify::classify;
use crate::client::SfClient;
use crate::error::SfError;
use crate::record::Fields;
use crate::soql::check_identifier;
use crate::transport::ApiRequest;
use domain::{SfId, SyncError};

/// Salesforce's per-call maximum for sObject Collections.
pub const COLLECTION_CHUNK: usize = 200;

/// Per-write policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Save despite an Alert duplicate rule (`Sforce-Duplicate-Rule-Header: allowSave=true`).
    pub allow_save_on_duplicate: bool,
    /// Roll the whole chunk back if one record fails.
    pub all_or_none: bool,
}

/// One element of a collections response, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResult {
    /// Absent on failed creates.
    pub id: Option<SfId>,
    pub success: bool,
    pub errors: Vec<SfRecordError>,
    /// Upserts only: whether the record was inserted (`true`) or matched and updated.
    pub created: Option<bool>,
}

/// A per-record error (`statusCode`, not `errorCode`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SfRecordError {
    pub status_code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

impl SfRecordError {
    pub fn to_sync_error(&self) -> SyncError {
        classify(&self.status_code, &self.message, &self.fields)
    }
    pub fn is_retryable(&self) -> bool {
        crate::error::is_transient_code(&self.status_code)
            || self.status_code == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    }
}

/// A multi-chunk write stopped by a call-level failure: the first `completed.len()` records were
/// processed (see their results); the rest were not sent.
#[derive(Debug, thiserror::Error)]
#[error("write stopped after {} records: {error}", .completed.len())]
pub struct WriteError {
    pub completed: Vec<RecordResult>,
    pub error: SfError,
}

/// Result of a single-record create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    Created(SfId),
    /// A duplicate rule blocked the create; bind to one of these instead.
    Duplicate {
        matches: Vec<SfId>,
    },
}

#[derive(Deserialize)]
struct RawResult {
    #[serde(default)]
    id: Option<String>,
    success: bool,
    #[serde(default)]
    errors: Vec<SfRecordError>,
    #[serde(default)]
    created: Option<bool>,
}

pub(crate) fn parse_results(body: &[u8], expected: usize) -> Result<Vec<RecordResult>, SfError> {
    let raw: Vec<RawResult> = serde_json::from_slice(body).map_err(|e| {
        SfError::Decode(format!(
            "collection results: {}",
            domain::redact::quoted(&e.to_string())
        ))
    })?;
    if raw.len() != expected {
        return Err(SfError::Decode(format!(
            "{} results for {expected} records",
            raw.len()
        )));
    }
    raw.into_iter()
        .map(|r| {
            let id =
                r.id.map(|s| SfId::parse(&s).map_err(|e| SfError::Decode(e.to_string())))
                    .transpose()?;
            Ok(RecordResult {
                id,
                success: r.success,
                errors: r.errors,
                created: r.created,
            })
        })
        .collect()
}

impl SfClient {
    fn write_request(
        &self,
        method: Method,
        path: &str,
        object: Option<&str>,
        opts: &WriteOptions,
    ) -> ApiRequest {
        let mut req = ApiRequest::new(method, path);
        let assigns = matches!(object, Some(o) if o.eq_ignore_ascii_case("Lead") || o.eq_ignore_ascii_case("Account"));
        if assigns && self.options().disable_auto_assign {
            req = req.header("Sforce-Auto-Assign", "FALSE");
        }
        if opts.allow_save_on_duplicate {
            req = req.header("Sforce-Duplicate-Rule-Header", "allowSave=true");
        }
        req
    }

    /// Create records of one object; results in input order. A failed create never carries an
    /// id (a rolled-back record does not exist, whatever id the response showed).
    pub async fn create(
        &self,
        object: &str,
        records: &[Fields],
        opts: &WriteOptions,
    ) -> Result<Vec<RecordResult>, WriteError> {
        let typed: Vec<Value> = records.iter().map(|f| with_type(object, None, f)).collect();
        let strip = |mut results: Vec<RecordResult>| {
            results
                .iter_mut()
                .filter(|r| !r.success)
                .for_each(|r| r.id = None);
            results
        };
        self.write_chunks(Method::POST, "composite/sobjects", object, &typed, opts)
            .await
            .map(strip)
            .map_err(|e| WriteError {
                completed: strip(e.completed),
                error: e.error,
            })
    }

    /// Update records of one object by id; results in input order.
    pub async fn update(
        &self,
        object: &str,
        records: &[(SfId, Fields)],
        opts: &WriteOptions,
    ) -> Result<Vec<RecordResult>, WriteError> {
        let typed: Vec<Value> = records
            .iter()
            .map(|(id, f)| with_type(object, Some(id), f))
            .collect();
        self.write_chunks(Method::PATCH, "composite/sobjects", object, &typed, opts)
            .await
    }

    /// Delete by id; results in input order.
    pub async fn delete(
        &self,
        ids: &[SfId],
        opts: &WriteOptions,
    ) -> Result<Vec<RecordResult>, WriteError> {
        let mut done = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(COLLECTION_CHUNK) {
            let joined = chunk.iter().map(SfId::as_str).collect::<Vec<_>>().join(",");
            let req = ApiRequest::new(Method::DELETE, "composite/sobjects")
                .query("ids", joined)
                .query("allOrNone", opts.all_or_none.to_string());
            match self
                .send(&req)
                .await
                .and_then(|r| parse_results(&r.body, chunk.len()))
            {
                Ok(results) => done.extend(results),
                Err(error) => {
                    return Err(WriteError {
                        completed: done,
                        error,
                    });
                }
            }
        }
        Ok(done)
    }

    pub(crate) async fn write_chunks(
        &self,
        method: Method,
        path: &str,
        object: &str,
        records: &[Value],
        opts: &WriteOptions,
    ) -> Result<Vec<RecordResult>, WriteError> {
        let mut done = Vec::with_capacity(records.len());
        if let Err(error) = check_identifier(object) {
            return Err(WriteError {
                completed: done,
                error,
            });
        }
        for chunk in records.chunks(COLLECTION_CHUNK) {
            let body = json!({ "allOrNone": opts.all_or_none, "records": chunk });
            let sent = match self
                .write_request(method.clone(), path, Some(object), opts)
                .json(&body)
            {
                Ok(req) => self.send(&req).await,
                Err(e) => Err(e),
            };
            match sent.and_then(|r| parse_results(&r.body, chunk.len())) {
                Ok(results) => done.extend(results),
                Err(error) => {
                    return Err(WriteError {
                        completed: done,
                        error,
                    });
                }
            }
        }
        Ok(done)
    }

    /// `POST /sobjects/{object}`: one record, with duplicate matches surfaced for binding.
    pub async fn create_one(
        &self,
        object: &str,
        fields: &Fields,
        opts: &WriteOptions,
    ) -> Result<CreateOutcome, SfError> {
        let req = self
            .write_request(
                Method::POST,
                &format!("sobjects/{}", check_identifier(object)?),
                Some(object),
                opts,
            )
            .json(fields)?;
        match self.send(&req).await {
            Ok(resp) => {
                let created: RawResult = resp.json("create result")?;
                let id = created
                    .id
                    .ok_or_else(|| SfError::Decode("create result without id".into()))?;
                Ok(CreateOutcome::Created(
                    SfId::parse(&id).map_err(|e| SfError::Decode(e.to_string()))?,
                ))
            }
            Err(SfError::Duplicate { matches, .. }) => Ok(CreateOutcome::Duplicate { matches }),
            Err(e) => Err(e),
        }
    }
}

pub(crate) fn with_type(object: &str, id: Option<&SfId>, fields: &Fields) -> Value {
    let mut map = fields.clone();
    map.remove("attributes");
    map.insert("attributes".into(), json!({ "type": object }));
    if let Some(id) = id {
        map.remove("Id");
        map.insert("id".into(), Value::String(id.as_str().to_owned()));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ErrorCode;

    #[test]
    fn mixed_results_keep_order_and_ids_only_on_success() {
        let body = br#"[
          {"id":"001RM000003oLnnYAE","success":true,"errors":[]},
          {"success":false,"errors":[{"statusCode":"DUPLICATES_DETECTED","message":"Use one of these records?","fields":[]}]},
          {"id":null,"success":false,"errors":[{"statusCode":"STRING_TOO_LONG","message":"Last Name: data value too large: x (max length=80)","fields":["LastName"]}]}
        ]"#;
        let r = parse_results(body, 3).unwrap();
        assert_eq!(r[0].id.as_ref().unwrap().as_str(), "001RM000003oLnnYAE");
        assert!(r[0].success && r[0].errors.is_empty());
        assert!(r[1].id.is_none() && !r[1].success);
        assert_eq!(r[1].errors[0].status_code, "DUPLICATES_DETECTED");
        let e = r[2].errors[0].to_sync_error();
        assert_eq!(
            (e.code, e.detail.as_str()),
            (ErrorCode::ValueTooLong, "max length=80")
        );
        assert!(
            parse_results(body, 4).is_err(),
            "a count mismatch must not be silently accepted"
        );
    }

    #[test]
    fn rolled_back_records_are_retryable() {
        let e = SfRecordError {
            status_code: "ALL_OR_NONE_OPERATION_ROLLED_BACK".into(),
            message: "Record rolled back because not all records were valid".into(),
            fields: vec![],
        };
        assert!(e.is_retryable());
        assert!(
            !SfRecordError {
                status_code: "REQUIRED_FIELD_MISSING".into(),
                message: String::new(),
                fields: vec![]
            }
            .is_retryable()
        );
    }

    #[test]
    fn records_get_type_and_id() {
        let mut f = Fields::new();
        f.insert("LastName".into(), json!("Ng"));
        f.insert("Id".into(), json!("stale"));
        let id = SfId::parse("00Q5g00000XyZaBEAV").unwrap();
        let v = with_type("Lead", Some(&id), &f);
        assert_eq!(
            v,
            json!({"attributes":{"type":"Lead"},"LastName":"Ng","id":"00Q5g00000XyZaBEAV"})
        );
    }
}
