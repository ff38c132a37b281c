//! Fetching a task's data from its URI (a file path, `file://`, or an http(s) URL) and checking it against the
//! committed root.

use std::time::Duration;

use alloy::primitives::{B256, Bytes, U256};
use alloy::transports::http::reqwest;
use sonm_merkle::{BuildOptions, IndexedTree};

/// The most a data file may weigh: a 2^20-leaf dump of a few hundred bytes per leaf fits.
const MAX_BYTES: u64 = 1 << 30;

/// The leaves of a task's data, by index, with the tree they came from.
#[derive(Debug)]
pub(crate) struct LeafData {
    /// `data[i]` is leaf `i`'s data.
    pub data: Vec<Bytes>,
    /// The tree, for proofs.
    pub tree: IndexedTree,
    /// `position[i]` is leaf `i`'s position in `tree` (a dump may list its values in any order).
    pub position: Vec<usize>,
}

impl LeafData {
    /// Checks a tree holds exactly the indices `0..n` once each and orders its data by index.
    pub(crate) fn from_tree(tree: IndexedTree) -> Result<Self, String> {
        let n = tree.len();
        let mut position = vec![usize::MAX; n];
        for (pos, leaf) in tree.values().iter().enumerate() {
            let index = usize::try_from(leaf.index)
                .ok()
                .filter(|&i| i < n)
                .ok_or_else(|| format!("leaf index {} is not in 0..{n}", leaf.index))?;
            if position[index] != usize::MAX {
                return Err(format!("leaf index {index} appears twice"));
            }
            position[index] = pos;
        }
        let data = position
            .iter()
            .map(|&pos| tree.values()[pos].data.clone())
            .collect();
        Ok(Self {
            data,
            tree,
            position,
        })
    }

    /// The proof of leaf `index`.
    pub(crate) fn proof(&self, index: u64) -> Result<Vec<B256>, String> {
        let pos = usize::try_from(index)
            .ok()
            .and_then(|i| self.position.get(i))
            .ok_or_else(|| format!("no leaf {index}"))?;
        self.tree.proof(*pos).map_err(|e| e.to_string())
    }

    pub(crate) fn root(&self) -> B256 {
        self.tree.root()
    }

    pub(crate) fn len(&self) -> u64 {
        self.data.len() as u64
    }
}

/// Result data as fetched: the text of a dump (a file or an http(s) URL), or a tree's leaves in index order from a
/// peer (`sonm://`), each already checked against the committed root.
#[derive(Debug)]
pub(crate) enum Fetched {
    Text(String),
    Leaves(Vec<Bytes>),
}

/// Splits the part of a `sonm://` URI after the scheme, `<multiaddr ending in /p2p/<peer id>>/<root>`, e.g.
/// `/ip4/10.0.0.5/tcp/4001/p2p/12D3KooW.../0x54d6...`.
pub(crate) fn parse_sonm_uri(
    rest: &str,
) -> Result<(sonm_net::Multiaddr, sonm_net::PeerId, B256), String> {
    let (addr, root) = rest.rsplit_once('/').ok_or_else(|| {
        format!("sonm://{rest}: expected sonm://<multiaddr>/p2p/<peer id>/<root>")
    })?;
    let root: B256 = root
        .parse()
        .map_err(|e| format!("sonm://{rest}: root {root:?}: {e}"))?;
    let addr: sonm_net::Multiaddr = addr
        .parse()
        .map_err(|e| format!("sonm://{rest}: multiaddr {addr:?}: {e}"))?;
    let peer = match addr.iter().last() {
        Some(sonm_net::multiaddr::Protocol::P2p(peer)) => peer,
        _ => {
            return Err(format!(
                "sonm://{rest}: the multiaddr does not end in /p2p/<peer id>"
            ));
        }
    };
    Ok((addr, peer, root))
}

/// Checks fetched result data against the committed root and the task's leaf count.
pub(crate) fn results(fetched: Fetched, root: B256, leaf_count: u64) -> Result<LeafData, String> {
    match fetched {
        Fetched::Text(text) => parse_results(&text, root, leaf_count),
        Fetched::Leaves(leaves) => {
            let tree = IndexedTree::from_data(leaves, BuildOptions::default())
                .map_err(|e| e.to_string())?;
            check(LeafData::from_tree(tree)?, root, leaf_count)
        }
    }
}

/// Reads the text a URI holds.
pub(crate) async fn fetch(uri: &str, http: &reqwest::Client) -> Result<String, String> {
    if uri.starts_with("http://") || uri.starts_with("https://") {
        let response = http
            .get(uri)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| format!("GET {uri}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("GET {uri}: HTTP {}", response.status()));
        }
        if response.content_length().is_some_and(|l| l > MAX_BYTES) {
            return Err(format!("GET {uri}: larger than {MAX_BYTES} bytes"));
        }
        return response.text().await.map_err(|e| format!("GET {uri}: {e}"));
    }
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    if path.is_empty() {
        return Err("empty URI".into());
    }
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    if meta.len() > MAX_BYTES {
        return Err(format!("{path}: larger than {MAX_BYTES} bytes"));
    }
    tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("{path}: {e}"))
}

