//! Admission: signatures, nonces, replays and fees. A rejected transaction changes nothing.

use rigshare_market::{AdmissionError, BlockContext, BlockError, TxError};
use rigshare_types::{Amount, Keypair, Transaction, TxBody, hash};

use crate::harness::{FEE, Net, key};

fn transfer_to(to: &Keypair) -> TxBody {
    TxBody::Transfer { to: to.public(), amount: Amount::units(1) }
}

#[test]
fn valid_transfer_pays_fee_and_uses_nonce() {
    let (alice, bob) = (key(1), key(2));
    let mut net = Net::new(&[(&alice, 10)]);
    assert_eq!(net.run(&alice, transfer_to(&bob)), Ok(()));
    assert_eq!(net.account(&alice).nonce, 1);
    assert_eq!(net.balance(&alice), Amount::units(9).checked_sub(FEE).unwrap());
    assert_eq!(net.balance(&bob), Amount::units(1));
    assert_eq!(net.state.globals().fee_pool, FEE);
    net.check_invariants();
}

#[test]
fn bad_signature_changes_nothing() {
    let (alice, mallory) = (key(1), key(3));
    let mut net = Net::new(&[(&alice, 10)]);
    let chain = net.chain_id();
    // Signed by mallory but claiming alice as sender.
    let forged =
        Transaction { sender: alice.public(), nonce: 0, fee: FEE, body: transfer_to(&mallory) }
            .sign(&mallory, &chain);
    let before = net.account(&alice);
    let out = net.block(vec![forged]);
    assert!(matches!(out.results[0], Err(TxError::Admission(AdmissionError::BadSignature(_)))));
    assert_eq!(net.account(&alice), before);
    assert_eq!(net.state.globals().fee_pool, Amount::ZERO);
    net.check_invariants();
}

#[test]
fn signature_for_another_network_is_rejected() {
    let alice = key(1);
    let mut net = Net::new(&[(&alice, 10)]);
    let tx = Transaction { sender: alice.public(), nonce: 0, fee: FEE, body: transfer_to(&key(2)) }
        .sign(&alice, "some-other-chain");
    let out = net.block(vec![tx]);
    assert!(matches!(out.results[0], Err(TxError::Admission(AdmissionError::BadSignature(_)))));
    assert_eq!(net.account(&alice).nonce, 0);
}

#[test]
fn replay_and_nonce_gaps_are_rejected() {
    let alice = key(1);
    let mut net = Net::new(&[(&alice, 10)]);
    let tx = net.tx(&alice, transfer_to(&key(2)));
    assert_eq!(net.block(vec![tx.clone()]).results, vec![Ok(())]);
    let before = net.account(&alice);
    // The very same bytes again.
    let out = net.block(vec![tx]);
    assert_eq!(
        out.results,
        vec![Err(TxError::Admission(AdmissionError::StaleNonce { expected: 1, got: 0 }))]
    );
    // A nonce from the future.
    let chain = net.chain_id();
    let ahead =
        Transaction { sender: alice.public(), nonce: 5, fee: FEE, body: transfer_to(&key(2)) }
            .sign(&alice, &chain);
    let out = net.block(vec![ahead]);
    assert_eq!(
        out.results,
        vec![Err(TxError::Admission(AdmissionError::FutureNonce { expected: 1, got: 5 }))]
    );
    assert_eq!(net.account(&alice), before);
    net.check_invariants();
}

#[test]
fn two_transactions_with_one_nonce_in_a_block_admit_one() {
    let alice = key(1);
    let mut net = Net::new(&[(&alice, 10)]);
    let chain = net.chain_id();
    let a = Transaction { sender: alice.public(), nonce: 0, fee: FEE, body: transfer_to(&key(2)) }
        .sign(&alice, &chain);
    let b = Transaction { sender: alice.public(), nonce: 0, fee: FEE, body: transfer_to(&key(3)) }
        .sign(&alice, &chain);
    let out = net.block(vec![a, b]);
    assert_eq!(out.results[0], Ok(()));
    assert!(matches!(out.results[1], Err(TxError::Admission(AdmissionError::StaleNonce { .. }))));
    assert_eq!(net.balance(&key(3)), Amount::ZERO);
}

