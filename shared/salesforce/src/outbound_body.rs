//! The `<notifications>` element and its `<Notification>` children.

use std::collections::BTreeMap;

use secrecy::SecretString;

use super::{MAX_NOTIFICATIONS, Notification, OUTBOUND_NS, OutboundError, OutboundMessage, Parser};
use domain::SfId;

#[derive(Default)]
struct Header {
    organization_id: Option<String>,
    action_id: Option<String>,
    session_id: Option<String>,
    enterprise_url: Option<String>,
    partner_url: Option<String>,
}

impl Parser<'_> {
    /// Children of `<notifications>` up to its end tag.
    pub(super) fn notifications(&mut self) -> Result<OutboundMessage, OutboundError> {
        let mut header = Header::default();
        let mut notifications = Vec::new();
        while let Some(child) = self.next_open()? {
            if child.ns.as_deref() != Some(OUTBOUND_NS) {
                return Err(OutboundError::Shape(format!(
                    "unexpected element {}",
                    child.local
                )));
            }
            match child.local.as_str() {
                "OrganizationId" => header.organization_id = self.leaf_text(&child)?,
                "ActionId" => header.action_id = self.leaf_text(&child)?,
                "SessionId" => {
                    header.session_id = self.leaf_text(&child)?.filter(|s| !s.is_empty())
                }
                "EnterpriseUrl" => header.enterprise_url = self.leaf_text(&child)?,
                "PartnerUrl" => header.partner_url = self.leaf_text(&child)?,
                "Notification" if child.empty => {
                    return Err(OutboundError::Missing("Notification/sObject"));
                }
                "Notification" => {
                    if notifications.len() == MAX_NOTIFICATIONS {
                        return Err(OutboundError::TooManyNotifications);
                    }
                    notifications.push(self.notification()?);
                }
                // Unknown header elements from newer WSDLs are skipped, not fatal.
                _ => self.skip(&child)?,
            }
        }
        header.into_message(notifications)
    }

    fn notification(&mut self) -> Result<Notification, OutboundError> {
        let (mut id, mut sobject) = (None, None);
        while let Some(child) = self.next_open()? {
            match (child.ns.as_deref(), child.local.as_str()) {
                (Some(OUTBOUND_NS), "Id") => id = self.leaf_text(&child)?,
                (Some(OUTBOUND_NS), "sObject") => {
                    let object_type = child
                        .xsi_type
                        .clone()
                        .filter(|t| !t.is_empty())
                        .ok_or(OutboundError::Missing("sObject/@xsi:type"))?;
                    let fields = if child.empty {
                        BTreeMap::new()
                    } else {
                        self.sobject_fields()?
                    };
                    sobject = Some((object_type, fields));
                }
                _ => {
                    return Err(OutboundError::Shape(format!(
                        "unexpected element {} in Notification",
                        child.local
                    )));
                }
            }
        }
        let id = id
            .filter(|s| !s.trim().is_empty())
            .ok_or(OutboundError::Missing("Notification/Id"))?;
        let (object_type, fields) =
            sobject.ok_or(OutboundError::Missing("Notification/sObject"))?;
        Ok(Notification {
            id: id.trim().to_owned(),
            object_type,
            fields,
        })
    }

    fn sobject_fields(&mut self) -> Result<BTreeMap<String, Option<String>>, OutboundError> {
        let mut fields = BTreeMap::new();
        while let Some(child) = self.next_open()? {
            let value = self.leaf_text(&child)?;
            fields.insert(child.local, value);
        }
        Ok(fields)
    }
}

impl Header {
    fn into_message(
        self,
        notifications: Vec<Notification>,
    ) -> Result<OutboundMessage, OutboundError> {
        let organization_id = required_id(self.organization_id, "OrganizationId")?;
        let action_id = required_id(self.action_id, "ActionId")?;
        for n in &notifications {
            if n.record_id().is_none() {
                return Err(OutboundError::Missing("sObject/Id"));
            }
        }
        Ok(OutboundMessage {
            organization_id,
            action_id,
            session_id: self.session_id.map(SecretString::from),
            enterprise_url: self.enterprise_url,
            partner_url: self.partner_url,
            notifications,
        })
    }
}

fn required_id(raw: Option<String>, field: &'static str) -> Result<SfId, OutboundError> {
    let raw = raw.ok_or(OutboundError::Missing(field))?;
    SfId::parse(&raw).map_err(|_| OutboundError::BadId { field, raw })
}
