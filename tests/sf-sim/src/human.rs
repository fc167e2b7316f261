//! Acting as a person in the Salesforce UI: writes by the "human" user (no duplicate blocking,
//! no assignment rules, no lock faults), lead conversion as SOAP `convertLead()` would do it.

use crate::dml::{self, WriteOpts};
use crate::errors::DmlError;
use crate::schema::{self, Object};
use crate::state::{Org, Shared};
use domain::datetime::format_date;
use domain::ids::SfId;
use serde_json::{Map, Value, json};

/// Why a Rust-API action on the org was refused.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("no sObject type {0:?} in the simulated org")]
    UnknownObject(String),
    #[error("the record body must be a JSON object")]
    NotAnObject,
    #[error("Salesforce rejected the write: {}", summary(.0))]
    Rejected(Vec<DmlError>),
    #[error("lead {0} is already converted")]
    AlreadyConverted(SfId),
    #[error("could not bind the simulator: {0}")]
    Bind(#[from] std::io::Error),
}

fn summary(errors: &[DmlError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.code, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a conversion created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub account_id: SfId,
    pub contact_id: SfId,
    pub opportunity_id: SfId,
}

pub(crate) fn object(name: &str) -> Result<&'static Object, SimError> {
    schema::object(name).ok_or_else(|| SimError::UnknownObject(name.to_owned()))
}

fn body(v: Value) -> Result<Map<String, Value>, SimError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(SimError::NotAnObject),
    }
}

pub(crate) fn human_opts(org: &Org) -> WriteOpts {
    WriteOpts {
        actor: org.human_user.clone(),
        api: false,
        auto_assign: false,
        allow_save: true,
        version: "v62.0".into(),
    }
}

/// Handle for UI-style writes; see [`crate::SfSim::human`].
pub struct Human<'a> {
    pub(crate) sim: &'a Shared,
}

impl Human<'_> {
    pub fn create(&self, object_name: &str, fields: Value) -> Result<SfId, SimError> {
        let obj = object(object_name)?;
        let mut org = self.sim.lock();
        let opts = human_opts(&org);
        dml::create(&mut org, obj, &body(fields)?, &opts).map_err(SimError::Rejected)
    }
    pub fn update(&self, object_name: &str, id: &SfId, fields: Value) -> Result<(), SimError> {
        let obj = object(object_name)?;
        let mut org = self.sim.lock();
        let opts = human_opts(&org);
        dml::update(&mut org, obj, id, &body(fields)?, &opts).map_err(SimError::Rejected)
    }
    pub fn delete(&self, object_name: &str, id: &SfId) -> Result<(), SimError> {
        let obj = object(object_name)?;
        let mut org = self.sim.lock();
        let opts = human_opts(&org);
        dml::delete(&mut org, obj, id, &opts).map_err(SimError::Rejected)
    }
}

/// Convert a lead: Account (Name = Company), Contact, Opportunity; the lead becomes read-only.
pub fn convert_lead(org: &mut Org, id: &SfId) -> Result<Converted, SimError> {
    let lead_obj = object("Lead")?;
    let lead = dml::live_row(org, lead_obj, id)
        .map_err(SimError::Rejected)?
        .clone();
    if lead.get("IsConverted") == &json!(true) {
        return Err(SimError::AlreadyConverted(id.clone()));
    }
    let opts = human_opts(org);
    let pick = |f: &str| lead.get(f).clone();
    let company = lead.text("Company").unwrap_or("Unknown").to_owned();
    let account_id = dml::create(
        org,
        object("Account")?,
        &body(json!({"Name": company}))?,
        &opts,
    )
    .map_err(SimError::Rejected)?;
    let contact = json!({"LastName": pick("LastName"), "FirstName": pick("FirstName"), "Email": pick("Email"),
        "MobilePhone": pick("MobilePhone"), "Title": pick("Title"), "AccountId": account_id.as_str()});
    let contact_id =
        dml::create(org, object("Contact")?, &body(contact)?, &opts).map_err(SimError::Rejected)?;
    let today = org.clock.now().date();
    let close = format_date(today + time::Duration::days(30));
    let opp = json!({"Name": format!("{company}-"), "StageName": "Prospecting", "CloseDate": close, "AccountId": account_id.as_str()});
    let opportunity_id =
        dml::create(org, object("Opportunity")?, &body(opp)?, &opts).map_err(SimError::Rejected)?;
    let changes = body(json!({
        "IsConverted": true, "Status": "Closed - Converted", "ConvertedDate": format_date(today),
        "ConvertedAccountId": account_id.as_str(), "ConvertedContactId": contact_id.as_str(),
        "ConvertedOpportunityId": opportunity_id.as_str(),
    }))?;
    let actor = org.human_user.clone();
    dml::system_update(org, lead_obj, id, changes, &actor, true).map_err(SimError::Rejected)?;
    crate::outbound::on_change(org, lead_obj.name, id, &opts);
    Ok(Converted {
        account_id,
        contact_id,
        opportunity_id,
    })
}
