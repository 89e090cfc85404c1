//! Recurring purchases: how often a template is ordered, from when, and how.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::TemplateError;
use crate::values::{ChannelCode, CurrencyCode, UserId};

/// The longest interval, in days or weeks.
pub const MAX_INTERVAL: u32 = 365;

/// The unit of a schedule's interval; serialized `"days"` or `"weeks"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    /// Calendar days.
    Days,
    /// Weeks of seven days.
    Weeks,
}

impl IntervalUnit {
    /// The unit's length in days.
    pub fn days(&self) -> u64 {
        match self {
            IntervalUnit::Days => 1,
            IntervalUnit::Weeks => 7,
        }
    }
}

/// When and how a template is ordered automatically: every `every` `unit`s from `starts_on`,
/// through `channel` in `currency`, delivered to `delivery_address_id`, placed as `buyer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// How many units between two occurrences: 1 to 365.
    pub every: u32,
    /// Days or weeks.
    pub unit: IntervalUnit,
    /// The date of the schedule's first occurrence.
    pub starts_on: NaiveDate,
    /// The channel the orders are placed through.
    pub channel: ChannelCode,
    /// The orders' currency.
    pub currency: CurrencyCode,
    /// The company's delivery address the orders go to.
    pub delivery_address_id: String,
    /// The user the orders are placed as (their approval rules apply).
    pub buyer: UserId,
}

impl Schedule {
    /// Checks the interval (1 to 365 units) and that an address is named.
    pub fn check(&self) -> Result<(), TemplateError> {
        if !(1..=MAX_INTERVAL).contains(&self.every) {
            return Err(TemplateError::InvalidSchedule {
                reason: "every must be between 1 and 365",
            });
        }
        if self.delivery_address_id.trim().is_empty() {
            return Err(TemplateError::InvalidSchedule {
                reason: "delivery_address_id must not be empty",
            });
        }
        Ok(())
    }

    /// The date of the schedule's `n`-th occurrence counted from its start (0 is `starts_on`);
    /// `None` past the end of the calendar.
    pub fn date_of(&self, n: u32) -> Option<NaiveDate> {
        let days = u64::from(self.every) * self.unit.days() * u64::from(n);
        self.starts_on.checked_add_days(Days::new(days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(every: u32, unit: IntervalUnit) -> Schedule {
        Schedule {
            every,
            unit,
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            channel: ChannelCode::parse("b2b-cz").unwrap(),
            currency: CurrencyCode::parse("CZK").unwrap(),
            delivery_address_id: "HQ".to_owned(),
            buyer: UserId::parse("jana").unwrap(),
        }
    }

    #[test]
    fn occurrences_fall_every_interval_from_the_start() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let fortnightly = schedule(2, IntervalUnit::Weeks);
        assert_eq!(fortnightly.date_of(0), date(2026, 1, 31));
        assert_eq!(fortnightly.date_of(1), date(2026, 2, 14));
        assert_eq!(fortnightly.date_of(26), date(2027, 1, 30));
        let daily = schedule(1, IntervalUnit::Days);
        assert_eq!(daily.date_of(29), date(2026, 3, 1));
        assert_eq!(schedule(365, IntervalUnit::Weeks).date_of(u32::MAX), None);
    }

    #[test]
    fn the_interval_is_one_to_365_units() {
        assert!(schedule(1, IntervalUnit::Days).check().is_ok());
        assert!(schedule(365, IntervalUnit::Weeks).check().is_ok());
        let code = |every| {
            schedule(every, IntervalUnit::Days)
                .check()
                .unwrap_err()
                .code()
        };
        assert_eq!(code(0), "invalid-schedule");
        assert_eq!(code(366), "invalid-schedule");
    }

    #[test]
    fn interval_units_serialize_in_lowercase() {
        let json = serde_json::to_string(&IntervalUnit::Weeks).unwrap();
        assert_eq!(json, "\"weeks\"");
    }
}
