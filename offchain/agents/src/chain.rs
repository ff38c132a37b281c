//! Chain tasks and their bisection disputes: the buyer posts, the solver claims, computes the final hash and
//! commits (or, for tests and the demo, commits a wrong one), a challenger disputes, and both sides play the
//! bisection with the executor's checkpointed runs.

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider as _};
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent as _;
use serde::Serialize;
pub use sonm_bindings::enums::IChainGame::{DisputePhase, TaskStatus as ChainTaskStatus};
use sonm_bindings::{ChainGame, Contract, IChainGame};
use sonm_executor::{ChainRun, ChainSpec, Executor};
use tracing::info;

use crate::computation::Computations;
use crate::token::{Approval, Token};
use crate::units::ser_dec;
use crate::{AgentError, Client, Result};

/// A chain task, in plain types.
#[derive(Clone, Debug, Serialize)]
pub struct ChainTaskInfo {
    /// Its id.
    pub id: u64,
    /// Where it is in its life.
    pub status: ChainTaskStatus,
    /// Who posted it.
    pub buyer: Address,
    /// The computation.
    pub computation: Address,
    /// N steps.
    pub steps: u64,
    /// Gas per step.
    pub gas_per_step: u32,
    /// The most bytes a state may have (the DAO's bound when the task was posted): a step returning a longer one
    /// halts.
    pub max_state_bytes: u32,
    /// Each side's clock in a dispute, seconds.
    pub clock: u32,
    /// The reward.
    #[serde(serialize_with = "ser_dec")]
    pub reward: U256,
    /// The solver's bond.
    #[serde(serialize_with = "ser_dec")]
    pub solver_bond: U256,
    /// The challenger's bond.
    #[serde(serialize_with = "ser_dec")]
    pub challenger_bond: U256,
    /// The current solver.
    pub solver: Address,
    /// When the current claim was made (0 if none).
    pub claimed_at: u64,
    /// How long a claimer has to commit, seconds.
    pub claim_window: u32,
    /// No claim or commitment at or after this time; the buyer may be refunded from then on.
    pub commit_deadline: u64,
    /// Which commitment is live: the commitments slashed so far.
    pub round: u32,
    /// Disputes of this round not yet decided.
    pub open_disputes: u32,
    /// Hash of the initial state.
    pub initial_hash: B256,
    /// The committed final hash.
    pub final_hash: B256,
    /// When the commitment was made (challenges until then + the challenge window).
    pub committed_at: u64,
    /// The challenge window, seconds.
    pub challenge_window: u32,
}

impl ChainTaskInfo {
    /// While Claimed: the time from which the claim may be forfeited (the claim window's end, cut short by the
    /// commit deadline), as the game computes it.
    pub fn commit_by(&self) -> u64 {
        (self.claimed_at + u64::from(self.claim_window)).min(self.commit_deadline)
    }
}

/// A dispute, in plain types.
#[derive(Clone, Debug, Serialize)]
pub struct DisputeInfo {
    /// Its id.
    pub id: u64,
    /// The challenger.
    pub challenger: Address,
    /// The task.
    pub task: u64,
    /// The round of the commitment it is about.
    pub round: u32,
    /// Where it is.
    pub phase: DisputePhase,
    /// Highest agreed step.
    pub lo: u64,
    /// Lowest disputed step.
    pub hi: u64,
    /// The midpoint to reveal or answer.
    pub mid: u64,
    /// Hash at `lo`.
    pub lo_hash: B256,
    /// The solver's hash at `hi`.
    pub hi_hash: B256,
    /// The solver's revealed hash at `mid` (during Answer).
    pub mid_hash: B256,
    /// The solver's time left as of the last move.
    pub solver_clock: u32,
    /// The challenger's time left as of the last move.
    pub challenger_clock: u32,
    /// When the last move was made.
    pub last_move_at: u64,
}

impl DisputeInfo {
    /// Whether the dispute is over (a side won, or the challenger reclaimed the bond).
    pub fn decided(&self) -> bool {
        matches!(
            self.phase,
            DisputePhase::SolverWon | DisputePhase::ChallengerWon | DisputePhase::Reclaimed
        )
    }
}

