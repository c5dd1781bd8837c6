//! `outage_wait` (and `--outage-wait`): how long a workspace may stay unreachable before a
//! run stops, written like `90s`, `15m`, `1h` or `1h30m`.

use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// A wait of at least a second: `90s`, `15m`, `1h`, `1h30m` (units `s`, `m`, `h`, in that
/// order of size; a bare number is seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutageWait(pub Duration);

impl std::str::FromStr for OutageWait {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("`{text}` is not a wait: write it like 90s, 15m, 1h or 1h30m (at least 1s)");
        let t = text.trim();
        let mut secs: u64 = 0;
        let mut digits = String::new();
        for c in t.chars() {
            let unit = match c {
                '0'..='9' => {
                    digits.push(c);
                    continue;
                }
                'h' => 3600,
                'm' => 60,
                's' => 1,
                _ => return Err(bad()),
            };
            let n: u64 = digits.parse().map_err(|_| bad())?;
            secs = secs.saturating_add(n.saturating_mul(unit));
            digits.clear();
        }
        if !digits.is_empty() {
            secs = secs.saturating_add(digits.parse::<u64>().map_err(|_| bad())?);
        }
        if secs == 0 {
            return Err(bad());
        }
        Ok(OutageWait(Duration::from_secs(secs)))
    }
}

impl<'de> Deserialize<'de> for OutageWait {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_parse_in_hours_minutes_and_seconds() {
        let secs = |t: &str| t.parse::<OutageWait>().map(|w| w.0.as_secs());
        assert_eq!(secs("15m"), Ok(900));
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs("1h30m"), Ok(5400));
        assert_eq!(secs(" 45 "), Ok(45));
        for bad in ["", "0s", "m", "15 minutes", "-3s", "1.5m"] {
            assert!(secs(bad).is_err(), "{bad}");
        }
    }
}
