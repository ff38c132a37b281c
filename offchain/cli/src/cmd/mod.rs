//! The commands, one module per group, and what they share: keys, connection, argument parsers. Each command is an
//! `…Args` struct (its flags) with its own `run`; a group's enum only dispatches to them.

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use eyre::Result;
use sonm_agents::keys::{
    KEYSTORE_PASSWORD_ENV, PRIVATE_KEY_ENV, signer_from_hex, signer_from_keystore,
};
use sonm_agents::{AgentError, Client};

use crate::{Global, ui};

pub(crate) mod buy;
pub(crate) mod chain;
pub(crate) mod computation;
pub(crate) mod dao;
pub(crate) mod demo;
pub(crate) mod deploy;
pub(crate) mod hub;
pub(crate) mod map;
pub(crate) mod market;
pub(crate) mod merkle;
pub(crate) mod miner;
pub(crate) mod token;
pub(crate) mod watch;

/// The signer: the keystore if given, else `SONM_PRIVATE_KEY`, else none (read-only commands).
pub(crate) fn signer(g: &Global) -> Result<Option<PrivateKeySigner>, AgentError> {
    if let Some(path) = &g.keystore {
        let password = match std::env::var(KEYSTORE_PASSWORD_ENV) {
            Ok(p) => p,
            Err(_) => rpassword::prompt_password(format!("password for {}: ", path.display())).map_err(|e| {
                AgentError::BadKey(format!(
                    "cannot read the keystore password ({e}): set {KEYSTORE_PASSWORD_ENV} when there is no terminal"
                ))
            })?,
        };
        return signer_from_keystore(path, &password).map(Some);
    }
    match std::env::var(PRIVATE_KEY_ENV) {
        Ok(key) if !key.trim().is_empty() => signer_from_hex(&key).map(Some),
        _ => Ok(None),
    }
}

/// Connects to the node and reads the deployment for its chain.
pub(crate) async fn connect(g: &Global) -> Result<Client> {
    let signer = signer(g)?;
    let client = ui::spin(
        format!("connecting to {}", g.rpc_url),
        Client::connect(&g.rpc_url, signer, &g.deployments),
    )
    .await?;
    Ok(client)
}

/// clap parser for an address.
pub(crate) fn parse_address(s: &str) -> Result<Address, String> {
    s.trim()
        .parse::<Address>()
        .map_err(|_| "not an address: expected 0x followed by 40 hex digits".to_owned())
}

/// clap parser for an SNM amount in decimal SNM.
pub(crate) fn parse_amount(s: &str) -> Result<U256, String> {
    sonm_agents::units::parse_snm(s).map_err(|e| e.to_string())
}

/// clap parser for a uint256 in decimal or 0x hex.
pub(crate) fn parse_u256(s: &str) -> Result<U256, String> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => U256::from_str_radix(hex, 16),
        None => U256::from_str_radix(s, 10),
    }
    .map_err(|_| "not a uint256: give a decimal number or 0x hex".to_owned())
}

/// Decimal SNM.
pub(crate) fn snm(v: U256) -> String {
    sonm_agents::units::format_snm(v)
}
