//! Status, metrics and the OpenAPI document.

use rigshare_types::Hash32;
use serde_json::Value;

use crate::harness::{CHAIN_ID, Node};

#[tokio::test]
async fn status_reports_the_chain() {
    let node = Node::start().await;
    let status = node.client.status().await.unwrap();
    assert_eq!(status.chain_id, CHAIN_ID);
    assert!(status.height >= 1);
    assert_ne!(status.state_root, Hash32::ZERO);
    assert_eq!(status.network_key.0.len(), 96);
    let latest = node.client.latest_block().await.unwrap();
    assert!(latest.height >= status.height);
    node.stop().await;
}

/// Checks the OpenMetrics / Prometheus text syntax line by line; returns `(series, value)`.
fn parse_metrics(text: &str) -> Vec<(String, f64)> {
    let mut samples = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "# EOF" {
            assert!(lines.peek().is_none(), "# EOF must be last");
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let kind = comment.split(' ').next().unwrap();
            assert!(["HELP", "TYPE", "UNIT"].contains(&kind), "bad comment line {line:?}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line:?}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                && !name.starts_with(|c: char| c.is_ascii_digit()),
            "bad metric name in {line:?}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels in {line:?}");
            let labels = &series[name_end + 1..series.len() - 1];
            for pair in labels.split(',') {
                let (key, value) =
                    pair.split_once('=').unwrap_or_else(|| panic!("bad label {pair:?}"));
                assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line:?}");
                assert!(value.starts_with('"') && value.ends_with('"'), "{line:?}");
            }
        }
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
        samples.push((series.to_owned(), value));
    }
    samples
}

#[tokio::test]
async fn metrics_parse_and_include_the_height() {
    let node = Node::start().await;
    node.client.status().await.unwrap();
    let response = reqwest::get(node.url("/metrics")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let samples = parse_metrics(&text);
    let value = |series: &str| samples.iter().find(|(s, _)| s == series).map(|(_, v)| *v);
    assert!(value("rigshare_height").is_some_and(|h| h >= 1.0), "{text}");
    assert!(value("rigshare_pending_txs").is_some(), "{text}");
    assert!(
        value(r#"rigshare_http_requests_total{route="/v1/status",status="200"}"#)
            .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    node.stop().await;
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let node = Node::start().await;
    let doc: Value = node.client.openapi().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    assert_eq!(doc["info"]["title"], "rigshare node API");
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/txs", "post"),
        ("/v1/txs/{id}", "get"),
        ("/v1/status", "get"),
        ("/v1/accounts/{pk}", "get"),
        ("/v1/providers", "get"),
        ("/v1/providers/{pk}", "get"),
        ("/v1/providers/{pk}/assignments", "get"),
        ("/v1/offers", "get"),
        ("/v1/orders/{id}", "get"),
        ("/v1/leases/{id}", "get"),
        ("/v1/leases/{id}/receipt", "get"),
        ("/v1/blocks/{height}", "get"),
        ("/v1/blocks/latest", "get"),
        ("/v1/proofs", "get"),
        ("/v1/events", "get"),
        ("/metrics", "get"),
        ("/v1/openapi.json", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing");
    }
    assert_eq!(paths.len(), 17, "{:?}", paths.keys().collect::<Vec<_>>());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["Offers"].is_object());
    // The document served equals the one the library builds.
    assert_eq!(doc, serde_json::to_value(rigshare_node::openapi()).unwrap());
    node.stop().await;
}
