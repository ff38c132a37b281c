// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {IWhitelist} from "../../../contracts/interfaces/IWhitelist.sol";
import {Market} from "../../../contracts/market/Market.sol";
import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {MapGame} from "../../../contracts/verification/MapGame.sol";
import {IComputationRegistry} from "../../../contracts/verification/interfaces/IComputationRegistry.sol";
import {IMapGame} from "../../../contracts/verification/interfaces/IMapGame.sol";
import {Deploy} from "../../../script/Deploy.s.sol";
import {Deployment} from "../../../script/deploy/Deployment.sol";
import {Square} from "../../mocks/TestComputations.sol";
import {MerkleTrees} from "../../verification/utils/MerkleTrees.sol";
import {MarketBase} from "../MarketBase.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice A contract posing as a hub wallet: it "bonds" deals out of nothing and lets anyone act for it. The
/// market must never open a deal of it (the buyer's escrow would face no bond at all).
contract ImpostorWallet {
    function isOperator(address) external pure returns (bool) {
        return true;
    }

    function state() external pure returns (HubState) {
        return HubState.Registered;
    }

    function fundDeal(address, uint256, address) external pure {}
}

/// @notice docs/protocol.md, "The market": every attack on an offer and a take. Each attack reverts with its exact
/// error and leaves the attacker no richer and the honest parties whole: the buyer, the hub's wallet, and the market
/// with the game hold what they held before.
contract MarketOffersTest is MarketBase {
    using MerkleTrees for MerkleTrees.Tree;

    uint256 internal constant ESCROW = uint256(PRICE_PER_LEAF) * LEAVES;

    /// @dev The balances an attack must not move (the attacker's may only fall).
    struct Balances {
        uint256 buyer;
        uint256 hub;
        uint256 held;
        uint256 attacker;
    }

    /// @dev Eve's signing key (the base's eve has none).
    address internal eveSigner;
    uint256 internal eveKey;

    function setUp() public override {
        super.setUp();
        (eveSigner, eveKey) = makeAddrAndKey("eveSigner");
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _balances(address attacker) internal view returns (Balances memory b) {
        b.buyer = token.balanceOf(buyer);
        b.hub = token.balanceOf(address(hub));
        b.held = heldByMarketAndGame();
        b.attacker = token.balanceOf(attacker);
    }

    /// @dev The honest parties are whole and the attacker is no richer than in `before`; the market holds nothing.
    function _assertWhole(Balances memory before, address attacker) internal view {
        assertEq(token.balanceOf(buyer), before.buyer, "buyer whole");
        assertEq(token.balanceOf(address(hub)), before.hub, "hub wallet whole");
        assertEq(heldByMarketAndGame(), before.held, "market and game hold what they held");
        assertLe(token.balanceOf(attacker), before.attacker, "attacker no richer");
        assertEq(token.balanceOf(address(market)), 0, "the market holds no token");
    }

    /// @dev `who` takes LEAVES of `o` with `signature`, expecting the revert `err`; every balance stays.
    function _expectTakeReverts(address who, IMarket.Offer memory o, bytes memory signature, bytes memory err)
        internal
    {
        Balances memory before = _balances(who);
        uint256 tasksBefore = game.taskCount();
        vm.expectRevert(err);
        takeAs(who, o, signature, LEAVES);
        _assertWhole(before, who);
        assertEq(game.taskCount(), tasksBefore, "no deal opened");
        assertEq(market.history(address(o.hub)).taken, 0, "no deal counted");
    }

    function _notOperator(address signer) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IHubWallet.HubWalletNotOperator.selector, signer);
    }

    function _unexpectedState(HubState current) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IHubWallet.HubWalletUnexpectedState.selector, current, bytes32(uint256(1) << uint8(HubState.Registered))
        );
    }

    /// @dev The address `signature` recovers for `digest` (a well-formed, low-s signature).
    function _recover(bytes32 digest, bytes memory signature) internal pure returns (address) {
        return ECDSA.recover(digest, signature);
    }

    /// @dev The EIP-712 struct hash of `o`, built field by field from the type string of IMarket's NatSpec.
    function _structHash(IMarket.Offer memory o) internal pure returns (bytes32) {
        bytes32 typehash = keccak256(
            "Offer(address hub,address computation,uint96 pricePerLeaf,uint64 maxLeaves,uint32 gasPerLeaf,"
            "uint96 hubBond,uint96 challengerBond,uint32 challengeWindow,uint32 responseWindow,uint32 turnaround,"
            "uint40 expiry,uint256 nonce)"
        );
        // Every field is a static type: its encoding is one 32-byte word, so the two halves concatenate into the
        // encoding of all thirteen.
        bytes memory head = abi.encode(
            typehash, address(o.hub), address(o.computation), o.pricePerLeaf, o.maxLeaves, o.gasPerLeaf, o.hubBond
        );
        bytes memory tail =
            abi.encode(o.challengerBond, o.challengeWindow, o.responseWindow, o.turnaround, o.expiry, o.nonce);
        return keccak256(bytes.concat(head, tail));
    }

    /// @dev The EIP-712 digest of `o` for a market at `verifyingContract` on chain `chainId`.
    function _digest(IMarket.Offer memory o, uint256 chainId, address verifyingContract)
        internal
        pure
        returns (bytes32)
    {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("SonmMarket"),
                keccak256("1"),
                chainId,
                verifyingContract
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, _structHash(o)));
    }

    function _signDigest(bytes32 digest, uint256 key) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev A second registered hub, owned by a key-holding owner who signs its offers himself (no operator).
    function _otherHub(string memory name, uint256 deposit) internal returns (HubWallet other, uint256 ownerKey) {
        address owner;
        (owner, ownerKey) = makeAddrAndKey(name);
        other = createHub(owner, "other.example.org:15010", name);
        fund(address(other), deposit);
        vm.prank(owner);
        other.register();
    }

    /*//////////////////////////////////////////////////////////////
                              THE DIGEST
    //////////////////////////////////////////////////////////////*/

    function test_HashOffer_IsTheHandBuiltEip712Digest() public view {
        IMarket.Offer memory o = defaultOffer();
        assertEq(market.hashOffer(o), _digest(o, block.chainid, address(market)));
        assertEq(
            market.OFFER_TYPEHASH(),
            keccak256(
                "Offer(address hub,address computation,uint96 pricePerLeaf,uint64 maxLeaves,uint32 gasPerLeaf,"
                "uint96 hubBond,uint96 challengerBond,uint32 challengeWindow,uint32 responseWindow,uint32 turnaround,"
                "uint40 expiry,uint256 nonce)"
            )
        );
        // Every field is signed: changing any one changes the digest.
        IMarket.Offer memory changed = defaultOffer();
        changed.nonce = 2;
        assertTrue(market.hashOffer(changed) != market.hashOffer(o));
        changed = defaultOffer();
        changed.expiry += 1;
        assertTrue(market.hashOffer(changed) != market.hashOffer(o));
    }

    function test_Eip712Domain_IsSonmMarketVersionOneOfThisMarket() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        ) = market.eip712Domain();
        assertEq(fields, hex"0f");
        assertEq(name, "SonmMarket");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifyingContract, address(market));
        assertEq(salt, bytes32(0));
        assertEq(extensions.length, 0);
    }

    /*//////////////////////////////////////////////////////////////
                             HONEST TAKES
    //////////////////////////////////////////////////////////////*/

    function test_Take_OpensTheDealClaimedByTheHub() public {
        IMarket.Offer memory o = defaultOffer();
        bytes32 offerHash = market.hashOffer(o);
        uint256 buyerBefore = token.balanceOf(buyer);
        uint256 hubBefore = token.balanceOf(address(hub));
        bytes memory signature = sign(o, operatorKey);
        uint256 expectedId = game.taskCount() + 1;
        vm.expectEmit(address(market));
        emit IMarket.DealTaken(expectedId, offerHash, address(hub), buyer, LEAVES, ESCROW);
        uint256 dealId = takeAs(buyer, o, signature, LEAVES);
        assertEq(dealId, expectedId);

        IMapGame.Task memory t = game.task(dealId);
        assertEq(t.buyer, buyer);
        assertEq(t.solver, address(hub));
        assertEq(uint8(t.status), uint8(IMapGame.TaskStatus.Claimed));
        assertEq(t.reward, ESCROW);
        assertEq(t.solverBond, o.hubBond);
        assertEq(t.challengerBond, o.challengerBond);
        assertEq(t.leafCount, LEAVES);
        assertEq(t.inputRoot, inputTree.root());
        assertEq(t.deadline, block.timestamp + o.turnaround);
        assertEq(t.commitDeadline, block.timestamp + o.turnaround);
        assertEq(t.round, 1);
        IMapGame.DealTerms memory terms = game.dealTerms(dealId);
        assertTrue(t.isDeal);
        assertEq(terms.challengeWindow, o.challengeWindow);
        assertEq(terms.responseWindow, o.responseWindow);

        assertEq(token.balanceOf(buyer), buyerBefore - ESCROW, "escrow left the buyer");
        assertEq(token.balanceOf(address(hub)), hubBefore - o.hubBond, "bond left the wallet");
        assertEq(token.balanceOf(address(game)), ESCROW + o.hubBond, "both are in the game");
        assertEq(token.balanceOf(address(market)), 0, "the market holds nothing");
        assertEq(market.offerState(offerHash).taken, LEAVES);
        assertFalse(market.offerState(offerHash).cancelled);
        assertEq(market.history(address(hub)).taken, 1);
        assertTrue(market.hasBought(address(hub), buyer));
    }

    function test_Take_SignedByTheOwner() public {
        IMarket.Offer memory o = defaultOffer();
        uint256 dealId = takeAs(buyer, o, sign(o, hubOwnerKey), LEAVES);
        assertEq(game.task(dealId).solver, address(hub));
    }

    /// @dev The hub's own owner may buy from it: one more distinct buyer.
    function test_Take_ByTheHubsOwnerCountsAsABuyer() public {
        fund(hubOwner, 1000 ether);
        vm.prank(hubOwner);
        token.approve(address(market), type(uint256).max);
        takeWorld();
        assertFalse(market.hasBought(address(hub), hubOwner));
        uint256 dealId = takeAs(hubOwner, defaultOffer(), LEAVES);
        assertEq(game.task(dealId).buyer, hubOwner);
        assertTrue(market.hasBought(address(hub), hubOwner));
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.taken, 2);
        assertEq(h.buyers, 2);
    }

    function test_Take_SameBuyerTwiceIsOneBuyer() public {
        takeWorld();
        takeWorld();
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.taken, 2);
        assertEq(h.buyers, 1);
        takeAs(bob, defaultOffer(), 1);
        h = market.history(address(hub));
        assertEq(h.taken, 3);
        assertEq(h.buyers, 2);
        assertFalse(market.hasBought(address(hub), carol));
    }

    /// @dev The volume is counted across takes, down to the last leaf.
    function test_Take_VolumeTrackedAcrossTakes() public {
        IMarket.Offer memory o = defaultOffer();
        o.maxLeaves = 10;
        bytes32 offerHash = market.hashOffer(o);
        takeAs(buyer, o, 4);
        assertEq(market.offerState(offerHash).taken, 4);
        takeAs(bob, o, 4);
        assertEq(market.offerState(offerHash).taken, 8);
        takeAs(carol, o, 2);
        assertEq(market.offerState(offerHash).taken, 10);
    }

    function test_Take_TurnaroundAtItsBounds() public {
        IMarket.Offer memory o = defaultOffer();
        o.turnaround = game.MIN_WINDOW();
        uint256 dealId = takeAs(buyer, o, 1);
        assertEq(game.task(dealId).deadline, block.timestamp + game.MIN_WINDOW());
        o.turnaround = game.MAX_WINDOW();
        o.challengeWindow = game.MAX_WINDOW();
        o.responseWindow = game.MAX_WINDOW();
        dealId = takeAs(buyer, o, 1);
        assertEq(game.task(dealId).deadline, block.timestamp + game.MAX_WINDOW());
        assertEq(game.dealTerms(dealId).challengeWindow, game.MAX_WINDOW());
        assertEq(game.dealTerms(dealId).responseWindow, game.MAX_WINDOW());
    }

    /// @dev The price may use all 96 bits.
    function test_Take_PriceAtTheLargestThatFits() public {
        IMarket.Offer memory o = defaultOffer();
        o.pricePerLeaf = type(uint96).max;
        fund(buyer, SUPPLY / 2);
        bytes memory signature = sign(o, operatorKey);
        // A price of 2^96 - 1 is more SNM than exist: the escrow is refused by the token, not by the price check.
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientBalance.selector, buyer, token.balanceOf(buyer), uint256(type(uint96).max)
            )
        );
        takeAs(buyer, o, signature, 1);
    }

    /*//////////////////////////////////////////////////////////////
                           FORGED SIGNATURES
    //////////////////////////////////////////////////////////////*/

    /// @dev Eve signs an offer of the hub herself and takes it, to lock the hub's bond in a deal of her own.
    function test_RevertWhen_OfferForgedByAStranger() public {
        IMarket.Offer memory o = defaultOffer();
        _expectTakeReverts(eve, o, sign(o, eveKey), _notOperator(eveSigner));
    }

    /// @dev Eve changes the terms the operator signed (a lower price, a smaller bond): the signature recovers
    /// someone else, who does not act for the hub.
    function test_RevertWhen_OfferTampered() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        IMarket.Offer memory tampered = defaultOffer();
        tampered.pricePerLeaf = 1;
        address recovered = _recover(market.hashOffer(tampered), signature);
        assertTrue(recovered != operator);
        _expectTakeReverts(eve, tampered, signature, _notOperator(recovered));

        tampered = defaultOffer();
        tampered.hubBond = o.hubBond * 10;
        recovered = _recover(market.hashOffer(tampered), signature);
        _expectTakeReverts(eve, tampered, signature, _notOperator(recovered));
    }

    /// @dev Another hub's operator signature cannot open a deal on this hub.
    function test_RevertWhen_OfferMovedToAnotherHub() public {
        (HubWallet other,) = _otherHub("otherOwner", 1000 ether);
        IMarket.Offer memory o = offerOf(other);
        bytes memory signature = sign(o, operatorKey);
        _expectTakeReverts(buyer, o, signature, _notOperator(operator));
        assertEq(token.balanceOf(address(other)), 1000 ether, "the other hub is whole");
    }

    function test_RevertWhen_SignatureTooShort() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory full = sign(o, operatorKey);
        bytes memory short = new bytes(64);
        for (uint256 i; i < 64; ++i) {
            short[i] = full[i];
        }
        _expectTakeReverts(buyer, o, short, abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureLength.selector, 64));
        _expectTakeReverts(buyer, o, "", abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureLength.selector, 0));
        _expectTakeReverts(
            buyer,
            o,
            bytes.concat(full, hex"00"),
            abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureLength.selector, 66)
        );
    }

    /// @dev The other of the two signatures of the same digest (high s): refused, so a signature has one form.
    function test_RevertWhen_SignatureMalleated() public {
        IMarket.Offer memory o = defaultOffer();
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(operatorKey, market.hashOffer(o));
        bytes32 highS = bytes32(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 - uint256(s));
        uint8 flipped = v == 27 ? 28 : 27;
        _expectTakeReverts(
            buyer,
            o,
            abi.encodePacked(r, highS, flipped),
            abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureS.selector, highS)
        );
    }

    function test_RevertWhen_SignatureVInvalid() public {
        IMarket.Offer memory o = defaultOffer();
        (, bytes32 r, bytes32 s) = vm.sign(operatorKey, market.hashOffer(o));
        _expectTakeReverts(
            buyer, o, abi.encodePacked(r, s, uint8(29)), abi.encodeWithSelector(ECDSA.ECDSAInvalidSignature.selector)
        );
    }

    /*//////////////////////////////////////////////////////////////
                               REPLAYS
    //////////////////////////////////////////////////////////////*/

    /// @dev An offer signed for this chain, taken on a fork with another chain id: the domain differs, the signature
    /// recovers a stranger.
    function test_RevertWhen_OfferReplayedOnAnotherChain() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        uint256 home = block.chainid;
        vm.chainId(home + 1);
        bytes32 digest = market.hashOffer(o);
        assertEq(digest, _digest(o, home + 1, address(market)), "the domain follows the chain");
        address recovered = _recover(digest, signature);
        assertTrue(recovered != operator);
        _expectTakeReverts(buyer, o, signature, _notOperator(recovered));
        // Back on its chain the same signature is good.
        vm.chainId(home);
        takeAs(buyer, o, signature, LEAVES);
    }

    /// @dev The same offer signed for another market (another verifying contract), here a second deployment made by
    /// the deploy script: refused by this one.
    function test_RevertWhen_OfferReplayedFromAnotherMarket() public {
        Deployment memory d2 = new Deploy().deploy(governanceConfig(), makeAddr("deployer2"));
        assertTrue(d2.market != address(market));
        IMarket.Offer memory o = defaultOffer();
        bytes32 elsewhere = Market(d2.market).hashOffer(o);
        assertEq(elsewhere, _digest(o, block.chainid, d2.market), "the hand-built digest of the other market");
        bytes memory signature = _signDigest(elsewhere, operatorKey);
        address recovered = _recover(market.hashOffer(o), signature);
        assertTrue(recovered != operator);
        _expectTakeReverts(buyer, o, signature, _notOperator(recovered));
    }

    /// @dev Signed for a verifying contract at any other address: the same.
    function test_RevertWhen_OfferSignedForAnotherVerifyingContract() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = _signDigest(_digest(o, block.chainid, address(game)), operatorKey);
        _expectTakeReverts(buyer, o, signature, _notOperator(_recover(market.hashOffer(o), signature)));
    }

    /*//////////////////////////////////////////////////////////////
                          EXPIRY, CANCEL, VOLUME
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_OfferExpired() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        vm.warp(o.expiry + 1 days);
        _expectTakeReverts(buyer, o, signature, abi.encodeWithSelector(IMarket.MarketOfferExpired.selector, o.expiry));
    }

    function test_RevertWhen_OfferTakenExactlyAtExpiry() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        vm.warp(o.expiry);
        _expectTakeReverts(buyer, o, signature, abi.encodeWithSelector(IMarket.MarketOfferExpired.selector, o.expiry));
    }

    function test_Take_OneSecondBeforeExpiry() public {
        IMarket.Offer memory o = defaultOffer();
        vm.warp(o.expiry - 1);
        takeAs(buyer, o, LEAVES);
        assertEq(market.history(address(hub)).taken, 1);
    }

    function test_Cancel_ByTheOperator() public {
        IMarket.Offer memory o = defaultOffer();
        bytes32 offerHash = market.hashOffer(o);
        bytes memory signature = sign(o, operatorKey);
        vm.expectEmit(address(market));
        emit IMarket.OfferCancelled(offerHash, address(hub), operator);
        vm.prank(operator);
        market.cancel(o);
        assertTrue(market.offerState(offerHash).cancelled);
        _expectTakeReverts(
            buyer, o, signature, abi.encodeWithSelector(IMarket.MarketOfferCancelled.selector, offerHash)
        );
    }

    function test_Cancel_ByTheOwner() public {
        IMarket.Offer memory o = defaultOffer();
        bytes32 offerHash = market.hashOffer(o);
        vm.expectEmit(address(market));
        emit IMarket.OfferCancelled(offerHash, address(hub), hubOwner);
        vm.prank(hubOwner);
        market.cancel(o);
        _expectTakeReverts(
            buyer, o, sign(o, operatorKey), abi.encodeWithSelector(IMarket.MarketOfferCancelled.selector, offerHash)
        );
    }

    /// @dev A cancel stops later takes only: what was taken stays taken, and the rest of the volume is gone.
    function test_Cancel_AfterAPartialTake() public {
        IMarket.Offer memory o = defaultOffer();
        bytes32 offerHash = market.hashOffer(o);
        uint256 dealId = takeAs(buyer, o, 3);
        vm.prank(operator);
        market.cancel(o);
        assertEq(market.offerState(offerHash).taken, 3);
        assertEq(uint8(game.task(dealId).status), uint8(IMapGame.TaskStatus.Claimed), "the deal lives on");
        bytes memory signature = sign(o, operatorKey);
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketOfferCancelled.selector, offerHash));
        takeAs(bob, o, signature, 1);
    }

    function test_RevertWhen_CancelByAStranger() public {
        IMarket.Offer memory o = defaultOffer();
        bytes32 offerHash = market.hashOffer(o);
        vm.expectRevert(_notOperator(eve));
        vm.prank(eve);
        market.cancel(o);
        assertFalse(market.offerState(offerHash).cancelled);
        takeAs(buyer, o, LEAVES);
    }

    function test_RevertWhen_CancelByARevokedOperator() public {
        IMarket.Offer memory o = defaultOffer();
        vm.prank(hubOwner);
        hub.setOperator(address(0));
        vm.expectRevert(_notOperator(operator));
        vm.prank(operator);
        market.cancel(o);
    }

    function test_RevertWhen_OfferOverTaken() public {
        IMarket.Offer memory o = defaultOffer();
        o.maxLeaves = 10;
        bytes32 offerHash = market.hashOffer(o);
        bytes memory signature = sign(o, operatorKey);
        takeAs(buyer, o, signature, 4);
        takeAs(bob, o, signature, 4);
        Balances memory before = _balances(carol);
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketOfferVolumeExceeded.selector, offerHash, 3, 2));
        takeAs(carol, o, signature, 3);
        _assertWhole(before, carol);
        assertEq(market.offerState(offerHash).taken, 8, "a refused take takes nothing");
        takeAs(carol, o, signature, 2);
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketOfferVolumeExceeded.selector, offerHash, 1, 0));
        takeAs(carol, o, signature, 1);
        assertEq(market.offerState(offerHash).taken, 10);
        assertEq(market.history(address(hub)).taken, 3);
    }

    function test_RevertWhen_OneTakeAboveTheVolume() public {
        IMarket.Offer memory o = defaultOffer();
        o.maxLeaves = LEAVES - 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(IMarket.MarketOfferVolumeExceeded.selector, market.hashOffer(o), LEAVES, LEAVES - 1)
        );
    }

    /*//////////////////////////////////////////////////////////////
                          THE HUB AND ITS KEYS
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_OfferOfARevokedOperator() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        vm.prank(hubOwner);
        hub.setOperator(address(0));
        _expectTakeReverts(buyer, o, signature, _notOperator(operator));
    }

    /// @dev A new key replaces the old one: the old key's offers die, the new key's live, the owner's stay good.
    function test_RevertWhen_OfferOfAReplacedOperator() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory oldSignature = sign(o, operatorKey);
        (address newOperator, uint256 newKey) = makeAddrAndKey("newOperator");
        vm.prank(hubOwner);
        hub.setOperator(newOperator);
        _expectTakeReverts(buyer, o, oldSignature, _notOperator(operator));
        takeAs(buyer, o, sign(o, newKey), LEAVES);
        takeAs(buyer, o, sign(o, hubOwnerKey), LEAVES);
        assertEq(market.history(address(hub)).taken, 2);
    }

    /// @dev A revoked operator cannot commit on the deals it sold either; the new key can.
    function test_RevertWhen_RevokedOperatorCommits() public {
        uint256 dealId = takeWorld();
        (address newOperator,) = makeAddrAndKey("newOperator");
        vm.prank(hubOwner);
        hub.setOperator(newOperator);
        assertFalse(market.actsFor(address(hub), operator));
        bytes32 root = resultTree.root();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotSolver.selector, operator, address(hub)));
        commitAs(operator, dealId, root);
        commitAs(newOperator, dealId, root);
        assertEq(uint8(game.task(dealId).status), uint8(IMapGame.TaskStatus.Committed));
    }

    function test_RevertWhen_StrangerCommitsOnADeal() public {
        uint256 dealId = takeWorld();
        bytes32 root = resultTree.root();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotSolver.selector, eve, address(hub)));
        commitAs(eve, dealId, root);
    }

    /// @dev The owner commits through the wallet's own check (the market's copy holds the operator only).
    function test_Commit_ByTheOwner() public {
        uint256 dealId = takeWorld();
        assertTrue(market.actsFor(address(hub), hubOwner));
        commitAs(hubOwner, dealId, resultTree.root());
        assertEq(uint8(game.task(dealId).status), uint8(IMapGame.TaskStatus.Committed));
    }

    function test_ActsFor() public {
        assertTrue(market.actsFor(address(hub), operator), "the operator");
        assertTrue(market.actsFor(address(hub), hubOwner), "the owner");
        assertFalse(market.actsFor(address(hub), eve), "a stranger");
        assertFalse(market.actsFor(address(hub), address(0)), "never the zero address");
        vm.prank(hubOwner);
        hub.setOperator(address(0));
        assertFalse(market.actsFor(address(hub), operator), "a revoked operator");
        assertFalse(market.actsFor(address(hub), address(0)), "never the zero address, with no operator either");
        assertTrue(market.actsFor(address(hub), hubOwner), "the owner still");
    }

    function test_RevertWhen_OfferOfASuspectedHub() public {
        IMarket.Offer memory o = defaultOffer();
        asDao();
        hub.suspect();
        _expectTakeReverts(buyer, o, sign(o, operatorKey), _unexpectedState(HubState.Suspected));
    }

    function test_RevertWhen_OfferOfAPunishedHub() public {
        banHub(hub);
        IMarket.Offer memory o = defaultOffer();
        _expectTakeReverts(buyer, o, sign(o, operatorKey), _unexpectedState(HubState.Punished));
    }

    function test_RevertWhen_OfferOfAnIdleHub() public {
        skip(hub.parameters().payoutPeriod);
        vm.prank(operator);
        hub.payDay();
        IMarket.Offer memory o = defaultOffer();
        _expectTakeReverts(buyer, o, sign(o, operatorKey), _unexpectedState(HubState.Idle));
    }

    /// @dev A contract that is no hub wallet: the buyer would face no bond. Refused before anything moves.
    function test_RevertWhen_OfferOfAnImpostorWallet() public {
        ImpostorWallet impostor = new ImpostorWallet();
        IMarket.Offer memory o = defaultOffer();
        o.hub = IHubWallet(address(impostor));
        _expectTakeReverts(
            buyer, o, sign(o, eveKey), abi.encodeWithSelector(IMarket.MarketUnknownHub.selector, address(impostor))
        );
    }

    function test_RevertWhen_OfferOfAnAccountWithoutCode() public {
        IMarket.Offer memory o = defaultOffer();
        o.hub = IHubWallet(eve);
        _expectTakeReverts(buyer, o, sign(o, eveKey), abi.encodeWithSelector(IMarket.MarketUnknownHub.selector, eve));
    }

    /// @dev A clone of the wallet nobody made through the factory has the wallet's code, but the Whitelist never
    /// lets it register, so it cannot bond.
    function test_RevertWhen_OfferOfAStrayClone() public {
        HubWallet stray = HubWallet(Clones.clone(address(hubWalletImplementation)));
        stray.initialize(eveSigner, defaultParameters());
        fund(address(stray), 1000 ether);
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, address(stray)));
        vm.prank(eveSigner);
        stray.register();
        IMarket.Offer memory o = offerOf(stray);
        _expectTakeReverts(buyer, o, sign(o, eveKey), _unexpectedState(HubState.Created));
        assertEq(token.balanceOf(address(stray)), 1000 ether);
    }

    function test_RevertWhen_HubCannotCoverTheBond() public {
        (HubWallet poor, uint256 poorKey) = _otherHub("poorOwner", 1 ether + 10 ether);
        IMarket.Offer memory o = offerOf(poor);
        uint256 poorBefore = token.balanceOf(address(poor));
        _expectTakeReverts(
            buyer,
            o,
            sign(o, poorKey),
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 10 ether, o.hubBond)
        );
        assertEq(token.balanceOf(address(poor)), poorBefore);
    }

    /// @dev What the wallet owes its miners is not free: it cannot be bonded.
    function test_RevertWhen_HubsFreeBalanceIsOwedToMiners() public {
        (HubWallet poor, uint256 poorKey) = _otherHub("poorOwner", 1 ether + 60 ether);
        vm.prank(poor.owner());
        poor.pay(dave, 10 ether, 0);
        // 60 - 10 owed - 3 locked: 47, short of the 50 bond.
        IMarket.Offer memory o = offerOf(poor);
        _expectTakeReverts(
            buyer,
            o,
            sign(o, poorKey),
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 47 ether, o.hubBond)
        );
    }

    /*//////////////////////////////////////////////////////////////
                              THE BUYER
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_BuyerDidNotApprove() public {
        address frank = makeAddr("frank");
        fund(frank, 1000 ether);
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        uint256 hubBefore = token.balanceOf(address(hub));
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, ESCROW)
        );
        takeAs(frank, o, signature, LEAVES);
        assertEq(token.balanceOf(frank), 1000 ether);
        assertEq(token.balanceOf(address(hub)), hubBefore);
    }

    function test_RevertWhen_BuyerCannotPay() public {
        address frank = makeAddr("frank");
        fund(frank, ESCROW - 1);
        vm.prank(frank);
        token.approve(address(market), type(uint256).max);
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        uint256 hubBefore = token.balanceOf(address(hub));
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, frank, ESCROW - 1, ESCROW)
        );
        takeAs(frank, o, signature, LEAVES);
        assertEq(token.balanceOf(frank), ESCROW - 1);
        assertEq(token.balanceOf(address(hub)), hubBefore);
    }

    /*//////////////////////////////////////////////////////////////
                             BAD TERMS
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_ComputationNotRegistered() public {
        Square unregistered = new Square();
        IMarket.Offer memory o = defaultOffer();
        o.computation = unregistered;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(IMapGame.MapGameComputationNotRegistered.selector, address(unregistered))
        );
    }

    function test_RevertWhen_PriceOverflows() public {
        IMarket.Offer memory o = defaultOffer();
        o.pricePerLeaf = type(uint96).max;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(IMarket.MarketPriceOverflow.selector, type(uint96).max, LEAVES)
        );
    }

    function test_RevertWhen_ZeroLeaves() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        Balances memory before = _balances(buyer);
        vm.expectRevert(IMapGame.MapGameZeroLeafCount.selector);
        takeAs(buyer, o, signature, 0);
        _assertWhole(before, buyer);
    }

    function test_RevertWhen_ZeroPrice() public {
        IMarket.Offer memory o = defaultOffer();
        o.pricePerLeaf = 0;
        _expectTakeReverts(buyer, o, sign(o, operatorKey), abi.encodeWithSelector(IMapGame.MapGameZeroReward.selector));
    }

    function test_RevertWhen_HubBondBelowTheGamesMinimum() public {
        IMarket.Offer memory o = defaultOffer();
        uint96 minimum = game.parameters().minSolverBond;
        o.hubBond = minimum - 1;
        o.challengerBond = game.parameters().minChallengerBond;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(IMapGame.MapGameSolverBondTooLow.selector, minimum - 1, minimum)
        );
    }

    function test_RevertWhen_ChallengerBondAboveTheHubBond() public {
        IMarket.Offer memory o = defaultOffer();
        o.challengerBond = o.hubBond + 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(
                IMapGame.MapGameChallengerBondOutOfRange.selector,
                o.hubBond + 1,
                game.parameters().minChallengerBond,
                o.hubBond
            )
        );
    }

    function test_RevertWhen_GasPerLeafAboveTheGamesMaximum() public {
        IMarket.Offer memory o = defaultOffer();
        uint32 maximum = game.parameters().maxGasPerLeaf;
        o.gasPerLeaf = maximum + 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(IMapGame.MapGameGasPerLeafOutOfRange.selector, maximum + 1, maximum)
        );
    }

    function test_RevertWhen_ChallengeWindowBelowTheGames() public {
        IMarket.Offer memory o = defaultOffer();
        uint32 gameWindow = game.parameters().challengeWindow;
        o.challengeWindow = gameWindow - 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(
                IMapGame.MapGameChallengeWindowOutOfRange.selector, gameWindow - 1, gameWindow, game.MAX_WINDOW()
            )
        );
    }

    function test_RevertWhen_ChallengeWindowAboveTheMaximum() public {
        IMarket.Offer memory o = defaultOffer();
        o.challengeWindow = game.MAX_WINDOW() + 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(
                IMapGame.MapGameChallengeWindowOutOfRange.selector,
                game.MAX_WINDOW() + 1,
                game.parameters().challengeWindow,
                game.MAX_WINDOW()
            )
        );
    }

    function test_RevertWhen_ResponseWindowBelowTheGames() public {
        IMarket.Offer memory o = defaultOffer();
        uint32 gameWindow = game.parameters().responseWindow;
        o.responseWindow = gameWindow - 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(
                IMapGame.MapGameResponseWindowOutOfRange.selector, gameWindow - 1, gameWindow, game.MAX_WINDOW()
            )
        );
    }

    function test_RevertWhen_ResponseWindowAboveTheMaximum() public {
        IMarket.Offer memory o = defaultOffer();
        o.responseWindow = game.MAX_WINDOW() + 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(
                IMapGame.MapGameResponseWindowOutOfRange.selector,
                game.MAX_WINDOW() + 1,
                game.parameters().responseWindow,
                game.MAX_WINDOW()
            )
        );
    }

    function test_RevertWhen_TurnaroundBelowTheMinimum() public {
        IMarket.Offer memory o = defaultOffer();
        o.turnaround = game.MIN_WINDOW() - 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(
                IMapGame.MapGameTurnaroundOutOfRange.selector,
                game.MIN_WINDOW() - 1,
                game.MIN_WINDOW(),
                game.MAX_WINDOW()
            )
        );
    }

    function test_RevertWhen_TurnaroundAboveTheMaximum() public {
        IMarket.Offer memory o = defaultOffer();
        o.turnaround = game.MAX_WINDOW() + 1;
        _expectTakeReverts(
            buyer,
            o,
            sign(o, operatorKey),
            abi.encodeWithSelector(
                IMapGame.MapGameTurnaroundOutOfRange.selector,
                game.MAX_WINDOW() + 1,
                game.MIN_WINDOW(),
                game.MAX_WINDOW()
            )
        );
    }

    /*//////////////////////////////////////////////////////////////
                          PRIVILEGED ENTRIES
    //////////////////////////////////////////////////////////////*/

    /// @dev Eve opens a "deal" of the hub straight in the game, with no escrow and no bond behind it.
    function test_RevertWhen_StrangerOpensADealInTheGame() public {
        IMapGame.DealSpec memory s = IMapGame.DealSpec({
            computation: square,
            inputRoot: inputTree.root(),
            leafCount: LEAVES,
            gasPerLeaf: GAS_PER_LEAF,
            reward: uint96(ESCROW),
            solverBond: SOLVER_BOND,
            challengerBond: CHALLENGER_BOND,
            challengeWindow: game.parameters().challengeWindow,
            responseWindow: game.parameters().responseWindow,
            turnaround: TURNAROUND
        });
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotMarket.selector, eve));
        vm.prank(eve);
        game.openDeal(eve, address(hub), s, "");
    }

    /// @dev Eve writes a fault into the hub's history, or a delivery into her own.
    function test_RevertWhen_StrangerRecordsAnOutcome() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketNotGame.selector, eve));
        vm.prank(eve);
        market.recordOutcome(address(hub), IMarket.Outcome.CheatProven, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketNotGame.selector, address(hub)));
        vm.prank(address(hub));
        market.recordOutcome(address(hub), IMarket.Outcome.Accepted, LEAVES, ESCROW);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.cheatsProven, 0);
        assertEq(h.accepted, 0);
    }

    /// @dev Eve points the market's copy of a hub's operator at herself, or marks a hub banned.
    function test_RevertWhen_StrangerRecordsForAWallet() public {
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketNotHubWallet.selector, eve));
        vm.prank(eve);
        market.recordOperator(eve);
        ImpostorWallet impostor = new ImpostorWallet();
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketNotHubWallet.selector, address(impostor)));
        vm.prank(address(impostor));
        market.recordBan();
        assertFalse(market.actsFor(address(hub), eve));
        assertFalse(market.history(address(hub)).banned);
    }

    /// @dev A wallet writes only its own entries: a stray clone (the wallet's code) records its own operator, never
    /// another hub's.
    function test_RecordOperator_WritesOnlyTheCallersEntry() public {
        HubWallet stray = HubWallet(Clones.clone(address(hubWalletImplementation)));
        stray.initialize(eve, defaultParameters());
        vm.prank(eve);
        stray.setOperator(eve);
        assertTrue(market.actsFor(address(stray), eve));
        assertFalse(market.actsFor(address(hub), eve));
    }

    function test_Ban_IsRecordedInTheHistory() public {
        assertFalse(market.history(address(hub)).banned);
        asDao();
        hub.suspect();
        assertFalse(market.history(address(hub)).banned);
        skip(hub.parameters().suspicionPeriod);
        asDao();
        hub.ban();
        assertTrue(market.history(address(hub)).banned);
    }

    function test_RevertWhen_MarketGivenAGameOfAnotherMarket() public {
        MapGame other = new MapGame(
            IERC20(d.token), d.timelock, IComputationRegistry(d.computationRegistry), eve, game.parameters()
        );
        vm.expectRevert(abi.encodeWithSelector(IMarket.MarketGameMismatch.selector, eve));
        new Market(IERC20(d.token), other, IWhitelist(d.whitelist));
    }

    /// @dev A game made for the address the market will have: the pair is wired, and the market knows the wallets'
    /// code.
    function test_Constructor_WiresTheGameAndTheWalletCode() public {
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        MapGame other = new MapGame(
            IERC20(d.token), d.timelock, IComputationRegistry(d.computationRegistry), predicted, game.parameters()
        );
        Market m = new Market(IERC20(d.token), other, IWhitelist(d.whitelist));
        assertEq(address(m), predicted);
        assertEq(address(m.game()), address(other));
        assertEq(address(m.token()), d.token);
        assertEq(address(m.whitelist()), d.whitelist);
        assertEq(m.walletCodeHash(), address(hub).codehash);
        assertEq(market.walletCodeHash(), address(hub).codehash);
    }

    /*//////////////////////////////////////////////////////////////
                              HISTORIES
    //////////////////////////////////////////////////////////////*/

    function test_Histories_PagesTheWhitelistsHubs() public {
        (HubWallet other, uint256 otherKey) = _otherHub("otherOwner", 1000 ether);
        takeWorld();
        takeWorld();
        IMarket.Offer memory o = offerOf(other);
        takeAs(bob, o, sign(o, otherKey), 1);

        IMarket.HubHistory[] memory page = market.histories(0, 10);
        assertEq(page.length, 2);
        assertEq(page[0].hub, address(hub));
        assertEq(page[0].history.taken, 2);
        assertEq(page[0].history.buyers, 1);
        assertEq(page[1].hub, address(other));
        assertEq(page[1].history.taken, 1);
        page = market.histories(1, 10);
        assertEq(page.length, 1);
        assertEq(page[0].hub, address(other));
        page = market.histories(0, 1);
        assertEq(page.length, 1);
        assertEq(page[0].hub, address(hub));
        assertEq(market.histories(2, 10).length, 0);
    }

    /// @dev The sum of delivered leaves saturates instead of reverting: a history never blocks a settlement.
    function test_History_LeavesDeliveredSaturate() public {
        IMarket.Offer memory o = defaultOffer();
        o.pricePerLeaf = 1;
        o.maxLeaves = type(uint64).max;
        uint64 half = type(uint64).max / 2 + 1;
        // Two offers: one cannot sell more than 2^64 - 1 leaves in all.
        for (uint256 i; i < 2; ++i) {
            o.nonce = 100 + i;
            uint256 dealId = takeAs(buyer, o, half);
            commitDeal(dealId);
            vm.prank(buyer);
            game.accept(dealId);
        }
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.accepted, 2);
        assertEq(h.leavesDelivered, type(uint64).max, "saturated");
        assertEq(h.earned, 2 * uint256(half), "the reward did not saturate");
    }
}
