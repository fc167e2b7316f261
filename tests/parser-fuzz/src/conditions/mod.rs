//! Scope conditions: condition groups read from JSON (as the settings API stores them), checked,
//! evaluated on records and rendered to a SOQL `WHERE` clause. Arbitrary JSON near the schema and
//! mutated JSON must get a typed answer; a checked scope renders to exactly its own structure
//! (no value escapes its literal), which the Salesforce simulator's parser reads back.

mod json;
mod structure;
mod typed;

pub use json::scope_json;
pub use typed::typed_scopes_render_what_the_simulator_reads;

use std::collections::BTreeMap;

use domain::Value;
use domain::conditions::Scope;
use proptest::prelude::*;
use proptest::test_runner::Config;
use time::macros::{datetime, offset};
use time::{OffsetDateTime, UtcOffset};

use crate::mutate::{apply, mutations};
use crate::{Property, check, property};
use json::{record_for, record_value};
use structure::assert_structure;

pub fn properties() -> Vec<Property> {
    vec![
        property!("conditions", scopes_from_json_get_a_typed_answer),
        property!("conditions", mutated_scope_json_gets_a_typed_answer),
        property!("conditions", typed_scopes_render_what_the_simulator_reads),
    ]
}

pub const NOW: OffsetDateTime = datetime!(2024-05-10 12:00:00 UTC);
/// The offsets `now` is evaluated in: the org's or China's day boundaries, and the extremes.
const OFFSETS: &[UtcOffset] = &[offset!(UTC), offset!(+8), offset!(-12), offset!(+14)];

/// The answers a scope gives: checks and rendering agree, evaluation and rendering never panic,
/// and what renders has exactly the scope's structure.
fn assert_consistent(scope: &Scope, record: &BTreeMap<String, Value>) -> Result<(), TestCaseError> {
    let checked = scope.check();
    let rendered = scope.to_soql_where(NOW);
    prop_assert_eq!(
        checked.is_ok(),
        rendered.is_ok(),
        "{:?} vs {:?}",
        checked,
        rendered
    );
    // An invalid condition matches nothing: a scope with one in every group matches no record.
    let nothing = !scope.is_everything()
        && scope
            .groups
            .iter()
            .all(|g| g.conditions.iter().any(|c| c.check().is_err()));
    for offset in OFFSETS {
        let matched = scope.matches(record, NOW.to_offset(*offset));
        prop_assert!(
            !(nothing && matched),
            "matched with an invalid condition in every group"
        );
    }
    if let Err(e) = &rendered {
        prop_assert!(!e.to_string().is_empty());
    }
    if let Ok(Some(clause)) = rendered {
        assert_structure(scope, &clause)?;
    }
    Ok(())
}

pub fn scopes_from_json_get_a_typed_answer(config: Config) -> Result<(), String> {
    let input = scope_json().prop_flat_map(|doc| {
        let scope = serde_json::from_value::<Scope>(doc.clone()).unwrap_or_default();
        (Just(doc), record_for(&scope))
    });
    check(config, input, |(doc, record)| {
        let bytes = serde_json::to_vec(&doc).unwrap();
        match serde_json::from_slice::<Scope>(&bytes) {
            Ok(scope) => assert_consistent(&scope, &record),
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                Ok(())
            }
        }
    })
}

pub fn mutated_scope_json_gets_a_typed_answer(config: Config) -> Result<(), String> {
    let tokens: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "null",
        "\"kind\":\"text\"",
        "\"v\":",
        "\\u0000",
        "\\'",
        "1e999",
        "-",
        "\"op\":\"in\"",
        "\"days\":4294967295",
    ];
    let input = (
        scope_json(),
        mutations(tokens, 4),
        prop::collection::vec(record_value(), 4),
    );
    check(config, input, |(doc, ms, values)| {
        let bytes = apply(&serde_json::to_vec(&doc).unwrap(), &ms);
        let Ok(scope) = serde_json::from_slice::<Scope>(&bytes) else {
            return Ok(());
        };
        let fields = scope
            .groups
            .iter()
            .flat_map(|g| &g.conditions)
            .map(|c| c.field.clone());
        let record = fields.zip(values.into_iter().cycle()).collect();
        assert_consistent(&scope, &record)
    })
}
