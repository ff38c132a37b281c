//! Hubs: the hub owner's wallet calls, the miner's claim, ratings and the registry's views.

use alloy::primitives::{Address, B256, U256};
use alloy::providers::DynProvider;
use serde::Serialize;
pub use sonm_bindings::enums::HubState;
use sonm_bindings::{Contract, HubFactory, HubWallet, IWhitelist, Whitelist};

use tracing::info;

use crate::token::{Approval, Token};
use crate::units::format_snm;
use crate::{AgentError, Client, Result};

/// The terms a hub wallet snapshotted at creation.
#[derive(Clone, Debug, Serialize)]
pub struct HubTerms {
    /// SNM (wei) frozen while registered.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub registration_freeze: U256,
    /// Part of each payout locked, in basis points.
    pub lock_bps: u16,
    /// Part of the locked funds sent to the DAO at PayDay, in basis points.
    pub dao_fee_bps: u16,
    /// Seconds from registration to PayDay.
    pub payout_period: u32,
    /// Seconds from suspicion to a possible ban.
    pub suspicion_period: u32,
    /// Seconds a banned hub's funds stay frozen at the vault.
    pub expropriation_freeze: u32,
    /// Seconds what PayDay unlocks cools in the wallet (cannot leave it; the DAO may still suspect the hub).
    pub pay_day_cool_down: u32,
}

/// A hub's record in the whitelist.
#[derive(Clone, Debug, Serialize)]
pub struct HubRecord {
    /// The wallet (the hub's address).
    pub hub: Address,
    /// The owner.
    pub owner: Address,
    /// Where miners reach it.
    pub endpoint: String,
    /// Its display name.
    pub name: String,
    /// Its state, as mirrored in the whitelist.
    pub state: HubState,
    /// Whether the DAO trusts it.
    pub trusted: bool,
    /// When it was created (unix seconds).
    pub created_at: u64,
    /// When it last registered (0 if never).
    pub registered_at: u64,
    /// Stake-weighted score, in hundredths of a point.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub rating: U256,
    /// SNM staked on its live ratings.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub rating_stake: U256,
    /// How many live ratings it has.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub raters: U256,
}

impl TryFrom<IWhitelist::HubRecord> for HubRecord {
    type Error = AgentError;

    fn try_from(r: IWhitelist::HubRecord) -> Result<Self> {
        Ok(Self {
            hub: r.wallet,
            owner: r.owner,
            endpoint: r.endpoint,
            name: r.name,
            state: HubState::try_from(r.status)?,
            trusted: r.trusted,
            created_at: r.createdAt.saturating_to(),
            registered_at: r.registeredAt.saturating_to(),
            rating: r.rating,
            rating_stake: r.ratingStake,
            raters: r.raters,
        })
    }
}

/// Everything about one hub: its record and its wallet's books.
#[derive(Clone, Debug, Serialize)]
pub struct HubInfo {
    /// The whitelist's record.
    #[serde(flatten)]
    pub record: HubRecord,
    /// The wallet's own state (the record mirrors it).
    pub wallet_state: HubState,
    /// The wallet's SNM balance.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub balance: U256,
    /// Funds locked by payouts.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub locked: U256,
    /// The registration freeze in force.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub frozen: U256,
    /// What it owes all miners.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub total_owed: U256,
    /// What the last PayDay unlocked and is still cooling: it cannot leave the wallet until `cooling_until`.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub cooling: U256,
    /// When the cooling ends (0 if the hub never held PayDay, or a rehab or ban ended it).
    pub cooling_until: u64,
    /// Balance − locked − frozen − cooling − owed.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub free_balance: U256,
    /// When PayDay may be held (0 if never registered).
    pub pay_day_at: u64,
    /// When the DAO may ban it (0 if never suspected).
    pub ban_at: u64,
    /// Its terms.
    pub terms: HubTerms,
}

/// Read access to hubs: the registry and any hub wallet.
#[derive(Clone, Debug)]
pub struct Hubs {
    client: Client,
    whitelist: Whitelist::WhitelistInstance<DynProvider>,
    factory: HubFactory::HubFactoryInstance<DynProvider>,
}

