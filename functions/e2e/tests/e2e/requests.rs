//! AWS requests per applied change on the Lambda path, counted on moto: every request the
//! functions and the event-source mappings send (`aws::calls::CallCounter` on every client of
//! the stack), from the push to the write on the other side, echoes included. The figures of
//! docs/cost.md come from here: `cargo test -p jingsf-fn-e2e --test e2e requests -- --nocapture`.

use fn_e2e::world::World;
use serde_json::json;
use std::collections::BTreeMap;

/// Leads edited by people on each side per phase.
const N: usize = 20;

/// Requests of one phase: pushes taken in (webhook and outbound functions) and the writer with
/// its event-source mapping.
#[derive(Default)]
struct Phase {
    intake: BTreeMap<String, u64>,
    writer: BTreeMap<String, u64>,
    /// Wall time of the handlers with the simulators and moto (all on this machine).
    intake_time: std::time::Duration,
    writer_time: std::time::Duration,
}

impl Phase {
    fn add(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
        for (op, n) in from {
            *into.entry(op).or_default() += n;
        }
    }

    fn total(&self) -> u64 {
        self.intake.values().chain(self.writer.values()).sum()
    }

    fn print(&self, name: &str, applied: usize) {
        let per = |n: u64| n as f64 / applied as f64;
        println!("{name}: {applied} applied changes");
        for (part, ops) in [("intake", &self.intake), ("writer", &self.writer)] {
            let sum: u64 = ops.values().sum();
            println!("  {part}: {sum} requests ({:.2} per change)", per(sum));
            for (op, n) in ops {
                println!("    {op}: {n} ({:.2})", per(*n));
            }
        }
        let total = self.total();
        println!("  total: {total} ({:.2} per change)", per(total));
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / applied as f64;
        println!(
            "  wall time per change on moto: intake {:.1} ms, writer {:.1} ms",
            ms(self.intake_time),
            ms(self.writer_time)
        );
    }
}

