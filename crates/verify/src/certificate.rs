//! Checking a finalization certificate with nothing but the network key, in pure Rust: the proof
//! that a quorum of the committee finalized a block header (and so its checkpointed state root).
//!
//! The validators run commonware simplex with the `bls12381_threshold` VRF scheme, MinSig variant
//! (network key in G2, signatures in G1). This module re-implements, without commonware or any C
//! code, the check `rigshare-chain` makes with the engine itself, and returns the same errors.
//!
//! ```text
//! finalization = varint(epoch) varint(view)      round: the seed's message
//!                varint(parent view)
//!                payload (32 bytes)              = header.digest()
//!                vote signature (48, G1)         over the finalize message below
//!                seed signature (48, G1)         over the round: the randomness beacon
//! finalize message = varint(len(ns_F)) ns_F proposal,  ns_F = namespace "_FINALIZE"
//! seed message     = varint(len(ns_S)) ns_S round,     ns_S = namespace "_SEED"
//! ```
//!
//! Varints are LEB128 and must be canonical, as commonware's codec requires. Both messages hash
//! to G1 (RFC 9380) with the DST `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_`. One pairing product checks both signatures at once:
//! `e(H_vote + r·H_seed, key) · e(S_vote + r·S_seed, −g2) = 1`, with `r` a 127-bit coefficient
//! derived from everything verified, so a bad seed cannot cancel a bad vote.

use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToField, MapToCurve};
use bls12_381::{G1Affine, G1Projective, G2Affine, G2Prepared, Gt, multi_miller_loop};
use rigshare_types::block::Header;
use sha2::{Digest as _, Sha256};

/// Largest encoded finalization accepted (a threshold certificate is 131 bytes and a few more
/// once views need longer varints).
pub const MAX_FINALIZATION_BYTES: usize = 1_024;

/// Bytes of a network key (a G2 point, compressed).
pub const NETWORK_KEY_BYTES: usize = 96;

/// Bytes of a signature (a G1 point, compressed).
const SIGNATURE_BYTES: usize = 48;

/// Bytes of the proposal's payload (a SHA-256 header digest).
const PAYLOAD_BYTES: usize = 32;

/// Longest LEB128 encoding of a u64.
const MAX_VARINT_BYTES: usize = 10;

/// Hash-to-curve domain separation tag of MinSig message signatures (commonware `G1_MESSAGE`).
const MESSAGE_DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";

/// Suffix of the namespace under which finalize votes are signed.
const FINALIZE_SUFFIX: &[u8] = b"_FINALIZE";

/// Suffix of the namespace under which seeds are signed.
const SEED_SUFFIX: &[u8] = b"_SEED";

/// Domain of the coefficient that folds the seed check into the vote check.
const BATCH_DOMAIN: &[u8] = b"rigshare/verify/finalization-batch/v1";

/// Why a certificate was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The network key is not a valid G2 point.
    #[error("malformed network key")]
    BadNetworkKey,
    /// The certificate bytes do not decode.
    #[error("malformed certificate")]
    Malformed,
    /// The certificate finalizes another block.
    #[error("certificate is for another block")]
    WrongBlock,
    /// The threshold signature does not verify under the network key.
    #[error("certificate signature invalid")]
    BadSignature,
}

/// A decoded network key, reusable (decode once, verify many).
#[derive(Clone)]
pub struct NetworkKey {
    /// The compressed encoding it was decoded from.
    bytes: [u8; NETWORK_KEY_BYTES],
    /// The key, prepared for the Miller loop.
    key: G2Prepared,
    /// The negated G2 generator, prepared for the Miller loop.
    neg_generator: G2Prepared,
}

