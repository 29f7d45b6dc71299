//! The agent: registers the provider, publishes its inventory, bids on matching orders, runs
//! won leases in a sandbox, and submits signed receipts — with every lease on disk first.
//!
//! ```text
//!  node events (SSE) ──▶ order_created ──▶ policy::decide ──▶ Bid
//!                    └─▶ auction_closed (ours) ──▶ LeaseStore ──▶ lease task:
//!   requestor ── PUT manifest, module, inputs ──▶ artifacts ──┘    inputs ready → StartLease
//!                                                                  run (wasm) → output root
//!                                                                  sign receipt → SubmitResult
//! ```
//!
//! When the beacon draws this provider to audit a lease or to arbitrate a dispute, it fetches
//! the job from a provider that ran it, re-executes it and reports the root it got (see
//! `verify`).
//!
//! After a restart, [`Agent::start`] resumes every lease the store has not ended: a lease
//! waiting for inputs waits again, a job cut off mid-run is run again from the start (jobs are
//! deterministic), a signed receipt is submitted; a lease the chain ended meanwhile is marked
//! failed with the chain's reason. Leases won while the agent was down are not seen (the event
//! stream starts at connection) — the chain closes them as not started.

mod assignments;
pub mod config;
mod lease;
pub mod policy;
mod verify;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rigshare_client::api::{Event, StreamEvent};
use rigshare_client::{Client, ClientError, Wallet, WalletError};
use rigshare_types::records::Provider;
use rigshare_types::tx::TxBody;
use rigshare_types::{GpuGroup, Keypair, LeaseId, OrderId, PublicKey};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

use self::assignments::Work;
use self::config::ProviderConfig;
use self::policy::BidPolicy;
use crate::inventory::{GpuProbe, ProbeError, offered_groups};
use crate::leases::Leases;
use crate::store::{LeaseRecord, Stage, StoreError};
use rigshare_runtime::RuntimeError;
use rigshare_runtime::WasmRuntime;

/// How long a registration or inventory transaction is waited for.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long shutdown waits for open artifact connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Pause before reconnecting a dropped event stream.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// Why the agent could not start.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
    /// The lease store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The inventory could not be taken.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// The wasm runtime could not be created.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The artifact endpoint could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The node could not be reached or refused a request.
    #[error("node: {0}")]
    Node(#[from] ClientError),
    /// Registration or the inventory update did not go through.
    #[error("registration: {0}")]
    Register(#[from] WalletError),
}

/// What lease tasks share.
pub(crate) struct Context {
    pub(crate) wallet: Wallet,
    pub(crate) leases: Arc<Leases>,
    pub(crate) wasm: Arc<WasmRuntime>,
    /// Whether Docker jobs run here.
    pub(crate) docker: bool,
    /// Whether the host has GPUs to hand to containers.
    pub(crate) gpus: bool,
    /// Honest, or a test adversary.
    pub(crate) behaviour: config::Behaviour,
    /// Whether and how to ask for hardware challenges.
    pub(crate) hardware: config::Hardware,
    /// Hardware challenges of this provider that expired without a verdict, retried a few times.
    pub(crate) hardware_expiries: std::sync::atomic::AtomicU32,
    pub(crate) stop: watch::Receiver<bool>,
    /// Verification work in progress, so that each assignment runs once.
    pub(crate) running: assignments::Running,
    /// Bids and lease tasks started while following the chain; joined at shutdown, so that
    /// nothing holds the lease store once [`Agent::shutdown`] returns.
    pub(crate) children: std::sync::Mutex<JoinSet<()>>,
}

impl Context {
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.children.lock().unwrap_or_else(std::sync::PoisonError::into_inner).spawn(task);
    }
}

/// A running agent.
pub struct Agent {
    id: PublicKey,
    endpoint: String,
    local_addr: std::net::SocketAddr,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    context: Arc<Context>,
}

impl Agent {
    /// Opens the state, binds the artifact endpoint, registers (or updates) the provider,
    /// resumes stored leases and starts following the chain.
    pub async fn start(
        config: ProviderConfig,
        key: Keypair,
        probe: &dyn GpuProbe,
    ) -> Result<Agent, AgentError> {
        let leases = Arc::new(Leases::open(&config.data_dir)?);
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| AgentError::Listen { addr: config.listen, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| AgentError::Listen { addr: config.listen, source })?;
        let endpoint = match &config.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("http://{local_addr}"),
        };
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let chain = crate::artifacts::ChainView {
            client: Client::new(&config.node)?,
            provider: key.public(),
        };
        let app = crate::artifacts::router(leases.clone(), Some(chain));
        let mut server_stop = stop_rx.clone();
        tasks.spawn(async move {
            let shutdown = async move {
                let _ = server_stop.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                warn!(target: "provider::agent", error = %e, "artifact endpoint stopped");
            }
        });

