//! Renderers: the [`Report`] into bytes.
//!
//! Enters: a finished [`Report`] (already sorted). Leaves: text written to any
//! `io::Write`. Renderers decide nothing: what is in the report is decided in `inventory`.

mod json;
mod table;

use crate::inventory::Report;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Vendors grouped by company, unknown hosts, failed pages; for people.
    Table,
    /// The full inventory, versioned (`schema_version`); for machines and diffs.
    Json,
}

pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, out),
        Format::Json => json::render(report, out),
    }
}
