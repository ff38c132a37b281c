//! `sonm task`: map tasks, from the buyer's post to the solver's payout.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use clap::{Subcommand, ValueEnum};
use eyre::{Result, eyre};
use serde_json::json;
use sonm_agents::task::{mandelbrot_inputs, read_inputs, write_dump};
use sonm_agents::{MapTasks, PostSpec, SolveMode};
use sonm_bindings::Contract;

use super::{connect, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, bar, spin};

#[derive(Debug, Clone, ValueEnum)]
pub(crate) enum Example {
    /// Rows of a Mandelbrot image (`MandelbrotRow`).
    Mandelbrot,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TaskCmd {
    /// Write the inputs of an example task (a JSON array of hex leaves).
    Inputs {
        /// Which example.
        example: Example,
        /// Image width in pixels.
        #[arg(long, default_value_t = 64)]
        width: u32,
        /// Image height in pixels (one leaf per row).
        #[arg(long, default_value_t = 32)]
        height: u32,
        /// Centre, real part.
        #[arg(long, default_value_t = -0.5, allow_hyphen_values = true)]
        center_x: f64,
        /// Centre, imaginary part.
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        center_y: f64,
        /// Distance between pixels (default: 3 / width).
        #[arg(long)]
        step: Option<f64>,
        /// Iteration cap.
        #[arg(long, default_value_t = 64)]
        max_iter: u8,
        /// Where to write them.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Post a map task and escrow its reward (approves exactly the reward).
    Post {
        /// The inputs: a JSON array of hex leaves, or a Merkle dump of (uint256, bytes) leaves.
        #[arg(long)]
        inputs: PathBuf,
        /// The computation: `mandelbrot`, `montecarlo`, or a contract address.
        #[arg(long)]
        computation: String,
        /// Gas each leaf is evaluated with.
        #[arg(long, default_value_t = 1_000_000)]
        gas_per_leaf: u32,
        /// Reward in SNM.
        #[arg(long, value_parser = parse_amount)]
        reward: U256,
        /// Solver bond in SNM (default: the game's minimum).
        #[arg(long, value_parser = parse_amount)]
        solver_bond: Option<U256>,
        /// Query bond in SNM (default: the game's minimum).
        #[arg(long, value_parser = parse_amount)]
        challenger_bond: Option<U256>,
        /// Seconds from now until no result may be committed.
        #[arg(long, default_value_t = 86_400)]
        commit_within: u64,
        /// Where solvers find the inputs (default: the inputs file's absolute path).
        #[arg(long)]
        input_uri: Option<String>,
    },
    /// Claim an open task, posting the solver bond (approves exactly the bond).
    Claim {
        /// The task id.
        task: u64,
    },
    /// End a claim whose solver let its deadline pass without committing: its bond goes to the buyer and the task
    /// reopens (anyone may send this).
    ExpireClaim {
        /// The task id.
        task: u64,
    },
    /// Compute every leaf with the executor and write the result tree's dump.
    Solve {
        /// The task id.
        task: u64,
        /// The inputs file (default: the task's input URI, when it is a file path).
        #[arg(long)]
        inputs: Option<PathBuf>,
        /// Where to write the result dump.
        #[arg(long, short)]
        out: PathBuf,
        /// Falsify these leaves (tests and demos of the verification game).
        #[arg(long, value_delimiter = ',', hide = true)]
        cheat: Vec<u64>,
    },
    /// Commit a result root (from a result dump) and where the results are.
    Commit {
        /// The task id.
        task: u64,
        /// The result dump written by `sonm task solve`.
        #[arg(long)]
        results: PathBuf,
        /// Where challengers find the results (default: the dump's absolute path).
        #[arg(long)]
        uri: Option<String>,
    },
    /// Recompute a committed task and prove the first wrong leaf (commit, then reveal a block later).
    Challenge {
        /// The task id.
        task: u64,
        /// The solver's result dump (default: the committed result URI, when it is a file path).
        #[arg(long)]
        results: Option<PathBuf>,
        /// The inputs file (default: the task's input URI).
        #[arg(long)]
        inputs: Option<PathBuf>,
    },
    /// Ask the solver for its result leaf at an index (approves exactly the query bond).
    Query {
        /// The task id.
        task: u64,
        /// The leaf.
        #[arg(long)]
        index: u64,
    },
    /// Answer a query with the result leaf from a result dump.
    Answer {
        /// The query id.
        query: u64,
        /// The result dump.
        #[arg(long)]
        results: PathBuf,
    },
    /// Slash a solver that let a query go unanswered.
    TimeoutQuery {
        /// The query id.
        query: u64,
    },
    /// Return a query's bond to its challenger once the commitment it asked about was slashed through another
    /// proof or query (anyone may send this).
    ReclaimBond {
        /// The query id.
        query: u64,
    },
    /// A task's state.
    Show {
        /// The task id.
        task: u64,
    },
    /// Every task posted since the deployment.
    List,
    /// Pay the solver once the challenge window passed.
    Finalize {
        /// The task id.
        task: u64,
    },
    /// Take the reward back (buyer while open; anyone after the commit deadline).
    Refund {
        /// The task id.
        task: u64,
    },
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}

fn load_results(path: &Path) -> Result<sonm_merkle::IndexedTree> {
    let text =
        std::fs::read_to_string(path).map_err(|e| eyre!("cannot read {}: {e}", path.display()))?;
    sonm_merkle::IndexedTree::from_json(&text)
        .map_err(|e| eyre!("malformed result dump {}: {e}", path.display()))
}

fn uri_to_path(uri: &str) -> Result<PathBuf> {
    if uri.starts_with("http://") || uri.starts_with("https://") {
        return Err(eyre!(
            "the inputs are at {uri}: download them and pass --inputs FILE"
        ));
    }
    Ok(PathBuf::from(uri.strip_prefix("file://").unwrap_or(uri)))
}

pub(crate) async fn run(g: &Global, cmd: TaskCmd) -> Result<Output> {
    if let TaskCmd::Inputs {
        example: Example::Mandelbrot,
        width,
        height,
        center_x,
        center_y,
        step,
        max_iter,
        out,
    } = &cmd
    {
        if *width == 0 || *height == 0 {
            return Err(eyre!("width and height must be positive"));
        }
        let step = step.unwrap_or(3.0 / f64::from(*width));
        let inputs = mandelbrot_inputs(*width, *height, (*center_x, *center_y), step, *max_iter);
        let hex: Vec<String> = inputs.iter().map(alloy::hex::encode_prefixed).collect();
        std::fs::write(out, serde_json::to_string_pretty(&hex)?)
            .map_err(|e| eyre!("cannot write {}: {e}", out.display()))?;
        return Ok(Output::new(
            format!(
                "{} Mandelbrot rows written to {}",
                inputs.len(),
                out.display()
            ),
            json!({"leaves": inputs.len(), "file": out}),
        ));
    }
    let client = connect(g).await?;
    let tasks = MapTasks::new(&client)?;
    match cmd {
        TaskCmd::Inputs { .. } => Err(eyre!("`sonm task inputs` needs no node")),
        TaskCmd::Post {
            inputs,
            computation,
            gas_per_leaf,
            reward,
            solver_bond,
            challenger_bond,
            commit_within,
            input_uri,
        } => {
            let computation: Address = match computation.to_lowercase().as_str() {
                "mandelbrot" => client.address(Contract::MandelbrotRow)?,
                "montecarlo" => client.address(Contract::MonteCarloPi)?,
                other => other.parse().map_err(|_| {
                    eyre!("--computation {computation:?} is not `mandelbrot`, `montecarlo` or a contract address")
                })?,
            };
            client.require_contract(computation, "computation").await?;
            let data = read_inputs(&inputs)?;
            let params = tasks.params().await?;
            let spec = PostSpec {
                computation,
                gas_per_leaf,
                reward,
                solver_bond: solver_bond.unwrap_or(U256::from(params.minSolverBond)),
                challenger_bond: challenger_bond.unwrap_or(U256::from(params.minChallengerBond)),
                commit_deadline: client.now().await? + commit_within,
                input_uri: input_uri.unwrap_or_else(|| absolute(&inputs)),
            };
            let posted = spin("posting the task", tasks.post(spec, &data)).await?;
            Ok(Output::new(
                format!(
                    "{}\ntask {} posted: {} leaves, input root {}, reward {} SNM (tx {})",
                    posted.approval.describe(),
                    posted.task,
                    posted.leaf_count,
                    posted.input_root,
                    snm(reward),
                    posted.tx
                ),
                serde_json::to_value(&posted)?,
            ))
        }
        TaskCmd::Claim { task } => {
            let (approval, tx) = spin("claiming", tasks.claim(task)).await?;
            Ok(Output::new(
                format!("{}\ntask {task} claimed (tx {tx})", approval.describe()),
                json!({"task": task, "approval": approval, "tx": tx}),
            ))
        }
        TaskCmd::ExpireClaim { task } => {
            let tx = spin("expiring the claim", tasks.expire_claim(task)).await?;
            Ok(Output::new(
                format!(
                    "task {task}: claim expired, the solver's bond went to the buyer and the task is open again (tx {tx})"
                ),
                json!({"task": task, "tx": tx}),
            ))
        }
        TaskCmd::Solve {
            task,
            inputs,
            out,
            cheat,
        } => {
            let path = match inputs {
                Some(p) => p,
                None => uri_to_path(&tasks.input_uri(task).await?)?,
            };
            let data = read_inputs(&path)?;
            let pb = bar(data.len() as u64, format!("solving task {task}"));
            let mode = if cheat.is_empty() {
                SolveMode::Honest
            } else {
                SolveMode::Cheat(cheat)
            };
            let tree = tasks
                .solve(task, &data, &mode, &|done| pb.set_position(done))
                .await;
            pb.finish_and_clear();
            let tree = tree?;
            write_dump(&tree, &out)?;
            Ok(Output::new(
                format!(
                    "task {task}: {} leaves computed, result root {}, dump written to {}",
                    tree.len(),
                    tree.root(),
                    out.display()
                ),
                json!({"task": task, "leaves": tree.len(), "root": tree.root(), "dump": out}),
            ))
        }
        TaskCmd::Commit { task, results, uri } => {
            let text = std::fs::read_to_string(&results)
                .map_err(|e| eyre!("cannot read {}: {e}", results.display()))?;
            let tree = sonm_merkle::IndexedTree::from_json(&text)
                .map_err(|e| eyre!("malformed result dump {}: {e}", results.display()))?;
            let uri = uri.unwrap_or_else(|| absolute(&results));
            let tx = spin("committing", tasks.commit(task, tree.root(), uri.clone())).await?;
            Ok(Output::new(
                format!(
                    "task {task}: result root {} committed (tx {tx})",
                    tree.root()
                ),
                json!({"task": task, "root": tree.root(), "uri": uri, "tx": tx}),
            ))
        }
        TaskCmd::Challenge {
            task,
            results,
            inputs,
        } => {
            let inputs = match inputs {
                Some(p) => p,
                None => uri_to_path(&tasks.input_uri(task).await?)?,
            };
            let results = match results {
                Some(p) => p,
                None => uri_to_path(&tasks.result_uri(task).await?)?,
            };
            let data = read_inputs(&inputs)?;
            let tree = load_results(&results)?;
            let pb = bar(data.len() as u64, format!("recomputing task {task}"));
            let cheat = tasks
                .find_cheat(task, &data, &tree, &|done| pb.set_position(done))
                .await;
            pb.finish_and_clear();
            match cheat? {
                None => Ok(Output::new(
                    format!("task {task}: every leaf is right, nothing to challenge"),
                    json!({"task": task, "cheat": null}),
                )),
                Some(index) => {
                    let tx = spin(
                        format!("proving the cheat at leaf {index}"),
                        tasks.prove_cheat(task, &data, &tree, index),
                    )
                    .await?;
                    Ok(Output::new(
                        format!(
                            "task {task}: leaf {index} is wrong; cheat proven, the solver is slashed (tx {tx})"
                        ),
                        json!({"task": task, "cheat": index, "tx": tx}),
                    ))
                }
            }
        }
        TaskCmd::Query { task, index } => {
            let (query, approval, tx) =
                spin("opening a query", tasks.open_query(task, index)).await?;
            Ok(Output::new(
                format!(
                    "{}
query {query} opened on leaf {index} of task {task} (tx {tx})",
                    approval.describe()
                ),
                json!({"query": query, "task": task, "index": index, "approval": approval, "tx": tx}),
            ))
        }
        TaskCmd::Answer { query, results } => {
            let tree = load_results(&results)?;
            let tx = spin("answering", tasks.answer_query(query, &tree)).await?;
            Ok(Output::new(
                format!("query {query} answered (tx {tx})"),
                json!({"query": query, "tx": tx}),
            ))
        }
        TaskCmd::TimeoutQuery { query } => {
            let tx = spin("timing the query out", tasks.timeout_query(query)).await?;
            Ok(Output::new(
                format!("query {query} timed out: the solver is slashed (tx {tx})"),
                json!({"query": query, "tx": tx}),
            ))
        }
        TaskCmd::ReclaimBond { query } => {
            let tx = spin("reclaiming the query bond", tasks.reclaim_query_bond(query)).await?;
            Ok(Output::new(
                format!("query {query}: its bond went back to its challenger (tx {tx})"),
                json!({"query": query, "tx": tx}),
            ))
        }
        TaskCmd::Show { task } => {
            let t = spin("reading the task", tasks.task(task)).await?;
            let text = format!(
                "task         {}\nstatus       {}\nbuyer        {}\ncomputation  {}\nleaves       {} ({} gas each)\ninput root   {}\nreward       {} SNM (solver bond {}, query bond {})\ncommit by    {}\nsolver       {}\ndeadline     {}\nresult root  {}",
                t.id,
                t.status,
                t.buyer,
                t.computation,
                t.leaf_count,
                t.gas_per_leaf,
                t.input_root,
                snm(t.reward),
                snm(t.solver_bond),
                snm(t.challenger_bond),
                t.commit_deadline,
                t.solver,
                t.deadline,
                t.result_root
            );
            Ok(Output::new(text, serde_json::to_value(&t)?))
        }
        TaskCmd::List => {
            let list = spin("reading the game's events", tasks.list()).await?;
            let mut text = format!("{} tasks", list.len());
            for t in &list {
                let status = tasks
                    .task(t.id)
                    .await
                    .map(|i| i.status.to_string())
                    .unwrap_or_else(|_| "?".into());
                text.push_str(&format!(
                    "\n{:>5}  {:<10} buyer {}  inputs {}",
                    t.id, status, t.buyer, t.input_uri
                ));
            }
            Ok(Output::new(text, json!({"tasks": list})))
        }
        TaskCmd::Finalize { task } => {
            let tx = spin("finalizing", tasks.finalize(task)).await?;
            Ok(Output::new(
                format!("task {task} finalized: the solver is paid (tx {tx})"),
                json!({"task": task, "tx": tx}),
            ))
        }
        TaskCmd::Refund { task } => {
            let tx = spin("refunding", tasks.refund(task)).await?;
            Ok(Output::new(
                format!("task {task} refunded (tx {tx})"),
                json!({"task": task, "tx": tx}),
            ))
        }
    }
}
