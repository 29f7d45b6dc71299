//! Auctions, leases, streaming settlement, results and replica comparison, end to end.

use rigshare_market::{Event, ExecError, TxError};
use rigshare_types::records::{CloseReason, LeaseStatus, OrderStatus};
use rigshare_types::{Amount, Hash32, Keypair, LeaseId, OrderId, OrderSpec, TxBody, hash};

use crate::harness::{BLOCK_MS, Net, gpus, key, spec};

/// A user and three providers asking 1.0, 1.5 and 0.5 per GPU-hour for H100s.
fn market() -> (Net, Keypair, [Keypair; 3]) {
    let user = key(1);
    let rigs = [key(11), key(12), key(13)];
    let mut net = Net::new(&[(&user, 1_000), (&rigs[0], 500), (&rigs[1], 500), (&rigs[2], 500)]);
    for rig in &rigs {
        net.provider(rig, vec![gpus("H100", 2, 80, "1")]);
    }
    (net, user, rigs)
}

/// Creates `spec`, has every rig bid its price, and closes the auction. Returns the order.
fn auction(
    net: &mut Net,
    user: &Keypair,
    rigs: &[Keypair],
    prices: &[&str],
    spec: OrderSpec,
) -> OrderId {
    let order = net.order_with(user, spec);
    let bids = rigs
        .iter()
        .zip(prices)
        .map(|(rig, p)| net.tx(rig, TxBody::Bid { order, price_gpu_hour: p.parse().unwrap() }))
        .collect();
    let out = net.block(bids);
    assert!(out.results.iter().all(Result::is_ok), "{:?}", out.results);
    net.block(vec![]);
    order
}

/// Runs the auction for `spec` and has the winner start the lease; returns the order, the
/// lease and the winner's key.
fn started(
    net: &mut Net,
    user: &Keypair,
    rigs: &[Keypair],
    prices: &[&str],
    spec: OrderSpec,
) -> (OrderId, LeaseId, Keypair) {
    let order = auction(net, user, rigs, prices, spec);
    let lease = net.order(order).leases[0];
    let rig = provider_of(net, lease);
    net.run(&rig, TxBody::StartLease { lease }).unwrap();
    (order, lease, rig)
}

fn provider_of(net: &Net, lease: LeaseId) -> Keypair {
    let p = net.lease(lease).provider;
    [key(11), key(12), key(13)].into_iter().find(|k| k.public() == p).unwrap()
}

#[test]
fn cheapest_bids_win_on_distinct_providers() {
    let (mut net, user, rigs) = market();
    let order = auction(&mut net, &user, &rigs, &["1.0", "1.5", "0.5"], spec(2));
    let o = net.order(order);
    assert_eq!(o.status, OrderStatus::Running);
    assert_eq!(o.leases.len(), 2);
    let winners: Vec<_> = o.leases.iter().map(|l| net.lease(*l)).collect();
    assert_eq!(winners[0].provider, rigs[2].public());
    assert_eq!(winners[0].price_gpu_hour, Amount(500_000));
    assert_eq!(winners[1].provider, rigs[0].public());
    assert!(
        winners.iter().all(|l| l.status == LeaseStatus::Pending && l.escrow == Amount::units(2))
    );
    assert_eq!(o.escrow, Amount::ZERO);
    let p = net.state.provider(&rigs[2].public()).unwrap();
    assert_eq!((p.active_leases, p.open_bids, p.inventory[0].leased), (1, 0, 1));
    assert_eq!(net.state.provider(&rigs[1].public()).unwrap().open_bids, 0);
    net.check_invariants();
}

#[test]
fn ties_are_broken_by_the_seed_not_by_key_order() {
    // With equal prices and records, who wins depends on the block seed: across many orders
    // each provider must win sometimes.
    let (mut net, user, rigs) = market();
    let mut wins = [0u32; 3];
    for _ in 0..12 {
        let order = auction(&mut net, &user, &rigs, &["1", "1", "1"], spec(1));
        let lease = net.order(order).leases[0];
        let winner = net.lease(lease).provider;
        wins[rigs.iter().position(|r| r.public() == winner).unwrap()] += 1;
        net.run(&user, TxBody::CancelOrder { order }).unwrap();
    }
    assert!(wins.iter().all(|w| *w > 0), "{wins:?}");
}

