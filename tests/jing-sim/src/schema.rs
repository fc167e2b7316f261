//! The simulated tenant's objects and fields, and value validation as JING applies it.

use jing::contract::codes;
use serde_json::{Value as Json, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text(usize),
    Phone,
    Email,
    Url,
    Select(&'static [(&'static str, &'static str)]),
    DateTime,
    /// `YYYY-MM-DD`.
    Date,
    /// A JSON number.
    Number,
    /// Reference to an employee (owner).
    Employee,
    /// Reference to an account (`account_id` on leads).
    Account,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub code: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const LIFE_STATUS: &[(&str, &str)] = &[
    ("baby_lead", "新线索"),
    ("following", "跟进中"),
    ("converted", "已转化"),
    ("invalid", "无效"),
];
const INDUSTRY: &[(&str, &str)] = &[
    ("internet", "互联网"),
    ("manufacturing", "制造业"),
    ("finance", "金融"),
    ("education", "教育"),
    ("healthcare", "医疗"),
    ("retail", "零售"),
    ("other", "其他"),
];
const LEAD_POOL: &[(&str, &str)] = &[("market", "市场"), ("sales", "销售")];

const fn field(code: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        code,
        label,
        kind,
        required: false,
    }
}

pub const LEAD: &[Field] = &[
    Field {
        code: "name",
        label: "姓名",
        kind: Kind::Text(80),
        required: true,
    },
    field("first_name", "名", Kind::Text(40)),
    field("last_name", "姓", Kind::Text(80)),
    field("mobile", "手机号", Kind::Phone),
    field("email", "邮箱", Kind::Email),
    field("company_id", "公司", Kind::Text(255)),
    field("title", "职位", Kind::Text(128)),
    field("department", "部门", Kind::Text(128)),
    field("country_region", "国家/地区", Kind::Text(64)),
    field("official_website", "官网", Kind::Url),
    field("life_status", "生命周期", Kind::Select(LIFE_STATUS)),
    field("industry", "行业", Kind::Select(INDUSTRY)),
    field("lead_pool", "线索池", Kind::Select(LEAD_POOL)),
    field("business_type", "业务类型", Kind::Text(64)),
    field("to_baby_lead_timestamp", "成为新线索时间", Kind::DateTime),
    field("owner", "负责人", Kind::Employee),
    field("account_id", "客户", Kind::Account),
    // Our contract: the converted opportunity's fields live on the JING lead (one-way from
    // Salesforce; see docs/jing-contract.md).
    field("opportunity_name", "商机名称", Kind::Text(120)),
    field("opportunity_stage", "商机阶段", Kind::Text(64)),
    field("opportunity_amount", "商机金额", Kind::Number),
    field("opportunity_close_date", "预计成交日期", Kind::Date),
];

pub const ACCOUNT: &[Field] = &[
    Field {
        code: "company_id",
        label: "客户名称",
        kind: Kind::Text(255),
        required: true,
    },
    field("official_website", "官网", Kind::Url),
    field("phone", "电话", Kind::Phone),
    field("industry", "行业", Kind::Select(INDUSTRY)),
    field("business_type", "业务类型", Kind::Text(64)),
    field("owner", "负责人", Kind::Employee),
];

/// Object code → (fields, object definition id as in the webhook samples).
pub fn object(code: &str) -> Option<(&'static [Field], &'static str)> {
    match code {
        "lead" => Some((LEAD, "628")),
        "account" => Some((ACCOUNT, "31")),
        _ => None,
    }
}

/// A refusal of one value: JING code, message, field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: i64,
    pub msg: String,
    pub field: Option<String>,
    /// The record the duplicate rules matched.
    pub existing: Option<String>,
}

impl Refusal {
    pub fn new(code: i64, msg: impl Into<String>, field: Option<&str>) -> Self {
        Self {
            code,
            msg: msg.into(),
            field: field.map(str::to_owned),
            existing: None,
        }
    }
    pub fn duplicate(existing: &str, field: &str) -> Self {
        Self {
            code: codes::DUPLICATE,
            msg: format!("duplicate {field}: an existing record matches"),
            field: Some(field.to_owned()),
            existing: Some(existing.to_owned()),
        }
    }
}

/// Check one value's shape (references are checked by the store, which knows the records).
pub fn check_value(f: &Field, v: &Json) -> Result<(), Refusal> {
    let bad = |what: &str| {
        Err(Refusal::new(
            codes::INVALID_VALUE,
            format!("{}: {what}", f.code),
            Some(f.code),
        ))
    };
    if f.kind == Kind::Number {
        return if v.is_null() || v.is_number() {
            Ok(())
        } else {
            bad("must be a number")
        };
    }
    let Some(s) = v.as_str() else {
        if v.is_null() {
            return Ok(());
        }
        return bad("must be a string");
    };
    match f.kind {
        Kind::Text(max) if s.chars().count() > max => bad(&format!("longer than {max} characters")),
        Kind::Phone if !valid_phone(s) => bad("not a phone number"),
        Kind::Email if !valid_email(s) => bad("not an e-mail address"),
        Kind::Url if s.contains(char::is_whitespace) || !s.contains('.') => bad("not a URL"),
        Kind::DateTime if domain::datetime::parse_jing(s).is_err() => {
            bad("not YYYY-MM-DD HH:MM:SS")
        }
        Kind::Date if domain::datetime::parse_date(s).is_err() => bad("not YYYY-MM-DD"),
        Kind::Select(options) if !s.is_empty() && !options.iter().any(|(v, _)| *v == s) => Err(
            Refusal::new(codes::INVALID_OPTION, s.to_owned(), Some(f.code)),
        ),
        _ => Ok(()),
    }
}

fn valid_phone(s: &str) -> bool {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '+'))
        .collect();
    (5..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !s.contains(char::is_whitespace)
}

/// The display label of a value, as in `mapping_data_text` (`"-"` for empty).
pub fn label_of(f: &Field, v: &Json) -> Json {
    match (f.kind, v.as_str()) {
        (_, None) | (_, Some("")) => json!("-"),
        (Kind::Select(options), Some(s)) => {
            json!(options.iter().find(|(o, _)| *o == s).map_or(s, |(_, l)| *l))
        }
        (_, Some(s)) => json!(s),
    }
}

/// The metadata answer for an object.
pub fn metadata(fields: &[Field]) -> Json {
    let list: Vec<Json> = fields
        .iter()
        .map(|f| {
            let (ty, max, options): (&str, Option<usize>, &[(&str, &str)]) = match f.kind {
                Kind::Text(n) => ("text", Some(n), &[]),
                Kind::Phone => ("phone", None, &[]),
                Kind::Email => ("email", None, &[]),
                Kind::Url => ("url", None, &[]),
                Kind::Select(o) => ("select", None, o),
                Kind::DateTime => ("datetime", None, &[]),
                Kind::Date => ("date", None, &[]),
                Kind::Number => ("number", None, &[]),
                Kind::Employee | Kind::Account => ("reference", None, &[]),
            };
            let options: Vec<Json> = options
                .iter()
                .map(|(v, l)| json!({"value": v, "label": l}))
                .collect();
            json!({"code": f.code, "name": f.label, "type": ty, "required": f.required,
                   "max_length": max, "options": options, "enabled": true})
        })
        .collect();
    json!({ "fields": list })
}
