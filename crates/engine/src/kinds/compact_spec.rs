//! A source object's spec kept as compact JSON text between its listing and its processing.
//!
//! Most kinds are listed whole before their objects run, so every spec of a kind waits in
//! memory for the kind's whole run: at `scale:100000` the jobs alone (22,000 specs) took
//! ~160 MB as parsed `Value`s, whose maps cost 3–5× their text. The text is parsed again each
//! time the engine reads the spec (a few times per object, microseconds each).

use serde_json::Value;

/// A spec as compact JSON text (serialised as that text, in a string).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompactSpec(Box<str>);

impl CompactSpec {
    /// The text of `v`.
    pub fn new(v: &Value) -> CompactSpec {
        // Serialising a `Value` cannot fail (its keys are strings).
        CompactSpec(
            serde_json::to_string(v)
                .unwrap_or_default()
                .into_boxed_str(),
        )
    }

    /// The spec, parsed (`null` if the text were ever unreadable, which it cannot be: it was
    /// written from a `Value`).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl Default for CompactSpec {
    fn default() -> Self {
        CompactSpec::new(&Value::Null)
    }
}

impl std::fmt::Debug for CompactSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_spec_reads_back_as_written_and_takes_less_room() {
        let v = json!({"name": "j", "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "/x \"y\""}}], "n": 1.5, "none": null});
        let c = CompactSpec::new(&v);
        assert_eq!(c.value(), v);
        assert_eq!(CompactSpec::default().value(), Value::Null);
        assert_eq!(format!("{c:?}"), serde_json::to_string(&v).unwrap());
    }
}
