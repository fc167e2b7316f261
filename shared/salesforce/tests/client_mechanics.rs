//! Client mechanics against a programmable endpoint: refresh-and-retry, rotation handed to the
//! sink, transient retries and call counting, the budget hook, limit header, paging, chunking,
//! Bulk locators. Bodies are the reference's literal shapes.

mod support;

use jingsf_salesforce as salesforce;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::json;

use salesforce::{
    CallBudget, CreateOutcome, Fields, RefreshOutcome, SfError, TokenSink, WriteOptions,
};
use support::{INVALID_SESSION, Reply, Scripted, fast_options, token_body};

const EMPTY_PAGE: &str = r#"{"totalSize":0,"done":true,"records":[]}"#;

#[derive(Default)]
struct Sink(Mutex<Vec<(String, Option<String>, bool)>>);

#[async_trait]
impl TokenSink for Sink {
    async fn tokens_refreshed(&self, o: &RefreshOutcome) -> Result<(), salesforce::SfError> {
        let refresh = o
            .tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned());
        self.0.lock().unwrap().push((
            o.tokens.access_token.expose_secret().to_owned(),
            refresh,
            o.rotated,
        ));
        Ok(())
    }
}

/// Refuses once `left` reaches zero; counts reservations.
struct Budget {
    left: AtomicU32,
}

#[async_trait]
impl CallBudget for Budget {
    async fn reserve(&self, n: u32) -> Result<(), SfError> {
        self.left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(n))
            .map(|_| ())
            .map_err(|_| SfError::BudgetRefused {
                detail: "app allocation spent".into(),
            })
    }
}

fn bearer(s: &support::Seen) -> String {
    s.header("authorization").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn expired_session_is_refreshed_once_and_the_call_replayed() {
    let server = Scripted::start(|req| match req.path.as_str() {
        "/services/oauth2/token" => {
            Reply::json(200, &token_body("00D!new", Some("rt-2"), &req.base))
        }
        _ if req.header("authorization") == Some("Bearer 00D!new") => {
            Reply::json(200, EMPTY_PAGE).with("sforce-limit-info", "api-usage=42/15000")
        }
        _ => Reply::json(401, INVALID_SESSION),
    })
    .await;
    let sink = Arc::new(Sink::default());
    let client =
        salesforce::SfClient::builder(server.oauth(), server.tokens("00D!old", Some("rt-1")))
            .options(fast_options())
            .token_sink(sink.clone())
            .build();

    let page = client
        .query("SELECT Id FROM Lead")
        .next_page()
        .await
        .unwrap()
        .unwrap();
    assert!(page.is_empty());

    let token_calls = server.seen_at("/services/oauth2/token");
    assert_eq!(token_calls.len(), 1, "exactly one refresh");
    let form = token_calls[0].form();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["refresh_token"], "rt-1");
    assert_eq!(form["client_id"], "client-id");
    assert_eq!(
        *sink.0.lock().unwrap(),
        vec![("00D!new".into(), Some("rt-2".into()), true)]
    );
    let api_calls = server.seen_at("/services/data");
    assert_eq!(
        api_calls.iter().map(bearer).collect::<Vec<_>>(),
        ["Bearer 00D!old", "Bearer 00D!new"],
        "the same request replayed with the new token"
    );
    assert_eq!(api_calls[0].query, api_calls[1].query);
    let usage = client.usage();
    assert_eq!(
        (usage.calls_made_by_this_client, usage.token_refreshes),
        (2, 1)
    );
    assert_eq!((usage.used, usage.max), (Some(42), Some(15000)));
}

#[tokio::test]
async fn session_still_invalid_after_refresh_needs_reauthorization() {
    let server = Scripted::start(|req| match req.path.as_str() {
        "/services/oauth2/token" => Reply::json(200, &token_body("00D!new", None, &req.base)),
        _ => Reply::json(401, INVALID_SESSION),
    })
    .await;
    let client = server.client(fast_options());
    let err = client.limits().await.unwrap_err();
    assert!(matches!(err, SfError::SessionInvalid), "{err:?}");
    assert_eq!(
        err.to_sync_error().code,
        domain::ErrorCode::NeedsReauthorization
    );
    assert_eq!(
        server.seen_at("/services/oauth2/token").len(),
        1,
        "no refresh loop"
    );
    assert_eq!(client.usage().calls_made_by_this_client, 2);
}

