//! A scheduled poll's reads in one `composite` request (reference §5.2): every object's first
//! page of changes (`queryAll`) and, when member matching is due, the users listing. A composite
//! request is one API call whatever it carries, but at most five of its subrequests may be
//! queries: more reads take more requests. Pages after a first one are read as usual
//! (`nextRecordsUrl`), and users listed here answer [`SalesforcePort::users`] for a minute.

use app::ports::{PollAnswer, PollRead, RemoteError, SfUser};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

use crate::client::SfClient;
use crate::error::{SfError, decode_error_body};
use crate::port::remote;
use crate::port_read::{USERS_SOQL, changed_record, changed_soql, user_of};
use crate::query::QueryPager;
use crate::record::Record;
use crate::transport::ApiRequest;

/// Query subrequests one composite request may carry.
pub const MAX_QUERIES: usize = 5;
/// How long users listed by a poll answer `users()`.
const USERS_FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeAnswer {
    composite_response: Vec<SubAnswer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubAnswer {
    body: Value,
    http_status_code: u16,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FirstPage {
    done: bool,
    #[serde(default)]
    next_records_url: Option<String>,
    records: Vec<Record>,
}

fn encoded(soql: &str) -> String {
    url::form_urlencoded::byte_serialize(soql.as_bytes()).collect()
}

impl SfClient {
    /// The subrequest URL of a read, and the object its errors are reported under.
    fn read_url(&self, read: &PollRead) -> Result<(String, String), SfError> {
        let v = self.api_version();
        Ok(match read {
            PollRead::Changed {
                object,
                fields,
                cursor,
                until,
                limit,
            } => {
                let soql = changed_soql(object, fields, cursor, *until, *limit)?;
                let url = format!("/services/data/{v}/queryAll/?q={}", encoded(&soql));
                (url, object.clone())
            }
            PollRead::Users => {
                let url = format!("/services/data/{v}/query/?q={}", encoded(USERS_SOQL));
                (url, "User".to_owned())
            }
        })
    }

    pub(crate) async fn port_poll_reads(
        &self,
        reads: &[PollRead],
    ) -> Result<Vec<PollAnswer>, RemoteError> {
        let mut out = Vec::with_capacity(reads.len());
        for chunk in reads.chunks(MAX_QUERIES) {
            out.extend(self.composite_reads(chunk).await?);
        }
        Ok(out)
    }

    /// One composite request of at most five reads.
    async fn composite_reads(&self, reads: &[PollRead]) -> Result<Vec<PollAnswer>, RemoteError> {
        let fail = |e: SfError| remote("", &e);
        let mut subs = Vec::with_capacity(reads.len());
        let mut objects = Vec::with_capacity(reads.len());
        for (i, read) in reads.iter().enumerate() {
            let (url, object) = self.read_url(read).map_err(fail)?;
            subs.push(json!({"method": "GET", "url": url, "referenceId": format!("read{i}")}));
            objects.push(object);
        }
        let body = json!({"allOrNone": false, "compositeRequest": subs});
        let req = ApiRequest::new(Method::POST, "composite")
            .json(&body)
            .map_err(fail)?;
        let answer: CompositeAnswer = self
            .send(&req)
            .await
            .map_err(fail)?
            .json("composite")
            .map_err(fail)?;
        if answer.composite_response.len() != reads.len() {
            let e = SfError::Decode(format!(
                "composite answered {} of {} reads",
                answer.composite_response.len(),
                reads.len()
            ));
            return Err(fail(e));
        }
        let mut out = Vec::with_capacity(reads.len());
        let subs = answer.composite_response.into_iter();
        for ((read, object), sub) in reads.iter().zip(objects).zip(subs) {
            let records = self.all_pages(sub).await.map_err(|e| remote(&object, &e));
            out.push(match read {
                PollRead::Changed { .. } => PollAnswer::Records(records.and_then(|rs| {
                    rs.into_iter()
                        .map(changed_record)
                        .collect::<Result<_, _>>()
                        .map_err(|e| remote(&object, &e))
                })),
                PollRead::Users => {
                    let users: Result<Vec<SfUser>, RemoteError> =
                        records.map(|rs| rs.into_iter().filter_map(user_of).collect());
                    if let Ok(list) = &users {
                        *self.users_memo() = Some((Instant::now(), list.clone()));
                    }
                    PollAnswer::Users(users)
                }
            });
        }
        Ok(out)
    }

    /// A subrequest's records, with the pages after it when it has more.
    async fn all_pages(&self, sub: SubAnswer) -> Result<Vec<Record>, SfError> {
        if sub.http_status_code >= 400 {
            let raw = serde_json::to_vec(&sub.body).unwrap_or_default();
            return Err(decode_error_body(sub.http_status_code, &raw));
        }
        let first: FirstPage = serde_json::from_value(sub.body)
            .map_err(|e| SfError::Decode(format!("composite query answer: {e}")))?;
        let mut records = first.records;
        if let (false, Some(next)) = (first.done, first.next_records_url) {
            let rest = QueryPager::continuing(self, &next).collect_all().await?;
            records.extend(rest);
        }
        Ok(records)
    }

    fn users_memo(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Vec<SfUser>)>> {
        self.inner_users().lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Users a poll listed within the last minute (taken: answered once).
    pub(crate) fn recently_listed_users(&self) -> Option<Vec<SfUser>> {
        let mut memo = self.users_memo();
        match memo.take() {
            Some((at, users)) if at.elapsed() < USERS_FRESH_FOR => Some(users),
            _ => None,
        }
    }
}
