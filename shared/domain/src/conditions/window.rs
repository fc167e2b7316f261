//! The initialization window (初始化时间范围): how far back the first backfill reaches.

use super::Scope;
use crate::soql::{self, SoqlError};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The field the initialization window filters on. Initialization copies records that *exist* in
/// the period ("leads created in the last year"), so it is the creation date, not the last
/// modification: an old record edited yesterday is history, not part of the chosen period.
/// `CreatedDate` is a datetime on every object and indexed.
pub const INIT_DATE_FIELD: &str = "CreatedDate";

/// Why an initialization start was refused; the admin picks another start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("initialization can reach back at most {years} years (earliest start {earliest})")]
    TooFarBack {
        years: i32,
        earliest: OffsetDateTime,
    },
    #[error("the initialization start {start} is in the future")]
    InFuture { start: OffsetDateTime },
}

/// A validated initialization window: records created at or after `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitWindow {
    #[serde(with = "time::serde::rfc3339")]
    start: OffsetDateTime,
}

impl InitWindow {
    /// The product's limit: at most three years back.
    pub const MAX_YEARS: i32 = 3;

    /// Refuse starts more than [`Self::MAX_YEARS`] calendar years before `now`, and future starts.
    pub fn new(start: OffsetDateTime, now: OffsetDateTime) -> Result<Self, WindowError> {
        let earliest = Self::earliest_start(now);
        if start < earliest {
            return Err(WindowError::TooFarBack {
                years: Self::MAX_YEARS,
                earliest,
            });
        }
        if start > now {
            return Err(WindowError::InFuture { start });
        }
        Ok(Self { start })
    }

    /// `now` minus three calendar years, same wall-clock time; Feb 29 falls back to Feb 28.
    pub fn earliest_start(now: OffsetDateTime) -> OffsetDateTime {
        let year = now.year() - Self::MAX_YEARS;
        let day = now.day().min(now.month().length(year));
        let date = Date::from_calendar_date(year, now.month(), day).unwrap_or(now.date());
        now.replace_date(date)
    }

    pub fn start(&self) -> OffsetDateTime {
        self.start
    }

    /// Whether a record created at `created` falls in the window.
    pub fn contains(&self, created: OffsetDateTime) -> bool {
        created >= self.start
    }

    /// The backfill query's `WHERE`: `CreatedDate >= start AND ((a AND b) OR (c))`, or just the
    /// window when the scope covers everything.
    pub fn soql_where(&self, scope: &Scope, now: OffsetDateTime) -> Result<String, SoqlError> {
        let window = format!(
            "{INIT_DATE_FIELD} >= {}",
            soql::datetime_literal(self.start)
        );
        Ok(match scope.to_soql_where(now)? {
            Some(scope) => format!("{window} AND ({scope})"),
            None => window,
        })
    }
}
