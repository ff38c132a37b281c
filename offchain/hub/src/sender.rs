//! The transaction journal's sender: every transaction the hub sends is an **action** with a key
//! (`commit:<deal>`, `answer:<query>`, `finalize:<deal>`, `decline:<deal>`, `payday:<at>`, `register:<at>`). An
//! action is simulated first (one that would revert is skipped and logged with its decoded reason), then signed
//! with the operator key, **journaled in redb** (the raw bytes, hash, nonce, status) and only then broadcast. A key
//! the journal holds is never signed again: a restarted hub rebroadcasts the same bytes until a receipt is seen.
//!
//! Crash points for the tests: `SONM_HUB_CRASH_AT=<signed|sent|receipt>:<action prefix>` kills the process with
//! SIGKILL right after the action was journaled (signed, not sent), after it was broadcast (sent, no receipt
//! recorded), or after its receipt was recorded (before the next step).

use std::sync::Arc;

use alloy::eips::eip2718::Encodable2718 as _;
use alloy::network::{
    Ethereum, EthereumWallet, NetworkTransactionBuilder, TransactionBuilder as _,
};
use alloy::primitives::{Address, B256, Bytes};
use alloy::providers::{DynProvider, Provider as _};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use sonm_bindings::{decode_revert, one_line, revert_data};
use tracing::{error, info, warn};

use crate::error::{HubError, Result, rpc};
use crate::store::{JournalEntry, Store, TxStatus};

/// The environment variable naming a crash point.
pub const CRASH_ENV: &str = "SONM_HUB_CRASH_AT";

/// Where the process may be told to kill itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashPoint {
    /// Signed and journaled, not broadcast.
    Signed,
    /// Broadcast, its receipt not recorded.
    Sent,
    /// Its receipt recorded, before the next step.
    Receipt,
}

/// A crash point and the action prefix it applies to, from [`CRASH_ENV`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashAt {
    point: CrashPoint,
    prefix: String,
}

impl CrashAt {
    /// Parses `<signed|sent|receipt>:<action prefix>`.
    pub fn parse(text: &str) -> Result<Self> {
        let (point, prefix) = text.split_once(':').ok_or_else(|| {
            HubError::Config(format!(
                "{CRASH_ENV}={text:?}: expected <signed|sent|receipt>:<action prefix>, e.g. signed:commit"
            ))
        })?;
        let point = match point {
            "signed" => CrashPoint::Signed,
            "sent" => CrashPoint::Sent,
            "receipt" => CrashPoint::Receipt,
            other => {
                return Err(HubError::Config(format!(
                    "{CRASH_ENV}: unknown point {other:?}: one of signed, sent, receipt"
                )));
            }
        };
        Ok(Self {
            point,
            prefix: prefix.to_owned(),
        })
    }

    /// From the environment, if set.
    pub fn from_env() -> Result<Option<Self>> {
        match std::env::var(CRASH_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::parse(v.trim()).map(Some),
            _ => Ok(None),
        }
    }

    fn matches(&self, point: CrashPoint, key: &str) -> bool {
        self.point == point && key.starts_with(&self.prefix)
    }
}

/// What became of an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acted {
    /// Signed, journaled and broadcast now.
    Sent(B256),
    /// The journal has it already (sent before, maybe by an earlier process): nothing signed.
    Already(JournalEntry),
    /// It would revert: nothing signed. The decoded reason.
    Skipped(String),
}

/// The journaled sender of one operator key.
#[derive(Debug)]
pub struct Sender {
    provider: DynProvider,
    wallet: EthereumWallet,
    me: Address,
    chain_id: u64,
    store: Arc<Store>,
    next_nonce: Option<u64>,
    crash: Option<CrashAt>,
}

impl Sender {
    /// A sender for `signer` on `provider`, journaling in `store`.
    pub fn new(
        provider: DynProvider,
        signer: PrivateKeySigner,
        chain_id: u64,
        store: Arc<Store>,
        crash: Option<CrashAt>,
    ) -> Self {
        Self {
            provider,
            me: signer.address(),
            wallet: EthereumWallet::from(signer),
            chain_id,
            store,
            next_nonce: None,
            crash,
        }
    }

    /// The sending account.
    pub fn account(&self) -> Address {
        self.me
    }

