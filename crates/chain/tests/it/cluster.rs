//! Starts committees of validators on loopback for tests.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rigshare_chain::engine::{Timing, ValidatorConfig};
use rigshare_chain::keys::{Committee, deal};
use rigshare_chain::local::{LocalConfig, LocalValidator};
use rigshare_chain::Handle;
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

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

pub struct Cluster {
    pub committee: Committee,
    pub configs: Vec<LocalConfig>,
    pub validators: Vec<Option<LocalValidator>>,
    pub dir: PathBuf,
}

impl Cluster {
    pub fn start(n: u32, name: &str) -> Cluster {
        let dir = std::env::temp_dir().join(format!("rigshare-chain-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let committee = deal(7, n);
        let addrs: Vec<SocketAddr> = (0..n).map(|_| free_port()).collect();
        let peers: Vec<_> = committee.participants.iter().cloned().zip(addrs.iter().copied()).collect();
        let configs: Vec<LocalConfig> = committee
            .validators
            .iter()
            .enumerate()
            .map(|(i, keys)| LocalConfig {
                validator: ValidatorConfig {
                    namespace: b"rigshare-test".to_vec(),
                    identity: keys.identity.clone(),
                    participants: committee.participants.clone(),
                    sharing: committee.sharing.clone(),
                    share: keys.share.clone(),
                    genesis: genesis(),
                    data_dir: dir.join(format!("v{i}")),
                    timing: Timing::default(),
                    max_block_txs: 4_096,
                },
                listen: addrs[i],
                peers: peers.clone(),
                storage_dir: dir.join(format!("v{i}/consensus")),
                worker_threads: 1,
            })
            .collect();
        let validators = configs.iter().map(|c| Some(LocalValidator::spawn(c.clone()).unwrap())).collect();
        Cluster { committee, configs, validators, dir }
    }

    pub fn handle(&self, i: usize) -> Handle {
        self.validators[i].as_ref().unwrap().handle().clone()
    }

    pub fn stop(&mut self, i: usize) {
        if let Some(v) = self.validators[i].take() {
            v.stop();
        }
    }

    pub fn restart(&mut self, i: usize) {
        self.validators[i] = Some(LocalValidator::spawn(self.configs[i].clone()).unwrap());
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for v in self.validators.iter_mut() {
            if let Some(v) = v.take() {
                v.stop();
            }
        }
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
