//! Hardware challenges in the state machine: the beacon of the block after a request fixes the
//! seed and draws a checker (never the provider); only that checker's verdict counts; a pass
//! raises the group to `challenged`; a checker that stays silent counts a failure.

use rigshare_market::{Event, ExecError, TxError};
use rigshare_types::verification::HardwareCheckStatus;
use rigshare_types::{EvidenceTier, Hash32, TxBody};

use super::Court;

fn exec(e: ExecError) -> Result<(), TxError> {
    Err(TxError::Execution(e))
}

#[test]
fn a_checked_claim_raises_the_tier() {
    let mut court = Court::new();
    let rig = court.rigs[0].clone();
    let me = rig.public();
    let request = TxBody::RequestHardwareCheck { group: 0, claimed_tops: 600 };
    court.net.run(&rig, request.clone()).unwrap();
    let requested = *court.net.state.hardware_check(&me).unwrap();
    assert_eq!(requested.status, HardwareCheckStatus::Requested);
    assert_eq!(requested.seed, Hash32::ZERO, "the seed is unknown when asking");
    // H100 80 GiB: capped at the network's largest side.
    assert_eq!(requested.n, court.net.state.params().hardware_max_n);
    // The next block draws the seed and the checker; asking again meanwhile is refused.
    let again = court.net.tx(&rig, request);
    let out = court.net.block(vec![again]);
    assert_eq!(out.results, vec![exec(ExecError::HardwareCheckPending)]);
    let check = *court.net.state.hardware_check(&me).unwrap();
    let checker = check.checker.expect("a checker is drawn");
    assert_ne!(checker, me);
    assert_ne!(check.seed, Hash32::ZERO);
    assert_eq!(check.status, HardwareCheckStatus::Assigned);
    assert!(out.events.contains(&Event::HardwareCheckAssigned { provider: me, checker }));

    let report = TxBody::ReportHardwareCheck { provider: me, passed: true, measured_ops_per_s: 7 };
    // Only the drawn checker's verdict counts — not the provider's own.
    assert_eq!(court.net.run(&rig, report.clone()), exec(ExecError::NotChecker));
    let checker_key = court.rig(&checker).clone();
    court.net.run(&checker_key, report.clone()).unwrap();
    let provider = court.net.state.provider(&me).unwrap();
    assert_eq!(provider.inventory[0].tier, EvidenceTier::Challenged);
    assert_eq!(
        court.net.state.hardware_check(&me).unwrap().status,
        HardwareCheckStatus::Passed { measured_ops_per_s: 7 }
    );
    assert_eq!(court.net.run(&checker_key, report), exec(ExecError::NoHardwareCheck));
    court.net.check_invariants();
}

#[test]
fn failed_and_silent_checks_leave_the_tier_alone() {
    let mut court = Court::new();
    let (a, b) = (court.rigs[0].clone(), court.rigs[1].clone());
    assert_eq!(
        court.net.run(&a, TxBody::RequestHardwareCheck { group: 7, claimed_tops: 1 }),
        exec(ExecError::NoSuchGroup(7))
    );
    court.net.run(&a, TxBody::RequestHardwareCheck { group: 0, claimed_tops: 1_000 }).unwrap();
    court.net.run(&b, TxBody::RequestHardwareCheck { group: 0, claimed_tops: 1 }).unwrap();
    let checker = court.net.state.hardware_check(&a.public()).unwrap().checker.unwrap();
    let checker = court.rig(&checker).clone();
    let failed =
        TxBody::ReportHardwareCheck { provider: a.public(), passed: false, measured_ops_per_s: 3 };
    court.net.run(&checker, failed).unwrap();
    assert_eq!(
        court.net.state.provider(&a.public()).unwrap().inventory[0].tier,
        EvidenceTier::SelfReported
    );
    // b's checker never reports: the check expires and the checker counts a failure.
    let silent = court.net.state.hardware_check(&b.public()).unwrap().checker.unwrap();
    let failures = court.net.state.provider(&silent).unwrap().stats.failed;
    court.net.idle(court.net.state.params().hardware_check_blocks + 1);
    assert_eq!(
        court.net.state.hardware_check(&b.public()).unwrap().status,
        HardwareCheckStatus::Expired
    );
    assert_eq!(court.net.state.provider(&silent).unwrap().stats.failed, failures + 1);
    assert_eq!(
        court.net.state.provider(&b.public()).unwrap().inventory[0].tier,
        EvidenceTier::SelfReported
    );
    court.net.check_invariants();
}
