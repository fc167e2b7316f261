//! A lead converted in Salesforce: its opportunity's values reach the JING lead in the same
//! apply as the conversion, by push, not with the next poll. One query per 200 opportunities
//! reads the mapped fields; they are applied as opportunity changes (through the opportunity
//! binding the conversion made), so later polls find nothing new.

use super::{ApplyReport, Deps, Outcome, batch, process_group};
use crate::capture::verify::read_current;
use crate::settings::AppSettings;
use domain::{Direction, ObjectKind};

/// Read and apply the opportunities the conversions of this apply bound.
pub(super) async fn follow(deps: &Deps<'_>, settings: &AppSettings, report: &mut ApplyReport) {
    let opps = std::mem::take(&mut report.converted);
    if opps.is_empty() || !settings.direction_open(ObjectKind::Opportunity, Direction::SfToJing) {
        return;
    }
    let read = read_current(deps.sf, settings, ObjectKind::Opportunity, &opps).await;
    let changes: Vec<_> = match read {
        Ok(by_id) => by_id.into_values().collect(),
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