#[test]
fn fees_below_minimum_or_unpayable_are_rejected() {
    let (alice, broke) = (key(1), key(2));
    let mut net = Net::new(&[(&alice, 10)]);
    let chain = net.chain_id();
    let cheap =
        Transaction { sender: alice.public(), nonce: 0, fee: Amount(1), body: transfer_to(&broke) }
            .sign(&alice, &chain);
    assert_eq!(
        net.block(vec![cheap]).results[0],
        Err(TxError::Admission(AdmissionError::FeeTooLow { offered: Amount(1), min: FEE }))
    );
    // An account that does not exist cannot send.
    let unknown =
        Transaction { sender: broke.public(), nonce: 0, fee: FEE, body: transfer_to(&alice) }
            .sign(&broke, &chain);
    assert_eq!(
        net.block(vec![unknown]).results[0],
        Err(TxError::Admission(AdmissionError::UnknownSender))
    );
    // An account holding less than the fee cannot send.
    net.run(&alice, TxBody::Transfer { to: broke.public(), amount: Amount(10) }).unwrap();
    let poor =
        Transaction { sender: broke.public(), nonce: 0, fee: FEE, body: transfer_to(&alice) }
            .sign(&broke, &chain);
    assert_eq!(
        net.block(vec![poor]).results[0],
        Err(TxError::Admission(AdmissionError::CannotPayFee { balance: Amount(10), fee: FEE }))
    );
    assert_eq!(net.account(&broke).nonce, 0);
    net.check_invariants();
}

#[test]
fn failed_execution_charges_only_fee_and_nonce() {
    let (alice, bob) = (key(1), key(2));
    let mut net = Net::new(&[(&alice, 10)]);
    let root_before = net.state.root();
    let err = net.run(&alice, TxBody::Transfer { to: bob.public(), amount: Amount::units(50) });
    assert!(matches!(err, Err(TxError::Execution(_))));
    assert_ne!(net.state.root(), root_before);
    assert_eq!(net.account(&alice).nonce, 1);
    assert_eq!(net.balance(&alice), Amount::units(10).checked_sub(FEE).unwrap());
    assert_eq!(net.state.account(&bob.public()), None);
    net.check_invariants();
}

#[test]
fn check_admission_matches_block_admission() {
    let alice = key(1);
    let mut net = Net::new(&[(&alice, 10)]);
    let tx = net.tx(&alice, transfer_to(&key(2)));
    assert_eq!(net.state.check_admission(&tx), Ok(()));
    net.block(vec![tx.clone()]);
    assert_eq!(
        net.state.check_admission(&tx),
        Err(AdmissionError::StaleNonce { expected: 1, got: 0 })
    );
}

#[test]
fn bad_block_headers_are_rejected_whole() {
    let alice = key(1);
    let mut net = Net::new(&[(&alice, 10)]);
    net.idle(1);
    let root = net.state.root();
    let seed = hash::sha256(b"seed");
    let skip = BlockContext { height: 3, time_ms: 5_000, seed };
    assert_eq!(
        net.state.apply_block(&skip, &[]),
        Err(BlockError::WrongHeight { expected: 2, got: 3 })
    );
    let back = BlockContext { height: 2, time_ms: 10, seed };
    assert_eq!(
        net.state.apply_block(&back, &[]),
        Err(BlockError::TimeWentBack { parent: 1_000, got: 10 })
    );
    assert_eq!(net.state.root(), root);
    assert_eq!(net.state.height(), 1);
}

#[test]
fn execution_and_commitment_are_separate_stages() {
    let alice = key(1);
    let mut net = Net::new(&[(&alice, 10)]);
    let tx = net.tx(&alice, transfer_to(&key(2)));
    let ctx = BlockContext { height: 1, time_ms: 1_000, seed: hash::sha256(b"s") };
    let executed =
        net.state.execute_block(&ctx, &[tx], rigshare_market::Signatures::Verify).unwrap();
    assert_eq!(executed.results, vec![Ok(())]);
    // The root is not updated until the commit, and a second block must wait for it.
    let next = BlockContext { height: 2, time_ms: 2_000, seed: hash::sha256(b"t") };
    assert_eq!(
        net.state.execute_block(&next, &[], rigshare_market::Signatures::Verify),
        Err(BlockError::Uncommitted)
    );
    let root = net.state.commit();
    assert_eq!(net.state.root_at(1), Some(root));
    net.check_invariants();
    assert!(net.state.execute_block(&next, &[], rigshare_market::Signatures::Verify).is_ok());
}
