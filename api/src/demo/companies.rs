//! The demo's customers: Czech firms paying in CZK and Slovak firms paying in EUR (whose VAT id
//! makes their invoices EU reverse charge), each on a price level, some with a contract list.

use rand::seq::IndexedRandom;
use rand::Rng;
use serde::Serialize;

use super::company_names::{
    Town, BRANDS, CZ_STREETS, CZ_SURNAMES, CZ_TOWNS, CZ_TRADES, SK_STREETS, SK_SURNAMES, SK_TOWNS,
    SK_TRADES,
};
use super::message::ErpMessage;
use super::size::{rng, DemoSize};

/// Every eighth company (numbers 7, 15, 23, ...) is Slovak.
const SLOVAK_EVERY: usize = 8;

/// One generated customer.
#[derive(Clone, Debug)]
pub struct Company {
    /// `C00001`, ...
    pub id: String,
    /// Trade name with its legal form.
    pub name: String,
    /// `CZ` or `SK`.
    pub country: &'static str,
    /// `CZK` or `EUR`.
    pub currency: &'static str,
    /// The price level (`VO`, `A`, `B`, `MO`).
    pub level: &'static str,
    /// The code of its contract list, if it has one.
    pub contract: Option<String>,
    body: CompanyBody,
}

#[derive(Clone, Debug, Serialize)]
struct CompanyBody {
    erp_customer_no: String,
    name: String,
    ico: String,
    dic: Option<String>,
    country: &'static str,
    currency: &'static str,
    price_level: &'static str,
    contract_price_lists: Vec<String>,
    discount_percent: &'static str,
    credit_limit: String,
    payment_terms_days: u32,
    allow_backorders: bool,
    allow_partial_delivery: bool,
    addresses: Vec<AddressBody>,
}

#[derive(Clone, Debug, Serialize)]
struct AddressBody {
    id: &'static str,
    street: String,
    city: &'static str,
    zip: &'static str,
    country: &'static str,
}

impl Company {
    /// Company number `index` (0-based) of a data set of `size`.
    pub fn generate(index: usize, size: &DemoSize) -> Self {
        let mut rng = rng("company", index as u64);
        let slovak = index % SLOVAK_EVERY == SLOVAK_EVERY - 1;
        let (country, currency) = if slovak { ("SK", "EUR") } else { ("CZ", "CZK") };
        let (surnames, trades, towns, streets) = if slovak {
            (SK_SURNAMES, SK_TRADES, SK_TOWNS, SK_STREETS)
        } else {
            (CZ_SURNAMES, CZ_TRADES, CZ_TOWNS, CZ_STREETS)
        };
        let surname = *surnames.choose(&mut rng).expect("non-empty");
        let town: &Town = towns.choose(&mut rng).expect("non-empty");
        let name = match rng.random_range(0..10) {
            0..=4 => format!(
                "{} {surname} s.r.o.",
                trades.choose(&mut rng).expect("non-empty")
            ),
            5..=6 => format!("{surname} a syn s.r.o."),
            _ => format!(
                "{} {} a.s.",
                BRANDS.choose(&mut rng).expect("non-empty"),
                town.name
            ),
        };
        let ico = ico(&mut rng);
        // Small Czech firms below the VAT threshold have no DIČ; Slovak customers all have an
        // IČ DPH, which is what makes their supplies reverse charge.
        let dic = if slovak {
            Some(sk_vat_id(&mut rng))
        } else {
            rng.random_bool(0.9).then(|| format!("CZ{ico}"))
        };
        let level = if slovak {
            *["VO", "A"].choose(&mut rng).expect("non-empty")
        } else {
            *["VO", "VO", "A", "A", "B", "B", "MO"]
                .choose(&mut rng)
                .expect("non-empty")
        };
        let credit_limit = if slovak {
            format!("{}.00", rng.random_range(2..=80) * 1_000)
        } else {
            format!("{}.00", rng.random_range(5..=200) * 10_000)
        };
        let id = format!("C{:05}", index + 1);
        let contract = size.has_contract(index).then(|| format!("SML-{id}"));
        let mut addresses = vec![address(&mut rng, "HQ", town, streets, country)];
        if rng.random_bool(0.3) {
            let depot = towns.choose(&mut rng).expect("non-empty");
            addresses.push(address(&mut rng, "SKLAD", depot, streets, country));
        }
        let body = CompanyBody {
            erp_customer_no: format!("{}", 10_001 + index),
            name: name.clone(),
            ico,
            dic,
            country,
            currency,
            price_level: level,
            contract_price_lists: contract.iter().cloned().collect(),
            discount_percent: ["0", "0", "0", "2", "3", "5", "7.5"]
                .choose(&mut rng)
                .expect("non-empty"),
            credit_limit,
            payment_terms_days: *[14, 14, 30, 30, 60].choose(&mut rng).expect("non-empty"),
            allow_backorders: rng.random_bool(0.2),
            allow_partial_delivery: rng.random_bool(0.7),
            addresses,
        };
        Self {
            id,
            name,
            country,
            currency,
            level,
            contract,
            body,
        }
    }

