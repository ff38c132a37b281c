//! The hub's state in redb (`DIR/state.redb`): deals, their inputs and the units accepted (with the miner that did
//! each), the miners that joined, the work receipts signed, the block scanned, and the transaction journal. Every
//! change is one write transaction, so a process killed at any point leaves the state before or after it.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, Bytes, U256};
use redb::{Database, ReadableDatabase as _, ReadableTable as _, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{HubError, Result};

/// Small values by name: the scanned block, the account, the offers.
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");
/// Deal id -> [`DealRecord`] (JSON).
const DEALS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("deals");
/// Deal id -> its inputs (JSON array of hex), once fetched and checked against the input root.
const INPUTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("inputs");
/// (deal, unit) -> [`UnitRecord`] (JSON): an accepted unit.
const UNITS: TableDefinition<'_, (u64, u64), &[u8]> = TableDefinition::new("units");
/// Miner address (hex) -> [`MinerRecord`] (JSON).
const MINERS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("miners");
/// "<miner>:<deal>" -> the signed work receipt file (JSON).
const RECEIPTS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("receipts");
/// Action key -> [`JournalEntry`] (JSON).
const JOURNAL: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("journal");

/// Where a deal is, as the hub keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the buyer's inputs.
    FetchingInputs,
    /// Units leased to miners.
    Computing,
    /// Every unit in; the commit is being sent.
    Committing,
    /// The root is on chain; queries answered; waiting for the buyer or the window.
    Committed,
    /// Accepted or finalized: the reward is in the wallet; receipts to sign.
    Settled,
    /// Receipts signed (or not, with `--no-receipts`): nothing left to do.
    Paid,
    /// The hub declined it (no inputs by `declineBy`).
    Declined,
    /// It ended without settling into the wallet (refunded, slashed, cancelled) or could not be committed in time.
    Failed,
}

impl Stage {
    /// The words `Progress` answers with.
    pub fn words(self) -> &'static str {
        match self {
            Self::FetchingInputs => "fetching inputs",
            Self::Computing => "computing",
            Self::Committing => "committing",
            Self::Committed => "committed",
            Self::Settled => "settled",
            Self::Paid => "paid",
            Self::Declined => "declined",
            Self::Failed => "failed",
        }
    }

    /// Whether nothing is left to do for the deal.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Paid | Self::Declined | Self::Failed)
    }
}

/// A deal the hub follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealRecord {
    /// The deal (the game's task id).
    pub id: u64,
    /// Its buyer.
    pub buyer: Address,
    /// Leaves (units).
    pub leaf_count: u64,
    /// The input root on chain.
    pub input_root: B256,
    /// Where the buyer said the inputs are.
    pub input_uri: String,
    /// The computation.
    pub computation: Address,
    /// Gas per leaf.
    pub gas_per_leaf: u32,
    /// The most bytes of an output.
    pub max_leaf_bytes: u32,
    /// Until when it may be declined (chain time).
    pub decline_by: u64,
    /// What the hub pays a miner per unit for this deal (fixed when the deal was seen).
    pub pay_per_unit: U256,
    /// Where it is.
    pub stage: Stage,
    /// The result root, once built.
    pub result_root: Option<B256>,
    /// Units reassigned after a miner was caught or lost its lease.
    pub redone: u64,
    /// Queries opened on it, not yet answered.
    pub queries: Vec<u64>,
}

/// An accepted unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    /// The output.
    pub output: Bytes,
    /// The miner (its paid address) that computed it.
    pub miner: Address,
}

/// A miner that joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerRecord {
    /// Its paid address.
    pub miner: Address,
    /// Its libp2p peer id (text).
    pub peer: String,
    /// Units in flight it takes.
    pub capacity: u32,
    /// Caught returning a wrong unit: never leased to again.
    pub banned: bool,
}