impl NetworkKey {
    /// Decodes a compressed G2 point; rejects other lengths, off-curve or non-subgroup points and
    /// the identity.
    pub fn from_bytes(bytes: &[u8]) -> Result<NetworkKey, CertificateError> {
        let bytes: [u8; NETWORK_KEY_BYTES] =
            bytes.try_into().map_err(|_| CertificateError::BadNetworkKey)?;
        // `from_compressed` checks the encoding is canonical and the point lies in G2.
        let point = Option::<G2Affine>::from(G2Affine::from_compressed(&bytes))
            .ok_or(CertificateError::BadNetworkKey)?;
        if bool::from(point.is_identity()) {
            return Err(CertificateError::BadNetworkKey);
        }
        Ok(NetworkKey {
            bytes,
            key: G2Prepared::from(point),
            neg_generator: G2Prepared::from(-G2Affine::generator()),
        })
    }

    /// The key's compressed encoding.
    pub fn to_bytes(&self) -> [u8; NETWORK_KEY_BYTES] {
        self.bytes
    }
}

impl core::fmt::Debug for NetworkKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NetworkKey(")?;
        for byte in &self.bytes {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

/// Verifies that `finalization` (commonware's encoding) finalizes the block whose header digest
/// is `header.digest()`, under `network_key` and the consensus `namespace`: both its threshold
/// signatures, the finalize vote's and the round's seed (the randomness beacon), as the engine
/// does.
pub fn verify_finalization(
    network_key: &NetworkKey,
    namespace: &[u8],
    header: &Header,
    finalization: &[u8],
) -> Result<(), CertificateError> {
    check(network_key, namespace, header, finalization, true)
}

/// Verifies that `finalization` proves the block with `header` final: its finalize vote's
/// threshold signature, which a quorum of the committee must have signed. The seed signature
/// (the beacon) is not checked — finality does not depend on it — which saves a fifth of the
/// time. What receipts and proofs need.
pub fn verify_finality(
    network_key: &NetworkKey,
    namespace: &[u8],
    header: &Header,
    finalization: &[u8],
) -> Result<(), CertificateError> {
    check(network_key, namespace, header, finalization, false)
}

fn check(
    network_key: &NetworkKey,
    namespace: &[u8],
    header: &Header,
    finalization: &[u8],
    with_seed: bool,
) -> Result<(), CertificateError> {
    if finalization.len() > MAX_FINALIZATION_BYTES {
        return Err(CertificateError::Malformed);
    }
    let decoded = Finalization::decode(finalization)?;
    if decoded.payload != &header.digest().0 {
        return Err(CertificateError::WrongBlock);
    }
    // The engine decodes the signatures lazily and counts a bad point as a bad signature.
    let vote = signature(decoded.vote_signature)?;

    let mut finalize_len = [0u8; MAX_VARINT_BYTES];
    let finalize_len = namespace_len(namespace, FINALIZE_SUFFIX, &mut finalize_len)?;
    let vote_hash = map_to_g1([finalize_len, namespace, FINALIZE_SUFFIX, decoded.proposal]);
    let (hashes, signatures) = if with_seed {
        let seed = signature(decoded.seed_signature)?;
        let mut seed_len = [0u8; MAX_VARINT_BYTES];
        let seed_len = namespace_len(namespace, SEED_SUFFIX, &mut seed_len)?;
        let seed_hash = map_to_g1([seed_len, namespace, SEED_SUFFIX, decoded.round]);
        let r = coefficient(network_key, namespace, finalization);
        // Clearing the cofactor is linear, so it is done once, on the combination.
        (
            (vote_hash + mul_u128(&seed_hash, r)).clear_cofactor(),
            G1Projective::from(vote) + mul_u128(&G1Projective::from(seed), r),
        )
    } else {
        (vote_hash.clear_cofactor(), G1Projective::from(vote))
    };
    if bool::from(signatures.is_identity()) {
        return Err(CertificateError::BadSignature);
    }
    let mut affine = [G1Affine::identity(); 2];
    G1Projective::batch_normalize(&[hashes, signatures], &mut affine);
    let [hashes, signatures] = affine;
    let product = multi_miller_loop(&[
        (&hashes, &network_key.key),
        (&signatures, &network_key.neg_generator),
    ])
    .final_exponentiation();
    if product == Gt::identity() { Ok(()) } else { Err(CertificateError::BadSignature) }
}

/// A finalization's fields, borrowed from its encoding.
struct Finalization<'a> {
    /// `varint(epoch) varint(view)`: the seed's message.
    round: &'a [u8],
    /// `round varint(parent) payload`: the finalize vote's message.
    proposal: &'a [u8],
    /// The finalized block's header digest.
    payload: &'a [u8; PAYLOAD_BYTES],
    /// The recovered threshold signature over the finalize message.
    vote_signature: &'a [u8; SIGNATURE_BYTES],
    /// The recovered threshold signature over the round.
    seed_signature: &'a [u8; SIGNATURE_BYTES],
}

impl<'a> Finalization<'a> {
    /// Decodes exactly one finalization from `bytes`, rejecting trailing bytes.
    fn decode(bytes: &'a [u8]) -> Result<Self, CertificateError> {
        let mut reader = Reader(bytes);
        reader.varint()?; // epoch
        reader.varint()?; // view
        let round = consumed(bytes, &reader)?;
        reader.varint()?; // parent view
        let payload = reader.array::<PAYLOAD_BYTES>()?;
        // Varints are canonical, so these bytes are exactly the proposal's re-encoding.
        let proposal = consumed(bytes, &reader)?;
        let vote_signature = reader.array::<SIGNATURE_BYTES>()?;
        let seed_signature = reader.array::<SIGNATURE_BYTES>()?;
        if !reader.0.is_empty() {
            return Err(CertificateError::Malformed);
        }
        Ok(Finalization { round, proposal, payload, vote_signature, seed_signature })
    }
}

/// A cursor over bytes still to decode.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// The next `N` bytes.
    fn array<const N: usize>(&mut self) -> Result<&'a [u8; N], CertificateError> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(CertificateError::Malformed)?;
        self.0 = rest;
        Ok(head)
    }

    /// A canonical LEB128 u64: no zero byte after the first, no bits beyond 64.
    fn varint(&mut self) -> Result<u64, CertificateError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.0.split_first().ok_or(CertificateError::Malformed)?;
            self.0 = rest;
            let redundant = byte == 0 && shift > 0;
            // The tenth byte holds the 64th bit only.
            let overflows = shift == 63 && byte > 1;
            if redundant || overflows {
                return Err(CertificateError::Malformed);
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(CertificateError::Malformed)
    }
}

