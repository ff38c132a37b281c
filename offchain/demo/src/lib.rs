//! The demo (`sonm demo`, the README's main job): the market played by separate processes on an embedded chain.
//!
//! [`run`] starts an anvil and deploys everything through the one deploy definition (`script/Deploy.s.sol`, as
//! `tools/local-deploy.sh` does; [`sonm_testkit::devnet`]); as the deployer and the hubs' owners would, it funds the
//! parties, creates and registers two hubs (their endpoints in the Whitelist name their nodes' pre-made libp2p keys)
//! and sets their operator keys. Then every other party is a `sonm` process of its own (this very executable, or
//! `--sonm-bin`), sharing no file with the others and talking only over libp2p and the chain:
//!
//! 1. the watcher (`sonm watch`), two hubs at different prices (`sonm hub serve`; the dearer one falsifies a row of
//!    what it commits, `--dishonest-rows 1`) and four miners (`sonm miner run`; one returns a wrong row about one
//!    time in eight, `--dishonest-one-in 8`), which find the hubs through the Whitelist, mark them and join them;
//! 2. a buyer (`sonm buy`) buys a 512x512 Mandelbrot rendering from the hub it judges best; the hub spreads the rows
//!    over the miners, catches the dishonest one by its sample (its rows redone by others, the miner unpaid, banned
//!    and reported), commits; the buyer fetches the rows against the committed root, recomputes a sample, accepts;
//!    the hub signs work receipts, the miners redeem and claim them;
//! 3. a second, small purchase from the dishonest hub: the buyer's own check refuses it, the watcher proves the
//!    falsified row on chain, the buyer's escrow comes back, the hub's history shows the fault and every miner's
//!    mark of it drops;
//! 4. a third, small purchase that the buyer does not accept: the demo moves the chain's clock past the challenge
//!    window and the deal settles.
//!
//! The demo follows the processes' `--json` lines and the chain, checks every outcome on chain (balances, deal
//! states, histories, `Paid` and `SolverSlashed` events); one that did not happen is a [`DemoError::Outcome`]. It
//! writes the rendering, a picture of the same size showing which miner rendered each row, and the summary table.

mod chain;
mod error;
mod ledger;
mod play;
mod procs;
mod rowmap;

use std::path::PathBuf;
use std::time::Duration;

pub use error::DemoError;
pub use ledger::{Party, Step};

/// `sonm demo`'s flags.
#[derive(Clone, Debug, clap::Args)]
pub struct DemoArgs {
    /// Where the pictures (`mandelbrot.png`, `miners.png`), the processes' directories (`procs/`) and their logs
    /// (`logs/<role>.log`, their JSON lines in `logs/<role>.jsonl`) are written.
    #[arg(long, value_name = "DIR", default_value = "demo-out")]
    pub out: PathBuf,
    /// Rows of the Mandelbrot picture the buyer buys (one unit of work, one map leaf, each); at least 256.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub rows: u32,
    /// Its width in pixels; at least 64.
    #[arg(long, value_name = "PIXELS", default_value_t = 512)]
    pub width: u32,
    /// Keep the chain and the daemons running after the demo (until Ctrl-C), to look around with `sonm` or `cast`.
    #[arg(long)]
    pub keep_chain: bool,
    /// The `sonm` executable to run the processes with (default: this one, or the `sonm` built beside it).
    #[arg(long, value_name = "PATH", hide = true)]
    pub sonm_bin: Option<PathBuf>,
}

impl Default for DemoArgs {
    fn default() -> Self {
        Self {
            out: PathBuf::from("demo-out"),
            rows: 512,
            width: 512,
            keep_chain: false,
            sonm_bin: None,
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
    /// The rendering the buyer bought.
    pub image: PathBuf,
    /// The picture of who rendered each row.
    pub row_map: PathBuf,
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
