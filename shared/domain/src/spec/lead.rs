//! Lead ⇄ lead (线索).

use super::{DefaultMapping, ObjectSpec, def, text, two_way};
use crate::object::ObjectKind;
use crate::rules::{BlankMeaning, FieldRule};
use crate::value::FieldType;

/// JING `life_status` ⇄ Salesforce `Lead.Status` (standard values of a new org).
const STATUS_OPTIONS: &[(&str, &str)] = &[
    ("baby_lead", "Open - Not Contacted"),
    ("following", "Working - Contacted"),
    ("converted", "Closed - Converted"),
    ("invalid", "Closed - Not Converted"),
];

const DEFAULTS: &[DefaultMapping] = &[
    // JING's `name` is the full name (Chinese names are one string); Salesforce requires LastName.
    two_way(def("LastName", text(80)), def("name", text(80))),
    two_way(def("FirstName", text(40)), def("first_name", text(40))),
    two_way(
        def("MobilePhone", FieldType::Phone),
        def("mobile", FieldType::Phone),
    ),
    two_way(
        def("Email", FieldType::Email),
        def("email", FieldType::Email),
    ),
    // JING's `company_id` carries the company display name.
    two_way(def("Company", text(255)), def("company_id", text(255))),
    two_way(def("Title", text(128)), def("title", text(128))),
    two_way(
        def("Website", FieldType::Url),
        def("official_website", FieldType::Url),
    ),
    DefaultMapping {
        sf: def("Status", FieldType::Picklist),
        jing: def("life_status", FieldType::Picklist),
        rule: FieldRule::TwoWay,
        blank: BlankMeaning::Unknown,
        options: STATUS_OPTIONS,
    },
    two_way(
        def("OwnerId", FieldType::Reference),
        def("owner", FieldType::Reference),
    ),
];

pub(super) const SPEC: ObjectSpec = ObjectSpec {
    kind: ObjectKind::Lead,
    sf_object: "Lead",
    jing_object: "lead",
    sf_key_prefix: "00Q",
    defaults: DEFAULTS,
    sf_required: &["LastName", "Company"],
    jing_required: &["name"],
    writable_in_sf: true,
    creatable_in_jing: true,
    converted: Some(("life_status", "converted")),
};
