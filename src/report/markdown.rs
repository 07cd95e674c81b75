//! Markdown for a pull-request comment or a GitHub job summary.
//!
//! In the order a reviewer needs it: the verdict (policy passed or failed), what changed
//! since the baseline (payment pages first), the findings, then the full inventory by
//! company, unknown hosts and failed pages. Everything that comes from a scanned page or
//! a file is escaped (text) or put in a code span, so a page cannot inject Markdown or
//! HTML into the comment, and `|` is escaped inside table cells. Long lists are capped so
//! the comment stays well under GitHub's 65,536-character limit.

use super::Report;
use super::{fails, plural, repo_path, vendor_name};
use crate::baseline::{Changes, ScriptChange, ScriptRef};
use crate::checks::{Finding, Severity};
use crate::inventory::{VendorOut, page_path};
use crate::model::PageOutcome;
use std::io::{self, Write};

/// Pages shown per finding in the findings table.
const PAGES_PER_FINDING: usize = 3;
/// Locations listed per finding in the details.
const LOCATIONS_PER_FINDING: usize = 10;
/// Items listed per change list (new hosts, new scripts, ...).
const ITEMS_PER_LIST: usize = 25;

/// Escape text for Markdown: every ASCII punctuation character that could start markup,
/// `@` (a page must not mention, and notify, people or teams in a PR comment), and line
/// breaks (table cells are one line).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '&' | '~' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A code span (outside tables).
fn code(s: &str) -> String {
    span(&s.replace(['\r', '\n'], " "))
}

/// A code span inside a table cell: `|` must be escaped there, even in code (GFM).
fn cell_code(s: &str) -> String {
    span(&s.replace(['\r', '\n'], " ").replace('|', "\\|"))
}

fn span(s: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let ticks = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

fn severity_badge(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🔴 error",
        Severity::Warning => "🟡 warning",
        Severity::Note => "🔵 note",
    }
}

/// `Name (`id`)` for a vendor in the report, the id alone otherwise.
fn vendor_label(r: &Report, id: &str) -> String {
    match vendor_name(r, id) {
        Some(name) => format!("{} ({})", text(name), code(id)),
        None => code(id),
    }
}

fn finding_subject(r: &Report, f: &Finding) -> String {
    match (&f.vendor, &f.host) {
        (Some(v), Some(h)) => format!("{} on {}", vendor_label(r, v), code(h)),
        (Some(v), None) => vendor_label(r, v),
        (None, Some(h)) => code(h),
        (None, None) => "—".into(),
    }
}

/// A capped, comma-separated list: `a, b, c and 4 more`.
fn capped(items: Vec<String>, max: usize) -> String {
    let extra = items.len().saturating_sub(max);
    let mut s = items.into_iter().take(max).collect::<Vec<_>>().join(", ");
    if extra > 0 {
        s.push_str(&format!(" and {extra} more"));
    }
    s
}

fn header(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    match &r.verdict {
        Some(p) if p.passed => writeln!(out, "## ✅ vendorscan: policy passed")?,
        Some(_) => writeln!(out, "## ❌ vendorscan: policy failed")?,
        None => writeln!(out, "## vendorscan report")?,
    }
    writeln!(out)?;
    if let Some(p) = &r.verdict {
        let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
        let file = match &p.file {
            Some(f) => format!("policy {}", code(f)),
            None => "no policy file".into(),
        };
        writeln!(
            out,
            "**{}, {}**, {} · fails on {} · {file}",
            plural(p.errors, "error", "errors"),
            plural(p.warnings, "warning", "warnings"),
            plural(count(Severity::Note), "note", "notes"),
            code(p.fail_on.as_str()),
        )?;
        writeln!(out)?;
    }
    let s = &r.inventory.summary;
    writeln!(
        out,
        "{} from {} receive visitor data · {} · {} scanned, {} failed, {} skipped · {}",
        plural(s.vendors, "vendor", "vendors"),
        plural(s.companies, "company", "companies"),
        plural(s.unknown_hosts, "unknown host", "unknown hosts"),
        plural(s.pages_scanned, "page", "pages"),
        s.pages_failed,
        s.pages_skipped,
        r.inventory.targets.iter().map(|t| code(t)).collect::<Vec<_>>().join(", "),
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "<sub>vendorscan {} · vendor database {}</sub>",
        text(r.inventory.tool.version),
        text(&r.inventory.tool.vendor_db_version)
    )?;
    if !r.inventory.complete {
        writeln!(out)?;
        writeln!(out, "> [!WARNING]\n> The run was stopped before it finished: this covers the pages scanned so far.")?;
    }
    Ok(())
}

