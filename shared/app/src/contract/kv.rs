//! Contracts of [`CursorStore`], [`IdempotencyStore`] and [`Ledger`].

use super::fixtures::*;
use crate::ports::{
    ConflictEntry, ConflictKey, CursorStore, IdempotencyStore, JournalEntry, Ledger, ListQuery,
    Settlement,
};
use domain::ObjectKind::{Account, Lead};
use domain::rules::Conflict;
use domain::{AppId, Direction, ObjectKind, Side, Value};
use time::OffsetDateTime;

/// Get/put per (app, key), overwrite, and isolation between apps and keys.
pub async fn cursor_store(store: &dyn CursorStore) {
    let (a, b) = (app("cursor-a"), app("cursor-b"));
    assert_eq!(
        store.get(&a, "sf.lead").await.unwrap(),
        None,
        "unknown cursor is None"
    );
    let json = r#"{"since":"2024-05-01T10:00:00.000+0000","id":"00Q000000000001EAA"}"#;
    store.put(&a, "sf.lead", json).await.unwrap();
    assert_eq!(
        store.get(&a, "sf.lead").await.unwrap().as_deref(),
        Some(json),
        "round trip"
    );
    store.put(&a, "sf.lead", "\"v2 — 第二版\"").await.unwrap();
    assert_eq!(
        store.get(&a, "sf.lead").await.unwrap().as_deref(),
        Some("\"v2 — 第二版\""),
        "overwrite"
    );
    assert_eq!(
        store.get(&b, "sf.lead").await.unwrap(),
        None,
        "app isolation"
    );
    assert_eq!(
        store.get(&a, "sf.account").await.unwrap(),
        None,
        "key isolation"
    );
    store.put(&b, "sf.lead", "\"b\"").await.unwrap();
    assert_eq!(
        store.get(&a, "sf.lead").await.unwrap().as_deref(),
        Some("\"v2 — 第二版\"")
    );
    member_directory_round_trip(store).await;
}

/// A member directory of 8,000 users (more than one DynamoDB item holds) is stored in chunks
/// and read back whole; the next save replaces it.
async fn member_directory_round_trip(store: &dyn CursorStore) {
    use crate::members::{MemberDirectory, load_directory, save_directory};
    use crate::ports::{Employee, SfUser};
    let a = app("directory-a");
    let users = (0..8_000u32)
        .map(|i| SfUser {
            id: domain::SfId::parse(&format!("005{i:012}AAA")).unwrap(),
            name: format!("用户{i} 欧阳明月"),
            email: Some(format!("user{i}@acme.example")),
            mobile: Some(format!("+86 138 {:04} {:04}", i / 10_000, i % 10_000)),
            active: i % 9 != 0,
        })
        .collect();
    let big = MemberDirectory {
        taken_at: at(60),
        users,
        employees: vec![Employee {
            id: domain::JingId::parse("emp-1").unwrap(),
            name: "王五".into(),
            mobile: None,
            email: None,
        }],
    };
    assert_eq!(load_directory(store, &a).await.unwrap(), None, "none yet");
    save_directory(store, &a, &big).await.unwrap();
    assert_eq!(
        load_directory(store, &a).await.unwrap().as_ref(),
        Some(&big),
        "round trip"
    );
    let small = MemberDirectory {
        users: big.users[..3].to_vec(),
        ..big.clone()
    };
    save_directory(store, &a, &small).await.unwrap();
    assert_eq!(
        load_directory(store, &a).await.unwrap(),
        Some(small),
        "replaced"
    );
}

/// First claim wins; duplicates refused until the claim expires; release frees a key.
pub async fn idempotency_store(store: &dyn IdempotencyStore) {
    let key = "app-a|lead|jing|jg000001X|1714557600000|5d7170bac0ac03a8";
    let ttl = time::Duration::hours(24);
    assert!(
        store.claim(key, at(0) + ttl, at(0)).await.unwrap(),
        "first claim wins"
    );
    assert!(
        !store.claim(key, at(10) + ttl, at(10)).await.unwrap(),
        "duplicate refused"
    );
    let just_before = at(0) + ttl - time::Duration::seconds(1);
    assert!(
        !store
            .claim(key, just_before + ttl, just_before)
            .await
            .unwrap(),
        "still held"
    );
    let other_app = key.replacen("app-a", "app-b", 1);
    assert!(
        store.claim(&other_app, at(10) + ttl, at(10)).await.unwrap(),
        "keys are independent"
    );
    let after = at(0) + ttl + time::Duration::seconds(1);
    assert!(
        store.claim(key, after + ttl, after).await.unwrap(),
        "expired claim is re-claimed"
    );
    assert!(
        !store.claim(key, after + ttl, after).await.unwrap(),
        "the new claim holds"
    );
    store.release(key).await.unwrap();
    assert!(
        store.claim(key, after + ttl, after).await.unwrap(),
        "released claim is re-claimed"
    );
    store
        .release("never-claimed")
        .await
        .expect("releasing an unknown key is fine");
    assert!(
        !store.claim(&other_app, at(20) + ttl, at(20)).await.unwrap(),
        "release was per key"
    );
}

/// Conflicts newest first with filters and paging; journal per record in time order.
pub async fn ledger(ledger: &dyn Ledger) {
    conflicts_are_listed_newest_first(ledger).await;
    conflicts_are_settled_per_record_field(ledger).await;
    journal_is_kept_per_record(ledger).await;
}

