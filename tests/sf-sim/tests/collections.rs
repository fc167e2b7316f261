//! sObject Collections and Composite: per-record results, allOrNone, limits on size.

mod common;
use common::*;
use serde_json::{Value, json};

fn lead(last: &str, company: Option<&str>) -> Value {
    let mut v = json!({"attributes": {"type": "Lead"}, "LastName": last});
    if let Some(c) = company {
        v["Company"] = c.into();
    }
    v
}

#[tokio::test]
async fn mixed_success_is_http_200_with_status_codes_and_no_id_on_failure() {
    let env = Env::new().await;
    let (status, body) = env
        .post(
            "/composite/sobjects",
            &json!({"records": [lead("Ok", Some("Acme")), lead("Bad", None)]}),
        )
        .await;
    assert_eq!(status, 200);
    let results = body.as_array().unwrap();
    assert_eq!(results[0]["success"], true);
    assert!(results[0]["id"].as_str().unwrap().starts_with("00Q"));
    assert_eq!(
        results[1],
        json!({"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [Company]", "fields": ["Company"]}]})
    );
    assert!(results[1].get("id").is_none());
    assert_eq!(env.sim.count("Lead"), 1);
    assert_eq!(env.sim.calls().kind("collections_create"), 1);
}

#[tokio::test]
async fn all_or_none_rolls_back_the_innocent() {
    let env = Env::new().await;
    let (status, body) = env
        .post(
            "/composite/sobjects",
            &json!({"allOrNone": true, "records": [lead("Ok", Some("Acme")), lead("Bad", None)]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["success"], false);
    assert_eq!(
        body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert!(body[0].get("id").is_none());
    assert_eq!(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(env.sim.count("Lead"), 0, "nothing was kept");
}

#[tokio::test]
async fn duplicates_in_collections_carry_no_duplicate_result() {
    let env = Env::new().await;
    env.lead("Ng", "Acme", Some("ng@acme.example")).await;
    let mut rec = lead("Ng", Some("Acme"));
    rec["Email"] = "ng@acme.example".into();
    let (_, body) = env
        .post("/composite/sobjects", &json!({"records": [rec]}))
        .await;
    assert_eq!(body[0]["errors"][0]["statusCode"], "DUPLICATES_DETECTED");
    assert!(body[0]["errors"][0].get("duplicateResult").is_none());
    assert!(body[0].get("duplicateResult").is_none());
}

#[tokio::test]
async fn update_and_delete_collections() {
    let env = Env::new().await;
    let a = env.lead("A", "Acme", None).await;
    let b = env.lead("B", "Acme", None).await;
    let (status, body) = env
        .patch(
            "/composite/sobjects",
            &json!({"records": [
                {"attributes": {"type": "Lead"}, "id": a, "Title": "CTO"},
                {"attributes": {"type": "Lead"}, "id": b, "Status": "Nope"},
                {"attributes": {"type": "Lead"}, "Title": "no id"},
                {"attributes": {"type": "Lead"}, "id": "001Sm0000000000", "Title": "wrong type"},
            ]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0], json!({"id": a, "success": true, "errors": []}));
    assert_eq!(
        body[1]["errors"][0]["statusCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert_eq!(body[2]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    assert_eq!(body[3]["errors"][0]["statusCode"], "MALFORMED_ID");
    let (status, body) = send(
        env.req(reqwest::Method::DELETE, "/composite/sobjects")
            .query(&[("ids", format!("{a},{b}")), ("allOrNone", "false".into())]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0], json!({"id": a, "success": true, "errors": []}));
    assert_eq!(env.sim.count("Lead"), 0);
    let (status, body) = env.delete("/composite/sobjects").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{"message": "At least 1 Id is required.", "errorCode": "REQUIRED_FIELD_MISSING", "fields": []}])
    );
    let (status, body) = send(
        env.req(reqwest::Method::DELETE, "/composite/sobjects")
            .query(&[("ids", a.clone())]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["errors"][0]["statusCode"], "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn more_than_200_records_is_a_400() {
    let env = Env::new().await;
    let records: Vec<Value> = (0..201)
        .map(|i| lead(&format!("L{i}"), Some("Acme")))
        .collect();
    let (status, body) = env
        .post("/composite/sobjects", &json!({"records": records}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "EXCEEDED_ID_LIMIT");
    assert_eq!(env.sim.count("Lead"), 0);
}

#[tokio::test]
async fn retrieve_collection_returns_nulls_for_missing() {
    let env = Env::new().await;
    let a = env.lead("A", "Acme", None).await;
    let (status, body) = send(
        env.req(reqwest::Method::GET, "/composite/sobjects/Lead")
            .query(&[
                ("ids", format!("{a},00QSm0000000000")),
                ("fields", "LastName".into()),
            ]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["LastName"], "A");
    assert_eq!(body[1], Value::Null);
}

#[tokio::test]
async fn lock_faults_hit_collection_records() {
    let env = Env::new().await;
    env.sim.faults().lock_rows(1);
    let (_, body) = env
        .post(
            "/composite/sobjects",
            &json!({"records": [lead("A", Some("Acme")), lead("B", Some("Acme"))]}),
        )
        .await;
    assert_eq!(body[0]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
    assert_eq!(body[1]["success"], true);
}

#[tokio::test]
async fn composite_runs_references_counts_once_and_rolls_back() {
    let env = Env::new().await;
    let req = json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "acct", "body": {"Name": "Acme"}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Contact", "referenceId": "ctc", "body": {"LastName": "Ng", "AccountId": "@{acct.id}"}},
        {"method": "GET", "url": "/services/data/v62.0/sobjects/Contact/@{ctc.id}?fields=AccountId", "referenceId": "read"},
    ]});
    let (status, body) = env.post("/composite", &req).await;
    assert_eq!(status, 200);
    let r = body["compositeResponse"].as_array().unwrap();
    assert_eq!(r[0]["httpStatusCode"], 201);
    assert_eq!(r[1]["httpStatusCode"], 201);
    assert_eq!(r[2]["body"]["AccountId"], r[0]["body"]["id"]);
    assert_eq!(env.sim.calls().total, 1, "composite counts as one call");

    let bad = json!({"allOrNone": true, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "a2", "body": {"Name": "Beta"}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Contact", "referenceId": "c2", "body": {"FirstName": "No last name"}},
    ]});
    let (_, body) = env.post("/composite", &bad).await;
    let r = body["compositeResponse"].as_array().unwrap();
    assert_eq!(r[0]["httpStatusCode"], 400);
    assert_eq!(r[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(r[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(env.sim.count("Account"), 1, "Beta rolled back");
    let too_many: Vec<Value> = (0..26).map(|i| json!({"method": "GET", "url": "/services/data/v62.0/limits", "referenceId": format!("r{i}")})).collect();
    let (status, _) = env
        .post("/composite", &json!({"compositeRequest": too_many}))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn collections_upsert_by_external_id_reports_created() {
    let env = Env::new().await;
    let rec = |jid: &str, last: &str| json!({"attributes": {"type": "Lead"}, "Jing_Id__c": jid, "LastName": last, "Company": "Acme"});
    let (status, body) = env
        .patch(
            "/composite/sobjects/Lead/Jing_Id__c",
            &json!({"records": [rec("J1", "A"), rec("J2", "B")]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (body[0]["created"].as_bool(), body[1]["created"].as_bool()),
        (Some(true), Some(true))
    );
    let (_, body) = env.patch("/composite/sobjects/Lead/Jing_Id__c", &json!({"records": [rec("J1", "A2"), {"attributes": {"type": "Lead"}, "LastName": "no key"}]})).await;
    assert_eq!(body[0]["created"], false);
    assert_eq!(body[0]["success"], true);
    assert_eq!(body[1]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    let (_, q) = env
        .query("SELECT LastName FROM Lead WHERE Jing_Id__c = 'J1'")
        .await;
    assert_eq!(q["records"][0]["LastName"], "A2");
    let (status, _) = env
        .patch("/composite/sobjects/Lead/Email", &json!({"records": []}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn oversized_uris_and_queries_are_refused() {
    let env = Env::new().await;
    let ids: Vec<String> = (0..1200).map(|i| format!("'00QSm{i:010}'")).collect();
    let soql = format!("SELECT Id FROM Lead WHERE Id IN ({})", ids.join(","));
    let (status, _) = env.query(&soql).await;
    assert_eq!(status, 414, "URI over 16,384 bytes");
    let resp = env
        .req(reqwest::Method::POST, "/composite/sobjects")
        .header("X-Big", "x".repeat(17_000))
        .json(&json!({"records": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 431);
}

#[tokio::test]
async fn composite_batch_counts_every_subrequest_and_can_halt() {
    let env = Env::new().await;
    let id = env.lead("A", "Acme", None).await;
    let before = env.sim.api_usage().used;
    let (status, body) = env.post("/composite/batch", &json!({"haltOnError": true, "batchRequests": [
        {"method": "PATCH", "url": format!("v62.0/sobjects/Lead/{id}"), "richInput": {"Status": "Nope"}},
        {"method": "GET", "url": format!("v62.0/sobjects/Lead/{id}?fields=Status")},
    ]})).await;
    assert_eq!(status, 200);
    assert_eq!(body["hasErrors"], true);
    assert_eq!(body["results"][0]["statusCode"], 400);
    assert_eq!(
        body["results"][0]["result"][0]["errorCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert_eq!(body["results"][1]["statusCode"], 412);
    assert_eq!(
        env.sim.api_usage().used - before,
        2,
        "one call per subrequest"
    );
    let (_, body) = env.post("/composite/batch", &json!({"batchRequests": [
        {"method": "PATCH", "url": format!("v62.0/sobjects/Lead/{id}"), "richInput": {"Title": "CTO"}},
        {"method": "GET", "url": format!("v62.0/sobjects/Lead/{id}?fields=Title")},
    ]})).await;
    assert_eq!(body["hasErrors"], false);
    assert_eq!(
        body["results"][0],
        json!({"statusCode": 204, "result": null})
    );
    assert_eq!(body["results"][1]["result"]["Title"], "CTO");
}

#[tokio::test]
async fn composite_queries_page_like_queries_and_at_most_five_are_taken() {
    let env = Env::new().await;
    for i in 0..3 {
        env.lead(&format!("L{i}"), "Acme", None).await;
    }
    let gone = env.lead("Gone", "Acme", None).await;
    env.delete(&format!("/sobjects/Lead/{gone}")).await;
    let q = |soql: &str| {
        format!(
            "/services/data/v62.0/queryAll/?q={}",
            soql.replace(' ', "+")
        )
    };
    let req = json!({"compositeRequest": [
        {"method": "GET", "url": q("SELECT Id, IsDeleted FROM Lead ORDER BY SystemModstamp, Id"), "referenceId": "leads"},
        {"method": "GET", "url": "/services/data/v62.0/query/?q=SELECT+Id+FROM+User", "referenceId": "users"},
    ]});
    let before = env.sim.calls().total;
    let (status, body) = env.post("/composite", &req).await;
    assert_eq!(status, 200, "{body}");
    let r = body["compositeResponse"].as_array().unwrap();
    assert_eq!(r[0]["httpStatusCode"], 200);
    let leads = r[0]["body"]["records"].as_array().unwrap();
    assert_eq!(leads.len(), 4, "queryAll: the deleted lead too");
    assert_eq!(leads.iter().filter(|l| l["IsDeleted"] == true).count(), 1);
    assert!(r[1]["body"]["totalSize"].as_u64().unwrap() >= 2, "users");
    assert_eq!(
        env.sim.calls().total - before,
        1,
        "one call for both queries"
    );
    let six: Vec<Value> = (0..6)
        .map(|i| json!({"method": "GET", "url": "/services/data/v62.0/query/?q=SELECT+Id+FROM+Lead", "referenceId": format!("q{i}")}))
        .collect();
    let (status, body) = env
        .post("/composite", &json!({"compositeRequest": six}))
        .await;
    assert_eq!(status, 200);
    let r = body["compositeResponse"].as_array().unwrap();
    assert_eq!(r.len(), 1, "refused before anything ran");
    assert_eq!(r[0]["httpStatusCode"], 400);
    assert_eq!(r[0]["body"][0]["errorCode"], "LIMIT_EXCEEDED");
}
