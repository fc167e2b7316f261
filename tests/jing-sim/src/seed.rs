//! Generated records for bulk seeding (`/_sim/seed`): deterministic, varied, and valid for the
//! tenant's rules (mobiles and e-mails unique per record, so duplicate rules never fire).

use serde_json::{Map, Value as Json, json};

const SURNAMES: &[&str] = &["孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑"];
const GIVEN: &[&str] = &[
    "欣", "浩", "婷", "宇", "晨", "雪", "鹏", "琳", "博", "佳", "凯", "颖",
];
const CITIES: &[&str] = &["广州", "南京", "武汉", "西安", "天津", "厦门"];
const TRADES: &[&str] = &["网络", "电子", "机械", "传媒", "教育", "能源"];
const TITLES: &[&str] = &["总经理", "IT 经理", "市场专员", "财务总监", "采购主管"];

fn pick(list: &[&'static str], i: usize) -> &'static str {
    list[i % list.len()]
}

/// Record `i` of the series for `object` (None for an object without a generator).
pub fn record(object: &str, i: usize) -> Option<Map<String, Json>> {
    let v = match object {
        "lead" => json!({
            "name": format!("{}{}{}", pick(SURNAMES, i), pick(GIVEN, i / 10), pick(GIVEN, i / 120)),
            "mobile": format!("137{:08}", i % 100_000_000),
            "email": format!("lead{i}@jing-seed.example"),
            "company_id": format!("{}{}{}有限公司", pick(CITIES, i / 7), pick(TRADES, i / 3), i % 991),
            "title": pick(TITLES, i / 5),
            "official_website": format!("https://www.firm{}.example", i % 991),
            "life_status": "baby_lead",
            "lead_pool": "market",
        }),
        "account" => json!({
            "company_id": format!("{}{}控股{i}", pick(CITIES, i), pick(TRADES, i / 6)),
            "industry": "internet",
        }),
        _ => return None,
    };
    match v {
        Json::Object(m) => Some(m),
        _ => None,
    }
}
