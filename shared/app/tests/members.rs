//! Member use cases on the fakes: auto-match with Chinese phone formats and e-mail case,
//! unmatched and ambiguous users, manual bind/rebind, create as a new member.

use domain::{AppId, ErrorCode, JingId, ObjectKind, SfId, SyncError, Value};
use jingsf_app::fake_remote::{FakeJing, FakeSalesforce};
use jingsf_app::fakes::Fakes;
use jingsf_app::members::*;
use jingsf_app::ports::{BindingStore, Fields, JingPort, SalesforcePort};
use jingsf_app::settings::{AppSettings, Environment};

struct World {
    fakes: Fakes,
    sf: FakeSalesforce,
    jing: FakeJing,
    settings: AppSettings,
}

impl World {
    fn new() -> Self {
        let app = AppId::parse("acme").unwrap();
        Self {
            fakes: Fakes::new(),
            sf: FakeSalesforce::new(),
            jing: FakeJing::new(),
            settings: AppSettings::new(app, "Acme", Environment::Production, "jing-app", "t1"),
        }
    }
    fn deps(&self) -> MemberDeps<'_> {
        MemberDeps {
            bindings: &self.fakes.bindings,
            sf: &self.sf,
            jing: &self.jing,
            clock: &self.fakes.clock,
        }
    }
    fn user(&self, name: &str, mobile: Option<&str>, email: Option<&str>) -> SfId {
        let mut f = Fields::new();
        f.insert("Name".into(), Value::text(name));
        if let Some(m) = mobile {
            f.insert("MobilePhone".into(), Value::text(m));
        }
        if let Some(e) = email {
            f.insert("Email".into(), Value::text(e));
        }
        self.sf.insert("User", f)
    }
    fn app(&self) -> &AppId {
        &self.settings.app
    }
    async fn bound_to(&self, user: &SfId) -> Option<JingId> {
        self.fakes
            .bindings
            .by_sf(self.app(), ObjectKind::Member, user)
            .await
            .unwrap()
            .map(|b| b.jing_id)
    }
}

#[tokio::test]
async fn auto_match_normalizes_chinese_phone_formats_and_email_case() {
    let w = World::new();
    let wang = w.user("王伟", Some("+86 138 0013 8000"), None);
    let li = w.user("李娜", Some("１３９００１３９０００"), Some("x@y.cn"));
    let zhao = w.user("赵敏", None, Some("Zhao.Min@Acme.Example"));
    let e_wang = w.jing.add_employee("王伟", Some("13800138000"), None);
    let e_li = w.jing.add_employee("李娜", Some("139-0013-9000"), None);
    let e_zhao = w
        .jing
        .add_employee("赵敏", None, Some(" zhao.min@acme.example "));

    let report = sync_members(&w.deps(), &w.settings).await.unwrap();

    assert_eq!(report.bound.len(), 3, "{report:?}");
    assert_eq!(w.bound_to(&wang).await, Some(e_wang));
    assert_eq!(w.bound_to(&li).await, Some(e_li));
    assert_eq!(w.bound_to(&zhao).await, Some(e_zhao.clone()));
    let zhao_binding = report.bound.iter().find(|b| b.user == zhao).unwrap();
    assert_eq!(zhao_binding.by, MatchKey::Email);
    // One listing call on each side, whatever the number of users.
    assert_eq!(report.calls, 2);
    assert_eq!(w.sf.calls_made(), 1);
    assert_eq!(w.jing.calls(), 1);
    // Never a Salesforce write: the users are untouched.
    assert_eq!(w.sf.count("User"), 3);
    assert_eq!(
        w.sf.record(&wang).unwrap()["MobilePhone"],
        Value::text("+86 138 0013 8000")
    );
}

#[tokio::test]
async fn unmatched_users_are_listed_unbound_and_a_second_run_binds_nothing_new() {
    let w = World::new();
    let lonely = w.user("孤独", Some("13700000000"), Some("alone@acme.example"));
    let paired = w.user("配对", Some("13600000000"), None);
    let mut inactive = Fields::new();
    inactive.insert("Name".into(), Value::text("离职"));
    inactive.insert("MobilePhone".into(), Value::text("13500000000"));
    inactive.insert("IsActive".into(), Value::Bool(false));
    let gone = w.sf.insert("User", inactive);
    w.jing.add_employee("配对", Some("+86 136 0000 0000"), None);
    w.jing.add_employee("离职", Some("13500000000"), None);

    let first = sync_members(&w.deps(), &w.settings).await.unwrap();
    assert_eq!(first.unbound, vec![lonely.clone()]);
    assert_eq!(first.users, 2, "inactive users are not matched");
    assert_eq!(w.bound_to(&gone).await, None);

    let second = sync_members(&w.deps(), &w.settings).await.unwrap();
    assert!(second.bound.is_empty());
    assert_eq!(second.already_bound, 1);

    let rows = list_members(&w.deps(), &w.settings).await.unwrap();
    assert_eq!(rows.len(), 2, "inactive unbound users are not listed");
    let row = rows.iter().find(|r| r.user_id == lonely).unwrap();
    assert_eq!(row.state, MemberState::Unbound);
    assert_eq!(row.mobile.as_deref(), Some("137****0000"));
    assert_eq!(row.email.as_deref(), Some("a***@acme.example"));
    let row = rows.iter().find(|r| r.user_id == paired).unwrap();
    assert!(matches!(
        row.state,
        MemberState::Bound { how: BindHow::Auto(MatchKey::Mobile), ref employee_name, .. }
            if employee_name.as_deref() == Some("配对")
    ));
}

