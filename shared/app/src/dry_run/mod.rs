//! Dry run of an initialization: what it would create, bind, update or skip per object, the
//! errors pre-flight would raise, and the Salesforce calls it would cost — writing nothing.
//!
//! The source records are read the way initialization reads them (Salesforce query pages by
//! id, JING list pages) and fed, page by page, to the real writer ([`crate::write::apply`])
//! over stand-in ports ([`ports`]): reads go through to the real remotes and stores, every
//! write lands in memory. So the counts come from the same decisions a real run makes.

mod bindings;
pub mod ports;
mod report;

use crate::capture::{jing_record_change, sf_record_change};
use crate::fakes::{
    MemDecisionLog, MemErrorStore, MemLedger, MemParkedStore, MemQuotaStore, MemRecordClaims,
    MemSettingsStore, MemSyncLog,
};
use crate::ports::{BindingStore, Clock, JingPort, SalesforcePort, SettingsStore, StoreError};
use crate::settings::AppSettings;
use crate::write::{Deps, apply};
use bindings::OverlayBindings;
use domain::conditions::InitWindow;
use domain::{Change, Direction, Lane, ObjectKind, ObjectSpec, SfId};
use ports::{DryJing, DrySf};
pub use report::{DryRunReport, ObjectCounts, SideCalls};
use time::OffsetDateTime;

/// Records read per object and side at most (the report says `truncated` past it).
pub const MAX_RECORDS: usize = 50_000;
/// Records per Salesforce query page (as initialization).
const PAGE: usize = crate::init::CHUNK;

/// What a dry run reads through (nothing here is written).
#[derive(Clone, Copy)]
pub struct DryRunDeps<'a> {
    pub bindings: &'a dyn BindingStore,
    pub sf: &'a dyn SalesforcePort,
    pub jing: &'a dyn JingPort,
    pub clock: &'a dyn Clock,
}