/// The bytes of `all` that `reader` has moved past.
fn consumed<'a>(all: &'a [u8], reader: &Reader<'a>) -> Result<&'a [u8], CertificateError> {
    let len = all.len().checked_sub(reader.0.len()).ok_or(CertificateError::Malformed)?;
    all.get(..len).ok_or(CertificateError::Malformed)
}

/// Decodes a signature: a canonical compressed G1 point in the subgroup, not the identity.
fn signature(bytes: &[u8; SIGNATURE_BYTES]) -> Result<G1Affine, CertificateError> {
    let point = Option::<G1Affine>::from(G1Affine::from_compressed(bytes))
        .ok_or(CertificateError::BadSignature)?;
    if bool::from(point.is_identity()) {
        return Err(CertificateError::BadSignature);
    }
    Ok(point)
}

/// The varint length prefix of `namespace || suffix` (commonware's `union_unique`, which encodes
/// the length as a u32), written into `buf`.
fn namespace_len<'b>(
    namespace: &[u8],
    suffix: &[u8],
    buf: &'b mut [u8; MAX_VARINT_BYTES],
) -> Result<&'b [u8], CertificateError> {
    // The engine cannot sign under a longer namespace, so nothing verifies under one.
    let len = namespace
        .len()
        .checked_add(suffix.len())
        .and_then(|len| u32::try_from(len).ok())
        .ok_or(CertificateError::BadSignature)?;
    Ok(encode_varint(u64::from(len), buf))
}

/// Writes `value` as LEB128 into `buf` and returns the bytes written.
fn encode_varint(mut value: u64, buf: &mut [u8; MAX_VARINT_BYTES]) -> &[u8] {
    let mut len = 0;
    for slot in buf.iter_mut() {
        len += 1;
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            *slot = low;
            break;
        }
        *slot = low | 0x80;
    }
    buf.get(..len).unwrap_or(&[])
}

