//! The one question brickport asks on a terminal before it writes what a dry run listed
//! (`cutover`, `rollback`): the listing, then `question`; only `y` or `yes` goes on, so a
//! stray Enter never deletes or switches anything on.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};

/// Shows `listing` and `question` on stderr and reads one answer from stdin.
pub fn ask(listing: &str, question: &str) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(
        err,
        "{}\n{question} Type yes to go on: ",
        listing.trim_end()
    )
    .and_then(|()| err.flush())
    .context("cannot write to the terminal")?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("cannot read the answer")?;
    Ok(is_yes(&answer))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_y_or_yes_goes_on() {
        for yes in ["y\n", "YES\n", " yes "] {
            assert!(super::is_yes(yes), "{yes:?}");
        }
        for no in ["\n", "n\n", "yess\n", "no\n", ""] {
            assert!(!super::is_yes(no), "{no:?}");
        }
    }
}
