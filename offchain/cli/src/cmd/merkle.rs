//! `sonm merkle`: OpenZeppelin StandardMerkleTrees from the command line (over sonm-merkle).
//!
//! Input files are one of: a tree dump (`@openzeppelin/merkle-tree`'s `standard-v1`), `{"leafEncoding": [...],
//! "values": [[...], ...]}`, a JSON array of leaves (`[[...], ...]`, with `--encoding`), or a JSON array of hex
//! strings, which become the project's `(uint256 index, bytes data)` leaves.

use std::path::{Path, PathBuf};

use alloy::primitives::B256;
use clap::{Args, Subcommand};
use eyre::{Result, eyre};
use serde_json::{Value, json};
use sonm_merkle::json::{from_json_seq, parse_types, to_json};
use sonm_merkle::{BuildOptions, DynSolValue, DynTree, IndexedLeaf, U256, verify_proof};

use crate::ui::Output;

#[derive(Debug, Subcommand)]
pub(crate) enum MerkleCmd {
    /// Build a tree and write its dump (the npm package's format).
    Build(BuildArgs),
    /// Print a tree's root.
    Root(RootArgs),
    /// Print the proof of the value at an index.
    Proof(ProofArgs),
    /// Verify a proof against a root, or check a whole dump (every node, and its root if given).
    Verify(VerifyArgs),
}

