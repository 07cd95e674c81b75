//! The exit code, decided in one place.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | the run did its job (scan done, lookup answered) |
//! | 1    | policy violated: a finding at or above `fail-on` (the deploy gate) |
//! | 2    | usage or input error: bad flag or value, unreadable or invalid file |
//! | 3    | nothing could be scanned: unreachable start URL, folder without HTML |
//! | 130  | reserved: interrupted |
//!
//! clap's own parse errors also exit with 2.

use crate::error::{Error, ErrorKind};

/// What a successful run produced, as far as the exit code cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The scan finished and its findings fail the policy.
    PolicyViolated,
}

pub fn exit_code(result: &Result<Outcome, Error>) -> u8 {
    match result {
        Ok(Outcome::Done) => 0,
        Ok(Outcome::PolicyViolated) => 1,
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
        assert_eq!(exit_code(&Err(Error::usage("x"))), 2);
        assert_eq!(exit_code(&Err(Error::input("x"))), 2);
        assert_eq!(exit_code(&Err(Error::nothing_scanned("x"))), 3);
    }
}
