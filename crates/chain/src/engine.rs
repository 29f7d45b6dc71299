//! Wires one validator: marshal (ordered finalized blocks, storage, backfill), block broadcast,
//! simplex consensus with the threshold VRF scheme, our application and executor. Generic over
//! the runtime and the p2p channels, so the same wiring runs on tokio with authenticated TCP
//! and on the deterministic runtime with a simulated network.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use commonware_broadcast::buffered;
use commonware_consensus::marshal::core::Actor as Marshal;
use commonware_consensus::marshal::resolver::p2p as marshal_resolver;
use commonware_consensus::marshal::standard::{Inline, Standard};
use commonware_consensus::marshal::{Config as MarshalConfig, Start};
use commonware_consensus::simplex::config::{
    Config as SimplexConfig, Floor, ForwardPolicy, SkipBudget, SkipPolicy,
};
use commonware_consensus::simplex::elector::RoundRobin;
use commonware_consensus::simplex::{self, Engine as Simplex};
use commonware_consensus::types::{Epoch, FixedEpocher, TermLength, ViewDelta};
use commonware_cryptography::bls12381::primitives::group::Share;
use commonware_cryptography::bls12381::primitives::sharing::Sharing;
use commonware_cryptography::bls12381::primitives::variant::MinSig;
use commonware_cryptography::certificate::ConstantProvider;
use commonware_cryptography::{Digested, Sha256, ed25519};
use commonware_p2p::{Blocker, Provider as PeerProvider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{Clock, Metrics, Spawner, Storage, Supervisor};
use commonware_storage::archive::immutable;
use commonware_utils::ordered::Set;
use commonware_utils::{NZDuration, NZU16, NZU32, NZU64, NZUsize};
use futures::channel::mpsc;
use rand_core_010::CryptoRng;
use rigshare_market::{Genesis, State};
use rigshare_types::block::{Checkpoint, Header, tx_root};
use rigshare_types::{Hash32, tx};
use tracing::info;

use crate::app::App;
use crate::block::{Block, MAX_BLOCK_TXS};
use crate::executor::{self, Finalizer};
use crate::shared::{Handle, NetworkInfo, Shared};
use crate::store::BlockStore;
use crate::tap::Tap;
use crate::{ChainError, Scheme};

/// Consensus timing. The defaults suit validators on one machine or a LAN.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How long to wait for a leader's proposal.
    pub leader_timeout: Duration,
    /// How long to wait for a notarized proposal to certify.
    pub certification_timeout: Duration,
    /// How often to re-broadcast a nullify vote while stuck.
    pub timeout_retry: Duration,
    /// After this long without progress, skip an inactive leader early.
    pub skip_timeout: Duration,
    /// Consecutive views one leader serves. A dead leader costs one timeout per term instead
    /// of one per view, which keeps a stopped validator from halving throughput.
    pub term_length: u32,
    /// A term that makes no finalized progress for this long is abandoned.
    pub stall_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            leader_timeout: Duration::from_millis(200),
            certification_timeout: Duration::from_millis(400),
            timeout_retry: Duration::from_millis(500),
            skip_timeout: Duration::from_millis(1_000),
            term_length: 32,
            stall_timeout: Duration::from_millis(600),
        }
    }
}

/// Everything one validator needs to start.
#[derive(Clone)]
pub struct ValidatorConfig {
    /// Consensus namespace (certificates are signed under it).
    pub namespace: Vec<u8>,
    /// This validator's network identity.
    pub identity: ed25519::PrivateKey,
    /// The committee, ordered.
    pub participants: Set<ed25519::PublicKey>,
    /// The public polynomial of the network key.
    pub sharing: Sharing<MinSig>,
    /// This validator's key share.
    pub share: Share,
    /// The market's genesis (identical on every validator).
    pub genesis: Genesis,
    /// Where the block log lives (consensus journals go to the runtime's storage directory).
    pub data_dir: PathBuf,
    /// Consensus timing.
    pub timing: Timing,
    /// Most transactions per block.
    pub max_block_txs: usize,
}

/// The five p2p channels a validator uses, as `(sender, receiver)` pairs.
pub struct Channels<S, R> {
    /// Consensus votes.
    pub votes: (S, R),
    /// Consensus certificates.
    pub certificates: (S, R),
    /// Consensus certificate fetches.
    pub resolver: (S, R),
    /// Marshal's backfill of finalized blocks.
    pub backfill: (S, R),
    /// Block broadcast.
    pub broadcast: (S, R),
    /// Transaction gossip.
    pub txs: (S, R),
}

/// Channel ids on the p2p network.
pub mod channel {
    /// Consensus votes.
    pub const VOTES: u64 = 0;
    /// Consensus certificates.
    pub const CERTIFICATES: u64 = 1;
    /// Consensus certificate fetches.
    pub const RESOLVER: u64 = 2;
    /// Finalized-block backfill.
    pub const BACKFILL: u64 = 3;
    /// Block broadcast.
    pub const BROADCAST: u64 = 4;
    /// Transaction gossip.
    pub const TXS: u64 = 5;
}

