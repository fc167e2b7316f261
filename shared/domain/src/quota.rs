//! API budget math: the `Sforce-Limit-Info` header, the effective daily allocation, the quota
//! day and the forecast of when today's allocation runs out.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

/// `api-usage=used/max` from `Sforce-Limit-Info` (other parts ignored; parsed leniently).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUsage {
    pub used: u64,
    pub max: u64,
}

impl OrgUsage {
    pub fn remaining(self) -> u64 {
        self.max.saturating_sub(self.used)
    }
}

/// Parse `Sforce-Limit-Info: api-usage=25/5000; per-app-api-usage=17/250(appName=x)`.
pub fn parse_limit_info(header: &str) -> Option<OrgUsage> {
    header.split([';', ',']).find_map(|part| {
        let (key, value) = part.trim().split_once('=')?;
        if key.trim() != "api-usage" {
            return None;
        }
        let (used, max) = value.trim().split_once('/')?;
        Some(OrgUsage {
            used: used.trim().parse().ok()?,
            max: max.trim().parse().ok()?,
        })
    })
}

/// The allocation in force: the app's daily setting, capped at a share of what the org has left
/// counting the app's own calls today back in (so the app never starves other integrations).
///
/// The app's calls are part of `org.used`: a cap of `used_today + share × remaining`,
/// re-evaluated after every response, would let the app go on until the org has nothing left.
/// Sharing `remaining + used_today` instead keeps the cap steady while only this app calls, and
/// leaves the rest of the share to the others.
pub fn effective_allocation(
    daily: u64,
    max_org_share_pct: u8,
    used_today: u64,
    org: Option<OrgUsage>,
) -> u64 {
    match org {
        None => daily,
        Some(org) => {
            let pool = org.remaining() + used_today;
            daily.min(pool * u64::from(max_org_share_pct.min(100)) / 100)
        }
    }
}

/// The quota day a moment belongs to; days start at midnight in `offset` (China time by default).
pub fn quota_day(now: OffsetDateTime, offset: UtcOffset) -> Date {
    now.to_offset(offset).date()
}

/// When the next quota day starts.
pub fn next_reset(now: OffsetDateTime, offset: UtcOffset) -> OffsetDateTime {
    let day = quota_day(now, offset);
    let next = day.next_day().unwrap_or(day);
    next.with_time(Time::MIDNIGHT)
        .assume_offset(offset)
        .to_offset(UtcOffset::UTC)
}

/// When today's allocation runs out at the average rate so far; None when it will last the day
/// (or nothing was used yet).
pub fn forecast_exhaustion(
    used: u64,
    allocation: u64,
    now: OffsetDateTime,
    offset: UtcOffset,
) -> Option<OffsetDateTime> {
    if used >= allocation {
        return Some(now);
    }
    let day_start = quota_day(now, offset)
        .with_time(Time::MIDNIGHT)
        .assume_offset(offset);
    let elapsed = (now - day_start).whole_seconds().max(1);
    if used == 0 {
        return None;
    }
    let seconds_left = (allocation - used) as f64 * elapsed as f64 / used as f64;
    let at = now + Duration::seconds(seconds_left.ceil() as i64);
    (at < next_reset(now, offset)).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::JING_OFFSET;
    use time::macros::datetime;

    #[test]
    fn limit_info_variants_parse() {
        assert_eq!(
            parse_limit_info("api-usage=18/5000"),
            Some(OrgUsage {
                used: 18,
                max: 5000
            })
        );
        assert_eq!(
            parse_limit_info(
                "api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)"
            ),
            Some(OrgUsage {
                used: 25,
                max: 5000
            })
        );
        let burst = parse_limit_info("api-usage=110018/100000; api-bursts=1/750").unwrap();
        assert_eq!(burst.remaining(), 0);
        assert_eq!(parse_limit_info("per-app-api-usage=17/250"), None);
        assert_eq!(parse_limit_info("garbage"), None);
    }

    #[test]
    fn allocation_is_capped_by_the_orgs_remaining_share() {
        assert_eq!(effective_allocation(15_000, 50, 0, None), 15_000);
        let org = OrgUsage {
            used: 90_000,
            max: 100_000,
        };
        assert_eq!(effective_allocation(15_000, 50, 1_000, Some(org)), 5_500);
        // The app spending its share does not move the cap: 4,500 more used, 4,500 fewer left.
        let later = OrgUsage {
            used: 94_500,
            max: 100_000,
        };
        assert_eq!(effective_allocation(15_000, 50, 5_500, Some(later)), 5_500);
        let roomy = OrgUsage {
            used: 0,
            max: 1_000_000,
        };
        assert_eq!(effective_allocation(15_000, 50, 0, Some(roomy)), 15_000);
    }

    #[test]
    fn quota_days_start_at_midnight_china_time() {
        let late_utc = datetime!(2024-05-01 17:30 UTC); // 01:30 on May 2 in Shanghai
        assert_eq!(
            quota_day(late_utc, JING_OFFSET),
            time::macros::date!(2024 - 05 - 02)
        );
        assert_eq!(
            next_reset(late_utc, JING_OFFSET),
            datetime!(2024-05-02 16:00 UTC)
        );
    }

    #[test]
    fn forecast_extrapolates_the_days_rate() {
        // 6 hours into the China day, 5,000 of 15,000 used: 12 more hours to run out.
        let now = datetime!(2024-05-01 22:00 UTC); // 06:00 May 2 in Shanghai
        let at = forecast_exhaustion(5_000, 15_000, now, JING_OFFSET).unwrap();
        assert_eq!(at, datetime!(2024-05-02 10:00 UTC));
        // A slow rate lasts the day.
        assert_eq!(forecast_exhaustion(100, 15_000, now, JING_OFFSET), None);
        assert_eq!(
            forecast_exhaustion(15_000, 15_000, now, JING_OFFSET),
            Some(now)
        );
    }
}
