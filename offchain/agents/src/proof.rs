//! The two facts of a map cheat proof that the challenger computes off chain: the proof commitment (the contract's
//! `proofCommitment` view, in Rust) and the salt behind it (derived from the challenger's key).
//!
//! Both `sonm map challenge` ([`crate::MapTasks::prove_cheat`]) and the watcher derive them here and nowhere else,
//! so run with the same key they find each other's commitment: a proof one of them committed is revealed by the
//! other, never committed twice.

use std::fmt;

use alloy::primitives::{Address, B256, U256, keccak256};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolValue as _;

/// `IMapGame.proofCommitment(challenger, taskId, index, input, output, salt)`:
/// `keccak256(abi.encode(challenger, taskId, index, keccak256(input), keccak256(output), salt))`.
///
/// Computed locally, so committing needs no call; the tests hold it to the contract's view.
pub fn proof_commitment(
    challenger: Address,
    task: u64,
    index: u64,
    input: &[u8],
    output: &[u8],
    salt: B256,
) -> B256 {
    keccak256(
        (
            challenger,
            U256::from(task),
            U256::from(index),
            keccak256(input),
            keccak256(output),
            salt,
        )
            .abi_encode(),
    )
}

/// The root of every salt a key uses, derived from the key: a restarted challenger finds its own commitments
/// again with nothing stored, and nobody without the key can predict a salt (or a query index picked from one).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SaltSeed(B256);

impl fmt::Debug for SaltSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A secret: never printed.
        f.write_str("SaltSeed(..)")
    }
}

impl SaltSeed {
    /// Domain separator, so the seed is no other hash of the key.
    const DOMAIN: &'static [u8] = b"sonm/proof-salt";

    /// The seed of `signer`'s key.
    pub fn new(signer: &PrivateKeySigner) -> Self {
        Self(keccak256(
            [Self::DOMAIN, signer.to_bytes().as_slice()].concat(),
        ))
    }

    /// The salt of a proof about leaf `index` of commitment `round` of map task `task`, in the game at `game` on
    /// chain `chain_id`: a new commitment (another round) or another deployment gets another salt.
    pub fn salt(&self, chain_id: u64, game: Address, task: u64, round: u32, index: u64) -> B256 {
        let mut data = self.0.to_vec();
        data.extend_from_slice(&chain_id.to_be_bytes());
        data.extend_from_slice(game.as_slice());
        data.extend_from_slice(&task.to_be_bytes());
        data.extend_from_slice(&round.to_be_bytes());
        data.extend_from_slice(&index.to_be_bytes());
        keccak256(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commitment_binds_every_field() {
        let a = Address::repeat_byte(1);
        let base = proof_commitment(a, 1, 2, b"in", b"out", B256::ZERO);
        for other in [
            proof_commitment(Address::repeat_byte(2), 1, 2, b"in", b"out", B256::ZERO),
            proof_commitment(a, 9, 2, b"in", b"out", B256::ZERO),
            proof_commitment(a, 1, 3, b"in", b"out", B256::ZERO),
            proof_commitment(a, 1, 2, b"in!", b"out", B256::ZERO),
            proof_commitment(a, 1, 2, b"in", b"out!", B256::ZERO),
            proof_commitment(a, 1, 2, b"in", b"out", B256::repeat_byte(1)),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn a_salt_is_the_keys_and_differs_per_proof() {
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).expect("key");
        let other = PrivateKeySigner::from_bytes(&B256::repeat_byte(8)).expect("key");
        let seed = SaltSeed::new(&key);
        assert_eq!(seed, SaltSeed::new(&key), "the same on every run");
        assert_eq!(format!("{seed:?}"), "SaltSeed(..)");
        let game = Address::repeat_byte(3);
        let base = seed.salt(1, game, 2, 0, 5);
        for other in [
            SaltSeed::new(&other).salt(1, game, 2, 0, 5),
            seed.salt(2, game, 2, 0, 5),
            seed.salt(1, Address::repeat_byte(4), 2, 0, 5),
            seed.salt(1, game, 3, 0, 5),
            seed.salt(1, game, 2, 1, 5),
            seed.salt(1, game, 2, 0, 6),
        ] {
            assert_ne!(base, other);
        }
    }
}
