//! The inventory as CSV for a compliance spreadsheet (RFC 4180).
//!
//! One row per third-party vendor (first-party vendors are left out, as in the summary),
//! then one row per unknown host (`vendor_id` empty, `vendor` = the host). Lists inside a
//! cell are joined with `"; "`. Fields with a comma, a double quote, CR or LF are quoted,
//! with quotes doubled; lines end with CRLF. A cell that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`, because
//! pages and hosts come from the scanned site. For the same reason every cell goes
//! through [`clean_text`] (a control character, an escape sequence or a bidi override is
//! written as a visible escape) and every line through [`super::sanitize::Guard`]: a CSV
//! file printed in a terminal or a CI log cannot drive it or start a workflow command.
//!
//! A run that stopped early ends with one more row: `vendor` = `(scan incomplete)`,
//! `decision` = `incomplete`, and why in `reason`.
//!
//! `decision` comes from the policy: `denied`, `expired` or `unapproved` from the
//! finding that targets the vendor (`denied-vendor`/`denied-category`, `approval-expired`,
//! `unapproved-vendor`/`unknown-third-party`), otherwise `approved` when a policy file was
//! used, and empty without one. `reason`, `owner` and `expires` are the approving
//! `[[allow]]` entry's. `sources` says `markup`, `runtime` or `both`; `loaded_by` and
//! `cookies` are filled in browser mode.

use super::Report;
use super::sanitize::clean_text;
use crate::checks::{Approval, Finding, RuleId};
use crate::inventory::Source;
use std::collections::HashMap;
use std::io::{self, Write};

const HEADER: [&str; 20] = [
    "vendor_id",
    "vendor",
    "company",
    "parent",
    "categories",
    "data_received",
    "hosts",
    "pages",
    "page_count",
    "kinds",
    "tag_ids",
    "privacy_policy",
    "decision",
    "reason",
    "owner",
    "expires",
    "sources",
    "loaded_by",
    "cookies",
    "ownership",
];

/// One RFC 4180 field. A line break stays in its quoted cell (a policy's reason may have
/// several lines); the [`super::sanitize::Guard`] checks each line of the file.
fn field(s: &str) -> String {
    let s = clean_text(s);
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.into_owned() };
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn row(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
    write!(out, "{}\r\n", line.join(","))
}

/// The policy's decision on a vendor or host, from the findings that target it.
fn decision(r: &Report, findings: &[&Finding], approved: bool) -> &'static str {
    let has = |rules: &[RuleId]| findings.iter().any(|f| rules.contains(&f.rule));
    if has(&[RuleId::DeniedVendor, RuleId::DeniedCategory]) {
        "denied"
    } else if has(&[RuleId::ApprovalExpired]) {
        "expired"
    } else if has(&[RuleId::UnapprovedVendor, RuleId::UnknownThirdParty]) {
        "unapproved"
    } else if approved || r.verdict.as_ref().is_some_and(|p| p.file.is_some()) {
        "approved"
    } else {
        ""
    }
}

fn approval_cells(a: Option<&Approval>) -> [String; 3] {
    match a {
        Some(a) => [
            a.reason.clone(),
            a.owner.clone().unwrap_or_default(),
            a.expires.map(|d| d.to_string()).unwrap_or_default(),
        ],
        None => Default::default(),
    }
}

pub fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    super::sanitize::guarded(out, |out| render_unguarded(r, out))
}

