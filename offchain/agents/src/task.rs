//! Map tasks: the buyer posts and refunds, the solver claims, solves (honestly or, for tests and the demo,
//! cheating on chosen leaves) and commits, anyone finalizes.

use std::path::Path;

use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::{DynProvider, Provider as _};
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent as _;
use serde::Serialize;
use sonm_bindings::enums::IMapGame::QueryStatus;
pub use sonm_bindings::enums::IMapGame::TaskStatus;
use sonm_bindings::{Contract, IMapGame, MapGame};
use sonm_executor::Executor;
use sonm_merkle::{BuildOptions, IndexedTree};
use tracing::info;

use crate::computation::Computations;
use crate::proof::proof_commitment;
use crate::token::{Approval, Token};
use crate::units::ser_dec;
use crate::{AgentError, Client, Result};

/// A map task as stored, in plain types.
#[derive(Clone, Debug, Serialize)]
pub struct TaskInfo {
    /// The task's id.
    pub id: u64,
    /// Its status.
    pub status: TaskStatus,
    /// Who posted it.
    pub buyer: Address,
    /// The computation (its deployed code is the task's semantics).
    pub computation: Address,
    /// Root of the input tree.
    pub input_root: B256,
    /// Number of leaves.
    pub leaf_count: u64,
    /// Gas each leaf is evaluated with.
    pub gas_per_leaf: u32,
    /// The most bytes a leaf's input or output may have (the DAO's bound when the task was posted): a longer
    /// output is malformed, as if the leaf had failed.
    pub max_leaf_bytes: u32,
    /// The escrowed reward.
    #[serde(serialize_with = "ser_dec")]
    pub reward: U256,
    /// The solver's bond.
    #[serde(serialize_with = "ser_dec")]
    pub solver_bond: U256,
    /// A query's bond.
    #[serde(serialize_with = "ser_dec")]
    pub challenger_bond: U256,
    /// No commit at or after this time.
    pub commit_deadline: u64,
    /// The current solver (zero if none).
    pub solver: Address,
    /// While Claimed: commit by; while Committed: end of the challenge window.
    pub deadline: u64,
    /// How many claims the task has seen.
    pub round: u32,
    /// Unanswered queries.
    pub open_queries: u16,
    /// How many answers moved the live commitment's challenge window (at most the game's `MAX_EXTENSIONS`).
    pub extensions: u8,
    /// The committed result root (zero if none).
    pub result_root: B256,
    /// The deal's terms if the task is a market deal (its solver is a hub wallet), `None` for an open task.
    pub deal: Option<DealTerms>,
}

/// What a market deal's task keeps beyond a task: the hub's own windows (`IMapGame.DealTerms`). A deal never
/// reopens: a proven cheat, an unanswered query or no commit ends it, its escrow back to the buyer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DealTerms {
    /// Seconds a committed result may be challenged (instead of the DAO's).
    pub challenge_window: u32,
    /// Seconds the hub has to answer a query (instead of the DAO's).
    pub response_window: u32,
    /// Until when (unix time, exclusive) the hub may decline the uncommitted deal: half its turnaround after the
    /// take (docs/protocol.md, "Declining").
    pub decline_by: u64,
}

impl From<IMapGame::DealTerms> for DealTerms {
    fn from(d: IMapGame::DealTerms) -> Self {
        Self {
            challenge_window: d.challengeWindow,
            response_window: d.responseWindow,
            decline_by: d.declineBy.to::<u64>(),
        }
    }
}

impl TaskInfo {
    /// Whether the task is a market deal.
    pub fn is_deal(&self) -> bool {
        self.deal.is_some()
    }

    fn new(id: u64, t: IMapGame::Task, deal: Option<DealTerms>) -> Result<Self> {
        Ok(Self {
            id,
            status: TaskStatus::try_from(t.status)?,
            buyer: t.buyer,
            computation: t.computation,
            input_root: t.inputRoot,
            leaf_count: t.leafCount,
            gas_per_leaf: t.gasPerLeaf,
            max_leaf_bytes: u32::from(t.maxLeafBytes),
            reward: U256::from(t.reward),
            solver_bond: U256::from(t.solverBond),
            challenger_bond: U256::from(t.challengerBond),
            commit_deadline: t.commitDeadline.to::<u64>(),
            solver: t.solver,
            deadline: t.deadline.to::<u64>(),
            round: t.round.to::<u32>(),
            open_queries: t.openQueries,
            extensions: t.extensions,
            result_root: t.resultRoot,
            deal,
        })
    }
}

