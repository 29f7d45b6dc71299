//! Bad input from the command line: each case gets a clear one-line error (with a hint where one
//! helps), a non-zero exit, and changes nothing on chain — against a real in-process devnet with
//! real provider agents.

use std::path::{Path, PathBuf};
use std::process::Command;

use rigshare_client::{Client, Wallet};
use rigshare_market::{Genesis, Params};
use rigshare_node::{Devnet, DevnetConfig};
use rigshare_types::{Amount, Keypair};

use crate::support;

const DEMO_GOOD: &str = r#"
name = "t"
[runtime]
kind = "wasm"
module = "job.wasm"
[resources]
query = "gpu_count>=1"
[limits]
max_duration = "1m"
max_price_per_gpu_hour = "0.50"
[inputs]
"in.txt" = "in.txt"
"#;

/// Runs the binary; (success, stderr).
async fn rigshare(args: Vec<String>) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let output = Command::new(env!("CARGO_BIN_EXE_rigshare"))
            .args(&args)
            .env_remove("RIGSHARE_NODE")
            .env_remove("RIGSHARE_KEY")
            .env_remove("RIGSHARE_CONFIG")
            .env("HOME", std::env::temp_dir())
            .output()
            .unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
    })
    .await
    .unwrap()
}

/// Writes `text` as a manifest in its own file (named by its hash) next to the job's files.
fn manifest(dir: &Path, text: &str) -> PathBuf {
    std::fs::write(
        dir.join("job.wasm"),
        wat::parse_str("(module (func (export \"_start\")))").unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("in.txt"), b"hello").unwrap();
    let path = dir.join(format!("{}.toml", rigshare_types::hash::blake3(text.as_bytes())));
    std::fs::write(&path, text).unwrap();
    path
}

fn key_file(dir: &Path, seed: u8) -> PathBuf {
    let path = dir.join(format!("key-{seed}"));
    std::fs::write(&path, hex::encode([seed; 32])).unwrap();
    path
}

fn s(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rich = Keypair::from_seed([1; 32]);
    let poor = Keypair::from_seed([2; 32]);
    let genesis = Genesis {
        params: Params { chain_id: "rigshare-cli-test".into(), ..Params::default() },
        balances: vec![
            (rich.public(), Amount::units(1_000)),
            (poor.public(), Amount::micro(1_000)),
        ]
        .into_iter()
        .chain((10..13u8).map(|i| (Keypair::from_seed([i; 32]).public(), Amount::units(1_000))))
        .collect(),
        time_ms: 0,
    };
    let net =
        Devnet::start(DevnetConfig::single(dir.path().join("chain"), genesis, 9)).await.unwrap();
    let provider_keys: Vec<Keypair> = (10..13u8).map(|i| Keypair::from_seed([i; 32])).collect();
    let agents = rigshare_cli::demo::start_providers(
        net.url(),
        &dir.path().join("providers"),
        &provider_keys,
        |_| {},
    )
    .await
    .unwrap();
    let node = net.url().to_owned();
    let rich_key = key_file(dir.path(), 1);
    let poor_key = key_file(dir.path(), 2);
    let rich_key = rich_key.to_str().unwrap();
    let client = Client::new(&node).unwrap();
    let before = client.account(&rich.public()).await.unwrap().account;

    // Unknown field in the manifest: named, with its line.
    let bad = manifest(dir.path(), &DEMO_GOOD.replace("[inputs]", "gpus_please = 3\n[inputs]"));
    let (ok, err) =
        rigshare(s(&["--node", &node, "--key", rich_key, "job", "submit", bad.to_str().unwrap()]))
            .await;
    assert!(!ok && err.contains("unknown field `gpus_please`") && err.contains("line"), "{err}");

    // Unparsable query: the clause and position.
    let bad = manifest(dir.path(), &DEMO_GOOD.replace("gpu_count>=1", "gpu_count>>1"));
    let (ok, err) =
        rigshare(s(&["--node", &node, "--key", rich_key, "job", "submit", bad.to_str().unwrap()]))
            .await;
    assert!(!ok && err.contains("[resources] query"), "{err}");

    // Unreachable node.
    let good = manifest(dir.path(), DEMO_GOOD);
    let (ok, err) = rigshare(s(&[
        "--node",
        "http://127.0.0.1:9",
        "--key",
        rich_key,
        "job",
        "submit",
        good.to_str().unwrap(),
    ]))
    .await;
    assert!(!ok && err.contains("cannot reach the node") && err.contains("hint"), "{err}");

    // No offer matches: says which constraint excluded everyone.
    let h100 = manifest(dir.path(), &DEMO_GOOD.replace("gpu_count>=1", "gpu_model=H100"));
    let (ok, err) =
        rigshare(s(&["--node", &node, "--key", rich_key, "job", "submit", h100.to_str().unwrap()]))
            .await;
    assert!(!ok && err.contains("gpu_model") && err.contains("excluded"), "{err}");

    // Insufficient funds.
    let (ok, err) = rigshare(s(&[
        "--node",
        &node,
        "--key",
        poor_key.to_str().unwrap(),
        "job",
        "submit",
        good.to_str().unwrap(),
    ]))
    .await;
    assert!(!ok && err.contains("insufficient funds"), "{err}");

    // Nothing above was sent: the rich account's nonce and balance are unchanged.
    let after = client.account(&rich.public()).await.unwrap().account;
    assert_eq!((after.nonce, after.balance), (before.nonce, before.balance));

    // A cancelled job: the whole deposit comes back; only the two fees are spent.
    let slow = manifest(
        dir.path(),
        &DEMO_GOOD.replace("max_duration = \"1m\"", "max_duration = \"1m\"\nauction_blocks = 1000"),
    );
    let job = rigshare_cli::manifest::Job::load(&slow).unwrap();
    let wallet = Wallet::connect(client.clone(), rich.clone()).await.unwrap();
    let order = rigshare_cli::job::flow::place(&wallet, &job).await.unwrap();
    let (ok, err) =
        rigshare(s(&["--node", &node, "--key", rich_key, "job", "cancel", &order.0.to_string()]))
            .await;
    assert!(ok, "{err}");
    let info = client.order(order).await.unwrap();
    assert_eq!(info.order.refunded, job.order.deposit);
    let end = client.account(&rich.public()).await.unwrap().account;
    assert_eq!(
        end.balance,
        before.balance.checked_sub(wallet.fee().checked_mul(2).unwrap()).unwrap()
    );

    // Cancelling it again: a clear error.
    let (ok, err) =
        rigshare(s(&["--node", &node, "--key", rich_key, "job", "cancel", &order.0.to_string()]))
            .await;
    assert!(!ok && err.contains("order"), "{err}");

    for agent in agents {
        agent.shutdown().await;
    }
    net.shutdown().await;
}

