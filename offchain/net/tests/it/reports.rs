//! Reports both ways, checked against the chain: a miner's report about a hub that paid it (figures from the
//! hub wallet's `Paid` events); a hub's report about a miner that returned a wrong unit in a real lease of a real
//! map task, with the miner's signed lease receipt as evidence.

use alloy::primitives::{Bytes, U256, keccak256};
use alloy::providers::Provider as _;
use alloy::signers::local::PrivateKeySigner;
use sonm_agents::{HubOwner, MapTasks, PostSpec};
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_net::{
    Chain as _, Event, Gossip, HubReport, MinerReport, Node, NodeConfig, Topic, WorkLease,
    outputs_tree,
};

use crate::common::{Log, TestChain, addr_of, start, unix_now, wait_for};

fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

async fn rejected(log: &Log, reason: &'static str) {
    wait_for(10, reason, || async {
        log.any(|e| matches!(e, Event::Rejected { reason: r, topic: Topic::Reports, .. } if r.label() == reason))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_believed_only_when_the_chain_agrees() {
    let chain = TestChain::new().await;
    let hub = chain.registered_hub(1, "hub", "hub").await;
    let (miner_i, stranger_i) = (5, 6);
    let miner = chain.signer(miner_i);
    HubOwner::new(&chain.client(1).await)
        .expect("owner")
        .pay(hub, miner.address(), snm(10), 0)
        .await
        .expect("pay");
    let net = chain.net();
    let domain = net.domain();
    let block = chain.provider().get_block_number().await.expect("block");
    let paid = net
        .payments(hub, miner.address(), block)
        .await
        .expect("payments");
    assert_eq!((paid.count, paid.total), (1, snm(10)));

    let (observer, log) = start(NodeConfig::local(), net.clone()).await;
    let mut c = NodeConfig::local();
    c.peers.push(addr_of(&observer).await);
    let (reporter, _) = start(c.clone(), net.clone()).await;
    // Bad reports come from a node of their own: a peer that sends a few is graylisted, and its good ones would
    // no longer be heard.
    let (liar, _) = start(c, net.clone()).await;
    for n in [&reporter, &liar] {
        wait_for(10, "the observer subscribed", || async {
            n.status()
                .await
                .expect("status")
                .subscribed
                .get(&Topic::Reports)
                .is_some_and(|p| p.contains(&observer.peer_id()))
        })
        .await;
    }

    // A miner's report: what the chain says it was paid, and what it says it is owed.
    let last = paid.last_paid_at;
    assert!(last > 0);
    let report = |paid: U256, seq: u64| MinerReport {
        hub,
        miner: miner.address(),
        paid,
        owed: snm(3),
        lastPaid: last,
        atBlock: block,
        expiry: unix_now() + 60,
        seq,
    };
    let good = report(snm(10), 1).sign(&domain, &miner).expect("sign");
    reporter
        .publish(&Gossip::MinerReport(good))
        .await
        .expect("publish");
    wait_for(10, "the miner's report believed", || async {
        log.any(|e| matches!(e, Event::MinerReport { report, .. } if report.owed == snm(3)))
    })
    .await;
    let inflated = report(snm(11), 2).sign(&domain, &miner).expect("sign");
    liar.publish(&Gossip::MinerReport(inflated))
        .await
        .expect("publish");
    rejected(&log, "payment_mismatch").await;
    let mut stranger = report(snm(10), 1);
    stranger.miner = chain.address(stranger_i);
    let stranger = stranger
        .sign(&domain, &chain.signer(stranger_i))
        .expect("sign");
    liar.publish(&Gossip::MinerReport(stranger))
        .await
        .expect("publish");
    rejected(&log, "not_paid_by_hub").await;

    // A real task: its inputs' root is on chain.
    let inputs: Vec<Bytes> = (0..16u64)
        .map(|i| Bytes::from(i.to_be_bytes().to_vec()))
        .collect();
    let deployment = &chain.deployment.contracts;
    let posted = MapTasks::new(&chain.client(0).await)
        .expect("tasks")
        .post(
            PostSpec {
                computation: deployment.monte_carlo_pi,
                gas_per_leaf: 1_000_000,
                reward: snm(1),
                solver_bond: snm(10),
                challenger_bond: snm(1),
                commit_deadline: unix_now() + 86_400,
                input_uri: "sonm://inputs".into(),
            },
            &inputs,
        )
        .await
        .expect("post");
    let task = U256::from(posted.task);
    let tree = IndexedTree::from_data(inputs.clone(), BuildOptions::default()).expect("tree");
    assert_eq!(net.input_root(task).await.expect("root"), Some(tree.root()));

    // The hub leases units 4..8 to the miner's node, which returns a wrong output for unit 6.
    let (miner_node, mut miner_events) = Node::start(
        NodeConfig {
            peers: vec![addr_of(&reporter).await],
            ..NodeConfig::local()
        },
        net.clone(),
    )
    .await
    .expect("miner node");
    wait_for(10, "the miner's node connected", || async {
        reporter
            .status()
            .await
            .expect("status")
            .peers
            .contains(&miner_node.peer_id())
    })
    .await;
    let answering = miner_node.clone();
    let key: PrivateKeySigner = miner.clone();
    tokio::spawn(async move {
        while let Some(e) = miner_events.next().await {
            if let Event::WorkRequest {
                id, lease, inputs, ..
            } = e
            {
                let outputs = inputs
                    .iter()
                    .zip(lease.first..)
                    .map(|(x, i)| {
                        if i == 6 {
                            Bytes::from_static(b"wrong")
                        } else {
                            Bytes::from(keccak256(x).to_vec())
                        }
                    })
                    .collect();
                let answer = lease
                    .answer_signed(outputs, answering.domain(), &key)
                    .expect("answer");
                answering.answer_work(id, answer).await.expect("answered");
            }
        }
    });
    let result = reporter
        .lease(
            miner_node.peer_id(),
            WorkLease::new(task, &tree, 4..8).expect("lease"),
        )
        .await
        .expect("lease");
    assert_eq!(result.miner, Some(miner.address()));
    let outputs = outputs_tree(4, &result.outputs).expect("outputs tree");
    let position = outputs
        .values()
        .iter()
        .position(|v| v.index == U256::from(6u64))
        .expect("unit 6");
    let hub_report = HubReport {
        hub,
        miner: miner.address(),
        taskId: task,
        index: 6,
        input: inputs[6].clone(),
        inputProof: tree.proof(6).expect("proof"),
        output: result.outputs[2].clone(),
        outputProof: outputs.proof(position).expect("proof"),
        receipt: result.receipt.clone(),
        receiptSignature: result.receipt_signature.clone().expect("signed"),
        expiry: unix_now() + 60,
        seq: 1,
    };
    let mut framed = hub_report.clone();
    framed.output = Bytes::from_static(b"never returned");
    framed.seq = 2;
    // The framing report first: rejected, and the honest one (seq 1) still believed after it.
    let owner = chain.signer(1);
    liar.publish(&Gossip::HubReport(
        framed.sign(&domain, &owner).expect("sign"),
    ))
    .await
    .expect("publish");
    rejected(&log, "bad_evidence").await;
    reporter
        .publish(&Gossip::HubReport(
            hub_report.sign(&domain, &owner).expect("sign"),
        ))
        .await
        .expect("publish");
    wait_for(10, "the hub's report believed", || async {
        log.any(|e| {
            matches!(e, Event::HubReport { report, .. }
                if report.index == 6 && report.output == Bytes::from_static(b"wrong"))
        })
    })
    .await;
    for n in [observer, reporter, liar, miner_node] {
        n.shutdown().await;
    }
}
