//! Gossip on a 30-node network whose every node checks the Whitelist on anvil: a hub's announcement signed by its
//! owner reaches every node; one signed by another key, one for a Suspected hub, an expired one and a replayed one
//! are rejected by the publisher's neighbours and reach nobody beyond them.

use std::collections::HashSet;
use std::time::Duration;

use alloy::primitives::Bytes;
use rand::{Rng as _, SeedableRng as _};
use sonm_net::{
    Event, Gossip, HUBS_TOPIC, HubAnnouncement, HubConfig, Node, NodeConfig, PeerId, Topic,
};

use crate::common::{Log, TestChain, addr_of, start, unix_now, wait_for};

const NODES: usize = 30;

fn announcement(
    hub: alloy::primitives::Address,
    peer: PeerId,
    expiry: u64,
    seq: u64,
) -> HubAnnouncement {
    HubAnnouncement {
        hub,
        peerId: peer.to_bytes().into(),
        addrs: vec![],
        name: "test".into(),
        offers: Bytes::from_static(b"offers"),
        expiry,
        seq,
    }
}

fn millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

/// Whether `e` is anything about a message published by `source`: believed (an announcement naming it) or
/// rejected.
fn from_source(e: &Event, source: PeerId) -> bool {
    match e {
        Event::Rejected { source: s, .. } => *s == Some(source),
        Event::Announcement { announcement, .. } => announcement.peer() == Some(source),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcements_reach_everyone_and_bad_ones_stop_at_the_first_hop() {
    let chain = TestChain::new().await;
    let good = chain.registered_hub(1, "good", "good").await;
    let suspected = chain.registered_hub(2, "suspected", "suspected").await;
    let replayer = chain.registered_hub(4, "replayer", "replayer").await;
    chain.suspect(suspected).await;
    let net = chain.net();
    let domain = sonm_net::domain(
        chain.deployment.chain_id,
        chain.deployment.contracts.whitelist,
    );

    // Node 0 is the good hub's; the others are plain nodes. Each node dials the one before it and one at random
    // before that: a connected network where most nodes are several hops apart.
    let mut nodes: Vec<(Node, Log)> = Vec::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(30);
    for i in 0..NODES {
        let mut config = NodeConfig::local();
        if i == 0 {
            let mut hub = HubConfig::new(chain.signer(1), good, "good");
            hub.interval = Duration::from_secs(3600);
            config.hub = Some(hub);
        } else {
            config.peers.push(addr_of(&nodes[i - 1].0).await);
            let j = rng.random_range(0..i);
            if j != i - 1 {
                config.peers.push(addr_of(&nodes[j].0).await);
            }
        }
        nodes.push(start(config, net.clone()).await);
    }
    // Every node sees its neighbours subscribed to both topics and has a mesh.
    for (node, _) in &nodes {
        wait_for(20, "subscriptions and meshes", || async {
            let s = node.status().await.expect("status");
            let subscribed = |t| s.subscribed.get(&t).map_or(0, Vec::len);
            !s.peers.is_empty()
                && subscribed(Topic::Hubs) == s.peers.len()
                && subscribed(Topic::Reports) == s.peers.len()
                && s.mesh.get(&Topic::Hubs).is_some_and(|m| !m.is_empty())
        })
        .await;
    }

    // The good hub's announcement reaches all 29 others.
    let published = nodes[0].0.announce(None).await.expect("announce");
    let reached = |seq: u64| {
        let logs: Vec<Log> = nodes[1..].iter().map(|(_, l)| l.clone()).collect();
        move || {
            let logs = logs.clone();
            async move {
                logs.iter().all(|l| {
                    l.any(|e| {
                        matches!(e, Event::Announcement { announcement, .. }
                            if announcement.hub == good && announcement.seq == seq)
                    })
                })
            }
        }
    };
    wait_for(20, "the announcement at every node", reached(published.seq)).await;
    for (node, _) in &nodes[1..] {
        let hubs = node.hubs().await.expect("hubs");
        assert!(
            hubs.iter()
                .any(|h| h.announcement.hub == good && h.peer == nodes[0].0.peer_id())
        );
    }

    // The replaying node first publishes a good announcement of its own hub, which everyone believes.
    let (r, w, s, x) = (25, 7, 13, 19);
    let replay_peer = nodes[r].0.peer_id();
    let original = Gossip::Announcement(
        announcement(replayer, replay_peer, unix_now() + 60, millis())
            .sign(&domain, &chain.signer(4))
            .expect("sign"),
    );
    nodes[r].0.publish(&original).await.expect("publish");
    let logs: Vec<Log> = nodes.iter().map(|(_, l)| l.clone()).collect();
    wait_for(20, "the replayer's first announcement at every node", || {
        let logs = logs.clone();
        async move {
            logs.iter().enumerate().filter(|(i, _)| *i != r).all(|(_, l)| {
                l.any(|e| matches!(e, Event::Announcement { announcement, .. } if announcement.hub == replayer))
            })
        }
    })
    .await;

    // Four bad messages, each from its own node: the reason its neighbours must give.
    let bad: Vec<(usize, Vec<u8>, &str)> = vec![
        (
            w,
            Gossip::Announcement(
                announcement(good, nodes[w].0.peer_id(), unix_now() + 60, millis())
                    .sign(&domain, &chain.signer(3))
                    .expect("sign"),
            )
            .encode(),
            "not_hub_signer",
        ),
        (
            s,
            Gossip::Announcement(
                announcement(suspected, nodes[s].0.peer_id(), unix_now() + 60, millis())
                    .sign(&domain, &chain.signer(2))
                    .expect("sign"),
            )
            .encode(),
            "hub_not_registered",
        ),
        (
            x,
            Gossip::Announcement(
                announcement(good, nodes[x].0.peer_id(), unix_now() - 1, millis())
                    .sign(&domain, &chain.signer(1))
                    .expect("sign"),
            )
            .encode(),
            "expired",
        ),
        (r, original.encode(), "replayed"),
    ];
    let mut neighbours = Vec::new();
    let before: Vec<usize> = nodes
        .iter()
        .map(|(_, l)| l.count(|e| matches!(e, Event::Announcement { .. })))
        .collect();
    for (i, bytes, _) in &bad {
        let status = nodes[*i].0.status().await.expect("status");
        neighbours.push(status.peers.iter().copied().collect::<HashSet<PeerId>>());
        nodes[*i]
            .0
            .publish_raw(Topic::Hubs, bytes.clone())
            .await
            .expect("publish");
    }

    // Every neighbour rejects the bad message with the reason, and scores its sender down.
    for ((i, _, reason), near) in bad.iter().zip(&neighbours) {
        let source = nodes[*i].0.peer_id();
        for (node, log) in nodes.iter().filter(|(n, _)| near.contains(&n.peer_id())) {
            wait_for(20, &format!("{reason} rejected by a neighbour"), || async {
                log.any(|e| {
                    matches!(e, Event::Rejected { source: s, reason: got, topic: Topic::Hubs, .. }
                        if *s == Some(source) && got.label() == *reason)
                })
            })
            .await;
            let score = node
                .peer_score(source)
                .await
                .expect("score")
                .expect("scored");
            assert!(score < 0.0, "{reason}: the sender's score is {score}");
            assert!(node.metrics().rejected(HUBS_TOPIC, reason) >= 1);
        }
    }

    // A barrier: a new good announcement reaches everyone, so anything forwarded would have arrived by now.
    let published = nodes[0].0.announce(None).await.expect("announce");
    wait_for(
        20,
        "the second announcement at every node",
        reached(published.seq),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    for ((i, _, reason), near) in bad.iter().zip(&neighbours) {
        let source = nodes[*i].0.peer_id();
        let mut far = 0;
        for (k, (node, log)) in nodes.iter().enumerate() {
            if k == *i || near.contains(&node.peer_id()) {
                continue;
            }
            far += 1;
            let rejected =
                log.count(|e| matches!(e, Event::Rejected { source: s, .. } if *s == Some(source)));
            assert_eq!(
                rejected, 0,
                "{reason}: node {k}, beyond the first hop, saw it"
            );
            let believed =
                log.count(|e| from_source(e, source) && matches!(e, Event::Announcement { .. }));
            let expected = usize::from(*i == r);
            assert_eq!(believed, expected, "{reason}: node {k} believed it");
        }
        assert!(
            far > 0,
            "{reason}: every node is a neighbour; the test proves nothing"
        );
    }
    // Nothing bad was believed anywhere: each node believed exactly the barrier announcement since.
    for (k, (_, log)) in nodes.iter().enumerate() {
        let now = log.count(|e| matches!(e, Event::Announcement { .. }));
        assert_eq!(now, before[k] + usize::from(k != 0), "node {k}");
        // The honest hub was never blamed for anything (a late copy of an older announcement is merely stale).
        let hub = nodes[0].0.peer_id();
        assert!(
            !log.any(|e| matches!(e, Event::Rejected { source, reason, .. }
            if *source == Some(hub) && reason.blames_sender()))
        );
    }
    for (node, _) in &nodes {
        node.shutdown().await;
    }
}
