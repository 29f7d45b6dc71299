//! Adversary: a provider that cheats on 10% of its jobs under `audit = 0.3`.
//!
//! Each result is drawn for audit independently with probability a = 0.3 by the block beacon,
//! after it is committed. A cheated result is caught exactly when it is audited (auditors here
//! are honest), so over m cheated jobs the number caught is Binomial(m, a): expected a·m, and
//! the chance that a cheater goes unnoticed through all of them is (1 − a)^m. Per job, a cheater
//! who cheats with probability c is caught with probability c·a, so it survives n jobs with
//! probability (1 − c·a)^n.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rigshare_types::verification::{AuditStatus, Verdict};
use rigshare_types::{Amount, TxBody};

use super::{Court, court_params, honest_root, wrong_root};

const JOBS: usize = 600;
const CHEAT_EVERY: usize = 10;
const AUDIT_PPM: u32 = 300_000;

#[test]
fn a_ten_percent_cheater_is_caught_as_often_as_the_math_predicts() {
    // Slash 1% per wrong result so the cheater stays staked for the whole run.
    let mut court =
        Court::with_params(rigshare_market::Params { slash_ppm: 10_000, ..court_params() });
    let cheater = court.rigs[0].clone();
    court.net.run(&cheater, TxBody::AddStake { amount: Amount::units(50_000) }).unwrap();
    let mut cheats = vec![false; JOBS];
    cheats.iter_mut().take(JOBS / CHEAT_EVERY).for_each(|c| *c = true);
    cheats.shuffle(&mut StdRng::seed_from_u64(7));

    let (mut audited, mut caught_cheats, mut audited_honest) = (0u32, 0u32, 0u32);
    for cheat in &cheats {
        let root = if *cheat { wrong_root() } else { honest_root() };
        let (order, leases) = court.job(&[&cheater], &[root], AUDIT_PPM);
        let lease = leases[0];
        court.net.block(vec![]); // the beacon of the next block draws (or not)
        let Some(audit) = court.net.state.audit(lease).copied() else {
            assert_eq!(court.verdict(lease), Verdict::Unchecked);
            continue;
        };
        audited += 1;
        let auditor = court.rig(&audit.auditor).clone();
        court.net.run(&auditor, TxBody::SubmitAudit { lease, output_root: honest_root() }).unwrap();
        if *cheat {
            assert!(matches!(
                court.net.state.audit(lease).unwrap().status,
                AuditStatus::Mismatch { .. }
            ));
            court.arbitrate(order, honest_root());
            assert_eq!(court.verdict(lease), Verdict::Overturned);
            caught_cheats += 1;
        } else {
            assert_eq!(court.verdict(lease), Verdict::Audited);
            audited_honest += 1;
        }
    }
    court.net.check_invariants();

    let stats = court.net.state.provider(&cheater.public()).unwrap().stats;
    assert_eq!(u64::from(caught_cheats), stats.slashed, "every caught cheat slashed, nothing else");
    assert_eq!(u64::from(audited_honest), stats.audited);

    // Audits over all jobs: Binomial(600, 0.3), mean 180, sd 11.2 — within 4 sd.
    let within = |observed: u32, n: usize| {
        let (n, a) = (n as f64, f64::from(AUDIT_PPM) / 1e6);
        let (mean, sd) = (n * a, (n * a * (1.0 - a)).sqrt());
        (f64::from(observed) - mean).abs() <= 4.0 * sd
    };
    assert!(within(audited, JOBS), "audited {audited} of {JOBS}");
    // Caught cheats: Binomial(60, 0.3), mean 18, sd 3.5 — within 4 sd.
    let m = JOBS / CHEAT_EVERY;
    assert!(within(caught_cheats, m), "caught {caught_cheats} of {m} cheats");
    // The chance the cheater was never caught is 0.7^60 ≈ 5e-10; it was caught.
    assert!(caught_cheats > 0);
    println!(
        "audit statistics: {audited}/{JOBS} results audited (expected 180), \
         {caught_cheats}/{m} cheats caught (expected 18), P(never caught) = 0.7^60 = {:.1e}",
        0.7f64.powi(60)
    );
}
