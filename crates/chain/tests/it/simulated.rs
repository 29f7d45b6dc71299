//! Four validators on the deterministic runtime and a simulated network: latency and jitter,
//! a partition that halts finality, healing, and bit-for-bit reproducibility from a seed.

use std::time::Duration;

use commonware_p2p::simulated::{self, Link, Network};
use commonware_runtime::{Clock, Quota, Runner, Supervisor, deterministic};
use commonware_utils::{NZU32, NZUsize};
use rigshare_chain::Handle;
use rigshare_chain::engine::{self, Channels, Timing, ValidatorConfig, channel};
use rigshare_chain::keys::deal;
use rigshare_types::Hash32;

use crate::cluster::{genesis, transfer, user};

fn link(latency_ms: u64) -> Link {
    Link {
        latency: Duration::from_millis(latency_ms),
        jitter: Duration::from_millis(latency_ms / 2),
        success_rate: commonware_utils::Probability::new(1, 1).unwrap(),
    }
}

/// Waits (in simulated time) until every handle reaches `height`, up to `limit`.
async fn until_height(
    ctx: &deterministic::Context,
    handles: &[&Handle],
    height: u64,
    limit: Duration,
) -> bool {
    let deadline = ctx.current() + limit;
    while ctx.current() < deadline {
        if handles.iter().all(|h| h.height() >= height) {
            return true;
        }
        ctx.sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Runs the scenario from `seed`; returns the final height reached by all and its root.
fn scenario(seed: u64) -> (u64, Hash32) {
    let dir = std::env::temp_dir().join(format!("rigshare-sim-{seed}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg =
        deterministic::Config::new().with_seed(seed).with_timeout(Some(Duration::from_secs(600)));
    let result = deterministic::Runner::new(cfg).start(|ctx| {
        let dir = dir.clone();
        async move {
            let committee = deal(11, 4);
            let peers: Vec<_> = committee.participants.iter().cloned().collect();
            let (network, oracle) = Network::new_with_peers(
                ctx.child("network"),
                simulated::Config {
                    max_size: engine::max_message_size(4),
                    max_peers_per_set: NZUsize!(4),
                    disconnect_on_block: true,
                    tracked_peer_sets: NZUsize!(1),
                },
                peers.clone(),
            )
            .await;
            network.start();
            let quota = Quota::per_second(NZU32!(10_000));
            let mut handles = Vec::new();
            for (i, keys) in committee.validators.iter().enumerate() {
                let control = oracle.control(peers[i].clone());
                let channels = Channels {
                    votes: control.register(channel::VOTES, quota).await.unwrap(),
                    certificates: control.register(channel::CERTIFICATES, quota).await.unwrap(),
                    resolver: control.register(channel::RESOLVER, quota).await.unwrap(),
                    backfill: control.register(channel::BACKFILL, quota).await.unwrap(),
                    broadcast: control.register(channel::BROADCAST, quota).await.unwrap(),
                    txs: control.register(channel::TXS, quota).await.unwrap(),
                };
                let cfg = ValidatorConfig {
                    namespace: b"rigshare-sim".to_vec(),
                    identity: keys.identity.clone(),
                    participants: committee.participants.clone(),
                    sharing: committee.sharing.clone(),
                    share: keys.share.clone(),
                    genesis: genesis(),
                    data_dir: dir.join(format!("v{i}")),
                    timing: Timing::default(),
                    max_block_txs: 1_024,
                };
                let handle = engine::start(
                    ctx.child("validator"),
                    cfg,
                    channels,
                    oracle.manager(),
                    control.clone(),
                )
                .await
                .unwrap();
                handles.push(handle);
            }
            for a in &peers {
                for b in &peers {
                    if a != b {
                        oracle.add_link(a.clone(), b.clone(), link(20)).await.unwrap();
                    }
                }
            }
            let all: Vec<&Handle> = handles.iter().collect();
            assert!(
                until_height(&ctx, &all, 10, Duration::from_secs(60)).await,
                "no progress with latency"
            );
            handles[0].submit(transfer(&user(1), 0, &user(2), 42)).unwrap();

            // Split 2/2: neither side has a quorum, so finality stops.
            for a in &peers[..2] {
                for b in &peers[2..] {
                    oracle.remove_link(a.clone(), b.clone()).await.unwrap();
                    oracle.remove_link(b.clone(), a.clone()).await.unwrap();
                }
            }
            ctx.sleep(Duration::from_secs(1)).await;
            let frozen = handles.iter().map(Handle::height).max().unwrap();
            ctx.sleep(Duration::from_secs(10)).await;
            let during = handles.iter().map(Handle::height).max().unwrap();
            assert!(during <= frozen + 1, "finalized without a quorum: {frozen} -> {during}");

            // Heal: progress resumes and everyone converges.
            for a in &peers[..2] {
                for b in &peers[2..] {
                    oracle.add_link(a.clone(), b.clone(), link(20)).await.unwrap();
                    oracle.add_link(b.clone(), a.clone(), link(20)).await.unwrap();
                }
            }
            // The transfer submitted to validator 0 as the partition began reaches every validator
            // (pending transactions are re-gossiped) and executes.
            let deadline = ctx.current() + Duration::from_secs(60);
            while handles
                .iter()
                .any(|h| h.with_state(|s| s.account(&user(1).public()).map(|a| a.nonce)) != Some(1))
            {
                assert!(ctx.current() < deadline, "transfer not executed after healing");
                ctx.sleep(Duration::from_millis(10)).await;
            }
            let target = handles.iter().map(Handle::height).max().unwrap() + 5;
            assert!(
                until_height(&ctx, &all, target, Duration::from_secs(120)).await,
                "no progress after healing"
            );
            for h in 0..=target {
                let roots: Vec<_> = handles.iter().map(|v| v.state_root(h)).collect();
                assert!(roots.iter().all(|r| *r == roots[0]), "height {h} differs");
            }
            assert_eq!(
                handles[3].with_state(|s| s.account(&user(1).public()).map(|a| a.nonce)),
                Some(1)
            );
            (target, handles[0].state_root(target).unwrap())
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[test]
fn partition_halts_finality_and_healing_resumes_it() {
    let first = scenario(5);
    // Same seed, same run: the whole system is deterministic under the simulated runtime.
    assert_eq!(scenario(5), first);
}
