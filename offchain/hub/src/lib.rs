//! The hub daemon (`sonm hub serve`): a hub's operator key runs the hub's side of the market (docs/protocol.md,
//! "Off chain: the agents").
//!
//! - **Offers**: signed from `--offers FILE.toml` or flags, announced on the network (sonm-net), signed again with
//!   a fresh nonce before they expire.
//! - **Deals**: followed from the chain (`Market.DealTaken` naming the hub's wallet, from the deployment's block,
//!   resumed from the block stored), in chain time. Inputs are fetched from the buyer that calls
//!   (`MarketRequest::Inputs`) or from the deal's `sonm://` input URI, each leaf checked against the input root on
//!   chain; a deal whose inputs have not arrived `--decline-margin` seconds before its `declineBy` is declined.
//! - **Leases** ([`scheduler`]): units (leaves) leased in ranges to the miners that joined, within their
//!   capacity, with a timeout; a failed or late lease puts its units back.
//! - **The sample** ([`sampler`]): after each answer, each unit is recomputed with probability `--sample-rate`
//!   (seeded); a miner caught with a wrong unit loses every unit of the task, is banned and reported
//!   (`HubReport` on the reports topic).
//! - **Commit, queries, settlement, pay**: the results tree served over the data protocol, its root committed
//!   before the deadline with a `sonm://` URI naming the node; queries on its deals answered; the deal finalized
//!   after the window if the buyer does not accept; a work receipt signed per miner for its units and served on
//!   `MarketRequest::Receipts`; PayDay when due (and registering again).
//! - **Crash safety** ([`sender`], [`store`]): every transaction is journaled in redb with its signed bytes before
//!   it is broadcast; a restarted hub rebroadcasts the same bytes and never signs an action twice.
//!
//! ```no_run
//! # async fn f(config: sonm_hub::ServeConfig) -> sonm_hub::Result<()> {
//! sonm_hub::run(config, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

pub mod config;
mod daemon;
mod error;
mod report;
pub mod sampler;
pub mod scheduler;
pub mod sender;
pub mod store;

pub use config::{OfferSpec, ServeArgs, ServeConfig};
pub use daemon::run;
pub use error::{HubError, Result};
pub use sender::{CRASH_ENV, CrashAt};
