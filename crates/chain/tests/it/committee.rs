//! Four validators on loopback: agreement, a stopped validator, catch-up.

use std::time::Duration;

use crate::cluster::{Cluster, transfer, user, wait_for};

const LIMIT: Duration = Duration::from_secs(60);

/// Every validator that executed a height has the same root there.
fn assert_agreement(cluster: &Cluster, upto: u64) {
    let live: Vec<_> = (0..cluster.net.len())
        .filter(|i| cluster.is_running(*i))
        .map(|i| cluster.handle(i))
        .collect();
    for height in 0..=upto {
        let roots: Vec<_> = live.iter().map(|h| h.state_root(height)).collect();
        assert!(roots.iter().all(|r| r.is_some() && *r == roots[0]), "height {height}: {roots:?}");
        let digests: Vec<_> = live
            .iter()
            .map(|h| h.block(height).unwrap().map(|b| b.block.header.digest()))
            .collect();
        assert!(digests.iter().all(|d| *d == digests[0]), "height {height}: blocks differ");
    }
}

#[test]
fn four_validators_agree_on_every_height() {
    let cluster = Cluster::start(4, "agree");
    let (alice, bob) = (user(1), user(2));
    for nonce in 0..10 {
        // Spread submissions over validators: each forwards only through its own proposals.
        let v = cluster.handle(nonce as usize % 4);
        // A validator that has not yet seen the previous nonce executed rejects the gap; retry.
        wait_for("submission accepted", LIMIT, || {
            v.submit(transfer(&alice, nonce, &bob, 7)).is_ok()
        });
        wait_for("transfer executed", LIMIT, || {
            v.with_state(|s| s.account(&alice.public()).map(|a| a.nonce)) == Some(nonce + 1)
        });
    }
    wait_for("all validators at height 20", LIMIT, || {
        (0..4).all(|i| cluster.handle(i).height() >= 20)
    });
    let upto = (0..4).map(|i| cluster.handle(i).height()).min().unwrap();
    assert_agreement(&cluster, upto);
}

#[test]
fn three_of_four_keep_finalizing_and_the_fourth_catches_up() {
    let mut cluster = Cluster::start(4, "catchup");
    wait_for("start", LIMIT, || (0..4).all(|i| cluster.handle(i).height() >= 5));
    cluster.stop(3);
    let stopped_at = cluster.handle(0).height();
    wait_for("progress without validator 3", LIMIT, || {
        cluster.handle(0).height() >= stopped_at + 30
    });
    let (alice, bob) = (user(3), user(4));
    cluster.handle(0).submit(transfer(&alice, 0, &bob, 11)).unwrap();
    wait_for("transfer executed", LIMIT, || {
        cluster.handle(1).with_state(|s| s.account(&alice.public()).map(|a| a.nonce)) == Some(1)
    });
    cluster.restart(3);
    let target = cluster.handle(0).height();
    wait_for("validator 3 caught up", LIMIT, || cluster.handle(3).height() >= target);
    assert_eq!(
        cluster.handle(3).with_state(|s| s.account(&alice.public()).map(|a| a.nonce)),
        Some(1)
    );
    assert_agreement(&cluster, target);
}
