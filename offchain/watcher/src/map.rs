//! Map tasks: recompute every commitment, prove a wrong leaf (commit, then reveal), query withheld data, answer the
//! queries against the bot's own solver, time out unanswered queries.

use std::sync::Arc;

use alloy::primitives::{Bytes, U256};
use alloy::providers::Provider as _;
use sonm_agents::proof::proof_commitment;
use sonm_bindings::IMapGame;
use sonm_bindings::enums::IMapGame::{QueryStatus, TaskStatus};
use tracing::{info, warn};

use crate::data::{self, LeafData};
use crate::error::{Result, WatchError};
use crate::index::{MapCommit, MapTaskEntry};
use crate::sender::Sent;
use crate::verdict::{CheatPlan, Verdict};
use crate::watcher::{At, Watcher};

/// Blocks before a commitment the bot could not judge is tried again.
const UNJUDGEABLE_RETRY: u64 = 32;
/// Leaves recomputed per batch: a mismatch found early stops the check.
const BATCH: usize = 1024;

impl Watcher {
    pub(crate) async fn act_map_task(&mut self, id: u64, at: At) -> Result<()> {
        let Some(task) = self.index.map_tasks.get(&id).cloned() else {
            return Ok(());
        };
        let Some(c) = task.live.clone() else {
            return Ok(());
        };
        if c.solver == self.me {
            return self.finalize_own_map(id, &c, at).await;
        }
        let verdict = match self.verdicts.get(&(id, c.round)) {
            Some(Verdict::Unjudgeable { retry_at }) if at.head < *retry_at => return Ok(()),
            Some(v) if !matches!(v, Verdict::Unjudgeable { .. }) => v.clone(),
            _ => {
                let retry_at = at.head + UNJUDGEABLE_RETRY;
                let v = self.check_map(id, &task, &c, retry_at).await?;
                self.verdicts.insert((id, c.round), v.clone());
                v
            }
        };
        match verdict {
            Verdict::Honest | Verdict::Unjudgeable { .. } => Ok(()),
            Verdict::Cheat(plan) => self.prove(id, &c, &plan, at).await,
            Verdict::Withheld(_) => self.query_withheld(id, &task, &c, at).await,
        }
    }

    /// Recomputes a commitment (every leaf, or a random sample).
    async fn check_map(
        &mut self,
        id: u64,
        task: &MapTaskEntry,
        c: &MapCommit,
        retry_at: u64,
    ) -> Result<Verdict> {
        let inputs = match self.map_inputs(id, task).await {
            Ok(inputs) => inputs,
            Err(reason) => {
                warn!(%reason, uri = task.input_uri, "cannot read the task's inputs: not judged");
                return Ok(Verdict::Unjudgeable { retry_at });
            }
        };
        let executor = self.executor(task.computation).await?;
        let max_bytes = self.map_leaf_bound(id).await?;
        self.metrics.checked();
        let fetched = match self.fetch_results(&c.uri, c.root, task.leaf_count).await {
            Ok(fetched) => fetched,
            Err(reason) => {
                self.metrics.withheld();
                warn!(round = c.round, %reason, "result data unavailable: query path");
                return Ok(Verdict::Withheld(reason));
            }
        };
        let (root, leaf_count, gas) = (c.root, task.leaf_count, u64::from(task.gas_per_leaf));
        let sample = self.cfg.sample;
        let started = std::time::Instant::now();
        let outcome =
            tokio::task::spawn_blocking(move || -> std::result::Result<Verdict, String> {
                let results = match data::results(fetched, root, leaf_count) {
                    Ok(r) => r,
                    Err(reason) => return Ok(Verdict::Withheld(reason)),
                };
                let indices: Vec<u64> = match sample {
                    Some(k) if k < leaf_count => {
                        let mut rng = rand::rng();
                        let len = usize::try_from(leaf_count).map_err(|e| e.to_string())?;
                        let amount = usize::try_from(k).map_err(|e| e.to_string())?;
                        let mut picked: Vec<u64> = rand::seq::index::sample(&mut rng, len, amount)
                            .into_iter()
                            .map(|i| i as u64)
                            .collect();
                        picked.sort_unstable();
                        picked
                    }
                    _ => (0..leaf_count).collect(),
                };
                // Both were checked to hold `leaf_count` leaves; a miss is reported, never a panic.
                let leaf = |data: &[Bytes], i: u64| {
                    data.get(usize::try_from(i).unwrap_or(usize::MAX))
                        .cloned()
                        .ok_or_else(|| format!("no leaf {i}"))
                };
                for batch in indices.chunks(BATCH) {
                    let batch_inputs = batch
                        .iter()
                        .map(|&i| leaf(&inputs.data, i))
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    let outputs = executor
                        .leaves(&batch_inputs, gas, max_bytes)
                        .map_err(|e| e.to_string())?;
                    for ((&i, expected), input) in batch.iter().zip(outputs).zip(batch_inputs) {
                        let committed = leaf(&results.data, i)?;
                        if committed != expected {
                            return Ok(Verdict::Cheat(Arc::new(CheatPlan {
                                index: i,
                                input,
                                input_proof: inputs.proof(i)?,
                                output: committed.clone(),
                                result_proof: results.proof(i)?,
                            })));
                        }
                    }
                }
                Ok(Verdict::Honest)
            })
            .await
            .map_err(|e| WatchError::Config(format!("the check of task {id} panicked: {e}")))?;
        let verdict = match outcome {
            Ok(v) => v,
            Err(reason) => {
                warn!(%reason, "recomputing failed: not judged");
                Verdict::Unjudgeable { retry_at }
            }
        };
        match &verdict {
            Verdict::Honest => info!(
                round = c.round,
                leaves = leaf_count,
                ms = started.elapsed().as_millis() as u64,
                "commitment checked: honest"
            ),
            Verdict::Cheat(plan) => {
                self.metrics.cheat();
                info!(round = c.round, index = plan.index, solver = %c.solver, ms = started.elapsed().as_millis() as u64, "wrong leaf found");
            }
            Verdict::Withheld(reason) => {
                self.metrics.withheld();
                warn!(round = c.round, %reason, "result data does not match the commitment: query path");
            }
            Verdict::Unjudgeable { .. } => {}
        }
        Ok(verdict)
    }

