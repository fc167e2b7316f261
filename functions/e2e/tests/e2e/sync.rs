//! Both push paths end to end: simulator → API Gateway stand-in → function → SQS (moto) →
//! writer function (SQS event from the received messages) → the other simulator.

use domain::ObjectKind;
use fn_e2e::world::World;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_salesforce_outbound_message_reaches_jing() {
    let w = World::connected(5).await;
    let lead = w
        .sf
        .human()
        .create(
            "Lead",
            json!({"LastName": "王伟", "Company": "上海云帆科技有限公司", "MobilePhone": "13800138000", "Title": "市场总监"}),
        )
        .expect("lead");
    let jing_leads_before = w.jing.count("lead");
    let delivered = w.sf.deliver_outbound().await;
    assert!(
        delivered >= 1,
        "the simulator delivered no outbound message"
    );
    assert_eq!(
        w.sf.outbound_pending(),
        0,
        "the outbound message was not acknowledged"
    );
    let handed = w.drain().await;
    assert!(handed >= 1, "nothing reached the changes queue");
    let binding = w
        .ports()
        .bindings
        .by_sf(&w.app, ObjectKind::Lead, &lead)
        .await
        .expect("bindings")
        .expect("the lead is bound to a JING lead");
    let record = w
        .jing
        .record("lead", &binding.jing_id)
        .expect("JING has the lead");
    assert_eq!(record.fields.get("title"), Some(&json!("市场总监")));
    assert_eq!(w.jing.count("lead"), jing_leads_before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jing_webhook_reaches_salesforce() {
    let w = World::connected(5).await;
    let jing_id = w
        .jing
        .human()
        .create_lead(json!({"name": "李娜", "mobile": "13900139000", "company_id": "杭州智能制造有限公司", "title": "采购主管"}))
        .expect("lead");
    let report = w.jing.deliver_webhooks().await;
    assert!(
        w.jing.pending_webhooks().is_empty(),
        "webhooks left undelivered: {report:?}"
    );
    let handed = w.drain().await;
    assert!(handed >= 1, "nothing reached the changes queue");
    let binding = w
        .ports()
        .bindings
        .by_jing(&w.app, ObjectKind::Lead, &jing_id)
        .await
        .expect("bindings")
        .expect("the JING lead is bound to a Salesforce lead");
    let record =
        w.sf.record("Lead", &binding.sf_id)
            .expect("Salesforce has the lead");
    assert_eq!(record["Title"], json!("采购主管"));
}
