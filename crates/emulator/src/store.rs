//! Generic store helpers: look up, change or remove one object of a kind with that kind's own
//! not-found answer, and the offset page tokens the paged lists hand out.
//!
//! A kind's store implements [`Keyed`] once — with [`keyed!`] when its objects are in a map by
//! string key, by hand otherwise (int64 ids, a list in position order) — saying how an object
//! is found by the key a request names it by, and the platform's answer for an unknown key (a
//! 404 for most kinds, a 400 for clusters, by API version for jobs); its handlers then call
//! [`Keyed::get_or_404`], [`Keyed::get_mut_or_404`] or [`Keyed::remove_or_404`] instead of
//! re-spelling the error at every call site.

use crate::error::{ApiError, ApiResult};

/// A store of one kind's objects, found by the key a request names them by.
pub trait Keyed {
    /// What a request names an object by: its id as sent (`str`), or more when the platform's
    /// not-found answer depends on more than the id.
    type Key: ?Sized;

    /// One object.
    type Item;

    /// The object with this key, if any.
    fn find(&self, key: &Self::Key) -> Option<&Self::Item>;

    /// The object with this key to change, if any.
    fn find_mut(&mut self, key: &Self::Key) -> Option<&mut Self::Item>;

    /// Removes and returns the object with this key, if any.
    fn take(&mut self, key: &Self::Key) -> Option<Self::Item>;

    /// The platform's answer for a key no object has.
    fn missing(key: &Self::Key) -> ApiError;

    /// The object with this key, or the kind's not-found error.
    fn get_or_404(&self, key: &Self::Key) -> ApiResult<&Self::Item> {
        self.find(key).ok_or_else(|| Self::missing(key))
    }

    /// The object with this key to change, or the kind's not-found error.
    fn get_mut_or_404(&mut self, key: &Self::Key) -> ApiResult<&mut Self::Item> {
        self.find_mut(key).ok_or_else(|| Self::missing(key))
    }

    /// Removes the object with this key, or answers the kind's not-found error.
    fn remove_or_404(&mut self, key: &Self::Key) -> ApiResult<Self::Item> {
        self.take(key).ok_or_else(|| Self::missing(key))
    }
}

/// Implements [`Keyed`] for a store whose objects are in its field `$field`, a map by `String`
/// key, with `$missing` (a `fn(&str) -> ApiError`) as the platform's answer for an unknown key.
macro_rules! keyed {
    ($store:ty, $field:ident, $item:ty, $missing:path) => {
        impl $crate::store::Keyed for $store {
            type Key = str;
            type Item = $item;
            fn find(&self, key: &str) -> Option<&$item> {
                self.$field.get(key)
            }
            fn find_mut(&mut self, key: &str) -> Option<&mut $item> {
                self.$field.get_mut(key)
            }
            fn take(&mut self, key: &str) -> Option<$item> {
                self.$field.remove(key)
            }
            fn missing(key: &str) -> $crate::error::ApiError {
                $missing(key)
            }
        }
    };
}
pub(crate) use keyed;

/// The offset inside a page token `{prefix}{offset}` (none or empty: 0); anything else is
/// answered `Invalid {param}: {token}`, as the platform names the parameter it rejects.
pub fn offset_of(token: Option<&str>, prefix: &str, param: &str) -> ApiResult<usize> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(t) => t
            .strip_prefix(prefix)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| ApiError::invalid(format!("Invalid {param}: {t}"))),
    }
}

/// The token of the page after `offset..offset + size` when `total` items go beyond it.
pub fn next_token(prefix: &str, offset: usize, size: usize, total: usize) -> Option<String> {
    let end = offset.saturating_add(size);
    (end < total).then(|| format!("{prefix}{end}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bad_ones_name_the_parameter() {
        assert_eq!(offset_of(None, "wh-", "page_token").unwrap(), 0);
        assert_eq!(offset_of(Some(""), "wh-", "page_token").unwrap(), 0);
        let next = next_token("wh-", 0, 2, 5).unwrap();
        assert_eq!(offset_of(Some(&next), "wh-", "page_token").unwrap(), 2);
        assert_eq!(next_token("wh-", 4, 2, 5), None);
        let e = offset_of(Some("x-1"), "wh-", "next_page_token").unwrap_err();
        assert_eq!(e, ApiError::invalid("Invalid next_page_token: x-1"));
    }
}
