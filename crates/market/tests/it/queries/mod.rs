//! The market's read queries against brute-force scans of its tables: the scans are the node's
//! handlers as they were before the queries moved into the market.

mod assignments;
mod offers;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use rigshare_market::{Assignments, State};
use rigshare_types::query::Query;
use rigshare_types::verification::{AuditStatus, DisputeStatus, HardwareCheckStatus};
use rigshare_types::{Amount, EvidenceTier, PublicKey};

/// Queries the offer checks run: every field and operator, some matching nothing.
pub const OFFER_QUERIES: &[&str] = &[
    "",
    "vram_gib>=40",
    "gpu_model=H100",
    "gpu_model in [H100, A100] gpu_count>=2",
    "gpu_model notin [H100]",
    "vram_gib<=24 price_gpu_hour<=0.5",
    "price_gpu_hour<1",
    "reliability>=0.99",
    "reliability<0.9",
    "tier>=challenged",
    "gpu_count>=4 compute_cap>=9.0",
    "gpu_count>100",
];

/// What a provider owes, by scanning every audit, dispute and hardware check.
pub fn assignments_by_scan(state: &State, id: &PublicKey) -> Assignments {
    Assignments {
        audits: state
            .audits()
            .filter(|(_, a)| a.auditor == *id && a.status == AuditStatus::Pending)
            .map(|(lease, _)| *lease)
            .collect(),
        disputes: state
            .disputes()
            .filter(|(_, d)| {
                d.status == DisputeStatus::Open
                    && d.arbiters.contains(id)
                    && !d.votes.iter().any(|(voter, _)| voter == id)
            })
            .map(|(order, _)| *order)
            .collect(),
        hardware_checks: state
            .hardware_checks()
            .filter(|(_, c)| c.checker == Some(*id) && c.status == HardwareCheckStatus::Assigned)
            .map(|(provider, _)| *provider)
            .collect(),
    }
}

/// The index answers what the scan finds, for every provider and every key named anywhere in
/// the verification tables; and nobody else is owed anything.
pub fn check_assignments(state: &State) {
    let mut keys: BTreeSet<PublicKey> = state.providers().map(|(id, _)| *id).collect();
    keys.extend(state.accounts().map(|(id, _)| *id));
    keys.extend(state.audits().map(|(_, a)| a.auditor));
    keys.extend(state.disputes().flat_map(|(_, d)| d.arbiters.iter().copied()));
    keys.extend(state.hardware_checks().filter_map(|(_, c)| c.checker));
    for id in &keys {
        assert_eq!(state.assignments(id), assignments_by_scan(state, id), "assignments of {id:?}");
    }
}

/// One offer as the checks compare it: provider, group, price, reliability, free GPUs, tier.
pub type OfferRow = (PublicKey, u32, Amount, u32, u32, EvidenceTier);

/// Offers, groups considered and exclusions per clause, by the node's former evaluation.
pub fn offers_by_scan(state: &State, query: &Query) -> (Vec<OfferRow>, u64, BTreeMap<String, u64>) {
    let min_stake = state.params().min_provider_stake;
    let mut offers = Vec::new();
    let mut excluded_by = BTreeMap::<String, u64>::new();
    let mut considered = 0u64;
    for (id, provider) in state.providers().filter(|(_, p)| p.stake >= min_stake) {
        let reliability_ppm = provider.stats.reliability_ppm();
        for (index, group) in provider.inventory.iter().enumerate() {
            considered += 1;
            let attributes = group.attributes(group.gpu.price_floor, reliability_ppm);
            if query.matches(&attributes) {
                let index = u32::try_from(index).unwrap();
                let price = group.gpu.price_floor;
                offers.push((*id, index, price, reliability_ppm, group.free(), group.tier));
            } else {
                for clause in query.failing(&attributes) {
                    *excluded_by.entry(clause.to_string()).or_default() += 1;
                }
            }
        }
    }
    offers.sort_by_key(|(provider, group, price, reliability, free, _)| {
        (*price, Reverse(*reliability), Reverse(*free), *provider, *group)
    });
    (offers, considered, excluded_by)
}

/// The market's offers for `query`, in the scan's shape.
pub fn offers(state: &State, query: &Query) -> (Vec<OfferRow>, u64, BTreeMap<String, u64>) {
    let found = state.offers(query);
    let rows = found
        .offers
        .iter()
        .map(|o| {
            let (g, p) = (o.inventory, o.record);
            assert_eq!(state.provider(&o.provider), Some(p));
            assert_eq!(p.inventory.get(o.group as usize), Some(g));
            (o.provider, o.group, o.price_gpu_hour, o.reliability_ppm, g.free(), g.tier)
        })
        .collect();
    (rows, found.considered, found.excluded_by)
}

/// The market's offers equal the scan's for every query of [`OFFER_QUERIES`].
pub fn check_offers(state: &State) {
    for src in OFFER_QUERIES {
        let query = Query::parse(src).unwrap();
        assert_eq!(offers(state, &query), offers_by_scan(state, &query), "query {src:?}");
    }
}
