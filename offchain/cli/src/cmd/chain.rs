//! `sonm chain` (chain tasks) and `sonm dispute` (their bisection disputes). Each subcommand is named after the
//! `ChainGame` function it sends, or says what it reads (`show`, `list`) or does (`dispute open` recomputes the
//! chain and sends `challenge`; `dispute play` makes every move the signer can make).

use alloy::primitives::{Address, Bytes, U256};
use clap::{Args, Subcommand};
use eyre::{Result, eyre};
use serde_json::json;
use sonm_agents::{ChainPostSpec, ChainTasks};
use sonm_bindings::Contract;

use super::{connect, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, spin};

/// The chain game as the signer (if any).
async fn game(g: &Global) -> Result<ChainTasks> {
    Ok(ChainTasks::new(&connect(g).await?)?)
}

#[derive(Debug, Subcommand)]
pub(crate) enum ChainCmd {
    /// Post a chain task (approves exactly the reward; bonds, clock and windows are the game's minimums).
    Post(ChainPostArgs),
    /// Claim an open chain task (approves exactly the solver bond).
    Claim(ChainClaimArgs),
    /// Compute the final state with the executor and commit its hash.
    Commit(ChainCommitArgs),
    /// End a claim whose solver did not commit in time: its bond goes to the buyer and the task reopens (anyone may
    /// send this).
    ForfeitClaim(ChainForfeitClaimArgs),
    /// A chain task's state.
    Show(ChainShowArgs),
    /// Every chain task posted so far.
    List(ChainListArgs),
    /// Pay the solver once the challenge window is over and no dispute is open.
    Finalize(ChainFinalizeArgs),
    /// Return the reward to the buyer once the commit deadline passed with the task open (anyone may send this).
    Refund(ChainRefundArgs),
}

impl ChainCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Post(a) => a.run(g).await,
            Self::Claim(a) => a.run(g).await,
            Self::Commit(a) => a.run(g).await,
            Self::ForfeitClaim(a) => a.run(g).await,
            Self::Show(a) => a.run(g).await,
            Self::List(a) => a.run(g).await,
            Self::Finalize(a) => a.run(g).await,
            Self::Refund(a) => a.run(g).await,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainPostArgs {
    /// The computation: `keccak` or a contract address.
    #[arg(long, default_value = "keccak")]
    computation: String,
    /// The initial state, hex.
    #[arg(long)]
    initial_state: Bytes,
    /// N steps.
    #[arg(long)]
    steps: u64,
    /// Gas per step (at most the game's maxGasPerStep).
    #[arg(long, default_value_t = 100_000)]
    gas_per_step: u32,
    /// Reward in SNM.
    #[arg(long, value_parser = parse_amount)]
    reward: U256,
    /// Seconds from now until no claim or commit is accepted.
    #[arg(long, default_value_t = 86_400)]
    commit_within: u64,
}

