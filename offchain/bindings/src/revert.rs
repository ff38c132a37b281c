//! A revert as one readable line, decoded with the ABIs of the bound contracts.
//!
//! Custom errors are looked up by selector in every bound contract's ABI (their names are unique by the
//! `<Component><Problem>` convention; OpenZeppelin's shared errors decode identically wherever they appear), so a
//! caller does not need to know which contract reverted, which matters when a call went through several.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt::Write as _;
use std::sync::OnceLock;

use alloy::dyn_abi::{DynSolValue, JsonAbiExt as _};
use alloy::json_abi::{Error as AbiError, JsonAbi, Param};
use alloy::primitives::{Bytes, Selector, U256};
use alloy::transports::TransportError;

use crate::contracts::{ABIS, ENUMS};

/// `Error(string)`, Solidity's `require(cond, "reason")` / `revert("reason")`.
const ERROR_STRING: Selector = Selector::new([0x08, 0xc3, 0x79, 0xa0]);
/// `Panic(uint256)`, Solidity's failed assertions, arithmetic errors, ...
const PANIC: Selector = Selector::new([0x4e, 0x48, 0x7b, 0x71]);

fn errors_by_selector() -> &'static HashMap<Selector, AbiError> {
    static ERRORS: OnceLock<HashMap<Selector, AbiError>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let mut map = HashMap::new();
        for (_, abi) in ABIS {
            // The ABIs are Foundry's, checked when the bindings were generated from them.
            let Ok(abi) = serde_json::from_str::<JsonAbi>(abi) else {
                continue;
            };
            for error in abi.errors() {
                map.entry(error.selector()).or_insert_with(|| error.clone());
            }
        }
        map
    })
}

/// Decodes revert data into one line: `HubWalletNotOwner(caller: 0x…)`, `Error("reason")`, `Panic(0x11: arithmetic
/// overflow or underflow)`, or, for data no bound contract declares, the raw selector and data.
pub fn decode_revert(data: &[u8]) -> String {
    let Some((selector, args)) = data.split_first_chunk::<4>() else {
        return if data.is_empty() {
            "reverted without data".to_owned()
        } else {
            format!("reverted with 0x{}", alloy::hex::encode(data))
        };
    };
    let selector = Selector::from(*selector);
    if selector == ERROR_STRING
        && let Ok(values) = alloy::dyn_abi::DynSolType::String.abi_decode_params(args)
        && let DynSolValue::String(reason) = values
    {
        return format!("Error({reason:?})");
    }
    if selector == PANIC
        && let Ok(DynSolValue::Uint(code, _)) =
            alloy::dyn_abi::DynSolType::Uint(256).abi_decode_params(args)
    {
        return format!("Panic({code:#x}: {})", panic_reason(code));
    }
    if let Some(error) = errors_by_selector().get(&selector)
        && let Ok(values) = error.abi_decode_input(args)
    {
        return format_error(error, &values);
    }
    format!(
        "reverted with unknown error {selector} (data 0x{})",
        alloy::hex::encode(args)
    )
}

/// The revert data carried by an error, if any: looks through the whole source chain for a contract call error or
/// an RPC error response (`eth_call`, `eth_estimateGas`, `eth_sendTransaction` all return it there).
pub fn revert_data(err: &(dyn StdError + 'static)) -> Option<Bytes> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(e) = e.downcast_ref::<alloy::contract::Error>()
            && let Some(data) = e.as_revert_data()
        {
            return Some(data);
        }
        if let Some(e) = e.downcast_ref::<TransportError>()
            && let Some(data) = e.as_error_resp().and_then(|resp| resp.as_revert_data())
        {
            return Some(data);
        }
        current = e.source();
    }
    None
}

