//! Typed clients for every role of the sonm market, over alloy providers and signers.
//!
//! A [`Client`] is a connection to one deployment (the node, the key, `deployments/<chainId>.json`). The roles
//! borrow it:
//!
//! - [`HubOwner`] creates, funds, registers and runs a hub wallet; [`Miner`] claims what hubs owe it and rates them;
//!   [`Hubs`] reads the registry;
//! - [`Token`] moves SNM and approves exactly what a call needs;
//! - [`Market`]: a hub's operator signs [`Offer`]s, a buyer takes one as a deal of the map game (then accepts it
//!   with [`MapTasks::accept`]); the hubs' histories;
//! - [`Receipts`]: a hub signs a miner a [`WorkReceipt`] (EIP-712, in its wallet's domain), which the miner redeems
//!   against the wallet itself, or sees dishonoured and recorded in the hub's history;
//! - [`MapTasks`] and [`ChainTasks`] play the two verification games; [`Computations`] registers computations in
//!   the registry whose computations alone the games judge;
//!
//! Every call is simulated before it is sent, so a call that would revert fails with its decoded custom error and
//! costs nothing; every error is an [`AgentError`], one line a user can act on.

pub mod chain;
mod client;
pub mod computation;
pub mod dao;
mod error;
pub mod hub;
pub mod keys;
pub mod mark;
pub mod market;
pub mod proof;
pub mod receipt;
pub mod task;
pub mod token;
pub mod typed;
pub mod units;

pub use chain::{ChainPostSpec, ChainTaskStatus, ChainTasks, DisputeInfo, DisputePhase};
pub use client::Client;
pub use computation::{ComputationInfo, Computations, Registered};
pub use dao::{Action, DaoMember, Proposal, ProposalState, Support};
pub use error::{AgentError, Result};
pub use hub::{HubInfo, HubKeys, HubOwner, HubRecord, HubState, Hubs, Miner};
pub use market::{HubHistory, Market, Offer, OfferStatus, SignedOffer, Taken};
pub use receipt::{ReceiptStatus, Receipts, Redemption, SignedReceipt, SignerRole, WorkReceipt};
pub use task::{MapTasks, PostSpec, SolveMode, TaskInfo, TaskStatus};
pub use token::{Approval, Token};