/// What a buyer posts, in plain types.
#[derive(Clone, Debug)]
pub struct PostSpec {
    /// The computation contract.
    pub computation: Address,
    /// Gas per leaf.
    pub gas_per_leaf: u32,
    /// Reward, escrowed at posting.
    pub reward: U256,
    /// The solver's bond.
    pub solver_bond: U256,
    /// A query's bond.
    pub challenger_bond: U256,
    /// Unix time after which no result may be committed.
    pub commit_deadline: u64,
    /// Where the inputs are (a file path or URL), emitted with the task.
    pub input_uri: String,
}

/// What posting did.
#[derive(Clone, Debug, Serialize)]
pub struct Posted {
    /// The new task's id.
    pub task: u64,
    /// The input tree's root.
    pub input_root: B256,
    /// Number of leaves.
    pub leaf_count: u64,
    /// The reward's approval.
    pub approval: Approval,
    /// The posting transaction.
    pub tx: B256,
}

/// A task seen in the game's events.
#[derive(Clone, Debug, Serialize)]
pub struct PostedTask {
    /// Its id.
    pub id: u64,
    /// Its buyer.
    pub buyer: Address,
    /// Where its inputs are.
    pub input_uri: String,
}

/// A proof of cheat, ready to commit and reveal.
#[derive(Debug)]
struct CheatProof {
    commitment: B256,
    salt: B256,
    proof: IMapGame::CheatProof,
}

/// What `commit_proof` did.
#[derive(Clone, Debug, Serialize)]
pub struct ProofCommitted {
    /// The proof commitment.
    pub commitment: B256,
    /// The `commitProof` transaction; `None` when this key had already committed it.
    pub tx: Option<B256>,
}

/// What `prove_cheat` did.
#[derive(Clone, Debug, Serialize)]
pub struct CheatProven {
    /// The proof commitment.
    pub commitment: B256,
    /// The `commitProof` transaction; `None` when this key had already committed it.
    pub commit_tx: Option<B256>,
    /// The `proveCheat` transaction.
    pub tx: B256,
}

/// How a solver computes: honestly, or (for tests and the demo) with wrong outputs at chosen leaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SolveMode {
    /// Every leaf as the executor computes it.
    #[default]
    Honest,
    /// The outputs at these indices are falsified (one byte flipped, or `0x01` for an empty output).
    Cheat(Vec<u64>),
}

/// The map game: the roles' calls and its views.
#[derive(Clone, Debug)]
pub struct MapTasks {
    client: Client,
    game: MapGame::MapGameInstance<DynProvider>,
}