#[tokio::test]
async fn revoked_refresh_token_is_a_reauthorization_error() {
    let server = Scripted::start(|req| match req.path.as_str() {
        "/services/oauth2/token" => Reply::json(
            400,
            r#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#,
        ),
        _ => Reply::json(401, INVALID_SESSION),
    })
    .await;
    let err = server.client(fast_options()).limits().await.unwrap_err();
    assert!(
        matches!(&err, SfError::OAuth { error, .. } if error == "invalid_grant"),
        "{err:?}"
    );
    let sync = err.to_sync_error();
    assert_eq!(
        (sync.code, sync.next_step()),
        (
            domain::ErrorCode::NeedsReauthorization,
            domain::NextStep::Reauthorize
        )
    );
}

#[tokio::test]
async fn concurrent_expiries_share_one_refresh() {
    let server = Scripted::start(|req| match req.path.as_str() {
        "/services/oauth2/token" => Reply::json(200, &token_body("00D!new", None, &req.base)),
        _ if req.header("authorization") == Some("Bearer 00D!new") => Reply::json(
            200,
            r#"{"DailyApiRequests":{"Max":15000,"Remaining":14000}}"#,
        ),
        _ => Reply::json(401, INVALID_SESSION),
    })
    .await;
    let client = server.client(fast_options());
    let calls = (0..8).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.limits().await })
    });
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().remaining, 14000);
    }
    assert_eq!(
        server.seen_at("/services/oauth2/token").len(),
        1,
        "single-flight refresh"
    );
    assert_eq!(client.usage().token_refreshes, 1);
}

#[tokio::test]
async fn html_503_is_retried_and_every_attempt_counted() {
    let failures = AtomicU32::new(2);
    let server = Scripted::start(move |_| {
        if failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Reply {
                status: 503,
                headers: vec![("content-type", "text/html".into())],
                body: "<html><body>Service Unavailable</body></html>".into(),
            };
        }
        Reply::json(
            200,
            r#"{"DailyApiRequests":{"Max":15000,"Remaining":14998}}"#,
        )
    })
    .await;
    let client = server.client(fast_options());
    let limits = client.limits().await.unwrap();
    assert_eq!((limits.max, limits.remaining), (15000, 14998));
    assert_eq!(client.usage().calls_made_by_this_client, 3);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = Scripted::start(|_| {
        Reply::json(
            503,
            r#"[{"message":"down","errorCode":"SERVER_UNAVAILABLE"}]"#,
        )
    })
    .await;
    let client = server.client(fast_options());
    let err = client.limits().await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(
        err.to_sync_error().code,
        domain::ErrorCode::RemoteUnavailable
    );
    assert_eq!(server.seen().len(), 4, "max_attempts = 4");
}

