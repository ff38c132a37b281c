//! Fetching data by root: leaves by index or a whole tree, every leaf checked against the root the caller
//! trusts; large leaves in chunks, checked once whole. A peer that sends anything that does not verify is banned.

use std::ops::Range;

use alloy::primitives::{B256, Bytes};
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use libp2p::PeerId;

use crate::data::{verify_large, verify_leaves};
use crate::node::Node;
use crate::protocol::{DATA_PROTOCOL, DataRequest, DataResponse, LeafData, WireLeaf};
use crate::swarm::Command;
use crate::{NetError, Result};

impl Node {
    async fn data_request(&self, peer: PeerId, request: DataRequest) -> Result<DataResponse> {
        self.ask(|tx| Command::Data(peer, request, tx)).await?
    }

    fn tampered(&self, peer: PeerId, reason: impl Into<String>) -> NetError {
        let reason = reason.into();
        self.ban(peer, format!("bad data: {reason}"));
        NetError::Tampered {
            protocol: DATA_PROTOCOL,
            peer,
            reason,
        }
    }

    /// Checks one answer of leaves off the async threads (a big one takes milliseconds).
    async fn verify_answer(
        &self,
        peer: PeerId,
        root: B256,
        answer: LeavesAnswer,
    ) -> Result<LeavesAnswer> {
        let big = answer.leaves.len() > 256;
        let check = move || {
            let r = verify_leaves(root, &answer.leaves, &answer.proof, &answer.proof_flags);
            (r, answer)
        };
        let (r, answer) = if big {
            tokio::task::spawn_blocking(check)
                .await
                .map_err(|e| NetError::Invalid(format!("verification task: {e}")))?
        } else {
            check()
        };
        match r {
            Ok(()) => {
                self.metrics
                    .leaves_verified
                    .inc_by(answer.leaves.len() as u64);
                Ok(answer)
            }
            Err(why) => Err(self.tampered(peer, why)),
        }
    }

    fn leaves_answer(&self, peer: PeerId, response: DataResponse) -> Result<LeavesAnswer> {
        match response {
            DataResponse::Leaves {
                leaf_count,
                leaves,
                proof,
                proof_flags,
            } => Ok(LeavesAnswer {
                leaf_count,
                leaves,
                proof,
                proof_flags,
            }),
            DataResponse::Refused { reason } => Err(NetError::Refused {
                protocol: DATA_PROTOCOL,
                peer,
                reason,
            }),
            DataResponse::Chunk { .. } => {
                Err(self.tampered(peer, "a chunk for a request of leaves"))
            }
        }
    }

