//! What the bot knows from the games' events (confirmed blocks only): tasks, live commitments, queries, disputes.
//! It is rebuilt from the chain at every start, so nothing here is persisted.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, Bytes};
use alloy::rpc::types::Log;
use alloy::sol_types::SolEvent;
use sonm_bindings::{ChainGame, MapGame};

use crate::data::u64_of;

/// A map task as posted, and its live commitment.
#[derive(Clone, Debug)]
pub(crate) struct MapTaskEntry {
    pub computation: Address,
    pub input_root: B256,
    pub leaf_count: u64,
    pub gas_per_leaf: u32,
    /// The task's `maxLeafBytes` (not in the event: the DAO's bound at posting, read from the task once needed).
    pub max_leaf_bytes: Option<u32>,
    pub input_uri: String,
    pub live: Option<MapCommit>,
}

/// A map commitment (one round).
#[derive(Clone, Debug)]
pub(crate) struct MapCommit {
    pub round: u32,
    pub solver: Address,
    pub root: B256,
    pub uri: String,
}

#[derive(Clone, Debug)]
pub(crate) struct QueryEntry {
    pub task: u64,
    pub round: u32,
    pub challenger: Address,
    pub open: bool,
    /// The answer, once given: the leaf's output and the answering transaction (whose calldata holds the proof).
    pub answer: Option<Answer>,
}

#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub index: u64,
    pub output: Bytes,
    pub tx: Option<B256>,
}

/// A chain task as posted, and its live commitment.
#[derive(Clone, Debug)]
pub(crate) struct ChainTaskEntry {
    pub computation: Address,
    pub steps: u64,
    pub gas_per_step: u32,
    /// The task's `maxStateBytes` (not in the event: read from the task once needed).
    pub max_state_bytes: Option<u32>,
    pub initial_state: Bytes,
    pub live: Option<ChainCommit>,
}

#[derive(Clone, Debug)]
pub(crate) struct ChainCommit {
    pub solver: Address,
    pub final_hash: B256,
}

#[derive(Clone, Debug)]
pub(crate) struct DisputeEntry {
    pub task: u64,
    pub challenger: Address,
    pub round: u32,
    pub open: bool,
}

/// Everything the events said, up to the last confirmed block scanned.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub map_tasks: BTreeMap<u64, MapTaskEntry>,
    pub queries: BTreeMap<u64, QueryEntry>,
    pub chain_tasks: BTreeMap<u64, ChainTaskEntry>,
    pub disputes: BTreeMap<u64, DisputeEntry>,
}

/// What applying a log changed, for the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applied {
    TaskPosted,
    Other,
    Ignored,
}

fn decode<E: SolEvent>(log: &Log) -> Option<E> {
    log.log_decode::<E>().ok().map(|l| l.inner.data)
}

impl Index {
    /// Applies one log of the map game (`map`) or the chain game (`chain`); anything else is ignored, and so is a
    /// log that does not decode (never a panic on chain data).
    pub(crate) fn apply(&mut self, log: &Log, map: Address, chain: Address) -> Applied {
        let Some(topic) = log.topic0().copied() else {
            return Applied::Ignored;
        };
        if log.address() == map {
            self.apply_map(log, topic)
        } else if log.address() == chain {
            self.apply_chain(log, topic)
        } else {
            Applied::Ignored
        }
    }

