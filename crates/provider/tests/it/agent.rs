//! The agent end to end against a real in-process devnet (commonware consensus, the node's
//! HTTP API on loopback) and real wasmtime: bidding driven by fake GPU probes, a won lease's
//! inputs uploaded over signed HTTP, the job run, the receipt on chain matching a recomputation
//! of the downloaded outputs; and an agent stopped mid-job that resumes the lease on restart.

use std::path::Path;
use std::time::{Duration, Instant};

use rigshare_client::artifacts::auth::{RequestAuth, now_ms};
use rigshare_client::artifacts::{ArtifactClient, ArtifactError};
use rigshare_client::{Client, Wallet};
use rigshare_market::{Genesis, Params};
use rigshare_node::{Devnet, DevnetConfig};
use rigshare_provider::agent::Agent;
use rigshare_provider::agent::config::ProviderConfig;
use rigshare_provider::{FakeProbe, GpuInfo};
use rigshare_runtime::output_root;
use rigshare_types::job::{BlobRef, InputFile, JobLimits, JobManifest, JobRuntime};
use rigshare_types::records::{LeaseStatus, OrderStatus};
use rigshare_types::tx::TxBody;
use rigshare_types::{
    Amount, ComputeCapability, Keypair, LeaseId, OrderId, OrderSpec, VerificationPolicy,
};

use crate::guests;

const PATIENCE: Duration = Duration::from_secs(60);

fn key(seed: u8) -> Keypair {
    Keypair::from_seed([seed; 32])
}

async fn devnet(dir: &Path) -> Devnet {
    let genesis = Genesis {
        params: Params {
            chain_id: "rigshare-agent-test".into(),
            settle_interval_ms: 0,
            ..Params::default()
        },
        balances: (1..=6u8).map(|i| (key(i).public(), Amount::units(1_000))).collect(),
        time_ms: 0,
    };
    Devnet::start(DevnetConfig::single(dir.join("chain"), genesis, 5)).await.unwrap()
}

/// A host with two RTX 4090s (two leases at once).
fn rtx_4090() -> FakeProbe {
    let gpu = |index: u32| {
        GpuInfo::known(
            index,
            "NVIDIA GeForce RTX 4090",
            &format!("GPU-00000000-0000-0000-0000-00000000000{index}"),
            24_564,
            ComputeCapability { major: 8, minor: 9 },
        )
    };
    FakeProbe::with_gpus(vec![gpu(0), gpu(1)])
}

fn config(node: &str, dir: &Path, price: &str, listen: &str) -> ProviderConfig {
    ProviderConfig::parse(&format!(
        r#"
        node = "{node}"
        data_dir = "{}"
        listen = "{listen}"
        [pricing]
        default_gpu_hour = "{price}"
        "#,
        dir.display()
    ))
    .unwrap()
}

/// The uppercase job as a manifest, its module and its input.
fn job(iterations: u64) -> (JobManifest, Vec<u8>, Vec<u8>) {
    let module = wat::parse_str(guests::uppercase_after(iterations)).unwrap();
    let input = b"rent a gpu, get a receipt".to_vec();
    let manifest = JobManifest {
        name: "uppercase".into(),
        runtime: JobRuntime::Wasm { module: BlobRef::of(&module) },
        args: Vec::new(),
        env: Vec::new(),
        inputs: vec![InputFile { path: "data.txt".into(), blob: BlobRef::of(&input) }],
        outputs: vec!["result.txt".into()],
        limits: JobLimits { fuel: 1 << 40, wall_time_ms: 60_000, memory_bytes: 64 << 20 },
        seed: [3; 32],
    };
    (manifest, module, input)
}

async fn order(
    wallet: &Wallet,
    manifest: &JobManifest,
    query: &str,
    max_price: &str,
    replicas: u8,
) -> OrderId {
    let spec = OrderSpec {
        manifest_hash: manifest.hash(),
        query: query.into(),
        gpus: 1,
        max_price_gpu_hour: max_price.parse().unwrap(),
        max_duration_ms: 600_000,
        replicas,
        verification: VerificationPolicy::default(),
        deposit: Amount::units(10),
        auction_blocks: 10,
    };
    let status = wallet.send_and_wait(TxBody::CreateOrder(spec), PATIENCE).await.unwrap();
    status.created_order().expect("creating an order reports its id")
}