#[tokio::test]
async fn lock_row_is_retried_but_a_possibly_applied_create_is_not_replayed() {
    let lock_once = AtomicU32::new(1);
    let server = Scripted::start(move |req| {
        if req.method == "PATCH" && lock_once.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Reply::json(400, r#"[{"message":"unable to obtain exclusive access to this record or 1 records: 00Q5g00000XyZaBEAV","errorCode":"UNABLE_TO_LOCK_ROW","fields":[]}]"#);
        }
        match req.method.as_str() {
            "PATCH" => Reply::json(200, r#"[{"id":"00Q5g00000XyZaBEAV","success":true,"errors":[]}]"#),
            _ => Reply::json(500, r#"[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]"#),
        }
    })
    .await;
    let client = server.client(fast_options());
    let id = domain::SfId::parse("00Q5g00000XyZaBEAV").unwrap();
    let updated = client
        .update("Lead", &[(id, Fields::new())], &WriteOptions::default())
        .await
        .unwrap();
    assert!(updated[0].success);
    assert_eq!(server.seen().len(), 2, "lock retried once");

    let err = client
        .create("Lead", &[Fields::new()], &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(err.completed.is_empty());
    assert!(err.error.is_retryable() && err.error.may_have_been_applied());
    assert_eq!(
        server.seen_at("/services/data").len(),
        3,
        "the create was sent once, not replayed"
    );
}

#[tokio::test]
async fn budget_refusal_sends_nothing() {
    let server = Scripted::start(|_| {
        Reply::json(200, r#"{"DailyApiRequests":{"Max":15000,"Remaining":1}}"#)
    })
    .await;
    let client =
        salesforce::SfClient::builder(server.oauth(), server.tokens("00D!old", Some("rt")))
            .options(fast_options())
            .budget(Arc::new(Budget {
                left: AtomicU32::new(1),
            }))
            .build();
    client.limits().await.unwrap();
    let err = client.limits().await.unwrap_err();
    assert!(matches!(err, SfError::BudgetRefused { .. }), "{err:?}");
    let sync = err.to_sync_error();
    assert_eq!(
        (sync.code, sync.next_step()),
        (domain::ErrorCode::AllocationSpent, domain::NextStep::Park)
    );
    assert_eq!(
        server.seen().len(),
        1,
        "the refused call never left the client"
    );
    assert_eq!(client.usage().calls_made_by_this_client, 1);
}

#[tokio::test]
async fn org_limit_403_is_a_quota_error_without_retry() {
    let server = Scripted::start(|_| {
        Reply::json(
            403,
            r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
        )
        .with("sforce-limit-info", "api-usage=15001/15000")
    })
    .await;
    let client = server.client(fast_options());
    let err = client
        .query("SELECT Id FROM Lead")
        .next_page()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_sync_error().code,
        domain::ErrorCode::OrgLimitExceeded
    );
    assert_eq!(server.seen().len(), 1);
    assert_eq!(client.usage().used, Some(15001));
}

#[tokio::test]
async fn pager_follows_next_records_url_with_batch_size() {
    let server = Scripted::start(|req| {
        let page = |done: bool, next: Option<&str>, id: &str| {
            json!({"totalSize": 3, "done": done, "nextRecordsUrl": next,
                   "records": [{"attributes": {"type": "Lead"}, "Id": id}]})
            .to_string()
        };
        match req.path.as_str() {
            "/services/data/v62.0/query" => Reply::json(
                200,
                &page(
                    false,
                    Some("/services/data/v62.0/query/01gRO0000016PIAYA2-200"),
                    "00Q5g00000XyZaB",
                ),
            ),
            "/services/data/v62.0/query/01gRO0000016PIAYA2-200" => Reply::json(
                200,
                &page(
                    false,
                    Some("/services/data/v62.0/query/01gRO0000016PIAYA2-400"),
                    "00Q5g00000XyZaC",
                ),
            ),
            "/services/data/v62.0/query/01gRO0000016PIAYA2-400" => {
                Reply::json(200, &page(true, None, "00Q5g00000XyZaD"))
            }
            _ => Reply::json(
                404,
                r#"[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]"#,
            ),
        }
    })
    .await;
    let client = server.client(fast_options());
    let mut pager = client.query_with(
        "SELECT Id FROM Lead WHERE CreatedDate > 2024-05-01T00:00:00+08:00",
        salesforce::QueryOptions {
            include_deleted: false,
            batch_size: Some(200),
        },
    );
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        ids.extend(page.iter().map(|r| r.id().unwrap()));
    }
    assert_eq!(ids.len(), 3);
    assert_eq!((pager.total_size(), pager.pages_fetched()), (Some(3), 3));
    assert!(
        pager.next_page().await.unwrap().is_none(),
        "exhausted pagers stay exhausted"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.header("sforce-query-options") == Some("batchSize=200"))
    );
    assert_eq!(
        seen[0].query,
        "q=SELECT+Id+FROM+Lead+WHERE+CreatedDate+%3E+2024-05-01T00%3A00%3A00%2B08%3A00"
    );
}

fn lead(i: usize) -> Fields {
    let mut f = Fields::new();
    f.insert("LastName".into(), json!(format!("Ng {i}")));
    f.insert("Company".into(), json!("Acme"));
    f
}

#[tokio::test]
async fn collections_are_chunked_at_200_with_headers_and_order_kept() {
    let server = Scripted::start(|req| {
        let records = req.json()["records"].as_array().unwrap().clone();
        let results: Vec<_> = records
            .iter()
            .map(|r| {
                let n: usize = r["LastName"].as_str().unwrap()[3..].parse().unwrap();
                if n.is_multiple_of(7) {
                    json!({"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [Company]", "fields": ["Company"]}]})
                } else {
                    json!({"id": domain::SfId::parse(&format!("00Q5g00000{n:05}")).unwrap().as_str(), "success": true, "errors": []})
                }
            })
            .collect();
        Reply::json(200, &serde_json::to_string(&results).unwrap())
    })
    .await;
    let client = server.client(fast_options());
    let records: Vec<Fields> = (0..450).map(lead).collect();
    let opts = WriteOptions {
        allow_save_on_duplicate: true,
        all_or_none: false,
    };
    let results = client.create("Lead", &records, &opts).await.unwrap();
    assert_eq!(results.len(), 450);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.success, !i.is_multiple_of(7), "record {i}");
        assert_eq!(r.id.is_some(), r.success, "ids only on successes");
        if let Some(id) = &r.id {
            assert_eq!(
                &id.as_str()[10..15],
                format!("{i:05}"),
                "results follow input order"
            );
        }
    }
    let seen = server.seen();
    assert_eq!(
        seen.iter()
            .map(|s| s.json()["records"].as_array().unwrap().len())
            .collect::<Vec<_>>(),
        [200, 200, 50]
    );
    for s in &seen {
        assert_eq!(
            (s.method.as_str(), s.path.as_str()),
            ("POST", "/services/data/v62.0/composite/sobjects")
        );
        assert_eq!(s.header("sforce-auto-assign"), Some("FALSE"));
        assert_eq!(
            s.header("sforce-duplicate-rule-header"),
            Some("allowSave=true")
        );
        assert_eq!(s.json()["records"][0]["attributes"]["type"], "Lead");
        assert_eq!(s.json()["allOrNone"], false);
    }
    assert_eq!(client.usage().calls_made_by_this_client, 3);
}

