//! The swarm task: the libp2p behaviours, and the loop that drives them, answers the [`Node`](crate::Node)
//! handle's commands and validates gossip.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, Bytes};
use alloy::sol_types::Eip712Domain;
use futures::StreamExt as _;
use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, MessageId, TopicHash};
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{
    self, OutboundFailure, OutboundRequestId, ProtocolSupport, ResponseChannel,
};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    Multiaddr, PeerId, StreamProtocol, Swarm, allow_block_list, identify, mdns, noise, tcp, yamux,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{Instrument as _, debug, info, info_span, warn};

use crate::chain::Chain;
use crate::data::DataStore;
use crate::message::{Gossip, HubAnnouncement, SignedAnnouncement};
use crate::metrics::{FailureLabels, Metrics, ProtocolLabel, RejectLabels, TopicLabel};
use crate::node::{Event, HubConfig, KnownHub, NodeConfig, Status};
use crate::protocol::{
    DATA_PROTOCOL, DataRequest, DataResponse, INFO_PROTOCOL, InfoRequest, InfoResponse,
    MARKET_PROTOCOL, MarketRequest, MarketResponse, ProtocolLimits, WORK_PROTOCOL, WorkLease,
    WorkResponse,
};
use crate::validate::{Prechecked, RejectReason, Topic, Validator, Verdict, Verified, check_chain};
use crate::{NetError, Result};

pub(crate) type Reply<T> = oneshot::Sender<Result<T>>;

pub(crate) enum Command {
    Dial(Multiaddr, Reply<()>),
    Status(Reply<Status>),
    PeerScore(PeerId, oneshot::Sender<Option<f64>>),
    Publish(Topic, Vec<u8>, Reply<()>),
    Announce(Option<Bytes>, Reply<HubAnnouncement>),
    Hubs(oneshot::Sender<Vec<KnownHub>>),
    Info(PeerId, Reply<SignedAnnouncement>),
    Work(PeerId, WorkLease, Reply<WorkResponse>),
    AnswerWork(u64, WorkResponse, Reply<()>),
    Data(PeerId, DataRequest, Reply<DataResponse>),
    Market(PeerId, MarketRequest, Reply<MarketResponse>),
    AnswerMarket(u64, MarketResponse, Reply<()>),
    Ban(PeerId, String),
    Shutdown,
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    identify: identify::Behaviour,
    gossipsub: gossipsub::Behaviour,
    info: request_response::cbor::Behaviour<InfoRequest, InfoResponse>,
    work: request_response::cbor::Behaviour<WorkLease, WorkResponse>,
    data: request_response::cbor::Behaviour<DataRequest, DataResponse>,
    market: request_response::cbor::Behaviour<MarketRequest, MarketResponse>,
    mdns: Toggle<mdns::tokio::Behaviour>,
}

/// A command, boxed so the channel's type is not the private enum's.
pub(crate) struct CommandBox(pub(crate) Command);

impl std::fmt::Debug for CommandBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn topic_of(hash: &TopicHash) -> Option<Topic> {
    Topic::ALL
        .into_iter()
        .find(|t| IdentTopic::new(t.name()).hash() == *hash)
}

/// The gossipsub scores: rejected messages weigh heavily, nothing else much. Announcements and reports are rare,
/// so the delivery-rate penalties gossipsub's defaults assume (P3) would punish every honest peer: they are off.
fn score_params() -> (gossipsub::PeerScoreParams, gossipsub::PeerScoreThresholds) {
    let mut params = gossipsub::PeerScoreParams {
        // Nodes of one machine or LAN share an address: that is no sign of a Sybil here.
        ip_colocation_factor_weight: 0.0,
        ..gossipsub::PeerScoreParams::default()
    };
    for topic in Topic::ALL {
        params.topics.insert(
            IdentTopic::new(topic.name()).hash(),
            gossipsub::TopicScoreParams {
                topic_weight: 1.0,
                time_in_mesh_weight: 0.01,
                time_in_mesh_quantum: Duration::from_secs(1),
                time_in_mesh_cap: 100.0,
                first_message_deliveries_weight: 1.0,
                first_message_deliveries_decay: 0.9,
                first_message_deliveries_cap: 10.0,
                mesh_message_deliveries_weight: 0.0,
                mesh_failure_penalty_weight: 0.0,
                // One rejected message costs 20 (below the gossip threshold); a few more graylist the peer; the
                // count decays by 1% a second.
                invalid_message_deliveries_weight: -20.0,
                invalid_message_deliveries_decay: 0.99,
                ..gossipsub::TopicScoreParams::default()
            },
        );
    }
    (params, gossipsub::PeerScoreThresholds::default())
}

