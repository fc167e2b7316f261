//! Employees (成员 — JING's users of the back office, bound to Salesforce users): query by mobile
//! or e-mail (batched), list (paged), create (dedup by mobile/e-mail binds instead).

use crate::client::{JingClient, call_error, decode_data};
use crate::contract::{codes, fields as f};
use crate::envelope::{EmployeeData, PageData};
use crate::error::JingError;
use domain::JingId;
use serde_json::{Value as Json, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub id: JingId,
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub active: bool,
}

impl Employee {
    fn from_wire(d: EmployeeData) -> Result<Self, JingError> {
        Ok(Self {
            id: JingId::parse(&d.employee_id).map_err(|e| JingError::Protocol(e.to_string()))?,
            name: d.name,
            mobile: d.mobile.filter(|m| !m.is_empty()),
            email: d.email.filter(|m| !m.is_empty()),
            active: d.status == "active",
        })
    }
}

/// Result of creating an employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployeeCreated {
    Created(JingId),
    /// An employee with the same mobile or e-mail exists already: bind to it.
    BoundToExisting(JingId),
}

/// A new employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmployee {
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

impl JingClient {
    /// Employees matching any of the mobiles or e-mails; one call per `batch_size` keys.
    pub async fn query_employees(
        &self,
        mobiles: &[String],
        emails: &[String],
    ) -> Result<Vec<Employee>, JingError> {
        let keys: Vec<(bool, &String)> = mobiles
            .iter()
            .map(|m| (true, m))
            .chain(emails.iter().map(|e| (false, e)))
            .collect();
        let path = self.contract().paths.employee_query.clone();
        let mut out: Vec<Employee> = Vec::new();
        for chunk in keys.chunks(self.contract().batch_size.max(1)) {
            let pick = |mobile: bool| {
                chunk
                    .iter()
                    .filter(|k| k.0 == mobile)
                    .map(|k| k.1)
                    .collect::<Vec<_>>()
            };
            let body = json!({ "mobiles": pick(true), "emails": pick(false) });
            let page: PageData<EmployeeData> = self
                .call("employee_query", &path, &body, "employee")
                .await?;
            for d in page.list {
                let e = Employee::from_wire(d)?;
                if !out.iter().any(|o| o.id == e.id) {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    /// One page of employees and the cursor of the next.
    pub async fn list_employees(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<Employee>, Option<String>), JingError> {
        let mut body =
            json!({ f::PAGE_SIZE: self.contract().page_size.min(self.contract().max_page_size) });
        if let Some(c) = cursor {
            body[f::CURSOR] = Json::String(c.to_owned());
        }
        let path = self.contract().paths.employee_list.clone();
        let page: PageData<EmployeeData> =
            self.call("employee_list", &path, &body, "employee").await?;
        let list = page
            .list
            .into_iter()
            .map(Employee::from_wire)
            .collect::<Result<_, _>>()?;
        Ok((list, page.next_cursor.filter(|c| !c.is_empty())))
    }

    /// Create an employee; JING's dedup (same mobile or e-mail) answers with the existing id.
    pub async fn create_employee(&self, new: &NewEmployee) -> Result<EmployeeCreated, JingError> {
        #[derive(serde::Deserialize)]
        struct Created {
            #[serde(default)]
            employee_id: Option<String>,
            #[serde(default)]
            existing_id: Option<String>,
        }
        let body = json!({ "name": new.name, "mobile": new.mobile, "email": new.email });
        let path = self.contract().paths.employee_create.clone();
        let env = self.call_envelope("employee_create", &path, &body).await?;
        let parse = |id: Option<String>| {
            id.as_deref()
                .map(JingId::parse)
                .transpose()
                .map_err(|e| JingError::Protocol(e.to_string()))?
                .ok_or_else(|| JingError::Protocol("employee answer without an id".into()))
        };
        match env.code {
            codes::SUCCESS => Ok(EmployeeCreated::Created(parse(
                decode_data::<Created>(env)?.employee_id,
            )?)),
            codes::DUPLICATE => Ok(EmployeeCreated::BoundToExisting(parse(
                decode_data::<Created>(env)?.existing_id,
            )?)),
            _ => Err(call_error(&env, "employee")),
        }
    }
}
