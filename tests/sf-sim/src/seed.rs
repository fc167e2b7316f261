//! Generated records for bulk seeding (`/_sim/seed`): deterministic, varied, valid for the
//! org's rules (e-mails unique per record, so duplicate rules never fire among them).

use serde_json::{Map, Value, json};

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明",
];
const CITIES: &[&str] = &["上海", "北京", "深圳", "杭州", "成都", "苏州"];
const TRADES: &[&str] = &["科技", "贸易", "制造", "咨询", "医疗", "物流"];
const TITLES: &[&str] = &["市场总监", "采购经理", "CTO", "运营主管", "销售经理"];

fn pick(list: &[&'static str], i: usize) -> &'static str {
    list[i % list.len()]
}

/// Record `i` of the series for `object` (None for an object without a generator).
pub fn record(object: &str, i: usize) -> Option<Map<String, Value>> {
    let v = match object {
        "Lead" => json!({
            "LastName": format!("{}{}{}", pick(SURNAMES, i), pick(GIVEN, i / 10), pick(GIVEN, i / 120)),
            "Company": format!("{}{}{}有限公司", pick(CITIES, i / 7), pick(TRADES, i / 3), i % 997),
            "Email": format!("lead{i}@sf-seed.example"),
            "MobilePhone": format!("+86 139 {:04} {:04}", (i / 10_000) % 10_000, i % 10_000),
            "Title": pick(TITLES, i / 5),
            "Website": format!("https://www.company{}.example", i % 997),
            "Status": "Open - Not Contacted",
        }),
        "Account" => json!({
            "Name": format!("{}{}集团{i}", pick(CITIES, i), pick(TRADES, i / 6)),
            "Phone": format!("021-{:08}", i % 100_000_000),
        }),
        _ => return None,
    };
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_differ_and_emails_are_unique() {
        let a = record("Lead", 1).unwrap();
        let b = record("Lead", 2).unwrap();
        assert_ne!(a["Email"], b["Email"]);
        assert_ne!(a["MobilePhone"], b["MobilePhone"]);
        assert!(record("Opportunity", 1).is_none());
    }
}
