//! `query` / `queryAll` with page-at-a-time paging over `nextRecordsUrl` (reference §6.1).

use reqwest::Method;
use serde::Deserialize;

use crate::client::SfClient;
use crate::error::SfError;
use crate::record::Record;
use crate::transport::ApiRequest;

/// Options of one query.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryOptions {
    /// `queryAll`: include soft-deleted and archived records.
    pub include_deleted: bool,
    /// `Sforce-Query-Options: batchSize` (clamped to 200..=2000; Salesforce may still send fewer).
    pub batch_size: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryPage {
    total_size: u64,
    done: bool,
    #[serde(default)]
    next_records_url: Option<String>,
    records: Vec<Record>,
}

enum Next {
    First(ApiRequest),
    Locator(String),
    Done,
}

/// Pages of a query, fetched lazily: only the current page is held in memory.
pub struct QueryPager {
    client: SfClient,
    next: Next,
    batch_header: Option<String>,
    total_size: Option<u64>,
    pages_fetched: u32,
}

impl QueryPager {
    /// The pages after a first page read elsewhere (a composite subrequest), from its
    /// `nextRecordsUrl`.
    pub(crate) fn continuing(client: &SfClient, next_records_url: &str) -> QueryPager {
        QueryPager {
            client: client.clone(),
            next: Next::Locator(next_records_url.to_owned()),
            batch_header: None,
            total_size: None,
            pages_fetched: 1,
        }
    }

    /// The next page, or `None` once the result is exhausted.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Record>>, SfError> {
        // The position only moves on success: after an error the same page can be asked again.
        let req = match &self.next {
            Next::Done => return Ok(None),
            Next::First(req) => req.clone(),
            Next::Locator(path) => ApiRequest::at_instance_path(Method::GET, path)?,
        };
        let req = match &self.batch_header {
            Some(h) => req.header("Sforce-Query-Options", h.clone()),
            None => req,
        };
        let page: QueryPage = self.client.send(&req).await?.json("query page")?;
        self.next = match (page.done, page.next_records_url) {
            (true, _) => Next::Done,
            (false, Some(url)) => Next::Locator(url),
            (false, None) => {
                return Err(SfError::Decode(
                    "query page not done but has no nextRecordsUrl".into(),
                ));
            }
        };
        self.total_size = Some(page.total_size);
        self.pages_fetched += 1;
        Ok(Some(page.records))
    }

    /// `totalSize` of the whole result, known after the first page.
    pub fn total_size(&self) -> Option<u64> {
        self.total_size
    }

    pub fn pages_fetched(&self) -> u32 {
        self.pages_fetched
    }

    /// Drain every page (for small results only: it holds them all).
    pub async fn collect_all(mut self) -> Result<Vec<Record>, SfError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }
}

impl SfClient {
    /// `GET /query?q=…`. Nothing is sent until the first `next_page`.
    pub fn query(&self, soql: &str) -> QueryPager {
        self.query_with(soql, QueryOptions::default())
    }

    /// `GET /queryAll?q=…` (includes deleted records).
    pub fn query_all(&self, soql: &str) -> QueryPager {
        self.query_with(
            soql,
            QueryOptions {
                include_deleted: true,
                ..QueryOptions::default()
            },
        )
    }

    pub fn query_with(&self, soql: &str, options: QueryOptions) -> QueryPager {
        let resource = if options.include_deleted {
            "queryAll"
        } else {
            "query"
        };
        let batch = options.batch_size.or(self.options().query_batch_size);
        QueryPager {
            client: self.clone(),
            next: Next::First(ApiRequest::get(resource).query("q", soql)),
            batch_header: batch.map(|n| format!("batchSize={}", n.clamp(200, 2000))),
            total_size: None,
            pages_fetched: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_page_shapes_decode() {
        let first: QueryPage = serde_json::from_str(
            r#"{"totalSize": 3222, "done": false,
                "nextRecordsUrl": "/services/data/v62.0/query/01gRO0000016PIAYA2-2000",
                "records": [{"attributes": {"type": "Lead", "url": "/services/data/v62.0/sobjects/Lead/00QRO0000035WQg2AM"},
                  "Id": "00QRO0000035WQg2AM", "Email": "ng@acme.example",
                  "SystemModstamp": "2024-05-01T08:17:00.000+0000",
                  "Owner": {"attributes": {"type": "User", "url": "/x/User/005"}, "Email": "rep@acme.example"}}]}"#,
        )
        .unwrap();
        assert_eq!((first.total_size, first.done), (3222, false));
        assert_eq!(
            first.next_records_url.as_deref(),
            Some("/services/data/v62.0/query/01gRO0000016PIAYA2-2000")
        );
        assert_eq!(first.records[0].0["Owner"]["Email"], "rep@acme.example");
        let empty: QueryPage =
            serde_json::from_str(r#"{"totalSize":0,"done":true,"records":[]}"#).unwrap();
        assert!(empty.done && empty.records.is_empty() && empty.next_records_url.is_none());
    }
}
