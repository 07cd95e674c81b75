//! Renderers: the [`Report`] into bytes.
//!
//! Enters: a finished [`Report`] (an immutable inventory, already sorted, with the findings,
//! changes and verdict decided beside it). Leaves: text written to any `io::Write`.
//! Renderers decide nothing: what is in the report is decided in `inventory` and `checks`;
//! each renderer only chooses how to show it. All output is deterministic (no timestamps,
//! sorted input), so it can be snapshot-tested and diffed. A new output format is one file
//! here, one [`Format`] variant and its arm in [`render`].

mod assessed;
pub mod color;
mod csv;
mod github;
mod html;
mod json;
mod junit;
mod markdown;
// The shared text safety of every renderer lives at the bottom of the house (the crawl uses it too).
pub(crate) use crate::sanitize;
mod sarif;
mod table;

pub use assessed::{Gate, Report, Verdict};
pub use color::Choice as ColorChoice;
pub use github::github_step_summary;
pub use json::Prerendered;

use crate::checks::{Finding, Severity};
use crate::policy::FailOn;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Findings, changes, vendors grouped by company, unknown hosts, failed pages; for people.
    Table,
    /// The full inventory, versioned (`schema_version`); for machines and diffs.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (upload-sarif) and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding location.
    Github,
    /// A Markdown summary for a pull-request comment or a job summary.
    Markdown,
    /// JUnit XML, for GitLab's and Jenkins' test reports.
    Junit,
    /// The inventory as CSV (RFC 4180), one row per vendor and unknown host.
    Csv,
    /// One self-contained HTML page for the store's owner: companies, data, chains, pages.
    Html,
}

/// [`render`] for a person's terminal: with `color`, the table's verdict and severities are
/// painted ([`color::Paint`]); other formats are never coloured (they are read by programs).
pub fn render_painted(
    report: &Report,
    format: Format,
    out: &mut dyn Write,
    color: bool,
    ahead: Option<&Prerendered>,
) -> io::Result<()> {
    if !(color && format == Format::Table) {
        return render_with(report, format, out, ahead);
    }
    let mut paint = color::Paint::new(out);
    render(report, format, &mut paint)?;
    paint.finish()
}

pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    render_with(report, format, out, None)
}

/// The most a JSON report renders ahead, while the checks run ([`prerender`]): all of it on
/// a 1,000-page store (2.5-3.6 MB on the benchmark's), and a bounded share of a larger one,
/// whose report is still written as it is built.
const AHEAD_BUDGET: usize = 8 << 20;

/// Start the JSON report's largest part, its `resources`, from the inventory alone: run
/// beside the checks, on a core the finished crawl left idle (issue #17). `None` if it could
/// not be rendered: [`render_with`] then meets the same error itself, and reports it.
pub fn prerender(inventory: &crate::inventory::Inventory) -> Option<Prerendered> {
    json::prerender(&inventory.resources, AHEAD_BUDGET).ok()
}

/// [`render`], with the JSON report's head start from [`prerender`] over the same report's
/// inventory (ignored by the other formats).
pub fn render_with(
    report: &Report,
    format: Format,
    out: &mut dyn Write,
    ahead: Option<&Prerendered>,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, out),
        Format::Json => json::render(report, out, ahead),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Csv => csv::render(report, out),
        Format::Html => html::render(report, out),
    }
}

/// What a recipient was seen to receive, one line each: "hashed e-mail (sha256, via query),
/// events: Purchase".
pub(crate) fn observed_items(list: &[crate::inventory::DataObservedOut]) -> Vec<String> {
    list.iter()
        .map(|o| {
            let mut s = crate::checks::describe_observed(o);
            if !o.events.is_empty() {
                let shown: Vec<&str> = o.events.iter().take(4).map(String::as_str).collect();
                let more = if o.events.len() > 4 { ", …" } else { "" };
                s.push_str(&format!(" [{}{more}]", shown.join(", ")));
            }
            s
        })
        .collect()
}

/// A vendor across the run's consent states, one item per state: "reject: 2 requests (2
/// after the choice)", "accept: 5 requests, 2 cookies". Empty with one state.
pub(crate) fn consent_cells(v: &crate::inventory::VendorOut, states: &[crate::inventory::StateOut]) -> Vec<String> {
    states
        .iter()
        .map(|st| {
            let name = st.state.as_str();
            let Some(c) = v.consent_matrix.iter().find(|c| c.state == st.state) else {
                return format!("{name}: nothing");
            };
            let mut s = format!("{name}: {}", crate::model::plural(c.requests, "request", "requests"));
            if c.after_choice > 0 {
                s.push_str(&format!(" ({} after the choice)", c.after_choice));
            }
            if !c.cookies.is_empty() {
                s.push_str(&format!(", {}", crate::model::plural(c.cookies.len(), "cookie", "cookies")));
            }
            if !c.data_observed.is_empty() {
                s.push_str(&format!(", observed {}", c.data_observed.join("/")));
            }
            s
        })
        .collect()
}