    /// The task's inputs, read once from its input URI (a file, an http(s) URL, or a `sonm://` URI whose tree is
    /// fetched from its peer) and checked against its input root.
    async fn map_inputs(
        &mut self,
        id: u64,
        task: &MapTaskEntry,
    ) -> std::result::Result<Arc<LeafData>, String> {
        if let Some(i) = self.inputs.get(&id) {
            return Ok(i.clone());
        }
        let (root, n) = (task.input_root, task.leaf_count);
        let inputs = if task.input_uri.starts_with("sonm://") {
            // A market buyer serves its inputs from its node: fetched as results are, every leaf checked.
            let fetched = self.fetch_results(&task.input_uri, root, n).await?;
            tokio::task::spawn_blocking(move || data::results(fetched, root, n))
                .await
                .map_err(|e| e.to_string())??
        } else {
            let text = data::fetch(&task.input_uri, &self.http).await?;
            tokio::task::spawn_blocking(move || data::parse_inputs(&text, root, n))
                .await
                .map_err(|e| e.to_string())??
        };
        let inputs = Arc::new(inputs);
        self.inputs.insert(id, inputs.clone());
        Ok(inputs)
    }

    /// Re-reads the task at the confirmed block: is this commitment still live and open to challenges?
    async fn live_map_task(&self, id: u64, round: u32, at: At) -> Result<Option<IMapGame::Task>> {
        let t = self.rpc_result(
            "task",
            self.map
                .task(U256::from(id))
                .block(at.safe.into())
                .call()
                .await,
        )?;
        let live = t.status == TaskStatus::Committed
            && t.round.to::<u32>() == round
            && at.now < t.deadline.to::<u64>();
        Ok(live.then_some(t))
    }

    /// Commit, then (a block later) reveal the proof of a wrong leaf.
    async fn prove(&mut self, id: u64, c: &MapCommit, plan: &CheatPlan, at: At) -> Result<()> {
        let reveal_key = format!("map:proveCheat:{id}:{}:{}", c.round, plan.index);
        if self.sender.sent(&reveal_key) {
            return Ok(());
        }
        if self.live_map_task(id, c.round, at).await?.is_none() {
            return Ok(());
        }
        let game = *self.map.address();
        let salt = self.salt(game, id, c.round, plan.index);
        let commitment = proof_commitment(self.me, id, plan.index, &plan.input, &plan.output, salt);
        let committed_at = self.rpc_result(
            "proofCommitBlock",
            self.map.proofCommitBlock(commitment).call().await,
        )?;
        if committed_at.is_zero() {
            let data = self.map.commitProof(commitment).calldata().clone();
            let key = format!("map:commitProof:{commitment}");
            if let Sent::New(tx) = self.send(&key, "commitProof", game, data, at.head).await? {
                info!(index = plan.index, %commitment, %tx, "proof committed");
            }
            return Ok(());
        }
        let proof = IMapGame::CheatProof {
            index: U256::from(plan.index),
            input: plan.input.clone(),
            inputProof: plan.input_proof.clone(),
            output: plan.output.clone(),
            resultProof: plan.result_proof.clone(),
        };
        let data = self
            .map
            .proveCheat(U256::from(id), proof, salt)
            .calldata()
            .clone();
        if let Sent::New(tx) = self
            .send(&reveal_key, "proveCheat", game, data, at.head)
            .await?
        {
            self.metrics.proof_sent();
            info!(index = plan.index, %tx, "proof revealed");
        }
        Ok(())
    }

