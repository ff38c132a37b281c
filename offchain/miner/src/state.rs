//! The miner's state: `DIR/state.redb`, an embedded redb database (every change one transaction), opened by the
//! daemon as its single writer while `sonm miner hubs` may read it at the same time.
//!
//! Tables (values JSON):
//! - `hubs`: hub wallet (20 bytes) -> [`HubLedger`]: what it pays, the units done for it, what it earned, what its
//!   receipts paid, whether the miner dropped it, its last mark and why;
//! - `receipts`: receipt digest (32 bytes) -> [`ReceiptRecord`]: every work receipt presented, and how it went;
//! - `reports`: hub (20 bytes) ++ miner (20 bytes) -> [`StoredReport`]: the latest believed report of each miner
//!   about each hub.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, U256};
use redb::{
    Builder, ConcurrencyMode, Database, ReadOnlyDatabase, ReadableDatabase, ReadableTable,
    TableDefinition,
};
use serde::{Deserialize, Serialize};
use sonm_agents::mark::{Mark, ReportSummary};

use crate::{MinerError, Result};

const HUBS: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("hubs");
const RECEIPTS: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("receipts");
const REPORTS: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("reports");

/// Amounts as decimal strings (as every sonm JSON prints them); `0x` hex read too.
mod dec {
    use alloy::primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let text = String::deserialize(d)?;
        match text.strip_prefix("0x") {
            Some(hex) => U256::from_str_radix(hex, 16),
            None => U256::from_str_radix(&text, 10),
        }
        .map_err(serde::de::Error::custom)
    }
}

/// What the miner knows of one hub it met.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HubLedger {
    /// The hub wallet.
    pub hub: Address,
    /// Its display name (announced).
    pub name: String,
    /// Its node's peer id (announced).
    pub peer: String,
    /// What it pays per unit (wei), as its last `Joined` said.
    #[serde(with = "dec")]
    pub pay_per_unit: U256,
    /// Units computed for it and answered.
    pub units_done: u64,
    /// What those units are worth at the pay agreed when each was done (wei).
    #[serde(with = "dec")]
    pub earned: U256,
    /// What its work receipts paid (redeemed, wei).
    #[serde(with = "dec")]
    pub redeemed: U256,
    /// What the miner claimed from its wallet (wei).
    #[serde(with = "dec")]
    pub claimed: U256,
    /// The capacity last offered it in a `Join` (0: left or never joined).
    pub capacity: u32,
    /// Dropped: its unpaid debt passed the limit; no work taken from it until it pays.
    pub dropped: bool,
    /// Its last mark.
    pub mark: Option<Mark>,
    /// Why.
    pub reasons: Vec<String>,
}

impl HubLedger {
    /// Its unpaid debt: what the units done earned less what its receipts paid (wei).
    pub fn debt(&self) -> U256 {
        self.earned.saturating_sub(self.redeemed)
    }
}

/// A work receipt presented to its wallet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRecord {
    /// The hub wallet.
    pub hub: Address,
    /// The deal it pays for.
    #[serde(with = "dec")]
    pub deal: U256,
    /// The amount (wei).
    #[serde(with = "dec")]
    pub amount: U256,
    /// Its nonce.
    #[serde(with = "dec")]
    pub nonce: U256,
    /// Whether the wallet paid it; `false`: dishonoured (recorded in the hub's history, redeemable later).
    pub redeemed: bool,
    /// The transaction.
    pub tx: B256,
}

/// A believed report of a miner about a hub, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReport {
    /// The hub.
    pub hub: Address,
    /// The report's sequence number (a newer one replaces it).
    pub seq: u64,
    /// When it expires (unix time, as gossip counts it): a miner that stops reporting stops counting.
    #[serde(default)]
    pub expiry: u64,
    /// Its figures.
    pub summary: ReportSummary,
}

/// The state database.
#[derive(Debug)]
pub struct State {
    db: Db,
    path: PathBuf,
}

