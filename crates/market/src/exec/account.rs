//! Transfers between accounts.

use rigshare_types::{AccountId, Amount};

use crate::error::ExecError;
use crate::state::State;
use rigshare_types::event::Event;

impl State {
    pub(super) fn transfer(
        &mut self,
        from: &AccountId,
        to: &AccountId,
        amount: Amount,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        if amount.is_zero() {
            return Err(ExecError::ZeroAmount);
        }
        if from == to {
            return Err(ExecError::SelfTransfer);
        }
        self.ensure_funds(from, amount)?;
        self.debit(from, amount);
        self.credit(to, amount);
        events.push(Event::Transferred { from: *from, to: *to, amount });
        Ok(())
    }
}