#[test]
fn start_stream_submit_verify_refund() {
    let (mut net, user, rigs) = market();
    let deposit_before = net.balance(&user);
    let order = auction(&mut net, &user, &rigs, &["1.0", "1.5", "0.5"], spec(2));
    let leases = net.order(order).leases.clone();
    let starts: Vec<_> = leases
        .iter()
        .map(|l| net.tx(&provider_of(&net, *l), TxBody::StartLease { lease: *l }))
        .collect();
    let out = net.block(starts);
    assert_eq!(out.results, vec![Ok(()), Ok(())]);
    // Ten seconds of running: payment streams every block.
    for _ in 0..10 {
        net.block(vec![]);
        net.check_invariants();
    }
    let cheap = net.lease(leases[0]);
    // 10 s at 0.5/GPU-hour = 1388 micro-units, paid cumulatively.
    assert_eq!(cheap.paid, Amount(500_000 * 10 * BLOCK_MS / 3_600_000));
    assert_eq!(cheap.paid.0 + cheap.escrow.0, Amount::units(2).0);

    let root = hash::blake3(b"model.bin");
    let results: Vec<_> = leases
        .iter()
        .map(|l| {
            let rig = provider_of(&net, *l);
            let body = net.receipt(&rig, *l, root);
            net.tx(&rig, body)
        })
        .collect();
    let out = net.block(results);
    assert_eq!(out.results, vec![Ok(()), Ok(())]);
    let o = net.order(order);
    assert_eq!(o.status, OrderStatus::Verified);
    let paid: u64 = leases.iter().map(|l| net.lease(*l).paid.0).sum();
    assert_eq!(o.refunded.0 + paid, o.deposit.0, "escrow closes to zero");
    assert!(leases.iter().all(|l| net.lease(*l).escrow == Amount::ZERO));
    assert!(
        out.events
            .iter()
            .any(|e| matches!(e, Event::OrderFinished { status: OrderStatus::Verified, .. }))
    );
    assert_eq!(net.state.receipt(leases[0]).unwrap().receipt.output_root, root);
    // The user paid exactly what the providers received, plus fees.
    let fees = crate::harness::FEE.0 * net.account(&user).nonce;
    assert_eq!(deposit_before.0 - net.balance(&user).0, paid + fees);
    let p = net.state.provider(&rigs[2].public()).unwrap();
    assert_eq!((p.active_leases, p.inventory[0].leased, p.stats.completed), (0, 0, 1));
    net.check_invariants();
}

#[test]
fn mismatched_roots_dispute_and_hold_escrow() {
    let (mut net, user, rigs) = market();
    let order = auction(&mut net, &user, &rigs, &["1.0", "1.5", "0.5"], spec(2));
    let leases = net.order(order).leases.clone();
    for (i, l) in leases.iter().enumerate() {
        let rig = provider_of(&net, *l);
        net.run(&rig, TxBody::StartLease { lease: *l }).unwrap();
        let body = net.receipt(&rig, *l, hash::blake3(&[i as u8]));
        net.run(&rig, body).unwrap();
    }
    let o = net.order(order);
    assert_eq!(o.status, OrderStatus::Disputed);
    assert!(o.escrow > Amount::ZERO, "unspent escrow is held");
    assert_eq!(o.refunded, Amount::ZERO);
    net.check_invariants();
}

#[test]
fn single_replica_completes_unverified() {
    let (mut net, user, rigs) = market();
    let (order, lease, rig) = started(&mut net, &user, &rigs, &["1.0", "1.5", "0.5"], spec(1));
    let body = net.receipt(&rig, lease, Hash32([7; 32]));
    net.run(&rig, body).unwrap();
    assert_eq!(net.order(order).status, OrderStatus::Completed);
}

#[test]
fn lease_transaction_failures() {
    let (mut net, user, rigs) = market();
    let order = auction(&mut net, &user, &rigs, &["1.0", "1.5", "0.5"], spec(1));
    let lease = net.order(order).leases[0];
    let rig = provider_of(&net, lease);
    let stranger = &rigs[1];
    let exec = |e| Err(TxError::Execution(e));
    assert_eq!(net.run(stranger, TxBody::StartLease { lease }), exec(ExecError::NotLeaseProvider));
    assert_eq!(
        net.run(&rig, TxBody::StartLease { lease: LeaseId(99) }),
        exec(ExecError::UnknownLease(LeaseId(99)))
    );
    // A result before the start is refused.
    let body = net.receipt(&rig, lease, Hash32([1; 32]));
    assert_eq!(net.run(&rig, body), exec(ExecError::LeaseState { lease, state: "pending" }));
    net.run(&rig, TxBody::StartLease { lease }).unwrap();
    assert_eq!(
        net.run(&rig, TxBody::StartLease { lease }),
        exec(ExecError::LeaseState { lease, state: "running" })
    );
    // A receipt signed by someone else, for another manifest, or sent by a stranger.
    let TxBody::SubmitResult(mut forged) = net.receipt(stranger, lease, Hash32([1; 32])) else {
        unreachable!()
    };
    assert!(matches!(
        net.run(&rig, TxBody::SubmitResult(forged)),
        Err(TxError::Execution(ExecError::BadReceiptSignature(_)))
    ));
    forged.receipt.manifest_hash = Hash32([9; 32]);
    assert_eq!(net.run(&rig, TxBody::SubmitResult(forged)), exec(ExecError::ManifestMismatch));
    let body = net.receipt(&rig, lease, Hash32([1; 32]));
    assert_eq!(net.run(stranger, body), exec(ExecError::NotLeaseProvider));
    assert_eq!(net.lease(lease).status, LeaseStatus::Running);
    let body = net.receipt(&rig, lease, Hash32([1; 32]));
    net.run(&rig, body).unwrap();
    let body = net.receipt(&rig, lease, Hash32([1; 32]));
    assert_eq!(net.run(&rig, body), exec(ExecError::LeaseState { lease, state: "completed" }));
    net.check_invariants();
}

