// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExpropriationVault} from "./IExpropriationVault.sol";
import {IWhitelist} from "./IWhitelist.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice The states of a hub's anti-fraud wallet (the whitepaper's HubWallet).
enum HubState {
    Created,
    Registered,
    Idle,
    Suspected,
    Punished
}

/// @notice A hub's economic terms. The factory holds the terms for new wallets; every wallet snapshots them at
/// creation, so a hub's terms never change under it.
/// @dev Packed into one storage slot (96 + 16 + 16 + 4 × 32 bits). Durations are in seconds, fractions in basis
/// points (1/10,000).
struct HubParameters {
    /// SNM (wei) frozen while the hub is registered.
    uint96 registrationFreeze;
    /// Part of each payout locked on top of it, in basis points (3,000 = 30%).
    uint16 lockBps;
    /// Part of the locked funds sent to the DAO at PayDay, in basis points (50 = 0.5%).
    uint16 daoFeeBps;
    /// Seconds from registration until PayDay may be held.
    uint32 payoutPeriod;
    /// Seconds from suspicion until the DAO may ban the hub.
    uint32 suspicionPeriod;
    /// Seconds the expropriation vault keeps a banned hub's funds before releasing them to the DAO.
    uint32 expropriationFreeze;
    /// Seconds after PayDay during which the funds it unlocked stay in the wallet ("cooling") and the DAO may still
    /// suspect the hub; at least the DAO's governance latency (voting delay + voting period + timelock delay), so a
    /// suspicion proposed within the payout period always lands before the lock can leave (docs/protocol.md,
    /// "Soundness: PayDay cool-down").
    uint32 payDayCoolDown;
}

/// @notice A work receipt: a hub's signed promise to pay `miner` `amount` SNM for work on `deal`, which the miner (or
/// anyone for it) redeems against the wallet itself as if the hub had called `pay`. EIP-712 typed data in the
/// wallet's own domain ("SonmHubWallet", "1", chain, the wallet):
/// `WorkReceipt(address hub,address miner,uint256 deal,uint256 amount,uint256 nonce,uint40 expiry)`.
struct WorkReceipt {
    /// The wallet that pays: this wallet (also bound by the domain).
    address hub;
    /// Who is owed the amount.
    address miner;
    /// The deal the work was for (a MapGame task id; 0 for work outside any deal).
    uint256 deal;
    /// SNM (wei) owed to the miner; the wallet locks `lockFor(amount)` on top, as for `pay`.
    uint256 amount;
    /// Any number the hub has not used for another receipt: each redeems once, in any order (a bitmap).
    uint256 nonce;
    /// The receipt cannot be redeemed from this time on; at most MAX_RECEIPT_LIFETIME after it is presented.
    uint40 expiry;
}

/// @title HubWallet — a hub's anti-fraud wallet
/// @notice A hub deposits SNM here (a plain ERC20 transfer) and pays its miners from it. Each payout locks a part of
/// itself on top; the locked funds are released at PayDay, minus the DAO's fee. Miners pull what they are owed.
/// The DAO (the timelock) can suspect a hub, which blocks every fund, then rehabilitate it or, after the suspicion
/// period, ban it: everything the wallet holds goes to the expropriation vault and the wallet never moves a token
/// again.
interface IHubWallet {
    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The wallet was already initialised (or is the implementation, which can never be).
    error HubWalletAlreadyInitialized();

    /// @notice `owner` cannot be the zero address.
    error HubWalletInvalidOwner(address owner);

    /// @notice Only the hub's owner may make this call.
    error HubWalletNotOwner(address caller);

    /// @notice Only the DAO (the timelock) may make this call.
    error HubWalletNotDao(address caller);

    /// @notice Only the hub's owner or its operator may make this call (or sign what was presented).
    error HubWalletNotOperator(address caller);

    /// @notice Only the market may make this call.
    error HubWalletNotMarket(address caller);

    /// @notice A batch payment's lists differ in length (`miners`, `amounts`), or are empty.
    error HubWalletInvalidBatch(uint256 miners, uint256 amounts);

    /// @notice The receipt names another wallet (`hub`).
    error HubWalletReceiptForAnotherWallet(address hub);

    /// @notice The receipt expired at `expiry`.
    error HubWalletReceiptExpired(uint256 expiry);

    /// @notice The receipt's `expiry` is further than MAX_RECEIPT_LIFETIME from now (`latest` is the last allowed).
    error HubWalletReceiptLifetimeTooLong(uint256 expiry, uint256 latest);

    /// @notice The receipt with this `nonce` was redeemed already.
    error HubWalletReceiptUsed(uint256 nonce);

    /// @notice The call is not allowed in the wallet's `current` state. `expectedStates` has bit `1 << uint8(s)` set
    /// for each state `s` in which it is allowed.
    error HubWalletUnexpectedState(HubState current, bytes32 expectedStates);

    /// @notice The free balance (`available`) does not cover `required`.
    error HubWalletInsufficientFreeBalance(uint256 available, uint256 required);

    /// @notice An amount of zero was given.
    error HubWalletZeroAmount();

