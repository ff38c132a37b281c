//! The network's speed, in process over loopback TCP (noise, yamux), every node a swarm with its own key:
//!
//! 1. announcement propagation to 50 peers: the time from a hub's publish to each node believing it (signature
//!    and trust checks included, against an in-memory chain), median and p99;
//! 2. work round trips per second with tiny units (one 8-byte unit a lease), pipelined, with and without the
//!    miner's signed lease receipt;
//! 3. verified data transfer of 2^20 64-byte leaves with multiproofs against the root, against the same leaves
//!    moved by a bare request-response swarm with no proof and no check.
//!
//! `cargo bench -p sonm-net` (release profile). No criterion: each figure is printed as measured.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, Bytes, U256};
use alloy::signers::local::PrivateKeySigner;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, StreamProtocol, noise, tcp, yamux};
use rand::{Rng as _, SeedableRng as _};
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_net::protocol::{DataRequest, DataResponse, LeafData, WireLeaf};
use sonm_net::{
    DATA_PROTOCOL, Event, HubConfig, HubState, MemoryChain, Node, NodeConfig, ProtocolLimits,
    WorkLease,
};

type Result<T> = eyre::Result<T>;

async fn addr_of(node: &Node) -> Result<Multiaddr> {
    let s = node.status().await?;
    Ok(s.listen_addrs[0]
        .clone()
        .with(Protocol::P2p(node.peer_id())))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn wait(secs: u64, what: &str, mut cond: impl AsyncFnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond().await {
        if Instant::now() > deadline {
            eyre::bail!("not within {secs} s: {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn propagation() -> Result<()> {
    const PEERS: usize = 50;
    const ROUNDS: usize = 40;
    let owner = PrivateKeySigner::random();
    let hub = Address::repeat_byte(0x11);
    let chain = Arc::new(MemoryChain::new(1, Address::repeat_byte(0xee)));
    chain.set_hub(hub, owner.address(), HubState::Registered, "");
    let arrivals: Arc<Mutex<HashMap<u64, Vec<Instant>>>> = Arc::default();
    let mut nodes: Vec<Node> = Vec::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(50);
    for i in 0..=PEERS {
        let mut config = NodeConfig::local();
        if i == 0 {
            let mut h = HubConfig::new(owner.clone(), hub, "bench");
            h.interval = Duration::from_secs(3600);
            config.hub = Some(h);
        } else {
            config.peers.push(addr_of(&nodes[i - 1]).await?);
            let j = rng.random_range(0..i);
            if j != i - 1 {
                config.peers.push(addr_of(&nodes[j]).await?);
            }
        }
        let (node, mut events) = Node::start(config, chain.clone()).await?;
        let arrivals = Arc::clone(&arrivals);
        tokio::spawn(async move {
            while let Some(e) = events.next().await {
                if let Event::Announcement { announcement, .. } = e {
                    let at = Instant::now();
                    if let Ok(mut a) = arrivals.lock() {
                        a.entry(announcement.seq).or_default().push(at);
                    }
                }
            }
        });
        nodes.push(node);
    }
    for n in &nodes {
        wait(30, "meshes", async || {
            n.status().await.is_ok_and(|s| {
                s.mesh
                    .get(&sonm_net::Topic::Hubs)
                    .is_some_and(|m| !m.is_empty())
            })
        })
        .await?;
    }
    let mut latencies = Vec::new();
    let mut to_all = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let a = nodes[0].announce(None).await?;
        let seq = a.seq;
        wait(10, "an announcement at every peer", async || {
            arrivals
                .lock()
                .is_ok_and(|m| m.get(&seq).is_some_and(|v| v.len() == PEERS))
        })
        .await?;
        let times = arrivals
            .lock()
            .map_err(|_| eyre::eyre!("poisoned"))?
            .remove(&seq)
            .unwrap_or_default();
        let mut last = Duration::ZERO;
        for t in times {
            let d = t.duration_since(start);
            last = last.max(d);
            latencies.push(d);
        }
        to_all.push(last);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort();
    to_all.sort();
    println!(
        "announcement to {PEERS} peers ({ROUNDS} rounds): per peer median {:.2} ms, p99 {:.2} ms; \
         last peer median {:.2} ms, p99 {:.2} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(percentile(&to_all, 0.5)),
        ms(percentile(&to_all, 0.99)),
    );
    for n in nodes {
        n.shutdown().await;
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn work(signed: bool) -> Result<()> {
    const LEASES: usize = 20_000;
    const IN_FLIGHT: usize = 64;
    let chain = Arc::new(MemoryChain::new(1, Address::ZERO));
    let key = PrivateKeySigner::random();
    let (miner, mut events) = Node::start(NodeConfig::local(), chain.clone()).await?;
    let answering = miner.clone();
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            if let Event::WorkRequest {
                id, lease, inputs, ..
            } = e
            {
                let outputs = inputs;
                let answer = if signed {
                    lease.answer_signed(outputs, answering.domain(), &key)
                } else {
                    Ok(lease.answer(outputs))
                };
                if let Ok(answer) = answer {
                    let _ = answering.answer_work(id, answer).await;
                }
            }
        }
    });
    let mut config = NodeConfig::local();
    config.peers.push(addr_of(&miner).await?);
    let (hub, _) = Node::start(config, chain).await?;
    wait(10, "connected", async || {
        hub.status()
            .await
            .is_ok_and(|s| s.peers.contains(&miner.peer_id()))
    })
    .await?;
    let tree = IndexedTree::from_data(
        (0..1024u64).map(|i| i.to_be_bytes().to_vec()),
        BuildOptions::default(),
    )?;
    let mut leases = Vec::new();
    for i in 0..1024u64 {
        leases.push(WorkLease::new(U256::from(1u64), &tree, i..i + 1)?);
    }
    let peer = miner.peer_id();
    let start = Instant::now();
    let mut in_flight = FuturesUnordered::new();
    let mut done = 0;
    for i in 0..LEASES {
        if in_flight.len() >= IN_FLIGHT
            && let Some(r) = in_flight.next().await
        {
            let _: sonm_net::WorkResult = r?;
            done += 1;
        }
        in_flight.push(hub.lease(peer, leases[i % leases.len()].clone()));
    }
    while let Some(r) = in_flight.next().await {
        r?;
        done += 1;
    }
    let pipelined = start.elapsed();
    let one = Instant::now();
    for l in leases.iter().take(500) {
        hub.lease(peer, l.clone()).await?;
    }
    let sequential = one.elapsed() / 500;
    println!(
        "work leases, one 8-byte unit each, {} lease receipt: {:.0} round trips/s ({done} leases, \
         {IN_FLIGHT} in flight); one at a time {:.0} µs a round trip",
        if signed { "signed" } else { "no" },
        done as f64 / pipelined.as_secs_f64(),
        sequential.as_secs_f64() * 1e6
    );
    hub.shutdown().await;
    miner.shutdown().await;
    Ok(())
}

/// A bare request-response swarm pair moving the same leaves without proofs and without checks.
async fn unverified(tree: &IndexedTree, limits: &ProtocolLimits) -> Result<Duration> {
    let n = tree.len() as u64;
    // The leaves in bottom-layer order, as the real server sends them, answered from memory.
    let nodes = tree.tree().len();
    let mut by_position = vec![0usize; tree.len()];
    for i in 0..tree.len() {
        by_position[nodes - 1 - tree.tree_index(i)?] = i;
    }
    let values = tree.values().to_vec();
    let codec = || {
        request_response::cbor::codec::Codec::<DataRequest, DataResponse>::default()
            .set_response_size_maximum(limits.max_data_response_bytes)
    };
    let behaviour = move || {
        request_response::cbor::Behaviour::with_codec(
            codec(),
            [(StreamProtocol::new(DATA_PROTOCOL), ProtocolSupport::Full)],
            request_response::Config::default().with_request_timeout(Duration::from_secs(60)),
        )
    };
    let build = || -> Result<_> {
        Ok(libp2p::SwarmBuilder::with_new_identity()
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )?
            .with_behaviour(|_| behaviour())?
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build())
    };
    let mut server = build()?;
    server.listen_on("/ip4/127.0.0.1/tcp/0".parse()?)?;
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = server.select_next_some().await {
            break address;
        }
    };
    let server_peer = *server.local_peer_id();
    let serving = tokio::spawn(async move {
        loop {
            if let SwarmEvent::Behaviour(request_response::Event::Message {
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            }) = server.select_next_some().await
                && let DataRequest::Span { start, count, .. } = request
            {
                let end = (start + u64::from(count)).min(n);
                let leaves = (start..end)
                    .map(|p| {
                        let v = &values[by_position[p as usize]];
                        WireLeaf {
                            index: v.index.saturating_to(),
                            data: LeafData::Inline(v.data.clone()),
                        }
                    })
                    .collect();
                let _ = server.behaviour_mut().send_response(
                    channel,
                    DataResponse::Leaves {
                        leaf_count: n,
                        leaves,
                        proof: Vec::new(),
                        proof_flags: Vec::new(),
                    },
                );
            }
        }
    });
    let mut client = build()?;
    client.dial(addr.with(Protocol::P2p(server_peer)))?;
    let span = u64::from(limits.max_leaves_per_response);
    let root = tree.root();
    let start = Instant::now();
    let mut next = 0u64;
    let mut in_flight = 0usize;
    let mut got = 0u64;
    let mut out: Vec<Option<Bytes>> = vec![None; tree.len()];
    while got < n {
        while in_flight < limits.data_window && next < n {
            client.behaviour_mut().send_request(
                &server_peer,
                DataRequest::Span {
                    root,
                    start: next,
                    count: span.min(n - next) as u32,
                },
            );
            next += span;
            in_flight += 1;
        }
        match client.select_next_some().await {
            SwarmEvent::Behaviour(request_response::Event::Message {
                message:
                    request_response::Message::Response {
                        response: DataResponse::Leaves { leaves, .. },
                        ..
                    },
                ..
            }) => {
                in_flight -= 1;
                for l in leaves {
                    if let LeafData::Inline(d) = l.data {
                        out[l.index as usize] = Some(d);
                        got += 1;
                    }
                }
            }
            SwarmEvent::Behaviour(request_response::Event::OutboundFailure { error, .. }) => {
                eyre::bail!("unverified transfer: {error}");
            }
            _ => {}
        }
    }
    let took = start.elapsed();
    serving.abort();
    Ok(took)
}

async fn data() -> Result<()> {
    const LEAVES: usize = 1 << 20;
    let data: Vec<Vec<u8>> = (0..LEAVES)
        .map(|i| {
            let mut v = vec![0u8; 64];
            v[..8].copy_from_slice(&(i as u64).to_be_bytes());
            v
        })
        .collect();
    let payload = (LEAVES * 64) as f64 / 1e6;
    let tree = IndexedTree::from_data(data, BuildOptions::default())?;
    let root = tree.root();
    let limits = ProtocolLimits::default();
    let chain = Arc::new(MemoryChain::new(1, Address::ZERO));
    let (server, _) = Node::start(NodeConfig::local(), chain.clone()).await?;
    server.data().insert(tree.clone())?;
    let mut config = NodeConfig::local();
    config.peers.push(addr_of(&server).await?);
    let (client, _) = Node::start(config, chain).await?;
    wait(10, "connected", async || {
        client
            .status()
            .await
            .is_ok_and(|s| s.peers.contains(&server.peer_id()))
    })
    .await?;
    let mut verified = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let got = client
            .fetch_tree(server.peer_id(), root, LEAVES as u64)
            .await?;
        verified.push(start.elapsed());
        if got.len() != LEAVES || got[12345][..8] != 12345u64.to_be_bytes() {
            eyre::bail!("the verified transfer returned the wrong leaves");
        }
        bare.push(unverified(&tree, &limits).await?);
    }
    verified.sort();
    bare.sort();
    let (v, b) = (verified[1], bare[1]);
    println!(
        "2^20 leaves of 64 bytes ({payload:.0} MB), median of 3: verified {:.0} MB/s ({:.2} s), \
         unverified {:.0} MB/s ({:.2} s): {:.0}% of it",
        payload / v.as_secs_f64(),
        v.as_secs_f64(),
        payload / b.as_secs_f64(),
        b.as_secs_f64(),
        100.0 * b.as_secs_f64() / v.as_secs_f64()
    );
    client.shutdown().await;
    server.shutdown().await;
    Ok(())
}

fn main() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        propagation().await?;
        work(false).await?;
        work(true).await?;
        data().await
    })
}
