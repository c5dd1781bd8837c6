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
    // One value through the spec's translation, recorded under the rule's own field.
    let one = |v: &Value, field: &str, out: &mut Out| -> (Option<Value>, bool) {
        let mut m = Map::new();
        m.insert(path.into(), v.clone());
        let mut scratch = Out::default();
        s.field(&mut m, path, "", &mut scratch);
        for mut t in scratch.translated {
            t.field = format!("{at}{field}");
            out.translated.push(t);
        }
        let ok = scratch.problems.is_empty();
        out.problems.extend(
            scratch
                .problems
                .into_iter()
                // `s.field` says `<path>: why`; the rule's own field replaces the path.
                .map(|p| {
                    format!(
                        "{at}{field}: {}",
                        p.split_once(": ").map_or(p.as_str(), |(_, w)| w)
                    )
                }),
        );
        (m.remove(path), ok)
    };
    for f in ONE {
        let Some(v @ Value::String(id)) = rule.get(*f) else {
            continue;
        };
        if id.starts_with("auto:") {
            continue;
        }
        if let (Some(new), _) = one(&v.clone(), f, out) {
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
        let mut alone = Out::default();
        match one(&v, LIST, &mut alone) {
            (Some(new), true) => {
                out.translated.extend(alone.translated);
                kept.push(new);
            }
            _ => out.translated.push(Translation::new(
                format!("{at}{LIST}"),
                id.clone(),
                "",
                "left out of the list: the target offers no equivalent",
            )),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::translate::{Translator, tests::catalogue};
    use super::*;
    use crate::EngineOptions;

    #[test]
    fn a_policys_node_types_follow_the_target_and_another_clouds_rules_become_its_own() {
        let mut cat = catalogue();
        cat.target_cloud = Some(Cloud::Azure);
        let opts = EngineOptions::new("/tmp");
        let t = Translator {
            cat: &cat,
            opts: &opts,
        };
        let s = Specs {
            t: &t,
            whose: "cluster policy `p`",
        };
        let doc = json!({
            "node_type_id": {"type": "allowlist", "values": ["i3.xlarge", "m5d.large"], "defaultValue": "i3.xlarge"},
            "driver_node_type_id": {"type": "fixed", "value": "m5d.large"},
            "spark_version": {"type": "fixed", "value": "auto:latest-lts"},
            "aws_attributes.availability": {"type": "fixed", "value": "SPOT_WITH_FALLBACK"},
            "aws_attributes.ebs_volume_count": {"type": "fixed", "value": 1}
        });
        let mut m = serde_json::Map::new();
        m.insert("definition".into(), json!(doc.to_string()));
        let mut out = Out::default();
        definitions(&s, &mut m, &mut out);
        let d: Value = serde_json::from_str(m["definition"].as_str().unwrap()).unwrap();
        // m5d.large has no 2-core equivalent: out of the list, and the fixed driver a problem.
        assert_eq!(d["node_type_id"]["values"], json!(["Standard_E4ds_v4"]));
        assert_eq!(d["node_type_id"]["defaultValue"], "Standard_E4ds_v4");
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(
            out.problems[0].starts_with(
                "definition.driver_node_type_id.value: the target offers no equivalent"
            ),
            "{:?}",
            out.problems
        );
        assert_eq!(d["spark_version"]["value"], "auto:latest-lts");
        assert_eq!(
            d["azure_attributes.availability"]["value"],
            "SPOT_WITH_FALLBACK_AZURE"
        );
        assert!(d.get("aws_attributes.ebs_volume_count").is_none());
        let fields: Vec<&str> = out.translated.iter().map(|t| t.field.as_str()).collect();
        assert!(
            fields.contains(&"definition.node_type_id.values"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"definition.node_type_id.defaultValue"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"definition.aws_attributes.ebs_volume_count"),
            "{fields:?}"
        );
    }
}
