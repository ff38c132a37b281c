//! The test fixture: a deployed template chain, fresh anvils loaded from it, and helpers to run `sonm`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// PATH with the pinned toolchain (forge, anvil) first.
pub fn tool_path() -> String {
    let bin = repo().join("node_modules/.bin");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn anvil_bin() -> PathBuf {
    let local = repo().join("node_modules/.bin/anvil");
    if local.exists() {
        local
    } else {
        PathBuf::from("anvil")
    }
}

/// A chain id of this test run: not 31337, so the deploy never touches a developer's local deployment file.
pub fn chain_id() -> u64 {
    900_000 + u64::from(std::process::id() % 90_000)
}

/// What the template deployment left: the chain state and the deployments file.
pub struct Template {
    pub state: String,
    pub deployment: String,
    pub deploy_stdout: String,
}

static TEMPLATE: OnceLock<Template> = OnceLock::new();

/// Deploys once per test run with `sonm deploy`, and dumps the chain.
pub fn template() -> &'static Template {
    // On a thread of its own: the caller may be inside a tokio runtime.
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(make_template)
            .join()
            .expect("template deployment")
    })
}

fn make_template() -> Template {
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let anvil = spawn_anvil();
            let dir = tempdir("template");
            let cid = chain_id();
            let out = Command::new(env!("CARGO_BIN_EXE_sonm"))
                .args(["deploy", "--rpc-url", &anvil.endpoint(), "--deployments"])
                .arg(&dir)
                .arg("--root")
                .arg(repo())
                .env("PATH", tool_path())
                .env("SONM_PROFILE", "local")
                .env_remove("SONM_PRIVATE_KEY")
                .env_remove("SONM_KEYSTORE")
                .output()
                .expect("run sonm deploy");
            // forge writes these into the repository; they are this run's own.
            let root = repo();
            let _ = std::fs::remove_file(root.join(format!("deployments/{cid}.json")));
            let _ = std::fs::remove_dir_all(root.join(format!("broadcast/Deploy.s.sol/{cid}")));
            let _ = std::fs::remove_dir_all(root.join(format!("cache/Deploy.s.sol/{cid}")));
            assert!(
                out.status.success(),
                "sonm deploy failed: {}\n{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            );
            let deployment =
                std::fs::read_to_string(dir.join(format!("{cid}.json"))).expect("deployments file");
            let provider = ProviderBuilder::new().connect_http(anvil.endpoint_url());
            let state: String = provider
                .raw_request("anvil_dumpState".into(), ())
                .await
                .expect("dump state");
            Template {
                state,
                deployment,
                deploy_stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            }
        })
    }
}

fn spawn_anvil() -> AnvilInstance {
    Anvil::at(anvil_bin())
        .chain_id(chain_id())
        .try_spawn()
        .expect("spawn anvil")
}

/// A fresh temporary directory.
pub fn tempdir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sonm-cli-it-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A fresh anvil holding the template deployment, with its own deployments directory.
pub struct Chain {
    pub anvil: AnvilInstance,
    pub deployments: PathBuf,
}

impl Chain {
    pub async fn new() -> Self {
        let t = template();
        let anvil = spawn_anvil();
        let provider = ProviderBuilder::new().connect_http(anvil.endpoint_url());
        let loaded: bool = provider
            .raw_request("anvil_loadState".into(), (t.state.clone(),))
            .await
            .expect("load state");
        assert!(loaded);
        let deployments = tempdir("deployments");
        std::fs::write(
            deployments.join(format!("{}.json", chain_id())),
            &t.deployment,
        )
        .expect("write deployment");
        Self { anvil, deployments }
    }

    /// The hex private key of anvil's account `i`.
    pub fn key(&self, i: usize) -> String {
        alloy::hex::encode_prefixed(self.anvil.keys()[i].to_bytes())
    }

    /// Anvil's account `i`.
    pub fn address(&self, i: usize) -> Address {
        self.anvil.addresses()[i]
    }