#[tokio::test]
async fn an_employee_matched_by_two_users_goes_to_the_mobile_match_and_the_other_is_ambiguous() {
    let w = World::new();
    let by_email = w.user("A", None, Some("SAME@acme.example"));
    let by_mobile = w.user("B", Some("0086-138-0013-8000"), None);
    let e = w
        .jing
        .add_employee("Same", Some("13800138000"), Some("same@acme.example"));

    let report = sync_members(&w.deps(), &w.settings).await.unwrap();
    assert_eq!(w.bound_to(&by_mobile).await, Some(e.clone()));
    assert_eq!(w.bound_to(&by_email).await, None);
    assert_eq!(report.ambiguous.len(), 1);
    assert_eq!(report.ambiguous[0].user, by_email);

    let rows = list_members(&w.deps(), &w.settings).await.unwrap();
    let row = rows.iter().find(|r| r.user_id == by_email).unwrap();
    match &row.state {
        MemberState::Ambiguous(a) => {
            assert_eq!(a.candidates, vec![e]);
            assert_eq!(
                a.reason,
                AmbiguityReason::EmployeeAlreadyBound {
                    bound_user: by_mobile
                }
            );
        }
        other => panic!("expected ambiguous, got {other:?}"),
    }
}

#[tokio::test]
async fn manual_bind_refuses_a_taken_employee_and_rebind_moves_it() {
    let w = World::new();
    let u1 = w.user("一", None, None);
    let u2 = w.user("二", None, None);
    let e1 = w.jing.add_employee("甲", None, None);
    let e2 = w.jing.add_employee("乙", None, None);

    let b = bind(&w.deps(), w.app(), &u1, &e1).await.unwrap();
    assert_eq!(BindHow::of(&b), BindHow::Manual);
    // Same pair again: idempotent.
    assert_eq!(
        bind(&w.deps(), w.app(), &u1, &e1).await.unwrap().jing_id,
        e1
    );

    let taken = bind(&w.deps(), w.app(), &u2, &e1).await.unwrap_err();
    assert_eq!(
        taken,
        MemberError::EmployeeTaken {
            employee: e1.clone(),
            user: u1.clone()
        }
    );
    let user_bound = bind(&w.deps(), w.app(), &u1, &e2).await.unwrap_err();
    assert!(matches!(user_bound, MemberError::UserAlreadyBound { .. }));

    let moved = rebind(&w.deps(), w.app(), &u2, &e1).await.unwrap();
    assert_eq!(moved.released_user, Some(u1.clone()));
    assert_eq!(w.bound_to(&u2).await, Some(e1.clone()));
    assert_eq!(w.bound_to(&u1).await, None);
    // The JING side looks up the new owner.
    let by_jing = w
        .fakes
        .bindings
        .by_jing(w.app(), ObjectKind::Member, &e1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_jing.sf_id, u2);

    let moved = rebind(&w.deps(), w.app(), &u2, &e2).await.unwrap();
    assert_eq!(moved.released_employee, Some(e1.clone()));
    assert_eq!(w.bound_to(&u2).await, Some(e2));
    // e1 is free again.
    bind(&w.deps(), w.app(), &u1, &e1).await.unwrap();

    let ghost = JingId::parse("nobody").unwrap();
    assert_eq!(
        bind(&w.deps(), w.app(), &u1, &ghost).await.unwrap_err(),
        MemberError::UnknownEmployee(ghost)
    );
}

#[tokio::test]
async fn create_as_new_member_creates_the_employee_from_the_user_and_binds_it() {
    let w = World::new();
    let u = w.user(
        "新人",
        Some("+86 (138) 0013-8000"),
        Some("New@Acme.example"),
    );
    let other = w.user("重复", Some("13900139000"), None);
    w.jing.add_employee("已有", Some("139 0013 9000"), None);

    let b = create_as_new_member(&w.deps(), w.app(), &u).await.unwrap();
    assert_eq!(BindHow::of(&b), BindHow::Created);
    let employees = w.jing.employees().await.unwrap();
    let created = employees.iter().find(|e| e.id == b.jing_id).unwrap();
    assert_eq!(created.name, "新人");
    assert_eq!(created.mobile.as_deref(), Some("13800138000"));
    assert_eq!(created.email.as_deref(), Some("new@acme.example"));
    assert_eq!(w.bound_to(&u).await, Some(b.jing_id.clone()));

    let again = create_as_new_member(&w.deps(), w.app(), &u)
        .await
        .unwrap_err();
    assert!(matches!(again, MemberError::UserAlreadyBound { .. }));
    let dup = create_as_new_member(&w.deps(), w.app(), &other)
        .await
        .unwrap_err();
    assert!(matches!(dup, MemberError::WouldDuplicate { .. }));
    assert_eq!(
        w.jing.employees().await.unwrap().len(),
        2,
        "no duplicate member created"
    );
}

#[tokio::test]
async fn a_failed_listing_binds_nothing_and_says_what_to_do() {
    let w = World::new();
    w.user("王伟", Some("13800138000"), None);
    w.jing.add_employee("王伟", Some("13800138000"), None);
    w.jing.fail_next(SyncError::new(ErrorCode::JingThrottled));
    let err = sync_members(&w.deps(), &w.settings).await.unwrap_err();
    match err {
        MemberError::Remote(e) => assert_eq!(e.next_step(), domain::NextStep::Retry),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        w.fakes
            .bindings
            .count(w.app(), ObjectKind::Member)
            .await
            .unwrap(),
        0
    );

    let mut off = w.settings.clone();
    off.objects.get_mut(&ObjectKind::Member).unwrap().enabled = false;
    let report = sync_members(&w.deps(), &off).await.unwrap();
    assert!(report.disabled);
}