    /// Withheld or unmatched data: a bonded query at an index only this key can predict.
    async fn query_withheld(
        &mut self,
        id: u64,
        task: &MapTaskEntry,
        c: &MapCommit,
        at: At,
    ) -> Result<()> {
        // One query at a time; the next once the last is answered (rightly: a wrong answer is proven instead).
        let me = self.me;
        let mine: Vec<_> = self
            .index
            .queries
            .values()
            .filter(|q| q.task == id && q.round == c.round && q.challenger == me)
            .collect();
        let k = mine.len() as u64;
        if mine.iter().any(|q| q.open) || k >= u64::from(self.cfg.queries_per_commitment) {
            return Ok(());
        }
        let key = match k {
            0 => format!("map:openQuery:{id}:{}", c.round),
            k => format!("map:openQuery:{id}:{}:{k}", c.round),
        };
        if self.sender.sent(&key) {
            return Ok(());
        }
        let Some(t) = self.live_map_task(id, c.round, at).await? else {
            return Ok(());
        };
        let game = *self.map.address();
        if !self
            .ensure_allowance(game, U256::from(t.challengerBond), at.head)
            .await?
        {
            return Ok(());
        }
        let pick = U256::from_be_bytes(self.salt(game, id, c.round, u64::MAX - k).0);
        let index = pick % U256::from(task.leaf_count.max(1));
        let data = self.map.openQuery(U256::from(id), index).calldata().clone();
        if let Sent::New(tx) = self.send(&key, "openQuery", game, data, at.head).await? {
            self.metrics.query_opened();
            info!(round = c.round, %index, %tx, "query opened");
        }
        Ok(())
    }

    /// A query: the bot's own (time it out, or take the bond back) or against its solver (answer it).
    pub(crate) async fn act_query(&mut self, qid: u64, at: At) -> Result<()> {
        let Some(q) = self.index.queries.get(&qid).cloned() else {
            return Ok(());
        };
        let live = self
            .index
            .map_tasks
            .get(&q.task)
            .and_then(|t| t.live.clone())
            .filter(|c| c.round == q.round);
        let ours = q.challenger == self.me;
        let against_us = live.as_ref().is_some_and(|c| c.solver == self.me);
        if !ours && !against_us {
            return Ok(());
        }
        let query = self.rpc_result(
            "query",
            self.map
                .query(U256::from(qid))
                .block(at.safe.into())
                .call()
                .await,
        )?;
        if query.status != QueryStatus::Open {
            return Ok(());
        }
        let game = *self.map.address();
        let deadline = query.deadline.to::<u64>();
        if ours {
            if live.is_none() {
                let data = self
                    .map
                    .reclaimQueryBond(U256::from(qid))
                    .calldata()
                    .clone();
                self.send(
                    &format!("map:reclaimQueryBond:{qid}"),
                    "reclaimQueryBond",
                    game,
                    data,
                    at.head,
                )
                .await?;
            } else if at.now >= deadline {
                let data = self.map.timeoutQuery(U256::from(qid)).calldata().clone();
                if let Sent::New(tx) = self
                    .send(
                        &format!("map:timeoutQuery:{qid}"),
                        "timeoutQuery",
                        game,
                        data,
                        at.head,
                    )
                    .await?
                {
                    info!(task = q.task, %tx, "unanswered query timed out: the solver is slashed");
                }
            }
            return Ok(());
        }
        let Some(c) = live else { return Ok(()) };
        if at.now >= deadline {
            warn!(
                task = q.task,
                "a query against our solver expired unanswered"
            );
            return Ok(());
        }
        let results = match self.own_results(q.task, &c).await {
            Ok(r) => r,
            Err(reason) => {
                warn!(task = q.task, %reason, "cannot answer a query against our solver: our own result data is unreadable");
                return Ok(());
            }
        };
        let index = query.index;
        let (Some(output), Ok(proof)) = (
            results.data.get(index as usize).cloned(),
            results.proof(index),
        ) else {
            warn!(
                task = q.task,
                index, "the query names a leaf our data does not have"
            );
            return Ok(());
        };
        let data = self
            .map
            .answerQuery(U256::from(qid), output, proof)
            .calldata()
            .clone();
        if let Sent::New(tx) = self
            .send(
                &format!("map:answerQuery:{qid}"),
                "answerQuery",
                game,
                data,
                at.head,
            )
            .await?
        {
            self.metrics.query_answered();
            info!(task = q.task, index, %tx, "query against our solver answered");
        }
        Ok(())
    }

