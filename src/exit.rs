//! The exit code, decided in one place.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | the run did its job (scan done, lookup answered) |
//! | 1    | policy violated: a finding at or above `fail-on` (the deploy gate); `diff --fail-on-changes`: something changed |
//! | 2    | usage or input error: bad flag or value, unreadable or invalid file; with `--browser`, no Chromium or one that would not start |
//! | 3    | nothing could be scanned: unreachable start URL, folder without HTML |
//! | 130  | interrupted (Ctrl-C or SIGTERM): the report of the pages scanned so far is written, marked incomplete |
//!
//! clap's own parse errors also exit with 2.

use crate::error::{Error, ErrorKind};

/// What a successful run produced, as far as the exit code cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The scan finished and its findings fail the policy.
    PolicyViolated,
    /// Ctrl-C or SIGTERM stopped the scan; a partial report was written.
    Interrupted,
}

pub fn exit_code(result: &Result<Outcome, Error>) -> u8 {
    match result {
        Ok(Outcome::Done) => 0,
        Ok(Outcome::PolicyViolated) => 1,
        Ok(Outcome::Interrupted) => 130,
        Err(e) => match e.kind {
            ErrorKind::Usage | ErrorKind::Input => 2,
            ErrorKind::NothingScanned => 3,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_code() {
        assert_eq!(exit_code(&Ok(Outcome::Done)), 0);
        assert_eq!(exit_code(&Ok(Outcome::PolicyViolated)), 1);
        assert_eq!(exit_code(&Ok(Outcome::Interrupted)), 130);
        assert_eq!(exit_code(&Err(Error::usage("x"))), 2);
        assert_eq!(exit_code(&Err(Error::input("x"))), 2);
        assert_eq!(exit_code(&Err(Error::nothing_scanned("x"))), 3);
    }
}
