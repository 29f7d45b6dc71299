//! The pure-Rust light client (`rigshare-verify`) against the engine's own verifier, on real
//! certificates from running validators.

use std::time::Duration;

use rigshare_chain::NetworkInfo;
use rigshare_chain::certificate::{self as chain, CertificateError as ChainError};
use rigshare_types::block::Header;
use rigshare_verify::certificate::{self as light, CertificateError, NetworkKey};

use crate::cluster::{Cluster, wait_for};

const LIMIT: Duration = Duration::from_secs(60);

/// The chain's verdict in the light client's terms.
fn as_light(result: Result<(), ChainError>) -> Result<(), CertificateError> {
    result.map_err(|e| match e {
        ChainError::BadNetworkKey => CertificateError::BadNetworkKey,
        ChainError::Malformed => CertificateError::Malformed,
        ChainError::WrongBlock => CertificateError::WrongBlock,
        ChainError::BadSignature => CertificateError::BadSignature,
    })
}

/// Both verifiers' verdicts on the same inputs; they must agree.
fn agreed(
    key: &[u8],
    namespace: &[u8],
    header: &Header,
    cert: &[u8],
) -> Result<(), CertificateError> {
    let engine = as_light(chain::verify_finalization(key, namespace, header, cert));
    let light = NetworkKey::from_bytes(key)
        .and_then(|key| light::verify_finalization(&key, namespace, header, cert));
    assert_eq!(light, engine, "verifiers disagree on {cert:02x?}");
    light
}

/// Blocks `1..=height` that carry their own certificate.
fn certified(cluster: &Cluster, at: usize) -> Vec<(Header, Vec<u8>)> {
    let chain = cluster.handle(at);
    (1..=chain.height())
        .filter_map(|h| chain.block(h).unwrap())
        .filter_map(|b| b.finalization.map(|cert| (b.block.header, cert)))
        .collect()
}

/// Every certificate verifies, and every kind of tampering gets the engine's verdict.
fn cross_check(info: &NetworkInfo, certs: &[(Header, Vec<u8>)]) {
    let (key, ns) = (info.network_key.as_slice(), info.namespace.as_slice());
    assert!(!certs.is_empty());
    for (header, cert) in certs {
        assert_eq!(agreed(key, ns, header, cert), Ok(()));
    }

    let (header, cert) = certs.last().unwrap();
    let mut tampered = *header;
    tampered.timestamp_ms += 1;
    assert_eq!(agreed(key, ns, &tampered, cert), Err(CertificateError::WrongBlock));
    let other_key = rigshare_chain::keys::deal(99, 1).network_key();
    assert_eq!(agreed(&other_key, ns, header, cert), Err(CertificateError::BadSignature));
    assert_eq!(agreed(key, b"another-network", header, cert), Err(CertificateError::BadSignature));
    assert_eq!(agreed(&key[1..], ns, header, cert), Err(CertificateError::BadNetworkKey));
    // Another block's certificate.
    if let [(_, first), .., _] = certs {
        assert_eq!(agreed(key, ns, header, first), Err(CertificateError::WrongBlock));
    }
    // One flipped bit anywhere: in the round, parent, payload, either signature.
    for index in 0..cert.len() {
        for bit in [0x01, 0x80] {
            let mut bad = cert.clone();
            bad[index] ^= bit;
            assert!(agreed(key, ns, header, &bad).is_err(), "flip at {index}");
        }
    }
    assert_eq!(agreed(key, ns, header, &cert[..cert.len() - 1]), Err(CertificateError::Malformed));
    let trailing = [cert.as_slice(), &[0]].concat();
    assert_eq!(agreed(key, ns, header, &trailing), Err(CertificateError::Malformed));
}

#[test]
fn light_client_agrees_with_the_engine_on_a_single_validator() {
    let cluster = Cluster::start(1, "light-single");
    let chain = cluster.handle(0);
    wait_for("blocks", LIMIT, || chain.height() >= 8);
    cross_check(chain.info(), &certified(&cluster, 0));
}

#[test]
fn light_client_agrees_with_the_engine_on_a_threshold_committee() {
    let cluster = Cluster::start(4, "light-committee");
    wait_for("blocks", LIMIT, || (0..4).all(|i| cluster.handle(i).height() >= 5));
    let chain = cluster.handle(0);
    // The threshold certificate is the same size as a single validator's.
    let certs = certified(&cluster, 0);
    assert!(certs.iter().all(|(_, cert)| cert.len() < 140));
    cross_check(chain.info(), &certs);
}
