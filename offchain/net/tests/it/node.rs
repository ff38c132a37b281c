//! A node's life: a restarted node keeps its identity; a new node finds a hub through the Whitelist's endpoints,
//! believes its announcement and fetches its info; the metrics are served over HTTP.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::Bytes;
use prometheus_client::registry::Registry;
use sonm_agents::HubOwner;
use sonm_net::{
    Event, HubConfig, Identity, MemoryChain, Metrics, MetricsServer, NetError, NodeConfig,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::{TestChain, addr_of, start, tempdir, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_keeps_its_identity() {
    let chain = Arc::new(MemoryChain::new(1, alloy::primitives::Address::ZERO));
    let key = tempdir("identity").join("node.key");
    let config = || NodeConfig {
        identity: Identity::File(key.clone()),
        ..NodeConfig::local()
    };
    let (first, _) = start(config(), chain.clone()).await;
    let id = first.peer_id();
    first.shutdown().await;
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key)
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let (again, _) = start(config(), chain.clone()).await;
    assert_eq!(again.peer_id(), id);
    // Peers reach it under the same id.
    let mut c = NodeConfig::local();
    c.peers.push(addr_of(&again).await);
    let (other, log) = start(c, chain.clone()).await;
    wait_for(10, "connected to the restarted node", || async {
        log.any(|e| matches!(e, Event::Connected(p) if *p == id))
    })
    .await;
    // A fresh identity is another peer.
    let (fresh, _) = start(NodeConfig::local(), chain).await;
    assert_ne!(fresh.peer_id(), id);
    for n in [again, other, fresh] {
        n.shutdown().await;
    }
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_node_finds_a_hub_through_the_whitelist() {
    let chain = TestChain::new().await;
    let hub = chain
        .registered_hub(1, "not a multiaddr yet", "alpha")
        .await;
    let net = chain.net();
    let mut hub_config = NodeConfig::local();
    let mut announcing = HubConfig::new(chain.signer(1), hub, "alpha");
    announcing.offers = Bytes::from_static(b"price list");
    hub_config.hub = Some(announcing);
    let (hub_node, _) = start(hub_config, net.clone()).await;
    // The hub's owner writes the node's address into the registry: the network's bootstrap list.
    let endpoint = addr_of(&hub_node).await.to_string();
    HubOwner::new(&chain.client(1).await)
        .expect("owner")
        .set_listing(hub, Some(&endpoint), None)
        .await
        .expect("set endpoint");

    let mut registry = Registry::default();
    let metrics = Metrics::new(&mut registry);
    let config = NodeConfig {
        bootstrap_from_chain: true,
        metrics,
        ..NodeConfig::local()
    };
    let (node, log) = start(config, net.clone()).await;
    let hub_peer = hub_node.peer_id();
    wait_for(15, "the hub dialed from the whitelist and its announcement believed", || async {
        log.any(|e| matches!(e, Event::Connected(p) if *p == hub_peer))
            && log.any(|e| matches!(e, Event::Announcement { announcement, .. } if announcement.hub == hub))
    })
    .await;
    let known = node.hubs().await.expect("hubs");
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].peer, hub_peer);
    assert_eq!(
        known[0].announcement.offers,
        Bytes::from_static(b"price list")
    );
    assert!(!known[0].announcement.multiaddrs().is_empty());

    // Its info, straight from the hub, checked against the chain.
    let info = node.hub_info(hub_peer).await.expect("hub info");
    assert_eq!(info.announcement.hub, hub);
    assert_eq!(info.announcement.name, "alpha");
    // A node that is not a hub has none.
    let r = hub_node.hub_info(node.peer_id()).await;
    assert!(
        matches!(&r, Err(NetError::Refused { reason, .. }) if reason == "not a hub"),
        "{r:?}"
    );

    // New offers are announced at once.
    let published = hub_node
        .announce(Some(Bytes::from_static(b"cheaper")))
        .await
        .expect("announce");
    wait_for(10, "the new offers believed", || async {
        node.hubs().await.expect("hubs").iter().any(|h| {
            h.announcement.seq == published.seq
                && h.announcement.offers == Bytes::from_static(b"cheaper")
        })
    })
    .await;

    // The figures, over HTTP.
    let server = MetricsServer::bind("127.0.0.1:0".parse().expect("addr"), Arc::new(registry))
        .await
        .expect("metrics server");
    let page = http_get(server.local_addr(), "/metrics").await;
    assert!(page.contains("sonm_net_peers 1"), "{page}");
    assert!(
        page.contains(r#"sonm_net_messages_accepted_total{topic="sonm/hubs/1"} 2"#),
        "{page}"
    );
    assert!(
        page.contains(r#"sonm_net_request_duration_seconds_count{protocol="/sonm/info/1"} 1"#),
        "{page}"
    );
    server.shutdown().await;

    // The hub is Suspected: what it announces from now on is rejected.
    chain.suspect(hub).await;
    hub_node.announce(None).await.expect("announce");
    wait_for(10, "the suspected hub's announcement rejected", || async {
        log.any(|e| matches!(e, Event::Rejected { reason, .. } if reason.label() == "hub_not_registered"))
    })
    .await;
    let r = node.hub_info(hub_peer).await;
    assert!(
        matches!(&r, Err(NetError::Refused { reason, .. }) if reason.contains("not Registered")),
        "{r:?}"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    node.shutdown().await;
    hub_node.shutdown().await;
}
