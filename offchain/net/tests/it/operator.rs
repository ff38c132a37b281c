//! A hub daemon holds only its wallet's operator key: its announcements, signed by that key, are believed by a node
//! that reads `HubWallet.operator()` on anvil; once the owner revokes the key on chain (sets the operator back to
//! zero), what it signs is rejected; fetched straight from the hub, too.

use std::time::Duration;

use alloy::primitives::{Address, Bytes};
use sonm_agents::HubOwner;
use sonm_net::{Event, HubConfig, NetError, NodeConfig, RejectReason, Topic};

use crate::common::{TestChain, addr_of, start, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_signed_announcement_is_believed_until_the_owner_revokes_the_operator() {
    let chain = TestChain::new().await;
    let hub = chain.registered_hub(1, "operated", "operated").await;
    let owner = HubOwner::new(&chain.client(1).await).expect("owner");
    let operator = chain.signer(3);
    owner
        .set_operator(hub, operator.address())
        .await
        .expect("set operator");
    let net = chain.net();

    let mut hub_config = NodeConfig::local();
    let mut announcing = HubConfig::new(operator.clone(), hub, "operated");
    announcing.offers = Bytes::from_static(b"offers");
    announcing.interval = Duration::from_secs(3600);
    hub_config.hub = Some(announcing);
    let (hub_node, _) = start(hub_config, net.clone()).await;
    let mut config = NodeConfig::local();
    config.peers.push(addr_of(&hub_node).await);
    let (node, log) = start(config, net.clone()).await;

    // Announced as soon as the node subscribes; believed.
    wait_for(15, "the operator's announcement believed", || async {
        log.any(
            |e| matches!(e, Event::Announcement { announcement, .. } if announcement.hub == hub),
        )
    })
    .await;
    let known = node.hubs().await.expect("hubs");
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].peer, hub_node.peer_id());
    let info = node
        .hub_info(hub_node.peer_id())
        .await
        .expect("hub info believed");
    assert_eq!(info.announcement.hub, hub);

    // The owner revokes the key: the next announcement is the work of a stranger.
    owner
        .set_operator(hub, Address::ZERO)
        .await
        .expect("revoke operator");
    let published = hub_node.announce(None).await.expect("announce");
    wait_for(15, "the revoked operator's announcement rejected", || async {
        log.any(|e| {
            matches!(e, Event::Rejected { topic: Topic::Hubs, reason: RejectReason::NotHubSigner { signer, operator: Address::ZERO, .. }, .. }
                if *signer == operator.address())
        })
    })
    .await;
    assert_eq!(
        log.count(|e| matches!(e, Event::Announcement { announcement, .. } if announcement.seq == published.seq)),
        0
    );
    let r = node.hub_info(hub_node.peer_id()).await;
    assert!(
        matches!(&r, Err(NetError::Refused { reason, .. }) if reason.contains("neither the hub's owner")),
        "{r:?}"
    );
    for n in [node, hub_node] {
        n.shutdown().await;
    }
}
