//! `GET /v1/events`: finalized blocks' market events as Server-Sent Events.
//!
//! Per finalized block, one SSE event per market event (event name = its snake_case type,
//! data = [`EventEnvelope`] JSON), then one `block` event ([`BlockEvent`]). A subscriber that
//! falls more than the chain's backlog behind gets a `lagged` event ([`Lagged`]) and goes on
//! from the oldest block still buffered. Streams end when the server shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use rigshare_api::{BLOCK_EVENT, BlockEvent, ErrorBody, EventEnvelope, LAGGED_EVENT, Lagged};
use rigshare_chain::Finalized;
use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::ApiError;
use crate::state::AppState;

/// Follows finalized blocks from now on.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "chain",
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
         description = "Server-Sent Events. Per finalized block: one event per market event \
                        (name = its type, e.g. `transferred`; data = EventEnvelope JSON), then \
                        `block` (BlockEvent). `lagged` (Lagged) when the subscriber fell behind. \
                        Comments are keep-alives."),
        (status = 503, description = "unavailable: too many subscribers", body = ErrorBody),
    )
)]
pub(crate) async fn stream(
    State(state): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let subscriber = Subscriber::join(&state)?;
    let feed = Feed {
        blocks: state.chain.subscribe(),
        stop: state.stop.clone(),
        queue: VecDeque::new(),
        _subscriber: subscriber,
    };
    let events = futures::stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(event) = feed.queue.pop_front() {
                return Some((Ok(event), feed));
            }
            tokio::select! {
                biased;
                _ = feed.stop.wait_for(|stop| *stop) => return None,
                received = feed.blocks.recv() => match received {
                    Ok(block) => feed.queue.extend(block_events(&block)),
                    Err(RecvError::Lagged(missed)) => {
                        debug!(target: "node::events", missed, "subscriber lagged");
                        feed.queue.extend(sse(LAGGED_EVENT, &Lagged { missed }));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(state.config.keep_alive())))
}

/// One subscriber's position in the chain's event feed.
struct Feed {
    blocks: broadcast::Receiver<Arc<Finalized>>,
    stop: watch::Receiver<bool>,
    queue: VecDeque<Event>,
    _subscriber: Subscriber,
}

/// Counts an open stream for as long as it lives.
struct Subscriber {
    state: AppState,
    /// Whether the stream was admitted (and so counted in the gauge).
    admitted: bool,
}

impl Subscriber {
    fn join(state: &AppState) -> Result<Subscriber, ApiError> {
        let before = state.subscribers.fetch_add(1, Ordering::SeqCst);
        let mut subscriber = Subscriber { state: state.clone(), admitted: false };
        if before >= state.config.max_subscribers {
            return Err(ApiError::Unavailable(format!(
                "too many event subscribers (at most {})",
                state.config.max_subscribers
            )));
        }
        subscriber.admitted = true;
        state.metrics.sse_subscribers.inc();
        Ok(subscriber)
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.state.subscribers.fetch_sub(1, Ordering::SeqCst);
        if self.admitted {
            self.state.metrics.sse_subscribers.dec();
        }
    }
}

/// A block's market events, then its `block` summary.
fn block_events(finalized: &Finalized) -> Vec<Event> {
    let header = &finalized.block.header;
    let height = header.height;
    let mut events: Vec<Event> = finalized
        .events
        .iter()
        .filter_map(|event| sse(event.name(), &EventEnvelope { height, event: event.clone() }))
        .collect();
    let summary = BlockEvent {
        height,
        digest: header.digest(),
        state_root: finalized.state_root,
        txs: finalized.block.txs.len() as u64,
        events: finalized.events.len() as u64,
    };
    events.extend(sse(BLOCK_EVENT, &summary));
    events
}

fn sse(name: &str, data: &impl Serialize) -> Option<Event> {
    match Event::default().event(name).json_data(data) {
        Ok(event) => Some(event),
        Err(e) => {
            warn!(target: "node::events", name, error = %e, "cannot encode event");
            None
        }
    }
}
