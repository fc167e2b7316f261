//! `GET /limits` (§9.1).

use crate::errors::json_response;
use crate::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

pub async fn limits(State(sim): State<Shared>) -> Response {
    let org = sim.lock();
    let (max, used) = (org.usage.max, org.usage.used);
    let jobs_left = 10_000u64.saturating_sub(org.bulk.len() as u64);
    json_response(
        StatusCode::OK,
        &json!({
            "DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used)},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": jobs_left},
            "DailyBulkV2QueryFileStorageMB": {"Max": 1_000_000, "Remaining": 1_000_000},
            "DailyDurableStreamingApiEvents": {"Max": 10000, "Remaining": 10000},
            "DailyStreamingApiEvents": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": 5, "Remaining": 5},
            "ConcurrentPerOrgLongTxn": {"Max": 5, "Remaining": 5},
        }),
    )
}
