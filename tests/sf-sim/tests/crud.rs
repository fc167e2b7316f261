//! sObject CRUD and the validations Salesforce applies, with exact statuses and bodies.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn create_read_update_delete_round_trip() {
    let env = Env::new().await;
    let (status, created) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "Email": "ng@acme.example"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(created["success"], true);
    assert_eq!(created["errors"], json!([]));
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("00Q"));
    assert_eq!(
        domain::ids::SfId::parse(&id).unwrap().as_str(),
        id,
        "checksum suffix is valid"
    );

    let (status, rec) = env.get(&format!("/sobjects/Lead/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        rec["attributes"],
        json!({"type": "Lead", "url": format!("/services/data/v62.0/sobjects/Lead/{id}")})
    );
    assert_eq!(rec["Status"], "Open - Not Contacted", "defaulted picklist");
    assert_eq!(rec["IsConverted"], false);
    assert_eq!(rec["CreatedById"], env.sim.integration_user_id().as_str());
    assert!(
        rec["SystemModstamp"]
            .as_str()
            .unwrap()
            .ends_with(".000+0000")
    );

    let (status, body) = env
        .patch(&format!("/sobjects/Lead/{id}"), &json!({"Title": "CTO"}))
        .await;
    assert_eq!((status, body), (204, serde_json::Value::Null));
    let (_, rec) = env
        .get(&format!("/sobjects/Lead/{id}?fields=Title,Email"))
        .await;
    assert_eq!(rec["Title"], "CTO");
    assert!(rec.get("Company").is_none(), "fields= projects");

    // 15-char input is accepted.
    let (status, _) = env.get(&format!("/sobjects/Lead/{}", &id[..15])).await;
    assert_eq!(status, 200);

    let (status, _) = env.delete(&format!("/sobjects/Lead/{id}")).await;
    assert_eq!(status, 204);
    let (status, body) = env.get(&format!("/sobjects/Lead/{id}")).await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&body).0, "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn required_fields_are_listed() {
    let env = Env::new().await;
    let (status, body) = env
        .post("/sobjects/Lead", &json!({"FirstName": "Wei"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{"message": "Required fields are missing: [LastName, Company]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName", "Company"]}])
    );
    let (status, body) = env
        .post("/sobjects/Opportunity", &json!({"Amount": 5}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["fields"], json!(["Name", "StageName", "CloseDate"]));
    let (_, body) = env.post("/sobjects/Account", &json!({})).await;
    assert_eq!(body[0]["fields"], json!(["Name"]));
}

