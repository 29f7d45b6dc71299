//! The demo's flow in-process, end to end: a real devnet (commonware consensus, the node API),
//! three real provider agents (simulated GPU inventories), the real MLP job in wasmtime on two
//! providers. Asserts what `rigshare demo` promises — verified replicas, accuracy ≥ 0.90, exact
//! payments, providers paid more than their fees — and that `job run-local` reports the same
//! output root the providers did.

use rigshare_cli::demo::{self, DemoOptions};
use rigshare_cli::job::run_local;
use rigshare_cli::manifest::Job;
use rigshare_types::records::OrderStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_job_is_verified_accurate_and_paid_exactly() {
    let root = demo::workspace_root();
    demo::build_demo_module(&root).unwrap();
    let manifest = root.join("jobs/mlp-train/rigshare.toml");
    let dir = tempfile::tempdir().unwrap();
    let report = demo::run(&DemoOptions {
        dir: dir.path().join("demo"),
        manifest: manifest.clone(),
        verbose: false,
    })
    .await
    .unwrap();

    assert_eq!(report.status, OrderStatus::Verified);
    assert_eq!(report.receipts.len(), 2);
    let root_0 = report.receipts[0].receipt.output_root;
    assert!(report.receipts.iter().all(|r| r.receipt.output_root == root_0));
    assert_eq!(report.downloaded_roots, vec![root_0, root_0]);
    assert!(report.accuracy.parse::<f64>().unwrap() >= 0.90, "accuracy {}", report.accuracy);
    let leases: u64 = report.payouts.iter().map(|p| p.paid.as_micro()).sum();
    assert_eq!(report.requestor_spent.as_micro(), leases + report.requestor_fees.as_micro());
    for payout in &report.payouts {
        assert!(payout.paid.as_micro() > 0);
        assert_eq!(
            payout.net,
            i128::from(payout.paid.as_micro()) - i128::from(payout.fees.as_micro())
        );
        // An honest provider ends the demo with more than it started.
        assert!(payout.net > 0, "{payout:?}");
        assert!(payout.transactions >= 3 && !payout.billed.is_zero(), "{payout:?}");
    }
    // Two distinct winners, the two cheapest (miner-c's floor is above the price cap).
    let mut winners: Vec<_> = report.payouts.iter().map(|p| p.name.clone()).collect();
    winners.sort();
    assert_eq!(winners, ["miner-a", "miner-b"]);

    let job = Job::load(&manifest).unwrap();
    let local = run_local(&job, &dir.path().join("local")).await.unwrap();
    assert!(local.outcome.exit.success());
    assert_eq!(local.output_root, root_0, "run-local reports the providers' root");
}