    /// @notice `miner` cannot be paid: the zero address or the wallet itself.
    error HubWalletInvalidMiner(address miner);

    /// @notice The wallet owes `miner` nothing.
    error HubWalletNothingOwed(address miner);

    /// @notice PayDay cannot be held before `payDayAt`.
    error HubWalletPayoutPeriodNotOver(uint256 payDayAt);

    /// @notice The hub cannot be banned before `banAt`.
    error HubWalletSuspicionPeriodNotOver(uint256 banAt);

    /// @notice An Idle hub can be suspected only while its last PayDay's funds are cooling, which ended at
    /// `coolingUntil` (0 if it never held PayDay).
    error HubWalletNotCooling(uint256 coolingUntil);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The wallet was initialised for `owner` with the terms `parameters`.
    event Initialized(address indexed owner, HubParameters parameters);

    /// @notice The hub registered: `freeze` SNM are frozen, the payout period started at `registeredAt`.
    event Registered(uint256 freeze, uint256 registeredAt);

    /// @notice `miner` was credited `amount` for deal `deal` (a MapGame task id; 0 for work outside any deal), and
    /// `lock` more was locked.
    event Paid(address indexed miner, uint256 indexed deal, uint256 amount, uint256 lock);

    /// @notice The owner set the operator key to `operator` (the zero address: none). The key it replaced
    /// (`retired`, zero if none) still signs receipts until `retiredUntil`, and nothing else.
    event OperatorSet(address indexed operator, address indexed retired, uint256 retiredUntil);

    /// @notice The receipt `nonce` was redeemed: a `Paid` event with its miner, deal and amount precedes this one.
    event ReceiptRedeemed(uint256 indexed nonce);

    /// @notice A valid receipt was presented but the wallet could not pay it (not Registered, or its free balance
    /// short of `amount` plus its lock): a fault in the hub's history. The receipt stays redeemable until it expires.
    event ReceiptDishonoured(address indexed miner, uint256 indexed deal, uint256 amount, uint256 nonce);

    /// @notice `miner` pulled `amount`.
    event Claimed(address indexed miner, uint256 amount);

    /// @notice PayDay: `fee` went to the DAO, `unlocked` was unlocked (fee included), the hub is Idle. The unlocked
    /// funds minus the fee cool in the wallet until `coolingUntil`: they cannot leave it, and the DAO may still
    /// suspect the hub, until then.
    event PayDayHeld(uint256 fee, uint256 unlocked, uint256 coolingUntil);

    /// @notice The owner withdrew `amount` to `to` (the owner).
    event Withdrawn(address indexed to, uint256 amount);

    /// @notice The DAO suspected the hub; every fund is blocked.
    event Suspected(uint256 suspectedAt);

    /// @notice The DAO rehabilitated the hub: Idle, every lock and freeze lifted.
    event Rehabilitated();

    /// @notice The DAO banned the hub: `amount` went to the expropriation vault as deposit `depositId`
    /// (`type(uint256).max` if the wallet held nothing, so no deposit was made). Whatever the wallet owed its miners
    /// (`forfeitedOwed`) is lost with it.
    event Banned(uint256 amount, uint256 depositId, uint256 forfeitedOwed);

    /*//////////////////////////////////////////////////////////////
                               INITIALISER
    //////////////////////////////////////////////////////////////*/

    /// @notice Initialises a fresh clone for `owner` with the terms `parameters`. Called once, by the factory, in the
    /// transaction that creates the clone.
    function initialize(address owner, HubParameters calldata parameters) external;

    /*//////////////////////////////////////////////////////////////
                          HUB (OWNER OR OPERATOR)
    //////////////////////////////////////////////////////////////*/

    /// @notice Created or Idle → Registered: freezes the registration amount and starts the payout period. The owner
    /// or the operator.
    function register() external;

    /// @notice Registered: credits `miner` with `amount` for deal `deal` (a MapGame task id, or 0 for work outside
    /// any deal; the id is only recorded, in the event) and locks `lockFor(amount)` on top. The free balance must
    /// cover both. The owner or the operator.
    function pay(address miner, uint256 amount, uint256 deal) external;

    /// @notice `pay` for many miners at once, all for deal `deal`: `miners[i]` is credited `amounts[i]`. The lock is
    /// computed per payment (each rounded up), and the free balance must cover the whole batch.
    function payMany(uint256 deal, address[] calldata miners, uint256[] calldata amounts) external;

    /// @notice Registered → Idle, once the payout period is over: sends the DAO's fee out of the locked funds and
    /// unlocks everything (the registration freeze too). What was locked, minus the fee, cools for `payDayCoolDown`:
    /// it stays out of the free balance (it can be neither withdrawn nor paid out) and the DAO may still suspect.
    /// The owner or the operator.
    function payDay() external;

    /*//////////////////////////////////////////////////////////////
                              HUB (OWNER)
    //////////////////////////////////////////////////////////////*/

    /// @notice Sets the operator key (the zero address: none). The operator may sign offers and receipts, commit and
    /// answer on the hub's deals, register, pay and hold PayDay; it may never withdraw or change the operator. The key
    /// it replaces loses every power at once but one: receipts it signed stay good for MAX_RECEIPT_LIFETIME more, so
    /// that an owner cannot void unpaid receipts by revoking the key that signed them.
    function setOperator(address operator) external;

