//! sonm's miner daemon (`sonm miner run`, `sonm miner hubs`): a sonm-net node that finds hubs by their
//! announcements, marks each ([`sonm_agents::mark`]: not confirmed, checked, safe, with the reasons), spreads its
//! capacity over the hubs it accepts for the best expected return at its risk aversion ([`briefcase`]), joins them
//! (`Join { capacity }` on `/sonm/market/1`; 0 to leave), computes leased units with the executor on a rayon pool,
//! fetches its work receipts, redeems and claims them, publishes `MinerReport`s on every hub that paid it, and stops
//! working for a hub whose unpaid debt passes `--max-debt`. Its state is in redb ([`state`]).
//!
//! ```no_run
//! # async fn go(args: sonm_miner::RunArgs, key: alloy::signers::local::PrivateKeySigner) -> sonm_miner::Result<()> {
//! let config = args.into_config("http://127.0.0.1:8545".into(), "deployments".into(), key, true)?;
//! sonm_miner::run(config, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(())
//! # }
//! ```

pub mod briefcase;
mod config;
mod daemon;
mod error;
mod events;
pub mod state;
mod view;

pub use config::{DEFAULT_MAX_DEBT, DEFAULT_STATE, HubsArgs, MinerConfig, RunArgs};
pub use daemon::{falsify, judge, run, snm_f64};
pub use error::{MinerError, Result};
pub use events::MinerEvent;
pub use view::{HubView, hubs};