/// Deliver every push of both simulators and drain the changes queue until nothing moves
/// (our writes come back as pushes too: their cost belongs to the change).
async fn settle(w: &World, phase: &mut Phase) {
    for _ in 0..10 {
        w.stack.requests.reset();
        let started = std::time::Instant::now();
        let outbound = w.sf.deliver_outbound().await;
        let webhooks = w.jing.deliver_webhooks().await;
        phase.intake_time += started.elapsed();
        Phase::add(&mut phase.intake, w.stack.requests.snapshot());
        w.stack.requests.reset();
        let started = std::time::Instant::now();
        let handed = w.drain().await;
        phase.writer_time += started.elapsed();
        Phase::add(&mut phase.writer, w.stack.requests.snapshot());
        assert!(w.jing.pending_webhooks().is_empty(), "{webhooks:?}");
        if outbound == 0 && handed == 0 {
            return;
        }
    }
    panic!("the pushes never settled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_requests_per_applied_change() {
    let w = World::connected(5).await;
    let mut sf_leads = Vec::new();
    let mut jing_leads = Vec::new();
    for i in 0..N {
        let sf = w.sf.human().create(
            "Lead",
            json!({"LastName": format!("王{i}"), "Company": "上海云帆科技有限公司", "Title": "经理"}),
        );
        sf_leads.push(sf.expect("Salesforce lead"));
        let jing = w.jing.human().create_lead(
            json!({"name": format!("李{i}"), "mobile": format!("139{i:08}"), "company_id": "杭州智能制造有限公司"}),
        );
        jing_leads.push(jing.expect("JING lead"));
    }
    let mut created = Phase::default();
    settle(&w, &mut created).await;
    created.print("creates", 2 * N);
    for (i, id) in sf_leads.iter().enumerate() {
        let title = json!({"Title": format!("总监 {i}")});
        w.sf.human().update("Lead", id, title).expect("update");
    }
    for (i, id) in jing_leads.iter().enumerate() {
        let title = json!({"title": format!("主管 {i}")});
        w.jing.human().update("lead", id, title).expect("update");
    }
    let mut updated = Phase::default();
    settle(&w, &mut updated).await;
    updated.print("updates", 2 * N);
    let ports = w.ports();
    for (i, id) in sf_leads.iter().enumerate() {
        let b = ports
            .bindings
            .by_sf(&w.app, domain::ObjectKind::Lead, id)
            .await;
        let b = b.expect("bindings").expect("bound");
        let record = w.jing.record("lead", &b.jing_id).expect("JING lead");
        assert_eq!(
            record.fields.get("title"),
            Some(&json!(format!("总监 {i}")))
        );
    }
    for (i, id) in jing_leads.iter().enumerate() {
        let b = ports
            .bindings
            .by_jing(&w.app, domain::ObjectKind::Lead, id)
            .await;
        let b = b.expect("bindings").expect("bound");
        let record = w.sf.record("Lead", &b.sf_id).expect("Salesforce lead");
        assert_eq!(record["Title"], json!(format!("主管 {i}")));
    }
    let writer_per_update = updated.writer.values().sum::<u64>() as f64 / (2 * N) as f64;
    assert!(
        writer_per_update <= 3.0,
        "the writer's path costs {writer_per_update:.2} AWS requests per applied change"
    );
    // Reads per record would show as GetItems growing with the changes (20 leads of one owner
    // once read their owner's member binding 20 times): the writer reads per group.
    let gets = updated.writer.get("DynamoDB.GetItem").copied().unwrap_or(0);
    assert!(
        gets <= 4,
        "the writer made {gets} GetItems for {} changes",
        2 * N
    );
    sizes(&w, &sf_leads[0]).await;
    idle(&w).await;
}

/// What the stored items weigh (DynamoDB bills writes per KB): a lead's binding (stored twice)
/// and the app's settings (read by every push).
async fn sizes(w: &World, lead: &domain::SfId) {
    let b = w
        .ports()
        .bindings
        .by_sf(&w.app, domain::ObjectKind::Lead, lead)
        .await;
    let b = b.expect("bindings").expect("bound");
    let binding = serde_json::to_string(&b).expect("binding").len();
    let settings = serde_json::to_string(&w.settings().await)
        .expect("settings")
        .len();
    println!(
        "sizes: a lead's binding body {binding} bytes, the app's settings body {settings} bytes"
    );
}

/// The scheduled functions on an idle app, and the secrets an app keeps.
async fn idle(w: &World) {
    let r = &w.stack.requests;
    r.reset();
    let polled = w.scheduled_poll().await;
    assert_eq!(polled.enqueued, 0, "{polled:?}");
    println!("idle sf-poller run, one app: {:?}", r.snapshot());
    r.reset();
    let event = fn_e2e::events::scheduled_event("quota-reset");
    fn_quota_reset::handler::handle(&w.f.quota, event)
        .await
        .expect("quota reset");
    println!("quota-reset run, one app: {:?}", r.snapshot());
    r.reset();
    let event = fn_e2e::events::scheduled_event("notifier");
    fn_error_notifier::handler::handle(&w.f.notifier, event)
        .await
        .expect("notifier");
    println!("error-notifier run, one app: {:?}", r.snapshot());
    r.reset();
    let sm = aws_sdk_secretsmanager::Client::new(&w.stack.sdk);
    let app = format!("/{}/", w.app);
    let (mut secrets, mut next) = (Vec::new(), None);
    loop {
        let page = sm.list_secrets().max_results(100).set_next_token(next);
        let page = page.send().await.expect("ListSecrets");
        let names = page.secret_list().iter().filter_map(|s| s.name());
        secrets.extend(names.filter(|n| n.contains(&app)).map(str::to_owned));
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    println!("secrets of the app: {} {secrets:?}", secrets.len());
    assert!(!secrets.is_empty());
}

/// The stand-in hands the writer what the deployed mapping would: its `BatchSize` in the
/// template (the request counts above depend on it).
#[test]
fn template_batch_size_is_the_stand_ins() {
    let template = include_str!("../../../../template.yaml");
    let mapping = template
        .split("Queue: !GetAtt ChangesQueue.Arn")
        .nth(1)
        .expect("the writer's event source on the changes queue");
    let size = mapping
        .lines()
        .find_map(|l| l.trim().strip_prefix("BatchSize:"))
        .expect("its BatchSize");
    assert_eq!(
        size.trim().parse::<usize>().expect("a number"),
        fn_e2e::world::WRITER_BATCH_SIZE
    );
}
