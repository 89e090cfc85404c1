//! A price list's header: what kind of list it is, for whom, in which currency and when.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::PriceListError;
use crate::values::{ChannelCode, CompanyId, CurrencyCode, PriceLevel, PriceListCode};

/// Whom a list is for; serialized flat with a `kind` tag
/// (`{"kind": "level", "level": "VO"}`, `{"kind": "contract", "company_id": "ACME"}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PriceListKind {
    /// Everyone's prices (per channel, where a channel is set).
    Base,
    /// Prices of one price level (customer group).
    Level {
        /// The level.
        level: PriceLevel,
    },
    /// One company's contract prices.
    Contract {
        /// The company.
        company_id: CompanyId,
    },
}

impl PriceListKind {
    /// `"base"`, `"level"` or `"contract"`.
    pub fn name(&self) -> &'static str {
        match self {
            PriceListKind::Base => "base",
            PriceListKind::Level { .. } => "level",
            PriceListKind::Contract { .. } => "contract",
        }
    }
}

/// A price list's header. Built by [`PriceListHeader::new`], which refuses a validity window
/// that ends before it starts; deserializing checks the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "HeaderData")]
pub struct PriceListHeader {
    code: PriceListCode,
    #[serde(flatten)]
    kind: PriceListKind,
    currency: CurrencyCode,
    channel: Option<ChannelCode>,
    valid_from: Option<DateTime<Utc>>,
    valid_to: Option<DateTime<Utc>>,
    priority: i32,
}

/// The unchecked shape of a header, as it is read before [`PriceListHeader::new`] checks it.
#[derive(Deserialize)]
struct HeaderData {
    code: PriceListCode,
    #[serde(flatten)]
    kind: PriceListKind,
    currency: CurrencyCode,
    channel: Option<ChannelCode>,
    valid_from: Option<DateTime<Utc>>,
    valid_to: Option<DateTime<Utc>>,
    #[serde(default)]
    priority: i32,
}

impl PriceListHeader {
    /// Builds a header; both validity bounds are inclusive and either may be open.
    pub fn new(
        code: PriceListCode,
        kind: PriceListKind,
        currency: CurrencyCode,
        channel: Option<ChannelCode>,
        valid_from: Option<DateTime<Utc>>,
        valid_to: Option<DateTime<Utc>>,
        priority: i32,
    ) -> Result<Self, PriceListError> {
        if let (Some(from), Some(to)) = (valid_from, valid_to) {
            if to < from {
                return Err(PriceListError::InvalidValidity);
            }
        }
        Ok(Self {
            code,
            kind,
            currency,
            channel,
            valid_from,
            valid_to,
            priority,
        })
    }

    /// The list's code (the aggregate id).
    pub fn code(&self) -> &PriceListCode {
        &self.code
    }

    /// Whom the list is for.
    pub fn kind(&self) -> &PriceListKind {
        &self.kind
    }

    /// The currency of every price in the list.
    pub fn currency(&self) -> &CurrencyCode {
        &self.currency
    }

    /// The channel the list is limited to, if any.
    pub fn channel(&self) -> Option<&ChannelCode> {
        self.channel.as_ref()
    }

    /// First moment of validity (inclusive), if bounded.
    pub fn valid_from(&self) -> Option<DateTime<Utc>> {
        self.valid_from
    }

    /// Last moment of validity (inclusive), if bounded.
    pub fn valid_to(&self) -> Option<DateTime<Utc>> {
        self.valid_to
    }

    /// The explicit priority that breaks ties (higher wins).
    pub fn priority(&self) -> i32 {
        self.priority
    }

    /// Whether the list is valid at `at` (`valid_from <= at <= valid_to`, open bounds allowed).
    pub fn is_valid_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|from| from <= at) && self.valid_to.is_none_or(|to| at <= to)
    }

    /// Whether either validity bound is set.
    pub fn is_dated(&self) -> bool {
        self.valid_from.is_some() || self.valid_to.is_some()
    }

    /// The width of the validity window; `None` when it is unbounded on either side.
    pub fn validity_width(&self) -> Option<TimeDelta> {
        Some(self.valid_to? - self.valid_from?)
    }
}

impl TryFrom<HeaderData> for PriceListHeader {
    type Error = PriceListError;

    fn try_from(data: HeaderData) -> Result<Self, Self::Error> {
        PriceListHeader::new(
            data.code,
            data.kind,
            data.currency,
            data.channel,
            data.valid_from,
            data.valid_to,
            data.priority,
        )
    }
}