/// What a chain task's buyer posts.
#[derive(Clone, Debug)]
pub struct ChainPostSpec {
    /// The computation.
    pub computation: Address,
    /// The state at step 0.
    pub initial_state: Bytes,
    /// N.
    pub steps: u64,
    /// Gas per step.
    pub gas_per_step: u32,
    /// The reward.
    pub reward: U256,
    /// Seconds from now until no claim or commit is accepted.
    pub commit_within: u64,
}

/// One move a side made while playing a dispute.
#[derive(Clone, Debug, Serialize)]
pub struct Move {
    /// reveal, answer, step.
    pub action: String,
    /// The step it was about.
    pub at: u64,
    /// Agreed (answer) or the revealed hash (reveal).
    pub detail: String,
    /// Its transaction.
    pub tx: B256,
}

/// The chain game: every role's calls and its views.
#[derive(Clone, Debug)]
pub struct ChainTasks {
    client: Client,
    game: ChainGame::ChainGameInstance<DynProvider>,
}

fn to_u96(v: U256, what: &str) -> Result<alloy::primitives::aliases::U96> {
    u128::try_from(v)
        .ok()
        .and_then(|v| alloy::primitives::aliases::U96::try_from(v).ok())
        .ok_or_else(|| AgentError::Invalid(format!("{what} is too large (at most 2^96 wei)")))
}

impl ChainTasks {
    /// The deployment's chain game.
    pub fn new(client: &Client) -> Result<Self> {
        let game = ChainGame::new(
            client.address(Contract::ChainGame)?,
            client.provider_ref().clone(),
        );
        Ok(Self {
            client: client.clone(),
            game,
        })
    }

