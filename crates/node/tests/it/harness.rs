//! One validator shared by every test of this binary (tests use distinct accounts), and an
//! HTTP node per test on `127.0.0.1:0`.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rigshare_chain::Handle;
use rigshare_chain::engine::{Timing, ValidatorConfig};
use rigshare_chain::keys::deal;
use rigshare_chain::local::{LocalConfig, LocalValidator};
use rigshare_client::Client;
use rigshare_client::api::AccountInfo;
use rigshare_market::{Genesis, Params};
use rigshare_node::{Api, ApiConfig, serve};
use rigshare_types::{Amount, Keypair, SignedTransaction, Transaction, TxBody};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const CHAIN_ID: &str = "rigshare-node-test";
/// The fee every test transaction pays.
pub const FEE: Amount = Amount::micro(100);
/// How long anything the chain does may take in a test.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Funded user `seed` (1..=40 hold 1000 units at genesis).
pub fn user(seed: u8) -> Keypair {
    Keypair::from_seed([seed; 32])
}

struct Validator {
    validator: LocalValidator,
    _dir: PathBuf,
}

static VALIDATOR: OnceLock<Validator> = OnceLock::new();

/// The shared validator, started on first use and running until the test binary exits.
pub fn chain() -> Handle {
    let v = VALIDATOR.get_or_init(start_validator);
    v.validator.handle().clone()
}

/// Prefix of the validator's data directory under the temp dir (the process id follows).
const DIR_PREFIX: &str = "rigshare-node-it-";

fn start_validator() -> Validator {
    remove_stale_dirs();
    let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let committee = deal(11, 1);
    let listen: SocketAddr = {
        let probe = StdListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let keys = committee.validators[0].clone();
    let config = LocalConfig {
        validator: ValidatorConfig {
            namespace: b"rigshare-node-test".to_vec(),
            identity: keys.identity.clone(),
            participants: committee.participants.clone(),
            sharing: committee.sharing.clone(),
            share: keys.share,
            genesis: Genesis {
                params: Params { chain_id: CHAIN_ID.into(), ..Params::default() },
                balances: (1..=40u8).map(|i| (user(i).public(), Amount::units(1_000))).collect(),
                time_ms: 0,
            },
            data_dir: dir.join("v0"),
            timing: Timing::default(),
            max_block_txs: 4_096,
        },
        listen,
        peers: vec![(committee.participants.iter().next().unwrap().clone(), listen)],
        storage_dir: dir.join("v0/consensus"),
        worker_threads: 1,
    };
    let validator = LocalValidator::spawn(config).unwrap();
    let start = Instant::now();
    while validator.handle().height() < 2 {
        assert!(start.elapsed() < PATIENCE, "the validator produced no blocks");
        std::thread::sleep(Duration::from_millis(10));
    }
    Validator { validator, _dir: dir }
}

/// The shared validator outlives every test, so its directory is removed by a later run: the
/// directories of test processes that are gone (Linux `/proc` tells).
fn remove_stale_dirs() {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else { continue };
        if pid.parse::<u32>().is_ok() && !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// An HTTP node serving the shared validator.
pub struct Node {
    pub client: Client,
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Node {
    /// Starts a node with the default settings.
    pub async fn start() -> Node {
        Node::with_config(ApiConfig::default()).await
    }

    /// Starts a node with `config`.
    pub async fn with_config(config: ApiConfig) -> Node {
        let chain = tokio::task::spawn_blocking(chain).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, Api::new(chain, config), async move {
            let _ = stopped.await;
        }));
        let client = Client::new(&format!("http://{addr}")).unwrap();
        Node { client, addr, stop: Some(stop), task }
    }

    /// The URL of `path` on this node.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Shuts the server down and waits for `serve` to return.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("serve returns after shutdown")
            .unwrap()
            .unwrap();
    }
}

/// Polls `check` until it yields a value, failing after [`PATIENCE`].
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < PATIENCE, "timed out after {PATIENCE:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The account as the node reports it.
pub async fn account(client: &Client, key: &Keypair) -> AccountInfo {
    client.account(&key.public()).await.unwrap()
}

/// Waits until `key`'s account has used `nonce` transactions.
pub async fn wait_nonce(client: &Client, key: &Keypair, nonce: u64) -> AccountInfo {
    eventually("the transaction to execute", async || {
        client.account(&key.public()).await.ok().filter(|a| a.account.nonce >= nonce)
    })
    .await
}

/// `body` from `key` with `nonce`, signed for the test chain.
pub fn signed(key: &Keypair, nonce: u64, body: TxBody) -> SignedTransaction {
    Transaction { sender: key.public(), nonce, fee: FEE, body }.sign(key, CHAIN_ID)
}

/// A transfer of `micro` µRIG.
pub fn transfer(from: &Keypair, nonce: u64, to: &Keypair, micro: u64) -> SignedTransaction {
    signed(from, nonce, TxBody::Transfer { to: to.public(), amount: Amount::micro(micro) })
}