#[test]
fn escrow_exhaustion_closes_the_lease_without_overdrawing() {
    let (mut net, user, rigs) = market();
    // Deposit covers 10 minutes at 1.0/GPU-hour; the lease may run an hour.
    let order_spec = OrderSpec { deposit: Amount(1_000_000 / 6), ..spec(1) };
    let (order, lease, _) = started(&mut net, &user, &rigs, &["1.0", "1.5", "1.2"], order_spec);
    let out = net.block_after(9 * 60_000, vec![]);
    assert!(out.events.iter().all(|e| !matches!(e, Event::LeaseClosed { .. })));
    let out = net.block_after(2 * 60_000, vec![]);
    assert!(
        out.events.contains(&Event::LeaseClosed { lease, reason: CloseReason::EscrowExhausted })
    );
    let l = net.lease(lease);
    assert_eq!(l.paid, Amount(1_000_000 / 6));
    assert_eq!(l.escrow, Amount::ZERO);
    let o = net.order(order);
    assert_eq!(o.status, OrderStatus::Failed(rigshare_types::records::OrderFailure::NoResults));
    assert_eq!(o.refunded.0 + l.paid.0, o.deposit.0);
    // More time pays nothing more.
    net.block_after(3_600_000, vec![]);
    assert_eq!(net.lease(lease).paid, l.paid);
    net.check_invariants();
}

#[test]
fn time_limit_caps_payment_and_missing_result_closes() {
    let (mut net, user, rigs) = market();
    let order_spec = OrderSpec { max_duration_ms: 60_000, ..spec(1) };
    let (_, lease, rig) = started(&mut net, &user, &rigs, &["1.0", "1.5", "1.2"], order_spec);
    net.block_after(120_000, vec![]);
    // Paid for exactly one minute, not two; and with the harness's 10 s grace long past, the
    // lease closed for lack of a result.
    let l = net.lease(lease);
    assert_eq!(l.paid, Amount(1_000_000 / 60));
    assert_eq!(l.status, LeaseStatus::Closed(CloseReason::NoResult));
    assert_eq!(net.state.provider(&rig.public()).unwrap().stats.failed, 1);
    net.check_invariants();
}

#[test]
fn result_within_grace_is_accepted_and_paid_for_the_limit_only() {
    let (mut net, user, rigs) = market();
    let order_spec = OrderSpec { max_duration_ms: 60_000, ..spec(1) };
    let (order, lease, rig) = started(&mut net, &user, &rigs, &["1.0", "1.5", "1.2"], order_spec);
    net.block_after(62_000, vec![]);
    let body = net.receipt(&rig, lease, Hash32([3; 32]));
    let tx = net.tx(&rig, body);
    assert_eq!(net.block_after(1_000, vec![tx]).results, vec![Ok(())]);
    assert_eq!(net.lease(lease).paid, Amount(1_000_000 / 60));
    assert_eq!(net.order(order).status, OrderStatus::Completed);
}

#[test]
fn unstarted_lease_expires_and_refunds() {
    let (mut net, user, rigs) = market();
    let order = auction(&mut net, &user, &rigs, &["1.0", "1.5", "1.2"], spec(1));
    let lease = net.order(order).leases[0];
    net.idle(5);
    let l = net.lease(lease);
    assert_eq!(l.status, LeaseStatus::Closed(CloseReason::NotStarted));
    assert_eq!(l.paid, Amount::ZERO);
    let o = net.order(order);
    assert_eq!(o.refunded, o.deposit);
    let p = net.state.provider(&l.provider).unwrap();
    assert_eq!((p.active_leases, p.inventory[0].leased, p.stats.failed), (0, 0, 1));
    net.check_invariants();
}

