//! The one thing the bot cannot rebuild from the chain: the transactions it signed and may not have seen mined.
//!
//! Each entry is keyed by the action it performs (`commitProof:<hash>`, `answer:<dispute>:<lo>:<hi>`, ...), so an
//! action is signed once, whatever happens to the process: the entry, with the signed bytes, is on disk (written to a
//! temporary file, synced, renamed over the old one) before the transaction is broadcast, and a restarted bot
//! rebroadcasts those same bytes (same nonce, same hash) instead of deciding again. Salts are derived from the key,
//! so nothing secret is stored.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, Bytes};
use alloy::rpc::types::TransactionRequest;
use serde::{Deserialize, Serialize};

use crate::error::{Result, WatchError};

/// Why a state file that cannot be read or written stops the bot from starting.
const UNUSABLE: &str = ": the bot journals every transaction before sending it, so it does not start without a \
                        --state it can read and write";

/// Where a signed transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub(crate) enum TxStatus {
    /// Broadcast (or about to be), not seen in a block.
    Pending,
    /// In block `block`, not yet under the confirmation depth; `success` is the receipt's status.
    Mined { block: u64, success: bool },
    /// Under the confirmation depth: no longer watched.
    Final { block: u64, success: bool },
}

/// One action's transaction.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SentTx {
    /// What it does, for the log.
    pub what: String,
    /// Its nonce; every resubmission reuses it.
    pub nonce: u64,
    /// The unsigned request, to sign again with higher fees.
    pub request: TransactionRequest,
    /// The latest signed bytes.
    pub raw: Bytes,
    /// Every hash it was signed as (fee bumps add one), oldest first.
    pub hashes: Vec<B256>,
    /// The head when it was last (re)signed.
    pub signed_at: u64,
    /// The head when it was last broadcast.
    pub broadcast_at: u64,
    pub status: TxStatus,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    chain_id: u64,
    account: Address,
    txs: BTreeMap<String, SentTx>,
}

/// The journal: in memory, and on disk when a path is given.
#[derive(Debug)]
pub(crate) struct Journal {
    path: Option<PathBuf>,
    file: File,
}

