use super::*;
use domain::{AppId, ObjectKind};
use time::macros::datetime;

fn sf(n: u32) -> SfId {
    SfId::parse(&format!("005000000000{n:03}AAA")).unwrap()
}

fn emp(n: u32) -> JingId {
    JingId::parse(&format!("emp-{n}")).unwrap()
}

fn user(n: u32, name: &str, email: Option<&str>, mobile: Option<&str>) -> SfUser {
    SfUser {
        id: sf(n),
        name: name.into(),
        email: email.map(Into::into),
        mobile: mobile.map(Into::into),
        active: true,
    }
}

fn employee(n: u32, name: &str, mobile: Option<&str>) -> Employee {
    Employee {
        id: emp(n),
        name: name.into(),
        mobile: mobile.map(Into::into),
        email: None,
    }
}

fn directory() -> MemberDirectory {
    let mut gone = user(4, "Old Timer", None, None);
    gone.active = false;
    MemberDirectory {
        taken_at: datetime!(2026-12-07 09:00 UTC),
        users: vec![
            user(
                1,
                "张伟",
                Some("Zhang.Wei@Acme.example"),
                Some("+86 138-0013-8000"),
            ),
            user(2, "Li Na", Some("li.na@acme.example"), Some("13900001111")),
            user(3, "王芳", None, Some("0086 137 2222 3333")),
            gone,
        ],
        employees: vec![
            employee(1, "张伟", Some("13800138000")),
            employee(2, "李娜", None),
            employee(3, "王芳", Some("13722223333")),
            employee(4, "王芳", Some("13722223333")),
        ],
    }
}

fn bound(user: u32, employee: u32) -> Binding {
    Binding::new(
        AppId::parse("acme").unwrap(),
        ObjectKind::Member,
        sf(user),
        emp(employee),
        datetime!(2026-12-07 09:00 UTC),
    )
}

fn query(q: Option<&str>, status: BindFilter) -> DirectoryQuery {
    DirectoryQuery {
        q: q.map(Into::into),
        status,
        offset: 0,
        limit: 50,
    }
}

fn names(page: &DirectoryPage<MemberRow>) -> Vec<&str> {
    page.items.iter().map(|r| r.name.as_str()).collect()
}

#[test]
fn searches_name_email_and_mobile_in_any_spelling() {
    let d = directory();
    let found = |q: &str| names(&d.members(&[], &query(Some(q), BindFilter::All))).join(",");
    assert_eq!(found("张"), "张伟");
    assert_eq!(found("li na"), "Li Na");
    assert_eq!(found("ZHANG.WEI@"), "张伟", "e-mail, case folded");
    assert_eq!(found("13800138000"), "张伟");
    assert_eq!(found("+86 138 0013 8000"), "张伟", "+86 form");
    assert_eq!(found("0086-137-2222-3333"), "王芳", "0086 form");
    assert_eq!(found("2222 3333"), "王芳", "part of the number");
    assert_eq!(found("acme.example"), "张伟,Li Na");
    assert_eq!(found("138"), "", "three digits are not a phone search");
    assert_eq!(found("nobody"), "");
}

#[test]
fn filters_by_binding_state_against_the_bindings_of_now() {
    let d = directory();
    let bindings = [bound(2, 2), bound(4, 9)];
    let all = d.members(&bindings, &query(None, BindFilter::All));
    assert_eq!(all.total, 4, "active users and the bound inactive one");
    let b = d.members(&bindings, &query(None, BindFilter::Bound));
    assert_eq!(names(&b), ["Li Na", "Old Timer"]);
    let MemberState::Bound { employee_name, .. } = &b.items[0].state else {
        panic!("bound");
    };
    assert_eq!(employee_name.as_deref(), Some("李娜"));
    let u = d.members(&bindings, &query(None, BindFilter::Unbound));
    assert_eq!(names(&u), ["张伟", "王芳"]);
    assert!(
        matches!(u.items[1].state, MemberState::Ambiguous(_)),
        "two employees share 王芳's mobile"
    );
    let searched = d.members(&bindings, &query(Some("王"), BindFilter::Bound));
    assert_eq!(searched.total, 0, "filter and search combine");
}

#[test]
fn pages_with_the_total_of_every_match() {
    let d = directory();
    let q = DirectoryQuery {
        offset: 1,
        limit: 2,
        ..query(None, BindFilter::All)
    };
    let p = d.members(&[], &q);
    assert_eq!(p.total, 3);
    assert_eq!(names(&p), ["Li Na", "王芳"]);
    let past = DirectoryQuery { offset: 9, ..q };
    assert!(d.members(&[], &past).items.is_empty());
}

#[test]
fn employees_are_searchable_masked_and_say_who_holds_them() {
    let d = directory();
    let bindings = [bound(1, 1)];
    let all = d.employees(&bindings, &query(None, BindFilter::All));
    assert_eq!(all.total, 4);
    let free = d.employees(&bindings, &query(None, BindFilter::Unbound));
    assert!(free.items.iter().all(|e| e.id != emp(1)));
    let held = d.employees(&bindings, &query(Some("13800138000"), BindFilter::All));
    assert_eq!(held.items.len(), 1);
    assert_eq!(held.items[0].bound_user, Some(sf(1)));
    assert_eq!(held.items[0].mobile.as_deref(), Some("138****8000"));
}

#[test]
fn a_created_employee_is_listed_until_the_next_sync() {
    let mut d = directory();
    d.add_employee(employee(7, "新成员", None));
    d.add_employee(employee(7, "新成员", None));
    let p = d.employees(&[], &query(Some("新成员"), BindFilter::All));
    assert_eq!(p.total, 1);
}
