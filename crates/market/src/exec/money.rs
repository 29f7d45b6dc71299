//! Moving money between holders. Callers check sufficiency first; these helpers never fail.
//!
//! Every holder's amount is at most the total supply, which genesis bounds by `u64::MAX`, so a
//! credit cannot overflow and saturating arithmetic here is exact.

use rigshare_types::records::Account;
use rigshare_types::{AccountId, Amount};

use crate::error::ExecError;
use crate::state::State;

pub(super) fn add(a: Amount, b: Amount) -> Amount {
    Amount(a.0.saturating_add(b.0))
}

impl State {
    /// The account's balance (zero if it does not exist).
    pub(super) fn balance(&self, who: &AccountId) -> Amount {
        self.accounts.get(who).map_or(Amount::ZERO, |a| a.balance)
    }

    /// Fails unless `who` holds at least `amount`.
    pub(super) fn ensure_funds(&self, who: &AccountId, amount: Amount) -> Result<(), ExecError> {
        let available = self.balance(who);
        if available < amount {
            return Err(ExecError::InsufficientFunds { needed: amount, available });
        }
        Ok(())
    }

    /// Takes `amount` from a balance already checked with [`State::ensure_funds`].
    pub(super) fn debit(&mut self, who: &AccountId, amount: Amount) {
        if let Some(account) = self.accounts.get_mut(who) {
            account.balance = account.balance.saturating_sub(amount);
        }
    }

    /// Adds `amount` to a balance, creating the account if needed.
    pub(super) fn credit(&mut self, who: &AccountId, amount: Amount) {
        if amount.is_zero() {
            return;
        }
        match self.accounts.get_mut(who) {
            Some(account) => account.balance = add(account.balance, amount),
            None => self.accounts.insert(*who, Account { balance: amount, nonce: 0 }),
        }
    }
}
