//! A small Server-Sent Events reader: splits the node's `/v1/events` byte stream into typed
//! [`StreamEvent`]s.
//!
//! Only what the node sends is supported: `event:` and `data:` fields, `:` comments
//! (keep-alives), `\n` or `\r\n` line ends, a blank line ending each message.

use std::collections::VecDeque;

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt as _};

use crate::ClientError;
use crate::api::{BLOCK_EVENT, LAGGED_EVENT, StreamEvent};

/// Longest line or message the reader buffers, in bytes; a longer one ends the stream.
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The node's typed event stream; ends when the node closes the connection.
pub type EventStream = BoxStream<'static, Result<StreamEvent, ClientError>>;

/// One SSE message.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Message {
    /// The `event:` name (`message` when absent).
    pub(crate) event: String,
    /// The `data:` lines, joined with `\n`.
    pub(crate) data: String,
}

/// Incremental parser state.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    buf: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
}

impl Parser {
    /// Feeds bytes; returns the messages they complete.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<Message>, ClientError> {
        self.buf.extend_from_slice(chunk);
        let mut messages = Vec::new();
        while let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=end).collect();
            let line = line.strip_suffix(b"\n").unwrap_or(&line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = std::str::from_utf8(line)
                .map_err(|_| ClientError::Decode("event stream is not UTF-8".into()))?;
            self.line(line, &mut messages);
        }
        if self.buf.len() + self.data.len() > MAX_MESSAGE_BYTES {
            return Err(ClientError::Decode(format!(
                "event stream message longer than {MAX_MESSAGE_BYTES} bytes"
            )));
        }
        Ok(messages)
    }

    fn line(&mut self, line: &str, messages: &mut Vec<Message>) {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let data = std::mem::take(&mut self.data);
            if std::mem::take(&mut self.has_data) {
                let event = if event.is_empty() { "message".to_owned() } else { event };
                messages.push(Message { event, data });
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
    }
}

/// Decodes one message by its event name.
pub(crate) fn decode(message: &Message) -> Result<StreamEvent, ClientError> {
    let json = |e: serde_json::Error| {
        ClientError::Decode(format!("bad `{}` event: {e}", message.event.escape_debug()))
    };
    match message.event.as_str() {
        BLOCK_EVENT => serde_json::from_str(&message.data).map(StreamEvent::Block).map_err(json),
        LAGGED_EVENT => serde_json::from_str(&message.data).map(StreamEvent::Lagged).map_err(json),
        _ => serde_json::from_str(&message.data).map(StreamEvent::Market).map_err(json),
    }
}

