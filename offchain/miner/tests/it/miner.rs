//! The miner against a hub-like node: joins a hub it marks checked, computes its leases exactly as the executor
//! does, redeems and claims the receipt the hub's operator signed, reports; stops working for a hub whose debt passes
//! its limit, and that report lowers the hub's mark at another miner.

use alloy::primitives::U256;
use sonm_agents::Token;
use sonm_agents::mark::Mark;
use sonm_executor::Executor;
use sonm_miner::{MinerEvent, RunArgs};
use sonm_net::{NetError, WorkLease};

use crate::common::{FakeHub, RunningMiner, TestChain, snm, wait_for};

const OWNER: usize = 1;
const OPERATOR: usize = 2;
const BUYER: usize = 3;
const MINER: usize = 4;
const WATCHING_MINER: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_miner_computes_a_hubs_leases_as_the_executor_does_and_redeems_and_claims_its_receipt() {
    let chain = TestChain::new().await;
    let hub = chain.hub(OWNER, OPERATOR, "hub-a").await;
    let deal = chain.deal(hub, OPERATOR, BUYER).await;
    let pay = snm(1) / U256::from(2u64);
    let fake = FakeHub::start(&chain, hub, OPERATOR, pay).await;
    let miner = RunningMiner::start(
        &chain,
        MINER,
        vec![fake.addr().await],
        RunArgs {
            capacity: Some(16),
            ..RunArgs::default()
        },
    )
    .await;
    let me = miner.address;

    // A new Registered hub is checked: the miner joins it with its whole capacity.
    wait_for(
        30,
        "the miner joined the hub",
        || miner.dump(),
        || async { fake.joined(me).is_some_and(|(_, c)| c == 16) },
    )
    .await;
    let marked = miner
        .find(|e| match e {
            MinerEvent::HubMarked {
                hub: h,
                mark,
                reasons,
                ..
            } if *h == hub => Some((*mark, reasons.clone())),
            _ => None,
        })
        .expect("marked");
    assert_eq!(marked.0, Mark::Checked, "{:?}", marked.1);
    assert!(
        marked.1.iter().any(|r| r.contains("no record yet")),
        "{:?}",
        marked.1
    );
    let (peer, _) = fake.joined(me).expect("joined");

    // Two leases; every output is the executor's.
    let c = chain.client(0).await;
    let task = sonm_agents::MapTasks::new(&c)
        .expect("tasks")
        .task(deal.task.to())
        .await
        .expect("task");
    let executor = Executor::from_deployment(c.provider_ref(), c.deployment(), task.computation)
        .await
        .expect("executor");
    for range in [0..8u64, 8..16] {
        let lease = WorkLease::new(deal.task, &deal.tree, range.clone()).expect("lease");
        let done = fake
            .node
            .lease(peer, lease)
            .await
            .expect("the miner answered");
        assert_eq!(
            done.miner,
            Some(me),
            "the lease receipt is signed by the joined miner"
        );
        for (k, out) in done.outputs.iter().enumerate() {
            let i = range.start as usize + k;
            let want = executor
                .leaf(
                    &deal.inputs[i],
                    u64::from(task.gas_per_leaf),
                    task.max_leaf_bytes,
                )
                .expect("leaf");
            assert_eq!(out, &want, "row {i}");
        }
    }
    wait_for(
        10,
        "two leases done",
        || miner.dump(),
        || async {
            miner
                .events
                .lock()
                .unwrap()
                .iter()
                .filter(|e| matches!(e, MinerEvent::LeaseDone { units: 8, .. }))
                .count()
                == 2
        },
    )
    .await;

    // The operator signs a receipt for the 16 rows; the miner fetches it, redeems it and claims the pay.
    let token = Token::new(&c).expect("token");
    let before = token.balance(me).await.expect("balance");
    let amount = pay * U256::from(16u64);
    let receipt = chain.receipt(OPERATOR, hub, me, deal.task, amount).await;
    fake.serve_receipt(&receipt);
    wait_for(
        30,
        "the receipt redeemed and the pay claimed",
        || miner.dump(),
        || async {
            miner
                .any(|e| matches!(e, MinerEvent::ReceiptRedeemed { amount: a, .. } if *a == amount))
                && miner.any(|e| matches!(e, MinerEvent::Claimed { amount: a, .. } if *a == amount))
        },
    )
    .await;
    assert_eq!(token.balance(me).await.expect("balance"), before + amount);
    // Paid once, it reports on the hub: paid as the chain says, owed nothing.
    wait_for(20, "a report published", || miner.dump(), || async {
        miner.any(|e| matches!(e, MinerEvent::Reported { paid, owed, .. } if *paid == amount && owed.is_zero()))
    })
    .await;
    // The receipt is presented once: served again, it is not redeemed twice.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        miner
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, MinerEvent::ReceiptRedeemed { .. }))
            .count(),
        1
    );

    // The view beside the running daemon: the books and the mark.
    let (views, note) = sonm_miner::hubs(&c, &miner.state, snm(50))
        .await
        .expect("hubs");
    assert!(note.is_none(), "{note:?}");
    let v = views
        .iter()
        .find(|v| v.hub == hub)
        .expect("the hub in the view");
    assert_eq!(
        (
            v.ledger.units_done,
            v.ledger.redeemed,
            v.ledger.claimed,
            v.debt
        ),
        (16, amount, amount, U256::ZERO)
    );
    assert_eq!(v.mark, Mark::Checked);
    let state = miner.state.clone();
    let joins_before = fake.joins.lock().unwrap().len();
    miner.stop().await;

    // Restarted on its state: the same peer id joins again, its books kept, the receipt still not presented twice.
    let again = RunningMiner::start_in(
        &chain,
        MINER,
        vec![fake.addr().await],
        RunArgs {
            capacity: Some(16),
            ..RunArgs::default()
        },
        state,
    )
    .await;
    wait_for(
        30,
        "the restarted miner joined again",
        || again.dump(),
        || async {
            fake.joins.lock().unwrap().len() > joins_before
                && fake.joined(me).is_some_and(|(p, c)| p == peer && c == 16)
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert!(
        !again.any(|e| matches!(e, MinerEvent::ReceiptRedeemed { .. })),
        "{}",
        again.dump()
    );
    let (views, _) = sonm_miner::hubs(&c, &again.state, snm(50))
        .await
        .expect("hubs");
    let v = views
        .iter()
        .find(|v| v.hub == hub)
        .expect("the hub in the view");
    assert_eq!((v.ledger.units_done, v.ledger.redeemed), (16, amount));
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_that_stops_paying_is_dropped_and_the_report_lowers_its_mark_at_another_miner() {
    let chain = TestChain::new().await;
    let hub = chain.hub(OWNER, OPERATOR, "hub-stingy").await;
    let deal = chain.deal(hub, OPERATOR, BUYER).await;
    let pay = snm(1);
    let fake = FakeHub::start(&chain, hub, OPERATOR, pay).await;
    let addr = fake.addr().await;
    let limits = RunArgs {
        capacity: Some(8),
        max_debt: Some("5".into()),
        ..RunArgs::default()
    };
    let miner = RunningMiner::start(&chain, MINER, vec![addr.clone()], limits.clone()).await;
    let other = RunningMiner::start(&chain, WATCHING_MINER, vec![addr], limits).await;
    let (me, them) = (miner.address, other.address);
    wait_for(
        30,
        "both miners joined",
        || format!("{}\n--\n{}", miner.dump(), other.dump()),
        || async {
            fake.joined(me).is_some_and(|(_, c)| c > 0)
                && fake.joined(them).is_some_and(|(_, c)| c > 0)
        },
    )
    .await;
    let (peer, _) = fake.joined(me).expect("joined");

    // 4 rows, paid by a receipt: the miner has been paid once, so it may report.
    let lease = |r: std::ops::Range<u64>| WorkLease::new(deal.task, &deal.tree, r).expect("lease");
    fake.node
        .lease(peer, lease(0..4))
        .await
        .expect("first lease");
    let first = chain
        .receipt(OPERATOR, hub, me, deal.task, pay * U256::from(4u64))
        .await;
    fake.serve_receipt(&first);
    wait_for(
        30,
        "the first receipt redeemed",
        || miner.dump(),
        || async { miner.any(|e| matches!(e, MinerEvent::ReceiptRedeemed { .. })) },
    )
    .await;

    // 8 rows more and no receipt: 8 SNM owed, over the 5 SNM limit.
    fake.node
        .lease(peer, lease(4..12))
        .await
        .expect("second lease");
    wait_for(
        30,
        "the hub dropped and left",
        || miner.dump(),
        || async {
            miner.any(|e| matches!(e, MinerEvent::HubDropped { hub: h, .. } if *h == hub))
                && fake.joined(me).is_some_and(|(_, c)| c == 0)
        },
    )
    .await;
    let refused = fake
        .node
        .lease(peer, lease(12..16))
        .await
        .expect_err("refused");
    assert!(
        matches!(&refused, NetError::Refused { reason, .. } if reason.contains("over its limit of 5 SNM")),
        "{refused}"
    );
    // Its report (paid 4, owed 8) reaches the other miner, who marks the hub down and leaves it.
    wait_for(
        30,
        "the report published",
        || miner.dump(),
        || async {
            miner.any(|e| matches!(e, MinerEvent::Reported { owed, .. } if *owed == snm(8)))
        },
    )
    .await;
    wait_for(40, "the other miner marked the hub not confirmed and left", || other.dump(), || async {
        other.any(|e| matches!(e, MinerEvent::HubMarked { hub: h, mark: Mark::NotConfirmed, .. } if *h == hub))
            && fake.joined(them).is_some_and(|(_, c)| c == 0)
    })
    .await;
    let reasons = other
        .find(|e| match e {
            MinerEvent::HubMarked {
                hub: h,
                mark: Mark::NotConfirmed,
                reasons,
                ..
            } if *h == hub => Some(reasons.clone()),
            _ => None,
        })
        .expect("marked");
    assert!(
        reasons.iter().any(|r| r.contains(&format!(
            "miner {me} says it is owed 8 SNM, more than the 4 SNM it was paid"
        ))),
        "{reasons:?}"
    );
    miner.stop().await;
    other.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dishonest_knob_names_its_wrong_units_and_a_suspected_hub_is_left() {
    let chain = TestChain::new().await;
    let hub = chain.hub(OWNER, OPERATOR, "hub-b").await;
    let deal = chain.deal(hub, OPERATOR, BUYER).await;
    let fake = FakeHub::start(&chain, hub, OPERATOR, snm(1)).await;
    let miner = RunningMiner::start(
        &chain,
        MINER,
        vec![fake.addr().await],
        RunArgs {
            capacity: Some(4),
            dishonest_one_in: Some(1),
            ..RunArgs::default()
        },
    )
    .await;
    let me = miner.address;
    wait_for(
        30,
        "the miner joined the hub",
        || miner.dump(),
        || async { fake.joined(me).is_some_and(|(_, c)| c == 4) },
    )
    .await;
    let (peer, _) = fake.joined(me).expect("joined");

    // One wrong unit in one: every output differs from the executor's, and the event names them all.
    let c = chain.client(0).await;
    let task = sonm_agents::MapTasks::new(&c)
        .expect("tasks")
        .task(deal.task.to())
        .await
        .expect("task");
    let executor = Executor::from_deployment(c.provider_ref(), c.deployment(), task.computation)
        .await
        .expect("executor");
    let done = fake
        .node
        .lease(
            peer,
            WorkLease::new(deal.task, &deal.tree, 4..8).expect("lease"),
        )
        .await
        .expect("answered");
    for (k, out) in done.outputs.iter().enumerate() {
        let want = executor
            .leaf(
                &deal.inputs[4 + k],
                u64::from(task.gas_per_leaf),
                task.max_leaf_bytes,
            )
            .expect("leaf");
        assert_ne!(out, &want, "row {}", 4 + k);
    }
    wait_for(10, "the falsified units named", || miner.dump(), || async {
        miner.any(|e| matches!(e, MinerEvent::LeaseDone { falsified, .. } if falsified == &vec![4, 5, 6, 7]))
    })
    .await;

    // The DAO suspects the hub: the miner marks it not confirmed, says why, leaves it and refuses its leases.
    chain.suspect(hub).await;
    wait_for(
        30,
        "the suspected hub marked down and left",
        || miner.dump(),
        || async {
            miner.any(|e| {
                matches!(e, MinerEvent::HubMarked { hub: h, mark: Mark::NotConfirmed, reasons, .. }
                if *h == hub && reasons[0] == "its wallet is Suspected, not Registered")
            }) && fake.joined(me).is_some_and(|(_, c)| c == 0)
        },
    )
    .await;
    assert!(miner.any(|e| matches!(e, MinerEvent::Left { hub: h, reason } if *h == hub && reason.starts_with("marked not confirmed"))));
    let refused = fake
        .node
        .lease(
            peer,
            WorkLease::new(deal.task, &deal.tree, 8..12).expect("lease"),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(&refused, NetError::Refused { reason, .. } if reason.contains("has not joined hub")),
        "{refused}"
    );
    miner.stop().await;
}