/// ` (Name)` of a script's vendor, or ` (`id`)` when the report does not list it.
fn script_vendor(r: &Report, vendor: Option<&str>) -> String {
    match vendor {
        Some(id) => format!(" ({})", vendor_name(r, id).map(text).unwrap_or_else(|| code(id))),
        None => String::new(),
    }
}

fn script_line(r: &Report, s: &ScriptRef) -> String {
    let vendor = script_vendor(r, s.vendor.as_deref());
    format!("{}{vendor} on {}", code(&s.url), code(&s.page))
}

fn change_line(r: &Report, c: &ScriptChange) -> String {
    let vendor = script_vendor(r, c.vendor.as_deref());
    format!(
        "{}{vendor} on {}: {} {} → {}",
        code(&c.url),
        code(&c.page),
        text(c.what.as_str()),
        code(&c.before),
        code(&c.after)
    )
}

fn list(out: &mut dyn Write, title: &str, items: Vec<String>) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "- **{title} ({}):**", items.len())?;
    let extra = items.len().saturating_sub(ITEMS_PER_LIST);
    for item in items.into_iter().take(ITEMS_PER_LIST) {
        writeln!(out, "  - {item}")?;
    }
    if extra > 0 {
        writeln!(out, "  - … and {extra} more (see the JSON report)")?;
    }
    Ok(())
}

fn changes(r: &Report, c: &Changes, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "### What changed since {}", code(&c.baseline))?;
    writeln!(out)?;
    if c.is_empty() {
        writeln!(out, "Nothing: the same vendors, hosts and scripts as the baseline.")?;
        return Ok(());
    }
    let payment_new: Vec<&ScriptRef> = c.new_scripts.iter().filter(|s| s.payment_page).collect();
    let payment_changed: Vec<&ScriptChange> = c.changed_scripts.iter().filter(|s| s.payment_page).collect();
    if !payment_new.is_empty() || !payment_changed.is_empty() {
        writeln!(out, "> [!CAUTION]")?;
        writeln!(out, "> **Payment pages** (PCI DSS 11.6.1): review these scripts before merging.")?;
        for s in &payment_new {
            writeln!(out, "> - New: {}", script_line(r, s))?;
        }
        for s in &payment_changed {
            writeln!(out, "> - Changed: {}", change_line(r, s))?;
        }
        writeln!(out)?;
    }
    let ids = |v: &[String]| v.iter().map(|id| vendor_label(r, id)).collect::<Vec<_>>();
    let codes = |v: &[String]| v.iter().map(|h| code(h)).collect::<Vec<_>>();
    list(out, "New vendors", ids(&c.new_vendors))?;
    list(out, "Removed vendors", ids(&c.removed_vendors))?;
    list(out, "New third-party hosts", codes(&c.new_hosts))?;
    list(out, "Removed third-party hosts", codes(&c.removed_hosts))?;
    let other_new: Vec<String> = c.new_scripts.iter().filter(|s| !s.payment_page).map(|s| script_line(r, s)).collect();
    list(out, "New scripts on other pages", other_new)?;
    let other_changed: Vec<String> =
        c.changed_scripts.iter().filter(|s| !s.payment_page).map(|s| change_line(r, s)).collect();
    list(out, "Changed scripts on other pages", other_changed)?;
    list(out, "Removed scripts", c.removed_scripts.iter().map(|s| script_line(r, s)).collect())
}

