//! `sonm deploy`: runs the one deploy definition (`script/Deploy.s.sol`) with forge and prints the addresses.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use alloy::primitives::Address;
use alloy::providers::Provider as _;
use clap::Args;
use eyre::{Result, eyre};
use serde_json::json;
use sonm_agents::Client;
use sonm_bindings::{Contract, Deployment};

use super::signer;
use crate::Global;
use crate::ui::{Output, spin};

const NO_FORGE: &str = "forge is not installed or not on PATH: run `make demo` once or `npm ci`, then put node_modules/.bin on PATH";

#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// The repository (the directory holding foundry.toml and script/Deploy.s.sol); default: found from the
    /// current directory upwards.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Deploy as this unlocked account of the node (a dev node such as anvil); default with no key: its first
    /// account.
    #[arg(long, value_parser = super::parse_address)]
    sender: Option<Address>,
}

impl DeployArgs {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        deploy(g, self).await
    }
}

async fn deploy(g: &Global, args: DeployArgs) -> Result<Output> {
    let root = match args.root {
        Some(root) => root,
        None => find_root()?,
    };
    if !root.join("script/Deploy.s.sol").is_file() {
        return Err(eyre!(
            "{} has no script/Deploy.s.sol: pass --root with the sonm repository",
            root.display()
        ));
    }
    if !forge_on_path() {
        return Err(eyre!(NO_FORGE));
    }
    let signer = signer(g)?;
    let (provider, chain_id, _) = Client::provider(&g.rpc_url, signer.clone()).await?;

    let mut cmd = tokio::process::Command::new("forge");
    cmd.current_dir(&root)
        .args([
            "script",
            "script/Deploy.s.sol",
            "--broadcast",
            // One transaction at a time, each after the previous one's receipt (no nonce gap if a submission is lost).
            "--slow",
            "--rpc-url",
            &g.rpc_url,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Kept alive until forge is done: the keystore password file.
    let mut password_file = None;
    if let Some(path) = &g.keystore {
        let password = std::env::var(sonm_agents::keys::KEYSTORE_PASSWORD_ENV).unwrap_or_default();
        let file = write_secret(&password)?;
        cmd.arg("--keystore")
            .arg(path)
            .arg("--password-file")
            .arg(&file.0);
        password_file = Some(file);
    } else if let Some(signer) = &signer {
        cmd.arg("--private-key")
            .arg(alloy::hex::encode_prefixed(signer.to_bytes()));
    } else {
        let sender = match args.sender {
            Some(s) => s,
            None => {
                let accounts = provider.get_accounts().await.unwrap_or_default();
                *accounts.first().ok_or_else(|| {
                    eyre!("no key to deploy with and the node has no unlocked account: set SONM_PRIVATE_KEY or --keystore")
                })?
            }
        };
        cmd.args(["--unlocked", "--sender"]).arg(sender.to_string());
    }
    let child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => eyre!(NO_FORGE),
        _ => eyre!("cannot run forge: {e}"),
    })?;
    let output = spin(
        "deploying with forge script (it compiles first; may take a minute)",
        child.wait_with_output(),
    )
    .await
    .map_err(|e| eyre!("forge failed to run: {e}"))?;
    drop(password_file);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stderr
            .lines()
            .chain(stdout.lines())
            .map(str::trim)
            .find(|l| l.starts_with("Error") || l.contains("error"))
            .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("no output");
        return Err(eyre!(
            "forge script failed: {line} (rerun `forge script script/Deploy.s.sol` in {} for the full log)",
            root.display()
        ));
    }

    let written = Deployment::load(&root.join("deployments"), chain_id)?;
    let target = Deployment::path(&g.deployments, chain_id);
    let source = Deployment::path(&root.join("deployments"), chain_id);
    if !same_file(&source, &target) {
        std::fs::create_dir_all(&g.deployments)
            .map_err(|e| eyre!("cannot create {}: {e}", g.deployments.display()))?;
        std::fs::copy(&source, &target)
            .map_err(|e| eyre!("cannot write {}: {e}", target.display()))?;
    }
    let mut text = format!("deployed on chain {chain_id} ({}):", target.display());
    let mut contracts = serde_json::Map::new();
    for c in Contract::ALL {
        let address = written.contracts.get(*c);
        if !address.is_zero() {
            text.push_str(&format!("\n  {:<20} {address}", c.name()));
        }
        contracts.insert(c.name().to_owned(), json!(address));
    }
    Ok(Output::new(
        text,
        json!({"formatVersion": written.format_version, "chainId": chain_id, "startBlock": written.start_block, "deployer": written.deployer, "file": target, "contracts": contracts}),
    ))
}

fn find_root() -> Result<PathBuf> {
    let cwd =
        std::env::current_dir().map_err(|e| eyre!("cannot read the current directory: {e}"))?;
    cwd.ancestors()
        .find(|d| d.join("foundry.toml").is_file() && d.join("script/Deploy.s.sol").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| eyre!("not inside the sonm repository (no foundry.toml with script/Deploy.s.sol above {}): cd into it or pass --root", cwd.display()))
}

fn forge_on_path() -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join("forge").is_file()))
        .unwrap_or(false)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A temporary file only the user can read, removed on drop.
struct Secret(PathBuf);

impl Drop for Secret {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write_secret(content: &str) -> Result<Secret> {
    let path =
        std::env::temp_dir().join(format!("sonm-pw-{}-{}", std::process::id(), rand_suffix()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options
        .open(&path)
        .map_err(|e| eyre!("cannot write a temporary password file: {e}"))?;
    f.write_all(content.as_bytes())
        .map_err(|e| eyre!("cannot write a temporary password file: {e}"))?;
    Ok(Secret(path))
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}
