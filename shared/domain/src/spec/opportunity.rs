//! Opportunity (商机): only from a converted Salesforce lead, written onto the bound JING lead.

use super::{DefaultMapping, ObjectSpec, def, sf_to_jing, text};
use crate::object::ObjectKind;
use crate::value::FieldType;

const DEFAULTS: &[DefaultMapping] = &[
    sf_to_jing(def("Name", text(120)), def("opportunity_name", text(120))),
    sf_to_jing(
        def("StageName", FieldType::Picklist),
        def("opportunity_stage", FieldType::Picklist),
    ),
    sf_to_jing(
        def("Amount", FieldType::Number),
        def("opportunity_amount", FieldType::Number),
    ),
    sf_to_jing(
        def("CloseDate", FieldType::Date),
        def("opportunity_close_date", FieldType::Date),
    ),
];

pub(super) const SPEC: ObjectSpec = ObjectSpec {
    kind: ObjectKind::Opportunity,
    sf_object: "Opportunity",
    jing_object: "lead",
    sf_key_prefix: "006",
    defaults: DEFAULTS,
    sf_required: &[],
    jing_required: &[],
    writable_in_sf: false,
    creatable_in_jing: false,
    converted: None,
};
