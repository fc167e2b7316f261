//! The whole simulated org behind one mutex. Handlers lock briefly and never across an await.

use crate::bulk::BulkJob;
use crate::clock::Clock;
use crate::config::SimConfig;
use crate::faults::Faults;
use crate::idgen::IdGen;
use crate::ingest::IngestJob;
use crate::limits::Usage;
use crate::oauth::OAuthState;
use crate::outbound::OutboundQueue;
use crate::query::Cursor;
use crate::store::{Row, Store};
use domain::datetime::format_sf;
use domain::ids::SfId;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub struct Org {
    pub cfg: SimConfig,
    pub base_url: String,
    pub org_id: SfId,
    pub integration_user: SfId,
    pub human_user: SfId,
    pub lead_queue: SfId,
    pub ids: IdGen,
    pub clock: Clock,
    pub store: Store,
    pub oauth: OAuthState,
    pub usage: Usage,
    pub faults: Faults,
    pub cursors: HashMap<String, Cursor>,
    pub bulk: HashMap<String, BulkJob>,
    pub ingest: HashMap<String, IngestJob>,
    pub outbound: OutboundQueue,
}

/// Shared handle used by the HTTP handlers and the Rust API.
#[derive(Clone)]
pub struct Shared(pub Arc<Mutex<Org>>);

impl Shared {
    /// Lock the org; a poisoned lock (a panicked handler) still yields the data.
    pub fn lock(&self) -> MutexGuard<'_, Org> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Org {
    pub fn new(cfg: SimConfig, base_url: String) -> Self {
        let mut ids = IdGen::new("Sm");
        let org_id = ids.next("00D");
        let usage = Usage::new(cfg.daily_api_limit);
        let mut org = Org {
            cfg,
            base_url,
            org_id,
            integration_user: org_id_placeholder(),
            human_user: org_id_placeholder(),
            lead_queue: org_id_placeholder(),
            ids,
            clock: Clock::default(),
            store: Store::default(),
            oauth: OAuthState::default(),
            usage,
            faults: Faults::default(),
            cursors: HashMap::new(),
            bulk: HashMap::new(),
            ingest: HashMap::new(),
            outbound: OutboundQueue::default(),
        };
        org.integration_user =
            org.add_user("Integration", "User", "integration@acme.example", None);
        org.human_user = org.add_user("Hannah", "Human", "hannah.human@acme.example", None);
        org.lead_queue = org.add_queue("Lead Queue", "Lead_Queue");
        org
    }

    /// A User record (read-only through the API, like real Users for an integration).
    pub fn add_user(&mut self, first: &str, last: &str, email: &str, mobile: Option<&str>) -> SfId {
        let alias: String = format!("{}{}", &first.chars().take(1).collect::<String>(), last)
            .chars()
            .take(8)
            .collect();
        let body = json!({
            "Username": email, "FirstName": first, "LastName": last, "Name": format!("{first} {last}"),
            "Alias": alias, "Email": email, "MobilePhone": mobile, "IsActive": true,
            "TimeZoneSidKey": "Asia/Shanghai", "LocaleSidKey": "zh_CN", "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "zh_CN", "UserType": "Standard",
        });
        self.insert_system_row("User", body)
    }

    pub fn add_queue(&mut self, name: &str, developer_name: &str) -> SfId {
        let body = json!({"Name": name, "DeveloperName": developer_name, "Type": "Queue"});
        self.insert_system_row("Group", body)
    }

    fn insert_system_row(&mut self, object: &'static str, body: Value) -> SfId {
        let obj = crate::schema::object(object).unwrap_or_else(|| unreachable!("static object"));
        let id = self.ids.next(obj.prefix);
        let mut fields = Map::new();
        for f in obj.all_fields() {
            fields.insert(f.name.to_owned(), Value::Null);
        }
        if let Value::Object(b) = body {
            fields.extend(b);
        }
        let now = format_sf(self.clock.now());
        let actor = if self.integration_user.key_prefix() == "005" {
            &self.integration_user
        } else {
            &id
        };
        fields.insert("Id".into(), json!(id.as_str()));
        fields.insert("IsDeleted".into(), json!(false));
        for f in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            fields.insert(f.into(), json!(now));
        }
        for f in ["CreatedById", "LastModifiedById"] {
            fields.insert(f.into(), json!(actor.as_str()));
        }
        self.store.insert(
            object,
            &id,
            Row {
                fields,
                deleted_at: None,
            },
        );
        id
    }

    /// `/services/data/vXX.X/sobjects/Type/Id`
    pub fn record_url(version: &str, object: &str, id: &str) -> String {
        format!("/services/data/{version}/sobjects/{object}/{id}")
    }

    pub fn identity_url(&self, user: &SfId) -> String {
        format!("{}/id/{}/{}", self.base_url, self.org_id, user)
    }
}

fn org_id_placeholder() -> SfId {
    SfId::parse("000000000000000").unwrap_or_else(|_| unreachable!("static id"))
}
