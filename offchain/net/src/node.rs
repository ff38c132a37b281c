//! The node: one libp2p swarm in its own task, driven through a [`Node`] handle (commands over a channel) and
//! observed through [`Events`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy::primitives::{Address, Bytes};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::Eip712Domain;
use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use crate::chain::Chain;
use crate::data::DataStore;
use crate::message::{Gossip, HubAnnouncement, HubReport, MinerReport, SignedAnnouncement};
use crate::metrics::Metrics;
use crate::protocol::{
    MarketRequest, MarketResponse, ProtocolLimits, WORK_PROTOCOL, WorkLease, WorkResponse,
};
use crate::swarm::{self, Command, CommandBox};
use crate::validate::{GossipLimits, RejectReason, Topic};
use crate::work::{WorkResult, check_answer};
use crate::{NetError, Result};

/// The first of `addrs` another machine can dial, to name in a URI or an announcement: a routable address before a
/// loopback one, never an unspecified one (`0.0.0.0`, `::`).
pub fn dialable_addr(addrs: &[Multiaddr]) -> Option<Multiaddr> {
    use libp2p::multiaddr::Protocol;
    let ip_is = |a: &Multiaddr,
                 v4: fn(&std::net::Ipv4Addr) -> bool,
                 v6: fn(&std::net::Ipv6Addr) -> bool| {
        a.iter().any(|p| match p {
            Protocol::Ip4(ip) => v4(&ip),
            Protocol::Ip6(ip) => v6(&ip),
            _ => false,
        })
    };
    let usable: Vec<&Multiaddr> = addrs
        .iter()
        .filter(|a| {
            !ip_is(
                a,
                std::net::Ipv4Addr::is_unspecified,
                std::net::Ipv6Addr::is_unspecified,
            )
        })
        .collect();
    usable
        .iter()
        .find(|a| {
            !ip_is(
                a,
                std::net::Ipv4Addr::is_loopback,
                std::net::Ipv6Addr::is_loopback,
            )
        })
        .or_else(|| usable.first())
        .map(|a| (*a).clone())
}

/// Where the node's libp2p key comes from.
#[derive(Clone, Debug)]
pub enum Identity {
    /// A key file, created on first run (see [`crate::identity::load_or_create`]).
    File(PathBuf),
    /// A key in hand.
    Key(Keypair),
    /// A new key every start (tests, throw-away nodes).
    Ephemeral,
}

/// What a hub's node announces, and how often.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// The key that signs announcements: the hub wallet's owner (the Whitelist's record names it) or its operator
    /// (`HubWallet.operator()`); a hub daemon holds only the operator key.
    pub signer: PrivateKeySigner,
    /// The hub wallet.
    pub hub: Address,
    /// The hub's display name.
    pub name: String,
    /// The offers, opaque here.
    pub offers: Bytes,
    /// How long an announcement lives.
    pub lifetime: Duration,
    /// How often it is republished (well within `lifetime`).
    pub interval: Duration,
    /// Addresses to announce instead of the listen addresses (a public address behind NAT).
    pub addrs: Option<Vec<Multiaddr>>,
}

impl HubConfig {
    /// Announcements of `hub` signed by `signer` (its owner or operator), living 10 minutes, republished every 2.
    pub fn new(signer: PrivateKeySigner, hub: Address, name: impl Into<String>) -> Self {
        Self {
            signer,
            hub,
            name: name.into(),
            offers: Bytes::new(),
            lifetime: Duration::from_secs(600),
            interval: Duration::from_secs(120),
            addrs: None,
        }
    }
}

