//! Object specs as data: the default mappings (pinned), required-on-create fields and field types
//! of each side. One file per object.

mod account;
mod lead;
mod member;
mod opportunity;

use crate::object::ObjectKind;
use crate::rules::{BlankMeaning, FieldRule};
use crate::value::FieldType;
use serde::{Deserialize, Serialize};

/// A field of one side as the spec knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: FieldType,
}

/// A default mapping: pinned (cannot be re-pointed or removed), its rule can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultMapping {
    pub sf: FieldDef,
    pub jing: FieldDef,
    pub rule: FieldRule,
    pub blank: BlankMeaning,
    /// Option value translation JING value ⇄ Salesforce value, for picklist defaults.
    pub options: &'static [(&'static str, &'static str)],
}

/// How one CRM object looks on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectSpec {
    pub kind: ObjectKind,
    /// Salesforce sObject API name (`Lead`, `Account`, `Opportunity`, `User`).
    pub sf_object: &'static str,
    /// JING object code (`lead`, `account`; `employee` for members).
    pub jing_object: &'static str,
    pub sf_key_prefix: &'static str,
    pub defaults: &'static [DefaultMapping],
    /// Fields Salesforce requires on create (beyond defaulted ones).
    pub sf_required: &'static [&'static str],
    /// Fields JING requires on create.
    pub jing_required: &'static [&'static str],
    /// Whether records may be created/updated in Salesforce from JING at all.
    pub writable_in_sf: bool,
    /// Whether records may be created in JING from Salesforce (opportunities only update).
    pub creatable_in_jing: bool,
    /// What a Salesforce conversion sets on the bound JING record (JING field, option value):
    /// leads become `life_status = converted`.
    pub converted: Option<(&'static str, &'static str)>,
}

impl ObjectSpec {
    pub fn of(kind: ObjectKind) -> &'static ObjectSpec {
        match kind {
            ObjectKind::Lead => &lead::SPEC,
            ObjectKind::Account => &account::SPEC,
            ObjectKind::Opportunity => &opportunity::SPEC,
            ObjectKind::Member => &member::SPEC,
        }
    }

    /// The default mappings as an editable mapping.
    pub fn default_mapping(&self) -> Vec<FieldMapping> {
        self.defaults
            .iter()
            .map(|d| FieldMapping {
                sf_field: d.sf.name.to_owned(),
                jing_field: d.jing.name.to_owned(),
                sf_type: d.sf.ty,
                jing_type: d.jing.ty,
                rule: d.rule,
                blank: d.blank,
                pinned: true,
                options: d
                    .options
                    .iter()
                    .map(|(j, s)| OptionPair {
                        jing: (*j).to_owned(),
                        sf: (*s).to_owned(),
                    })
                    .collect(),
            })
            .collect()
    }

    pub fn default_for_sf(&self, sf_field: &str) -> Option<&'static DefaultMapping> {
        self.defaults.iter().find(|d| d.sf.name == sf_field)
    }
    pub fn default_for_jing(&self, jing_field: &str) -> Option<&'static DefaultMapping> {
        self.defaults.iter().find(|d| d.jing.name == jing_field)
    }
}

/// One JING option value and the Salesforce picklist value it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OptionPair {
    pub jing: String,
    pub sf: String,
}

/// One configured field mapping (default or custom).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMapping {
    pub sf_field: String,
    pub jing_field: String,
    pub sf_type: FieldType,
    pub jing_type: FieldType,
    pub rule: FieldRule,
    #[serde(default)]
    pub blank: BlankMeaning,
    #[serde(default)]
    pub pinned: bool,
    /// Option translation for picklists; empty = values pass through unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionPair>,
}

impl FieldMapping {
    /// Translate a JING option value to Salesforce (unchanged when there is no table or no row).
    pub fn option_to_sf<'a>(&'a self, jing: &'a str) -> &'a str {
        self.options
            .iter()
            .find(|o| o.jing == jing)
            .map_or(jing, |o| o.sf.as_str())
    }
    pub fn option_to_jing<'a>(&'a self, sf: &'a str) -> &'a str {
        self.options
            .iter()
            .find(|o| o.sf == sf)
            .map_or(sf, |o| o.jing.as_str())
    }
}

pub(crate) const fn def(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef { name, ty }
}

pub(crate) const fn text(max_len: u32) -> FieldType {
    FieldType::Text { max_len }
}

pub(crate) const fn two_way(sf: FieldDef, jing: FieldDef) -> DefaultMapping {
    DefaultMapping {
        sf,
        jing,
        rule: FieldRule::TwoWay,
        blank: BlankMeaning::Unknown,
        options: &[],
    }
}

pub(crate) const fn sf_to_jing(sf: FieldDef, jing: FieldDef) -> DefaultMapping {
    DefaultMapping {
        sf,
        jing,
        rule: FieldRule::SalesforcePreferred,
        blank: BlankMeaning::Unknown,
        options: &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_spec_is_consistent() {
        for kind in ObjectKind::ALL {
            let spec = ObjectSpec::of(kind);
            assert_eq!(spec.kind, kind);
            let sf: HashSet<_> = spec.defaults.iter().map(|d| d.sf.name).collect();
            let jing: HashSet<_> = spec.defaults.iter().map(|d| d.jing.name).collect();
            assert_eq!(
                sf.len(),
                spec.defaults.len(),
                "{kind}: duplicate SF default"
            );
            assert_eq!(
                jing.len(),
                spec.defaults.len(),
                "{kind}: duplicate JING default"
            );
            for r in spec.sf_required {
                assert!(
                    sf.contains(r),
                    "{kind}: required SF field {r} has no default"
                );
            }
            for r in spec.jing_required {
                assert!(
                    jing.contains(r),
                    "{kind}: required JING field {r} has no default"
                );
            }
            for d in spec.defaults {
                assert_eq!(
                    d.sf.ty.is_option(),
                    d.jing.ty.is_option(),
                    "{kind}: {}",
                    d.sf.name
                );
            }
        }
    }

    #[test]
    fn lead_defaults_cover_the_vendor_list() {
        let spec = ObjectSpec::of(ObjectKind::Lead);
        for sf in [
            "LastName",
            "FirstName",
            "MobilePhone",
            "Email",
            "Company",
            "Title",
            "Website",
            "Status",
            "OwnerId",
        ] {
            assert!(spec.default_for_sf(sf).is_some(), "{sf}");
        }
        let acc = ObjectSpec::of(ObjectKind::Account);
        for sf in ["Name", "Website", "Phone", "Industry", "OwnerId"] {
            assert!(acc.default_for_sf(sf).is_some(), "{sf}");
        }
    }

    #[test]
    fn lead_status_options_translate_both_ways() {
        let m = ObjectSpec::of(ObjectKind::Lead).default_mapping();
        let status = m.iter().find(|f| f.sf_field == "Status").unwrap();
        assert_eq!(status.option_to_sf("baby_lead"), "Open - Not Contacted");
        assert_eq!(status.option_to_jing("Open - Not Contacted"), "baby_lead");
        assert_eq!(status.option_to_sf("unknown_stage"), "unknown_stage");
    }
}
