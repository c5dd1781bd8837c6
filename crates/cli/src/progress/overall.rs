//! The overall line's numbers: objects done of listed, the rate, the time elapsed and the time
//! left. Pure functions of the counts, so the bar, the plain lines and the tests agree.
//!
//! The rate is the average since the start (a smoothed recent rate swings with each kind's
//! pace limits); while listings go on, the time left is a lower bound (`ETA ≥ 0:12`): more
//! objects may come.

use std::time::Duration;

/// `1:05`, or `1:02:05` past an hour.
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s >= 3600 {
        true => format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
        false => format!("{}:{:02}", s / 60, s % 60),
    }
}

/// Objects per second since the start.
fn rate(done: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 { 0.0 } else { done as f64 / secs }
}

/// The rate, the time elapsed and the time left: `12.5/s · 0:32 elapsed · ETA 0:12`.
pub fn stats(done: u64, listed: u64, all_listed: bool, elapsed: Duration) -> String {
    let per_sec = rate(done, elapsed);
    let eta = if done >= listed && all_listed {
        "ETA 0:00".to_string()
    } else if per_sec > 0.0 {
        let left = listed.saturating_sub(done) as f64 / per_sec;
        // While listings go on, more may come: a lower bound.
        let at_least = if all_listed { "" } else { "≥ " };
        format!(
            "ETA {at_least}{}",
            clock(Duration::from_secs_f64(left.min(1e7)))
        )
    } else {
        "ETA unknown".to_string()
    };
    let per_sec = match per_sec < 10.0 {
        true => format!("{per_sec:.1}"),
        false => format!("{per_sec:.0}"),
    };
    format!("{per_sec}/s · {} elapsed · {eta}", clock(elapsed))
}

/// The whole overall line, for plain output: `overall: 312 of 682 objects done · …`.
pub fn line(done: u64, listed: u64, all_listed: bool, elapsed: Duration) -> String {
    let of = match all_listed {
        true => format!("{listed} objects"),
        false => format!("{listed} listed so far"),
    };
    format!(
        "overall: {done} of {of} done · {}",
        stats(done, listed, all_listed, elapsed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_waits_for_every_listing_and_follows_the_average_rate() {
        let ten = Duration::from_secs(10);
        assert_eq!(
            line(50, 80, false, ten),
            "overall: 50 of 80 listed so far done · 5.0/s · 0:10 elapsed · ETA ≥ 0:06"
        );
        assert_eq!(
            line(500, 1000, true, ten),
            "overall: 500 of 1000 objects done · 50/s · 0:10 elapsed · ETA 0:10"
        );
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
        assert!(stats(0, 10, true, ten).ends_with("ETA unknown"));
    }
}
