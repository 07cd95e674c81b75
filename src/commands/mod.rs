//! The subcommands: each turns parsed arguments into a run of the pipeline.
//!
//! Enters: a [`crate::cli::Command`]. Leaves: an [`crate::exit::Outcome`] or a run-level
//! [`crate::error::Error`]; reports go to the chosen writer.

pub mod completions;
pub mod diff;
pub mod init;
pub mod scan;
pub mod vendors;
pub mod verbose;

use crate::error::Error;
use crate::progress::Progress;
use crate::vendors::{VendorDb, load_user_file};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

/// How the run talks to the person at the terminal: `--color` and `-v`.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    pub color: crate::report::ColorChoice,
    pub verbose: u8,
}

impl Term {
    /// Colour for a report written to standard output (never for a file).
    pub fn paints_stdout(&self) -> bool {
        crate::report::color::wanted(self.color, std::io::stdout().is_terminal(), |k| std::env::var(k).ok())
    }
}

/// The progress bar on stderr, shown only to a person: a terminal, and not in CI.
pub fn progress_bar(quiet: bool) -> ProgressBar {
    let wanted = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !wanted {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    // The message (the page being read, a URL) takes what is left of the line and is cut to
    // fit (`wide_msg`), so a narrow terminal never wraps the bar onto a new line each tick.
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos}/{len} pages {wide_msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The pipeline reports progress through [`Progress`]; the terminal shows it with indicatif.
impl Progress for ProgressBar {
    fn set_length(&self, len: u64) {
        ProgressBar::set_length(self, len)
    }
    fn set_position(&self, pos: u64) {
        ProgressBar::set_position(self, pos)
    }
    fn inc(&self, n: u64) {
        ProgressBar::inc(self, n)
    }
    fn set_message(&self, msg: String) {
        ProgressBar::set_message(self, msg)
    }
    fn finish(&self) {
        self.finish_and_clear()
    }
}

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
/// beside it and renamed over it at the end (`tempfile`'s persist), so a run that fails (bad
/// target, nothing scanned before the report, a crash) never empties an existing report,
/// which may be the team's baseline. The temporary file is created up front, so an unwritable
/// path fails before any crawling, and it is removed if the run ends without writing.
/// Special files (`/dev/null`, a pipe) are written directly.
pub enum Sink {
    Stdout,
    Special { path: std::path::PathBuf, file: std::fs::File },
    File { path: std::path::PathBuf, temp: tempfile::NamedTempFile },
}

impl Sink {
    pub fn open(path: Option<&Path>) -> Result<Sink, Error> {
        let Some(path) = path else { return Ok(Sink::Stdout) };
        let fail = |e: std::io::Error| {
            Error::input(format!("cannot write {}: {e}", path.display()))
                .with_help("choose a writable path for the report")
        };
        let meta = std::fs::metadata(path);
        if meta.as_ref().is_ok_and(|m| m.is_dir()) {
            return Err(Error::input(format!("cannot write {}: it is a folder", path.display()))
                .with_help("give a file name for the report, e.g. -o report.json"));
        }
        if meta.is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new().write(true).open(path).map_err(fail)?;
            return Ok(Sink::Special { path: path.to_path_buf(), file });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".vendorscan.tmp");
        // tempfile creates 0600 files; a report is read by CI artifact uploaders and
        // colleagues, so it keeps the old file's mode, or gets the usual 0644.
        #[cfg(unix)]
        let mode = {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).map(|m| m.permissions()).unwrap_or_else(|_| PermissionsExt::from_mode(0o644))
        };
        #[cfg(unix)]
        builder.permissions(mode);
        let temp = builder.tempfile_in(dir);
        Ok(Sink::File { path: path.to_path_buf(), temp: temp.map_err(fail)? })
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Sink::Stdout => None,
            Sink::Special { path, .. } | Sink::File { path, .. } => Some(path),
        }
    }

    pub fn write_with(self, render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
        let failed = |path: &Path, e: std::io::Error| Error::input(format!("cannot write {}: {e}", path.display()));
        match self {
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
            Sink::Special { path, file } => {
                let mut w = std::io::BufWriter::new(file);
                render(&mut w).and_then(|_| w.flush()).map_err(|e| failed(&path, e))
            }
            Sink::File { path, temp } => {
                let mut w = std::io::BufWriter::new(temp);
                render(&mut w).and_then(|_| w.flush()).map_err(|e| failed(&path, e))?;
                // A failed write or rename drops the temporary file, which removes it.
                let temp = w.into_inner().map_err(|e| failed(&path, e.into_error()))?;
                temp.persist(&path).map(drop).map_err(|e| failed(&path, e.error))
            }
        }
    }
}
