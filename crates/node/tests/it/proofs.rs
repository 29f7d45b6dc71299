//! Proofs from `/v1/proofs` verify against the root that the returned certified block commits to.

use rigshare_types::records::Account;
use rigshare_types::{PublicKey, StateKey, codec};

use crate::harness::{Node, account, eventually, transfer, user, wait_nonce};

#[tokio::test]
async fn proofs_verify_against_the_certified_checkpoint() {
    let node = Node::start().await;
    let client = &node.client;
    let (owner, to) = (user(8), user(9));
    let nonce = account(client, &owner).await.account.nonce;
    client.submit(&transfer(&owner, nonce, &to, 5)).await.unwrap();
    let executed_at = {
        wait_nonce(client, &owner, nonce + 1).await;
        client.status().await.unwrap().height
    };
    // Wait until a certified checkpoint covers the transfer.
    let key = StateKey::Account(owner.public());
    let proof = eventually("a certified checkpoint after the transfer", async || {
        client.proof(&key).await.ok().filter(|p| p.height >= executed_at)
    })
    .await;

    assert_eq!(proof.key, key);
    let value = proof.value.as_ref().expect("the account exists");
    assert_eq!(proof.proof.verify(&proof.state_root, &key.to_bytes(), Some(&value.0)), Ok(()));
    let stored: Account = codec::decode(&value.0, 1024).unwrap();
    assert_eq!(stored.nonce, nonce + 1);
    // The root is the checkpoint the certifying block's header carries.
    let header = proof.certified_by.header;
    assert_eq!(header.checkpoint.height, proof.height);
    assert_eq!(header.checkpoint.state_root, proof.state_root);
    assert_eq!(header.height, proof.certified_by.height);
    let block = client.block(proof.certified_by.height).await.unwrap();
    assert_eq!(block.header, header);
    assert_eq!(block.finalization, proof.certified_by.finalization);
    assert!(proof.certified_by.finalization.is_some());
    // A tampered root or value fails.
    assert!(proof.proof.verify(&header.parent, &key.to_bytes(), Some(&value.0)).is_err());

    // Absence is proven too, at an explicit certified height.
    let nobody = StateKey::Account(PublicKey([0xdd; 32]));
    let params =
        rigshare_client::api::ProofParams { key: nobody.to_string(), height: Some(proof.height) };
    let absent = client.proof_with(&params).await.unwrap();
    assert_eq!(absent.height, proof.height);
    assert_eq!(absent.state_root, proof.state_root);
    assert!(absent.value.is_none());
    assert_eq!(absent.proof.verify(&absent.state_root, &nobody.to_bytes(), None), Ok(()));

    let globals = client.proof(&StateKey::Globals).await.unwrap();
    let bytes = globals.value.expect("globals always exist");
    assert_eq!(
        globals.proof.verify(&globals.state_root, &StateKey::Globals.to_bytes(), Some(&bytes.0)),
        Ok(())
    );
    node.stop().await;
}

#[tokio::test]
async fn certificates_from_the_api_verify_with_the_network_key_alone() {
    use rigshare_chain::certificate::verify_finalization;
    let node = Node::start().await;
    let client = &node.client;
    let status = client.status().await.unwrap();
    let block = eventually("a block carrying its certificate", async || {
        let latest = client.latest_block().await.ok()?;
        latest.finalization.is_some().then_some(latest)
    })
    .await;
    let (key, namespace) = (&status.network_key.0, &status.namespace.0);
    let certificate = block.finalization.unwrap().0;
    assert_eq!(block.header.digest(), block.digest);
    assert_eq!(verify_finalization(key, namespace, &block.header, &certificate), Ok(()));
    // A tampered header is not what the certificate finalized.
    let mut tampered = block.header;
    tampered.checkpoint.state_root.0[0] ^= 1;
    assert!(verify_finalization(key, namespace, &tampered, &certificate).is_err());
    // Nor does another network's key verify it.
    let other = rigshare_chain::keys::deal(12_345, 1).network_key();
    assert!(verify_finalization(&other, namespace, &block.header, &certificate).is_err());
    node.stop().await;
}
