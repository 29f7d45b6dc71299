//! Starts committees of validators on loopback for tests.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rigshare_chain::local::{LocalNetwork, LocalNetworkConfig};
use rigshare_chain::{Handle, Timing};
use rigshare_market::{Genesis, Params};
use rigshare_types::{Amount, Keypair, SignedTransaction, Transaction, TxBody};

pub const CHAIN_ID: &str = "rigshare-test";

pub fn user(seed: u8) -> Keypair {
    Keypair::from_seed([seed; 32])
}

pub fn genesis() -> Genesis {
    Genesis {
        params: Params { chain_id: CHAIN_ID.into(), ..Params::default() },
        balances: (1..=8u8).map(|i| (user(i).public(), Amount::units(1_000))).collect(),
        time_ms: 0,
    }
}

/// A committee on loopback under a fresh temporary directory, removed on drop.
pub struct Cluster {
    pub net: LocalNetwork,
    pub dir: PathBuf,
}

impl Cluster {
    pub fn start(n: u32, name: &str) -> Cluster {
        let dir =
            std::env::temp_dir().join(format!("rigshare-chain-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let net = LocalNetwork::start(LocalNetworkConfig {
            validators: n,
            dir: dir.clone(),
            genesis: genesis(),
            key_seed: 7,
            namespace: b"rigshare-test".to_vec(),
            timing: Timing::default(),
            max_block_txs: 4_096,
            base_port: 0,
        })
        .unwrap();
        Cluster { net, dir }
    }

    pub fn handle(&self, i: usize) -> Handle {
        self.net.handle(i).unwrap()
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.net.handle(i).is_some()
    }

    pub fn stop(&mut self, i: usize) {
        self.net.stop(i);
    }

    pub fn restart(&mut self, i: usize) {
        self.net.restart(i).unwrap();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.net.shutdown();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until `check` holds, failing after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub fn transfer(from: &Keypair, nonce: u64, to: &Keypair, micro: u64) -> SignedTransaction {
    Transaction {
        sender: from.public(),
        nonce,
        fee: Amount::micro(100),
        body: TxBody::Transfer { to: to.public(), amount: Amount::micro(micro) },
    }
    .sign(from, CHAIN_ID)
}
