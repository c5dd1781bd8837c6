//! SCIM PATCH (`{"schemas": [PatchOp], "Operations": [{op, path, value}]}`): `op` is
//! case-insensitive; paths `members`, `members[value eq "id"]`, `entitlements`, `roles` (same
//! filter form), `groups` (on users/SPs: joins or leaves groups), `active`, `displayName`,
//! `name.givenName`/`name.familyName`, `externalId`; no path = an object of attributes.

use axum::http::StatusCode;
use serde_json::Value;

use super::ScimState;
use super::handlers::Coll;
use crate::error::{ApiError, ApiResult};

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::scim(StatusCode::BAD_REQUEST, Some("invalidValue"), detail)
}

/// Splits `members[value eq "123"]` into (`members`, Some(`123`)).
fn split_path(path: &str) -> ApiResult<(String, Option<String>)> {
    let Some((attr, rest)) = path.split_once('[') else {
        return Ok((path.trim().to_lowercase(), None));
    };
    let inner = rest
        .strip_suffix(']')
        .ok_or_else(|| bad(format!("Invalid path '{path}'.")))?;
    let mut parts = inner.splitn(3, char::is_whitespace);
    let (field, op, val) = (parts.next(), parts.next(), parts.next());
    match (field, op.map(str::to_lowercase).as_deref(), val) {
        (Some(f), Some("eq"), Some(v)) if f.eq_ignore_ascii_case("value") => Ok((
            attr.trim().to_lowercase(),
            Some(v.trim().trim_matches('"').to_string()),
        )),
        _ => Err(bad(format!("Invalid path '{path}'."))),
    }
}

/// The `value`s of a complex-value list, or of a single value.
fn values_of(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| values_of(Some(x))).collect(),
        Some(Value::Object(m)) => m
            .get("value")
            .map(|x| values_of(Some(x)))
            .unwrap_or_default(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(other) => vec![other.to_string()],
    }
}

fn bool_of(v: Option<&Value>) -> ApiResult<bool> {
    match v {
        Some(Value::Bool(b)) => Ok(*b),
        other => match values_of(other)
            .first()
            .map(|s| s.to_lowercase())
            .as_deref()
        {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            _ => Err(bad("active must be true or false.")),
        },
    }
}

fn string_of(v: Option<&Value>) -> ApiResult<String> {
    values_of(v)
        .into_iter()
        .next()
        .ok_or_else(|| bad("A value is required."))
}

fn edit_list(
    list: &mut Vec<String>,
    op: &str,
    filter: Option<String>,
    value: Option<&Value>,
) -> ApiResult<()> {
    let vals = values_of(value);
    match op {
        "add" => {
            for v in vals {
                if !list.contains(&v) {
                    list.push(v);
                }
            }
        }
        "remove" => match filter {
            Some(f) => list.retain(|x| *x != f),
            None if vals.is_empty() => list.clear(),
            None => list.retain(|x| !vals.contains(x)),
        },
        "replace" => match filter {
            Some(f) => {
                list.retain(|x| *x != f);
                list.extend(vals);
            }
            None => *list = vals,
        },
        other => return Err(bad(format!("Unsupported operation '{other}'."))),
    }
    Ok(())
}

/// Applies the operations of a PATCH body to one resource.
pub fn apply(scim: &mut ScimState, coll: Coll, id: &str, body: &Value) -> ApiResult<()> {
    let ops = body
        .get("Operations")
        .or_else(|| body.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| bad("The request must carry an Operations list."))?;
    for op in ops {
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase();
        let value = op.get("value");
        match op.get("path").and_then(Value::as_str) {
            Some(path) => {
                let (attr, filter) = split_path(path)?;
                apply_one(scim, coll, id, &name, &attr, filter, value)?;
            }
            None => {
                let obj = value
                    .and_then(Value::as_object)
                    .ok_or_else(|| bad("An operation without a path needs an object value."))?;
                for (k, v) in obj {
                    apply_one(scim, coll, id, &name, &k.to_lowercase(), None, Some(v))?;
                }
            }
        }
    }
    Ok(())
}

