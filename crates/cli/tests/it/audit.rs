//! Adversary, end to end: a provider agent that forges its result under `audit = 1`. A real
//! auditor agent, drawn by the beacon, fetches the job from it, re-executes it in wasmtime and
//! disagrees; a real arbiter agent re-executes it too; the forger is slashed and the requestor
//! refunded — and the exported receipt says so.

use std::time::{Duration, Instant};

use rigshare_client::Client;
use rigshare_market::Params;
use rigshare_provider::agent::config::Behaviour;
use rigshare_types::verification::{Audit, AuditStatus, Settlement, Verdict};
use rigshare_types::{Keypair, OrderId, StateKey, codec};

use crate::support::{devnet, rigshare, s, write_job};

const JOB: &str = r#"
name = "audited"
[runtime]
kind = "wasm"
module = "job.wasm"
[resources]
query = "gpu_count>=1"
[limits]
max_duration = "1m"
max_price_per_gpu_hour = "0.50"
[verification]
replicas = 1
audit = "1"
[inputs]
"in.txt" = "in.txt"
"#;

/// Submits [`JOB`] as the requestor whose key `write_job` writes, through the CLI.
async fn submit_audited_job(node: &str, dir: &std::path::Path) {
    let (manifest, key_file) = write_job(dir, JOB);
    let (ok, _, err) = rigshare(s(&[
        "--node",
        node,
        "--key",
        key_file.to_str().unwrap(),
        "job",
        "submit",
        manifest.to_str().unwrap(),
    ]))
    .await;
    assert!(ok, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forging_provider_is_audited_slashed_and_the_requestor_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let requestor = Keypair::from_seed([1; 32]);
    let provider_keys: Vec<Keypair> = (10..13u8).map(|i| Keypair::from_seed([i; 32])).collect();
    let params = Params { chain_id: "rigshare-audit-test".into(), ..Params::default() };
    let funded: Vec<&Keypair> = std::iter::once(&requestor).chain(&provider_keys).collect();
    let net = devnet(dir.path(), params, &funded).await;
    // miner-a, the cheapest, wins the job and forges its result.
    let _agents = rigshare_cli::demo::start_providers_with(
        net.url(),
        &dir.path().join("providers"),
        &provider_keys,
        |_| {},
        |name, config| {
            if name == "miner-a" {
                config.behaviour = Behaviour::ForgeResults;
            }
        },
    )
    .await
    .unwrap();
    let forger = provider_keys[0].public();
    let node = net.url().to_owned();
    let client = Client::new(&node).unwrap();
    let stake_before = client.provider(&forger).await.unwrap().provider.stake;
    submit_audited_job(&node, dir.path()).await;
    let order = client.order(OrderId(1)).await.unwrap();
    let lease = order.order.leases[0];
    assert_eq!(order.leases[0].lease.provider, forger);
    let balance_after_order = client.account(&requestor.public()).await.unwrap().account.balance;

    // Audit, dispute, arbitration: wait for the settlement's verdict.
    let start = Instant::now();
    let settlement = loop {
        let proof = client.proof(&StateKey::Settlement(lease)).await.unwrap();
        let settlement: Option<Settlement> =
            proof.value.map(|v| codec::decode(&v.0, 1024).unwrap());
        if let Some(s) = settlement
            && matches!(s.verdict, Verdict::Overturned | Verdict::Upheld | Verdict::Contested)
        {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "no verdict: {settlement:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(settlement.verdict, Verdict::Overturned);
    let lease_info = client.lease(lease).await.unwrap().lease;
    assert_eq!(settlement.refunded, lease_info.paid);
    let provider = client.provider(&forger).await.unwrap().provider;
    assert_eq!(provider.stats.slashed, 1);
    assert!(provider.stake < stake_before, "stake {} not slashed", provider.stake);
    // The requestor got back what it paid the forger (and the unused escrow earlier).
    let balance = client.account(&requestor.public()).await.unwrap().account.balance;
    assert!(balance >= balance_after_order.checked_add(lease_info.paid).unwrap());
    // The auditor and the arbiter, honest agents, each confirmed it by re-executing.
    let order = client.order(OrderId(1)).await.unwrap().order;
    assert_eq!(
        order.status,
        rigshare_types::records::OrderStatus::Failed(
            rigshare_types::records::OrderFailure::WrongResults
        )
    );

    // The exported receipt proves it to anyone with the network key.
    let bundle = dir.path().join("receipt.json");
    let (ok, _, err) = rigshare(s(&[
        "--node",
        &node,
        "receipt",
        "export",
        &lease.to_string(),
        "--out",
        bundle.to_str().unwrap(),
    ]))
    .await;
    assert!(ok, "{err}");
    let key = hex::encode(&client.status().await.unwrap().network_key.0);
    let (ok, stdout, err) =
        rigshare(s(&["receipt", "verify", bundle.to_str().unwrap(), "--network-key", &key])).await;
    assert!(ok, "{err}");
    assert!(stdout.contains("WRONG") && stdout.contains("refunded"), "{stdout}");
}

/// An agent that is down when the beacon draws it as auditor takes the audit up when it starts
/// again: it learns of it from the node's list of open assignments, not from the event it
/// missed, and reports before the deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_down_when_drawn_audits_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let requestor = Keypair::from_seed([1; 32]);
    let (worker, auditor) = (Keypair::from_seed([20; 32]), Keypair::from_seed([21; 32]));
    let params = Params { chain_id: "rigshare-audit-catch-up".into(), ..Params::default() };
    let net = devnet(dir.path(), params, &[&requestor, &worker, &auditor]).await;
    let start = |keys: Keypair, place: &str| {
        let place = dir.path().join(place);
        let node = net.url().to_owned();
        async move {
            rigshare_cli::demo::start_providers_with(&node, &place, &[keys], |_| {}, |_, _| {})
                .await
                .unwrap()
        }
    };
    let _worker = start(worker.clone(), "worker").await;
    // The auditor registers (so the beacon can draw it), then its agent goes down.
    for agent in start(auditor.clone(), "auditor").await {
        agent.shutdown().await;
    }

    let node = net.url().to_owned();
    let client = Client::new(&node).unwrap();
    submit_audited_job(&node, dir.path()).await;
    let lease = client.order(OrderId(1)).await.unwrap().order.leases[0];

    let audit = |wanted: fn(&Audit) -> bool| {
        let client = client.clone();
        async move {
            let start = Instant::now();
            loop {
                let proof = client.proof(&StateKey::Audit(lease)).await.unwrap();
                let audit: Option<Audit> = proof.value.map(|v| codec::decode(&v.0, 1024).unwrap());
                if let Some(audit) = audit.filter(wanted) {
                    return audit;
                }
                assert!(start.elapsed() < Duration::from_secs(90), "audit now: {audit:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    // Drawn while down: the only staked provider not party to the order.
    let drawn = audit(|_| true).await;
    assert_eq!((drawn.auditor, drawn.status), (auditor.public(), AuditStatus::Pending));

    let _auditor = start(auditor.clone(), "auditor").await;
    let done = audit(|a| a.status != AuditStatus::Pending).await;
    assert_eq!(done.status, AuditStatus::Passed, "{done:?}");
}
