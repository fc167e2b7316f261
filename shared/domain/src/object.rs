//! Objects, sides and directions.

use serde::{Deserialize, Serialize};

/// The two systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Salesforce,
    Jing,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Salesforce => Side::Jing,
            Side::Jing => Side::Salesforce,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Salesforce => "salesforce",
            Side::Jing => "jing",
        }
    }
}

/// Data flows from one side to the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    SfToJing,
    JingToSf,
}

impl Direction {
    pub fn from_origin(origin: Side) -> Self {
        match origin {
            Side::Salesforce => Self::SfToJing,
            Side::Jing => Self::JingToSf,
        }
    }
    pub fn origin(self) -> Side {
        match self {
            Self::SfToJing => Side::Salesforce,
            Self::JingToSf => Side::Jing,
        }
    }
    pub fn target(self) -> Side {
        self.origin().other()
    }
    pub const BOTH: [Direction; 2] = [Direction::SfToJing, Direction::JingToSf];
}

/// The objects the connector syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Lead,
    Account,
    /// Only from a converted Salesforce lead, bound to the JING lead; never created from JING.
    Opportunity,
    /// Salesforce User ⇄ JING employee (成员), one way, never written to Salesforce.
    Member,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 4] = [Self::Lead, Self::Account, Self::Opportunity, Self::Member];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Account => "account",
            Self::Opportunity => "opportunity",
            Self::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
