//! The daemon's events: a log line each, and with `--json` one JSON object per line on stdout (its `"event"` field
//! names it); in-process observers (tests, the demo) may take them from a channel too.

use std::io::Write as _;

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tracing::info;

/// Where events go.
#[derive(Clone, Debug)]
pub(crate) struct Reporter {
    json: bool,
    text: bool,
    tx: Option<UnboundedSender<Value>>,
}

impl Reporter {
    /// `json`: a JSON line per event on stdout; else `text`: a line for people; `tx`: every event, in-process.
    pub(crate) fn new(json: bool, text: bool, tx: Option<UnboundedSender<Value>>) -> Self {
        Self { json, text, tx }
    }

    /// Emits `event` with `fields` (a JSON object).
    pub(crate) fn emit(&self, event: &str, fields: Value) {
        let mut v = json!({ "event": event });
        if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
            o.extend(f);
        }
        info!(target: "sonm_hub::event", "{v}");
        let mut out = std::io::stdout().lock();
        if self.json {
            let _ = writeln!(out, "{v}");
        } else if self.text {
            // For people: the event and its fields, one line.
            let mut fields = v.clone();
            if let Some(o) = fields.as_object_mut() {
                o.remove("event");
            }
            let _ = writeln!(out, "{event}: {fields}");
        }
        let _ = out.flush();
        if let Some(tx) = &self.tx {
            let _ = tx.send(v);
        }
    }
}
