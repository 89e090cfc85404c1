//! Rounding rules: half away from zero, two places for amounts, the list's own scale (at least
//! two places) for discounted unit prices.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::values::{Money, Percent};

/// Amounts (line nets, VAT, totals) carry two decimal places.
const AMOUNT_PLACES: u32 = 2;

/// Rounds to two places, half away from zero, and shows exactly two places (`4800.00`).
pub(crate) fn amount(value: Decimal) -> Decimal {
    with_places(value, AMOUNT_PLACES)
}

/// Rounds to `places`, half away from zero, and shows exactly that many places.
fn with_places(value: Decimal, places: u32) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    rounded
}

/// The number of places a unit price derived from `list_price` carries: the list price's own
/// (normalized) scale, but at least two.
fn unit_places(list_price: Money) -> u32 {
    list_price.value().scale().max(AMOUNT_PLACES)
}

/// A list price shown with at least two places (`80.00`, `0.1234`).
pub(crate) fn unit_price(list_price: Money) -> Decimal {
    with_places(list_price.value(), unit_places(list_price))
}

/// `list_price × (1 − discount/100)`, rounded half away from zero to the list price's scale but
/// at least two places (92.00 less 3 % is 89.24).
#[cfg(test)]
pub(crate) fn discounted(list_price: Money, discount: Percent) -> Decimal {
    discounted_among(list_price, discount, [list_price])
}

/// Like [`discounted`], rounded to the finest scale among `prices` (an entry's base and tier
/// prices): every price of one entry rounds to the same places, so a tier below the base price
/// stays at or below it after the discount (6971.1301 and a tier of 6971.13 less 36.63 % give
/// 4417.6051 and 4417.6051, not 4417.6051 and 4417.61).
pub(crate) fn discounted_among(
    list_price: Money,
    discount: Percent,
    prices: impl IntoIterator<Item = Money>,
) -> Decimal {
    let places = prices
        .into_iter()
        .map(unit_places)
        .fold(unit_places(list_price), u32::max);
    let factor = Decimal::ONE - discount.value() / Decimal::ONE_HUNDRED;
    with_places(list_price.value() * factor, places)
}

/// `net × rate/100`, rounded to two places.
pub(crate) fn vat_of(net: Decimal, rate: Decimal) -> Decimal {
    amount(net * rate / Decimal::ONE_HUNDRED)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn money(value: Decimal) -> Money {
        Money::parse(value).unwrap()
    }

    #[test]
    fn amounts_round_half_away_from_zero_to_exactly_two_places() {
        assert_eq!(amount(dec!(4800)).to_string(), "4800.00");
        assert_eq!(amount(dec!(0.125)).to_string(), "0.13");
        assert_eq!(amount(dec!(0.135)).to_string(), "0.14");
        assert_eq!(amount(dec!(0.1249)).to_string(), "0.12");
    }

    #[test]
    fn one_entry_rounds_all_its_prices_to_its_finest_scale() {
        let discount = Percent::parse(dec!(36.63)).unwrap();
        let base = money(dec!(6971.1301));
        let tier = money(dec!(6971.13));
        let at_tier = discounted_among(tier, discount, [base, tier]);
        assert_eq!(at_tier.to_string(), "4417.6051");
        assert!(at_tier <= discounted_among(base, discount, [base, tier]));
        // Alone, the tier would round to its own two places, above the base's price.
        assert_eq!(discounted(tier, discount).to_string(), "4417.61");
    }

    #[test]
    fn discount_keeps_the_list_scale_with_at_least_two_places() {
        let three = Percent::parse(dec!(3)).unwrap();
        assert_eq!(discounted(money(dec!(92.00)), three).to_string(), "89.24");
        assert_eq!(discounted(money(dec!(0.1235)), three).to_string(), "0.1198");
        let half = Percent::parse(dec!(2.5)).unwrap();
        assert_eq!(discounted(money(dec!(0.5)), half).to_string(), "0.49");
        assert_eq!(
            discounted(money(dec!(10)), Percent::ZERO).to_string(),
            "10.00"
        );
    }

    #[test]
    fn unit_prices_show_at_least_two_places() {
        assert_eq!(unit_price(money(dec!(80))).to_string(), "80.00");
        assert_eq!(unit_price(money(dec!(0.1234))).to_string(), "0.1234");
    }

    #[test]
    fn vat_is_rounded_to_two_places() {
        assert_eq!(vat_of(dec!(4800.00), dec!(21)).to_string(), "1008.00");
        assert_eq!(vat_of(dec!(0.50), dec!(21)).to_string(), "0.11");
    }
}
