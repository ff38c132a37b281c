//! Generates the `sol!` bindings from Foundry's canonical artifacts (`out/<File>.sol/<Contract>.json`).
//!
//! The list below is the one place that says which contracts the toolkit binds. For each artifact this script
//! tells cargo to rerun when it changes (the `sol!` expansion also `include_bytes!`es it), so a contract change is
//! always compiled into the Rust side; a contract whose ABI changed under the Rust code fails to compile. A missing
//! artifact fails the build with one line saying what to run.

use std::collections::{BTreeMap, BTreeSet};
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
        "ComputationRegistry",
        "The computations whose code is checked pure (an opcode allow-list) and whose code hash is pinned.",
    ),
    (
        "MapGame",
        "The verification game for map tasks: post, claim, commit, challenge, finalize.",
    ),
    (
        "Market",
        "The market: hubs' EIP-712 offers, taken by buyers as deals of the map game; hub histories.",
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
            // `cargo::error` makes cargo print the line as the build's error, without the script's output.
            println!("cargo::error={line}");
            ExitCode::SUCCESS
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
    // Checked before anything is printed, so that a missing artifact is all cargo shows. A failed script always
    // reruns, so no rerun-if-changed is needed for the artifact that is not there yet.
    if let Some(contract) = CONTRACTS
        .iter()
        .map(|(contract, _)| contract)
        .find(|c| !root.join(format!("out/{c}.sol/{c}.json")).is_file())
    {
        return Err(format!(
            "missing Foundry artifact out/{contract}.sol/{contract}.json: {HINT}"
        ));
    }
    println!("cargo:rerun-if-changed=build.rs");

    let generated = out_dir.join("artifacts");
    fs::create_dir_all(&generated)
        .map_err(|e| format!("cannot create {}: {e}", generated.display()))?;
    let mut code = String::new();
    let mut list = String::new();
    let mut abis = String::new();
    let mut sources = Vec::new();
    for (contract, doc) in CONTRACTS {
        let relative = format!("out/{contract}.sol/{contract}.json");
        let artifact = root.join(&relative);
        println!("cargo:rerun-if-changed={}", artifact.display());
        let text =
            fs::read_to_string(&artifact).map_err(|e| format!("cannot read {relative}: {e}"))?;
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| format!("malformed Foundry artifact {relative} ({e}): {HINT}"))?;
        warn_if_stale(&root, &artifact, &json, &relative);
        sources.extend(compilation_target(&json).map(|source| root.join(source)));
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

    let enums = enums(&root, sources);
    let table: String = enums
        .iter()
        .map(|(name, variants)| format!("    ({name:?}, &{variants:?}),\n"))
        .collect();
    writeln!(
        code,
        "/// Every enum the bound contracts' sources declare, by the name the ABI's `internalType` gives it\n\
         /// (`HubState`, `IMapGame.TaskStatus`), with its variants in order.\n\
         pub(crate) const ENUMS: &[(&str, &[&str])] = &[\n{table}];"
    )
    .ok();

    code.push_str(&rust_enums(&enums));

    fs::write(out_dir.join("contracts.rs"), code)
        .map_err(|e| format!("cannot write the bindings: {e}"))?;
    Ok(())
}

/// Every enum of the sources as a Rust enum (`solidity_enum!`, defined in `lib.rs`) in module `enums`, nested in a
/// module named after its contract, interface or library as the ABI qualifies it: `enums::IMapGame::TaskStatus`,
/// `enums::HubState`. An enum whose variants are not all plain identifiers is left out (the ABI decoding of errors
/// still names it through `ENUMS`).
fn rust_enums(enums: &BTreeMap<String, Vec<String>>) -> String {
    let plain = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // Container (none at file level) -> (qualified name, name, variants).
    type Declared<'a> = (&'a str, &'a str, &'a [String]);
    let mut nested: BTreeMap<Option<&str>, Vec<Declared<'_>>> = BTreeMap::new();
    for (qualified, variants) in enums {
        let (container, name) = match qualified.split_once('.') {
            Some((container, name)) => (Some(container), name),
            None => (None, qualified.as_str()),
        };
        if plain(name)
            && container.is_none_or(plain)
            && (1..=256).contains(&variants.len())
            && variants.iter().all(|v| plain(v))
        {
            nested
                .entry(container)
                .or_default()
                .push((qualified, name, variants));
        }
    }
    let mut out = String::from(
        "/// The enums of the bound contracts' sources as Rust enums, by the module of the contract, interface or\n\
         /// library declaring them (`enums::IMapGame::TaskStatus`; file-level ones directly: `enums::HubState`).\n\
         /// Struct fields and event data keep the ABI's `uint8`: compare with `==` either way, or convert with\n\
         /// `TryFrom<u8>`.\n\
         pub mod enums {\n",
    );
    for (container, items) in nested {
        if let Some(container) = container {
            let _ = writeln!(
                out,
                "    /// Enums declared in `{container}`.\n    #[allow(non_snake_case)]\n    pub mod {container} {{"
            );
        }
        for (qualified, name, variants) in items {
            let _ = writeln!(
                out,
                "    crate::solidity_enum!(\n        /// `{qualified}`, as its Solidity source declares it.\n        {name}, {qualified:?}, [{}]\n    );",
                variants.join(", ")
            );
        }
        if container.is_some() {
            out.push_str("    }\n");
        }
    }
    out.push_str("}\n");
    out
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

