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

/// Where a report goes: standard output, or a file. A file is written to a temporary file
/// beside it and renamed at the end, so a run that fails (bad target, nothing scanned
/// before the report, a crash) never empties an existing report, which may be the team's
/// baseline. The temporary file is created up front, so an unwritable path fails before
/// any crawling. Special files (`/dev/null`, a pipe) are written directly.
pub enum Sink {
    Stdout,
    File { path: std::path::PathBuf, temp: Option<std::path::PathBuf>, file: std::fs::File },
}

impl Sink {
    pub fn open(path: Option<&Path>) -> Result<Sink, Error> {
        let Some(path) = path else { return Ok(Sink::Stdout) };
        let fail = |e: std::io::Error| {
            Error::input(format!("cannot write {}: {e}", path.display()))
                .with_help("choose a writable path for the report")
        };
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if special {
            let file = std::fs::OpenOptions::new().write(true).open(path).map_err(fail)?;
            return Ok(Sink::File { path: path.to_path_buf(), temp: None, file });
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = path.with_file_name(format!(".{name}.vendorscan-{}.tmp", std::process::id()));
        let file = std::fs::File::create(&temp).map_err(fail)?;
        Ok(Sink::File { path: path.to_path_buf(), temp: Some(temp), file })
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Sink::Stdout => None,
            Sink::File { path, .. } => Some(path),
        }
    }

    pub fn write_with(mut self, render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
        match &mut self {
            Sink::Stdout => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                match render(&mut lock).and_then(|_| lock.flush()) {
                    Ok(()) => Ok(()),
                    // A closed pipe (`vendorscan ... | head`) is the reader's choice, not a failure.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(Error::input(format!("cannot write the report: {e}"))),
                }
            }
            Sink::File { path, temp, file } => {
                let mut w = std::io::BufWriter::new(&*file);
                let written = render(&mut w).and_then(|_| w.flush());
                drop(w);
                // Renamed or not, the temporary file is settled here; Drop has nothing to do.
                let temp = temp.take();
                let result = written.and_then(|_| match &temp {
                    Some(t) => std::fs::rename(t, &*path),
                    None => Ok(()),
                });
                result.map_err(|e| {
                    if let Some(t) = &temp {
                        let _ = std::fs::remove_file(t);
                    }
                    Error::input(format!("cannot write {}: {e}", path.display()))
                })
            }
        }
    }
}

impl Drop for Sink {
    /// A sink never written (the run ended early) leaves no temporary file behind.
    fn drop(&mut self) {
        if let Sink::File { temp: Some(t), .. } = self {
            if t.exists() {
                let _ = std::fs::remove_file(t);
            }
        }
    }
}
