//! JSON helpers every kind shares: field paths, canonical hashing, comparison.
//!
//! A *field path* names the places in an object where a reference lives: `a.b` is a nested
//! field, `a[]` every element of an array, `a{}` every value of a map, so `members[].value` is
//! the `value` of every member and `tasks[].new_cluster.policy_id` every task's policy. The same
//! paths drive the dependency graph and the id remapping (see `crate::kinds::Reference`).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

enum Step<'a> {
    Field(&'a str),
    Each,
    Values,
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = match part.find(['[', '{']) {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Step::Field(name));
        }
        let mut r = rest;
        while !r.is_empty() {
            if let Some(t) = r.strip_prefix("[]") {
                out.push(Step::Each);
                r = t;
            } else if let Some(t) = r.strip_prefix("{}") {
                out.push(Step::Values);
                r = t;
            } else {
                break;
            }
        }
    }
    out
}

fn visit<'v>(v: &'v mut Value, steps: &[Step<'_>], f: &mut dyn FnMut(&mut Value)) {
    let Some((first, rest)) = steps.split_first() else {
        f(v);
        return;
    };
    match first {
        Step::Field(name) => {
            if let Some(child) = v.get_mut(*name) {
                visit(child, rest, f);
            }
        }
        Step::Each => {
            if let Value::Array(items) = v {
                for item in items {
                    visit(item, rest, f);
                }
            }
        }
        Step::Values => {
            if let Value::Object(map) = v {
                for item in map.values_mut() {
                    visit(item, rest, f);
                }
            }
        }
    }
}

/// Calls `f` on every value found at `path` (missing fields are skipped).
pub fn visit_mut(v: &mut Value, path: &str, f: &mut dyn FnMut(&mut Value)) {
    visit(v, &steps(path), f);
}

/// [`visit`] for reading: no copy of the value (a job's spec is read for every reference
/// path it declares, for every object).
fn visit_ref(v: &Value, steps: &[Step<'_>], f: &mut dyn FnMut(&Value)) {
    let Some((first, rest)) = steps.split_first() else {
        f(v);
        return;
    };
    match first {
        Step::Field(name) => {
            if let Some(child) = v.get(*name) {
                visit_ref(child, rest, f);
            }
        }
        Step::Each => {
            if let Value::Array(items) = v {
                for item in items {
                    visit_ref(item, rest, f);
                }
            }
        }
        Step::Values => {
            if let Value::Object(map) = v {
                for item in map.values() {
                    visit_ref(item, rest, f);
                }
            }
        }
    }
}

/// Every value found at `path`, as strings (numbers are turned into their decimal text).
pub fn strings_at(v: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    visit_ref(v, &steps(path), &mut |x| {
        if let Some(s) = as_id(x) {
            out.push(s);
        }
    });
    out
}

/// A JSON value used as an id: a string, or a number's decimal text.
pub fn as_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The value with object keys sorted at every level (arrays keep their order).
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The hex SHA-256 of the canonical form: equal content ⇒ equal hash, whatever the key order.
/// The canonical text is streamed into the hash, never built (a group holding every user has
/// tens of thousands of members): the same bytes as `canonical(v).to_string()`.
pub fn content_hash(v: &Value) -> String {
    let mut h = Sha256::new();
    write_canonical(v, &mut h);
    hex::encode(h.finalize())
}

/// Writes `v` as compact JSON with object keys sorted at every level into `h`.
fn write_canonical(v: &Value, h: &mut Sha256) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            h.update(b"{");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                // Serialising a string cannot fail.
                h.update(serde_json::to_vec(k).unwrap_or_default());
                h.update(b":");
                write_canonical(&m[k], h);
            }
            h.update(b"}");
        }
        Value::Array(a) => {
            h.update(b"[");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                write_canonical(x, h);
            }
            h.update(b"]");
        }
        scalar => write_scalar(scalar, h),
    }
}

/// A string, number, boolean or null as serde_json writes it.
fn write_scalar(v: &Value, h: &mut Sha256) {
    // Serialising a scalar `Value` cannot fail.
    let text = serde_json::to_vec(v).unwrap_or_default();
    h.update(&text);
}

/// Whether a value is "nothing": absent, null, an empty array or an empty object. The platform
/// omits empty collections, so these all compare equal.
pub fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::String(_)) | Some(Value::Bool(_)) | Some(Value::Number(_)) => false,
    }
}

fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        // Some APIs echo numbers as strings ("10") or booleans as "true".
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s == &n.to_string()
        }
        (Value::String(s), Value::Bool(x)) | (Value::Bool(x), Value::String(s)) => {
            s == if *x { "true" } else { "false" }
        }
        _ => a == b,
    }
}

