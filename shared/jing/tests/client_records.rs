//! Records against the simulator: batching, partial failure, dedup binding, paging, get,
//! update, invalidate, metadata.

mod common;

use common::*;
use domain::{ErrorCode, JingId, ObjectKind, Value};
use jing::{FieldTypes, FieldValues, JingError, RecordUpdate, WriteOutcome};
use jingsf_jing as jing;
use serde_json::json;
use std::collections::HashSet;
use time::OffsetDateTime;

fn lead(pairs: &[(&str, &str)]) -> FieldValues {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::text(*v)))
        .collect()
}

fn failed(o: &WriteOutcome) -> &domain::SyncError {
    match o {
        WriteOutcome::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batch_reports_each_item_and_binds_duplicates() {
    let sim = sim().await;
    let existing = sim
        .human()
        .create_lead(json!({"name": "王芳", "mobile": "13800138000"}))
        .unwrap();
    let (client, _) = client(&sim);
    let batch = vec![
        lead(&[
            ("name", "张三"),
            ("mobile", "13900139000"),
            ("life_status", "following"),
        ]),
        lead(&[("mobile", "13700137000")]),
        lead(&[("name", "李四"), ("life_status", "vip")]),
        lead(&[("name", "王芳 (dup)"), ("mobile", "+86 138-0013-8000")]),
        lead(&[("name", "赵六"), ("custom_x", "1")]),
        lead(&[("name", "钱七"), ("email", "not-an-email")]),
        lead(&[("name", "孙八"), ("owner", "NoSuchEmployee123")]),
    ];
    let out = client.batch_create("lead", &batch).await.unwrap();
    assert_eq!(out.len(), 7);
    let WriteOutcome::Created(created) = &out[0] else {
        panic!("{:?}", out[0])
    };
    assert_eq!(
        sim.record("lead", created).unwrap().fields["life_status"],
        json!("following")
    );
    let e = failed(&out[1]);
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::RequiredValueMissing, Some("name"))
    );
    let e = failed(&out[2]);
    assert_eq!(
        (e.code, e.field.as_deref(), e.detail.as_str()),
        (ErrorCode::InvalidPicklistValue, Some("life_status"), "vip")
    );
    assert_eq!(out[3], WriteOutcome::BoundToExisting(existing));
    assert_eq!(failed(&out[4]).code, ErrorCode::MappedFieldMissing);
    assert_eq!(failed(&out[5]).code, ErrorCode::InvalidValue);
    assert_eq!(failed(&out[6]).code, ErrorCode::BadReference);
    assert_eq!(sim.count("lead"), 2);
    assert_eq!(calls(&sim, "object_batch_create"), 1);
}

#[tokio::test]
async fn accounts_dedup_by_name() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    let acc = |name: &str| lead(&[("company_id", name), ("industry", "education")]);
    let out = client
        .batch_create(
            "account",
            &[acc("中山大学"), acc("复旦大学"), acc("中山大学")],
        )
        .await
        .unwrap();
    let WriteOutcome::Created(first) = &out[0] else {
        panic!("{out:?}")
    };
    assert!(matches!(out[1], WriteOutcome::Created(_)));
    assert_eq!(out[2], WriteOutcome::BoundToExisting(first.clone()));
    let bad = client
        .batch_create(
            "account",
            &[lead(&[("company_id", "X"), ("industry", "mining")])],
        )
        .await
        .unwrap();
    assert_eq!(failed(&bad[0]).code, ErrorCode::InvalidPicklistValue);
}

#[tokio::test]
async fn large_writes_are_split_into_batches_and_listing_pages_through_all() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    let records: Vec<FieldValues> = (0..250)
        .map(|i| {
            lead(&[
                ("name", &format!("lead {i}")),
                ("mobile", &format!("139{i:08}")),
            ])
        })
        .collect();
    let out = client.batch_create("lead", &records).await.unwrap();
    assert!(out.iter().all(|o| matches!(o, WriteOutcome::Created(_))));
    assert_eq!(calls(&sim, "object_batch_create"), 3);
    assert_eq!(sim.count("lead"), 250);

    let types = FieldTypes::defaults(ObjectKind::Lead);
    let (mut seen, mut cursor, mut pages) = (HashSet::new(), None::<String>, 0);
    loop {
        let page = client
            .list_changed(
                "lead",
                OffsetDateTime::UNIX_EPOCH,
                cursor.as_deref(),
                &types,
            )
            .await
            .unwrap();
        pages += 1;
        for r in page.records {
            assert!(seen.insert(r.id.clone()), "record {} listed twice", r.id);
            assert!(matches!(r.fields["mobile"], Value::Text(_)));
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (250, 3));
    assert_eq!(calls(&sim, "object_list"), 3);
    // Nothing changed after "now": an empty page and no cursor.
    let later = sim.clock().now() + std::time::Duration::from_secs(1);
    let empty = client
        .list_changed("lead", later, None, &types)
        .await
        .unwrap();
    assert!(empty.records.is_empty() && empty.next_cursor.is_none());
}

