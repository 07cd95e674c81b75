//! Run-level errors: the problems that stop a run before or instead of a report.
//!
//! Enters: whatever went wrong (bad flag value, unreadable file, bad vendor file, nothing
//! scannable). Leaves: an [`Error`] with a one-line message, a `help` hint for the user,
//! and the exit code it maps to (see [`crate::exit`]). A problem with *one page* is never
//! an `Error`: it is recorded on the page and the crawl goes on.

use std::fmt;

/// Which row of the exit-code table an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A flag or argument that parsed but makes no sense (bad URL, bad `--resolve`, ...).
    Usage,
    /// An input file that cannot be read or is invalid (vendor file, output file, folder).
    Input,
    /// The run could not scan a single page (unreachable start URL, folder with no HTML).
    NothingScanned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub help: Option<String>,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Usage, message: message.into(), help: None }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Input, message: message.into(), help: None }
    }

    pub fn nothing_scanned(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::NothingScanned, message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\nhelp: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