/// A node's configuration.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The libp2p key.
    pub identity: Identity,
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Peers to dial at start (`--peer`).
    pub peers: Vec<Multiaddr>,
    /// Dial the endpoints of the Whitelist's registered hubs at start, and again whenever the node has no peer.
    pub bootstrap_from_chain: bool,
    /// Find peers on the LAN with mDNS.
    pub mdns: bool,
    /// Announce a hub.
    pub hub: Option<HubConfig>,
    /// Gossip limits.
    pub gossip: GossipLimits,
    /// Request-response limits and timeouts.
    pub limits: ProtocolLimits,
    /// The gossipsub heartbeat.
    pub heartbeat: Duration,
    /// How long a connection with nothing going on stays open.
    pub idle_timeout: Duration,
    /// The metrics to update.
    pub metrics: Metrics,
}

impl Default for NodeConfig {
    /// A fresh key, listening on every interface on a free TCP port, bootstrapping from the chain, no mDNS.
    fn default() -> Self {
        Self {
            identity: Identity::Ephemeral,
            listen: vec!["/ip4/0.0.0.0/tcp/0".parse().expect("a valid multiaddr")],
            peers: Vec::new(),
            bootstrap_from_chain: true,
            mdns: false,
            hub: None,
            gossip: GossipLimits::default(),
            limits: ProtocolLimits::default(),
            heartbeat: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(300),
            metrics: Metrics::default(),
        }
    }
}

impl NodeConfig {
    /// The default configuration listening on 127.0.0.1 only, without chain bootstrap (tests, local tools).
    pub fn local() -> Self {
        Self {
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("a valid multiaddr")],
            bootstrap_from_chain: false,
            ..Self::default()
        }
    }
}

/// Something that happened on the network.
#[derive(Clone, Debug)]
pub enum Event {
    /// Listening on a new address.
    Listening(Multiaddr),
    /// A first connection to a peer.
    Connected(PeerId),
    /// The last connection to a peer closed.
    Disconnected(PeerId),
    /// A hub's announcement, believed (and forwarded).
    Announcement {
        /// The peer it came from.
        from: PeerId,
        /// The announcement.
        announcement: HubAnnouncement,
    },
    /// A miner's report about a hub, believed.
    MinerReport {
        /// The peer it came from.
        from: PeerId,
        /// The report.
        report: MinerReport,
    },
    /// A hub's report about a miner, believed.
    HubReport {
        /// The peer it came from.
        from: PeerId,
        /// The report.
        report: HubReport,
    },
    /// A gossip message rejected: not forwarded, and the peer that sent it scored down (unless
    /// [`RejectReason::blames_sender`] says it is not to blame).
    Rejected {
        /// The peer it came from.
        from: PeerId,
        /// The peer that published it (signed the gossip message).
        source: Option<PeerId>,
        /// The topic.
        topic: Topic,
        /// Why.
        reason: RejectReason,
    },
    /// A hub leases units to this node; answer with [`Node::answer_work`]. The lease's inputs are checked.
    WorkRequest {
        /// The request, to answer.
        id: u64,
        /// The hub's peer.
        peer: PeerId,
        /// The lease.
        lease: WorkLease,
        /// The inputs, in unit order, each checked against the lease's input root.
        inputs: Vec<Bytes>,
    },
    /// A peer's market request; answer with [`Node::answer_market`] within its
    /// [`ProtocolLimits::market_timeout`].
    MarketRequest {
        /// The request, to answer.
        id: u64,
        /// The asking peer.
        peer: PeerId,
        /// The request.
        request: MarketRequest,
    },
    /// A peer banned (disconnected and refused from now on).
    Banned {
        /// The peer.
        peer: PeerId,
        /// Why.
        reason: String,
    },
}

/// The stream of a node's [`Event`]s. Keep reading it: events wait in memory until read.
#[derive(Debug)]
pub struct Events(mpsc::UnboundedReceiver<Event>);

impl Events {
    /// The next event; `None` once the node stopped.
    pub async fn next(&mut self) -> Option<Event> {
        self.0.recv().await
    }

    /// An event already waiting, if any.
    pub fn try_next(&mut self) -> Option<Event> {
        self.0.try_recv().ok()
    }
}

impl futures::Stream for Events {
    type Item = Event;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Event>> {
        self.0.poll_recv(cx)
    }
}

