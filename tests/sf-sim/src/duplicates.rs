//! Standard duplicate rules: Lead by Email, Account by Name (case-insensitive), action Alert on
//! create and edit. API saves are blocked unless `allowSave=true`.

use crate::dml::{DmlResult, WriteOpts};
use crate::errors::DmlError;
use crate::schema::Object;
use crate::state::Org;
use domain::ids::SfId;
use serde_json::{Map, Value, json};

const MESSAGE: &str =
    "You're creating a duplicate record. We recommend you use an existing record instead.";

struct Rule {
    object: &'static str,
    field: &'static str,
    rule: &'static str,
    match_rule: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        object: "Lead",
        field: "Email",
        rule: "Standard_Lead_Duplicate_Rule",
        match_rule: "Standard_Lead_Match_Rule_v1_0",
    },
    Rule {
        object: "Account",
        field: "Name",
        rule: "Standard_Account_Duplicate_Rule",
        match_rule: "Standard_Account_Match_Rule_v1_0",
    },
];

pub fn check(
    org: &Org,
    obj: &Object,
    row: &Map<String, Value>,
    own: Option<&SfId>,
    opts: &WriteOpts,
) -> DmlResult<()> {
    let Some(rule) = RULES.iter().find(|r| r.object == obj.name) else {
        return Ok(());
    };
    if opts.allow_save {
        return Ok(());
    }
    let Some(value) = row
        .get(rule.field)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    else {
        return Ok(());
    };
    let matches: Vec<String> = org
        .store
        .candidates(obj.name, rule.field, value)
        .into_iter()
        .filter(|r| !r.is_deleted())
        .filter(|r| own.is_none_or(|id| r.text("Id") != Some(id.as_str())))
        .filter(|r| {
            r.text(rule.field)
                .is_some_and(|v| v.eq_ignore_ascii_case(value))
        })
        .filter_map(|r| r.text("Id").map(str::to_owned))
        .collect();
    if matches.is_empty() {
        return Ok(());
    }
    let mut err = DmlError::new("DUPLICATES_DETECTED", MESSAGE);
    err.duplicate_result = Some(duplicate_result(rule, &matches, &opts.version));
    Err(vec![err])
}

fn duplicate_result(rule: &Rule, ids: &[String], version: &str) -> Value {
    let records: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "additionalInformation": [], "fieldDiffs": [], "matchConfidence": 100.0,
                "record": {"attributes": {"type": rule.object, "url": Org::record_url(version, rule.object, id)}, "Id": id}
            })
        })
        .collect();
    json!({
        "allowSave": true,
        "duplicateRule": rule.rule,
        "duplicateRuleEntityType": rule.object,
        "errorMessage": MESSAGE,
        "matchResults": [{
            "entityType": rule.object, "errors": [], "matchEngine": "ExactMatchEngine",
            "matchRecords": records, "rule": rule.match_rule, "size": ids.len(), "success": true
        }]
    })
}
