//! The admin API (JSON over HTTP) and the status page.

pub(crate) mod actions;
pub(crate) mod apps;
pub(crate) mod auth;
pub(crate) mod breaker;
pub(crate) mod config;
pub(crate) mod connect;
pub(crate) mod dead_letters;
pub(crate) mod dry_run;
pub(crate) mod error;
pub(crate) mod error_from;
pub(crate) mod explain;
pub(crate) mod external_id;
pub(crate) mod extract;
pub(crate) mod links;
pub(crate) mod mapping_save;
pub(crate) mod members;
pub(crate) mod overview;
pub(crate) mod page;
pub(crate) mod retry;
pub(crate) mod setup;
pub(crate) mod status;
