//! Creating orders, bidding and cancelling open orders.

use rigshare_market::{Event, ExecError, TxError};
use rigshare_types::records::{OrderFailure, OrderStatus};
use rigshare_types::{Amount, OrderId, OrderSpec, TxBody, VerificationPolicy};

use crate::harness::{FEE, Net, gpus, key, spec};

fn long_auction() -> OrderSpec {
    OrderSpec { auction_blocks: 20, ..spec(1) }
}

fn exec(e: ExecError) -> Result<(), TxError> {
    Err(TxError::Execution(e))
}

#[test]
fn create_order_locks_the_deposit() {
    let user = key(1);
    let mut net = Net::new(&[(&user, 10)]);
    let tx = net.tx(&user, TxBody::CreateOrder(spec(2)));
    let out = net.block(vec![tx]);
    assert_eq!(out.results, vec![Ok(())]);
    assert_eq!(out.events, vec![Event::OrderCreated { order: OrderId(1), closes_at: 3 }]);
    let order = net.order(OrderId(1));
    assert_eq!(order.escrow, Amount::units(4));
    assert_eq!(order.status, OrderStatus::Open);
    assert_eq!(net.balance(&user), Amount::units(6).checked_sub(FEE).unwrap());
    net.check_invariants();
}

#[test]
fn create_order_failures() {
    let user = key(1);
    let mut net = Net::new(&[(&user, 10)]);
    let mut bad_query = spec(1);
    bad_query.query = "vram_gb>=40".into();
    assert!(matches!(
        net.run(&user, TxBody::CreateOrder(bad_query)),
        Err(TxError::Execution(ExecError::InvalidQuery(_)))
    ));
    type Mutation = fn(&mut OrderSpec);
    let cases: [(&str, Mutation); 6] = [
        ("replicas", |s| s.replicas = 0),
        ("replicas", |s| s.replicas = 9),
        ("gpus", |s| s.gpus = 0),
        ("max_duration_ms", |s| s.max_duration_ms = 10),
        ("max_price_gpu_hour", |s| s.max_price_gpu_hour = Amount::ZERO),
        ("auction_blocks", |s| s.auction_blocks = 0),
    ];
    for (field, mutate) in cases {
        let mut s = spec(1);
        mutate(&mut s);
        match net.run(&user, TxBody::CreateOrder(s)) {
            Err(TxError::Execution(ExecError::InvalidField { field: f, .. })) => {
                assert_eq!(f, field)
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let mut audited = spec(1);
    audited.verification = VerificationPolicy { audit_ppm: 1_000_001 };
    assert!(matches!(
        net.run(&user, TxBody::CreateOrder(audited)),
        Err(TxError::Execution(ExecError::InvalidField { field: "audit_ppm", .. }))
    ));
    let mut tiny = spec(1);
    tiny.deposit = Amount(1);
    // One second of 1 GPU at 2/hour is 555 micro-units.
    assert_eq!(
        net.run(&user, TxBody::CreateOrder(tiny)),
        exec(ExecError::DepositTooSmall { deposit: Amount(1), min: Amount(555) })
    );
    let mut rich = spec(1);
    rich.deposit = Amount::units(100);
    assert!(matches!(
        net.run(&user, TxBody::CreateOrder(rich)),
        Err(TxError::Execution(ExecError::InsufficientFunds { .. }))
    ));
    assert_eq!(net.state.orders().count(), 0);
    net.check_invariants();
}

#[test]
fn bid_success_and_failures() {
    let (user, rig, small, outsider) = (key(1), key(2), key(3), key(4));
    let mut net = Net::new(&[(&user, 500), (&rig, 500), (&small, 500), (&outsider, 10)]);
    net.provider(&rig, vec![gpus("H100", 1, 80, "1")]);
    net.provider(&small, vec![gpus("RTX3060", 1, 12, "0.1")]);
    // The requestor is a provider too, to try bidding on its own order.
    net.provider(&user, vec![gpus("A100", 1, 80, "1")]);
    let order = net.order_with(&user, long_auction());

    let bid = |price: &str| TxBody::Bid { order, price_gpu_hour: price.parse().unwrap() };
    assert_eq!(net.run(&outsider, bid("1")), exec(ExecError::NotProvider));
    assert_eq!(net.run(&user, bid("1")), exec(ExecError::SelfBid));
    assert_eq!(
        net.run(&rig, bid("2.5")),
        exec(ExecError::BidAboveMax { bid: Amount(2_500_000), max: Amount::units(2) })
    );
    assert_eq!(net.run(&rig, bid("0")), exec(ExecError::ZeroAmount));
    assert_eq!(net.run(&small, bid("1")), exec(ExecError::Ineligible { gpus: 1 }));
    assert_eq!(
        net.run(&rig, TxBody::Bid { order: OrderId(9), price_gpu_hour: Amount(1) }),
        exec(ExecError::UnknownOrder(OrderId(9)))
    );
    let tx = net.tx(&rig, bid("1.2"));
    let out = net.block(vec![tx]);
    assert_eq!(out.results, vec![Ok(())]);
    assert!(out.events.iter().any(|e| matches!(e, Event::BidPlaced { .. })));
    assert_eq!(net.state.provider(&rig.public()).unwrap().open_bids, 1);
    assert_eq!(net.run(&rig, bid("1.1")), exec(ExecError::DuplicateBid(order)));
    assert_eq!(net.order(order).bids.len(), 1);
    net.idle(20);
    assert_ne!(net.order(order).status, OrderStatus::Open);
    assert_eq!(net.run(&small, bid("1")), exec(ExecError::AuctionClosed(order)));
    net.check_invariants();
}

#[test]
fn cancel_open_order_refunds_everything() {
    let (user, rig, other) = (key(1), key(2), key(3));
    let mut net = Net::new(&[(&user, 10), (&rig, 500), (&other, 10)]);
    net.provider(&rig, vec![gpus("H100", 1, 80, "1")]);
    let order = net.order_with(&user, long_auction());
    net.run(&rig, TxBody::Bid { order, price_gpu_hour: Amount::units(1) }).unwrap();
    assert_eq!(net.run(&other, TxBody::CancelOrder { order }), exec(ExecError::NotRequestor));
    let before = net.balance(&user);
    assert_eq!(net.run(&user, TxBody::CancelOrder { order }), Ok(()));
    let o = net.order(order);
    assert_eq!(o.status, OrderStatus::Cancelled);
    assert_eq!((o.escrow, o.refunded), (Amount::ZERO, Amount::units(2)));
    assert_eq!(
        net.balance(&user),
        before.checked_add(Amount::units(2)).unwrap().checked_sub(FEE).unwrap()
    );
    assert_eq!(net.state.provider(&rig.public()).unwrap().open_bids, 0);
    assert_eq!(net.run(&user, TxBody::CancelOrder { order }), exec(ExecError::OrderEnded(order)));
    // The auction does not close a cancelled order again.
    net.idle(20);
    assert_eq!(net.order(order).status, OrderStatus::Cancelled);
    net.check_invariants();
}

#[test]
fn auction_without_enough_bids_fails_and_refunds() {
    let (user, rig) = (key(1), key(2));
    let mut net = Net::new(&[(&user, 10), (&rig, 500)]);
    net.provider(&rig, vec![gpus("H100", 1, 80, "1")]);
    let order = net.order_with(&user, spec(2));
    net.run(&rig, TxBody::Bid { order, price_gpu_hour: Amount::units(1) }).unwrap();
    let out = net.block(vec![]);
    assert!(out.events.contains(&Event::AuctionClosed { order, leases: vec![] }));
    let o = net.order(order);
    assert_eq!(o.status, OrderStatus::Failed(OrderFailure::NotEnoughBids { eligible: 1 }));
    assert_eq!((o.escrow, o.refunded), (Amount::ZERO, o.deposit));
    assert_eq!(net.state.provider(&rig.public()).unwrap().open_bids, 0);
    net.check_invariants();
}
