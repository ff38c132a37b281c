//! The whole hub lifecycle through the CLI: create, deposit, register, pay, claim, PayDay after the payout
//! period, withdraw, rate, list.

use crate::common::{Chain, s};

const DAY: u64 = 24 * 60 * 60;

#[tokio::test(flavor = "multi_thread")]
async fn hub_lifecycle_from_create_to_withdraw() {
    let chain = Chain::new().await;
    let (owner, miner) = (Some(0), Some(1));
    let miner_addr = chain.address(1).to_string();

    let created = chain.ok(
        owner,
        &[
            "hub",
            "create",
            "--endpoint",
            "hub.example:9000",
            "--name",
            "alpha",
        ],
    );
    let hub = s(&created, "hub").to_owned();
    let info = chain.ok(None, &["hub", "show", &hub]);
    assert_eq!(s(&info, "state"), "Created");
    assert_eq!(s(&info, "name"), "alpha");

    chain.ok(owner, &["hub", "set", &hub, "--name", "alpha prime"]);
    assert_eq!(
        s(&chain.ok(None, &["hub", "show", &hub]), "name"),
        "alpha prime"
    );
    let line = chain.fails(miner, &["hub", "set", &hub, "--endpoint", "evil:1"]);
    assert!(line.contains("is not the owner of hub"), "{line}");

    chain.ok(owner, &["hub", "deposit", &hub, "100"]);
    chain.ok(owner, &["hub", "register", &hub]);
    let paid = chain.ok(owner, &["hub", "pay", &hub, &miner_addr, "10"]);
    assert_eq!(s(&paid, "amount"), "10000000000000000000");
    assert_eq!(
        s(&paid, "lock"),
        "3000000000000000000",
        "30% of the payout is locked"
    );

    let info = chain.ok(None, &["hub", "show", &hub]);
    assert_eq!(s(&info, "state"), "Registered");
    assert_eq!(s(&info, "locked"), "3000000000000000000");
    assert_eq!(s(&info, "frozen"), "1000000000000000000");
    assert_eq!(s(&info, "free_balance"), "86000000000000000000");

    let claimed = chain.ok(miner, &["hub", "claim", &hub]);
    assert_eq!(s(&claimed, "amount"), "10000000000000000000");
    let balance = chain.ok(None, &["token", "balance", &miner_addr]);
    assert_eq!(s(&balance, "balance"), "10000000000000000000");
    let line = chain.fails(miner, &["hub", "claim", &hub]);
    assert!(line.contains("owes") && line.contains("nothing"), "{line}");

    // PayDay only after the payout period (30 days).
    let line = chain.fails(owner, &["hub", "payday", &hub]);
    assert!(line.contains("payout period is not over"), "{line}");
    let line = chain.fails(owner, &["hub", "withdraw", &hub, "1"]);
    assert!(
        line.contains("is Registered: withdraw needs Created or Idle"),
        "{line}"
    );
    chain.travel(30 * DAY + 1).await;
    chain.ok(owner, &["hub", "payday", &hub]);
    let info = chain.ok(None, &["hub", "show", &hub]);
    assert_eq!(s(&info, "state"), "Idle");
    assert_eq!(s(&info, "locked"), "0");
    // 0.5% of the 3 SNM locked went to the DAO; the other 2.985 SNM PayDay unlocked cool in the wallet for the
    // cool-down: of the 89.985 SNM left, 87 are free.
    assert_eq!(s(&info, "free_balance"), "87000000000000000000");
    assert_eq!(s(&info, "cooling"), "2985000000000000000");
    let until = info["cooling_until"].as_u64().unwrap();
    assert_eq!(
        until,
        chain.now().await + info["terms"]["pay_day_cool_down"].as_u64().unwrap(),
        "cooling from PayDay (the last block) for the wallet's cool-down"
    );
    let text = chain.sonm(None, &["hub", "show", &hub]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("cooling    2.985 SNM until {until}")),
        "{text}"
    );

    chain.ok(owner, &["hub", "withdraw", &hub, "87"]);
    let info = chain.ok(None, &["hub", "show", &hub]);
    assert_eq!(s(&info, "free_balance"), "0");
    let line = chain.fails(owner, &["hub", "withdraw", &hub, "1"]);
    assert!(line.starts_with("error: insufficient funds: hub"), "{line}");
    assert!(
        line.contains(&format!(
            "has 0 SNM free (2.985 SNM more is cooling after PayDay until {until}"
        )),
        "{line}"
    );
    // Once the cool-down is over the lock is free.
    chain
        .travel(info["terms"]["pay_day_cool_down"].as_u64().unwrap())
        .await;
    let info = chain.ok(None, &["hub", "show", &hub]);
    assert_eq!(s(&info, "cooling"), "0");
    assert_eq!(s(&info, "free_balance"), "2985000000000000000");

    // Registering again works from Idle, once funded.
    chain.ok(owner, &["hub", "deposit", &hub, "5"]);
    chain.ok(owner, &["hub", "register", &hub]);

    // The miner rates the hub with its earnings: the CLI approves exactly the stake.
    let rated = chain.ok(
        miner,
        &["hub", "rate", &hub, "--score", "90", "--stake", "10"],
    );
    assert_eq!(s(&rated["approval"], "amount"), "10000000000000000000");
    assert!(
        rated["approval"]["tx"].is_string(),
        "an approval was sent: {rated}"
    );
    let list = chain.ok(None, &["hub", "list", "--active"]);
    assert_eq!(list["total"], 1);
    assert_eq!(
        s(&list["hubs"][0], "hub").to_lowercase(),
        hub.to_lowercase()
    );
    assert_eq!(list["hubs"][0]["raters"], "1");
}
