//! What the buyer tells its user: a line on stderr for people, or with `--json` one JSON object per line on stdout
//! for every notable event (`{"event":"taken","deal":3,...}`), which scripts and the demo read.

use std::io::Write as _;

use serde_json::{Map, Value};

/// Prints the buyer's events.
#[derive(Clone, Copy, Debug)]
pub struct Reporter {
    json: bool,
}

impl Reporter {
    /// Events as JSON lines on stdout (`json`), or as text lines on stderr.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether events are JSON lines.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// A line for people only (nothing in JSON mode).
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.json {
            eprintln!("{}", text.as_ref());
        }
    }

    /// Reports `event` with its `fields` (a JSON object) as a JSON line, or `text` for people.
    pub fn event(&self, event: &str, fields: Value, text: impl AsRef<str>) {
        if self.json {
            let mut object = Map::new();
            object.insert("event".into(), Value::String(event.into()));
            if let Value::Object(fields) = fields {
                object.extend(fields);
            }
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", Value::Object(object));
            let _ = out.flush();
        } else if !text.as_ref().is_empty() {
            eprintln!("{}", text.as_ref());
        }
    }
}
