//! The subcommands: each turns parsed arguments into a run of the pipeline.
//!
//! Enters: a [`crate::cli::Command`]. Leaves: an [`crate::exit::Outcome`] or a run-level
//! [`crate::error::Error`]; reports go to the chosen writer.

pub mod diff;
pub mod init;
pub mod scan;
pub mod vendors;

use crate::error::Error;
use crate::vendors::{VendorDb, load_user_file};
use std::io::Write;
use std::path::Path;

/// A line on stderr. Unlike `eprintln!`, a closed stderr (`... 2>&1 | head`) is not a
/// panic: the message is simply not seen.
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A line on stdout, with the same tolerance for a reader that went away.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// The built-in database, with the user's file merged over it when given.
pub fn load_db(user: Option<&Path>) -> Result<VendorDb, Error> {
    let mut db = VendorDb::embedded()?;
    if let Some(path) = user {
        let file = load_user_file(path, &db)?;
        db.merge_user(file);
    }
    Ok(db)
}

/// Where a report goes: a file (opened before the work starts, so an unwritable path
/// fails fast) or standard output.
pub enum Sink {
    Stdout,
    File(std::path::PathBuf, std::fs::File),
}

impl Sink {
    pub fn open(path: Option<&Path>) -> Result<Sink, Error> {
        match path {
            None => Ok(Sink::Stdout),
            Some(p) => std::fs::File::create(p).map(|f| Sink::File(p.to_path_buf(), f)).map_err(|e| {
                Error::input(format!("cannot write {}: {e}", p.display()))
                    .with_help("choose a writable path for -o/--output")
            }),
        }
    }

    pub fn write_with(self, render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
        let result = match &self {
            Sink::Stdout => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                render(&mut lock).and_then(|_| lock.flush())
            }
            Sink::File(_, f) => {
                let mut w = std::io::BufWriter::new(f);
                render(&mut w).and_then(|_| w.flush())
            }
        };
        match (result, &self) {
            (Ok(()), _) => Ok(()),
            // A closed pipe (`vendorscan ... | head`) is the reader's choice, not a failure.
            (Err(e), Sink::Stdout) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            (Err(e), Sink::Stdout) => Err(Error::input(format!("cannot write the report: {e}"))),
            (Err(e), Sink::File(p, _)) => Err(Error::input(format!("cannot write {}: {e}", p.display()))),
        }
    }
}