#[tokio::test]
async fn create_one_surfaces_duplicate_matches() {
    let server = Scripted::start(|_| {
        Reply::json(400, r#"[{"errorCode":"DUPLICATES_DETECTED","message":"You're creating a duplicate record.","fields":[],
          "duplicateResult":{"allowSave":true,"duplicateRule":"Standard_Lead_Duplicate_Rule","duplicateRuleEntityType":"Lead",
          "matchResults":[{"entityType":"Lead","errors":[],"matchEngine":"ExactMatchEngine","matchRecords":[
            {"additionalInformation":[],"fieldDiffs":[],"matchConfidence":100.0,
             "record":{"attributes":{"type":"Lead","url":"/services/data/v62.0/sobjects/Lead/00Q5g00000XyZaBEAV"},"Id":"00Q5g00000XyZaBEAV"}}],
          "rule":"Standard_Lead_Match_Rule_v1_0","size":1,"success":true}]}}]"#)
    })
    .await;
    let client = server.client(fast_options());
    let outcome = client
        .create_one("Account", &lead(1), &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        CreateOutcome::Duplicate {
            matches: vec![domain::SfId::parse("00Q5g00000XyZaBEAV").unwrap()]
        }
    );
    let seen = server.seen();
    assert_eq!(seen[0].path, "/services/data/v62.0/sobjects/Account");
    assert_eq!(seen[0].header("sforce-auto-assign"), Some("FALSE"));
    assert_eq!(seen[0].header("sforce-duplicate-rule-header"), None);
}

