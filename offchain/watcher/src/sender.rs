//! One nonce manager for every transaction the bot sends: simulate (a call that would revert is skipped with its
//! decoded reason), sign, journal, broadcast; then watch for receipts, rebroadcast what the node lost, bump the fees
//! of what is stuck, and cap how many are in flight.

use std::sync::Arc;

use alloy::eips::eip2718::Encodable2718 as _;
use alloy::network::{
    Ethereum, EthereumWallet, NetworkTransactionBuilder, TransactionBuilder as _,
};
use alloy::primitives::{Address, B256, Bytes};
use alloy::providers::{DynProvider, Provider as _};
use alloy::rpc::types::TransactionRequest;
use alloy::transports::RpcError;
use sonm_bindings::{decode_revert, one_line, revert_data};
use tracing::{debug, error, info, warn};

use crate::error::{Result, WatchError, rpc};
use crate::journal::{Journal, SentTx, TxStatus};
use crate::metrics::Metrics;

/// What became of a request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Sent {
    /// Signed, journaled and broadcast now.
    New(B256),
    /// This action was already sent (the journal has it): nothing is sent again.
    Already,
    /// Too many transactions are pending: try again on a later pass.
    Deferred,
    /// It would revert: not sent. The decoded reason.
    Skipped(String),
}

/// Blocks under the confirmed head after which a final transaction leaves the journal.
const PRUNE_AFTER: u64 = 64;

/// Fees are raised by this many percent on each resubmission (nodes want at least 10%).
const BUMP_PERCENT: u128 = 25;

#[derive(Debug)]
pub(crate) struct Sender {
    provider: DynProvider,
    wallet: EthereumWallet,
    me: Address,
    chain_id: u64,
    next_nonce: Option<u64>,
    journal: Journal,
    max_pending: usize,
    bump_after: u64,
    metrics: Arc<Metrics>,
}

