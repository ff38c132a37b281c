//! `sonm`: every role of the sonm compute market from the command line.
//!
//! Errors are printed as one line (`error: what is wrong: what to do`) with a non-zero exit; `--json` prints one
//! JSON document per command on stdout for scripts. Exit codes: 0 done, 1 an error, 2 bad arguments, 3 a work
//! receipt presented and dishonoured (`sonm hub redeem`: the transaction succeeded, the miner is not paid).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod cmd;
mod ui;

/// Key handling, printed under every command's help.
const KEYS_HELP: &str = "Keys: set SONM_PRIVATE_KEY in the environment, or pass --keystore PATH (its password from \
SONM_KEYSTORE_PASSWORD or a prompt). Keys are never taken as a bare argument.";

/// What `sonm buy` must say of the data it hands out.
const BUY_PUBLIC: &str = "Inputs and results are public to anyone who asks for them: whoever knows a root can fetch \
the data from the buyer or the hub that serves it (confidentiality is not a goal yet).";

/// sonm: a decentralized market for computing power on Ethereum.
#[derive(Debug, Parser)]
#[command(name = "sonm", version, about, after_help = KEYS_HELP, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    cmd: Cmd,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
struct Global {
    /// The node to talk to.
    #[arg(
        long,
        global = true,
        env = "ETH_RPC_URL",
        default_value = "http://127.0.0.1:8545",
        value_name = "URL"
    )]
    rpc_url: String,
    /// An encrypted keystore file to sign with (password from SONM_KEYSTORE_PASSWORD or a prompt).
    #[arg(long, global = true, env = "SONM_KEYSTORE", value_name = "PATH")]
    keystore: Option<PathBuf>,
    /// Where the deployments files are (`<chainId>.json`, written by `sonm deploy`).
    #[arg(
        long,
        global = true,
        env = "SONM_DEPLOYMENTS",
        default_value = "deployments",
        value_name = "DIR"
    )]
    deployments: PathBuf,
    /// Print JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Build, inspect and verify OpenZeppelin StandardMerkleTrees.
    #[command(subcommand)]
    Merkle(cmd::merkle::MerkleCmd),
    /// The market on an embedded local chain, as separate processes: two hubs, four miners, a buyer, the watcher.
    Demo(sonm_demo::DemoArgs),
    /// Deploy sonm through the deploy definition (script/Deploy.s.sol) and print the addresses.
    Deploy(cmd::deploy::DeployArgs),
    /// SNM: balances, transfers, vote delegation.
    #[command(subcommand)]
    Token(cmd::token::TokenCmd),
    /// Hubs: create and run a hub wallet, its operator key, pay miners, claim as a miner, rate, list, histories.
    #[command(subcommand)]
    Hub(cmd::hub::HubCmd),
    /// The DAO: propose privileged actions (trust, suspect, rehab, ban, parameters), vote, queue, execute.
    #[command(subcommand)]
    Dao(cmd::dao::DaoCmd),
    /// Map tasks: post, claim, forfeit a lapsed claim, solve, commit, prove a cheat, queries, show, list, finalize,
    /// refund.
    #[command(subcommand)]
    Map(cmd::map::MapCmd),
    /// The market: a hub's operator signs offers (EIP-712 files), a buyer takes one as a deal of the map game and
    /// accepts its result.
    #[command(subcommand)]
    Market(cmd::market::MarketCmd),
    /// Chain tasks: post, claim, commit, forfeit a lapsed claim, show, list, finalize, refund.
    #[command(subcommand)]
    Chain(cmd::chain::ChainCmd),
    /// Disputes over chain tasks: open, show, play the bisection moves, timeout, reclaim a dispute bond.
    #[command(subcommand)]
    Dispute(cmd::chain::DisputeCmd),
    /// Computations: register one (its code checked pure, its hash pinned: the games judge only these), show one.
    #[command(subcommand)]
    Computation(cmd::computation::ComputationCmd),
    /// The watcher/challenger bot: recompute every commitment, prove cheats, play disputes, defend this key's solver.
    Watch(sonm_watcher::cli::WatchArgs),
    /// The miner: find hubs, mark them, spread capacity over them, compute their leases, redeem and claim the pay.
    #[command(subcommand)]
    Miner(cmd::miner::MinerCmd),
    /// Buy work on the market: hear hubs' offers, take the cheapest acceptable, verify the results and accept.
    ///
    /// Lists the offers heard on the network with each hub's history and mark, takes the cheapest acceptable one
    /// (or --hub's), serves the inputs and hands them to the hub, shows the progress (rows done, by which miner),
    /// waits for the commit on chain, fetches the results (every row checked against the committed root),
    /// recomputes a sample itself (--sample), accepts (or --no-accept waits out the window) and writes the picture.
    #[command(after_help = BUY_PUBLIC)]
    Buy(sonm_buyer::BuyArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ui::clap_error(e),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SONM_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.global.json;
    match runtime.block_on(run(cli)) {
        Ok(out) => {
            out.print(json);
            out.exit_code()
        }
        Err(e) => {
            eprintln!("error: {}", ui::one_line(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> eyre::Result<ui::Output> {
    let g = cli.global;
    match cli.cmd {
        Cmd::Merkle(c) => c.run(),
        Cmd::Demo(a) => cmd::demo::run(a).await,
        Cmd::Deploy(a) => a.run(&g).await,
        Cmd::Token(c) => c.run(&g).await,
        Cmd::Hub(c) => c.run(&g).await,
        Cmd::Dao(c) => c.run(&g).await,
        Cmd::Map(c) => c.run(&g).await,
        Cmd::Market(c) => c.run(&g).await,
        Cmd::Chain(c) => c.run(&g).await,
        Cmd::Dispute(c) => c.run(&g).await,
        Cmd::Computation(c) => c.run(&g).await,
        Cmd::Watch(a) => cmd::watch::run(&g, a).await,
        Cmd::Miner(c) => c.run(&g).await,
        Cmd::Buy(a) => cmd::buy::run(&g, a).await,
    }
}