#[tokio::test]
async fn get_update_and_invalidate_by_id() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    let a = sim
        .human()
        .create_lead(json!({"name": "甲", "email": "a@example.cn"}))
        .unwrap();
    let b = sim
        .human()
        .create_lead(json!({"name": "乙", "email": "b@example.cn"}))
        .unwrap();
    let ghost = JingId::parse("GhostGhostGhostGhost22").unwrap();
    let updates = vec![
        RecordUpdate {
            id: a.clone(),
            fields: lead(&[("title", "CTO"), ("life_status", "following")]),
        },
        RecordUpdate {
            id: b.clone(),
            fields: lead(&[("email", "A@example.cn")]),
        },
        RecordUpdate {
            id: ghost.clone(),
            fields: lead(&[("title", "x")]),
        },
        RecordUpdate {
            id: b.clone(),
            fields: lead(&[("name", "")]),
        },
    ];
    let out = client.batch_update("lead", &updates).await.unwrap();
    assert_eq!(out[0], WriteOutcome::Updated(a.clone()));
    assert_eq!(
        failed(&out[1]).code,
        ErrorCode::InvalidValue,
        "a duplicate on update is not a binding"
    );
    assert_eq!(failed(&out[2]).code, ErrorCode::BadReference);
    assert_eq!(failed(&out[3]).code, ErrorCode::RequiredValueMissing);

    let types = FieldTypes::defaults(ObjectKind::Lead);
    let got = client
        .get_records("lead", &[a.clone(), ghost.clone()], &types)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].fields["title"], Value::text("CTO"));
    assert_eq!(got[0].fields["life_status"], Value::text("following"));
    assert!(
        client
            .get_record("lead", &ghost, &types)
            .await
            .unwrap()
            .is_none()
    );
    // Our update makes `a` an echo; `b` was last changed by a person.
    assert!(got[0].by_integration);
    let b_now = client
        .get_record("lead", &b, &types)
        .await
        .unwrap()
        .unwrap();
    assert!(!b_now.by_integration);

    let out = client
        .invalidate("lead", &[a.clone(), ghost])
        .await
        .unwrap();
    assert_eq!(out[0], WriteOutcome::Invalidated(a.clone()));
    assert_eq!(failed(&out[1]).code, ErrorCode::BadReference);
    assert!(
        client
            .get_record("lead", &a, &types)
            .await
            .unwrap()
            .unwrap()
            .invalid
    );
    let again = client
        .batch_update(
            "lead",
            &[RecordUpdate {
                id: a,
                fields: lead(&[("title", "CEO")]),
            }],
        )
        .await
        .unwrap();
    assert_eq!(failed(&again[0]).code, ErrorCode::BadReference);
    assert_eq!(sim.count("lead"), 1);
}

#[tokio::test]
async fn metadata_describes_types_options_and_required_fields() {
    let sim = sim().await;
    let (client, _) = client(&sim);
    let fields = client.field_metadata("lead").await.unwrap();
    let by = |code: &str| fields.iter().find(|f| f.code == code).unwrap();
    assert!(by("name").required);
    assert!(!by("email").required);
    assert_eq!(by("life_status").ty, domain::FieldType::Picklist);
    assert!(by("life_status").options.contains(&"baby_lead".to_owned()));
    assert_eq!(by("email").ty, domain::FieldType::Email);
    assert_eq!(by("name").ty, domain::FieldType::Text { max_len: 80 });
    let err = client.field_metadata("contact").await.unwrap_err();
    assert!(
        matches!(err, JingError::Record(ref e) if e.code == ErrorCode::InvalidValue),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_denied_object_is_a_permission_error() {
    let sim = sim().await;
    sim.faults().deny_object("account");
    let (client, _) = client(&sim);
    let err = client
        .batch_create("account", &[lead(&[("company_id", "X")])])
        .await
        .unwrap_err();
    match err {
        JingError::Record(e) => {
            assert_eq!(e.code, ErrorCode::JingPermissionDenied);
            assert_eq!(e.category(), domain::Category::ApiPermission);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_answer_outside_the_contract_is_a_protocol_error() {
    let sim = sim().await;
    let mut cfg = config(&sim, SECRET);
    cfg.contract.paths.object_fields = "/v1/crm/object/no_such_path".into();
    let (client, _) = client_with(&sim, cfg, None);
    let err = client.field_metadata("lead").await.unwrap_err();
    assert!(
        matches!(err, JingError::Protocol(ref d) if d.contains("HTTP 404")),
        "{err:?}"
    );
    assert_eq!(err.next_step(), domain::NextStep::Record);
}

#[tokio::test]
async fn records_changed_while_paging_are_not_skipped() {
    let sim = sim().await;
    let mut cfg = config(&sim, SECRET);
    cfg.contract.page_size = 2;
    let (client, _) = client_with(&sim, cfg, None);
    let ids: Vec<JingId> = (0..5)
        .map(|i| {
            let id = sim
                .human()
                .create_lead(json!({ "name": format!("L{i}") }))
                .unwrap();
            sim.clock().advance(std::time::Duration::from_millis(10));
            id
        })
        .collect();
    let types = FieldTypes::defaults(ObjectKind::Lead);
    let first = client
        .list_changed("lead", OffsetDateTime::UNIX_EPOCH, None, &types)
        .await
        .unwrap();
    assert_eq!(
        first.records.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&ids[0], &ids[1]]
    );
    // While we page: one record already seen and one not yet seen change.
    sim.human()
        .update("lead", &ids[0], json!({"title": "新"}))
        .unwrap();
    sim.clock().advance(std::time::Duration::from_millis(10));
    sim.human()
        .update("lead", &ids[3], json!({"title": "新"}))
        .unwrap();
    let mut seen = Vec::new();
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let page = client
            .list_changed("lead", OffsetDateTime::UNIX_EPOCH, Some(&c), &types)
            .await
            .unwrap();
        seen.extend(page.records.into_iter().map(|r| r.id));
        cursor = page.next_cursor;
    }
    // The keyset cursor moves changed records to the end: nothing is skipped, the changed ones
    // come (again) with their new values.
    assert_eq!(
        seen,
        [
            ids[2].clone(),
            ids[4].clone(),
            ids[0].clone(),
            ids[3].clone()
        ]
    );
}