impl MerkleCmd {
    /// Needs no node.
    pub(crate) fn run(self) -> Result<Output> {
        match self {
            Self::Build(a) => a.run(),
            Self::Root(a) => a.run(),
            Self::Proof(a) => a.run(),
            Self::Verify(a) => a.run(),
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// Values file (see `sonm merkle --help`), or a dump to rebuild.
    file: PathBuf,
    /// Leaf encoding for a plain array of leaves, comma-separated Solidity types.
    #[arg(long, value_delimiter = ',', default_value = "uint256,bytes")]
    encoding: Vec<String>,
    /// Keep the leaves in input order (the npm package's `sortLeaves: false`).
    #[arg(long)]
    unsorted: bool,
    /// Where to write the dump (default: stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

impl BuildArgs {
    fn run(self) -> Result<Output> {
        let options = BuildOptions::default().sort_leaves(!self.unsorted);
        let tree = load(&self.file, &self.encoding, options)?;
        let dump = tree.to_json();
        let root = tree.root();
        match self.out {
            Some(path) => {
                std::fs::write(&path, &dump)
                    .map_err(|e| eyre!("cannot write {}: {e}", path.display()))?;
                Ok(Output::new(
                    format!(
                        "root {root}\n{} leaves, dump written to {}",
                        tree.len(),
                        path.display()
                    ),
                    json!({"root": root, "leaves": tree.len(), "dump": path}),
                ))
            }
            None => {
                let value: Value = serde_json::from_str(&dump)?;
                Ok(Output::new(dump, value))
            }
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct RootArgs {
    /// Values file or dump.
    file: PathBuf,
    /// Leaf encoding for a plain array of leaves.
    #[arg(long, value_delimiter = ',', default_value = "uint256,bytes")]
    encoding: Vec<String>,
}

impl RootArgs {
    fn run(self) -> Result<Output> {
        let tree = load(&self.file, &self.encoding, BuildOptions::default())?;
        Ok(Output::new(
            tree.root().to_string(),
            json!({"root": tree.root(), "leaves": tree.len()}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ProofArgs {
    /// Values file or dump.
    file: PathBuf,
    /// The value's index (in the input order).
    #[arg(long)]
    index: usize,
    /// Leaf encoding for a plain array of leaves.
    #[arg(long, value_delimiter = ',', default_value = "uint256,bytes")]
    encoding: Vec<String>,
}

impl ProofArgs {
    fn run(self) -> Result<Output> {
        let index = self.index;
        let tree = load(&self.file, &self.encoding, BuildOptions::default())?;
        let proof = tree.proof(index)?;
        let leaf = tree.leaf(index)?;
        let value = tree.value(index).map(to_json).unwrap_or(Value::Null);
        let text = format!(
            "root  {}\nleaf  {leaf}\nvalue {value}\nproof {}",
            tree.root(),
            proof
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        Ok(Output::new(
            text,
            json!({"root": tree.root(), "index": index, "leaf": leaf, "value": value, "proof": proof}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A dump to check instead of a single proof.
    #[arg(long, conflicts_with_all = ["leaf", "proof"])]
    dump: Option<PathBuf>,
    /// The expected root.
    #[arg(long)]
    root: Option<B256>,
    /// The leaf hash.
    #[arg(long, requires = "root")]
    leaf: Option<B256>,
    /// The proof's hashes, in order (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    proof: Vec<B256>,
}

impl VerifyArgs {
    fn run(self) -> Result<Output> {
        if let Some(path) = self.dump {
            let text = read(&path)?;
            let tree = DynTree::from_json(&text)
                .map_err(|e| eyre!("malformed dump {}: {e}", path.display()))?;
            if let Some(root) = self.root {
                tree.check_root(root)?;
            }
            return Ok(Output::new(
                format!("valid dump: {} leaves, root {}", tree.len(), tree.root()),
                json!({"valid": true, "root": tree.root(), "leaves": tree.len()}),
            ));
        }
        let (Some(root), Some(leaf)) = (self.root, self.leaf) else {
            return Err(eyre!("give --root, --leaf and --proof, or --dump FILE"));
        };
        if !verify_proof(root, leaf, &self.proof) {
            return Err(eyre!(
                "the proof does not verify: leaf {leaf} is not under root {root} with this proof"
            ));
        }
        Ok(Output::new(
            "valid proof",
            json!({"valid": true, "root": root, "leaf": leaf}),
        ))
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| eyre!("cannot read {}: {e}", path.display()))
}

/// Loads any of the accepted input files as a tree.
fn load(path: &Path, encoding: &[String], options: BuildOptions) -> Result<DynTree> {
    let text = read(path)?;
    let malformed = |reason: String| eyre!("malformed {}: {reason}", path.display());
    let json: Value =
        serde_json::from_str(&text).map_err(|e| malformed(format!("not JSON ({e})")))?;
    if json.get("format").is_some() || json.get("tree").is_some() {
        return DynTree::from_json(&text).map_err(|e| malformed(e.to_string()));
    }
    let (encoding, values): (Vec<String>, &Value) = match &json {
        Value::Object(obj) => {
            let enc = obj
                .get("leafEncoding")
                .and_then(Value::as_array)
                .ok_or_else(|| malformed("an object needs \"leafEncoding\" and \"values\"".into()))?
                .iter()
                .map(|t| {
                    t.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| malformed("leafEncoding must be strings".into()))
                })
                .collect::<Result<_>>()?;
            let values = obj
                .get("values")
                .ok_or_else(|| malformed("an object needs \"values\"".into()))?;
            (enc, values)
        }
        Value::Array(_) => (encoding.to_vec(), &json),
        _ => {
            return Err(malformed(
                "expected a dump, an object with values, or an array".into(),
            ));
        }
    };
    let items = values
        .as_array()
        .ok_or_else(|| malformed("\"values\" must be an array".into()))?;
    if items.is_empty() {
        return Err(malformed("no values: a tree needs at least one".into()));
    }
    let types = parse_types(&encoding).map_err(|e| malformed(e.to_string()))?;
    let leaves = if items.iter().all(Value::is_string) {
        // Plain data: the project's (index, data) leaves.
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let s = v.as_str().unwrap_or_default();
                let data = alloy::hex::decode(s)
                    .map_err(|_| malformed(format!("value {i} is not hex data: {s:?}")))?;
                let leaf = IndexedLeaf::new(i as u64, data);
                Ok(DynSolValue::Tuple(vec![
                    DynSolValue::Uint(U256::from(i), 256),
                    DynSolValue::Bytes(leaf.data.to_vec()),
                ]))
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                from_json_seq(&types, v)
                    .map(DynSolValue::Tuple)
                    .map_err(|e| malformed(format!("value {i}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?
    };
    let encoding = if items.iter().all(Value::is_string) {
        IndexedLeaf::ENCODING
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        encoding
    };
    Ok(DynTree::of(leaves, &encoding, options)?)
}
