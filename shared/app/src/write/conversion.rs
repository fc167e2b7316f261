//! A lead converted in Salesforce: its opportunity's values reach the JING lead in the same
//! apply as the conversion, by push, not with the next poll. One query per 200 opportunities
//! reads the mapped fields; they are applied as opportunity changes (through the opportunity
//! binding the conversion made), so later polls find nothing new.

use super::{ApplyReport, Deps, Outcome, batch, process_group};
use crate::capture::sf_record_change;
use crate::settings::AppSettings;
use domain::{Direction, Lane, ObjectKind, ObjectSpec, SfId};

/// Opportunities per read (the `Id IN (...)` list of one query).
const READ_CHUNK: usize = 200;

/// Read and apply the opportunities the conversions of this apply bound.
pub(super) async fn follow(deps: &Deps<'_>, settings: &AppSettings, report: &mut ApplyReport) {
    let opps = std::mem::take(&mut report.converted);
    if opps.is_empty() || !settings.direction_open(ObjectKind::Opportunity, Direction::SfToJing) {
        return;
    }
    let changes = match read(deps, settings, &opps).await {
        Ok(c) => c,
        Err(e) => {
            // The poll's safety net reads them later; the conversions themselves are done.
            tracing::warn!(app_id = %settings.app, error = %e, "Could not read converted opportunities.");
            return;
        }
    };
    let mut sub = ApplyReport {
        outcomes: vec![Outcome::Skipped; changes.len()],
        ..ApplyReport::default()
    };
    for group in batch::group(changes) {
        process_group(deps, settings, &group, &mut sub).await;
    }
    report.counts += &sub.counts;
    report.decisions.append(&mut sub.decisions);
}

async fn read(
    deps: &Deps<'_>,
    settings: &AppSettings,
    opps: &[SfId],
) -> Result<Vec<domain::Change>, crate::ports::RemoteError> {
    let fields: Vec<String> = settings
        .object(ObjectKind::Opportunity)
        .map(|o| o.mapping.iter().map(|m| m.sf_field.clone()).collect())
        .unwrap_or_default();
    let object = ObjectSpec::of(ObjectKind::Opportunity).sf_object;
    let mut changes = Vec::with_capacity(opps.len());
    for chunk in opps.chunks(READ_CHUNK) {
        // Ids are alphanumeric (checked by SfId): quoting them needs no escaping.
        let list: Vec<String> = chunk.iter().map(|id| format!("'{id}'")).collect();
        let clause = format!("Id IN ({})", list.join(","));
        let records = deps
            .sf
            .page_by_id(object, &fields, Some(&clause), None, chunk.len())
            .await?;
        changes.extend(
            records
                .iter()
                .map(|r| sf_record_change(settings, ObjectKind::Opportunity, r, Lane::Live)),
        );
    }
    Ok(changes)
}