/// Largest p2p message any channel carries for a committee of `n`.
pub fn max_message_size(n: u32) -> u32 {
    commonware_p2p::max_message_size(&[
        simplex::max_payload_size::<Scheme, crate::Digest>(n),
        commonware_consensus::marshal::max_payload_size::<Standard<Block>, Scheme>(n, &()),
        crate::gossip::MAX_GOSSIP_BYTES,
    ])
}

const PAGE_SIZE: std::num::NonZeroU16 = NZU16!(4_096);
const PAGE_CACHE_PAGES: std::num::NonZeroUsize = NZUsize!(1_024);
const MAILBOX: NonZeroUsize = NZUsize!(1_024);
/// Epochs are not rotated: one epoch spans every height a devnet will reach.
const EPOCH_LENGTH: u64 = u64::MAX / 2;

/// The first bytes of a public key, hex: enough to tell validators apart.
fn short_id(key: &ed25519::PublicKey) -> String {
    let bytes = commonware_codec::Encode::encode(key);
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The genesis block every validator starts from.
pub fn genesis_block(genesis: &Genesis) -> Result<Block, ChainError> {
    let state = State::genesis(genesis).map_err(|e| ChainError::Genesis(e.to_string()))?;
    let header = Header {
        parent: Hash32::ZERO,
        height: 0,
        timestamp_ms: genesis.time_ms,
        view: 0,
        parent_seed: None,
        checkpoint: Checkpoint { height: 0, state_root: state.root() },
        tx_root: tx_root(&[]),
    };
    Ok(Block { header, txs: Vec::new() })
}

/// Starts a validator on `ctx` with the given channels; returns a handle to it.
pub async fn start<E, S, R, P, B>(
    ctx: E,
    cfg: ValidatorConfig,
    channels: Channels<S, R>,
    peers: P,
    blocker: B,
) -> Result<Handle, ChainError>
where
    E: Spawner + Metrics + Clock + Storage + CryptoRng + Supervisor + Send + Sync + 'static,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
    P: PeerProvider<PublicKey = ed25519::PublicKey> + Clone,
    B: Blocker<PublicKey = ed25519::PublicKey> + Clone,
{
    use commonware_cryptography::Signer as _;
    let me = cfg.identity.public_key();
    let n = cfg.participants.len() as u32;

    // Market state: genesis, then every block already in our log.
    std::fs::create_dir_all(&cfg.data_dir).map_err(|e| ChainError::Io(cfg.data_dir.clone(), e))?;
    let genesis = genesis_block(&cfg.genesis)?;
    let state = State::genesis(&cfg.genesis).map_err(|e| ChainError::Genesis(e.to_string()))?;
    let (store, blocks) = BlockStore::open(&cfg.data_dir.join("blocks.log"))?;
    let shared = Arc::new(Shared::new(state, store, vec![genesis.header.checkpoint.state_root]));
    executor::replay(&shared, blocks)?;

    let scheme = Scheme::signer(
        &cfg.namespace,
        cfg.participants.clone(),
        cfg.sharing.clone(),
        cfg.share.clone(),
    )
    .ok_or(ChainError::NotInCommittee)?;
    let verifier = Scheme::certificate_verifier(&cfg.namespace, *cfg.sharing.public());
    let info = NetworkInfo {
        network_key: commonware_codec::Encode::encode(cfg.sharing.public()).to_vec(),
        namespace: cfg.namespace.clone(),
        genesis: genesis.header.digest(),
        chain_id: cfg.genesis.params.chain_id.clone(),
    };

    let page_cache = CacheRef::new(PAGE_SIZE, PAGE_CACHE_PAGES);
    // Partitions are named per validator so several can share one storage backend (the
    // deterministic runtime gives all validators of a test the same one).
    let prefix = format!("rigshare-{}", short_id(&me));

    // Block backfill and broadcast.
    let resolver = marshal_resolver::init(
        ctx.child("resolver"),
        marshal_resolver::Config {
            public_key: me.clone(),
            peer_provider: peers.clone(),
            blocker: blocker.clone(),
            mailbox_size: MAILBOX,
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        channels.backfill,
    );
    let (broadcast_engine, buffer) = buffered::Engine::new(
        ctx.child("broadcast"),
        buffered::Config {
            public_key: me.clone(),
            mailbox_size: MAILBOX,
            deque_size: 16,
            priority: false,
            codec_config: (),
            peer_provider: peers.clone(),
            strategy: Sequential,
        },
    );
    broadcast_engine.start(channels.broadcast);

    // Marshal's archives: finalization certificates and finalized blocks by height.
    let archive = |name: &str, codec_config| immutable::Config {
        metadata_partition: format!("{prefix}-{name}-metadata"),
        freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
        freezer_table_initial_size: 1_024,
        freezer_table_resize_frequency: 4,
        freezer_table_resize_chunk_size: 1_024,
        freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
        freezer_key_page_cache: page_cache.clone(),
        freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
        freezer_value_target_size: 64 << 20,
        freezer_value_compression: None,
        ordinal_partition: format!("{prefix}-{name}-ordinal"),
        items_per_section: NZU64!(1_024),
        codec_config,
        replay_buffer: NZUsize!(1 << 20),
        freezer_key_write_buffer: NZUsize!(1 << 20),
        freezer_value_write_buffer: NZUsize!(1 << 20),
        ordinal_write_buffer: NZUsize!(1 << 20),
    };
    let finalizations = immutable::Archive::init(
        ctx.child("finalizations"),
        // The threshold scheme's certificates need no codec configuration.
        archive("finalizations", ()),
    )
    .await
    .map_err(|e| ChainError::Storage(e.to_string()))?;
    let finalized_blocks = immutable::Archive::init(ctx.child("blocks"), archive("blocks", ()))
        .await
        .map_err(|e| ChainError::Storage(e.to_string()))?;

    let genesis_digest = genesis.id();
    let (marshal, mailbox, _floor) = Marshal::init(
        ctx.child("marshal"),
        finalizations,
        finalized_blocks,
        MarshalConfig {
            provider: ConstantProvider::new(scheme.clone()),
            epocher: FixedEpocher::new(NZU64!(EPOCH_LENGTH)),
            start: Start::Genesis(Digested::precomputed(genesis, genesis_digest)),
            partition_prefix: prefix.clone(),
            mailbox_size: MAILBOX,
            view_retention: ViewDelta::new(1_024),
            prunable_items_per_section: NZU64!(1_024),
            page_cache: page_cache.clone(),
            replay_buffer: NZUsize!(1 << 20),
            key_write_buffer: NZUsize!(1 << 20),
            value_write_buffer: NZUsize!(1 << 20),
            block_codec_config: (),
            max_repair: NZUsize!(64),
            max_pending_acks: NZUsize!(16),
            strategy: Sequential,
        },
    )
    .await;
    let (sender, updates) = mpsc::unbounded();
    marshal.start(Finalizer { sender }, buffer, resolver);
    ctx.child("executor").spawn({
        let shared = shared.clone();
        let mailbox = mailbox.clone();
        move |_| executor::run(shared, updates, mailbox)
    });

    // Transaction gossip.
    let (outbox, outgoing) = mpsc::unbounded();
    *crate::shared::lock(&shared.gossip) = Some(outbox);
    let (gossip_sender, gossip_receiver) = channels.txs;
    ctx.child("gossip_out").spawn({
        let shared = shared.clone();
        move |ctx| crate::gossip::outbound(ctx, shared, gossip_sender, outgoing)
    });
    ctx.child("gossip_in").spawn({
        let shared = shared.clone();
        let chain_id = cfg.genesis.params.chain_id.clone();
        move |_| crate::gossip::inbound(shared, chain_id, gossip_receiver)
    });

    // The application, wrapped for marshal, and consensus on top.
    let app = App {
        shared: shared.clone(),
        verifier,
        epoch: Epoch::zero(),
        tx_domain: Arc::new(tx::tx_domain(&cfg.genesis.params.chain_id)),
        max_txs: cfg
            .max_block_txs
            .min(MAX_BLOCK_TXS)
            .min(cfg.genesis.params.max_block_txs as usize),
    };
    let inline =
        Inline::new(ctx.child("inline"), app, mailbox, FixedEpocher::new(NZU64!(EPOCH_LENGTH)));
    let timing = cfg.timing;
    let elector = if timing.term_length > 1 {
        RoundRobin::<Sha256>::default().with_term(
            TermLength::new(NZU32!(timing.term_length.max(2))),
            timing.stall_timeout,
            // No optimistic run-ahead: a proposal needs its parent's seed, which exists only once the
            // parent is notarized.
            ViewDelta::zero(),
        )
    } else {
        RoundRobin::<Sha256>::default()
    };
    let consensus = Simplex::new(
        ctx.child("simplex"),
        SimplexConfig {
            scheme,
            elector,
            blocker,
            automaton: inline.clone(),
            relay: inline.clone(),
            reporter: Tap { inner: inline, shared: shared.clone() },
            track_historical_votes: false,
            strategy: Sequential,
            partition: format!("{prefix}-simplex"),
            mailbox_size: MAILBOX,
            epoch: Epoch::zero(),
            floor: Floor::Genesis(genesis_digest),
            replay_buffer: NZUsize!(1 << 20),
            write_buffer: NZUsize!(1 << 20),
            page_cache,
            leader_timeout: timing.leader_timeout,
            certification_timeout: timing.certification_timeout,
            timeout_retry: timing.timeout_retry,
            view_retention: ViewDelta::new(1_024),
            skip: SkipPolicy::Enabled {
                timeout: timing.skip_timeout,
                budget: SkipBudget::Participants,
            },
            fetch_timeout: NZDuration!(Duration::from_secs(1)),
            fetch_retry_delay: Duration::from_millis(50),
            forward: ForwardPolicy::Disabled,
        },
    );
    consensus.start(channels.votes, channels.certificates, channels.resolver);
    info!(target: "chain::engine", validators = n, height = shared.executed_height(), "validator started");
    Ok(Handle { shared, info: Arc::new(info) })
}