fn apply_one(
    scim: &mut ScimState,
    coll: Coll,
    id: &str,
    op: &str,
    attr: &str,
    filter: Option<String>,
    value: Option<&Value>,
) -> ApiResult<()> {
    if !matches!(op, "add" | "remove" | "replace") {
        return Err(bad(format!("Unsupported operation '{op}'.")));
    }
    match (coll, attr) {
        (Coll::Groups, "members") => {
            let g = scim
                .groups
                .get(id)
                .ok_or_else(|| super::handlers::not_found(coll, id))?;
            if g.display_name == "users" && !g.account_group {
                // match cloud behaviour: membership of `users` is implicit; edits are no-ops.
                return Ok(());
            }
            if g.account_group {
                return Err(bad("Account groups cannot be changed from the workspace."));
            }
            let mut members = g.members.clone();
            edit_list(&mut members, op, filter, value)?;
            if let Some(missing) = members.iter().find(|m| !scim.exists(m)) {
                return Err(ApiError::scim(
                    StatusCode::NOT_FOUND,
                    None,
                    format!("Member {missing} not found."),
                ));
            }
            if members.iter().any(|m| m == id) {
                return Err(bad("A group cannot be a member of itself."));
            }
            if let Some(g) = scim.groups.get_mut(id) {
                g.members = members;
            }
        }
        (Coll::Users | Coll::ServicePrincipals, "groups") => {
            let targets: Vec<String> = match (op, filter) {
                (_, Some(f)) => vec![f],
                _ => values_of(value),
            };
            for gid in &targets {
                let g = scim.groups.get_mut(gid).ok_or_else(|| {
                    ApiError::scim(
                        StatusCode::NOT_FOUND,
                        None,
                        format!("Group {gid} not found."),
                    )
                })?;
                if op == "remove" {
                    g.members.retain(|m| m != id);
                } else if !g.members.iter().any(|m| m == id) {
                    g.members.push(id.to_string());
                }
            }
        }
        (_, "entitlements" | "roles") => {
            let list = lists(scim, coll, id, attr)?;
            edit_list(list, op, filter, value)?;
        }
        (Coll::Users | Coll::ServicePrincipals, "active") => {
            let active = bool_of(value)?;
            match coll {
                Coll::Users => user(scim, id)?.active = active,
                _ => sp(scim, id)?.active = active,
            }
        }
        (_, "displayname") => {
            let name = string_of(value)?;
            match coll {
                Coll::Users => user(scim, id)?.display_name = Some(name),
                Coll::ServicePrincipals => sp(scim, id)?.display_name = Some(name),
                Coll::Groups => {
                    let taken = scim.group_by_name(&name).is_some_and(|g| g.id != id);
                    let g = scim
                        .groups
                        .get_mut(id)
                        .ok_or_else(|| super::handlers::not_found(coll, id))?;
                    if super::BUILTIN_GROUPS.contains(&g.display_name.as_str()) || g.account_group {
                        return Err(bad(format!("Group {} cannot be renamed.", g.display_name)));
                    }
                    if taken {
                        return Err(super::handlers::conflict(format!(
                            "Group with name {name} already exists."
                        )));
                    }
                    g.display_name = name;
                }
            }
        }
        (Coll::Users, "name.givenname" | "name.familyname" | "name") => {
            let u = user(scim, id)?;
            let mut name = u.name.clone().unwrap_or_else(|| serde_json::json!({}));
            match attr {
                "name" => name = value.cloned().unwrap_or(Value::Null),
                "name.givenname" => name["givenName"] = Value::String(string_of(value)?),
                _ => name["familyName"] = Value::String(string_of(value)?),
            }
            u.name = Some(name);
        }
        (_, "externalid") => {
            let v = if op == "remove" {
                None
            } else {
                Some(string_of(value)?)
            };
            match coll {
                Coll::Users => user(scim, id)?.external_id = v,
                Coll::ServicePrincipals => sp(scim, id)?.external_id = v,
                Coll::Groups => {
                    scim.groups
                        .get_mut(id)
                        .ok_or_else(|| super::handlers::not_found(coll, id))?
                        .external_id = v
                }
            }
        }
        // match cloud behaviour: userName, emails and applicationId are immutable; changes
        // are ignored rather than refused.
        (_, "username" | "emails" | "applicationid" | "schemas" | "id" | "meta") => {}
        (_, other) => {
            return Err(ApiError::scim(
                StatusCode::BAD_REQUEST,
                Some("invalidPath"),
                format!("Unsupported path '{other}'."),
            ));
        }
    }
    Ok(())
}

fn user<'a>(scim: &'a mut ScimState, id: &str) -> ApiResult<&'a mut super::User> {
    scim.users
        .get_mut(id)
        .ok_or_else(|| super::handlers::not_found(Coll::Users, id))
}

fn sp<'a>(scim: &'a mut ScimState, id: &str) -> ApiResult<&'a mut super::ServicePrincipal> {
    scim.service_principals
        .get_mut(id)
        .ok_or_else(|| super::handlers::not_found(Coll::ServicePrincipals, id))
}

fn lists<'a>(
    scim: &'a mut ScimState,
    coll: Coll,
    id: &str,
    attr: &str,
) -> ApiResult<&'a mut Vec<String>> {
    let (ent, roles) = match coll {
        Coll::Users => {
            let u = user(scim, id)?;
            (&mut u.entitlements, &mut u.roles)
        }
        Coll::ServicePrincipals => {
            let s = sp(scim, id)?;
            (&mut s.entitlements, &mut s.roles)
        }
        Coll::Groups => {
            let g = scim
                .groups
                .get_mut(id)
                .ok_or_else(|| super::handlers::not_found(coll, id))?;
            (&mut g.entitlements, &mut g.roles)
        }
    };
    Ok(if attr == "roles" { roles } else { ent })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            split_path(r#"members[value eq "12"]"#).unwrap(),
            ("members".into(), Some("12".into()))
        );
        assert_eq!(split_path("Members").unwrap(), ("members".into(), None));
        assert!(split_path("members[display eq \"x\"]").is_err());
        assert_eq!(
            values_of(Some(&serde_json::json!([{"value": "a"}, {"value": "b"}]))),
            vec!["a", "b"]
        );
        assert!(!bool_of(Some(&serde_json::json!([{"value": "false"}]))).unwrap());
    }
}