impl Journal {
    /// Opens (or starts) the journal of `account` on `chain_id` at `path`; `None` keeps it in memory only.
    pub(crate) fn open(path: Option<&Path>, chain_id: u64, account: Address) -> Result<Self> {
        let fresh = File {
            chain_id,
            account,
            ..File::default()
        };
        let Some(path) = path else {
            return Ok(Self {
                path: None,
                file: fresh,
            });
        };
        let err = |reason: String| WatchError::State {
            path: path.to_owned(),
            reason,
        };
        let file = match std::fs::read_to_string(path) {
            Ok(text) => {
                let file: File = serde_json::from_str(&text)
                    .map_err(|e| err(format!("not a watcher state file ({e})")))?;
                if file.chain_id != chain_id || file.account != account {
                    return Err(err(format!(
                        "it belongs to {} on chain {}, not {account} on chain {chain_id}: use another --state",
                        file.account, file.chain_id
                    )));
                }
                file
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => fresh,
            Err(e) => return Err(err(format!("cannot read it ({e}){UNUSABLE}"))),
        };
        let journal = Self {
            path: Some(path.to_owned()),
            file,
        };
        // Written once now: a bot that cannot journal what it signs must not start (it would sign again after a
        // restart), so an unwritable path is refused here rather than at the first transaction.
        journal.save().map_err(|e| match e {
            WatchError::State { reason, .. } => {
                err(format!("cannot write it ({reason}){UNUSABLE}"))
            }
            other => other,
        })?;
        Ok(journal)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&SentTx> {
        self.file.txs.get(key)
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.file.txs.contains_key(key)
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = (&String, &SentTx)> {
        self.file.txs.iter()
    }

    pub(crate) fn insert(&mut self, key: String, tx: SentTx) {
        self.file.txs.insert(key, tx);
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<SentTx> {
        self.file.txs.remove(key)
    }

    /// Transactions not yet seen in a block.
    pub(crate) fn pending(&self) -> usize {
        self.file
            .txs
            .values()
            .filter(|t| t.status == TxStatus::Pending)
            .count()
    }

    /// The highest nonce of a transaction not known to be final.
    pub(crate) fn max_open_nonce(&self) -> Option<u64> {
        self.file
            .txs
            .values()
            .filter(|t| !matches!(t.status, TxStatus::Final { .. }))
            .map(|t| t.nonce)
            .max()
    }

    /// Writes the journal durably: a temporary file, synced, renamed over the old one (a crash leaves either).
    pub(crate) fn save(&self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let err = |reason: String| WatchError::State {
            path: path.clone(),
            reason,
        };
        let text = serde_json::to_string_pretty(&self.file).map_err(|e| err(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // The rename itself must survive a power cut.
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(nonce: u64) -> SentTx {
        SentTx {
            what: "commitProof".into(),
            nonce,
            request: TransactionRequest::default(),
            raw: Bytes::from_static(&[1, 2, 3]),
            hashes: vec![B256::repeat_byte(7)],
            signed_at: 3,
            broadcast_at: 3,
            status: TxStatus::Pending,
        }
    }

    #[test]
    fn an_unwritable_path_is_refused_at_open() {
        // A directory where the file should be: no user, root included, can write a file there.
        let dir =
            std::env::temp_dir().join(format!("sonm-watcher-unwritable-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("state.json")).expect("dir");
        let err = Journal::open(Some(&dir.join("state.json")), 5, Address::repeat_byte(1))
            .expect_err("a directory");
        let line = err.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains(": cannot read it ("), "{line}");
        assert!(
            line.ends_with("so it does not start without a --state it can read and write"),
            "{line}"
        );
        // A file that does not exist yet, in a directory that cannot be created (its parent is a regular file).
        let file = dir.join("plain");
        std::fs::write(&file, "x").expect("write");
        let err = Journal::open(Some(&file.join("state.json")), 5, Address::repeat_byte(1))
            .expect_err("under a file");
        assert!(err.to_string().contains(": cannot "), "{err}");
        assert!(err.to_string().ends_with("it can read and write"), "{err}");
    }

    #[test]
    fn a_new_journal_is_on_disk_as_soon_as_it_is_opened() {
        let dir = std::env::temp_dir().join(format!("sonm-watcher-fresh-{}", std::process::id()));
        let path = dir.join("nested/state.json");
        let _ = std::fs::remove_dir_all(&dir);
        Journal::open(Some(&path), 5, Address::repeat_byte(1)).expect("new");
        assert!(path.is_file());
    }

    #[test]
    fn survives_a_restart_and_refuses_another_account() {
        let dir = std::env::temp_dir().join(format!("sonm-watcher-journal-{}", std::process::id()));
        let path = dir.join("state.json");
        let _ = std::fs::remove_file(&path);
        let me = Address::repeat_byte(1);
        let mut j = Journal::open(Some(&path), 5, me).expect("new");
        j.insert("commitProof:x".into(), entry(4));
        j.save().expect("save");

        let again = Journal::open(Some(&path), 5, me).expect("reopen");
        assert_eq!(again.get("commitProof:x").map(|t| t.nonce), Some(4));
        assert_eq!(again.pending(), 1);
        assert_eq!(again.max_open_nonce(), Some(4));

        let err =
            Journal::open(Some(&path), 5, Address::repeat_byte(2)).expect_err("other account");
        assert!(err.to_string().contains("use another --state"), "{err}");
        std::fs::write(&path, "{not json").expect("write");
        let err = Journal::open(Some(&path), 5, me).expect_err("garbage");
        assert!(
            err.to_string().contains("not a watcher state file"),
            "{err}"
        );
    }
}