/// One line for an error from a contract call: the decoded custom error when the call reverted
/// (`reverted: HubWalletUnexpectedState(...)`), the error's own message otherwise.
pub fn describe_error(err: &(dyn StdError + 'static)) -> String {
    match revert_data(err) {
        Some(data) => format!("reverted: {}", decode_revert(&data)),
        None => err.to_string(),
    }
}

/// An error and its sources on one line, each source once (a source whose text the line already holds is skipped).
/// The one line every tool of the toolkit prints or logs for a failure.
pub fn one_line(err: &(dyn StdError + 'static)) -> String {
    let mut line = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        let s = e.to_string();
        if !line.contains(&s) {
            line.push_str(": ");
            line.push_str(&s);
        }
        current = e.source();
    }
    line.replace('\n', " ")
}

fn format_error(error: &AbiError, values: &[DynSolValue]) -> String {
    // The enum a `bytes32 expected...` bitmap (`expectedStates`, `expectedStatuses`, `expectedPhases`) is over
    // (OpenZeppelin Governor's convention, and ours: bit `1 << state`).
    let state_enum = error
        .inputs
        .iter()
        .find_map(enum_name)
        .and_then(|name| enum_variants(&name));
    let mut line = format!("{}(", error.name);
    for (i, (param, value)) in error.inputs.iter().zip(values).enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        if !param.name.is_empty() {
            let _ = write!(line, "{}: ", param.name);
        }
        match (enum_name(param), value) {
            (Some(name), DynSolValue::Uint(v, _)) => {
                let variant = enum_variants(&name)
                    .and_then(|variants| variants.get(v.saturating_to::<usize>()));
                match variant {
                    Some(variant) => {
                        let _ = write!(line, "{name}.{variant}");
                    }
                    None => {
                        let _ = write!(line, "{name}({v})");
                    }
                }
            }
            (None, DynSolValue::FixedBytes(bits, 32))
                if param.name.starts_with("expected") && state_enum.is_some() =>
            {
                let variants = state_enum.unwrap_or_default();
                let bits = U256::from_be_bytes(bits.0);
                let set: Vec<&str> = variants
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits.bit(*i))
                    .map(|(_, v)| *v)
                    .collect();
                let _ = write!(line, "{{{}}}", set.join(", "));
            }
            // `ComputationRegistryForbiddenOpcode(computation, offset, opcode)`: the byte and its mnemonic.
            (None, DynSolValue::Uint(v, 8)) if param.name == "opcode" => {
                let byte = v.saturating_to::<u8>();
                let _ = write!(
                    line,
                    "{byte:#04x} ({})",
                    opcode_name(byte).unwrap_or("undefined")
                );
            }
            _ => line.push_str(&format_value(value)),
        }
    }
    line.push(')');
    line
}

