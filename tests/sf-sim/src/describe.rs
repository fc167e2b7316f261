//! `GET /sobjects/{Type}/describe` rendered from the schema with the real key set (§8).

use crate::errors::{ApiError, ApiResult, json_response};
use crate::gate::Ctx;
use crate::records::object_from_url;
use crate::schema::{Field, Kind, Object, valid_for_mask};
use axum::Extension;
use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn describe(
    Extension(ctx): Extension<Ctx>,
    Path((_v, ty)): Path<(String, String)>,
) -> ApiResult {
    let obj = object_from_url(&ty)?;
    if !obj.describable {
        return Err(ApiError::not_found());
    }
    Ok(json_response(
        StatusCode::OK,
        &describe_object(obj, &ctx.version),
    ))
}

pub fn describe_object(obj: &Object, version: &str) -> Value {
    let fields: Vec<Value> = obj.all_fields().map(|f| describe_field(obj, f)).collect();
    let base = format!("/services/data/{version}/sobjects/{}", obj.name);
    json!({
        "name": obj.name, "label": obj.label, "labelPlural": obj.plural, "keyPrefix": obj.prefix,
        "createable": obj.writable, "updateable": obj.writable, "deletable": obj.writable,
        "queryable": true, "replicateable": true, "retrieveable": true, "searchable": true,
        "undeletable": obj.writable, "mergeable": matches!(obj.name, "Lead" | "Account" | "Contact"),
        "triggerable": obj.writable, "custom": false, "customSetting": false, "layoutable": true,
        "feedEnabled": false, "fields": fields, "childRelationships": [], "recordTypeInfos": [],
        "supportedScopes": [{"label": "All", "name": "everything"}],
        "actionOverrides": [],
        "urls": {"sobject": base, "describe": format!("{base}/describe"), "rowTemplate": format!("{base}/{{ID}}")},
    })
}

fn describe_field(obj: &Object, f: &Field) -> Value {
    let byte_length = if f.kind.is_textual() || matches!(f.kind, Kind::Id | Kind::Reference) {
        f.length * 3
    } else {
        0
    };
    let (precision, scale, digits) = match f.kind {
        Kind::Currency | Kind::Double => (18, 2, 0),
        Kind::Percent => (3, 0, 0),
        Kind::Int => (0, 0, f.length),
        _ => (0, 0, 0),
    };
    let length = if f.kind.is_textual() || matches!(f.kind, Kind::Id | Kind::Reference) {
        f.length
    } else {
        0
    };
    json!({
        "name": f.name, "label": f.label, "type": f.kind.api_name(), "soapType": f.kind.soap_type(),
        "length": length, "byteLength": byte_length, "digits": digits, "precision": precision, "scale": scale,
        "nillable": f.nillable, "createable": f.createable, "updateable": f.updateable,
        "defaultedOnCreate": f.defaulted, "defaultValue": f.default_value.map(|v| json!(v)).or_else(|| (f.kind == Kind::Boolean).then_some(Value::Bool(false))),
        "calculated": false, "calculatedFormula": null, "autoNumber": false,
        "unique": f.unique, "externalId": f.external_id, "idLookup": f.external_id || f.kind == Kind::Id,
        "caseSensitive": false, "custom": f.custom, "nameField": f.name == "Name", "namePointing": f.reference_to.len() > 1,
        "htmlFormatted": false, "filterable": true, "groupable": f.kind != Kind::TextArea, "sortable": f.kind != Kind::TextArea,
        "aggregatable": true, "referenceTo": f.reference_to, "relationshipName": f.relationship,
        "relationshipOrder": null, "restrictedPicklist": f.restricted, "dependentPicklist": f.controller.is_some(),
        "controllerName": f.controller, "picklistValues": picklist_values(obj, f),
        "deprecatedAndHidden": false, "writeRequiresMasterRead": false, "inlineHelpText": null,
    })
}

fn picklist_values(obj: &Object, f: &Field) -> Vec<Value> {
    let controller_values: Vec<&str> = f
        .controller
        .and_then(|c| obj.field(c))
        .map(|c| c.picklist.to_vec())
        .unwrap_or_default();
    f.picklist
        .iter()
        .map(|v| {
            let valid_for = f.controller.map(|_| {
                let valid = f.valid_for.iter().find(|(dv, _)| dv == v).map(|(_, c)| c.to_vec()).unwrap_or_default();
                valid_for_mask(&controller_values, &valid)
            });
            json!({"active": true, "defaultValue": f.default_value == Some(*v), "label": v, "validFor": valid_for, "value": v})
        })
        .collect()
}