    /// @notice Created or Idle: sends `amount` of the free balance (cooling funds excluded) to the owner.
    function withdraw(uint256 amount) external;

    /*//////////////////////////////////////////////////////////////
                                 MARKET
    //////////////////////////////////////////////////////////////*/

    /// @notice Registered, called by the market while a buyer takes an offer `signer` signed: checks that `signer` is
    /// the owner or the operator, and moves `amount` of the free balance to `game`, where it is the deal's bond.
    function fundDeal(address signer, uint256 amount, address game) external;

    /*//////////////////////////////////////////////////////////////
                                 MINER
    //////////////////////////////////////////////////////////////*/

    /// @notice Redeems a work receipt signed by the owner, the operator, or a key retired less than
    /// MAX_RECEIPT_LIFETIME ago. Anyone may present it. If the wallet can pay it (Registered, free balance ≥ amount +
    /// lock) the miner is credited exactly as by `pay` and the nonce is spent; if not (Created, Idle, Suspected, or
    /// short of funds) the presentation is recorded as dishonoured in the hub's history, nothing else changes, and
    /// the receipt stays redeemable until it expires. A Punished wallet refuses it (its funds are gone).
    /// @return redeemed Whether the miner was credited.
    function redeem(WorkReceipt calldata receipt, bytes calldata signature) external returns (bool redeemed);

    /// @notice Transfers to the caller everything the wallet owes it. Not while Suspected or Punished.
    /// @return amount What was transferred.
    function claim() external returns (uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                  DAO
    //////////////////////////////////////////////////////////////*/

    /// @notice Registered, or Idle while its last PayDay's funds are cooling → Suspected: blocks every fund, claims
    /// too.
    function suspect() external;

    /// @notice Suspected → Idle, at any time: lifts every lock and freeze.
    function rehab() external;

    /// @notice Suspected → Punished, once the suspicion period is over: everything the wallet holds goes to the
    /// expropriation vault. Punished is for ever.
    function ban() external;

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The SNM token.
    function token() external view returns (IERC20);

    /// @notice The hub registry this wallet mirrors its state into.
    function whitelist() external view returns (IWhitelist);

    /// @notice Where a ban sends the funds.
    function vault() external view returns (IExpropriationVault);

    /// @notice The DAO: the timelock, which may suspect, rehabilitate and ban, and receives the PayDay fee.
    function dao() external view returns (address);

    /// @notice The longest a receipt may still run when presented, and how long a replaced operator key still signs
    /// receipts.
    function MAX_RECEIPT_LIFETIME() external view returns (uint256);

    /// @notice The EIP-712 digest of `receipt` in this wallet's domain: what its signer signed.
    function hashReceipt(WorkReceipt calldata receipt) external view returns (bytes32);

    /// @notice Whether the receipt `nonce` was redeemed.
    function isNonceUsed(uint256 nonce) external view returns (bool);

    /// @notice Until when the retired key `key` still signs receipts (0 if it never was an operator, or in the past).
    function retiredUntil(address key) external view returns (uint256);

    /// @notice The market: the only caller of `fundDeal`.
    function market() external view returns (address);

    /// @notice The hub's owner.
    function owner() external view returns (address);

    /// @notice The operator key (the zero address if none).
    function operator() external view returns (address);

    /// @notice Whether `account` acts for the hub: its owner or its operator.
    function isOperator(address account) external view returns (bool);

    /// @notice The wallet's state.
    function state() external view returns (HubState);

    /// @notice The terms snapshotted at creation.
    function parameters() external view returns (HubParameters memory);

    /// @notice When the hub last registered (0 if never).
    function registeredAt() external view returns (uint256);

    /// @notice When the hub was suspected (0 if never).
    function suspectedAt() external view returns (uint256);

    /// @notice When PayDay may be held: the last registration plus the payout period.
    function payDayAt() external view returns (uint256);

    /// @notice When the hub may be banned: the suspicion plus the suspicion period.
    function banAt() external view returns (uint256);

    /// @notice The funds locked by payouts.
    function locked() external view returns (uint256);

    /// @notice The funds the last PayDay unlocked that are still cooling (0 once `coolingUntil` has passed), and
    /// when the cooling ends (0 if the hub never held PayDay, or a rehab or ban ended the cooling).
    function cooling() external view returns (uint256 amount, uint256 coolingUntil);

    /// @notice The registration freeze in force: the registration amount while Registered or Suspected, else 0.
    function frozen() external view returns (uint256);

    /// @notice What the wallet owes all miners together.
    function totalOwed() external view returns (uint256);

    /// @notice What the wallet owes `miner`.
    function owed(address miner) external view returns (uint256);

    /// @notice Token balance − locked − frozen − cooling − owed; 0 in Punished, where nothing ever moves again.
    function freeBalance() external view returns (uint256);

    /// @notice What paying `amount` locks on top of it: `amount × lockBps / 10,000`, rounded up.
    function lockFor(uint256 amount) external view returns (uint256);
}
