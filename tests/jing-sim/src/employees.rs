//! Employees (成员) of the simulated tenant: dedup by mobile or e-mail.

use crate::schema::{self, Field, Kind, Refusal};
use crate::store::{EmployeeRec, Store, new_id, norm};
use jing::contract::codes;
use serde_json::Value as Json;

impl Store {
    pub fn add_employee(
        &mut self,
        name: &str,
        mobile: Option<&str>,
        email: Option<&str>,
    ) -> Result<String, Refusal> {
        if name.trim().is_empty() {
            return Err(Refusal::new(
                codes::REQUIRED_FIELD_MISSING,
                "name is required",
                Some("name"),
            ));
        }
        let mobile = mobile.map(str::trim).filter(|s| !s.is_empty());
        let email = email.map(str::trim).filter(|s| !s.is_empty());
        for (field, value) in [("mobile", mobile), ("email", email)] {
            let Some(value) = value else { continue };
            let probe = Field {
                code: field,
                label: field,
                kind: if field == "mobile" {
                    Kind::Phone
                } else {
                    Kind::Email
                },
                required: false,
            };
            schema::check_value(&probe, &Json::String(value.to_owned()))?;
            let wanted = norm(field, &Json::String(value.to_owned()));
            let hit = self.employees.values().find(|e| {
                let theirs = if field == "mobile" {
                    &e.mobile
                } else {
                    &e.email
                };
                theirs
                    .as_ref()
                    .and_then(|t| norm(field, &Json::String(t.clone())))
                    == wanted
            });
            if let Some(e) = hit {
                return Err(Refusal::duplicate(&e.id, field));
            }
        }
        let id = new_id();
        let rec = EmployeeRec {
            id: id.clone(),
            name: name.to_owned(),
            mobile: mobile.map(str::to_owned),
            email: email.map(str::to_owned),
        };
        self.employees.insert(id.clone(), rec);
        Ok(id)
    }
}