/// Builds the swarm, listens, dials `config.peers` and spawns the task. Returns once every listener has an
/// address.
pub(crate) async fn start<C: Chain>(
    config: &NodeConfig,
    chain: Arc<C>,
    key: Keypair,
    store: DataStore,
) -> Result<(
    mpsc::UnboundedSender<CommandBox>,
    mpsc::UnboundedReceiver<Event>,
    JoinHandle<()>,
)> {
    let peer_id = key.public().to_peer_id();
    let domain = chain.domain();
    let limits = config.limits;
    let gossip_limits = config.gossip;
    let heartbeat = config.heartbeat;
    let mdns_on = config.mdns;
    let max_transmit = gossip_limits.max_announcement.max(gossip_limits.max_report) + 4096;
    let setup = |e: &dyn std::fmt::Display| NetError::Setup(e.to_string());
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| setup(&e))?
        .with_behaviour(
            |key| -> std::result::Result<Behaviour, Box<dyn std::error::Error + Send + Sync>> {
                let gossip_config = gossipsub::ConfigBuilder::default()
                    .validation_mode(gossipsub::ValidationMode::Strict)
                    .validate_messages()
                    .heartbeat_interval(heartbeat)
                    .max_transmit_size(max_transmit)
                    .build()
                    .map_err(|e| e.to_string())?;
                let mut gossipsub = gossipsub::Behaviour::new(
                    gossipsub::MessageAuthenticity::Signed(key.clone()),
                    gossip_config,
                )?;
                let (params, thresholds) = score_params();
                gossipsub.with_peer_score(params, thresholds)?;
                let rr = |protocol: &'static str, timeout: Duration| {
                    (
                        [(StreamProtocol::new(protocol), ProtocolSupport::Full)],
                        request_response::Config::default().with_request_timeout(timeout),
                    )
                };
                let (p, c) = rr(INFO_PROTOCOL, limits.info_timeout);
                let info = request_response::cbor::Behaviour::with_codec(
                    request_response::cbor::codec::Codec::default()
                        .set_request_size_maximum(1024)
                        .set_response_size_maximum(gossip_limits.max_announcement as u64 + 1024),
                    p,
                    c,
                );
                let (p, c) = rr(WORK_PROTOCOL, limits.work_timeout);
                let work = request_response::cbor::Behaviour::with_codec(
                    request_response::cbor::codec::Codec::default()
                        .set_request_size_maximum(limits.max_lease_bytes)
                        .set_response_size_maximum(limits.max_work_response_bytes),
                    p,
                    c,
                );
                let (p, c) = rr(DATA_PROTOCOL, limits.data_timeout);
                let data = request_response::cbor::Behaviour::with_codec(
                    request_response::cbor::codec::Codec::default()
                        .set_request_size_maximum(1024)
                        .set_response_size_maximum(limits.max_data_response_bytes),
                    p,
                    c,
                );
                let (p, c) = rr(MARKET_PROTOCOL, limits.market_timeout);
                let market = request_response::cbor::Behaviour::with_codec(
                    crate::protocol::market_codec(&limits),
                    p,
                    c,
                );
                let mdns = if mdns_on {
                    Some(mdns::tokio::Behaviour::new(
                        mdns::Config::default(),
                        key.public().to_peer_id(),
                    )?)
                } else {
                    None
                };
                Ok(Behaviour {
                    blocked: allow_block_list::Behaviour::default(),
                    identify: identify::Behaviour::new(
                        identify::Config::new("/sonm/1".into(), key.public())
                            .with_agent_version(format!("sonm-net/{}", env!("CARGO_PKG_VERSION"))),
                    ),
                    gossipsub,
                    info,
                    work,
                    data,
                    market,
                    mdns: Toggle::from(mdns),
                })
            },
        )
        .map_err(|e| setup(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(config.idle_timeout))
        .build();
    for topic in Topic::ALL {
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&IdentTopic::new(topic.name()))
            .map_err(|e| setup(&e))?;
    }
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NetError::Listen {
                addr: addr.to_string(),
                reason: e.to_string(),
            })?;
    }
    // Return once every listener has an address, so the caller can hand them out.
    let mut listen_addrs = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while listen_addrs.len() < config.listen.len() {
        match tokio::time::timeout_at(deadline, swarm.select_next_some()).await {
            Ok(SwarmEvent::NewListenAddr { address, .. }) => listen_addrs.push(address),
            Ok(
                SwarmEvent::ListenerError { error, .. }
                | SwarmEvent::ListenerClosed {
                    reason: Err(error), ..
                },
            ) => {
                return Err(NetError::Listen {
                    addr: format!("{:?}", config.listen),
                    reason: error.to_string(),
                });
            }
            Ok(_) => {}
            Err(_) => {
                return Err(NetError::Listen {
                    addr: format!("{:?}", config.listen),
                    reason: "no address within 10 s".into(),
                });
            }
        }
    }
    for addr in &config.peers {
        if let Err(e) = swarm.dial(addr.clone()) {
            warn!(%addr, error = %e, "cannot dial peer");
        }
    }
    let (command_tx, commands) = mpsc::unbounded_channel();
    let (events, events_rx) = mpsc::unbounded_channel();
    let (checked_tx, checked_rx) = mpsc::unbounded_channel();
    let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
    for a in &listen_addrs {
        let _ = events.send(Event::Listening(a.clone()));
    }
    let metrics = config.metrics.clone();
    let hub = config.hub.clone().map(|c| HubAnnouncer {
        config: c,
        seq: 0,
        current: None,
        waiting_for_peers: true,
    });
    info!(peer = %peer_id, addrs = ?listen_addrs, hub = ?config.hub.as_ref().map(|h| h.hub), "node started");
    let task = Task {
        swarm,
        chain,
        validator: Validator::new(domain.clone(), gossip_limits),
        domain,
        limits,
        events,
        commands,
        checked_tx,
        checked_rx,
        jobs_tx,
        jobs_rx,
        store,
        metrics,
        hub,
        listen_addrs,
        bootstrap: config.bootstrap_from_chain,
        pending_info: HashMap::new(),
        pending_work: HashMap::new(),
        pending_data: HashMap::new(),
        pending_market: HashMap::new(),
        inbound_work: HashMap::new(),
        next_work: 0,
        inbound_market: HashMap::new(),
        next_market: 0,
        hubs: HashMap::new(),
    };
    let span = info_span!("node", peer = %short(&peer_id));
    Ok((
        command_tx,
        events_rx,
        tokio::spawn(task.run().instrument(span)),
    ))
}

