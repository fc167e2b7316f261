//! The datetime formats of the two systems.
//!
//! Salesforce REST answers `2024-05-01T10:00:00.000+0000` (offset without a colon); SOAP outbound
//! messages use `Z`; SOQL literals are unquoted RFC 3339. JING uses `YYYY-MM-DD HH:MM:SS` in China
//! time inside `mapping_data`, and epoch seconds or milliseconds elsewhere.

use time::format_description::FormatItem;
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// JING's wall-clock strings carry no zone; JING is a China-market product (Asia/Shanghai, no DST).
pub const JING_OFFSET: UtcOffset = offset!(+8);

const SF_OUT: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
);
const SOQL_OUT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const JING_FMT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
const DATE_FMT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised {what} {raw:?}")]
pub struct DateTimeError {
    pub what: &'static str,
    pub raw: String,
}

fn err(what: &'static str, raw: &str) -> DateTimeError {
    DateTimeError {
        what,
        raw: raw.to_owned(),
    }
}

/// Floor to the whole minute (Salesforce's replication APIs have minute granularity).
pub fn floor_minute(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(t)
}

/// Format as Salesforce REST does: `2024-05-01T10:00:00.000+0000` (always UTC).
pub fn format_sf(dt: OffsetDateTime) -> String {
    dt.to_offset(UtcOffset::UTC)
        .format(SF_OUT)
        .expect("static format")
}

/// Format as an unquoted SOQL datetime literal: `2024-05-01T10:00:00Z`.
pub fn format_soql(dt: OffsetDateTime) -> String {
    dt.to_offset(UtcOffset::UTC)
        .format(SOQL_OUT)
        .expect("static format")
}

/// Parse any datetime Salesforce emits: `+0000`, `+00:00`, `Z`, with or without milliseconds.
/// An instant with no UTC or China-time form (`9999-12-31T23:00:00-10:00`) is refused, see
/// `writable`.
pub fn parse_sf(raw: &str) -> Result<OffsetDateTime, DateTimeError> {
    let s = raw.trim();
    if s.len() < 19 {
        return Err(err("Salesforce datetime", raw));
    }
    let (main, zone) = split_zone(s).ok_or_else(|| err("Salesforce datetime", raw))?;
    let main = main.split('.').next().unwrap_or(main);
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let local = PrimitiveDateTime::parse(main, fmt).map_err(|_| err("Salesforce datetime", raw))?;
    let millis: i64 = s[..s.len() - zone.len()]
        .split_once('.')
        .map(|(_, frac)| {
            let digits: String = frac.chars().take(3).collect();
            format!("{digits:0<3}").parse().unwrap_or(0)
        })
        .unwrap_or(0);
    let offset = parse_zone(zone).ok_or_else(|| err("Salesforce datetime", raw))?;
    writable(local.assume_offset(offset) + time::Duration::milliseconds(millis))
        .ok_or_else(|| err("Salesforce datetime", raw))
}

/// `dt` when both systems' forms of it exist: UTC ([`format_sf`], SOQL) and China time
/// ([`format_jing`]). At the calendar's ends (year ±9999) a wall clock moved to another offset
/// may fall outside it, and formatting would panic; parsers refuse such instants instead.
fn writable(dt: OffsetDateTime) -> Option<OffsetDateTime> {
    dt.checked_to_offset(UtcOffset::UTC)?;
    dt.checked_to_offset(JING_OFFSET)?;
    Some(dt)
}

fn split_zone(s: &str) -> Option<(&str, &str)> {
    if let Some(main) = s.strip_suffix('Z') {
        return Some((main, "Z"));
    }
    let idx = s.rfind(['+', '-']).filter(|&i| i >= 19)?;
    Some((&s[..idx], &s[idx..]))
}

