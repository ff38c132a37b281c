//! Data by root between real nodes: ranges and whole trees verify leaf by leaf (large leaves in chunks); a server
//! that tampers with a leaf or a chunk is detected, banned and disconnected.
//!
//! No chain fact is read here (data is checked against the root the caller gives), so the nodes run on an in-memory
//! [`MemoryChain`].

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::Bytes;
use futures::StreamExt as _;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, StreamProtocol, noise, tcp, yamux};
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_net::data::DataStore;
use sonm_net::protocol::{DataRequest, DataResponse, LeafData};
use sonm_net::{DATA_PROTOCOL, Event, MemoryChain, NetError, NodeConfig, ProtocolLimits};

use crate::common::{addr_of, start, wait_for};

fn chain() -> Arc<MemoryChain> {
    Arc::new(MemoryChain::new(1, alloy::primitives::Address::ZERO))
}

/// 3000 leaves of 0 to 199 bytes, and three of 5000 bytes (sent in chunks under [`limits`]).
fn data() -> Vec<Bytes> {
    (0..3000u32)
        .map(|i| {
            let len = if i % 1000 == 7 {
                5000
            } else {
                (i * 7 % 200) as usize
            };
            Bytes::from(
                (0..len)
                    .map(|k| (i as usize + k) as u8)
                    .collect::<Vec<u8>>(),
            )
        })
        .collect()
}

/// Small answers, so one fetch takes many requests: spans, prefixes and chunks are all exercised.
fn limits() -> ProtocolLimits {
    ProtocolLimits {
        max_leaves_per_response: 400,
        max_data_response_bytes: 48 << 10,
        max_inline_leaf: 1024,
        chunk_bytes: 700,
        data_window: 3,
        ..ProtocolLimits::default()
    }
}

fn config() -> NodeConfig {
    NodeConfig {
        limits: limits(),
        ..NodeConfig::local()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_and_whole_trees_arrive_verified() {
    let data = data();
    let tree = IndexedTree::from_data(data.clone(), BuildOptions::default()).expect("tree");
    let root = tree.root();
    let (server, _) = start(config(), chain()).await;
    assert_eq!(server.data().insert(tree).expect("serve"), root);
    let mut c = config();
    c.peers.push(addr_of(&server).await);
    let (client, _) = start(c, chain()).await;
    let peer = server.peer_id();

    let range = client
        .fetch_leaves(peer, root, 990..1420)
        .await
        .expect("range");
    assert_eq!(range, data[990..1420].to_vec());
    let all = client
        .fetch_tree(peer, root, data.len() as u64)
        .await
        .expect("tree");
    assert_eq!(all, data);
    assert!(client.metrics().leaves_verified_total() >= 3000 + 430);

    // A root nobody serves, a range past the end, a wrong leaf count: refused, nobody banned.
    let unknown = client
        .fetch_leaves(peer, alloy::primitives::B256::repeat_byte(1), 0..1)
        .await;
    assert!(
        matches!(unknown, Err(NetError::Refused { .. })),
        "{unknown:?}"
    );
    let past = client.fetch_leaves(peer, root, 2990..3001).await;
    assert!(matches!(past, Err(NetError::Refused { .. })), "{past:?}");
    let short = client.fetch_tree(peer, root, 2999).await;
    assert!(
        matches!(
            short,
            Err(NetError::Tampered { .. }) | Err(NetError::Refused { .. })
        ),
        "{short:?}"
    );
    client.shutdown().await;
    server.shutdown().await;
}

/// What a lying server changes.
#[derive(Clone, Copy)]
enum Lie {
    /// One leaf's data in every answer of leaves.
    Leaf,
    /// One byte of every chunk of a large leaf.
    Chunk,
}

/// A server that speaks `/sonm/data/1` from an honest store but lies: a bare libp2p swarm of its own.
async fn liar(tree: IndexedTree, lie: Lie) -> (PeerId, Multiaddr, tokio::task::JoinHandle<()>) {
    let store = DataStore::new();
    store.insert(tree).expect("serve");
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .expect("tcp")
        .with_behaviour(|_| {
            request_response::cbor::Behaviour::<DataRequest, DataResponse>::new(
                [(StreamProtocol::new(DATA_PROTOCOL), ProtocolSupport::Full)],
                request_response::Config::default(),
            )
        })
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("addr"))
        .expect("listen");
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            break address;
        }
    };
    let peer = *swarm.local_peer_id();
    let task = tokio::spawn(async move {
        loop {
            if let SwarmEvent::Behaviour(request_response::Event::Message {
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            }) = swarm.select_next_some().await
            {
                let mut answer = store.answer(&request, &limits());
                match (&mut answer, lie) {
                    (DataResponse::Leaves { leaves, .. }, Lie::Leaf) => {
                        if let Some(LeafData::Inline(d)) =
                            leaves.iter_mut().map(|l| &mut l.data).last()
                        {
                            let mut v = d.to_vec();
                            v.push(0);
                            *d = v.into();
                        }
                    }
                    (DataResponse::Chunk { data }, Lie::Chunk) => {
                        let mut v = data.to_vec();
                        v[0] ^= 1;
                        *data = v.into();
                    }
                    _ => {}
                }
                let _ = swarm.behaviour_mut().send_response(channel, answer);
            }
        }
    });
    (
        peer,
        addr.with(libp2p::multiaddr::Protocol::P2p(peer)),
        task,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_tampers_with_a_leaf_or_a_chunk_is_banned() {
    let data = data();
    let tree = IndexedTree::from_data(data.clone(), BuildOptions::default()).expect("tree");
    let root = tree.root();
    for (lie, range) in [(Lie::Leaf, 100..300), (Lie::Chunk, 1000..1010)] {
        let (liar_peer, liar_addr, liar_task) = liar(tree.clone(), lie).await;
        let (client, log) = start(config(), chain()).await;
        client.dial(liar_addr.clone()).await.expect("dial");
        wait_for(10, "connected to the liar", || async {
            client
                .status()
                .await
                .expect("status")
                .peers
                .contains(&liar_peer)
        })
        .await;
        let r = client.fetch_leaves(liar_peer, root, range).await;
        assert!(
            matches!(&r, Err(NetError::Tampered { peer, .. }) if *peer == liar_peer),
            "{r:?}"
        );
        wait_for(10, "the liar banned and disconnected", || async {
            log.any(|e| matches!(e, Event::Banned { peer, .. } if *peer == liar_peer))
                && !client
                    .status()
                    .await
                    .expect("status")
                    .peers
                    .contains(&liar_peer)
        })
        .await;
        assert!(
            client.dial(liar_addr).await.is_err(),
            "a banned peer is not dialed again"
        );
        assert_eq!(client.metrics().peers_banned_total(), 1);
        client.shutdown().await;
        liar_task.abort();
    }
}
