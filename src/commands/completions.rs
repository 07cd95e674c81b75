//! `vendorscan completions SHELL` and `vendorscan man`: both generated from the clap
//! definition ([`crate::cli::command`]), so they list exactly what `--help` lists.
//!
//! Enters: a shell name. Leaves: a completion script or a roff man page on stdout.

use crate::error::Error;
use crate::exit::Outcome;

pub fn completions(shell: clap_complete::Shell) -> Result<Outcome, Error> {
    let mut cmd = crate::cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "vendorscan", &mut out);
    write_stdout(&out)
}

pub fn man() -> Result<Outcome, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(crate::cli::command())
        .render(&mut out)
        .map_err(|e| Error::input(format!("cannot write the man page: {e}")))?;
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> Result<Outcome, Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(Outcome::Done),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Done),
        Err(e) => Err(Error::input(format!("cannot write to standard output: {e}"))),
    }
}
