//! The circuit breaker over its rolling window, on every store: a mass delete trickling in over
//! many small batches trips it; a window that rolled on starts counting again; mass overwrites
//! trip at their own threshold while filling empty fields never does.

use super::writer::{Stores, World, app, jing_lead};
use crate::settings::{AppSettings, DeleteAction};
use domain::{Direction, ErrorCode, ObjectKind, Operation};

async fn world_with_100_leads(stores: Stores, title: Option<&str>) -> World {
    let mut w = World::new(stores);
    if let Some(o) = w.settings.objects.get_mut(&ObjectKind::Lead) {
        o.jing_to_sf.on_delete = DeleteAction::Delete;
    }
    w.settings.revision = 1;
    w.f.settings.put(&w.settings).await.unwrap();
    let creates = (0..100)
        .map(|i| {
            let (name, email) = (format!("n{i}"), format!("p{i}@x.cn"));
            let mut pairs = vec![
                ("name", name.as_str()),
                ("company_id", "X"),
                ("email", email.as_str()),
            ];
            pairs.extend(title.map(|t| ("title", t)));
            jing_lead(&format!("L{i}"), 1, &pairs)
        })
        .collect();
    assert_eq!(w.apply(creates).await.counts.created, 100);
    w
}

fn deletes(range: std::ops::Range<usize>, minutes: i64) -> Vec<domain::Change> {
    range
        .map(|i| {
            let mut d = jing_lead(&format!("L{i}"), minutes, &[]);
            d.op = Operation::Delete;
            d
        })
        .collect()
}

/// Bound leads: a delete written to Salesforce unbinds its record.
async fn bound(w: &World) -> u64 {
    w.f.bindings.count(&app(), ObjectKind::Lead).await.unwrap()
}

async fn paused(w: &World) -> Vec<crate::settings::Pause> {
    let saved: AppSettings = w.f.settings.get(&app()).await.unwrap().unwrap();
    saved.paused
}

pub async fn a_mass_delete_in_small_batches_trips_the_breaker(stores: Stores) {
    let w = world_with_100_leads(stores, None).await;
    let mut held = 0;
    for batch in 0..10 {
        let r = w.apply(deletes(batch * 6..batch * 6 + 6, 2)).await;
        held += r.counts.parked;
    }
    // 48 deletes pass (below the 50 minimum); the 9th batch makes 54 % of 100 bound: held.
    assert_eq!(bound(&w).await, 52, "deletes stopped at the trip");
    assert_eq!(held, 12, "the tripping batch and the next are held");
    let p = paused(&w).await;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].reason.code, ErrorCode::CircuitOpen);
    assert_eq!(p[0].direction, Direction::JingToSf);
    let detail = p[0].reason.detail.clone();
    assert!(detail.contains("within 60 minutes"), "{detail}");
    let listed =
        w.f.errors
            .get(&app(), ObjectKind::Lead, "L50")
            .await
            .unwrap();
    assert_eq!(
        listed.map(|e| e.error.code),
        Some(ErrorCode::CircuitOpen),
        "a held change is listed among the failures with cause and fix"
    );
}

pub async fn deletes_spread_beyond_the_window_do_not_trip_it(stores: Stores) {
    let w = world_with_100_leads(stores, None).await;
    w.apply(deletes(0..45, 2)).await;
    w.f.clock.advance(std::time::Duration::from_secs(7200));
    let r = w.apply(deletes(45..90, 130)).await;
    assert_eq!(r.counts.parked, 0, "{:?}", r.counts);
    assert_eq!(bound(&w).await, 10);
    assert!(paused(&w).await.is_empty());
}

pub async fn mass_overwrites_trip_at_their_own_threshold_fills_never(stores: Stores) {
    let w = world_with_100_leads(stores, None).await;
    let fill = |title: &'static str, minutes| {
        (0..100)
            .map(move |i| jing_lead(&format!("L{i}"), minutes, &[("title", title)]))
            .collect::<Vec<_>>()
    };
    let r = w.apply(fill("CEO", 2)).await;
    assert_eq!(r.counts.parked, 0, "filling empty fields is no overwrite");
    assert!(paused(&w).await.is_empty());
    let r = w.apply(fill("CTO", 3)).await;
    assert_eq!(r.counts.parked, 100, "{:?}", r.counts);
    let p = paused(&w).await;
    assert_eq!(p.len(), 1);
    let detail = p[0].reason.detail.clone();
    assert!(detail.ends_with("overwrite 100% (100 of 100)"), "{detail}");
}
