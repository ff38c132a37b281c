//! `sonm token`: SNM balances, transfers and vote delegation.

use alloy::primitives::{Address, U256};
use clap::{Args, Subcommand};
use eyre::Result;
use serde_json::json;
use sonm_agents::{AgentError, Token};

use super::{connect, parse_address, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCmd {
    /// SNM balance and votes of an account (default: the signer).
    Balance(BalanceArgs),
    /// Send SNM (the balance is checked first).
    Transfer(TransferArgs),
    /// Delegate the signer's votes (to itself by default: needed before voting with one's own SNM).
    Delegate(DelegateArgs),
}

impl TokenCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Balance(a) => a.run(g).await,
            Self::Transfer(a) => a.run(g).await,
            Self::Delegate(a) => a.run(g).await,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct BalanceArgs {
    /// The account.
    #[arg(value_parser = parse_address)]
    account: Option<Address>,
}

impl BalanceArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let token = Token::new(&client)?;
        let who = match self.account {
            Some(a) => a,
            None => client.sender().map_err(|_| {
                AgentError::Invalid(
                    "give an account, or a key (SONM_PRIVATE_KEY or --keystore)".into(),
                )
            })?,
        };
        let balance = token.balance(who).await?;
        let votes = token.votes(who).await?;
        let delegate = token.delegates(who).await?;
        Ok(Output::new(
            format!(
                "{who}: {} SNM, {} votes, delegating to {delegate}",
                snm(balance),
                snm(votes)
            ),
            json!({"account": who, "balance": balance.to_string(), "votes": votes.to_string(), "delegate": delegate}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    /// The recipient.
    #[arg(value_parser = parse_address)]
    to: Address,
    /// Decimal SNM.
    #[arg(value_parser = parse_amount)]
    amount: U256,
}

impl TransferArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (to, amount) = (self.to, self.amount);
        let client = connect(g).await?;
        let tx = spin("transferring", Token::new(&client)?.transfer(to, amount)).await?;
        Ok(Output::new(
            format!("sent {} SNM to {to} (tx {tx})", snm(amount)),
            json!({"to": to, "amount": amount.to_string(), "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct DelegateArgs {
    /// The delegate.
    #[arg(value_parser = parse_address)]
    to: Option<Address>,
}

impl DelegateArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let to = match self.to {
            Some(a) => a,
            None => client.sender()?,
        };
        let tx = spin("delegating", Token::new(&client)?.delegate(to)).await?;
        Ok(Output::new(
            format!("votes delegated to {to} (tx {tx})"),
            json!({"delegate": to, "tx": tx}),
        ))
    }
}
