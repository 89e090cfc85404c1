//! Which price list prices a SKU for a request (SPEC "Pricing rules", step 1).
//!
//! Candidates are the lists in the request's currency and channel (or channel-less), valid at
//! the request's moment, holding an entry for the SKU. Contract lists come first, then the
//! company's level list, then base lists; within the first kind that has a candidate, a
//! channel-specific list beats a channel-less one, a dated list an undated one, a narrower
//! validity window a wider one, and a higher priority a lower one. A tie still left is an
//! error naming the lists, never a silent guess.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use super::{PriceBook, PricingProfile, PricingRequest};
use crate::price_list::{PriceEntry, PriceListHeader, PriceListKind};
use crate::values::{PriceListCode, Sku};

/// The kinds of list in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CandidateKind {
    /// One of the company's contract lists.
    Contract,
    /// The company's price-level list.
    Level,
    /// A base list.
    Base,
}

impl CandidateKind {
    /// `"contract"`, `"level"` or `"base"`, as the explanation names it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            CandidateKind::Contract => "contract",
            CandidateKind::Level => "level",
            CandidateKind::Base => "base",
        }
    }

    /// What kind of candidate `header` is for this buyer, or `None` when it is not theirs.
    fn of(header: &PriceListHeader, profile: &PricingProfile) -> Option<Self> {
        match header.kind() {
            PriceListKind::Contract { company_id } => (*company_id == profile.company_id
                || profile.contract_lists.contains(header.code()))
            .then_some(CandidateKind::Contract),
            PriceListKind::Level { level } => {
                (profile.price_level.as_ref() == Some(level)).then_some(CandidateKind::Level)
            }
            PriceListKind::Base => Some(CandidateKind::Base),
        }
    }
}

/// The list and entry that price a SKU.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved<'a> {
    /// The winning list.
    pub(crate) list: &'a PriceListHeader,
    /// Its kind for this buyer.
    pub(crate) kind: CandidateKind,
    /// Its entry for the SKU.
    pub(crate) entry: &'a PriceEntry,
}

/// Why no list prices the SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// No list applies.
    NoPrice,
    /// Several lists tie on every rule; sorted by code.
    Ambiguous(Vec<PriceListCode>),
}

/// Whether a list is in the request's currency and channel and valid at its moment.
fn applies(header: &PriceListHeader, request: &PricingRequest) -> bool {
    *header.currency() == request.currency
        && header
            .channel()
            .is_none_or(|channel| *channel == request.channel)
        && header.is_valid_at(request.at)
}

/// Compares two lists of the same kind; `Greater` means `a` is preferred.
fn preference(a: &PriceListHeader, b: &PriceListHeader) -> Ordering {
    let narrower = match (a.validity_width(), b.validity_width()) {
        (Some(a_width), Some(b_width)) => b_width.cmp(&a_width),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    };
    a.channel()
        .is_some()
        .cmp(&b.channel().is_some())
        .then(a.is_dated().cmp(&b.is_dated()))
        .then(narrower)
        .then(a.priority().cmp(&b.priority()))
}

/// Finds the list that prices `sku` for `request`.
pub(crate) fn resolve<'a>(
    request: &PricingRequest,
    book: &'a PriceBook,
    sku: &Sku,
) -> Result<Resolved<'a>, Unresolved> {
    let candidates: Vec<Resolved<'a>> = book
        .lists
        .iter()
        .filter(|header| applies(header, request))
        .filter_map(|header| {
            let kind = CandidateKind::of(header, &request.profile)?;
            let entry = book.entry(header.code(), sku)?;
            Some(Resolved {
                list: header,
                kind,
                entry,
            })
        })
        .collect();
    let best_kind = candidates
        .iter()
        .map(|candidate| candidate.kind)
        .min()
        .ok_or(Unresolved::NoPrice)?;
    let mut same_kind: Vec<Resolved<'a>> = candidates
        .into_iter()
        .filter(|candidate| candidate.kind == best_kind)
        .collect();
    // Most preferred first; the code orders the rest so the outcome never depends on the
    // order the lists arrived in.
    same_kind
        .sort_by(|a, b| preference(b.list, a.list).then_with(|| a.list.code().cmp(b.list.code())));
    let best = same_kind[0];
    let tied: BTreeSet<&PriceListCode> = same_kind
        .iter()
        .take_while(|candidate| preference(candidate.list, best.list) == Ordering::Equal)
        .map(|candidate| candidate.list.code())
        .collect();
    if tied.len() > 1 {
        return Err(Unresolved::Ambiguous(tied.into_iter().cloned().collect()));
    }
    Ok(best)
}