    fn err<E: std::error::Error + 'static>(
        &self,
        what: &'static str,
    ) -> impl FnOnce(E) -> AgentError + '_ {
        move |e| self.client.classify(what, &e)
    }

    /// The game's address.
    pub fn address(&self) -> Address {
        *self.game.address()
    }

    /// A task.
    pub async fn task(&self, id: u64) -> Result<ChainTaskInfo> {
        let t = self
            .game
            .task(U256::from(id))
            .call()
            .await
            .map_err(self.err("task"))?;
        let status = ChainTaskStatus::try_from(t.status)?;
        if status == ChainTaskStatus::None {
            return Err(AgentError::Invalid(format!(
                "chain task {id} does not exist"
            )));
        }
        Ok(ChainTaskInfo {
            id,
            status,
            buyer: t.buyer,
            computation: t.computation,
            steps: t.steps,
            gas_per_step: t.gasPerStep,
            max_state_bytes: t.maxStateBytes.to::<u32>(),
            clock: t.clock,
            reward: U256::from(t.reward),
            solver_bond: U256::from(t.solverBond),
            challenger_bond: U256::from(t.challengerBond),
            solver: t.solver,
            claimed_at: t.claimedAt.to::<u64>(),
            claim_window: t.claimWindow,
            commit_deadline: t.commitDeadline.to::<u64>(),
            round: t.round,
            open_disputes: t.openDisputes,
            initial_hash: t.initialHash,
            final_hash: t.finalHash,
            committed_at: t.committedAt.to::<u64>(),
            challenge_window: t.challengeWindow,
        })
    }

    /// Every task posted so far (ids `1..=taskCount`), oldest first.
    pub async fn list(&self) -> Result<Vec<ChainTaskInfo>> {
        let count = self
            .game
            .taskCount()
            .call()
            .await
            .map_err(self.err("taskCount"))?;
        let count = u64::try_from(count)
            .map_err(|_| AgentError::Invalid(format!("the game reports {count} tasks")))?;
        let mut tasks = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for id in 1..=count {
            tasks.push(self.task(id).await?);
        }
        Ok(tasks)
    }

    /// A dispute.
    pub async fn dispute(&self, id: u64) -> Result<DisputeInfo> {
        let d = self
            .game
            .dispute(U256::from(id))
            .call()
            .await
            .map_err(self.err("dispute"))?;
        let phase = DisputePhase::try_from(d.phase)?;
        if phase == DisputePhase::None {
            return Err(AgentError::Invalid(format!("dispute {id} does not exist")));
        }
        Ok(DisputeInfo {
            id,
            challenger: d.challenger,
            task: d.taskId,
            round: d.round,
            phase,
            lo: d.lo,
            hi: d.hi,
            mid: d.mid,
            lo_hash: d.loHash,
            hi_hash: d.hiHash,
            mid_hash: d.midHash,
            solver_clock: d.solverClock,
            challenger_clock: d.challengerClock,
            last_move_at: d.lastMoveAt.to::<u64>(),
        })
    }

    /// The initial state a task was posted with (from its event).
    pub async fn initial_state(&self, id: u64) -> Result<Bytes> {
        let filter = Filter::new()
            .address(self.address())
            .event_signature(ChainGame::TaskPosted::SIGNATURE_HASH)
            .topic1(U256::from(id))
            .from_block(self.client.deployment().start_block);
        let logs = self
            .client
            .provider_ref()
            .get_logs(&filter)
            .await
            .map_err(self.client.rpc_err("eth_getLogs"))?;
        logs.iter()
            .find_map(|l| l.log_decode::<ChainGame::TaskPosted>().ok())
            .map(|l| l.inner.data.initialState)
            .ok_or_else(|| {
                AgentError::Invalid(format!(
                    "chain task {id} has no TaskPosted event since the deployment"
                ))
            })
    }

    /// Buyer: approves exactly the reward and posts, with the game's minimum bonds, clock and windows (so within
    /// the DAO's maxima too). Refused before anything is sent if the computation is not registered or the initial
    /// state is longer than the game's `maxStateBytes`.
    pub async fn post(&self, spec: ChainPostSpec) -> Result<(u64, Approval, B256)> {
        Computations::new(&self.client)?
            .require_registered(spec.computation, "posting a task on it")
            .await?;
        let p = self
            .game
            .parameters()
            .call()
            .await
            .map_err(self.err("parameters"))?;
        if spec.initial_state.len() > p.maxStateBytes as usize {
            return Err(AgentError::Invalid(format!(
                "the initial state has {} bytes, more than the game's maxStateBytes ({})",
                spec.initial_state.len(),
                p.maxStateBytes
            )));
        }
        let approval = Token::new(&self.client)?
            .ensure_allowance(self.address(), spec.reward, "posting the task")
            .await?;
        let deadline = self.client.now().await? + spec.commit_within;
        let task_spec = IChainGame::TaskSpec {
            computation: spec.computation,
            steps: spec.steps,
            gasPerStep: spec.gas_per_step,
            reward: to_u96(spec.reward, "the reward")?,
            solverBond: p.minSolverBond,
            challengerBond: p.minChallengerBond,
            clock: p.minClock,
            claimWindow: p.minClaimWindow,
            challengeWindow: p.minChallengeWindow,
            commitDeadline: alloy::primitives::aliases::U40::from(deadline),
        };
        let receipt = self
            .client
            .send("post", self.game.post(task_spec, spec.initial_state))
            .await?;
        let id = receipt
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<ChainGame::TaskPosted>().ok())
            .map(|l| l.inner.data.taskId.saturating_to())
            .ok_or_else(|| AgentError::Rpc {
                what: "post".into(),
                reason: "no TaskPosted event".into(),
            })?;
        Ok((id, approval, receipt.transaction_hash))
    }

    /// Solver: approves exactly the bond and claims.
    pub async fn claim(&self, id: u64) -> Result<(Approval, B256)> {
        let t = self.task(id).await?;
        if t.status != ChainTaskStatus::Open {
            return Err(AgentError::WrongState(format!(
                "chain task {id} is {}: claim needs Open",
                t.status
            )));
        }
        let approval = Token::new(&self.client)?
            .ensure_allowance(self.address(), t.solver_bond, "the solver bond")
            .await?;
        let receipt = self
            .client
            .send("claim", self.game.claim(U256::from(id)))
            .await?;
        Ok((approval, receipt.transaction_hash))
    }

    /// Runs the task's chain with the executor (the computation's code from the chain).
    pub async fn run(&self, id: u64) -> Result<(ChainTaskInfo, Executor, ChainRun)> {
        let t = self.task(id).await?;
        let initial = self.initial_state(id).await?;
        if keccak256(&initial) != t.initial_hash {
            return Err(AgentError::Invalid(format!(
                "chain task {id}'s posted initial state does not match its hash"
            )));
        }
        let judge = self.client.address(Contract::JudgeHarness)?;
        let executor =
            Executor::from_chain(self.client.provider_ref(), judge, t.computation).await?;
        let spec = ChainSpec::new(t.steps, u64::from(t.gas_per_step), t.max_state_bytes);
        let run = executor.run_chain(&initial, spec)?;
        Ok((t, executor, run))
    }

    /// Solver: commits a final hash (the computed one unless `wrong` asks to cheat, for tests and the demo).
    pub async fn commit(&self, id: u64, wrong: bool) -> Result<(B256, B256)> {
        let (t, _, run) = self.run(id).await?;
        let me = self.client.sender()?;
        if t.status != ChainTaskStatus::Claimed || t.solver != me {
            return Err(AgentError::WrongState(format!(
                "chain task {id} is {} by {}: commit needs it Claimed by {me}",
                t.status, t.solver
            )));
        }
        let hash = if wrong {
            keccak256(run.final_hash())
        } else {
            run.final_hash()
        };
        let receipt = self
            .client
            .send("commit", self.game.commit(U256::from(id), hash))
            .await?;
        Ok((hash, receipt.transaction_hash))
    }

    /// Challenger: recomputes the chain and, if the committed final hash is wrong, approves exactly the challenger
    /// bond and opens a dispute with the right one.
    pub async fn challenge(&self, id: u64) -> Result<(u64, Approval, B256)> {
        let (t, _, run) = self.run(id).await?;
        if t.status != ChainTaskStatus::Committed {
            return Err(AgentError::WrongState(format!(
                "chain task {id} is {}: a dispute needs Committed",
                t.status
            )));
        }
        if run.final_hash() == t.final_hash {
            return Err(AgentError::WrongState(format!(
                "chain task {id}'s committed final hash {} is right: there is nothing to dispute",
                t.final_hash
            )));
        }
        let approval = Token::new(&self.client)?
            .ensure_allowance(self.address(), t.challenger_bond, "the challenger bond")
            .await?;
        let receipt = self
            .client
            .send(
                "challenge",
                self.game.challenge(U256::from(id), run.final_hash()),
            )
            .await?;
        let dispute = receipt
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<ChainGame::DisputeOpened>().ok())
            .map(|l| l.inner.data.disputeId.saturating_to())
            .ok_or_else(|| AgentError::Rpc {
                what: "challenge".into(),
                reason: "no DisputeOpened event".into(),
            })?;
        info!(task = id, dispute, "dispute opened");
        Ok((dispute, approval, receipt.transaction_hash))
    }

    /// Plays every move the sender can make now in a dispute, as its solver or its challenger, with the executor's
    /// run: reveals the midpoint hash, answers, has the last step judged. Returns the moves made and where the
    /// dispute stands (decided, or waiting for the other side).
    pub async fn play(&self, dispute: u64) -> Result<(Vec<Move>, DisputeInfo)> {
        let me = self.client.sender()?;
        let d = self.dispute(dispute).await?;
        let (t, executor, run) = self.run(d.task).await?;
        let is_solver = t.solver == me;
        let is_challenger = d.challenger == me;
        if !is_solver && !is_challenger {
            return Err(AgentError::WrongState(format!(
                "{me} is neither the solver ({}) nor the challenger ({}) of dispute {dispute}",
                t.solver, d.challenger
            )));
        }
        let mut moves = Vec::new();
        let id = U256::from(dispute);
        loop {
            let d = self.dispute(dispute).await?;
            let m = match d.phase {
                DisputePhase::Reveal if is_solver => {
                    let hash = run.hash_at(&executor, d.mid)?;
                    let r = self
                        .client
                        .send("reveal", self.game.reveal(id, hash))
                        .await?;
                    Move {
                        action: "reveal".into(),
                        at: d.mid,
                        detail: hash.to_string(),
                        tx: r.transaction_hash,
                    }
                }
                DisputePhase::Answer if is_challenger => {
                    let agree = run.hash_at(&executor, d.mid)? == d.mid_hash;
                    let r = self
                        .client
                        .send("answer", self.game.answer(id, agree))
                        .await?;
                    let detail = if agree { "agree" } else { "disagree" };
                    Move {
                        action: "answer".into(),
                        at: d.mid,
                        detail: detail.into(),
                        tx: r.transaction_hash,
                    }
                }
                DisputePhase::Step => {
                    let preimage = run.state_at(&executor, d.lo)?;
                    let r = self
                        .client
                        .send("judgeStep", self.game.judgeStep(id, preimage))
                        .await?;
                    Move {
                        action: "step".into(),
                        at: d.lo,
                        detail: "judged".into(),
                        tx: r.transaction_hash,
                    }
                }
                _ => return Ok((moves, d)),
            };
            info!(dispute, action = %m.action, at = m.at, "move");
            moves.push(m);
        }
    }

    /// Anyone: ends a dispute whose side to move ran out of time.
    pub async fn timeout(&self, dispute: u64) -> Result<B256> {
        self.dispute(dispute).await?;
        Ok(self
            .client
            .send("timeout", self.game.timeout(U256::from(dispute)))
            .await?
            .transaction_hash)
    }

    /// Anyone: ends a claim whose solver did not commit in time. The solver's bond goes to the buyer (whoever sends
    /// this) and the task reopens.
    pub async fn forfeit_claim(&self, id: u64) -> Result<B256> {
        let t = self.task(id).await?;
        if t.status != ChainTaskStatus::Claimed {
            return Err(AgentError::WrongState(format!(
                "chain task {id} is {}: forfeiting a claim needs Claimed",
                t.status
            )));
        }
        self.client
            .not_before(
                t.commit_by(),
                &format!("chain task {id}'s claim runs until"),
                ": its solver may still commit",
            )
            .await?;
        let r = self
            .client
            .send("forfeitClaim", self.game.forfeitClaim(U256::from(id)))
            .await?;
        info!(task = id, solver = %t.solver, "claim forfeited");
        Ok(r.transaction_hash)
    }

    /// Anyone, once the commit deadline passed with the task unsolved: returns the reward to the buyer.
    pub async fn refund(&self, id: u64) -> Result<B256> {
        let t = self.task(id).await?;
        if t.status == ChainTaskStatus::Claimed {
            return Err(AgentError::WrongState(format!(
                "chain task {id} is Claimed: refund needs Open; once the claim ends (at {} unix time), forfeit it \
                 first with `sonm chain forfeit-claim {id}`",
                t.commit_by()
            )));
        }
        if t.status != ChainTaskStatus::Open {
            return Err(AgentError::WrongState(format!(
                "chain task {id} is {}: refund needs Open",
                t.status
            )));
        }
        self.client
            .not_before(
                t.commit_deadline,
                &format!("chain task {id}'s commit deadline is"),
                ": it may still be solved",
            )
            .await?;
        let r = self
            .client
            .send("refund", self.game.refund(U256::from(id)))
            .await?;
        info!(task = id, buyer = %t.buyer, "refunded");
        Ok(r.transaction_hash)
    }

    /// Anyone: ends a dispute whose commitment was slashed in another dispute, returning the challenger's bond.
    pub async fn reclaim_dispute_bond(&self, dispute: u64) -> Result<B256> {
        let d = self.dispute(dispute).await?;
        if d.decided() {
            return Err(AgentError::WrongState(format!(
                "dispute {dispute} is {}: reclaiming its bond needs a running dispute (Reveal, Answer or Step)",
                d.phase
            )));
        }
        let t = self.task(d.task).await?;
        if t.round == d.round {
            return Err(AgentError::WrongState(format!(
                "dispute {dispute} is about chain task {}'s live commitment: it ends by play or timeout, its bond cannot be reclaimed",
                d.task
            )));
        }
        let r = self
            .client
            .send(
                "reclaimDisputeBond",
                self.game.reclaimDisputeBond(U256::from(dispute)),
            )
            .await?;
        info!(dispute, task = d.task, challenger = %d.challenger, "dispute bond reclaimed");
        Ok(r.transaction_hash)
    }

    /// Anyone: pays the solver once the challenge window is over and no dispute is open.
    pub async fn finalize(&self, id: u64) -> Result<B256> {
        self.task(id).await?;
        Ok(self
            .client
            .send("finalize", self.game.finalize(U256::from(id)))
            .await?
            .transaction_hash)
    }
}
