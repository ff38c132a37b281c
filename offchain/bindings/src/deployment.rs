//! `deployments/<chainId>.json`, as `script/Deploy.s.sol` writes it.

use std::fmt;
use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use alloy::providers::Provider;
use serde::{Deserialize, Serialize};

/// The version of `deployments/<chainId>.json`'s format this toolkit reads: `script/Deploy.s.sol`'s
/// `DEPLOYMENT_FORMAT_VERSION`. Version 2 added the market (and the hub wallets that know it), so a file of
/// another version names contracts this toolkit cannot work with.
pub const DEPLOYMENT_FORMAT_VERSION: u64 = 2;

/// Why a deployment could not be read or lacks what was asked of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeploymentError {
    /// There is no deployments file for the chain.
    #[error("no deployment for chain {chain_id} ({}): run `sonm deploy` or `make demo`", path.display())]
    Missing {
        /// The chain asked for.
        chain_id: u64,
        /// Where the file was looked for.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not a deployment (bad JSON, a missing or malformed field).
    #[error("malformed deployment {}: {source}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// The file was written by a deploy script of another format version (or of none: before versions existed).
    #[error(
        "{} {}, this sonm reads format {expected}: redeploy with `sonm deploy` (or `make deploy`)",
        path.display(),
        found.map_or_else(
            || "has no formatVersion (a deployment from before the market)".to_owned(),
            |v| format!("is a deployment of format {v}")
        )
    )]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// The version the file says (`None`: it has no `formatVersion`).
        found: Option<u64>,
        /// The version this toolkit reads ([`DEPLOYMENT_FORMAT_VERSION`]).
        expected: u64,
    },
    /// The file is for another chain than its name says.
    #[error("{} is for chain {found}, not chain {expected}", path.display())]
    WrongChain {
        /// The file.
        path: PathBuf,
        /// The chain asked for.
        expected: u64,
        /// The chain the file says.
        found: u64,
    },
    /// The deployment's contracts have no code on the chain: the chain was restarted or reset (a fresh anvil)
    /// since the deploy wrote the file.
    #[error(
        "the contracts of {} are not on chain {chain_id} (no code at its {contract}, {address}): the chain was \
         restarted or reset since that deploy; deploy again with `sonm deploy` (or `make demo`)",
        path.display()
    )]
    NotOnChain {
        /// The chain.
        chain_id: u64,
        /// The deployments file.
        path: PathBuf,
        /// The contract whose code was looked for.
        contract: Contract,
        /// Its address in the file.
        address: Address,
    },
    /// The node did not answer the code check ([`Deployment::load_checked`]).
    #[error("cannot check the deployment's code on chain {chain_id}: {reason}")]
    CodeCheck {
        /// The chain.
        chain_id: u64,
        /// What the node or transport said.
        reason: String,
    },
    /// The deployment does not include the contract (its address is zero).
    #[error("{contract} is not deployed on chain {chain_id}: redeploy with it (`sonm deploy`)")]
    NotDeployed {
        /// The chain.
        chain_id: u64,
        /// The contract asked for.
        contract: Contract,
    },
}

