//! Hardware challenges end to end: two agents ask to be challenged; beacon-drawn checker agents
//! time the beacon-seeded INT8 product and check it with Freivalds' algorithm. The honest claim
//! earns its group the `challenged` tier (and `offers search 'tier>=challenged'` finds it); the
//! agent claiming far more throughput than it has fails and stays `self-reported`.

use std::time::{Duration, Instant};

use rigshare_client::Client;
use rigshare_market::Params;
use rigshare_types::verification::{HardwareCheck, HardwareCheckStatus};
use rigshare_types::{EvidenceTier, Keypair, PublicKey, StateKey, codec};

use crate::support::{devnet, rigshare, s};

async fn final_check(client: &Client, provider: &PublicKey) -> HardwareCheck {
    let start = Instant::now();
    loop {
        let check: Option<HardwareCheck> = client
            .proof(&StateKey::HardwareCheck(*provider))
            .await
            .unwrap()
            .value
            .map(|v| codec::decode(&v.0, 1024).unwrap());
        if let Some(check) = check
            && !matches!(
                check.status,
                HardwareCheckStatus::Requested | HardwareCheckStatus::Assigned
            )
        {
            return check;
        }
        assert!(start.elapsed() < Duration::from_secs(150), "no verdict: {check:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_hardware_claims_pass_and_overclaims_fail() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("provider::verify=info,provider::agent=info")
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<Keypair> = (10..13u8).map(|i| Keypair::from_seed([i; 32])).collect();
    let params = Params {
        chain_id: "rigshare-hardware-test".into(),
        // Small enough for a CPU test rig.
        hardware_max_n: 128,
        // Long enough for a loaded CI box; a checker that was not listening yet lets the
        // challenge expire, and the agent asks again.
        hardware_check_blocks: 150,
        ..Params::default()
    };
    let net = devnet(dir.path(), params, &keys.iter().collect::<Vec<_>>()).await;
    let _agents = rigshare_cli::demo::start_providers_with(
        net.url(),
        &dir.path().join("providers"),
        &keys,
        |_| {},
        |name, config| match name {
            // A CPU computing a 128-side product claims no tensor-core throughput: honest.
            "miner-a" => config.hardware.check = true,
            // Claims 1000 INT8 TOPS it does not have.
            "miner-b" => {
                config.hardware.check = true;
                config.hardware.claimed_tops = 1_000;
            }
            _ => {}
        },
    )
    .await
    .unwrap();
    let client = Client::new(net.url()).unwrap();
    let (honest, boaster) = (keys[0].public(), keys[1].public());

    let check = final_check(&client, &honest).await;
    assert!(matches!(check.status, HardwareCheckStatus::Passed { .. }), "{check:?}");
    assert_eq!(check.n, 128);
    assert_ne!(check.checker, Some(honest));
    let tier = client.provider(&honest).await.unwrap().provider.inventory[0].tier;
    assert_eq!(tier, EvidenceTier::Challenged);

    let check = final_check(&client, &boaster).await;
    let HardwareCheckStatus::Failed { measured_ops_per_s } = check.status else {
        panic!("an overclaim passed: {check:?}");
    };
    assert!(measured_ops_per_s < 1_000 * 1_000_000_000_000);
    let tier = client.provider(&boaster).await.unwrap().provider.inventory[0].tier;
    assert_eq!(tier, EvidenceTier::SelfReported);

    // Requestors can ask for challenged hardware only.
    let node = net.url().to_owned();
    let (ok, stdout, err) =
        rigshare(s(&["--node", &node, "offers", "search", "tier>=challenged", "--json"])).await;
    assert!(ok, "{err}");
    let offers: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let providers: Vec<String> = offers["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["provider"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(providers, vec![honest.to_string()]);
}
