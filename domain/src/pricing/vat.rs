//! VAT regimes and rates. The seller is a Czech VAT payer.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::PricingProfile;
use crate::values::VatClass;

/// The seller's country.
const SELLER_COUNTRY: &str = "CZ";

/// The note a reverse-charge document must carry.
pub const REVERSE_CHARGE_NOTE: &str =
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)";

/// How VAT applies to a buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRegime {
    /// Czech rates: buyers in CZ, and EU buyers without a VAT id.
    Domestic,
    /// EU business buyer outside CZ with a VAT id: 0 %, the buyer accounts for the VAT.
    ReverseCharge,
    /// Buyer outside the EU: 0 %, an exempt export.
    Export,
}

/// A rate and the rule that gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VatRate {
    /// The rate in percent.
    pub(crate) rate: Decimal,
    /// The rule's name for the explanation.
    pub(crate) rule: &'static str,
}

impl VatRegime {
    /// The regime for a buyer.
    pub fn for_buyer(profile: &PricingProfile) -> Self {
        let country = &profile.country;
        let has_vat_id = profile
            .vat_id
            .as_deref()
            .is_some_and(|id| !id.trim().is_empty());
        if country.as_str() == SELLER_COUNTRY {
            VatRegime::Domestic
        } else if country.is_eu() {
            if has_vat_id {
                VatRegime::ReverseCharge
            } else {
                VatRegime::Domestic
            }
        } else {
            VatRegime::Export
        }
    }

    /// The rate and rule for a product of `class` under this regime.
    pub(crate) fn rate(&self, class: VatClass) -> VatRate {
        let (rate, rule) = match (self, class) {
            (VatRegime::Domestic, VatClass::Standard) => (21, "CZ standard"),
            (VatRegime::Domestic, VatClass::Reduced) => (12, "CZ reduced"),
            (VatRegime::Domestic, VatClass::Zero) => (0, "CZ zero"),
            (VatRegime::ReverseCharge, _) => (0, "EU reverse charge"),
            (VatRegime::Export, _) => (0, "export outside EU"),
        };
        VatRate {
            rate: Decimal::from(rate),
            rule,
        }
    }

    /// The notes a document under this regime must carry.
    pub(crate) fn notes(&self) -> Vec<String> {
        match self {
            VatRegime::ReverseCharge => vec![REVERSE_CHARGE_NOTE.to_owned()],
            VatRegime::Domestic | VatRegime::Export => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{CompanyId, CountryCode, Percent};

    fn buyer(country: &str, vat_id: Option<&str>) -> PricingProfile {
        PricingProfile {
            company_id: CompanyId::parse("ACME").unwrap(),
            country: CountryCode::parse(country).unwrap(),
            vat_id: vat_id.map(str::to_owned),
            price_level: None,
            contract_lists: vec![],
            discount_percent: Percent::ZERO,
        }
    }

    #[test]
    fn czech_buyers_pay_czech_vat_with_or_without_a_vat_id() {
        assert_eq!(
            VatRegime::for_buyer(&buyer("CZ", Some("CZ1"))),
            VatRegime::Domestic
        );
        assert_eq!(
            VatRegime::for_buyer(&buyer("CZ", None)),
            VatRegime::Domestic
        );
    }

    #[test]
    fn eu_buyers_with_a_vat_id_get_reverse_charge_and_without_one_czech_vat() {
        assert_eq!(
            VatRegime::for_buyer(&buyer("DE", Some("DE123456789"))),
            VatRegime::ReverseCharge
        );
        assert_eq!(
            VatRegime::for_buyer(&buyer("DE", None)),
            VatRegime::Domestic
        );
        assert_eq!(
            VatRegime::for_buyer(&buyer("DE", Some(" "))),
            VatRegime::Domestic
        );
    }

    #[test]
    fn buyers_outside_the_eu_are_exports() {
        assert_eq!(
            VatRegime::for_buyer(&buyer("CH", Some("CHE-1"))),
            VatRegime::Export
        );
        assert_eq!(VatRegime::for_buyer(&buyer("US", None)), VatRegime::Export);
    }

    #[test]
    fn rates_follow_class_and_regime() {
        let rate = |regime: VatRegime, class| regime.rate(class).rate;
        assert_eq!(
            rate(VatRegime::Domestic, VatClass::Standard),
            Decimal::from(21)
        );
        assert_eq!(
            rate(VatRegime::Domestic, VatClass::Reduced),
            Decimal::from(12)
        );
        assert_eq!(rate(VatRegime::Domestic, VatClass::Zero), Decimal::ZERO);
        assert_eq!(
            rate(VatRegime::ReverseCharge, VatClass::Standard),
            Decimal::ZERO
        );
        assert_eq!(
            VatRegime::Export.rate(VatClass::Reduced).rule,
            "export outside EU"
        );
    }
}