/// Parses a result dump (`@openzeppelin/merkle-tree` format over `(uint256, bytes)`) and checks it against the
/// committed root and the task's leaf count.
pub(crate) fn parse_results(text: &str, root: B256, leaf_count: u64) -> Result<LeafData, String> {
    let tree = IndexedTree::from_json(text).map_err(|e| format!("not a result dump: {e}"))?;
    check(LeafData::from_tree(tree)?, root, leaf_count)
}

/// Parses task inputs: a Merkle dump, or a JSON array of hex strings (what `sonm map post` accepts), and checks
/// them against the task's input root and leaf count.
pub(crate) fn parse_inputs(text: &str, root: B256, leaf_count: u64) -> Result<LeafData, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let data = if json.is_object() {
        let tree = IndexedTree::from_json(text).map_err(|e| format!("not an input dump: {e}"))?;
        return check(LeafData::from_tree(tree)?, root, leaf_count);
    } else {
        json.as_array()
            .ok_or("expected a Merkle dump or a JSON array of hex strings")?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .and_then(|s| alloy::hex::decode(s).ok())
                    .map(Bytes::from)
                    .ok_or_else(|| format!("input {i} is not a hex string"))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let tree = IndexedTree::from_data(data, BuildOptions::default()).map_err(|e| e.to_string())?;
    check(LeafData::from_tree(tree)?, root, leaf_count)
}

fn check(data: LeafData, root: B256, leaf_count: u64) -> Result<LeafData, String> {
    if data.len() != leaf_count {
        return Err(format!("{} leaves, the task has {leaf_count}", data.len()));
    }
    if data.root() != root {
        return Err(format!("root {} is not the committed {root}", data.root()));
    }
    Ok(data)
}

/// `U256` to `u64`, for indices and counts read from the chain.
pub(crate) fn u64_of(v: U256) -> Option<u64> {
    u64::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: u8) -> IndexedTree {
        IndexedTree::from_data((0..n).map(|i| vec![i; 3]), BuildOptions::default()).expect("tree")
    }

    #[test]
    fn a_dump_is_checked_against_root_and_count() {
        let t = tree(5);
        let json = t.to_json();
        let d = parse_results(&json, t.root(), 5).expect("valid");
        assert_eq!(d.data[3].as_ref(), &[3, 3, 3]);
        assert!(sonm_merkle::verify_proof(
            t.root(),
            t.leaf(d.position[3]).expect("leaf"),
            &d.proof(3).expect("proof")
        ));
        assert!(
            parse_results(&json, B256::ZERO, 5)
                .expect_err("root")
                .contains("is not the committed")
        );
        assert!(
            parse_results(&json, t.root(), 6)
                .expect_err("count")
                .contains("5 leaves")
        );
        assert!(parse_results("{}", t.root(), 5).is_err());
        assert!(parse_results("garbage", t.root(), 5).is_err());
    }

    #[test]
    fn inputs_may_be_a_hex_array() {
        let t = tree(2);
        let text = r#"["0x000000", "0x010101"]"#;
        let d = parse_inputs(text, t.root(), 2).expect("valid");
        assert_eq!(d.data[1].as_ref(), &[1, 1, 1]);
        assert!(
            parse_inputs(r#"["zz"]"#, t.root(), 1)
                .expect_err("hex")
                .contains("not a hex string")
        );
    }

    #[test]
    fn a_sonm_uri_is_a_multiaddr_with_its_peer_and_a_root() {
        let peer = sonm_net::PeerId::random();
        let root = B256::repeat_byte(0xab);
        let (addr, p, r) =
            parse_sonm_uri(&format!("/ip4/127.0.0.1/tcp/4001/p2p/{peer}/{root}")).expect("valid");
        assert_eq!((p, r), (peer, root));
        assert_eq!(
            addr.to_string(),
            format!("/ip4/127.0.0.1/tcp/4001/p2p/{peer}")
        );
        for bad in [
            format!("/ip4/127.0.0.1/tcp/4001/{root}"),
            format!("/ip4/127.0.0.1/tcp/4001/p2p/{peer}/0x12"),
            format!("nonsense/{root}"),
            root.to_string(),
        ] {
            assert!(parse_sonm_uri(&bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_missing_file_is_an_error_not_a_panic() {
        let http = reqwest::Client::new();
        let err = fetch("/nonexistent/sonm/results.json", &http)
            .await
            .expect_err("missing");
        assert!(err.contains("/nonexistent/sonm/results.json"), "{err}");
        assert!(fetch("", &http).await.is_err());
        assert!(fetch("http://127.0.0.1:1/x.json", &http).await.is_err());
    }
}
