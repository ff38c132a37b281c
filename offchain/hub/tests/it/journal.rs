//! The transaction journal against a real chain: an action is signed once whatever is asked again, and a
//! transaction journaled but never broadcast (a crash at "signed") is broadcast, the same bytes, by the next sender.

use std::sync::Arc;

use alloy::eips::eip2718::Encodable2718 as _;
use alloy::network::{
    Ethereum, EthereumWallet, NetworkTransactionBuilder, TransactionBuilder as _,
};
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::Provider as _;
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall as _;
use sonm_bindings::SonmToken;
use sonm_hub::sender::{Acted, Sender};
use sonm_hub::store::{JournalEntry, Store, TxStatus};

use crate::common::{OPERATOR, TestChain};

fn approve(spender: Address, amount: u64) -> Bytes {
    Bytes::from(
        SonmToken::approveCall {
            spender,
            value: U256::from(amount),
        }
        .abi_encode(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_action_is_signed_once_and_a_journaled_one_is_resumed_with_the_same_bytes() {
    let chain = TestChain::new().await;
    let token = chain.deployment.contracts.sonm_token;
    let chain_id = sonm_testkit::chain_id();
    let path = sonm_testkit::tempdir("journal").join("state.redb");
    let me = chain.address(OPERATOR);
    let store = Arc::new(Store::open(&path, chain_id, me).expect("store"));
    let mut sender = Sender::new(
        chain.provider(),
        chain.signer(OPERATOR),
        chain_id,
        Arc::clone(&store),
        None,
    );
    let before = chain.nonce(OPERATOR).await;
    let Acted::Sent(hash) = sender
        .act(
            "approve:1",
            "approve",
            token,
            approve(Address::repeat_byte(1), 5),
        )
        .await
        .expect("act")
    else {
        panic!("sent");
    };
    // Asked again, even with other data: nothing is signed.
    let again = sender
        .act(
            "approve:1",
            "approve",
            token,
            approve(Address::repeat_byte(1), 6),
        )
        .await
        .expect("act");
    assert!(
        matches!(again, Acted::Already(ref e) if e.hash == hash),
        "{again:?}"
    );
    let done = sender.poll().await.expect("poll");
    assert_eq!(done.len(), 1);
    assert!(matches!(
        done[0].1.status,
        TxStatus::Mined { success: true, .. }
    ));
    assert_eq!(chain.nonce(OPERATOR).await, before + 1);
    // A call that would revert is skipped, and nothing is journaled for it.
    let skipped = sender
        .act(
            "transfer:huge",
            "transfer",
            token,
            Bytes::from(
                SonmToken::transferCall {
                    to: Address::repeat_byte(2),
                    value: U256::MAX,
                }
                .abi_encode(),
            ),
        )
        .await
        .expect("act");
    assert!(matches!(skipped, Acted::Skipped(_)), "{skipped:?}");
    assert!(store.journal("transfer:huge").expect("journal").is_none());

    // A crash at "signed": the entry is journaled, never broadcast.
    let nonce = chain.nonce(OPERATOR).await;
    let fees = chain
        .provider()
        .estimate_eip1559_fees()
        .await
        .expect("fees");
    let request = TransactionRequest::default()
        .with_from(me)
        .with_to(token)
        .with_input(approve(Address::repeat_byte(3), 7))
        .with_nonce(nonce)
        .with_chain_id(chain_id)
        .with_gas_limit(100_000)
        .with_max_fee_per_gas(fees.max_fee_per_gas)
        .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
    let envelope = <TransactionRequest as NetworkTransactionBuilder<Ethereum>>::build(
        request,
        &EthereumWallet::from(chain.signer(OPERATOR)),
    )
    .await
    .expect("sign");
    let entry = JournalEntry {
        what: "approve".into(),
        raw: Bytes::from(envelope.encoded_2718()),
        hash: *envelope.tx_hash(),
        nonce,
        status: TxStatus::Pending,
    };
    assert!(
        store
            .put_journal("approve:3", &entry, true)
            .expect("journal")
    );
    assert!(
        !store
            .put_journal("approve:3", &entry, true)
            .expect("journal"),
        "a key is journaled once"
    );
    drop(sender);
    // The restarted sender: the pending entry is broadcast as it is, then its receipt recorded.
    let mut sender = Sender::new(
        chain.provider(),
        chain.signer(OPERATOR),
        chain_id,
        Arc::clone(&store),
        None,
    );
    let mut recorded = Vec::new();
    for _ in 0..20 {
        recorded = sender.poll().await.expect("poll");
        if !recorded.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(recorded.len(), 1, "the journaled transaction was resumed");
    assert_eq!(recorded[0].0, "approve:3");
    assert_eq!(
        recorded[0].1.hash, entry.hash,
        "the same bytes, not a new signature"
    );
    assert_eq!(chain.nonce(OPERATOR).await, nonce + 1);
    // And its action is not signed again.
    let again = sender
        .act(
            "approve:3",
            "approve",
            token,
            approve(Address::repeat_byte(3), 7),
        )
        .await
        .expect("act");
    assert!(matches!(again, Acted::Already(_)));
    assert_eq!(chain.nonce(OPERATOR).await, nonce + 1);
}
