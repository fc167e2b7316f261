//! Account ⇄ account (客户).

use super::{DefaultMapping, ObjectSpec, def, text, two_way};
use crate::object::ObjectKind;
use crate::rules::{BlankMeaning, FieldRule};
use crate::value::FieldType;

/// JING `industry` options ⇄ Salesforce's standard `Industry` picklist values.
const INDUSTRY_OPTIONS: &[(&str, &str)] = &[
    ("internet", "Technology"),
    ("manufacturing", "Manufacturing"),
    ("finance", "Banking"),
    ("education", "Education"),
    ("healthcare", "Healthcare"),
    ("retail", "Retail"),
    ("other", "Other"),
];

const DEFAULTS: &[DefaultMapping] = &[
    // JING accounts carry their display name in `company_id` (see the account webhook sample).
    two_way(def("Name", text(255)), def("company_id", text(255))),
    two_way(
        def("Website", FieldType::Url),
        def("official_website", FieldType::Url),
    ),
    two_way(
        def("Phone", FieldType::Phone),
        def("phone", FieldType::Phone),
    ),
    DefaultMapping {
        sf: def("Industry", FieldType::Picklist),
        jing: def("industry", FieldType::Picklist),
        rule: FieldRule::TwoWay,
        blank: BlankMeaning::Unknown,
        options: INDUSTRY_OPTIONS,
    },
    two_way(
        def("OwnerId", FieldType::Reference),
        def("owner", FieldType::Reference),
    ),
];

pub(super) const SPEC: ObjectSpec = ObjectSpec {
    kind: ObjectKind::Account,
    sf_object: "Account",
    jing_object: "account",
    sf_key_prefix: "001",
    defaults: DEFAULTS,
    sf_required: &["Name"],
    jing_required: &["company_id"],
    writable_in_sf: true,
    creatable_in_jing: true,
    converted: None,
};