        let client = Client::new(&config.node)?;
        let wallet = Wallet::connect(client, key).await?.with_fee(config.fee);
        let id = wallet.account();
        let (groups, gpus) = inventory_groups(&config, probe)?;
        register(&wallet, &config, &endpoint, groups).await?;

        let policy = BidPolicy {
            max_concurrent_leases: config.bidding.max_concurrent_leases,
            min_duration_ms: config.bidding.min_duration_secs.saturating_mul(1000),
        };
        let context = Arc::new(Context {
            wallet,
            leases: leases.clone(),
            wasm: Arc::new(WasmRuntime::new()?),
            docker: config.docker,
            gpus,
            behaviour: config.behaviour,
            hardware: config.hardware.clone(),
            hardware_expiries: std::sync::atomic::AtomicU32::new(0),
            stop: stop_rx.clone(),
            running: assignments::Running::default(),
            children: std::sync::Mutex::default(),
        });
        for record in leases.store.all()? {
            if !record.stage.is_final() {
                info!(target: "provider::agent", lease = %record.lease, stage = record.stage.name(), "resuming lease");
                context.spawn(lease::drive(context.clone(), record.lease));
            }
        }
        tasks.spawn(follow(context.clone(), policy, stop_rx));
        info!(target: "provider::agent", provider = %id, %endpoint, "provider agent running");
        Ok(Agent { id, endpoint, local_addr, stop, tasks, context })
    }

    /// The provider's account.
    pub fn id(&self) -> PublicKey {
        self.id
    }

    /// The published artifact endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The address the artifact endpoint is bound to.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.local_addr
    }

    /// Stops following the chain and serving artifacts; running jobs are abandoned where they
    /// are (their leases stay in the store and resume at the next start).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        // The artifact server closes its connections gracefully (an aborted server would leave
        // keep-alive connections holding the lease store); anything slower is cut off.
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            self.tasks.abort_all();
            while self.tasks.join_next().await.is_some() {}
        }
        let mut children = std::mem::take(
            &mut *self.context.children.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        children.abort_all();
        while children.join_next().await.is_some() {}
    }
}

/// Resolves once the agent is told to stop.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here, not across the caller's awaits.
    let _ = stop.wait_for(|s| *s).await.map(|_| ());
}

/// The GPU groups to publish, and whether the host has GPUs at all.
fn inventory_groups(
    config: &ProviderConfig,
    probe: &dyn GpuProbe,
) -> Result<(Vec<GpuGroup>, bool), AgentError> {
    let inventory = probe.probe()?;
    let offer = config.offer_config().map_err(AgentError::Config)?;
    let offered = offered_groups(&inventory, &offer);
    for skipped in &offered.skipped {
        warn!(target: "provider::agent", gpu = skipped.index, reason = %skipped.reason, "GPU not offered");
    }
    for selector in &offered.unmatched {
        warn!(target: "provider::agent", %selector, "allow-list entry names no GPU on this host");
    }
    if offered.groups.is_empty() {
        warn!(target: "provider::agent", cpu_only = inventory.cpu_only, "no GPU to offer: the provider will not win GPU orders");
    }
    Ok((offered.groups, !inventory.cpu_only))
}

/// Registers the provider if it is not, and publishes its groups if they changed.
async fn register(
    wallet: &Wallet,
    config: &ProviderConfig,
    endpoint: &str,
    groups: Vec<GpuGroup>,
) -> Result<(), AgentError> {
    let id = wallet.account();
    let current = match wallet.client().provider(&id).await {
        Ok(info) => Some(info.provider),
        Err(e) if e.status() == Some(404) => None,
        Err(e) => return Err(e.into()),
    };
    if current.is_none() {
        let body = TxBody::RegisterProvider {
            stake: config.stake,
            endpoint: endpoint.to_owned(),
            attributes: config.attributes.clone().into_iter().collect(),
        };
        wallet.send_and_wait(body, SETUP_TIMEOUT).await?;
        info!(target: "provider::agent", provider = %id, stake = %config.stake, "registered");
    }
    let published: Vec<GpuGroup> = current
        .map(|p: Provider| p.inventory.into_iter().map(|g| g.gpu).collect())
        .unwrap_or_default();
    if published != groups {
        let count = groups.len();
        wallet.send_and_wait(TxBody::UpdateInventory { groups }, SETUP_TIMEOUT).await?;
        info!(target: "provider::agent", groups = count, "inventory published");
    }
    Ok(())
}

