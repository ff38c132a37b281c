//! A sonm network node on the command line: it keeps its key in a file, dials the peers it is given (and, with a
//! chain, the Whitelist's hubs), finds peers on the LAN with `--mdns`, prints what it sees, serves a Merkle dump
//! over the data protocol, fetches one from a peer, and serves its metrics.
//!
//! ```text
//! cargo run -p sonm-net --example node -- --key a.key --listen /ip4/127.0.0.1/tcp/4001 --serve results.json
//! cargo run -p sonm-net --example node -- --key b.key --peer /ip4/127.0.0.1/tcp/4001/p2p/<A's peer id> \
//!     --fetch <root> --leaves <n>
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use alloy::primitives::{Address, B256};
use alloy::providers::{Provider as _, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use clap::Parser;
use eyre::{WrapErr as _, bail};
use prometheus_client::registry::Registry;
use sonm_bindings::Deployment;
use sonm_merkle::IndexedTree;
use sonm_net::{
    Chain, Event, HubConfig, Identity, MemoryChain, Metrics, MetricsServer, Multiaddr, Node,
    NodeConfig, WhitelistChain,
};

#[derive(Parser, Debug)]
#[command(about = "A sonm P2P network node")]
struct Args {
    /// The node's key file (created on first run, mode 0600): the node keeps its peer id across restarts.
    #[arg(long, default_value = "sonm-net.key")]
    key: PathBuf,
    /// Where to listen.
    #[arg(long, default_value = "/ip4/0.0.0.0/tcp/0")]
    listen: Vec<Multiaddr>,
    /// A peer to dial (repeatable), e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...
    #[arg(long)]
    peer: Vec<Multiaddr>,
    /// Find peers on the LAN with mDNS.
    #[arg(long)]
    mdns: bool,
    /// The chain to check announcements and reports against (and whose Whitelist endpoints to dial). Without
    /// it the node knows no hub and believes no announcement.
    #[arg(long, env = "ETH_RPC_URL")]
    rpc_url: Option<String>,
    /// Where `<chainId>.json` of the deployment is.
    #[arg(long, default_value = "deployments")]
    deployments: PathBuf,
    /// Announce this hub wallet, signing with its owner's or operator's key from SONM_PRIVATE_KEY (needs --rpc-url).
    #[arg(long)]
    hub: Option<Address>,
    /// The hub's name in its announcements.
    #[arg(long, default_value = "hub")]
    name: String,
    /// Serve this StandardMerkleTree dump of `(uint256, bytes)` leaves over the data protocol.
    #[arg(long)]
    serve: Vec<PathBuf>,
    /// Fetch the tree with this root from the first --peer, every leaf checked, and print a summary.
    #[arg(long, requires = "leaves")]
    fetch: Option<B256>,
    /// How many leaves the tree to fetch has.
    #[arg(long)]
    leaves: Option<u64>,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long)]
    metrics: Option<SocketAddr>,
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("sonm_net=info")),
        )
        .init();
    let args = Args::parse();
    match &args.rpc_url {
        Some(url) => {
            let provider = ProviderBuilder::new()
                .connect(url)
                .await
                .wrap_err("cannot reach the chain")?
                .erased();
            let chain_id = provider
                .get_chain_id()
                .await
                .wrap_err("cannot reach the chain")?;
            let deployment = Deployment::load(&args.deployments, chain_id)?;
            run(args, Arc::new(WhitelistChain::new(provider, deployment))).await
        }
        None => {
            if args.hub.is_some() {
                bail!("--hub needs --rpc-url: a hub is believed only after the chain is checked");
            }
            run(args, Arc::new(MemoryChain::new(0, Address::ZERO))).await
        }
    }
}

