//! Initialization creates through Bulk API 2.0 ingest jobs — the writer's side.
//!
//! While initialization runs, a JING record the backfill lane would create in Salesforce is
//! planned as usual (mapping, rules, owner, pre-flight) but not written: the planned create is
//! staged ([`StagingStore`]), and initialization hands the staged rows to ingest jobs of up to
//! [`super::ingest_job::JOB_ROWS`] rows (`ingest_job`), where one job costs about six calls
//! whatever its size. No duplicate pre-check either: a Salesforce duplicate rule refuses the
//! row inside the job, and that record is written again through the live path, which binds it
//! to the record the rule names.
//!
//! A later change of a staged record (a webhook while initialization runs) is merged into the
//! waiting row and planned again; while the row is in a job it waits for the job (a retry),
//! after which it updates the record the job created.

use super::batch::Group;
use super::execute::{Done, Executed};
use super::prepare::{Planned, store_error};
use super::{ApplyReport, Deps, Outcome};
use crate::ports::{Staged, StagedCreate, StagingStore};
use crate::settings::AppSettings;
use domain::{Change, Direction, ErrorCode, Lane, ObjectKind, Operation, SyncError};

/// The staging store, when creates of `object` in this direction are staged right now.
pub(crate) fn staging<'a>(
    deps: &Deps<'a>,
    settings: &AppSettings,
    object: ObjectKind,
    direction: Direction,
) -> Option<&'a dyn StagingStore> {
    let staged_object = matches!(object, ObjectKind::Lead | ObjectKind::Account);
    let on = settings.locked() && settings.init_ingest_threshold > 0;
    deps.staging
        .filter(|_| on && staged_object && direction == Direction::JingToSf)
}

fn waiting_for_job() -> Outcome {
    Outcome::Retry(
        SyncError::new(ErrorCode::RemoteUnavailable)
            .detail("the record's create is in a running Bulk ingest job"),
    )
}

/// Before planning: fold a change into its record's waiting staged row (planned again, staged
/// again), make it wait when the row is in a job, and drop the row when the record is deleted.
pub(crate) async fn merge_staged(
    deps: &Deps<'_>,
    settings: &AppSettings,
    group: &mut Group,
    report: &mut ApplyReport,
) {
    let Some(store) = staging(deps, settings, group.object, group.direction) else {
        return;
    };
    let keys: Vec<String> = group
        .items
        .iter()
        .map(|i| i.change.record.as_str().to_owned())
        .collect();
    let found = match store.lookup(&settings.app, group.object, &keys).await {
        Ok(found) => found,
        Err(e) => {
            for item in std::mem::take(&mut group.items) {
                report.set(&item.indexes, Outcome::Retry(store_error(e.clone())));
            }
            return;
        }
    };
    let mut kept = Vec::with_capacity(group.items.len());
    for (mut item, row) in std::mem::take(&mut group.items).into_iter().zip(found) {
        let Some(row) = row else {
            kept.push(item);
            continue;
        };
        if row.job.is_some() {
            report.set(&item.indexes, waiting_for_job());
            continue;
        }
        if item.change.op == Operation::Delete {
            // Never created: forgetting the plan is the whole delete.
            let outcome = match store.remove(&settings.app, group.object, &[row.seq]).await {
                Ok(()) => Outcome::Skipped,
                Err(e) => Outcome::Retry(store_error(e)),
            };
            report.set(&item.indexes, outcome);
            continue;
        }
        item.change = merged(row.create.change, item.change);
        kept.push(item);
    }
    group.items = kept;
}

fn merged(mut staged: Change, later: Change) -> Change {
    staged.coalesce(later);
    // Still the initialization's create: staged again.
    staged.lane = Lane::Backfill;
    staged
}

/// Whether a planned create goes to staging: the backfill lane while staging is on.
pub(crate) fn is_staged(group: &Group, p: &Planned) -> bool {
    group.items[p.item].change.lane == Lane::Backfill
}

/// Stage planned creates: each is done for now (`Done::Staged`), or waits when its record's
/// earlier create is already in a job.
pub(crate) async fn stage(
    store: &dyn StagingStore,
    settings: &AppSettings,
    group: &Group,
    creates: Vec<Planned>,
    done: &mut Vec<Executed>,
) {
    let rows: Vec<StagedCreate> = creates
        .iter()
        .map(|p| StagedCreate {
            app: settings.app.clone(),
            object: group.object,
            change: group.items[p.item].change.clone(),
            fields: match &p.op {
                super::prepare::Op::Create { fields } => fields.clone(),
                _ => Default::default(),
            },
            synced: p.synced.clone(),
            views: p.views.clone(),
            name: p.name.clone(),
        })
        .collect();
    let staged = store.stage(&rows).await;
    for (i, p) in creates.into_iter().enumerate() {
        let result = match &staged {
            Ok(s) if s.get(i) == Some(&Staged::Kept) => Ok(Done::Staged),
            Ok(_) => Err(waiting_for_job()),
            Err(e) => Err(Outcome::Retry(store_error(e.clone()))),
        };
        done.push(Executed { planned: p, result });
    }
}
