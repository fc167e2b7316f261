//! getUpdated / getDeleted (reference §7) and `/limits` (§9.1).

use serde::Deserialize;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::client::SfClient;
use crate::error::SfError;
use crate::soql::check_identifier;
use crate::transport::ApiRequest;
use domain::SfId;

/// Ids changed in a window, and where the next poll must start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatedIds {
    pub ids: Vec<SfId>,
    /// Start the next poll here, not at your own `end`.
    pub latest_date_covered: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedRecord {
    pub id: SfId,
    pub deleted_date: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedIds {
    pub records: Vec<DeletedRecord>,
    /// If this is after your `start`, deletes were missed: resync.
    pub earliest_date_available: Option<OffsetDateTime>,
    pub latest_date_covered: OffsetDateTime,
}

/// The daily API allocation from `/limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyApiRequests {
    pub max: u64,
    pub remaining: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdatedBody {
    ids: Vec<String>,
    latest_date_covered: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeletedBody {
    deleted_records: Vec<DeletedEntry>,
    #[serde(default)]
    earliest_date_available: Option<String>,
    latest_date_covered: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeletedEntry {
    id: String,
    deleted_date: String,
}

#[derive(Deserialize)]
struct LimitsBody {
    #[serde(rename = "DailyApiRequests")]
    daily_api_requests: LimitPair,
}

#[derive(Deserialize)]
struct LimitPair {
    #[serde(rename = "Max")]
    max: u64,
    #[serde(rename = "Remaining")]
    remaining: u64,
}

fn sf_time(raw: &str, what: &str) -> Result<OffsetDateTime, SfError> {
    domain::datetime::parse_sf(raw).map_err(|e| SfError::Decode(format!("{what}: {e}")))
}

fn sf_id(raw: &str) -> Result<SfId, SfError> {
    SfId::parse(raw).map_err(|e| SfError::Decode(e.to_string()))
}

/// `2024-05-06T00:00:00+00:00` (the `+` and `:` are percent-encoded by the URL builder).
fn replication_param(dt: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    dt.to_offset(time::UtcOffset::UTC)
        .format(fmt)
        .expect("static format")
}

fn window(
    object: &str,
    kind: &str,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Result<ApiRequest, SfError> {
    // Salesforce would answer INVALID_REPLICATION_DATE; refuse before spending a call.
    if start >= end {
        return Err(SfError::InvalidInput(
            "getUpdated/getDeleted start must precede end".into(),
        ));
    }
    Ok(
        ApiRequest::get(format!("sobjects/{}/{kind}/", check_identifier(object)?))
            .query("start", replication_param(start))
            .query("end", replication_param(end)),
    )
}

pub(crate) fn parse_updated(body: &[u8]) -> Result<UpdatedIds, SfError> {
    let raw: UpdatedBody = serde_json::from_slice(body).map_err(|e| {
        SfError::Decode(format!(
            "getUpdated: {}",
            domain::redact::quoted(&e.to_string())
        ))
    })?;
    Ok(UpdatedIds {
        ids: raw.ids.iter().map(|s| sf_id(s)).collect::<Result<_, _>>()?,
        latest_date_covered: sf_time(&raw.latest_date_covered, "latestDateCovered")?,
    })
}

pub(crate) fn parse_deleted(body: &[u8]) -> Result<DeletedIds, SfError> {
    let raw: DeletedBody = serde_json::from_slice(body).map_err(|e| {
        SfError::Decode(format!(
            "getDeleted: {}",
            domain::redact::quoted(&e.to_string())
        ))
    })?;
    let records = raw
        .deleted_records
        .iter()
        .map(|d| {
            Ok(DeletedRecord {
                id: sf_id(&d.id)?,
                deleted_date: sf_time(&d.deleted_date, "deletedDate")?,
            })
        })
        .collect::<Result<_, SfError>>()?;
    Ok(DeletedIds {
        records,
        earliest_date_available: raw
            .earliest_date_available
            .map(|s| sf_time(&s, "earliestDateAvailable"))
            .transpose()?,
        latest_date_covered: sf_time(&raw.latest_date_covered, "latestDateCovered")?,
    })
}

impl SfClient {
    /// `GET /sobjects/{object}/updated/?start=…&end=…`.
    pub async fn get_updated(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<UpdatedIds, SfError> {
        let resp = self.send(&window(object, "updated", start, end)?).await?;
        parse_updated(&resp.body)
    }

    /// `GET /sobjects/{object}/deleted/?start=…&end=…`.
    pub async fn get_deleted(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<DeletedIds, SfError> {
        let resp = self.send(&window(object, "deleted", start, end)?).await?;
        parse_deleted(&resp.body)
    }

    /// `GET /limits` → the `DailyApiRequests` pair.
    pub async fn limits(&self) -> Result<DailyApiRequests, SfError> {
        self.limits_of(ApiRequest::get("limits")).await
    }

    /// `GET /limits` without asking the budget first (it still counts as a call and still
    /// updates the budget's org reading): the one call that may be made while the app's share
    /// of the org is spent, to learn that the org has calls again.
    pub async fn limits_unbudgeted(&self) -> Result<DailyApiRequests, SfError> {
        self.limits_of(ApiRequest::get("limits").unbudgeted()).await
    }

    async fn limits_of(&self, req: ApiRequest) -> Result<DailyApiRequests, SfError> {
        let body: LimitsBody = self.send(&req).await?.json("limits")?;
        Ok(DailyApiRequests {
            max: body.daily_api_requests.max,
            remaining: body.daily_api_requests.remaining,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn updated_and_deleted_bodies() {
        let u = parse_updated(br#"{"ids":["00Q5g00000XyZaBEAV","00Q5g00000XyZaC"],"latestDateCovered":"2024-05-08T21:20:00.000+0000"}"#).unwrap();
        assert_eq!(u.ids.len(), 2);
        assert_eq!(u.ids[1].as_str().len(), 18);
        assert_eq!(u.latest_date_covered, datetime!(2024-05-08 21:20 UTC));
        let d = parse_deleted(
            br#"{"deletedRecords":[{"id":"00Q5g00000XyZaBEAV","deletedDate":"2024-05-07T22:07:19.000+0000"}],
                 "earliestDateAvailable":"2024-05-03T15:57:00.000+0000",
                 "latestDateCovered":"2024-05-08T21:20:00.000+0000"}"#,
        )
        .unwrap();
        assert_eq!(
            d.records[0].deleted_date,
            datetime!(2024-05-07 22:07:19 UTC)
        );
        assert_eq!(
            d.earliest_date_available,
            Some(datetime!(2024-05-03 15:57 UTC))
        );
        assert!(
            parse_updated(br#"{"ids":["bad"],"latestDateCovered":"2024-05-08T21:20:00.000+0000"}"#)
                .is_err()
        );
        assert!(parse_updated(br#"{"ids":[],"latestDateCovered":"yesterday"}"#).is_err());
    }

    #[test]
    fn window_is_validated_and_encoded() {
        let (a, b) = (
            datetime!(2024-05-06 0:00 UTC),
            datetime!(2024-05-10 0:00 UTC),
        );
        assert!(window("Lead", "updated", b, a).is_err());
        let url = window("Lead", "updated", a, b)
            .unwrap()
            .url("https://x", "v62.0")
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://x/services/data/v62.0/sobjects/Lead/updated/?start=2024-05-06T00%3A00%3A00%2B00%3A00&end=2024-05-10T00%3A00%3A00%2B00%3A00"
        );
    }

    #[test]
    fn limits_body() {
        let b: LimitsBody = serde_json::from_str(
            r#"{"DailyApiRequests": {"Max": 15000, "Remaining": 14998}, "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000}}"#,
        )
        .unwrap();
        assert_eq!(
            (b.daily_api_requests.max, b.daily_api_requests.remaining),
            (15000, 14998)
        );
    }
}
