//! Generates the `sol!` bindings from Foundry's canonical artifacts (`out/<File>.sol/<Contract>.json`).
//!
//! The list below is the one place that says which contracts the toolkit binds. For each artifact this script
//! tells cargo to rerun when it changes (the `sol!` expansion also `include_bytes!`es it), so a contract change is
//! always compiled into the Rust side; a contract whose ABI changed under the Rust code fails to compile. A missing
//! artifact fails the build with one line saying what to run.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

/// `(contract, what it is)`: the artifact is `out/<contract>.sol/<contract>.json`.
const CONTRACTS: &[(&str, &str)] = &[
    (
        "SonmToken",
        "The SNM token: ERC20 + ERC20Permit + ERC20Votes, the whole supply minted at deployment.",
    ),
    (
        "TimelockController",
        "OpenZeppelin's timelock: holds every privileged role, executes what the DAO passed.",
    ),
    (
        "SonmGovernor",
        "The DAO: an OpenZeppelin Governor over SNM votes, executing through the timelock.",
    ),
    (
        "ExpropriationVault",
        "Holds what a ban expropriates, releasing each deposit to the DAO after its freeze.",
    ),
    (
        "Whitelist",
        "The hub registry (\"Hubs Pool List\"): one record per hub wallet, ratings, trust.",
    ),
    (
        "HubWallet",
        "A hub's anti-fraud wallet (the implementation behind every EIP-1167 clone).",
    ),
    (
        "HubFactory",
        "Creates hub wallets as clones, initializes them and enters them in the whitelist.",
    ),
    (
        "JudgeHarness",
        "The judge, callable: one map leaf or chain step under the task's gas semantics.",
    ),
    (
        "MapGame",
        "The verification game for map tasks: post, claim, commit, challenge, finalize.",
    ),
    (
        "ChainGame",
        "The verification game for chain tasks: commit a final hash, bisection disputes.",
    ),
    (
        "IMapComputation",
        "The interface of a map computation (`compute(bytes) -> bytes`).",
    ),
    (
        "IChainComputation",
        "The interface of a chain computation (`step(bytes) -> bytes`).",
    ),
    (
        "MandelbrotRow",
        "Example map computation: one row of a Mandelbrot image.",
    ),
    (
        "MonteCarloPi",
        "Example map computation: a Monte-Carlo batch estimating pi.",
    ),
    (
        "KeccakChain",
        "Example chain computation: s(i+1) = keccak256(s(i)).",
    ),
];

const HINT: &str = "run `forge build` (or `make test`) first";

fn main() -> ExitCode {
    match generate() {
        Ok(()) => ExitCode::SUCCESS,
        Err(line) => {
            // Cargo prints a build script's stderr; one line is all a user needs.
            eprintln!("{line}");
            ExitCode::FAILURE
        }
    }
}