/// The mnemonic of an EVM opcode (prague's set, and Osaka's CLZ), `None` for a byte no fork defines.
pub fn opcode_name(opcode: u8) -> Option<&'static str> {
    const PUSH: [&str; 32] = [
        "PUSH1", "PUSH2", "PUSH3", "PUSH4", "PUSH5", "PUSH6", "PUSH7", "PUSH8", "PUSH9", "PUSH10",
        "PUSH11", "PUSH12", "PUSH13", "PUSH14", "PUSH15", "PUSH16", "PUSH17", "PUSH18", "PUSH19",
        "PUSH20", "PUSH21", "PUSH22", "PUSH23", "PUSH24", "PUSH25", "PUSH26", "PUSH27", "PUSH28",
        "PUSH29", "PUSH30", "PUSH31", "PUSH32",
    ];
    const DUP: [&str; 16] = [
        "DUP1", "DUP2", "DUP3", "DUP4", "DUP5", "DUP6", "DUP7", "DUP8", "DUP9", "DUP10", "DUP11",
        "DUP12", "DUP13", "DUP14", "DUP15", "DUP16",
    ];
    const SWAP: [&str; 16] = [
        "SWAP1", "SWAP2", "SWAP3", "SWAP4", "SWAP5", "SWAP6", "SWAP7", "SWAP8", "SWAP9", "SWAP10",
        "SWAP11", "SWAP12", "SWAP13", "SWAP14", "SWAP15", "SWAP16",
    ];
    const LOG: [&str; 5] = ["LOG0", "LOG1", "LOG2", "LOG3", "LOG4"];
    Some(match opcode {
        0x00 => "STOP",
        0x01 => "ADD",
        0x02 => "MUL",
        0x03 => "SUB",
        0x04 => "DIV",
        0x05 => "SDIV",
        0x06 => "MOD",
        0x07 => "SMOD",
        0x08 => "ADDMOD",
        0x09 => "MULMOD",
        0x0a => "EXP",
        0x0b => "SIGNEXTEND",
        0x10 => "LT",
        0x11 => "GT",
        0x12 => "SLT",
        0x13 => "SGT",
        0x14 => "EQ",
        0x15 => "ISZERO",
        0x16 => "AND",
        0x17 => "OR",
        0x18 => "XOR",
        0x19 => "NOT",
        0x1a => "BYTE",
        0x1b => "SHL",
        0x1c => "SHR",
        0x1d => "SAR",
        0x1e => "CLZ",
        0x20 => "KECCAK256",
        0x30 => "ADDRESS",
        0x31 => "BALANCE",
        0x32 => "ORIGIN",
        0x33 => "CALLER",
        0x34 => "CALLVALUE",
        0x35 => "CALLDATALOAD",
        0x36 => "CALLDATASIZE",
        0x37 => "CALLDATACOPY",
        0x38 => "CODESIZE",
        0x39 => "CODECOPY",
        0x3a => "GASPRICE",
        0x3b => "EXTCODESIZE",
        0x3c => "EXTCODECOPY",
        0x3d => "RETURNDATASIZE",
        0x3e => "RETURNDATACOPY",
        0x3f => "EXTCODEHASH",
        0x40 => "BLOCKHASH",
        0x41 => "COINBASE",
        0x42 => "TIMESTAMP",
        0x43 => "NUMBER",
        0x44 => "PREVRANDAO",
        0x45 => "GASLIMIT",
        0x46 => "CHAINID",
        0x47 => "SELFBALANCE",
        0x48 => "BASEFEE",
        0x49 => "BLOBHASH",
        0x4a => "BLOBBASEFEE",
        0x50 => "POP",
        0x51 => "MLOAD",
        0x52 => "MSTORE",
        0x53 => "MSTORE8",
        0x54 => "SLOAD",
        0x55 => "SSTORE",
        0x56 => "JUMP",
        0x57 => "JUMPI",
        0x58 => "PC",
        0x59 => "MSIZE",
        0x5a => "GAS",
        0x5b => "JUMPDEST",
        0x5c => "TLOAD",
        0x5d => "TSTORE",
        0x5e => "MCOPY",
        0x5f => "PUSH0",
        0x60..=0x7f => PUSH[usize::from(opcode - 0x60)],
        0x80..=0x8f => DUP[usize::from(opcode - 0x80)],
        0x90..=0x9f => SWAP[usize::from(opcode - 0x90)],
        0xa0..=0xa4 => LOG[usize::from(opcode - 0xa0)],
        0xf0 => "CREATE",
        0xf1 => "CALL",
        0xf2 => "CALLCODE",
        0xf3 => "RETURN",
        0xf4 => "DELEGATECALL",
        0xf5 => "CREATE2",
        0xfa => "STATICCALL",
        0xfd => "REVERT",
        0xfe => "INVALID",
        0xff => "SELFDESTRUCT",
        _ => return None,
    })
}

/// The variants of an enum declared in the bound contracts' sources, in order, by the name the ABI gives it in
/// `internalType` (`HubState`, `IMapGame.TaskStatus`, `IGovernor.ProposalState`): the ABI itself only carries a
/// `uint8`.
pub fn enum_variants(name: &str) -> Option<&'static [&'static str]> {
    ENUMS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, variants)| *variants)
}

/// `HubState` or `IHubWallet.HubState` for a parameter declared as an enum.
fn enum_name(param: &Param) -> Option<String> {
    match param.internal_type.as_ref()?.as_enum()? {
        (Some(contract), ty) => Some(format!("{contract}.{ty}")),
        (None, ty) => Some(ty.to_owned()),
    }
}