/// Where a journaled transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum TxStatus {
    /// Signed and journaled; broadcast or about to be; no receipt yet.
    Pending,
    /// In block `block`; `success` is the receipt's status.
    Mined {
        /// The block.
        block: u64,
        /// The receipt's status.
        success: bool,
    },
    /// Its nonce was taken by another transaction: it will never be mined.
    Dropped,
}

/// One action's transaction: signed once, kept for ever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// What it does, for the log.
    pub what: String,
    /// The raw signed transaction (EIP-2718).
    pub raw: Bytes,
    /// Its hash.
    pub hash: B256,
    /// Its nonce.
    pub nonce: u64,
    /// Where it is.
    pub status: TxStatus,
}

/// The state database.
#[derive(Debug)]
pub struct Store {
    db: Database,
    path: PathBuf,
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail (no maps with non-string keys, no custom serializers that fail).
    serde_json::to_vec(v).unwrap_or_default()
}

impl Store {
    /// Opens (or creates) `path`, creating every table, and checks it belongs to `account` on `chain_id`.
    pub fn open(path: &Path, chain_id: u64, account: Address) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| HubError::State {
                path: path.to_owned(),
                reason: format!("cannot create its directory: {e}"),
            })?;
        }
        let db = Database::create(path).map_err(|e| HubError::State {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let store = Self {
            db,
            path: path.to_owned(),
        };
        let owner = format!("{account}@{chain_id}");
        let w = store.write()?;
        {
            let mut meta = w.open_table(META).map_err(store.err())?;
            w.open_table(DEALS).map_err(store.err())?;
            w.open_table(INPUTS).map_err(store.err())?;
            w.open_table(UNITS).map_err(store.err())?;
            w.open_table(MINERS).map_err(store.err())?;
            w.open_table(RECEIPTS).map_err(store.err())?;
            w.open_table(JOURNAL).map_err(store.err())?;
            let existing = meta
                .get("owner")
                .map_err(store.err())?
                .map(|v| String::from_utf8_lossy(v.value()).into_owned());
            match existing {
                Some(o) if o != owner => {
                    return Err(HubError::State {
                        path: path.to_owned(),
                        reason: format!(
                            "it belongs to {o} (account@chain), not {owner}: use another --state"
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    meta.insert("owner", owner.as_bytes())
                        .map_err(store.err())?;
                }
            }
        }
        w.commit().map_err(store.err())?;
        Ok(store)
    }

    fn err<E: std::fmt::Display>(&self) -> impl Fn(E) -> HubError + '_ {
        |e| HubError::State {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    fn write(&self) -> Result<redb::WriteTransaction> {
        self.db.begin_write().map_err(self.err())
    }

    fn read(&self) -> Result<redb::ReadTransaction> {
        self.db.begin_read().map_err(self.err())
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T> {
        serde_json::from_slice(bytes).map_err(|e| HubError::State {
            path: self.path.clone(),
            reason: format!("a record that does not parse ({e})"),
        })
    }

    /// A value of the meta table.
    pub fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let r = self.read()?;
        let t = r.open_table(META).map_err(self.err())?;
        let v = t.get(key).map_err(self.err())?;
        v.map(|v| self.decode(v.value())).transpose()
    }

    /// Sets a value of the meta table.
    pub fn set_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let w = self.write()?;
        {
            let mut t = w.open_table(META).map_err(self.err())?;
            t.insert(key, json(value).as_slice()).map_err(self.err())?;
        }
        w.commit().map_err(self.err())
    }

    /// Every deal.
    pub fn deals(&self) -> Result<Vec<DealRecord>> {
        let r = self.read()?;
        let t = r.open_table(DEALS).map_err(self.err())?;
        let mut out = Vec::new();
        for e in t.iter().map_err(self.err())? {
            let (_, v) = e.map_err(self.err())?;
            out.push(self.decode(v.value())?);
        }
        Ok(out)
    }

    /// A deal.
    pub fn deal(&self, id: u64) -> Result<Option<DealRecord>> {
        let r = self.read()?;
        let t = r.open_table(DEALS).map_err(self.err())?;
        let v = t.get(id).map_err(self.err())?;
        v.map(|v| self.decode(v.value())).transpose()
    }

    /// Writes a deal.
    pub fn put_deal(&self, deal: &DealRecord) -> Result<()> {
        let w = self.write()?;
        {
            let mut t = w.open_table(DEALS).map_err(self.err())?;
            t.insert(deal.id, json(deal).as_slice())
                .map_err(self.err())?;
        }
        w.commit().map_err(self.err())
    }

    /// Writes a deal's inputs and moves it to `Computing`, in one transaction.
    pub fn put_inputs(&self, deal: &DealRecord, inputs: &[Bytes]) -> Result<()> {
        let w = self.write()?;
        {
            let mut t = w.open_table(INPUTS).map_err(self.err())?;
            t.insert(deal.id, json(&inputs).as_slice())
                .map_err(self.err())?;
            let mut d = w.open_table(DEALS).map_err(self.err())?;
            d.insert(deal.id, json(deal).as_slice())
                .map_err(self.err())?;
        }
        w.commit().map_err(self.err())
    }

    /// A deal's inputs, if fetched.
    pub fn inputs(&self, id: u64) -> Result<Option<Vec<Bytes>>> {
        let r = self.read()?;
        let t = r.open_table(INPUTS).map_err(self.err())?;
        let v = t.get(id).map_err(self.err())?;
        v.map(|v| self.decode(v.value())).transpose()
    }

    /// Records accepted units of a deal, in one transaction. Not synced to disk on its own (the next synced commit
    /// carries it): units lost in a crash are only leased again, and a lease a second is not held up by fsync.
    pub fn accept_units(&self, deal: u64, units: &[(u64, UnitRecord)]) -> Result<()> {
        let mut w = self.write()?;
        w.set_durability(redb::Durability::None)
            .map_err(self.err())?;
        {
            let mut t = w.open_table(UNITS).map_err(self.err())?;
            for (index, unit) in units {
                t.insert((deal, *index), json(unit).as_slice())
                    .map_err(self.err())?;
            }
        }
        w.commit().map_err(self.err())
    }

    /// The accepted units of a deal, by index.
    pub fn units(&self, deal: u64) -> Result<Vec<(u64, UnitRecord)>> {
        let r = self.read()?;
        let t = r.open_table(UNITS).map_err(self.err())?;
        let mut out = Vec::new();
        for e in t.range((deal, 0)..=(deal, u64::MAX)).map_err(self.err())? {
            let (k, v) = e.map_err(self.err())?;
            out.push((k.value().1, self.decode(v.value())?));
        }
        Ok(out)
    }

    /// A caught miner: every unit of `miner` in `deal` discarded, the deal's redone count raised, the miner banned,
    /// in one transaction. Returns the units discarded.
    pub fn discard_miner(&self, deal: &mut DealRecord, miner: Address) -> Result<Vec<u64>> {
        let discarded: Vec<u64> = self
            .units(deal.id)?
            .into_iter()
            .filter(|(_, u)| u.miner == miner)
            .map(|(i, _)| i)
            .collect();
        deal.redone += discarded.len() as u64;
        let w = self.write()?;
        {
            let mut t = w.open_table(UNITS).map_err(self.err())?;
            for i in &discarded {
                t.remove((deal.id, *i)).map_err(self.err())?;
            }
            let mut d = w.open_table(DEALS).map_err(self.err())?;
            d.insert(deal.id, json(&*deal).as_slice())
                .map_err(self.err())?;
            let mut m = w.open_table(MINERS).map_err(self.err())?;
            let key = miner.to_string();
            let mut record = match m.get(key.as_str()).map_err(self.err())? {
                Some(v) => self.decode::<MinerRecord>(v.value())?,
                None => MinerRecord {
                    miner,
                    peer: String::new(),
                    capacity: 0,
                    banned: true,
                },
            };
            record.banned = true;
            record.capacity = 0;
            m.insert(key.as_str(), json(&record).as_slice())
                .map_err(self.err())?;
        }
        w.commit().map_err(self.err())?;
        Ok(discarded)
    }

    /// Every miner that joined.
    pub fn miners(&self) -> Result<Vec<MinerRecord>> {
        let r = self.read()?;
        let t = r.open_table(MINERS).map_err(self.err())?;
        let mut out = Vec::new();
        for e in t.iter().map_err(self.err())? {
            let (_, v) = e.map_err(self.err())?;
            out.push(self.decode(v.value())?);
        }
        Ok(out)
    }

    /// A miner.
    pub fn miner(&self, miner: Address) -> Result<Option<MinerRecord>> {
        let r = self.read()?;
        let t = r.open_table(MINERS).map_err(self.err())?;
        let v = t.get(miner.to_string().as_str()).map_err(self.err())?;
        v.map(|v| self.decode(v.value())).transpose()
    }

    /// Writes a miner.
    pub fn put_miner(&self, record: &MinerRecord) -> Result<()> {
        let w = self.write()?;
        {
            let mut t = w.open_table(MINERS).map_err(self.err())?;
            t.insert(record.miner.to_string().as_str(), json(record).as_slice())
                .map_err(self.err())?;
        }
        w.commit().map_err(self.err())
    }

    /// Writes the receipts of a deal and moves it to its next stage, in one transaction.
    pub fn put_receipts(&self, deal: &DealRecord, receipts: &[(Address, Bytes)]) -> Result<()> {
        let w = self.write()?;
        {
            let mut t = w.open_table(RECEIPTS).map_err(self.err())?;
            for (miner, file) in receipts {
                t.insert(format!("{miner}:{}", deal.id).as_str(), file.as_ref())
                    .map_err(self.err())?;
            }
            let mut d = w.open_table(DEALS).map_err(self.err())?;
            d.insert(deal.id, json(deal).as_slice())
                .map_err(self.err())?;
        }
        w.commit().map_err(self.err())
    }

    /// Every receipt signed for `miner`, as receipt files.
    pub fn receipts(&self, miner: Address) -> Result<Vec<Bytes>> {
        let prefix = format!("{miner}:");
        let r = self.read()?;
        let t = r.open_table(RECEIPTS).map_err(self.err())?;
        let mut out = Vec::new();
        for e in t.range(prefix.as_str()..).map_err(self.err())? {
            let (k, v) = e.map_err(self.err())?;
            if !k.value().starts_with(&prefix) {
                break;
            }
            out.push(Bytes::copy_from_slice(v.value()));
        }
        Ok(out)
    }

    /// A journal entry.
    pub fn journal(&self, key: &str) -> Result<Option<JournalEntry>> {
        let r = self.read()?;
        let t = r.open_table(JOURNAL).map_err(self.err())?;
        let v = t.get(key).map_err(self.err())?;
        v.map(|v| self.decode(v.value())).transpose()
    }

    /// Every journal entry.
    pub fn journal_entries(&self) -> Result<Vec<(String, JournalEntry)>> {
        let r = self.read()?;
        let t = r.open_table(JOURNAL).map_err(self.err())?;
        let mut out = Vec::new();
        for e in t.iter().map_err(self.err())? {
            let (k, v) = e.map_err(self.err())?;
            out.push((k.value().to_owned(), self.decode(v.value())?));
        }
        Ok(out)
    }

    /// Writes a journal entry: a new one only if the key is not there yet (an action is signed once), an update of
    /// its status otherwise. Returns false if a new entry was refused because the key is there.
    pub fn put_journal(&self, key: &str, entry: &JournalEntry, new: bool) -> Result<bool> {
        let w = self.write()?;
        {
            let mut t = w.open_table(JOURNAL).map_err(self.err())?;
            if new && t.get(key).map_err(self.err())?.is_some() {
                return Ok(false);
            }
            t.insert(key, json(entry).as_slice()).map_err(self.err())?;
        }
        w.commit().map_err(self.err())?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sonm-hub-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("state.redb")
    }

    fn deal(id: u64) -> DealRecord {
        DealRecord {
            id,
            buyer: Address::repeat_byte(1),
            leaf_count: 4,
            input_root: B256::repeat_byte(2),
            input_uri: "sonm://x".into(),
            computation: Address::repeat_byte(3),
            gas_per_leaf: 1000,
            max_leaf_bytes: 1024,
            decline_by: 10,
            pay_per_unit: U256::from(5u64),
            stage: Stage::Computing,
            result_root: None,
            redone: 0,
            queries: Vec::new(),
        }
    }

    #[test]
    fn a_journal_entry_is_written_once_and_survives_a_reopen_with_its_bytes() {
        let path = temp("journal");
        let me = Address::repeat_byte(9);
        let entry = JournalEntry {
            what: "commit".into(),
            raw: Bytes::from_static(&[0x02, 0xf8, 0x01]),
            hash: B256::repeat_byte(7),
            nonce: 4,
            status: TxStatus::Pending,
        };
        {
            let s = Store::open(&path, 1, me).expect("open");
            assert!(s.put_journal("commit:3", &entry, true).expect("new"));
            let mut other = entry.clone();
            other.raw = Bytes::from_static(&[0xff]);
            other.hash = B256::repeat_byte(8);
            // A second signature of the same action is refused: the first stays.
            assert!(!s.put_journal("commit:3", &other, true).expect("refused"));
            assert_eq!(s.journal("commit:3").expect("read"), Some(entry.clone()));
        }
        // Reopened (a restart): the pending entry is there with the very bytes signed; its status moves on.
        let s = Store::open(&path, 1, me).expect("reopen");
        let pending: Vec<(String, JournalEntry)> = s
            .journal_entries()
            .expect("entries")
            .into_iter()
            .filter(|(_, e)| e.status == TxStatus::Pending)
            .collect();
        assert_eq!(pending, vec![("commit:3".to_owned(), entry.clone())]);
        let mut mined = entry;
        mined.status = TxStatus::Mined {
            block: 9,
            success: true,
        };
        assert!(s.put_journal("commit:3", &mined, false).expect("update"));
        assert_eq!(s.journal("commit:3").expect("read"), Some(mined));
        drop(s);
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }

    #[test]
    fn a_caught_miner_loses_every_unit_of_the_deal_and_is_banned() {
        let path = temp("discard");
        let me = Address::repeat_byte(9);
        let s = Store::open(&path, 1, me).expect("open");
        let (good, bad) = (Address::repeat_byte(4), Address::repeat_byte(5));
        let mut d = deal(3);
        s.put_deal(&d).expect("deal");
        let unit = |m: Address| UnitRecord {
            output: Bytes::from_static(b"o"),
            miner: m,
        };
        s.accept_units(3, &[(0, unit(good)), (1, unit(bad)), (2, unit(bad))])
            .expect("units");
        s.accept_units(4, &[(0, unit(bad))]).expect("other deal");
        let gone = s.discard_miner(&mut d, bad).expect("discard");
        assert_eq!(gone, vec![1, 2]);
        assert_eq!(d.redone, 2);
        let left: Vec<u64> = s
            .units(3)
            .expect("units")
            .into_iter()
            .map(|u| u.0)
            .collect();
        assert_eq!(left, vec![0]);
        assert_eq!(
            s.units(4).expect("units").len(),
            1,
            "another deal untouched"
        );
        assert!(s.miner(bad).expect("miner").expect("recorded").banned);
        assert_eq!(s.deal(3).expect("deal").expect("there").redone, 2);
        drop(s);
        // Another account's state is refused.
        let err = Store::open(&path, 1, Address::repeat_byte(8)).expect_err("other account");
        assert!(err.to_string().contains("use another --state"), "{err}");
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }
}
