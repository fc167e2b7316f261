//! Pure core of the JING ⇄ Salesforce connector. No I/O, no clocks (`now` is passed in), no
//! async: everything here is data and functions over data, tested in microseconds.
//!
//! - [`ids`]: app, Salesforce (15 ⇄ 18) and JING identifiers.
//! - [`value`], [`datetime`]: the typed value model and both systems' date formats.
//! - [`object`], [`spec`]: sides, directions, objects and their default mappings as data.
//! - [`change`]: the `Change` message every source produces and the writer consumes.
//! - [`rules`]: field rules, blank semantics and the resolve function (with conflicts).
//! - [`plan`]: one record through mapping, value conversion and rules: what to write.
//! - [`mapping`]: mapping validation when a mapping is saved.
//! - [`conditions`], [`soql`]: scope condition groups, evaluated on records or rendered to SOQL.
//! - [`describe`]: Salesforce describe metadata and pre-flight validation of values.
//! - [`identity`]: mobile and e-mail normalization for matching.
//! - [`jing_duplicates`]: JING's duplicate rules (which records a create would match).
//! - [`fingerprint`]: stable value hashes for echo suppression.
//! - [`quota`]: API budget math (limit header, allocation, forecast).
//! - [`redact`]: parser error texts without the values they quote (logs, dead letters).
//! - [`error`]: the error catalogue (category, cause, fix in zh/en, next step).

pub mod change;
pub mod conditions;
pub mod datetime;
pub mod describe;
pub mod error;
pub mod fingerprint;
pub mod identity;
pub mod ids;
pub mod jing_duplicates;
pub mod mapping;
pub mod object;
pub mod plan;
pub mod quota;
pub mod redact;
pub mod rules;
pub mod soql;
pub mod spec;
pub mod value;

pub use change::{Actor, Change, FieldChange, Lane, Operation, RecordRef};
pub use error::{Category, ErrorCode, Lang, NextStep, SyncError};
pub use ids::{AppId, JingId, SfId};
pub use object::{Direction, ObjectKind, Side};
pub use rules::{BlankMeaning, FieldRule};
pub use spec::{FieldMapping, ObjectSpec};
pub use value::{FieldType, Value};