fn format_value(value: &DynSolValue) -> String {
    match value {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(word, size) => format!("0x{}", alloy::hex::encode(&word[..*size])),
        DynSolValue::Bytes(b) => format!("0x{}", alloy::hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Function(f) => f.to_string(),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            format!(
                "[{}]",
                items
                    .iter()
                    .map(format_value)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        DynSolValue::Tuple(items) => {
            format!(
                "({})",
                items
                    .iter()
                    .map(format_value)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

fn panic_reason(code: U256) -> &'static str {
    match code.saturating_to::<u64>() {
        0x00 => "generic panic",
        0x01 => "assertion failed",
        0x11 => "arithmetic overflow or underflow",
        0x12 => "division or modulo by zero",
        0x21 => "invalid enum value",
        0x22 => "corrupt storage byte array",
        0x31 => "pop on an empty array",
        0x32 => "array index out of bounds",
        0x41 => "out of memory",
        0x51 => "call to an uninitialised function pointer",
        _ => "unknown panic code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChainGame, HubWallet, JudgeHarness, MapGame, SonmToken};
    use alloy::primitives::{Address, B256, address};
    use alloy::sol_types::{SolError as _, SolInterface as _};

    /// The error with every argument zero (empty for dynamic types).
    fn zero_args(error: &AbiError) -> Vec<u8> {
        use alloy::dyn_abi::DynSolType;
        fn zero(ty: &DynSolType) -> DynSolValue {
            match ty {
                DynSolType::Address => DynSolValue::Address(Address::ZERO),
                DynSolType::Bool => DynSolValue::Bool(false),
                DynSolType::Int(n) => DynSolValue::Int(Default::default(), *n),
                DynSolType::Uint(n) => DynSolValue::Uint(U256::ZERO, *n),
                DynSolType::FixedBytes(n) => DynSolValue::FixedBytes(B256::ZERO, *n),
                DynSolType::Bytes => DynSolValue::Bytes(Vec::new()),
                DynSolType::String => DynSolValue::String(String::new()),
                DynSolType::Array(_) => DynSolValue::Array(Vec::new()),
                DynSolType::FixedArray(t, n) => DynSolValue::FixedArray(vec![zero(t); *n]),
                DynSolType::Tuple(ts) => DynSolValue::Tuple(ts.iter().map(zero).collect()),
                other => panic!("unexpected error parameter type {other}"),
            }
        }
        // The canonical type, not `resolve()`: with alloy-dyn-abi's `eip712` feature on (another crate of the
        // workspace enables it) a struct resolves to a named `CustomStruct`, without it to a plain tuple.
        let values: Vec<DynSolValue> = error
            .inputs
            .iter()
            .map(|p| zero(&DynSolType::parse(&p.selector_type()).expect("a valid type")))
            .collect();
        [
            error.selector().as_slice(),
            &DynSolValue::Tuple(values).abi_encode_params(),
        ]
        .concat()
    }

    #[test]
    fn decodes_a_custom_error_with_names_and_values() {
        let owner = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        let data = HubWallet::HubWalletNotOwner { caller: owner }.abi_encode();
        let line = decode_revert(&data);
        assert_eq!(
            line,
            "HubWalletNotOwner(caller: 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266)"
        );
        assert!(
            line.contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            "{line}"
        );
    }

    #[test]
    fn every_bound_custom_error_decodes_to_its_name() {
        let mut n = 0;
        for (contract, abi) in ABIS {
            let abi: JsonAbi = serde_json::from_str(abi).expect("the ABI parses");
            for error in abi.errors() {
                let data = zero_args(error);
                let line = decode_revert(&data);
                assert!(
                    line.starts_with(&format!("{}(", error.name)),
                    "{contract}: {line}"
                );
                n += 1;
            }
        }
        assert!(n > 20, "only {n} errors bound");
    }

    #[test]
    fn decodes_the_typed_error_enums_too() {
        let data = SonmToken::SonmTokenErrors::ERC20InsufficientBalance(
            SonmToken::ERC20InsufficientBalance {
                sender: Address::ZERO,
                balance: U256::from(1),
                needed: U256::from(2),
            },
        )
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "ERC20InsufficientBalance(sender: 0x0000000000000000000000000000000000000000, balance: 1, needed: 2)"
        );
        let judge = JudgeHarness::JudgeInsufficientGas {
            gasLimit: U256::from(5),
            available: U256::from(4),
        };
        assert_eq!(
            decode_revert(&judge.abi_encode()),
            "JudgeInsufficientGas(gasLimit: 5, available: 4)"
        );
    }

    #[test]
    fn names_the_state_and_the_states_a_call_expects() {
        let data = HubWallet::HubWalletUnexpectedState {
            current: 2,
            expectedStates: B256::from(U256::from((1 << 0) | (1 << 2))),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "HubWalletUnexpectedState(current: HubState.Idle, expectedStates: {Created, Idle})"
        );
        assert_eq!(
            enum_variants("HubState"),
            Some(&["Created", "Registered", "Idle", "Suspected", "Punished"][..])
        );
        assert_eq!(
            enum_variants("IMapGame.TaskStatus").map(|v| v[0]),
            Some("None")
        );
        assert_eq!(enum_variants("NoSuchEnum"), None);
    }

    #[test]
    fn names_the_status_and_the_statuses_a_game_call_expects() {
        let data = MapGame::MapGameUnexpectedTaskStatus {
            taskId: U256::from(7),
            current: 2,
            expectedStatuses: B256::from(U256::from(1 << 3)),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "MapGameUnexpectedTaskStatus(taskId: 7, current: IMapGame.TaskStatus.Claimed, expectedStatuses: {Committed})"
        );
        let data = ChainGame::ChainGameUnexpectedDisputePhase {
            disputeId: U256::from(1),
            current: 4,
            expectedPhases: B256::from(U256::from(0x0e)),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "ChainGameUnexpectedDisputePhase(disputeId: 1, current: IChainGame.DisputePhase.SolverWon, expectedPhases: {Reveal, Answer, Step})"
        );
    }

    #[test]
    fn names_enum_parameters() {
        let Some(error) = errors_by_selector()
            .values()
            .find(|e| e.inputs.iter().any(|p| enum_name(p).is_some()))
        else {
            return; // no bound error takes an enum
        };
        let line = decode_revert(&zero_args(error));
        let name = error
            .inputs
            .iter()
            .find_map(enum_name)
            .expect("has an enum");
        let first = enum_variants(&name).expect("declared in the sources")[0];
        assert!(line.contains(&format!("{name}.{first}")), "{line}");
    }

    #[test]
    fn names_the_bound_errors_new_with_the_soundness_rules() {
        use crate::ComputationRegistry;
        let computation = address!("0x5FbDB2315678afecb367f032d93F642f64180aa3");
        let data = ComputationRegistry::ComputationRegistryForbiddenOpcode {
            computation,
            offset: U256::from(17),
            opcode: 0x54,
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "ComputationRegistryForbiddenOpcode(computation: 0x5FbDB2315678afecb367f032d93F642f64180aa3, offset: 17, opcode: 0x54 (SLOAD))"
        );
        let data = ComputationRegistry::ComputationRegistryForbiddenOpcode {
            computation,
            offset: U256::ZERO,
            opcode: 0x0c,
        }
        .abi_encode();
        assert!(
            decode_revert(&data).ends_with("opcode: 0x0c (undefined))"),
            "{}",
            decode_revert(&data)
        );
        let data = MapGame::MapGameLeafTooLarge {
            length: U256::from(32_769),
            max: U256::from(32_768),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "MapGameLeafTooLarge(length: 32769, max: 32768)"
        );
        let data = MapGame::MapGameComputationNotRegistered {
            computation: Address::ZERO,
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "MapGameComputationNotRegistered(computation: 0x0000000000000000000000000000000000000000)"
        );
        let data = ChainGame::ChainGameClockOutOfRange {
            clock: U256::from(1),
            minimum: U256::from(3_600),
            maximum: U256::from(604_800),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data),
            "ChainGameClockOutOfRange(clock: 1, minimum: 3600, maximum: 604800)"
        );
        let data = HubWallet::HubWalletNotCooling {
            coolingUntil: U256::from(5),
        }
        .abi_encode();
        assert_eq!(decode_revert(&data), "HubWalletNotCooling(coolingUntil: 5)");
        for opcode in 0..=u8::MAX {
            if let Some(name) = opcode_name(opcode) {
                assert!(
                    name.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                    "{name}"
                );
            }
        }
        assert_eq!(opcode_name(0x7f), Some("PUSH32"));
        assert_eq!(opcode_name(0x9f), Some("SWAP16"));
        assert_eq!(opcode_name(0xa1), Some("LOG1"));
        assert_eq!(opcode_name(0xef), None);
    }

    #[test]
    fn decodes_strings_panics_and_unknown_data() {
        let reason = [
            ERROR_STRING.as_slice(),
            &DynSolValue::String("no".into()).abi_encode_params(),
        ]
        .concat();
        assert_eq!(decode_revert(&reason), "Error(\"no\")");
        let panic = [PANIC.as_slice(), &U256::from(0x11).to_be_bytes::<32>()].concat();
        assert_eq!(
            decode_revert(&panic),
            "Panic(0x11: arithmetic overflow or underflow)"
        );
        assert_eq!(decode_revert(&[]), "reverted without data");
        assert_eq!(decode_revert(&[1, 2]), "reverted with 0x0102");
        let unknown = [&[0xde, 0xad, 0xbe, 0xef][..], B256::ZERO.as_slice()].concat();
        assert!(decode_revert(&unknown).starts_with("reverted with unknown error 0xdeadbeef"));
        // A known selector with truncated arguments is not misread as the error.
        let truncated = HubWallet::HubWalletNotOwner {
            caller: Address::ZERO,
        }
        .abi_encode()[..8]
            .to_vec();
        assert!(decode_revert(&truncated).starts_with("reverted with unknown error"));
    }
}
