//! Providers, offers, orders, leases and receipts, all driven by transactions through the API.

use rigshare_client::Client;
use rigshare_client::api::OrderInfo;
use rigshare_types::records::{LeaseStatus, OrderStatus};
use rigshare_types::{
    Amount, ComputeCapability, EvidenceTier, GpuGroup, Hash32, Keypair, OrderId, OrderSpec,
    Receipt, SignedReceipt, TxBody, Usage, VerificationPolicy, hash,
};

use crate::harness::{Node, eventually, signed, user, wait_nonce};

fn group(model: &str, count: u32, vram_gib: u64, price: &str) -> GpuGroup {
    GpuGroup {
        model: model.into(),
        vram_mib: vram_gib * 1024,
        count,
        compute_capability: ComputeCapability { major: 9, minor: 0 },
        price_floor: price.parse().unwrap(),
    }
}

/// Registers `key` as a provider with `groups` and waits until the node shows them.
async fn register(client: &Client, key: &Keypair, groups: Vec<GpuGroup>) {
    let register = TxBody::RegisterProvider {
        stake: Amount::units(200),
        endpoint: "http://127.0.0.1:9".into(),
        attributes: vec![("region".into(), "test".into())],
    };
    client.submit(&signed(key, 0, register)).await.unwrap();
    client
        .submit(&signed(key, 1, TxBody::UpdateInventory { groups: groups.clone() }))
        .await
        .unwrap();
    wait_nonce(client, key, 2).await;
    let info = client.provider(&key.public()).await.unwrap();
    let published: Vec<GpuGroup> = info.provider.inventory.iter().map(|g| g.gpu.clone()).collect();
    assert_eq!(published, groups);
    assert_eq!(info.provider.stake, Amount::units(200));
    assert_eq!(info.reliability_ppm, 1_000_000);
}

#[tokio::test]
async fn offers_match_a_registered_provider() {
    let node = Node::start().await;
    let client = &node.client;
    let provider = user(12);
    register(
        client,
        &provider,
        vec![group("NODEIT-A", 4, 80, "1.5"), group("NODEIT-B", 2, 24, "0.5")],
    )
    .await;
    // Nobody drew it for any verification work.
    let open = client.assignments(&provider.public()).await.unwrap();
    assert_eq!(open, rigshare_client::api::Assignments::default());

    let found = client.offers("gpu_model in [NODEIT-A, NODEIT-B] vram_gib>=40").await.unwrap();
    assert_eq!(found.query.to_string(), "gpu_model in [NODEIT-A,NODEIT-B] vram_gib>=40");
    assert_eq!(found.offers.len(), 1, "{found:?}");
    let offer = &found.offers[0];
    assert_eq!(offer.provider, provider.public());
    assert_eq!((offer.group, offer.free_gpus), (0, 4));
    assert_eq!(offer.price_gpu_hour, Amount::micro(1_500_000));
    assert_eq!(offer.tier, EvidenceTier::SelfReported);
    assert_eq!(offer.endpoint, "http://127.0.0.1:9");
    assert!(found.excluded_by.get("vram_gib>=40").is_some_and(|n| *n >= 1), "{found:?}");

    // Both groups, cheapest first; the price floor is the offer's price.
    let both = client.offers("gpu_model in [NODEIT-A, NODEIT-B]").await.unwrap();
    let prices: Vec<String> = both.offers.iter().map(|o| o.price_gpu_hour.to_string()).collect();
    assert_eq!(prices, ["0.5", "1.5"]);
    let cheap = client.offers("gpu_model=NODEIT-B price_gpu_hour<=0.5").await.unwrap();
    assert_eq!(cheap.offers.len(), 1);

    // Nothing matches: the response says which clause excluded how many groups.
    let none = client.offers("gpu_model=NODEIT-A vram_gib>=1000").await.unwrap();
    assert!(none.offers.is_empty());
    assert!(none.excluded_by.get("vram_gib>=1000").is_some_and(|n| *n >= 1), "{none:?}");
    assert!(none.considered >= 2);

    // The provider list pages through everyone, this provider included.
    let mut seen = Vec::new();
    let mut params = rigshare_client::api::ProvidersParams { after: None, limit: Some(1) };
    loop {
        let page = client.providers(&params).await.unwrap();
        assert!(page.providers.len() <= 1);
        seen.extend(page.providers.iter().map(|p| p.id));
        match page.next {
            Some(next) => params.after = Some(next.to_string()),
            None => break,
        }
    }
    assert!(seen.contains(&provider.public()));
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "pages are ordered by key");
    node.stop().await;
}