fn short(peer: &PeerId) -> String {
    let s = peer.to_string();
    s[s.len().saturating_sub(6)..].to_owned()
}

struct HubAnnouncer {
    config: HubConfig,
    seq: u64,
    current: Option<Vec<u8>>,
    waiting_for_peers: bool,
}

struct Pending<T> {
    reply: Reply<T>,
    peer: PeerId,
    started: Instant,
}

/// A chain check's result, back in the swarm task.
struct Checked {
    id: MessageId,
    from: PeerId,
    source: Option<PeerId>,
    topic: Topic,
    prechecked: Prechecked,
    verdict: std::result::Result<(), Verdict>,
}

/// Work done off the swarm task, back in it.
enum Job {
    Data(ResponseChannel<DataResponse>, DataResponse),
    Lease {
        channel: ResponseChannel<WorkResponse>,
        peer: PeerId,
        lease: WorkLease,
        inputs: std::result::Result<Vec<Bytes>, &'static str>,
    },
    Bootstrap(Vec<String>),
    Ban(PeerId, String),
}

struct Task<C> {
    swarm: Swarm<Behaviour>,
    chain: Arc<C>,
    validator: Validator,
    domain: Eip712Domain,
    limits: ProtocolLimits,
    events: mpsc::UnboundedSender<Event>,
    commands: mpsc::UnboundedReceiver<CommandBox>,
    checked_tx: mpsc::UnboundedSender<Checked>,
    checked_rx: mpsc::UnboundedReceiver<Checked>,
    jobs_tx: mpsc::UnboundedSender<Job>,
    jobs_rx: mpsc::UnboundedReceiver<Job>,
    store: DataStore,
    metrics: Metrics,
    hub: Option<HubAnnouncer>,
    listen_addrs: Vec<Multiaddr>,
    bootstrap: bool,
    pending_info: HashMap<OutboundRequestId, Pending<SignedAnnouncement>>,
    pending_work: HashMap<OutboundRequestId, Pending<WorkResponse>>,
    pending_data: HashMap<OutboundRequestId, Pending<DataResponse>>,
    pending_market: HashMap<OutboundRequestId, Pending<MarketResponse>>,
    inbound_work: HashMap<u64, ResponseChannel<WorkResponse>>,
    next_work: u64,
    inbound_market: HashMap<u64, ResponseChannel<MarketResponse>>,
    next_market: u64,
    hubs: HashMap<Address, KnownHub>,
}

