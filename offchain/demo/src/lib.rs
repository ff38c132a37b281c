//! The demo (`sonm demo`, the README's main job): the whitepaper played on an embedded chain.
//!
//! [`run`] starts an anvil, deploys everything through the one deploy definition (`script/Deploy.s.sol`, as
//! `tools/local-deploy.sh` does; [`sonm_testkit::devnet`]), then, with the toolkit's role clients ([`sonm_agents`])
//! and the watcher bot ([`sonm_watcher`]):
//!
//! 1. the market: a hub is created, funded and registered, and its owner sets an operator key; the operator signs an
//!    offer of Mandelbrot rows (EIP-712); a buyer takes 16 rows (the escrow and the hub's bond move into the map
//!    game); the hub's three miners compute the rows, the operator commits the result root, the buyer recomputes
//!    and accepts (price and bond land in the hub wallet; the market's history records the deal); the operator pays
//!    the miners for the rows each computed in one `payMany` naming the deal; they claim; the payout period passes
//!    (anvil time travel); PayDay sends the DAO its fee; the owner withdraws the free balance;
//! 2. a buyer posts two Mandelbrot rendering map tasks and a KeccakChain task; three solvers (bound by their bonds,
//!    not the hub's miners) take them: an honest one solves the first, a cheating one falsifies a few rows of the
//!    second, another commits a wrong final state of the chain;
//! 3. the watcher proves the map cheat (the solver is slashed) and wins the bisection dispute over the chain;
//! 4. the honest solver is paid after the challenge window; the honest task's rows are written as a PNG.
//!
//! Every expected outcome is checked on chain (balances, task states, events); one that did not happen is a
//! [`DemoError::Outcome`].

mod chain;
mod error;
mod image;
mod ledger;
mod play;

use std::path::PathBuf;
use std::time::Duration;

pub use error::DemoError;
pub use ledger::{Party, Step};

/// `sonm demo`'s flags.
#[derive(Clone, Debug, clap::Args)]
pub struct DemoArgs {
    /// Where the rendered Mandelbrot image (`mandelbrot.png`) and the tasks' Merkle dumps are written.
    #[arg(long, value_name = "DIR", default_value = "demo-out")]
    pub out: PathBuf,
    /// Rows of the Mandelbrot image (one map leaf each, 256 pixels wide); at least 256.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub rows: u32,
    /// Keep the chain running after the demo (until Ctrl-C), to look around with `sonm` or `cast`.
    #[arg(long)]
    pub keep_chain: bool,
}

impl Default for DemoArgs {
    fn default() -> Self {
        Self {
            out: PathBuf::from("demo-out"),
            rows: 256,
            keep_chain: false,
        }
    }
}

/// What the demo did: every party's result, the gas of every step, the image.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// The chain's RPC URL (gone once `run` returns, unless `--keep-chain`).
    pub rpc_url: String,
    /// Each party: its address, its SNM balance change, whether it was slashed.
    pub parties: Vec<Party>,
    /// Each transaction sent, in order, with its gas.
    pub steps: Vec<Step>,
    /// The outcomes checked on chain, each one line.
    pub checks: Vec<String>,
    /// The rendered image.
    pub image: PathBuf,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl DemoSummary {
    /// The summary as the table `sonm demo` prints.
    pub fn table(&self) -> String {
        ledger::table(self)
    }
}

/// Runs the demo; see the crate's documentation. Prints its progress and the summary table to stdout.
pub async fn run(args: DemoArgs) -> Result<DemoSummary, DemoError> {
    play::run(args).await
}
