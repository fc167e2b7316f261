//! App settings on the apps table: one item per app (`pk = {app}`, `sk = settings`), saved with a
//! revision condition. The table holds nothing else, so `list` is a Scan of settings only.
//!
//! Pauses added by the workers (`SettingsStore::pause`: the circuit breaker, a token refresh
//! into another org) are items of the state table (`pk = {app}#pause`, one per direction), so
//! the writer needs no write access to the apps table: an app's configuration (login host,
//! mappings, rules) can only be changed by the admin API and the OAuth callback. Every read
//! merges them in; a save that resumes a direction deletes its pause item.

use super::keys::{pause_pk, pause_sk};
use super::{Item, attr, from_body, get_item, key, n, query_all, s, to_body};
use crate::error::{code_of, store_error};
use app::ports::{SettingsStore, StoreError, StoreResult};
use app::settings::{AppSettings, Pause};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use domain::AppId;

const SETTINGS_SK: &str = "settings";

/// [`SettingsStore`] on the apps table, with workers' pauses on the state table.
#[derive(Debug, Clone)]
pub struct DynamoSettingsStore {
    client: Client,
    table: String,
    state: String,
}

impl DynamoSettingsStore {
    pub fn new(client: Client, table: impl Into<String>, state_table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            state: state_table.into(),
        }
    }

    fn key(app: &AppId) -> Item {
        key(app.as_str(), SETTINGS_SK)
    }

    /// The pause items of an app.
    async fn pauses(&self, app: &AppId) -> StoreResult<Vec<Pause>> {
        let query = self
            .client
            .query()
            .table_name(&self.state)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pause_pk(app)))
            .consistent_read(true);
        query_all(query).await?.iter().map(from_body).collect()
    }

    /// The settings with the workers' pauses merged in (a pause saved with the settings wins).
    async fn merged(&self, mut settings: AppSettings) -> StoreResult<AppSettings> {
        for p in self.pauses(&settings.app).await? {
            if !settings.is_paused(p.object, p.direction) {
                settings.paused.push(p);
            }
        }
        Ok(settings)
    }

    async fn delete_pause(&self, app: &AppId, p: &Pause) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.state)
            .set_key(Some(key(pause_pk(app), pause_sk(p.object, p.direction))))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem pause", e))?;
        Ok(())
    }
}

#[async_trait]
impl SettingsStore for DynamoSettingsStore {
    async fn get(&self, app: &AppId) -> StoreResult<Option<AppSettings>> {
        let item = get_item(&self.client, &self.table, Self::key(app)).await?;
        match item.as_ref().map(from_body).transpose()? {
            Some(settings) => Ok(Some(self.merged(settings).await?)),
            None => Ok(None),
        }
    }

    async fn put(&self, settings: &AppSettings) -> StoreResult<()> {
        if settings.revision == 0 {
            return Err(StoreError::Conflict("settings revision starts at 1".into()));
        }
        let mut item = Self::key(&settings.app);
        item.insert(attr::BODY.into(), to_body(settings)?);
        item.insert("revision".into(), n(settings.revision));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = if settings.revision == 1 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("revision = :previous")
                .expression_attribute_values(":previous", n(settings.revision - 1))
        };
        match put.send().await {
            Ok(_) => {}
            Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => {
                return Err(StoreError::Conflict(format!(
                    "settings of {} changed since revision {}",
                    settings.app,
                    settings.revision - 1
                )));
            }
            Err(e) => return Err(store_error("PutItem settings", e)),
        }
        // Directions this save resumed lose their pause items too.
        for p in self.pauses(&settings.app).await? {
            if !settings.is_paused(p.object, p.direction) {
                self.delete_pause(&settings.app, &p).await?;
            }
        }
        Ok(())
    }

    async fn list(&self) -> StoreResult<Vec<AppSettings>> {
        let mut apps = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("Scan apps", e))?;
            for item in out.items.unwrap_or_default() {
                apps.push(self.merged(from_body::<AppSettings>(&item)?).await?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        apps.sort_by(|a, b| a.app.cmp(&b.app));
        Ok(apps)
    }

    async fn delete(&self, app: &AppId) -> StoreResult<()> {
        for p in self.pauses(app).await? {
            self.delete_pause(app, &p).await?;
        }
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(app)))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem settings", e))?;
        Ok(())
    }

    /// One conditional PutItem per direction on the state table (the first reason stays).
    async fn pause(&self, app: &AppId, pauses: &[Pause]) -> StoreResult<()> {
        for p in pauses {
            let mut item = key(pause_pk(app), pause_sk(p.object, p.direction));
            item.insert(attr::BODY.into(), to_body(p)?);
            let put = self
                .client
                .put_item()
                .table_name(&self.state)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)");
            match put.send().await {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => {}
                Err(e) => return Err(store_error("PutItem pause", e)),
            }
        }
        Ok(())
    }
}