    /// An answer to one of the bot's queries shows one result leaf: recompute it, and if it is wrong, prove it (the
    /// result proof is in the answering transaction's calldata, since the event carries only the output).
    pub(crate) async fn check_answer(&mut self, qid: u64) -> Result<()> {
        let Some(q) = self.index.queries.get(&qid).cloned() else {
            return Ok(());
        };
        let Some(answer) = q.answer.clone() else {
            return Ok(());
        };
        let Some(task) = self.index.map_tasks.get(&q.task).cloned() else {
            return Ok(());
        };
        let live = task.live.clone().filter(|c| c.round == q.round);
        let Some(c) = live else {
            self.answers_checked.insert(qid);
            return Ok(());
        };
        let inputs = match self.map_inputs(q.task, &task).await {
            Ok(i) => i,
            Err(reason) => {
                warn!(%reason, "cannot read the task's inputs: the answer is not checked");
                self.answers_checked.insert(qid);
                return Ok(());
            }
        };
        let Some(input) = inputs.data.get(answer.index as usize).cloned() else {
            self.answers_checked.insert(qid);
            return Ok(());
        };
        let executor = self.executor(task.computation).await?;
        let gas = u64::from(task.gas_per_leaf);
        let max_bytes = self.map_leaf_bound(q.task).await?;
        let leaf_input = input.clone();
        let expected =
            tokio::task::spawn_blocking(move || executor.leaf(&leaf_input, gas, max_bytes))
                .await
                .map_err(|e| WatchError::Config(format!("the answer check panicked: {e}")))??;
        if expected == answer.output {
            info!(
                task = q.task,
                index = answer.index,
                "query answered with the right leaf"
            );
            self.answers_checked.insert(qid);
            return Ok(());
        }
        let Some(tx) = answer.tx else {
            self.answers_checked.insert(qid);
            return Ok(());
        };
        let found = self.rpc_result(
            "eth_getTransactionByHash",
            self.provider.get_transaction_by_hash(tx).await,
        )?;
        self.answers_checked.insert(qid);
        let call = found.and_then(|t| {
            use alloy::consensus::Transaction as _;
            use alloy::sol_types::SolCall as _;
            sonm_bindings::MapGame::answerQueryCall::abi_decode(t.input()).ok()
        });
        let Some(call) = call else {
            warn!(task = q.task, %tx, "the answer's proof is not in its transaction's calldata (sent through a contract?): cannot prove it wrong");
            return Ok(());
        };
        let input_proof = match inputs.proof(answer.index) {
            Ok(p) => p,
            Err(reason) => {
                warn!(%reason, "no input proof");
                return Ok(());
            }
        };
        self.metrics.cheat();
        info!(
            task = q.task,
            index = answer.index,
            "the answer is a wrong leaf: proving it"
        );
        self.verdicts.insert(
            (q.task, c.round),
            Verdict::Cheat(Arc::new(CheatPlan {
                index: answer.index,
                input,
                input_proof,
                output: answer.output,
                result_proof: call.resultProof,
            })),
        );
        Ok(())
    }

    /// The bot's own solver's result data (from its result URI), checked against its root.
    async fn own_results(
        &mut self,
        id: u64,
        c: &MapCommit,
    ) -> std::result::Result<Arc<LeafData>, String> {
        if let Some(r) = self.own_results.get(&(id, c.round)) {
            return Ok(r.clone());
        }
        let leaf_count = self
            .index
            .map_tasks
            .get(&id)
            .map(|t| t.leaf_count)
            .ok_or("unknown task")?;
        let fetched = self.fetch_results(&c.uri, c.root, leaf_count).await?;
        let root = c.root;
        let r = tokio::task::spawn_blocking(move || data::results(fetched, root, leaf_count))
            .await
            .map_err(|e| e.to_string())??;
        let r = Arc::new(r);
        self.own_results.insert((id, c.round), r.clone());
        Ok(r)
    }

    /// Once the challenge window of the bot's own solver's commitment is over with no open query: finalize.
    async fn finalize_own_map(&mut self, id: u64, c: &MapCommit, at: At) -> Result<()> {
        if !self.cfg.finalize_own {
            return Ok(());
        }
        let key = format!("map:finalize:{id}:{}", c.round);
        if self.sender.sent(&key) {
            return Ok(());
        }
        let t = self.rpc_result(
            "task",
            self.map
                .task(U256::from(id))
                .block(at.safe.into())
                .call()
                .await,
        )?;
        if t.status != TaskStatus::Committed
            || t.round.to::<u32>() != c.round
            || at.now < t.deadline.to::<u64>()
            || t.openQueries != 0
        {
            return Ok(());
        }
        let data = self.map.finalize(U256::from(id)).calldata().clone();
        let game = *self.map.address();
        self.send(&key, "finalize", game, data, at.head).await?;
        Ok(())
    }
}
