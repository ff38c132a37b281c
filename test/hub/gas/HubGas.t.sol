// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {BaseTest} from "../../utils/BaseTest.sol";

/// @notice The hub economy's hot paths, each measured from a cold start (every account and slot cold, as in a fresh
/// transaction). Every input is fixed, so the figures are deterministic. Two suites share the scenarios:
/// - `HubGasTest`: the gas of the call itself (no 21,000 intrinsic gas, no calldata cost), checked against the
///   targets of issue 3: createHub ≤ 250,000, pay ≤ 80,000, claim ≤ 50,000, register ≤ 120,000, payDay ≤ 80,000;
/// - `HubGasTransactionTest`: the whole transaction (intrinsic gas and calldata included), for the record.
abstract contract HubGasScenarios is BaseTest {
    string internal constant ENDPOINT = "hub.example.org:15010";
    string internal constant NAME = "example hub";

    /// @dev Records the last call's gas as `name` and checks it against `target` (0: no target). `data` is the call's
    /// calldata, whose cost a transaction pays on top of the execution.
    function _record(string memory name, uint256 target, bytes memory data) internal virtual;

    /// @dev Makes every account the hub economy touches cold again, as at the start of a transaction.
    function _cool(HubWallet hub) internal {
        vm.cool(address(token));
        vm.cool(address(whitelist));
        vm.cool(address(factory));
        vm.cool(address(hubWalletImplementation));
        vm.cool(address(vault));
        vm.cool(address(timelock));
        if (address(hub) != address(0)) vm.cool(address(hub));
    }

    function test_Gas_CreateHub() public {
        _cool(HubWallet(address(0)));
        vm.prank(hubOwner);
        factory.createHub(ENDPOINT, NAME);
        _record("HubFactory_createHub", 250_000, abi.encodeCall(factory.createHub, (ENDPOINT, NAME)));
    }

    function test_Gas_Register() public {
        HubWallet hub = createHub(hubOwner, ENDPOINT, NAME);
        fund(address(hub), 100 ether);
        _cool(hub);
        vm.prank(hubOwner);
        hub.register();
        _record("HubWallet_register", 120_000, abi.encodeCall(hub.register, ()));
    }

    /// @dev The first payout of a period to a new miner: every slot written goes from zero to non-zero.
    function test_Gas_Pay_FirstPayoutToNewMiner() public {
        HubWallet hub = createRegisteredHub(hubOwner, 100 ether);
        _cool(hub);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        _record("HubWallet_pay_firstPayoutToNewMiner", 80_000, abi.encodeCall(hub.pay, (alice, 10 ether, 0)));
    }

    /// @dev A later payout to a miner already owed something.
    function test_Gas_Pay_AnotherPayout() public {
        HubWallet hub = createRegisteredHub(hubOwner, 100 ether);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        _cool(hub);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        _record("HubWallet_pay_anotherPayout", 80_000, abi.encodeCall(hub.pay, (alice, 10 ether, 0)));
    }

    /// @dev A miner who holds no SNM yet: its token balance goes from zero to non-zero (the worst case).
    function test_Gas_Claim_MinerWithoutBalance() public {
        HubWallet hub = createRegisteredHub(hubOwner, 100 ether);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        _cool(hub);
        vm.prank(alice);
        hub.claim();
        _record("HubWallet_claim_minerWithoutBalance", 50_000, abi.encodeCall(hub.claim, ()));
    }

    /// @dev A miner who already holds SNM.
    function test_Gas_Claim_MinerWithBalance() public {
        HubWallet hub = createRegisteredHub(hubOwner, 100 ether);
        fund(alice, 1 ether);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        _cool(hub);
        vm.prank(alice);
        hub.claim();
        _record("HubWallet_claim_minerWithBalance", 50_000, abi.encodeCall(hub.claim, ()));
    }

    /// @dev PayDay with funds locked, the DAO receiving its first fee.
    function test_Gas_PayDay() public {
        HubWallet hub = createRegisteredHub(hubOwner, 100 ether);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        skip(30 days);
        _cool(hub);
        vm.prank(hubOwner);
        hub.payDay();
        _record("HubWallet_payDay", 80_000, abi.encodeCall(hub.payDay, ()));
    }

    function test_Gas_Withdraw() public {
        HubWallet hub = createHub(hubOwner, ENDPOINT, NAME);
        fund(address(hub), 100 ether);
        _cool(hub);
        vm.prank(hubOwner);
        hub.withdraw(50 ether);
        _record("HubWallet_withdraw", 0, abi.encodeCall(hub.withdraw, (50 ether)));
    }
}

/// @notice The gas of each call, against the targets.
contract HubGasTest is HubGasScenarios {
    function _record(string memory name, uint256 target, bytes memory) internal override {
        uint256 gasUsed = vm.snapshotGasLastCall(name);
        if (target != 0) assertLe(gasUsed, target, name);
    }

    /// @dev For comparison with createHub: deploying the wallet's code instead of a 45-byte clone costs this much
    /// before any initialisation.
    function test_Gas_FullDeploymentForComparison() public {
        _cool(HubWallet(address(0)));
        uint256 start = gasleft();
        new HubWallet(token, whitelist, vault, address(timelock), d.market);
        vm.snapshotValue("HubWallet_fullDeployment", start - gasleft());
    }
}

/// @notice The gas of each whole transaction (21,000 intrinsic gas and calldata included). A transaction starts with
/// clean storage, so its refunds and dirty-slot prices are the real ones; less its intrinsic gas, it must meet the
/// targets too.
/// forge-config: default.isolate = true
/// forge-config: ci.isolate = true
contract HubGasTransactionTest is HubGasScenarios {
    function _record(string memory name, uint256 target, bytes memory data) internal override {
        uint256 gasUsed = vm.snapshotGasLastCall(string.concat(name, "_transaction"));
        uint256 intrinsic = 21_000;
        for (uint256 i; i < data.length; ++i) {
            intrinsic += data[i] == 0 ? 4 : 16;
        }
        vm.snapshotValue(string.concat(name, "_transactionLessIntrinsic"), gasUsed - intrinsic);
        if (target != 0) assertLe(gasUsed - intrinsic, target, name);
    }
}
