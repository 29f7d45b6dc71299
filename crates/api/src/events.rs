//! Event stream bodies: market events, block summaries, lag notices.

use rigshare_types::Hash32;
use rigshare_types::event::Event;
use serde::{Deserialize, Serialize};

/// SSE event name of the per-block summary.
pub const BLOCK_EVENT: &str = "block";
/// SSE event name sent to a subscriber that fell behind and missed blocks.
pub const LAGGED_EVENT: &str = "lagged";

/// The `block` event: one per finalized block, after its market events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockEvent {
    /// The block's height.
    pub height: u64,
    /// Digest of its header, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub digest: Hash32,
    /// The state root after executing it, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub state_root: Hash32,
    /// Transactions in the block.
    pub txs: u64,
    /// Market events the block produced.
    pub events: u64,
}

/// The `lagged` event: the subscriber fell behind and missed some blocks' events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lagged {
    /// Blocks whose events were skipped.
    pub missed: u64,
}

/// One market event, with the height of the block that produced it. The SSE event name is
/// the `type` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventEnvelope {
    /// The block's height.
    pub height: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// One message of the event stream, as the client yields it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// A market event.
    Market(EventEnvelope),
    /// A finalized block's summary (after its market events).
    Block(BlockEvent),
    /// The subscriber fell behind; some blocks' events were skipped.
    Lagged(Lagged),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use rigshare_types::{Amount, PublicKey};
    use serde_json::json;

    use super::*;

    #[test]
    fn events_are_tagged_by_name() {
        let event = EventEnvelope {
            height: 4,
            event: Event::Transferred {
                from: PublicKey([1; 32]),
                to: PublicKey([2; 32]),
                amount: Amount::micro(1_500_000),
            },
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], json!(event.event.name()));
        assert_eq!(value["height"], json!(4));
        assert_eq!(value["amount"], json!("1.5"));
        assert_eq!(serde_json::from_value::<EventEnvelope>(value).unwrap(), event);
    }
}