    fn crash_if(&self, point: CrashPoint, key: &str) {
        if self.crash.as_ref().is_some_and(|c| c.matches(point, key)) {
            error!(key, ?point, "{CRASH_ENV}: killing myself with SIGKILL");
            let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::SIGKILL);
            // SIGKILL cannot be caught; if it was refused, stop anyway.
            std::process::abort();
        }
    }

    /// The journal's entry for `key`.
    pub fn entry(&self, key: &str) -> Result<Option<JournalEntry>> {
        self.store.journal(key)
    }

    /// Performs the action `key` (a call of `data` to `to`), once.
    pub async fn act(&mut self, key: &str, what: &str, to: Address, data: Bytes) -> Result<Acted> {
        if let Some(entry) = self.store.journal(key)? {
            return Ok(Acted::Already(entry));
        }
        let request = TransactionRequest::default()
            .with_from(self.me)
            .with_to(to)
            .with_input(data);
        // Simulated first: what would revert is skipped with its reason and costs nothing.
        if let Err(e) = self.provider.call(request.clone()).await {
            let reason = match revert_data(&e) {
                Some(data) => decode_revert(&data),
                None => one_line(&e),
            };
            warn!(key, what, %reason, "skipped: the call would revert");
            return Ok(Acted::Skipped(reason));
        }
        let gas = match self.provider.estimate_gas(request.clone()).await {
            Ok(gas) => gas,
            Err(e) => {
                let reason = match revert_data(&e) {
                    Some(data) => decode_revert(&data),
                    None => one_line(&e),
                };
                warn!(key, what, %reason, "skipped: the node refuses to estimate it");
                return Ok(Acted::Skipped(reason));
            }
        };
        let fees = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(rpc("fee estimate"))?;
        let nonce = self.next_nonce().await?;
        let request = request
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(gas.saturating_mul(6) / 5 + 20_000)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let envelope = <TransactionRequest as NetworkTransactionBuilder<Ethereum>>::build(
            request,
            &self.wallet,
        )
        .await
        .map_err(|e| HubError::Sign {
            what: what.to_owned(),
            reason: one_line(&e),
        })?;
        let entry = JournalEntry {
            what: what.to_owned(),
            raw: Bytes::from(envelope.encoded_2718()),
            hash: *envelope.tx_hash(),
            nonce,
            status: TxStatus::Pending,
        };
        // On disk before it is on the wire: a crash from here on rebroadcasts these bytes, never new ones.
        if !self.store.put_journal(key, &entry, true)? {
            return Ok(Acted::Already(
                self.store.journal(key)?.unwrap_or(entry.clone()),
            ));
        }
        self.next_nonce = Some(nonce + 1);
        info!(key, what, nonce, tx = %entry.hash, "signed and journaled");
        self.crash_if(CrashPoint::Signed, key);
        self.broadcast(key, &entry.raw).await;
        self.crash_if(CrashPoint::Sent, key);
        Ok(Acted::Sent(entry.hash))
    }

    async fn next_nonce(&mut self) -> Result<u64> {
        if let Some(n) = self.next_nonce {
            return Ok(n);
        }
        let on_chain = self
            .provider
            .get_transaction_count(self.me)
            .pending()
            .await
            .map_err(rpc("eth_getTransactionCount"))?;
        let journaled = self
            .store
            .journal_entries()?
            .iter()
            .filter(|(_, e)| e.status == TxStatus::Pending)
            .map(|(_, e)| e.nonce + 1)
            .max()
            .unwrap_or(0);
        let n = on_chain.max(journaled);
        self.next_nonce = Some(n);
        Ok(n)
    }

    async fn broadcast(&self, key: &str, raw: &Bytes) {
        if let Err(e) = self.provider.send_raw_transaction(raw).await {
            let reason = one_line(&e);
            if [
                "already known",
                "AlreadyKnown",
                "already imported",
                "nonce too low",
            ]
            .iter()
            .any(|m| reason.contains(m))
            {
                return;
            }
            warn!(key, %reason, "broadcast refused");
        }
    }

    /// Follows every pending entry: records its receipt, or rebroadcasts the same bytes; an entry whose nonce
    /// another transaction took is marked dropped. Returns the keys whose receipt was recorded now.
    pub async fn poll(&mut self) -> Result<Vec<(String, JournalEntry)>> {
        let pending: Vec<(String, JournalEntry)> = self
            .store
            .journal_entries()?
            .into_iter()
            .filter(|(_, e)| e.status == TxStatus::Pending)
            .collect();
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let mined_nonce = self
            .provider
            .get_transaction_count(self.me)
            .latest()
            .await
            .map_err(rpc("eth_getTransactionCount"))?;
        let mut done = Vec::new();
        for (key, mut entry) in pending {
            let receipt = self
                .provider
                .get_transaction_receipt(entry.hash)
                .await
                .map_err(rpc("eth_getTransactionReceipt"))?;
            match receipt {
                Some(r) => {
                    entry.status = TxStatus::Mined {
                        block: r.block_number.unwrap_or_default(),
                        success: r.status(),
                    };
                    self.store.put_journal(&key, &entry, false)?;
                    if r.status() {
                        info!(key, tx = %entry.hash, gas = r.gas_used, "mined");
                    } else {
                        error!(key, tx = %entry.hash, "failed on chain");
                    }
                    self.crash_if(CrashPoint::Receipt, &key);
                    done.push((key, entry));
                }
                None if mined_nonce > entry.nonce => {
                    warn!(
                        key,
                        nonce = entry.nonce,
                        "dropped: another transaction took its nonce"
                    );
                    entry.status = TxStatus::Dropped;
                    self.store.put_journal(&key, &entry, false)?;
                    self.next_nonce = None;
                }
                None => self.broadcast(&key, &entry.raw).await,
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_points_parse_and_match_by_prefix() {
        let c = CrashAt::parse("signed:commit").expect("parses");
        assert!(c.matches(CrashPoint::Signed, "commit:3"));
        assert!(!c.matches(CrashPoint::Sent, "commit:3"));
        assert!(!c.matches(CrashPoint::Signed, "finalize:3"));
        assert_eq!(
            CrashAt::parse("receipt:finalize:7").expect("parses"),
            CrashAt {
                point: CrashPoint::Receipt,
                prefix: "finalize:7".into()
            }
        );
        assert!(CrashAt::parse("later:commit").is_err());
        assert!(CrashAt::parse("signed").is_err());
    }
}