    /// `sonm ARGS` as account `who` (None: no key).
    pub fn sonm(&self, who: Option<usize>, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sonm"));
        cmd.args(args)
            .env("ETH_RPC_URL", self.anvil.endpoint())
            .env("SONM_DEPLOYMENTS", &self.deployments)
            .env_remove("SONM_KEYSTORE")
            .env("PATH", tool_path());
        match who {
            Some(i) => cmd.env("SONM_PRIVATE_KEY", self.key(i)),
            None => cmd.env_remove("SONM_PRIVATE_KEY"),
        };
        cmd.output().expect("run sonm")
    }

    /// `sonm --json ARGS`, which must succeed; its JSON.
    pub fn ok(&self, who: Option<usize>, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.sonm(who, &all);
        assert!(
            out.status.success(),
            "sonm {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("sonm {args:?}: not JSON ({e})"))
    }

    /// `sonm ARGS`, which must fail with one line on stderr; that line.
    pub fn fails(&self, who: Option<usize>, args: &[&str]) -> String {
        one_line_failure(&self.sonm(who, args), args)
    }

    /// Account `i`'s SNM balance in wei, read through `sonm token balance`.
    pub fn balance(&self, i: usize) -> U256 {
        let v = self.ok(None, &["token", "balance", &self.address(i).to_string()]);
        s(&v, "balance").parse().unwrap()
    }

    /// Transfers `amount` SNM from `from` to each account of `to`.
    pub fn fund(&self, from: Option<usize>, to: &[usize], amount: &str) {
        for &who in to {
            self.ok(
                from,
                &["token", "transfer", &self.address(who).to_string(), amount],
            );
        }
    }

    /// `sonm map inputs mandelbrot`: a `width` x `height` view of the whole set, written to `path`.
    pub fn mandelbrot_inputs(&self, path: &Path, width: u32, height: u32) {
        let (width, height) = (width.to_string(), height.to_string());
        self.ok(
            None,
            &[
                "map",
                "inputs",
                "mandelbrot",
                "--width",
                &width,
                "--height",
                &height,
                "-o",
                path.to_str().expect("utf-8 path"),
            ],
        );
    }

    /// `sonm map post` of the Mandelbrot `inputs` for `reward` SNM as `who`, with `extra` arguments; its JSON.
    pub fn post_mandelbrot(
        &self,
        who: Option<usize>,
        inputs: &Path,
        reward: &str,
        extra: &[&str],
    ) -> Value {
        let mut args = vec![
            "map",
            "post",
            "--inputs",
            inputs.to_str().expect("utf-8 path"),
            "--computation",
            "mandelbrot",
            "--reward",
            reward,
        ];
        args.extend_from_slice(extra);
        self.ok(who, &args)
    }

    /// `sonm chain post` of a keccak chain of `steps` steps from "sonm", for `reward` SNM as `who`, with `extra`
    /// arguments; its JSON.
    pub fn post_chain(
        &self,
        who: Option<usize>,
        steps: &str,
        reward: &str,
        extra: &[&str],
    ) -> Value {
        let mut args = vec![
            "chain",
            "post",
            "--initial-state",
            "0x736f6e6d",
            "--steps",
            steps,
            "--reward",
            reward,
        ];
        args.extend_from_slice(extra);
        self.ok(who, &args)
    }

    /// Moves the chain's clock forward and mines a block.
    pub async fn travel(&self, seconds: u64) {
        let provider = ProviderBuilder::new().connect_http(self.anvil.endpoint_url());
        let _: Value = provider
            .raw_request("evm_increaseTime".into(), (seconds,))
            .await
            .expect("increase time");
        let _: Value = provider
            .raw_request("evm_mine".into(), ())
            .await
            .expect("mine");
    }
}

/// Asserts a failed run printed exactly one line on stderr, `error: ...`, and returns it.
pub fn one_line_failure(out: &Output, args: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "sonm {args:?} should fail, printed {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "sonm {args:?} should print one line, printed:\n{stderr}"
    );
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    lines[0].to_owned()
}

/// `sonm ARGS` with no chain at all.
pub fn sonm_offline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args(args)
        .env_remove("SONM_PRIVATE_KEY")
        .output()
        .expect("run sonm")
}

/// `n` whole SNM, in wei.
pub fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// A JSON string field.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {v}"))
}
