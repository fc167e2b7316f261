//! Dry run of an initialization: what it would create, bind, update or skip per object, the
//! errors pre-flight would raise, and the Salesforce calls it would cost — writing nothing.
//!
//! The source records are read the way initialization reads them (Salesforce query pages by
//! id, JING list pages) and fed, page by page, to the real writer ([`crate::write::apply`])
//! over stand-in ports ([`ports`]): reads go through to the real remotes and stores, every
//! write lands in memory. So the counts come from the same decisions a real run makes.
//!
//! A dry run is bounded by a time budget (an admin request behind API Gateway has 29 s): each
//! object and side gets an equal share of it (what one leaves over goes to the next), reads at
//! least one page, and stops when its share is spent — its counts are then flagged
//! `complete: false`, a sample of the first records.

mod bindings;
pub mod jing;
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
use jing::DryJing;
use ports::DrySf;
pub use report::{DryRunReport, ObjectCounts, SideCalls, Stopped};
use std::time::{Duration, Instant};
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

/// How long a dry run may read, from when it started.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub start: Instant,
    pub total: Duration,
}

impl Budget {
    pub fn from_now(total: Duration) -> Self {
        Self {
            start: Instant::now(),
            total,
        }
    }

    /// When the `i`-th of `n` shares ends (shares end at fixed points: time one leaves over
    /// is the next one's).
    fn share_end(&self, i: usize, n: usize) -> Instant {
        self.start + self.total.mul_f64((i + 1) as f64 / n.max(1) as f64)
    }
}

/// Dry-run the initialization of `settings` from `window_start`, over `objects` only (those of
/// them whose direction is open; `Account` and `Lead` are the objects initialization reads),
/// within `budget`.
pub async fn initialization(
    deps: &DryRunDeps<'_>,
    settings: &AppSettings,
    window_start: OffsetDateTime,
    objects: &[ObjectKind],
    budget: Budget,
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
    let writer = scratch.writer(&bindings, &sf, &jing, deps.clock);
    let mut out = DryRunReport::default();
    // As initialization: Salesforce accounts before leads (a lead's account must exist), then JING.
    let mut sides = Vec::new();
    for d in [Direction::SfToJing, Direction::JingToSf] {
        for kind in [ObjectKind::Account, ObjectKind::Lead] {
            if objects.contains(&kind) && settings.direction_open(kind, d) {
                sides.push((kind, d));
            }
        }
    }
    for (i, (kind, d)) in sides.iter().copied().enumerate() {
        let until = budget.share_end(i, sides.len());
        let side = Side {
            writer: &writer,
            jing: &jing,
            settings,
            kind,
            now,
            until,
        };
        match d {
            Direction::SfToJing => side.salesforce(&window, &mut out).await?,
            Direction::JingToSf => side.jing(window.start(), &mut out).await?,
        }
    }
    out.salesforce = SideCalls::of(&sf.tally);
    out.jing = SideCalls::of(&jing.tally);
    out.complete = out.objects.iter().all(|o| o.complete);
    out.elapsed_ms = budget.start.elapsed().as_millis() as u64;
    Ok(out)
}

impl Scratch {
    fn writer<'a>(
        &'a self,
        bindings: &'a OverlayBindings<'a>,
        sf: &'a DrySf<'a>,
        jing: &'a DryJing<'a>,
        clock: &'a dyn Clock,
    ) -> Deps<'a> {
        Deps {
            bindings,
            errors: &self.errors,
            synced: &self.synced,
            ledger: &self.ledger,
            decisions: &self.decisions,
            quota: &self.quota,
            parked: &self.parked,
            claims: &self.claims,
            settings: &self.settings,
            sf,
            jing,
            clock,
            staging: None,
        }
    }
}

/// One object read from one side, until its share of the budget ends.
struct Side<'a, 'b> {
    writer: &'a Deps<'b>,
    jing: &'a DryJing<'b>,
    settings: &'a AppSettings,
    kind: ObjectKind,
    now: OffsetDateTime,
    until: Instant,
}

