//! The human report: vendors grouped by company, then unknown hosts, then problem pages.
//! Fits a 100-column terminal: long lists wrap under their label.

use crate::inventory::{Report, VendorOut};
use crate::model::PageOutcome;
use std::io::{self, Write};

const WIDTH: usize = 100;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Write `label` then `items` joined by ", ", wrapped to WIDTH with a hanging indent.
fn wrapped(out: &mut dyn Write, indent: usize, label: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let pad = " ".repeat(indent);
    let mut line = format!("{pad}{label}");
    let hang = " ".repeat(indent + label.len());
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() { format!("{item}, ") } else { item.clone() };
        if line.len() + piece.trim_end().len() > WIDTH && line.trim().len() > label.trim().len() {
            writeln!(out, "{}", line.trim_end())?;
            line = hang.clone();
        }
        line.push_str(&piece);
    }
    writeln!(out, "{}", line.trim_end())
}

fn vendor_lines(out: &mut dyn Write, v: &VendorOut) -> io::Result<()> {
    let kinds: Vec<&str> = v.kinds.iter().map(|k| k.as_str()).collect();
    let pages = plural(v.pages.len(), "page", "pages");
    let name = if v.name.chars().count() > 34 {
        format!("{}…", v.name.chars().take(33).collect::<String>())
    } else {
        v.name.clone()
    };
    writeln!(out, "  {name:<35}{:<30}{pages:>10}", v.categories.join(", "))?;
    if kinds.is_empty() {
        wrapped(out, 4, "via: ", &["an account ID in an inline script (loaded at run time)".to_owned()])?;
    } else {
        wrapped(out, 4, "via: ", &[kinds.join(", ")])?;
    }
    let hosts: Vec<String> = v.hosts.iter().map(|h| h.host.clone()).collect();
    wrapped(out, 4, "hosts: ", &hosts)?;
    let basis = |b: &str| v.data_received.iter().filter(|d| d.basis == b).map(|d| d.kind.clone()).collect::<Vec<_>>();
    let mut data = basis("inherent");
    data.extend(basis("documented"));
    wrapped(out, 4, "receives: ", &data)?;
    wrapped(out, 4, "likely also: ", &basis("inferred"))?;
    let tags: Vec<String> = v.tag_ids.iter().map(|t| format!("{} ({})", t.value, t.kind)).collect();
    wrapped(out, 4, "account IDs: ", &tags)
}

pub fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &r.summary;
    writeln!(
        out,
        "vendorscan {} · {} · vendor database {}",
        r.tool.version,
        r.targets.join(", "),
        r.tool.vendor_db_version
    )?;
    writeln!(
        out,
        "Pages: {} scanned, {} failed, {} skipped · {} third-party references to {}",
        s.pages_scanned,
        s.pages_failed,
        s.pages_skipped,
        s.third_party_resources,
        plural(s.third_party_hosts, "host", "hosts"),
    )?;
    if !r.complete {
        writeln!(out, "INCOMPLETE: the run was stopped before it finished; this covers the pages scanned so far.")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} from {} receive visitor data",
        plural(s.vendors, "vendor", "vendors"),
        plural(s.companies, "company", "companies")
    )?;
    for c in &r.companies {
        writeln!(out)?;
        match &c.parent {
            Some(p) => writeln!(out, "{} ({p})", c.name)?,
            None => writeln!(out, "{}", c.name)?,
        }
        for id in &c.vendors {
            if let Some(v) = r.vendors.iter().find(|v| &v.id == id) {
                vendor_lines(out, v)?;
            }
        }
    }
    let own: Vec<&VendorOut> = r.vendors.iter().filter(|v| v.first_party).collect();
    if !own.is_empty() {
        writeln!(out)?;
        writeln!(out, "Known vendors on the store's own domains (first party):")?;
        for v in own {
            vendor_lines(out, v)?;
        }
    }
    writeln!(out)?;
    if r.unknown_hosts.is_empty() {
        writeln!(out, "Unknown third-party hosts: none")?;
    } else {
        writeln!(
            out,
            "Unknown third-party hosts ({}): not in the vendor database, find out who they are",
            r.unknown_hosts.len()
        )?;
        let mut last = "";
        for u in &r.unknown_hosts {
            if u.registrable_domain != last {
                writeln!(out, "  {}", u.registrable_domain)?;
                last = &u.registrable_domain;
            }
            let kinds: Vec<&str> = u.kinds.iter().map(|k| k.as_str()).collect();
            writeln!(out, "    {:<50}{:>10}  {}", u.host, plural(u.pages.len(), "page", "pages"), kinds.join(", "))?;
        }
    }
    for (outcome, title) in [(PageOutcome::Failed, "Pages that failed"), (PageOutcome::Skipped, "Pages skipped")] {
        let pages: Vec<_> = r.pages.iter().filter(|p| p.outcome == outcome).collect();
        if pages.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{title} ({}):", pages.len())?;
        for p in pages {
            writeln!(out, "  {}", p.url)?;
            writeln!(out, "    {}", p.error.as_deref().unwrap_or(""))?;
        }
    }
    let cut: Vec<_> = r.pages.iter().filter(|p| p.truncated).collect();
    if !cut.is_empty() {
        writeln!(out)?;
        writeln!(out, "Pages cut at the size limit ({}): only their first part was scanned", cut.len())?;
        for p in cut {
            writeln!(out, "  {}", p.url)?;
        }
    }
    Ok(())
}