    /// The sales channel the company buys through.
    pub fn channel(&self) -> &'static str {
        if self.country == "SK" {
            "b2b-sk"
        } else {
            "b2b-cz"
        }
    }

    /// The ERP's message with the company's master data.
    pub(crate) fn message(&self) -> anyhow::Result<ErpMessage> {
        ErpMessage::put(
            format!("/v1/erp/companies/{}", self.id),
            &format!("company:{}", self.id),
            &self.body,
        )
    }
}

/// The first `size.companies` companies.
pub fn companies(size: &DemoSize) -> Vec<Company> {
    (0..size.companies)
        .map(|i| Company::generate(i, size))
        .collect()
}

fn address(
    rng: &mut impl Rng,
    id: &'static str,
    town: &Town,
    streets: &[&str],
    country: &'static str,
) -> AddressBody {
    let street = streets.choose(rng).expect("non-empty");
    AddressBody {
        id,
        street: format!("{street} {}", rng.random_range(1..=250)),
        city: town.name,
        zip: town.zip,
        country,
    }
}

/// A Czech company id (IČO): seven digits and the modulo-11 check digit the register uses.
fn ico(rng: &mut impl Rng) -> String {
    let digits: Vec<u32> = (0..7)
        .map(|i| rng.random_range(u32::from(i == 0)..10))
        .collect();
    let sum: u32 = digits.iter().zip((2..=8).rev()).map(|(d, w)| d * w).sum();
    let check = (11 - sum % 11) % 10;
    digits
        .iter()
        .chain([&check])
        .map(|d| d.to_string())
        .collect()
}

/// A Slovak VAT id (IČ DPH): `SK` and ten digits divisible by 11.
fn sk_vat_id(rng: &mut impl Rng) -> String {
    let n: u64 = rng.random_range(2_020_000_000..2_129_999_999);
    format!("SK{}", n - n % 11)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_ids_carry_a_valid_check_digit() {
        let mut rng = rng("test", 0);
        for _ in 0..100 {
            let ico = ico(&mut rng);
            let d: Vec<u32> = ico.chars().map(|c| c.to_digit(10).unwrap()).collect();
            let sum: u32 = (0..7).map(|i| d[i] * (8 - i as u32)).sum();
            let expected = match sum % 11 {
                0 => 1,
                1 => 0,
                r => 11 - r,
            };
            assert_eq!((ico.len(), d[7]), (8, expected), "{ico}");
        }
    }

    #[test]
    fn slovak_companies_pay_in_euro_with_a_vat_id() {
        let all = companies(&DemoSize::demo());
        let slovak: Vec<_> = all.iter().filter(|c| c.country == "SK").collect();
        assert_eq!(slovak.len(), 6);
        for c in slovak {
            assert_eq!((c.currency, c.channel()), ("EUR", "b2b-sk"));
            assert!(c.body.dic.as_deref().is_some_and(|d| d.starts_with("SK")));
        }
        assert_eq!(all.iter().filter(|c| c.contract.is_some()).count(), 15);
        assert_eq!(all[0].country, "CZ");
    }
}
