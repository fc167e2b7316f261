//! `jingsf demo --exit` end to end: its summary must agree with the simulators' own counts, and
//! every record of both systems must be either synced (bound) or listed as failed.

use app::ports::{BindingStore, ErrorStore, ListQuery};
use domain::{Category, ObjectKind, SfId};
use jingsf::demo::{DemoOptions, Sizes, run_stage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_summary_matches_the_simulators_own_counts() {
    let dir = std::env::temp_dir().join(format!("jingsf-demo-test-{}", std::process::id()));
    let sizes = Sizes {
        users: 30,
        sf_accounts: 100,
        sf_leads: 300,
        jing_accounts: 60,
        jing_leads: 220,
    };
    let opts = DemoOptions {
        data_dir: dir.clone(),
        exit: true,
        port: 0,
        sizes,
        json: false,
    };
    let (stage, s) = run_stage(opts).await.expect("the demo runs");
    let store = stage.store();
    let app = &stage.app;

    // The Salesforce figure is the simulated org's own count of API calls.
    let carried: u64 = stage.sf_calls_carried.iter().map(|(_, n)| n).sum();
    assert_eq!(s.sf_api_calls, stage.sf.calls().total + carried);
    // At this small size the fixed costs (OAuth, describes, counts) dominate; the full demo
    // reports the real figure. The vendor's design costs up to 4 calls per record.
    assert!(
        s.sf_calls_per_record < 0.1,
        "{} calls per record",
        s.sf_calls_per_record
    );

    // Every lead and account of both systems is either bound (synced) or a recorded failure.
    for (object, sf_name, jing_name) in [
        (ObjectKind::Lead, "Lead", "lead"),
        (ObjectKind::Account, "Account", "account"),
    ] {
        let bound = BindingStore::count(store, app, object).await.unwrap() as usize;
        let q = ListQuery {
            object: Some(object),
            limit: 0,
            ..ListQuery::default()
        };
        let failed = ErrorStore::list(store, app, &q).await.unwrap().items;
        let sf_failed = failed
            .iter()
            .filter(|e| SfId::parse(&e.record_key).is_ok())
            .count();
        let jing_failed = failed.len() - sf_failed;
        assert_eq!(
            stage.sf.count(sf_name),
            bound + sf_failed,
            "{sf_name}: bound {bound}, failed {sf_failed}"
        );
        assert_eq!(
            stage.jing.count(jing_name),
            bound + jing_failed,
            "{jing_name}: bound {bound}, failed {jing_failed}"
        );
        let synced = s
            .synced_per_object
            .iter()
            .find(|(o, _)| *o == object)
            .map_or(0, |(_, n)| *n);
        assert_eq!(
            synced as usize, bound,
            "{object}: one success row per bound pair"
        );
    }

    // The scenarios did what they say.
    assert_eq!(s.live.sf_edits, 20);
    assert_eq!(s.live.jing_edits, 20);
    assert!(s.live.conflicts_recorded >= 1);
    assert!(s.live.conversion_bound_opportunity);
    assert!(s.live.parked_when_allocation_spent > 0);
    assert!(s.live.applied_after_reset > 0);
    assert!(
        s.writer.bound_existing >= s.planted_lead_duplicates as u64,
        "duplicates bind instead of duplicating"
    );
    let values = s
        .errors
        .iter()
        .find(|e| e.category == Category::Value)
        .map_or(0, |e| e.records);
    assert!(
        values >= 1,
        "the planted bad values are value errors: {:?}",
        s.errors
    );
    assert!(
        s.errors.iter().all(|e| e.category != Category::Quota),
        "a spent allocation parks, never fails"
    );
    let _ = std::fs::remove_dir_all(dir);
}
