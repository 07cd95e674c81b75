//! The inventory as CSV for a compliance spreadsheet (RFC 4180).
//!
//! One row per third-party vendor (first-party vendors are left out, as in the summary),
//! then one row per unknown host (`vendor_id` empty, `vendor` = the host). Lists inside a
//! cell are joined with `"; "`. Fields with a comma, a double quote, CR or LF are quoted,
//! with quotes doubled; lines end with CRLF. A cell that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`, because
//! pages and hosts come from the scanned site.
//!
//! `decision` comes from the policy: `denied`, `expired` or `unapproved` from the
//! finding that targets the vendor (`denied-vendor`/`denied-category`, `approval-expired`,
//! `unapproved-vendor`/`unknown-third-party`), otherwise `approved` when a policy file was
//! used, and empty without one. `reason`, `owner` and `expires` are the approving
//! `[[allow]]` entry's. `sources` says `markup`, `runtime` or `both`; `loaded_by` and
//! `cookies` are filled in browser mode.

use super::Report;
use crate::checks::{Approval, Finding, RuleId};
use crate::inventory::Source;
use std::io::{self, Write};

const HEADER: [&str; 19] = [
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
];

/// One RFC 4180 field.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
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
    row(out, &HEADER.map(str::to_owned))?;
    for v in r.inventory.vendors.iter().filter(|v| !v.first_party) {
        let findings: Vec<&Finding> = r.findings.iter().filter(|f| f.vendor.as_deref() == Some(&v.id)).collect();
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
                v.pages.join("; "),
                v.pages.len().to_string(),
                v.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("; "),
                v.tag_ids.iter().map(|t| format!("{} ({})", t.value, t.kind)).collect::<Vec<_>>().join("; "),
                v.privacy_policy.clone().unwrap_or_default(),
                decision(r, &findings, r.approval(&v.id).is_some()).to_owned(),
                reason,
                owner,
                expires,
                sources(&v.sources),
                v.loaded_by.join("; "),
                v.cookies.iter().map(|c| format!("{} ({})", c.name, c.domain)).collect::<Vec<_>>().join("; "),
            ],
        )?;
    }
    for u in &r.inventory.unknown_hosts {
        let findings: Vec<&Finding> =
            r.findings.iter().filter(|f| f.vendor.is_none() && f.host.as_deref() == Some(&u.host)).collect();
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
                u.pages.join("; "),
                u.pages.len().to_string(),
                u.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("; "),
                String::new(),
                String::new(),
                decision(r, &findings, false).to_owned(),
                String::new(),
                String::new(),
                String::new(),
                sources(&u.sources),
                u.loaded_by.join("; "),
                String::new(),
            ],
        )?;
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
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
    }
}