fn findings(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.findings.is_empty() {
        if r.verdict.is_some() {
            writeln!(out)?;
            writeln!(out, "### Findings")?;
            writeln!(out)?;
            writeln!(out, "None.")?;
        }
        return Ok(());
    }
    let failing = r.findings.iter().filter(|f| fails(r, f)).count();
    writeln!(out)?;
    writeln!(out, "### Findings ({}, {failing} failing the policy)", r.findings.len())?;
    writeln!(out)?;
    writeln!(out, "| Severity | Rule | Vendor / host | Pages | Decided by |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for f in &r.findings {
        let mut pages: Vec<String> = Vec::new();
        for l in &f.locations {
            let p = cell_code(page_path(&l.page));
            if !pages.contains(&p) {
                pages.push(p);
            }
        }
        let pages = if pages.is_empty() { "—".to_owned() } else { capped(pages, PAGES_PER_FINDING) };
        writeln!(
            out,
            "| {} | {} | {} | {pages} | {} |",
            severity_badge(f.severity),
            code(f.rule.as_str()),
            finding_subject(r, f),
            f.decided_by.as_ref().map(|d| cell_code(&d.to_string())).unwrap_or_else(|| "—".into()),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "<details><summary>Messages and locations</summary>")?;
    writeln!(out)?;
    for f in &r.findings {
        writeln!(out, "- {} {}: {}", severity_badge(f.severity), code(f.rule.as_str()), text(&f.message))?;
        for l in f.locations.iter().take(LOCATIONS_PER_FINDING) {
            let mut parts = Vec::new();
            if !l.page.is_empty() {
                parts.push(code(&l.page));
            }
            match (&l.file, l.line) {
                (Some(file), Some(line)) => parts.push(code(&format!("{}:{line}", repo_path(file)))),
                (Some(file), None) => parts.push(code(&repo_path(file))),
                (None, Some(line)) => parts.push(format!("line {line}")),
                (None, None) => {}
            }
            if let Some(url) = &l.url {
                parts.push(code(url));
            }
            writeln!(out, "  - {}", parts.join(" · "))?;
        }
        if f.locations.len() > LOCATIONS_PER_FINDING {
            writeln!(out, "  - … and {} more", f.locations.len() - LOCATIONS_PER_FINDING)?;
        }
        // Our own text, written to read well as Markdown (it has `code` in it).
        writeln!(out, "  - _What to do:_ {}", f.rule.info().help)?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")
}

fn data_cell(v: &VendorOut) -> String {
    let known: Vec<&str> = v.data_received.iter().filter(|d| d.basis != "inferred").map(|d| d.kind.as_str()).collect();
    let likely: Vec<&str> = v.data_received.iter().filter(|d| d.basis == "inferred").map(|d| d.kind.as_str()).collect();
    let mut cell = text(&known.join(", "));
    let observed = super::observed_items(&v.data_observed);
    if !observed.is_empty() {
        let seen = format!("**observed:** {}", text(&observed.join("; ")));
        cell = if cell.is_empty() { seen } else { format!("{seen}; documented: {cell}") };
    }
    if !likely.is_empty() {
        if !cell.is_empty() {
            cell.push_str("; ");
        }
        cell.push_str(&format!("likely also: {}", text(&likely.join(", "))));
    }
    cell
}

fn vendor_row(
    out: &mut dyn Write,
    company: &str,
    v: &VendorOut,
    states: &[crate::inventory::StateOut],
) -> io::Result<()> {
    // Browser mode: say where an injected vendor comes from, the place to change it.
    let runtime = if v.sources == [crate::inventory::Source::Runtime] {
        let by: Vec<&str> = v.loaded_by.iter().map(String::as_str).collect();
        if by.is_empty() {
            " · runtime only".to_owned()
        } else {
            format!(" · runtime only, loaded by {}", text(&by.join(", ")))
        }
    } else {
        String::new()
    };
    let mut notes: String =
        super::owner_notes(v).iter().map(|(label, note)| format!(" · **{label}:** {}", text(note))).collect();
    let cells = super::consent_cells(v, states);
    if !cells.is_empty() {
        notes.push_str(&format!(" · **consent states:** {}", text(&cells.join("; "))));
    }
    writeln!(
        out,
        "| {company} | {} ({}){runtime}{notes} | {} | {} | {} |",
        text(&v.name),
        code(&v.id),
        text(&v.categories.join(", ")),
        data_cell(v),
        v.pages.len()
    )
}

fn inventory(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &r.inventory.summary;
    let title = format!(
        "Inventory: {} from {}",
        plural(s.vendors, "vendor", "vendors"),
        plural(s.companies, "company", "companies")
    );
    // In a gate report the verdict matters most: the full inventory is folded away.
    let fold = r.verdict.is_some() || r.changes.is_some();
    writeln!(out)?;
    if fold {
        writeln!(out, "<details><summary>{title}</summary>")?;
    } else {
        writeln!(out, "### {title}")?;
    }
    writeln!(out)?;
    if r.inventory.vendors.iter().any(|v| !v.first_party) {
        writeln!(out, "| Company | Vendor | Categories | Data received | Pages |")?;
        writeln!(out, "|---|---|---|---|--:|")?;
        let states: &[crate::inventory::StateOut] = r.inventory.browser.as_ref().map_or(&[], |b| b.states.as_slice());
        for c in &r.inventory.companies {
            let mut company = match &c.parent {
                Some(p) => format!("**{}** ({})", text(&c.name), text(p)),
                None => format!("**{}**", text(&c.name)),
            };
            for id in &c.vendors {
                if let Some(v) = r.inventory.vendors.iter().find(|v| &v.id == id) {
                    vendor_row(out, &company, v, states)?;
                    company.clear();
                }
            }
        }
    } else {
        writeln!(out, "No third-party vendors found.")?;
    }
    let own: Vec<&VendorOut> = r.inventory.vendors.iter().filter(|v| v.first_party).collect();
    if !own.is_empty() {
        writeln!(out)?;
        let names: Vec<String> = own.iter().map(|v| format!("{} ({})", text(&v.name), code(&v.id))).collect();
        writeln!(out, "Known vendors on the store's own domains (first party): {}", names.join(", "))?;
    }
    if fold {
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}

fn unknown_hosts(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.inventory.unknown_hosts.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### Unknown third-party hosts ({})", r.inventory.unknown_hosts.len())?;
    writeln!(out)?;
    writeln!(out, "Not in the vendor database: find out who runs them.")?;
    writeln!(out)?;
    writeln!(out, "| Host | Domain | Pages | Via |")?;
    writeln!(out, "|---|---|--:|---|")?;
    for u in &r.inventory.unknown_hosts {
        let kinds: Vec<&str> = u.kinds.iter().map(|k| k.as_str()).collect();
        writeln!(
            out,
            "| {}{}{} | {} | {} | {} |",
            code(&u.host),
            super::hosted_note(u).map(|n| format!(" ({})", text(&n))).unwrap_or_default(),
            match super::observed_items(&u.data_observed) {
                o if o.is_empty() => String::new(),
                o => format!(" · **observed:** {}", text(&o.join("; "))),
            },
            code(&u.registrable_domain),
            u.pages.len(),
            text(&kinds.join(", "))
        )?;
    }
    Ok(())
}

fn problem_pages(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (outcome, title) in [(PageOutcome::Failed, "Pages that failed"), (PageOutcome::Skipped, "Pages skipped")] {
        let pages: Vec<_> = r.inventory.pages.iter().filter(|p| p.outcome == outcome).collect();
        if pages.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {title} ({})", pages.len())?;
        writeln!(out)?;
        writeln!(out, "| Page | Reason |")?;
        writeln!(out, "|---|---|")?;
        for p in pages.iter().take(ITEMS_PER_LIST * 2) {
            writeln!(out, "| {} | {} |", cell_code(&p.url), text(p.error.as_deref().unwrap_or("")))?;
        }
        if pages.len() > ITEMS_PER_LIST * 2 {
            writeln!(out)?;
            writeln!(out, "… and {} more (see the JSON report).", pages.len() - ITEMS_PER_LIST * 2)?;
        }
    }
    let cut: Vec<String> = r.inventory.pages.iter().filter(|p| p.truncated).map(|p| code(&p.url)).collect();
    if !cut.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Pages cut at the size limit ({}), only their first part was scanned: {}",
            cut.len(),
            capped(cut, ITEMS_PER_LIST)
        )?;
    }
    Ok(())
}

/// GitHub rejects a comment over 65,536 characters; stay under it with room to spare.
const MAX_COMMENT_CHARS: usize = 60_000;

type Section = fn(&Report, &mut dyn Write) -> io::Result<()>;

/// The sections in order of importance; when the whole would be too long for a PR comment,
/// the last ones give way to a note pointing at the complete outputs.
pub fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Every line checked as a whole: control and bidi characters from the site become
    // visible escapes, and no line reads as a CI runner's command (a PR comment and a job
    // summary are also printed into logs).
    super::sanitize::guarded(out, |out| render_unguarded(r, out))
}

