//! Bulk API 2.0 ingest jobs: one upload, close, polls, per-row validation through the REST
//! rules, results CSVs out of upload order, CSV refusals, call counting.

mod common;
use common::*;
use serde_json::{Value, json};

async fn job(env: &Env, body: Value) -> String {
    let (status, job) = env.post("/jobs/ingest", &body).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["state"], "Open");
    let id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(
        job["contentUrl"],
        format!("services/data/{V}/jobs/ingest/{id}/batches")
    );
    id
}

async fn upload(env: &Env, id: &str, csv: &str) -> (u16, Value) {
    let req = env.req(reqwest::Method::PUT, &format!("/jobs/ingest/{id}/batches"));
    send(req.header("Content-Type", "text/csv").body(csv.to_owned())).await
}

async fn close(env: &Env, id: &str) {
    let (status, body) = env
        .patch(
            &format!("/jobs/ingest/{id}"),
            &json!({"state": "UploadComplete"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "UploadComplete");
}

async fn finish(env: &Env, id: &str) -> Value {
    let (_, first) = env.get(&format!("/jobs/ingest/{id}")).await;
    assert_eq!(first["state"], "InProgress", "not done on the first poll");
    let (_, done) = env.get(&format!("/jobs/ingest/{id}")).await;
    done
}

async fn results(env: &Env, id: &str, kind: &str) -> Vec<Vec<String>> {
    let resp = env
        .req(reqwest::Method::GET, &format!("/jobs/ingest/{id}/{kind}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn insert_job_validates_rows_like_rest_and_reports_out_of_order() {
    let env = Env::new().await;
    env.lead("Old", "Acme", Some("taken@acme.example")).await;
    let id = job(
        &env,
        json!({"object": "Lead", "operation": "insert", "contentType": "CSV", "lineEnding": "LF"}),
    )
    .await;
    let csv = "LastName,Company,Email,Region__c,Description\n\
               Ng,\"Acme, Inc\",ng@acme.example,,\"line1\nline2 \"\"q\"\"\"\n\
               ,Acme,missing@acme.example,,\n\
               Li,Acme,taken@acme.example,,\n\
               Wu,Acme,wu@acme.example,Atlantis,\n\
               Ho,Acme,ho@acme.example,,#N/A\n";
    assert_eq!(upload(&env, &id, csv).await.0, 201);
    let (status, again) = upload(&env, &id, csv).await;
    assert_eq!(status, 400);
    assert!(
        again[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Found multiple contents for job")
    );
    close(&env, &id).await;
    let done = finish(&env, &id).await;
    assert_eq!(done["state"], "JobComplete");
    assert_eq!(
        (
            done["numberRecordsProcessed"].as_u64(),
            done["numberRecordsFailed"].as_u64()
        ),
        (Some(5), Some(3))
    );

    let ok = results(&env, &id, "successfulResults").await;
    assert_eq!(ok[0][..4], ["sf__Id", "sf__Created", "LastName", "Company"]);
    let names: Vec<&str> = ok[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(names, ["Ho", "Ng"], "newest first, not the upload order");
    assert_eq!(ok[2][6], "line1\nline2 \"q\"");
    let ng = env
        .sim
        .record("Lead", &domain::SfId::parse(&ok[2][0]).unwrap())
        .unwrap();
    assert_eq!(
        (ng["Company"].as_str(), ng["Email"].as_str()),
        (Some("Acme, Inc"), Some("ng@acme.example"))
    );

    let failed = results(&env, &id, "failedResults").await;
    assert_eq!(failed[0][..3], ["sf__Id", "sf__Error", "LastName"]);
    let errors: Vec<(&str, &str)> = failed[1..]
        .iter()
        .map(|r| (r[2].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(errors.len(), 3);
    assert!(
        errors.iter().any(|(n, e)| *n == "Wu"
            && e.starts_with("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:")
            && e.ends_with(":Region__c--")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(n, e)| *n == "Li" && e.starts_with("DUPLICATES_DETECTED:")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|(n, e)| n.is_empty()
            && *e == "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName--"),
        "{errors:?}"
    );
    assert!(
        failed[1..].iter().all(|r| r[0].is_empty()),
        "failed inserts have no id"
    );
    assert_eq!(
        results(&env, &id, "unprocessedrecords").await.len(),
        1,
        "header only"
    );
    assert_eq!(env.sim.count("Lead"), 3);
}

#[tokio::test]
async fn update_upsert_and_delete_rows_follow_their_keys() {
    let env = Env::new().await;
    let a = env.lead("A", "Acme", None).await;
    let b = env.lead("B", "Acme", None).await;
    let id = job(&env, json!({"object": "Lead", "operation": "update"})).await;
    upload(
        &env,
        &id,
        &format!("Id,Title\n{a},CEO\n{b},#N/A\nbogus,CTO\n"),
    )
    .await;
    close(&env, &id).await;
    assert_eq!(finish(&env, &id).await["numberRecordsFailed"], 1);
    let ok = results(&env, &id, "successfulResults").await;
    assert!(ok[1..].iter().all(|r| r[1] == "false"));
    assert_eq!(
        env.sim
            .record("Lead", &domain::SfId::parse(&a).unwrap())
            .unwrap()["Title"],
        "CEO"
    );
    let failed = results(&env, &id, "failedResults").await;
    assert!(failed[1][1].starts_with("MALFORMED_ID:"), "{failed:?}");

    let (status, _) = env
        .post(
            "/jobs/ingest",
            &json!({"object": "Lead", "operation": "upsert"}),
        )
        .await;
    assert_eq!(status, 400, "upsert needs externalIdFieldName");
    let id = job(
        &env,
        json!({"object": "Lead", "operation": "upsert", "externalIdFieldName": "Jing_Id__c"}),
    )
    .await;
    upload(
        &env,
        &id,
        "Jing_Id__c,LastName,Company\nj-1,One,Acme\nj-1,Again,Acme\n",
    )
    .await;
    close(&env, &id).await;
    finish(&env, &id).await;
    let created: Vec<String> = results(&env, &id, "successfulResults").await[1..]
        .iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(
        created,
        ["false", "true"],
        "second row updates the first row's record"
    );

    let id = job(&env, json!({"object": "Lead", "operation": "delete"})).await;
    upload(&env, &id, &format!("Id\n{a}\n")).await;
    close(&env, &id).await;
    finish(&env, &id).await;
    assert_eq!(env.sim.count("Lead"), 2);
}

#[tokio::test]
async fn bad_csv_fails_the_job_and_leaves_every_row_unprocessed() {
    let env = Env::new().await;
    for (csv, message) in [
        (
            "LastName,Company\r\nNg,Acme\r\n",
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF",
        ),
        (
            "LastName,Nope__c\nNg,x\n",
            "InvalidBatch : Field name not found : Nope__c",
        ),
        ("Ng,Acme\n", "InvalidBatch : Field name not found : Ng"),
    ] {
        let id = job(&env, json!({"object": "Lead", "operation": "insert"})).await;
        assert_eq!(upload(&env, &id, csv).await.0, 201);
        close(&env, &id).await;
        let done = finish(&env, &id).await;
        assert_eq!(
            (done["state"].as_str(), done["errorMessage"].as_str()),
            (Some("Failed"), Some(message))
        );
        let rows = results(&env, &id, "unprocessedrecords").await;
        assert_eq!(rows.len(), csv.lines().count());
    }
    assert_eq!(env.sim.count("Lead"), 0);
}

#[tokio::test]
async fn the_state_machine_refuses_out_of_turn_calls() {
    let env = Env::new().await;
    let (status, body) = env
        .post(
            "/jobs/ingest",
            &json!({"object": "Lead", "operation": "merge"}),
        )
        .await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (400, Some("INVALIDJOB"))
    );
    let (status, _) = env
        .post(
            "/jobs/ingest",
            &json!({"object": "Nope", "operation": "insert"}),
        )
        .await;
    assert_eq!(status, 400);
    let id = job(&env, json!({"object": "Lead", "operation": "insert"})).await;
    let (status, _) = send(
        env.req(reqwest::Method::PUT, &format!("/jobs/ingest/{id}/batches"))
            .header("Content-Type", "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(status, 400, "uploads are text/csv");
    let resp = env
        .req(
            reqwest::Method::GET,
            &format!("/jobs/ingest/{id}/successfulResults/"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "no results while the job is open");
    assert_eq!(
        env.delete(&format!("/jobs/ingest/{id}")).await.0,
        400,
        "an open job cannot be deleted"
    );
    upload(&env, &id, "LastName,Company\nNg,Acme\n").await;
    let (status, aborted) = env
        .patch(&format!("/jobs/ingest/{id}"), &json!({"state": "Aborted"}))
        .await;
    assert_eq!((status, aborted["state"].as_str()), (200, Some("Aborted")));
    let (status, _) = env
        .patch(
            &format!("/jobs/ingest/{id}"),
            &json!({"state": "UploadComplete"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(results(&env, &id, "unprocessedrecords").await.len(), 2);
    assert_eq!(env.delete(&format!("/jobs/ingest/{id}")).await.0, 204);
    assert_eq!(env.get(&format!("/jobs/ingest/{id}")).await.0, 404);
    let calls = env.sim.calls();
    assert_eq!(calls.kind("bulk_ingest_create"), 3);
    assert_eq!(calls.kind("bulk_ingest_upload"), 2);
    assert_eq!(calls.kind("bulk_ingest_state"), 2);
    assert_eq!(calls.kind("bulk_ingest_results"), 2);
    assert_eq!(calls.kind("bulk_ingest_delete"), 2);
    assert_eq!(calls.kind("bulk_ingest_status"), 1);
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused() {
    let env = Env::with(SimConfig {
        bulk_ingest_max_upload_bytes: 40,
        ..SimConfig::default()
    })
    .await;
    let id = job(&env, json!({"object": "Lead", "operation": "insert"})).await;
    let (status, _) = upload(&env, &id, "LastName,Company\nNg,Acme\nLi,Acme\nWu,Acme\n").await;
    assert_eq!(status, 413);
    assert_eq!(
        upload(&env, &id, "LastName,Company\nNg,Acme\n").await.0,
        201
    );
}

#[tokio::test]
async fn uploads_of_many_megabytes_under_the_limit_are_taken() {
    let env = Env::new().await;
    let id = job(&env, json!({"object": "Lead", "operation": "insert"})).await;
    // About 5 MB: well past a web framework's default body limit, far under Salesforce's.
    let mut csv = String::from("LastName,Company\n");
    while csv.len() < 5_000_000 {
        csv.push_str(&format!("Name {},Company\n", csv.len()));
    }
    assert_eq!(upload(&env, &id, &csv).await.0, 201);
}
