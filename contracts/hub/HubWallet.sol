// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExpropriationVault} from "../interfaces/IExpropriationVault.sol";
import {HubParameters, HubState, IHubWallet, WorkReceipt} from "../interfaces/IHubWallet.sol";
import {IWhitelist} from "../interfaces/IWhitelist.sol";
import {IMarket} from "../market/interfaces/IMarket.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title HubWallet — a hub's anti-fraud wallet
/// @notice The whitepaper's state machine, exactly as docs/protocol.md ("HubWallet") specifies it:
///
/// | call       | who               | from                      | effect                                              |
/// |------------|-------------------|---------------------------|-----------------------------------------------------|
/// | register   | owner or operator | Created, Idle             | freezes the registration amount, records the time   |
/// | pay        | owner or operator | Registered                | credits the miner for a deal, locks 30% on top; the |
/// | payMany    |                   |                           | free balance covers both                            |
/// | payDay     | owner or operator | Registered, period over   | 0.5% of the locked funds to the DAO, unlocks all,   |
/// |            |                   |                           | Idle; the unlocked funds cool for `payDayCoolDown`  |
/// | fundDeal   | market            | Registered                | a deal's bond, out of the free balance, to the game |
/// | withdraw   | owner             | Created, Idle             | free balance (cooling funds excluded) to the owner  |
/// | setOperator| owner             | any but Punished          | sets or revokes the operator key                    |
/// | claim      | miner             | Created, Registered, Idle | transfers what the wallet owes the caller           |
/// | suspect    | DAO               | Registered; Idle cooling  | Suspected: every fund blocked, claims too           |
/// | rehab      | DAO               | Suspected                 | Idle, every lock and freeze lifted                  |
/// | ban        | DAO               | Suspected, 120 days on    | everything to the expropriation vault; Punished     |
///
/// Payouts are a ledger in this wallet (pull payments), never ERC20 allowances, so a hub cannot pay through a side
/// wallet and a second payout adds to the first instead of overwriting it. Rounding is never in the hub's favour: the
/// lock and the DAO's fee round up.
///
/// A ban forfeits what the wallet owed its miners: the vault receives the whole balance and a Punished wallet never
/// moves a token again, so miners should claim promptly; a suspicion (which blocks claims) is the warning.
/// @dev Deployed once as an implementation and used through EIP-1167 clones made by the HubFactory, which share its
/// immutables (token, whitelist, vault, DAO); each clone keeps its owner, state and terms in its own storage.
contract HubWallet is IHubWallet, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev Basis points in a whole.
    uint256 private constant BPS = 10_000;

    /// @inheritdoc IHubWallet
    /// @dev A week: long enough for a miner to present a receipt, short enough that a stolen operator key, once
    /// replaced, signs receipts for no longer (docs/protocol.md, "Work receipts").
    uint256 public constant MAX_RECEIPT_LIFETIME = 7 days;

    /// @notice The EIP-712 type hash of {WorkReceipt}.
    bytes32 public constant RECEIPT_TYPEHASH =
        keccak256("WorkReceipt(address hub,address miner,uint256 deal,uint256 amount,uint256 nonce,uint40 expiry)");

    /// @dev `_coolingUntil` when nothing cools: a time long past, but not zero (see the storage layout).
    uint40 private constant NOT_COOLING = 1;

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    IERC20 public immutable token;

    /// @inheritdoc IHubWallet
    IWhitelist public immutable whitelist;

    /// @inheritdoc IHubWallet
    IExpropriationVault public immutable vault;

    /// @inheritdoc IHubWallet
    address public immutable dao;

    /// @inheritdoc IHubWallet
    address public immutable market;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    // Amounts are uint96: 7.9e28 wei, far above any SNM supply (4.44e26); writes are checked all the same.

    // One slot: the owner, checked by every owner's call, and what the last PayDay unlocked (minus the DAO's fee),
    // read only while it cools.
    address private _owner;
    uint96 private _cooling;

    // One slot: the terms, snapshotted at creation.
    HubParameters private _parameters;

    // One slot: the state, the ledger's totals and when the cooling ends, so that `pay` and `claim` read and write a
    // single slot and learn whether anything cools without another read. `initialize` sets `_coolingUntil` to
    // NOT_COOLING (a time long past) rather than leaving the slot zero, so that `register` rewrites a live slot
    // (~2,900 gas) instead of creating one (~22,100): the hub pays that once, at creation.
    HubState private _state;
    uint96 private _locked;
    uint96 private _totalOwed;
    uint40 private _coolingUntil;

    // One slot: the operator key, read first by every call the operator makes, and the times of the state machine.
    address private _operator;
    uint40 private _registeredAt;
    uint40 private _suspectedAt;

    mapping(address miner => uint256) private _owed;

    // Receipts: spent nonces, 256 to a word; keys the owner replaced, and until when they still sign receipts.
    mapping(uint256 word => uint256 bits) private _usedNonces;
    mapping(address key => uint40) private _retiredUntil;

    /*//////////////////////////////////////////////////////////////
                               MODIFIERS
    //////////////////////////////////////////////////////////////*/

    modifier onlyOwner() {
        if (msg.sender != _owner) revert HubWalletNotOwner(msg.sender);
        _;
    }

    /// @dev The operator is checked first: the daemon holding it makes most of these calls.
    modifier onlyOperator() {
        if (msg.sender != _operator && msg.sender != _owner) revert HubWalletNotOperator(msg.sender);
        _;
    }

    modifier onlyDao() {
        if (msg.sender != dao) revert HubWalletNotDao(msg.sender);
        _;
    }

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param token_ The SNM token.
    /// @param whitelist_ The hub registry.
    /// @param vault_ The expropriation vault.
    /// @param dao_ The DAO (the timelock).
    /// @param market_ The market, which moves deal bonds out of the free balance (`fundDeal`).
    constructor(IERC20 token_, IWhitelist whitelist_, IExpropriationVault vault_, address dao_, address market_)
        EIP712("SonmHubWallet", "1")
    {
        token = token_;
        whitelist = whitelist_;
        vault = vault_;
        dao = dao_;
        market = market_;
        // The implementation owns itself: it can never be initialised, and nobody can act as its owner.
        _owner = address(this);
    }

    /*//////////////////////////////////////////////////////////////
                              INITIALISER
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    /// @dev Anyone could initialise a clone nobody initialised, but the factory creates and initialises each of its
    /// clones in one transaction, and the whitelist accepts only the factory's clones.
    function initialize(address owner_, HubParameters calldata parameters_) external {
        if (_owner != address(0)) revert HubWalletAlreadyInitialized();
        if (owner_ == address(0)) revert HubWalletInvalidOwner(owner_);
        _owner = owner_;
        _parameters = parameters_;
        _coolingUntil = NOT_COOLING;
        emit Initialized(owner_, parameters_);
    }

    /*//////////////////////////////////////////////////////////////
                          HUB (OWNER OR OPERATOR)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    function register() external {
        // The owner first: it usually registers, and its slot is written below anyway.
        if (msg.sender != _owner && msg.sender != _operator) revert HubWalletNotOperator(msg.sender);
        _expectState(_state, _bit(HubState.Created) | _bit(HubState.Idle));
        // In Created and Idle nothing is locked or frozen; only the last PayDay's funds may still be cooling.
        uint256 freeze = _parameters.registrationFreeze;
        uint256 available = _free(_activeCooling(), _totalOwed);
        if (available < freeze) revert HubWalletInsufficientFreeBalance(available, freeze);
        _state = HubState.Registered;
        _registeredAt = uint40(block.timestamp);
        emit Registered(freeze, block.timestamp);
        whitelist.recordStatus(HubState.Registered);
    }

    /// @inheritdoc IHubWallet
    function pay(address miner, uint256 amount, uint256 deal) external onlyOperator {
        _expectState(_state, _bit(HubState.Registered));
        uint256 lock = _credit(miner, amount, _parameters.lockBps, deal);
        _book(amount, lock);
    }

    /// @inheritdoc IHubWallet
    function payMany(uint256 deal, address[] calldata miners, uint256[] calldata amounts) external onlyOperator {
        _expectState(_state, _bit(HubState.Registered));
        uint256 count = miners.length;
        if (count == 0 || count != amounts.length) revert HubWalletInvalidBatch(count, amounts.length);
        uint256 lockBps = _parameters.lockBps;
        uint256 total;
        uint256 totalLock;
        for (uint256 i; i < count; ++i) {
            uint256 amount = amounts[i];
            // Checked: a batch whose sum overflows reverts. `_book` then checks the sums against the free balance.
            total += amount;
            totalLock += _credit(miners[i], amount, lockBps, deal);
        }
        _book(total, totalLock);
    }

    /// @inheritdoc IHubWallet
    function payDay() external onlyOperator {
        _expectState(_state, _bit(HubState.Registered));
        uint256 payDayAt_ = _payDayAt();
        // forge-lint: disable-next-line(block-timestamp) -- a payout period lasts days; validators move time by seconds.
        if (block.timestamp < payDayAt_) revert HubWalletPayoutPeriodNotOver(payDayAt_);
        uint256 unlocked = _locked;
        HubParameters memory p = _parameters;
        uint256 fee = Math.mulDiv(unlocked, p.daoFeeBps, BPS, Math.Rounding.Ceil);
        // A hub that drained itself through `pay` could otherwise hold PayDay as soon as the DAO proposes to suspect
        // it and withdraw its lock before the vote lands: what PayDay unlocks stays in the wallet, still within the
        // DAO's reach, for the cool-down. A PayDay held while earlier funds still cool adds to them (the later end).
        uint256 stillCooling = _activeCooling();
        uint256 coolingUntil_ = block.timestamp + p.payDayCoolDown;
        // `fee <= unlocked` (daoFeeBps <= 10,000, checked by the factory), both below 2^96.
        _cooling = (stillCooling + unlocked - fee).toUint96();
        _coolingUntil = coolingUntil_.toUint40();
        _locked = 0;
        _state = HubState.Idle;
        emit PayDayHeld(fee, unlocked, coolingUntil_);
        if (fee != 0) token.safeTransfer(dao, fee);
        whitelist.recordStatus(HubState.Idle);
    }

    /// @inheritdoc IHubWallet
    function withdraw(uint256 amount) external onlyOwner {
        _expectState(_state, _bit(HubState.Created) | _bit(HubState.Idle));
        if (amount == 0) revert HubWalletZeroAmount();
        // Nothing is locked or frozen in Created or Idle; the last PayDay's funds may still be cooling.
        uint256 available = _free(_activeCooling(), _totalOwed);
        if (available < amount) revert HubWalletInsufficientFreeBalance(available, amount);
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /*//////////////////////////////////////////////////////////////
                              HUB (OWNER)
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    function setOperator(address operator_) external onlyOwner {
        // A Punished wallet never acts again: nothing its operator could do would matter.
        _expectState(
            _state, _bit(HubState.Created) | _bit(HubState.Registered) | _bit(HubState.Idle) | _bit(HubState.Suspected)
        );
        address retired = _operator;
        uint256 until;
        if (retired != address(0) && retired != operator_) {
            // The replaced key still signs receipts for the longest lifetime one may have left: the owner cannot void
            // what it promised the miners by changing keys.
            until = block.timestamp + MAX_RECEIPT_LIFETIME;
            _retiredUntil[retired] = until.toUint40();
        }
        _operator = operator_;
        emit OperatorSet(operator_, retired, until);
        // The market keeps a copy for the game's check of a deal's committer (IMarket.actsFor).
        IMarket(market).recordOperator(operator_);
    }

    /*//////////////////////////////////////////////////////////////
                                 MARKET
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    function fundDeal(address signer, uint256 amount, address game) external {
        if (msg.sender != market) revert HubWalletNotMarket(msg.sender);
        if (!isOperator(signer)) revert HubWalletNotOperator(signer);
        _expectState(_state, _bit(HubState.Registered));
        // The bond leaves the free balance only: what is locked, frozen, cooling or owed to miners stays.
        uint256 available = _free(uint256(_locked) + _parameters.registrationFreeze + _activeCooling(), _totalOwed);
        if (available < amount) revert HubWalletInsufficientFreeBalance(available, amount);
        // No event of its own: the token's Transfer and the market's DealTaken tell it.
        token.safeTransfer(game, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 MINER
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    function redeem(WorkReceipt calldata receipt, bytes calldata signature) external returns (bool redeemed) {
        _checkReceipt(receipt, signature);
        uint256 nonce = receipt.nonce;
        uint256 bit = 1 << (nonce & 0xff);
        uint256 used = _usedNonces[nonce >> 8];
        if (used & bit != 0) revert HubWalletReceiptUsed(nonce);
        HubState current = _state;
        // A Punished wallet's funds went to the vault with what it owed: its receipts are lost with them.
        if (current == HubState.Punished) revert HubWalletUnexpectedState(current, ~_bit(HubState.Punished));

        uint256 lockBps = _parameters.lockBps;
        uint256 available = _available();
        uint256 lock = _lockFor(receipt.amount, lockBps);
        if (current != HubState.Registered || available < receipt.amount + lock) {
            // The hub's own signature shows it took work it does not pay: a fault every miner can read.
            emit ReceiptDishonoured(receipt.miner, receipt.deal, receipt.amount, nonce);
            IMarket(market).recordDishonoured(receipt.amount);
            return false;
        }
        _usedNonces[nonce >> 8] = used | bit;
        _credit(receipt.miner, receipt.amount, lockBps, receipt.deal);
        // The free balance was checked above: book the payout without reading the balance again.
        _locked = (uint256(_locked) + lock).toUint96();
        _totalOwed = (uint256(_totalOwed) + receipt.amount).toUint96();
        emit ReceiptRedeemed(nonce);
        return true;
    }

    /// @inheritdoc IHubWallet
    function claim() external returns (uint256 amount) {
        _expectState(_state, _bit(HubState.Created) | _bit(HubState.Registered) | _bit(HubState.Idle));
        amount = _owed[msg.sender];
        if (amount == 0) revert HubWalletNothingOwed(msg.sender);
        _owed[msg.sender] = 0;
        // Cannot underflow: `_totalOwed` is the sum of every `_owed`, this one included.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast) -- `amount` <= `_totalOwed`, a uint96.
            _totalOwed -= uint96(amount);
        }
        emit Claimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                  DAO
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    function suspect() external onlyDao {
        HubState current = _state;
        _expectState(current, _bit(HubState.Registered) | _bit(HubState.Idle));
        // An Idle hub is within the DAO's reach only while its last PayDay's funds cool.
        // forge-lint: disable-next-line(block-timestamp) -- a cool-down lasts days; validators move time by seconds.
        if (current == HubState.Idle && block.timestamp >= _coolingUntil) revert HubWalletNotCooling(_coolingEnd());
        _state = HubState.Suspected;
        _suspectedAt = uint40(block.timestamp);
        emit Suspected(block.timestamp);
        whitelist.recordStatus(HubState.Suspected);
    }

    /// @inheritdoc IHubWallet
    function rehab() external onlyDao {
        _expectState(_state, _bit(HubState.Suspected));
        // The registration freeze applies only while Registered or Suspected, so Idle lifts it; cooling ends too.
        _locked = 0;
        _cooling = 0;
        _coolingUntil = NOT_COOLING;
        _state = HubState.Idle;
        emit Rehabilitated();
        whitelist.recordStatus(HubState.Idle);
    }

    /// @inheritdoc IHubWallet
    function ban() external onlyDao {
        _expectState(_state, _bit(HubState.Suspected));
        uint256 banAt_ = _banAt();
        // forge-lint: disable-next-line(block-timestamp) -- a suspicion lasts days; validators move time by seconds.
        if (block.timestamp < banAt_) revert HubWalletSuspicionPeriodNotOver(banAt_);
        _state = HubState.Punished;
        // The ledger stays as a record of what the miners lost; nothing can be claimed from a Punished wallet.
        uint256 forfeitedOwed = _totalOwed;
        _locked = 0;
        _cooling = 0;
        _coolingUntil = NOT_COOLING;
        uint256 amount = token.balanceOf(address(this));
        uint256 depositId;
        if (amount != 0) {
            token.forceApprove(address(vault), amount);
            depositId = vault.deposit(amount, _parameters.expropriationFreeze);
        } else {
            // Nothing to expropriate: no deposit was made.
            depositId = type(uint256).max;
        }
        emit Banned(amount, depositId, forfeitedOwed);
        whitelist.recordStatus(HubState.Punished);
        // Nothing settles into a Punished wallet: the market refuses to, from now on.
        IMarket(market).recordBan();
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubWallet
    function owner() external view returns (address) {
        return _owner;
    }

    /// @inheritdoc IHubWallet
    function operator() external view returns (address) {
        return _operator;
    }

    /// @inheritdoc IHubWallet
    function hashReceipt(WorkReceipt calldata receipt) external view returns (bytes32) {
        return _hashReceipt(receipt);
    }

    /// @inheritdoc IHubWallet
    function isNonceUsed(uint256 nonce) external view returns (bool) {
        return _usedNonces[nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IHubWallet
    function retiredUntil(address key) external view returns (uint256) {
        return _retiredUntil[key];
    }

    /// @inheritdoc IHubWallet
    function isOperator(address account) public view returns (bool) {
        // `_operator` is zero when none is set: the zero address never acts for the hub.
        return account != address(0) && (account == _operator || account == _owner);
    }

    /// @inheritdoc IHubWallet
    function state() external view returns (HubState) {
        return _state;
    }

    /// @inheritdoc IHubWallet
    function parameters() external view returns (HubParameters memory) {
        return _parameters;
    }

    /// @inheritdoc IHubWallet
    function registeredAt() external view returns (uint256) {
        return _registeredAt;
    }

    /// @inheritdoc IHubWallet
    function suspectedAt() external view returns (uint256) {
        return _suspectedAt;
    }

    /// @inheritdoc IHubWallet
    function payDayAt() external view returns (uint256) {
        return _payDayAt();
    }

    /// @inheritdoc IHubWallet
    function banAt() external view returns (uint256) {
        return _banAt();
    }

    /// @inheritdoc IHubWallet
    function locked() external view returns (uint256) {
        return _locked;
    }

    /// @inheritdoc IHubWallet
    function cooling() external view returns (uint256 amount, uint256 coolingUntil) {
        return (_activeCooling(), _coolingEnd());
    }

    /// @inheritdoc IHubWallet
    function frozen() public view returns (uint256) {
        HubState current = _state;
        return current == HubState.Registered || current == HubState.Suspected ? _parameters.registrationFreeze : 0;
    }

    /// @inheritdoc IHubWallet
    function totalOwed() external view returns (uint256) {
        return _totalOwed;
    }

    /// @inheritdoc IHubWallet
    function owed(address miner) external view returns (uint256) {
        return _owed[miner];
    }

    /// @inheritdoc IHubWallet
    function freeBalance() external view returns (uint256) {
        // Nothing is free in a Punished wallet: it never moves a token again.
        if (_state == HubState.Punished) return 0;
        return _free(uint256(_locked) + frozen() + _activeCooling(), _totalOwed);
    }

    /// @inheritdoc IHubWallet
    function lockFor(uint256 amount) external view returns (uint256) {
        return _lockFor(amount, _parameters.lockBps);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Credits `miner` with `amount` for `deal` and returns the lock it adds (rounded up). Checks the payment,
    /// not the balance: the caller books the total with `_book`.
    function _credit(address miner, uint256 amount, uint256 lockBps, uint256 deal) private returns (uint256 lock) {
        if (amount == 0) revert HubWalletZeroAmount();
        if (miner == address(0) || miner == address(this)) revert HubWalletInvalidMiner(miner);
        lock = _lockFor(amount, lockBps);
        // Cannot overflow where it matters: `_book` checks that the new total owed fits 96 bits, and every `_owed`
        // is at most that total; a wrapped value here is reverted with the rest of the call.
        unchecked {
            _owed[miner] += amount;
        }
        emit Paid(miner, deal, amount, lock);
    }

    /// @dev What paying `amount` locks: `amount × lockBps / 10,000`, rounded up. An amount over 2^256 / 10,000 (far
    /// beyond any SNM supply) overflows and reverts.
    function _lockFor(uint256 amount, uint256 lockBps) private pure returns (uint256) {
        return (amount * lockBps + (BPS - 1)) / BPS;
    }

    /// @dev Reverts unless `receipt` is for this wallet, unexpired, within MAX_RECEIPT_LIFETIME, for a valid miner and
    /// amount, and signed by a key that signs receipts.
    function _checkReceipt(WorkReceipt calldata receipt, bytes calldata signature) private view {
        if (receipt.hub != address(this)) revert HubWalletReceiptForAnotherWallet(receipt.hub);
        // forge-lint: disable-next-line(block-timestamp) -- a receipt lives days; validators move time by seconds.
        if (block.timestamp >= receipt.expiry) revert HubWalletReceiptExpired(receipt.expiry);
        uint256 latest = block.timestamp + MAX_RECEIPT_LIFETIME;
        if (receipt.expiry > latest) revert HubWalletReceiptLifetimeTooLong(receipt.expiry, latest);
        if (receipt.amount == 0) revert HubWalletZeroAmount();
        address miner = receipt.miner;
        if (miner == address(0) || miner == address(this)) revert HubWalletInvalidMiner(miner);
        address signer = ECDSA.recover(_hashReceipt(receipt), signature);
        if (!_signsReceipts(signer)) revert HubWalletNotOperator(signer);
    }

    /// @dev The free balance of a Registered wallet: what `pay` may spend.
    function _available() private view returns (uint256) {
        return _free(uint256(_locked) + _parameters.registrationFreeze + _activeCooling(), _totalOwed);
    }

    /// @dev Whether `signer` may sign receipts: the owner, the operator, or a key replaced less than
    /// MAX_RECEIPT_LIFETIME ago.
    function _signsReceipts(address signer) private view returns (bool) {
        // forge-lint: disable-next-line(block-timestamp) -- a receipt lives days; validators move time by seconds.
        return isOperator(signer) || block.timestamp < _retiredUntil[signer];
    }

    /// @dev The EIP-712 digest of `receipt` in this wallet's domain (each clone is its own verifying contract).
    function _hashReceipt(WorkReceipt calldata receipt) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(RECEIPT_TYPEHASH, receipt)));
    }

    /// @dev Books payouts of `amount` in total that lock `lock`: the free balance must cover both.
    function _book(uint256 amount, uint256 lock) private {
        uint256 locked_ = _locked;
        uint256 totalOwed_ = _totalOwed;
        uint256 available = _free(locked_ + _parameters.registrationFreeze + _activeCooling(), totalOwed_);
        // `amount + lock` cannot overflow where it matters: `available` bounds both by the token's supply, and an
        // amount that large reverts here with the checked addition.
        uint256 required = amount + lock;
        if (available < required) revert HubWalletInsufficientFreeBalance(available, required);
        _locked = (locked_ + lock).toUint96();
        _totalOwed = (totalOwed_ + amount).toUint96();
    }

    /// @dev The balance minus `blocked` (locked + frozen) and `owedToMiners`; 0 if the balance falls short.
    function _free(uint256 blocked, uint256 owedToMiners) private view returns (uint256) {
        uint256 balance = token.balanceOf(address(this));
        uint256 reserved = blocked + owedToMiners;
        return balance > reserved ? balance - reserved : 0;
    }

    /// @dev What the last PayDay unlocked and still cools: blocked from `pay`, `register` and `withdraw`.
    function _activeCooling() private view returns (uint256) {
        // forge-lint: disable-next-line(block-timestamp) -- a cool-down lasts days; validators move time by seconds.
        return block.timestamp < _coolingUntil ? _cooling : 0;
    }

    /// @dev When the last PayDay's cooling ends, 0 if nothing was ever cooling (or a rehab or ban ended it).
    function _coolingEnd() private view returns (uint256) {
        uint256 until = _coolingUntil;
        return until == NOT_COOLING ? 0 : until;
    }

    function _payDayAt() private view returns (uint256) {
        return uint256(_registeredAt) + _parameters.payoutPeriod;
    }

    function _banAt() private view returns (uint256) {
        return uint256(_suspectedAt) + _parameters.suspicionPeriod;
    }

    /// @dev Reverts unless `current` is one of the states in the `allowed` bitmap.
    function _expectState(HubState current, bytes32 allowed) private pure {
        if (_bit(current) & allowed == 0) revert HubWalletUnexpectedState(current, allowed);
    }

    function _bit(HubState s) private pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }
}
