//! The market through the CLI: a hub's owner sets an operator key, the operator signs an offer (`sonm market
//! offer`, byte for byte what `cast wallet sign --data --from-file` signs), a buyer takes it, the operator commits,
//! the buyer accepts, the hub pays its miners naming the deal; the operator declines a deal in time (and is refused
//! once half the turnaround has passed); and the one-line refusals of an expired offer, a forged one and a buyer
//! without SNM.

use std::path::Path;
use std::process::Command;

use alloy::primitives::{Address, U256};
use alloy::providers::Provider as _;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent as _;
use serde_json::Value;
use sonm_bindings::{HubWallet, Market};

use crate::common::{Chain, repo, s, snm, tempdir, tool_path};

// Anvil's accounts: 0 holds the SNM supply.
pub(crate) const OWNER: usize = 1;
pub(crate) const OPERATOR: usize = 2;
pub(crate) const BUYER: usize = 3;
pub(crate) const MINERS: [usize; 2] = [4, 5];
/// Has ETH, never any SNM.
const POOR: usize = 6;
/// Acts for no hub.
pub(crate) const STRANGER: usize = 7;

/// A registered hub (100 SNM deposited) owned by [`OWNER`] with [`OPERATOR`] as its operator key, and a buyer
/// holding 50 SNM. Returns the hub.
pub(crate) fn hub_with_operator(chain: &Chain) -> String {
    chain.fund(Some(0), &[OWNER], "200");
    chain.fund(Some(0), &[BUYER], "50");
    let created = chain.ok(
        Some(OWNER),
        &[
            "hub",
            "create",
            "--endpoint",
            "hub.example:9000",
            "--name",
            "market hub",
        ],
    );
    let hub = s(&created, "hub").to_owned();
    chain.ok(Some(OWNER), &["hub", "deposit", &hub, "100"]);
    chain.ok(Some(OWNER), &["hub", "register", &hub]);
    let operator = chain.address(OPERATOR).to_string();
    chain.ok(Some(OWNER), &["hub", "operator", &hub, &operator]);
    hub
}

/// `sonm market offer` as `who` for `hub`: 8 Mandelbrot leaves at 0.5 SNM, written to `out`; `extra` overrides.
fn offer(chain: &Chain, who: usize, hub: &str, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "market",
        "offer",
        "--hub",
        hub,
        "--computation",
        "mandelbrot",
        "--price",
        "0.5",
        "--max-leaves",
        "8",
        "--gas-per-leaf",
        "1000000",
        "--hub-bond",
        "10",
        "--challenger-bond",
        "1",
        "--turnaround",
        "3600",
        "-o",
        out.to_str().unwrap(),
    ];
    if !extra.contains(&"--expiry") {
        args.extend(["--expiry", "86400"]);
    }
    args.extend_from_slice(extra);
    chain.ok(Some(who), &args)
}

