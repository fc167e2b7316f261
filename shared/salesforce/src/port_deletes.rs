//! The delete-safety half of `app::ports::SalesforcePort`: getDeleted for old poll cursors, and
//! the existence check that reconciles bound records when Salesforce forgot deletes.

use app::ports::{DeletedIds, RemoteError};
use domain::SfId;
use time::OffsetDateTime;

use crate::client::SfClient;
use crate::error::SfError;
use crate::port::remote;
use crate::port_read::{IN_BUDGET_CHARS, in_chunks};
use crate::soql::{check_identifier, in_list};

impl SfClient {
    /// getDeleted in the port's terms (one call).
    pub(crate) async fn port_deleted_ids(
        &self,
        object: &str,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<DeletedIds, RemoteError> {
        let answer = self
            .get_deleted(object, start, end)
            .await
            .map_err(|e| remote(object, &e))?;
        Ok(DeletedIds {
            ids_with_dates: answer
                .records
                .into_iter()
                .map(|r| (r.id, r.deleted_date))
                .collect(),
            earliest_available: answer.earliest_date_available,
            latest_covered: answer.latest_date_covered,
        })
    }

    /// The ids of `ids` that still exist, one query per URL-sized chunk.
    pub(crate) async fn port_existing_ids(
        &self,
        object: &str,
        ids: &[SfId],
    ) -> Result<Vec<SfId>, RemoteError> {
        self.existing(object, ids)
            .await
            .map_err(|e| remote(object, &e))
    }

    async fn existing(&self, object: &str, ids: &[SfId]) -> Result<Vec<SfId>, SfError> {
        let object = check_identifier(object)?;
        let raw: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in in_chunks(&raw, IN_BUDGET_CHARS) {
            let soql = format!("SELECT Id FROM {object} WHERE Id IN {}", in_list(chunk)?);
            // `query` (not queryAll): records in the recycle bin count as gone.
            for r in self.query(&soql).collect_all().await? {
                if let Some(id) = r.id() {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_ids_fit_in_three_queries() {
        let ids: Vec<String> = (0..1000).map(|i| format!("00Q5g00000{i:05}AAA")).collect();
        let chunks = in_chunks(&ids, IN_BUDGET_CHARS);
        assert_eq!(chunks.len(), 3, "18-char ids cost 30 URL bytes each");
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 1000);
    }
}
