//! `State::offers` on a varied market, and the eligibility rule it shares with auctions.

use std::collections::BTreeMap;

use rigshare_market::{Event, ExecError, TxError};
use rigshare_types::query::Query;
use rigshare_types::records::OrderStatus;
use rigshare_types::{Amount, OrderSpec, TxBody};

use super::{OFFER_QUERIES, check_offers, offers, offers_by_scan};
use crate::harness::{Net, gpus, key, spec};
use crate::verification::{Court, honest_root, wrong_root};

/// Five providers: different models, prices, free GPUs and track records.
fn varied() -> Net {
    let user = key(1);
    let rigs: Vec<_> = (2..=6).map(key).collect();
    let mut funded = vec![(&user, 10_000)];
    funded.extend(rigs.iter().map(|r| (r, 1_000)));
    let mut net = Net::new(&funded);
    net.provider(&rigs[0], vec![gpus("H100", 4, 80, "1.0")]);
    net.provider(&rigs[1], vec![gpus("A100", 2, 40, "0.8"), gpus("RTX4090", 4, 24, "0.3")]);
    net.provider(&rigs[2], vec![gpus("H100", 4, 80, "1.0")]);
    net.provider(&rigs[3], vec![gpus("H100", 2, 80, "1.0"), gpus("A100", 8, 80, "0.8")]);
    net.provider(&rigs[4], vec![gpus("RTX4090", 1, 24, "0.3")]);
    // rigs[0] holds a running lease (fewer free GPUs); rigs[2] wins one and never starts it
    // (a failure: lower reliability).
    for (rig, started) in [(&rigs[0], true), (&rigs[2], false)] {
        let order = net.order_with(&user, OrderSpec { query: "gpu_model=H100".into(), ..spec(1) });
        let bid = TxBody::Bid { order, price_gpu_hour: Amount::units(1) };
        net.run(rig, bid).unwrap();
        net.idle(1);
        let lease = net.order(order).leases[0];
        if started {
            net.run(rig, TxBody::StartLease { lease }).unwrap();
        }
    }
    net.idle(net.state.params().start_timeout_blocks + 1);
    net.check_invariants();
    net
}

#[test]
fn offers_match_the_former_route() {
    let net = varied();
    let state = &net.state;
    assert_eq!(state.provider(&key(2).public()).unwrap().inventory[0].free(), 3);
    assert!(state.provider(&key(4).public()).unwrap().stats.reliability_ppm() < 1_000_000);
    check_offers(state);

    // Cheapest first; equal prices by reliability, then free GPUs, then key.
    let (rows, considered, excluded_by) = offers(state, &Query::parse("vram_gib>=80").unwrap());
    let order: Vec<_> = rows.iter().map(|(p, g, ..)| (*p, *g)).collect();
    let (r2, r4, r5) = (key(2).public(), key(4).public(), key(5).public());
    assert_eq!(order, vec![(r5, 1), (r2, 0), (r5, 0), (r4, 0)]);
    assert_eq!(considered, 7);
    assert_eq!(excluded_by, BTreeMap::from([("vram_gib>=80".to_string(), 3)]));
}

#[test]
fn understaked_providers_are_neither_offered_nor_win() {
    let mut court = Court::new();
    let (cheater, honest) = (court.rigs[0].clone(), court.rigs[1].clone());
    let query = Query::parse("gpu_model=H100").unwrap();
    assert_eq!(court.net.state.offers(&query).offers.len(), 6);

    // An auction the cheater bids on, cheapest, before it is caught.
    let user = court.user.clone();
    let spec = OrderSpec { auction_blocks: 20, ..spec(1) };
    let open = court.net.order_with(&user, spec.clone());
    let bids = [(&cheater, "0.5"), (&honest, "1")]
        .map(|(rig, price)| {
            court.net.tx(rig, TxBody::Bid { order: open, price_gpu_hour: price.parse().unwrap() })
        })
        .to_vec();
    assert!(court.net.block(bids).results.iter().all(Result::is_ok));

    // Caught: its audited wrong result is slashed below the minimum stake.
    let (order, leases) = court.job(&[&cheater], &[wrong_root()], 1_000_000);
    court.net.block(vec![]);
    let audit = *court.net.state.audit(leases[0]).unwrap();
    let auditor = court.rig(&audit.auditor).clone();
    let report = TxBody::SubmitAudit { lease: leases[0], output_root: honest_root() };
    court.net.run(&auditor, report).unwrap();
    court.arbitrate(order, honest_root());
    let min = court.net.state.params().min_provider_stake;
    assert!(court.stake(&cheater) < min);

    // Not offered, not even considered.
    let found = court.net.state.offers(&query);
    assert!(found.offers.iter().all(|o| o.provider != cheater.public()));
    assert_eq!((found.offers.len(), found.considered), (5, 5));
    assert_eq!(offers(&court.net.state, &query), offers_by_scan(&court.net.state, &query));

    // Its standing bid loses to a dearer one, and it cannot bid again.
    assert_eq!(court.net.order(open).status, OrderStatus::Open);
    let closes = court.net.order(open).auction_close_height;
    let mut leased = Vec::new();
    while court.net.state.height() < closes {
        let out = court.net.block(vec![]);
        leased.extend(out.events.into_iter().filter_map(|e| match e {
            Event::AuctionClosed { order, leases } if order == open => Some(leases),
            _ => None,
        }));
    }
    let winners: Vec<_> = leased.concat().into_iter().map(|a| a.provider).collect();
    assert_eq!(winners, vec![honest.public()]);
    let again = court.net.order_with(&user, spec);
    let bid = TxBody::Bid { order: again, price_gpu_hour: Amount::units(1) };
    let stake = court.stake(&cheater);
    assert_eq!(
        court.net.run(&cheater, bid),
        Err(TxError::Execution(ExecError::InsufficientStake { stake, min }))
    );
    for src in OFFER_QUERIES {
        let query = Query::parse(src).unwrap();
        let found = court.net.state.offers(&query);
        assert!(found.offers.iter().all(|o| o.provider != cheater.public()), "{src}");
    }
}