fn parse_zone(zone: &str) -> Option<UtcOffset> {
    if zone == "Z" {
        return Some(UtcOffset::UTC);
    }
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i8 = digits[..2].parse().ok()?;
    let m: i8 = digits[2..].parse().ok()?;
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

/// Format a date as both systems do: `2024-05-01`.
pub fn format_date(d: Date) -> String {
    d.format(DATE_FMT).expect("static format")
}

pub fn parse_date(raw: &str) -> Result<Date, DateTimeError> {
    Date::parse(raw.trim(), DATE_FMT).map_err(|_| err("date", raw))
}

/// Format as JING's wall clock in China time: `2023-02-27 15:02:25`.
pub fn format_jing(dt: OffsetDateTime) -> String {
    dt.to_offset(JING_OFFSET)
        .format(JING_FMT)
        .expect("static format")
}

/// Parse JING's `YYYY-MM-DD HH:MM:SS` (China time); an instant without a UTC form
/// (`-9999-01-01 00:00:00`) is refused, see `writable`.
pub fn parse_jing(raw: &str) -> Result<OffsetDateTime, DateTimeError> {
    PrimitiveDateTime::parse(raw.trim(), JING_FMT)
        .ok()
        .and_then(|p| writable(p.assume_offset(JING_OFFSET)))
        .ok_or_else(|| err("JING datetime", raw))
}

/// JING epoch fields come in seconds (`create_time`) or milliseconds (`timestamp`): values above
/// 10^11 can only be milliseconds (10^11 s is the year 5138).
pub fn from_epoch_auto(n: i64) -> Result<OffsetDateTime, DateTimeError> {
    let nanos = if n.abs() >= 100_000_000_000 {
        i128::from(n) * 1_000_000
    } else {
        i128::from(n) * 1_000_000_000
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(writable)
        .ok_or_else(|| err("epoch", &n.to_string()))
}

pub fn epoch_millis(dt: OffsetDateTime) -> i64 {
    (dt.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_epoch_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// Found while fuzzing the parsers (tests/parser-fuzz): values at the calendar's ends
    /// parsed, then panicked when formatted for the other system.
    #[test]
    fn an_instant_without_both_forms_is_refused() {
        assert!(
            parse_sf("9999-12-31T23:00:00-10:00").is_err(),
            "no UTC form"
        );
        assert!(
            parse_sf("9999-12-31T20:00:00Z").is_err(),
            "no China-time form"
        );
        assert!(parse_jing("-9999-01-01 00:00:00").is_err(), "no UTC form");
        assert!(
            from_epoch_auto(253_402_300_799_000).is_err(),
            "9999-12-31T23:59:59Z, in ms"
        );
        let last = parse_sf("9999-12-31T15:59:59Z").unwrap();
        assert_eq!(format_jing(last), "9999-12-31 23:59:59");
        let first = parse_jing("-9999-01-01 08:00:00").unwrap();
        assert_eq!(format_sf(first), "-9999-01-01T00:00:00.000+0000");
    }

    #[test]
    fn salesforce_format_has_no_colon_in_offset() {
        let dt = datetime!(2024-05-01 10:00:00 UTC);
        assert_eq!(format_sf(dt), "2024-05-01T10:00:00.000+0000");
        assert_eq!(format_soql(dt), "2024-05-01T10:00:00Z");
    }

    #[test]
    fn every_salesforce_variant_parses_to_the_same_instant() {
        let expected = datetime!(2013-05-20 20:49:32.123 UTC);
        for raw in [
            "2013-05-20T20:49:32.123+0000",
            "2013-05-20T20:49:32.123Z",
            "2013-05-20T20:49:32.123+00:00",
            "2013-05-20T22:49:32.123+0200",
        ] {
            assert_eq!(parse_sf(raw).unwrap(), expected, "{raw}");
        }
        assert_eq!(
            parse_sf("2013-05-20T20:49:32Z").unwrap(),
            datetime!(2013-05-20 20:49:32 UTC)
        );
        assert!(parse_sf("2013-05-20 20:49:32").is_err());
        assert!(parse_sf("yesterday").is_err());
    }

    #[test]
    fn jing_wall_clock_is_china_time() {
        let dt = parse_jing("2023-02-27 15:02:25").unwrap();
        assert_eq!(dt, datetime!(2023-02-27 07:02:25 UTC));
        assert_eq!(format_jing(dt), "2023-02-27 15:02:25");
    }

    #[test]
    fn epoch_seconds_and_millis_are_told_apart() {
        assert_eq!(
            from_epoch_auto(1677492512).unwrap(),
            datetime!(2023-02-27 10:08:32 UTC)
        );
        assert_eq!(
            from_epoch_auto(1722583035263).unwrap(),
            datetime!(2024-08-02 07:17:15.263 UTC)
        );
    }
}