#[tokio::test]
async fn bulk_query_polls_then_pages_until_the_null_locator() {
    let polls = AtomicU32::new(0);
    let server = Scripted::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/services/data/v62.0/jobs/query") => Reply::json(200, r#"{"id":"750Tn000004ZoR3IAK","operation":"query","object":"Lead","state":"UploadComplete","contentType":"CSV","apiVersion":62.0,"lineEnding":"LF","columnDelimiter":"COMMA"}"#),
        ("GET", "/services/data/v62.0/jobs/query/750Tn000004ZoR3IAK") => {
            let state = if polls.fetch_add(1, Ordering::SeqCst) < 2 { "InProgress" } else { "JobComplete" };
            Reply::json(200, &json!({"id": "750Tn000004ZoR3IAK", "state": state}).to_string())
        }
        ("GET", "/services/data/v62.0/jobs/query/750Tn000004ZoR3IAK/results") if !req.query.contains("locator") => {
            Reply { status: 200, headers: vec![("content-type", "text/csv".into())], body: "\"Id\",\"Email\"\n\"00Q5g00000XyZaB\",\"a@x.example\"\n".into() }
                .with("sforce-locator", "MTAwMDA")
                .with("sforce-numberofrecords", "1")
        }
        ("GET", "/services/data/v62.0/jobs/query/750Tn000004ZoR3IAK/results") => {
            Reply { status: 200, headers: vec![("content-type", "text/csv".into())], body: "\"Id\",\"Email\"\n\"00Q5g00000XyZaC\",\"\"\n".into() }
                .with("sforce-locator", "null")
        }
        _ => Reply::json(404, r#"[{"message":"nope","errorCode":"NOT_FOUND"}]"#),
    })
    .await;
    let client = server.client(fast_options());
    let opts = salesforce::BulkQueryOptions {
        poll_initial: std::time::Duration::from_millis(1),
        poll_max: std::time::Duration::from_millis(4),
        page_size: 1,
        ..Default::default()
    };
    let mut results = client
        .bulk_query("SELECT Id, Email FROM Lead", &opts)
        .await
        .unwrap();
    let first = results.next_page().await.unwrap().unwrap();
    let second = results.next_page().await.unwrap().unwrap();
    assert!(results.next_page().await.unwrap().is_none());
    assert_eq!(first[0].get_str("Email"), Some("a@x.example"));
    assert!(second[0].get("Email").is_none(), "empty CSV value is null");
    let seen = server.seen();
    let create = &seen[0];
    assert_eq!(create.json()["operation"], "query");
    assert_eq!(create.json()["contentType"], "CSV");
    let results_calls: Vec<_> = seen
        .iter()
        .filter(|s| s.path.ends_with("/results"))
        .collect();
    assert_eq!(results_calls.len(), 2);
    assert_eq!(results_calls[0].query, "maxRecords=1");
    assert_eq!(results_calls[1].query, "maxRecords=1&locator=MTAwMDA");
    assert_eq!(results_calls[0].header("accept"), Some("text/csv"));
    assert_eq!(client.usage().calls_made_by_this_client, 1 + 3 + 2);
}