/// Where `actual` differs from `desired`, reading `desired` as a subset: every field of
/// `desired` must be in `actual` with an equal value; fields only in `actual` (read-only ones
/// the platform adds) are ignored. Arrays must have the same length and every desired element
/// must match some actual element (order does not matter). Returns the differing paths.
pub fn subset_diff(desired: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into(desired, Some(actual), "", &mut out);
    out
}

fn diff_into(desired: &Value, actual: Option<&Value>, path: &str, out: &mut Vec<String>) {
    let name = |p: &str| {
        if p.is_empty() {
            "(root)".to_string()
        } else {
            p.to_string()
        }
    };
    if is_empty(Some(desired)) {
        if !is_empty(actual) && !matches!(desired, Value::Null) {
            out.push(name(path));
        }
        return;
    }
    let Some(actual) = actual else {
        out.push(name(path));
        return;
    };
    match (desired, actual) {
        (Value::Object(d), Value::Object(a)) => {
            for (k, dv) in d {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff_into(dv, a.get(k), &p, out);
            }
        }
        (Value::Array(d), Value::Array(a)) => {
            if d.len() != a.len() {
                out.push(name(path));
                return;
            }
            let mut used = vec![false; a.len()];
            for dv in d {
                let hit = a.iter().enumerate().position(|(i, av)| {
                    !used[i] && {
                        let mut sub = Vec::new();
                        diff_into(dv, Some(av), "", &mut sub);
                        sub.is_empty()
                    }
                });
                match hit {
                    Some(i) => used[i] = true,
                    None => {
                        out.push(name(path));
                        return;
                    }
                }
            }
        }
        (d, a) => {
            if !scalar_eq(d, a) {
                out.push(name(path));
            }
        }
    }
}

/// Keeps only the listed top-level fields of an object (a kind's writable fields).
pub fn pick(v: &Value, fields: &[&str]) -> Value {
    let mut out = Map::new();
    if let Value::Object(m) = v {
        for f in fields {
            if let Some(x) = m.get(*f)
                && !x.is_null()
            {
                out.insert((*f).to_string(), x.clone());
            }
        }
    }
    Value::Object(out)
}

/// A string field of an object.
pub fn str_field<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v.get(field).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_visit_nested_arrays_and_maps() {
        let mut v = json!({"members": [{"value": "1"}, {"value": "2"}],
            "tasks": [{"new_cluster": {"policy_id": "p"}}, {}],
            "m": {"a": {"id": 1}, "b": {"id": 2}}});
        let mut seen = Vec::new();
        visit_mut(&mut v, "members[].value", &mut |x| {
            seen.push(x.clone());
            *x = json!("X");
        });
        assert_eq!(seen, vec![json!("1"), json!("2")]);
        assert_eq!(strings_at(&v, "members[].value"), vec!["X", "X"]);
        assert_eq!(strings_at(&v, "tasks[].new_cluster.policy_id"), vec!["p"]);
        assert_eq!(strings_at(&v, "m{}.id"), vec!["1", "2"]);
    }

    #[test]
    fn hash_ignores_key_order() {
        let a = json!({"a": 1, "b": {"c": 2, "d": 3}});
        let b = json!({"b": {"d": 3, "c": 2}, "a": 1});
        assert_eq!(content_hash(&a), content_hash(&b));
        // Streamed into the hash: the same bytes as the canonical value's text (the ledger's
        // hashes from earlier runs stay valid).
        let tricky = json!({"z": [1, 2.5, -3e-7, {"b": null, "a": true}], "é\"\n": "ü \u{1} \\", "": {}, "a": []});
        assert_eq!(
            content_hash(&tricky),
            hex::encode(Sha256::digest(canonical(&tricky).to_string().as_bytes()))
        );
        assert_ne!(content_hash(&a), content_hash(&json!({"a": 2})));
    }

    #[test]
    fn subset_diff_ignores_extra_fields_and_order_but_not_values() {
        let desired = json!({"name": "p", "tags": [{"k": "a"}, {"k": "b"}], "empty": []});
        let actual = json!({"name": "p", "id": "9", "tags": [{"k": "b", "x": 1}, {"k": "a"}]});
        assert!(subset_diff(&desired, &actual).is_empty());
        let changed = json!({"name": "q", "tags": [{"k": "a"}]});
        assert_eq!(subset_diff(&desired, &changed), vec!["name", "tags"]);
        assert_eq!(
            subset_diff(&json!({"n": 10}), &json!({"n": "10"})),
            Vec::<String>::new()
        );
        assert_eq!(
            subset_diff(&json!({"l": []}), &json!({"l": [1]})),
            vec!["l"]
        );
    }
}
