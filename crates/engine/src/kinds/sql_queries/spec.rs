//! A query as the engine migrates it: its writable fields (the folder normalised, a deleted
//! owner left out), its visualizations inside it, and the catalog map applied to its
//! `catalog` field — never to its SQL text. Where the map names a catalog the text reads, the
//! query gets a manual action saying the text was copied as it is.
//!
//! The target's query is shaped the same way ([`body_of`]), its visualizations with their
//! ids (which the update needs and the comparison ignores). Visualization options are JSON
//! documents in strings: they are compared parsed ([`comparable`]), since the service may
//! write the same document differently.

use std::collections::BTreeMap;

use brickport_api::types::sql_queries::{Query, Visualization};
use serde_json::{Map, Value, json};

use super::super::sql_objects::{key_of, owner};
use crate::ledger::{Action, Category};

/// The writable fields of a query besides its folder, owner and visualizations.
const FIELDS: &[&str] = &[
    "display_name",
    "description",
    "query_text",
    "warehouse_id",
    "catalog",
    "schema",
    "parameters",
    "run_as_mode",
    "tags",
    "apply_auto_limit",
];

/// The writable fields of a visualization (besides its query).
pub(super) const VISUALIZATION_FIELDS: &[&str] = &[
    "display_name",
    "type",
    "serialized_options",
    "serialized_query_plan",
];

/// A visualization's options, documents in strings.
const SERIALIZED: &[&str] = &["serialized_options", "serialized_query_plan"];

/// The query's key (its folder and display name).
pub(super) fn key(q: &Query) -> String {
    key_of(
        q.parent_path.as_deref(),
        q.display_name.as_deref().unwrap_or_default(),
    )
}

fn picked(v: &Value, fields: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| Some((f.to_string(), v.get(*f).filter(|x| !x.is_null())?.clone())))
        .collect()
}

/// The writable parts of a visualization (`with_id`: and its id, for the target's side).
fn visualization(v: &Visualization, with_id: bool) -> Value {
    let raw = serde_json::to_value(v).unwrap_or(Value::Null);
    let mut out = picked(&raw, VISUALIZATION_FIELDS);
    if with_id && let Some(id) = &v.id {
        out.insert("id".into(), json!(id));
    }
    Value::Object(out)
}

/// The query's fields as the spec and the target body share them.
fn common(q: &Query, visualizations: &[Visualization], with_ids: bool) -> Map<String, Value> {
    let raw = serde_json::to_value(q).unwrap_or(Value::Null);
    let mut out = picked(&raw, FIELDS);
    if let Some(p) = super::super::sql_objects::folder(q.parent_path.as_deref()) {
        out.insert("parent_path".into(), json!(p));
    }
    if let Some(o) = owner(q.owner_user_name.as_deref()) {
        out.insert("owner_user_name".into(), json!(o));
    }
    let vis: Vec<Value> = visualizations
        .iter()
        .map(|v| visualization(v, with_ids))
        .collect();
    out.insert("visualizations".into(), Value::Array(vis));
    out
}

/// What the spec builder found.
pub(super) struct Built {
    /// The spec.
    pub spec: Value,
    /// Manual actions (catalog names in the SQL text).
    pub manual: Vec<Action>,
}

/// The spec of a source query with its visualizations; `catalogs` is the catalog map.
pub(super) fn build(
    q: &Query,
    visualizations: &[Visualization],
    catalogs: &BTreeMap<String, String>,
) -> Built {
    let mut spec = common(q, visualizations, false);
    if let Some(Value::String(c)) = spec.get("catalog")
        && let Some(to) = mapped(catalogs, c)
    {
        spec.insert("catalog".into(), json!(to));
    }
    let key = key(q);
    let text = q.query_text.as_deref().unwrap_or_default();
    let manual = catalogs_in_text(text, catalogs)
        .into_iter()
        .map(|(from, to)| {
            Action::new(Category::Other, format!(
                "query `{key}`: its SQL text names catalog `{from}`, which [translate.catalogs] maps to `{to}`; brickport never rewrites SQL text, so the target's query reads `{from}` as the source's did: edit it there if it must read `{to}`"
            ))
        })
        .collect();
    Built {
        spec: Value::Object(spec),
        manual,
    }
}

/// The body of a target query, in the spec's shape.
pub(super) fn body_of(q: &Query, visualizations: &[Visualization]) -> Value {
    Value::Object(common(q, visualizations, true))
}

/// The catalog `name` maps to (catalog names are case-insensitive).
fn mapped<'a>(catalogs: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    catalogs
        .iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(name))
        .map(|(_, to)| to.as_str())
}

/// A value with its visualizations' serialized documents parsed (a string that is not JSON
/// stays a string), for comparing.
pub(super) fn comparable(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(Value::Array(vis)) = v.get_mut("visualizations") {
        for one in vis.iter_mut() {
            *one = comparable_visualization(one);
        }
    }
    v
}

/// One visualization with its serialized documents parsed.
pub(super) fn comparable_visualization(v: &Value) -> Value {
    let mut v = v.clone();
    for f in SERIALIZED {
        if let Some(Value::String(s)) = v.get(*f)
            && let Ok(parsed) = serde_json::from_str::<Value>(s)
        {
            v[*f] = parsed;
        }
    }
    v
}

/// One lexical piece of SQL text, as far as finding catalog names needs.
#[derive(Debug, PartialEq)]
enum Token {
    /// An identifier or keyword (backticks removed).
    Word(String),
    /// `.`
    Dot,
    /// Anything else that separates words.
    Other,
}