impl Hubs {
    /// The deployment's hub registry and factory.
    pub fn new(client: &Client) -> Result<Self> {
        let p = client.provider_ref().clone();
        Ok(Self {
            client: client.clone(),
            whitelist: Whitelist::new(client.address(Contract::Whitelist)?, p.clone()),
            factory: HubFactory::new(client.address(Contract::HubFactory)?, p),
        })
    }

    fn wallet(&self, hub: Address) -> HubWallet::HubWalletInstance<DynProvider> {
        HubWallet::new(hub, self.client.provider_ref().clone())
    }

    /// Whether `hub` is a hub wallet in the whitelist.
    pub async fn is_listed(&self, hub: Address) -> Result<bool> {
        self.whitelist
            .isListed(hub)
            .call()
            .await
            .map_err(|e| self.client.classify("isListed", &e))
    }

    /// Fails with [`AgentError::WrongAddress`] unless `hub` is a hub wallet in the whitelist.
    pub async fn require_hub(&self, hub: Address) -> Result<()> {
        if !self.is_listed(hub).await? {
            return Err(AgentError::WrongAddress {
                address: hub,
                problem: format!(
                    "is not a hub in the whitelist on chain {}: list the hubs with `sonm hub list`",
                    self.client.chain_id()
                ),
            });
        }
        Ok(())
    }

    /// A hub wallet's state.
    pub async fn state(&self, hub: Address) -> Result<HubState> {
        let s = self
            .wallet(hub)
            .state()
            .call()
            .await
            .map_err(|e| self.client.classify("state", &e))?;
        Ok(HubState::try_from(s)?)
    }

    /// What `hub` owes `miner`.
    pub async fn owed(&self, hub: Address, miner: Address) -> Result<U256> {
        self.wallet(hub)
            .owed(miner)
            .call()
            .await
            .map_err(|e| self.client.classify("owed", &e))
    }

    /// What `hub`'s last PayDay unlocked and is still cooling, and until when (unix seconds).
    pub async fn cooling(&self, hub: Address) -> Result<(U256, u64)> {
        let c = self
            .wallet(hub)
            .cooling()
            .call()
            .await
            .map_err(|e| self.client.classify("cooling", &e))?;
        Ok((c.amount, c.coolingUntil.saturating_to()))
    }

    /// " (N SNM more is cooling until T since PayDay)" when some of `hub`'s funds cool, else "".
    async fn cooling_note(&self, hub: Address) -> Result<String> {
        let (amount, until) = self.cooling(hub).await?;
        Ok(if amount.is_zero() {
            String::new()
        } else {
            format!(
                " ({} SNM more is cooling after PayDay until {until} (unix time), and cannot leave the wallet before)",
                format_snm(amount)
            )
        })
    }

    /// `hub`'s owner and its operator key (zero if none).
    pub async fn keys(&self, hub: Address) -> Result<HubKeys> {
        self.require_hub(hub).await?;
        let w = self.wallet(hub);
        Ok(HubKeys {
            hub,
            owner: w
                .owner()
                .call()
                .await
                .map_err(|e| self.client.classify("owner", &e))?,
            operator: w
                .operator()
                .call()
                .await
                .map_err(|e| self.client.classify("operator", &e))?,
        })
    }

    /// `hub`'s free balance.
    pub async fn free_balance(&self, hub: Address) -> Result<U256> {
        self.wallet(hub)
            .freeBalance()
            .call()
            .await
            .map_err(|e| self.client.classify("freeBalance", &e))
    }