/// Hashes the concatenation of `parts` onto the curve (RFC 9380 `hash_to_curve` with
/// `BLS12381G1_XMD:SHA-256_SSWU_RO_`, up to but excluding its final `clear_cofactor`).
fn map_to_g1<const N: usize>(parts: [&[u8]; N]) -> G1Projective {
    let mut u = [<G1Projective as MapToCurve>::Field::default(); 2];
    HashToField::hash_to_field::<ExpandMsgXmd<Sha256>, _>(parts, MESSAGE_DST, &mut u);
    let [u0, u1] = u;
    G1Projective::map_to_curve(&u0) + G1Projective::map_to_curve(&u1)
}

/// The batch coefficient: 127 bits of SHA-256 over everything the check depends on, so that no
/// choice of signatures makes an error in one cancel an error in the other.
fn coefficient(network_key: &NetworkKey, namespace: &[u8], finalization: &[u8]) -> u128 {
    let digest = Sha256::new()
        .chain_update(BATCH_DOMAIN)
        .chain_update(network_key.bytes)
        .chain_update((namespace.len() as u64).to_le_bytes())
        .chain_update(namespace)
        .chain_update(finalization)
        .finalize();
    let (low, _) = digest.split_first_chunk::<16>().unwrap_or((&[0; 16], &[]));
    (u128::from_le_bytes(*low) >> 1).max(1)
}