impl ChainPostArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let game = ChainTasks::new(&client)?;
        let computation: Address = match self.computation.to_lowercase().as_str() {
            "keccak" => client.address(Contract::KeccakChain)?,
            other => other.parse().map_err(|_| {
                eyre!(
                    "--computation {:?} is not `keccak` or a contract address",
                    self.computation
                )
            })?,
        };
        client.require_contract(computation, "computation").await?;
        let (steps, reward) = (self.steps, self.reward);
        let spec = ChainPostSpec {
            computation,
            initial_state: self.initial_state,
            steps,
            gas_per_step: self.gas_per_step,
            reward,
            commit_within: self.commit_within,
        };
        let (task, approval, tx) = spin("posting the chain task", game.post(spec)).await?;
        Ok(Output::new(
            format!(
                "{}\nchain task {task} posted: {steps} steps, reward {} SNM (tx {tx})",
                approval.describe(),
                snm(reward)
            ),
            json!({"task": task, "approval": approval, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainClaimArgs {
    /// The task id.
    task: u64,
}

impl ChainClaimArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let (approval, tx) = spin("claiming", game(g).await?.claim(task)).await?;
        Ok(Output::new(
            format!(
                "{}\nchain task {task} claimed (tx {tx})",
                approval.describe()
            ),
            json!({"task": task, "approval": approval, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainCommitArgs {
    /// The task id.
    task: u64,
    /// Commit a wrong hash (tests and demos of the dispute game).
    #[arg(long, hide = true)]
    wrong: bool,
}

impl ChainCommitArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let (hash, tx) = spin(
            "computing and committing",
            game(g).await?.commit(task, self.wrong),
        )
        .await?;
        Ok(Output::new(
            format!("chain task {task}: final hash {hash} committed (tx {tx})"),
            json!({"task": task, "final_hash": hash, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainForfeitClaimArgs {
    /// The task id.
    task: u64,
}

impl ChainForfeitClaimArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let tx = spin("forfeiting the claim", game(g).await?.forfeit_claim(task)).await?;
        Ok(Output::new(
            format!(
                "chain task {task}: claim forfeited, the solver's bond went to the buyer and the task is open again (tx {tx})"
            ),
            json!({"task": task, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainShowArgs {
    /// The task id.
    task: u64,
}

impl ChainShowArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let t = spin("reading the task", game(g).await?.task(self.task)).await?;
        let text = format!(
            "chain task  {}\nstatus      {}\nbuyer       {}\ncomputation {}\nsteps       {} ({} gas each, states of at most {} bytes)\nreward      {} SNM (solver bond {}, challenger bond {})\nsolver      {}\nfinal hash  {}\ndisputes    {} open (round {})",
            t.id,
            t.status,
            t.buyer,
            t.computation,
            t.steps,
            t.gas_per_step,
            t.max_state_bytes,
            snm(t.reward),
            snm(t.solver_bond),
            snm(t.challenger_bond),
            t.solver,
            t.final_hash,
            t.open_disputes,
            t.round
        );
        Ok(Output::new(text, serde_json::to_value(&t)?))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainListArgs {}

impl ChainListArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let list = spin("reading the tasks", game(g).await?.list()).await?;
        let mut text = format!("{} chain tasks", list.len());
        for t in &list {
            text.push_str(&format!(
                "\n{:>5}  {:<10} {} steps  reward {} SNM  buyer {}",
                t.id,
                t.status.to_string(),
                t.steps,
                snm(t.reward),
                t.buyer
            ));
        }
        Ok(Output::new(text, json!({"tasks": list})))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainFinalizeArgs {
    /// The task id.
    task: u64,
}

impl ChainFinalizeArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let tx = spin("finalizing", game(g).await?.finalize(task)).await?;
        Ok(Output::new(
            format!("chain task {task} finalized (tx {tx})"),
            json!({"task": task, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ChainRefundArgs {
    /// The task id.
    task: u64,
}

impl ChainRefundArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let tx = spin("refunding", game(g).await?.refund(task)).await?;
        Ok(Output::new(
            format!("chain task {task} refunded: the reward went back to the buyer (tx {tx})"),
            json!({"task": task, "tx": tx}),
        ))
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum DisputeCmd {
    /// Recompute a committed chain task and, if its final hash is wrong, open a dispute (`challenge`; approves
    /// exactly the bond).
    Open(DisputeOpenArgs),
    /// A dispute's phase, interval and clocks.
    Show(DisputeShowArgs),
    /// Make every move the signer can make now, as solver or challenger (reveal, answer, judged step).
    Play(DisputePlayArgs),
    /// End a dispute whose side to move ran out of time.
    Timeout(DisputeTimeoutArgs),
    /// Return a dispute's bond to its challenger once the commitment it is about was slashed in another dispute
    /// (anyone may send this).
    ReclaimDisputeBond(ReclaimDisputeBondArgs),
}

impl DisputeCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Open(a) => a.run(g).await,
            Self::Show(a) => a.run(g).await,
            Self::Play(a) => a.run(g).await,
            Self::Timeout(a) => a.run(g).await,
            Self::ReclaimDisputeBond(a) => a.run(g).await,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct DisputeOpenArgs {
    /// The chain task id.
    task: u64,
}

impl DisputeOpenArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let (dispute, approval, tx) = spin(
            "recomputing and opening a dispute",
            game(g).await?.challenge(task),
        )
        .await?;
        Ok(Output::new(
            format!(
                "{}\ndispute {dispute} opened against chain task {task} (tx {tx})",
                approval.describe()
            ),
            json!({"dispute": dispute, "task": task, "approval": approval, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct DisputeShowArgs {
    /// The dispute id.
    dispute: u64,
}

impl DisputeShowArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let d = spin("reading the dispute", game(g).await?.dispute(self.dispute)).await?;
        let text = format!(
            "dispute     {}\ntask        {}\nchallenger  {}\nphase       {}\ninterval    [{}, {}], mid {}\nclocks      solver {} s, challenger {} s (as of {})",
            d.id,
            d.task,
            d.challenger,
            d.phase,
            d.lo,
            d.hi,
            d.mid,
            d.solver_clock,
            d.challenger_clock,
            d.last_move_at
        );
        Ok(Output::new(text, serde_json::to_value(&d)?))
    }
}

#[derive(Debug, Args)]
pub(crate) struct DisputePlayArgs {
    /// The dispute id.
    dispute: u64,
}

impl DisputePlayArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let dispute = self.dispute;
        let (moves, d) = spin("playing the dispute", game(g).await?.play(dispute)).await?;
        let mut text = format!("{} moves made on dispute {dispute}", moves.len());
        for m in &moves {
            text.push_str(&format!(
                "\n  {} at step {}: {} (tx {})",
                m.action, m.at, m.detail, m.tx
            ));
        }
        text.push_str(&format!("\nphase {}", d.phase));
        Ok(Output::new(
            text,
            json!({"dispute": dispute, "moves": moves, "phase": d.phase}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct DisputeTimeoutArgs {
    /// The dispute id.
    dispute: u64,
}

impl DisputeTimeoutArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let dispute = self.dispute;
        let tx = spin("timing out", game(g).await?.timeout(dispute)).await?;
        Ok(Output::new(
            format!("dispute {dispute} timed out (tx {tx})"),
            json!({"dispute": dispute, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ReclaimDisputeBondArgs {
    /// The dispute id.
    dispute: u64,
}

impl ReclaimDisputeBondArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let dispute = self.dispute;
        let tx = spin(
            "reclaiming the dispute bond",
            game(g).await?.reclaim_dispute_bond(dispute),
        )
        .await?;
        Ok(Output::new(
            format!("dispute {dispute}: its bond went back to its challenger (tx {tx})"),
            json!({"dispute": dispute, "tx": tx}),
        ))
    }
}
