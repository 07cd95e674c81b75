//! `vendorscan vendors lookup|list|check|build`.
//!
//! Enters: a [`VendorsCommand`]. Leaves: answers on standard output; `check` and `build`
//! fail with an input error (exit 2) when the file is invalid.

use super::{Sink, load_db};
use crate::cli::{ListFormat, VendorsCommand};
use crate::error::Error;
use crate::exit::Outcome;
use crate::scope::normalize_host;
use crate::vendors::{BuildInputs, Vendor, VendorDb, build_from_files, check_user_file};
use serde::Serialize;
use std::io::BufRead;

pub fn run(cmd: VendorsCommand) -> Result<Outcome, Error> {
    match cmd {
        VendorsCommand::Lookup { hosts, format, vendors } => lookup(hosts, format, load_db(vendors.as_deref())?),
        VendorsCommand::List { category, company, format, vendors } => {
            list(category, company, format, &load_db(vendors.as_deref())?)
        }
        VendorsCommand::Check { file } => check(&file),
        VendorsCommand::Build { seed, overlay, output } => {
            let text = build_from_files(&BuildInputs { seed_dir: seed, overlay })?;
            std::fs::write(&output, text)
                .map_err(|e| Error::input(format!("cannot write {}: {e}", output.display())))?;
            super::note(&format!("wrote {}", output.display()));
            Ok(Outcome::Done)
        }
    }
}

#[derive(Serialize)]
struct LookupOut<'a> {
    query: String,
    host: Option<String>,
    vendor: Option<&'a Vendor>,
    matched: Option<String>,
}

fn lookup(hosts: Vec<String>, format: ListFormat, db: VendorDb) -> Result<Outcome, Error> {
    let mut queries = Vec::new();
    for h in hosts {
        if h == "-" {
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| Error::input(format!("cannot read standard input: {e}")))?;
                queries.extend(line.split_whitespace().map(str::to_owned));
            }
        } else {
            queries.push(h);
        }
    }
    let answers: Vec<LookupOut> = queries
        .into_iter()
        .map(|query| {
            // Accept a URL as well as a host: people paste what they see.
            let host = url::Url::parse(&query)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .or_else(|| normalize_host(&query));
            let found = host.as_deref().and_then(|h| db.lookup(h));
            LookupOut { vendor: found.map(|m| m.vendor), matched: found.map(|m| m.rule.describe()), host, query }
        })
        .collect();
    Sink::Stdout.write_with(|w| match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &answers)?;
            writeln!(w)
        }
        ListFormat::Table => {
            for a in &answers {
                match (&a.host, a.vendor) {
                    (None, _) => writeln!(w, "{}: not a host name", a.query)?,
                    (Some(h), None) => writeln!(w, "{h}: unknown")?,
                    (Some(h), Some(v)) => {
                        let company = match &v.parent {
                            Some(p) => format!("{} ({p})", v.company),
                            None => v.company.clone(),
                        };
                        writeln!(w, "{h}: {} [{}], {company}", v.name, v.id)?;
                        writeln!(w, "  categories: {}", v.categories.join(", "))?;
                        let data: Vec<String> =
                            v.data_received.iter().map(|d| format!("{} ({})", d.kind, d.basis.as_str())).collect();
                        writeln!(w, "  receives: {}", data.join(", "))?;
                        if let Some(p) = &v.privacy_policy {
                            writeln!(w, "  privacy policy: {p}")?;
                        }
                        writeln!(w, "  matched: {}", a.matched.as_deref().unwrap_or(""))?;
                    }
                }
            }
            Ok(())
        }
    })?;
    Ok(Outcome::Done)
}

fn list(
    category: Option<String>,
    company: Option<String>,
    format: ListFormat,
    db: &VendorDb,
) -> Result<Outcome, Error> {
    if let Some(c) = &category {
        if !db.category_ids().any(|k| k == c) {
            let known: Vec<&str> = db.category_ids().collect();
            return Err(Error::usage(format!("unknown category \"{c}\""))
                .with_help(format!("categories: {}", known.join(", "))));
        }
    }
    let wanted: Vec<&Vendor> = db
        .vendors()
        .iter()
        .filter(|v| category.as_ref().is_none_or(|c| v.categories.contains(c)))
        .filter(|v| {
            company.as_ref().is_none_or(|c| {
                v.company.eq_ignore_ascii_case(c) || v.parent.as_ref().is_some_and(|p| p.eq_ignore_ascii_case(c))
            })
        })
        .collect();
    Sink::Stdout.write_with(|w| match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &wanted)?;
            writeln!(w)
        }
        ListFormat::Table => {
            for v in &wanted {
                writeln!(w, "{:<32} {:<32} {}", v.id, v.company, v.categories.join(", "))?;
            }
            writeln!(w, "{} vendors", wanted.len())
        }
    })?;
    Ok(Outcome::Done)
}

fn check(path: &std::path::Path) -> Result<Outcome, Error> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
    let builtin = VendorDb::embedded()?;
    match check_user_file(&text, &builtin) {
        Ok(file) => {
            super::say(&format!("{}: {} vendors, no problems", path.display(), file.vendors.len()));
            Ok(Outcome::Done)
        }
        Err(problems) => {
            for p in &problems {
                super::say(&format!("{}:{p}", path.display()));
            }
            Err(Error::input(format!("{} has {} problem(s)", path.display(), problems.len()))
                .with_help("fix the lines above; the format is in docs/vendors.md"))
        }
    }
}