/// What a store owner should know about who is behind a vendor, as (label, text) lines:
/// an owner that competes with the store, earlier owners, a product shut down or
/// hijacked, documented incidents. Empty for most vendors.
pub(crate) fn owner_notes(v: &crate::inventory::VendorOut) -> Vec<(&'static str, String)> {
    use crate::vendors::{OwnerKind, State};
    let mut notes = Vec::new();
    match v.owner_kind {
        Some(OwnerKind::Retailer) => {
            notes.push(("owner", format!("owned by a retailer ({} sells to the same shoppers)", v.company)))
        }
        Some(OwnerKind::Marketplace) => {
            notes.push(("owner", format!("owned by a marketplace ({} sells to the same shoppers)", v.company)))
        }
        None => {}
    }
    if !v.previous_owners.is_empty() {
        let before: Vec<String> =
            v.previous_owners.iter().map(|p| format!("{} until {}", p.company, p.until)).collect();
        notes.push(("formerly", before.join(", ")));
    }
    if let Some(s) = &v.status {
        let what = match s.state {
            State::Discontinued => "DISCONTINUED",
            State::Compromised => "COMPROMISED",
        };
        notes.push(("status", format!("{what} since {} ({})", s.since, s.source)));
    }
    for i in &v.incidents {
        let kind = match i.kind {
            crate::vendors::IncidentKind::SupplyChain => "supply-chain attack",
            crate::vendors::IncidentKind::DataBreach => "data breach",
        };
        notes.push(("incident", format!("{} {kind}: {}", i.date, i.summary)));
    }
    notes
}

/// How an unknown host that sits on a hosting provider is described.
pub(crate) fn hosted_note(u: &crate::inventory::UnknownHost) -> Option<String> {
    u.hosted_on.as_ref().map(|p| format!("hosted on {p}: the recipient is that customer, not {p}"))
}

/// The vendor id, or the host for unknown third parties, that a finding is about.
fn subject(f: &Finding) -> Option<&str> {
    f.vendor.as_deref().or(f.host.as_deref())
}

/// The vendor's display name, when the report lists it.
fn vendor_name<'a>(report: &'a Report, id: &str) -> Option<&'a str> {
    report.inventory.vendors.iter().find(|v| v.id == id).map(|v| v.name.as_str())
}

/// The least severe finding that fails the run: from the policy, `error` without one,
/// `None` for `fail-on = "never"`.
fn fail_threshold(report: &Report) -> Option<Severity> {
    match report.verdict.as_ref().map(|p| p.fail_on) {
        Some(FailOn::Never) => None,
        Some(FailOn::Warning) => Some(Severity::Warning),
        Some(FailOn::Error) | None => Some(Severity::Error),
    }
}

/// Does this finding fail the run (at or above the policy's `fail-on`)?
fn fails(report: &Report, f: &Finding) -> bool {
    fail_threshold(report).is_some_and(|t| f.severity >= t)
}

/// The policy file and line of the entry that decided a finding: lets findings without a
/// page location (`stale-approval`) point at the policy entry instead.
fn entry_location(decided_by: Option<&crate::checks::DecidedBy>) -> Option<(String, u32)> {
    let e = decided_by?.entry()?;
    (!e.file.is_empty() && e.line > 0).then(|| (e.file.clone(), e.line as u32))
}

/// A local file as CI tools want it: relative to the current directory when it is under
/// it, with forward slashes and no leading `./`. Absolute paths elsewhere stay absolute.
fn repo_path(file: &str) -> String {
    let path = Path::new(file);
    let rel: PathBuf = if path.is_absolute() {
        relative_to_cwd(path).unwrap_or_else(|| path.to_path_buf())
    } else {
        path.components().filter(|c| !matches!(c, Component::CurDir)).collect()
    };
    let text = rel.to_string_lossy().into_owned();
    if std::path::MAIN_SEPARATOR == '\\' { text.replace('\\', "/") } else { text }
}

fn relative_to_cwd(path: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    if let Ok(rel) = path.strip_prefix(&cwd) {
        return Some(rel.to_path_buf());
    }
    // The same folder reached through a symlink (e.g. /tmp on macOS).
    let (cwd, path) = (cwd.canonicalize().ok()?, path.canonicalize().ok()?);
    path.strip_prefix(cwd).ok().map(Path::to_path_buf)
}

use crate::model::plural;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths() {
        assert_eq!(repo_path("./public/a.html"), "public/a.html");
        assert_eq!(repo_path("public/a b.html"), "public/a b.html");
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(repo_path(&cwd.join("site/x.html").to_string_lossy()), "site/x.html");
        assert_eq!(repo_path("/definitely/not/here.html"), "/definitely/not/here.html");
    }
}