#[derive(Debug, thiserror::Error)]
pub enum DryRunError {
    #[error("{0}")]
    Window(String),
    #[error("{0}")]
    Remote(domain::SyncError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// The in-memory stores the writer writes into during a dry run.
#[derive(Default)]
struct Scratch {
    errors: MemErrorStore,
    synced: MemSyncLog,
    ledger: MemLedger,
    decisions: MemDecisionLog,
    quota: MemQuotaStore,
    parked: MemParkedStore,
    claims: MemRecordClaims,
    settings: MemSettingsStore,
}

/// Dry-run the initialization of `settings` from `window_start`, over `objects` only (those of
/// them whose direction is open; `Account` and `Lead` are the objects initialization reads).
pub async fn initialization(
    deps: &DryRunDeps<'_>,
    settings: &AppSettings,
    window_start: OffsetDateTime,
    objects: &[ObjectKind],
) -> Result<DryRunReport, DryRunError> {
    let now = deps.clock.now();
    let window =
        InitWindow::new(window_start, now).map_err(|e| DryRunError::Window(e.to_string()))?;
    let scratch = Scratch::default();
    // A fresh store takes revision 1 first; the writer reads it back only to pause.
    let copy = AppSettings {
        revision: 1,
        ..settings.clone()
    };
    scratch.settings.put(&copy).await?;
    let (sf, jing) = (DrySf::new(deps.sf), DryJing::new(deps.jing));
    let bindings = OverlayBindings::new(deps.bindings);
    let writer = Deps {
        bindings: &bindings,
        errors: &scratch.errors,
        synced: &scratch.synced,
        ledger: &scratch.ledger,
        decisions: &scratch.decisions,
        quota: &scratch.quota,
        parked: &scratch.parked,
        claims: &scratch.claims,
        settings: &scratch.settings,
        sf: &sf,
        jing: &jing,
        clock: deps.clock,
        staging: None,
    };
    let mut out = DryRunReport::default();
    let read = |kind: ObjectKind, d: Direction| {
        objects.contains(&kind) && settings.direction_open(kind, d)
    };
    for kind in [ObjectKind::Account, ObjectKind::Lead] {
        if read(kind, Direction::SfToJing) {
            sf_side(&writer, settings, kind, &window, now, &mut out).await?;
        }
    }
    for kind in [ObjectKind::Account, ObjectKind::Lead] {
        if read(kind, Direction::JingToSf) {
            jing_side(&writer, settings, kind, window.start(), now, &mut out).await?;
        }
    }
    out.salesforce = SideCalls::of(&sf.tally);
    out.jing = SideCalls::of(&jing.tally);
    Ok(out)
}

async fn sf_side(
    writer: &Deps<'_>,
    settings: &AppSettings,
    kind: ObjectKind,
    window: &InitWindow,
    now: OffsetDateTime,
    out: &mut DryRunReport,
) -> Result<(), DryRunError> {
    let scope = &settings.objects[&kind].sf_to_jing.scope;
    let clause = window
        .soql_where(scope, now)
        .map_err(|e| DryRunError::Window(e.to_string()))?;
    let fields: Vec<String> = settings.objects[&kind]
        .mapping
        .iter()
        .map(|m| m.sf_field.clone())
        .collect();
    let (mut after, mut read): (Option<SfId>, usize) = (None, 0);
    loop {
        let page = writer
            .sf
            .page_by_id(
                ObjectSpec::of(kind).sf_object,
                &fields,
                Some(&clause),
                after.as_ref(),
                PAGE,
            )
            .await
            .map_err(|e| DryRunError::Remote(e.0))?;
        let take = page.len().min(MAX_RECORDS - read);
        let changes: Vec<Change> = page[..take]
            .iter()
            .map(|r| sf_record_change(settings, kind, r, Lane::Backfill))
            .collect();
        read += take;
        write(writer, settings, kind, Direction::SfToJing, changes, out).await;
        after = page.last().map(|r| r.id.clone());
        if page.len() < PAGE {
            return Ok(());
        }
        if read >= MAX_RECORDS {
            out.object(kind, Direction::SfToJing).truncated = true;
            return Ok(());
        }
    }
}

async fn jing_side(
    writer: &Deps<'_>,
    settings: &AppSettings,
    kind: ObjectKind,
    since: OffsetDateTime,
    now: OffsetDateTime,
    out: &mut DryRunReport,
) -> Result<(), DryRunError> {
    let object = ObjectSpec::of(kind).jing_object;
    let (mut token, mut read): (Option<String>, usize) = (None, 0);
    loop {
        let page = writer
            .jing
            .changed_since(object, since, token.as_deref())
            .await
            .map_err(|e| DryRunError::Remote(e.0))?;
        // As initialization: invalidated records and our own writes are not history.
        let changes: Vec<Change> = page
            .records
            .iter()
            .filter(|r| !r.deleted && !r.by_integration && r.updated_at <= now)
            .take(MAX_RECORDS - read)
            .map(|r| jing_record_change(settings, kind, r, Lane::Backfill))
            .collect();
        read += changes.len();
        write(writer, settings, kind, Direction::JingToSf, changes, out).await;
        token = page.next;
        if token.is_none() {
            return Ok(());
        }
        if read >= MAX_RECORDS {
            out.object(kind, Direction::JingToSf).truncated = true;
            return Ok(());
        }
    }
}

/// Run the writer on one page of changes and count what it decided.
async fn write(
    writer: &Deps<'_>,
    settings: &AppSettings,
    kind: ObjectKind,
    direction: Direction,
    changes: Vec<Change>,
    out: &mut DryRunReport,
) {
    if changes.is_empty() {
        return;
    }
    let read = changes.len() as u64;
    let report = apply(writer, settings, changes).await;
    let counts = out.object(kind, direction);
    counts.read += read;
    for d in &report.decisions {
        counts.note(&d.record_key, &d.verdict);
    }
}
