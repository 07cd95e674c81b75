//! `vendorscan diff OLD.json NEW.json`: the baseline comparison without scanning.
//!
//! Enters: two JSON reports. Leaves: [`Changes`] as text or JSON; exit 0, or 1 with
//! `--fail-on-changes` when anything changed (the fuller gate is `scan --baseline ...`).

use super::Sink;
use crate::baseline::{self, Changes};
use crate::cli::{DiffArgs, ListFormat};
use crate::error::Error;
use crate::exit::Outcome;
use std::io::{self, Write};

pub fn run(args: DiffArgs) -> Result<Outcome, Error> {
    let old = baseline::load(&args.old)?;
    let new = baseline::load(&args.new)?;
    let changes = baseline::compare(&args.old.display().to_string(), &old, &new);
    Sink::Stdout.write_with(|w| match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &changes)?;
            writeln!(w)
        }
        ListFormat::Table => render_text(&changes, w),
    })?;
    Ok(if args.fail_on_changes && !changes.is_empty() { Outcome::PolicyViolated } else { Outcome::Done })
}

/// The comparison as plain text, most important first.
pub fn render_text(c: &Changes, w: &mut dyn Write) -> io::Result<()> {
    if c.is_empty() {
        return writeln!(w, "No changes since {}.", c.baseline);
    }
    writeln!(w, "Changes since {}:", c.baseline)?;
    let list = |w: &mut dyn Write, title: &str, items: &[String]| -> io::Result<()> {
        if !items.is_empty() {
            writeln!(w, "  {title} ({}):", items.len())?;
            for i in items {
                writeln!(w, "    {i}")?;
            }
        }
        Ok(())
    };
    let scripts = |v: &[baseline::ScriptRef]| -> Vec<String> {
        v.iter()
            .map(|s| format!("{}{} on {}", if s.payment_page { "[payment page] " } else { "" }, s.url, s.page))
            .collect()
    };
    let changed: Vec<String> = c
        .changed_scripts
        .iter()
        .map(|s| {
            let pay = if s.payment_page { "[payment page] " } else { "" };
            format!("{pay}{} on {}: {} {} -> {}", s.url, s.page, s.what, s.before, s.after)
        })
        .collect();
    list(w, "scripts with changed content or integrity", &changed)?;
    list(w, "new vendors", &c.new_vendors)?;
    list(w, "new third-party hosts", &c.new_hosts)?;
    list(w, "new third-party scripts", &scripts(&c.new_scripts))?;
    list(w, "removed vendors", &c.removed_vendors)?;
    list(w, "removed third-party hosts", &c.removed_hosts)?;
    list(w, "removed third-party scripts", &scripts(&c.removed_scripts))
}
