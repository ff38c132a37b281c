//! Work leases: a hub hands a miner a range of a task's units with their inputs proven against the task's input
//! root; the miner returns one output per unit and signs a [`LeaseReceipt`] over them, so the hub can show later
//! what the miner returned.

use std::ops::Range;

use alloy::primitives::{Address, Bytes, U256};
use alloy::signers::SignerSync;
use alloy::sol_types::Eip712Domain;
use sonm_merkle::{BuildOptions, IndexedLeaf, IndexedTree};

use crate::data::{process_multi_proof_batched, wire_leaf_hashes};
use crate::message::{LeaseReceipt, recover};
use crate::protocol::{LeafData, LeaseUnit, WireLeaf, WorkLease, WorkResponse};
use crate::{NetError, Result};

impl WorkLease {
    /// A lease of units `range` of task `task_id`, whose inputs are `inputs` (leaf `i` = `(i, input_i)`).
    pub fn new(task_id: U256, inputs: &IndexedTree, range: Range<u64>) -> Result<Self> {
        if range.is_empty() || range.end > inputs.len() as u64 {
            return Err(NetError::Invalid(format!(
                "units {range:?} are not a non-empty range of the task's {} units",
                inputs.len()
            )));
        }
        let indices: Vec<usize> = (range.start as usize..range.end as usize).collect();
        let mp = inputs.multiproof(&indices)?;
        let mut units = Vec::with_capacity(indices.len());
        for leaf in mp.leaves {
            if leaf.index >= U256::from(range.end) || leaf.index < U256::from(range.start) {
                return Err(NetError::Invalid(format!(
                    "the input tree's leaf {} is not numbered as its position: leaf i must be (i, input)",
                    leaf.index
                )));
            }
            units.push(LeaseUnit {
                index: leaf.index.saturating_to(),
                input: leaf.data.clone(),
            });
        }
        Ok(Self {
            task_id,
            input_root: inputs.root(),
            first: range.start,
            units,
            proof: mp.proof,
            proof_flags: mp.proof_flags,
        })
    }

    /// How many units.
    pub fn count(&self) -> u64 {
        self.units.len() as u64
    }

    /// Checks the lease as a miner receives it: the units are exactly `first..first + count`, each input under
    /// `input_root`. Returns the inputs in unit order.
    pub fn verify(&self) -> std::result::Result<Vec<Bytes>, &'static str> {
        let count = self.units.len();
        if count == 0 {
            return Err("no units");
        }
        let mut inputs: Vec<Option<Bytes>> = vec![None; count];
        for u in &self.units {
            let slot = u
                .index
                .checked_sub(self.first)
                .and_then(|k| inputs.get_mut(usize::try_from(k).ok()?))
                .ok_or("a unit outside the lease's range")?;
            if slot.replace(u.input.clone()).is_some() {
                return Err("a unit twice");
            }
        }
        let wire: Vec<WireLeaf> = self
            .units
            .iter()
            .map(|u| WireLeaf {
                index: u.index,
                data: LeafData::Inline(u.input.clone()),
            })
            .collect();
        let hashes = wire_leaf_hashes(&wire);
        if process_multi_proof_batched(&hashes, &self.proof, &self.proof_flags)
            != Some(self.input_root)
        {
            return Err("an input is not under the input root");
        }
        inputs
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or("a unit missing")
    }

    /// The lease receipt a miner signs for `outputs` (one per unit, in unit order).
    pub fn receipt(&self, outputs: &[Bytes]) -> Result<LeaseReceipt> {
        Ok(LeaseReceipt {
            taskId: self.task_id,
            inputRoot: self.input_root,
            first: self.first,
            count: self.count(),
            outputsRoot: outputs_tree(self.first, outputs)?.root(),
        })
    }

    /// The miner's answer without a lease receipt (a miner without an Ethereum key).
    pub fn answer(&self, outputs: Vec<Bytes>) -> WorkResponse {
        WorkResponse::Done {
            outputs,
            receipt_signature: None,
        }
    }

    /// The miner's answer with the lease receipt signed by `miner`.
    pub fn answer_signed(
        &self,
        outputs: Vec<Bytes>,
        domain: &Eip712Domain,
        miner: &impl SignerSync,
    ) -> Result<WorkResponse> {
        let signature = crate::message::sign(&self.receipt(&outputs)?, domain, miner)?;
        Ok(WorkResponse::Done {
            outputs,
            receipt_signature: Some(signature),
        })
    }
}

