//! The `scale:N` seed: the typical workspace grown to `N` notebooks, every other count in
//! proportion (never below the typical count). The formulas are in [`super::counts`]:
//! notebooks = N; any other count c of `typical` becomes max(c, floor(c × N / 123)), so
//! folders ≈ N/1.41, jobs ≈ N/4.39, users ≈ N/2.73. Notebooks hold a few hundred bytes each;
//! `scale:100000` seeds in a few seconds. Secret scopes stop at the platform limit of 1000;
//! a seed part's count scales the same way, up to the part's own cap.

use super::build;
use super::counts::{Counts, MAX_SCALE};
use crate::error::EmulatorError;
use crate::state::State;

/// Fills `st` with a workspace of `n` notebooks (1 ≤ n ≤ [`MAX_SCALE`]).
pub fn scale(st: &mut State, n: u32) -> Result<(), EmulatorError> {
    if n == 0 || n > MAX_SCALE {
        return Err(EmulatorError::Option {
            option: "--seed",
            value: format!("scale:{n}"),
            reason: format!("N must be between 1 and {MAX_SCALE} notebooks"),
        });
    }
    build::seed(st, &Counts::scaled(n))
}
