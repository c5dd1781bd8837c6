//! `[translate.users]`, `[translate.user_domains]` and `[translate.service_principals]`:
//! principals known by other names in the target (a company renamed from `@old.com` to
//! `@new.com`, service principals of another account). Each name is checked as it is read,
//! so a value that could never match (empty, with spaces, a path) is an error naming its key
//! and line; whether two source principals would end as one is a pre-check (it needs the
//! source's principals).
//!
//! ```toml
//! [translate.users]
//! "ceo@old.com" = "chief@new.com"
//!
//! [translate.user_domains]
//! "old.com" = "new.com"
//!
//! [translate.service_principals]
//! "6f0c…-source-app-id" = "91aa…-target-app-id"
//! ```

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use super::TranslateBlock;

impl TranslateBlock {
    /// The principal maps as the engine takes them.
    pub fn principals(&self) -> brickport_engine::principals::Principals {
        brickport_engine::principals::Principals {
            users: (self.users.iter())
                .map(|(f, t)| (f.0.clone(), t.0.clone()))
                .collect(),
            user_domains: (self.user_domains.iter())
                .map(|(f, t)| (f.0.clone(), t.0.clone()))
                .collect(),
            service_principals: (self.service_principals.iter())
                .map(|(f, t)| (f.0.clone(), t.0.clone()))
                .collect(),
        }
    }
}

/// A user name: `local@domain`, nothing else around it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UserName(pub String);

/// An email domain (`example.com`): no `@`, no `/`, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Domain(pub String);

/// A service principal's application id: one word (no `/`, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Name(pub String);

fn plain(v: &str) -> bool {
    !v.is_empty() && !v.chars().any(|c| c == '/' || c.is_whitespace())
}

impl<'de> Deserialize<'de> for UserName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        match v.split_once('@') {
            Some((local, domain)) if plain(&v) && !local.is_empty() && !domain.is_empty() => {
                Ok(UserName(v))
            }
            _ => Err(de::Error::custom(format!(
                "a user name must be `name@domain` without spaces or `/`, got {v:?}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        if !plain(&v) || v.contains('@') || !v.contains('.') {
            return Err(de::Error::custom(format!(
                "a user domain must be a domain like `example.com` (no `@`, spaces or `/`), got {v:?}"
            )));
        }
        Ok(Domain(v))
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        if !plain(&v) {
            return Err(de::Error::custom(format!(
                "an application id must be one non-empty word (no spaces or `/`), got {v:?}"
            )));
        }
        Ok(Name(v))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::super::parse;

    fn err(name: &str, text: &str) -> String {
        parse(Path::new(name), text).unwrap_err().to_string()
    }

    #[test]
    fn the_three_maps_are_read_in_toml_and_json() {
        let f = parse(
            Path::new("b.toml"),
            "[translate.users]\n\"a@old.com\" = \"b@new.com\"\n\
             [translate.user_domains]\n\"old.com\" = \"new.com\"\n\
             [translate.service_principals]\nsrc-app = \"dst-app\"\n",
        )
        .unwrap();
        let p = f.translate.principals();
        assert_eq!(p.users["a@old.com"], "b@new.com");
        assert_eq!(p.user_domains["old.com"], "new.com");
        assert_eq!(p.service_principals["src-app"], "dst-app");
        let f = parse(
            Path::new("c.json"),
            r#"{"translate": {"user_domains": {"example.com": "example.org"}}}"#,
        )
        .unwrap();
        assert_eq!(
            f.translate.principals().user_domains["example.com"],
            "example.org"
        );
        assert!(
            parse(Path::new("b.toml"), "")
                .unwrap()
                .translate
                .principals()
                .is_empty()
        );
    }

    #[test]
    fn bad_names_and_unknown_keys_are_refused_by_name() {
        let e = err(
            "b.toml",
            "[translate.user_domains]\n\"old.com\" = \"a@new.com\"\n",
        );
        assert!(
            e.contains("translate.user_domains") && e.contains("line 2"),
            "{e}"
        );
        assert!(e.contains("user domain"), "{e}");
        let e = err("b.toml", "[translate.users]\n\"a@old.com\" = \"b new\"\n");
        assert!(
            e.contains("translate.users") && e.contains("user name"),
            "{e}"
        );
        let e = err("b.toml", "[translate.service_principals]\nx = \"\"\n");
        assert!(e.contains("application id"), "{e}");
        let e = err("b.toml", "[translate.user_domain]\n\"a.com\" = \"b.com\"\n");
        assert!(
            e.contains("user_domain") && e.contains("user_domains"),
            "{e}"
        );
    }
}
