//! Verification work the market assigns to this provider (audits, arbitration, hardware
//! checks), started once each however the agent learns of it: from the event stream as it is
//! drawn, or from the node's list of open assignments when the agent (re)connects or its
//! stream lagged — so an assignment drawn while the agent was down is still done before its
//! deadline, instead of counting against the provider.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use rigshare_types::{LeaseId, OrderId, PublicKey};
use tracing::{info, warn};

use super::{Context, verify};

/// One piece of verification work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Work {
    /// Re-execute a lease's job and report its root.
    Audit(LeaseId),
    /// Re-execute a disputed order's job and vote.
    Arbitrate(OrderId),
    /// Run a provider's hardware challenge.
    CheckHardware(PublicKey),
}

/// The work running on this agent.
#[derive(Debug, Default)]
pub(crate) struct Running(Mutex<HashSet<Work>>);

impl Running {
    /// Marks `work` running; false if it already was.
    fn claim(&self, work: Work) -> bool {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(work)
    }

    fn release(&self, work: Work) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(&work);
    }
}

/// Starts `work` unless it is already running here. Once it ends (done or failed), the next
/// catch-up may start it again if the market still waits for it.
pub(crate) fn start(context: &Arc<Context>, work: Work) {
    if !context.running.claim(work) {
        return;
    }
    let task = context.clone();
    context.spawn(async move {
        match work {
            Work::Audit(lease) => verify::audit(task.clone(), lease).await,
            Work::Arbitrate(order) => verify::arbitrate(task.clone(), order).await,
            Work::CheckHardware(provider) => verify::hardware(task.clone(), provider).await,
        }
        task.running.release(work);
    });
}

/// Starts whatever the node says the market still waits for from this provider.
pub(crate) async fn catch_up(context: Arc<Context>) {
    let me = context.wallet.account();
    let open = match context.wallet.client().assignments(&me).await {
        Ok(open) => open,
        Err(e) => {
            warn!(target: "provider::agent", error = %e, "cannot list open assignments; relying on new events");
            return;
        }
    };
    let work = (open.audits.into_iter().map(Work::Audit))
        .chain(open.disputes.into_iter().map(Work::Arbitrate))
        .chain(open.hardware_checks.into_iter().map(Work::CheckHardware));
    for work in work {
        info!(target: "provider::agent", ?work, "taking up an open assignment");
        start(&context, work);
    }
}
