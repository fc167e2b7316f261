use super::*;
use app::fakes::{FixedClock, MemCursorStore, MemQuotaStore, MemSettingsStore};
use app::quota_reset::ORG_USAGE_KEY;
use app::settings::Environment;
use time::macros::datetime;

const T: OffsetDateTime = datetime!(2024-05-01 02:00 UTC);

fn usage(used: u64, max: u64) -> OrgUsage {
    OrgUsage { used, max }
}

#[test]
fn org_usage_is_saved_on_a_one_percent_move_or_after_five_minutes() {
    let first = usage(1_000, 15_000);
    assert!(worth_saving(None, first, T));
    let last = Some((first, T));
    assert!(
        !worth_saving(last, first, T + Duration::hours(1)),
        "unchanged"
    );
    assert!(
        !worth_saving(last, usage(1_149, 15_000), T),
        "149 < 1 % of 15,000"
    );
    assert!(worth_saving(last, usage(1_150, 15_000), T), "150 = 1 %");
    assert!(
        worth_saving(last, usage(800, 15_000), T),
        "the window rolled: down counts too"
    );
    assert!(worth_saving(last, usage(1_001, 20_000), T), "a new max");
    assert!(!worth_saving(
        last,
        usage(1_001, 15_000),
        T + Duration::minutes(4)
    ));
    assert!(worth_saving(
        last,
        usage(1_001, 15_000),
        T + Duration::minutes(5)
    ));
}

struct Rig {
    clock: FixedClock,
    quota: Arc<MemQuotaStore>,
    cursors: Arc<MemCursorStore>,
    settings: Arc<MemSettingsStore>,
    app: AppSettings,
}

async fn rig(daily: u64, share: u8) -> (Rig, QuotaBudget) {
    let clock = FixedClock::new(T);
    let mut app = AppSettings::new(
        AppId::parse("acme").unwrap(),
        "Acme",
        Environment::Production,
        "jing",
        "59",
    );
    app.revision = 1;
    app.allocation = Allocation {
        daily,
        max_org_share_pct: share,
        live_reserve_pct: 20,
    };
    let rig = Rig {
        clock: clock.clone(),
        quota: Arc::new(MemQuotaStore::default()),
        cursors: Arc::new(MemCursorStore::default()),
        settings: Arc::new(MemSettingsStore::default()),
        app,
    };
    rig.settings.put(&rig.app).await.unwrap();
    let budget = QuotaBudget::new(
        BudgetStores {
            quota: rig.quota.clone(),
            cursors: rig.cursors.clone(),
            settings: rig.settings.clone(),
            clock: Arc::new(clock),
        },
        &rig.app,
    );
    (rig, budget)
}

async fn saved(rig: &Rig) -> Option<OrgUsage> {
    let raw = rig
        .cursors
        .get(&rig.app.app, ORG_USAGE_KEY)
        .await
        .unwrap()?;
    // The status page reads the stored record as a plain OrgUsage.
    serde_json::from_str(&raw).ok()
}

fn budget_on(rig: &Rig) -> QuotaBudget {
    QuotaBudget::new(
        BudgetStores {
            quota: rig.quota.clone(),
            cursors: rig.cursors.clone(),
            settings: rig.settings.clone(),
            clock: Arc::new(rig.clock.clone()),
        },
        &rig.app,
    )
}

async fn spend(b: &QuotaBudget, n: u32) -> u32 {
    let mut granted = 0;
    for _ in 0..n {
        if b.reserve(1).await.is_ok() {
            granted += 1;
        }
    }
    granted
}

#[tokio::test]
async fn the_org_share_caps_reservations_with_a_clear_reason() {
    let (_rig, b) = rig(15_000, 50).await;
    assert_eq!(spend(&b, 10).await, 10);
    // The org has 40 calls left, and 10 of its calls were ours: half of 50 may be ours.
    b.observe(usage(960, 1_000)).await;
    assert_eq!(b.allocation_in_force(), 25);
    assert_eq!(spend(&b, 25).await, 15);
    // Our own calls shrink the org's remainder, not our share.
    b.observe(usage(975, 1_000)).await;
    assert_eq!(b.allocation_in_force(), 25);
    let err = b.reserve(1).await.unwrap_err();
    let detail = err.to_string();
    assert!(detail.contains("25/25 calls used today"), "{detail}");
    assert!(detail.contains("25 of 1000"), "{detail}");
    assert_eq!(
        err.to_sync_error().code,
        domain::ErrorCode::AllocationSpent,
        "the writer parks"
    );
}

