//! `rigshare receipt export | verify`: a real job on a real devnet, its settlement exported as a
//! bundle and checked offline by the binary; tampered bundles, a wrong network key and a proof
//! against another block are all rejected.

use std::path::Path;

use rigshare_client::Client;
use rigshare_market::Params;
use rigshare_types::verification::Verdict;
use rigshare_types::{Amount, Hash32, Keypair, OrderId};
use rigshare_verify::bundle::ReceiptBundle;

use crate::support::{devnet, rigshare, s, write_job};

const JOB: &str = r#"
name = "receipts"
[runtime]
kind = "wasm"
module = "job.wasm"
[resources]
query = "gpu_count>=1"
[limits]
max_duration = "1m"
max_price_per_gpu_hour = "0.50"
[verification]
replicas = 2
[inputs]
"in.txt" = "in.txt"
"#;

/// `receipt verify` on `text` written to `dir`; (success, stdout, stderr).
async fn verify_text(dir: &Path, name: &str, text: &str, key: &str) -> (bool, String, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    rigshare(s(&["receipt", "verify", path.to_str().unwrap(), "--network-key", key])).await
}

/// `receipt verify` on `bundle`.
async fn verify(
    dir: &Path,
    name: &str,
    bundle: &ReceiptBundle,
    key: &str,
) -> (bool, String, String) {
    verify_text(dir, name, &bundle.to_json(), key).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_receipts_verify_offline_and_tampering_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let requestor = Keypair::from_seed([1; 32]);
    let provider_keys: Vec<Keypair> = (10..13u8).map(|i| Keypair::from_seed([i; 32])).collect();
    let params = Params { chain_id: "rigshare-receipts-test".into(), ..Params::default() };
    let funded: Vec<&Keypair> = std::iter::once(&requestor).chain(&provider_keys).collect();
    let net = devnet(dir.path(), params, &funded).await;
    let _agents = rigshare_cli::demo::start_providers(
        net.url(),
        &dir.path().join("providers"),
        &provider_keys,
        |_| {},
    )
    .await
    .unwrap();
    let node = net.url().to_owned();
    let (manifest, key_file) = write_job(dir.path(), JOB);
    let (node_s, key_s) = (node.as_str(), key_file.to_str().unwrap());

    let out = dir.path().join("results");
    let (ok, _, err) = rigshare(s(&[
        "--node",
        node_s,
        "--key",
        key_s,
        "job",
        "submit",
        manifest.to_str().unwrap(),
        "--wait",
        "--out",
        out.to_str().unwrap(),
    ]))
    .await;
    assert!(ok, "{err}");
    let client = Client::new(&node).unwrap();
    let lease = client.order(OrderId(1)).await.unwrap().order.leases[0];
    let network_key = hex::encode(&client.status().await.unwrap().network_key.0);

    // Export (waiting until a certified checkpoint includes the settlement) and verify offline.
    let bundle_path = dir.path().join("receipt.json");
    let mut exported = false;
    for _ in 0..100 {
        let (ok, _, _) = rigshare(s(&[
            "--node",
            node_s,
            "receipt",
            "export",
            &lease.to_string(),
            "--out",
            bundle_path.to_str().unwrap(),
        ]))
        .await;
        if ok {
            exported = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(exported, "no bundle could be exported");
    let text = std::fs::read_to_string(&bundle_path).unwrap();
    println!("bundle: {} bytes of JSON", text.len());
    let bundle = ReceiptBundle::from_json(&text).unwrap();
    // `RIGSHARE_BUNDLE_FIXTURE=<dir>` refreshes the verify crate's fixture (bench and tests); the
    // test runs in `crates/cli`, so give an absolute path.
    if let Some(fixture) = std::env::var_os("RIGSHARE_BUNDLE_FIXTURE") {
        let fixture = Path::new(&fixture);
        std::fs::write(fixture.join("receipt.json"), &text).unwrap();
        std::fs::write(fixture.join("network-key.hex"), format!("{network_key}\n")).unwrap();
    }
    let (ok, stdout, err) = verify(dir.path(), "good.json", &bundle, &network_key).await;
    assert!(ok, "{err}");
    assert!(stdout.contains("VALID") && stdout.contains("every replica"), "{stdout}");

    // Tampered: the amount paid, the output root in the receipt, the verdict.
    let mut paid = bundle.clone();
    paid.settlement.paid = Amount::units(999);
    let mut root = bundle.clone();
    root.receipt.receipt.output_root = Hash32([0xab; 32]);
    let mut verdict = bundle.clone();
    verdict.settlement.verdict = Verdict::Upheld;
    for (name, tampered, expected) in [
        ("paid.json", &paid, "state proof"),
        ("root.json", &root, "receipt is not the one"),
        ("verdict.json", &verdict, "state proof"),
    ] {
        let (ok, _, err) = verify(dir.path(), name, tampered, &network_key).await;
        assert!(!ok && err.contains("INVALID") && err.contains(expected), "{name}: {err}");
    }

    // Another network's key.
    let other = hex::encode(rigshare_chain::keys::deal(77, 1).network_key());
    let (ok, _, err) = verify(dir.path(), "good.json", &bundle, &other).await;
    assert!(!ok && err.contains("certificate"), "{err}");
    let (ok, _, err) = verify(dir.path(), "good.json", &bundle, "abcd").await;
    assert!(!ok && err.contains("network key"), "{err}");

    // The proof against another (later) block: export again once the certified height moved.
    let mut later = None;
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let (ok, stdout, _) =
            rigshare(s(&["--node", node_s, "receipt", "export", &lease.to_string()])).await;
        if let Some(value) = ok.then(|| ReceiptBundle::from_json(stdout.trim()).ok()).flatten()
            && value.header.height > bundle.header.height
        {
            later = Some(value);
            break;
        }
    }
    let later = later.expect("the chain moved on");
    let mut mixed = bundle.clone();
    mixed.header = later.header;
    mixed.finalization = later.finalization.clone();
    let (ok, _, err) = verify(dir.path(), "mixed.json", &mixed, &network_key).await;
    assert!(!ok && err.contains("state proof"), "{err}");
    // A header without its own certificate.
    let mut forged = bundle.clone();
    forged.header = later.header;
    let (ok, _, err) = verify(dir.path(), "forged.json", &forged, &network_key).await;
    assert!(!ok && err.contains("certificate"), "{err}");
    // Not a bundle at all.
    let (ok, _, err) = verify_text(dir.path(), "junk.json", r#"{"x": 1}"#, &network_key).await;
    assert!(!ok && err.contains("not a receipt bundle"), "{err}");
}