/// After a page: whether to read on (else why the object is left unfinished).
fn read_on(read: usize, until: Instant) -> Result<(), Stopped> {
    if read >= MAX_RECORDS {
        return Err(Stopped::RecordCap);
    }
    if Instant::now() >= until {
        return Err(Stopped::TimeBudget);
    }
    Ok(())
}

impl Side<'_, '_> {
    async fn salesforce(&self, window: &InitWindow, out: &mut DryRunReport) -> DryResult {
        let (settings, kind) = (self.settings, self.kind);
        let sf_object = ObjectSpec::of(kind).sf_object;
        let scope = &settings.objects[&kind].sf_to_jing.scope;
        let clause = window
            .soql_where(scope, self.now)
            .map_err(|e| DryRunError::Window(e.to_string()))?;
        let total = self.writer.sf.count(sf_object, Some(&clause)).await;
        out.object(kind, Direction::SfToJing).source_total = Some(total.map_err(remote)?);
        // JING binds a create to a live record with the same key: learn who holds them.
        let jing_object = ObjectSpec::of(kind).jing_object;
        if !self
            .jing
            .learn(jing_object, self.until)
            .await
            .map_err(remote)?
        {
            out.object(kind, Direction::SfToJing)
                .stop(Stopped::DuplicateListing);
        }
        let fields: Vec<String> = settings.objects[&kind]
            .mapping
            .iter()
            .map(|m| m.sf_field.clone())
            .collect();
        let (mut after, mut read): (Option<SfId>, usize) = (None, 0);
        loop {
            let page = self
                .writer
                .sf
                .page_by_id(sf_object, &fields, Some(&clause), after.as_ref(), PAGE)
                .await
                .map_err(remote)?;
            let take = page.len().min(MAX_RECORDS - read);
            let changes: Vec<Change> = page[..take]
                .iter()
                .map(|r| sf_record_change(settings, kind, r, Lane::Backfill))
                .collect();
            read += take;
            self.write(Direction::SfToJing, changes, out).await;
            after = page.last().map(|r| r.id.clone());
            if page.len() < PAGE {
                return Ok(());
            }
            if let Err(why) = read_on(read, self.until) {
                out.object(kind, Direction::SfToJing).stop(why);
                return Ok(());
            }
        }
    }

    async fn jing(&self, since: OffsetDateTime, out: &mut DryRunReport) -> DryResult {
        let (settings, kind) = (self.settings, self.kind);
        let object = ObjectSpec::of(kind).jing_object;
        let (mut token, mut read): (Option<String>, usize) = (None, 0);
        loop {
            let page = self
                .writer
                .jing
                .changed_since(object, since, token.as_deref())
                .await
                .map_err(remote)?;
            // As initialization: invalidated records and our own writes are not history (nor
            // what this dry run wrote: the real run's write would be its own).
            let changes: Vec<Change> = page
                .records
                .iter()
                .filter(|r| !r.deleted && !r.by_integration && r.updated_at <= self.now)
                .filter(|r| !self.jing.wrote(&r.id))
                .take(MAX_RECORDS - read)
                .map(|r| jing_record_change(settings, kind, r, Lane::Backfill))
                .collect();
            read += changes.len();
            self.write(Direction::JingToSf, changes, out).await;
            token = page.next;
            if token.is_none() {
                return Ok(());
            }
            if let Err(why) = read_on(read, self.until) {
                out.object(kind, Direction::JingToSf).stop(why);
                return Ok(());
            }
        }
    }

    /// Run the writer on one page of changes and count what it decided.
    async fn write(&self, direction: Direction, changes: Vec<Change>, out: &mut DryRunReport) {
        let counts = out.object(self.kind, direction);
        if changes.is_empty() {
            return;
        }
        counts.read += changes.len() as u64;
        let report = apply(self.writer, self.settings, changes).await;
        for d in &report.decisions {
            counts.note(&d.record_key, &d.verdict);
        }
    }
}

type DryResult = Result<(), DryRunError>;

fn remote(e: crate::ports::RemoteError) -> DryRunError {
    DryRunError::Remote(e.0)
}
