//! `sonm computation`: the computation registry, whose computations alone the games judge.

use alloy::primitives::Address;
use clap::{Args, Subcommand};
use eyre::Result;
use serde_json::json;
use sonm_agents::Computations;

use super::{connect, parse_address};
use crate::Global;
use crate::ui::{Output, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum ComputationCmd {
    /// Register a computation: the registry checks its code against its allow-list of pure opcodes and pins its
    /// code hash (anyone may; a computation registered already is left as it is). Prints the pinned hash.
    Register(RegisterArgs),
    /// Whether a computation is registered, its pinned and current code hashes.
    Show(ShowArgs),
}

impl ComputationCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Register(a) => a.run(g).await,
            Self::Show(a) => a.run(g).await,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// The computation's address.
    #[arg(value_parser = parse_address)]
    computation: Address,
}

impl RegisterArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let registry = Computations::new(&client)?;
        let r = spin(
            "checking the code and registering",
            registry.register(self.computation),
        )
        .await?;
        let text = match r.tx {
            Some(tx) => format!(
                "{} registered: code hash {} pinned (tx {tx})",
                r.computation, r.code_hash
            ),
            None => format!(
                "{} was registered already: code hash {} pinned",
                r.computation, r.code_hash
            ),
        };
        Ok(Output::new(
            text,
            json!({"computation": r.computation, "codeHash": r.code_hash, "tx": r.tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The computation's address.
    #[arg(value_parser = parse_address)]
    computation: Address,
}

impl ShowArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let registry = Computations::new(&client)?;
        let i = registry.show(self.computation).await?;
        let status = match (i.registered, i.intact) {
            (true, true) => format!(
                "registered, code hash {} pinned and unchanged: the games judge it",
                i.code_hash
            ),
            (true, false) => format!(
                "registered with code hash {}, but its code changed: the games no longer judge it",
                i.code_hash
            ),
            (false, _) => format!(
                "not registered: tasks cannot name it (`sonm computation register {}`)",
                i.computation
            ),
        };
        let code = if i.code_size == 0 {
            "none".to_owned()
        } else {
            format!("{} bytes, hash {}", i.code_size, i.current_code_hash)
        };
        Ok(Output::new(
            format!(
                "computation  {}\nregistry     {}\nstatus       {status}\ncode         {code}",
                i.computation,
                registry.address()
            ),
            json!({
                "computation": i.computation,
                "registry": registry.address(),
                "registered": i.registered,
                "intact": i.intact,
                "codeHash": i.code_hash,
                "currentCodeHash": i.current_code_hash,
                "codeSize": i.code_size,
            }),
        ))
    }
}
