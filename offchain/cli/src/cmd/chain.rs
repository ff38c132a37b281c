//! `sonm chain` (chain tasks) and `sonm dispute` (their bisection disputes).

use alloy::primitives::{Address, Bytes, U256};
use clap::Subcommand;
use eyre::{Result, eyre};
use serde_json::json;
use sonm_agents::{ChainPostSpec, ChainTasks};
use sonm_bindings::Contract;

use super::{connect, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum ChainCmd {
    /// Post a chain task (approves exactly the reward; bonds, clock and windows are the game's minimums).
    Post {
        /// The computation: `keccak` or a contract address.
        #[arg(long, default_value = "keccak")]
        computation: String,
        /// The initial state, hex.
        #[arg(long)]
        initial_state: Bytes,
        /// N steps.
        #[arg(long)]
        steps: u64,
        /// Gas per step.
        #[arg(long, default_value_t = 100_000)]
        gas_per_step: u32,
        /// Reward in SNM.
        #[arg(long, value_parser = parse_amount)]
        reward: U256,
        /// Seconds from now until no claim or commit is accepted.
        #[arg(long, default_value_t = 86_400)]
        commit_within: u64,
    },
    /// Claim an open chain task (approves exactly the solver bond).
    Claim {
        /// The task id.
        task: u64,
    },
    /// Compute the final state with the executor and commit its hash.
    Commit {
        /// The task id.
        task: u64,
        /// Commit a wrong hash (tests and demos of the dispute game).
        #[arg(long, hide = true)]
        wrong: bool,
    },
    /// End a claim whose solver did not commit in time: its bond goes to the buyer and the task reopens (anyone may
    /// send this).
    ForfeitClaim {
        /// The task id.
        task: u64,
    },
    /// A chain task's state.
    Show {
        /// The task id.
        task: u64,
    },
    /// Every chain task posted so far.
    List,
    /// Pay the solver once the challenge window is over and no dispute is open.
    Finalize {
        /// The task id.
        task: u64,
    },
    /// Return the reward to the buyer once the commit deadline passed with the task open (anyone may send this).
    Refund {
        /// The task id.
        task: u64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DisputeCmd {
    /// Recompute a committed chain task and, if its final hash is wrong, open a dispute (approves exactly the bond).
    Open {
        /// The chain task id.
        task: u64,
    },
    /// A dispute's phase, interval and clocks.
    Show {
        /// The dispute id.
        dispute: u64,
    },
    /// Make every move the signer can make now, as solver or challenger (reveal, answer, judged step).
    Play {
        /// The dispute id.
        dispute: u64,
    },
    /// End a dispute whose side to move ran out of time.
    Timeout {
        /// The dispute id.
        dispute: u64,
    },
    /// End a dispute whose commitment was slashed in another dispute, returning the challenger's bond (anyone may
    /// send this).
    Dismiss {
        /// The dispute id.
        dispute: u64,
    },
}

pub(crate) async fn run_chain(g: &Global, cmd: ChainCmd) -> Result<Output> {
    let client = connect(g).await?;
    let game = ChainTasks::new(&client)?;
    match cmd {
        ChainCmd::Post {
            computation,
            initial_state,
            steps,
            gas_per_step,
            reward,
            commit_within,
        } => {
            let computation: Address = match computation.to_lowercase().as_str() {
                "keccak" => client.address(Contract::KeccakChain)?,
                other => other.parse().map_err(|_| {
                    eyre!("--computation {computation:?} is not `keccak` or a contract address")
                })?,
            };
            client.require_contract(computation, "computation").await?;
            let spec = ChainPostSpec {
                computation,
                initial_state,
                steps,
                gas_per_step,
                reward,
                commit_within,
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
        ChainCmd::Claim { task } => {
            let (approval, tx) = spin("claiming", game.claim(task)).await?;
            Ok(Output::new(
                format!(
                    "{}\nchain task {task} claimed (tx {tx})",
                    approval.describe()
                ),
                json!({"task": task, "approval": approval, "tx": tx}),
            ))
        }
        ChainCmd::Commit { task, wrong } => {
            let (hash, tx) = spin("computing and committing", game.commit(task, wrong)).await?;
            Ok(Output::new(
                format!("chain task {task}: final hash {hash} committed (tx {tx})"),
                json!({"task": task, "final_hash": hash, "tx": tx}),
            ))
        }
        ChainCmd::ForfeitClaim { task } => {
            let tx = spin("forfeiting the claim", game.forfeit_claim(task)).await?;
            Ok(Output::new(
                format!(
                    "chain task {task}: claim forfeited, the solver's bond went to the buyer and the task is open again (tx {tx})"
                ),
                json!({"task": task, "tx": tx}),
            ))
        }
        ChainCmd::Show { task } => {
            let t = spin("reading the task", game.task(task)).await?;
            let text = format!(
                "chain task  {}\nstatus      {}\nbuyer       {}\ncomputation {}\nsteps       {} ({} gas each)\nreward      {} SNM (solver bond {}, challenger bond {})\nsolver      {}\nfinal hash  {}\ndisputes    {} open (epoch {})",
                t.id,
                t.status,
                t.buyer,
                t.computation,
                t.steps,
                t.gas_per_step,
                snm(t.reward),
                snm(t.solver_bond),
                snm(t.challenger_bond),
                t.solver,
                t.final_hash,
                t.open_disputes,
                t.epoch
            );
            Ok(Output::new(text, serde_json::to_value(&t)?))
        }
        ChainCmd::List => {
            let list = spin("reading the tasks", game.list()).await?;
            let mut text = format!("{} chain tasks", list.len());
            for t in &list {
                text.push_str(&format!(
                    "\n{:>5}  {:<10} {} steps  reward {} SNM  buyer {}",
                    t.id,
                    t.status,
                    t.steps,
                    snm(t.reward),
                    t.buyer
                ));
            }
            Ok(Output::new(text, json!({"tasks": list})))
        }
        ChainCmd::Finalize { task } => {
            let tx = spin("finalizing", game.finalize(task)).await?;
            Ok(Output::new(
                format!("chain task {task} finalized (tx {tx})"),
                json!({"task": task, "tx": tx}),
            ))
        }
        ChainCmd::Refund { task } => {
            let tx = spin("refunding", game.refund(task)).await?;
            Ok(Output::new(
                format!("chain task {task} refunded: the reward went back to the buyer (tx {tx})"),
                json!({"task": task, "tx": tx}),
            ))
        }
    }
}

pub(crate) async fn run_dispute(g: &Global, cmd: DisputeCmd) -> Result<Output> {
    let client = connect(g).await?;
    let game = ChainTasks::new(&client)?;
    match cmd {
        DisputeCmd::Open { task } => {
            let (dispute, approval, tx) =
                spin("recomputing and opening a dispute", game.challenge(task)).await?;
            Ok(Output::new(
                format!(
                    "{}\ndispute {dispute} opened against chain task {task} (tx {tx})",
                    approval.describe()
                ),
                json!({"dispute": dispute, "task": task, "approval": approval, "tx": tx}),
            ))
        }
        DisputeCmd::Show { dispute } => {
            let d = spin("reading the dispute", game.dispute(dispute)).await?;
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
        DisputeCmd::Play { dispute } => {
            let (moves, d) = spin("playing the dispute", game.play(dispute)).await?;
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
        DisputeCmd::Timeout { dispute } => {
            let tx = spin("timing out", game.timeout(dispute)).await?;
            Ok(Output::new(
                format!("dispute {dispute} timed out (tx {tx})"),
                json!({"dispute": dispute, "tx": tx}),
            ))
        }
        DisputeCmd::Dismiss { dispute } => {
            let tx = spin("dismissing", game.dismiss(dispute)).await?;
            Ok(Output::new(
                format!("dispute {dispute} dismissed: the challenger's bond went back (tx {tx})"),
                json!({"dispute": dispute, "tx": tx}),
            ))
        }
    }
}