fn render_unguarded(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    // The findings about each vendor and each unknown host, gathered in one pass: looking
    // them up row by row made 100,000 unknown hosts (each with its finding) take minutes.
    let mut by_vendor: HashMap<&str, Vec<&Finding>> = HashMap::new();
    let mut by_host: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in &r.findings {
        match (&f.vendor, &f.host) {
            (Some(v), _) => by_vendor.entry(v).or_default().push(f),
            (None, Some(h)) => by_host.entry(h).or_default().push(f),
            (None, None) => {}
        }
    }
    let none: Vec<&Finding> = Vec::new();
    row(out, &HEADER.map(str::to_owned))?;
    for v in r.inventory.vendors.iter().filter(|v| !v.first_party) {
        let findings = by_vendor.get(v.id.as_str()).unwrap_or(&none);
        let data: Vec<String> = v
            .data_received
            .iter()
            .map(|d| if d.basis == "inferred" { format!("{} (inferred)", d.kind) } else { d.kind.clone() })
            .collect();
        let [reason, owner, expires] = approval_cells(r.approval(&v.id));
        row(
            out,
            &[
                v.id.clone(),
                v.name.clone(),
                v.company.clone(),
                v.parent.clone().unwrap_or_default(),
                v.categories.join("; "),
                data.join("; "),
                v.hosts.iter().map(|h| h.host.as_str()).collect::<Vec<_>>().join("; "),
                r.inventory.page_names(&v.pages).collect::<Vec<_>>().join("; "),
                v.pages.len().to_string(),
                v.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("; "),
                v.tag_ids.iter().map(|t| format!("{} ({})", t.value, t.kind)).collect::<Vec<_>>().join("; "),
                v.privacy_policy.clone().unwrap_or_default(),
                decision(r, findings, r.approval(&v.id).is_some()).to_owned(),
                reason,
                owner,
                expires,
                sources(&v.sources),
                v.loaded_by.join("; "),
                v.cookies.iter().map(|c| format!("{} ({})", c.name, c.domain)).collect::<Vec<_>>().join("; "),
                super::owner_notes(v).iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join("; "),
            ],
        )?;
    }
    for u in &r.inventory.unknown_hosts {
        let findings = by_host.get(u.host.as_str()).unwrap_or(&none);
        row(
            out,
            &[
                String::new(),
                u.host.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                u.host.clone(),
                r.inventory.page_names(&u.pages).collect::<Vec<_>>().join("; "),
                u.pages.len().to_string(),
                u.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("; "),
                String::new(),
                String::new(),
                decision(r, findings, false).to_owned(),
                String::new(),
                String::new(),
                String::new(),
                sources(&u.sources),
                u.loaded_by.join("; "),
                String::new(),
                super::hosted_note(u).unwrap_or_default(),
            ],
        )?;
    }
    // A spreadsheet has no header for the run: a partial inventory says so in a row of its
    // own, so it cannot pass for the whole store.
    if !r.inventory.complete {
        let why = match r.inventory.stopped {
            Some(crate::inventory::Stopped::TimeBudget) => "the time budget (--max-time) ran out",
            _ => "the scan was interrupted",
        };
        let mut cells: Vec<String> = vec![String::new(); HEADER.len()];
        cells[1] = "(scan incomplete)".into();
        cells[12] = "incomplete".into();
        cells[13] = format!("{why}: pages not scanned are not in this inventory");
        row(out, &cells)?;
    }
    Ok(())
}

fn sources(s: &[Source]) -> String {
    let names: Vec<&str> = s
        .iter()
        .map(|s| match s {
            Source::Markup => "markup",
            Source::Runtime => "runtime",
            Source::Both => "both",
        })
        .collect();
    names.join("; ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("two\r\nlines\t"), "\"two\\r\nlines\\t\"");
        assert_eq!(field("a,\u{1b}[2Jb"), "\"a,\\u{1b}[2Jb\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
    }

    /// A report with `n` unknown third-party hosts, each with its `unknown-third-party`
    /// finding (a policy with `unknown = "error"`), built in memory.
    pub(crate) fn many_unknown_hosts(n: usize) -> Report {
        use crate::checks::{Location, RuleId};
        let scope = crate::scope::Scope::new(["shop.example"], []);
        let info =
            crate::inventory::RunInfo::new(crate::inventory::Mode::Crawl, vec!["https://shop.example/".into()], &scope);
        let page = "https://shop.example/";
        let record = crate::model::PageRecord::without_content(
            page.into(),
            0,
            crate::model::PageOutcome::Scanned,
            String::new(),
        );
        let inv = crate::inventory::build(vec![record], info, &crate::vendors::VendorDb::embedded().unwrap());
        let mut r = Report::unassessed(inv);
        for i in 0..n {
            let host = format!("t{i}.unknown-{i}.example");
            r.inventory.unknown_hosts.push(crate::inventory::UnknownHost {
                host: host.clone(),
                registrable_domain: format!("unknown-{i}.example"),
                hosted_on: None,
                pages: vec![0],
                kinds: vec![crate::model::ResourceKind::Script],
                sources: vec![Source::Markup],
                loaded_by: vec![],
                resources: 1,
                data_observed: vec![],
            });
            let mut f = Finding::new(RuleId::UnknownThirdParty, format!("{host} is not in the vendor database"));
            f.host = Some(host.clone());
            f.locations.push(Location {
                page: page.to_string(),
                file: None,
                line: Some(1),
                url: Some(format!("https://{host}/x.js")),
                loaded_by: None,
            });
            r.findings.push(f);
        }
        r
    }

    #[test]
    fn one_hundred_thousand_unknown_hosts() {
        // Quadratic, this took minutes (100k hosts: 142 s; 200k: over 15 min).
        let r = many_unknown_hosts(100_000);
        let mut out = Vec::new();
        render(&r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 100_001);
        assert!(text.lines().last().unwrap().contains(",unapproved,"), "{}", text.lines().last().unwrap());
    }
}
