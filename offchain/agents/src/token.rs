//! SNM: balances, transfers, exact approvals and vote delegation.

use alloy::primitives::{Address, B256, U256};
use alloy::providers::DynProvider;
use serde::Serialize;
use sonm_bindings::{Contract, SonmToken};
use tracing::info;

use crate::units::format_snm;
use crate::{AgentError, Client, Result};

/// What an approval did, for the user to see.
#[derive(Clone, Debug, Serialize)]
pub struct Approval {
    /// Who may spend.
    pub spender: Address,
    /// The allowance set (exactly what the call needs), in wei.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub amount: U256,
    /// The approval's transaction, `None` when the allowance already covered the amount.
    pub tx: Option<B256>,
}

impl Approval {
    /// One line saying what was approved.
    pub fn describe(&self) -> String {
        match self.tx {
            Some(tx) => format!(
                "approved {} SNM to {} (tx {tx})",
                format_snm(self.amount),
                self.spender
            ),
            None => format!(
                "allowance to {} already covers {} SNM",
                self.spender,
                format_snm(self.amount)
            ),
        }
    }
}

/// The SNM token of a deployment.
#[derive(Clone, Debug)]
pub struct Token {
    client: Client,
    token: SonmToken::SonmTokenInstance<DynProvider>,
}

impl Token {
    /// The deployment's token.
    pub fn new(client: &Client) -> Result<Self> {
        let address = client.address(Contract::SonmToken)?;
        Ok(Self {
            client: client.clone(),
            token: SonmToken::new(address, client.provider_ref().clone()),
        })
    }

    /// The token's address.
    pub fn address(&self) -> Address {
        *self.token.address()
    }

    /// `who`'s balance in wei.
    pub async fn balance(&self, who: Address) -> Result<U256> {
        self.token
            .balanceOf(who)
            .call()
            .await
            .map_err(|e| self.client.classify("balanceOf", &e))
    }

    /// What `owner` allows `spender` to take.
    pub async fn allowance(&self, owner: Address, spender: Address) -> Result<U256> {
        self.token
            .allowance(owner, spender)
            .call()
            .await
            .map_err(|e| self.client.classify("allowance", &e))
    }

    /// `who`'s current votes (delegated to it).
    pub async fn votes(&self, who: Address) -> Result<U256> {
        self.token
            .getVotes(who)
            .call()
            .await
            .map_err(|e| self.client.classify("getVotes", &e))
    }

    /// Whom `who` delegates its votes to.
    pub async fn delegates(&self, who: Address) -> Result<Address> {
        self.token
            .delegates(who)
            .call()
            .await
            .map_err(|e| self.client.classify("delegates", &e))
    }

    /// Fails with [`AgentError::InsufficientFunds`] unless `who` holds `amount`.
    pub async fn require_balance(&self, who: Address, amount: U256, what: &str) -> Result<()> {
        let have = self.balance(who).await?;
        if have < amount {
            return Err(AgentError::InsufficientFunds(format!(
                "{who} holds {} SNM, {what} needs {} SNM",
                format_snm(have),
                format_snm(amount)
            )));
        }
        Ok(())
    }

    /// Makes sure the sender allows `spender` at least `amount`: checks the balance, then approves exactly `amount`
    /// if the allowance falls short.
    pub async fn ensure_allowance(
        &self,
        spender: Address,
        amount: U256,
        what: &str,
    ) -> Result<Approval> {
        let owner = self.client.sender()?;
        self.require_balance(owner, amount, what).await?;
        if self.allowance(owner, spender).await? >= amount {
            return Ok(Approval {
                spender,
                amount,
                tx: None,
            });
        }
        let receipt = self
            .client
            .send("approve", self.token.approve(spender, amount))
            .await?;
        info!(%spender, amount = %format_snm(amount), "approved");
        Ok(Approval {
            spender,
            amount,
            tx: Some(receipt.transaction_hash),
        })
    }

    /// Sends `amount` to `to`, after checking the balance.
    pub async fn transfer(&self, to: Address, amount: U256) -> Result<B256> {
        let from = self.client.sender()?;
        self.require_balance(from, amount, "the transfer").await?;
        let receipt = self
            .client
            .send("transfer", self.token.transfer(to, amount))
            .await?;
        Ok(receipt.transaction_hash)
    }

    /// Delegates the sender's votes to `to` (itself to vote with its own tokens).
    pub async fn delegate(&self, to: Address) -> Result<B256> {
        let receipt = self
            .client
            .send("delegate", self.token.delegate(to))
            .await?;
        Ok(receipt.transaction_hash)
    }
}