macro_rules! contracts {
    ($($(#[$doc:meta])* $variant:ident => $field:ident,)*) => {
        /// A contract of a deployment, named as in the deployments file and in the bindings.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Contract {
            $($(#[$doc])* $variant,)*
        }

        impl Contract {
            /// Every contract a deployment lists, in the file's order.
            pub const ALL: &'static [Contract] = &[$(Contract::$variant,)*];

            /// The name used in the deployments file and for the binding's module.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Contract::$variant => stringify!($variant),)*
                }
            }
        }

        /// The addresses of a deployment. A zero address means the deployment did not include that contract; a
        /// contract missing from the file (one written before the contract existed) reads as zero, so the
        /// deployment still loads and only what needs that contract fails ([`DeploymentError::NotDeployed`]).
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
        pub struct Contracts {
            $($(#[$doc])* pub $field: Address,)*
        }

        impl Contracts {
            /// The address of `contract`, zero if it is not deployed.
            pub const fn get(&self, contract: Contract) -> Address {
                match contract {
                    $(Contract::$variant => self.$field,)*
                }
            }
        }
    };
}

contracts! {
    /// The SNM token.
    SonmToken => sonm_token,
    /// The timelock that holds every privileged role.
    TimelockController => timelock_controller,
    /// The DAO's governor.
    SonmGovernor => sonm_governor,
    /// Where banned hubs' funds wait for the DAO.
    ExpropriationVault => expropriation_vault,
    /// The hub registry.
    Whitelist => whitelist,
    /// The hub wallet implementation behind every clone.
    HubWallet => hub_wallet,
    /// The factory that creates hub wallets.
    HubFactory => hub_factory,
    /// The callable judge (what the executor runs).
    JudgeHarness => judge_harness,
    /// The registry of pure computations the games judge.
    ComputationRegistry => computation_registry,
    /// The map-task verification game.
    MapGame => map_game,
    /// The market: hubs' signed offers, taken as deals of the map game.
    Market => market,
    /// The chain-task verification game.
    ChainGame => chain_game,
    /// Example map computation: a Mandelbrot row.
    MandelbrotRow => mandelbrot_row,
    /// Example map computation: a Monte-Carlo estimate of pi.
    MonteCarloPi => monte_carlo_pi,
    /// Example chain computation: a keccak hash chain.
    KeccakChain => keccak_chain,
}

impl fmt::Display for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One deployment of sonm on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// The file's format version: always [`DEPLOYMENT_FORMAT_VERSION`] once loaded.
    pub format_version: u64,
    /// The chain the contracts live on.
    pub chain_id: u64,
    /// The first block of the deployment: where an indexer or the bot starts reading events.
    pub start_block: u64,
    /// The account that deployed.
    pub deployer: Address,
    /// The contracts' addresses.
    pub contracts: Contracts,
}

impl Deployment {
    /// Where the deploy script writes the deployment for `chain_id`, under `dir` (the repository's `deployments/`).
    pub fn path(dir: &Path, chain_id: u64) -> PathBuf {
        dir.join(format!("{chain_id}.json"))
    }

    /// Reads the deployment for `chain_id` from `dir` (the repository's `deployments/`), checking that the file is
    /// for that chain.
    pub fn load(dir: &Path, chain_id: u64) -> Result<Self, DeploymentError> {
        let path = Self::path(dir, chain_id);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(DeploymentError::Missing { chain_id, path });
            }
            Err(source) => return Err(DeploymentError::Io { path, source }),
        };
        let deployment = Self::from_json(&text, &path)?;
        if deployment.chain_id != chain_id {
            return Err(DeploymentError::WrongChain {
                path,
                expected: chain_id,
                found: deployment.chain_id,
            });
        }
        Ok(deployment)
    }

    /// [`Deployment::load`], then one `eth_getCode` through `provider` (connected to chain `chain_id`) to check
    /// that the deployment's contracts are on that chain: after anvil restarts, a stale file would otherwise make
    /// every call fail with "returned no data". [`DeploymentError::NotOnChain`] says so, and how to deploy.
    pub async fn load_checked<P: Provider>(
        dir: &Path,
        chain_id: u64,
        provider: &P,
    ) -> Result<Self, DeploymentError> {
        let deployment = Self::load(dir, chain_id)?;
        // The token is deployed first and by every deployment; any contract the file lists would do.
        let Some((contract, address)) = Contract::ALL
            .iter()
            .map(|&c| (c, deployment.contracts.get(c)))
            .find(|(_, address)| !address.is_zero())
        else {
            return Ok(deployment);
        };
        let code = provider
            .get_code_at(address)
            .await
            .map_err(|e| DeploymentError::CodeCheck {
                chain_id,
                reason: crate::one_line(&e),
            })?;
        if code.is_empty() {
            return Err(DeploymentError::NotOnChain {
                chain_id,
                path: Self::path(dir, chain_id),
                contract,
                address,
            });
        }
        Ok(deployment)
    }

    /// Parses a deployment; `origin` names it in errors. A file of another format version than
    /// [`DEPLOYMENT_FORMAT_VERSION`] is refused ([`DeploymentError::FormatVersion`]) before its fields are read:
    /// its contracts are not the ones this toolkit calls.
    pub fn from_json(text: &str, origin: &Path) -> Result<Self, DeploymentError> {
        let malformed = |source| DeploymentError::Malformed {
            path: origin.to_owned(),
            source,
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(malformed)?;
        // A formatVersion that is not a number is left to the parser below, which says so.
        let found = match value.get("formatVersion") {
            None => Some(None),
            Some(v) => v.as_u64().map(Some),
        };
        if let Some(found) = found
            && found != Some(DEPLOYMENT_FORMAT_VERSION)
        {
            return Err(DeploymentError::FormatVersion {
                path: origin.to_owned(),
                found,
                expected: DEPLOYMENT_FORMAT_VERSION,
            });
        }
        serde_json::from_value(value).map_err(malformed)
    }

    /// The address of `contract`, or [`DeploymentError::NotDeployed`] if the deployment does not include it.
    pub fn address(&self, contract: Contract) -> Result<Address, DeploymentError> {
        let address = self.contracts.get(contract);
        if address.is_zero() {
            return Err(DeploymentError::NotDeployed {
                chain_id: self.chain_id,
                contract,
            });
        }
        Ok(address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "formatVersion": 2,
      "chainId": 31337,
      "contracts": {
        "ChainGame": "0x0000000000000000000000000000000000000000",
        "ComputationRegistry": "0x0000000000000000000000000000000000000000",
        "ExpropriationVault": "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
        "HubFactory": "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6",
        "HubWallet": "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853",
        "JudgeHarness": "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318",
        "KeccakChain": "0x0000000000000000000000000000000000000000",
        "MandelbrotRow": "0x0000000000000000000000000000000000000000",
        "MapGame": "0x0000000000000000000000000000000000000000",
        "Market": "0x0000000000000000000000000000000000000000",
        "MonteCarloPi": "0x0000000000000000000000000000000000000000",
        "SonmGovernor": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
        "SonmToken": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "TimelockController": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
        "Whitelist": "0x0165878A594ca255338adfa4d48449f69242Eb8F"
      },
      "deployer": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
      "startBlock": 7
    }"#;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sonm-bindings-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn parses_the_deploy_scripts_file() {
        let d = Deployment::from_json(SAMPLE, Path::new("31337.json")).expect("valid");
        assert_eq!(d.chain_id, 31337);
        assert_eq!(d.start_block, 7);
        assert_eq!(
            d.address(Contract::SonmToken).expect("deployed"),
            d.contracts.sonm_token
        );
        assert_eq!(
            d.contracts.judge_harness,
            "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318"
                .parse::<Address>()
                .expect("address")
        );
        let err = d.address(Contract::MapGame).expect_err("zero address");
        assert_eq!(
            err.to_string(),
            "MapGame is not deployed on chain 31337: redeploy with it (`sonm deploy`)"
        );
        // Serialising gives the script's key names back.
        let again: Deployment =
            serde_json::from_str(&serde_json::to_string(&d).expect("ser")).expect("de");
        assert_eq!(again, d);
    }

    #[test]
    fn every_contract_has_a_key_in_the_file() {
        let value: serde_json::Value = serde_json::from_str(SAMPLE).expect("json");
        let keys = value["contracts"].as_object().expect("object");
        assert_eq!(keys.len(), Contract::ALL.len());
        for c in Contract::ALL {
            assert!(keys.contains_key(c.name()), "{c}");
        }
    }

    #[test]
    fn a_deployment_written_before_a_contract_existed_loads_without_it() {
        let older = SAMPLE.replace(
            "\"ComputationRegistry\": \"0x0000000000000000000000000000000000000000\",\n",
            "",
        );
        assert!(!older.contains("ComputationRegistry"));
        let d = Deployment::from_json(&older, Path::new("31337.json")).expect("loads");
        assert_eq!(d.contracts.computation_registry, Address::ZERO);
        assert_eq!(
            d.address(Contract::ComputationRegistry)
                .expect_err("absent")
                .to_string(),
            "ComputationRegistry is not deployed on chain 31337: redeploy with it (`sonm deploy`)"
        );
        // A misspelt name is still an error, not a silently absent contract.
        let typo = SAMPLE.replace("\"Whitelist\"", "\"WhiteList\"");
        let err = Deployment::from_json(&typo, Path::new("x.json")).expect_err("unknown key");
        assert!(err.to_string().contains("WhiteList"), "{err}");
    }

    #[test]
    fn a_file_of_another_format_version_is_refused_in_one_line() {
        let dir = temp_dir("format-version");
        let path = Deployment::path(&dir, 31337);
        let older = SAMPLE.replace("\"formatVersion\": 2", "\"formatVersion\": 1");
        std::fs::write(&path, older).expect("write");
        let err = Deployment::load(&dir, 31337).expect_err("version 1");
        assert!(
            matches!(
                err,
                DeploymentError::FormatVersion {
                    found: Some(1),
                    expected: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "{} is a deployment of format 1, this sonm reads format 2: redeploy with `sonm deploy` (or \
                 `make deploy`)",
                path.display()
            )
        );

        // Written before versions existed: no formatVersion at all (and no Market either).
        let unversioned = SAMPLE.replace("\"formatVersion\": 2,\n", "").replace(
            "\"Market\": \"0x0000000000000000000000000000000000000000\",\n",
            "",
        );
        assert!(!unversioned.contains("formatVersion") && !unversioned.contains("Market"));
        std::fs::write(&path, unversioned).expect("write");
        let err = Deployment::load(&dir, 31337).expect_err("no version");
        assert!(
            matches!(err, DeploymentError::FormatVersion { found: None, .. }),
            "{err}"
        );
        let line = err.to_string();
        assert_eq!(
            line,
            format!(
                "{} has no formatVersion (a deployment from before the market), this sonm reads format 2: \
                 redeploy with `sonm deploy` (or `make deploy`)",
                path.display()
            )
        );
        assert!(!line.contains('\n'));

        // A version that is not a number is malformed, and said so.
        let bad = SAMPLE.replace("\"formatVersion\": 2", "\"formatVersion\": \"2\"");
        let err = Deployment::from_json(&bad, Path::new("x.json")).expect_err("a string");
        assert!(
            err.to_string().starts_with("malformed deployment x.json: "),
            "{err}"
        );
    }

    #[test]
    fn a_version_2_file_knows_the_market() {
        let market = "0x9A676e781A523b5d0C0e43731313A708CB607508";
        let d = Deployment::from_json(
            &SAMPLE.replace(
                "\"Market\": \"0x0000000000000000000000000000000000000000\"",
                &format!("\"Market\": \"{market}\""),
            ),
            Path::new("31337.json"),
        )
        .expect("valid");
        assert_eq!(d.format_version, DEPLOYMENT_FORMAT_VERSION);
        assert_eq!(
            d.address(Contract::Market).expect("deployed"),
            market.parse::<Address>().expect("address")
        );
        let again: serde_json::Value = serde_json::to_value(&d).expect("serializes");
        assert_eq!(again["formatVersion"], 2);
    }

    #[test]
    fn a_missing_file_says_what_to_run() {
        let dir = temp_dir("missing");
        let err = Deployment::load(&dir, 5).expect_err("no file");
        assert!(matches!(err, DeploymentError::Missing { chain_id: 5, .. }));
        let line = err.to_string();
        assert!(line.starts_with("no deployment for chain 5 ("), "{line}");
        assert!(line.ends_with("run `sonm deploy` or `make demo`"), "{line}");
    }

    #[test]
    fn a_file_for_another_chain_is_refused() {
        let dir = temp_dir("wrong-chain");
        std::fs::write(Deployment::path(&dir, 1), SAMPLE).expect("write");
        let err = Deployment::load(&dir, 1).expect_err("wrong chain");
        assert!(
            matches!(
                err,
                DeploymentError::WrongChain {
                    expected: 1,
                    found: 31337,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn malformed_files_name_the_problem() {
        let missing_field = SAMPLE.replace("\"startBlock\": 7", "\"startBlocks\": 7");
        let err = Deployment::from_json(&missing_field, Path::new("x.json")).expect_err("bad");
        assert!(err.to_string().contains("startBlock"), "{err}");
        let bad_address = SAMPLE.replace("0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x5FbD");
        let err = Deployment::from_json(&bad_address, Path::new("x.json")).expect_err("bad");
        assert!(
            err.to_string().starts_with("malformed deployment x.json: "),
            "{err}"
        );
    }

    #[test]
    fn the_repositorys_local_deployment_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deployments");
        if Deployment::path(&dir, 31337).is_file() {
            // A developer's local deployment (not committed) may predate the current format: then it must be
            // refused in the one line that says to redeploy, never misread.
            match Deployment::load(&dir, 31337) {
                Ok(d) => assert!(!d.contracts.sonm_token.is_zero()),
                Err(e @ DeploymentError::FormatVersion { .. }) => {
                    assert!(e.to_string().contains("redeploy"), "{e}");
                }
                Err(e) => panic!("the local deployment does not parse: {e}"),
            }
        }
    }
}