    /// Everything about `hub`.
    pub async fn show(&self, hub: Address) -> Result<HubInfo> {
        self.require_hub(hub).await?;
        let c = &self.client;
        let w = self.wallet(hub);
        let record = self
            .whitelist
            .record(hub)
            .call()
            .await
            .map_err(|e| c.classify("record", &e))?;
        let token = Token::new(c)?;
        let p = w
            .parameters()
            .call()
            .await
            .map_err(|e| c.classify("parameters", &e))?;
        let cooling = w
            .cooling()
            .call()
            .await
            .map_err(|e| c.classify("cooling", &e))?;
        Ok(HubInfo {
            record: record.try_into()?,
            wallet_state: HubState::try_from(
                w.state()
                    .call()
                    .await
                    .map_err(|e| c.classify("state", &e))?,
            )?,
            balance: token.balance(hub).await?,
            locked: w
                .locked()
                .call()
                .await
                .map_err(|e| c.classify("locked", &e))?,
            frozen: w
                .frozen()
                .call()
                .await
                .map_err(|e| c.classify("frozen", &e))?,
            total_owed: w
                .totalOwed()
                .call()
                .await
                .map_err(|e| c.classify("totalOwed", &e))?,
            cooling: cooling.amount,
            cooling_until: cooling.coolingUntil.saturating_to(),
            free_balance: w
                .freeBalance()
                .call()
                .await
                .map_err(|e| c.classify("freeBalance", &e))?,
            pay_day_at: w
                .payDayAt()
                .call()
                .await
                .map_err(|e| c.classify("payDayAt", &e))?
                .saturating_to(),
            ban_at: w
                .banAt()
                .call()
                .await
                .map_err(|e| c.classify("banAt", &e))?
                .saturating_to(),
            terms: HubTerms {
                registration_freeze: U256::from(p.registrationFreeze),
                lock_bps: p.lockBps,
                dao_fee_bps: p.daoFeeBps,
                payout_period: p.payoutPeriod,
                suspicion_period: p.suspicionPeriod,
                expropriation_freeze: p.expropriationFreeze,
                pay_day_cool_down: p.payDayCoolDown,
            },
        })
    }

    /// Up to `limit` hubs from the `offset`th: all of them, or only the registered ones.
    pub async fn list(
        &self,
        offset: u64,
        limit: u64,
        active_only: bool,
    ) -> Result<(u64, Vec<HubRecord>)> {
        let c = &self.client;
        let (total, page) = if active_only {
            let total = self
                .whitelist
                .activeHubCount()
                .call()
                .await
                .map_err(|e| c.classify("activeHubCount", &e))?;
            let page = self
                .whitelist
                .activeHubs(U256::from(offset), U256::from(limit))
                .call()
                .await
                .map_err(|e| c.classify("activeHubs", &e))?;
            (total, page)
        } else {
            let total = self
                .whitelist
                .hubCount()
                .call()
                .await
                .map_err(|e| c.classify("hubCount", &e))?;
            let page = self
                .whitelist
                .hubs(U256::from(offset), U256::from(limit))
                .call()
                .await
                .map_err(|e| c.classify("hubs", &e))?;
            (total, page)
        };
        Ok((
            total.saturating_to(),
            page.into_iter()
                .map(HubRecord::try_from)
                .collect::<Result<_>>()?,
        ))
    }

    async fn require_state(
        &self,
        hub: Address,
        allowed: &[HubState],
        what: &str,
        hint: &str,
    ) -> Result<HubState> {
        self.require_hub(hub).await?;
        let state = self.state(hub).await?;
        if !allowed.contains(&state) {
            let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
            return Err(AgentError::WrongState(format!(
                "hub {hub} is {state}: {what} needs {}{hint}",
                allowed.join(" or ")
            )));
        }
        Ok(state)
    }
}

/// Who acts for a hub: its owner (cold) and its operator key (the daemon's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HubKeys {
    /// The hub wallet.
    pub hub: Address,
    /// Its owner: withdraws and sets the operator.
    pub owner: Address,
    /// Its operator (zero if none): signs offers, commits and answers deals, registers, pays, holds PayDay.
    pub operator: Address,
}

/// What `pay_many` did.
#[derive(Clone, Debug, Serialize)]
pub struct BatchPayment {
    /// The transaction.
    pub tx: B256,
    /// The deal the payments are for (0 for work outside any deal).
    pub deal: u64,
    /// Each miner and the amount credited.
    pub payments: Vec<(Address, String)>,
    /// The sum credited.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub total: U256,
    /// The sum locked on top (each payment's lock rounded up).
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub lock: U256,
}

/// A hub owner: creates, funds and runs hub wallets.
#[derive(Clone, Debug)]
pub struct HubOwner {
    client: Client,
    hubs: Hubs,
}

/// What `pay` did.
#[derive(Clone, Debug, Serialize)]
pub struct Payment {
    /// The transaction.
    pub tx: B256,
    /// The deal the payment is for (a MapGame task id; 0 for work outside any deal).
    pub deal: u64,
    /// The miner credited.
    pub miner: Address,
    /// The amount credited.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub amount: U256,
    /// The amount locked on top.
    #[serde(serialize_with = "crate::units::ser_dec")]
    pub lock: U256,
}

