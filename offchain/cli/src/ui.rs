//! Output, progress and errors: what the user sees.

use std::future::Future;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

/// The exit code of a command that did its work but whose outcome is not the one asked for: a work receipt
/// presented and dishonoured (the transaction succeeded, the fault is recorded, the miner is not paid).
pub(crate) const EXIT_DISHONOURED: u8 = 3;

/// What a command prints: text for people, JSON for scripts; and, for an outcome that is not the one asked for, a
/// one-line warning on stderr and a non-zero exit code.
#[derive(Debug)]
pub(crate) struct Output {
    text: String,
    json: Value,
    warning: Option<String>,
    exit: u8,
}

impl Output {
    pub(crate) fn new(text: impl Into<String>, json: Value) -> Self {
        Self {
            text: text.into(),
            json,
            warning: None,
            exit: 0,
        }
    }

    /// This output with a warning (printed as `warning: ...` on stderr) and exit code `exit`.
    pub(crate) fn warn(mut self, warning: impl Into<String>, exit: u8) -> Self {
        self.warning = Some(warning.into());
        self.exit = exit;
        self
    }

    /// The exit code.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit)
    }

    /// Nothing more to print: a daemon that printed its events as they came.
    pub(crate) fn silent() -> Self {
        Self::new("", Value::Null)
    }

    pub(crate) fn print(&self, json: bool) {
        if json && self.json.is_null() {
            // Printed already (a daemon's JSON lines).
        } else if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| "null".into())
            );
        } else if !self.text.is_empty() {
            println!("{}", self.text.trim_end());
        }
        if let Some(w) = &self.warning {
            eprintln!("warning: {w}");
        }
    }
}

/// A spinner on stderr while `fut` runs (hidden when stderr is not a terminal).
pub(crate) async fn spin<T>(message: impl Into<String>, fut: impl Future<Output = T>) -> T {
    let pb = spinner(message);
    let out = fut.await;
    pb.finish_and_clear();
    out
}

/// A spinner on stderr (hidden when stderr is not a terminal).
pub(crate) fn spinner(message: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, draw_target());
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(message.into());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// A progress bar of `len` steps on stderr (hidden when stderr is not a terminal).
pub(crate) fn bar(len: u64, message: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), draw_target());
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(message.into());
    pb
}

fn draw_target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// An error and its causes on one line, each cause once.
pub(crate) fn one_line(e: &eyre::Report) -> String {
    sonm_bindings::one_line(e.as_ref())
}

/// Prints help and version as clap does; any other parse error as its first line.
pub(crate) fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            let first = first.trim_start_matches("error: ");
            eprintln!("error: {first} (see --help)");
            ExitCode::from(2)
        }
    }
}
