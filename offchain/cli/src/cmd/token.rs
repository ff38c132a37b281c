//! `sonm token`: SNM balances, transfers and vote delegation.

use alloy::primitives::{Address, U256};
use clap::Subcommand;
use eyre::Result;
use serde_json::json;
use sonm_agents::{AgentError, Token};

use super::{connect, parse_address, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCmd {
    /// SNM balance and votes of an account (default: the signer).
    Balance {
        /// The account.
        #[arg(value_parser = parse_address)]
        account: Option<Address>,
    },
    /// Send SNM (the balance is checked first).
    Transfer {
        /// The recipient.
        #[arg(value_parser = parse_address)]
        to: Address,
        /// Decimal SNM.
        #[arg(value_parser = parse_amount)]
        amount: U256,
    },
    /// Delegate the signer's votes (to itself by default: needed before voting with one's own SNM).
    Delegate {
        /// The delegate.
        #[arg(value_parser = parse_address)]
        to: Option<Address>,
    },
}

pub(crate) async fn run(g: &Global, cmd: TokenCmd) -> Result<Output> {
    let client = connect(g).await?;
    let token = Token::new(&client)?;
    match cmd {
        TokenCmd::Balance { account } => {
            let who = match account {
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
        TokenCmd::Transfer { to, amount } => {
            let tx = spin("transferring", token.transfer(to, amount)).await?;
            Ok(Output::new(
                format!("sent {} SNM to {to} (tx {tx})", snm(amount)),
                json!({"to": to, "amount": amount.to_string(), "tx": tx}),
            ))
        }
        TokenCmd::Delegate { to } => {
            let to = match to {
                Some(a) => a,
                None => client.sender()?,
            };
            let tx = spin("delegating", token.delegate(to)).await?;
            Ok(Output::new(
                format!("votes delegated to {to} (tx {tx})"),
                json!({"delegate": to, "tx": tx}),
            ))
        }
    }
}