#[tokio::test]
async fn failed_bulk_job_is_typed() {
    let server = Scripted::start(|req| match req.method.as_str() {
        "POST" => Reply::json(200, r#"{"id":"750Tn000004ZoR3IAK","state":"UploadComplete"}"#),
        _ => Reply::json(200, r#"{"id":"750Tn000004ZoR3IAK","state":"Failed","errorMessage":"INVALID_FIELD: No such column"}"#),
    })
    .await;
    let err = server
        .client(fast_options())
        .bulk_query("SELECT Nope FROM Lead", &Default::default())
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&err, SfError::BulkJobFailed { state, .. } if state == "Failed"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_tampered_token_response_is_refused() {
    let server = Scripted::start(|req| match req.path.as_str() {
        "/services/oauth2/token" => Reply::json(
            200,
            &token_body("00D!new", None, &req.base)
                .replace("0055g00000AbCdEAAV", "0055g00000EvilUAAV"),
        ),
        _ => Reply::json(401, INVALID_SESSION),
    })
    .await;
    let err = server.client(fast_options()).limits().await.unwrap_err();
    assert!(
        matches!(&err, SfError::Decode(m) if m.contains("signature")),
        "{err:?}"
    );
}

#[tokio::test]
async fn network_errors_do_not_carry_the_query_text() {
    // A port nobody listens on: bind, learn the port, drop the listener.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Scripted::start(|_| Reply::json(200, EMPTY_PAGE)).await;
    let mut tokens = server.tokens("00D!old", Some("rt"));
    tokens.instance_url = format!("http://127.0.0.1:{port}");
    let client = salesforce::SfClient::builder(server.oauth(), tokens)
        .options(fast_options())
        .build();
    let err = client
        .query("SELECT Id FROM Lead WHERE Email = 'secret.person@acme.example'")
        .next_page()
        .await
        .unwrap_err();
    assert!(
        matches!(err, SfError::Network { not_sent: true, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable() && !err.may_have_been_applied());
    assert!(
        !format!("{err} {err:?}").contains("secret.person"),
        "{err:?}"
    );
    assert_eq!(
        client.usage().calls_made_by_this_client,
        4,
        "connection refusals are retried"
    );
}

#[tokio::test]
async fn a_failed_page_can_be_asked_again() {
    let second_page_fails = AtomicU32::new(1);
    let server = Scripted::start(move |req| match req.path.as_str() {
        "/services/data/v62.0/query" => Reply::json(
            200,
            r#"{"totalSize":2,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01g-1","records":[{"Id":"00Q5g00000XyZaB"}]}"#,
        ),
        _ if second_page_fails.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() => {
            Reply::json(400, r#"[{"message":"unexpected","errorCode":"SOMETHING_ODD"}]"#)
        }
        _ => Reply::json(200, r#"{"totalSize":2,"done":true,"records":[{"Id":"00Q5g00000XyZaC"}]}"#),
    })
    .await;
    let client = server.client(fast_options());
    let mut pager = client.query("SELECT Id FROM Lead");
    assert_eq!(pager.next_page().await.unwrap().unwrap().len(), 1);
    assert!(pager.next_page().await.is_err());
    let retried = pager
        .next_page()
        .await
        .unwrap()
        .expect("the failed page again, not a silent end");
    assert_eq!(retried[0].id().unwrap().as_str(), "00Q5g00000XyZaCEAV");
    assert!(pager.next_page().await.unwrap().is_none());
}

#[tokio::test]
async fn port_keeps_written_records_when_a_later_chunk_fails() {
    use app::ports::{SalesforcePort, WriteResult};
    let chunks = AtomicU32::new(0);
    let server = Scripted::start(move |req| {
        if chunks.fetch_add(1, Ordering::SeqCst) > 0 {
            return Reply::json(403, r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#)
                .with("sforce-limit-info", "api-usage=15000/15000");
        }
        let n = req.json()["records"].as_array().unwrap().len();
        let ok: Vec<_> = (0..n)
            .map(|i| json!({"id": domain::SfId::parse(&format!("00Q5g0000{i:06}")).unwrap().as_str(), "success": true, "errors": []}))
            .collect();
        Reply::json(200, &serde_json::to_string(&ok).unwrap())
    })
    .await;
    let client = server.client(fast_options());
    let port: &dyn SalesforcePort = &client;
    let records: Vec<app::ports::Fields> = (0..250)
        .map(|i| {
            [("LastName".to_owned(), domain::Value::text(format!("L{i}")))]
                .into_iter()
                .collect()
        })
        .collect();
    let out = port.create("Lead", &records).await.unwrap();
    assert_eq!(out.len(), 250);
    assert!(out[..200].iter().all(|r| matches!(r, WriteResult::Ok(_))));
    assert!(out[200..].iter().all(|r| matches!(r, WriteResult::Failed(e)
        if e.code == domain::ErrorCode::OrgLimitExceeded && e.next_step() == domain::NextStep::Park)));

    // Nothing written at all: a call-level error the writer parks as a whole.
    let err = port.create("Lead", &records[..10]).await.unwrap_err();
    assert_eq!(err.0.code, domain::ErrorCode::OrgLimitExceeded);
    assert_eq!(err.0.object.as_deref(), Some("Lead"));
}

#[tokio::test]
async fn upsert_goes_to_the_external_id_resource_and_reports_created() {
    let server = Scripted::start(|req| {
        let n = req.json()["records"].as_array().unwrap().len();
        let results: Vec<_> = (0..n)
            .map(|i| json!({"id": domain::SfId::parse(&format!("00Q5g0000{i:06}")).unwrap().as_str(), "success": true, "errors": [], "created": i == 0}))
            .collect();
        Reply::json(200, &serde_json::to_string(&results).unwrap())
    })
    .await;
    let client = server.client(fast_options());
    let records: Vec<Fields> = (0..2)
        .map(|i| {
            let mut f = lead(i);
            f.insert("Jing_Id__c".into(), json!(format!("jing-{i}")));
            f
        })
        .collect();
    let out = client
        .upsert("Lead", "Jing_Id__c", &records, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        out.iter().map(|r| r.created).collect::<Vec<_>>(),
        [Some(true), Some(false)]
    );
    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        (
            "PATCH",
            "/services/data/v62.0/composite/sobjects/Lead/Jing_Id__c"
        )
    );
    assert_eq!(seen[0].json()["records"][1]["Jing_Id__c"], "jing-1");
    assert_eq!(seen[0].json()["records"][1]["attributes"]["type"], "Lead");
    assert_eq!(seen[0].header("sforce-auto-assign"), Some("FALSE"));

    let err = client
        .upsert("Lead", "Jing_Id__c", &[lead(9)], &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err.error, SfError::InvalidInput(_)),
        "a record without the key is refused locally"
    );
    assert_eq!(server.seen().len(), 1);
}

/// A refresh that answers for another org than the app's: the tokens are neither saved nor
/// used (the call fails with `OrgChanged`, nothing is replayed), and the app is paused through
/// `SettingsStore::pause` rather than a settings save.
#[tokio::test]
async fn tokens_of_another_org_are_refused_and_the_app_paused() {
    use app::ports::{SecretKind, SettingsStore, TokenVault};
    let server = Scripted::start(|req| match req.path.as_str() {
        // The refreshed token's identity URL names org 00D5g000004ABCD.
        "/services/oauth2/token" => {
            Reply::json(200, &token_body("00D!other", Some("rt-2"), &req.base))
        }
        _ => Reply::json(401, INVALID_SESSION),
    })
    .await;
    let app_id = domain::AppId::parse("acme").unwrap();
    let ours = domain::SfId::parse("00D000000000OUR").unwrap();
    let settings = Arc::new(app::fakes::MemSettingsStore::default());
    let mut s = app::settings::AppSettings::new(
        app_id.clone(),
        "Acme",
        app::settings::Environment::Production,
        "jing",
        "59",
    );
    s.revision = 1;
    s.bound_org = Some(ours.clone());
    settings.put(&s).await.unwrap();
    let vault = Arc::new(app::fakes::MemTokenVault::default());
    let sink = salesforce::port_wiring::VaultTokenSink {
        vault: vault.clone(),
        app: app_id.clone(),
        settings: settings.clone(),
        org: Some(ours),
    };
    let client =
        salesforce::SfClient::builder(server.oauth(), server.tokens("00D!old", Some("rt-1")))
            .options(fast_options())
            .token_sink(Arc::new(sink))
            .build();
    let err = client
        .query("SELECT Id FROM Lead")
        .next_page()
        .await
        .unwrap_err();
    assert!(matches!(err, SfError::OrgChanged { .. }), "{err:?}");
    assert_eq!(err.to_sync_error().code, domain::ErrorCode::OrgChanged);
    let bearers: Vec<String> = server
        .seen_at("/services/data")
        .iter()
        .map(bearer)
        .collect();
    assert_eq!(
        bearers,
        ["Bearer 00D!old"],
        "the other org's token never reached a request"
    );
    for kind in [SecretKind::SfAccessToken, SecretKind::SfRefreshToken] {
        assert!(
            vault.get(&app_id, kind).await.unwrap().is_none(),
            "{kind:?} not saved"
        );
    }
    let after = settings.get(&app_id).await.unwrap().unwrap();
    assert!(
        after
            .paused
            .iter()
            .all(|p| p.reason.code == domain::ErrorCode::OrgChanged)
            && !after.direction_open(domain::ObjectKind::Lead, domain::Direction::JingToSf),
        "{:?}",
        after.paused
    );
}
