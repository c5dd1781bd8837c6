//! A cluster policy's definition (and its family overrides), a JSON document inside a string:
//! the node types and Spark versions it fixes, allows, blocks or defaults to become what the
//! target offers, and its rules on another cloud's attributes (`aws_attributes.availability`)
//! the target cloud's. A value of an allow or block list with no equivalent is left out of the
//! list (recorded); a fixed value, a default, or a list left empty with none is a problem.

use serde_json::{Map, Value};

use super::catalogue::Cloud;
use super::cloud::text;
use super::{Out, Specs};
use crate::translation::Translation;

/// The rule fields holding values: one value, or a list.
const ONE: &[&str] = &["value", "defaultValue"];
const LIST: &str = "values";

/// Translates the policy spec's definition and overrides in place.
pub(super) fn definitions(s: &Specs<'_>, m: &mut Map<String, Value>, out: &mut Out) {
    for f in ["definition", "policy_family_definition_overrides"] {
        let Some(Value::String(doc)) = m.get(f) else {
            continue;
        };
        let Ok(Value::Object(mut rules)) = serde_json::from_str::<Value>(doc) else {
            continue;
        };
        let before = out.translated.len() + out.problems.len();
        rules_of(s, &mut rules, out);
        if out.translated.len() + out.problems.len() != before {
            let doc = crate::json::canonical(&Value::Object(rules)).to_string();
            m.insert(f.into(), Value::String(doc));
        }
    }
}

fn rules_of(s: &Specs<'_>, rules: &mut Map<String, Value>, out: &mut Out) {
    for path in ["node_type_id", "driver_node_type_id", "spark_version"] {
        if let Some(Value::Object(rule)) = rules.get_mut(path) {
            values(s, path, rule, out);
        }
    }
    let Some(to) = s.t.cat.target_cloud else {
        return;
    };
    let others: Vec<String> = rules
        .keys()
        .filter(|k| {
            [Cloud::Aws, Cloud::Azure, Cloud::Gcp]
                .iter()
                .any(|c| *c != to && k.starts_with(&format!("{}.", c.block())))
        })
        .cloned()
        .collect();
    for k in others {
        let Some(mut rule) = rules.remove(&k) else {
            continue;
        };
        let field = k.split_once('.').map_or("", |(_, f)| f).to_string();
        if !["availability", "first_on_demand"].contains(&field.as_str()) {
            let why = format!("no meaning on {}", to.name());
            out.translated.push(Translation::new(
                format!("definition.{k}"),
                text(&rule),
                "",
                why,
            ));
            continue;
        }
        if let Value::Object(r) = &mut rule {
            for f in ONE.iter().chain([&LIST]) {
                if let Some(v) = r.get_mut(*f) {
                    availability(v, to);
                }
            }
        }
        let new = format!("{}.{field}", to.block());
        let why = format!("the target runs on {}", to.name());
        out.translated.push(Translation::new(
            format!("definition.{k}"),
            text(&rule),
            format!("{new} = {}", text(&rule)),
            why,
        ));
        rules.insert(new, rule);
    }
}

/// An availability value (or list) in the target cloud's words; other values as they are.
fn availability(v: &mut Value, to: Cloud) {
    match v {
        Value::Array(xs) => xs.iter_mut().for_each(|x| availability(x, to)),
        Value::String(s) => {
            if let Some(w) = super::cloud::availability_in(s, to) {
                *s = w.to_string();
            }
        }
        _ => {}
    }
}

/// The node type or Spark version values of one rule.
fn values(s: &Specs<'_>, path: &str, rule: &mut Map<String, Value>, out: &mut Out) {
    let at = format!("definition.{path}.");
    for f in ONE {
        let Some(Value::String(v)) = rule.get(*f) else {
            continue;
        };
        if v.starts_with("auto:") {
            continue;
        }
        let mut one = Map::new();
        one.insert(path.into(), Value::String(v.clone()));
        s.field(&mut one, path, &format!("{at}{f}:"), out);
        if let Some(new) = one.remove(path) {
            rule.insert((*f).into(), new);
        }
    }
    let Some(Value::Array(list)) = rule.get(LIST).cloned() else {
        return;
    };
    let mut kept = Vec::new();
    for v in list {
        let Value::String(id) = &v else {
            kept.push(v);
            continue;
        };
        let mut one = Map::new();
        one.insert(path.into(), v.clone());
        let mut scratch = Out::default();
        s.field(&mut one, path, &format!("{at}{LIST}:"), &mut scratch);
        if scratch.problems.is_empty() {
            out.translated.extend(scratch.translated);
            kept.extend(one.remove(path));
        } else {
            out.translated.push(Translation::new(
                format!("{at}{LIST}"),
                id.clone(),
                "",
                "left out of the list: the target offers no equivalent",
            ));
        }
    }
    if kept.is_empty() {
        out.problems.push(format!(
            "{at}{LIST}: the target offers nothing the list allows: name equivalents in [translate]"
        ));
    }
    kept.dedup();
    rule.insert(LIST.into(), Value::Array(kept));
}