/// Finds the order `requestor` created for `manifest` by walking order ids from 1.
async fn find_order(client: &Client, requestor: &Keypair, manifest: Hash32) -> OrderInfo {
    eventually("the order to be created", async || {
        for id in 1.. {
            match client.order(OrderId(id)).await {
                Ok(info)
                    if info.order.requestor == requestor.public()
                        && info.order.manifest_hash == manifest =>
                {
                    return Some(info);
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
}

#[tokio::test]
async fn an_order_runs_through_its_lease_to_a_receipt() {
    let node = Node::start().await;
    let client = &node.client;
    let (provider, requestor) = (user(10), user(11));
    register(client, &provider, vec![group("NODEIT-L", 2, 80, "1")]).await;

    let manifest = hash::blake3(b"node-it manifest");
    let spec = OrderSpec {
        manifest_hash: manifest,
        query: "gpu_model=NODEIT-L vram_gib>=40".into(),
        gpus: 1,
        max_price_gpu_hour: Amount::units(2),
        max_duration_ms: 3_600_000,
        replicas: 1,
        verification: VerificationPolicy::default(),
        deposit: Amount::units(2),
        auction_blocks: 40,
    };
    client.submit(&signed(&requestor, 0, TxBody::CreateOrder(spec))).await.unwrap();
    let order = find_order(client, &requestor, manifest).await;
    assert_eq!(order.order.status, OrderStatus::Open);
    assert_eq!(order.order.query.to_string(), "gpu_model=NODEIT-L vram_gib>=40");

    let bid = TxBody::Bid { order: order.id, price_gpu_hour: Amount::units(1) };
    client.submit(&signed(&provider, 2, bid)).await.unwrap();
    let running = eventually("the auction to close with a lease", async || {
        client.order(order.id).await.ok().filter(|o| !o.leases.is_empty())
    })
    .await;
    assert_eq!(running.order.status, OrderStatus::Running);
    assert_eq!(running.order.bids.len(), 1);
    assert_eq!(running.order.bids[0].provider, provider.public());
    let lease = &running.leases[0];
    assert_eq!(lease.lease.provider, provider.public());
    assert_eq!(lease.lease.status, LeaseStatus::Pending);
    assert_eq!(client.lease(lease.id).await.unwrap(), *lease);
    assert_eq!(client.receipt(lease.id).await.unwrap_err().code(), Some("not_found"));

    client.submit(&signed(&provider, 3, TxBody::StartLease { lease: lease.id })).await.unwrap();
    wait_nonce(client, &provider, 4).await;
    assert_eq!(client.lease(lease.id).await.unwrap().lease.status, LeaseStatus::Running);
    let receipt = SignedReceipt::sign(
        Receipt {
            lease: lease.id,
            manifest_hash: manifest,
            output_root: hash::blake3(b"outputs"),
            usage: Usage { gpu_seconds: 5, wall_ms: 5_000, exit_code: 0 },
            runtime_digest: hash::sha256(b"runtime"),
        },
        &provider,
    );
    client.submit(&signed(&provider, 4, TxBody::SubmitResult(receipt))).await.unwrap();
    let served = eventually("the receipt", async || client.receipt(lease.id).await.ok()).await;
    assert_eq!(served.receipt, receipt);
    assert_eq!(served.receipt.verify(&provider.public()), Ok(()));
    let finished = eventually("the order to finish", async || {
        client.order(order.id).await.ok().filter(|o| o.order.status.is_final())
    })
    .await;
    assert_eq!(finished.order.status, OrderStatus::Completed);
    assert_eq!(finished.leases[0].lease.status, LeaseStatus::Completed);
    let stats = client.provider(&provider.public()).await.unwrap().provider.stats;
    assert_eq!(stats.completed, 1);
    node.stop().await;
}
