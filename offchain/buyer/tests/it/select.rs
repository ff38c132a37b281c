//! Offer selection: the cheapest acceptable offer, `--hub`, and refusals (a hub marked badly, an offer failing the
//! chain's checks or the buyer's terms), each refusal naming its reason.

use alloy::primitives::{Address, Bytes, U256};
use alloy::signers::SignerSync as _;
use alloy::signers::local::PrivateKeySigner;
use sonm_agents::market::offer_domain;
use sonm_agents::{HubHistory, Offer, SignedOffer};
use sonm_buyer::BuyerError;
use sonm_buyer::select::{Candidate, MarkView, Wanted, choose};

const MANDELBROT: Address = Address::repeat_byte(0xAB);

fn snm(milli: u64) -> U256 {
    U256::from(milli) * U256::from(10u64).pow(U256::from(15u64))
}

fn hub(n: u8) -> Address {
    Address::repeat_byte(n)
}

/// An offer of `hub` at `price_milli` thousandths of an SNM a leaf, signed by a fresh key.
fn candidate(hub: Address, price_milli: u64) -> Candidate {
    let offer = Offer {
        hub,
        computation: MANDELBROT,
        price_per_leaf: snm(price_milli),
        max_leaves: 4_096,
        gas_per_leaf: 8_000_000,
        hub_bond: snm(10_000),
        challenger_bond: snm(1_000),
        challenge_window: 3_600,
        response_window: 600,
        turnaround: 3_600,
        expiry: 1_900_000_000,
        nonce: U256::from(1u64),
    };
    let market = Address::repeat_byte(0x33);
    let key = PrivateKeySigner::random();
    let signature = key
        .sign_hash_sync(&offer.hash(&offer_domain(31337, market)).expect("hash"))
        .expect("sign");
    Candidate {
        signed: SignedOffer {
            offer,
            chain_id: 31337,
            market,
            signature: Bytes::from(signature.as_bytes().to_vec()),
        },
        announced_by: hub,
        hub_name: format!("hub {hub}"),
        peer: "12D3KooWPeer".into(),
        left: 4_096,
        history: HubHistory {
            hub,
            ..HubHistory::default()
        },
        mark: Some(MarkView {
            label: "checked".into(),
            acceptable: true,
            why: "pays".into(),
        }),
        renders: Some(true),
        chain_problems: Vec::new(),
    }
}

fn want() -> Wanted {
    Wanted {
        computation: MANDELBROT,
        leaves: 512,
        hub: None,
        max_price: None,
        max_turnaround: None,
    }
}

fn refusal(r: Result<&Candidate, BuyerError>) -> String {
    match r {
        Ok(c) => panic!("took hub {} when it should refuse", c.signed.offer.hub),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_cheapest_acceptable_offer_is_taken() {
    let offers = [
        candidate(hub(1), 1_500),
        candidate(hub(2), 1_200),
        candidate(hub(3), 2_000),
    ];
    assert_eq!(
        choose(&offers, &want()).expect("one").signed.offer.hub,
        hub(2)
    );
}

#[test]
fn a_cheaper_offer_that_fails_a_check_is_passed_over() {
    let mut cheap = candidate(hub(2), 500);
    cheap.chain_problems = vec!["it expired at 1 (unix time), 5 s ago".into()];
    let mut sold_out = candidate(hub(3), 600);
    sold_out.left = 100;
    let mut other_work = candidate(hub(4), 700);
    other_work.signed.offer.computation = Address::repeat_byte(0xCD);
    let mut too_little_gas = candidate(hub(5), 800);
    too_little_gas.renders = Some(false);
    let mut foreign = candidate(hub(6), 900);
    foreign.announced_by = hub(7);
    let fair = candidate(hub(1), 1_500);
    let offers = [
        cheap,
        sold_out,
        other_work,
        too_little_gas,
        foreign,
        fair.clone(),
    ];
    assert_eq!(
        choose(&offers, &want()).expect("one").signed.offer.hub,
        hub(1)
    );
    // Alone, each is refused with its reason.
    let reasons = [
        (0, "expired"),
        (1, "100 leaves left, 512 wanted"),
        (2, "it runs computation"),
        (3, "does not render within its 8000000 gas"),
        (4, "announced by hub"),
    ];
    for (i, reason) in reasons {
        let e = refusal(choose(&offers[i..=i], &want()));
        assert!(e.contains(reason), "{e}");
    }
}

#[test]
fn a_hub_marked_badly_or_banned_is_refused_even_when_cheapest() {
    let mut bad = candidate(hub(2), 100);
    bad.mark = Some(MarkView {
        label: "unsafe".into(),
        acceptable: false,
        why: "a cheat proven 3 minutes ago".into(),
    });
    bad.history.cheats_proven = 1;
    let mut banned = candidate(hub(3), 200);
    banned.history.banned = true;
    let good = candidate(hub(1), 1_500);
    let offers = [bad.clone(), banned, good];
    assert_eq!(
        choose(&offers, &want()).expect("one").signed.offer.hub,
        hub(1)
    );
    let e = refusal(choose(std::slice::from_ref(&bad), &want()));
    assert!(
        e.contains("marked unsafe (a cheat proven 3 minutes ago)"),
        "{e}"
    );
}

#[test]
fn hub_takes_that_hubs_offer_or_refuses_with_its_reasons() {
    let offers = [candidate(hub(1), 1_500), candidate(hub(2), 1_200)];
    let mut w = want();
    w.hub = Some(hub(1));
    assert_eq!(choose(&offers, &w).expect("one").signed.offer.hub, hub(1));
    w.hub = Some(hub(9));
    let e = refusal(choose(&offers, &w));
    assert!(e.contains("no offer of hub"), "{e}");
    // --hub does not override the checks.
    w.hub = Some(hub(1));
    w.max_price = Some(snm(1_000));
    let e = refusal(choose(&offers, &w));
    assert!(e.contains("more than --max-price 1 SNM"), "{e}");
    w.max_price = None;
    w.max_turnaround = Some(600);
    let e = refusal(choose(&offers, &w));
    assert!(
        e.contains("turnaround 3600 s is longer than --max-turnaround 600 s"),
        "{e}"
    );
}

#[test]
fn ties_go_to_the_hub_with_fewer_faults_then_more_deals() {
    let mut faulty = candidate(hub(1), 1_000);
    faulty.history.no_commits = 1;
    let mut busy = candidate(hub(2), 1_000);
    busy.history.accepted = 5;
    let quiet = candidate(hub(3), 1_000);
    let offers = [faulty, quiet, busy];
    assert_eq!(
        choose(&offers, &want()).expect("one").signed.offer.hub,
        hub(2)
    );
}

#[test]
fn no_offer_at_all_says_so() {
    let e = refusal(choose(&[], &want()));
    assert!(e.contains("no hub announced an offer"), "{e}");
}
