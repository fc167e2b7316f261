//! SOQL: paging, ordering, queryAll, escaping, strictness.

mod common;
use common::*;
use serde_json::{Value, json};

async fn seed(env: &Env, n: usize) {
    let records: Vec<Value> = (0..n).map(|i| json!({"attributes": {"type": "Lead"}, "LastName": format!("L{i:04}"), "Company": "Acme"})).collect();
    for chunk in records.chunks(200) {
        let (status, body) = send(
            env.req(reqwest::Method::POST, "/composite/sobjects")
                .header("Sforce-Auto-Assign", "FALSE")
                .json(&json!({"allOrNone": true, "records": chunk})),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            body.as_array()
                .unwrap()
                .iter()
                .all(|r| r["success"] == true),
            "{body}"
        );
    }
}

#[tokio::test]
async fn pages_of_batch_size_until_done() {
    let env = Env::new().await;
    seed(&env, 450).await;
    let soql = "SELECT Id, LastName FROM Lead ORDER BY SystemModstamp, Id";
    let (status, first) = send(
        env.req(reqwest::Method::GET, "/query")
            .query(&[("q", soql)])
            .header("Sforce-Query-Options", "batchSize=200"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(first["totalSize"], 450);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 200);
    let mut next = first["nextRecordsUrl"].as_str().unwrap().to_owned();
    assert!(
        next.starts_with("/services/data/v62.0/query/01g") && next.ends_with("-200"),
        "{next}"
    );
    let mut seen: Vec<String> = first["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_owned())
        .collect();
    let mut pages = 1;
    loop {
        let (status, page) = send(
            env.http
                .get(format!("{}{next}", env.sim.base_url()))
                .bearer_auth(&env.token),
        )
        .await;
        assert_eq!(status, 200);
        pages += 1;
        seen.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["Id"].as_str().unwrap().to_owned()),
        );
        assert_eq!(page["totalSize"], 450);
        if page["done"] == true {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        next = page["nextRecordsUrl"].as_str().unwrap().to_owned();
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 450, "no row repeated or lost");
    assert!(
        seen == sorted,
        "equal SystemModstamp values fall back to Id order"
    );
    assert_eq!(env.sim.calls().kind("query"), 1);
    assert_eq!(env.sim.calls().kind("query_more"), 2);
    let (status, body) = send(
        env.http
            .get(format!(
                "{}/services/data/v62.0/query/01gBOGUS-200",
                env.sim.base_url()
            ))
            .bearer_auth(&env.token),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn default_page_is_2000_and_empty_results_are_done() {
    let env = Env::new().await;
    let (status, body) = env.query("SELECT Id FROM Lead").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"totalSize": 0, "done": true, "records": []}));
    let (_, body) = env.query("SELECT COUNT() FROM Lead").await;
    assert_eq!(body["totalSize"], 0);
}

#[tokio::test]
async fn where_order_limit_and_parent_fields() {
    let env = Env::new().await;
    let owner = env.sim.add_user("Rep", "One", "rep@acme.example", None);
    for (name, email, emp) in [
        ("Ng", "ng@a.example", 10),
        ("O'Brien", "ob@a.example", 50),
        ("Wu", "wu@a.example", 30),
    ] {
        let (s, b) = send(env.req(reqwest::Method::POST, "/sobjects/Lead").json(&json!({"LastName": name, "Company": "Acme", "Email": email, "NumberOfEmployees": emp, "OwnerId": owner.as_str()}))).await;
        assert_eq!(s, 201, "{b}");
    }
    let (status, body) = env.query("SELECT LastName, Owner.Email FROM Lead WHERE NumberOfEmployees >= 30 ORDER BY NumberOfEmployees DESC").await;
    assert_eq!(status, 200, "{body}");
    let recs = body["records"].as_array().unwrap();
    assert_eq!(
        recs.iter()
            .map(|r| r["LastName"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["O'Brien", "Wu"]
    );
    assert_eq!(recs[0]["Owner"]["Email"], "rep@acme.example");
    assert_eq!(recs[0]["Owner"]["attributes"]["type"], "User");
    // Backslash escapes: the quote is a literal, not an injection.
    let (status, body) = env
        .query(r"SELECT Id FROM Lead WHERE LastName = 'O\'Brien'")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], 1);
    let (_, body) = env
        .query(r"SELECT Id FROM Lead WHERE LastName = 'x\' OR LastName != \'y'")
        .await;
    assert_eq!(
        body["totalSize"], 0,
        "an escaped quote cannot end the literal"
    );
    let (_, body) = env.query("SELECT Id FROM Lead WHERE (LastName = 'ng' OR LastName = 'wu') AND NOT Email LIKE 'wu%'").await;
    assert_eq!(
        body["totalSize"], 1,
        "= is case-insensitive; LIKE and NOT work"
    );
    let (_, body) = env
        .query("SELECT Id FROM Lead WHERE LastName IN ('Ng', 'Wu') ORDER BY LastName LIMIT 1")
        .await;
    assert_eq!(body["totalSize"], 1);
    let (_, body) = env
        .query("SELECT Id FROM Lead WHERE Email != null AND Title = null")
        .await;
    assert_eq!(body["totalSize"], 3);
    let (_, body) = env.query("SELECT Id FROM Lead WHERE CreatedDate > 2020-01-01T00:00:00Z AND CreatedDate < 2999-01-01T00:00:00+08:00").await;
    assert_eq!(body["totalSize"], 3);
}

