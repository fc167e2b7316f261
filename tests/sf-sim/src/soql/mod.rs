//! The SOQL subset (§6): lexer → parser (resolved against the schema) → evaluator.
//!
//! Supported: `SELECT` fields (one-level parent relationships like `Owner.Email`) or `COUNT()`,
//! `FROM`, `WHERE` with `= != <> < > <= >= IN NOT IN LIKE AND OR NOT` and parentheses (mixing
//! AND/OR needs parentheses, as in Salesforce), string literals with backslash escapes, unquoted
//! date/datetime literals, `null`, `true`/`false`, numbers, `ORDER BY` (multi-field, ASC/DESC,
//! NULLS FIRST/LAST), `LIMIT`. Everything else is `MALFORMED_QUERY`.

pub mod ast;
pub mod eval;
pub mod lexer;
pub mod parser;
mod plan;
mod resolve;

pub use ast::{FieldRef, Query, Select};
pub use parser::parse;