    fn apply_map(&mut self, log: &Log, topic: B256) -> Applied {
        use MapGame as M;
        match topic {
            t if t == M::TaskPosted::SIGNATURE_HASH => {
                let Some(e) = decode::<M::TaskPosted>(log) else {
                    return Applied::Ignored;
                };
                let Some(id) = u64_of(e.taskId) else {
                    return Applied::Ignored;
                };
                self.map_tasks.insert(
                    id,
                    MapTaskEntry {
                        computation: e.spec.computation,
                        input_root: e.spec.inputRoot,
                        leaf_count: e.spec.leafCount,
                        gas_per_leaf: e.spec.gasPerLeaf,
                        max_leaf_bytes: None,
                        input_uri: e.inputURI,
                        live: None,
                    },
                );
                return Applied::TaskPosted;
            }
            t if t == M::ResultCommitted::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::ResultCommitted>(log)
                    && let Some(task) = u64_of(e.taskId).and_then(|id| self.map_tasks.get_mut(&id))
                {
                    task.live = Some(MapCommit {
                        round: e.round.to::<u32>(),
                        solver: e.solver,
                        root: e.resultRoot,
                        uri: e.resultURI,
                    });
                }
            }
            t if t == M::SolverSlashed::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::SolverSlashed>(log) {
                    self.end_map(e.taskId, Some(e.round.to::<u32>()));
                }
            }
            t if t == M::TaskFinalized::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::TaskFinalized>(log) {
                    self.end_map(e.taskId, None);
                }
            }
            t if t == M::TaskRefunded::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::TaskRefunded>(log) {
                    self.end_map(e.taskId, None);
                }
            }
            t if t == M::QueryOpened::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::QueryOpened>(log)
                    && let (Some(q), Some(task)) = (u64_of(e.queryId), u64_of(e.taskId))
                {
                    self.queries.insert(
                        q,
                        QueryEntry {
                            task,
                            round: e.round.to::<u32>(),
                            challenger: e.challenger,
                            open: true,
                            answer: None,
                        },
                    );
                }
            }
            t if t == M::QueryAnswered::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::QueryAnswered>(log) {
                    self.close_query(e.queryId);
                    if let Some(q) = u64_of(e.queryId).and_then(|id| self.queries.get_mut(&id))
                        && let Some(index) = u64_of(e.index)
                    {
                        q.answer = Some(Answer {
                            index,
                            output: e.output,
                            tx: log.transaction_hash,
                        });
                    }
                }
            }
            t if t == M::QueryTimedOut::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::QueryTimedOut>(log) {
                    self.close_query(e.queryId);
                }
            }
            t if t == M::QueryBondReclaimed::SIGNATURE_HASH => {
                if let Some(e) = decode::<M::QueryBondReclaimed>(log) {
                    self.close_query(e.queryId);
                }
            }
            _ => return Applied::Ignored,
        }
        Applied::Other
    }

    fn end_map(&mut self, task: alloy::primitives::U256, round: Option<u32>) {
        if let Some(t) = u64_of(task).and_then(|id| self.map_tasks.get_mut(&id))
            && t.live
                .as_ref()
                .is_some_and(|c| round.is_none_or(|r| r == c.round))
        {
            t.live = None;
        }
    }

    fn close_query(&mut self, id: alloy::primitives::U256) {
        if let Some(q) = u64_of(id).and_then(|id| self.queries.get_mut(&id)) {
            q.open = false;
        }
    }

    fn apply_chain(&mut self, log: &Log, topic: B256) -> Applied {
        use ChainGame as C;
        match topic {
            t if t == C::TaskPosted::SIGNATURE_HASH => {
                let Some(e) = decode::<C::TaskPosted>(log) else {
                    return Applied::Ignored;
                };
                let Some(id) = u64_of(e.taskId) else {
                    return Applied::Ignored;
                };
                self.chain_tasks.insert(
                    id,
                    ChainTaskEntry {
                        computation: e.spec.computation,
                        steps: e.spec.steps,
                        gas_per_step: e.spec.gasPerStep,
                        max_state_bytes: None,
                        initial_state: e.initialState,
                        live: None,
                    },
                );
                return Applied::TaskPosted;
            }
            t if t == C::ResultCommitted::SIGNATURE_HASH => {
                if let Some(e) = decode::<C::ResultCommitted>(log)
                    && let Some(task) =
                        u64_of(e.taskId).and_then(|id| self.chain_tasks.get_mut(&id))
                {
                    task.live = Some(ChainCommit {
                        solver: e.solver,
                        final_hash: e.finalHash,
                    });
                }
            }
            t if t == C::SolverSlashed::SIGNATURE_HASH => {
                if let Some(e) = decode::<C::SolverSlashed>(log) {
                    self.end_chain(e.taskId);
                }
            }
            t if t == C::TaskFinalized::SIGNATURE_HASH => {
                if let Some(e) = decode::<C::TaskFinalized>(log) {
                    self.end_chain(e.taskId);
                }
            }
            t if t == C::TaskRefunded::SIGNATURE_HASH => {
                if let Some(e) = decode::<C::TaskRefunded>(log) {
                    self.end_chain(e.taskId);
                }
            }
            t if t == C::DisputeOpened::SIGNATURE_HASH => {
                if let Some(e) = decode::<C::DisputeOpened>(log)
                    && let (Some(d), Some(task)) = (u64_of(e.disputeId), u64_of(e.taskId))
                {
                    self.disputes.insert(
                        d,
                        DisputeEntry {
                            task,
                            challenger: e.challenger,
                            round: u32::try_from(e.round).unwrap_or(u32::MAX),
                            open: true,
                        },
                    );
                }
            }
            t if t == C::DisputeDecided::SIGNATURE_HASH => {
                if let Some(e) = decode::<C::DisputeDecided>(log) {
                    self.close_dispute(e.disputeId);
                }
            }
            t if t == C::DisputeBondReclaimed::SIGNATURE_HASH => {
                if let Some(e) = decode::<C::DisputeBondReclaimed>(log) {
                    self.close_dispute(e.disputeId);
                }
            }
            _ => return Applied::Ignored,
        }
        Applied::Other
    }

    fn end_chain(&mut self, task: alloy::primitives::U256) {
        if let Some(t) = u64_of(task).and_then(|id| self.chain_tasks.get_mut(&id)) {
            t.live = None;
        }
    }

    fn close_dispute(&mut self, id: alloy::primitives::U256) {
        if let Some(d) = u64_of(id).and_then(|id| self.disputes.get_mut(&id)) {
            d.open = false;
        }
    }
}