enum Db {
    Writer(Database),
    Reader(ReadOnlyDatabase),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Writer(_) => "Writer",
            Self::Reader(_) => "Reader",
        })
    }
}

fn err(path: &Path, what: &str) -> impl FnOnce(redb::Error) -> MinerError {
    let (path, what) = (path.to_owned(), what.to_owned());
    move |e| MinerError::State {
        path,
        reason: format!("{what}: {e}"),
    }
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

impl State {
    /// Opens (creating) `dir/state.redb` to write; the directory is created (mode 0700 on Unix).
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| MinerError::State {
            path: dir.to_owned(),
            reason: format!("cannot create the state directory: {e}"),
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let path = dir.join("state.redb");
        let db = Builder::new()
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .create(&path)
            .map_err(|e| err(&path, "cannot open")(e.into()))?;
        let state = Self {
            db: Db::Writer(db),
            path,
        };
        // Create the tables, so that a reader finds them.
        state.write(|_| Ok(()))?;
        Ok(state)
    }

    /// Opens `dir/state.redb` to read, beside a running daemon.
    pub fn open_read_only(dir: &Path) -> Result<Self> {
        let path = dir.join("state.redb");
        if !path.exists() {
            return Err(MinerError::State {
                path,
                reason:
                    "no state here: start `sonm miner run --state DIR` first, or pass its --state"
                        .into(),
            });
        }
        let db = Builder::new()
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .open_read_only(&path)
            .map_err(|e| err(&path, "cannot open")(e.into()))?;
        Ok(Self {
            db: Db::Reader(db),
            path,
        })
    }

    /// Where the database is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, f: impl FnOnce(&redb::WriteTransaction) -> Result<()>) -> Result<()> {
        let Db::Writer(db) = &self.db else {
            return Err(MinerError::State {
                path: self.path.clone(),
                reason: "opened read-only".into(),
            });
        };
        let p = &self.path;
        let tx = db
            .begin_write()
            .map_err(|e| err(p, "begin a write")(e.into()))?;
        for t in [HUBS, RECEIPTS, REPORTS] {
            tx.open_table(t)
                .map_err(|e| err(p, "open a table")(e.into()))?;
        }
        f(&tx)?;
        tx.commit().map_err(|e| err(p, "commit")(e.into()))
    }

    fn read_all<T: for<'de> Deserialize<'de>>(
        &self,
        table: TableDefinition<'_, &[u8], &[u8]>,
    ) -> Result<Vec<T>> {
        let p = &self.path;
        let tx = match &self.db {
            Db::Writer(db) => db.begin_read(),
            Db::Reader(db) => db.begin_read(),
        }
        .map_err(|e| err(p, "begin a read")(e.into()))?;
        let t = match tx.open_table(table) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(err(p, "open a table")(e.into())),
        };
        let mut out = Vec::new();
        for row in t.iter().map_err(|e| err(p, "read")(e.into()))? {
            let (_, v) = row.map_err(|e| err(p, "read")(e.into()))?;
            out.push(
                serde_json::from_slice(v.value()).map_err(|e| MinerError::State {
                    path: p.clone(),
                    reason: format!("a damaged row: {e}"),
                })?,
            );
        }
        Ok(out)
    }

    /// Every hub met.
    pub fn hubs(&self) -> Result<Vec<HubLedger>> {
        self.read_all(HUBS)
    }

    /// One hub's ledger (a fresh one if it was never met).
    pub fn hub(&self, hub: Address) -> Result<HubLedger> {
        Ok(self
            .hubs()?
            .into_iter()
            .find(|h| h.hub == hub)
            .unwrap_or(HubLedger {
                hub,
                ..HubLedger::default()
            }))
    }

    /// Changes one hub's ledger in one transaction; returns it as written.
    pub fn update_hub(&self, hub: Address, f: impl FnOnce(&mut HubLedger)) -> Result<HubLedger> {
        let mut out = None;
        let p = self.path.clone();
        self.write(|tx| {
            let mut t = tx
                .open_table(HUBS)
                .map_err(|e| err(&p, "open hubs")(e.into()))?;
            let mut ledger = match t
                .get(hub.as_slice())
                .map_err(|e| err(&p, "read a hub")(e.into()))?
            {
                Some(v) => serde_json::from_slice(v.value()).map_err(|e| MinerError::State {
                    path: p.clone(),
                    reason: format!("a damaged hub row: {e}"),
                })?,
                None => HubLedger {
                    hub,
                    ..HubLedger::default()
                },
            };
            f(&mut ledger);
            t.insert(hub.as_slice(), json(&ledger).as_slice())
                .map_err(|e| err(&p, "write a hub")(e.into()))?;
            out = Some(ledger);
            Ok(())
        })?;
        out.ok_or_else(|| MinerError::State {
            path: self.path.clone(),
            reason: "the update did not run".into(),
        })
    }

    /// Whether the receipt with digest `hash` was presented and paid.
    pub fn receipt(&self, hash: B256) -> Result<Option<ReceiptRecord>> {
        let p = &self.path;
        let tx = match &self.db {
            Db::Writer(db) => db.begin_read(),
            Db::Reader(db) => db.begin_read(),
        }
        .map_err(|e| err(p, "begin a read")(e.into()))?;
        let t = match tx.open_table(RECEIPTS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(err(p, "open receipts")(e.into())),
        };
        let Some(v) = t
            .get(hash.as_slice())
            .map_err(|e| err(p, "read a receipt")(e.into()))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(v.value())
            .map(Some)
            .map_err(|e| MinerError::State {
                path: p.clone(),
                reason: format!("a damaged receipt row: {e}"),
            })
    }

    /// Every receipt presented.
    pub fn receipts(&self) -> Result<Vec<ReceiptRecord>> {
        self.read_all(RECEIPTS)
    }

    /// Records a presented receipt and, if it was paid, adds it to its hub's `redeemed`, in one transaction.
    pub fn record_receipt(&self, hash: B256, record: &ReceiptRecord) -> Result<HubLedger> {
        let p = self.path.clone();
        let mut out = None;
        self.write(|tx| {
            let mut receipts = tx
                .open_table(RECEIPTS)
                .map_err(|e| err(&p, "open receipts")(e.into()))?;
            receipts
                .insert(hash.as_slice(), json(record).as_slice())
                .map_err(|e| err(&p, "write a receipt")(e.into()))?;
            let mut hubs = tx
                .open_table(HUBS)
                .map_err(|e| err(&p, "open hubs")(e.into()))?;
            let mut ledger: HubLedger = match hubs
                .get(record.hub.as_slice())
                .map_err(|e| err(&p, "read a hub")(e.into()))?
            {
                Some(v) => serde_json::from_slice(v.value()).unwrap_or_default(),
                None => HubLedger::default(),
            };
            ledger.hub = record.hub;
            if record.redeemed {
                ledger.redeemed = ledger.redeemed.saturating_add(record.amount);
            }
            hubs.insert(record.hub.as_slice(), json(&ledger).as_slice())
                .map_err(|e| err(&p, "write a hub")(e.into()))?;
            out = Some(ledger);
            Ok(())
        })?;
        out.ok_or_else(|| MinerError::State {
            path: self.path.clone(),
            reason: "the update did not run".into(),
        })
    }

    /// Keeps `report` unless a report of the same miner about the same hub with a sequence number at least as high
    /// is kept already. Returns whether it was kept.
    pub fn keep_report(&self, report: &StoredReport) -> Result<bool> {
        let p = self.path.clone();
        let key = [report.hub.as_slice(), report.summary.miner.as_slice()].concat();
        let mut kept = false;
        self.write(|tx| {
            let mut t = tx
                .open_table(REPORTS)
                .map_err(|e| err(&p, "open reports")(e.into()))?;
            let newer = match t
                .get(key.as_slice())
                .map_err(|e| err(&p, "read a report")(e.into()))?
            {
                Some(v) => serde_json::from_slice::<StoredReport>(v.value())
                    .map(|old| old.seq >= report.seq)
                    .unwrap_or(false),
                None => false,
            };
            if !newer {
                t.insert(key.as_slice(), json(report).as_slice())
                    .map_err(|e| err(&p, "write a report")(e.into()))?;
                kept = true;
            }
            Ok(())
        })?;
        Ok(kept)
    }

    /// The kept reports about `hub` that have not expired by `now` (unix time).
    pub fn reports(&self, hub: Address, now: u64) -> Result<Vec<ReportSummary>> {
        Ok(self
            .read_all::<StoredReport>(REPORTS)?
            .into_iter()
            .filter(|r| r.hub == hub && (r.expiry == 0 || r.expiry > now))
            .map(|r| r.summary)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "sonm-miner-state-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn rand_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    }

    #[test]
    fn ledgers_receipts_and_reports_survive_a_reopen_and_a_reader_sees_them() {
        let d = dir();
        let hub = Address::repeat_byte(7);
        {
            let s = State::open(&d).expect("open");
            s.update_hub(hub, |h| {
                h.units_done += 8;
                h.earned = U256::from(80u64);
                h.pay_per_unit = U256::from(10u64);
            })
            .expect("update");
            let r = ReceiptRecord {
                hub,
                deal: U256::from(1u64),
                amount: U256::from(30u64),
                nonce: U256::from(5u64),
                redeemed: true,
                tx: B256::repeat_byte(1),
            };
            let h = s.record_receipt(B256::repeat_byte(9), &r).expect("record");
            assert_eq!(h.debt(), U256::from(50u64));
            let report = |seq, owed: u64| StoredReport {
                hub,
                seq,
                expiry: 2_000,
                summary: ReportSummary {
                    miner: Address::repeat_byte(3),
                    paid: U256::from(1u64),
                    owed: U256::from(owed),
                    last_paid: 0,
                },
            };
            assert!(s.keep_report(&report(2, 5)).expect("keep"));
            assert!(!s.keep_report(&report(1, 9)).expect("stale"));
            assert!(s.keep_report(&report(3, 6)).expect("newer"));
            // A reader beside the writer.
            let r = State::open_read_only(&d).expect("reader");
            assert_eq!(r.hub(hub).expect("hub").units_done, 8);
            assert!(r.update_hub(hub, |_| {}).is_err());
        }
        let s = State::open(&d).expect("reopen");
        let h = s.hub(hub).expect("hub");
        assert_eq!(
            (h.units_done, h.redeemed, h.debt()),
            (8, U256::from(30u64), U256::from(50u64))
        );
        assert!(
            s.receipt(B256::repeat_byte(9))
                .expect("read")
                .is_some_and(|r| r.redeemed)
        );
        assert!(s.receipt(B256::repeat_byte(8)).expect("read").is_none());
        let reports = s.reports(hub, 1_999).expect("reports");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].owed, U256::from(6u64));
        assert!(s.reports(hub, 2_000).expect("expired").is_empty());
        assert!(s.reports(Address::ZERO, 0).expect("none").is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn amounts_are_decimal_strings_and_hex_is_read_too() {
        let l = HubLedger {
            earned: U256::from(80u64),
            ..HubLedger::default()
        };
        let v = serde_json::to_value(&l).expect("json");
        assert_eq!(v["earned"], "80");
        assert_eq!(v["redeemed"], "0");
        let mut v = v;
        v["claimed"] = serde_json::json!("0x10");
        let back: HubLedger = serde_json::from_value(v).expect("read");
        assert_eq!(
            (back.earned, back.claimed),
            (U256::from(80u64), U256::from(16u64))
        );
    }

    #[test]
    fn a_missing_state_is_one_line_for_the_reader() {
        let e = State::open_read_only(&dir())
            .expect_err("no state")
            .to_string();
        assert!(e.contains("no state here"), "{e}");
    }
}
