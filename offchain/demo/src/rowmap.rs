//! Who rendered which row: rebuilt from the hub's events (`lease`, `lease failed`, `caught`), in the order it printed
//! them, and drawn as a picture the size of the rendering (a colour per miner; the rows redone after a miner was
//! caught or a lease failed marked on the left, the unit that caught it red across).

use std::collections::BTreeMap;
use std::path::Path;

use alloy::primitives::Address;

use crate::DemoError;
use crate::procs::Line;

/// The rows of one deal.
#[derive(Clone, Debug, Default)]
pub(crate) struct RowMap {
    /// The miner whose lease of each row was accepted (`None`: no accepted lease seen).
    pub(crate) owner: Vec<Option<Address>>,
    /// Rows leased more than once (their first lease failed, or its miner was caught).
    pub(crate) redone: Vec<bool>,
    /// The units that caught a miner (a wrong output found by the hub's sample).
    pub(crate) caught: Vec<bool>,
}

fn addr(v: &serde_json::Value) -> Option<Address> {
    v.as_str()?.parse().ok()
}

fn num(v: &serde_json::Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

impl RowMap {
    /// Replays the hub's `lines` for `deal` of `rows` rows.
    pub(crate) fn from_hub_events<'a>(
        lines: impl Iterator<Item = &'a Line>,
        deal: u64,
        rows: usize,
    ) -> Self {
        let mut m = Self {
            owner: vec![None; rows],
            redone: vec![false; rows],
            caught: vec![false; rows],
        };
        // lease id -> (miner, rows)
        let mut lease_of: Vec<Option<u64>> = vec![None; rows];
        for line in lines {
            let v = &line.value;
            if num(&v["deal"]) != Some(deal) {
                continue;
            }
            let span = || {
                let first = num(&v["first"]).unwrap_or(0) as usize;
                let count = num(&v["count"]).unwrap_or(0) as usize;
                first.min(rows)..(first + count).min(rows)
            };
            match line.event() {
                "lease" => {
                    let (Some(miner), Some(id)) = (addr(&v["miner"]), num(&v["lease"])) else {
                        continue;
                    };
                    for i in span() {
                        if lease_of[i].is_some() || m.redone[i] {
                            m.redone[i] = true;
                        }
                        m.owner[i] = Some(miner);
                        lease_of[i] = Some(id);
                    }
                }
                "lease failed" => {
                    let id = num(&v["lease"]);
                    for i in span() {
                        if lease_of[i] == id {
                            m.owner[i] = None;
                            lease_of[i] = None;
                            m.redone[i] = true;
                        }
                    }
                }
                "caught" => {
                    let Some(miner) = addr(&v["miner"]) else {
                        continue;
                    };
                    for ((owner, lease), redone) in
                        m.owner.iter_mut().zip(&mut lease_of).zip(&mut m.redone)
                    {
                        if *owner == Some(miner) {
                            *owner = None;
                            *lease = None;
                            *redone = true;
                        }
                    }
                    if let Some(unit) = num(&v["unit"]).map(|u| u as usize)
                        && unit < rows
                    {
                        m.caught[unit] = true;
                        m.redone[unit] = true;
                    }
                }
                _ => {}
            }
        }
        m
    }

    /// Rows per miner.
    pub(crate) fn counts(&self) -> BTreeMap<Address, u64> {
        let mut c = BTreeMap::new();
        for o in self.owner.iter().flatten() {
            *c.entry(*o).or_insert(0) += 1;
        }
        c
    }

    /// Rows with no accepted lease seen.
    pub(crate) fn unowned(&self) -> usize {
        self.owner.iter().filter(|o| o.is_none()).count()
    }

    /// Draws the map, `width` pixels wide (one pixel row per row): each miner in its colour (`colours`, in the
    /// order of `miners`), the left eighth white on a redone row, a caught unit red across.
    pub(crate) fn write_png(
        &self,
        path: &Path,
        width: u32,
        miners: &[Address],
    ) -> Result<(), DemoError> {
        let mut pixels = Vec::with_capacity(self.owner.len() * width as usize * 3);
        let band = (width / 8).max(1) as usize;
        for (i, owner) in self.owner.iter().enumerate() {
            let colour = owner
                .and_then(|o| miners.iter().position(|m| *m == o))
                .map_or([40, 40, 40], |k| PALETTE[k % PALETTE.len()]);
            for x in 0..width as usize {
                let c = if self.caught[i] {
                    [230, 20, 20]
                } else if x < band && self.redone[i] {
                    [250, 250, 250]
                } else {
                    colour
                };
                pixels.extend_from_slice(&c);
            }
        }
        let height = u32::try_from(self.owner.len()).unwrap_or(u32::MAX);
        sonm_buyer::image::write_rgb(path, width, height, &pixels).map_err(|e| DemoError::Png {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }
}

/// The miners' colours, in the order the demo starts them.
pub(crate) const PALETTE: [[u8; 3]; 8] = [
    [31, 119, 180],
    [44, 160, 44],
    [255, 127, 14],
    [148, 103, 189],
    [23, 190, 207],
    [188, 189, 34],
    [227, 119, 194],
    [140, 86, 75],
];

/// A colour's name for the legend.
pub(crate) fn colour_name(k: usize) -> &'static str {
    [
        "blue", "green", "orange", "purple", "cyan", "olive", "pink", "brown",
    ][k % PALETTE.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(v: serde_json::Value) -> Line {
        Line {
            role: "hub-a".into(),
            value: v,
        }
    }

    #[test]
    fn a_caught_miners_rows_and_a_failed_lease_are_redone_by_others() {
        let (a, b, c) = (
            Address::repeat_byte(1),
            Address::repeat_byte(2),
            Address::repeat_byte(3),
        );
        let lines = [
            line(
                json!({"event": "lease", "deal": 1, "lease": 1, "miner": a, "first": 0, "count": 4}),
            ),
            line(
                json!({"event": "lease", "deal": 1, "lease": 2, "miner": b, "first": 4, "count": 4}),
            ),
            line(
                json!({"event": "lease", "deal": 1, "lease": 3, "miner": c, "first": 8, "count": 4}),
            ),
            line(
                json!({"event": "lease", "deal": 2, "lease": 9, "miner": c, "first": 0, "count": 4}),
            ),
            line(json!({"event": "caught", "deal": 1, "miner": b, "unit": 5})),
            line(
                json!({"event": "lease failed", "deal": 1, "lease": 3, "miner": c, "first": 8, "count": 4}),
            ),
            line(
                json!({"event": "lease", "deal": 1, "lease": 4, "miner": a, "first": 4, "count": 4}),
            ),
            line(
                json!({"event": "lease", "deal": 1, "lease": 5, "miner": a, "first": 8, "count": 4}),
            ),
        ];
        let m = RowMap::from_hub_events(lines.iter(), 1, 12);
        assert_eq!(m.unowned(), 0);
        assert_eq!(m.counts().get(&a), Some(&12));
        assert_eq!(
            m.redone.iter().filter(|r| **r).count(),
            8,
            "rows 4..12 redone"
        );
        assert!(m.caught[5] && m.caught.iter().filter(|c| **c).count() == 1);
        let path = std::env::temp_dir().join(format!("sonm-rowmap-{}.png", std::process::id()));
        m.write_png(&path, 16, &[a, b, c]).expect("png");
        let _ = std::fs::remove_file(path);
    }
}
