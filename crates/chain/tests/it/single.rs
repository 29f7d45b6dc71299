//! One validator: finalizes submitted transactions, serves state and proofs, survives restarts.

use std::time::Duration;

use rigshare_types::{Amount, StateKey};

use crate::cluster::{Cluster, transfer, user, wait_for};

#[test]
fn single_validator_finalizes_transfers() {
    let cluster = Cluster::start(1, "single");
    let chain = cluster.handle(0);
    wait_for("first blocks", Duration::from_secs(20), || chain.height() >= 3);
    let (alice, bob) = (user(1), user(2));
    for nonce in 0..5 {
        chain.submit(transfer(&alice, nonce, &bob, 1_000)).unwrap();
    }
    wait_for("transfers executed", Duration::from_secs(20), || {
        chain.with_state(|s| s.account(&alice.public()).map(|a| a.nonce)) == Some(5)
    });
    let bob_balance = chain.with_state(|s| s.account(&bob.public()).unwrap().balance);
    assert_eq!(bob_balance, Amount::units(1_000).checked_add(Amount::micro(5_000)).unwrap());

    // A certified checkpoint covers the state, and proofs verify against it.
    wait_for("a certified checkpoint", Duration::from_secs(20), || {
        chain.latest_certified().is_some_and(|(h, _)| h >= 2)
    });
    let (height, _) = chain.latest_certified().unwrap();
    let root = chain.state_root(height).unwrap();
    let key = StateKey::Account(bob.public());
    let (value, proof) = chain.with_state(|s| s.prove(&key, height)).unwrap();
    assert!(value.is_some());
    assert_eq!(proof.verify(&root, &key.to_bytes(), value.as_deref()), Ok(()));
}