/// Follows the node's events until stopped: bids on new orders, takes won leases.
async fn follow(context: Arc<Context>, policy: BidPolicy, mut stop: watch::Receiver<bool>) {
    let client = context.wallet.client().clone();
    let mut first = true;
    loop {
        let mut events = tokio::select! {
            () = stopped(&mut stop) => return,
            events = client.events() => match events {
                Ok(events) => events,
                Err(e) => {
                    warn!(target: "provider::agent", error = %e, "cannot follow the node's events; retrying");
                    tokio::time::sleep(RECONNECT_DELAY).await;
                    continue;
                }
            },
        };
        if std::mem::take(&mut first) {
            // Asked only once the outcome's event can be seen.
            let task = context.clone();
            context.spawn(async move { verify::request_hardware_check(&task, None).await });
        }
        // Subscribed first, so what is drawn from now on arrives as events; what was drawn
        // before (while this agent was down or disconnected) is listed by the node.
        context.spawn(assignments::catch_up(context.clone()));
        loop {
            let event = tokio::select! {
                () = stopped(&mut stop) => return,
                event = events.next() => event,
            };
            match event {
                Some(Ok(StreamEvent::Market(envelope))) => {
                    handle(&context, policy, envelope.event).await;
                }
                Some(Ok(StreamEvent::Lagged(lagged))) => {
                    warn!(target: "provider::agent", ?lagged, "event stream lagged: some events were missed");
                    context.spawn(assignments::catch_up(context.clone()));
                }
                Some(Ok(StreamEvent::Block(_))) => {}
                Some(Err(e)) => {
                    warn!(target: "provider::agent", error = %e, "event stream failed; reconnecting");
                    break;
                }
                None => break,
            }
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

async fn handle(context: &Arc<Context>, policy: BidPolicy, event: Event) {
    let me = context.wallet.account();
    match event {
        Event::OrderCreated { order, .. } => {
            let task = context.clone();
            context.spawn(async move { bid(&task, policy, order).await });
        }
        Event::AuctionClosed { order, leases } => {
            for assignment in leases.into_iter().filter(|a| a.provider == me) {
                match take(context, order, assignment.lease).await {
                    Ok(true) => {
                        context.spawn(lease::drive(context.clone(), assignment.lease));
                    }
                    Ok(false) => {}
                    Err(e) => {
                        warn!(target: "provider::agent", lease = %assignment.lease, error = %e, "cannot record a won lease")
                    }
                }
            }
        }
        Event::AuditAssigned { lease, auditor } if auditor == me => {
            info!(target: "provider::agent", %lease, "drawn to audit a lease");
            assignments::start(context, Work::Audit(lease));
        }
        Event::DisputeOpened { order, arbiters, .. } if arbiters.contains(&me) => {
            info!(target: "provider::agent", %order, "drawn to arbitrate a dispute");
            assignments::start(context, Work::Arbitrate(order));
        }
        Event::HardwareCheckAssigned { provider, checker } if checker == me => {
            info!(target: "provider::agent", %provider, "drawn to check a provider's hardware");
            assignments::start(context, Work::CheckHardware(provider));
        }
        Event::HardwareChecked { provider, group, status } if provider == me => {
            info!(target: "provider::agent", group, ?status, "hardware challenge ended");
            let task = context.clone();
            context.spawn(async move { verify::hardware_check_ended(&task, group, status).await });
        }
        _ => {}
    }
}

/// Bids on `order` if the policy says so.
async fn bid(context: &Context, policy: BidPolicy, order: OrderId) {
    let client = context.wallet.client();
    let me = context.wallet.account();
    let (info, provider) = match tokio::try_join!(client.order(order), client.provider(&me)) {
        Ok(both) => both,
        Err(e) => {
            warn!(target: "provider::agent", %order, error = %e, "cannot read the order to bid");
            return;
        }
    };
    match policy.decide(&me, &provider.provider, &info.order) {
        Ok(price) => {
            let body = TxBody::Bid { order, price_gpu_hour: price };
            match context.wallet.send(body).await {
                Ok(_) => info!(target: "provider::agent", %order, %price, "bid"),
                Err(e) => warn!(target: "provider::agent", %order, error = %e, "bid not sent"),
            }
        }
        Err(skip) => info!(target: "provider::agent", %order, reason = %skip, "not bidding"),
    }
}

/// Records a won lease; `Ok(false)` if it was recorded before.
async fn take(context: &Context, order: OrderId, lease: LeaseId) -> Result<bool, String> {
    if context.leases.store.get(lease).map_err(|e| e.to_string())?.is_some() {
        return Ok(false);
    }
    let client = context.wallet.client();
    let (order_info, lease_info) =
        tokio::try_join!(client.order(order), client.lease(lease)).map_err(|e| e.to_string())?;
    let record = LeaseRecord {
        lease,
        order,
        requestor: order_info.order.requestor,
        manifest_hash: order_info.order.manifest_hash,
        gpus: lease_info.lease.gpus,
        start_deadline: lease_info.lease.start_deadline,
        stage: Stage::AwaitingInputs,
    };
    context.leases.store.put(&record).map_err(|e| e.to_string())?;
    info!(target: "provider::agent", %lease, %order, "won a lease; waiting for the requestor's inputs");
    Ok(true)
}