/// Waits for the auction of `order` to end; returns its leases.
async fn leases_of(client: &Client, order: OrderId) -> Vec<(LeaseId, String)> {
    let start = Instant::now();
    loop {
        let info = client.order(order).await.unwrap();
        if info.order.status != OrderStatus::Open {
            let mut leases = Vec::new();
            for lease in info.leases {
                let provider = client.provider(&lease.lease.provider).await.unwrap();
                leases.push((lease.id, provider.provider.endpoint));
            }
            return leases;
        }
        assert!(start.elapsed() < PATIENCE, "auction of {order} never closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn upload(
    requestor: &Keypair,
    endpoint: &str,
    lease: LeaseId,
    job: &(JobManifest, Vec<u8>, Vec<u8>),
) {
    let artifacts = ArtifactClient::new(endpoint, requestor.clone()).unwrap();
    served(&artifacts, lease).await;
    for bytes in [job.0.encode(), job.1.clone(), job.2.clone()] {
        match artifacts.upload(lease, bytes).await {
            // The provider held every blob already (from another lease) and started.
            Err(ArtifactError::Http { status: 409, code, .. }) if code == "inputs_closed" => return,
            other => other.unwrap(),
        }
    }
}

/// Waits until the provider has recorded `lease` (it learns of its win from the event stream).
async fn served(artifacts: &ArtifactClient, lease: LeaseId) {
    let start = Instant::now();
    while let Err(ArtifactError::Http { status: 404, .. }) = artifacts.status(lease).await {
        assert!(start.elapsed() < PATIENCE, "the provider never took lease {lease}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A signed PUT of `body` under the blob name `name`, bypassing the client's own hashing.
async fn raw_put(
    endpoint: &str,
    key: &Keypair,
    lease: LeaseId,
    name: &str,
    body: Vec<u8>,
) -> (u16, String) {
    let path = format!("/v1/leases/{lease}/blobs/{name}");
    let auth = RequestAuth::sign(key, "PUT", &path, now_ms());
    let mut request = reqwest::Client::new().put(format!("{endpoint}{path}")).body(body);
    for (header, value) in auth.headers() {
        request = request.header(header, value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap_or_default())
}

async fn receipt(client: &Client, lease: LeaseId) -> rigshare_types::SignedReceipt {
    let start = Instant::now();
    loop {
        if let Ok(info) = client.receipt(lease).await {
            return info.receipt;
        }
        assert!(start.elapsed() < PATIENCE, "no receipt for lease {lease}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_bid_run_and_prove_their_results() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(dir.path()).await;
    let cheap = Agent::start(
        config(net.url(), &dir.path().join("p2"), "0.30", "127.0.0.1:0"),
        key(2),
        &rtx_4090(),
    )
    .await
    .unwrap();
    let dear = Agent::start(
        config(net.url(), &dir.path().join("p3"), "0.50", "127.0.0.1:0"),
        key(3),
        &rtx_4090(),
    )
    .await
    .unwrap();
    let client = Client::new(net.url()).unwrap();
    let requestor = key(1);
    let wallet = Wallet::connect(client.clone(), requestor.clone()).await.unwrap();
    let job = job(0);

    // Ineligible everywhere: no provider has an H100, so nobody bids and the order ends empty.
    let h100 = order(&wallet, &job.0, "gpu_model=H100", "2", 1).await;
    // Price policy: only the 0.30 provider's floor is within 0.40.
    let capped = order(&wallet, &job.0, "gpu_count>=1", "0.40", 1).await;
    // Both bid; two replicas on distinct providers.
    let replicated = order(&wallet, &job.0, "gpu_model=RTX4090 vram_gib>=20", "1", 2).await;

    assert!(leases_of(&client, h100).await.is_empty());
    let bids = client.order(h100).await.unwrap().order.bids;
    assert!(bids.is_empty(), "nobody may bid on an order no inventory matches: {bids:?}");

    let capped_leases = leases_of(&client, capped).await;
    let bids = client.order(capped).await.unwrap().order.bids;
    assert_eq!(bids.len(), 1, "only the provider under the price cap bids: {bids:?}");
    assert_eq!(bids[0].provider, cheap.id());
    assert_eq!(bids[0].price_gpu_hour, "0.30".parse().unwrap());

    let leases = leases_of(&client, replicated).await;
    assert_eq!(leases.len(), 2, "{:?}", client.order(replicated).await.unwrap().order);
    served(&ArtifactClient::new(&leases[0].1, requestor.clone()).unwrap(), leases[0].0).await;
    // A stranger may not upload, and nothing is stored for it.
    let stranger = ArtifactClient::new(&leases[0].1, key(6)).unwrap();
    let refused = stranger.upload(leases[0].0, job.0.encode()).await.unwrap_err();
    assert!(matches!(refused, ArtifactError::Http { status: 403, .. }), "{refused}");
    // A blob that is not the manifest is refused before the manifest arrives.
    let owner = ArtifactClient::new(&leases[0].1, requestor.clone()).unwrap();
    let early = owner.upload(leases[0].0, b"not named by anything".to_vec()).await.unwrap_err();
    assert!(matches!(early, ArtifactError::Http { status: 409, .. }), "{early}");

    // The manifest arrives; then a body that does not hash to its name, and one larger than
    // the manifest says, are refused and nothing is stored.
    owner.upload(leases[0].0, job.0.encode()).await.unwrap();
    let module_hash = rigshare_types::hash::blake3(&job.1);
    let wrong = vec![0u8; job.1.len()];
    let (status, body) =
        raw_put(&leases[0].1, &requestor, leases[0].0, &module_hash.to_string(), wrong).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("hash_mismatch"), "{body}");
    let mut long = job.1.clone();
    long.push(0);
    let (status, body) =
        raw_put(&leases[0].1, &requestor, leases[0].0, &module_hash.to_string(), long).await;
    assert!(status == 400 || status == 413, "{status} {body}");
    assert_eq!(
        owner.status(leases[0].0).await.unwrap().missing.len(),
        2,
        "module and input still missing"
    );

    for (lease, endpoint) in leases.iter().chain(&capped_leases) {
        upload(&requestor, endpoint, *lease, &job).await;
    }
    let mut roots = Vec::new();
    for (lease, endpoint) in &leases {
        let receipt = receipt(&client, *lease).await;
        assert_eq!(receipt.receipt.manifest_hash, job.0.hash());
        assert_eq!(receipt.receipt.usage.exit_code, 0);
        let out = tempfile::tempdir().unwrap();
        let artifacts = ArtifactClient::new(endpoint, requestor.clone()).unwrap();
        artifacts
            .download_outputs(*lease, receipt.receipt.output_root, out.path(), |_| {})
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(out.path().join("result.txt")).unwrap(),
            b"RENT A GPU, GET A RECEIPT"
        );
        assert_eq!(output_root(out.path()).unwrap(), receipt.receipt.output_root);
        let logs = artifacts.logs(*lease).await.unwrap();
        assert_eq!(logs.stdout, "RENT A GPU, GET A RECEIPT");
        roots.push(receipt.receipt.output_root);
    }
    assert_eq!(roots[0], roots[1], "deterministic replicas agree");
    let start = Instant::now();
    while client.order(replicated).await.unwrap().order.status != OrderStatus::Verified {
        assert!(start.elapsed() < PATIENCE, "the order was never verified");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    receipt(&client, capped_leases[0].0).await;

    cheap.shutdown().await;
    dear.shutdown().await;
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_agent_resumes_its_lease() {
    let dir = tempfile::tempdir().unwrap();
    let net = devnet(dir.path()).await;
    // The endpoint is published on chain, so the restarted agent must listen where it did.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let data = dir.path().join("p4");
    let agent =
        Agent::start(config(net.url(), &data, "0.30", &listen), key(4), &rtx_4090()).await.unwrap();
    let client = Client::new(net.url()).unwrap();
    let requestor = key(5);
    let wallet = Wallet::connect(client.clone(), requestor.clone()).await.unwrap();
    // Long enough to stop the agent while it runs (seconds of busy loop).
    let job = job(3_000_000_000);
    let id = order(&wallet, &job.0, "gpu_count>=1", "1", 1).await;
    let leases = leases_of(&client, id).await;
    let (lease, endpoint) = leases[0].clone();
    upload(&requestor, &endpoint, lease, &job).await;
    let artifacts = ArtifactClient::new(&endpoint, requestor.clone()).unwrap();
    let start = Instant::now();
    // Started on chain (payment streaming) and the job mid-run: stop the agent there.
    while client.lease(lease).await.unwrap().lease.status != LeaseStatus::Running {
        assert!(start.elapsed() < PATIENCE, "the job never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(artifacts.status(lease).await.unwrap().stage, "running");
    agent.shutdown().await;
    assert_eq!(client.lease(lease).await.unwrap().lease.status, LeaseStatus::Running);

    let agent =
        Agent::start(config(net.url(), &data, "0.30", &listen), key(4), &rtx_4090()).await.unwrap();
    let receipt = receipt(&client, lease).await;
    assert_eq!(receipt.receipt.usage.exit_code, 0);
    let out = tempfile::tempdir().unwrap();
    artifacts
        .download_outputs(lease, receipt.receipt.output_root, out.path(), |_| {})
        .await
        .unwrap();
    assert_eq!(std::fs::read(out.path().join("result.txt")).unwrap(), b"RENT A GPU, GET A RECEIPT");
    assert_eq!(client.lease(lease).await.unwrap().lease.status, LeaseStatus::Completed);
    agent.shutdown().await;
    net.shutdown().await;
}
