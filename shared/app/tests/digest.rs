//! The error digest on the fakes with a fixed clock: grouping, one mail per app, nothing sent
//! when nothing is new, the watermark held back on a mail failure, no contacts in the body.

use domain::{AppId, ErrorCode, ObjectKind, SyncError};
use jingsf_app::digest::*;
use jingsf_app::fakes::{Fakes, FixedClock};
use jingsf_app::ports::*;
use jingsf_app::settings::{AppSettings, Environment};
use std::time::Duration;
use time::OffsetDateTime;

fn app(id: &str) -> AppId {
    AppId::parse(id).unwrap()
}

fn deps(f: &Fakes) -> DigestDeps<'_> {
    DigestDeps {
        settings: &f.settings,
        errors: &f.errors,
        cursors: &f.cursors,
        mailer: &f.mailer,
    }
}

async fn add_app(f: &Fakes, id: &str, email: Option<&str>, notify: bool) {
    let mut s = AppSettings::new(app(id), "Acme <CN>", Environment::Production, "j", "t");
    s.revision = 1;
    s.admin_email = email.map(Into::into);
    s.notify_errors = notify;
    f.settings.put(&s).await.unwrap();
}

fn t(minutes: u64) -> OffsetDateTime {
    FixedClock::DEFAULT_START + Duration::from_secs(60 * minutes)
}

async fn fail(f: &Fakes, app_id: &str, key: &str, name: &str, e: SyncError, minute: u64) {
    let rec = ErrorRecord {
        app: app(app_id),
        object: ObjectKind::Lead,
        record_key: key.into(),
        name: name.into(),
        error: e,
        count: 1,
        first_seen: t(minute),
        last_seen: t(minute),
        change: None,
    };
    f.errors.record(&rec).await.unwrap();
}

fn no_industry() -> SyncError {
    SyncError::new(ErrorCode::FieldNotAccessible)
        .field("Industry__c")
        .object("Lead")
}

async fn seed(f: &Fakes) {
    add_app(f, "acme", Some("admin@acme.example"), true).await;
    fail(
        f,
        "acme",
        "00Q000000000001AAA",
        "张三 13800138000",
        no_industry(),
        1,
    )
    .await;
    fail(f, "acme", "00Q000000000002AAA", "li@x.cn", no_industry(), 2).await;
    fail(f, "acme", "00Q000000000003AAA", "王五", no_industry(), 3).await;
    let refused = SyncError::new(ErrorCode::InvalidValue).detail("Email wang@corp.example refused");
    fail(f, "acme", "00Q000000000004AAA", "赵六", refused, 4).await;
}

#[tokio::test]
async fn one_mail_groups_new_errors_by_category_and_root_cause_without_contacts() {
    let f = Fakes::new();
    seed(&f).await;
    let report = send_digest(&deps(&f), t(10)).await.unwrap();
    assert_eq!(report.mails_sent, 1);
    let mails = f.mailer.sent();
    assert_eq!(mails.len(), 1, "one mail per app, not one per record");
    let m = &mails[0];
    assert_eq!(m.to, "admin@acme.example");
    assert!(m.subject.contains("4 records failed"), "{}", m.subject);
    for body in [&m.text, &m.html] {
        assert!(
            body.contains("API 权限错误 / API permission error: 3"),
            "{body}"
        );
        assert!(body.contains("数值错误 / Value error: 1"));
        assert!(body.contains("3 条记录 / 3 records"));
        assert!(body.contains("Field Lead.Industry__c is not visible"));
        assert!(body.contains("字段 Lead.Industry__c 对授权的 Salesforce 用户不可见"));
        assert!(body.contains("Grant field-level security"));
        assert!(body.contains("字段级安全性"));
        assert!(
            body.contains("王五 (00Q000000000003AAA)"),
            "names and ids are listed"
        );
        for secret in [
            "13800138000",
            "li@x.cn",
            "wang@corp.example",
            "admin@acme.example",
        ] {
            assert!(!body.contains(secret), "{secret} leaked into {body}");
        }
    }
    assert!(m.html.contains("Acme &lt;CN&gt;"), "HTML is escaped");
    assert!(m.text.contains("Acme <CN>"));
    assert!(m.text.contains("4 records are failing to sync."));
}

