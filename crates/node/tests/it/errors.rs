//! Bad input gets its 4xx code and changes nothing.

use rigshare_client::ClientError;
use rigshare_types::tx::MAX_TX_BYTES;
use rigshare_types::{Amount, Keypair, LeaseId, OrderId, PublicKey, Transaction, TxBody};
use serde_json::Value;

use crate::harness::{CHAIN_ID, Node, account, signed, transfer, user};

fn code(result: Result<impl std::fmt::Debug, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Http { status, code, .. }) => (status, code),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_transactions_are_refused_and_change_nothing() {
    let node = Node::start().await;
    let client = &node.client;
    let (sender, to) = (user(3), user(4));
    let before = account(client, &sender).await;
    let nonce = before.account.nonce;

    assert_eq!(
        code(client.submit_bytes(b"not a transaction".to_vec()).await),
        (400, "bad_encoding".into())
    );
    assert_eq!(code(client.submit_bytes(vec![]).await), (400, "bad_encoding".into()));
    let mut trailing = transfer(&sender, nonce, &to, 1).encode();
    trailing.push(0);
    assert_eq!(code(client.submit_bytes(trailing).await), (400, "bad_encoding".into()));
    assert_eq!(
        code(client.submit_bytes(vec![0; MAX_TX_BYTES + 1]).await),
        (413, "too_large".into())
    );
    assert_eq!(code(client.submit_bytes(vec![7; 1 << 20]).await), (413, "too_large".into()));

    // Signed for another network, or tampered with after signing.
    let other_chain = Transaction {
        sender: sender.public(),
        nonce,
        fee: Amount::micro(100),
        body: TxBody::Transfer { to: to.public(), amount: Amount::micro(1) },
    }
    .sign(&sender, "another-chain");
    assert_eq!(code(client.submit(&other_chain).await), (400, "bad_signature".into()));
    let mut tampered = transfer(&sender, nonce, &to, 1);
    tampered.tx.body = TxBody::Transfer { to: to.public(), amount: Amount::units(500) };
    assert_eq!(code(client.submit(&tampered).await), (400, "bad_signature".into()));
    let mut forged = transfer(&sender, nonce, &to, 1);
    forged.tx.sender = user(13).public();
    assert_eq!(code(client.submit(&forged).await), (400, "bad_signature".into()));

    let mut cheap = transfer(&sender, nonce, &to, 1);
    cheap.tx.fee = Amount::micro(1);
    let cheap = cheap.tx.sign(&sender, CHAIN_ID);
    assert_eq!(code(client.submit(&cheap).await), (400, "fee_too_low".into()));

    let stranger = Keypair::from_seed([222; 32]);
    let unknown = signed(&stranger, 0, TxBody::Transfer { to: to.public(), amount: Amount(1) });
    assert_eq!(code(client.submit(&unknown).await), (404, "unknown_account".into()));

    let json = reqwest::Client::new()
        .post(node.url("/v1/txs"))
        .header("content-type", "application/json")
        .body(transfer(&sender, nonce, &to, 1).encode())
        .send()
        .await
        .unwrap();
    assert_eq!(json.status().as_u16(), 415);

    // Nothing reached the chain: same balance, same nonce, nothing pooled for the sender.
    assert_eq!(account(client, &sender).await, before);
    let next = transfer(&sender, nonce + 1, &to, 1);
    assert_eq!(code(client.submit(&next).await), (409, "nonce_gap".into()));
    node.stop().await;
}

#[tokio::test]
async fn unknown_ids_and_malformed_parameters() {
    let node = Node::start().await;
    let client = &node.client;
    let nobody = PublicKey([0xee; 32]);
    assert_eq!(code(client.account(&nobody).await), (404, "not_found".into()));
    assert_eq!(code(client.provider(&nobody).await), (404, "not_found".into()));
    assert_eq!(code(client.order(OrderId(999_999)).await), (404, "not_found".into()));
    assert_eq!(code(client.lease(LeaseId(999_999)).await), (404, "not_found".into()));
    assert_eq!(code(client.receipt(LeaseId(999_999)).await), (404, "not_found".into()));
    assert_eq!(code(client.block(u64::MAX).await), (404, "not_found".into()));

    let http = reqwest::Client::new();
    for (method, path, status, expected) in [
        ("GET", "/v1/accounts/zz", 400, "bad_request"),
        ("GET", "/v1/accounts/%ff%fe", 400, "bad_request"),
        ("GET", "/v1/providers/1234", 400, "bad_request"),
        ("GET", "/v1/orders/abc", 400, "bad_request"),
        ("GET", "/v1/leases/-1", 400, "bad_request"),
        ("GET", "/v1/leases/18446744073709551616/receipt", 400, "bad_request"),
        ("GET", "/v1/blocks/1.5", 400, "bad_request"),
        ("GET", "/v1/providers?limit=many", 400, "bad_request"),
        ("GET", "/v1/providers?after=xyz", 400, "bad_request"),
        ("GET", "/v1/proofs", 400, "bad_request"),
        ("GET", "/v1/proofs?key=account:zz", 400, "bad_request"),
        ("GET", "/v1/proofs?key=globals&height=99999999", 404, "not_found"),
        ("GET", "/v1/offers?q=vram_gib%3E%3E4", 400, "bad_query"),
        ("GET", "/v1/offers?q=colour%3Dblue", 400, "bad_query"),
        ("GET", "/v1/nope", 404, "not_found"),
        ("DELETE", "/v1/status", 405, "method_not_allowed"),
        ("GET", "/v1/txs", 405, "method_not_allowed"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = http.request(method, node.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], expected, "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {body}");
    }

    // A bad query says what and where.
    let err = client.offers("gpu_count>=2 vram_gib>>4").await.unwrap_err();
    assert_eq!(err.code(), Some("bad_query"));
    let body: Value = http
        .get(node.url("/v1/offers"))
        .query(&[("q", "gpu_count>=2 vram_gib>>4")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let position = body["position"].as_u64().unwrap();
    assert!((13..=24).contains(&position), "{body}");
    assert!(body["message"].as_str().unwrap().contains("vram_gib"), "{body}");
    node.stop().await;
}