/// The words and dots of SQL text, without comments and string literals.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let until = |from: usize, end: &str| -> usize {
        let rest: String = chars[from..].iter().collect();
        rest.find(end).map_or(chars.len(), |at| {
            from + rest[..at].chars().count() + end.len()
        })
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '-' && next == Some('-') {
            i = until(i, "\n");
        } else if c == '/' && next == Some('*') {
            i = until(i + 2, "*/");
        } else if c == '\'' || c == '"' {
            let close = chars[i + 1..].iter().position(|x| *x == c);
            i = close.map_or(chars.len(), |p| i + p + 2);
            out.push(Token::Other);
        } else if c == '`' {
            let close = chars[i + 1..].iter().position(|x| *x == '`');
            let end = close.map_or(chars.len(), |p| i + 1 + p);
            out.push(Token::Word(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c.is_alphanumeric() || c == '_' {
            let len = chars[i..]
                .iter()
                .take_while(|x| x.is_alphanumeric() || **x == '_')
                .count();
            out.push(Token::Word(chars[i..i + len].iter().collect()));
            i += len;
        } else {
            if c == '.' {
                out.push(Token::Dot);
            } else if !c.is_whitespace() {
                out.push(Token::Other);
            }
            i += 1;
        }
    }
    out
}

/// Whether the word at `i` names a catalog: the first part of a three-part name
/// (`catalog.schema.table`), or what follows `CATALOG`, or the first part of a two-part
/// name after `SCHEMA` or `DATABASE`.
fn names_catalog(t: &[Token], i: usize) -> bool {
    let word = |j: usize| match t.get(j) {
        Some(Token::Word(w)) => Some(w.to_ascii_lowercase()),
        _ => None,
    };
    let dot = |j: usize| t.get(j) == Some(&Token::Dot);
    if i > 0 && dot(i - 1) {
        return false;
    }
    let before = i.checked_sub(1).and_then(word);
    let three = dot(i + 1) && word(i + 2).is_some() && dot(i + 3) && word(i + 4).is_some();
    let two = dot(i + 1) && word(i + 2).is_some();
    three
        || before.as_deref() == Some("catalog")
        || (two && matches!(before.as_deref(), Some("schema" | "database")))
}

/// The catalogs of the map that the SQL text names, each once: `(source, target)`.
pub(crate) fn catalogs_in_text<'a>(
    text: &str,
    catalogs: &'a BTreeMap<String, String>,
) -> Vec<(&'a str, &'a str)> {
    if catalogs.is_empty() {
        return Vec::new();
    }
    let t = tokens(text);
    let mut out: Vec<(&str, &str)> = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        let Token::Word(w) = tok else { continue };
        let Some((from, to)) = catalogs.iter().find(|(f, _)| f.eq_ignore_ascii_case(w)) else {
            continue;
        };
        if names_catalog(&t, i) && !out.iter().any(|(f, _)| *f == from) {
            out.push((from, to));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("prod".to_string(), "prod_eu".to_string()),
            ("dev".to_string(), "dev_eu".to_string()),
            ("main".to_string(), "main_eu".to_string()),
        ])
    }

    #[test]
    fn catalog_names_in_sql_text_are_found_not_words_alike() {
        let text = "-- prod.a.b in a comment\nSELECT prod, 'prod.x.y' FROM `PROD`.sales.orders o \
                    JOIN dev.s.t USING (id) /* main.a.b */ WHERE o.main = 1; USE CATALOG main";
        let map = map();
        let found = catalogs_in_text(text, &map);
        assert_eq!(
            found,
            [("prod", "prod_eu"), ("dev", "dev_eu"), ("main", "main_eu")]
        );
        assert!(catalogs_in_text("SELECT * FROM sales.orders", &map).is_empty());
        assert!(catalogs_in_text("SELECT prod FROM s.prod", &map).is_empty());
        assert_eq!(
            catalogs_in_text("USE SCHEMA dev.s", &map),
            [("dev", "dev_eu")]
        );
        assert!(catalogs_in_text("SELECT 1", &BTreeMap::new()).is_empty());
    }

    #[test]
    fn the_map_changes_the_catalog_field_not_the_text() {
        let q: Query = serde_json::from_value(json!({
            "id": "q1", "display_name": "orders", "parent_path": "/Workspace/Shared/bi",
            "query_text": "SELECT * FROM prod.sales.orders", "catalog": "prod", "schema": "sales",
            "owner_user_name": "Unavailable", "lifecycle_state": "ACTIVE",
        }))
        .unwrap();
        let vis: Visualization = serde_json::from_value(json!({
            "id": "v1", "type": "table", "display_name": "Table",
            "serialized_options": "{\"a\": 1}"}))
        .unwrap();
        let built = build(&q, std::slice::from_ref(&vis), &map());
        let s = &built.spec;
        assert_eq!(s["catalog"], "prod_eu");
        assert_eq!(s["query_text"], "SELECT * FROM prod.sales.orders");
        assert_eq!(s["parent_path"], "/Shared/bi");
        assert!(s.get("owner_user_name").is_none(), "a deleted owner");
        assert!(s.get("lifecycle_state").is_none() && s.get("id").is_none());
        assert_eq!(
            s["visualizations"],
            json!([{"type": "table", "display_name": "Table", "serialized_options": "{\"a\": 1}"}])
        );
        assert_eq!(built.manual.len(), 1);
        assert!(
            built.manual[0].text.contains("`prod`"),
            "{:?}",
            built.manual
        );
        let body = body_of(&q, &[vis]);
        assert_eq!(body["visualizations"][0]["id"], "v1");
        assert_eq!(body["catalog"], "prod", "the target's body is as read");
        assert_eq!(
            comparable(&body)["visualizations"][0]["serialized_options"],
            json!({"a": 1})
        );
    }
}
