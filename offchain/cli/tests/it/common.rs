//! The test fixture: `sonm-testkit`'s fresh anvil per test, loaded from one deployment per run made through
//! `sonm deploy` (so the deploy command is exercised too), and helpers to run `sonm`.

use std::ops::Deref;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use serde_json::Value;
pub use sonm_testkit::{Template, chain_id, repo, tempdir};

/// PATH with the pinned toolchain (forge, anvil) first.
pub fn tool_path() -> String {
    sonm_testkit::devnet::tool_path(&repo())
}

/// How long one `sonm deploy` of the template may take: it takes seconds, and forge compiles first only when a
/// contract changed since the last `forge build`.
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(600);

/// The deployment of this run, made once with `sonm deploy` on a template anvil.
pub fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    sonm_testkit::once(&TEMPLATE, || {
        Template::deploy_with(async |anvil| {
            // forge script has been seen to hang for good while another forge works on the same machine (as
            // sonm-testkit's devnet notes): a deploy that has not finished in time is killed and run once more.
            match sonm_deploy(&anvil.endpoint()) {
                Some(out) => out,
                None => sonm_deploy(&anvil.endpoint()).unwrap_or_else(|| {
                    panic!(
                        "sonm deploy did not finish within {} s, twice",
                        DEPLOY_TIMEOUT.as_secs()
                    )
                }),
            }
        })
    })
}

/// `sonm deploy` on `rpc_url`: what it printed, or `None` if it did not finish within [`DEPLOY_TIMEOUT`] (it and
/// its forge, one process group, are then killed).
fn sonm_deploy(rpc_url: &str) -> Option<String> {
    use std::os::unix::process::CommandExt as _;
    use std::process::Stdio;

    let dir = tempdir("template");
    let (stdout, stderr) = (dir.join("deploy.out"), dir.join("deploy.err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args(["deploy", "--rpc-url", rpc_url, "--deployments"])
        .arg(&dir)
        .arg("--root")
        .arg(repo())
        .env("PATH", tool_path())
        .env("SONM_PROFILE", "local")
        .env_remove("SONM_PRIVATE_KEY")
        .env_remove("SONM_KEYSTORE")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("deploy.out"))
        .stderr(std::fs::File::create(&stderr).expect("deploy.err"))
        .process_group(0)
        .spawn()
        .expect("run sonm deploy");
    let deadline = Instant::now() + DEPLOY_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for sonm deploy") {
            break status;
        }
        if Instant::now() >= deadline {
            // The group is sonm and the forge it started.
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            eprintln!("sonm deploy hung: killed, deploying again");
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        status.success(),
        "sonm deploy failed: {}\n{}",
        read(&stderr),
        read(&stdout)
    );
    Some(read(&stdout))
}

/// A fresh anvil holding the template deployment, with its own deployments directory.
pub struct Chain(sonm_testkit::Chain);

impl Deref for Chain {
    type Target = sonm_testkit::Chain;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Chain {
    pub async fn new() -> Self {
        Self(sonm_testkit::Chain::load(template(), sonm_testkit::spawn_anvil(None)).await)
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
