//! Provider registration, inventory, stake and unbonding.

use rigshare_market::{Event, ExecError, TxError};
use rigshare_types::{Amount, EvidenceTier, TxBody};

use crate::harness::{FEE, Net, gpus, key, spec};

fn register(stake: u64, endpoint: &str) -> TxBody {
    TxBody::RegisterProvider {
        stake: Amount::units(stake),
        endpoint: endpoint.into(),
        attributes: vec![],
    }
}

#[test]
fn register_locks_stake() {
    let rig = key(1);
    let mut net = Net::new(&[(&rig, 500)]);
    let tx = net.tx(&rig, register(150, "http://10.0.0.7:7000"));
    let out = net.block(vec![tx]);
    assert_eq!(out.results, vec![Ok(())]);
    assert_eq!(out.events, vec![Event::ProviderRegistered { provider: rig.public() }]);
    let p = net.state.provider(&rig.public()).unwrap();
    assert_eq!(p.stake, Amount::units(150));
    assert_eq!(net.balance(&rig), Amount::units(350).checked_sub(FEE).unwrap());
    net.check_invariants();
}

#[test]
fn register_failures() {
    let rig = key(1);
    let mut net = Net::new(&[(&rig, 500)]);
    let exec = |e| Err(TxError::Execution(e));
    assert_eq!(
        net.run(&rig, register(99, "https://a")),
        exec(ExecError::InsufficientStake { stake: Amount::units(99), min: Amount::units(100) })
    );
    assert!(matches!(
        net.run(&rig, register(100, "ftp://a")),
        Err(TxError::Execution(ExecError::InvalidField { field: "endpoint", .. }))
    ));
    assert!(matches!(
        net.run(&rig, register(100, "https://a b")),
        Err(TxError::Execution(ExecError::InvalidField { field: "endpoint", .. }))
    ));
    let unsorted = TxBody::RegisterProvider {
        stake: Amount::units(100),
        endpoint: "https://a".into(),
        attributes: vec![("z".into(), "1".into()), ("a".into(), "2".into())],
    };
    assert!(matches!(
        net.run(&rig, unsorted),
        Err(TxError::Execution(ExecError::InvalidField { field: "attributes", .. }))
    ));
    assert!(matches!(
        net.run(&rig, register(1000, "https://a")),
        Err(TxError::Execution(ExecError::InsufficientFunds { .. }))
    ));
    assert_eq!(net.state.provider(&rig.public()), None);
    assert_eq!(net.run(&rig, register(100, "https://a")), Ok(()));
    assert_eq!(net.run(&rig, register(100, "https://a")), exec(ExecError::AlreadyProvider));
    net.check_invariants();
}

#[test]
fn inventory_update_and_validation() {
    let rig = key(1);
    let mut net = Net::new(&[(&rig, 500)]);
    let groups = vec![gpus("H100", 8, 80, "1.5"), gpus("RTX4090", 2, 24, "0.3")];
    assert_eq!(
        net.run(&rig, TxBody::UpdateInventory { groups: groups.clone() }),
        Err(TxError::Execution(ExecError::NotProvider))
    );
    net.provider(&rig, groups.clone());
    let p = net.state.provider(&rig.public()).unwrap();
    assert_eq!(p.inventory.len(), 2);
    assert!(p.inventory.iter().all(|g| g.tier == EvidenceTier::SelfReported && g.leased == 0));

    let bad = [
        vec![gpus("H100", 0, 80, "1")],
        vec![gpus("H 100", 1, 80, "1")],
        vec![gpus("H100", 1, 0, "1")],
        vec![gpus("H100", 1, 80, "1"), gpus("h100", 2, 80, "1")],
        vec![gpus("H100", 1, 80, "1"); 17],
    ];
    for groups in bad {
        assert!(matches!(
            net.run(&rig, TxBody::UpdateInventory { groups }),
            Err(TxError::Execution(ExecError::InvalidField { field: "inventory", .. }))
        ));
    }
    assert_eq!(net.state.provider(&rig.public()).unwrap().inventory.len(), 2);
}

