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

#[test]
fn restart_from_the_data_dir_loses_nothing() {
    let mut cluster = Cluster::start(1, "restart");
    let chain = cluster.handle(0);
    let (alice, bob) = (user(5), user(6));
    for nonce in 0..3 {
        chain.submit(transfer(&alice, nonce, &bob, 500)).unwrap();
    }
    wait_for("transfers executed", Duration::from_secs(20), || {
        chain.with_state(|s| s.account(&alice.public()).map(|a| a.nonce)) == Some(3)
    });
    let height = chain.height();
    let root = chain.state_root(height).unwrap();
    let block = chain.block(height).unwrap().unwrap();
    drop(chain);
    cluster.stop(0);

    cluster.restart(0);
    let chain = cluster.handle(0);
    // The block log is replayed before the validator takes part again.
    assert!(chain.height() >= height);
    assert_eq!(chain.state_root(height), Some(root));
    assert_eq!(chain.block(height).unwrap().unwrap(), block);
    assert_eq!(chain.with_state(|s| s.account(&alice.public()).map(|a| a.nonce)), Some(3));
    // And it keeps finalizing after the restart.
    wait_for("progress after restart", Duration::from_secs(20), || chain.height() > height + 5);
    chain.submit(transfer(&alice, 3, &bob, 500)).unwrap();
    wait_for("new transfer executed", Duration::from_secs(20), || {
        chain.with_state(|s| s.account(&alice.public()).map(|a| a.nonce)) == Some(4)
    });
}

#[test]
fn certificates_verify_with_the_network_key_alone() {
    use rigshare_chain::certificate::{CertificateError, verify_finalization};
    let cluster = Cluster::start(1, "certs");
    let chain = cluster.handle(0);
    wait_for("blocks", Duration::from_secs(20), || chain.height() >= 5);
    let info = chain.info().clone();
    // Find a block that carries its own certificate.
    let stored = (1..=chain.height())
        .rev()
        .find_map(|h| chain.block(h).unwrap().filter(|b| b.finalization.is_some()))
        .expect("a block with its certificate");
    let header = stored.block.header;
    let cert = stored.finalization.unwrap();
    assert_eq!(verify_finalization(&info.network_key, &info.namespace, &header, &cert), Ok(()));

    let mut tampered = header;
    tampered.timestamp_ms += 1;
    assert_eq!(
        verify_finalization(&info.network_key, &info.namespace, &tampered, &cert),
        Err(CertificateError::WrongBlock)
    );
    let other_key = rigshare_chain::keys::deal(99, 1).network_key();
    assert_eq!(
        verify_finalization(&other_key, &info.namespace, &header, &cert),
        Err(CertificateError::BadSignature)
    );
    assert_eq!(
        verify_finalization(&info.network_key, b"another-network", &header, &cert),
        Err(CertificateError::BadSignature)
    );
    let mut bad_cert = cert.clone();
    let last = bad_cert.len() - 1;
    bad_cert[last] ^= 1;
    assert!(verify_finalization(&info.network_key, &info.namespace, &header, &bad_cert).is_err());
    assert_eq!(
        verify_finalization(&info.network_key[1..], &info.namespace, &header, &cert),
        Err(CertificateError::BadNetworkKey)
    );
}
