//! App settings on the apps table: one item per app (`pk = {app}`, `sk = settings`), saved with a
//! revision condition. The table holds nothing else, so `list` is a Scan of settings only.

use super::{Item, attr, from_body, get_item, key, n, to_body};
use crate::error::{code_of, store_error};
use app::ports::{SettingsStore, StoreError, StoreResult};
use app::settings::AppSettings;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use domain::AppId;

const SETTINGS_SK: &str = "settings";

/// [`SettingsStore`] on the apps table.
#[derive(Debug, Clone)]
pub struct DynamoSettingsStore {
    client: Client,
    table: String,
}

impl DynamoSettingsStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn key(app: &AppId) -> Item {
        key(app.as_str(), SETTINGS_SK)
    }
}

#[async_trait]
impl SettingsStore for DynamoSettingsStore {
    async fn get(&self, app: &AppId) -> StoreResult<Option<AppSettings>> {
        let item = get_item(&self.client, &self.table, Self::key(app)).await?;
        item.as_ref().map(from_body).transpose()
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
            Ok(_) => Ok(()),
            Err(e) if code_of(&e) == Some("ConditionalCheckFailedException") => {
                Err(StoreError::Conflict(format!(
                    "settings of {} changed since revision {}",
                    settings.app,
                    settings.revision - 1
                )))
            }
            Err(e) => Err(store_error("PutItem settings", e)),
        }
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
                apps.push(from_body::<AppSettings>(&item)?);
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
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(app)))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem settings", e))?;
        Ok(())
    }
}