/// Settling marks every open entry of one record's field (and nothing else); a second
/// settlement of the same field finds none open.
async fn conflicts_are_settled_per_record_field(ledger: &dyn Ledger) {
    let (a, b) = (app("settle-a"), app("settle-b"));
    for (key, field, secs) in [
        ("K1", "Phone", 10),
        ("K1", "Phone", 20),
        ("K1", "Email", 30),
    ] {
        ledger
            .add_conflict(&conflict(&a, Lead, key, field, at(secs)))
            .await
            .unwrap();
    }
    ledger
        .add_conflict(&conflict(&b, Lead, "K1", "Phone", at(5)))
        .await
        .unwrap();
    let key = ConflictKey {
        object: Lead,
        record_key: "K1",
        field: "Phone",
    };
    let how = Settlement {
        keep: Side::Salesforce,
        by: "管理员 admin".into(),
        at: at(40),
    };
    assert_eq!(ledger.settle_conflicts(&a, &key, &how).await.unwrap(), 2);
    assert_eq!(
        ledger.settle_conflicts(&a, &key, &how).await.unwrap(),
        0,
        "already settled"
    );
    let all = ledger.conflicts(&a, &ListQuery::default()).await.unwrap();
    let settled: Vec<(&str, Option<&Settlement>)> = all
        .items
        .iter()
        .map(|c| (c.field.as_str(), c.settled.as_ref()))
        .collect();
    assert_eq!(
        settled,
        [
            ("Email", None),
            ("Phone", Some(&how)),
            ("Phone", Some(&how))
        ],
        "newest first, settlement round trip"
    );
    let other = ledger.conflicts(&b, &ListQuery::default()).await.unwrap();
    assert_eq!(other.items[0].settled, None, "app isolation");
}

async fn conflicts_are_listed_newest_first(ledger: &dyn Ledger) {
    let (a, b) = (app("ledger-a"), app("ledger-b"));
    let rows = [
        ("K1", Lead, "Phone", 10),
        ("K2", Account, "Name", 30),
        ("K1", Lead, "Email", 20),
    ];
    for (key, object, field, secs) in rows {
        let entry = conflict(&a, object, key, field, at(secs));
        ledger.add_conflict(&entry).await.unwrap();
    }
    let other = conflict(&b, Lead, "K1", "Phone", at(15));
    ledger.add_conflict(&other).await.unwrap();
    let all = ledger.conflicts(&a, &ListQuery::default()).await.unwrap();
    assert_eq!(
        all.items.last(),
        Some(&conflict(&a, Lead, "K1", "Phone", at(10))),
        "round trip"
    );
    let cases: [(&str, ListQuery, &[&str], u64); 4] = [
        (
            "newest first, per app",
            query("", None, None, 0, 0),
            &["Name", "Email", "Phone"],
            3,
        ),
        (
            "object filter and paging",
            query("", Some(Lead), None, 0, 1),
            &["Email"],
            2,
        ),
        (
            "search by record key",
            query("k2", None, None, 0, 0),
            &["Name"],
            1,
        ),
        (
            "search by field",
            query("PHONE", None, None, 0, 0),
            &["Phone"],
            1,
        ),
    ];
    for (what, q, fields, total) in cases {
        let page = ledger.conflicts(&a, &q).await.unwrap();
        let got: Vec<&str> = page.items.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            (got.as_slice(), page.total),
            (fields, total),
            "conflicts: {what}"
        );
    }
    let b_page = ledger.conflicts(&b, &ListQuery::default()).await.unwrap();
    assert_eq!(b_page.items, vec![other], "app isolation");
}

async fn journal_is_kept_per_record(ledger: &dyn Ledger) {
    let (a, b) = (app("journal-a"), app("journal-b"));
    let entries = [
        journal(&a, "K1", 20, "新"),
        journal(&a, "K1", 10, "旧"),
        journal(&a, "K2", 15, "x"),
    ];
    ledger.journal(&entries).await.unwrap();
    ledger.journal(&[journal(&b, "K1", 5, "b")]).await.unwrap();
    let k1 = ledger.journal_for(&a, Lead, "K1").await.unwrap();
    let oldest_first = vec![entries[1].clone(), entries[0].clone()];
    assert_eq!(k1, oldest_first, "journal of a record, oldest first");
    let other_object = ledger.journal_for(&a, Account, "K1").await.unwrap();
    assert!(other_object.is_empty(), "per object");
    let other_app = ledger.journal_for(&b, Lead, "K1").await.unwrap();
    assert_eq!(other_app.len(), 1, "app isolation");
    ledger
        .journal(&[])
        .await
        .expect("an empty journal batch is fine");
}

fn conflict(
    app: &AppId,
    object: ObjectKind,
    key: &str,
    field: &str,
    when: OffsetDateTime,
) -> ConflictEntry {
    ConflictEntry {
        app: app.clone(),
        object,
        record_key: key.to_owned(),
        field: field.to_owned(),
        conflict: Conflict {
            incoming: Value::text("138 0000 0000"),
            target: Value::Number(7.0),
            winner: Side::Jing,
        },
        at: when,
        direction: Some(domain::Direction::JingToSf),
        settled: None,
    }
}

fn journal(app: &AppId, key: &str, secs: i64, after: &str) -> JournalEntry {
    JournalEntry {
        app: app.clone(),
        object: Lead,
        record_key: key.to_owned(),
        direction: Direction::JingToSf,
        before: [("LastName".to_owned(), Value::Empty)]
            .into_iter()
            .collect(),
        after: [("LastName".to_owned(), Value::text(after))]
            .into_iter()
            .collect(),
        at: at(secs),
    }
}
