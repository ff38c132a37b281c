//! The market protocol between real nodes: a hub answers a miner's join and a deal's progress; a request the hub
//! never answers times out after the protocol's timeout; a hub that goes away mid-request fails the request cleanly
//! and in bounded time, and the asker goes on.
//!
//! No chain fact is read by the market protocol, so the nodes run on an in-memory [`MemoryChain`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, U256};
use sonm_net::{
    DealProgress, Event, Events, MARKET_PROTOCOL, MarketRequest, MarketResponse, MemoryChain,
    NetError, Node, NodeConfig, ProtocolLimits,
};

use crate::common::{addr_of, start, wait_for};

fn chain() -> Arc<MemoryChain> {
    Arc::new(MemoryChain::new(1, Address::ZERO))
}

const HUB: Address = Address::repeat_byte(0x42);

/// What the test hub answers.
fn answer(request: &MarketRequest) -> MarketResponse {
    match request {
        MarketRequest::Join { capacity: 0, .. } => MarketResponse::Refused {
            reason: "joining with no capacity".into(),
        },
        MarketRequest::Join { capacity, .. } => MarketResponse::Joined {
            hub: HUB,
            pay_per_unit: U256::from(*capacity) * U256::from(1000u64),
        },
        MarketRequest::Progress { task_id } => MarketResponse::Progress(DealProgress {
            task_id: *task_id,
            units: 512,
            done: 64,
            by_miner: vec![(Address::repeat_byte(1), 40), (Address::repeat_byte(2), 24)],
            redone: 8,
            committed: None,
            stage: "computing".into(),
        }),
        MarketRequest::Inputs { .. } => MarketResponse::Accepted,
        MarketRequest::Receipts { .. } => MarketResponse::Receipts { receipts: vec![] },
    }
}

/// A hub node that answers every market request with [`answer`], and records who asked what.
async fn hub(config: NodeConfig) -> (Node, Arc<std::sync::Mutex<Vec<MarketRequest>>>) {
    let (node, mut events) = Node::start(config, chain()).await.expect("start");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let answering = node.clone();
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            if let Event::MarketRequest { id, request, .. } = e {
                let response = answer(&request);
                record.lock().expect("seen").push(request);
                answering
                    .answer_market(id, response)
                    .await
                    .expect("answered");
            }
        }
    });
    (node, seen)
}

