//! `app::ports::JingPort` over the real client: the writer and member use cases talk to JING
//! through this adapter.

use crate::client::JingClient;
use crate::employees::EmployeeCreated;
use crate::error::JingError;
use crate::records::{RecordUpdate, WriteOutcome};
use app::ports::{
    Employee as PortEmployee, Fields, JingPage, JingPort, JingRecord as PortRecord,
    NewEmployee as PortNewEmployee, RemoteError, WriteResult,
};
use async_trait::async_trait;
use domain::JingId;
use domain::datetime::from_epoch_millis;
use time::OffsetDateTime;

fn remote(e: JingError) -> RemoteError {
    RemoteError(e.sync_error())
}

fn result(o: WriteOutcome) -> WriteResult {
    match o {
        WriteOutcome::Created(id) | WriteOutcome::Updated(id) | WriteOutcome::Invalidated(id) => {
            WriteResult::Ok(id.to_string())
        }
        WriteOutcome::BoundToExisting(id) => WriteResult::Duplicate(vec![id.to_string()]),
        WriteOutcome::Failed(e) => WriteResult::Failed(e),
    }
}

fn results(out: Vec<WriteOutcome>) -> Vec<WriteResult> {
    out.into_iter().map(result).collect()
}

#[async_trait]
impl JingPort for JingClient {
    async fn create(
        &self,
        object: &str,
        records: &[Fields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        self.batch_create(object, records)
            .await
            .map(results)
            .map_err(remote)
    }

    async fn update(
        &self,
        object: &str,
        records: &[(JingId, Fields)],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let updates: Vec<RecordUpdate> = records
            .iter()
            .map(|(id, fields)| RecordUpdate {
                id: id.clone(),
                fields: fields.clone(),
            })
            .collect();
        self.batch_update(object, &updates)
            .await
            .map(results)
            .map_err(remote)
    }

    async fn invalidate(
        &self,
        object: &str,
        ids: &[JingId],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        JingClient::invalidate(self, object, ids)
            .await
            .map(results)
            .map_err(remote)
    }

    async fn employees(&self) -> Result<Vec<PortEmployee>, RemoteError> {
        let (mut all, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let (page, next) = self
                .list_employees(cursor.as_deref())
                .await
                .map_err(remote)?;
            all.extend(page.into_iter().filter(|e| e.active).map(|e| PortEmployee {
                id: e.id,
                name: e.name,
                mobile: e.mobile,
                email: e.email,
            }));
            match next {
                Some(c) => cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    async fn create_employee(&self, e: &PortNewEmployee) -> Result<JingId, RemoteError> {
        let new = crate::employees::NewEmployee {
            name: e.name.clone(),
            mobile: e.mobile.clone(),
            email: e.email.clone(),
        };
        match JingClient::create_employee(self, &new)
            .await
            .map_err(remote)?
        {
            EmployeeCreated::Created(id) | EmployeeCreated::BoundToExisting(id) => Ok(id),
        }
    }

    async fn changed_since(
        &self,
        object: &str,
        since: OffsetDateTime,
        page: Option<&str>,
    ) -> Result<JingPage, RemoteError> {
        let raw = self
            .list_changed_raw(object, since, page)
            .await
            .map_err(remote)?;
        let own = &self.contract().webhook.own_writes;
        let mut records = Vec::with_capacity(raw.list.len());
        for r in raw.list {
            let id = JingId::parse(&r.entity_id)
                .map_err(|e| remote(JingError::Protocol(e.to_string())))?;
            let by_integration = r.last_operator.as_ref().is_some_and(|o| {
                o.operator_type == own.operator_type && o.login_platform == own.login_platform
            });
            records.push(PortRecord {
                id,
                updated_at: from_epoch_millis(r.updated_time),
                by_integration,
                deleted: r.invalid,
                fields: r.fields.into_iter().collect(),
            });
        }
        Ok(JingPage {
            records,
            next: raw.next_cursor,
        })
    }
}
