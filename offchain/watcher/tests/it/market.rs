//! Market deals are watched exactly like open tasks: a buyer takes a hub's offer, the hub's operator commits a
//! wrong result for the hub wallet, and the bot proves the cheat. The deal ends there (it never reopens), the
//! buyer's escrow comes back, and the cheat is written in the hub's market history.

use alloy::primitives::U256;
use sonm_agents::market::Offer;
use sonm_agents::task::write_dump;
use sonm_agents::{Client, HubOwner, MapTasks, Market, SolveMode};
use sonm_merkle::{BuildOptions, IndexedTree};

use crate::common::*;

const OWNER: usize = 3;
const OPERATOR: usize = 4;

/// A sonm-agents client of the chain as anvil's account `who`.
async fn client(chain: &Chain, who: usize) -> Client {
    Client::connect(
        &chain.anvil.endpoint(),
        Some(chain.signer(who)),
        &chain.deployments,
    )
    .await
    .expect("connect")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_result_on_a_deal_is_proven_and_the_buyer_refunded() {
    init_tracing();
    let chain = Chain::new().await;
    send(
        sonm_bindings::SonmToken::new(chain.deployment.contracts.sonm_token, chain.wallet(BUYER))
            .transfer(chain.address(OWNER), U256::from(100u64) * ether()),
    )
    .await;

    // The hub: created, funded and registered by its owner, who hands the daemon an operator key.
    let owner = HubOwner::new(&client(&chain, OWNER).await).expect("owner");
    let (hub, _) = owner
        .create("hub.example:9000", "deal hub")
        .await
        .expect("create");
    owner
        .deposit(hub, U256::from(50u64) * ether())
        .await
        .expect("deposit");
    owner.register(hub).await.expect("register");
    owner
        .set_operator(hub, chain.address(OPERATOR))
        .await
        .expect("operator");

    // The operator signs an offer; the buyer takes 8 Monte-Carlo leaves of it.
    let operator = client(&chain, OPERATOR).await;
    let offer = Offer {
        hub,
        computation: chain.deployment.contracts.monte_carlo_pi,
        price_per_leaf: ether() / U256::from(2u64),
        max_leaves: 8,
        gas_per_leaf: 1_000_000,
        hub_bond: U256::from(10u64) * ether(),
        challenger_bond: ether(),
        challenge_window: 600,
        response_window: 600,
        turnaround: 3_600,
        expiry: chain.now().await + 3_600,
        nonce: U256::from(1u64),
    };
    let signed = Market::new(&operator)
        .expect("market")
        .sign(offer)
        .await
        .expect("sign");
    let inputs = Chain::mc_inputs(8);
    let input_tree =
        IndexedTree::from_data(inputs.iter().cloned(), BuildOptions::default()).expect("tree");
    let input_uri = chain.dir.join("deal-inputs.json");
    write_dump(&input_tree, &input_uri).expect("write inputs");
    let buyer_before = chain.balance(BUYER).await;
    let taken = Market::new(&client(&chain, BUYER).await)
        .expect("market")
        .take(
            &signed,
            input_tree.root(),
            8,
            input_uri.display().to_string(),
        )
        .await
        .expect("take");
    let deal = taken.deal;
    assert_eq!(taken.price, U256::from(4u64) * ether());
    assert_eq!(chain.balance(BUYER).await, buyer_before - taken.price);

    // The operator commits, for the hub wallet, a result tree with leaf 5 wrong.
    let tasks = MapTasks::new(&operator).expect("tasks");
    let info = tasks.task(deal).await.expect("task");
    assert_eq!(info.solver, hub, "the wallet is the deal's solver");
    assert_eq!(
        info.deal.map(|d| (d.challenge_window, d.response_window)),
        Some((600, 600))
    );
    let results = tasks
        .solve(deal, &inputs, &SolveMode::Cheat(vec![5]), &|_| {})
        .await
        .expect("solve");
    let result_uri = chain.dir.join("deal-results.json");
    write_dump(&results, &result_uri).expect("write results");
    tasks
        .commit(deal, results.root(), result_uri.display().to_string())
        .await
        .expect("the operator commits for the hub");

    // The bot proves it as it would on any task.
    let bot_before = chain.balance(BOT).await;
    let mut bot = chain.watcher().await;
    let sent = drive(&mut bot, 10).await;
    assert!(
        sent.contains(&format!("map:proveCheat:{deal}:1:5")),
        "{sent:?}"
    );
    assert_eq!(bot.metrics().cheats_found.get(), 1);
    assert_eq!(chain.map_slashes().await, vec![(deal, chain.address(BOT))]);

    // A deal never reopens: it is Refunded, and the buyer has its escrow back.
    assert_eq!(chain.map_task(deal).await.status, TaskStatus::Refunded);
    assert_eq!(chain.balance(BUYER).await, buyer_before);
    // Half the hub's 10 SNM bond went to the bot.
    assert_eq!(
        chain.balance(BOT).await - bot_before,
        U256::from(5u64) * ether()
    );
    let history = Market::new(&operator)
        .expect("market")
        .history(hub)
        .await
        .expect("history");
    assert_eq!(
        (
            history.taken,
            history.cheats_proven,
            history.accepted,
            history.settled
        ),
        (1, 1, 0, 0)
    );
    assert!(history.last_fault_at > 0);
    assert!(drive(&mut bot, 3).await.is_empty(), "nothing more to do");
}
