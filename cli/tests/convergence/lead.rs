//! The lead mapping under test and how model values are written to and read from each side.

use super::model::{FieldDef, Val};
use super::stage::Stage;
use domain::rules::{BlankMeaning, FieldRule};
use serde_json::{Value as Json, json};

/// Index of the owner field in [`fields`]; its model values are member indexes (`m0`, `m1`…).
pub const OWNER: usize = 6;
/// Index of the do-not-sync status picklist.
pub const STATUS: usize = 5;
pub const SF_STATUS: [&str; 2] = ["Open - Not Contacted", "Working - Contacted"];
pub const JING_STATUS: [&str; 2] = ["baby_lead", "following"];

/// The lead mapping under test. Two variants swap the blank semantics, so every rule meets
/// both meanings of an empty value across the seeds.
pub fn fields(variant: usize) -> Vec<FieldDef> {
    let (a, b) = if variant & 1 == 0 {
        (BlankMeaning::Cleared, BlankMeaning::Unknown)
    } else {
        (BlankMeaning::Unknown, BlankMeaning::Cleared)
    };
    let f = |sf, jing, rule, blank, clearable| FieldDef {
        sf,
        jing,
        rule,
        blank,
        clearable,
    };
    vec![
        f(
            "LastName",
            "name",
            FieldRule::TwoWay,
            BlankMeaning::Unknown,
            false,
        ),
        f("FirstName", "first_name", FieldRule::TwoWay, a, true),
        f("Title", "title", FieldRule::JingPreferred, b, true),
        f(
            "Website",
            "official_website",
            FieldRule::SalesforcePreferred,
            a,
            true,
        ),
        f(
            "Company",
            "company_id",
            FieldRule::TwoWay,
            BlankMeaning::Unknown,
            false,
        ),
        f(
            "Status",
            "life_status",
            FieldRule::DoNotSync,
            BlankMeaning::Unknown,
            false,
        ),
        f(
            "OwnerId",
            "owner",
            FieldRule::TwoWay,
            BlankMeaning::Unknown,
            false,
        ),
    ]
}

/// Configure the app's lead mapping from [`fields`]; deletes propagate both ways.
pub fn configure(settings: &mut app::settings::AppSettings, defs: &[FieldDef]) {
    let lead = settings
        .objects
        .get_mut(&domain::ObjectKind::Lead)
        .expect("leads are configured by default");
    for m in lead.mapping.iter_mut() {
        if let Some(d) = defs.iter().find(|d| d.sf == m.sf_field) {
            m.rule = d.rule;
            m.blank = d.blank;
        }
    }
    lead.sf_to_jing.on_delete = app::settings::DeleteAction::Delete;
    lead.jing_to_sf.on_delete = app::settings::DeleteAction::Delete;
}

pub fn to_sf(stage: &Stage, field: usize, v: &Val) -> Json {
    match (field, v) {
        (_, None) => Json::Null,
        (OWNER, Some(m)) => json!(stage.members[member(m)].0.as_str()),
        (_, Some(s)) => json!(s),
    }
}

pub fn to_jing(stage: &Stage, field: usize, v: &Val) -> Json {
    match (field, v) {
        (_, None) => Json::Null,
        (OWNER, Some(m)) => json!(stage.members[member(m)].1.as_str()),
        (_, Some(s)) => json!(s),
    }
}

pub fn member(m: &str) -> usize {
    m.trim_start_matches('m').parse().unwrap_or(0)
}

/// A JSON text (JING's empty string and null are both "no value").
pub fn text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