#[tokio::test]
async fn too_long_bad_email_bad_picklists_are_refused() {
    let env = Env::new().await;
    let long = "x".repeat(81);
    let (status, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": long, "Company": "Acme"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "STRING_TOO_LONG".into(),
            format!("Last Name: data value too large: {long} (max length=80)")
        )
    );
    assert_eq!(body[0]["fields"], json!(["LastName"]));

    let (_, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "Email": "not-an-email"}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        (
            "INVALID_EMAIL_ADDRESS".into(),
            "Email: invalid email address: not-an-email".into()
        )
    );

    let (_, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "Status": "Hot"}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        (
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST".into(),
            "Lead Status: bad value for restricted picklist field: Hot".into()
        )
    );

    let (_, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "Region__c": "Mars"}),
        )
        .await;
    assert_eq!(error_of(&body).0, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");

    // Dependent picklist: Tokyo is not valid for China; Shanghai is.
    let (_, body) = env.post("/sobjects/Lead", &json!({"LastName": "Ng", "Company": "Acme", "Country__c": "China", "Province__c": "Tokyo"})).await;
    assert_eq!(
        error_of(&body),
        (
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST".into(),
            "Province: bad value for restricted picklist field: Tokyo".into()
        )
    );
    let (status, _) = env.post("/sobjects/Lead", &json!({"LastName": "Ng", "Company": "Acme", "Country__c": "China", "Province__c": "Shanghai"})).await;
    assert_eq!(status, 201);
    // Unrestricted picklists take any value.
    let (status, _) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng2", "Company": "Acme", "LeadSource": "WeChat"}),
        )
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn unknown_fields_id_in_body_and_read_only_fields_are_refused() {
    let env = Env::new().await;
    let (status, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "Foo__c": 1}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "INVALID_FIELD".into(),
            "No such column 'Foo__c' on sobject of type Lead".into()
        )
    );
    let (_, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"Id": "00Q000000000001", "LastName": "Ng", "Company": "Acme"}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        (
            "INVALID_FIELD".into(),
            "The Id field should not be specified in the sobject data.".into()
        )
    );
    let (_, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "IsConverted": true}),
        )
        .await;
    assert_eq!(error_of(&body).0, "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(body[0]["fields"], json!(["IsConverted"]));
    let id = env.lead("Ng", "Acme", None).await;
    let (_, body) = env
        .patch(
            &format!("/sobjects/Lead/{id}"),
            &json!({"SystemModstamp": "2024-01-01T00:00:00.000+0000"}),
        )
        .await;
    assert_eq!(error_of(&body).0, "INVALID_FIELD_FOR_INSERT_UPDATE");
    let (status, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "NumberOfEmployees": "many"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "JSON_PARSER_ERROR");
    let (status, body) = env
        .post("/sobjects/Lead", &json!([{"LastName": "Ng"}]))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn ids_are_checked_for_shape_type_and_existence() {
    let env = Env::new().await;
    let (status, body) = env.get("/sobjects/Lead/not-an-id").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "MALFORMED_ID");
    let (status, body) = env.get("/sobjects/Lead/00QSm0000000000").await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND", "fields": []}])
    );
    let (status, _) = env.get("/sobjects/Nope/00QSm0000000000").await;
    assert_eq!(status, 404);
    // Lookup to a missing user / to a record of the wrong type.
    let (_, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "OwnerId": "005Sm0000000000"}),
        )
        .await;
    assert_eq!(
        body,
        json!([{"message": "invalid cross reference id", "errorCode": "INVALID_CROSS_REFERENCE_KEY", "fields": ["OwnerId"]}])
    );
    let (_, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "OwnerId": "garbage"}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        (
            "MALFORMED_ID".into(),
            "Owner ID: id value of incorrect type: garbage".into()
        )
    );
    let queue = env.sim.lead_queue_id();
    let (status, _) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Acme", "OwnerId": queue.as_str()}),
        )
        .await;
    assert_eq!(status, 201, "a queue may own a lead");
}

