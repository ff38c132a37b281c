//! Work leases between real nodes: a round trip with a signed lease receipt; a forged lease refused and its hub banned;
//! a miner that goes away mid-lease, and one that never answers, fail the hub's request cleanly and in bounded
//! time, and the hub goes on working.
//!
//! No chain fact is read here (a lease is checked against the input root it carries), so the nodes run on an
//! in-memory [`MemoryChain`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::{Bytes, U256, keccak256};
use alloy::signers::local::PrivateKeySigner;
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_net::{
    Event, Events, MemoryChain, NetError, Node, NodeConfig, ProtocolLimits, WorkLease, outputs_tree,
};

use crate::common::{addr_of, start, wait_for};

fn chain() -> Arc<MemoryChain> {
    Arc::new(MemoryChain::new(1, alloy::primitives::Address::ZERO))
}

fn inputs() -> IndexedTree {
    IndexedTree::from_data((0..64u8).map(|i| vec![i; 3]), BuildOptions::default()).expect("tree")
}

/// What the miner computes for an input.
fn compute(input: &Bytes) -> Bytes {
    Bytes::from(keccak256(input).to_vec())
}

/// A miner node that answers every lease with signed outputs.
async fn miner(config: NodeConfig, key: PrivateKeySigner) -> Node {
    let (node, mut events) = Node::start(config, chain()).await.expect("start");
    let answering = node.clone();
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            if let Event::WorkRequest {
                id, lease, inputs, ..
            } = e
            {
                let outputs = inputs.iter().map(compute).collect();
                let answer = lease
                    .answer_signed(outputs, answering.domain(), &key)
                    .expect("answer");
                answering.answer_work(id, answer).await.expect("answered");
            }
        }
    });
    node
}

/// A node whose leases are only seen, never answered.
async fn silent(config: NodeConfig) -> (Node, Events) {
    Node::start(config, chain()).await.expect("start")
}

async fn next_work(events: &mut Events) -> u64 {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.next().await {
                Some(Event::WorkRequest { id, .. }) => return id,
                Some(_) => {}
                None => panic!("the node stopped"),
            }
        }
    })
    .await
    .expect("a lease within 10 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_round_trip_returns_outputs_under_a_signed_lease_receipt() {
    let key = PrivateKeySigner::random();
    let m = miner(NodeConfig::local(), key.clone()).await;
    let mut c = NodeConfig::local();
    c.peers.push(addr_of(&m).await);
    let (hub, _) = start(c, chain()).await;
    let tree = inputs();
    let lease = WorkLease::new(U256::from(9u64), &tree, 10..20).expect("lease");
    let result = hub.lease(m.peer_id(), lease).await.expect("round trip");
    let expected: Vec<Bytes> = (10..20).map(|i| compute(&tree.values()[i].data)).collect();
    assert_eq!(result.outputs, expected);
    assert_eq!(result.miner, Some(key.address()));
    assert_eq!(result.receipt.first, 10);
    assert_eq!(result.receipt.count, 10);
    assert_eq!(result.receipt.inputRoot, tree.root());
    assert_eq!(
        result.receipt.outputsRoot,
        outputs_tree(10, &expected).expect("tree").root()
    );
    hub.shutdown().await;
    m.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_lease_is_refused_and_its_hub_banned() {
    let (m, mut m_events) = silent(NodeConfig::local()).await;
    let mut c = NodeConfig::local();
    c.peers.push(addr_of(&m).await);
    let (hub, _) = start(c, chain()).await;
    let mut lease = WorkLease::new(U256::from(1u64), &inputs(), 0..8).expect("lease");
    lease.units[3].input = Bytes::from_static(b"not the task's input");
    let r = hub.lease(m.peer_id(), lease).await;
    assert!(
        matches!(&r, Err(NetError::Refused { reason, .. }) if reason.contains("bad lease")),
        "{r:?}"
    );
    let banned = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match m_events.next().await {
                Some(Event::Banned { peer, .. }) => return peer,
                Some(Event::WorkRequest { .. }) => panic!("a forged lease reached the application"),
                Some(_) => {}
                None => panic!("stopped"),
            }
        }
    })
    .await
    .expect("banned within 10 s");
    assert_eq!(banned, hub.peer_id());
    hub.shutdown().await;
    m.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_miner_that_goes_away_or_never_answers_fails_the_lease_cleanly() {
    let limits = ProtocolLimits {
        work_timeout: Duration::from_secs(1),
        ..ProtocolLimits::default()
    };
    let config = || NodeConfig {
        limits,
        ..NodeConfig::local()
    };
    let (leaver, mut leaver_events) = silent(config()).await;
    // The mute miner keeps the lease open for the default two minutes: the hub's one second runs out first.
    let (mute, mut mute_events) = silent(NodeConfig::local()).await;
    let good = miner(config(), PrivateKeySigner::random()).await;
    let mut c = config();
    for n in [&leaver, &mute, &good] {
        c.peers.push(addr_of(n).await);
    }
    let (hub, _) = start(c, chain()).await;
    wait_for(10, "connected to the three miners", || async {
        hub.status().await.expect("status").peers.len() == 3
    })
    .await;
    let tree = inputs();
    let lease = || WorkLease::new(U256::from(1u64), &tree, 0..4).expect("lease");

    // The miner receives the lease, then goes away without answering.
    let started = Instant::now();
    let (r, ()) = tokio::join!(hub.lease(leaver.peer_id(), lease()), async {
        next_work(&mut leaver_events).await;
        leaver.shutdown().await;
    });
    assert!(
        matches!(&r, Err(NetError::Request { .. } | NetError::Timeout { .. })),
        "{r:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // The miner stays but never answers: the lease times out after the protocol's timeout.
    let started = Instant::now();
    let (r, _) = tokio::join!(
        hub.lease(mute.peer_id(), lease()),
        next_work(&mut mute_events)
    );
    assert!(matches!(&r, Err(NetError::Timeout { .. })), "{r:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );

    // The hub goes on.
    let ok = hub
        .lease(good.peer_id(), lease())
        .await
        .expect("a good miner answers");
    assert_eq!(ok.outputs.len(), 4);
    for n in [hub, mute, good] {
        n.shutdown().await;
    }
}
