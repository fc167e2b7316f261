//! The parsed, schema-resolved query.

use super::lexer::SChar;
use crate::schema::{self, Field, Kind, Object};

#[derive(Debug, Clone)]
pub enum FieldRef {
    Direct(&'static Field),
    /// `Owner.Email`: the lookup field, its relationship name, and the field's name on the target.
    Parent {
        lookup: &'static Field,
        relationship: &'static str,
        field: &'static str,
    },
}

impl FieldRef {
    pub fn kind(&self) -> Kind {
        match self {
            FieldRef::Direct(f) => f.kind,
            FieldRef::Parent { lookup, field, .. } => {
                parent_field(lookup, field).map_or(Kind::Text, |f| f.kind)
            }
        }
    }
    /// Column label: `Email` or `Owner.Email`.
    pub fn label(&self) -> String {
        match self {
            FieldRef::Direct(f) => f.name.to_owned(),
            FieldRef::Parent {
                relationship,
                field,
                ..
            } => format!("{relationship}.{field}"),
        }
    }
}

/// The first reference target that has the field.
pub fn parent_field(lookup: &Field, name: &str) -> Option<&'static Field> {
    lookup
        .reference_to
        .iter()
        .filter_map(|t| schema::object(t))
        .find_map(|o| o.field(name))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Text(String),
    Pattern(Vec<SChar>),
    Num(f64),
    Date(String),
    DateTime(String),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp(FieldRef, &'static str, Lit),
    In(FieldRef, bool, Vec<Lit>),
    Like(FieldRef, Vec<SChar>),
}

#[derive(Debug, Clone)]
pub enum Select {
    Count,
    Fields(Vec<FieldRef>),
}

#[derive(Debug, Clone)]
pub struct OrderItem {
    pub field: FieldRef,
    pub desc: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub object: &'static Object,
    pub select: Select,
    pub filter: Option<Cond>,
    pub order: Vec<OrderItem>,
    pub limit: Option<usize>,
}
