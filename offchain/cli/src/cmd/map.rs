//! `sonm map`: map tasks, from the buyer's post to the solver's payout. Each subcommand is named after the
//! `MapGame` function it sends (`forfeit-claim` sends `forfeitClaim`), or says what it reads (`show`, `list`) or
//! computes off chain (`inputs`, `solve`).

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use clap::{Args, Subcommand, ValueEnum};
use eyre::{Result, eyre};
use serde_json::json;
use sonm_agents::task::{mandelbrot_inputs, read_inputs, write_dump};
use sonm_agents::{MapTasks, PostSpec, SolveMode};
use sonm_bindings::Contract;
use sonm_merkle::IndexedTree;

use super::{connect, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, bar, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum MapCmd {
    /// Write the inputs of an example task (a JSON array of hex leaves).
    Inputs(InputsArgs),
    /// Post a map task and escrow its reward (approves exactly the reward).
    Post(PostArgs),
    /// Claim an open task, posting the solver bond (approves exactly the bond).
    Claim(ClaimArgs),
    /// End a claim whose solver let its deadline pass without committing: its bond goes to the buyer and the task
    /// reopens (anyone may send this).
    ForfeitClaim(ForfeitClaimArgs),
    /// Compute every leaf with the executor and write the result tree's dump.
    Solve(SolveArgs),
    /// Commit a result root (from a result dump) and where the results are.
    Commit(CommitArgs),
    /// Recompute a committed task and commit the proof of its first wrong leaf (the first half of a proof; the
    /// salt comes from the key, so `prove-cheat` or `sonm watch` with the same key reveals it).
    CommitProof(CommitProofArgs),
    /// Recompute a committed task and prove its first wrong leaf: commit the proof (unless this key already did),
    /// then reveal it a block later. The solver is slashed.
    ProveCheat(ProveCheatArgs),
    /// Ask the solver for its result leaf at an index (approves exactly the query bond).
    OpenQuery(OpenQueryArgs),
    /// Answer a query with the result leaf from a result dump.
    AnswerQuery(AnswerQueryArgs),
    /// Slash a solver that let a query go unanswered.
    TimeoutQuery(TimeoutQueryArgs),
    /// Return a query's bond to its challenger once the commitment it asked about was slashed through another
    /// proof or query (anyone may send this).
    ReclaimQueryBond(ReclaimQueryBondArgs),
    /// A task's state.
    Show(ShowArgs),
    /// Every task posted since the deployment.
    List(ListArgs),
    /// Pay the solver once the challenge window passed.
    Finalize(FinalizeArgs),
    /// Take the reward back (buyer while open; anyone after the commit deadline).
    Refund(RefundArgs),
}

impl MapCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Inputs(a) => a.run(),
            Self::Post(a) => a.run(g).await,
            Self::Claim(a) => a.run(g).await,
            Self::ForfeitClaim(a) => a.run(g).await,
            Self::Solve(a) => a.run(g).await,
            Self::Commit(a) => a.run(g).await,
            Self::CommitProof(a) => a.run(g).await,
            Self::ProveCheat(a) => a.run(g).await,
            Self::OpenQuery(a) => a.run(g).await,
            Self::AnswerQuery(a) => a.run(g).await,
            Self::TimeoutQuery(a) => a.run(g).await,
            Self::ReclaimQueryBond(a) => a.run(g).await,
            Self::Show(a) => a.run(g).await,
            Self::List(a) => a.run(g).await,
            Self::Finalize(a) => a.run(g).await,
            Self::Refund(a) => a.run(g).await,
        }
    }
}

/// The map game as the signer (if any).
async fn game(g: &Global) -> Result<MapTasks> {
    Ok(MapTasks::new(&connect(g).await?)?)
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}

