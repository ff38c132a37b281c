//! Result data served over sonm-net's data protocol: the watcher fetches a `sonm://` URI from the solver's node on
//! 127.0.0.1, checks every leaf against the committed root, recomputes them and proves the wrong one. A market
//! buyer's inputs come the same way: a `sonm://` input URI naming the buyer's node.

use std::sync::Arc;

use sonm_net::multiaddr::Protocol;
use sonm_net::{Node, NodeConfig, WhitelistChain};
use sonm_watcher::Watcher;

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_leaf_served_over_the_network_is_proven() {
    init_tracing();
    let chain = Chain::new().await;
    let n = 16u64;
    let cheat = 1 + u64::from(std::process::id()) % (n - 2);
    let inputs = Chain::mc_inputs(n);
    let task = chain.post_map(&inputs).await;
    let tree = chain.claim_and_compute_map(task, &inputs, &[cheat]).await;
    let root = tree.root();

    // The solver's node serves the result tree (one leaf wrong, every leaf under the root it commits).
    let net = Arc::new(WhitelistChain::new(
        chain.provider(),
        chain.deployment.clone(),
    ));
    let (solver, mut events) = Node::start(NodeConfig::local(), net).await.unwrap();
    tokio::spawn(async move { while events.next().await.is_some() {} });
    solver.data().insert(tree).unwrap();
    let addr = solver.status().await.unwrap().listen_addrs[0]
        .clone()
        .with(Protocol::P2p(solver.peer_id()));
    let uri = format!("sonm://{addr}/{root}");
    chain.commit_map(task, root, &uri).await;

    let mut config = chain.config(BOT);
    config.p2p_listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    let mut bot = Watcher::connect(config).await.unwrap();
    let sent = drive(&mut bot, 10).await;
    assert!(
        sent.contains(&format!("map:proveCheat:{task}:1:{cheat}")),
        "{sent:?}"
    );
    assert_eq!(chain.map_slashes().await, vec![(task, chain.address(BOT))]);
    let m = bot.metrics();
    assert_eq!(m.cheats_found.get(), 1);
    assert_eq!(m.data_withheld.get(), 0);
    // Every leaf came over the data protocol and was checked: the network's figures are in the same registry.
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &bot.registry()).unwrap();
    assert!(
        text.contains(&format!("sonm_net_leaves_verified_total {n}\n")),
        "{text}"
    );
    assert!(
        text.contains("sonm_watcher_proofs_sent_total 1\n"),
        "{text}"
    );
    bot.shutdown().await;
    solver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sonm_uri_naming_another_root_is_withheld_data() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(4);
    let task = chain.post_map(&inputs).await;
    let tree = chain.claim_and_compute_map(task, &inputs, &[]).await;
    let net = Arc::new(WhitelistChain::new(
        chain.provider(),
        chain.deployment.clone(),
    ));
    let (solver, mut events) = Node::start(NodeConfig::local(), net).await.unwrap();
    tokio::spawn(async move { while events.next().await.is_some() {} });
    let addr = solver.status().await.unwrap().listen_addrs[0]
        .clone()
        .with(Protocol::P2p(solver.peer_id()));
    // The URI names a tree the node does not hold: the commitment's data is withheld.
    let other = alloy::primitives::B256::repeat_byte(7);
    chain
        .commit_map(task, tree.root(), &format!("sonm://{addr}/{other}"))
        .await;
    let mut config = chain.config(BOT);
    config.p2p_listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    let mut bot = Watcher::connect(config).await.unwrap();
    drive(&mut bot, 3).await;
    assert_eq!(bot.metrics().data_withheld.get(), 1);
    assert_eq!(bot.metrics().cheats_found.get(), 0);
    bot.shutdown().await;
    solver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_served_by_the_buyers_node_are_fetched_and_a_wrong_leaf_proven() {
    init_tracing();
    let chain = Chain::new().await;
    let n = 12u64;
    let cheat = u64::from(std::process::id()) % n;
    let inputs = Chain::mc_inputs(n);
    let net = Arc::new(WhitelistChain::new(
        chain.provider(),
        chain.deployment.clone(),
    ));
    // The buyer's node serves the inputs (no file anywhere), as `sonm buy` does; the task names it.
    let (buyer, mut events) = Node::start(NodeConfig::local(), net.clone()).await.unwrap();
    tokio::spawn(async move { while events.next().await.is_some() {} });
    let input_tree = sonm_merkle::IndexedTree::from_data(
        inputs.iter().cloned(),
        sonm_merkle::BuildOptions::default(),
    )
    .unwrap();
    let input_root = buyer.data().insert(input_tree).unwrap();
    let buyer_addr = buyer.status().await.unwrap().listen_addrs[0]
        .clone()
        .with(Protocol::P2p(buyer.peer_id()));
    let task = chain
        .post_map_at(&inputs, &format!("sonm://{buyer_addr}/{input_root}"))
        .await;
    let tree = chain.claim_and_compute_map(task, &inputs, &[cheat]).await;
    let root = tree.root();
    let (solver, mut events) = Node::start(NodeConfig::local(), net).await.unwrap();
    tokio::spawn(async move { while events.next().await.is_some() {} });
    solver.data().insert(tree).unwrap();
    let addr = solver.status().await.unwrap().listen_addrs[0]
        .clone()
        .with(Protocol::P2p(solver.peer_id()));
    chain
        .commit_map(task, root, &format!("sonm://{addr}/{root}"))
        .await;

    let mut config = chain.config(BOT);
    config.p2p_listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    let mut bot = Watcher::connect(config).await.unwrap();
    let sent = drive(&mut bot, 10).await;
    assert!(
        sent.contains(&format!("map:proveCheat:{task}:1:{cheat}")),
        "{sent:?}"
    );
    assert_eq!(chain.map_slashes().await, vec![(task, chain.address(BOT))]);
    // Both trees came over the data protocol, every leaf checked.
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &bot.registry()).unwrap();
    assert!(
        text.contains(&format!("sonm_net_leaves_verified_total {}\n", 2 * n)),
        "{text}"
    );
    bot.shutdown().await;
    solver.shutdown().await;
    buyer.shutdown().await;
}
