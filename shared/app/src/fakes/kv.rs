//! Fakes of the key-value shaped ports: cursors, idempotency, quota, parked changes, settings,
//! vault, mailer.

use super::lock;
use crate::contract::semantics::{check_settings_revision, park_priority};
use crate::ports::*;
use crate::settings::AppSettings;
use async_trait::async_trait;
use domain::{AppId, Change, RecordRef};
use secrecy::SecretString;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use time::{Date, OffsetDateTime};

#[derive(Default, Clone)]
pub struct MemCursorStore {
    values: Arc<Mutex<HashMap<(AppId, String), String>>>,
}

#[async_trait]
impl CursorStore for MemCursorStore {
    async fn get(&self, app: &AppId, key: &str) -> StoreResult<Option<String>> {
        Ok(lock(&self.values)
            .get(&(app.clone(), key.to_owned()))
            .cloned())
    }
    async fn put(&self, app: &AppId, key: &str, value: &str) -> StoreResult<()> {
        lock(&self.values).insert((app.clone(), key.to_owned()), value.to_owned());
        Ok(())
    }
}

/// Claims with their expiry.
#[derive(Default, Clone)]
pub struct MemIdempotencyStore {
    claims: Arc<Mutex<HashMap<String, OffsetDateTime>>>,
}

#[async_trait]
impl IdempotencyStore for MemIdempotencyStore {
    async fn claim(
        &self,
        key: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut claims = lock(&self.claims);
        match claims.get(key) {
            Some(expiry) if *expiry > now => Ok(false),
            _ => {
                claims.insert(key.to_owned(), expires_at);
                Ok(true)
            }
        }
    }
    async fn release(&self, key: &str) -> StoreResult<()> {
        lock(&self.claims).remove(key);
        Ok(())
    }
}

/// Daily counters; one lock makes `reserve` atomic.
#[derive(Default, Clone)]
pub struct MemQuotaStore {
    used: Arc<Mutex<HashMap<(AppId, Date), u64>>>,
    windows: Arc<Mutex<HashMap<(AppId, String), WindowBuckets>>>,
}

#[async_trait]
impl QuotaStore for MemQuotaStore {
    async fn reserve(
        &self,
        app: &AppId,
        day: Date,
        calls: u64,
        allocation: u64,
    ) -> StoreResult<Reservation> {
        let mut used = lock(&self.used);
        let counter = used.entry((app.clone(), day)).or_insert(0);
        match counter
            .checked_add(calls)
            .filter(|total| *total <= allocation)
        {
            Some(total) => {
                *counter = total;
                Ok(Reservation::Granted { used: total })
            }
            None => Ok(Reservation::Refused { used: *counter }),
        }
    }
    async fn release(&self, app: &AppId, day: Date, calls: u64) -> StoreResult<()> {
        let mut used = lock(&self.used);
        if let Some(counter) = used.get_mut(&(app.clone(), day)) {
            *counter = counter.saturating_sub(calls);
        }
        Ok(())
    }
    async fn used(&self, app: &AppId, day: Date) -> StoreResult<u64> {
        Ok(lock(&self.used)
            .get(&(app.clone(), day))
            .copied()
            .unwrap_or(0))
    }
    async fn add_in_window(
        &self,
        app: &AppId,
        name: &str,
        bucket: i64,
        span: u32,
        counts: &[u64],
    ) -> StoreResult<Vec<u64>> {
        let mut windows = lock(&self.windows);
        let buckets = windows.entry((app.clone(), name.to_owned())).or_default();
        Ok(add_to_window(buckets, bucket, span, counts))
    }
}

struct Parked {
    /// Order of first parking: FIFO within a priority class.
    seq: u64,
    /// Bumped by every re-park (coalesce).
    version: u64,
    change: Change,
}

#[derive(Default)]
struct ParkedState {
    next_seq: u64,
    entries: HashMap<(AppId, RecordRef), Parked>,
}

/// Parked changes, coalesced per record with `Change::coalesce`.
#[derive(Default, Clone)]
pub struct MemParkedStore {
    state: Arc<Mutex<ParkedState>>,
}