impl HubOwner {
    /// A hub owner acting with the client's key.
    pub fn new(client: &Client) -> Result<Self> {
        Ok(Self {
            client: client.clone(),
            hubs: Hubs::new(client)?,
        })
    }

    /// The views.
    pub fn hubs(&self) -> &Hubs {
        &self.hubs
    }

    /// Fails unless the sender acts for `hub`: its owner or its operator key.
    async fn require_operator(&self, hub: Address) -> Result<()> {
        let me = self.client.sender()?;
        let w = self.hubs.wallet(hub);
        let acts = w
            .isOperator(me)
            .call()
            .await
            .map_err(|e| self.client.classify("isOperator", &e))?;
        if !acts {
            return Err(AgentError::WrongState(format!(
                "{me} is neither the owner nor the operator of hub {hub}: use the owner's key or the operator's \
                 (`sonm hub operator {hub}` shows it)"
            )));
        }
        Ok(())
    }

    async fn require_owner(&self, hub: Address) -> Result<()> {
        let me = self.client.sender()?;
        let owner = self
            .hubs
            .wallet(hub)
            .owner()
            .call()
            .await
            .map_err(|e| self.client.classify("owner", &e))?;
        if owner != me {
            return Err(AgentError::WrongState(format!(
                "{me} is not the owner of hub {hub} (its owner is {owner}): use the owner's key"
            )));
        }
        Ok(())
    }