impl Sender {
    #[allow(clippy::too_many_arguments)] // one call site, every argument a different thing
    pub(crate) fn new(
        provider: DynProvider,
        wallet: EthereumWallet,
        me: Address,
        chain_id: u64,
        journal: Journal,
        max_pending: usize,
        bump_after: u64,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            provider,
            wallet,
            me,
            chain_id,
            next_nonce: None,
            journal,
            max_pending: max_pending.max(1),
            bump_after: bump_after.max(1),
            metrics,
        }
    }

    /// Whether the action `key` was ever sent.
    pub(crate) fn sent(&self, key: &str) -> bool {
        self.journal.contains(key)
    }

    /// Transactions not yet seen in a block.
    pub(crate) fn pending(&self) -> usize {
        self.journal.pending()
    }

    /// Sends the call `data` to `to` as the action `key`, once: a key the journal holds is never sent again.
    pub(crate) async fn send(
        &mut self,
        key: &str,
        what: &str,
        to: Address,
        data: Bytes,
        head: u64,
    ) -> Result<Sent> {
        if self.journal.contains(key) {
            return Ok(Sent::Already);
        }
        if self.journal.pending() >= self.max_pending {
            debug!(
                key,
                pending = self.journal.pending(),
                "too many pending transactions: deferred"
            );
            return Ok(Sent::Deferred);
        }
        let request = TransactionRequest::default()
            .with_from(self.me)
            .with_to(to)
            .with_input(data);
        self.metrics.rpc();
        let gas = match self.provider.estimate_gas(request.clone()).await {
            Ok(gas) => gas,
            Err(e) => {
                if let Some(data) = revert_data(&e) {
                    let reason = decode_revert(&data);
                    warn!(key, what, %reason, "skipped: the call would revert");
                    return Ok(Sent::Skipped(reason));
                }
                if let RpcError::ErrorResp(resp) = &e {
                    let reason = resp.message.to_string();
                    warn!(key, what, %reason, "skipped: the node refuses the call");
                    return Ok(Sent::Skipped(reason));
                }
                self.metrics.rpc_error();
                return Err(rpc("eth_estimateGas")(e));
            }
        };
        self.metrics.rpc();
        let fees = self.provider.estimate_eip1559_fees().await.map_err(|e| {
            self.metrics.rpc_error();
            rpc("fee estimate")(e)
        })?;
        let nonce = self.next_nonce().await?;
        let request = request
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            // Room for the judge's 63/64 forwarding and a state that moved since the estimate.
            .with_gas_limit(gas.saturating_mul(6) / 5 + 20_000)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let (raw, hash) = self.sign(what, &request).await?;
        self.journal.insert(
            key.to_owned(),
            SentTx {
                what: what.to_owned(),
                nonce,
                request,
                raw: raw.clone(),
                hashes: vec![hash],
                signed_at: head,
                broadcast_at: head,
                status: TxStatus::Pending,
            },
        );
        // On disk before it is on the wire: a crash from here on rebroadcasts these bytes, never new ones.
        self.journal.save()?;
        self.next_nonce = Some(nonce + 1);
        self.metrics.tx_sent();
        info!(key, what, nonce, %hash, "sent");
        self.broadcast(key, &raw).await;
        Ok(Sent::New(hash))
    }

    async fn next_nonce(&mut self) -> Result<u64> {
        if let Some(n) = self.next_nonce {
            return Ok(n);
        }
        self.metrics.rpc();
        let on_chain = self
            .provider
            .get_transaction_count(self.me)
            .pending()
            .await
            .map_err(|e| {
                self.metrics.rpc_error();
                rpc("eth_getTransactionCount")(e)
            })?;
        let journaled = self.journal.max_open_nonce().map_or(0, |n| n + 1);
        let n = on_chain.max(journaled);
        self.next_nonce = Some(n);
        Ok(n)
    }

    async fn sign(&self, what: &str, request: &TransactionRequest) -> Result<(Bytes, B256)> {
        let envelope = <TransactionRequest as NetworkTransactionBuilder<Ethereum>>::build(
            request.clone(),
            &self.wallet,
        )
        .await
        .map_err(|e| WatchError::Sign {
            what: what.to_owned(),
            reason: one_line(&e),
        })?;
        Ok((Bytes::from(envelope.encoded_2718()), *envelope.tx_hash()))
    }

    /// Puts signed bytes on the wire; a refusal is logged, not fatal (the next poll sorts it out).
    async fn broadcast(&self, key: &str, raw: &Bytes) {
        self.metrics.rpc();
        if let Err(e) = self.provider.send_raw_transaction(raw).await {
            let reason = one_line(&e);
            // The node has it already (our own rebroadcast): fine.
            if ["already known", "AlreadyKnown", "already imported"]
                .iter()
                .any(|m| reason.contains(m))
            {
                return;
            }
            self.metrics.rpc_error();
            warn!(key, %reason, "broadcast refused");
        }
    }

    /// Follows every journaled transaction: receipts, reorgs (a receipt that disappeared), rebroadcasts, fee bumps,
    /// and nonces taken by another transaction.
    pub(crate) async fn poll(&mut self, head: u64, safe: u64) -> Result<()> {
        let open: Vec<String> = self
            .journal
            .entries()
            .filter(|(_, t)| match t.status {
                TxStatus::Final { block, .. } => block + PRUNE_AFTER <= safe,
                _ => true,
            })
            .map(|(k, _)| k.clone())
            .collect();
        if open.is_empty() {
            return Ok(());
        }
        self.metrics.rpc();
        let mined_nonce = self
            .provider
            .get_transaction_count(self.me)
            .latest()
            .await
            .map_err(|e| {
                self.metrics.rpc_error();
                rpc("eth_getTransactionCount")(e)
            })?;
        let mut changed = false;
        for key in open {
            let Some(tx) = self.journal.get(&key).cloned() else {
                continue;
            };
            let mut found = None;
            for hash in tx.hashes.iter().rev() {
                self.metrics.rpc();
                match self.provider.get_transaction_receipt(*hash).await {
                    Ok(Some(r)) => {
                        found = Some((r.block_number.unwrap_or(head), r.status()));
                        break;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        self.metrics.rpc_error();
                        return Err(rpc("eth_getTransactionReceipt")(e));
                    }
                }
            }
            let new_status = match (found, tx.status) {
                (Some((block, false)), _) if block <= safe => {
                    // Simulated first, so this is a race lost to another move; the action is decided again.
                    error!(key, what = tx.what, block, "transaction failed on chain");
                    self.journal.remove(&key);
                    changed = true;
                    continue;
                }
                (Some((block, _)), _) if block + PRUNE_AFTER <= safe => {
                    // Long final: its effect is in the confirmed state every decision reads.
                    self.journal.remove(&key);
                    changed = true;
                    continue;
                }
                (Some((block, success)), _) if block <= safe => TxStatus::Final { block, success },
                (Some((block, success)), _) => TxStatus::Mined { block, success },
                (None, _) if mined_nonce > tx.nonce => {
                    // Its nonce is used and none of its hashes was: another transaction of this account took it.
                    warn!(
                        key,
                        what = tx.what,
                        nonce = tx.nonce,
                        "dropped: its nonce was used by another transaction; the action may be decided again"
                    );
                    self.journal.remove(&key);
                    self.next_nonce = None;
                    changed = true;
                    continue;
                }
                (None, status) => {
                    if matches!(status, TxStatus::Mined { .. }) {
                        warn!(key, "its block was reorganised away: back to pending");
                    }
                    if head >= tx.signed_at + self.bump_after {
                        self.bump(&key, head).await?;
                    } else if head > tx.broadcast_at {
                        // The node may have lost it (restarted, evicted): the same bytes again.
                        self.broadcast(&key, &tx.raw).await;
                        if let Some(t) = self.journal.get(&key).cloned() {
                            let mut t = t;
                            t.broadcast_at = head;
                            self.journal.insert(key.clone(), t);
                        }
                    }
                    TxStatus::Pending
                }
            };
            if let Some(t) = self.journal.get(&key)
                && t.status != new_status
            {
                let mut t = t.clone();
                t.status = new_status;
                self.journal.insert(key.clone(), t);
                changed = true;
                if let TxStatus::Mined { block, success } = new_status {
                    info!(key, what = tx.what, block, success, "mined");
                }
            }
        }
        if changed {
            self.journal.save()?;
        }
        Ok(())
    }

    /// Signs the same nonce again with fees raised by [`BUMP_PERCENT`] (at least the node's current estimate).
    async fn bump(&mut self, key: &str, head: u64) -> Result<()> {
        let Some(mut tx) = self.journal.get(key).cloned() else {
            return Ok(());
        };
        self.metrics.rpc();
        let current = self.provider.estimate_eip1559_fees().await.map_err(|e| {
            self.metrics.rpc_error();
            rpc("fee estimate")(e)
        })?;
        let raise = |v: Option<u128>| v.unwrap_or(0).saturating_mul(100 + BUMP_PERCENT) / 100 + 1;
        let max_fee = raise(tx.request.max_fee_per_gas).max(current.max_fee_per_gas);
        let tip = raise(tx.request.max_priority_fee_per_gas)
            .max(current.max_priority_fee_per_gas)
            .min(max_fee);
        tx.request = tx
            .request
            .with_max_fee_per_gas(max_fee)
            .with_max_priority_fee_per_gas(tip);
        let (raw, hash) = self.sign(&tx.what, &tx.request).await?;
        info!(key, nonce = tx.nonce, %hash, max_fee, "stuck: resubmitted with higher fees");
        tx.raw = raw.clone();
        tx.hashes.push(hash);
        tx.signed_at = head;
        tx.broadcast_at = head;
        self.journal.insert(key.to_owned(), tx);
        self.journal.save()?;
        self.metrics.tx_bumped();
        self.broadcast(key, &raw).await;
        Ok(())
    }
}
