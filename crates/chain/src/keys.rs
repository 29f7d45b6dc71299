//! Validator keys: an ed25519 identity (network authentication, ordering of the committee) and a
//! share of the network's BLS12-381 threshold key (votes, certificates, the beacon).
//!
//! A devnet deals every share from one seed with a trusted dealer ([`deal`]); the group public
//! key (the *network key*, 96 bytes) is what every light client pins. A production network
//! would run commonware's DKG instead, and reshare on committee changes, which keeps the
//! network key.

use commonware_codec::Encode;
use commonware_cryptography::bls12381::dkg::feldman_desmedt::deal_anonymous;
use commonware_cryptography::bls12381::primitives::group::Share;
use commonware_cryptography::bls12381::primitives::sharing::{Mode, Sharing};
use commonware_cryptography::bls12381::primitives::variant::MinSig;
use commonware_cryptography::{Signer, ed25519};
use commonware_utils::{N3f1, TestRng, ordered::Set};

/// One validator's secrets.
#[derive(Clone, Debug)]
pub struct ValidatorKeys {
    /// Network identity.
    pub identity: ed25519::PrivateKey,
    /// Threshold key share (index = position of `identity` in the committee).
    pub share: Share,
}

/// A dealt committee: public polynomial and every validator's keys.
#[derive(Clone, Debug)]
pub struct Committee {
    /// Validators' identities, ordered as consensus orders them.
    pub participants: Set<ed25519::PublicKey>,
    /// The public polynomial; its constant term is the network key.
    pub sharing: Sharing<MinSig>,
    /// Secrets, in the order of `participants`.
    pub validators: Vec<ValidatorKeys>,
}

impl Committee {
    /// The network key: the group public key, 96 bytes (G2).
    pub fn network_key(&self) -> Vec<u8> {
        self.sharing.public().encode().to_vec()
    }
}

/// Deals a committee of `n` validators deterministically from `seed` (devnets and tests only:
/// anyone who knows the seed knows every share).
pub fn deal(seed: u64, n: u32) -> Committee {
    let n = n.max(1);
    let identities: Vec<ed25519::PrivateKey> = (0..u64::from(n))
        .map(|i| ed25519::PrivateKey::from_seed(seed.wrapping_mul(1_000).wrapping_add(i)))
        .collect();
    let participants = Set::from_iter_dedup(identities.iter().map(|k| k.public_key()));
    let mut rng = TestRng::new(seed);
    let count = std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN);
    let (sharing, shares) = deal_anonymous::<MinSig, N3f1>(&mut rng, Mode::NonZeroCounter, count);
    // Share i belongs to the participant at position i of the ordered set.
    let validators = participants
        .iter()
        .zip(shares)
        .filter_map(|(pk, share)| {
            let identity = identities.iter().find(|k| &k.public_key() == pk)?.clone();
            Some(ValidatorKeys { identity, share })
        })
        .collect();
    Committee { participants, sharing, validators }
}