    /// Creates a hub wallet owned by the sender and enters it in the whitelist.
    pub async fn create(&self, endpoint: &str, name: &str) -> Result<(Address, B256)> {
        let receipt = self
            .client
            .send(
                "createHub",
                self.hubs
                    .factory
                    .createHub(endpoint.to_owned(), name.to_owned()),
            )
            .await?;
        let hub = receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<HubFactory::HubCreated>().ok())
            .map(|log| log.inner.data.hub)
            .ok_or_else(|| AgentError::Rpc {
                what: "createHub".into(),
                reason: "the receipt has no HubCreated event".into(),
            })?;
        info!(%hub, endpoint, name, "hub created");
        Ok((hub, receipt.transaction_hash))
    }

    /// Changes `hub`'s endpoint and/or name in the whitelist (owner only).
    pub async fn set_listing(
        &self,
        hub: Address,
        endpoint: Option<&str>,
        name: Option<&str>,
    ) -> Result<Vec<B256>> {
        self.hubs.require_hub(hub).await?;
        self.require_owner(hub).await?;
        let w = &self.hubs.whitelist;
        let mut txs = Vec::new();
        if let Some(endpoint) = endpoint {
            txs.push(
                self.client
                    .send("setEndpoint", w.setEndpoint(hub, endpoint.to_owned()))
                    .await?
                    .transaction_hash,
            );
        }
        if let Some(name) = name {
            txs.push(
                self.client
                    .send("setName", w.setName(hub, name.to_owned()))
                    .await?
                    .transaction_hash,
            );
        }
        Ok(txs)
    }

    /// Deposits `amount` SNM into `hub` (a plain transfer from the sender).
    pub async fn deposit(&self, hub: Address, amount: U256) -> Result<B256> {
        self.hubs.require_hub(hub).await?;
        Token::new(&self.client)?.transfer(hub, amount).await
    }

    /// Registers `hub`: freezes the registration amount, starts the payout period. The owner or the operator.
    pub async fn register(&self, hub: Address) -> Result<B256> {
        self.hubs
            .require_state(hub, &[HubState::Created, HubState::Idle], "register", "")
            .await?;
        self.require_operator(hub).await?;
        let w = self.hubs.wallet(hub);
        let freeze = w
            .parameters()
            .call()
            .await
            .map_err(|e| self.client.classify("parameters", &e))?;
        let freeze = U256::from(freeze.registrationFreeze);
        let free = self.hubs.free_balance(hub).await?;
        if free < freeze {
            return Err(AgentError::InsufficientFunds(format!(
                "hub {hub} has {} SNM free{}, registering freezes {} SNM: deposit with `sonm hub deposit`",
                format_snm(free),
                self.hubs.cooling_note(hub).await?,
                format_snm(freeze)
            )));
        }
        Ok(self
            .client
            .send("register", w.register())
            .await?
            .transaction_hash)
    }

    /// Credits `miner` with `amount` for deal `deal` (a MapGame task id, 0 for work outside any deal), locking the
    /// wallet's lock share on top. The owner or the operator.
    pub async fn pay(
        &self,
        hub: Address,
        miner: Address,
        amount: U256,
        deal: u64,
    ) -> Result<Payment> {
        let (w, lock) = self.check_pay(hub, &[amount]).await?;
        let receipt = self
            .client
            .send("pay", w.pay(miner, amount, U256::from(deal)))
            .await?;
        Ok(Payment {
            tx: receipt.transaction_hash,
            deal,
            miner,
            amount,
            lock,
        })
    }

    /// Credits each miner of `payments` with its amount, all for deal `deal` (0 for work outside any deal), in one
    /// transaction (`payMany`); locks each payment's lock share on top. The owner or the operator.
    pub async fn pay_many(
        &self,
        hub: Address,
        deal: u64,
        payments: &[(Address, U256)],
    ) -> Result<BatchPayment> {
        if payments.is_empty() {
            return Err(AgentError::Invalid(
                "no payment given: name at least one MINER=AMOUNT".into(),
            ));
        }
        if let Some((miner, _)) = payments.iter().find(|(_, a)| a.is_zero()) {
            return Err(AgentError::Invalid(format!(
                "the payment to {miner} is zero"
            )));
        }
        let (miners, amounts): (Vec<Address>, Vec<U256>) = payments.iter().copied().unzip();
        let (w, lock) = self.check_pay(hub, &amounts).await?;
        let total = amounts.iter().fold(U256::ZERO, |sum, a| sum + a);
        let receipt = self
            .client
            .send("payMany", w.payMany(U256::from(deal), miners, amounts))
            .await?;
        info!(%hub, deal, payments = payments.len(), total = %format_snm(total), "miners paid");
        Ok(BatchPayment {
            tx: receipt.transaction_hash,
            deal,
            payments: payments.iter().map(|(m, a)| (*m, a.to_string())).collect(),
            total,
            lock,
        })
    }

    /// What `pay` and `payMany` check before sending: the hub Registered, the caller its owner or operator, and its
    /// free balance covering `amounts` with their locks (each rounded up by the wallet). Returns the wallet and the
    /// total lock.
    async fn check_pay(
        &self,
        hub: Address,
        amounts: &[U256],
    ) -> Result<(HubWallet::HubWalletInstance<DynProvider>, U256)> {
        self.hubs
            .require_state(
                hub,
                &[HubState::Registered],
                "pay",
                ": run `sonm hub register` first",
            )
            .await?;
        self.require_operator(hub).await?;
        let w = self.hubs.wallet(hub);
        let (mut total, mut lock) = (U256::ZERO, U256::ZERO);
        for amount in amounts {
            total += *amount;
            lock += w
                .lockFor(*amount)
                .call()
                .await
                .map_err(|e| self.client.classify("lockFor", &e))?;
        }
        let free = self.hubs.free_balance(hub).await?;
        if free < total + lock {
            return Err(AgentError::InsufficientFunds(format!(
                "hub {hub} has {} SNM free{}, paying {} SNM needs {} SNM with the {} SNM lock: deposit with `sonm hub deposit`",
                format_snm(free),
                self.hubs.cooling_note(hub).await?,
                format_snm(total),
                format_snm(total + lock),
                format_snm(lock)
            )));
        }
        Ok((w, lock))
    }

    /// Sets `hub`'s operator key (the zero address revokes it). The owner only.
    pub async fn set_operator(&self, hub: Address, operator: Address) -> Result<B256> {
        self.hubs.require_hub(hub).await?;
        self.require_owner(hub).await?;
        let w = self.hubs.wallet(hub);
        let r = self
            .client
            .send("setOperator", w.setOperator(operator))
            .await?;
        info!(%hub, %operator, "operator set");
        Ok(r.transaction_hash)
    }

    /// Holds PayDay: the DAO's fee out of the locked funds, everything unlocked, Idle. The owner or the operator.
    pub async fn pay_day(&self, hub: Address) -> Result<B256> {
        self.hubs
            .require_state(hub, &[HubState::Registered], "payday", "")
            .await?;
        self.require_operator(hub).await?;
        let w = self.hubs.wallet(hub);
        let at: u64 = w
            .payDayAt()
            .call()
            .await
            .map_err(|e| self.client.classify("payDayAt", &e))?
            .saturating_to();
        let now = self.client.now().await?;
        if now < at {
            return Err(AgentError::WrongState(format!(
                "hub {hub}'s payout period is not over: PayDay is possible from {at} (unix time), in {} s",
                at - now
            )));
        }
        Ok(self
            .client
            .send("payDay", w.payDay())
            .await?
            .transaction_hash)
    }

    /// Withdraws `amount` of the free balance to the owner.
    pub async fn withdraw(&self, hub: Address, amount: U256) -> Result<B256> {
        self.hubs
            .require_state(
                hub,
                &[HubState::Created, HubState::Idle],
                "withdraw",
                " (hold PayDay first)",
            )
            .await?;
        self.require_owner(hub).await?;
        let free = self.hubs.free_balance(hub).await?;
        if free < amount {
            return Err(AgentError::InsufficientFunds(format!(
                "hub {hub} has {} SNM free{}, cannot withdraw {} SNM",
                format_snm(free),
                self.hubs.cooling_note(hub).await?,
                format_snm(amount)
            )));
        }
        let w = self.hubs.wallet(hub);
        Ok(self
            .client
            .send("withdraw", w.withdraw(amount))
            .await?
            .transaction_hash)
    }
}

