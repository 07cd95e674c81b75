//! The JSON report, `schema_version` 1 (documented in `docs/json-report.md`).

use crate::inventory::Report;
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
