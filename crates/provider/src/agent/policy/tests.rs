//! Bidding decisions against inventories taken the way the agent takes them: a (fake) GPU probe,
//! grouped and priced by [`offered_groups`], published as the provider's on-chain record.

use std::collections::BTreeMap;

use rigshare_types::query::Query;
use rigshare_types::records::{
    Bid, InventoryGroup, Order, OrderFailure, OrderStatus, Provider, ProviderStats,
};
use rigshare_types::tx::VerificationPolicy;
use rigshare_types::{Amount, ComputeCapability, EvidenceTier, Hash32, Keypair, PublicKey};

use super::{BidPolicy, Skip};
use crate::inventory::{FakeProbe, GpuInfo, GpuProbe, OfferConfig, offered_groups};

const HOPPER: ComputeCapability = ComputeCapability { major: 9, minor: 0 };
const ADA: ComputeCapability = ComputeCapability { major: 8, minor: 9 };

/// At most four leases and bids at once; orders must allow at least a minute.
const POLICY: BidPolicy = BidPolicy { max_concurrent_leases: 4, min_duration_ms: 60_000 };
/// An hour, in ms: long enough for [`POLICY`].
const HOUR_MS: u64 = 3_600_000;

fn amount(s: &str) -> Amount {
    s.parse().unwrap()
}

fn me() -> PublicKey {
    Keypair::from_seed([1; 32]).public()
}

fn requestor() -> PublicKey {
    Keypair::from_seed([2; 32]).public()
}

fn h100(index: u32) -> GpuInfo {
    GpuInfo::known(index, "NVIDIA H100 80GB HBM3", &format!("GPU-h100-{index}"), 81_559, HOPPER)
}

fn rtx4090(index: u32) -> GpuInfo {
    GpuInfo::known(index, "NVIDIA GeForce RTX 4090", &format!("GPU-4090-{index}"), 24_564, ADA)
}

/// The record of a provider publishing `gpus` as the agent would: probed, grouped and priced by
/// `config`, every group self-reported and nothing leased.
fn provider(gpus: Vec<GpuInfo>, config: &OfferConfig) -> Provider {
    let inventory = FakeProbe::with_gpus(gpus).probe().unwrap();
    let offered = offered_groups(&inventory, config);
    assert!(offered.skipped.is_empty(), "{:?}", offered.skipped);
    Provider {
        endpoint: "http://provider.test:7070".to_owned(),
        attributes: Vec::new(),
        stake: Amount::units(100),
        unbonding: Vec::new(),
        inventory: offered
            .groups
            .into_iter()
            .map(|gpu| InventoryGroup { gpu, tier: EvidenceTier::SelfReported, leased: 0 })
            .collect(),
        active_leases: 0,
        open_bids: 0,
        stats: ProviderStats::default(),
        registered_at: 1,
        locked_until: 0,
    }
}

/// Two H100s at their own floor of 1.10 and two RTX 4090s at the default floor of 0.35.
fn mixed_rig() -> Provider {
    let config = OfferConfig {
        default_price_floor: amount("0.35"),
        price_floors: BTreeMap::from([("H100".to_owned(), amount("1.10"))]),
        ..OfferConfig::default()
    };
    provider(vec![rtx4090(0), h100(1), rtx4090(2), h100(3)], &config)
}

/// The index of `model`'s group in `provider`'s inventory.
fn group_of(provider: &Provider, model: &str) -> usize {
    provider.inventory.iter().position(|g| g.gpu.model == model).unwrap()
}

/// An open order by another account for `gpus` GPUs matching `query`, paying at most
/// `max_price` per GPU-hour for up to an hour.
fn order(query: &str, gpus: u32, max_price: &str) -> Order {
    Order {
        requestor: requestor(),
        manifest_hash: Hash32([7; 32]),
        query: Query::parse(query).unwrap(),
        gpus,
        max_price_gpu_hour: amount(max_price),
        max_duration_ms: HOUR_MS,
        replicas: 1,
        verification: VerificationPolicy::default(),
        deposit: Amount::units(10),
        escrow: Amount::units(10),
        refunded: Amount::ZERO,
        created_height: 1,
        auction_close_height: 4,
        bids: Vec::new(),
        leases: Vec::new(),
        status: OrderStatus::Open,
    }
}

fn no_match(max_price: &str) -> Result<Amount, Skip> {
    Err(Skip::NoMatch { max: amount(max_price) })
}

#[test]
fn eligible_order_bids_the_floor() {
    let config = OfferConfig { default_price_floor: amount("0.35"), ..OfferConfig::default() };
    let rig = provider(vec![rtx4090(0)], &config);
    // The floor is the bid, however much more the requestor would pay.
    assert_eq!(POLICY.decide(&me(), &rig, &order("", 1, "5")), Ok(amount("0.35")));
    assert_eq!(
        POLICY.decide(&me(), &rig, &order("gpu_model=RTX4090 vram_gib>=16", 1, "0.50")),
        Ok(amount("0.35"))
    );
}

#[test]
fn per_model_floor_overrides_the_default() {
    let rig = mixed_rig();
    let floors: Vec<(&str, Amount)> =
        rig.inventory.iter().map(|g| (g.gpu.model.as_str(), g.gpu.price_floor)).collect();
    assert_eq!(floors, [("H100", amount("1.10")), ("RTX4090", amount("0.35"))]);

    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_model=H100", 1, "2")), Ok(amount("1.10")));
    // Both groups match: the cheaper one sets the bid.
    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_count>=1", 1, "2")), Ok(amount("0.35")));
}

