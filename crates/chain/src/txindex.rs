//! Where recent transactions ended up: the height and position of each finalized transaction
//! and its result, kept for the last [`TX_INDEX_CAPACITY`] transactions.

use std::collections::{HashMap, VecDeque};

use rigshare_market::{Event, TxError};
use rigshare_types::Hash32;

/// Finalized transactions whose outcome is remembered.
pub const TX_INDEX_CAPACITY: usize = 1 << 18; // transactions

/// What became of a finalized transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    /// The block that holds it.
    pub height: u64,
    /// Its position in the block.
    pub index: u32,
    /// `Ok` if it took effect; otherwise why not (see [`TxError`] for what a failure changed).
    pub result: Result<(), TxError>,
    /// What it caused (e.g. the id of an order it created).
    pub events: Vec<Event>,
}

/// Outcomes by transaction id, oldest evicted first.
#[derive(Debug, Default)]
pub(crate) struct TxIndex {
    outcomes: HashMap<Hash32, TxOutcome>,
    order: VecDeque<Hash32>,
}

impl TxIndex {
    /// Records the outcome of `id`, evicting the oldest entry when full.
    pub(crate) fn record(&mut self, id: Hash32, outcome: TxOutcome) {
        if self.outcomes.insert(id, outcome).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > TX_INDEX_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.outcomes.remove(&old);
            }
        }
    }

    /// The outcome of `id`, if it was finalized recently enough to be remembered.
    pub(crate) fn get(&self, id: &Hash32) -> Option<&TxOutcome> {
        self.outcomes.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest_past_capacity() {
        let mut index = TxIndex::default();
        let id = |n: usize| {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&(n as u64).to_le_bytes());
            Hash32(bytes)
        };
        for n in 0..=TX_INDEX_CAPACITY {
            index.record(
                id(n),
                TxOutcome { height: n as u64, index: 0, result: Ok(()), events: Vec::new() },
            );
        }
        assert!(index.get(&id(0)).is_none());
        assert_eq!(index.get(&id(1)).map(|o| o.height), Some(1));
        assert_eq!(
            index.get(&id(TX_INDEX_CAPACITY)).map(|o| o.height),
            Some(TX_INDEX_CAPACITY as u64)
        );
    }
}