/// Turns a response body into typed events. A transport or framing error is yielded once and
/// ends the stream; an event that does not decode is yielded as an error and the stream goes on.
pub(crate) fn events<S>(body: S) -> EventStream
where
    S: Stream<Item = Result<Bytes, reqwest::Error>> + Send + 'static,
{
    struct Reader<S> {
        body: std::pin::Pin<Box<S>>,
        parser: Parser,
        queue: VecDeque<Result<StreamEvent, ClientError>>,
        done: bool,
    }
    let reader = Reader {
        body: Box::pin(body),
        parser: Parser::default(),
        queue: VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(reader, |mut reader| async move {
        loop {
            if let Some(item) = reader.queue.pop_front() {
                return Some((item, reader));
            }
            if reader.done {
                return None;
            }
            match reader.body.next().await {
                Some(Ok(chunk)) => match reader.parser.push(&chunk) {
                    Ok(messages) => reader.queue.extend(messages.iter().map(decode)),
                    Err(e) => {
                        reader.done = true;
                        reader.queue.push_back(Err(e));
                    }
                },
                Some(Err(e)) => {
                    reader.done = true;
                    reader.queue.push_back(Err(ClientError::Transport(e)));
                }
                None => reader.done = true,
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::api::{Event, EventEnvelope};

    #[test]
    fn splits_messages_across_chunks() {
        let mut parser = Parser::default();
        assert!(parser.push(b": keep-alive\n\nevent: blo").unwrap().is_empty());
        let messages = parser.push(b"ck\r\ndata: {\"a\":\ndata: 1}\n\nda").unwrap();
        assert_eq!(messages, vec![Message { event: "block".into(), data: "{\"a\":\n1}".into() }]);
        let messages = parser.push(b"ta:x\n\n").unwrap();
        assert_eq!(messages, vec![Message { event: "message".into(), data: "x".into() }]);
    }

    #[test]
    fn decodes_by_event_name() {
        let lagged = Message { event: LAGGED_EVENT.into(), data: r#"{"missed":3}"#.into() };
        assert!(matches!(decode(&lagged), Ok(StreamEvent::Lagged(l)) if l.missed == 3));
        let bad = Message { event: "transferred".into(), data: "{}".into() };
        assert!(matches!(decode(&bad), Err(ClientError::Decode(_))));
    }

    #[test]
    fn refuses_unbounded_lines() {
        let mut parser = Parser::default();
        let long = vec![b'a'; MAX_MESSAGE_BYTES + 1];
        assert!(matches!(parser.push(&long), Err(ClientError::Decode(_))));
    }

    /// One of every event, with payloads that exercise every field's encoding.
    fn every_event() -> Vec<Event> {
        use rigshare_api::LeaseAssignment;
        use rigshare_types::records::{CloseReason, OrderFailure, OrderStatus};
        use rigshare_types::verification::{DisputeCause, DisputeStatus, HardwareCheckStatus};
        use rigshare_types::{Amount, Hash32, LeaseId, OrderId, PublicKey};

        let (a, b) = (PublicKey([1; 32]), PublicKey([2; 32]));
        let (order, lease, root) = (OrderId(7), LeaseId(9), Hash32([3; 32]));
        let amount = Amount::micro(1_234_567);
        vec![
            Event::Transferred { from: a, to: b, amount },
            Event::ProviderRegistered { provider: a },
            Event::InventoryUpdated { provider: a },
            Event::OrderCreated { order, closes_at: 12 },
            Event::BidPlaced { order, provider: a, price_gpu_hour: amount },
            Event::AuctionClosed { order, leases: vec![LeaseAssignment { lease, provider: a }] },
            Event::LeaseStarted { lease },
            Event::LeasePaid { lease, amount },
            Event::ResultSubmitted { lease, output_root: root },
            Event::LeaseClosed { lease, reason: CloseReason::EscrowExhausted },
            Event::OrderFinished {
                order,
                status: OrderStatus::Failed(OrderFailure::NotEnoughBids { eligible: 1 }),
                refunded: amount,
            },
            Event::StakeReleased { provider: a, amount },
            Event::AuditAssigned { lease, auditor: b },
            Event::AuditPassed { lease },
            Event::AuditExpired { lease },
            Event::Challenged { lease, by: b, output_root: root },
            Event::DisputeOpened {
                order,
                cause: DisputeCause::Challenge(lease),
                arbiters: vec![a, b],
            },
            Event::DisputeClosed { order, status: DisputeStatus::Resolved { truth: root } },
            Event::Slashed { provider: a, amount },
            Event::HardwareCheckAssigned { provider: a, checker: b },
            Event::HardwareChecked {
                provider: a,
                group: 1,
                status: HardwareCheckStatus::Passed { measured_ops_per_s: 5 },
            },
        ]
    }

    /// The position of `event`'s variant in [`every_event`]; a new variant fails to compile
    /// here until it is added there.
    fn variant(event: &Event) -> usize {
        match event {
            Event::Transferred { .. } => 0,
            Event::ProviderRegistered { .. } => 1,
            Event::InventoryUpdated { .. } => 2,
            Event::OrderCreated { .. } => 3,
            Event::BidPlaced { .. } => 4,
            Event::AuctionClosed { .. } => 5,
            Event::LeaseStarted { .. } => 6,
            Event::LeasePaid { .. } => 7,
            Event::ResultSubmitted { .. } => 8,
            Event::LeaseClosed { .. } => 9,
            Event::OrderFinished { .. } => 10,
            Event::StakeReleased { .. } => 11,
            Event::AuditAssigned { .. } => 12,
            Event::AuditPassed { .. } => 13,
            Event::AuditExpired { .. } => 14,
            Event::Challenged { .. } => 15,
            Event::DisputeOpened { .. } => 16,
            Event::DisputeClosed { .. } => 17,
            Event::Slashed { .. } => 18,
            Event::HardwareCheckAssigned { .. } => 19,
            Event::HardwareChecked { .. } => 20,
        }
    }

    #[test]
    fn every_event_survives_the_stream() {
        let events = every_event();
        let variants: Vec<usize> = events.iter().map(variant).collect();
        assert_eq!(variants, (0..events.len()).collect::<Vec<_>>(), "one sample per variant");
        for (height, event) in events.into_iter().enumerate() {
            // Framed as the node frames it: the event's name, then its envelope as JSON.
            let envelope = EventEnvelope { height: height as u64, event };
            let json = serde_json::to_string(&envelope).unwrap();
            let frame = format!("event: {}\ndata: {json}\n\n", envelope.event.name());
            let messages = Parser::default().push(frame.as_bytes()).unwrap();
            assert_eq!(messages.len(), 1, "{frame}");
            assert_eq!(decode(&messages[0]).unwrap(), StreamEvent::Market(envelope), "{frame}");
        }
    }
}