/// A node's state, as [`Node::status`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// Its peer id.
    pub peer_id: PeerId,
    /// Where it listens.
    pub listen_addrs: Vec<Multiaddr>,
    /// The peers connected.
    pub peers: Vec<PeerId>,
    /// The peers subscribed to each topic.
    pub subscribed: HashMap<Topic, Vec<PeerId>>,
    /// The peers in its gossip mesh of each topic.
    pub mesh: HashMap<Topic, Vec<PeerId>>,
}

/// A hub the node believes in, from its latest announcement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownHub {
    /// The announcement.
    pub announcement: HubAnnouncement,
    /// The peer it names.
    pub peer: PeerId,
}
/// A handle on a running node. Cloning is cheap; the node stops when [`shutdown`](Self::shutdown) is called or the
/// last handle is dropped.
#[derive(Clone, Debug)]
pub struct Node {
    commands: mpsc::UnboundedSender<CommandBox>,
    peer_id: PeerId,
    domain: Eip712Domain,
    pub(crate) limits: ProtocolLimits,
    store: DataStore,
    pub(crate) metrics: Metrics,
    task: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Node {
    /// Starts a node: loads its key, listens, subscribes to both topics, dials its peers (and the Whitelist's
    /// endpoints), and starts announcing if it is a hub. Returns once it listens.
    pub async fn start<C: Chain>(config: NodeConfig, chain: Arc<C>) -> Result<(Self, Events)> {
        let key = match &config.identity {
            Identity::File(path) => crate::identity::load_or_create(path)?,
            Identity::Key(k) => k.clone(),
            Identity::Ephemeral => Keypair::generate_ed25519(),
        };
        let peer_id = key.public().to_peer_id();
        let domain = chain.domain();
        let store = DataStore::new();
        let (commands, events, task) = swarm::start(&config, chain, key, store.clone()).await?;
        Ok((
            Self {
                commands,
                peer_id,
                domain,
                limits: config.limits,
                store,
                metrics: config.metrics,
                task: Arc::new(Mutex::new(Some(task))),
            },
            Events(events),
        ))
    }

    /// The node's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The EIP-712 domain its messages are signed under.
    pub fn domain(&self) -> &Eip712Domain {
        &self.domain
    }

    /// The trees it serves over the data protocol: `node.data().insert(tree)` to serve one.
    pub fn data(&self) -> &DataStore {
        &self.store
    }

    /// Its metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn send(&self, c: Command) -> Result<()> {
        self.commands
            .send(CommandBox(c))
            .map_err(|_| NetError::Stopped)
    }

