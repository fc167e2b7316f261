//! Bulk API 2.0 query (reference §15.1): create the job, poll its state with backoff, then read
//! CSV result pages following `Sforce-Locator` until it is the literal `null`.

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::SfClient;
use crate::error::SfError;
use crate::record::Record;
use crate::transport::ApiRequest;

pub use crate::bulk_csv::{CsvRows, CsvStream};

#[derive(Debug, Clone)]
pub struct BulkQueryOptions {
    /// `queryAll` (include deleted/archived).
    pub include_deleted: bool,
    /// First poll delay; doubles up to `poll_max`.
    pub poll_initial: Duration,
    pub poll_max: Duration,
    /// Give up waiting (the job keeps running on Salesforce).
    pub max_wait: Duration,
    /// `maxRecords` per results page.
    pub page_size: u32,
}

impl Default for BulkQueryOptions {
    fn default() -> Self {
        Self {
            include_deleted: false,
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(30),
            max_wait: Duration::from_secs(30 * 60),
            page_size: 50_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkJobInfo {
    pub id: String,
    pub state: String,
    #[serde(default)]
    pub number_records_processed: Option<u64>,
    /// Ingest jobs: rows that failed.
    #[serde(default)]
    pub number_records_failed: Option<u64>,
    #[serde(default)]
    pub error_message: Option<String>,
}

impl BulkJobInfo {
    /// `JobComplete`, `Failed` or `Aborted`: nothing more will happen to the job.
    pub fn is_finished(&self) -> bool {
        matches!(self.state.as_str(), "JobComplete" | "Failed" | "Aborted")
    }
}

/// The result pages of a completed job.
pub struct BulkQueryResults {
    client: SfClient,
    job_id: String,
    page_size: u32,
    /// `None` before the first page; `Some(None)` once the locator said `null`.
    locator: Option<Option<String>>,
}

impl BulkQueryResults {
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// The next CSV page as records (empty CSV values are `null`), or `None` at the end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>, SfError> {
        let locator = match &self.locator {
            Some(None) => return Ok(None),
            Some(Some(loc)) => Some(loc.as_str()),
            None => None,
        };
        let (records, next) = self
            .client
            .bulk_results_page(&self.job_id, locator, self.page_size)
            .await?;
        self.locator = Some(next);
        Ok(Some(records))
    }
}

/// Parse a whole Bulk 2.0 CSV page.
pub fn parse_csv(body: &[u8]) -> Result<Vec<Record>, SfError> {
    CsvRows::new(body.to_vec())?.collect()
}

impl SfClient {
    /// Create a Bulk 2.0 query job and wait until it completes; then page through results.
    pub async fn bulk_query(
        &self,
        soql: &str,
        opts: &BulkQueryOptions,
    ) -> Result<BulkQueryResults, SfError> {
        let job = self.bulk_create(soql, opts.include_deleted).await?;
        self.wait_for_job(&job.id, opts).await?;
        Ok(BulkQueryResults {
            client: self.clone(),
            job_id: job.id,
            page_size: opts.page_size,
            locator: None,
        })
    }

    /// `POST /jobs/query`: create a query job (it starts as `UploadComplete`); no waiting.
    pub async fn bulk_create(
        &self,
        soql: &str,
        include_deleted: bool,
    ) -> Result<BulkJobInfo, SfError> {
        let operation = if include_deleted { "queryAll" } else { "query" };
        let body = json!({"operation": operation, "query": soql, "contentType": "CSV",
                          "columnDelimiter": "COMMA", "lineEnding": "LF"});
        self.send(
            &ApiRequest::new(Method::POST, "jobs/query")
                .replay_safe()
                .json(&body)?,
        )
        .await?
        .json("bulk job")
    }

    /// `GET /jobs/query/{id}/results?maxRecords=&locator=`: one CSV page of a completed job and
    /// the next page's locator (`None` once Salesforce says `null`).
    pub async fn bulk_results_page(
        &self,
        job_id: &str,
        locator: Option<&str>,
        max_records: u32,
    ) -> Result<(Vec<Record>, Option<String>), SfError> {
        let (mut rows, next) = self.bulk_results_rows(job_id, locator, max_records).await?;
        let mut records = Vec::new();
        while let Some(r) = rows.next_row().await? {
            records.push(r);
        }
        Ok((records, next))
    }

    /// [`Self::bulk_results_page`] with the rows parsed from the body as it arrives.
    pub async fn bulk_results_rows(
        &self,
        job_id: &str,
        locator: Option<&str>,
        max_records: u32,
    ) -> Result<(CsvStream, Option<String>), SfError> {
        let mut req = ApiRequest::get(format!("jobs/query/{job_id}/results"))
            .query("maxRecords", max_records.to_string())
            .accept("text/csv");
        if let Some(loc) = locator {
            req = req.query("locator", loc.to_owned());
        }
        let resp = self.send_streamed(&req).await?;
        let next = resp
            .headers()
            .get("sforce-locator")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "null")
            .map(str::to_owned);
        Ok((CsvStream::open(resp, self.request_timeout()).await?, next))
    }

    /// `DELETE /jobs/query/{id}`: the job and its results are gone (as after Salesforce's purge).
    pub async fn bulk_delete(&self, job_id: &str) -> Result<(), SfError> {
        self.send(&ApiRequest::new(
            Method::DELETE,
            format!("jobs/query/{job_id}"),
        ))
        .await?;
        Ok(())
    }

    /// `GET /jobs/query/{id}`.
    pub async fn bulk_job(&self, job_id: &str) -> Result<BulkJobInfo, SfError> {
        self.send(&ApiRequest::get(format!("jobs/query/{job_id}")))
            .await?
            .json("bulk job")
    }

    async fn wait_for_job(
        &self,
        job_id: &str,
        opts: &BulkQueryOptions,
    ) -> Result<BulkJobInfo, SfError> {
        let info = self.wait_until_finished("jobs/query", job_id, opts).await?;
        if info.state == "JobComplete" {
            return Ok(info);
        }
        Err(SfError::BulkJobFailed {
            job_id: job_id.to_owned(),
            state: info.state,
            message: info.error_message.unwrap_or_default(),
        })
    }

    /// Poll `GET {jobs}/{id}` with doubling delays until the job has finished.
    pub(crate) async fn wait_until_finished(
        &self,
        jobs: &str,
        job_id: &str,
        opts: &BulkQueryOptions,
    ) -> Result<BulkJobInfo, SfError> {
        let started = tokio::time::Instant::now();
        let mut delay = opts.poll_initial;
        loop {
            let info: BulkJobInfo = self
                .send(&ApiRequest::get(format!("{jobs}/{job_id}")))
                .await?
                .json("bulk job")?;
            if info.is_finished() {
                return Ok(info);
            }
            if started.elapsed() + delay > opts.max_wait {
                return Err(SfError::Network {
                    timeout: true,
                    not_sent: false,
                    detail: format!("bulk job {job_id} still {}", info.state),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(opts.poll_max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn csv_pages_become_records_with_nulls() {
        let csv = b"\"Id\",\"Email\",\"Owner.Email\",\"Description\"\n\"00Q5g00000XyZaBEAV\",\"ng@acme.example\",\"\",\"line1\nline2, \"\"quoted\"\"\"\n";
        let records = parse_csv(csv).unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(r.id().unwrap().as_str(), "00Q5g00000XyZaBEAV");
        assert_eq!(r.get_str("Email"), Some("ng@acme.example"));
        assert_eq!(r.0["Owner.Email"], Value::Null);
        assert_eq!(r.get_str("Description"), Some("line1\nline2, \"quoted\""));
        assert!(parse_csv(b"").unwrap().is_empty());
        assert!(
            parse_csv(b"\"Id\",\"Email\"\n\"1\"\n").is_err(),
            "ragged rows are refused"
        );
    }

    #[test]
    fn job_info_decodes() {
        let j: BulkJobInfo = serde_json::from_str(
            r#"{"id":"750Tn000004ZoR3IAK","operation":"query","object":"Lead","createdById":"005",
                "createdDate":"2024-04-25T15:50:37.000+0000","systemModstamp":"2024-04-25T15:50:37.000+0000",
                "state":"UploadComplete","concurrencyMode":"Parallel","contentType":"CSV","apiVersion":62.0,
                "lineEnding":"LF","columnDelimiter":"COMMA"}"#,
        )
        .unwrap();
        assert_eq!(
            (j.id.as_str(), j.state.as_str()),
            ("750Tn000004ZoR3IAK", "UploadComplete")
        );
    }
}
