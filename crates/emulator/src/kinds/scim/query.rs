//! SCIM list queries, evaluated on the rendered JSON of each resource: `filter` (`eq`, `ne`,
//! `co`, `sw` joined by `and`/`or`, no parentheses — what the workspace supports), `sortBy` /
//! `sortOrder`, and `attributes` / `excludedAttributes`.

use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;

/// One comparison.
#[derive(Debug, Clone, PartialEq)]
struct Cmp {
    attr: String,
    op: String,
    value: String,
    /// `value` lower-cased once (comparisons are case-insensitive).
    value_lower: String,
}

/// A parsed filter: OR of ANDs of comparisons (`and` binds tighter than `or`).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Vec<Vec<Cmp>>);

fn bad_filter(detail: &str) -> ApiError {
    ApiError::scim(StatusCode::BAD_REQUEST, Some("invalidFilter"), detail)
}

fn tokens(s: &str) -> ApiResult<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut v = String::from("\"");
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => v.push(c),
                }
            }
            if !closed {
                return Err(bad_filter("Unterminated string in filter."));
            }
            out.push(v);
        } else if c == '(' || c == ')' {
            // match cloud behaviour: the workspace SCIM filter has no grouping.
            return Err(bad_filter("Given filter operator is not supported."));
        } else {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                w.push(c);
                chars.next();
            }
            out.push(w);
        }
    }
    Ok(out)
}

impl Filter {
    /// Parses a filter expression.
    pub fn parse(s: &str) -> ApiResult<Filter> {
        let toks = tokens(s)?;
        let mut ors = vec![Vec::new()];
        let mut i = 0;
        loop {
            if i + 3 > toks.len() {
                return Err(bad_filter(&format!("Invalid filter '{s}'.")));
            }
            let attr = toks[i].clone();
            let op = toks[i + 1].to_ascii_lowercase();
            if !matches!(op.as_str(), "eq" | "ne" | "co" | "sw") {
                return Err(bad_filter("Given filter operator is not supported."));
            }
            let raw = &toks[i + 2];
            let value = raw.strip_prefix('"').unwrap_or(raw).to_string();
            if let Some(last) = ors.last_mut() {
                let value_lower = value.to_lowercase();
                last.push(Cmp {
                    attr,
                    op,
                    value,
                    value_lower,
                });
            }
            i += 3;
            if i == toks.len() {
                break;
            }
            match toks[i].to_ascii_lowercase().as_str() {
                "and" => {}
                "or" => ors.push(Vec::new()),
                _ => return Err(bad_filter(&format!("Invalid filter '{s}'."))),
            }
            i += 1;
        }
        Ok(Filter(ors))
    }