/// The tree over a lease's outputs: leaf `(first + k, outputs[k])`, sorted as every project tree.
pub fn outputs_tree(first: u64, outputs: &[Bytes]) -> Result<IndexedTree> {
    let values = outputs
        .iter()
        .enumerate()
        .map(|(k, o)| IndexedLeaf::new(first + k as u64, o.clone()))
        .collect();
    Ok(IndexedTree::of(
        values,
        &IndexedLeaf::ENCODING,
        BuildOptions::single_thread(),
    )?)
}

/// What a hub got back for a lease, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkResult {
    /// One output per unit, first to last.
    pub outputs: Vec<Bytes>,
    /// The lease receipt the outputs make.
    pub receipt: LeaseReceipt,
    /// The miner's signature of the lease receipt, if it signed.
    pub receipt_signature: Option<Bytes>,
    /// Who signed it.
    pub miner: Option<Address>,
}

/// Checks a miner's answer to `lease`: one output per unit; the signature, if any, is of the lease receipt.
pub(crate) fn check_answer(
    lease: &WorkLease,
    outputs: Vec<Bytes>,
    receipt_signature: Option<Bytes>,
    domain: &Eip712Domain,
) -> std::result::Result<WorkResult, String> {
    if outputs.len() != lease.units.len() {
        return Err(format!(
            "{} outputs for {} units",
            outputs.len(),
            lease.units.len()
        ));
    }
    let receipt = lease.receipt(&outputs).map_err(|e| e.to_string())?;
    let miner = match &receipt_signature {
        Some(sig) => Some(
            recover(&receipt, domain, sig)
                .ok_or_else(|| "a receipt signature that is not one".to_owned())?,
        ),
        None => None,
    };
    Ok(WorkResult {
        outputs,
        receipt,
        receipt_signature,
        miner,
    })
}

#[cfg(test)]
mod tests {
    use alloy::primitives::B256;
    use alloy::signers::local::PrivateKeySigner;

    use super::*;
    use crate::message::domain;

    fn inputs(n: u64) -> IndexedTree {
        IndexedTree::from_data((0..n).map(|i| vec![i as u8; 5]), BuildOptions::default())
            .expect("tree")
    }

    #[test]
    fn a_lease_verifies_and_gives_inputs_in_unit_order() {
        let t = inputs(100);
        let lease = WorkLease::new(U256::from(1u64), &t, 10..20).expect("lease");
        let got = lease.verify().expect("verifies");
        assert_eq!(got.len(), 10);
        for (k, input) in got.iter().enumerate() {
            assert_eq!(input, &t.values()[10 + k].data);
        }
        assert!(WorkLease::new(U256::from(1u64), &t, 90..101).is_err());
        assert!(WorkLease::new(U256::from(1u64), &t, 5..5).is_err());
    }

    #[test]
    fn a_forged_lease_does_not_verify() {
        let t = inputs(64);
        let lease = WorkLease::new(U256::from(1u64), &t, 3..9).expect("lease");
        let mut forged = lease.clone();
        forged.units[2].input = Bytes::from_static(b"other");
        assert!(forged.verify().is_err());
        let mut shifted = lease.clone();
        shifted.first = 4;
        assert!(shifted.verify().is_err());
        let mut dup = lease.clone();
        dup.units[1] = dup.units[0].clone();
        assert!(dup.verify().is_err());
        let mut root = lease.clone();
        root.input_root = B256::repeat_byte(3);
        assert!(root.verify().is_err());
    }

    #[test]
    fn an_answer_signed_by_the_miner_names_it() {
        let t = inputs(16);
        let d = domain(1, Address::repeat_byte(1));
        let lease = WorkLease::new(U256::from(2u64), &t, 4..8).expect("lease");
        let key = PrivateKeySigner::random();
        let outputs: Vec<Bytes> = (0..4u8).map(|i| Bytes::from(vec![i])).collect();
        let WorkResponse::Done {
            outputs,
            receipt_signature,
        } = lease.answer_signed(outputs, &d, &key).expect("answer")
        else {
            panic!("done");
        };
        let result =
            check_answer(&lease, outputs.clone(), receipt_signature.clone(), &d).expect("checks");
        assert_eq!(result.miner, Some(key.address()));
        assert_eq!(result.receipt.count, 4);
        // The receipt proves each output.
        let tree = outputs_tree(4, &outputs).expect("tree");
        assert_eq!(tree.root(), result.receipt.outputsRoot);
        assert!(check_answer(&lease, outputs[..3].to_vec(), None, &d).is_err());
        let mut other = outputs.clone();
        other[0] = Bytes::from_static(b"x");
        // The same signature over other outputs recovers someone else.
        let r = check_answer(&lease, other, receipt_signature, &d).expect("recovers");
        assert_ne!(r.miner, Some(key.address()));
    }
}
