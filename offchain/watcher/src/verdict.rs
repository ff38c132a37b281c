//! What recomputing a map commitment found, kept per (task, round) until the commitment is over: the pass reads it
//! to decide, the map module writes it.

use std::sync::Arc;

use alloy::primitives::{B256, Bytes};

/// What recomputing a commitment found.
#[derive(Clone, Debug)]
pub(crate) enum Verdict {
    /// Every leaf checked matches.
    Honest,
    /// A wrong leaf, with everything a proof needs.
    Cheat(Arc<CheatPlan>),
    /// The result data is missing, unreadable or not the committed root: the query path.
    Withheld(String),
    /// The bot cannot judge (the inputs are unavailable, the executor failed; logged): tried again from block
    /// `retry_at`, since the cause may pass (a web server down).
    Unjudgeable { retry_at: u64 },
}

/// A proof of cheat, ready to commit and reveal.
#[derive(Debug)]
pub(crate) struct CheatPlan {
    pub index: u64,
    pub input: Bytes,
    pub input_proof: Vec<B256>,
    pub output: Bytes,
    pub result_proof: Vec<B256>,
}
