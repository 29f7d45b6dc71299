//! The event stream delivers a submitted transaction's events, then the block's summary, and
//! ends when the server shuts down.

use std::time::Duration;

use futures::StreamExt as _;
use rigshare_client::api::{Event, StreamEvent};
use rigshare_types::Amount;

use crate::harness::{Node, PATIENCE, account, transfer, user};

#[tokio::test]
async fn sse_delivers_the_events_of_a_submitted_transaction() {
    let node = Node::start().await;
    let client = &node.client;
    let (from, to) = (user(6), user(7));
    let mut events = client.events().await.unwrap();
    let nonce = account(client, &from).await.account.nonce;
    let id = client.submit(&transfer(&from, nonce, &to, 777)).await.unwrap();

    let (height, block) = tokio::time::timeout(PATIENCE, async {
        let mut transferred_at = None;
        while let Some(event) = events.next().await {
            match event.unwrap() {
                StreamEvent::Market(envelope) => {
                    if let Event::Transferred { from: f, to: t, amount } = envelope.event
                        && f == from.public()
                    {
                        assert_eq!(t, to.public());
                        assert_eq!(amount, Amount::micro(777));
                        transferred_at = Some(envelope.height);
                    }
                }
                StreamEvent::Block(block) => {
                    if let Some(height) = transferred_at {
                        assert_eq!(block.height, height, "the block summary follows its events");
                        return (height, block);
                    }
                }
                StreamEvent::Lagged(lagged) => panic!("lagged: {lagged:?}"),
            }
        }
        panic!("the event stream ended");
    })
    .await
    .expect("the transfer's events arrive");
    assert!(block.txs >= 1 && block.events >= 1);
    let stored = client.block(height).await.unwrap();
    assert!(stored.txs.contains(&id));
    assert_eq!(stored.digest, block.digest);

    // The subscriber is counted while connected.
    let metrics = client.metrics().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("rigshare_sse_subscribers ") && !l.ends_with(" 0"))
    );

    // Shutting down ends open streams instead of waiting for them forever.
    node.stop().await;
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(item) = events.next().await {
            if item.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the stream ends after shutdown");
}
