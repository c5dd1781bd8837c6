//! The catalog map (`[translate.catalogs]`, [`crate::EngineOptions::catalogs`]: source catalog
//! → target catalog) where an API holds a catalog as data: a field that is a catalog name (a
//! dashboard dataset's `catalog`), or the first part of a table identifier (`cat.sch.tbl`,
//! Genie's tables). Free SQL text is never rewritten — a name inside it may be a column, an
//! alias or a string as well as a catalog, and a wrong rewrite breaks a query silently — so
//! [`named_in_sql`] only finds the catalogs of the map that a text seems to name, for the
//! report to list.
//!
//! Unity Catalog names are case-insensitive: a map key matches whatever the case; backquotes
//! around a name are kept off the comparison.

use std::collections::BTreeMap;

/// The map's target for `catalog`, when the map renames it.
pub fn renamed<'m>(map: &'m BTreeMap<String, String>, catalog: &str) -> Option<&'m str> {
    let bare = catalog.trim_matches('`');
    map.iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(bare))
        .map(|(_, to)| to.as_str())
}

/// A table identifier (`catalog.schema.table`, parts possibly backquoted) with its catalog
/// renamed by the map; `None` when the map leaves it alone (or it has no catalog part).
pub fn rename_identifier(map: &BTreeMap<String, String>, identifier: &str) -> Option<String> {
    let (first, rest) = split_first(identifier)?;
    let to = renamed(map, first)?;
    let to = if first.starts_with('`') {
        format!("`{to}`")
    } else {
        to.to_string()
    };
    Some(format!("{to}.{rest}"))
}

/// The first part of a dotted identifier and the rest (a dot inside backquotes is a name's).
fn split_first(identifier: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in identifier.char_indices() {
        match c {
            '`' => quoted = !quoted,
            '.' if !quoted => return Some((&identifier[..i], &identifier[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The catalogs of the map that `sql` seems to name: a name followed by a dot and not
/// preceded by one (the first part of a qualified name), outside string literals and `--`
/// comments. Sorted, each once.
pub fn named_in_sql(map: &BTreeMap<String, String>, sql: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut after_dot = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            i = skip_past(&chars, i + 1, c);
            after_dot = false;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            i = skip_past(&chars, i, '\n');
            after_dot = false;
        } else if c == '`' || c.is_alphanumeric() || c == '_' {
            let (name, end) = word(&chars, i);
            let next = chars[end..].iter().find(|c| !c.is_whitespace());
            if !after_dot
                && next == Some(&'.')
                && let Some((from, _)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(&name))
                && !found.contains(from)
            {
                found.push(from.clone());
            }
            i = end;
            after_dot = false;
        } else {
            if !c.is_whitespace() {
                after_dot = c == '.';
            }
            i += 1;
        }
    }
    found.sort();
    found
}

/// The index just past the next `end` at or after `from` (or the text's end).
fn skip_past(chars: &[char], from: usize, end: char) -> usize {
    chars[from..]
        .iter()
        .position(|c| *c == end)
        .map_or(chars.len(), |p| from + p + 1)
}

/// The name starting at `start` (backquoted, or a run of letters, digits and `_`), without
/// its quotes, and the index past it.
fn word(chars: &[char], start: usize) -> (String, usize) {
    if chars[start] == '`' {
        let end = skip_past(chars, start + 1, '`');
        let closed = end > start + 1 && chars[end - 1] == '`';
        let inner = &chars[start + 1..if closed { end - 1 } else { end }];
        return (inner.iter().collect(), end);
    }
    let len = chars[start..]
        .iter()
        .position(|c| !(c.is_alphanumeric() || *c == '_'))
        .unwrap_or(chars.len() - start);
    (chars[start..start + len].iter().collect(), start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> BTreeMap<String, String> {
        [("prod", "prod_eu"), ("dev", "dev_eu")]
            .into_iter()
            .map(|(a, b)| (a.into(), b.into()))
            .collect()
    }

    #[test]
    fn renames_fields_and_identifiers_whatever_the_case() {
        let m = map();
        assert_eq!(renamed(&m, "PROD"), Some("prod_eu"));
        assert_eq!(renamed(&m, "other"), None);
        assert_eq!(
            rename_identifier(&m, "prod.sales.orders").as_deref(),
            Some("prod_eu.sales.orders")
        );
        assert_eq!(
            rename_identifier(&m, "`dev`.`s`.`t.x`").as_deref(),
            Some("`dev_eu`.`s`.`t.x`")
        );
        assert_eq!(rename_identifier(&m, "orders"), None);
        assert_eq!(rename_identifier(&m, "main.s.t"), None);
    }

    #[test]
    fn finds_catalogs_named_in_sql_but_not_columns_strings_or_comments() {
        let m = map();
        let sql = "SELECT o.prod, 'dev.x' FROM `PROD`.sales.orders o -- dev.y\n\
                   JOIN main.dev.t ON prod = 1";
        assert_eq!(named_in_sql(&m, sql), ["prod"]);
        assert_eq!(named_in_sql(&m, "select * from dev . s . t"), ["dev"]);
        assert!(named_in_sql(&m, "select prod from t").is_empty());
        assert!(named_in_sql(&BTreeMap::new(), "select * from prod.s.t").is_empty());
    }
}
