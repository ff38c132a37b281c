// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ComputationRegistry} from "../../../../contracts/verification/ComputationRegistry.sol";
import {KeccakChain} from "../../../../contracts/verification/computations/KeccakChain.sol";
import {MandelbrotRow} from "../../../../contracts/verification/computations/MandelbrotRow.sol";
import {MonteCarloPi} from "../../../../contracts/verification/computations/MonteCarloPi.sol";
import {IComputationRegistry} from "../../../../contracts/verification/interfaces/IComputationRegistry.sol";
import "../../../mocks/ImpureComputations.sol" as Impure;
import {ReferenceWalker} from "../utils/ReferenceWalker.sol";
import {Test, Vm} from "forge-std/Test.sol";

contract ComputationRegistryTest is Test {
    ComputationRegistry internal registry;

    function setUp() public {
        registry = new ComputationRegistry();
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev Registers `computation` and checks the pin, the views and the event.
    function assertAccepted(address computation) internal {
        assertTrue(computation.code.length > 0, "no code");
        (bool accepted,,) = ReferenceWalker.walk(computation.code);
        assertTrue(accepted, "the reference walker refuses it");
        vm.expectEmit(address(registry));
        emit IComputationRegistry.ComputationRegistered(computation, computation.codehash);
        bytes32 pinned = registry.register(computation);
        assertEq(pinned, computation.codehash, "pinned hash");
        assertTrue(registry.isRegistered(computation), "isRegistered");
        assertEq(registry.codeHashOf(computation), computation.codehash, "codeHashOf");
        assertTrue(registry.isIntact(computation), "isIntact");
    }

    /// @dev Expects `computation` to be refused at its first instruction `opcode`, at the offset where the reference
    /// walker finds it, and checks the byte there is that opcode and nothing was pinned.
    function assertRefused(address computation, uint8 opcode) internal {
        bytes memory code = computation.code;
        (bool accepted, uint256 offset, uint8 found) = ReferenceWalker.walk(code);
        assertFalse(accepted, "the reference walker accepts it");
        assertEq(found, opcode, "first refused opcode");
        assertEq(uint8(code[offset]), opcode, "byte at the offset");
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputationRegistry.ComputationRegistryForbiddenOpcode.selector, computation, offset, opcode
            )
        );
        registry.register(computation);
        assertFalse(registry.isRegistered(computation), "registered");
        assertEq(registry.codeHashOf(computation), bytes32(0), "pinned");
    }

    /// @dev Where raw bytecode `code` is etched: an address of its own, so each code is registered afresh.
    function rawAddress(bytes memory code) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("raw", code)))));
    }

    /// @dev Etches `code` and expects it refused with `opcode` at `offset`.
    function assertRawRefused(bytes memory code, uint256 offset, uint8 opcode) internal {
        address raw = rawAddress(code);
        vm.etch(raw, code);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputationRegistry.ComputationRegistryForbiddenOpcode.selector, raw, offset, opcode
            )
        );
        registry.register(raw);
        (bool accepted, uint256 refOffset, uint8 refOpcode) = ReferenceWalker.walk(code);
        assertFalse(accepted, "the reference walker accepts it");
        assertEq(refOffset, offset, "reference offset");
        assertEq(refOpcode, opcode, "reference opcode");
    }

    /// @dev Etches `code` and expects it accepted.
    function assertRawAccepted(bytes memory code) internal {
        address raw = rawAddress(code);
        vm.etch(raw, code);
        assertAccepted(raw);
    }

    /*//////////////////////////////////////////////////////////////
                        THE EXAMPLE COMPUTATIONS
    //////////////////////////////////////////////////////////////*/

    function test_Register_MandelbrotRow() public {
        assertAccepted(address(new MandelbrotRow()));
    }

    function test_Register_MonteCarloPi() public {
        assertAccepted(address(new MonteCarloPi()));
    }

    function test_Register_KeccakChain() public {
        assertAccepted(address(new KeccakChain()));
    }

    /// @dev foundry.toml's `cbor_metadata = false`: no solc metadata trailer ("solc" as CBOR text, 0x64736f6c63).
    function test_ExampleComputations_HaveNoMetadataTrailer() public {
        address[3] memory examples =
            [address(new MandelbrotRow()), address(new MonteCarloPi()), address(new KeccakChain())];
        for (uint256 i; i < examples.length; ++i) {
            bytes memory code = examples[i].code;
            for (uint256 j; j + 5 <= code.length; ++j) {
                bool trailer = code[j] == 0x64 && code[j + 1] == 0x73 && code[j + 2] == 0x6f && code[j + 3] == 0x6c
                    && code[j + 4] == 0x63;
                assertFalse(trailer, "metadata trailer");
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                            REGISTRATION
    //////////////////////////////////////////////////////////////*/

    function test_Register_IsIdempotent() public {
        address computation = address(new KeccakChain());
        bytes32 first = registry.register(computation);
        vm.recordLogs();
        vm.prank(makeAddr("someone else"));
        bytes32 second = registry.register(computation);
        assertEq(second, first, "hash");
        assertEq(vm.getRecordedLogs().length, 0, "emitted again");
    }

    function test_Views_OfAnUnregisteredComputation() public {
        address computation = address(new KeccakChain());
        assertFalse(registry.isRegistered(computation));
        assertEq(registry.codeHashOf(computation), bytes32(0));
        assertFalse(registry.isIntact(computation));
    }

    /// @dev A registered computation cannot change its code on chain (no SELFDESTRUCT, no CREATE*); vm.etch stands in
    /// for a fork or chain where it could. The pin stays, isIntact turns false, and registering again re-checks
    /// nothing and re-pins nothing.
    function test_IsIntact_FalseOnceTheCodeChanged() public {
        address computation = address(new KeccakChain());
        bytes32 pinned = registry.register(computation);
        vm.etch(computation, address(new MonteCarloPi()).code);
        assertFalse(registry.isIntact(computation), "isIntact");
        assertTrue(registry.isRegistered(computation), "isRegistered");
        assertEq(registry.codeHashOf(computation), pinned, "codeHashOf");
        assertEq(registry.register(computation), pinned, "register");

        vm.etch(computation, "");
        assertFalse(registry.isIntact(computation), "isIntact without code");
    }

    function test_RevertWhen_NoCode() public {
        address account = makeAddr("account");
        vm.expectRevert(abi.encodeWithSelector(IComputationRegistry.ComputationRegistryNoCode.selector, account));
        registry.register(account);
    }

    /// @dev A precompile has no code: it cannot be a computation.
    function test_RevertWhen_Precompile() public {
        vm.expectRevert(abi.encodeWithSelector(IComputationRegistry.ComputationRegistryNoCode.selector, address(5)));
        registry.register(address(5));
    }

    /// @dev The registry reads and writes storage: it is no computation.
    function test_RevertWhen_TheRegistryItself() public {
        (,, uint8 opcode) = ReferenceWalker.walk(address(registry).code);
        assertRefused(address(registry), opcode);
    }

    /*//////////////////////////////////////////////////////////////
                        EIP-7702 DELEGATIONS
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_DelegationDesignator() public {
        address delegate = address(new KeccakChain());
        address raw = makeAddr("designated");
        vm.etch(raw, abi.encodePacked(hex"ef0100", delegate));
        vm.expectRevert(
            abi.encodeWithSelector(IComputationRegistry.ComputationRegistryDelegatedAccount.selector, raw, delegate)
        );
        registry.register(raw);
    }

    /// @dev The same through a real EIP-7702 authorization: EXTCODECOPY of the account gives its designator, not its
    /// delegate's (pure) code.
    function test_RevertWhen_DelegatedAccount() public {
        address delegate = address(new KeccakChain());
        (address eoa, uint256 key) = makeAddrAndKey("eoa");
        vm.signAndAttachDelegation(delegate, key);
        // The authorization is applied with the next call.
        registry.isRegistered(eoa);
        assertEq(eoa.code, abi.encodePacked(hex"ef0100", delegate), "not delegated");
        vm.expectRevert(
            abi.encodeWithSelector(IComputationRegistry.ComputationRegistryDelegatedAccount.selector, eoa, delegate)
        );
        registry.register(eoa);
    }

    /// @dev Other code that starts with 0xef (which no deployment can produce since EIP-3541) is refused by the walk:
    /// 0xef is no opcode. (A 0xef01 prefix that is not a 23-byte designator cannot even be etched: revm, like the
    /// chain, holds no such code.)
    function test_RevertWhen_StartsWith0xefButIsNoDesignator() public {
        assertRawRefused(hex"ef02000000000000000000000000000000000000000005", 0, 0xef);
        assertRawRefused(hex"ef0001", 0, 0xef);
        assertRawRefused(hex"ef", 0, 0xef);
    }

    /*//////////////////////////////////////////////////////////////
                        EVERY OPCODE, ONE BY ONE
    //////////////////////////////////////////////////////////////*/

    /// @dev `JUMPDEST, op` for each of the 256 bytes: the allowed ones are accepted (a PUSH truncated by the end of
    /// the code included); every other one, STATICCALL (with no precompile before it) and undefined opcodes
    /// included, is refused at offset 1.
    function test_EveryOpcode_AcceptedIffOnTheAllowList() public {
        bool[256] memory allowed = ReferenceWalker.allowedTable();
        uint256 accepted;
        for (uint256 op; op < 256; ++op) {
            address at = address(uint160(0x10000 + op));
            vm.etch(at, abi.encodePacked(uint8(0x5b), uint8(op)));
            if (allowed[op]) {
                registry.register(at);
                assertTrue(registry.isRegistered(at));
                ++accepted;
            } else {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IComputationRegistry.ComputationRegistryForbiddenOpcode.selector, at, 1, uint8(op)
                    )
                );
                registry.register(at);
            }
        }
        assertEq(accepted, ReferenceWalker.ALLOWED.length, "allow-list size");
    }

    /// @dev The opcodes the protocol names as refused, by byte, refused one by one (the table above covers them too;
    /// this list is the protocol document's, kept apart so that a change to the allow-list shows here).
    function test_RevertWhen_NamedForbiddenOpcode() public {
        bytes memory forbidden = hex"303132333a3b3c3f" // ADDRESS BALANCE ORIGIN CALLER GASPRICE EXTCODE*
            hex"404142434445464748494a" // BLOCKHASH COINBASE TIMESTAMP NUMBER PREVRANDAO .. BLOBBASEFEE
            hex"54555c5d" // SLOAD SSTORE TLOAD TSTORE
            hex"a0a1a2a3a4" // LOG0-LOG4
            hex"f0f1f2f4f5faff" // CREATE CALL CALLCODE DELEGATECALL CREATE2 STATICCALL SELFDESTRUCT
            hex"0c1e214bef"; // undefined in prague (0x1e is osaka's CLZ)
        for (uint256 i; i < forbidden.length; ++i) {
            assertRawRefused(abi.encodePacked(hex"5f5f", forbidden[i], hex"00"), 2, uint8(forbidden[i]));
        }
    }

    /*//////////////////////////////////////////////////////////////
                    REFUSED CLASSES, AS SOLC EMITS THEM
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_ReadsStorage() public {
        assertRefused(address(new Impure.ImpureStorageRead()), 0x54);
    }

    function test_RevertWhen_WritesStorage() public {
        assertRefused(address(new Impure.ImpureStorageWrite()), 0x55);
    }

    function test_RevertWhen_ReadsTransientStorage() public {
        assertRefused(address(new Impure.ImpureTransientRead()), 0x5c);
    }

    function test_RevertWhen_WritesTransientStorage() public {
        assertRefused(address(new Impure.ImpureTransientWrite()), 0x5d);
    }

    function test_RevertWhen_ReadsABalance() public {
        assertRefused(address(new Impure.ImpureBalance()), 0x31);
    }

    function test_RevertWhen_ReadsItsOwnBalance() public {
        assertRefused(address(new Impure.ImpureSelfBalance()), 0x47);
    }

    function test_RevertWhen_ReadsAnotherAccountsCodeSize() public {
        assertRefused(address(new Impure.ImpureExtCodeSize()), 0x3b);
    }

    function test_RevertWhen_ReadsAnotherAccountsCodeHash() public {
        assertRefused(address(new Impure.ImpureExtCodeHash()), 0x3f);
    }

    function test_RevertWhen_CopiesAnotherAccountsCode() public {
        assertRefused(address(new Impure.ImpureExtCodeCopy()), 0x3c);
    }

    function test_RevertWhen_ReadsTheBlockContext() public {
        assertRefused(address(new Impure.ImpureBlockHash()), 0x40);
        assertRefused(address(new Impure.ImpureCoinbase()), 0x41);
        assertRefused(address(new Impure.ImpureTimestamp()), 0x42);
        assertRefused(address(new Impure.ImpureNumber()), 0x43);
        assertRefused(address(new Impure.ImpurePrevrandao()), 0x44);
        assertRefused(address(new Impure.ImpureGasLimit()), 0x45);
        assertRefused(address(new Impure.ImpureChainId()), 0x46);
        assertRefused(address(new Impure.ImpureBaseFee()), 0x48);
        assertRefused(address(new Impure.ImpureBlobHash()), 0x49);
        assertRefused(address(new Impure.ImpureBlobBaseFee()), 0x4a);
    }

    function test_RevertWhen_ReadsTheTransactionContext() public {
        assertRefused(address(new Impure.ImpureGasPrice()), 0x3a);
        assertRefused(address(new Impure.ImpureOrigin()), 0x32);
    }

    function test_RevertWhen_ReadsItsCaller() public {
        assertRefused(address(new Impure.ImpureCaller()), 0x33);
    }

    function test_RevertWhen_ReadsItsOwnAddress() public {
        assertRefused(address(new Impure.ImpureAddress()), 0x30);
    }

    function test_RevertWhen_Creates() public {
        assertRefused(address(new Impure.ImpureCreate()), 0xf0);
    }

    function test_RevertWhen_CreatesWithASalt() public {
        assertRefused(address(new Impure.ImpureCreate2()), 0xf5);
    }

    function test_RevertWhen_Calls() public {
        assertRefused(address(new Impure.ImpureCall()), 0xf1);
    }

    function test_RevertWhen_DelegateCalls() public {
        assertRefused(address(new Impure.ImpureDelegateCall()), 0xf4);
    }

    /// @dev CALLCODE: `PUSH0 x6, CALLCODE` (solc deprecates it, so raw bytecode).
    function test_RevertWhen_CallCodes() public {
        assertRawRefused(hex"5f5f5f5f5f5f5ff200", 7, 0xf2);
    }

    function test_RevertWhen_Logs() public {
        assertRefused(address(new Impure.ImpureLog0()), 0xa0);
        assertRefused(address(new Impure.ImpureLog1()), 0xa1);
        assertRefused(address(new Impure.ImpureLog2()), 0xa2);
        assertRefused(address(new Impure.ImpureLog3()), 0xa3);
        assertRefused(address(new Impure.ImpureLog4()), 0xa4);
    }

    /// @dev SELFDESTRUCT: `PUSH0, SELFDESTRUCT` (solc deprecates it, so raw bytecode).
    function test_RevertWhen_SelfDestructs() public {
        assertRawRefused(hex"5fff", 1, 0xff);
    }

    /*//////////////////////////////////////////////////////////////
                                STATICCALL
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_StaticCallsAnotherAccount() public {
        assertRefused(address(new Impure.ImpureStaticCall()), 0xfa);
    }

    /// @dev A pure computation the rule cannot see through: solc DUPs the address of the high-level sha256.
    function test_RevertWhen_StaticCallsAPrecompileThroughHighLevelSolidity() public {
        assertRefused(address(new Impure.HighLevelPrecompileComputation()), 0xfa);
    }

    /// @dev Inline assembly `staticcall(gas(), 0x02 / 0x05, ...)` passes, and the computation works: sha256 of the
    /// input and 3^5 mod 7.
    function test_Register_StaticCallsPrecompilesInInlineAssembly() public {
        Impure.PrecompileComputation computation = new Impure.PrecompileComputation();
        assertAccepted(address(computation));
        bytes memory input = abi.encodePacked(uint256(1), uint256(1), uint256(1), uint8(3), uint8(5), uint8(7));
        bytes memory output = computation.compute(input);
        assertEq(output, abi.encodePacked(sha256(input), uint8(243 % 7)));
    }

    /// @dev `PUSHn a, GAS, STATICCALL` for a on both sides of the precompile range, and pushes of every width.
    function test_StaticCall_TargetMustBeAPushedPrecompileAddress() public {
        assertRawAccepted(hex"60015afa00"); // ecrecover
        assertRawAccepted(hex"60115afa00"); // BLS12_MAP_FP2_TO_G2, the last of prague's
        assertRawAccepted(hex"7300000000000000000000000000000000000000055afa00"); // PUSH20
        assertRawAccepted(hex"7f00000000000000000000000000000000000000000000000000000000000000055afa00"); // PUSH32
        assertRawRefused(hex"60125afa00", 3, 0xfa); // past the last precompile
        assertRawRefused(hex"60005afa00", 3, 0xfa); // address zero
        assertRawRefused(hex"5f5afa00", 2, 0xfa); // PUSH0: address zero
        assertRawRefused(hex"6101005afa00", 4, 0xfa); // 0x100 (osaka's P256VERIFY is not prague's)
        // Bits above the 160 of an address are ignored by the EVM but not by the registry: a precompile only as
        // a small number.
        assertRawRefused(hex"7f00000000000000000000000100000000000000000000000000000000000000055afa00", 34, 0xfa);
    }

    /// @dev The range is prague's precompiles, no more: each of the BLS12-381 ones (0x0b-0x11) and the point
    /// evaluation (0x0a) fails on an empty input, as a precompile does, while 0x12 is an empty account, and a call to
    /// it succeeds. (0x01-0x09 accept an empty input or fail alike, so this only pins the top of the range.) A failing
    /// precompile takes all the gas it is given: hence the limit.
    function test_PrecompileRange_IsPragues() public view {
        for (uint160 a = 0x0a; a <= 0x11; ++a) {
            (bool ok,) = address(a).staticcall{gas: 100_000}("");
            assertFalse(ok, "not a precompile");
        }
        (bool ok12,) = address(0x12).staticcall{gas: 100_000}("");
        assertTrue(ok12, "0x12 is a precompile");
        assertEq(address(0x12).code.length, 0);
    }

    /// @dev Anything but exactly `PUSHn <precompile>, GAS` right before the STATICCALL is refused.
    function test_StaticCall_RevertWhen_PatternBroken() public {
        assertRawRefused(hex"fa", 0, 0xfa); // nothing before
        assertRawRefused(hex"5afa", 1, 0xfa); // GAS alone
        assertRawRefused(hex"6005fa", 2, 0xfa); // no GAS
        assertRawRefused(hex"5a6005fa", 3, 0xfa); // the wrong order
        assertRawRefused(hex"60055a5afa", 4, 0xfa); // something between
        assertRawRefused(hex"60055b5afa", 4, 0xfa); // a JUMPDEST between: could be jumped to with any target
        assertRawRefused(hex"60055a5bfa", 4, 0xfa); // a JUMPDEST between: could be jumped to with any gas
        assertRawRefused(hex"60055afa5afa", 5, 0xfa); // the pattern serves one call only
        // The bytes 60 05 5a are PUSH3's data here, not instructions: the STATICCALL follows a PUSH3.
        assertRawRefused(hex"6260055afa", 4, 0xfa);
        // A sub-gas or a computed address is not the pattern.
        assertRawRefused(hex"600560645a03fa", 6, 0xfa);
        assertRawRefused(hex"60026003015afa", 6, 0xfa);
    }

    /*//////////////////////////////////////////////////////////////
                            PUSH DATA AND CALLVALUE
    //////////////////////////////////////////////////////////////*/

    /// @dev A constant full of forbidden bytes is PUSH data, skipped as the EVM skips it.
    function test_Register_ForbiddenBytesInPushData() public {
        address computation = address(new Impure.PushDataComputation());
        bytes memory code = computation.code;
        bool hasSstoreByte;
        for (uint256 i; i < code.length; ++i) {
            hasSstoreByte = hasSstoreByte || code[i] == 0x55;
        }
        assertTrue(hasSstoreByte, "no forbidden byte in the code");
        assertAccepted(computation);

        // PUSH32 of 32 forbidden bytes, then STOP.
        assertRawAccepted(hex"7f54555c5d303132333a3b3c3f404142434445464748494aa0a1a2a3a4f0f1f2f400");
    }

    /// @dev A PUSH cut short by the end of the code pushes zeros for the missing bytes and ends the code: it runs
    /// nothing, so it is accepted, even when the bytes it does have are forbidden opcodes.
    function test_Register_TruncatedPushAtTheEnd() public {
        assertRawAccepted(hex"007f");
        assertRawAccepted(hex"006155");
        assertRawAccepted(hex"60055a7ffa");
        assertRawAccepted(hex"7f55f0f1ff");
    }

    /// @dev The judge reaches a computation by STATICCALL, so CALLVALUE is 0 in every judged run; solc emits it in
    /// every contract whose functions are all non-payable (the example computations among them).
    function test_Register_CallValue() public {
        assertRawAccepted(hex"341500");
        (bool accepted, uint256 offset, uint8 opcode) = ReferenceWalker.walk(address(new KeccakChain()).code);
        assertTrue(accepted);
        assertEq(offset, 0);
        assertEq(opcode, 0);
        assertEq(address(new KeccakChain()).code[5], bytes1(0x34), "solc's callvalue check");
    }
}