/// `k · point` for `k < 2^127`, by width-4 NAF (variable time: every input here is public).
fn mul_u128(point: &G1Projective, k: u128) -> G1Projective {
    // Odd multiples P, 3P, 5P, 7P.
    let twice = point.double();
    let mut odd = [*point; 4];
    let mut next = *point;
    for slot in odd.iter_mut().skip(1) {
        next += twice;
        *slot = next;
    }
    // Digits in {0, ±1, ±3, ±5, ±7}, least significant first; k < 2^127 keeps k + 7 in range.
    let mut digits = [0i8; 128];
    let mut len = 0;
    let mut k = k;
    for digit in digits.iter_mut() {
        if k == 0 {
            break;
        }
        if k & 1 == 1 {
            let low = (k & 15) as i8;
            *digit = if low >= 8 { low - 16 } else { low };
            k = k.wrapping_sub_signed(i128::from(*digit));
        }
        k >>= 1;
        len += 1;
    }
    let mut acc = G1Projective::identity();
    for &digit in digits.iter().take(len).rev() {
        acc = acc.double();
        if let Some(term) = odd.get(usize::from(digit.unsigned_abs() / 2)) {
            match digit.signum() {
                1 => acc += term,
                -1 => acc -= term,
                _ => {}
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use bls12_381::hash_to_curve::HashToCurve;
    use bls12_381::{G2Projective, Scalar};
    use proptest::prelude::*;
    use rigshare_types::Hash32;
    use rigshare_types::block::Checkpoint;

    use super::*;

    const NAMESPACE: &[u8] = b"rigshare-test";

    fn header(height: u64) -> Header {
        Header {
            parent: Hash32([7; 32]),
            height,
            timestamp_ms: 1_000 * height,
            view: height + 2,
            parent_seed: None,
            checkpoint: Checkpoint {
                height: height.saturating_sub(1),
                state_root: Hash32([9; 32]),
            },
            tx_root: Hash32([3; 32]),
        }
    }

    /// A committee's group secret, standing in for the threshold-recovered one.
    fn secret(seed: u64) -> Scalar {
        Scalar::from(seed) * Scalar::from(0x9e37_79b9_7f4a_7c15u64)
    }

    fn key_bytes(secret: &Scalar) -> [u8; NETWORK_KEY_BYTES] {
        G2Affine::from(G2Projective::generator() * secret).to_compressed()
    }

    fn key(secret: &Scalar) -> NetworkKey {
        NetworkKey::from_bytes(&key_bytes(secret)).unwrap()
    }

    /// LEB128, written independently of the module's encoder.
    fn leb128(mut value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    /// commonware's `sign_message`: `hash(union_unique(namespace, message)) · secret`.
    fn sign(secret: &Scalar, namespace: &[u8], message: &[u8]) -> [u8; SIGNATURE_BYTES] {
        let mut unique = leb128(namespace.len() as u64);
        unique.extend_from_slice(namespace);
        unique.extend_from_slice(message);
        let hash = <G1Projective as HashToCurve<ExpandMsgXmd<Sha256>>>::hash_to_curve(
            [unique.as_slice()],
            MESSAGE_DST,
        );
        G1Affine::from(hash * secret).to_compressed()
    }

    /// An encoded finalization of `payload` at (epoch, view), signed by `secret`.
    fn finalization(secret: &Scalar, namespace: &[u8], view: u64, payload: Hash32) -> Vec<u8> {
        let epoch = 0u64;
        let round = [leb128(epoch), leb128(view)].concat();
        let proposal = [round.clone(), leb128(view - 1), payload.0.to_vec()].concat();
        let vote = sign(secret, &[namespace, b"_FINALIZE"].concat(), &proposal);
        let seed = sign(secret, &[namespace, b"_SEED"].concat(), &round);
        [proposal, vote.to_vec(), seed.to_vec()].concat()
    }

    fn sample() -> (NetworkKey, Header, Vec<u8>) {
        let secret = secret(1);
        let header = header(5);
        let cert = finalization(&secret, NAMESPACE, 300, header.digest());
        (key(&secret), header, cert)
    }

    #[test]
    fn a_valid_certificate_verifies() {
        let (key, header, cert) = sample();
        assert_eq!(cert.len(), 1 + 2 + 2 + 32 + 96);
        assert_eq!(verify_finalization(&key, NAMESPACE, &header, &cert), Ok(()));
        // Views needing the longest varints still decode.
        let secret = secret(1);
        let cert = finalization(&secret, NAMESPACE, u64::MAX, header.digest());
        assert_eq!(verify_finalization(&key, NAMESPACE, &header, &cert), Ok(()));
        // A long namespace takes a two-byte length prefix.
        let long = [b'n'; 200];
        let cert = finalization(&secret, &long, 9, header.digest());
        assert_eq!(verify_finalization(&key, &long, &header, &cert), Ok(()));
    }

    /// A finalization from a running validator (chain test `light_client`, key seed 7): pins
    /// the wire format and the signed messages to commonware 2026.10.0's.
    mod golden {
        pub const KEY: &str = "a8a01ede9780b4d9f16f10015f57488311033a9cd5440eedae3cefc70fc86a527a448d5be4c4fe6d1ac0b6337e8030de0117aed57b49c16b6997ca9678971afa2c1cc267d9099b1c201ed0fee27bfa605047d75d07f9d4faf038aae62ea7016c";
        pub const HEADER: &str = "351560a44f577afcecca957fd50780d5567c377f5b58aadb72f4ef433409ae950a000000000000009d1afd14a20100000a0000000000000001a9e73ef383948554ecea4be4d93133ec1ac86187e4684f2f6b4e0a3cd84f3979c85bf874589e9a2081db05dbb965bc7708000000000000006cb649bacf27edf2b844060c0d85de00946eca7b4a9cc7ce82d249ba972d9d7daf5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc";
        pub const FINALIZATION: &str = "000a09a08c11d41722f9562c1066a25f3feebe17757f8ce5e6e0fea5d93798181445a8b31014048cdbecef7079bd3d6add3317caf518e317ba40d492274c18e53453d73aff56c8c4a63e23790a9895ebdab6eb887beea3ce2e4a8bebffccbe5b80cae8b7db034608ba31eac6563a9f4db61092e3125a33d471c566115cfc958e5c19ca";
    }

    fn golden() -> (NetworkKey, Header, Vec<u8>) {
        let key = NetworkKey::from_bytes(&hex::decode(golden::KEY).unwrap()).unwrap();
        let header = hex::decode(golden::HEADER).unwrap();
        let header = rigshare_types::codec::decode(&header, 1_024).unwrap();
        (key, header, hex::decode(golden::FINALIZATION).unwrap())
    }

    #[test]
    fn a_real_engine_certificate_verifies() {
        let (key, header, cert) = golden();
        // Epoch 0, view 10, parent view 9, the header digest, then the two signatures.
        assert_eq!(cert[..3], [0x00, 0x0a, 0x09]);
        assert_eq!(cert[3..35], header.digest().0);
        assert_eq!(cert.len(), 3 + 32 + 2 * SIGNATURE_BYTES);
        assert_eq!(verify_finalization(&key, NAMESPACE, &header, &cert), Ok(()));
        let mut bad_seed = cert.clone();
        *bad_seed.last_mut().unwrap() ^= 1;
        assert_eq!(
            verify_finalization(&key, NAMESPACE, &header, &bad_seed),
            Err(CertificateError::BadSignature)
        );
    }

    #[test]
    fn finality_checks_the_vote_and_not_the_seed() {
        let (key, header, cert) = golden();
        assert_eq!(verify_finality(&key, NAMESPACE, &header, &cert), Ok(()));
        // A corrupted seed does not touch finality (only the beacon); a corrupted vote does.
        let mut bad_seed = cert.clone();
        *bad_seed.last_mut().unwrap() ^= 1;
        assert_eq!(verify_finality(&key, NAMESPACE, &header, &bad_seed), Ok(()));
        let mut bad_vote = cert.clone();
        bad_vote[40] ^= 1;
        assert_eq!(
            verify_finality(&key, NAMESPACE, &header, &bad_vote),
            Err(CertificateError::BadSignature)
        );
        let mut later = header;
        later.height += 1;
        assert_eq!(
            verify_finality(&key, NAMESPACE, &later, &cert),
            Err(CertificateError::WrongBlock)
        );
        let other = super::tests::key(&secret(2));
        assert_eq!(
            verify_finality(&other, NAMESPACE, &header, &cert),
            Err(CertificateError::BadSignature)
        );
    }

    #[test]
    fn another_block_key_or_namespace_is_rejected() {
        let (key, header, cert) = sample();
        let mut later = header;
        later.timestamp_ms += 1;
        assert_eq!(
            verify_finalization(&key, NAMESPACE, &later, &cert),
            Err(CertificateError::WrongBlock)
        );
        let other = super::tests::key(&secret(2));
        assert_eq!(
            verify_finalization(&other, NAMESPACE, &header, &cert),
            Err(CertificateError::BadSignature)
        );
        assert_eq!(
            verify_finalization(&key, b"another-network", &header, &cert),
            Err(CertificateError::BadSignature)
        );
    }

    #[test]
    fn both_signatures_must_hold() {
        let (key, header, cert) = sample();
        let (body, sigs) = cert.split_at(cert.len() - 2 * SIGNATURE_BYTES);
        let (vote, seed) = sigs.split_at(SIGNATURE_BYTES);
        // Swapped signatures: each is valid, for the other message.
        let swapped = [body, seed, vote].concat();
        assert_eq!(
            verify_finalization(&key, NAMESPACE, &header, &swapped),
            Err(CertificateError::BadSignature)
        );
        // A seed for another round.
        let other_seed = sign(&secret(1), b"rigshare-test_SEED", &[0, 1]);
        let forged = [body, vote, &other_seed].concat();
        assert_eq!(
            verify_finalization(&key, NAMESPACE, &header, &forged),
            Err(CertificateError::BadSignature)
        );
        // Errors that cancel in an unweighted sum: vote + D and seed − D.
        let shift = G1Projective::generator() * Scalar::from(5u64);
        let vote_point = G1Projective::from(signature(vote.try_into().unwrap()).unwrap());
        let seed_point = G1Projective::from(signature(seed.try_into().unwrap()).unwrap());
        let cancelling = [
            body,
            &G1Affine::from(vote_point + shift).to_compressed(),
            &G1Affine::from(seed_point - shift).to_compressed(),
        ]
        .concat();
        assert_eq!(
            verify_finalization(&key, NAMESPACE, &header, &cancelling),
            Err(CertificateError::BadSignature)
        );
    }

    #[test]
    fn bad_points_are_bad_signatures() {
        let (key, header, cert) = sample();
        let body = &cert[..cert.len() - 2 * SIGNATURE_BYTES];
        let seed = &cert[cert.len() - SIGNATURE_BYTES..];
        let identity = G1Affine::identity().to_compressed();
        let not_a_point = [0xffu8; SIGNATURE_BYTES];
        for vote in [&identity[..], &not_a_point[..]] {
            let bad = [body, vote, seed].concat();
            assert_eq!(
                verify_finalization(&key, NAMESPACE, &header, &bad),
                Err(CertificateError::BadSignature)
            );
        }
    }

    #[test]
    fn malformed_encodings_are_rejected() {
        let (key, header, cert) = sample();
        let malformed = |bytes: &[u8]| {
            assert_eq!(
                verify_finalization(&key, NAMESPACE, &header, bytes),
                Err(CertificateError::Malformed),
                "{bytes:02x?}"
            );
        };
        for len in 0..cert.len() {
            malformed(&cert[..len]);
        }
        malformed(&[cert.as_slice(), &[0]].concat());
        malformed(&vec![0u8; MAX_FINALIZATION_BYTES + 1]);
        // A redundant varint byte: epoch 0 written as [0x80, 0x00].
        malformed(&[&[0x80, 0x00][..], &cert[1..]].concat());
        // An epoch over u64::MAX.
        malformed(&[&[0xff; 9][..], &[0x02], &cert[1..]].concat());
        // An unterminated varint.
        malformed(&[0x80; 11]);
    }

    #[test]
    fn bad_network_keys_are_rejected() {
        let good = key_bytes(&secret(3));
        assert!(NetworkKey::from_bytes(&good).is_ok());
        assert_eq!(NetworkKey::from_bytes(&good).unwrap().to_bytes(), good);
        for bad in [
            &good[1..],
            &[good.as_slice(), &[0]].concat()[..],
            &[],
            &[0xff; NETWORK_KEY_BYTES][..],
            &G2Affine::identity().to_compressed()[..],
        ] {
            assert_eq!(NetworkKey::from_bytes(bad).err(), Some(CertificateError::BadNetworkKey));
        }
    }

    #[test]
    fn varints_round_trip() {
        for value in [0, 1, 127, 128, 300, 16_383, 16_384, u64::from(u32::MAX), u64::MAX] {
            let mut buf = [0; MAX_VARINT_BYTES];
            let encoded = encode_varint(value, &mut buf);
            assert_eq!(encoded, leb128(value).as_slice());
            let mut reader = Reader(encoded);
            assert_eq!(reader.varint(), Ok(value));
            assert!(reader.0.is_empty());
        }
    }

    #[test]
    fn wnaf_multiplication_edges() {
        let point = G1Projective::generator();
        for k in [0, 1, 7, 8, 15, 16, 0xff, (1 << 127) - 1, 1 << 126, 0x5555 << 100] {
            let scalar = Scalar::from_raw([k as u64, (k >> 64) as u64, 0, 0]);
            assert_eq!(mul_u128(&point, k), point * scalar, "{k}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn wnaf_multiplication_matches_the_scalar_one(k in 0..(1u128 << 127)) {
            let point = G1Projective::generator() * Scalar::from(12_345u64);
            let scalar = Scalar::from_raw([k as u64, (k >> 64) as u64, 0, 0]);
            prop_assert_eq!(mul_u128(&point, k), point * scalar);
        }

        #[test]
        fn random_bytes_never_verify(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let (key, header, _) = sample();
            prop_assert!(verify_finalization(&key, NAMESPACE, &header, &bytes).is_err());
            prop_assert!(NetworkKey::from_bytes(&bytes).is_err());
        }

        #[test]
        fn any_changed_byte_is_rejected(index in 0usize..133, flip in 1u8..=255) {
            let (key, header, mut cert) = sample();
            cert[index] ^= flip;
            prop_assert!(verify_finalization(&key, NAMESPACE, &header, &cert).is_err());
        }
    }
}
