//! The `app::ports::JingPort` adapter against the simulator.

mod common;

use app::ports::{JingPort, NewEmployee, WriteResult};
use common::*;
use domain::Value;
use serde_json::json;
use time::OffsetDateTime;

fn fields(pairs: &[(&str, &str)]) -> app::ports::Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::text(*v)))
        .collect()
}

#[tokio::test]
async fn the_port_writes_binds_and_reads_through_the_client() {
    let sim = sim().await;
    let human = sim
        .human()
        .create_lead(json!({"name": "王芳", "email": "wf@acme.cn"}))
        .unwrap();
    let (client, _) = client(&sim);
    let port: &dyn JingPort = &client;
    let out = port
        .create(
            "lead",
            &[
                fields(&[("name", "张三")]),
                fields(&[("name", "王芳"), ("email", "WF@acme.cn")]),
                fields(&[]),
            ],
        )
        .await
        .unwrap();
    let WriteResult::Ok(created) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(out[1], WriteResult::Duplicate(vec![human.to_string()]));
    assert!(
        matches!(&out[2], WriteResult::Failed(e) if e.code == domain::ErrorCode::RequiredValueMissing)
    );
    let created = domain::JingId::parse(created).unwrap();
    let upd = port
        .update("lead", &[(created.clone(), fields(&[("title", "CTO")]))])
        .await
        .unwrap();
    assert_eq!(upd, [WriteResult::Ok(created.to_string())]);

    let page = port
        .changed_since("lead", OffsetDateTime::UNIX_EPOCH, None)
        .await
        .unwrap();
    assert_eq!(page.records.len(), 2);
    assert!(page.next.is_none());
    let ours = page.records.iter().find(|r| r.id == created).unwrap();
    assert!(ours.by_integration);
    assert_eq!(ours.fields["title"], json!("CTO"));
    assert!(
        !page
            .records
            .iter()
            .find(|r| r.id == human)
            .unwrap()
            .by_integration
    );

    assert_eq!(
        port.invalidate("lead", std::slice::from_ref(&created))
            .await
            .unwrap(),
        [WriteResult::Ok(created.to_string())]
    );
    assert_eq!(sim.count("lead"), 1);
}

#[tokio::test]
async fn the_port_lists_every_employee_and_binds_duplicates_on_create() {
    let sim = sim().await;
    for i in 0..5 {
        sim.add_employee(&format!("员工{i}"), Some(&format!("1380000000{i}")), None)
            .unwrap();
    }
    let mut cfg = config(&sim, SECRET);
    cfg.contract.page_size = 2;
    let (client, _) = client_with(&sim, cfg, None);
    let port: &dyn JingPort = &client;
    let all = port.employees().await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(calls(&sim, "employee_list"), 3);
    let existing = all
        .iter()
        .find(|e| e.mobile.as_deref() == Some("13800000003"))
        .unwrap()
        .id
        .clone();
    let new = |mobile: &str| NewEmployee {
        name: "新人".into(),
        mobile: Some(mobile.into()),
        email: None,
    };
    assert_eq!(
        port.create_employee(&new("13800000003")).await.unwrap(),
        existing
    );
    let fresh = port.create_employee(&new("13900000000")).await.unwrap();
    assert_ne!(fresh, existing);
    assert_eq!(port.employees().await.unwrap().len(), 6);
}
