//! sonm's P2P network, on rust-libp2p: every daemon (hub, miner, buyer, watcher) is a node with a persistent
//! identity that gossips signed hub announcements and reports, leases work and moves data verified against
//! on-chain Merkle roots (docs/protocol.md, "Off chain: the agents").
//!
//! - Transport: TCP, noise, yamux. Discovery: the Whitelist's endpoints (multiaddrs) dialed at start, mDNS on a
//!   LAN, peers given by hand; identify tells each peer the others' listen addresses.
//! - Gossip (gossipsub, signed, validated before forwarding): [`HUBS_TOPIC`] carries [`HubAnnouncement`]s, signed
//!   by the hub wallet's owner or operator ([`message`]); [`REPORTS_TOPIC`] carries [`MinerReport`]s and [`HubReport`]s. What a node
//!   checks before it believes and forwards a message is in [`validate`]; the facts it reads from the chain are
//!   behind [`Chain`] ([`WhitelistChain`] on a node, [`MemoryChain`] in unit tests and benchmarks).
//! - Request-response (CBOR, versioned, size-limited, with timeouts; [`protocol`]): hub info, work leases
//!   ([`WorkLease`], [`work`]), data by root ([`data`]): every leaf received is checked against the root the caller
//!   trusts, and a peer that sends one that does not verify is banned; the market ([`MarketRequest`]: a miner
//!   joins a hub, a buyer hands it a deal's inputs, anyone asks a deal's progress), answered by the application.
//! - [`Node`] is the handle on a running node (its swarm runs in a task of its own), [`Events`] what it observed;
//!   [`Metrics`] and [`MetricsServer`] expose its figures to Prometheus.
//!
//! ```no_run
//! # async fn run(chain: std::sync::Arc<sonm_net::WhitelistChain>) -> sonm_net::Result<()> {
//! use sonm_net::{Event, Identity, Node, NodeConfig};
//!
//! let config = NodeConfig {
//!     identity: Identity::File("node.key".into()),
//!     ..NodeConfig::default()
//! };
//! let (node, mut events) = Node::start(config, chain).await?;
//! while let Some(event) = events.next().await {
//!     if let Event::Announcement { announcement, .. } = event {
//!         println!("hub {} at {:?}", announcement.hub, announcement.multiaddrs());
//!     }
//! }
//! # node.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod chain;
pub mod data;
mod error;
mod fetch;
pub mod identity;
pub mod message;
pub mod metrics;
mod node;
pub mod protocol;
mod swarm;
pub mod validate;
pub mod work;

pub use chain::{Chain, ChainError, HubStanding, HubState, MemoryChain, Payments, WhitelistChain};
pub use data::DataStore;
pub use error::{NetError, Result};
pub use message::{
    Gossip, HubAnnouncement, HubReport, LeaseReceipt, MinerReport, SignedAnnouncement,
    SignedHubReport, SignedMinerReport, domain,
};
pub use metrics::{Metrics, MetricsServer};
pub use node::{
    Event, Events, HubConfig, Identity, KnownHub, Node, NodeConfig, Status, dialable_addr,
};
pub use protocol::{
    DATA_PROTOCOL, DealProgress, INFO_PROTOCOL, MARKET_PROTOCOL, MarketRequest, MarketResponse,
    ProtocolLimits, WORK_PROTOCOL, WorkLease, WorkResponse,
};
pub use validate::{GossipLimits, HUBS_TOPIC, REPORTS_TOPIC, RejectReason, Topic};
pub use work::{WorkResult, outputs_tree};

pub use libp2p::{Multiaddr, PeerId, multiaddr};
