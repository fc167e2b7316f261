//! Employees (成员) of the simulated tenant: dedup by mobile or e-mail, through an index of both.

use crate::schema::{self, Field, Kind, Refusal};
use crate::store::{EmployeeRec, Store, new_id, norm};
use jing::contract::codes;
use serde_json::Value as Json;

fn norm_text(field: &str, value: &str) -> Option<String> {
    norm(field, &Json::String(value.to_owned()))
}

impl Store {
    pub fn add_employee(
        &mut self,
        name: &str,
        mobile: Option<&str>,
        email: Option<&str>,
    ) -> Result<String, Refusal> {
        if name.trim().is_empty() {
            let msg = "name is required";
            return Err(Refusal::new(
                codes::REQUIRED_FIELD_MISSING,
                msg,
                Some("name"),
            ));
        }
        let mobile = mobile.map(str::trim).filter(|s| !s.is_empty());
        let email = email.map(str::trim).filter(|s| !s.is_empty());
        self.check_employee_key("mobile", Kind::Phone, mobile)?;
        self.check_employee_key("email", Kind::Email, email)?;
        let id = new_id();
        let rec = EmployeeRec {
            id: id.clone(),
            name: name.to_owned(),
            mobile: mobile.map(str::to_owned),
            email: email.map(str::to_owned),
        };
        for (field, value) in [("mobile", mobile), ("email", email)] {
            if let Some(key) = value.and_then(|v| norm_text(field, v)) {
                self.employee_keys.insert((field, key), id.clone());
            }
        }
        self.employees.insert(id.clone(), rec);
        Ok(id)
    }

    /// A well-formed value that no other employee has (normalized).
    fn check_employee_key(
        &self,
        field: &'static str,
        kind: Kind,
        value: Option<&str>,
    ) -> Result<(), Refusal> {
        let Some(value) = value else { return Ok(()) };
        let probe = Field {
            code: field,
            label: field,
            kind,
            required: false,
        };
        schema::check_value(&probe, &Json::String(value.to_owned()))?;
        let hit = norm_text(field, value).and_then(|key| self.employee_keys.get(&(field, key)));
        match hit {
            Some(id) => Err(Refusal::duplicate(id, field)),
            None => Ok(()),
        }
    }
}
