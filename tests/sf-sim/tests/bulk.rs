//! Bulk API 2.0 query jobs: state machine, 412 before completion, CSV paging with locators.

mod common;
use common::*;
use serde_json::{Value, json};

async fn poll(env: &Env, id: &str) -> Value {
    let (status, job) = env.get(&format!("/jobs/query/{id}")).await;
    assert_eq!(status, 200);
    job
}

async fn results(env: &Env, id: &str, q: &[(&str, &str)]) -> (u16, String, String, String) {
    let resp = env
        .req(reqwest::Method::GET, &format!("/jobs/query/{id}/results"))
        .query(q)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (locator, count) = (h("sforce-locator"), h("sforce-numberofrecords"));
    (status, resp.text().await.unwrap(), locator, count)
}

#[tokio::test]
async fn query_job_runs_through_states_and_pages_csv() {
    let env = Env::new().await;
    let owner = env.sim.integration_user_id();
    for i in 0..5 {
        env.sim.human().create("Lead", json!({"LastName": format!("L{i}"), "Company": "Acme \"Quoted\", Inc", "OwnerId": owner.as_str()})).unwrap();
    }
    let (status, job) = env.post("/jobs/query", &json!({"operation": "query", "query": "SELECT Id, LastName, Company, Title, Owner.Email FROM Lead ORDER BY LastName"})).await;
    assert_eq!(status, 200);
    assert_eq!(job["state"], "UploadComplete");
    let id = job["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("750"));
    assert!(job["createdDate"].as_str().unwrap().ends_with("+0000"));
    let (status, body, _, _) = results(&env, &id, &[]).await;
    assert_eq!(status, 412);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body[0]["errorCode"], "JOB_NOT_COMPLETE");
    assert_eq!(poll(&env, &id).await["state"], "InProgress");
    assert_eq!(poll(&env, &id).await["state"], "JobComplete");

    let (status, csv1, loc1, n1) = results(&env, &id, &[("maxRecords", "3")]).await;
    assert_eq!(status, 200);
    assert_eq!(n1, "3");
    assert_ne!(loc1, "null");
    let mut lines = csv1.lines();
    assert_eq!(
        lines.next().unwrap(),
        r#""Id","LastName","Company","Title","Owner.Email""#
    );
    let first = lines.next().unwrap();
    assert!(
        first.contains(r#""L0","Acme ""Quoted"", Inc",,"integration@acme.example""#),
        "{first}"
    );
    let (_, csv2, loc2, n2) = results(&env, &id, &[("maxRecords", "3"), ("locator", &loc1)]).await;
    assert_eq!((loc2.as_str(), n2.as_str()), ("null", "2"));
    let mut reader = csv::Reader::from_reader(csv2.as_bytes());
    let names: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert_eq!(names, vec!["L3", "L4"]);
}

#[tokio::test]
async fn query_all_jobs_include_deleted_and_bad_jobs_are_refused() {
    let env = Env::new().await;
    let id = env
        .sim
        .human()
        .create("Lead", json!({"LastName": "Gone", "Company": "Acme"}))
        .unwrap();
    env.sim.human().delete("Lead", &id).unwrap();
    let (_, job) = env
        .post(
            "/jobs/query",
            &json!({"operation": "queryAll", "query": "SELECT Id, IsDeleted FROM Lead"}),
        )
        .await;
    let jid = job["id"].as_str().unwrap().to_owned();
    poll(&env, &jid).await;
    poll(&env, &jid).await;
    let (_, csv, loc, n) = results(&env, &jid, &[]).await;
    assert_eq!((loc.as_str(), n.as_str()), ("null", "1"));
    assert!(csv.contains(r#""true""#));
    let (status, body) = env
        .post(
            "/jobs/query",
            &json!({"operation": "query", "query": "SELECT Nope FROM Lead"}),
        )
        .await;
    assert_eq!((status, error_of(&body).0.as_str()), (400, "INVALID_FIELD"));
    let (status, _) = env
        .post(
            "/jobs/query",
            &json!({"operation": "upsert", "query": "SELECT Id FROM Lead"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = env.get("/jobs/query/750Sm0000000000").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn failed_purged_and_unknown_jobs_are_refused_like_salesforce() {
    let env = Env::new().await;
    env.lead("Ng", "Acme", None).await;
    let (status, body) = env.get("/jobs/query/750Sm0000000000AAA").await;
    assert_eq!((status, error_of(&body).0.as_str()), (404, "NOT_FOUND"));
    let (status, _, _, _) = results(&env, "750Sm0000000000AAA", &[]).await;
    assert_eq!(status, 404);

    let query = json!({"operation": "query", "query": "SELECT Id FROM Lead"});
    let (_, job) = env.post("/jobs/query", &query).await;
    let id = job["id"].as_str().unwrap().to_owned();
    env.sim.faults().fail_bulk_jobs("InternalServerError");
    let failed = poll(&env, &id).await;
    assert_eq!(
        (failed["state"].as_str(), failed["errorMessage"].as_str()),
        (Some("Failed"), Some("InternalServerError"))
    );
    let (status, body, _, _) = results(&env, &id, &[]).await;
    assert_eq!(status, 412);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body[0]["errorCode"], "JOB_NOT_COMPLETE");
    assert!(
        body[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("Current status: FAILED")
    );
    let (status, body) = env
        .patch(&format!("/jobs/query/{id}"), &json!({"state": "Aborted"}))
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (400, "INVALIDJOB"),
        "a job that ended cannot be aborted"
    );

    let (_, done) = env.post("/jobs/query", &query).await;
    let done = done["id"].as_str().unwrap().to_owned();
    poll(&env, &done).await;
    assert_eq!(poll(&env, &done).await["state"], "JobComplete");
    let (status, _, _, _) = results(&env, &done, &[("maxRecords", "0")]).await;
    assert_eq!(status, 400);
    let (status, _, _, _) = results(&env, &done, &[("locator", "bm9wZQ")]).await;
    assert_eq!(status, 400, "a locator the job never handed out");
    env.sim.faults().purge_bulk_jobs();
    let (status, body) = env.get(&format!("/jobs/query/{done}")).await;
    assert_eq!((status, error_of(&body).0.as_str()), (404, "NOT_FOUND"));
    let (status, _, _, _) = results(&env, &done, &[]).await;
    assert_eq!(status, 404, "purged results are gone");
}