/// Reads the leaf inputs from a file: a JSON array of hex strings, or a Merkle dump of `(uint256, bytes)` leaves.
pub fn read_inputs(path: &Path) -> Result<Vec<Bytes>> {
    let text = std::fs::read_to_string(path).map_err(|source| AgentError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    let malformed = |reason: String| AgentError::Malformed {
        path: path.to_owned(),
        reason,
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| malformed(format!("not JSON ({e})")))?;
    if json.is_object() {
        let tree = IndexedTree::from_json(&text).map_err(|e| malformed(e.to_string()))?;
        let mut leaves: Vec<_> = tree.values().to_vec();
        leaves.sort_by_key(|l| l.index);
        for (i, l) in leaves.iter().enumerate() {
            if l.index != U256::from(i) {
                return Err(malformed(format!(
                    "leaf indices must be 0..{}, found {}",
                    leaves.len(),
                    l.index
                )));
            }
        }
        return Ok(leaves.into_iter().map(|l| l.data).collect());
    }
    let items = json
        .as_array()
        .ok_or_else(|| malformed("expected a JSON array of hex strings or a dump".into()))?;
    if items.is_empty() {
        return Err(malformed(
            "no inputs: a task needs at least one leaf".into(),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str()
                .and_then(|s| alloy::hex::decode(s).ok())
                .map(Bytes::from)
                .ok_or_else(|| malformed(format!("input {i} is not a hex string")))
        })
        .collect()
}

/// Writes a tree's dump (the `@openzeppelin/merkle-tree` format).
pub fn write_dump(tree: &IndexedTree, path: &Path) -> Result<()> {
    std::fs::write(path, tree.to_json()).map_err(|source| AgentError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}

impl MapTasks {
    /// The deployment's map game.
    pub fn new(client: &Client) -> Result<Self> {
        let game = MapGame::new(
            client.address(Contract::MapGame)?,
            client.provider_ref().clone(),
        );
        Ok(Self {
            client: client.clone(),
            game,
        })
    }

    /// The game's address.
    pub fn address(&self) -> Address {
        *self.game.address()
    }

    /// A task; [`AgentError::WrongAddress`]-like error if it was never posted.
    pub async fn task(&self, id: u64) -> Result<TaskInfo> {
        let t = self
            .game
            .task(U256::from(id))
            .call()
            .await
            .map_err(|e| self.client.classify("task", &e))?;
        let deal = if t.isDeal {
            let terms = self
                .game
                .dealTerms(U256::from(id))
                .call()
                .await
                .map_err(|e| self.client.classify("dealTerms", &e))?;
            Some(DealTerms::from(terms))
        } else {
            None
        };
        let info = TaskInfo::new(id, t, deal)?;
        if info.status == TaskStatus::None {
            return Err(AgentError::Invalid(format!(
                "task {id} does not exist: list tasks with `sonm map list`"
            )));
        }
        Ok(info)
    }

    fn require_status(info: &TaskInfo, allowed: &[TaskStatus], what: &str) -> Result<()> {
        if !allowed.contains(&info.status) {
            let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            return Err(AgentError::WrongState(format!(
                "task {} is {}: {what} needs {}",
                info.id,
                info.status,
                allowed.join(" or ")
            )));
        }
        Ok(())
    }

    /// Every task posted since the deployment, with its input URI.
    pub async fn list(&self) -> Result<Vec<PostedTask>> {
        let filter = Filter::new()
            .address(self.address())
            .event_signature(MapGame::TaskPosted::SIGNATURE_HASH)
            .from_block(self.client.deployment().start_block);
        let logs = self
            .client
            .provider_ref()
            .get_logs(&filter)
            .await
            .map_err(self.client.rpc_err("eth_getLogs"))?;
        let mut tasks = Vec::new();
        for log in logs {
            let Ok(ev) = log.log_decode::<MapGame::TaskPosted>() else {
                continue;
            };
            let ev = ev.inner.data;
            tasks.push(PostedTask {
                id: ev.taskId.saturating_to(),
                buyer: ev.buyer,
                input_uri: ev.inputURI,
            });
        }
        Ok(tasks)
    }

    /// The input URI a task was posted with.
    pub async fn input_uri(&self, id: u64) -> Result<String> {
        self.list()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.input_uri)
            .ok_or_else(|| {
                AgentError::Invalid(format!(
                    "task {id} has no TaskPosted event since the deployment"
                ))
            })
    }

    /// Buyer: the input tree of `inputs` (what a task or a deal names by its root), refused if an input is longer
    /// than the game's `maxLeafBytes` (the game never judges such a leaf, so a solver could cheat on it unpunished).
    pub async fn input_tree(&self, inputs: &[Bytes]) -> Result<IndexedTree> {
        let max = self.parameters().await?.maxLeafBytes;
        if let Some((i, input)) = inputs
            .iter()
            .enumerate()
            .find(|(_, input)| input.len() > max as usize)
        {
            return Err(AgentError::Invalid(format!(
                "input {i} has {} bytes, more than the game's maxLeafBytes ({max}): split it into smaller leaves",
                input.len()
            )));
        }
        Ok(IndexedTree::from_data(
            inputs.iter().cloned(),
            BuildOptions::default(),
        )?)
    }

    /// Buyer: builds the input tree of `inputs`, approves exactly the reward and posts the task. Refused before
    /// anything is sent if the computation is not registered (the game would refuse it) or an input is longer than
    /// the game's `maxLeafBytes` (the game never judges such a leaf, so a solver could cheat on it unpunished).
    pub async fn post(&self, spec: PostSpec, inputs: &[Bytes]) -> Result<Posted> {
        Computations::new(&self.client)?
            .require_registered(spec.computation, "posting a task on it")
            .await?;
        let tree = self.input_tree(inputs).await?;
        let approval = Token::new(&self.client)?
            .ensure_allowance(self.address(), spec.reward, "posting the task")
            .await?;
        let to_u96 = |v: U256, what: &str| {
            u128::try_from(v)
                .ok()
                .and_then(|v| alloy::primitives::aliases::U96::try_from(v).ok())
                .ok_or_else(|| {
                    AgentError::Invalid(format!("{what} is too large (at most 2^96 wei)"))
                })
        };
        let task_spec = IMapGame::TaskSpec {
            computation: spec.computation,
            inputRoot: tree.root(),
            leafCount: tree.len() as u64,
            gasPerLeaf: spec.gas_per_leaf,
            reward: to_u96(spec.reward, "the reward")?,
            solverBond: to_u96(spec.solver_bond, "the solver bond")?,
            challengerBond: to_u96(spec.challenger_bond, "the challenger bond")?,
            commitDeadline: alloy::primitives::aliases::U40::from(spec.commit_deadline),
        };
        let receipt = self
            .client
            .send("post", self.game.post(task_spec, spec.input_uri))
            .await?;
        let task = receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<MapGame::TaskPosted>().ok())
            .map(|log| log.inner.data.taskId.saturating_to())
            .ok_or_else(|| AgentError::Rpc {
                what: "post".into(),
                reason: "the receipt has no TaskPosted event".into(),
            })?;
        info!(task, root = %tree.root(), leaves = tree.len(), "task posted");
        Ok(Posted {
            task,
            input_root: tree.root(),
            leaf_count: tree.len() as u64,
            approval,
            tx: receipt.transaction_hash,
        })
    }

    /// Solver: approves exactly the solver bond and claims an open task.
    pub async fn claim(&self, id: u64) -> Result<(Approval, B256)> {
        let info = self.task(id).await?;
        if !(info.status == TaskStatus::Open
            || (info.status == TaskStatus::Claimed && self.client.now().await? >= info.deadline))
        {
            Self::require_status(&info, &[TaskStatus::Open], "claim")?;
        }
        let approval = Token::new(&self.client)?
            .ensure_allowance(self.address(), info.solver_bond, "the solver bond")
            .await?;
        let receipt = self
            .client
            .send("claim", self.game.claim(U256::from(id)))
            .await?;
        Ok((approval, receipt.transaction_hash))
    }

    /// Solver: computes every leaf with the executor (the computation's code read from the chain, the judge's gas
    /// semantics), checks the inputs against the task's input root and returns the result tree. `progress` is
    /// called with the number of leaves done.
    pub async fn solve(
        &self,
        id: u64,
        inputs: &[Bytes],
        mode: &SolveMode,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<IndexedTree> {
        let info = self.task(id).await?;
        let input_tree = IndexedTree::from_data(inputs.iter().cloned(), BuildOptions::default())?;
        if input_tree.root() != info.input_root || input_tree.len() as u64 != info.leaf_count {
            return Err(AgentError::Invalid(format!(
                "these inputs ({} leaves, root {}) are not task {id}'s ({} leaves, root {}): use the task's input file",
                input_tree.len(),
                input_tree.root(),
                info.leaf_count,
                info.input_root
            )));
        }
        let judge = self.client.address(Contract::JudgeHarness)?;
        let executor =
            Executor::from_chain(self.client.provider_ref(), judge, info.computation).await?;
        let mut outputs = Vec::with_capacity(inputs.len());
        const CHUNK: usize = 32;
        for chunk in inputs.chunks(CHUNK) {
            outputs.extend(executor.leaves(
                chunk,
                u64::from(info.gas_per_leaf),
                info.max_leaf_bytes,
            )?);
            progress(outputs.len() as u64);
        }
        if let SolveMode::Cheat(indices) = mode {
            for &i in indices {
                let Some(out) = outputs.get_mut(i as usize) else {
                    return Err(AgentError::Invalid(format!(
                        "cheat index {i} is not a leaf (task has {})",
                        info.leaf_count
                    )));
                };
                let mut bytes = out.to_vec();
                match bytes.first_mut() {
                    Some(b) => *b ^= 0xff,
                    None => bytes.push(1),
                }
                *out = Bytes::from(bytes);
            }
        }
        Ok(IndexedTree::from_data(outputs, BuildOptions::default())?)
    }

    /// Solver: commits a result root and where the results are.
    pub async fn commit(&self, id: u64, result_root: B256, result_uri: String) -> Result<B256> {
        let info = self.task(id).await?;
        Self::require_status(&info, &[TaskStatus::Claimed], "commit")?;
        let me = self.client.sender()?;
        if info.solver != me {
            // A deal's solver is a hub wallet: its owner or operator commits for it.
            if !info.is_deal() {
                return Err(AgentError::WrongState(format!(
                    "task {id} is claimed by {}, not by {me}",
                    info.solver
                )));
            }
            if !self.acts_for(info.solver, me).await? {
                return Err(AgentError::WrongState(format!(
                    "task {id} is a deal of hub {}, and {me} is neither its owner nor its operator: commit with \
                     the hub's operator key",
                    info.solver
                )));
            }
        }
        let receipt = self
            .client
            .send(
                "commit",
                self.game.commit(U256::from(id), result_root, result_uri),
            )
            .await?;
        Ok(receipt.transaction_hash)
    }

    /// Whether `account` acts for the hub wallet `hub` (its owner or operator), asked as the game asks it of a
    /// deal's committer or decliner: `Market.actsFor`.
    pub async fn acts_for(&self, hub: Address, account: Address) -> Result<bool> {
        sonm_bindings::Market::new(
            self.client.address(Contract::Market)?,
            self.client.provider_ref().clone(),
        )
        .actsFor(hub, account)
        .call()
        .await
        .map_err(|e| self.client.classify("actsFor", &e))
    }

    /// The game's bounds of a deal's windows and turnaround: `(MIN_WINDOW, MAX_WINDOW)` in seconds.
    pub async fn window_bounds(&self) -> Result<(u32, u32)> {
        let min = self
            .game
            .MIN_WINDOW()
            .call()
            .await
            .map_err(|e| self.client.classify("MIN_WINDOW", &e))?;
        let max = self
            .game
            .MAX_WINDOW()
            .call()
            .await
            .map_err(|e| self.client.classify("MAX_WINDOW", &e))?;
        Ok((min, max))
    }

    /// A deal's task; an error that says so if the task is an open task.
    async fn deal(&self, id: u64) -> Result<TaskInfo> {
        let info = self.task(id).await?;
        if !info.is_deal() {
            return Err(AgentError::WrongState(format!(
                "task {id} is an open task, not a market deal: use `sonm map` for it"
            )));
        }
        Ok(info)
    }

    /// Buyer of a deal: accepts the committed result at once, ending its challenge window; the reward and the bond
    /// go to the hub wallet. Not while a query is open.
    pub async fn accept(&self, id: u64) -> Result<B256> {
        let info = self.deal(id).await?;
        Self::require_status(&info, &[TaskStatus::Committed], "accepting the result")?;
        let me = self.client.sender()?;
        if info.buyer != me {
            return Err(AgentError::WrongState(format!(
                "deal {id} was bought by {}, not by {me}: only its buyer accepts the result",
                info.buyer
            )));
        }
        if info.open_queries != 0 {
            return Err(AgentError::WrongState(format!(
                "deal {id} has {} open queries: the result can be accepted once they are answered",
                info.open_queries
            )));
        }
        let r = self
            .client
            .send("accept", self.game.accept(U256::from(id)))
            .await?;
        info!(deal = id, hub = %info.solver, "result accepted");
        Ok(r.transaction_hash)
    }

    /// Buyer of an uncommitted deal whose hub became Suspected or Punished: takes the escrow back (the bond returns
    /// to a Suspected wallet, or goes to the DAO if Punished).
    pub async fn cancel_deal(&self, id: u64) -> Result<B256> {
        let info = self.deal(id).await?;
        Self::require_status(&info, &[TaskStatus::Claimed], "cancelling the deal")?;
        let me = self.client.sender()?;
        if info.buyer != me {
            return Err(AgentError::WrongState(format!(
                "deal {id} was bought by {}, not by {me}: only its buyer cancels it",
                info.buyer
            )));
        }
        let state = crate::Hubs::new(&self.client)?.state(info.solver).await?;
        if !matches!(
            state,
            crate::HubState::Suspected | crate::HubState::Punished
        ) {
            return Err(AgentError::WrongState(format!(
                "hub {} is {state}: a deal can be cancelled only while its hub is Suspected or Punished (else \
                 wait for the commit, or for its deadline {} (unix time) and `sonm map forfeit-claim {id}`)",
                info.solver, info.deadline
            )));
        }
        let r = self
            .client
            .send("cancelDeal", self.game.cancelDeal(U256::from(id)))
            .await?;
        info!(deal = id, hub = %info.solver, %state, "deal cancelled");
        Ok(r.transaction_hash)
    }

    /// Hub (its owner or operator): declines an uncommitted deal before its `declineBy` (half the turnaround after
    /// the take), typically because the buyer does not serve the inputs behind the deal's input root. The escrow
    /// goes back to the buyer, the bond back to the wallet; the hub's history counts it as declined, not as a
    /// fault. Refused before anything is sent if the task is no deal, is not Claimed, the key does not act for the
    /// hub, or the decline window has closed.
    pub async fn decline_deal(&self, id: u64) -> Result<B256> {
        let info = self.deal(id).await?;
        Self::require_status(&info, &[TaskStatus::Claimed], "declining the deal")?;
        let me = self.client.sender()?;
        if !self.acts_for(info.solver, me).await? {
            return Err(AgentError::WrongState(format!(
                "deal {id} is hub {}'s, and {me} is neither its owner nor its operator: only they may decline it",
                info.solver
            )));
        }
        let decline_by = info.deal.map_or(0, |d| d.decline_by);
        let now = self.client.now().await?;
        if now >= decline_by {
            return Err(AgentError::WrongState(format!(
                "deal {id} could be declined until {decline_by} (unix time), {} s ago: commit by {} or lose the \
                 bond",
                now - decline_by,
                info.deadline
            )));
        }
        let r = self
            .client
            .send("declineDeal", self.game.declineDeal(U256::from(id)))
            .await?;
        info!(deal = id, hub = %info.solver, buyer = %info.buyer, "deal declined");
        Ok(r.transaction_hash)
    }

    /// Anyone: pays the solver once the challenge window passed with no cheat and no open query.
    pub async fn finalize(&self, id: u64) -> Result<B256> {
        let info = self.task(id).await?;
        Self::require_status(&info, &[TaskStatus::Committed], "finalize")?;
        self.client
            .not_before(
                info.deadline,
                &format!("task {id}'s challenge window is open until"),
                "",
            )
            .await?;
        Ok(self
            .client
            .send("finalize", self.game.finalize(U256::from(id)))
            .await?
            .transaction_hash)
    }

    /// Buyer (while open) or anyone (after the commit deadline with no result): takes the reward back.
    pub async fn refund(&self, id: u64) -> Result<B256> {
        let info = self.task(id).await?;
        if info.status != TaskStatus::Claimed {
            Self::require_status(&info, &[TaskStatus::Open], "refund")?;
        }
        Ok(self
            .client
            .send("refund", self.game.refund(U256::from(id)))
            .await?
            .transaction_hash)
    }

    /// Anyone: ends a claim whose solver let its deadline pass without committing. The solver's bond goes to the
    /// buyer (whoever sends this) and the task reopens for another claim.
    pub async fn forfeit_claim(&self, id: u64) -> Result<B256> {
        let info = self.task(id).await?;
        Self::require_status(&info, &[TaskStatus::Claimed], "forfeiting a claim")?;
        self.client
            .not_before(
                info.deadline,
                &format!("task {id}'s claim runs until"),
                ": its solver may still commit",
            )
            .await?;
        let r = self
            .client
            .send("forfeitClaim", self.game.forfeitClaim(U256::from(id)))
            .await?;
        info!(task = id, solver = %info.solver, "claim forfeited");
        Ok(r.transaction_hash)
    }

    /// A query; an error if it was never opened.
    async fn query(&self, id: u64) -> Result<IMapGame::Query> {
        let q = self
            .game
            .query(U256::from(id))
            .call()
            .await
            .map_err(|e| self.client.classify("query", &e))?;
        if q.status == QueryStatus::None {
            return Err(AgentError::Invalid(format!("query {id} does not exist")));
        }
        Ok(q)
    }

    /// Anyone: returns a query's bond to its challenger once the commitment it asked about is gone (slashed through
    /// another proof or query), so the solver can no longer answer it.
    pub async fn reclaim_query_bond(&self, query: u64) -> Result<B256> {
        let q = self.query(query).await?;
        if q.status != QueryStatus::Open {
            let status = QueryStatus::try_from(q.status)?;
            return Err(AgentError::WrongState(format!(
                "query {query} is {status}: reclaiming its bond needs Open"
            )));
        }
        let task = self.task(q.taskId).await?;
        if task.status == TaskStatus::Committed && task.round == q.round.to::<u32>() {
            let deadline = q.deadline.to::<u64>();
            let next = if self.client.now().await? < deadline {
                format!("its solver may answer until {deadline} (unix time)")
            } else {
                format!(
                    "it went unanswered: `sonm map timeout-query {query}` slashes the solver and returns the bond"
                )
            };
            return Err(AgentError::WrongState(format!(
                "query {query} asks about task {}'s live commitment, so its bond cannot be reclaimed: {next}",
                q.taskId
            )));
        }
        let r = self
            .client
            .send(
                "reclaimQueryBond",
                self.game.reclaimQueryBond(U256::from(query)),
            )
            .await?;
        info!(query, task = q.taskId, challenger = %q.challenger, "query bond reclaimed");
        Ok(r.transaction_hash)
    }

    /// The result URI of the live commitment (from its `ResultCommitted` event).
    pub async fn result_uri(&self, id: u64) -> Result<String> {
        let info = self.task(id).await?;
        let filter = Filter::new()
            .address(self.address())
            .event_signature(MapGame::ResultCommitted::SIGNATURE_HASH)
            .topic1(U256::from(id))
            .from_block(self.client.deployment().start_block);
        let logs = self
            .client
            .provider_ref()
            .get_logs(&filter)
            .await
            .map_err(self.client.rpc_err("eth_getLogs"))?;
        logs.iter()
            .filter_map(|l| l.log_decode::<MapGame::ResultCommitted>().ok())
            .map(|l| l.inner.data)
            .filter(|e| e.resultRoot == info.result_root)
            .last()
            .map(|e| e.resultURI)
            .ok_or_else(|| AgentError::WrongState(format!("task {id} has no committed result")))
    }

    /// Watcher: recomputes every leaf of a committed task and compares with the solver's result tree. Returns the
    /// first index whose committed output is not what the computation outputs, or `None` if the result is right.
    pub async fn find_cheat(
        &self,
        id: u64,
        inputs: &[Bytes],
        results: &IndexedTree,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Option<u64>> {
        let info = self.task(id).await?;
        Self::require_status(&info, &[TaskStatus::Committed], "a challenge")?;
        if results.root() != info.result_root {
            return Err(AgentError::Invalid(format!(
                "the result dump's root {} is not the committed root {}: the data is wrong or withheld, open a query (`sonm map open-query`)",
                results.root(),
                info.result_root
            )));
        }
        let honest = self.solve(id, inputs, &SolveMode::Honest, progress).await?;
        for (i, leaf) in honest.values().iter().enumerate() {
            let claimed = results.values().iter().find(|l| l.index == leaf.index);
            if claimed.map(|l| &l.data) != Some(&leaf.data) {
                return Ok(Some(i as u64));
            }
        }
        Ok(None)
    }

    /// The proof of the cheat at leaf `index` of the live commitment: the revealed proof, its salt and its
    /// commitment ([`crate::proof`]).
    fn cheat_proof(
        &self,
        info: &TaskInfo,
        inputs: &[Bytes],
        results: &IndexedTree,
        index: u64,
    ) -> Result<CheatProof> {
        let me = self.client.sender()?;
        let input = usize::try_from(index)
            .ok()
            .and_then(|i| inputs.get(i))
            .cloned()
            .ok_or_else(|| AgentError::Invalid(format!("the inputs have no leaf {index}")))?;
        let input_tree = IndexedTree::from_data(inputs.iter().cloned(), BuildOptions::default())?;
        let input_proof = input_tree.proof(index as usize)?;
        let position = results
            .values()
            .iter()
            .position(|l| l.index == U256::from(index))
            .ok_or_else(|| AgentError::Invalid(format!("the result dump has no leaf {index}")))?;
        let output = results.values()[position].data.clone();
        let result_proof = results.proof(position)?;
        let salt = self.client.salt_seed()?.salt(
            self.client.chain_id(),
            self.address(),
            info.id,
            info.round,
            index,
        );
        let commitment = proof_commitment(me, info.id, index, &input, &output, salt);
        Ok(CheatProof {
            commitment,
            salt,
            proof: IMapGame::CheatProof {
                index: U256::from(index),
                input,
                inputProof: input_proof,
                output,
                resultProof: result_proof,
            },
        })
    }

    /// Sends `commitProof(commitment)` unless it was committed already (by this key: the commitment binds the
    /// challenger). The transaction, if one was sent.
    async fn ensure_committed(&self, commitment: B256) -> Result<Option<B256>> {
        let committed_at = self
            .game
            .proofCommitBlock(commitment)
            .call()
            .await
            .map_err(|e| self.client.classify("proofCommitBlock", &e))?;
        if !committed_at.is_zero() {
            return Ok(None);
        }
        let r = self
            .client
            .send("commitProof", self.game.commitProof(commitment))
            .await?;
        Ok(Some(r.transaction_hash))
    }

    /// Challenger: the first half of a proof of cheat, `commitProof` for the wrong leaf `index`. The salt is derived
    /// from the key, so nothing needs to be kept for the reveal (`prove_cheat`, or a watcher with the same key). A
    /// commitment already made with this key is found and not sent again (`tx` is then `None`).
    pub async fn commit_proof(
        &self,
        id: u64,
        inputs: &[Bytes],
        results: &IndexedTree,
        index: u64,
    ) -> Result<ProofCommitted> {
        let info = self.task(id).await?;
        Self::require_status(&info, &[TaskStatus::Committed], "a proof of cheat")?;
        let plan = self.cheat_proof(&info, inputs, results, index)?;
        let tx = self.ensure_committed(plan.commitment).await?;
        info!(task = id, index, commitment = %plan.commitment, sent = tx.is_some(), "proof committed");
        Ok(ProofCommitted {
            commitment: plan.commitment,
            tx,
        })
    }

    /// Challenger: proves the cheat at leaf `index`: commits the proof unless this key already did (here or in a
    /// watcher), then reveals it in a later block.
    pub async fn prove_cheat(
        &self,
        id: u64,
        inputs: &[Bytes],
        results: &IndexedTree,
        index: u64,
    ) -> Result<CheatProven> {
        let info = self.task(id).await?;
        Self::require_status(&info, &[TaskStatus::Committed], "a proof of cheat")?;
        let plan = self.cheat_proof(&info, inputs, results, index)?;
        let commit_tx = self.ensure_committed(plan.commitment).await?;
        // Any transaction sent after the commitment's receipt lands in a later block; simulate it in the pending
        // block, where the contract sees that later block number.
        let call = self
            .game
            .proveCheat(U256::from(id), plan.proof, plan.salt)
            .block(alloy::eips::BlockId::pending());
        let r = self.client.send("proveCheat", call).await?;
        info!(task = id, index, "cheat proven");
        Ok(CheatProven {
            commitment: plan.commitment,
            commit_tx,
            tx: r.transaction_hash,
        })
    }

    /// Challenger: asks the solver for its result leaf at `index`, approving exactly the query bond.
    pub async fn open_query(&self, id: u64, index: u64) -> Result<(u64, Approval, B256)> {
        let info = self.task(id).await?;
        Self::require_status(&info, &[TaskStatus::Committed], "a query")?;
        if index >= info.leaf_count {
            return Err(AgentError::Invalid(format!(
                "index {index} is not a leaf: task {id} has {}",
                info.leaf_count
            )));
        }
        let approval = Token::new(&self.client)?
            .ensure_allowance(self.address(), info.challenger_bond, "the query bond")
            .await?;
        let r = self
            .client
            .send(
                "openQuery",
                self.game.openQuery(U256::from(id), U256::from(index)),
            )
            .await?;
        let query = r
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<MapGame::QueryOpened>().ok())
            .map(|l| l.inner.data.queryId.saturating_to())
            .ok_or_else(|| AgentError::Rpc {
                what: "openQuery".into(),
                reason: "no QueryOpened event".into(),
            })?;
        Ok((query, approval, r.transaction_hash))
    }

    /// Solver (or anyone holding the data): answers a query with the result leaf and its proof.
    pub async fn answer_query(&self, query: u64, results: &IndexedTree) -> Result<B256> {
        let q = self.query(query).await?;
        if q.status != QueryStatus::Open {
            return Err(AgentError::WrongState(format!("query {query} is not open")));
        }
        let position = results
            .values()
            .iter()
            .position(|l| l.index == U256::from(q.index))
            .ok_or_else(|| {
                AgentError::Invalid(format!("the result dump has no leaf {}", q.index))
            })?;
        let output = results.values()[position].data.clone();
        let proof = results.proof(position)?;
        let r = self
            .client
            .send(
                "answerQuery",
                self.game.answerQuery(U256::from(query), output, proof),
            )
            .await?;
        Ok(r.transaction_hash)
    }

    /// Anyone: slashes a solver that let a query's answer window pass.
    pub async fn timeout_query(&self, query: u64) -> Result<B256> {
        let r = self
            .client
            .send("timeoutQuery", self.game.timeoutQuery(U256::from(query)))
            .await?;
        Ok(r.transaction_hash)
    }

    /// The game's parameters (bond minimums, windows, challenger share, gas cap).
    pub async fn parameters(&self) -> Result<IMapGame::Parameters> {
        self.game
            .parameters()
            .call()
            .await
            .map_err(|e| self.client.classify("parameters", &e))
    }
}

/// Inputs of a Mandelbrot image for the `MandelbrotRow` computation: one leaf per row,
/// `abi.encode(uint32 row, uint32 width, uint32 height, int64 centerX, int64 centerY, uint64 step, uint8 maxIter)`
/// with coordinates in fixed point (60 fractional bits).
pub fn mandelbrot_inputs(
    width: u32,
    height: u32,
    center: (f64, f64),
    step: f64,
    max_iter: u8,
) -> Vec<Bytes> {
    use alloy::dyn_abi::DynSolValue as V;
    use alloy::primitives::I256;
    let one = (1u64 << 60) as f64;
    let fixed = |v: f64| V::Int(I256::try_from((v * one) as i64).unwrap_or_default(), 64);
    let step = V::Uint(U256::from((step * one) as u64), 64);
    (0..height)
        .map(|row| {
            let values = vec![
                V::Uint(U256::from(row), 32),
                V::Uint(U256::from(width), 32),
                V::Uint(U256::from(height), 32),
                fixed(center.0),
                fixed(center.1),
                step.clone(),
                V::Uint(U256::from(max_iter), 8),
            ];
            Bytes::from(V::Tuple(values).abi_encode_params())
        })
        .collect()
}