fn failure_label(e: &OutboundFailure) -> &'static str {
    match e {
        OutboundFailure::DialFailure => "dial_failure",
        OutboundFailure::Timeout => "timeout",
        OutboundFailure::ConnectionClosed => "connection_closed",
        OutboundFailure::UnsupportedProtocols => "unsupported",
        OutboundFailure::Io(_) => "io",
    }
}

impl<C: Chain> Task<C> {
    async fn run(mut self) {
        let republish = self
            .hub
            .as_ref()
            .map_or(Duration::from_secs(3600), |h| h.config.interval);
        let mut republish = tokio::time::interval(republish);
        republish.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut bootstrap = tokio::time::interval(Duration::from_secs(30));
        bootstrap.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm(event),
                command = self.commands.recv() => match command {
                    Some(CommandBox(Command::Shutdown)) | None => break,
                    Some(CommandBox(c)) => self.on_command(c),
                },
                Some(checked) = self.checked_rx.recv() => self.on_checked(checked),
                Some(job) = self.jobs_rx.recv() => self.on_job(job),
                _ = republish.tick() => {
                    if self.hub.is_some() {
                        let _ = self.announce(None);
                    }
                }
                _ = bootstrap.tick() => {
                    if self.bootstrap && self.swarm.connected_peers().next().is_none() {
                        self.start_bootstrap();
                    }
                }
            }
        }
        info!("node stopped");
    }

    fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    fn start_bootstrap(&self) {
        let chain = Arc::clone(&self.chain);
        let jobs = self.jobs_tx.clone();
        tokio::spawn(async move {
            match chain.endpoints().await {
                Ok(endpoints) => {
                    let _ = jobs.send(Job::Bootstrap(endpoints));
                }
                Err(e) => warn!(error = %e, "cannot read the whitelist's endpoints"),
            }
        });
    }

    fn own_addrs(&self) -> Vec<Multiaddr> {
        let mut addrs: Vec<Multiaddr> = self.listen_addrs.clone();
        for a in self.swarm.external_addresses() {
            if !addrs.contains(a) {
                addrs.push(a.clone());
            }
        }
        addrs
    }

    /// Signs and publishes a fresh announcement (new offers if given).
    fn announce(&mut self, offers: Option<Bytes>) -> Result<HubAnnouncement> {
        let addrs = self.own_addrs();
        let peer = *self.swarm.local_peer_id();
        let domain = self.domain.clone();
        let Some(hub) = self.hub.as_mut() else {
            return Err(NetError::Invalid(
                "this node is not a hub's: it has nothing to announce".into(),
            ));
        };
        if let Some(o) = offers {
            hub.config.offers = o;
        }
        // Time-based, so a restarted hub's sequence still grows without remembering it.
        hub.seq = (hub.seq + 1).max(unix_millis());
        let c = &hub.config;
        let announcement = HubAnnouncement {
            hub: c.hub,
            peerId: peer.to_bytes().into(),
            addrs: c
                .addrs
                .clone()
                .unwrap_or(addrs)
                .iter()
                .map(|a| Bytes::from(a.to_vec()))
                .collect(),
            name: c.name.clone(),
            offers: c.offers.clone(),
            expiry: unix_now() + c.lifetime.as_secs(),
            seq: hub.seq,
        };
        let bytes = Gossip::Announcement(announcement.clone().sign(&domain, &c.signer)?).encode();
        hub.current = Some(bytes.clone());
        match self.publish(Topic::Hubs, bytes) {
            Ok(()) => {
                if let Some(h) = self.hub.as_mut() {
                    h.waiting_for_peers = false;
                }
                debug!(seq = announcement.seq, "announced");
                Ok(announcement)
            }
            Err(e) => {
                // Nobody subscribed yet: published as soon as a peer subscribes.
                if let Some(h) = self.hub.as_mut() {
                    h.waiting_for_peers = true;
                }
                debug!(error = %e, "announcement not published yet");
                Err(e)
            }
        }
    }

    fn publish(&mut self, topic: Topic, bytes: Vec<u8>) -> Result<()> {
        match self
            .swarm
            .behaviour_mut()
            .gossipsub
            .publish(IdentTopic::new(topic.name()), bytes)
        {
            Ok(_) => {
                self.metrics
                    .messages_published
                    .get_or_create(&TopicLabel {
                        topic: topic.name(),
                    })
                    .inc();
                Ok(())
            }
            Err(e) => Err(NetError::Publish {
                topic: topic.name().into(),
                reason: e.to_string(),
            }),
        }
    }

    fn on_command(&mut self, c: Command) {
        match c {
            Command::Dial(addr, reply) => {
                let r = self.swarm.dial(addr.clone()).map_err(|e| NetError::Dial {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                });
                let _ = reply.send(r);
            }
            Command::Status(reply) => {
                let g = &self.swarm.behaviour().gossipsub;
                let mut subscribed: HashMap<Topic, Vec<PeerId>> = HashMap::new();
                for (peer, topics) in g.all_peers() {
                    for t in topics.into_iter().filter_map(topic_of) {
                        subscribed.entry(t).or_default().push(*peer);
                    }
                }
                let mesh = Topic::ALL
                    .into_iter()
                    .map(|t| {
                        let hash = IdentTopic::new(t.name()).hash();
                        (t, g.mesh_peers(&hash).copied().collect())
                    })
                    .collect();
                let _ = reply.send(Ok(Status {
                    peer_id: *self.swarm.local_peer_id(),
                    listen_addrs: self.listen_addrs.clone(),
                    peers: self.swarm.connected_peers().copied().collect(),
                    subscribed,
                    mesh,
                }));
            }
            Command::PeerScore(peer, reply) => {
                let _ = reply.send(self.swarm.behaviour().gossipsub.peer_score(&peer));
            }
            Command::Publish(topic, bytes, reply) => {
                let _ = reply.send(self.publish(topic, bytes));
            }
            Command::Announce(offers, reply) => {
                let _ = reply.send(self.announce(offers));
            }
            Command::Hubs(reply) => {
                let now = unix_now();
                self.hubs.retain(|_, h| h.announcement.expiry > now);
                let _ = reply.send(self.hubs.values().cloned().collect());
            }
            Command::Info(peer, reply) => {
                let id = self
                    .swarm
                    .behaviour_mut()
                    .info
                    .send_request(&peer, InfoRequest {});
                self.pending_info.insert(
                    id,
                    Pending {
                        reply,
                        peer,
                        started: Instant::now(),
                    },
                );
            }
            Command::Work(peer, lease, reply) => {
                let id = self.swarm.behaviour_mut().work.send_request(&peer, lease);
                self.pending_work.insert(
                    id,
                    Pending {
                        reply,
                        peer,
                        started: Instant::now(),
                    },
                );
            }
            Command::Data(peer, request, reply) => {
                let id = self.swarm.behaviour_mut().data.send_request(&peer, request);
                self.pending_data.insert(
                    id,
                    Pending {
                        reply,
                        peer,
                        started: Instant::now(),
                    },
                );
            }
            Command::Market(peer, request, reply) => {
                let id = self
                    .swarm
                    .behaviour_mut()
                    .market
                    .send_request(&peer, request);
                self.pending_market.insert(
                    id,
                    Pending {
                        reply,
                        peer,
                        started: Instant::now(),
                    },
                );
            }
            Command::AnswerMarket(id, response, reply) => {
                let r = match self.inbound_market.remove(&id) {
                    Some(channel) => self
                        .swarm
                        .behaviour_mut()
                        .market
                        .send_response(channel, response)
                        .map_err(|_| {
                            NetError::Invalid(format!("market request {id}: the peer is gone"))
                        }),
                    None => Err(NetError::Invalid(format!(
                        "no open market request {id} (answered already, or timed out)"
                    ))),
                };
                if r.is_ok() {
                    self.served(MARKET_PROTOCOL);
                }
                let _ = reply.send(r);
            }
            Command::AnswerWork(id, response, reply) => {
                let r = match self.inbound_work.remove(&id) {
                    Some(channel) => self
                        .swarm
                        .behaviour_mut()
                        .work
                        .send_response(channel, response)
                        .map_err(|_| {
                            NetError::Invalid(format!("work request {id}: the hub is gone"))
                        }),
                    None => Err(NetError::Invalid(format!(
                        "no open work request {id} (answered already, or timed out)"
                    ))),
                };
                if r.is_ok() {
                    self.served(WORK_PROTOCOL);
                }
                let _ = reply.send(r);
            }
            Command::Ban(peer, reason) => self.ban(peer, reason),
            Command::Shutdown => {}
        }
    }

    fn served(&self, protocol: &'static str) {
        self.metrics
            .requests_served
            .get_or_create(&ProtocolLabel { protocol })
            .inc();
    }

    fn ban(&mut self, peer: PeerId, reason: String) {
        let b = self.swarm.behaviour_mut();
        if b.blocked.block_peer(peer) {
            b.gossipsub.blacklist_peer(&peer);
            self.metrics.peers_banned.inc();
            warn!(%peer, %reason, "peer banned");
            self.emit(Event::Banned { peer, reason });
        }
    }

    fn on_swarm(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                if !self.listen_addrs.contains(&address) {
                    self.listen_addrs.push(address.clone());
                }
                self.emit(Event::Listening(address));
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                num_established,
                ..
            } if num_established.get() == 1 => {
                self.metrics.peers.inc();
                debug!(peer = %peer_id, "connected");
                self.emit(Event::Connected(peer_id));
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.metrics.peers.dec();
                debug!(peer = %peer_id, "disconnected");
                self.emit(Event::Disconnected(peer_id));
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                debug!(peer = ?peer_id, %error, "dial failed");
            }
            SwarmEvent::Behaviour(b) => self.on_behaviour(b),
            _ => {}
        }
    }

    fn on_behaviour(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Gossipsub(e) => self.on_gossip(e),
            BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
                for addr in info.listen_addrs {
                    self.swarm.add_peer_address(peer_id, addr);
                }
            }
            BehaviourEvent::Mdns(mdns::Event::Discovered(found)) => {
                for (peer, addr) in found {
                    if peer != *self.swarm.local_peer_id() && !self.swarm.is_connected(&peer) {
                        debug!(%peer, %addr, "found on the LAN");
                        let _ = self.swarm.dial(addr);
                    }
                }
            }
            BehaviourEvent::Info(e) => self.on_info(e),
            BehaviourEvent::Work(e) => self.on_work(e),
            BehaviourEvent::Data(e) => self.on_data(e),
            BehaviourEvent::Market(e) => self.on_market(e),
            _ => {}
        }
    }

    fn on_gossip(&mut self, event: gossipsub::Event) {
        match event {
            gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            } => {
                let Some(topic) = topic_of(&message.topic) else {
                    self.swarm
                        .behaviour_mut()
                        .gossipsub
                        .report_message_validation_result(
                            &message_id,
                            &propagation_source,
                            MessageAcceptance::Reject,
                        );
                    return;
                };
                self.metrics
                    .messages_received
                    .get_or_create(&TopicLabel {
                        topic: topic.name(),
                    })
                    .inc();
                debug!(from = %propagation_source, source = ?message.source, %topic, bytes = message.data.len(), "gossip received");
                match self.validator.precheck(
                    topic,
                    &message.data,
                    message.source,
                    unix_now(),
                    true,
                ) {
                    Err(reason) => self.reject(
                        message_id,
                        propagation_source,
                        message.source,
                        topic,
                        reason,
                    ),
                    Ok(prechecked) => {
                        let chain = Arc::clone(&self.chain);
                        let domain = self.domain.clone();
                        let tx = self.checked_tx.clone();
                        let source = message.source;
                        tokio::spawn(async move {
                            let verdict = check_chain(chain.as_ref(), &domain, &prechecked).await;
                            let _ = tx.send(Checked {
                                id: message_id,
                                from: propagation_source,
                                source,
                                topic,
                                prechecked,
                                verdict,
                            });
                        });
                    }
                }
            }
            gossipsub::Event::Subscribed { peer_id, topic } => {
                debug!(peer = %peer_id, topic = %topic, "subscribed");
                if topic_of(&topic) == Some(Topic::Hubs)
                    && self.hub.as_ref().is_some_and(|h| h.waiting_for_peers)
                {
                    let _ = self.announce(None);
                }
            }
            _ => {}
        }
    }

    fn reject(
        &mut self,
        id: MessageId,
        from: PeerId,
        source: Option<PeerId>,
        topic: Topic,
        reason: RejectReason,
    ) {
        debug!(peer = %from, %topic, %reason, "gossip rejected");
        let acceptance = if reason.blames_sender() {
            MessageAcceptance::Reject
        } else {
            MessageAcceptance::Ignore
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(&id, &from, acceptance);
        self.metrics
            .messages_rejected
            .get_or_create(&RejectLabels {
                topic: topic.name(),
                reason: reason.label(),
            })
            .inc();
        self.emit(Event::Rejected {
            from,
            source,
            topic,
            reason,
        });
    }

    fn on_checked(&mut self, c: Checked) {
        let Checked {
            id,
            from,
            source,
            topic,
            prechecked,
            verdict,
        } = c;
        match verdict {
            Err(Verdict::Reject(reason)) => self.reject(id, from, source, topic, reason),
            Err(Verdict::Ignore(e)) => {
                warn!(error = %e, %topic, "gossip dropped: the chain could not be read");
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&id, &from, MessageAcceptance::Ignore);
                self.metrics
                    .messages_ignored
                    .get_or_create(&TopicLabel {
                        topic: topic.name(),
                    })
                    .inc();
            }
            Ok(()) => match self.validator.commit(prechecked, unix_now()) {
                Err(reason) => self.reject(id, from, source, topic, reason),
                Ok(verified) => {
                    self.swarm
                        .behaviour_mut()
                        .gossipsub
                        .report_message_validation_result(&id, &from, MessageAcceptance::Accept);
                    self.metrics
                        .messages_accepted
                        .get_or_create(&TopicLabel {
                            topic: topic.name(),
                        })
                        .inc();
                    self.believe(from, verified);
                }
            },
        }
    }

    fn believe(&mut self, from: PeerId, verified: Verified) {
        match verified {
            Verified::Announcement(signed) => {
                let a = signed.announcement;
                if let Some(peer) = a.peer() {
                    for addr in a.multiaddrs() {
                        self.swarm.add_peer_address(peer, addr);
                    }
                    debug!(hub = %a.hub, %peer, seq = a.seq, "hub announcement believed");
                    self.hubs.insert(
                        a.hub,
                        KnownHub {
                            announcement: a.clone(),
                            peer,
                        },
                    );
                }
                self.emit(Event::Announcement {
                    from,
                    announcement: a,
                });
            }
            Verified::MinerReport(report) => self.emit(Event::MinerReport { from, report }),
            Verified::HubReport(report) => self.emit(Event::HubReport { from, report }),
        }
    }

    fn finish<T>(
        &self,
        pending: Option<Pending<T>>,
        protocol: &'static str,
        r: std::result::Result<T, OutboundFailure>,
    ) {
        let Some(p) = pending else { return };
        match r {
            Ok(v) => {
                self.metrics
                    .request_duration
                    .get_or_create(&ProtocolLabel { protocol })
                    .observe(p.started.elapsed().as_secs_f64());
                let _ = p.reply.send(Ok(v));
            }
            Err(e) => {
                self.metrics
                    .requests_failed
                    .get_or_create(&FailureLabels {
                        protocol,
                        reason: failure_label(&e),
                    })
                    .inc();
                debug!(peer = %p.peer, protocol, error = %e, "request failed");
                let err = match e {
                    OutboundFailure::Timeout => NetError::Timeout {
                        protocol,
                        peer: p.peer,
                    },
                    other => NetError::Request {
                        protocol,
                        peer: p.peer,
                        reason: other.to_string(),
                    },
                };
                let _ = p.reply.send(Err(err));
            }
        }
    }

    fn on_info(&mut self, event: request_response::Event<InfoRequest, InfoResponse>) {
        match event {
            request_response::Event::Message { message, .. } => match message {
                request_response::Message::Request { channel, .. } => {
                    let response = InfoResponse {
                        announcement: self
                            .hub
                            .as_ref()
                            .and_then(|h| h.current.clone())
                            .map(Bytes::from),
                        agent: format!("sonm-net/{}", env!("CARGO_PKG_VERSION")),
                    };
                    if self
                        .swarm
                        .behaviour_mut()
                        .info
                        .send_response(channel, response)
                        .is_ok()
                    {
                        self.served(INFO_PROTOCOL);
                    }
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(p) = self.pending_info.remove(&request_id) {
                        self.check_info(p, response);
                    }
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                let p = self.pending_info.remove(&request_id);
                self.finish(p, INFO_PROTOCOL, Err(error));
            }
            _ => {}
        }
    }

    /// Checks a hub's announcement fetched from it, as gossip is checked but for replay.
    fn check_info(&self, p: Pending<SignedAnnouncement>, response: InfoResponse) {
        self.metrics
            .request_duration
            .get_or_create(&ProtocolLabel {
                protocol: INFO_PROTOCOL,
            })
            .observe(p.started.elapsed().as_secs_f64());
        let peer = p.peer;
        let refused = move |reason: String| NetError::Refused {
            protocol: INFO_PROTOCOL,
            peer,
            reason,
        };
        let Some(bytes) = response.announcement else {
            let _ = p.reply.send(Err(refused("not a hub".into())));
            return;
        };
        let prechecked =
            match self
                .validator
                .precheck(Topic::Hubs, &bytes, Some(peer), unix_now(), false)
            {
                Ok(x) => x,
                Err(reason) => {
                    let _ = p
                        .reply
                        .send(Err(refused(format!("its announcement is bad: {reason}"))));
                    return;
                }
            };
        let chain = Arc::clone(&self.chain);
        let domain = self.domain.clone();
        tokio::spawn(async move {
            let r = match check_chain(chain.as_ref(), &domain, &prechecked).await {
                Ok(()) => match prechecked.gossip {
                    Gossip::Announcement(a) => Ok(a),
                    _ => Err(refused("not an announcement".into())),
                },
                Err(Verdict::Reject(reason)) => {
                    Err(refused(format!("its announcement is bad: {reason}")))
                }
                Err(Verdict::Ignore(e)) => Err(NetError::Chain(e)),
            };
            let _ = p.reply.send(r);
        });
    }

    fn on_work(&mut self, event: request_response::Event<WorkLease, WorkResponse>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    let jobs = self.jobs_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let inputs = request.verify();
                        let _ = jobs.send(Job::Lease {
                            channel,
                            peer,
                            lease: request,
                            inputs,
                        });
                    });
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    let p = self.pending_work.remove(&request_id);
                    self.finish(p, WORK_PROTOCOL, Ok(response));
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                let p = self.pending_work.remove(&request_id);
                self.finish(p, WORK_PROTOCOL, Err(error));
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                // The hub gave up (timeout, closed): its lease can no longer be answered.
                debug!(%peer, %error, "work request lost");
                self.inbound_work.retain(|_, ch| ch.is_open());
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn on_data(&mut self, event: request_response::Event<DataRequest, DataResponse>) {
        match event {
            request_response::Event::Message { message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    let store = self.store.clone();
                    let limits = self.limits;
                    let jobs = self.jobs_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let response = store.answer(&request, &limits);
                        let _ = jobs.send(Job::Data(channel, response));
                    });
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    let p = self.pending_data.remove(&request_id);
                    self.finish(p, DATA_PROTOCOL, Ok(response));
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                let p = self.pending_data.remove(&request_id);
                self.finish(p, DATA_PROTOCOL, Err(error));
            }
            _ => {}
        }
    }

    fn on_market(&mut self, event: request_response::Event<MarketRequest, MarketResponse>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    let id = self.next_market;
                    self.next_market += 1;
                    self.inbound_market.insert(id, channel);
                    debug!(%peer, id, ?request, "market request");
                    self.emit(Event::MarketRequest { id, peer, request });
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    let p = self.pending_market.remove(&request_id);
                    self.finish(p, MARKET_PROTOCOL, Ok(response));
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                let p = self.pending_market.remove(&request_id);
                self.finish(p, MARKET_PROTOCOL, Err(error));
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                // The asker gave up (timeout, closed): its request can no longer be answered.
                debug!(%peer, %error, "market request lost");
                self.inbound_market.retain(|_, ch| ch.is_open());
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn on_job(&mut self, job: Job) {
        match job {
            Job::Data(channel, response) => {
                if self
                    .swarm
                    .behaviour_mut()
                    .data
                    .send_response(channel, response)
                    .is_ok()
                {
                    self.served(DATA_PROTOCOL);
                }
            }
            Job::Lease {
                channel,
                peer,
                lease,
                inputs,
            } => match inputs {
                Ok(inputs) => {
                    let id = self.next_work;
                    self.next_work += 1;
                    self.inbound_work.insert(id, channel);
                    self.emit(Event::WorkRequest {
                        id,
                        peer,
                        lease,
                        inputs,
                    });
                }
                Err(why) => {
                    // Banned a moment after the refusal is sent, so the hub learns why before it is cut off.
                    let reason = format!("bad lease: {why}");
                    let _ = self.swarm.behaviour_mut().work.send_response(
                        channel,
                        WorkResponse::Refused {
                            reason: reason.clone(),
                        },
                    );
                    let jobs = self.jobs_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        let _ = jobs.send(Job::Ban(peer, reason));
                    });
                }
            },
            Job::Ban(peer, reason) => self.ban(peer, reason),
            Job::Bootstrap(endpoints) => {
                let me = *self.swarm.local_peer_id();
                for e in endpoints {
                    let Ok(addr) = e.parse::<Multiaddr>() else {
                        debug!(endpoint = %e, "not a multiaddr: skipped");
                        continue;
                    };
                    let peer = addr.iter().find_map(|p| match p {
                        Protocol::P2p(id) => Some(id),
                        _ => None,
                    });
                    if peer == Some(me) || peer.is_some_and(|p| self.swarm.is_connected(&p)) {
                        continue;
                    }
                    info!(%addr, "dialing a hub from the whitelist");
                    if let Err(error) = self.swarm.dial(addr.clone()) {
                        debug!(%addr, %error, "cannot dial");
                    }
                }
            }
        }
    }
}
