//! Transfers.

use rigshare_market::{Event, ExecError, TxError};
use rigshare_types::{Amount, TxBody};

use crate::harness::{FEE, Net, key};

#[test]
fn transfer_creates_the_recipient_and_emits_an_event() {
    let (alice, bob) = (key(1), key(2));
    let mut net = Net::new(&[(&alice, 10)]);
    let tx = net.tx(&alice, TxBody::Transfer { to: bob.public(), amount: Amount::units(3) });
    let out = net.block(vec![tx]);
    assert_eq!(
        out.events,
        vec![Event::Transferred {
            from: alice.public(),
            to: bob.public(),
            amount: Amount::units(3)
        }]
    );
    assert_eq!(net.account(&bob).balance, Amount::units(3));
    assert_eq!(net.account(&bob).nonce, 0);
}

#[test]
fn transfer_failures() {
    let (alice, bob) = (key(1), key(2));
    let mut net = Net::new(&[(&alice, 10)]);
    // The first case runs first, while alice still holds 10 units less one fee.
    let cases = [
        (
            TxBody::Transfer { to: bob.public(), amount: Amount::units(10) },
            ExecError::InsufficientFunds {
                needed: Amount::units(10),
                available: Amount::units(10).checked_sub(FEE).unwrap(),
            },
        ),
        (TxBody::Transfer { to: bob.public(), amount: Amount::ZERO }, ExecError::ZeroAmount),
        (TxBody::Transfer { to: alice.public(), amount: Amount(1) }, ExecError::SelfTransfer),
    ];
    for (body, expected) in cases {
        let before = net.balance(&alice);
        assert_eq!(net.run(&alice, body), Err(TxError::Execution(expected)));
        assert_eq!(net.balance(&alice), before.checked_sub(FEE).unwrap());
    }
    assert_eq!(net.balance(&bob), Amount::ZERO);
    net.check_invariants();
}
