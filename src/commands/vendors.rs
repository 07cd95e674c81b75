//! `vendorscan vendors lookup|list|check|build`.
//!
//! Enters: a [`VendorsCommand`]. Leaves: answers on standard output; `check` and `build`
//! fail with an input error (exit 2) when the file is invalid.

use super::{Sink, load_db};
use crate::cli::{ListFormat, VendorsCommand};
use crate::error::Error;
use crate::exit::Outcome;
use crate::scope::normalize_host;
use crate::vendors::{BuildInputs, DbFile, Vendor, VendorDb, build_from_files, check_user_file};
use serde::Serialize;
use std::io::BufRead;

pub fn run(cmd: VendorsCommand) -> Result<Outcome, Error> {
    match cmd {
        VendorsCommand::Lookup { hosts, format, vendors } => lookup(hosts, format, load_db(vendors.as_deref())?),
        VendorsCommand::List { category, company, format, vendors } => {
            list(category, company, format, &load_db(vendors.as_deref())?)
        }
        VendorsCommand::Check { file } => check(&file),
        VendorsCommand::Diff { old, new, format } => db_diff(&old, new.as_deref(), format),
        VendorsCommand::Build { dir, output } => {
            let built = build_from_files(&BuildInputs { dir })?;
            let w = built.whotracksme;
            super::note(&format!(
                "WhoTracks.Me 2022-08 brought {} new vendors, {} domains and {} owners",
                w.new_vendors, w.domains_added, w.owners_filled
            ));
            let text = built.text;
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
                        if let Some(k) = v.owner_kind {
                            writeln!(w, "  owner kind: {} (sells to the same shoppers)", k.as_str())?;
                        }
                        for p in &v.previous_owners {
                            writeln!(w, "  formerly: {} until {} ({})", p.company, p.until, p.source)?;
                        }
                        if let Some(s) = &v.status {
                            writeln!(w, "  status: {} since {} ({})", s.state.as_str(), s.since, s.source)?;
                        }
                        for id in &v.incidents {
                            if let Some(i) = db.incident(id) {
                                writeln!(w, "  incident: {} {} ({}): {}", i.date, i.kind.as_str(), i.id, i.summary)?;
                            }
                        }
                        if v.customer_hosted {
                            writeln!(
                                w,
                                "  customer-hosted: the host is one of its customers'; the recipient is that customer"
                            )?;
                        }
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
        .filter(|v| company.as_ref().is_none_or(|c| v.owned_by(c)))
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
                .with_help(format!("fix the lines above; the format is described in {}", crate::vendors::DOCS_URL)))
        }
    }
}

fn read_db(path: &std::path::Path) -> Result<DbFile, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("cannot read vendor database {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::input(format!("{} is not a vendor database: {e}", path.display()))
            .with_help("give two known_vendors.json files (schema 1 or 2), e.g. from two vendorscan releases")
    })
}

fn db_diff(old: &std::path::Path, new: Option<&std::path::Path>, format: ListFormat) -> Result<Outcome, Error> {
    let before = read_db(old)?;
    let after = match new {
        Some(p) => read_db(p)?,
        None => VendorDb::embedded()?.file,
    };
    let d = crate::vendors::diff(&before, &after);
    Sink::Stdout.write_with(|w| match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &d)?;
            writeln!(w)
        }
        ListFormat::Table => {
            let v = |s: &str| if s.is_empty() { "(no version)".to_owned() } else { s.to_owned() };
            writeln!(w, "vendor database {} -> {}", v(&d.old_version), v(&d.new_version))?;
            if d.is_empty() {
                return writeln!(w, "no changes");
            }
            if !d.owner_changes.is_empty() {
                writeln!(
                    w,
                    "\nNew owners ({}): an [[allow]] entry with owned-by raises owner-changed",
                    d.owner_changes.len()
                )?;
                for c in &d.owner_changes {
                    let since = c.since.as_deref().map(|s| format!(" (since {s})")).unwrap_or_default();
                    writeln!(w, "  {:<32} {} -> {}{since}", c.vendor, c.old_company, c.new_company)?;
                }
            }
            if !d.status_changes.is_empty() {
                writeln!(w, "\nStatus ({}):", d.status_changes.len())?;
                for c in &d.status_changes {
                    writeln!(w, "  {:<32} {} -> {}", c.vendor, c.old, c.new)?;
                }
            }
            if !d.new_incidents.is_empty() {
                writeln!(w, "\nNew incidents ({}): {}", d.new_incidents.len(), d.new_incidents.join(", "))?;
            }
            if !d.removed.is_empty() {
                writeln!(w, "\nRemoved vendors ({}): a policy entry naming one stops validating", d.removed.len())?;
                for b in &d.removed {
                    writeln!(w, "  {:<32} {} ({})", b.id, b.name, b.company)?;
                }
            }
            let moved: Vec<_> = d.rules.iter().filter(|r| r.old_vendor.is_some() && r.new_vendor.is_some()).collect();
            let gone: Vec<_> = d.rules.iter().filter(|r| r.old_vendor.is_some() && r.new_vendor.is_none()).collect();
            let added = d.rules.len() - moved.len() - gone.len();
            if !moved.is_empty() {
                writeln!(w, "\nHosts that name another vendor now ({}):", moved.len())?;
                for r in &moved {
                    let (o, n) = (r.old_vendor.as_deref().unwrap_or(""), r.new_vendor.as_deref().unwrap_or(""));
                    writeln!(w, "  {:<40} {o} -> {n}", r.rule)?;
                }
            }
            if !gone.is_empty() {
                writeln!(w, "\nRemoved hosts ({}): they become unknown unless a wider rule covers them", gone.len())?;
                for r in &gone {
                    writeln!(w, "  {:<40} was {}", r.rule, r.old_vendor.as_deref().unwrap_or(""))?;
                }
            }
            writeln!(
                w,
                "\n{} vendors added, {} removed; {added} domain and host rules added",
                d.added.len(),
                d.removed.len()
            )?;
            writeln!(w, "(the full lists: vendorscan vendors diff OLD NEW -f json)")
        }
    })?;
    Ok(Outcome::Done)
}