#[test]
fn query_no_group_satisfies_is_no_match() {
    let rig = mixed_rig();
    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_model=A100", 1, "5")), no_match("5"));
    // An "80GB" H100 reports 81,559 MiB, just under 80 GiB (81,920 MiB).
    assert_eq!(POLICY.decide(&me(), &rig, &order("vram_gib>=80", 1, "5")), no_match("5"));
    assert_eq!(POLICY.decide(&me(), &rig, &order("vram_gib>=79", 1, "5")), Ok(amount("1.10")));
    assert_eq!(POLICY.decide(&me(), &rig, &order("tier>=challenged", 1, "5")), no_match("5"));
}

#[test]
fn floor_above_the_order_maximum_is_no_match() {
    let rig = mixed_rig();
    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_model=H100", 1, "1.09")), no_match("1.09"));
    assert_eq!(
        POLICY.decide(&me(), &rig, &order("gpu_model=H100", 1, "1.10")),
        Ok(amount("1.10")),
        "a floor equal to the maximum is bid"
    );
    assert_eq!(POLICY.decide(&me(), &rig, &order("", 1, "0.30")), no_match("0.30"));
    // The query's own price bound sees the floor too.
    assert_eq!(POLICY.decide(&me(), &rig, &order("price_gpu_hour<0.35", 1, "5")), no_match("5"));
}

#[test]
fn unpriced_groups_are_never_bid() {
    let rig = provider(vec![h100(0)], &OfferConfig::default());
    assert_eq!(rig.inventory[0].gpu.price_floor, Amount::ZERO);
    assert_eq!(POLICY.decide(&me(), &rig, &order("", 1, "5")), no_match("5"));
}

#[test]
fn too_few_free_gpus_is_no_match() {
    let mut rig = mixed_rig();
    let h100s = group_of(&rig, "H100");
    let rtxs = group_of(&rig, "RTX4090");

    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_model=H100", 2, "5")), Ok(amount("1.10")));
    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_model=H100", 3, "5")), no_match("5"));

    // Leased GPUs are not free: one H100 left.
    rig.inventory[h100s].leased = 1;
    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_model=H100", 1, "5")), Ok(amount("1.10")));
    assert_eq!(POLICY.decide(&me(), &rig, &order("gpu_model=H100", 2, "5")), no_match("5"));
    // The query's `gpu_count` counts free GPUs as well.
    assert_eq!(
        POLICY.decide(&me(), &rig, &order("gpu_model=H100 gpu_count>=2", 1, "5")),
        no_match("5")
    );

    // With every RTX 4090 leased the order falls through to the dearer H100.
    rig.inventory[rtxs].leased = 2;
    assert_eq!(POLICY.decide(&me(), &rig, &order("", 1, "5")), Ok(amount("1.10")));
    assert_eq!(POLICY.decide(&me(), &rig, &order("", 1, "1")), no_match("1"));
}

#[test]
fn own_order_is_skipped() {
    let rig = mixed_rig();
    let mut own = order("", 1, "5");
    own.requestor = me();
    assert_eq!(POLICY.decide(&me(), &rig, &own), Err(Skip::OwnOrder));
}

#[test]
fn bids_once_per_order() {
    let rig = mixed_rig();
    let mut bid_on = order("", 1, "5");
    let theirs = Keypair::from_seed([3; 32]).public();
    bid_on.bids.push(Bid { provider: theirs, price_gpu_hour: amount("0.30"), group: 0 });
    assert_eq!(
        POLICY.decide(&me(), &rig, &bid_on),
        Ok(amount("0.35")),
        "another provider's bid does not stop ours"
    );
    bid_on.bids.push(Bid { provider: me(), price_gpu_hour: amount("0.35"), group: 1 });
    assert_eq!(POLICY.decide(&me(), &rig, &bid_on), Err(Skip::AlreadyBid));
}

#[test]
fn closed_auction_is_skipped() {
    let rig = mixed_rig();
    for status in [
        OrderStatus::Running,
        OrderStatus::Verified,
        OrderStatus::Completed,
        OrderStatus::Disputed,
        OrderStatus::Failed(OrderFailure::NotEnoughBids { eligible: 0 }),
        OrderStatus::Cancelled,
    ] {
        let mut closed = order("", 1, "5");
        closed.status = status;
        assert_eq!(POLICY.decide(&me(), &rig, &closed), Err(Skip::Closed), "{status:?}");
    }
}

#[test]
fn at_capacity_counts_leases_and_open_bids() {
    let mut rig = mixed_rig();
    let wanted = order("", 1, "5");
    rig.active_leases = 2;
    rig.open_bids = 1;
    assert_eq!(POLICY.decide(&me(), &rig, &wanted), Ok(amount("0.35")));
    rig.open_bids = 2;
    assert_eq!(POLICY.decide(&me(), &rig, &wanted), Err(Skip::AtCapacity { busy: 4, max: 4 }));
    rig.active_leases = 4;
    rig.open_bids = 0;
    assert_eq!(POLICY.decide(&me(), &rig, &wanted), Err(Skip::AtCapacity { busy: 4, max: 4 }));
}

#[test]
fn too_short_orders_are_skipped() {
    let rig = mixed_rig();
    let mut short = order("", 1, "5");
    short.max_duration_ms = 59_999;
    assert_eq!(
        POLICY.decide(&me(), &rig, &short),
        Err(Skip::TooShort { order_ms: 59_999, min_ms: 60_000 })
    );
    short.max_duration_ms = 60_000;
    assert_eq!(POLICY.decide(&me(), &rig, &short), Ok(amount("0.35")));
}