fn generate() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let root = repo_root(&manifest_dir).ok_or_else(|| {
        format!(
            "cannot find the repository root (a directory with foundry.toml) above {}",
            manifest_dir.display()
        )
    })?;
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    println!("cargo:rerun-if-changed=build.rs");

    let generated = out_dir.join("artifacts");
    fs::create_dir_all(&generated)
        .map_err(|e| format!("cannot create {}: {e}", generated.display()))?;
    let mut code = String::new();
    let mut list = String::new();
    let mut abis = String::new();
    for (contract, doc) in CONTRACTS {
        let relative = format!("out/{contract}.sol/{contract}.json");
        let artifact = root.join(&relative);
        // Emitted before the existence check: cargo then reruns this script once the artifact appears.
        println!("cargo:rerun-if-changed={}", artifact.display());
        if !artifact.is_file() {
            return Err(format!("missing Foundry artifact {relative}: {HINT}"));
        }
        let text =
            fs::read_to_string(&artifact).map_err(|e| format!("cannot read {relative}: {e}"))?;
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| format!("malformed Foundry artifact {relative} ({e}): {HINT}"))?;
        warn_if_stale(&root, &artifact, &json, &relative);
        let (for_sol, abi) =
            split_artifact(&json).ok_or_else(|| format!("{relative} has no ABI: {HINT}"))?;
        let sol_path = generated.join(format!("{contract}.json"));
        let abi_path = generated.join(format!("{contract}.abi.json"));
        fs::write(&sol_path, for_sol.to_string())
            .map_err(|e| format!("cannot write {}: {e}", sol_path.display()))?;
        fs::write(&abi_path, abi.to_string())
            .map_err(|e| format!("cannot write {}: {e}", abi_path.display()))?;

        let sol_path = sol_path.to_str().ok_or("non-UTF-8 OUT_DIR")?;
        let abi_path = abi_path.to_str().ok_or("non-UTF-8 OUT_DIR")?;
        let doc = format!("{doc}\n\nGenerated by `sol!` from `{relative}`.");
        writeln!(
            code,
            "alloy::sol!(\n    #[sol(rpc)]\n    #[derive(Debug, PartialEq, Eq)]\n    #[doc = {doc:?}]\n    {contract},\n    {sol_path:?}\n);\n"
        )
        .map_err(|e| e.to_string())?;
        writeln!(
            list,
            "    Artifact {{ contract: {contract:?}, path: {relative:?} }},"
        )
        .map_err(|e| e.to_string())?;
        writeln!(abis, "    ({contract:?}, include_str!({abi_path:?})),")
            .map_err(|e| e.to_string())?;
    }
    writeln!(
        code,
        "/// Every contract bound by this crate, with its artifact under the repository root."
    )
    .ok();
    writeln!(code, "pub const ARTIFACTS: &[Artifact] = &[\n{list}];").ok();
    writeln!(
        code,
        "/// The JSON ABI of every bound contract as Foundry wrote it (enum names included), by contract name.\n\
         pub(crate) const ABIS: &[(&str, &str)] = &[\n{abis}];"
    )
    .ok();

    fs::write(out_dir.join("contracts.rs"), code)
        .map_err(|e| format!("cannot write the bindings: {e}"))?;
    Ok(())
}

/// What `sol!` reads (the ABI, enums as plain `uint8`, and both bytecodes) and the untouched ABI.
///
/// `sol!` cannot yet resolve enum types declared in another contract or at file level when it reads a JSON ABI
/// ("unresolved custom type"); an enum is a `uint8` in the ABI, so the bindings take it as one. The untouched ABI
/// keeps the enum's name for error messages.
fn split_artifact(json: &Value) -> Option<(Value, Value)> {
    let abi = json.get("abi")?.clone();
    let mut plain = abi.clone();
    strip_enum_types(&mut plain);
    let mut for_sol = serde_json::Map::new();
    for_sol.insert("abi".into(), plain);
    for key in ["bytecode", "deployedBytecode"] {
        if let Some(code) = json.get(key) {
            for_sol.insert(key.into(), code.clone());
        }
    }
    Some((Value::Object(for_sol), abi))
}

fn strip_enum_types(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map
                .get("internalType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("enum "))
            {
                map.remove("internalType");
            }
            map.values_mut().for_each(strip_enum_types);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_enum_types),
        _ => {}
    }
}

/// The first ancestor of the crate holding `foundry.toml`.
fn repo_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("foundry.toml").is_file())
        .map(Path::to_path_buf)
}

/// A source newer than its artifact means `forge build` was not run since the last edit. Only a warning: forge
/// skips rewriting an artifact whose source content did not change, so a touched file would be a false alarm.
fn warn_if_stale(root: &Path, artifact: &Path, json: &Value, relative: &str) {
    let target = json
        .pointer("/metadata/settings/compilationTarget")
        .and_then(Value::as_object);
    let Some(source) = target.and_then(|t| t.keys().next()) else {
        return;
    };
    let source = root.join(source);
    let (Ok(src), Ok(art)) = (fs::metadata(&source), fs::metadata(artifact)) else {
        return;
    };
    if let (Ok(src), Ok(art)) = (src.modified(), art.modified())
        && src > art
    {
        println!(
            "cargo:warning={} is newer than {relative}: {HINT}",
            source.display()
        );
    }
}
