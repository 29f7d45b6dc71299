//! Running validators as real processes-in-threads: each on its own commonware tokio runtime
//! with authenticated, encrypted TCP on loopback or a LAN. Used by the node, the devnet and the
//! tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use commonware_cryptography::{ChaCha20Poly1305, Signer as _, ed25519};
use commonware_p2p::authenticated::lookup;
use commonware_p2p::{Address, AddressableManager as _};
use commonware_runtime::tokio::{Config as RuntimeConfig, Runner};
use commonware_runtime::{Quota, Runner as _, Spawner as _, Supervisor as _};
use commonware_stream::cups::{self, Cups};
use commonware_stream::sake::{self, Sake};
use commonware_utils::{NZU32, NZUsize, ordered::Map};
use futures::channel::oneshot;
use tracing::error;

use crate::engine::{self, Channels, ValidatorConfig, channel};
use crate::{ChainError, Handle};

/// Messages per second each peer may send on each channel: far above what consensus needs
/// (a few per view), low enough to bound a misbehaving peer.
const CHANNEL_QUOTA: u32 = 10_000;

/// How to run one validator on this machine.
#[derive(Clone)]
pub struct LocalConfig {
    /// The validator itself.
    pub validator: ValidatorConfig,
    /// Where to listen for peers.
    pub listen: SocketAddr,
    /// Every committee member's address (this one's included).
    pub peers: Vec<(ed25519::PublicKey, SocketAddr)>,
    /// Where consensus keeps its journals and archives.
    pub storage_dir: PathBuf,
    /// Runtime worker threads.
    pub worker_threads: usize,
}

/// A validator running on its own thread. Dropping it stops the validator.
pub struct LocalValidator {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LocalValidator {
    /// Starts the validator and waits until it is ready to take transactions.
    pub fn spawn(cfg: LocalConfig) -> Result<LocalValidator, ChainError> {
        let (ready_tx, ready_rx) = std_mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("rigshare-validator".into())
            .spawn(move || run(cfg, ready_tx, stop_rx))
            .map_err(|e| ChainError::Io(PathBuf::from("<thread>"), e))?;
        match ready_rx.recv() {
            Ok(Ok(handle)) => {
                Ok(LocalValidator { handle, stop: Some(stop_tx), thread: Some(thread) })
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ChainError::Storage("validator thread exited during start-up".into())),
        }
    }