async fn run<C: Chain>(args: Args, chain: Arc<C>) -> eyre::Result<()> {
    let mut registry = Registry::default();
    let metrics = Metrics::new(&mut registry);
    let hub = match args.hub {
        Some(wallet) => {
            let key: PrivateKeySigner = std::env::var("SONM_PRIVATE_KEY")
                .wrap_err("--hub needs the owner's or the operator's key in SONM_PRIVATE_KEY")?
                .parse()
                .wrap_err("SONM_PRIVATE_KEY is not a private key")?;
            Some(HubConfig::new(key, wallet, args.name.clone()))
        }
        None => None,
    };
    let config = NodeConfig {
        identity: Identity::File(args.key.clone()),
        listen: args.listen.clone(),
        peers: args.peer.clone(),
        bootstrap_from_chain: args.rpc_url.is_some(),
        mdns: args.mdns,
        hub,
        metrics,
        ..NodeConfig::default()
    };
    let (node, mut events) = Node::start(config, chain).await?;
    println!("peer id {}", node.peer_id());
    for a in node.status().await?.listen_addrs {
        println!("listening on {a}/p2p/{}", node.peer_id());
    }
    for path in &args.serve {
        let json = std::fs::read_to_string(path)
            .wrap_err_with(|| format!("cannot read {}", path.display()))?;
        let tree = IndexedTree::from_json(&json)
            .wrap_err_with(|| format!("{} is not a tree dump", path.display()))?;
        let n = tree.len();
        let root = node.data().insert(tree)?;
        println!("serving {root} ({n} leaves) from {}", path.display());
    }
    let _server = match args.metrics {
        Some(addr) => Some(MetricsServer::bind(addr, Arc::new(registry)).await?),
        None => None,
    };
    if let (Some(root), Some(leaves)) = (args.fetch, args.leaves) {
        let Some(peer) = args.peer.first().and_then(|a| {
            a.iter().find_map(|p| match p {
                libp2p::multiaddr::Protocol::P2p(id) => Some(id),
                _ => None,
            })
        }) else {
            bail!("--fetch needs a --peer with /p2p/<peer id>");
        };
        // Wait for the connection the node dials at start.
        while !node.status().await?.peers.contains(&peer) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let started = std::time::Instant::now();
        let data = node.fetch_tree(peer, root, leaves).await?;
        let bytes: usize = data.iter().map(|d| d.len()).sum();
        println!(
            "fetched {} leaves ({bytes} bytes) of {root} from {peer} in {:.2} s, every leaf checked",
            data.len(),
            started.elapsed().as_secs_f64()
        );
    }
    loop {
        tokio::select! {
            e = events.next() => match e {
                Some(Event::Connected(p)) => println!("connected {p}"),
                Some(Event::Disconnected(p)) => println!("disconnected {p}"),
                Some(Event::Announcement { announcement: a, .. }) => println!(
                    "hub {} \"{}\" at {:?}, {} bytes of offers, seq {}",
                    a.hub, a.name, a.multiaddrs(), a.offers.len(), a.seq
                ),
                Some(Event::MinerReport { report, .. }) => println!("miner {} about hub {}: paid {}, owed {}", report.miner, report.hub, report.paid, report.owed),
                Some(Event::HubReport { report, .. }) => println!("hub {} about miner {}: unit {} of task {}", report.hub, report.miner, report.index, report.taskId),
                Some(Event::Rejected { from, reason, topic, .. }) => println!("rejected on {topic} from {from}: {reason}"),
                Some(Event::Banned { peer, reason }) => println!("banned {peer}: {reason}"),
                Some(Event::WorkRequest { id, peer, .. }) => {
                    println!("work lease from {peer}: this node does not compute, refused");
                    node.answer_work(id, sonm_net::WorkResponse::Refused { reason: "not a miner".into() }).await?;
                }
                Some(Event::MarketRequest { id, peer, request }) => {
                    println!("market request from {peer}: {request:?}; this node is no hub, refused");
                    node.answer_market(id, sonm_net::MarketResponse::Refused { reason: "not a hub".into() }).await?;
                }
                Some(Event::Listening(_)) => {}
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    node.shutdown().await;
    Ok(())
}
