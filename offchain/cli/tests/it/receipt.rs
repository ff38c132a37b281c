//! Work receipts through the CLI: the operator signs one (`sonm hub receipt`, byte for byte what `cast wallet sign
//! --data --from-file` signs), the miner presents it (`sonm hub redeem`) and claims; a receipt the wallet cannot pay
//! is dishonoured (exit code 3, a fault in the hub's history) and redeemed once the hub is funded; a receipt signed
//! by a retired operator key stays good; replayed, forged, expired, too long and misdirected receipts are refused in
//! one line.

use std::path::Path;

use alloy::primitives::aliases::U40;
use alloy::primitives::{Address, U256};
use serde_json::Value;
use sonm_bindings::HubWallet;

use crate::common::{Chain, one_line_failure, s, snm, tempdir};
use crate::market::{
    BUYER, MINERS, OPERATOR, OWNER, STRANGER, cast_sign, hub_with_operator, write_json,
};

/// `sonm hub receipt HUB` as `who` for `miner`, `amount` SNM on deal 3, written to `out`; `extra` adds flags.
fn receipt(
    chain: &Chain,
    who: usize,
    hub: &str,
    miner: usize,
    amount: &str,
    out: &Path,
    extra: &[&str],
) -> Value {
    let miner = chain.address(miner).to_string();
    let mut args = vec![
        "hub",
        "receipt",
        hub,
        "--miner",
        &miner,
        "--deal",
        "3",
        "--amount",
        amount,
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    chain.ok(Some(who), &args)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn lower(a: Address) -> String {
    a.to_string().to_lowercase()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_miner_redeems_the_operators_receipt_and_claims_it_and_a_retired_keys_receipt_stays_good()
{
    let chain = Chain::new().await;
    let dir = tempdir("receipt-redeem");
    let hub = hub_with_operator(&chain);
    let miner = MINERS[0];
    let file = dir.join("receipt.json");
    let signed = receipt(&chain, OPERATOR, &hub, miner, "2", &file, &[]);
    let now = chain.now().await;
    let expiry: u64 = s(&signed["receipt"]["message"], "expiry").parse().unwrap();
    assert!(
        (now + 3 * 86_400 - 5..=now + 3 * 86_400).contains(&expiry),
        "3 days by default: {expiry} at {now}"
    );

    // The miner checks it before trusting the hub further: the operator signed it, the wallet can pay it.
    let checked = chain.ok(None, &["hub", "receipts", file.to_str().unwrap()]);
    let c = &checked["receipts"][0];
    assert_eq!(
        (&c["valid"], &c["payable"]),
        (&Value::from(true), &Value::from(true)),
        "{checked}"
    );
    assert_eq!(c["signer_role"]["role"], "operator");
    assert_eq!(
        s(c, "signer").to_lowercase(),
        lower(chain.address(OPERATOR))
    );
    assert_eq!(s(c, "hash"), s(&signed, "hash"));

    // The miner presents it: credited 2 SNM (0.6 locked on top), then claims.
    let out = chain.sonm(Some(miner), &["hub", "redeem", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with(&format!(
            "redeemed: 2 SNM owed to {} for deal 3 (locked 0.6 SNM",
            chain.address(miner)
        )),
        "{text}"
    );
    let before = chain.balance(miner);
    let claimed = chain.ok(Some(miner), &["hub", "claim", &hub]);
    assert_eq!(s(&claimed, "amount"), snm(2).to_string());
    assert_eq!(chain.balance(miner) - before, snm(2));

    // Presented again: refused in one line, nothing sent.
    let line = chain.fails(Some(miner), &["hub", "redeem", file.to_str().unwrap()]);
    assert!(
        line.contains("its nonce") && line.contains("was redeemed already"),
        "{line}"
    );

    // The owner replaces the operator: a receipt the old key signed before stays good, anyone presents it for the
    // miner; the old key signs no more.
    let later = dir.join("later.json");
    receipt(
        &chain,
        OPERATOR,
        &hub,
        miner,
        "1",
        &later,
        &["--nonce", "9"],
    );
    chain.ok(Some(OWNER), &["hub", "operator", &hub, "--revoke"]);
    let checked = chain.ok(None, &["hub", "receipts", later.to_str().unwrap()]);
    assert_eq!(
        checked["receipts"][0]["signer_role"]["role"], "retired",
        "{checked}"
    );
    assert_eq!(checked["receipts"][0]["payable"], true);
    let redeemed = chain.ok(Some(BUYER), &["hub", "redeem", later.to_str().unwrap()]);
    assert_eq!(redeemed["redeemed"], true);
    assert_eq!(s(&redeemed, "owed"), snm(1).to_string());
    assert_eq!(
        s(&redeemed["receipt"], "miner").to_lowercase(),
        lower(chain.address(miner))
    );
    let line = chain.fails(
        Some(OPERATOR),
        &[
            "hub",
            "receipt",
            &hub,
            "--miner",
            &chain.address(miner).to_string(),
            "--deal",
            "3",
            "--amount",
            "1",
        ],
    );
    assert!(
        line.contains("is neither the owner nor the operator of hub"),
        "{line}"
    );
    let history = chain.ok(None, &["hub", "history", &hub]);
    assert_eq!(history["receipts_dishonoured"], 0, "{history}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_signed_by_cast_is_sonms_byte_for_byte_and_the_wallet_redeems_one_made_with_cast()
{
    let chain = Chain::new().await;
    let dir = tempdir("receipt-cast");
    let hub = hub_with_operator(&chain);
    let miner = MINERS[1];

    // Printed, not written: the receipt file itself.
    let miner_address = chain.address(miner).to_string();
    let signed = chain.ok(
        Some(OPERATOR),
        &[
            "hub",
            "receipt",
            &hub,
            "--miner",
            &miner_address,
            "--deal",
            "3",
            "--amount",
            "1.5",
            "--nonce",
            "42",
            "--expiry",
            "86400",
        ],
    );
    assert_eq!(signed["primaryType"], "WorkReceipt");
    assert_eq!(signed["domain"]["name"], "SonmHubWallet");
    assert_eq!(
        s(&signed["domain"], "verifyingContract").to_lowercase(),
        hub.to_lowercase(),
        "the wallet's own domain"
    );
    assert_eq!(signed["message"]["nonce"], "42");
    assert_eq!(signed["message"]["amount"], "1500000000000000000");
    let ours = s(&signed, "signature").to_owned();

    // The same typed data without signature and hash, signed by cast with the operator's key: the same signature;
    // cast also reads sonm's file as it is.
    let mut unsigned = signed.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    unsigned.as_object_mut().unwrap().remove("hash");
    let bare = dir.join("unsigned.json");
    write_json(&bare, &unsigned);
    assert_eq!(cast_sign(&chain, OPERATOR, &bare), ours);
    let file = dir.join("receipt.json");
    write_json(&file, &signed);
    assert_eq!(cast_sign(&chain, OPERATOR, &file), ours);

    // The digest in the file is the wallet's.
    let m = &signed["message"];
    let wallet = HubWallet::new(hub.parse().unwrap(), chain.provider());
    let on_chain = wallet
        .hashReceipt(HubWallet::WorkReceipt {
            hub: s(m, "hub").parse().unwrap(),
            miner: s(m, "miner").parse().unwrap(),
            deal: U256::from(3u64),
            amount: s(m, "amount").parse().unwrap(),
            nonce: U256::from(42u64),
            expiry: U40::from(s(m, "expiry").parse::<u64>().unwrap()),
        })
        .call()
        .await
        .unwrap();
    assert_eq!(on_chain.to_string(), s(&signed, "hash"));

    // A receipt written by hand (another nonce, JSON numbers) and signed with cast alone: sonm presents it and the
    // wallet pays it.
    let mut by_hand = unsigned.clone();
    by_hand["message"]["nonce"] = Value::from(7);
    by_hand["message"]["deal"] = Value::from(0);
    let hand = dir.join("by-hand.json");
    write_json(&hand, &by_hand);
    by_hand["signature"] = Value::from(cast_sign(&chain, OPERATOR, &hand));
    write_json(&hand, &by_hand);
    let redeemed = chain.ok(Some(miner), &["hub", "redeem", hand.to_str().unwrap()]);
    assert_eq!(redeemed["redeemed"], true, "{redeemed}");
    assert_eq!(s(&redeemed["receipt"], "nonce"), "7");
    assert_eq!(s(&redeemed, "lock"), "450000000000000000", "30% of 1.5 SNM");
    assert!(wallet.isNonceUsed(U256::from(7u64)).call().await.unwrap());
    assert!(!wallet.isNonceUsed(U256::from(42u64)).call().await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_the_hub_cannot_pay_is_dishonoured_recorded_and_redeemed_once_the_hub_is_funded()
{
    let chain = Chain::new().await;
    let dir = tempdir("receipt-dishonoured");
    let hub = hub_with_operator(&chain);
    let miner = MINERS[0];
    let free: U256 = s(&chain.ok(None, &["hub", "show", &hub]), "free_balance")
        .parse()
        .unwrap();
    assert_eq!(free, snm(99), "100 deposited, 1 frozen");

    // 80 SNM needs 104 with the lock: more than the 99 free.
    let file = dir.join("big.json");
    receipt(&chain, OPERATOR, &hub, miner, "80", &file, &[]);
    let checked = chain.ok(None, &["hub", "receipts", file.to_str().unwrap()]);
    let c = &checked["receipts"][0];
    assert_eq!(
        (&c["valid"], &c["payable"]),
        (&Value::from(true), &Value::from(false)),
        "{checked}"
    );
    assert!(
        s(c, "unpaid").contains("the wallet has 99 SNM free, the receipt needs 104 SNM"),
        "{checked}"
    );

    let text = chain.sonm(None, &["hub", "receipts", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.starts_with("1 of 1 receipts are valid, 0 payable now\n")
            && text.contains("valid, but would be dishonoured now: the wallet has 99 SNM free")
            && text.contains("signed by")
            && text.contains("(the operator)"),
        "{text}"
    );

    // Presented: the transaction succeeds, but the miner is not paid: one warning line, exit code 3.
    let args = ["hub", "redeem", file.to_str().unwrap()];
    let out = chain.sonm(Some(miner), &args);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("warning: receipt ")
            && lines[0].to_lowercase().contains(&format!(
                "dishonoured: hub {} could not pay 80 snm",
                hub.to_lowercase()
            )),
        "{stderr}"
    );
    assert!(
        lines[0].contains(
            "(the wallet has 99 SNM free, the receipt needs 104 SNM with the 24 SNM lock)"
        ) && lines[0].contains("recorded in the hub's history (1 receipts dishonoured, 80 SNM)")
            && lines[0].contains("the receipt stays good until"),
        "{stderr}"
    );
    let history = chain.ok(None, &["hub", "history", &hub]);
    assert_eq!(history["receipts_dishonoured"], 1, "{history}");
    assert_eq!(s(&history, "amount_dishonoured"), snm(80).to_string());
    assert_ne!(history["last_fault_at"], 0);
    let table = chain.sonm(None, &["hub", "history", &hub]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table
            .lines()
            .next()
            .unwrap()
            .contains("dishonoured  dishonoured SNM"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()[12..14]
            == ["1", "80"],
        "{table}"
    );
    let owed = chain.ok(None, &["hub", "show", &hub]);
    assert_eq!(s(&owed, "total_owed"), "0", "nothing else changed");

    // The owner funds the hub: the same receipt is redeemed (--json: the outcome, exit code 0).
    chain.ok(Some(OWNER), &["hub", "deposit", &hub, "10"]);
    let out = chain.sonm(
        Some(miner),
        &["--json", "hub", "redeem", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let redeemed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(redeemed["redeemed"], true);
    assert_eq!(s(&redeemed, "owed"), snm(80).to_string());
    assert_eq!(redeemed["dishonoured_because"], Value::Null);
    assert_eq!(
        redeemed["history"]["receipts_dishonoured"], 1,
        "a redemption is no fault"
    );

    // A second receipt, now more than the free balance again, presented with --json: the same outcome, in JSON.
    let again = dir.join("again.json");
    receipt(&chain, OPERATOR, &hub, miner, "50", &again, &[]);
    let out = chain.sonm(
        Some(miner),
        &["--json", "hub", "redeem", again.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3));
    let dishonoured: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(dishonoured["redeemed"], false);
    assert_eq!(dishonoured["history"]["receipts_dishonoured"], 2);
    assert_eq!(
        s(&dishonoured["history"], "amount_dishonoured"),
        snm(130).to_string()
    );
    assert!(
        s(&dishonoured, "dishonoured_because").contains("SNM free"),
        "{dishonoured}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_expired_too_long_and_misdirected_receipts_are_refused_in_one_line() {
    let chain = Chain::new().await;
    let dir = tempdir("receipt-errors");
    let hub = hub_with_operator(&chain);
    let miner = MINERS[0];
    let miner_address = chain.address(miner).to_string();
    let sign_args = |extra: &'static [&'static str]| {
        let mut args = vec![
            "hub".to_owned(),
            "receipt".into(),
            hub.clone(),
            "--miner".into(),
            miner_address.clone(),
            "--deal".into(),
            "3".into(),
            "--amount".into(),
            "1".into(),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    };
    let fails_signing = |who: usize, extra: &'static [&'static str]| {
        let args = sign_args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        chain.fails(Some(who), &args)
    };

    // Signing: only the owner or the operator; at most 7 days.
    let line = fails_signing(STRANGER, &[]);
    assert!(
        line.contains("is neither the owner nor the operator of hub"),
        "{line}"
    );
    let line = fails_signing(OPERATOR, &["--expiry", "604801"]);
    assert!(
        line.contains("more than the wallet's longest receipt lifetime of 604800 s (7 days)"),
        "{line}"
    );
    let owners = dir.join("owners.json");
    receipt(
        &chain,
        OWNER,
        &hub,
        miner,
        "1",
        &owners,
        &["--expiry", "604800"],
    );

    let redeem = |file: &Path| {
        let args = ["hub", "redeem", file.to_str().unwrap()];
        one_line_failure(&chain.sonm(Some(miner), &args), &args)
    };
    let good = dir.join("good.json");
    receipt(&chain, OPERATOR, &hub, miner, "1", &good, &["--nonce", "1"]);
    let base = read_json(&good);

    // Forged: the operator's terms signed by a stranger.
    let mut forged = base.clone();
    forged["signature"] = Value::from(cast_sign(&chain, STRANGER, &good));
    let forged_file = dir.join("forged.json");
    write_json(&forged_file, &forged);
    let line = redeem(&forged_file);
    assert!(
        line.contains(&format!(
            "is signed by {}, which is neither the owner nor the operator of hub",
            chain.address(STRANGER)
        )) && line.contains("it is forged"),
        "{line}"
    );

    // Signed for another wallet's domain (cast signs whatever it is given): no wallet pays it.
    let mut misdirected = base.clone();
    misdirected["domain"]["verifyingContract"] =
        Value::from(chain.deployment.contracts.market.to_string());
    misdirected.as_object_mut().unwrap().remove("hash");
    let misdirected_file = dir.join("misdirected.json");
    write_json(&misdirected_file, &misdirected);
    misdirected["signature"] = Value::from(cast_sign(&chain, OPERATOR, &misdirected_file));
    write_json(&misdirected_file, &misdirected);
    let line = redeem(&misdirected_file);
    assert!(line.contains("it is for another wallet"), "{line}");

    // Running longer than the wallet's lifetime (made by hand with cast): refused until 7 days before its expiry.
    let mut long = base.clone();
    long["message"]["expiry"] = Value::from((chain.now().await + 8 * 86_400).to_string());
    long["message"]["nonce"] = Value::from("2");
    long.as_object_mut().unwrap().remove("hash");
    let long_file = dir.join("long.json");
    write_json(&long_file, &long);
    long["signature"] = Value::from(cast_sign(&chain, OPERATOR, &long_file));
    write_json(&long_file, &long);
    let line = redeem(&long_file);
    assert!(
        line.contains(
            "beyond the longest receipt lifetime (7 days) from now: the wallet refuses it before"
        ),
        "{line}"
    );

    // A file that is not a receipt (an edited amount no longer hashes as signed: another signer, so forged).
    let mut edited = base.clone();
    edited["message"]["amount"] = Value::from(snm(50).to_string());
    edited.as_object_mut().unwrap().remove("hash");
    let edited_file = dir.join("edited.json");
    write_json(&edited_file, &edited);
    let line = redeem(&edited_file);
    assert!(line.contains("it is forged"), "{line}");

    // Expired.
    let short = dir.join("short.json");
    receipt(
        &chain,
        OPERATOR,
        &hub,
        miner,
        "1",
        &short,
        &["--expiry", "600"],
    );
    chain.travel(601).await;
    let line = redeem(&short);
    assert!(line.contains("cannot be redeemed: it expired at"), "{line}");

    // The good one and the owner's (7 days to the second when signed) are still redeemed.
    assert_eq!(
        chain.ok(Some(miner), &["hub", "redeem", good.to_str().unwrap()])["redeemed"],
        true
    );
    assert_eq!(
        chain.ok(Some(miner), &["hub", "redeem", owners.to_str().unwrap()])["redeemed"],
        true
    );
}