#[tokio::test]
async fn nothing_is_sent_when_nothing_is_new_and_later_errors_come_alone() {
    let f = Fakes::new();
    seed(&f).await;
    send_digest(&deps(&f), t(10)).await.unwrap();
    let quiet = send_digest(&deps(&f), t(20)).await.unwrap();
    assert_eq!(quiet.mails_sent, 0);
    assert_eq!(quiet.apps, vec![(app("acme"), AppDigest::NothingNew)]);
    assert_eq!(f.mailer.sent().len(), 1);

    // One record fails again, one is new.
    fail(&f, "acme", "00Q000000000003AAA", "王五", no_industry(), 30).await;
    let e = SyncError::new(ErrorCode::AccountNotFound);
    fail(&f, "acme", "00Q000000000009AAA", "新线索", e, 31).await;
    let r = send_digest(&deps(&f), t(40)).await.unwrap();
    assert_eq!(
        r.apps[0].1,
        AppDigest::Sent {
            errors: 2,
            newly_failing: 1,
            root_causes: 2,
            new_pauses: 0
        }
    );
    let m = &f.mailer.sent()[1];
    assert!(m.subject.contains("2 records failed"));
    assert!(m.text.contains("关联错误 / Association error: 1"));
    assert!(
        !m.text.contains("赵六"),
        "already reported errors are not repeated"
    );
}

#[tokio::test]
async fn a_mail_failure_keeps_the_watermark_so_the_next_run_resends() {
    let f = Fakes::new();
    seed(&f).await;
    f.mailer
        .fail_with(Some(MailError::Unavailable("SES throttled".into())));
    let r = send_digest(&deps(&f), t(10)).await.unwrap();
    assert_eq!(r.mails_sent, 0);
    assert!(matches!(r.apps[0].1, AppDigest::Failed { .. }));
    assert_eq!(
        f.cursors.get(&app("acme"), WATERMARK_KEY).await.unwrap(),
        None
    );

    f.mailer.fail_with(None);
    let r = send_digest(&deps(&f), t(20)).await.unwrap();
    assert_eq!(r.mails_sent, 1);
    assert!(f.mailer.sent()[0].subject.contains("4 records failed"));
    assert!(
        f.cursors
            .get(&app("acme"), WATERMARK_KEY)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn apps_without_notifications_or_address_get_no_mail() {
    let f = Fakes::new();
    add_app(&f, "muted", Some("ops@muted.example"), false).await;
    add_app(&f, "noaddr", None, true).await;
    add_app(&f, "loud", Some("ops@loud.example"), true).await;
    for id in ["muted", "noaddr", "loud"] {
        fail(&f, id, "00Q000000000001AAA", "甲", no_industry(), 1).await;
    }
    let r = send_digest(&deps(&f), t(5)).await.unwrap();
    assert_eq!(r.mails_sent, 1);
    let sent = f.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "ops@loud.example");
    let outcome = |id: &str| {
        r.apps
            .iter()
            .find(|(a, _)| a == &app(id))
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(outcome("muted"), AppDigest::NotConfigured);
    assert_eq!(outcome("noaddr"), AppDigest::NotConfigured);
}

#[tokio::test]
async fn a_safety_pause_is_announced_once_and_again_after_it_was_lifted_and_set_again() {
    use domain::Direction;
    use jingsf_app::settings::Pause;
    let f = Fakes::new();
    add_app(&f, "acme", Some("admin@acme.example"), true).await;
    let mut s = f.settings.get(&app("acme")).await.unwrap().unwrap();
    let pause = Pause {
        object: ObjectKind::Lead,
        direction: Direction::JingToSf,
        reason: SyncError::new(ErrorCode::CircuitOpen)
            .object("lead")
            .detail("within 60 minutes, delete or blank 35% (35 of 100)"),
    };
    s.paused.push(pause.clone());
    s.revision += 1;
    f.settings.put(&s).await.unwrap();

    let r = send_digest(&deps(&f), t(1)).await.unwrap();
    assert_eq!(r.mails_sent, 1);
    let m = &f.mailer.sent()[0];
    assert!(
        m.subject.contains("1 sync directions paused"),
        "{}",
        m.subject
    );
    assert!(!m.subject.contains("records failed"));
    assert!(
        m.text
            .contains("[安全保护暂停 / Safety pause] lead JING → Salesforce"),
        "{}",
        m.text
    );
    assert!(
        m.text.contains(
            "would, within 60 minutes, delete or blank 35% (35 of 100) of the bound lead records"
        ),
        "{}",
        m.text
    );
    assert!(m.text.contains("请检查暂存的变更"));
    assert!(m.html.contains("Paused sync directions"));
    assert_eq!(
        send_digest(&deps(&f), t(2)).await.unwrap().apps[0].1,
        AppDigest::NothingNew
    );

    // Lifted, then set again: announced again.
    s.paused.clear();
    s.revision += 1;
    f.settings.put(&s).await.unwrap();
    assert_eq!(send_digest(&deps(&f), t(3)).await.unwrap().mails_sent, 0);
    s.paused.push(pause);
    s.revision += 1;
    f.settings.put(&s).await.unwrap();
    let r = send_digest(&deps(&f), t(4)).await.unwrap();
    assert_eq!(r.mails_sent, 1);
    assert_eq!(f.mailer.sent().len(), 2);
}