    /// Fetches the data of leaves `range` of the tree with `root` from `peer`, checking every leaf against `root`.
    /// Returns the data in index order. A peer that sends a leaf that does not verify is banned.
    pub async fn fetch_leaves(
        &self,
        peer: PeerId,
        root: B256,
        range: Range<u64>,
    ) -> Result<Vec<Bytes>> {
        let mut out: Vec<Option<Bytes>> =
            vec![None; (range.end.saturating_sub(range.start)) as usize];
        let mut next = range.start;
        while next < range.end {
            let count = u32::try_from(range.end - next).unwrap_or(u32::MAX);
            let response = self
                .data_request(
                    peer,
                    DataRequest::Leaves {
                        root,
                        start: next,
                        count,
                    },
                )
                .await?;
            let answer = self.leaves_answer(peer, response)?;
            if range.end > answer.leaf_count {
                return Err(NetError::Refused {
                    protocol: DATA_PROTOCOL,
                    peer,
                    reason: format!("the tree has {} leaves, {range:?} asked", answer.leaf_count),
                });
            }
            let answer = self.verify_answer(peer, root, answer).await?;
            let k = answer.leaves.len() as u64;
            // Exactly the leaves next..next + k: no gap, none twice.
            for leaf in answer.leaves {
                let slot = leaf
                    .index
                    .checked_sub(next)
                    .filter(|d| *d < k)
                    .and_then(|_| out.get_mut((leaf.index - range.start) as usize))
                    .filter(|s| s.is_none())
                    .ok_or_else(|| {
                        self.tampered(peer, format!("leaf {} was not asked", leaf.index))
                    })?;
                *slot = Some(self.leaf_data(peer, root, leaf).await?);
            }
            next += k;
        }
        out.into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| self.tampered(peer, "leaves missing"))
    }

    /// Fetches every leaf of the tree with `root` from `peer`, which must have `leaf_count` leaves (the count the
    /// chain gives), a span of neighbouring leaves per request with several requests in flight; checks every leaf.
    /// Returns the data in index order. A peer that sends a leaf that does not verify is banned.
    pub async fn fetch_tree(
        &self,
        peer: PeerId,
        root: B256,
        leaf_count: u64,
    ) -> Result<Vec<Bytes>> {
        let mut out: Vec<Option<Bytes>> = vec![None; leaf_count as usize];
        let mut large = Vec::new();
        let span = u64::from(self.limits.max_leaves_per_response.max(1));
        // Spans still to ask for: a server may answer a prefix, and the rest is asked again.
        let mut todo: Vec<(u64, u64)> = (0..leaf_count.div_ceil(span))
            .rev()
            .map(|i| (i * span, span.min(leaf_count - i * span)))
            .collect();
        let mut in_flight = FuturesUnordered::new();
        let mut got = 0u64;
        loop {
            while in_flight.len() < self.limits.data_window.max(1) {
                let Some((start, count)) = todo.pop() else {
                    break;
                };
                let request = DataRequest::Span {
                    root,
                    start,
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                };
                in_flight
                    .push(async move { (start, count, self.data_request(peer, request).await) });
            }
            let Some((start, count, response)) = in_flight.next().await else {
                break;
            };
            let answer = self.leaves_answer(peer, response?)?;
            if answer.leaf_count != leaf_count {
                return Err(self.tampered(
                    peer,
                    format!(
                        "a tree of {} leaves, {leaf_count} expected",
                        answer.leaf_count
                    ),
                ));
            }
            let answer = self.verify_answer(peer, root, answer).await?;
            let k = answer.leaves.len() as u64;
            if k > count {
                return Err(self.tampered(peer, "more leaves than asked"));
            }
            if k < count {
                todo.push((start + k, count - k));
            }
            for leaf in answer.leaves {
                let slot = out
                    .get_mut(leaf.index as usize)
                    .filter(|s| s.is_none())
                    .ok_or_else(|| {
                        self.tampered(peer, format!("leaf {} twice or out of range", leaf.index))
                    })?;
                match leaf.data {
                    LeafData::Inline(d) => *slot = Some(d),
                    LeafData::Large { .. } => large.push(leaf),
                }
                got += 1;
            }
        }
        for leaf in large {
            let index = leaf.index as usize;
            let data = self.leaf_data(peer, root, leaf).await?;
            if let Some(slot) = out.get_mut(index) {
                *slot = Some(data);
            }
        }
        if got != leaf_count {
            return Err(self.tampered(peer, format!("{got} leaves of {leaf_count}")));
        }
        out.into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| self.tampered(peer, "leaves missing"))
    }

    /// A verified leaf's data: inline, or fetched in chunks and checked against the proven hash.
    async fn leaf_data(&self, peer: PeerId, root: B256, leaf: WireLeaf) -> Result<Bytes> {
        let (len, hash) = match leaf.data {
            LeafData::Inline(d) => return Ok(d),
            LeafData::Large { len, hash } => (len, hash),
        };
        if len > self.limits.max_leaf_bytes {
            return Err(NetError::Refused {
                protocol: DATA_PROTOCOL,
                peer,
                reason: format!(
                    "leaf {} has {len} bytes, more than the {} accepted",
                    leaf.index, self.limits.max_leaf_bytes
                ),
            });
        }
        let mut data = Vec::new();
        while (data.len() as u64) < len {
            let offset = data.len() as u64;
            let want = u32::try_from((len - offset).min(u64::from(self.limits.chunk_bytes)))
                .unwrap_or(u32::MAX);
            let response = self
                .data_request(
                    peer,
                    DataRequest::Chunk {
                        root,
                        index: leaf.index,
                        offset,
                        len: want,
                    },
                )
                .await?;
            match response {
                DataResponse::Chunk { data: chunk }
                    if !chunk.is_empty() && chunk.len() as u64 <= len - offset =>
                {
                    data.extend_from_slice(&chunk);
                }
                DataResponse::Refused { reason } => {
                    return Err(NetError::Refused {
                        protocol: DATA_PROTOCOL,
                        peer,
                        reason,
                    });
                }
                _ => return Err(self.tampered(peer, format!("a bad chunk of leaf {}", leaf.index))),
            }
        }
        let data = Bytes::from(data);
        if !verify_large(leaf.index, &data, hash) {
            return Err(self.tampered(
                peer,
                format!("leaf {} does not match its proven hash", leaf.index),
            ));
        }
        self.metrics.leaves_verified.inc();
        Ok(data)
    }
}

struct LeavesAnswer {
    leaf_count: u64,
    leaves: Vec<WireLeaf>,
    proof: Vec<B256>,
    proof_flags: Vec<bool>,
}