fn load_results(path: &Path) -> Result<IndexedTree> {
    let text =
        std::fs::read_to_string(path).map_err(|e| eyre!("cannot read {}: {e}", path.display()))?;
    IndexedTree::from_json(&text)
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

/// `--computation`: `mandelbrot`, `montecarlo` (the deployment's examples) or a contract address.
pub(crate) fn computation_address(client: &sonm_agents::Client, name: &str) -> Result<Address> {
    Ok(match name.to_lowercase().as_str() {
        "mandelbrot" => client.address(Contract::MandelbrotRow)?,
        "montecarlo" => client.address(Contract::MonteCarloPi)?,
        other => other.parse().map_err(|_| {
            eyre!("--computation {name:?} is not `mandelbrot`, `montecarlo` or a contract address")
        })?,
    })
}

#[derive(Debug, Clone, ValueEnum)]
pub(crate) enum Example {
    /// Rows of a Mandelbrot image (`MandelbrotRow`).
    Mandelbrot,
}

#[derive(Debug, Args)]
pub(crate) struct InputsArgs {
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
}

impl InputsArgs {
    /// Needs no node.
    fn run(self) -> Result<Output> {
        let Example::Mandelbrot = self.example;
        if self.width == 0 || self.height == 0 {
            return Err(eyre!("width and height must be positive"));
        }
        let step = self.step.unwrap_or(3.0 / f64::from(self.width));
        let inputs = mandelbrot_inputs(
            self.width,
            self.height,
            (self.center_x, self.center_y),
            step,
            self.max_iter,
        );
        let hex: Vec<String> = inputs.iter().map(alloy::hex::encode_prefixed).collect();
        std::fs::write(&self.out, serde_json::to_string_pretty(&hex)?)
            .map_err(|e| eyre!("cannot write {}: {e}", self.out.display()))?;
        Ok(Output::new(
            format!(
                "{} Mandelbrot rows written to {}",
                inputs.len(),
                self.out.display()
            ),
            json!({"leaves": inputs.len(), "file": self.out}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct PostArgs {
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
}

impl PostArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let tasks = MapTasks::new(&client)?;
        let computation = computation_address(&client, &self.computation)?;
        client.require_contract(computation, "computation").await?;
        let data = read_inputs(&self.inputs)?;
        let params = tasks.parameters().await?;
        let spec = PostSpec {
            computation,
            gas_per_leaf: self.gas_per_leaf,
            reward: self.reward,
            solver_bond: self.solver_bond.unwrap_or(U256::from(params.minSolverBond)),
            challenger_bond: self
                .challenger_bond
                .unwrap_or(U256::from(params.minChallengerBond)),
            commit_deadline: client.now().await? + self.commit_within,
            input_uri: self.input_uri.unwrap_or_else(|| absolute(&self.inputs)),
        };
        let posted = spin("posting the task", tasks.post(spec, &data)).await?;
        Ok(Output::new(
            format!(
                "{}\ntask {} posted: {} leaves, input root {}, reward {} SNM (tx {})",
                posted.approval.describe(),
                posted.task,
                posted.leaf_count,
                posted.input_root,
                snm(self.reward),
                posted.tx
            ),
            serde_json::to_value(&posted)?,
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ClaimArgs {
    /// The task id.
    task: u64,
}

impl ClaimArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let (approval, tx) = spin("claiming", game(g).await?.claim(task)).await?;
        Ok(Output::new(
            format!("{}\ntask {task} claimed (tx {tx})", approval.describe()),
            json!({"task": task, "approval": approval, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ForfeitClaimArgs {
    /// The task id.
    task: u64,
}

impl ForfeitClaimArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let tx = spin("forfeiting the claim", game(g).await?.forfeit_claim(task)).await?;
        Ok(Output::new(
            format!(
                "task {task}: claim forfeited, the solver's bond went to the buyer and the task is open again (tx {tx})"
            ),
            json!({"task": task, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The task id.
    task: u64,
}

impl ShowArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let t = spin("reading the task", game(g).await?.task(self.task)).await?;
        let mut text = format!(
            "task         {}\nstatus       {}\nbuyer        {}\ncomputation  {}\nleaves       {} ({} gas each, at most {} bytes in and out)\ninput root   {}\nreward       {} SNM (solver bond {}, query bond {})\ncommit by    {}\nsolver       {}\ndeadline     {}\nqueries      {} open ({} extensions of the challenge window)\nresult root  {}",
            t.id,
            t.status,
            t.buyer,
            t.computation,
            t.leaf_count,
            t.gas_per_leaf,
            t.max_leaf_bytes,
            t.input_root,
            snm(t.reward),
            snm(t.solver_bond),
            snm(t.challenger_bond),
            t.commit_deadline,
            t.solver,
            t.deadline,
            t.open_queries,
            t.extensions,
            t.result_root
        );
        if let Some(d) = &t.deal {
            text.push_str(&format!(
                "\ndeal         of hub {} (its wallet is the solver): challenge window {} s, response window {} s; \
                 it never reopens\ndecline by   {} (the hub may decline it uncommitted until then)",
                t.solver, d.challenge_window, d.response_window, d.decline_by
            ));
        }
        Ok(Output::new(text, serde_json::to_value(&t)?))
    }
}

#[derive(Debug, Args)]
pub(crate) struct FinalizeArgs {
    /// The task id.
    task: u64,
}

impl FinalizeArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let tx = spin("finalizing", game(g).await?.finalize(task)).await?;
        Ok(Output::new(
            format!("task {task} finalized: the solver is paid (tx {tx})"),
            json!({"task": task, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct RefundArgs {
    /// The task id.
    task: u64,
}

impl RefundArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let tx = spin("refunding", game(g).await?.refund(task)).await?;
        Ok(Output::new(
            format!("task {task} refunded (tx {tx})"),
            json!({"task": task, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct SolveArgs {
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
}

impl SolveArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (task, out) = (self.task, self.out);
        let tasks = game(g).await?;
        let path = match self.inputs {
            Some(p) => p,
            None => uri_to_path(&tasks.input_uri(task).await?)?,
        };
        let data = read_inputs(&path)?;
        let pb = bar(data.len() as u64, format!("solving task {task}"));
        let mode = if self.cheat.is_empty() {
            SolveMode::Honest
        } else {
            SolveMode::Cheat(self.cheat)
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
}

#[derive(Debug, Args)]
pub(crate) struct CommitArgs {
    /// The task id.
    task: u64,
    /// The result dump written by `sonm map solve`.
    #[arg(long)]
    results: PathBuf,
    /// Where challengers find the results (default: the dump's absolute path).
    #[arg(long)]
    uri: Option<String>,
}

impl CommitArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.task;
        let tree = load_results(&self.results)?;
        let uri = self.uri.unwrap_or_else(|| absolute(&self.results));
        let tx = spin(
            "committing",
            game(g).await?.commit(task, tree.root(), uri.clone()),
        )
        .await?;
        Ok(Output::new(
            format!(
                "task {task}: result root {} committed (tx {tx})",
                tree.root()
            ),
            json!({"task": task, "root": tree.root(), "uri": uri, "tx": tx}),
        ))
    }
}

/// What a proof of cheat is about: a committed task and the data to recompute it.
#[derive(Debug, Args)]
pub(crate) struct CheatTarget {
    /// The task id.
    task: u64,
    /// The solver's result dump (default: the committed result URI, when it is a file path).
    #[arg(long)]
    results: Option<PathBuf>,
    /// The inputs file (default: the task's input URI).
    #[arg(long)]
    inputs: Option<PathBuf>,
}

/// A committed task recomputed: its inputs, the solver's result tree, and the first wrong leaf, if any.
struct Recomputed {
    tasks: MapTasks,
    inputs: Vec<alloy::primitives::Bytes>,
    results: IndexedTree,
    cheat: Option<u64>,
}

impl CheatTarget {
    async fn recompute(self, g: &Global) -> Result<Recomputed> {
        let (task, tasks) = (self.task, game(g).await?);
        let inputs = match self.inputs {
            Some(p) => p,
            None => uri_to_path(&tasks.input_uri(task).await?)?,
        };
        let results = match self.results {
            Some(p) => p,
            None => uri_to_path(&tasks.result_uri(task).await?)?,
        };
        let inputs = read_inputs(&inputs)?;
        let results = load_results(&results)?;
        let pb = bar(inputs.len() as u64, format!("recomputing task {task}"));
        let cheat = tasks
            .find_cheat(task, &inputs, &results, &|done| pb.set_position(done))
            .await;
        pb.finish_and_clear();
        Ok(Recomputed {
            cheat: cheat?,
            tasks,
            inputs,
            results,
        })
    }
}

fn nothing_wrong(task: u64) -> Output {
    Output::new(
        format!("task {task}: every leaf is right, nothing to prove"),
        json!({"task": task, "cheat": null}),
    )
}

#[derive(Debug, Args)]
pub(crate) struct CommitProofArgs {
    #[command(flatten)]
    target: CheatTarget,
}

impl CommitProofArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.target.task;
        let r = self.target.recompute(g).await?;
        let Some(index) = r.cheat else {
            return Ok(nothing_wrong(task));
        };
        let c = spin(
            format!("committing the proof of leaf {index}"),
            r.tasks.commit_proof(task, &r.inputs, &r.results, index),
        )
        .await?;
        let how = match c.tx {
            Some(tx) => format!("proof committed (tx {tx})"),
            None => "this key had already committed the proof".to_owned(),
        };
        Ok(Output::new(
            format!(
                "task {task}: leaf {index} is wrong; {how}: commitment {}, reveal it from the next block with `sonm map prove-cheat {task}`",
                c.commitment
            ),
            json!({"task": task, "cheat": index, "commitment": c.commitment, "tx": c.tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ProveCheatArgs {
    #[command(flatten)]
    target: CheatTarget,
}

impl ProveCheatArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let task = self.target.task;
        let r = self.target.recompute(g).await?;
        let Some(index) = r.cheat else {
            return Ok(nothing_wrong(task));
        };
        let p = spin(
            format!("proving the cheat at leaf {index}"),
            r.tasks.prove_cheat(task, &r.inputs, &r.results, index),
        )
        .await?;
        let committed = match p.commit_tx {
            Some(tx) => format!("proof committed (tx {tx}) and"),
            None => "the key's earlier commitment".to_owned(),
        };
        Ok(Output::new(
            format!(
                "task {task}: leaf {index} is wrong; {committed} revealed: the solver is slashed (tx {})",
                p.tx
            ),
            json!({
                "task": task,
                "cheat": index,
                "commitment": p.commitment,
                "commit_tx": p.commit_tx,
                "tx": p.tx,
            }),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct OpenQueryArgs {
    /// The task id.
    task: u64,
    /// The leaf.
    #[arg(long)]
    index: u64,
}

impl OpenQueryArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (task, index) = (self.task, self.index);
        let (query, approval, tx) =
            spin("opening a query", game(g).await?.open_query(task, index)).await?;
        Ok(Output::new(
            format!(
                "{}\nquery {query} opened on leaf {index} of task {task} (tx {tx})",
                approval.describe()
            ),
            json!({"query": query, "task": task, "index": index, "approval": approval, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct AnswerQueryArgs {
    /// The query id.
    query: u64,
    /// The result dump.
    #[arg(long)]
    results: PathBuf,
}

impl AnswerQueryArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let query = self.query;
        let tree = load_results(&self.results)?;
        let tx = spin("answering", game(g).await?.answer_query(query, &tree)).await?;
        Ok(Output::new(
            format!("query {query} answered (tx {tx})"),
            json!({"query": query, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct TimeoutQueryArgs {
    /// The query id.
    query: u64,
}

impl TimeoutQueryArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let query = self.query;
        let tx = spin("timing the query out", game(g).await?.timeout_query(query)).await?;
        Ok(Output::new(
            format!("query {query} timed out: the solver is slashed (tx {tx})"),
            json!({"query": query, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ReclaimQueryBondArgs {
    /// The query id.
    query: u64,
}

impl ReclaimQueryBondArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let query = self.query;
        let tx = spin(
            "reclaiming the query bond",
            game(g).await?.reclaim_query_bond(query),
        )
        .await?;
        Ok(Output::new(
            format!("query {query}: its bond went back to its challenger (tx {tx})"),
            json!({"query": query, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {}

impl ListArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let tasks = game(g).await?;
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
}