/// A miner: pulls what hubs owe it, and rates hubs.
#[derive(Clone, Debug)]
pub struct Miner {
    client: Client,
    hubs: Hubs,
}

impl Miner {
    /// A miner acting with the client's key.
    pub fn new(client: &Client) -> Result<Self> {
        Ok(Self {
            client: client.clone(),
            hubs: Hubs::new(client)?,
        })
    }

    /// Pulls everything `hub` owes the sender; returns the amount.
    pub async fn claim(&self, hub: Address) -> Result<(U256, B256)> {
        let me = self.client.sender()?;
        self.hubs.require_hub(hub).await?;
        let state = self.hubs.state(hub).await?;
        if matches!(state, HubState::Suspected | HubState::Punished) {
            return Err(AgentError::WrongState(format!(
                "hub {hub} is {state}: its funds are blocked, claims too"
            )));
        }
        let owed = self.hubs.owed(hub, me).await?;
        if owed.is_zero() {
            return Err(AgentError::WrongState(format!(
                "hub {hub} owes {me} nothing"
            )));
        }
        let receipt = self
            .client
            .send("claim", self.hubs.wallet(hub).claim())
            .await?;
        Ok((owed, receipt.transaction_hash))
    }

    /// Rates `hub` `score` (0 to 100), staking `stake`; approves exactly the stake first if needed.
    pub async fn rate(&self, hub: Address, score: u8, stake: U256) -> Result<(Approval, B256)> {
        if score > 100 {
            return Err(AgentError::Invalid(format!(
                "score {score} is out of range: give 0 to 100"
            )));
        }
        self.hubs.require_hub(hub).await?;
        let minimum = self
            .hubs
            .whitelist
            .minimumStake()
            .call()
            .await
            .map_err(|e| self.client.classify("minimumStake", &e))?;
        if stake < minimum {
            return Err(AgentError::Invalid(format!(
                "a rating stakes at least {} SNM, {} SNM given",
                format_snm(minimum),
                format_snm(stake)
            )));
        }
        let approval = Token::new(&self.client)?
            .ensure_allowance(*self.hubs.whitelist.address(), stake, "the rating")
            .await?;
        let receipt = self
            .client
            .send("rate", self.hubs.whitelist.rate(hub, score, stake))
            .await?;
        Ok((approval, receipt.transaction_hash))
    }

    /// Withdraws the sender's rating of `hub` and its stake, once unlocked.
    pub async fn withdraw_rating(&self, hub: Address) -> Result<B256> {
        self.hubs.require_hub(hub).await?;
        let receipt = self
            .client
            .send("withdrawRating", self.hubs.whitelist.withdrawRating(hub))
            .await?;
        Ok(receipt.transaction_hash)
    }
}
