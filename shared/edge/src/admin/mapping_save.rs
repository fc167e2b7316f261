//! Saving a field mapping (字段映射) with validation. No use case in `app` does this yet, so this
//! is a thin function over the ports: read both sides' fields, run `domain::mapping::validate`,
//! refuse on errors, save (revision-checked, refused while locked) and return the warnings.

use crate::admin::extract::save_config;
use crate::{AdminError, Edge};
use app::ports::{RemoteError, SalesforcePort};
use app::settings::AppSettings;
use domain::mapping::{MappingIssue, Severity, SideField, SideFields, validate};
use domain::spec::FieldMapping;
use domain::{Direction, Lang, ObjectKind, ObjectSpec};
use serde::Serialize;

/// A saved mapping and what the admin should still know about it.
#[derive(Debug, Serialize)]
pub struct MappingSaved {
    pub revision: u64,
    pub mapping: Vec<FieldMapping>,
    pub warnings: Vec<MappingIssue>,
}

/// Both sides' fields for validation. Salesforce: the live describe when a client is configured
/// (deleted or hidden fields then show as mapping errors), else the spec. JING: the spec's fields
/// plus the custom fields the mapping declares (JING's open API exposes no field metadata).
pub async fn side_fields(
    sf: Option<&dyn SalesforcePort>,
    kind: ObjectKind,
    mapping: &[FieldMapping],
) -> Result<SideFields, RemoteError> {
    let spec = ObjectSpec::of(kind);
    let mut fields = SideFields::default();
    if let Some(sf) = sf {
        let describe = sf.describe(spec.sf_object).await?;
        for f in &describe.fields {
            if let (Some(ty), false) = (f.field_type(), f.deprecated_and_hidden) {
                let field = side_field(
                    &f.name,
                    ty,
                    f.required_on_create(),
                    f.controller_name.clone(),
                );
                fields.salesforce.insert(f.name.clone(), field);
            }
        }
    } else {
        for m in mapping {
            let field = side_field(
                &m.sf_field,
                m.sf_type,
                spec.sf_required.contains(&m.sf_field.as_str()),
                None,
            );
            fields.salesforce.insert(m.sf_field.clone(), field);
        }
        for d in spec.defaults {
            let field = side_field(
                d.sf.name,
                d.sf.ty,
                spec.sf_required.contains(&d.sf.name),
                None,
            );
            fields.salesforce.insert(d.sf.name.to_owned(), field);
        }
    }
    for m in mapping {
        fields.jing.insert(
            m.jing_field.clone(),
            side_field(&m.jing_field, m.jing_type, false, None),
        );
    }
    for d in spec.defaults {
        let field = side_field(
            d.jing.name,
            d.jing.ty,
            spec.jing_required.contains(&d.jing.name),
            None,
        );
        fields.jing.insert(d.jing.name.to_owned(), field);
    }
    Ok(fields)
}

fn side_field(
    name: &str,
    ty: domain::FieldType,
    required: bool,
    controller: Option<String>,
) -> SideField {
    SideField {
        name: name.to_owned(),
        ty,
        required_on_create: required,
        controller,
    }
}

/// Directions in which the mapping must be able to create records.
fn creating(settings: &AppSettings, kind: ObjectKind) -> Vec<Direction> {
    let spec = ObjectSpec::of(kind);
    let Some(obj) = settings.objects.get(&kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if obj.sf_to_jing.on_upsert && spec.creatable_in_jing {
        out.push(Direction::SfToJing);
    }
    if obj.jing_to_sf.on_upsert && spec.writable_in_sf {
        out.push(Direction::JingToSf);
    }
    out
}

/// Validate one object's mapping against both sides' fields: the warnings, or the errors that
/// refuse it. Nothing is saved, so it is allowed while the configuration is locked.
pub async fn check_mapping(
    st: &Edge,
    settings: &AppSettings,
    kind: ObjectKind,
    mapping: &mut [FieldMapping],
) -> Result<Vec<MappingIssue>, AdminError> {
    let spec = ObjectSpec::of(kind);
    // `pinned` is a fact of the spec, not something a client may claim or drop.
    for m in mapping.iter_mut() {
        m.pinned = spec
            .default_for_sf(&m.sf_field)
            .is_some_and(|d| d.jing.name == m.jing_field);
    }
    // The live describe when the app's clients are at hand (deleted or hidden fields then
    // show as mapping errors), else the spec.
    let clients = match settings.authorized {
        Some(_) => st.connections.clients(settings).await.ok(),
        None => None,
    };
    let sf = clients.as_ref().map(|c| c.sf.as_ref());
    let fields = side_fields(sf, kind, mapping).await?;
    let issues = validate(spec, mapping, &fields, &creating(settings, kind));
    let (errors, warnings): (Vec<_>, Vec<_>) = issues
        .into_iter()
        .partition(|i| i.severity == Severity::Error);
    if !errors.is_empty() {
        return Err(AdminError::MappingRejected(errors));
    }
    Ok(warnings)
}

/// Validate and save one object's mapping.
pub async fn save_mapping(
    st: &Edge,
    mut settings: AppSettings,
    kind: ObjectKind,
    mut mapping: Vec<FieldMapping>,
    sent_revision: Option<u64>,
) -> Result<MappingSaved, AdminError> {
    if settings.locked() {
        return Err(AdminError::Locked);
    }
    let warnings = check_mapping(st, &settings, kind, &mut mapping).await?;
    let Some(obj) = settings.objects.get_mut(&kind) else {
        return Err(AdminError::InvalidInput(format!(
            "object {kind} is not configured for this app"
        )));
    };
    obj.mapping = mapping;
    let saved = save_config(st, settings, sent_revision).await?;
    Ok(MappingSaved {
        revision: saved.revision,
        mapping: saved.objects[&kind].mapping.clone(),
        warnings,
    })
}

/// Issues as JSON with cause and fix in both languages (the page shows the chosen one).
pub(crate) fn issues_json(issues: &[MappingIssue]) -> serde_json::Value {
    issues
        .iter()
        .map(|i| {
            serde_json::json!({
                "severity": i.severity,
                "code": i.error.code,
                "field": i.error.field,
                "category": i.error.category(),
                "cause_zh": i.error.cause(Lang::Zh),
                "cause_en": i.error.cause(Lang::En),
                "fix_zh": i.error.fix(Lang::Zh),
                "fix_en": i.error.fix(Lang::En),
            })
        })
        .collect()
}
