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
            Ok(Ok(handle)) => Ok(LocalValidator { handle, stop: Some(stop_tx), thread: Some(thread) }),
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
        let peers: Result<Map<ed25519::PublicKey, Address>, _> =
            cfg.peers.iter().map(|(pk, addr)| (pk.clone(), Address::from(*addr))).collect::<Vec<_>>().try_into();
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
        };
        network.start();
        let _ = identity.public_key();
        match engine::start(ctx.child("validator"), cfg.validator, channels, oracle.clone(), oracle).await {
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
