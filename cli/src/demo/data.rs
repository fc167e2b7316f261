//! Realistic demo data: Chinese names, mobiles in mixed formats, duplicates across the two
//! systems, and a few values the other side will refuse. Seeded, so every run is the same.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "慧",
];
const CITIES: &[&str] = &[
    "上海", "北京", "深圳", "杭州", "广州", "成都", "苏州", "南京", "武汉", "西安",
];
const TRADES: &[&str] = &[
    "科技", "信息", "智能", "医疗", "教育", "制造", "金融", "物流", "零售", "软件",
];
const SUFFIX: &[&str] = &["有限公司", "股份有限公司", "集团有限公司"];
const TITLES: &[&str] = &[
    "市场总监",
    "销售经理",
    "CTO",
    "采购主管",
    "运营经理",
    "产品经理",
    "CEO",
    "IT 经理",
];
const SF_INDUSTRY: &[&str] = &[
    "Technology",
    "Manufacturing",
    "Banking",
    "Education",
    "Healthcare",
    "Retail",
];

pub struct Gen {
    rng: StdRng,
}

/// A person as both systems would hold them.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub first: String,
    pub last: String,
    pub mobile: String,
    pub email: String,
    pub title: String,
    pub company: String,
}

impl Gen {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    fn pick<'a>(&mut self, from: &'a [&'a str]) -> &'a str {
        from[self.rng.random_range(0..from.len())]
    }

    /// 11-digit Chinese mobile (digits only).
    pub fn mobile_digits(&mut self, i: usize) -> String {
        let prefix = ["138", "139", "186", "135", "150", "177"][i % 6];
        format!("{prefix}{:08}", (i * 7919 + 1_000_003) % 100_000_000)
    }

    /// The same mobile the way people actually type it.
    pub fn mobile_format(&mut self, digits: &str, style: usize) -> String {
        let (a, b, c) = (&digits[..3], &digits[3..7], &digits[7..]);
        match style % 6 {
            0 => digits.to_owned(),
            1 => format!("+86 {a} {b} {c}"),
            2 => format!("0086-{a}-{b}-{c}"),
            3 => format!("{a}-{b}-{c}"),
            4 => digits
                .chars()
                .map(|ch| char::from_u32(ch as u32 - '0' as u32 + 0xFF10).unwrap_or(ch))
                .collect(),
            _ => format!("(+86){digits}"),
        }
    }

    pub fn company(&mut self, i: usize) -> String {
        let city = self.pick(CITIES);
        let trade = self.pick(TRADES);
        let suffix = self.pick(SUFFIX);
        format!("{city}{trade}{i}号{suffix}")
    }

    pub fn person(&mut self, i: usize, domain: &str) -> Person {
        let last = self.pick(SURNAMES).to_owned();
        let first = self.pick(GIVEN).to_owned();
        let digits = self.mobile_digits(i);
        let style = self.rng.random_range(0..6);
        let company = self.company(i % 700);
        Person {
            name: format!("{last}{first}"),
            mobile: self.mobile_format(&digits, style),
            email: format!("user{i}@{domain}"),
            title: self.pick(TITLES).to_owned(),
            first,
            last,
            company,
        }
    }

    pub fn sf_industry(&mut self) -> &'static str {
        SF_INDUSTRY[self.rng.random_range(0..SF_INDUSTRY.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mobile_style_normalizes_to_the_same_number() {
        let mut g = Gen::new(1);
        let digits = g.mobile_digits(42);
        for style in 0..6 {
            let typed = g.mobile_format(&digits, style);
            assert_eq!(
                domain::identity::normalize_mobile(&typed).as_deref(),
                Some(digits.as_str()),
                "{typed}"
            );
        }
    }

    #[test]
    fn the_generator_is_deterministic() {
        let a = Gen::new(7).person(3, "x.cn");
        let b = Gen::new(7).person(3, "x.cn");
        assert_eq!((a.name, a.mobile), (b.name, b.mobile));
    }
}