/// Runs `rigshare provider run` for `key` with `stake` against `node`; (success, stderr).
async fn provider_run(dir: &Path, node: &str, key: &Keypair, stake: &str) -> (bool, String) {
    let data_dir = dir.join(format!("provider-{stake}"));
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::write(data_dir.join("provider.key"), hex::encode(key.seed())).unwrap();
    let config = data_dir.join("provider.toml");
    std::fs::write(
        &config,
        format!(
            "node = \"{node}\"\ndata_dir = \"{}\"\nlisten = \"127.0.0.1:0\"\nstake = \"{stake}\"\n[pricing]\ndefault_gpu_hour = \"0.30\"\n",
            data_dir.display()
        ),
    )
    .unwrap();
    let (ok, _, err) =
        support::rigshare(s(&["provider", "run", "--config", config.to_str().unwrap()])).await;
    (ok, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_run_names_why_it_cannot_register() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Keypair::from_seed([20; 32]);
    let params = Params { chain_id: "rigshare-cli-test".into(), ..Params::default() };
    let min = params.min_provider_stake;
    let net = support::devnet(dir.path(), params, &[&provider]).await;
    let client = Client::new(net.url()).unwrap();

    // A stake below the network's minimum: the cause and minimum, and how to fix the config —
    // not a plea for funds the account has.
    let (ok, err) = provider_run(dir.path(), net.url(), &provider, "1").await;
    assert!(!ok, "{err}");
    assert_eq!(err.matches(&format!("stake 1 below the minimum {min}")).count(), 1, "{err}");
    assert!(err.contains("hint: raise `stake`"), "{err}");
    assert!(!err.contains("needs funds"), "{err}");
    assert_eq!(client.provider(&provider.public()).await.unwrap_err().status(), Some(404));

    // A stake above the balance (1,000): that is a lack of funds, and the hint says so.
    let (ok, err) = provider_run(dir.path(), net.url(), &provider, "5000").await;
    assert!(!ok, "{err}");
    assert!(err.contains("insufficient funds"), "{err}");
    assert!(err.contains("hint: the account needs funds"), "{err}");
    assert!(!err.contains("raise `stake`"), "{err}");

    net.shutdown().await;
}
