//! Id generators in the formats the real workspace uses, deterministic given a seed.
//!
//! The generator lives inside [`crate::state::State`] (field `ids`), so a snapshot or a
//! `--state FILE` carries the counters on: a reloaded workspace never hands out an id twice.
//! Different seeds give different integer ranges, so two emulated workspaces never share job or
//! object ids by accident (a migrator that forgets to remap an id fails loudly).

use chrono::{Datelike, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// The id generator: a counter for int64 ids and a small PRNG for random-looking ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdGen {
    /// The PRNG state (splitmix64).
    rng: u64,
    /// The next int64 id.
    next_int: i64,
}

impl Default for IdGen {
    fn default() -> Self {
        IdGen::new(0)
    }
}

/// One splitmix64 step: small, fast, and its whole state is one `u64` (serialisable).
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl IdGen {
    /// A generator for the given seed.
    pub fn new(seed: u64) -> Self {
        let mut rng = seed;
        // match cloud behaviour: int64 ids are large (15–16 digits), not 1, 2, 3.
        let base = 100_000_000_000_000 + (splitmix64(&mut rng) % 800_000_000_000_000) as i64;
        IdGen {
            rng,
            next_int: base,
        }
    }

    /// An independent generator for objects added to a workspace without moving this one: its
    /// own random stream (from this one's state and `salt`), and int64 ids `salt`
    /// quadrillions above this one's, a range this one never reaches (it steps by 49 on
    /// average). Seed parts appended after the seeds were pinned draw from one, so everything
    /// created afterwards gets the ids it got before they existed. `salt` ≥ 1, one per user.
    pub fn fork(&self, salt: u64) -> IdGen {
        let mut rng = self.rng ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03);
        splitmix64(&mut rng);
        let offset = 1_000_000_000_000_000i64.saturating_mul(salt.min(8) as i64);
        IdGen {
            rng,
            next_int: self.next_int.saturating_add(offset),
        }
    }

    /// The next raw random number.
    pub fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.rng)
    }

    /// The next int64 id (jobs, repos, workspace object ids, SCIM ids, git credentials, …).
    pub fn next_int(&mut self) -> i64 {
        // Step by a small random amount so consecutive ids do not look like a plain counter.
        let id = self.next_int;
        self.next_int += 1 + (self.next_u64() % 97) as i64;
        id
    }

    /// A SCIM id: an int64 serialised as a string.
    pub fn scim_id(&mut self) -> String {
        self.next_int().to_string()
    }

    /// A cluster id like `0923-164208-meows279`: creation date and time, then 8 random
    /// lowercase letters and digits.
    pub fn cluster_id(&mut self, now_ms: i64) -> String {
        let t = Utc
            .timestamp_millis_opt(now_ms)
            .single()
            .unwrap_or_else(Utc::now);
        let tail = self.alnum_lower(8);
        format!(
            "{:02}{:02}-{:02}{:02}{:02}-{tail}",
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// A cluster policy id: 16 upper-case hex digits (e.g. `0014D063BFB38E50`).
    pub fn policy_id(&mut self) -> String {
        format!("{:016X}", self.next_u64())
    }

    /// A SQL warehouse id: 16 lower-case hex digits.
    pub fn warehouse_id(&mut self) -> String {
        format!("{:016x}", self.next_u64())
    }

    /// An instance pool id like `0101-120000-abcde123-pool-xyz98765`.
    pub fn pool_id(&mut self, now_ms: i64) -> String {
        let base = self.cluster_id(now_ms);
        let tail = self.alnum_lower(8);
        format!("{base}-pool-{tail}")
    }

    /// A version-4-shaped UUID (SP application ids), lower-case.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let b = ((hi as u128) << 64) | lo as u128;
        // Set the version (4) and variant (10xx) bits.
        let b = (b & !(0xF << 76)) | (0x4 << 76);
        let b = (b & !(0x3 << 62)) | (0x2 << 62);
        let h = format!("{b:032x}");
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// `n` random lower-case letters and digits.
    pub fn alnum_lower(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| ALPHABET[(self.next_u64() % ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let mut g = IdGen::new(7);
        let c = g.cluster_id(1_700_000_000_000);
        assert_eq!(c.len(), "1114-221320-abcdefgh".len(), "{c}");
        assert!(c.starts_with("1114-22"), "{c}");
        let p = g.policy_id();
        assert!(
            p.len() == 16
                && p.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
        let w = g.warehouse_id();
        assert!(
            w.len() == 16
                && w.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        let u = g.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let a = g.next_int();
        let b = g.next_int();
        assert!(b > a && a > 99_999_999_999_999);
    }

    #[test]
    fn forks_leave_the_generator_alone_and_differ() {
        let g = IdGen::new(5);
        let mut a = g.fork(1);
        let mut b = g.fork(2);
        assert_eq!(g, IdGen::new(5));
        assert_ne!(a.uuid(), b.uuid());
        let mut main = g.clone();
        let (x, y, m) = (a.next_int(), b.next_int(), main.next_int());
        assert!(m < x && x < y, "{m} {x} {y}");
        assert_eq!(g.fork(1).uuid(), g.fork(1).uuid(), "deterministic");
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let mut a = IdGen::new(1);
        let mut b = IdGen::new(1);
        let mut c = IdGen::new(2);
        assert_eq!(a.policy_id(), b.policy_id());
        assert_eq!(a.next_int(), b.next_int());
        assert_ne!(a.next_int(), c.next_int());
    }
}