    pub(crate) async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        self.send(make(tx))?;
        rx.await.map_err(|_| NetError::Stopped)
    }

    /// Dials `addr` (with `/p2p/<peer id>` to be sure whom).
    pub async fn dial(&self, addr: Multiaddr) -> Result<()> {
        self.ask(|tx| Command::Dial(addr, tx)).await?
    }

    /// Where it listens, who is connected, the gossip meshes.
    pub async fn status(&self) -> Result<Status> {
        self.ask(Command::Status).await?
    }

    /// Its gossipsub score of `peer` (negative after rejected messages).
    pub async fn peer_score(&self, peer: PeerId) -> Result<Option<f64>> {
        self.ask(|tx| Command::PeerScore(peer, tx)).await
    }

    /// Publishes a signed message on its topic.
    pub async fn publish(&self, message: &Gossip) -> Result<()> {
        let topic = match message {
            Gossip::Announcement(_) => Topic::Hubs,
            Gossip::MinerReport(_) | Gossip::HubReport(_) => Topic::Reports,
        };
        self.publish_raw(topic, message.encode()).await
    }

    /// Publishes bytes as they are (tools and tests; receivers check them as any message).
    pub async fn publish_raw(&self, topic: Topic, bytes: Vec<u8>) -> Result<()> {
        self.ask(|tx| Command::Publish(topic, bytes, tx)).await?
    }

    /// A hub's node: announces now, with new offers if given (and keeps them for the next announcements).
    /// Returns what it published. Fails if no peer subscribed to the topic yet (it is published as soon as one
    /// does).
    pub async fn announce(&self, offers: Option<Bytes>) -> Result<HubAnnouncement> {
        self.ask(|tx| Command::Announce(offers, tx)).await?
    }

    /// The hubs it believes in (latest unexpired announcement of each).
    pub async fn hubs(&self) -> Result<Vec<KnownHub>> {
        self.ask(Command::Hubs).await
    }

    /// Asks `peer` for its hub announcement and checks it as gossip is checked (size, signature, expiry, the
    /// chain), and that it names `peer`.
    pub async fn hub_info(&self, peer: PeerId) -> Result<SignedAnnouncement> {
        self.ask(|tx| Command::Info(peer, tx)).await?
    }

    /// Leases units to `peer` and waits for the outputs; checks one output per unit and the lease receipt's signature.
    pub async fn lease(&self, peer: PeerId, lease: WorkLease) -> Result<WorkResult> {
        let response = self
            .ask(|tx| Command::Work(peer, lease.clone(), tx))
            .await??;
        match response {
            WorkResponse::Done {
                outputs,
                receipt_signature,
            } => check_answer(&lease, outputs, receipt_signature, &self.domain).map_err(|reason| {
                self.ban(peer, format!("bad work answer: {reason}"));
                NetError::Tampered {
                    protocol: WORK_PROTOCOL,
                    peer,
                    reason,
                }
            }),
            WorkResponse::Refused { reason } => Err(NetError::Refused {
                protocol: WORK_PROTOCOL,
                peer,
                reason,
            }),
        }
    }

    /// Answers the lease of [`Event::WorkRequest`] `id` (see [`WorkLease::answer`] and
    /// [`WorkLease::answer_signed`]).
    pub async fn answer_work(&self, id: u64, response: WorkResponse) -> Result<()> {
        self.ask(|tx| Command::AnswerWork(id, response, tx)).await?
    }

    /// Sends `peer` a market request and waits for its answer (at most [`ProtocolLimits::market_timeout`]).
    /// A [`MarketResponse::Refused`] is an answer, returned as it is.
    pub async fn market(&self, peer: PeerId, request: MarketRequest) -> Result<MarketResponse> {
        self.ask(|tx| Command::Market(peer, request, tx)).await?
    }

    /// Answers the market request of [`Event::MarketRequest`] `id`.
    pub async fn answer_market(&self, id: u64, response: MarketResponse) -> Result<()> {
        self.ask(|tx| Command::AnswerMarket(id, response, tx))
            .await?
    }

    /// Bans `peer`: disconnects it and refuses it from now on.
    pub fn ban(&self, peer: PeerId, reason: String) {
        let _ = self.send(Command::Ban(peer, reason));
    }
    /// Stops the node and waits for its task to end (connections close, pending requests fail).
    pub async fn shutdown(&self) {
        let _ = self.send(Command::Shutdown);
        let handle = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            let _ = h.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_routable_address_is_picked_before_loopback_and_never_an_unspecified_one() {
        let a = |s: &str| s.parse::<Multiaddr>().expect("addr");
        let picked = dialable_addr(&[
            a("/ip4/0.0.0.0/tcp/1"),
            a("/ip4/127.0.0.1/tcp/1"),
            a("/ip4/10.0.0.5/tcp/1"),
        ]);
        assert_eq!(picked, Some(a("/ip4/10.0.0.5/tcp/1")));
        assert_eq!(
            dialable_addr(&[a("/ip6/::1/tcp/1"), a("/ip6/::/tcp/1")]),
            Some(a("/ip6/::1/tcp/1"))
        );
        assert_eq!(dialable_addr(&[a("/ip4/0.0.0.0/tcp/1")]), None);
        assert_eq!(dialable_addr(&[]), None);
    }
}
