// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {MarketBase} from "../MarketBase.sol";

/// @notice An offer is EIP-712 typed data that `cast wallet sign --data --from-file offer.json` signs as it is: the
/// digest forge computes from the same JSON (alloy's typed-data encoder, as cast's) is the market's `hashOffer`, and
/// the signature of that digest takes the offer.
contract MarketTypedDataTest is MarketBase {
    /// @dev The offer as the JSON file `cast wallet sign --data --from-file` reads (and `sonm market offer` writes).
    function _typedData(IMarket.Offer memory o) internal view returns (string memory) {
        string memory types = string.concat(
            '{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},',
            '{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],',
            '"Offer":[{"name":"hub","type":"address"},{"name":"computation","type":"address"},',
            '{"name":"pricePerLeaf","type":"uint96"},{"name":"maxLeaves","type":"uint64"},',
            '{"name":"gasPerLeaf","type":"uint32"},{"name":"hubBond","type":"uint96"},',
            '{"name":"challengerBond","type":"uint96"},{"name":"challengeWindow","type":"uint32"},',
            '{"name":"responseWindow","type":"uint32"},{"name":"turnaround","type":"uint32"},',
            '{"name":"expiry","type":"uint40"},{"name":"nonce","type":"uint256"}]}'
        );
        string memory domain = string.concat(
            '{"name":"SonmMarket","version":"1","chainId":',
            vm.toString(block.chainid),
            ',"verifyingContract":"',
            vm.toString(address(market)),
            '"}'
        );
        string memory message = string.concat(
            '{"hub":"',
            vm.toString(address(o.hub)),
            '","computation":"',
            vm.toString(address(o.computation)),
            '","pricePerLeaf":"',
            vm.toString(o.pricePerLeaf),
            '","maxLeaves":"',
            vm.toString(o.maxLeaves),
            '","gasPerLeaf":',
            vm.toString(o.gasPerLeaf)
        );
        message = string.concat(
            message,
            ',"hubBond":"',
            vm.toString(o.hubBond),
            '","challengerBond":"',
            vm.toString(o.challengerBond),
            '","challengeWindow":',
            vm.toString(o.challengeWindow),
            ',"responseWindow":',
            vm.toString(o.responseWindow),
            ',"turnaround":',
            vm.toString(o.turnaround),
            ',"expiry":',
            vm.toString(o.expiry),
            ',"nonce":"',
            vm.toString(o.nonce),
            '"}'
        );
        return
            string.concat('{"types":', types, ',"primaryType":"Offer","domain":', domain, ',"message":', message, "}");
    }

    function test_TypedData_DigestIsTheMarketsHash() public view {
        IMarket.Offer memory o = defaultOffer();
        o.nonce = type(uint256).max - 7;
        assertEq(vm.eip712HashTypedData(_typedData(o)), market.hashOffer(o));
    }

    function test_TypedData_SignedAsCastSignsIsTaken() public {
        IMarket.Offer memory o = defaultOffer();
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(operatorKey, vm.eip712HashTypedData(_typedData(o)));
        uint256 dealId = takeAs(buyer, o, abi.encodePacked(r, s, v), LEAVES);
        assertEq(game.task(dealId).solver, address(hub));
        assertEq(market.offerState(market.hashOffer(o)).taken, LEAVES);
    }

    /// The same JSON for another chain or another market is another digest: a signature does not travel.
    function test_TypedData_DomainBindsChainAndContract() public {
        IMarket.Offer memory o = defaultOffer();
        string memory here = _typedData(o);
        vm.chainId(block.chainid + 1);
        assertTrue(vm.eip712HashTypedData(_typedData(o)) != vm.eip712HashTypedData(here));
        assertTrue(market.hashOffer(o) != vm.eip712HashTypedData(here));
    }
}