#[async_trait]
impl ParkedStore for MemParkedStore {
    async fn park(&self, change: &Change) -> StoreResult<()> {
        let mut state = lock(&self.state);
        let key = (change.app.clone(), change.record.clone());
        if let Some(entry) = state.entries.get_mut(&key) {
            entry.change.coalesce(change.clone());
            entry.version += 1;
            return Ok(());
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        state.entries.insert(
            key,
            Parked {
                seq,
                version: 0,
                change: change.clone(),
            },
        );
        Ok(())
    }

    async fn peek(&self, app: &AppId, max: usize) -> StoreResult<Vec<ParkedEntry>> {
        let state = lock(&self.state);
        let mut mine: Vec<(u8, u64, &Parked)> = state
            .entries
            .iter()
            .filter(|((a, _), _)| a == app)
            .map(|(_, e)| (park_priority(&e.change), e.seq, e))
            .collect();
        mine.sort_by_key(|(prio, seq, _)| (*prio, *seq));
        Ok(mine
            .into_iter()
            .take(max)
            .map(|(_, _, e)| ParkedEntry {
                change: e.change.clone(),
                version: e.version.to_string(),
            })
            .collect())
    }

    async fn remove(&self, app: &AppId, entries: &[ParkedEntry]) -> StoreResult<u64> {
        let mut state = lock(&self.state);
        let mut removed = 0;
        for e in entries {
            let key = (app.clone(), e.change.record.clone());
            if state
                .entries
                .get(&key)
                .is_some_and(|p| p.version.to_string() == e.version)
            {
                state.entries.remove(&key);
                removed += 1;
            }
        }
        Ok(removed)
    }

    async fn count(&self, app: &AppId) -> StoreResult<u64> {
        Ok(lock(&self.state)
            .entries
            .keys()
            .filter(|(a, _)| a == app)
            .count() as u64)
    }

    async fn contains(&self, app: &AppId, record: &RecordRef) -> StoreResult<bool> {
        Ok(lock(&self.state)
            .entries
            .contains_key(&(app.clone(), record.clone())))
    }
}

impl MemParkedStore {
    /// Forget an app's parked changes (the fake's part of deleting an app).
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut state = lock(&self.state);
        let before = state.entries.len();
        state.entries.retain(|(a, _), _| a != app);
        (before - state.entries.len()) as u64
    }
}

impl MemCursorStore {
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut values = lock(&self.values);
        let before = values.len();
        values.retain(|(a, _), _| a != app);
        (before - values.len()) as u64
    }
}

impl MemQuotaStore {
    pub fn forget_app(&self, app: &AppId) -> u64 {
        let mut used = lock(&self.used);
        let before = used.len();
        used.retain(|(a, _), _| a != app);
        let mut windows = lock(&self.windows);
        let windows_before = windows.len();
        windows.retain(|(a, _), _| a != app);
        (before - used.len() + windows_before - windows.len()) as u64
    }
}

/// Settings with revision checks.
#[derive(Default, Clone)]
pub struct MemSettingsStore {
    apps: Arc<Mutex<BTreeMap<AppId, AppSettings>>>,
}

#[async_trait]
impl SettingsStore for MemSettingsStore {
    async fn get(&self, app: &AppId) -> StoreResult<Option<AppSettings>> {
        Ok(lock(&self.apps).get(app).cloned())
    }
    async fn put(&self, settings: &AppSettings) -> StoreResult<()> {
        let mut apps = lock(&self.apps);
        check_settings_revision(
            apps.get(&settings.app).map(|s| s.revision),
            settings.revision,
        )?;
        apps.insert(settings.app.clone(), settings.clone());
        Ok(())
    }
    async fn list(&self) -> StoreResult<Vec<AppSettings>> {
        Ok(lock(&self.apps).values().cloned().collect())
    }
    async fn delete(&self, app: &AppId) -> StoreResult<()> {
        lock(&self.apps).remove(app);
        Ok(())
    }
}

/// Secrets in memory (never printed: `SecretString` redacts itself in `Debug`).
#[derive(Default, Clone)]
pub struct MemTokenVault {
    secrets: Arc<Mutex<HashMap<(AppId, SecretKind), SecretString>>>,
}

#[async_trait]
impl TokenVault for MemTokenVault {
    async fn put(&self, app: &AppId, kind: SecretKind, value: &SecretString) -> StoreResult<()> {
        lock(&self.secrets).insert((app.clone(), kind), value.clone());
        Ok(())
    }
    async fn get(&self, app: &AppId, kind: SecretKind) -> StoreResult<Option<SecretString>> {
        Ok(lock(&self.secrets).get(&(app.clone(), kind)).cloned())
    }
    async fn remove(&self, app: &AppId, kind: SecretKind) -> StoreResult<()> {
        lock(&self.secrets).remove(&(app.clone(), kind));
        Ok(())
    }
    async fn purge(&self, app: &AppId) -> StoreResult<()> {
        lock(&self.secrets).retain(|(a, _), _| a != app);
        Ok(())
    }
}

/// Records every mail it is asked to send; can be told to fail.
#[derive(Default, Clone)]
pub struct MemMailer {
    sent: Arc<Mutex<Vec<Mail>>>,
    failure: Arc<Mutex<Option<MailError>>>,
}

impl MemMailer {
    /// Mails sent so far, oldest first.
    pub fn sent(&self) -> Vec<Mail> {
        lock(&self.sent).clone()
    }
    /// Make every later `send` fail with `err` (`None`: succeed again).
    pub fn fail_with(&self, err: Option<MailError>) {
        *lock(&self.failure) = err;
    }
}

#[async_trait]
impl Mailer for MemMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        if let Some(err) = lock(&self.failure).clone() {
            return Err(err);
        }
        lock(&self.sent).push(mail.clone());
        Ok(())
    }
}
