//! Setup (设置): everything a Salesforce admin and a JING admin register to go live — the OAuth
//! callback URL, the outbound-message URL and its fields per object, the JING webhook URL and
//! signing secret — and the checklist that proves each step worked.

mod checklist;
pub mod credentials;
mod marks;

pub use checklist::{Item, checklist};
pub(crate) use marks::Marks;
pub use marks::last as last_received;

use crate::{AdminError, Edge};
use app::ports::SecretKind;
use app::settings::AppSettings;
use domain::{Direction, ObjectKind, ObjectSpec};
use serde::Serialize;

/// Endpoint names of the "last received" marks.
pub fn outbound_mark(sf_object: &str) -> String {
    format!("outbound:{sf_object}")
}
pub const WEBHOOK_MARK: &str = "webhook";

/// One outbound-message definition to create in Salesforce.
#[derive(Debug, Clone, Serialize)]
pub struct OutboundDefinition {
    pub object: String,
    /// Select exactly these fields (Salesforce leaves null fields out of a message, so a
    /// missing mapped field reads as empty: every mapped field must be selected).
    pub fields: Vec<String>,
    /// Needed for the sync (false: optional, recommended).
    pub required: bool,
    pub last_received: Option<String>,
}

/// What the admins register, with the secrets (the admin API is behind the admin token).
#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    pub callback_url: String,
    pub outbound_url: String,
    pub outbound: Vec<OutboundDefinition>,
    pub webhook_url: String,
    pub webhook_signing_secret: Option<String>,
    pub webhook_last_received: Option<String>,
    pub checklist: Vec<Item>,
}

/// The fields an object's outbound message must select: every mapped field, who changed the
/// record and when (echo suppression, ordering), and for leads the conversion fields.
pub fn outbound_fields(settings: &AppSettings, kind: ObjectKind) -> Vec<String> {
    let mut fields: Vec<String> = settings
        .objects
        .get(&kind)
        .map(|o| o.mapping.iter().map(|m| m.sf_field.clone()).collect())
        .unwrap_or_default();
    let mut extra = vec!["LastModifiedById", "SystemModstamp"];
    if kind == ObjectKind::Lead {
        extra.extend([
            "IsConverted",
            "ConvertedAccountId",
            "ConvertedContactId",
            "ConvertedOpportunityId",
        ]);
    }
    for f in extra {
        if !fields.iter().any(|x| x == f) {
            fields.push(f.to_owned());
        }
    }
    fields.retain(|f| f != "Id");
    fields
}

/// The setup section of one app.
pub async fn setup(st: &Edge, settings: &AppSettings) -> Result<Setup, AdminError> {
    let app = &settings.app;
    let read = |kind| credentials::read(st, app, kind);
    let outbound_token = read(SecretKind::OutboundToken).await?.unwrap_or_default();
    let webhook_token = read(SecretKind::WebhookToken).await?.unwrap_or_default();
    let mut outbound = Vec::new();
    for kind in [
        ObjectKind::Lead,
        ObjectKind::Account,
        ObjectKind::Opportunity,
    ] {
        let Some(_) = settings.object(kind) else {
            continue;
        };
        let sf_object = ObjectSpec::of(kind).sf_object;
        let seen = last_received(st.cursors.as_ref(), app, &outbound_mark(sf_object)).await;
        outbound.push(OutboundDefinition {
            object: sf_object.to_owned(),
            fields: outbound_fields(settings, kind),
            required: kind != ObjectKind::Opportunity
                && settings.direction_open(kind, Direction::SfToJing),
            last_received: seen.map(domain::datetime::format_sf),
        });
    }
    let webhook_seen = last_received(st.cursors.as_ref(), app, WEBHOOK_MARK).await;
    Ok(Setup {
        callback_url: st.options.url("/oauth/callback"),
        outbound_url: st
            .options
            .url(&format!("/sf/outbound/{app}/{outbound_token}")),
        outbound,
        webhook_url: st
            .options
            .url(&format!("/jing/webhook/{app}/{webhook_token}")),
        webhook_signing_secret: read(SecretKind::WebhookSigningSecret).await?,
        webhook_last_received: webhook_seen.map(domain::datetime::format_sf),
        checklist: checklist(st, settings).await?,
    })
}
