//! Injected faults: `--faults "429=0.05,503=0.05,500limit=0.02,reset=0.02,lost=0.02"`.
//!
//! Each API request rolls one die (a seeded PRNG, so a sequence of requests meets the same
//! faults on every run with the same `--fault-seed`) and gets at most one fault:
//! - `429`: 429 REQUEST_LIMIT_EXCEEDED **without** `Retry-After` (the "concurrent limit" kind);
//! - `503`: 503 TEMPORARILY_UNAVAILABLE;
//! - `500limit`: 500 whose body says REQUEST_LIMIT_EXCEEDED (SCIM throttling, reference §3.2);
//! - `reset`: the connection is dropped before the request is handled;
//! - `lost`: for writes only, the request is handled (the change is applied), then the
//!   connection is dropped instead of answering — the client cannot know the outcome.

use std::sync::Mutex;

use crate::error::EmulatorError;
use crate::ids::splitmix64;

/// Probabilities of each fault, per API request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultSpec {
    /// 429 without Retry-After.
    pub p429: f64,
    /// 503.
    pub p503: f64,
    /// 500 with REQUEST_LIMIT_EXCEEDED.
    pub p500limit: f64,
    /// Connection reset before handling.
    pub reset: f64,
    /// Write applied, answer lost.
    pub lost: f64,
}

/// One drawn fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 without Retry-After.
    TooMany,
    /// 503.
    Unavailable,
    /// 500 REQUEST_LIMIT_EXCEEDED.
    LimitAs500,
    /// Drop the connection before handling.
    Reset,
    /// Handle, then drop the connection.
    Lost,
}

impl Fault {
    /// The name used in the spec and in stats.
    pub fn name(self) -> &'static str {
        match self {
            Fault::TooMany => "429",
            Fault::Unavailable => "503",
            Fault::LimitAs500 => "500limit",
            Fault::Reset => "reset",
            Fault::Lost => "lost",
        }
    }
}

impl FaultSpec {
    /// Parses `KIND=P,...` with KIND in `429`, `503`, `500limit`, `reset`, `lost` and P a
    /// probability; `none` or an empty string means no faults.
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        let mut spec = FaultSpec::default();
        let t = s.trim();
        if t.is_empty() || t == "none" || t == "off" {
            return Ok(spec);
        }
        let bad = |reason: String| EmulatorError::Option {
            option: "--faults",
            value: s.to_string(),
            reason,
        };
        for part in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("`{part}` is not KIND=PROBABILITY")))?;
            let p: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=1.0).contains(p))
                .ok_or_else(|| bad(format!("`{v}` is not a probability between 0 and 1")))?;
            match k.trim() {
                "429" => spec.p429 = p,
                "503" => spec.p503 = p,
                "500limit" => spec.p500limit = p,
                "reset" => spec.reset = p,
                "lost" => spec.lost = p,
                other => {
                    return Err(bad(format!(
                        "unknown fault `{other}`; use 429, 503, 500limit, reset or lost"
                    )));
                }
            }
        }
        if spec.total() > 1.0 {
            return Err(bad("the probabilities add up to more than 1".into()));
        }
        Ok(spec)
    }

    fn total(&self) -> f64 {
        self.p429 + self.p503 + self.p500limit + self.reset + self.lost
    }

    /// Whether any fault can happen.
    pub fn is_empty(&self) -> bool {
        self.total() <= 0.0
    }
}

/// The dice: a spec and a seeded PRNG.
#[derive(Debug)]
pub struct Faults {
    spec: Mutex<FaultSpec>,
    rng: Mutex<u64>,
}

impl Faults {
    /// Dice for `spec`, seeded.
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        Faults {
            spec: Mutex::new(spec),
            rng: Mutex::new(seed ^ 0xFA17_FA17_FA17_FA17),
        }
    }

    /// Replaces the spec (the die sequence goes on).
    pub fn set_spec(&self, spec: FaultSpec) {
        *self.spec.lock().unwrap_or_else(|p| p.into_inner()) = spec;
    }

    /// The current spec.
    pub fn spec(&self) -> FaultSpec {
        *self.spec.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Rolls the die for one request. `is_write` enables `lost`.
    pub fn roll(&self, is_write: bool) -> Option<Fault> {
        let spec = self.spec();
        if spec.is_empty() {
            return None;
        }
        let x = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            (splitmix64(&mut rng) >> 11) as f64 / (1u64 << 53) as f64
        };
        let table = [
            (spec.p429, Fault::TooMany),
            (spec.p503, Fault::Unavailable),
            (spec.p500limit, Fault::LimitAs500),
            (spec.reset, Fault::Reset),
            (spec.lost, Fault::Lost),
        ];
        let mut acc = 0.0;
        for (p, f) in table {
            acc += p;
            if x < acc {
                return (f != Fault::Lost || is_write).then_some(f);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_deterministic_rolls() {
        let s = FaultSpec::parse("429=0.05,503=0.05,500limit=0.02,reset=0.02,lost=0.02").unwrap();
        assert_eq!(s.p503, 0.05);
        assert!(FaultSpec::parse("429=2").is_err());
        assert!(FaultSpec::parse("teapot=0.1").is_err());
        assert!(FaultSpec::parse("429=0.6,503=0.6").is_err());
        let a = Faults::new(FaultSpec::parse("429=0.3,503=0.3").unwrap(), 9);
        let b = Faults::new(FaultSpec::parse("429=0.3,503=0.3").unwrap(), 9);
        let ra: Vec<_> = (0..50).map(|_| a.roll(false)).collect();
        let rb: Vec<_> = (0..50).map(|_| b.roll(false)).collect();
        assert_eq!(ra, rb);
        assert!(ra.contains(&Some(Fault::TooMany)) && ra.contains(&None));
        let lost = Faults::new(FaultSpec::parse("lost=1").unwrap(), 1);
        assert_eq!(lost.roll(false), None);
        assert_eq!(lost.roll(true), Some(Fault::Lost));
    }
}