#[test]
fn leased_groups_cannot_be_withdrawn() {
    let (rig, user) = (key(1), key(2));
    let mut net = Net::new(&[(&rig, 500), (&user, 100)]);
    net.provider(&rig, vec![gpus("H100", 2, 80, "1")]);
    let order = net.order_with(&user, spec(1));
    net.run(&rig, TxBody::Bid { order, price_gpu_hour: Amount::units(1) }).unwrap();
    net.idle(1);
    assert_eq!(net.state.provider(&rig.public()).unwrap().inventory[0].leased, 1);
    assert_eq!(
        net.run(&rig, TxBody::UpdateInventory { groups: vec![] }),
        Err(TxError::Execution(ExecError::InventoryInUse { model: "H100".into(), leased: 1 }))
    );
    // Keeping the group (and raising its price) is fine; its lease count carries over.
    net.run(&rig, TxBody::UpdateInventory { groups: vec![gpus("H100", 1, 80, "2")] }).unwrap();
    assert_eq!(net.state.provider(&rig.public()).unwrap().inventory[0].leased, 1);
}

#[test]
fn stake_and_unbonding() {
    let rig = key(1);
    let mut net = Net::new(&[(&rig, 500)]);
    net.provider(&rig, vec![gpus("H100", 1, 80, "1")]);
    assert_eq!(net.run(&rig, TxBody::AddStake { amount: Amount::units(50) }), Ok(()));
    assert_eq!(net.state.provider(&rig.public()).unwrap().stake, Amount::units(150));
    assert_eq!(
        net.run(&rig, TxBody::Unbond { amount: Amount::units(60) }),
        Err(TxError::Execution(ExecError::InsufficientStake {
            stake: Amount::units(90),
            min: Amount::units(100)
        }))
    );
    assert_eq!(
        net.run(&rig, TxBody::Unbond { amount: Amount::units(151) }),
        Err(TxError::Execution(ExecError::InsufficientFunds {
            needed: Amount::units(151),
            available: Amount::units(150)
        }))
    );
    let before = net.balance(&rig);
    assert_eq!(net.run(&rig, TxBody::Unbond { amount: Amount::units(50) }), Ok(()));
    let release = net.state.provider(&rig.public()).unwrap().unbonding[0].release_height;
    assert_eq!(release, net.state.height() + 10);
    net.idle(9);
    assert_eq!(net.balance(&rig), before.checked_sub(FEE).unwrap(), "not yet released");
    let out = net.block(vec![]);
    assert!(
        out.events
            .contains(&Event::StakeReleased { provider: rig.public(), amount: Amount::units(50) })
    );
    assert_eq!(
        net.balance(&rig),
        before.checked_sub(FEE).unwrap().checked_add(Amount::units(50)).unwrap()
    );
    assert!(net.state.provider(&rig.public()).unwrap().unbonding.is_empty());
    net.check_invariants();
}

#[test]
fn leaving_entirely_needs_an_idle_provider() {
    let (rig, user) = (key(1), key(2));
    let mut net = Net::new(&[(&rig, 500), (&user, 100)]);
    net.provider(&rig, vec![gpus("H100", 1, 80, "1")]);
    let order = net.order_with(&user, spec(1));
    net.run(&rig, TxBody::Bid { order, price_gpu_hour: Amount::units(1) }).unwrap();
    assert_eq!(
        net.run(&rig, TxBody::Unbond { amount: Amount::units(100) }),
        Err(TxError::Execution(ExecError::ProviderBusy { active_leases: 0, open_bids: 1 }))
    );
    net.idle(1);
    assert_eq!(
        net.run(&rig, TxBody::Unbond { amount: Amount::units(100) }),
        Err(TxError::Execution(ExecError::ProviderBusy { active_leases: 1, open_bids: 0 }))
    );
}
