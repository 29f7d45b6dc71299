//! What audits and disputes share: drawing independent verifiers from the beacon, slashing
//! stake, and paying verifiers from the fee pool.

use std::collections::BTreeSet;

use rigshare_types::{Amount, Hash32, PublicKey, hash};

use crate::eligibility;
use crate::state::State;

/// Parts per million: the unit of every share and rate in the market's rules.
pub(super) const PPM: u64 = 1_000_000;

impl State {
    /// Up to `count` staked providers outside `excluded`, chosen by this block's beacon: ranked
    /// by `sha256(seed || domain || id || provider)`. Nobody can predict the seed before the
    /// block, so nobody can arrange to audit or arbitrate a given result.
    pub(super) fn draw_verifiers(
        &self,
        domain: &[u8],
        id: &[u8],
        excluded: &BTreeSet<PublicKey>,
        count: usize,
    ) -> Vec<PublicKey> {
        let seed = self.globals.seed;
        let mut ranked: Vec<(Hash32, PublicKey)> = self
            .providers
            .iter()
            .filter(|(key, p)| eligibility::staked(&self.params, p) && !excluded.contains(*key))
            .map(|(key, _)| (hash::sha256_parts(&[&seed.0, domain, id, &key.0]), *key))
            .collect();
        ranked.sort_unstable();
        ranked.into_iter().take(count).map(|(_, key)| key).collect()
    }

    /// Whether this block's beacon draws `id` with probability `rate_ppm`.
    pub(super) fn beacon_draw(&self, domain: &[u8], id: &[u8], rate_ppm: u32) -> bool {
        let roll = hash::sha256_parts(&[&self.globals.seed.0, domain, id]);
        let (head, _) = roll.0.split_at(8);
        let value = head.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        value % PPM < u64::from(rate_ppm)
    }

    /// Takes from `who`'s bonded stake (stake first, then unbonding stake, newest first)
    /// `slash_ppm` of it, and at least `floor`, both capped by what it has bonded. Returns the
    /// amount taken, which the caller must credit somewhere.
    pub(super) fn slash(&mut self, who: &PublicKey, floor: Amount) -> Amount {
        let share_ppm = u128::from(self.params.slash_ppm);
        let Some(provider) = self.providers.get_mut(who) else { return Amount::ZERO };
        let unbonding: u64 = provider.unbonding.iter().map(|u| u.amount.0).sum();
        let bonded = provider.stake.0.saturating_add(unbonding);
        let share = u128::from(bonded) * share_ppm / u128::from(PPM);
        let share = u64::try_from(share).unwrap_or(u64::MAX);
        let mut left = share.max(floor.0).min(bonded);
        let taken = left;
        let from_stake = left.min(provider.stake.0);
        provider.stake = Amount(provider.stake.0 - from_stake);
        left -= from_stake;
        for entry in provider.unbonding.iter_mut().rev() {
            let take = left.min(entry.amount.0);
            entry.amount = Amount(entry.amount.0 - take);
            left -= take;
        }
        provider.unbonding.retain(|u| !u.amount.is_zero());
        provider.stats.slashed = provider.stats.slashed.saturating_add(1);
        Amount(taken)
    }

    /// Pays `amount` from the fee pool to `who`, as far as the pool holds.
    pub(super) fn pay_from_pool(&mut self, who: &PublicKey, amount: Amount) {
        let paid = amount.min(self.globals.fee_pool);
        self.globals.fee_pool = self.globals.fee_pool.saturating_sub(paid);
        self.credit(who, paid);
    }

    /// Splits `amount` evenly among `to` (the remainder of the division to the first), or puts
    /// it in the fee pool when `to` is empty.
    pub(super) fn share_out(&mut self, amount: Amount, to: &[PublicKey]) {
        let Some((first, _)) = to.split_first() else {
            self.globals.fee_pool = super::money::add(self.globals.fee_pool, amount);
            return;
        };
        let count = to.len() as u64;
        let each = amount.0 / count;
        let rest = amount.0 - each * count;
        self.credit(first, Amount(rest));
        for who in to {
            self.credit(who, Amount(each));
        }
    }

    /// Keeps `who`'s unbonding stake from being released before `height`.
    pub(super) fn lock_stake_until(&mut self, who: &PublicKey, height: u64) {
        if let Some(provider) = self.providers.get_mut(who) {
            provider.locked_until = provider.locked_until.max(height);
        }
    }
}
