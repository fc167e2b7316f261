//! Describe metadata: field keys, restricted and dependent picklists with validFor.

mod common;
use base64::Engine;
use common::*;
use serde_json::Value;

fn field<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

#[tokio::test]
async fn describe_has_real_keys_and_picklist_dependencies() {
    let env = Env::new().await;
    let (status, d) = env.get("/sobjects/Lead/describe").await;
    assert_eq!(status, 200);
    assert_eq!(d["keyPrefix"], "00Q");
    let last = field(&d, "LastName");
    for key in [
        "name",
        "label",
        "type",
        "length",
        "byteLength",
        "nillable",
        "createable",
        "updateable",
        "defaultedOnCreate",
        "restrictedPicklist",
        "dependentPicklist",
        "controllerName",
        "picklistValues",
        "referenceTo",
        "relationshipName",
        "externalId",
        "unique",
    ] {
        assert!(last.get(key).is_some(), "missing {key}");
    }
    assert_eq!(
        (
            last["length"].as_u64(),
            last["byteLength"].as_u64(),
            last["nillable"].as_bool()
        ),
        (Some(80), Some(240), Some(false))
    );
    let status_f = field(&d, "Status");
    assert_eq!(
        (
            status_f["restrictedPicklist"].as_bool(),
            status_f["defaultedOnCreate"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let owner = field(&d, "OwnerId");
    assert_eq!(owner["referenceTo"], serde_json::json!(["Group", "User"]));
    assert_eq!(owner["relationshipName"], "Owner");
    let country = field(&d, "Country__c");
    let countries: Vec<&str> = country["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    let province = field(&d, "Province__c");
    assert_eq!(province["dependentPicklist"], true);
    assert_eq!(province["controllerName"], "Country__c");
    // Decode validFor exactly as a client must: bit i (MSB first) = controller index i.
    for v in province["picklistValues"].as_array().unwrap() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v["validFor"].as_str().unwrap())
            .unwrap();
        let valid: Vec<&str> = countries
            .iter()
            .enumerate()
            .filter(|(i, _)| bytes[i >> 3] & (0x80 >> (i & 7)) != 0)
            .map(|(_, c)| *c)
            .collect();
        let expected = match v["value"].as_str().unwrap() {
            "Tokyo" | "Osaka" => "Japan",
            "California" => "United States",
            _ => "China",
        };
        assert_eq!(valid, vec![expected]);
    }
    let (status, d) = env.get("/sobjects/User/describe").await;
    assert_eq!(status, 200);
    assert_eq!(field(&d, "Email")["length"], 128);
    assert_eq!(field(&d, "MobilePhone")["label"], "Cell");
    for obj in ["Account", "Contact", "Opportunity"] {
        assert_eq!(env.get(&format!("/sobjects/{obj}/describe")).await.0, 200);
    }
    let (status, _) = env.get("/sobjects/Nope/describe").await;
    assert_eq!(status, 404);
    let (_, global) = env.get("/sobjects").await;
    assert!(
        global["sobjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Lead")
    );
}
