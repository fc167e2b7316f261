//! The people editing both sides during the crash test: leads created in waves on each side and
//! earlier ones edited again on the side they came from, with what each record must finally
//! hold on the other side; and the check that it holds exactly that, once.

#![allow(dead_code)]

use super::process::Result;
use domain::{JingId, SfId};
use jing_sim::JingSim;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use sf_sim::SfSim;
use std::collections::BTreeMap;

/// Every Salesforce-born lead carries this company, every JING-born one the other: one lookup
/// on the other side lists every copy of one side's leads (duplicates included).
pub const SF_COMPANY: &str = "崩溃测试·销售云";
pub const JING_COMPANY: &str = "崩溃测试·鲸";

/// The leads created so far and the title each must end with, keyed by mobile (unique).
#[derive(Default)]
pub struct Workload {
    pub sf: Vec<(String, SfId)>,
    pub jing: Vec<(String, JingId)>,
    pub titles: BTreeMap<String, String>,
    /// Changes made: creates and edits, both sides.
    pub changes: usize,
}

/// How much one wave does on each side.
#[derive(Debug, Clone, Copy)]
pub struct Wave {
    pub creates: usize,
    pub edits: usize,
}

impl Workload {
    /// One wave: `creates` new leads and `edits` edits of earlier leads, on each side.
    pub fn wave(
        &mut self,
        n: usize,
        w: Wave,
        sf: &SfSim,
        jing: &JingSim,
        rng: &mut StdRng,
    ) -> Result<()> {
        for _ in 0..w.creates {
            self.create_sf(n, sf)?;
            self.create_jing(n, jing)?;
        }
        for k in 0..w.edits {
            if !self.sf.is_empty() {
                let (mobile, id) = self.sf[rng.random_range(0..self.sf.len())].clone();
                let title = format!("S{n}-{k}");
                sf.human().update("Lead", &id, json!({ "Title": title }))?;
                self.titles.insert(mobile, title);
                self.changes += 1;
            }
            if !self.jing.is_empty() {
                let (mobile, id) = self.jing[rng.random_range(0..self.jing.len())].clone();
                let title = format!("J{n}-{k}");
                jing.human()
                    .update("lead", &id, json!({ "title": title }))?;
                self.titles.insert(mobile, title);
                self.changes += 1;
            }
        }
        Ok(())
    }

    fn create_sf(&mut self, n: usize, sf: &SfSim) -> Result<()> {
        let i = self.sf.len();
        let mobile = format!("138{i:08}");
        let title = format!("S{n}");
        let id = sf.human().create(
            "Lead",
            json!({"LastName": format!("崩S{i}"), "Company": SF_COMPANY,
                   "MobilePhone": mobile, "Title": title}),
        )?;
        self.titles.insert(mobile.clone(), title);
        self.sf.push((mobile, id));
        self.changes += 1;
        Ok(())
    }

    fn create_jing(&mut self, n: usize, jing: &JingSim) -> Result<()> {
        let i = self.jing.len();
        let mobile = format!("137{i:08}");
        let title = format!("J{n}");
        let id = jing.human().create_lead(json!({
            "name": format!("崩J{i}"), "company_id": JING_COMPANY,
            "mobile": mobile, "title": title,
        }))?;
        self.titles.insert(mobile.clone(), title);
        self.jing.push((mobile, id));
        self.changes += 1;
        Ok(())
    }

    pub fn leads(&self) -> usize {
        self.sf.len() + self.jing.len()
    }

    /// Both sides hold every lead (cheap: counts only).
    pub fn counts_reached(&self, sf: &SfSim, jing: &JingSim) -> bool {
        sf.count("Lead") >= self.leads() && jing.count("lead") >= self.leads()
    }

    /// What is still wrong: per side, leads missing, doubled or with another title.
    pub fn differences(&self, sf: &SfSim, jing: &JingSim) -> Differences {
        let in_jing: Vec<(String, Value)> = jing
            .find("lead", "company_id", SF_COMPANY)
            .into_iter()
            .map(|r| (text(r.fields.get("mobile")), r.fields["title"].clone()))
            .collect();
        let in_sf: Vec<(String, Value)> = sf
            .find("Lead", "Company", JING_COMPANY)
            .iter()
            .filter_map(|id| sf.record("Lead", id))
            .map(|r| (text(r.get("MobilePhone")), r["Title"].clone()))
            .collect();
        let mut d = Differences::default();
        self.compare(self.sf.iter().map(|(m, _)| m), &in_jing, &mut d);
        self.compare(self.jing.iter().map(|(m, _)| m), &in_sf, &mut d);
        d.sf_total = sf.count("Lead");
        d.jing_total = jing.count("lead");
        d
    }

    fn compare<'a>(
        &self,
        origin: impl Iterator<Item = &'a String>,
        copies: &[(String, Value)],
        d: &mut Differences,
    ) {
        let mut seen: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for (mobile, title) in copies {
            seen.entry(mobile.as_str()).or_default().push(title);
        }
        for mobile in origin {
            match seen.get(mobile.as_str()).map(Vec::as_slice) {
                None => d.missing += 1,
                Some([title]) => {
                    let want = self.titles.get(mobile).map(String::as_str);
                    if title.as_str() != want {
                        d.stale += 1;
                        if d.examples.len() < 10 {
                            let id = self.origin_id(mobile);
                            d.examples
                                .push(format!("{mobile} ({id}): {title} (want {want:?})"));
                        }
                    }
                }
                Some(more) => d.doubled += more.len() - 1,
            }
        }
    }
}

impl Workload {
    /// The id a lead has on the side it was made on.
    fn origin_id(&self, mobile: &str) -> String {
        let sf = self
            .sf
            .iter()
            .find(|(m, _)| m == mobile)
            .map(|(_, id)| id.to_string());
        let jing = self
            .jing
            .iter()
            .find(|(m, _)| m == mobile)
            .map(|(_, id)| id.to_string());
        sf.or(jing).unwrap_or_default()
    }
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Leads missing on the other side, extra copies, copies with another title than the last
/// one made; and the totals each simulator holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Differences {
    pub missing: usize,
    pub doubled: usize,
    pub stale: usize,
    pub sf_total: usize,
    pub jing_total: usize,
    /// A few of the stale copies: mobile, title held, title wanted.
    pub examples: Vec<String>,
}

impl Differences {
    pub fn none(&self, leads: usize) -> bool {
        self.missing == 0
            && self.doubled == 0
            && self.stale == 0
            && self.sf_total == leads
            && self.jing_total == leads
    }
}