#[tokio::test]
async fn query_all_shows_deleted_rows() {
    let env = Env::new().await;
    let id = env.lead("Gone", "Acme", None).await;
    env.lead("Kept", "Acme", None).await;
    env.delete(&format!("/sobjects/Lead/{id}")).await;
    let (_, body) = env.query("SELECT Id FROM Lead").await;
    assert_eq!(body["totalSize"], 1);
    let (status, body) = send(
        env.req(reqwest::Method::GET, "/queryAll")
            .query(&[("q", "SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], 1);
    assert_eq!(body["records"][0]["Id"], id.as_str());
    assert_eq!(body["records"][0]["IsDeleted"], true);
}

#[tokio::test]
async fn bad_soql_is_refused_with_the_right_code() {
    let env = Env::new().await;
    for (soql, code) in [
        ("SELECT Id FROM Lead OFFSET 10", "MALFORMED_QUERY"),
        ("SELECT FIELDS(ALL) FROM Lead", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Lead WHERE LastName = 'a' AND Company = 'b' OR Email = 'c'",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Lead WHERE LastName = 'bad \\q escape'",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Lead WHERE LastName = 'unterminated",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id, Id FROM Lead", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > 2024-01-01T00:00:00",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > LAST_N_DAYS:7",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Lead GROUP BY Status", "MALFORMED_QUERY"),
        ("SELECT Nope__c FROM Lead", "INVALID_FIELD"),
        ("SELECT Owner.Nope FROM Lead", "INVALID_FIELD"),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > '2024-01-01T00:00:00Z'",
            "INVALID_FIELD",
        ),
        ("SELECT Id FROM Lead WHERE Email = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Leed", "INVALID_TYPE"),
        (
            "SELECT Id FROM Lead WHERE Id = 'abc'",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
    ] {
        let (status, body) = env.query(soql).await;
        assert_eq!(status, 400, "{soql}");
        assert_eq!(error_of(&body).0, code, "{soql}: {body}");
    }
    // LIKE wildcard escapes are legal only in LIKE.
    let (status, _) = env
        .query(r"SELECT Id FROM Lead WHERE LastName LIKE '50\%%'")
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn idle_query_locators_expire() {
    let env = Env::new().await;
    seed(&env, 250).await;
    let (_, first) = send(
        env.req(reqwest::Method::GET, "/query")
            .query(&[("q", "SELECT Id FROM Lead")])
            .header("Sforce-Query-Options", "batchSize=200"),
    )
    .await;
    let next = first["nextRecordsUrl"].as_str().unwrap().to_owned();
    env.sim
        .advance_clock(std::time::Duration::from_secs(16 * 60));
    // The session would have survived (2 h TTL); the locator does not.
    let (status, body) = send(
        env.http
            .get(format!("{}{next}", env.sim.base_url()))
            .bearer_auth(&env.token),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn two_long_text_areas_cap_the_page_at_200() {
    let env = Env::new().await;
    seed(&env, 250).await;
    let (_, body) = env
        .query("SELECT Id, Description, Notes__c FROM Lead")
        .await;
    assert_eq!(
        body["records"].as_array().unwrap().len(),
        200,
        "batch size is not guaranteed"
    );
    assert_eq!(body["done"], false);
    let (_, body) = env.query("SELECT Id, Description FROM Lead").await;
    assert_eq!(body["records"].as_array().unwrap().len(), 250);
}