    /// The validator's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Stops the validator and waits for its tasks to end (its data stays on disk).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LocalValidator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run(
    cfg: LocalConfig,
    ready: std_mpsc::Sender<Result<Handle, ChainError>>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = RuntimeConfig::new()
        .with_storage_directory(cfg.storage_dir.clone())
        .with_worker_threads(cfg.worker_threads.max(1))
        .with_tcp_nodelay(Some(true));
    Runner::new(runtime).start(|ctx| async move {
        let identity = cfg.validator.identity.clone();
        let n = cfg.validator.participants.len() as u32;
        let p2p = lookup::Config::local(
            Cups::<_, ChaCha20Poly1305>::new(
                Sake {
                    signer: identity.clone(),
                    synchrony_bound: Duration::from_secs(5),
                    max_handshake_age: Duration::from_secs(10),
                    version: sake::Version::V1,
                },
                cups::Version::V1,
            ),
            &cfg.validator.namespace,
            cfg.listen,
            NZUsize!(n as usize + 1),
            engine::max_message_size(n),
            NZUsize!(4_096),
        );
        let (mut network, mut oracle) = lookup::Network::new(ctx.child("network"), p2p);
        let peers: Result<Map<ed25519::PublicKey, Address>, _> = cfg
            .peers
            .iter()
            .map(|(pk, addr)| (pk.clone(), Address::from(*addr)))
            .collect::<Vec<_>>()
            .try_into();
        let Ok(peers) = peers else {
            let _ = ready.send(Err(ChainError::Genesis("duplicate peer in the committee".into())));
            return;
        };
        oracle.track(0, peers);
        let quota = Quota::per_second(NZU32!(CHANNEL_QUOTA));
        let channels = Channels {
            votes: network.register(channel::VOTES, quota),
            certificates: network.register(channel::CERTIFICATES, quota),
            resolver: network.register(channel::RESOLVER, quota),
            backfill: network.register(channel::BACKFILL, quota),
            broadcast: network.register(channel::BROADCAST, quota),
            txs: network.register(channel::TXS, quota),
        };
        network.start();
        let _ = identity.public_key();
        match engine::start(ctx.child("validator"), cfg.validator, channels, oracle.clone(), oracle)
            .await
        {
            Ok(handle) => {
                let _ = ready.send(Ok(handle));
            }
            Err(e) => {
                error!(target: "chain::local", error = %e, "validator failed to start");
                let _ = ready.send(Err(e));
                return;
            }
        }
        let _ = stop.await;
        let _ = ctx.stop(0, Some(Duration::from_secs(2))).await;
    });
}

/// A whole committee on this machine: `n` validators on loopback with a dealt key, each with
/// its own data directory under one root. What `rigshare devnet`, the tests and the benchmarks
/// run.
pub struct LocalNetwork {
    /// The dealt committee.
    pub committee: crate::keys::Committee,
    /// Each validator's configuration (to restart it).
    pub configs: Vec<LocalConfig>,
    validators: Vec<Option<LocalValidator>>,
}

/// Settings for a [`LocalNetwork`].
#[derive(Clone)]
pub struct LocalNetworkConfig {
    /// Validators.
    pub validators: u32,
    /// Root of every validator's data.
    pub dir: PathBuf,
    /// Market genesis.
    pub genesis: rigshare_market::Genesis,
    /// Seed of the dealt committee keys.
    pub key_seed: u64,
    /// Consensus namespace.
    pub namespace: Vec<u8>,
    /// Consensus timing.
    pub timing: crate::Timing,
    /// Most transactions per block.
    pub max_block_txs: usize,
    /// First port to listen on; 0 picks free ports.
    pub base_port: u16,
}

impl LocalNetwork {
    /// Deals keys and starts every validator.
    pub fn start(cfg: LocalNetworkConfig) -> Result<LocalNetwork, ChainError> {
        let committee = crate::keys::deal(cfg.key_seed, cfg.validators);
        let mut addrs = Vec::new();
        for i in 0..cfg.validators {
            let port = if cfg.base_port == 0 { free_port()? } else { cfg.base_port + i as u16 };
            addrs.push(SocketAddr::from(([127, 0, 0, 1], port)));
        }
        let peers: Vec<_> =
            committee.participants.iter().cloned().zip(addrs.iter().copied()).collect();
        let configs: Vec<LocalConfig> = committee
            .validators
            .iter()
            .zip(&addrs)
            .enumerate()
            .map(|(i, (keys, addr))| LocalConfig {
                validator: ValidatorConfig {
                    namespace: cfg.namespace.clone(),
                    identity: keys.identity.clone(),
                    participants: committee.participants.clone(),
                    sharing: committee.sharing.clone(),
                    share: keys.share.clone(),
                    genesis: cfg.genesis.clone(),
                    data_dir: cfg.dir.join(format!("validator-{i}")),
                    timing: cfg.timing,
                    max_block_txs: cfg.max_block_txs,
                },
                listen: *addr,
                peers: peers.clone(),
                storage_dir: cfg.dir.join(format!("validator-{i}/consensus")),
                worker_threads: 1,
            })
            .collect();
        let mut validators = Vec::new();
        for config in &configs {
            validators.push(Some(LocalValidator::spawn(config.clone())?));
        }
        Ok(LocalNetwork { committee, configs, validators })
    }

    /// Validators in the committee.
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Whether the committee is empty (never, once started).
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// The handle of validator `i`, if it is running.
    pub fn handle(&self, i: usize) -> Option<Handle> {
        self.validators.get(i)?.as_ref().map(|v| v.handle().clone())
    }

    /// Handles of the running validators.
    pub fn running(&self) -> Vec<Handle> {
        self.validators.iter().flatten().map(|v| v.handle().clone()).collect()
    }

    /// Stops validator `i` (its data stays).
    pub fn stop(&mut self, i: usize) {
        if let Some(v) = self.validators.get_mut(i).and_then(Option::take) {
            v.stop();
        }
    }

    /// Starts validator `i` again from its data.
    pub fn restart(&mut self, i: usize) -> Result<(), ChainError> {
        let Some(config) = self.configs.get(i) else { return Ok(()) };
        let validator = LocalValidator::spawn(config.clone())?;
        if let Some(slot) = self.validators.get_mut(i) {
            *slot = Some(validator);
        }
        Ok(())
    }

    /// Stops every validator.
    pub fn shutdown(&mut self) {
        for i in 0..self.validators.len() {
            self.stop(i);
        }
    }
}

impl Drop for LocalNetwork {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn free_port() -> Result<u16, ChainError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| ChainError::Io(PathBuf::from("127.0.0.1:0"), e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| ChainError::Io(PathBuf::from("127.0.0.1:0"), e))
}