fn render_unguarded(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let sections: [(&str, Section); 6] = [
        ("summary", header),
        ("changes", |r, o| r.changes.as_ref().map_or(Ok(()), |c| changes(r, c, o))),
        ("findings", findings),
        ("inventory", inventory),
        ("unknown hosts", unknown_hosts),
        ("failed pages", problem_pages),
    ];
    let mut used = 0usize;
    let mut left_out = Vec::new();
    for (name, section) in sections {
        let mut buf = Vec::new();
        section(r, &mut buf)?;
        let text = String::from_utf8_lossy(&buf);
        let len = text.chars().count();
        if used + len <= MAX_COMMENT_CHARS {
            out.write_all(text.as_bytes())?;
            used += len;
        } else if used == 0 || (left_out.is_empty() && used + 200 < MAX_COMMENT_CHARS) {
            // Part of an oversized section (cut at a line) beats none of it.
            let room = MAX_COMMENT_CHARS - used - 200.min(MAX_COMMENT_CHARS - used);
            let cut: String = text.chars().take(room).collect();
            let cut = cut.rfind('\n').map_or(cut.as_str(), |i| &cut[..i]);
            writeln!(out, "{cut}")?;
            used = MAX_COMMENT_CHARS;
            left_out.push(format!("the rest of the {name}"));
        } else {
            left_out.push(name.to_owned());
        }
    }
    if !left_out.is_empty() {
        writeln!(
            out,
            "\n_Too long for a comment: {} left out. The JSON, SARIF and CSV outputs have everything._",
            left_out.join(", ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(text("a|b <img> *x* [l](u)"), "a\\|b \\<img\\> \\*x\\* \\[l\\](u)");
        assert_eq!(text("ping @org/team"), "ping \\@org/team");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
        assert_eq!(code("a|b"), "`a|b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("a``b"), "```a``b```");
    }
}
