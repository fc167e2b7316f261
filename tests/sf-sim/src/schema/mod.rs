//! The org's schema as data: objects, fields, picklists. Validation, SOQL and describe all read it.

mod objects;

pub use objects::{OBJECTS, STAGES, SYSTEM_FIELDS, stage_facts};

/// Salesforce field types we model (`describe` `type` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Id,
    Text,
    TextArea,
    Email,
    Phone,
    Url,
    Picklist,
    MultiPicklist,
    Boolean,
    Int,
    Double,
    Currency,
    Percent,
    Date,
    DateTime,
    Reference,
}

impl Kind {
    pub fn api_name(self) -> &'static str {
        match self {
            Kind::Id => "id",
            Kind::Text => "string",
            Kind::TextArea => "textarea",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Url => "url",
            Kind::Picklist => "picklist",
            Kind::MultiPicklist => "multipicklist",
            Kind::Boolean => "boolean",
            Kind::Int => "int",
            Kind::Double => "double",
            Kind::Currency => "currency",
            Kind::Percent => "percent",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
            Kind::Reference => "reference",
        }
    }
    pub fn soap_type(self) -> &'static str {
        match self {
            Kind::Id | Kind::Reference => "tns:ID",
            Kind::Boolean => "xsd:boolean",
            Kind::Int => "xsd:int",
            Kind::Double | Kind::Currency | Kind::Percent => "xsd:double",
            Kind::Date => "xsd:date",
            Kind::DateTime => "xsd:dateTime",
            _ => "xsd:string",
        }
    }
    /// Values held as JSON strings and compared case-insensitively by SOQL.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            Kind::Text
                | Kind::TextArea
                | Kind::Email
                | Kind::Phone
                | Kind::Url
                | Kind::Picklist
                | Kind::MultiPicklist
        )
    }
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Kind::Int | Kind::Double | Kind::Currency | Kind::Percent
        )
    }
}

/// One field's metadata. Built with the `const` helpers below so the tables read like describe.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub defaulted: bool,
    pub custom: bool,
    pub external_id: bool,
    pub unique: bool,
    pub picklist: &'static [&'static str],
    pub default_value: Option<&'static str>,
    pub restricted: bool,
    pub controller: Option<&'static str>,
    /// For a dependent picklist: each value with the controller values it is valid for.
    pub valid_for: &'static [(&'static str, &'static [&'static str])],
    pub reference_to: &'static [&'static str],
    pub relationship: Option<&'static str>,
}

impl Field {
    pub const fn new(name: &'static str, label: &'static str, kind: Kind) -> Field {
        let length = match kind {
            Kind::Text | Kind::TextArea | Kind::Url | Kind::Picklist => 255,
            Kind::Email => 80,
            Kind::Phone => 40,
            Kind::MultiPicklist => 4099,
            Kind::Id | Kind::Reference => 18,
            _ => 0,
        };
        Field {
            name,
            label,
            kind,
            length,
            nillable: !matches!(kind, Kind::Boolean),
            createable: true,
            updateable: true,
            defaulted: matches!(kind, Kind::Boolean),
            custom: false,
            external_id: false,
            unique: false,
            picklist: &[],
            default_value: None,
            restricted: false,
            controller: None,
            valid_for: &[],
            reference_to: &[],
            relationship: None,
        }
    }
    pub const fn len(mut self, n: u32) -> Field {
        self.length = n;
        self
    }
    /// Required on create: not nillable and not defaulted.
    pub const fn required(mut self) -> Field {
        self.nillable = false;
        self
    }
    pub const fn read_only(mut self) -> Field {
        self.createable = false;
        self.updateable = false;
        self
    }
    pub const fn defaulted(mut self) -> Field {
        self.defaulted = true;
        self
    }
    pub const fn custom(mut self) -> Field {
        self.custom = true;
        self
    }
    pub const fn external_id(mut self, unique: bool) -> Field {
        self.external_id = true;
        self.unique = unique;
        self
    }
    pub const fn picklist(mut self, values: &'static [&'static str], restricted: bool) -> Field {
        self.picklist = values;
        self.restricted = restricted;
        self
    }
    pub const fn default_value(mut self, v: &'static str) -> Field {
        self.default_value = Some(v);
        self.defaulted = true;
        self
    }
    pub const fn depends_on(
        mut self,
        controller: &'static str,
        valid_for: &'static [(&'static str, &'static [&'static str])],
    ) -> Field {
        self.controller = Some(controller);
        self.valid_for = valid_for;
        self
    }
    pub const fn refers(
        mut self,
        to: &'static [&'static str],
        relationship: &'static str,
    ) -> Field {
        self.reference_to = to;
        self.relationship = Some(relationship);
        self
    }
    /// "Required on create" exactly as a client derives it from describe.
    pub fn is_required_on_create(&self) -> bool {
        self.createable && !self.nillable && !self.defaulted && self.kind != Kind::Boolean
    }
}

/// One sObject type.
#[derive(Debug)]
pub struct Object {
    pub name: &'static str,
    pub label: &'static str,
    pub plural: &'static str,
    pub prefix: &'static str,
    pub fields: &'static [Field],
    /// Whether the REST API may create/update/delete it (User and Group are read-only here).
    pub writable: bool,
    /// Describe is offered (Group is queryable only as an owner).
    pub describable: bool,
}

impl Object {
    /// Every field: the system fields first, then the object's own.
    pub fn all_fields(&self) -> impl Iterator<Item = &'static Field> {
        SYSTEM_FIELDS.iter().chain(self.fields.iter())
    }
    /// Field by API name, case-insensitively as Salesforce resolves names.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.all_fields()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
    /// The reference field behind a relationship name (`Owner` → `OwnerId`).
    pub fn relationship(&self, rel: &str) -> Option<&'static Field> {
        self.all_fields()
            .find(|f| f.relationship.is_some_and(|r| r.eq_ignore_ascii_case(rel)))
    }
}

/// Object by API name, case-insensitively.
pub fn object(name: &str) -> Option<&'static Object> {
    OBJECTS
        .iter()
        .copied()
        .find(|o| o.name.eq_ignore_ascii_case(name))
}

/// Object owning a key prefix.
pub fn object_by_prefix(prefix: &str) -> Option<&'static Object> {
    OBJECTS.iter().copied().find(|o| o.prefix == prefix)
}

/// Base64 `validFor` bitmask over the controller's picklist indexes (MSB first).
pub fn valid_for_mask(controller_values: &[&str], valid: &[&str]) -> String {
    use base64::Engine;
    let mut bytes = vec![0u8; controller_values.len().div_ceil(8).max(3)];
    for (i, v) in controller_values.iter().enumerate() {
        if valid.contains(v) {
            bytes[i >> 3] |= 0x80 >> (i & 7);
        }
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_for_sets_msb_first_bits() {
        // Index 0 → 0x80 → "gAAA" (the documented example).
        assert_eq!(valid_for_mask(&["a", "b", "c"], &["a"]), "gAAA");
        // Index 9 → byte 1, bit 0x40.
        let ctrl: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let ctrl: Vec<&str> = ctrl.iter().map(String::as_str).collect();
        assert_eq!(valid_for_mask(&ctrl, &["9"]), "AEAA");
    }

    #[test]
    fn required_on_create_follows_describe_rule() {
        let lead = object("lead").unwrap();
        let required: Vec<&str> = lead
            .all_fields()
            .filter(|f| f.is_required_on_create())
            .map(|f| f.name)
            .collect();
        assert_eq!(required, vec!["LastName", "Company"]);
        assert_eq!(object_by_prefix("00Q").unwrap().name, "Lead");
    }
}
