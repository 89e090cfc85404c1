//! How much data to generate, and the seeded random streams it is generated from.
//!
//! Every part of the data set (product 17, company 4, the contract list of company 0, ...) draws
//! from its own random stream, seeded from one fixed seed, the part's name and its index. So a
//! product is the same whether 200 or 100,000 are generated, and two runs produce byte-identical
//! messages (and therefore identical message ids, which the server replays).

use rand::rngs::StdRng;
use rand::SeedableRng;

/// The one seed of the demo data. Changing it changes every message, so a server loaded before
/// would see new messages (and diff them) instead of replays.
pub const SEED: u64 = 20_261_203;

/// The size of a generated data set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSize {
    /// Products (SKUs).
    pub skus: usize,
    /// Customer companies.
    pub companies: usize,
    /// Companies with their own contract price list.
    pub contract_lists: usize,
    /// Entries of each contract list (at most the number of active products).
    pub contract_entries: usize,
    /// Stock levels per message.
    pub stock_chunk: usize,
}

impl DemoSize {
    /// The realistic sample: about 2,000 SKUs, 50 companies, 15 contract lists.
    pub fn demo() -> Self {
        Self {
            skus: 2_000,
            companies: 50,
            contract_lists: 15,
            contract_entries: 80,
            stock_chunk: 500,
        }
    }

    /// The benchmark set: 100,000 SKUs, 5,000 companies and about 1,000,000 price entries
    /// (two base lists and five level lists of every SKU, plus 300 contract lists of 1,000).
    pub fn scale() -> Self {
        Self {
            skus: 100_000,
            companies: 5_000,
            contract_lists: 300,
            contract_entries: 1_000,
            stock_chunk: 500,
        }
    }

    /// This size with other counts of SKUs and companies; contract lists shrink with them so
    /// that every list still names a company and its entries still exist.
    pub fn resized(mut self, skus: Option<usize>, companies: Option<usize>) -> Self {
        if let Some(skus) = skus {
            self.skus = skus.max(1);
        }
        if let Some(companies) = companies {
            self.companies = companies.max(1);
        }
        self.contract_lists = self.contract_lists.min(self.companies.div_ceil(3));
        self.contract_entries = self.contract_entries.min(self.skus.div_ceil(4));
        self
    }

    /// How many companies are apart between two with a contract list.
    pub(crate) fn contract_stride(&self) -> usize {
        if self.contract_lists == 0 {
            return usize::MAX;
        }
        (self.companies / self.contract_lists).max(1)
    }

    /// Whether company number `index` has a contract list.
    pub(crate) fn has_contract(&self, index: usize) -> bool {
        let stride = self.contract_stride();
        index % stride == 0 && index / stride < self.contract_lists
    }
}

/// The random stream of one part of the data set.
pub(crate) fn rng(part: &str, index: u64) -> StdRng {
    // FNV-1a over the part's name: stable across Rust versions, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in part.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    StdRng::seed_from_u64(SEED ^ hash ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;

    #[test]
    fn a_part_draws_the_same_numbers_every_time() {
        let a: u64 = rng("product", 7).random();
        let b: u64 = rng("product", 7).random();
        let c: u64 = rng("product", 8).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn the_demo_size_has_fifteen_contract_lists_among_fifty_companies() {
        let size = DemoSize::demo();
        let with_contract = (0..size.companies)
            .filter(|i| size.has_contract(*i))
            .count();
        assert_eq!(with_contract, 15);
        assert!(size.has_contract(0));
    }

    #[test]
    fn resizing_keeps_contract_lists_within_the_companies_and_skus() {
        let size = DemoSize::demo().resized(Some(200), Some(10));
        assert_eq!((size.skus, size.companies), (200, 10));
        assert_eq!(size.contract_lists, 4);
        assert_eq!(size.contract_entries, 50);
        let with_contract = (0..size.companies)
            .filter(|i| size.has_contract(*i))
            .count();
        assert_eq!(with_contract, 4);
    }
}
