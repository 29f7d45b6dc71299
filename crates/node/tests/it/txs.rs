//! Submitting transactions: accepted ones execute; the mempool's refusals keep their codes.

use rigshare_types::Amount;

use crate::harness::{FEE, Node, account, eventually, transfer, user, wait_nonce};

#[tokio::test]
async fn a_submitted_transfer_executes() {
    let node = Node::start().await;
    let client = &node.client;
    let (alice, bob) = (user(1), user(2));
    let before = (account(client, &alice).await, account(client, &bob).await);
    let start_height = client.status().await.unwrap().height;
    let tx = transfer(&alice, before.0.account.nonce, &bob, 1_234_567);
    let id = client.submit(&tx).await.unwrap();
    assert_eq!(id, tx.hash());

    let after = wait_nonce(client, &alice, before.0.account.nonce + 1).await;
    let spent = Amount::micro(1_234_567).checked_add(FEE).unwrap();
    assert_eq!(after.account.balance, before.0.account.balance.checked_sub(spent).unwrap());
    let bob_after = account(client, &bob).await;
    assert_eq!(
        bob_after.account.balance,
        before.1.account.balance.checked_add(Amount::micro(1_234_567)).unwrap()
    );

    // The transaction is in exactly one finalized block after the start.
    let latest = client.latest_block().await.unwrap();
    let mut found = Vec::new();
    for height in start_height + 1..=latest.height {
        let block = client.block(height).await.unwrap();
        assert_eq!(block.height, height);
        assert_eq!(block.digest, block.header.digest());
        if block.txs.contains(&id) {
            found.push(height);
        }
    }
    assert_eq!(found.len(), 1, "tx {id} in blocks {found:?}");
    node.stop().await;
}

#[tokio::test]
async fn the_mempool_refusals_keep_their_codes() {
    let node = Node::start().await;
    let client = &node.client;
    let (sender, to) = (user(5), user(4));
    let nonce = account(client, &sender).await.account.nonce;

    // A pending or executed nonce cannot be used again.
    let tx = transfer(&sender, nonce, &to, 10);
    client.submit(&tx).await.unwrap();
    let again = client.submit(&tx).await.unwrap_err();
    assert!(matches!(again.code(), Some("duplicate" | "stale_nonce")), "{again}");
    wait_nonce(client, &sender, nonce + 1).await;
    let replay = client.submit(&tx).await.unwrap_err();
    assert_eq!((replay.status(), replay.code()), (Some(409), Some("stale_nonce")), "{replay}");

    // A nonce that skips ahead.
    let gap = client.submit(&transfer(&sender, nonce + 5, &to, 10)).await.unwrap_err();
    assert_eq!((gap.status(), gap.code()), (Some(409), Some("nonce_gap")), "{gap}");

    // An account that holds less than the fee.
    let poor = user(201);
    client.submit(&transfer(&sender, nonce + 1, &poor, 50)).await.unwrap();
    eventually("the poor account to exist", async || client.account(&poor.public()).await.ok())
        .await;
    let broke = client.submit(&transfer(&poor, 0, &to, 1)).await.unwrap_err();
    assert_eq!((broke.status(), broke.code()), (Some(402), Some("insufficient_funds")), "{broke}");
    node.stop().await;
}

#[tokio::test]
async fn submissions_are_rate_limited_per_address() {
    let config = rigshare_node::ApiConfig {
        submit_rate: Some(rigshare_node::RateLimit { per_second: 1, burst: 2 }),
        ..Default::default()
    };
    let node = Node::with_config(config).await;
    for _ in 0..2 {
        let err = node.client.submit_bytes(vec![1, 2, 3]).await.unwrap_err();
        assert_eq!(err.code(), Some("bad_encoding"));
    }
    let limited = reqwest::Client::new()
        .post(node.url("/v1/txs"))
        .header("content-type", "application/octet-stream")
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // Reads are not limited.
    node.client.status().await.unwrap();
    node.stop().await;
}

#[tokio::test]
async fn next_nonce_counts_pending_transactions() {
    let node = Node::start().await;
    let client = &node.client;
    let (sender, to) = (user(14), user(15));
    let start = account(client, &sender).await;
    assert_eq!(start.next_nonce, start.account.nonce);
    // Three in a row, each taking its nonce from the API without waiting for execution.
    for _ in 0..3 {
        let next = account(client, &sender).await.next_nonce;
        client.submit(&transfer(&sender, next, &to, 1)).await.unwrap();
    }
    let done = wait_nonce(client, &sender, start.account.nonce + 3).await;
    assert_eq!(done.next_nonce, start.account.nonce + 3);
    node.stop().await;
}