/// The source file an artifact was compiled from.
fn compilation_target(json: &Value) -> Option<&str> {
    let target = json
        .pointer("/metadata/settings/compilationTarget")?
        .as_object()?;
    target.keys().next().map(String::as_str)
}

/// The enums declared in `sources` and every file they import, transitively: the ABI carries an enum as a bare
/// `uint8`, the variants' names are only in the source. Each file read is watched, so a renamed variant is picked
/// up. A name declared twice with different variants is left out rather than guessed.
fn enums(root: &Path, mut pending: Vec<PathBuf>) -> BTreeMap<String, Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut found: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    while let Some(file) = pending.pop() {
        let Ok(file) = file.canonicalize() else {
            continue;
        };
        if !seen.insert(file.clone()) {
            continue;
        }
        println!("cargo:rerun-if-changed={}", file.display());
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let tokens = tokens(&strip_comments(&text));
        for import in imports(&tokens) {
            let base = if import.starts_with('.') {
                file.parent().unwrap_or(root)
            } else {
                root
            };
            let candidates = [base.join(&import), root.join("node_modules").join(&import)];
            pending.extend(candidates.into_iter().filter(|p| p.is_file()).take(1));
        }
        for (name, variants) in declared_enums(&tokens) {
            let entry = found.entry(name).or_insert_with(|| Some(variants.clone()));
            if entry.as_ref().is_some_and(|known| *known != variants) {
                *entry = None;
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(name, variants)| Some((name, variants?)))
        .collect()
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                out.push('\n');
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            ('"', _) | ('\'', _) => {
                // A string literal, kept whole (import paths are strings) as one token.
                let mut lit = String::from(c);
                while let Some(d) = chars.next() {
                    lit.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            lit.push(e);
                        }
                    } else if d == c {
                        break;
                    }
                }
                out.push_str(&lit);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Identifiers, string literals and single punctuation characters.
fn tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut word = String::new();
            while let Some(&d) = chars.peek() {
                if !(d.is_alphanumeric() || d == '_' || d == '$') {
                    break;
                }
                word.push(d);
                chars.next();
            }
            tokens.push(word);
        } else if c == '"' || c == '\'' {
            let mut lit = String::new();
            chars.next();
            while let Some(d) = chars.next() {
                if d == '\\' {
                    chars.next();
                } else if d == c {
                    break;
                } else {
                    lit.push(d);
                }
            }
            tokens.push(format!("\"{lit}"));
        } else {
            tokens.push(c.to_string());
            chars.next();
        }
    }
    tokens
}

/// The paths of `import ... "path";` statements.
fn imports(tokens: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "import" {
            let end = tokens[i..]
                .iter()
                .position(|t| t == ";")
                .map_or(tokens.len(), |p| i + p);
            out.extend(
                tokens[i..end]
                    .iter()
                    .filter_map(|t| t.strip_prefix('"'))
                    .map(str::to_owned),
            );
            i = end;
        }
        i += 1;
    }
    out
}

/// `(qualified name, variants)` of each `enum` declaration, qualified by its contract, interface or library (as
/// solc writes `internalType`), bare at file level.
fn declared_enums(tokens: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut container: Option<(String, usize)> = None;
    let mut pending_container: Option<String> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        match t {
            "contract" | "interface" | "library" if depth == 0 => {
                pending_container = tokens.get(i + 1).cloned();
            }
            "enum" => {
                if let (Some(name), Some("{")) =
                    (tokens.get(i + 1), tokens.get(i + 2).map(String::as_str))
                {
                    let close = tokens[i..]
                        .iter()
                        .position(|t| t == "}")
                        .map_or(tokens.len(), |p| i + p);
                    let variants: Vec<String> = tokens[i + 3..close]
                        .iter()
                        .filter(|t| t.as_str() != ",")
                        .cloned()
                        .collect();
                    let qualified = match &container {
                        Some((c, _)) => format!("{c}.{name}"),
                        None => name.clone(),
                    };
                    out.push((qualified, variants));
                    i = close + 1;
                    continue;
                }
            }
            "{" => {
                depth += 1;
                if let Some(name) = pending_container.take() {
                    container = Some((name, depth));
                }
            }
            "}" => {
                if container.as_ref().is_some_and(|(_, d)| *d == depth) {
                    container = None;
                }
                depth = depth.saturating_sub(1);
            }
            ";" if depth == 0 => pending_container = None,
            _ => {}
        }
        i += 1;
    }
    out
}

/// A source newer than its artifact means `forge build` was not run since the last edit. Only a warning: forge
/// skips rewriting an artifact whose source content did not change, so a touched file would be a false alarm.
fn warn_if_stale(root: &Path, artifact: &Path, json: &Value, relative: &str) {
    let Some(source) = compilation_target(json) else {
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
