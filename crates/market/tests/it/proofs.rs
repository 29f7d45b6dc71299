//! State proofs: valid proofs verify against the root; any flipped byte fails.

use rigshare_types::codec;
use rigshare_types::proof::{MAX_PROOF_BYTES, StateProof};
use rigshare_types::records::{Account, Lease};
use rigshare_types::{LeaseId, OrderId, StateKey, TxBody};

use crate::harness::{Net, gpus, key, spec};

fn busy_net() -> Net {
    let user = key(1);
    let rig = key(2);
    let mut funded: Vec<(rigshare_types::Keypair, u64)> = (10..60).map(|i| (key(i), 5)).collect();
    funded.push((user.clone(), 100));
    funded.push((rig.clone(), 500));
    let refs: Vec<(&rigshare_types::Keypair, u64)> = funded.iter().map(|(k, u)| (k, *u)).collect();
    let mut net = Net::new(&refs);
    net.provider(&rig, vec![gpus("H100", 4, 80, "1")]);
    let order = net.order_with(&user, spec(1));
    net.run(&rig, TxBody::Bid { order, price_gpu_hour: rigshare_types::Amount::units(1) }).unwrap();
    net.idle(1);
    net
}

#[test]
fn inclusion_proofs_verify_and_tampering_fails() {
    let net = busy_net();
    let height = net.state.height();
    let root = net.state.root();
    assert_eq!(net.state.root_at(height), Some(root));
    let keys = [
        StateKey::Globals,
        StateKey::Account(key(1).public()),
        StateKey::Account(key(33).public()),
        StateKey::Provider(key(2).public()),
        StateKey::Order(OrderId(1)),
        StateKey::Lease(LeaseId(1)),
    ];
    for state_key in keys {
        let (value, proof) = net.state.prove(&state_key, height).unwrap();
        let value = value.expect("entry exists");
        let key_bytes = state_key.to_bytes();
        assert_eq!(proof.verify(&root, &key_bytes, Some(&value)), Ok(()), "{state_key:?}");

        // The proof travels encoded; flipping any byte of it must break it.
        let encoded = codec::encode(&proof);
        assert!(encoded.len() <= MAX_PROOF_BYTES);
        for i in 0..encoded.len() {
            let mut bad = encoded.clone();
            bad[i] ^= 0x01;
            if let Ok(p) = codec::decode::<StateProof>(&bad, MAX_PROOF_BYTES) {
                assert!(
                    p.verify(&root, &key_bytes, Some(&value)).is_err(),
                    "{state_key:?} byte {i}"
                );
            }
        }
        // And so must flipping any byte of the value.
        for i in 0..value.len() {
            let mut bad = value.clone();
            bad[i] ^= 0x80;
            assert!(proof.verify(&root, &key_bytes, Some(&bad)).is_err());
        }
        // Or of the root.
        let mut bad_root = root;
        bad_root.0[0] ^= 1;
        assert!(proof.verify(&bad_root, &key_bytes, Some(&value)).is_err());
    }
    // Values decode to the records the state serves.
    let (value, _) = net.state.prove(&StateKey::Lease(LeaseId(1)), height).unwrap();
    let lease: Lease = codec::decode(&value.unwrap(), 4096).unwrap();
    assert_eq!(&lease, net.state.lease(LeaseId(1)).unwrap());
    let (value, _) = net.state.prove(&StateKey::Account(key(1).public()), height).unwrap();
    let account: Account = codec::decode(&value.unwrap(), 64).unwrap();
    assert_eq!(&account, net.state.account(&key(1).public()).unwrap());
}

#[test]
fn exclusion_proofs() {
    let net = busy_net();
    let height = net.state.height();
    let root = net.state.root();
    let absent = StateKey::Account(key(200).public());
    let (value, proof) = net.state.prove(&absent, height).unwrap();
    assert_eq!(value, None);
    assert_eq!(proof.verify(&root, &absent.to_bytes(), None), Ok(()));
    // The same proof cannot claim the key holds something.
    assert!(proof.verify(&root, &absent.to_bytes(), Some(b"x")).is_err());
    // An inclusion proof of one key is not an exclusion proof of it.
    let present = StateKey::Account(key(1).public());
    let (_, proof) = net.state.prove(&present, height).unwrap();
    assert!(proof.verify(&root, &present.to_bytes(), None).is_err());
}

#[test]
fn past_heights_are_provable_within_the_window() {
    let mut net = busy_net();
    let old_height = net.state.height();
    let old_root = net.state.root();
    let account = StateKey::Account(key(1).public());
    let (old_value, _) = net.state.prove(&account, old_height).unwrap();
    net.run(&key(1), TxBody::Transfer { to: key(3).public(), amount: rigshare_types::Amount(5) })
        .unwrap();
    // The account changed, but the old height still proves the old value against the old root.
    let (value, proof) = net.state.prove(&account, old_height).unwrap();
    assert_eq!(value, old_value);
    assert_eq!(proof.verify(&old_root, &account.to_bytes(), value.as_deref()), Ok(()));
    // A proof against a root of another height fails.
    assert!(proof.verify(&net.state.root(), &account.to_bytes(), value.as_deref()).is_err());
    assert!(net.state.prove(&account, net.state.height() + 1).is_err());
}

#[test]
fn pruned_heights_are_refused() {
    let user = key(1);
    let genesis = rigshare_market::Genesis {
        params: crate::harness::params(),
        balances: vec![(user.public(), rigshare_types::Amount::units(10))],
        time_ms: 0,
    };
    let mut state = rigshare_market::State::genesis_retaining(&genesis, 3).unwrap();
    for h in 1..=10u64 {
        let ctx = rigshare_market::BlockContext { height: h, time_ms: h, seed: Default::default() };
        state.apply_block(&ctx, &[]).unwrap();
        // Every retained height still proves, so pruning dropped nothing it still needs.
        for past in h.saturating_sub(2)..=h {
            let (value, proof) = state.prove(&StateKey::Globals, past).unwrap();
            let root = state.root_at(past).unwrap();
            assert_eq!(
                proof.verify(&root, &StateKey::Globals.to_bytes(), value.as_deref()),
                Ok(())
            );
        }
    }
    assert!(state.prove(&StateKey::Globals, 5).is_err());
    assert!(state.root_at(7).is_none());
}
