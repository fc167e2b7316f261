//! Mapping validation when a mapping is saved (字段映射校验).
//!
//! Each violation is a *mapping error* with cause and fix; narrowing of text lengths is a warning.

use crate::error::{ErrorCode, SyncError};
use crate::object::{Direction, Side};
use crate::spec::{FieldMapping, ObjectSpec};
use crate::value::FieldType;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// A field as one side reports it (from Salesforce describe or JING field metadata).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideField {
    pub name: String,
    pub ty: FieldType,
    pub required_on_create: bool,
    /// Controlling field of a dependent picklist.
    #[serde(default)]
    pub controller: Option<String>,
}

/// The live fields of both sides, by name.
#[derive(Debug, Clone, Default)]
pub struct SideFields {
    pub salesforce: BTreeMap<String, SideField>,
    pub jing: BTreeMap<String, SideField>,
}

impl SideFields {
    fn side(&self, side: Side) -> &BTreeMap<String, SideField> {
        match side {
            Side::Salesforce => &self.salesforce,
            Side::Jing => &self.jing,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The mapping cannot be saved.
    Error,
    /// Saved, but the admin should know (e.g. long values will fail).
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingIssue {
    pub severity: Severity,
    pub error: SyncError,
}

/// Validate a proposed mapping of one object against both sides' fields, for the directions
/// in which records may be created.
pub fn validate(
    spec: &ObjectSpec,
    mapping: &[FieldMapping],
    fields: &SideFields,
    creating: &[Direction],
) -> Vec<MappingIssue> {
    let mut issues = Vec::new();
    let err = |code, field: &str| SyncError::new(code).field(field).object(spec.sf_object);
    check_pinned(spec, mapping, &mut issues, &err);
    check_duplicates(mapping, &mut issues, &err);
    for m in mapping {
        check_pair(m, fields, &mut issues, &err);
    }
    check_required(spec, mapping, fields, creating, &mut issues, &err);
    check_controllers(mapping, fields, &mut issues, &err);
    issues
}

fn error(e: SyncError) -> MappingIssue {
    MappingIssue {
        severity: Severity::Error,
        error: e,
    }
}

type ErrFn<'a> = dyn Fn(ErrorCode, &str) -> SyncError + 'a;

fn check_pinned(
    spec: &ObjectSpec,
    mapping: &[FieldMapping],
    out: &mut Vec<MappingIssue>,
    err: &ErrFn,
) {
    for d in spec.defaults {
        let kept = mapping
            .iter()
            .any(|m| m.sf_field == d.sf.name && m.jing_field == d.jing.name);
        if !kept {
            out.push(error(
                err(ErrorCode::PinnedMappingChanged, d.sf.name)
                    .detail(format!("{} ⇄ {}", d.sf.name, d.jing.name)),
            ));
        }
    }
}

fn check_duplicates(mapping: &[FieldMapping], out: &mut Vec<MappingIssue>, err: &ErrFn) {
    let mut sf = HashSet::new();
    let mut jing = HashSet::new();
    for m in mapping {
        if !sf.insert(m.sf_field.as_str()) {
            out.push(error(err(ErrorCode::DuplicateTarget, &m.sf_field)));
        }
        if !jing.insert(m.jing_field.as_str()) {
            out.push(error(err(ErrorCode::DuplicateTarget, &m.jing_field)));
        }
    }
}

fn check_pair(m: &FieldMapping, fields: &SideFields, out: &mut Vec<MappingIssue>, err: &ErrFn) {
    let (Some(sf), Some(jing)) = (
        fields.salesforce.get(&m.sf_field),
        fields.jing.get(&m.jing_field),
    ) else {
        for (side, name) in [(Side::Salesforce, &m.sf_field), (Side::Jing, &m.jing_field)] {
            if !fields.side(side).contains_key(name) {
                out.push(error(
                    err(ErrorCode::MappedFieldMissing, name).detail(side.as_str()),
                ));
            }
        }
        return;
    };
    if let Some(why) = incompatibility(sf.ty, jing.ty) {
        out.push(error(
            err(ErrorCode::MappingTypeMismatch, &m.sf_field).detail(format!(
                "{} ({}) ⇄ {} ({}): {why}",
                m.sf_field,
                sf.ty.label(),
                m.jing_field,
                jing.ty.label()
            )),
        ));
    }
    for (from, to, to_name) in [
        (jing.ty, sf.ty, &m.sf_field),
        (sf.ty, jing.ty, &m.jing_field),
    ] {
        if let (Some(a), Some(b)) = (from.max_len(), to.max_len())
            && a > b
        {
            out.push(MappingIssue {
                severity: Severity::Warning,
                error: err(ErrorCode::MappingTextNarrowing, to_name).detail(format!("{a} > {b}")),
            });
        }
    }
}

/// Why two field types cannot be mapped (None: compatible).
pub fn incompatibility(a: FieldType, b: FieldType) -> Option<&'static str> {
    use FieldType::*;
    match (a, b) {
        (Picklist, Picklist) | (MultiPicklist, MultiPicklist) => None,
        (Picklist | MultiPicklist, _) | (_, Picklist | MultiPicklist) => {
            Some("option fields map only to option fields of the same kind")
        }
        (Reference, Reference) => None,
        (Reference, _) | (_, Reference) => Some("lookups map only to lookups"),
        (x, y) if x.is_textual() && y.is_textual() => None,
        (Number, Number) | (Boolean, Boolean) | (Date, Date) | (DateTime, DateTime) => None,
        (Date, DateTime) | (DateTime, Date) => None,
        _ => Some("the value types differ"),
    }
}

fn check_required(
    spec: &ObjectSpec,
    mapping: &[FieldMapping],
    fields: &SideFields,
    creating: &[Direction],
    out: &mut Vec<MappingIssue>,
    err: &ErrFn,
) {
    for &d in creating {
        let target = d.target();
        let required: Vec<&str> = fields
            .side(target)
            .values()
            .filter(|f| f.required_on_create)
            .map(|f| f.name.as_str())
            .chain(match target {
                Side::Salesforce => spec.sf_required.iter().copied(),
                Side::Jing => spec.jing_required.iter().copied(),
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for r in required {
            let mapped = mapping.iter().any(|m| match target {
                Side::Salesforce => m.sf_field == r,
                Side::Jing => m.jing_field == r,
            } && m.rule != crate::rules::FieldRule::DoNotSync);
            if !mapped {
                out.push(error(err(ErrorCode::RequiredFieldUnmapped, r)));
            }
        }
    }
}

fn check_controllers(
    mapping: &[FieldMapping],
    fields: &SideFields,
    out: &mut Vec<MappingIssue>,
    err: &ErrFn,
) {
    for m in mapping {
        let Some(controller) = fields
            .salesforce
            .get(&m.sf_field)
            .and_then(|f| f.controller.as_ref())
        else {
            continue;
        };
        if !mapping.iter().any(|o| &o.sf_field == controller) {
            out.push(error(
                err(ErrorCode::ControllingFieldUnmapped, &m.sf_field).detail(controller),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