async fn next_market(events: &mut Events) -> (u64, libp2p::PeerId, MarketRequest) {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.next().await {
                Some(Event::MarketRequest { id, peer, request }) => return (id, peer, request),
                Some(_) => {}
                None => panic!("the node stopped"),
            }
        }
    })
    .await
    .expect("a market request within 10 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_answers_joins_and_progress_over_the_market_protocol() {
    let (h, seen) = hub(NodeConfig::local()).await;
    let mut c = NodeConfig::local();
    c.peers.push(addr_of(&h).await);
    let (miner, _) = start(c, chain()).await;

    let me = Address::repeat_byte(7);
    let joined = miner
        .market(
            h.peer_id(),
            MarketRequest::Join {
                miner: me,
                capacity: 16,
            },
        )
        .await
        .expect("join");
    assert_eq!(
        joined,
        MarketResponse::Joined {
            hub: HUB,
            pay_per_unit: U256::from(16_000u64)
        }
    );
    let progress = miner
        .market(
            h.peer_id(),
            MarketRequest::Progress {
                task_id: U256::from(5u64),
            },
        )
        .await
        .expect("progress");
    let MarketResponse::Progress(p) = progress else {
        panic!("{progress:?}")
    };
    assert_eq!(
        (p.task_id, p.units, p.done, p.redone),
        (U256::from(5u64), 512, 64, 8)
    );
    assert_eq!(p.by_miner.len(), 2);
    assert_eq!(p.committed, None::<B256>);
    // A refusal is an answer, not an error.
    let refused = miner
        .market(
            h.peer_id(),
            MarketRequest::Join {
                miner: me,
                capacity: 0,
            },
        )
        .await
        .expect("an answer");
    assert!(
        matches!(&refused, MarketResponse::Refused { reason } if reason.contains("no capacity")),
        "{refused:?}"
    );
    // The hub saw the requests as they were sent, the asker as the peer.
    assert_eq!(
        seen.lock().expect("seen")[0],
        MarketRequest::Join {
            miner: me,
            capacity: 16
        }
    );
    assert_eq!(seen.lock().expect("seen").len(), 3);
    assert_eq!(h.metrics().served(MARKET_PROTOCOL), 3);
    assert_eq!(miner.metrics().failed(MARKET_PROTOCOL, "timeout"), 0);
    for n in [miner, h] {
        n.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_market_request_times_out_and_its_id_is_answered_once_at_most() {
    let limits = ProtocolLimits {
        market_timeout: Duration::from_secs(1),
        ..ProtocolLimits::default()
    };
    // The mute hub keeps the request open for the default ten seconds: the asker's one second runs out first.
    let (mute, mut mute_events) = Node::start(NodeConfig::local(), chain())
        .await
        .expect("start");
    let mut c = NodeConfig {
        limits,
        ..NodeConfig::local()
    };
    c.peers.push(addr_of(&mute).await);
    let (asker, _) = start(c, chain()).await;
    let started = Instant::now();
    let (r, (id, peer, request)) = tokio::join!(
        asker.market(
            mute.peer_id(),
            MarketRequest::Receipts {
                miner: Address::repeat_byte(3)
            }
        ),
        next_market(&mut mute_events)
    );
    assert!(
        matches!(&r, Err(NetError::Timeout { protocol, .. }) if *protocol == MARKET_PROTOCOL),
        "{r:?}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(peer, asker.peer_id());
    assert_eq!(
        request,
        MarketRequest::Receipts {
            miner: Address::repeat_byte(3)
        }
    );
    assert_eq!(asker.metrics().failed(MARKET_PROTOCOL, "timeout"), 1);
    // However late the first answer, a second one fails: the request is no longer open; so does an unknown id.
    mute.answer_market(id, MarketResponse::Accepted).await.ok();
    let again = mute.answer_market(id, MarketResponse::Accepted).await;
    assert!(matches!(&again, Err(NetError::Invalid(_))), "{again:?}");
    let unknown = mute
        .answer_market(id + 1000, MarketResponse::Accepted)
        .await;
    assert!(matches!(&unknown, Err(NetError::Invalid(_))), "{unknown:?}");
    for n in [asker, mute] {
        n.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_that_goes_away_mid_request_fails_it_cleanly_and_the_asker_goes_on() {
    let (leaver, mut leaver_events) = Node::start(NodeConfig::local(), chain())
        .await
        .expect("start");
    let (good, _) = hub(NodeConfig::local()).await;
    let mut c = NodeConfig::local();
    for n in [&leaver, &good] {
        c.peers.push(addr_of(n).await);
    }
    let (buyer, _) = start(c, chain()).await;
    wait_for(10, "connected to both hubs", || async {
        buyer.status().await.expect("status").peers.len() == 2
    })
    .await;
    let inputs = MarketRequest::Inputs {
        task_id: U256::from(1u64),
        leaf_count: 64,
    };

    // The hub receives the request, then goes away without answering: the request fails well before its 10 s.
    let started = Instant::now();
    let (r, ()) = tokio::join!(buyer.market(leaver.peer_id(), inputs.clone()), async {
        next_market(&mut leaver_events).await;
        leaver.shutdown().await;
    });
    assert!(
        matches!(&r, Err(NetError::Request { protocol, .. }) if *protocol == MARKET_PROTOCOL),
        "{r:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // Asking it again fails at once: it is gone.
    let r = buyer.market(leaver.peer_id(), inputs.clone()).await;
    assert!(matches!(&r, Err(NetError::Request { .. })), "{r:?}");

    // The buyer goes on with another hub.
    let ok = buyer
        .market(good.peer_id(), inputs)
        .await
        .expect("the other hub answers");
    assert_eq!(ok, MarketResponse::Accepted);
    for n in [buyer, good] {
        n.shutdown().await;
    }
}
