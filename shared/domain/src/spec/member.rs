//! Member (成员): Salesforce User → JING employee, matched by mobile or e-mail; never written
//! to Salesforce.

use super::{DefaultMapping, ObjectSpec, def, sf_to_jing, text};
use crate::object::ObjectKind;
use crate::value::FieldType;

const DEFAULTS: &[DefaultMapping] = &[
    sf_to_jing(def("Name", text(121)), def("name", text(121))),
    sf_to_jing(
        def("Email", FieldType::Email),
        def("email", FieldType::Email),
    ),
    sf_to_jing(
        def("MobilePhone", FieldType::Phone),
        def("mobile", FieldType::Phone),
    ),
];

pub(super) const SPEC: ObjectSpec = ObjectSpec {
    kind: ObjectKind::Member,
    sf_object: "User",
    jing_object: "employee",
    sf_key_prefix: "005",
    defaults: DEFAULTS,
    sf_required: &[],
    jing_required: &["name"],
    writable_in_sf: false,
    creatable_in_jing: true,
    converted: None,
};