#[tokio::test]
async fn a_stale_org_reading_lets_one_call_learn_the_new_figure() {
    let (rig, b) = rig(15_000, 50).await;
    spend(&b, 1).await;
    b.observe(usage(1_000, 1_000)).await;
    assert!(b.reserve(1).await.is_err(), "the org is out of calls");
    rig.clock.advance(std::time::Duration::from_secs(600));
    assert!(
        b.reserve(1).await.is_ok(),
        "stale reading: one call to re-learn"
    );
    b.observe(usage(700, 1_000)).await;
    assert_eq!(b.allocation_in_force(), (300 + 2) / 2);
}

#[tokio::test]
async fn a_new_quota_day_does_not_carry_yesterdays_counter_into_the_cap() {
    let (rig, b) = rig(15_000, 50).await;
    assert_eq!(spend(&b, 100).await, 100);
    b.observe(usage(800, 1_000)).await;
    assert_eq!(b.allocation_in_force(), (200 + 100) / 2);
    // 16:00 UTC is midnight in China: a new quota day, counter at 0.
    rig.clock.set(datetime!(2024-05-01 16:00:30 UTC));
    b.observe(usage(800, 1_000)).await;
    assert_eq!(b.allocation_in_force(), 100);
}

#[tokio::test]
async fn the_allocation_follows_the_settings_within_a_minute() {
    let (mut rig, b) = rig(5, 50).await;
    assert_eq!(spend(&b, 10).await, 5);
    rig.app.allocation.daily = 8;
    rig.app.revision += 1;
    rig.settings.put(&rig.app).await.unwrap();
    assert!(b.reserve(1).await.is_err(), "cached for a minute");
    rig.clock.advance(std::time::Duration::from_secs(60));
    assert_eq!(spend(&b, 10).await, 3);
    assert_eq!(b.allocation_in_force(), 8);
}

#[tokio::test]
async fn org_usage_reaches_the_status_store_throttled() {
    let (rig, b) = rig(15_000, 50).await;
    spend(&b, 1).await;
    b.observe(usage(100, 10_000)).await;
    assert_eq!(saved(&rig).await, Some(usage(100, 10_000)));
    for used in 101..200 {
        b.observe(usage(used, 10_000)).await;
    }
    assert_eq!(
        saved(&rig).await,
        Some(usage(100, 10_000)),
        "< 1 %: not saved"
    );
    b.observe(usage(200, 10_000)).await;
    assert_eq!(saved(&rig).await, Some(usage(200, 10_000)));
    rig.clock.advance(std::time::Duration::from_secs(300));
    b.observe(usage(201, 10_000)).await;
    assert_eq!(
        saved(&rig).await,
        Some(usage(201, 10_000)),
        "five minutes on"
    );
}

#[tokio::test]
async fn a_new_client_starts_capped_by_the_reading_another_one_saved() {
    let (rig, first) = rig(15_000, 50).await;
    assert_eq!(spend(&first, 10).await, 10);
    first.observe(usage(990, 1_000)).await; // (10 left + 10 ours) / 2: the share is spent
    assert!(first.reserve(1).await.is_err());
    // The next batch builds a new client: it refuses before making any call.
    let second = budget_on(&rig);
    let err = second.reserve(1).await.unwrap_err().to_string();
    assert!(err.contains("10/10 calls used today"), "{err}");
    // A saved reading older than ORG_READING_FRESH_FOR no longer caps a new client.
    rig.clock.advance(std::time::Duration::from_secs(600));
    assert!(budget_on(&rig).reserve(1).await.is_ok());
}

#[tokio::test]
async fn a_reading_saved_without_a_time_does_not_cap() {
    let (rig, _) = rig(15_000, 50).await;
    let untimed = SavedOrgUsage {
        used: 1_000,
        max: 1_000,
        app_used: 0,
        at: None,
    };
    save_org_usage(rig.cursors.as_ref(), &rig.app.app, &untimed)
        .await
        .unwrap();
    assert!(budget_on(&rig).reserve(1).await.is_ok());
}

#[tokio::test]
async fn an_initialization_stops_at_its_share_and_live_changes_spend_the_reserve() {
    let (_rig, b) = rig(100, 100).await;
    let init_spent = app::spending::as_initialization(spend(&b, 200)).await;
    assert_eq!(init_spent, 80, "20% of 100 calls is kept for live changes");
    let err = app::spending::as_initialization(b.reserve(1))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("kept for live changes"), "{err}");
    assert_eq!(spend(&b, 200).await, 20, "live changes spend the reserve");
}