    /// The wanted value, lower-cased, when the filter is a single `eq` comparison.
    pub fn single_eq(&self) -> Option<&str> {
        match self.0.as_slice() {
            [ands] => match ands.as_slice() {
                [c] if c.op == "eq" => Some(c.value_lower.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `Some(())` when the filter is a single `eq` on `attr` (case-insensitive attribute name).
    pub fn single_eq_on(&self, attr: &str) -> Option<()> {
        self.single_eq()?;
        self.0[0][0].attr.eq_ignore_ascii_case(attr).then_some(())
    }

    /// Whether the filter looks at members or groups (then resources must be fully rendered).
    pub fn needs_relations(&self) -> bool {
        self.0.iter().flatten().any(|c| is_relation(&c.attr))
    }

    /// Whether a rendered resource matches.
    pub fn matches(&self, res: &Value) -> bool {
        self.0
            .iter()
            .any(|ands| ands.iter().all(|c| cmp_matches(c, res)))
    }
}

/// The values at a dotted attribute path (case-insensitive keys; arrays fan out).
pub fn values_at<'a>(res: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut cur = vec![res];
    for seg in path.split('.') {
        let mut next = Vec::new();
        for v in cur {
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Value::Object(m) = item
                    && let Some((_, x)) = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(seg))
                {
                    next.push(x);
                }
            }
        }
        cur = next;
    }
    cur.into_iter()
        .flat_map(|v| match v {
            Value::Array(a) => a.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.get("value").map(as_text).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn cmp_matches(c: &Cmp, res: &Value) -> bool {
    let vals = values_at(res, &c.attr);
    let want = &c.value_lower;
    let any = |f: &dyn Fn(&str) -> bool| vals.iter().any(|v| f(&as_text(v).to_lowercase()));
    match c.op.as_str() {
        "eq" => any(&|v| v == want),
        "ne" => !any(&|v| v == want),
        "co" => any(&|v| v.contains(want.as_str())),
        "sw" => any(&|v| v.starts_with(want.as_str())),
        _ => false,
    }
}

/// Whether an attribute path is a relation (`members…`, `groups…`).
pub fn is_relation(attr: &str) -> bool {
    let first = attr.split('.').next().unwrap_or("").to_ascii_lowercase();
    first == "members" || first == "groups"
}

/// Sorts `(key, resource)` pairs by `sort_by` on the resource; `descending` reverses.
pub fn sort_by_key<K>(items: &mut [(K, Value)], sort_by: &str, descending: bool) {
    let key = |v: &Value| {
        values_at(v, sort_by)
            .first()
            .map(|x| as_text(x).to_lowercase())
            .unwrap_or_default()
    };
    items.sort_by_cached_key(|(_, v)| key(v));
    if descending {
        items.reverse();
    }
}

/// Sorts by `sort_by` (a dotted attribute); `descending` reverses.
pub fn sort(items: &mut [Value], sort_by: &str, descending: bool) {
    let key = |v: &Value| {
        values_at(v, sort_by)
            .first()
            .map(|x| as_text(x).to_lowercase())
            .unwrap_or_default()
    };
    items.sort_by_key(key);
    if descending {
        items.reverse();
    }
}

/// Keeps only the listed top-level attributes (plus `id` and `schemas`), or drops the
/// excluded ones. Names are case-insensitive; `name.givenName` selects `name`.
pub fn project(res: &mut Value, attributes: Option<&str>, excluded: Option<&str>) {
    let Value::Object(m) = res else { return };
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|a| a.trim().split('.').next().unwrap_or("").to_lowercase())
            .filter(|a| !a.is_empty())
            .collect()
    };
    if let Some(keep) = attributes.map(list).filter(|k| !k.is_empty()) {
        m.retain(|k, _| {
            let k = k.to_lowercase();
            k == "id" || k == "schemas" || keep.contains(&k)
        });
    }
    if let Some(drop) = excluded.map(list) {
        m.retain(|k, _| {
            let k = k.to_lowercase();
            k == "id" || !drop.contains(&k)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters() {
        let u = json!({"userName": "Ann@X.com", "displayName": "Ann", "active": true,
                       "emails": [{"value": "ann@x.com"}], "groups": [{"value": "7", "display": "eng"}]});
        let m = |f: &str| Filter::parse(f).unwrap().matches(&u);
        assert!(m(r#"userName eq "ann@x.com""#));
        assert!(m(r#"username EQ "ANN@x.com""#));
        assert!(m(r#"displayName sw "an" and userName co "@x""#));
        assert!(m(r#"displayName eq "bob" or emails.value eq "ann@x.com""#));
        assert!(!m(r#"displayName eq "bob" or displayName ne "ann""#));
        assert!(m("active eq true"));
        assert!(m(r#"groups.display eq "eng""#));
        assert!(Filter::parse(r#"userName gt "a""#).is_err());
        assert!(Filter::parse(r#"(userName eq "a")"#).is_err());
        assert!(Filter::parse(r#"userName eq"#).is_err());
    }

    #[test]
    fn projection_and_sort() {
        let mut v = json!({"id": "1", "userName": "a", "name": {"givenName": "A"}, "groups": []});
        project(&mut v, Some("userName"), None);
        assert_eq!(v, json!({"id": "1", "userName": "a"}));
        let mut items = vec![json!({"userName": "b"}), json!({"userName": "a"})];
        sort(&mut items, "userName", false);
        assert_eq!(items[0]["userName"], "a");
    }
}
