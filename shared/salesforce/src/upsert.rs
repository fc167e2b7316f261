//! Upsert by external id through sObject Collections (`PATCH /composite/sobjects/{object}/{field}`,
//! reference §5.1, v46+): 200 records per call, idempotent, so a write whose outcome is unknown
//! (timeout) can simply be sent again without creating a duplicate.

use reqwest::Method;
use serde_json::Value;

use crate::client::SfClient;
use crate::collections::{RecordResult, WriteError, WriteOptions, with_type};
use crate::error::SfError;
use crate::record::Fields;
use crate::soql::check_identifier;

impl SfClient {
    /// Insert or update records of one object matched on `external_id_field`, which every
    /// record must carry (and no `Id`). Results in input order, with `created` set.
    pub async fn upsert(
        &self,
        object: &str,
        external_id_field: &str,
        records: &[Fields],
        opts: &WriteOptions,
    ) -> Result<Vec<RecordResult>, WriteError> {
        let refuse = |error: SfError| WriteError {
            completed: Vec::new(),
            error,
        };
        let field = check_identifier(external_id_field).map_err(refuse)?;
        let object = check_identifier(object).map_err(refuse)?;
        let mut typed = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            if record.get(field).is_none_or(Value::is_null) || record.contains_key("Id") {
                let why = format!("record {i} needs {field} and no Id to be upserted");
                return Err(refuse(SfError::InvalidInput(why)));
            }
            typed.push(with_type(object, None, record));
        }
        let path = format!("composite/sobjects/{object}/{field}");
        self.write_chunks(Method::PATCH, &path, object, &typed, opts)
            .await
    }
}
