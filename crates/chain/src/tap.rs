//! Watches consensus activity on its way to marshal, keeping what the chain needs later: the
//! seed signature of every notarized or finalized view (the randomness beacon), and
//! finalization certificates until their blocks are stored.

use std::sync::Arc;

use commonware_actor::Feedback;
use commonware_codec::Encode;
use commonware_consensus::Reporter;
use commonware_consensus::simplex::scheme::bls12381_threshold::vrf::{Seed, Seedable};
use commonware_consensus::simplex::types::Activity;
use commonware_cryptography::bls12381::primitives::variant::MinSig;

use crate::block::from_digest;
use crate::shared::{Shared, lock};
use crate::{Digest, Scheme};

/// Seeds kept for views this far below the newest.
const SEED_RETENTION_VIEWS: u64 = 10_000;

/// A reporter that records seeds and certificates, then forwards everything to `inner`.
#[derive(Clone)]
pub(crate) struct Tap<R> {
    pub(crate) inner: R,
    pub(crate) shared: Arc<Shared>,
}

impl<R: Reporter<Activity = Activity<Scheme, Digest>>> Reporter for Tap<R> {
    type Activity = Activity<Scheme, Digest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        match &activity {
            Activity::Notarization(n) | Activity::Certification(n) => self.record_seed(n.seed()),
            Activity::Finalization(f) => {
                self.record_seed(f.seed());
                lock(&self.shared.finalizations)
                    .insert(from_digest(&f.proposal.payload), f.encode().to_vec());
            }
            _ => {}
        }
        self.inner.report(activity)
    }
}

impl<R> Tap<R> {
    fn record_seed(&self, seed: Seed<MinSig>) {
        let view = seed.round.view().get();
        let mut bytes = [0u8; 48];
        let encoded = seed.signature.encode();
        if encoded.len() != bytes.len() {
            return;
        }
        bytes.copy_from_slice(&encoded);
        let mut seeds = lock(&self.shared.seeds);
        seeds.insert(view, bytes);
        if let Some(floor) = view.checked_sub(SEED_RETENTION_VIEWS) {
            *seeds = seeds.split_off(&floor);
        }
    }
}
