//! The simulator's one random generator, behind fault rolls, shuffled messages and retry
//! jitter. Seeded with `--seed`, a run makes the same choices again (as far as the order of
//! concurrent requests allows).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// A shared, lockable random generator.
pub(super) struct Chance {
    rng: Mutex<StdRng>,
}

impl Chance {
    /// Seeded with `seed`, or from the operating system without one.
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Self {
            rng: Mutex::new(rng),
        }
    }

    fn rng(&self) -> MutexGuard<'_, StdRng> {
        // A generator cannot be left half-updated by a panic elsewhere.
        self.rng.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A number in [0, 1).
    pub fn unit(&self) -> f64 {
        self.rng().random()
    }

    /// Puts `items` in a random order that differs from the given one (when it can).
    pub fn shuffle<T>(&self, items: &mut [T]) {
        let was: Vec<usize> = (0..items.len()).collect();
        let mut order = was.clone();
        order.shuffle(&mut *self.rng());
        // A shuffle may leave everything in place; the fault promises out-of-order delivery.
        if order == was {
            order.reverse();
        }
        permute(items, &order);
    }

    /// A delay between half of `delay` and `delay`, so that retries of many orders spread out.
    pub fn jitter(&self, delay: Duration) -> Duration {
        let factor: f64 = self.rng().random_range(0.5..=1.0);
        delay.mul_f64(factor)
    }
}

/// Rearranges `items` so that position `i` holds the item that was at `order[i]`.
fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut slots: Vec<Option<usize>> = order.iter().copied().map(Some).collect();
    // Following each cycle of the permutation needs no `Clone` bound on the items.
    for start in 0..items.len() {
        let mut current = start;
        while let Some(source) = slots[current].take() {
            if source == start {
                break;
            }
            items.swap(current, source);
            current = source;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_always_changes_the_order_and_keeps_every_item() {
        let chance = Chance::new(Some(7));
        for len in 2..8 {
            let mut items: Vec<usize> = (0..len).collect();
            chance.shuffle(&mut items);
            assert_ne!(items, (0..len).collect::<Vec<_>>(), "len {len}");
            items.sort_unstable();
            assert_eq!(items, (0..len).collect::<Vec<_>>(), "len {len}");
        }
    }

    #[test]
    fn permute_moves_each_item_to_its_new_place() {
        let mut items = vec!['a', 'b', 'c', 'd'];
        permute(&mut items, &[2, 0, 3, 1]);
        assert_eq!(items, vec!['c', 'a', 'd', 'b']);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_delay() {
        let chance = Chance::new(Some(3));
        for _ in 0..100 {
            let jittered = chance.jitter(Duration::from_millis(100));
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&jittered));
        }
    }
}
