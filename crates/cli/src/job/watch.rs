//! Following the chain through the node's event stream: a step that waits for the market re-reads
//! it only after a finalized block that concerns it, instead of polling.

use anyhow::{Context as _, bail};
use futures::StreamExt;
use rigshare_client::api::{Event, StreamEvent};
use rigshare_client::{Client, EventStream};

/// A subscription to finalized blocks' events.
pub struct Watch {
    events: EventStream,
}

impl Watch {
    /// Subscribes to the node's event stream. Subscribe before the first read of the state it
    /// watches: a change between the read and the subscription would otherwise be missed.
    pub async fn subscribe(client: &Client) -> anyhow::Result<Watch> {
        let events = client.events().await.context("subscribing to the node's events")?;
        Ok(Watch { events })
    }

    /// Waits for the end of the next finalized block with an event `concerns` accepts, or for a
    /// lag notice (events were skipped, so the caller must re-read anyway).
    pub async fn changed(&mut self, concerns: impl Fn(&Event) -> bool) -> anyhow::Result<()> {
        let mut touched = false;
        loop {
            match self.events.next().await {
                Some(Ok(StreamEvent::Market(envelope))) => touched |= concerns(&envelope.event),
                Some(Ok(StreamEvent::Block(_))) if touched => return Ok(()),
                Some(Ok(StreamEvent::Block(_))) => {}
                Some(Ok(StreamEvent::Lagged(_))) => return Ok(()),
                Some(Err(e)) => return Err(e).context("following the node's event stream"),
                None => bail!("the node closed its event stream"),
            }
        }
    }
}