#[test]
fn abandoned_lease_stops_payment() {
    let (mut net, user, rigs) = market();
    let (_, lease, rig) = started(&mut net, &user, &rigs, &["1.0", "1.5", "1.2"], spec(1));
    net.idle(3);
    let long = "x".repeat(300);
    assert!(matches!(
        net.run(&rig, TxBody::AbandonLease { lease, reason: long }),
        Err(TxError::Execution(ExecError::InvalidField { field: "reason", .. }))
    ));
    let paid = net.lease(lease).paid;
    net.run(&rig, TxBody::AbandonLease { lease, reason: "GPU fell off the bus".into() }).unwrap();
    let l = net.lease(lease);
    assert_eq!(l.status, LeaseStatus::Closed(CloseReason::Abandoned));
    assert_eq!(l.paid, paid, "no payment for the abandoning block");
    net.idle(2);
    assert_eq!(net.lease(lease).paid, paid);
    net.check_invariants();
}

#[test]
fn cancelling_a_running_order_pays_time_used_and_refunds_the_rest() {
    let (mut net, user, rigs) = market();
    let order = auction(&mut net, &user, &rigs, &["1.0", "1.5", "0.5"], spec(2));
    let leases = net.order(order).leases.clone();
    let rig = provider_of(&net, leases[0]);
    net.run(&rig, TxBody::StartLease { lease: leases[0] }).unwrap();
    net.idle(2);
    net.run(&user, TxBody::CancelOrder { order }).unwrap();
    let o = net.order(order);
    assert_eq!(o.status, OrderStatus::Cancelled);
    let (a, b) = (net.lease(leases[0]), net.lease(leases[1]));
    assert_eq!(a.status, LeaseStatus::Closed(CloseReason::Cancelled));
    assert_eq!(b.status, LeaseStatus::Closed(CloseReason::Cancelled));
    // Three seconds at 0.5/GPU-hour for the started lease; nothing for the pending one.
    assert_eq!(a.paid, Amount(500_000 * 3_000 / 3_600_000));
    assert_eq!(b.paid, Amount::ZERO);
    assert_eq!(o.refunded.0 + a.paid.0, o.deposit.0);
    // Cancellation is not the provider's failure.
    assert_eq!(net.state.provider(&a.provider).unwrap().stats.failed, 0);
    net.check_invariants();
}

#[test]
fn capacity_is_held_by_leases() {
    // Each rig has 2 GPUs: an order for 2 GPUs per replica takes a rig's whole group, so a
    // second such order finds no eligible capacity on the winners.
    let (mut net, user, rigs) = market();
    let two = OrderSpec { gpus: 2, deposit: Amount::units(8), ..spec(2) };
    let first = auction(&mut net, &user, &rigs, &["1.0", "1.5", "0.5"], two.clone());
    let winners: Vec<_> = net.order(first).leases.iter().map(|l| net.lease(*l).provider).collect();
    let second = net.order_with(&user, two);
    let full = rigs.iter().find(|r| winners.contains(&r.public())).unwrap();
    assert_eq!(
        net.run(full, TxBody::Bid { order: second, price_gpu_hour: Amount::units(1) }),
        Err(TxError::Execution(ExecError::Ineligible { gpus: 2 }))
    );
}

#[test]
fn periodic_settlement_pays_the_same_and_still_closes_on_exhaustion() {
    // The network default settles once a minute; the totals must equal per-block settlement.
    let params = rigshare_market::Params { settle_interval_ms: 60_000, ..crate::harness::params() };
    let user = key(1);
    let rigs = [key(11), key(12), key(13)];
    let mut net = Net::with_params(
        params,
        &[(&user, 1_000), (&rigs[0], 500), (&rigs[1], 500), (&rigs[2], 500)],
    );
    for rig in &rigs {
        net.provider(rig, vec![gpus("H100", 2, 80, "1")]);
    }
    // Escrow for 10 minutes at 1.0/GPU-hour.
    let order_spec = OrderSpec { deposit: Amount(1_000_000 / 6), ..spec(1) };
    let (_, lease, rig) = started(&mut net, &user, &rigs, &["1.0", "1.5", "1.2"], order_spec);
    // Within the first minute nothing is moved yet, though it is earned.
    net.block_after(30_000, vec![]);
    assert_eq!(net.lease(lease).paid, Amount::ZERO);
    // After a minute, the minute is paid.
    net.block_after(31_000, vec![]);
    let paid = net.lease(lease).paid;
    assert_eq!(paid, Amount(1_000_000 * 61_000 / 3_600_000));
    net.check_invariants();
    // Exhaustion is acted on in the block it happens, not at the next periodic settlement.
    let out = net.block_after(10 * 60_000, vec![]);
    assert!(
        out.events.contains(&Event::LeaseClosed { lease, reason: CloseReason::EscrowExhausted })
    );
    assert_eq!(net.lease(lease).paid, Amount(1_000_000 / 6));
    // An underfunded order is not held against the provider.
    assert_eq!(net.state.provider(&rig.public()).unwrap().stats.failed, 0);
    net.check_invariants();
}