#[tokio::test]
async fn duplicate_rules_block_unless_allow_save() {
    let env = Env::new().await;
    let first = env.lead("Ng", "Acme", Some("ng@acme.example")).await;
    let (status, body) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "Ng", "Company": "Other", "Email": "NG@acme.example"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "DUPLICATES_DETECTED");
    let matched = &body[0]["duplicateResult"]["matchResults"][0]["matchRecords"][0]["record"]["Id"];
    assert_eq!(matched, first.as_str());
    let (status, _) = send(
        env.req(reqwest::Method::POST, "/sobjects/Lead")
            .header("Sforce-Duplicate-Rule-Header", "allowSave=true")
            .json(&json!({"LastName": "Ng", "Company": "Other", "Email": "ng@acme.example"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = env
        .post("/sobjects/Account", &json!({"Name": "Acme"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = env
        .post("/sobjects/Account", &json!({"Name": "acme"}))
        .await;
    assert_eq!(error_of(&body).0, "DUPLICATES_DETECTED");
}

#[tokio::test]
async fn converted_leads_are_read_only_and_conversion_creates_records() {
    let env = Env::new().await;
    let id = env.lead("Ng", "Acme", Some("ng@acme.example")).await;
    let sid = domain::ids::SfId::parse(&id).unwrap();
    let conv = env.sim.convert_lead(&sid).unwrap();
    let (_, lead) = env.get(&format!("/sobjects/Lead/{id}")).await;
    assert_eq!(lead["IsConverted"], true);
    assert_eq!(lead["ConvertedAccountId"], conv.account_id.as_str());
    assert_eq!(lead["ConvertedContactId"], conv.contact_id.as_str());
    assert_eq!(lead["ConvertedOpportunityId"], conv.opportunity_id.as_str());
    assert_eq!(
        lead["ConvertedDate"].as_str().unwrap().len(),
        10,
        "a date, not a datetime"
    );
    assert_eq!(lead["LastModifiedById"], env.sim.human_user_id().as_str());
    let (status, body) = env
        .patch(&format!("/sobjects/Lead/{id}"), &json!({"Title": "CEO"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "CANNOT_UPDATE_CONVERTED_LEAD".into(),
            "cannot reference converted lead".into()
        )
    );
    let (_, contact) = env
        .get(&format!("/sobjects/Contact/{}", conv.contact_id))
        .await;
    assert_eq!(contact["Email"], "ng@acme.example");
    assert_eq!(contact["AccountId"], conv.account_id.as_str());
    let (_, opp) = env
        .get(&format!("/sobjects/Opportunity/{}", conv.opportunity_id))
        .await;
    assert_eq!(opp["StageName"], "Prospecting");
    assert_eq!(opp["IsClosed"], false);
}

#[tokio::test]
async fn assignment_rule_moves_owner_unless_header_false() {
    let env = Env::new().await;
    let queue = env.sim.lead_queue_id();
    env.sim.set_auto_assign_owner(Some(queue.clone()));
    let (_, created) = env
        .post(
            "/sobjects/Lead",
            &json!({"LastName": "A", "Company": "Acme"}),
        )
        .await;
    let (_, rec) = env
        .get(&format!(
            "/sobjects/Lead/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(rec["OwnerId"], queue.as_str(), "absent header = TRUE");
    let id = env.lead("B", "Acme", None).await;
    let (_, rec) = env.get(&format!("/sobjects/Lead/{id}")).await;
    assert_eq!(rec["OwnerId"], env.sim.integration_user_id().as_str());
}

#[tokio::test]
async fn upsert_by_external_id_creates_updates_and_reports_multiple() {
    let env = Env::new().await;
    let (status, body) = env
        .patch(
            "/sobjects/Lead/Jing_Id__c/J1",
            &json!({"LastName": "Ng", "Company": "Acme"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["created"], true);
    let (status, body) = env
        .patch("/sobjects/Lead/Jing_Id__c/J1", &json!({"Title": "CTO"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["created"], false);
    env.sim
        .human()
        .create(
            "Lead",
            json!({"LastName": "Dup", "Company": "Acme", "Jing_Id__c": "J1"}),
        )
        .unwrap();
    let (status, body) = env
        .patch("/sobjects/Lead/Jing_Id__c/J1", &json!({"Title": "CTO"}))
        .await;
    assert_eq!(status, 300);
    assert_eq!(body.as_array().unwrap().len(), 2);
    let (status, body) = env
        .patch("/sobjects/Lead/Email/x", &json!({"Title": "CTO"}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        error_of(&body),
        (
            "NOT_FOUND".into(),
            "Provided external ID field does not exist or is not accessible: Email".into()
        )
    );
}

#[tokio::test]
async fn unsupported_version_and_unknown_paths_are_404() {
    let env = Env::new().await;
    let resp = env
        .http
        .get(format!("{}/services/data/v20.0/limits", env.sim.base_url()))
        .bearer_auth(&env.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let (status, body) = env.get("/nothing/here").await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&body).0, "NOT_FOUND");
    let (status, _) = send(env.req(reqwest::Method::PUT, "/sobjects/Lead")).await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn unique_external_ids_refuse_a_second_holder() {
    let env = Env::new().await;
    let (status, first) = env
        .post(
            "/sobjects/Account",
            &json!({"Name": "Acme", "Jing_Id__c": "A1"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = env
        .post(
            "/sobjects/Account",
            &json!({"Name": "Beta", "Jing_Id__c": "a1"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_of(&body),
        (
            "DUPLICATE_VALUE".into(),
            format!(
                "duplicate value found: Jing_Id__c duplicates value on record with id: {}",
                first["id"].as_str().unwrap()
            )
        )
    );
    assert_eq!(body[0]["fields"], json!(["Jing_Id__c"]));
    // Updating the holder itself is fine.
    let (status, _) = env
        .patch(
            &format!("/sobjects/Account/{}", first["id"].as_str().unwrap()),
            &json!({"Jing_Id__c": "A1", "Phone": "1"}),
        )
        .await;
    assert_eq!(status, 204);
}