/// `cast wallet sign --data --from-file FILE` with anvil's key `i`: the signature cast makes of the typed data.
pub(crate) fn cast_sign(chain: &Chain, i: usize, file: &Path) -> String {
    let out = Command::new(sonm_testkit::devnet::tool(&repo(), "cast"))
        .args(["wallet", "sign", "--data", "--from-file"])
        .arg(file)
        .args(["--private-key", &chain.key(i)])
        .env("PATH", tool_path())
        .output()
        .expect("run cast");
    assert!(
        out.status.success(),
        "cast wallet sign failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub(crate) fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_honest_deal_through_the_cli_and_the_hub_pays_its_miners_for_it() {
    let chain = Chain::new().await;
    let dir = tempdir("market-deal");
    let hub = hub_with_operator(&chain);
    let keys = chain.ok(None, &["hub", "operator", &hub]);
    assert_eq!(
        s(&keys, "operator").to_lowercase(),
        chain.address(OPERATOR).to_string().to_lowercase()
    );
    assert_eq!(
        s(&keys, "owner").to_lowercase(),
        chain.address(OWNER).to_string().to_lowercase()
    );

    // The operator signs; the file is the offer as `sonm market offers` and a buyer read it.
    let file = dir.join("offer.json");
    let signed = offer(&chain, OPERATOR, &hub, &file, &[]);
    let hash = s(&signed, "hash").to_owned();
    let listed = chain.ok(None, &["market", "offers", file.to_str().unwrap()]);
    let o = &listed["offers"][0];
    assert_eq!(o["valid"], true, "{listed}");
    assert_eq!(s(o, "hash"), hash);
    assert_eq!(
        s(o, "signer").to_lowercase(),
        chain.address(OPERATOR).to_string().to_lowercase()
    );
    assert_eq!(
        (o["taken"].as_u64(), o["left"].as_u64()),
        (Some(0), Some(8))
    );
    assert_eq!(s(o, "hub_state"), "Registered");
    assert_eq!(o["history"]["taken"], 0);

    // The buyer takes 4 of the 8 leaves: the inputs' root, and the market approved for exactly the price (2 SNM).
    let inputs = dir.join("rows.json");
    chain.mandelbrot_inputs(&inputs, 8, 4);
    let taken = chain.ok(
        Some(BUYER),
        &[
            "market",
            "take",
            file.to_str().unwrap(),
            "--inputs",
            inputs.to_str().unwrap(),
        ],
    );
    assert_eq!(taken["leaf_count"], 4);
    assert_eq!(s(&taken, "price"), snm(2).to_string());
    assert_eq!(s(&taken["approval"], "amount"), snm(2).to_string());
    assert!(taken["approval"]["tx"].is_string(), "{taken}");
    let deal = taken["deal"].as_u64().unwrap().to_string();
    let shown = chain.ok(None, &["map", "show", &deal]);
    assert_eq!(s(&shown, "status"), "Claimed");
    assert_eq!(s(&shown, "solver").to_lowercase(), hub.to_lowercase());
    assert_eq!(
        shown["deal"]["challenge_window"], 600,
        "the game's, by default"
    );
    let listed = chain.ok(None, &["market", "offers", file.to_str().unwrap()]);
    assert_eq!(listed["offers"][0]["left"], 4);

    // The operator's key computes and commits for the hub wallet; a stranger's may not.
    let results = dir.join("results.json");
    chain.ok(
        Some(OPERATOR),
        &["map", "solve", &deal, "-o", results.to_str().unwrap()],
    );
    let line = chain.fails(
        Some(STRANGER),
        &[
            "map",
            "commit",
            &deal,
            "--results",
            results.to_str().unwrap(),
        ],
    );
    assert!(
        line.contains("is neither its owner nor its operator"),
        "{line}"
    );
    chain.ok(
        Some(OPERATOR),
        &[
            "map",
            "commit",
            &deal,
            "--results",
            results.to_str().unwrap(),
        ],
    );
    let line = chain.fails(Some(STRANGER), &["market", "accept", &deal]);
    assert!(line.contains("only its buyer accepts"), "{line}");
    let hub_before = chain.ok(None, &["token", "balance", &hub]);
    chain.ok(Some(BUYER), &["market", "accept", &deal]);
    assert_eq!(
        s(&chain.ok(None, &["map", "show", &deal]), "status"),
        "Finalized"
    );
    let hub_after = chain.ok(None, &["token", "balance", &hub]);
    let gained = s(&hub_after, "balance").parse::<U256>().unwrap()
        - s(&hub_before, "balance").parse::<U256>().unwrap();
    assert_eq!(gained, snm(12), "the price and the bond went to the wallet");

    let history = chain.ok(None, &["hub", "history", &hub]);
    assert_eq!(
        (
            &history["taken"],
            &history["accepted"],
            &history["settled"],
            &history["cheats_proven"],
            &history["leaves_delivered"],
            &history["buyers"],
        ),
        (
            &Value::from(1),
            &Value::from(1),
            &Value::from(0),
            &Value::from(0),
            &Value::from(4),
            &Value::from(1)
        ),
        "{history}"
    );
    assert_eq!(s(&history, "earned"), snm(2).to_string());
    let all = chain.ok(None, &["hub", "history", "--page", "1"]);
    let hubs = all["hubs"].as_array().unwrap();
    assert_eq!(hubs.len(), 1, "one hub in the whitelist: {all}");
    assert_eq!(hubs[0], history);
    let table = chain.sonm(None, &["hub", "history"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.starts_with("1 hubs\nhub "), "{table}");

    // The operator pays two miners for the deal in one transaction, and one more the single way.
    let [m1, m2] = MINERS.map(|i| chain.address(i).to_string());
    let paid = chain.ok(
        Some(OPERATOR),
        &[
            "hub",
            "pay-many",
            &hub,
            "--deal",
            &deal,
            &format!("{m1}=1.5"),
            &format!("{m2}=2"),
        ],
    );
    assert_eq!(s(&paid, "total"), "3500000000000000000");
    assert_eq!(s(&paid, "lock"), "1050000000000000000", "30% of each");
    chain.ok(
        Some(OPERATOR),
        &["hub", "pay", &hub, &m1, "0.5", "--deal", &deal],
    );
    let logs = chain
        .provider()
        .get_logs(
            &Filter::new()
                .address(hub.parse::<Address>().unwrap())
                .event_signature(HubWallet::Paid::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    let paid: Vec<(Address, U256, U256)> = logs
        .iter()
        .map(|l| {
            let p = l.log_decode::<HubWallet::Paid>().unwrap().inner.data;
            (p.miner, p.deal, p.amount)
        })
        .collect();
    let deal_id = U256::from(deal.parse::<u64>().unwrap());
    assert_eq!(
        paid,
        vec![
            (chain.address(4), deal_id, snm(3) / U256::from(2)),
            (chain.address(5), deal_id, snm(2)),
            (chain.address(4), deal_id, snm(1) / U256::from(2)),
        ]
    );
    let claimed = chain.ok(Some(MINERS[0]), &["hub", "claim", &hub]);
    assert_eq!(s(&claimed, "amount"), snm(2).to_string());

    // The operator cancels the offer: no more takes. The owner revokes the operator: it can no longer pay.
    chain.ok(
        Some(OPERATOR),
        &["market", "cancel", file.to_str().unwrap()],
    );
    let listed = chain.ok(None, &["market", "offers", file.to_str().unwrap()]);
    assert_eq!(listed["offers"][0]["valid"], false);
    assert_eq!(listed["offers"][0]["cancelled"], true);
    let line = chain.fails(
        Some(BUYER),
        &[
            "market",
            "take",
            file.to_str().unwrap(),
            "--inputs",
            inputs.to_str().unwrap(),
        ],
    );
    assert!(line.contains("was cancelled by the hub"), "{line}");
    chain.ok(Some(OWNER), &["hub", "operator", &hub, "--revoke"]);
    assert_eq!(
        s(&chain.ok(None, &["hub", "operator", &hub]), "operator"),
        Address::ZERO.to_string()
    );
    let line = chain.fails(Some(OPERATOR), &["hub", "pay", &hub, &m1, "1"]);
    assert!(
        line.contains("is neither the owner nor the operator of hub"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offer_signed_by_cast_is_sonms_byte_for_byte_and_the_market_takes_it() {
    let chain = Chain::new().await;
    let dir = tempdir("market-cast");
    let hub = hub_with_operator(&chain);
    let expiry = (chain.now().await + 86_400).to_string();
    let file = dir.join("offer.json");
    let signed = offer(
        &chain,
        OPERATOR,
        &hub,
        &file,
        &[
            "--expiry",
            &expiry,
            "--nonce",
            "42",
            "--challenge-window",
            "1200",
        ],
    );
    assert_eq!(signed["offer"]["message"]["expiry"], expiry.as_str());
    assert_eq!(signed["offer"]["message"]["nonce"], "42");

    // The same typed data without the signature, signed by cast with the operator's key: the same signature.
    let mut unsigned = signed["offer"].clone();
    let ours = unsigned["signature"].as_str().unwrap().to_owned();
    unsigned.as_object_mut().unwrap().remove("signature");
    unsigned.as_object_mut().unwrap().remove("hash");
    let bare = dir.join("unsigned.json");
    write_json(&bare, &unsigned);
    assert_eq!(cast_sign(&chain, OPERATOR, &bare), ours);
    // cast reads sonm's file as it is, signature and hash included.
    assert_eq!(cast_sign(&chain, OPERATOR, &file), ours);

    // The digest in the file is the market's.
    let market = Market::new(chain.deployment.contracts.market, chain.provider());
    let o = &unsigned["message"];
    let n = |k: &str| s(o, k).parse::<u64>().unwrap();
    let on_chain = market
        .hashOffer(sonm_bindings::IMarket::Offer {
            hub: s(o, "hub").parse().unwrap(),
            computation: s(o, "computation").parse().unwrap(),
            pricePerLeaf: s(o, "pricePerLeaf").parse().unwrap(),
            maxLeaves: n("maxLeaves"),
            gasPerLeaf: n("gasPerLeaf") as u32,
            hubBond: s(o, "hubBond").parse().unwrap(),
            challengerBond: s(o, "challengerBond").parse().unwrap(),
            challengeWindow: n("challengeWindow") as u32,
            responseWindow: n("responseWindow") as u32,
            turnaround: n("turnaround") as u32,
            expiry: alloy::primitives::aliases::U40::from(n("expiry")),
            nonce: U256::from(42u64),
        })
        .call()
        .await
        .unwrap();
    assert_eq!(on_chain.to_string(), s(&signed, "hash"));

    // An offer written by hand (another nonce) and signed with cast alone: the CLI reads it and the market takes
    // it on chain.
    let mut by_hand = unsigned.clone();
    by_hand["message"]["nonce"] = Value::from("7");
    let hand = dir.join("by-hand.json");
    write_json(&hand, &by_hand);
    by_hand["signature"] = Value::from(cast_sign(&chain, OPERATOR, &hand));
    write_json(&hand, &by_hand);
    let inputs = dir.join("rows.json");
    chain.mandelbrot_inputs(&inputs, 8, 2);
    let taken = chain.ok(
        Some(BUYER),
        &[
            "market",
            "take",
            hand.to_str().unwrap(),
            "--inputs",
            inputs.to_str().unwrap(),
        ],
    );
    let deal = taken["deal"].as_u64().unwrap().to_string();
    let shown = chain.ok(None, &["map", "show", &deal]);
    assert_eq!(s(&shown, "status"), "Claimed");
    assert_eq!(
        shown["deal"]["challenge_window"], 1200,
        "the offer's own window"
    );
    assert_eq!(s(&shown, "reward"), snm(1).to_string());
    let taken_now = market
        .offerState(taken["offer_hash"].as_str().unwrap().parse().unwrap())
        .call()
        .await
        .unwrap();
    assert_eq!(taken_now.taken, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_forged_and_unpaid_takes_are_refused_in_one_line() {
    let chain = Chain::new().await;
    let dir = tempdir("market-errors");
    let hub = hub_with_operator(&chain);
    let inputs = dir.join("rows.json");
    chain.mandelbrot_inputs(&inputs, 8, 2);
    let take = |who: usize, file: &Path| {
        chain.fails(
            Some(who),
            &[
                "market",
                "take",
                file.to_str().unwrap(),
                "--inputs",
                inputs.to_str().unwrap(),
            ],
        )
    };

    // Only a key acting for the hub signs its offers.
    let line = chain.fails(
        Some(STRANGER),
        &[
            "market",
            "offer",
            "--hub",
            &hub,
            "--computation",
            "mandelbrot",
            "--price",
            "1",
            "--max-leaves",
            "1",
            "--gas-per-leaf",
            "1000000",
            "--hub-bond",
            "10",
            "--challenger-bond",
            "1",
            "--turnaround",
            "3600",
            "--expiry",
            "600",
        ],
    );
    assert!(
        line.contains("is neither the owner nor the operator of hub"),
        "{line}"
    );
    let line = chain.fails(
        Some(OPERATOR),
        &[
            "market",
            "offer",
            "--hub",
            &hub,
            "--computation",
            "mandelbrot",
            "--price",
            "1",
            "--max-leaves",
            "1",
            "--gas-per-leaf",
            "1000000",
            "--hub-bond",
            "1",
            "--challenger-bond",
            "1",
            "--turnaround",
            "3600",
            "--expiry",
            "600",
        ],
    );
    assert!(line.contains("below the game's minimum"), "{line}");

    // A forged offer: the operator's terms, signed by a key that does not act for the hub.
    let good = dir.join("good.json");
    offer(&chain, OPERATOR, &hub, &good, &[]);
    let mut forged: Value = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    let forged_file = dir.join("forged.json");
    forged["signature"] = Value::from(cast_sign(&chain, STRANGER, &good));
    write_json(&forged_file, &forged);
    let line = take(BUYER, &forged_file);
    assert!(
        line.contains(&format!(
            "is signed by {}, which is neither the owner nor the operator of hub",
            chain.address(STRANGER)
        )) && line.contains("it is forged, or the key was revoked"),
        "{line}"
    );
    let listed = chain.ok(
        None,
        &[
            "market",
            "offers",
            forged_file.to_str().unwrap(),
            good.to_str().unwrap(),
        ],
    );
    assert_eq!(listed["offers"][0]["valid"], false);
    assert!(
        listed["offers"][0]["problems"][0]
            .as_str()
            .unwrap()
            .contains("it is forged"),
        "{listed}"
    );
    assert_eq!(listed["offers"][1]["valid"], true);

    // A buyer without SNM.
    let line = take(POOR, &good);
    assert!(
        line.starts_with(&format!(
            "error: insufficient funds: {} holds 0 SNM, taking the offer needs 1 SNM",
            chain.address(POOR)
        )),
        "{line}"
    );

    // An expired offer.
    let short = dir.join("short.json");
    offer(&chain, OPERATOR, &hub, &short, &["--expiry", "600"]);
    chain.travel(601).await;
    let line = take(BUYER, &short);
    assert!(
        line.contains("expired at") && line.contains("ask the hub for a fresh one"),
        "{line}"
    );

    // Not a deal to cancel while the hub stands well.
    let taken = chain.ok(
        Some(BUYER),
        &[
            "market",
            "take",
            good.to_str().unwrap(),
            "--inputs",
            inputs.to_str().unwrap(),
        ],
    );
    let deal = taken["deal"].as_u64().unwrap().to_string();
    let line = chain.fails(Some(BUYER), &["market", "cancel-deal", &deal]);
    assert!(
        line.contains(
            "is Registered: a deal can be cancelled only while its hub is Suspected or Punished"
        ),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_declines_an_uncommitted_deal_in_time_and_the_buyer_is_whole() {
    let chain = Chain::new().await;
    let dir = tempdir("market-decline");
    let hub = hub_with_operator(&chain);
    let file = dir.join("offer.json");
    offer(&chain, OPERATOR, &hub, &file, &[]);
    let inputs = dir.join("rows.json");
    chain.mandelbrot_inputs(&inputs, 8, 2);
    let take = || {
        let taken = chain.ok(
            Some(BUYER),
            &[
                "market",
                "take",
                file.to_str().unwrap(),
                "--inputs",
                inputs.to_str().unwrap(),
            ],
        );
        taken["deal"].as_u64().unwrap().to_string()
    };
    let wallet = |chain: &Chain| -> U256 {
        s(&chain.ok(None, &["token", "balance", &hub]), "balance")
            .parse()
            .unwrap()
    };
    let (buyer_before, wallet_before) = (chain.balance(BUYER), wallet(&chain));

    // The deal's decline deadline is half the offer's turnaround (3600 s) after the take.
    let deal = take();
    let shown = chain.ok(None, &["map", "show", &deal]);
    let decline_by = shown["deal"]["decline_by"].as_u64().unwrap();
    let deadline = shown["deadline"].as_u64().unwrap();
    assert_eq!(deadline - decline_by, 1800, "{shown}");
    let text = chain.sonm(None, &["map", "show", &deal]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("decline by   {decline_by}")),
        "{text}"
    );
    assert_eq!(chain.balance(BUYER), buyer_before - snm(1), "escrowed");

    // Only a key acting for the hub declines; the operator's does, and the escrow and the bond go back.
    let line = chain.fails(Some(BUYER), &["market", "decline", &deal]);
    assert!(
        line.contains("is neither its owner nor its operator: only they may decline it"),
        "{line}"
    );
    let declined = chain.ok(Some(OPERATOR), &["market", "decline", &deal]);
    assert_eq!(declined["deal"].as_u64(), deal.parse().ok());
    assert_eq!(
        s(&chain.ok(None, &["map", "show", &deal]), "status"),
        "Refunded"
    );
    assert_eq!(chain.balance(BUYER), buyer_before, "the buyer is whole");
    assert_eq!(wallet(&chain), wallet_before, "the bond is back");
    let history = chain.ok(None, &["hub", "history", &hub]);
    assert_eq!(
        (
            &history["taken"],
            &history["declined"],
            &history["voided"],
            &history["no_commits"],
            &history["last_fault_at"],
        ),
        (
            &Value::from(1),
            &Value::from(1),
            &Value::from(0),
            &Value::from(0),
            &Value::from(0)
        ),
        "a decline, not a fault: {history}"
    );
    let table = chain.sonm(None, &["hub", "history", &hub]);
    let table = String::from_utf8_lossy(&table.stdout);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let column = header.iter().position(|c| *c == "declined").unwrap();
    assert_eq!(row[column], "1", "{table}");
    let listed = chain.sonm(None, &["market", "offers", file.to_str().unwrap()]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("1 declined, 0 voided"), "{listed}");
    let line = chain.fails(Some(OPERATOR), &["market", "decline", &deal]);
    assert!(
        line.contains(&format!(
            "task {deal} is Refunded: declining the deal needs Claimed"
        )),
        "{line}"
    );

    // Once half the turnaround has passed, the hub must commit: declining is refused in one line.
    let late = take();
    let decline_by = chain.ok(None, &["map", "show", &late])["deal"]["decline_by"]
        .as_u64()
        .unwrap();
    chain.travel(decline_by - chain.now().await).await;
    let line = chain.fails(Some(OPERATOR), &["market", "decline", &late]);
    assert!(
        line.contains(&format!(
            "deal {late} could be declined until {decline_by} (unix time), "
        )) && line.contains("s ago: commit by"),
        "{line}"
    );
    assert_eq!(
        s(&chain.ok(None, &["map", "show", &late]), "status"),
        "Claimed"
    );
}
