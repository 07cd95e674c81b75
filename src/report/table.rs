//! The human report: the policy verdict and findings, the changes since the baseline,
//! then vendors grouped by company, unknown hosts and problem pages.
//! Fits a 100-column terminal: long lists and messages wrap under their label, and a
//! single word too long for a line (a long URL) is cut with `…`.
//!
//! Everything that comes from the scanned site (file names, URLs, cookie names, storage
//! keys, error messages) goes through [`sanitize::clean`] before it is laid out, and the
//! whole output through [`sanitize::Guard`]: no control character, escape sequence or bidi
//! override reaches the terminal, and no line reads as a CI runner's command.

use super::Report;
use super::sanitize::{self, clean};
use super::{plural, repo_path};
use crate::baseline::Changes;
use crate::checks::{Finding, Location};
use crate::inventory::{Source, VendorOut};
use crate::model::PageOutcome;
use std::io::{self, Write};

const WIDTH: usize = 100;
/// Locations listed per finding; the JSON report has them all.
const LOCATIONS_PER_FINDING: usize = 5;

/// `s` cut to `max` characters, with `…` at the end when cut (after escaping).
fn fit(s: &str, max: usize) -> String {
    let s = clean(s);
    if s.chars().count() <= max {
        s.into_owned()
    } else {
        let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Write `label` then `text` word-wrapped to WIDTH, continuation lines under the text.
fn paragraph(out: &mut dyn Write, indent: usize, label: &str, text: &str) -> io::Result<()> {
    let pad = " ".repeat(indent);
    let hang = " ".repeat(indent + label.chars().count());
    let room = WIDTH.saturating_sub(hang.len()).max(20);
    let mut line = format!("{pad}{label}");
    let mut empty = true;
    // Line breaks in a message are spaces here (each word is escaped by `fit`).
    for word in text.split_whitespace() {
        let word = fit(word, room);
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > WIDTH {
            writeln!(out, "{line}")?;
            line = hang.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&word);
        empty = false;
    }
    writeln!(out, "{line}")
}

/// `s` cut to its last `max` characters, with `…` in front when cut (keeps a file's name
/// and line, the part a developer needs).
fn fit_left(s: &str, max: usize) -> String {
    let s = clean(s);
    let n = s.chars().count();
    if n <= max {
        s.into_owned()
    } else {
        let tail: String = s.chars().skip(n + 1 - max.max(1)).collect();
        format!("…{tail}")
    }
}

/// `at FILE:LINE · PAGE` (local files) or `at PAGE (line N)`: the place to edit first, and
/// the page, shortened if needed, after it.
fn location_text(l: &Location, room: usize) -> String {
    let place = match (&l.file, l.line) {
        (Some(file), Some(line)) => Some(format!("{}:{line}", repo_path(file))),
        (Some(file), None) => Some(repo_path(file)),
        (None, _) => None,
    };
    match place {
        Some(place) => {
            let place = fit_left(&place, room);
            let left = room.saturating_sub(place.chars().count() + 3);
            if left < 12 { place } else { format!("{place} · {}", fit(&l.page, left)) }
        }
        None => match l.line {
            Some(line) => {
                let suffix = format!(" (line {line})");
                format!("{}{suffix}", fit(&l.page, room.saturating_sub(suffix.len())))
            }
            None => fit(&l.page, room),
        },
    }
}

fn finding_lines(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let who = match (&f.vendor, &f.host) {
        (Some(v), Some(h)) => format!(" · {v} ({h})"),
        (Some(v), None) => format!(" · {v}"),
        (None, Some(h)) => format!(" · {h}"),
        (None, None) => String::new(),
    };
    writeln!(out, "{}", fit(&format!("  {:<8}{}{who}", f.severity.as_str(), f.rule.as_str()), WIDTH))?;
    paragraph(out, 4, "", &f.message)?;
    for l in f.locations.iter().take(LOCATIONS_PER_FINDING) {
        writeln!(out, "    at {}", location_text(l, WIDTH - 7))?;
        if let Some(url) = &l.url {
            writeln!(out, "{}", fit(&format!("       {url}"), WIDTH))?;
        }
        if let Some(by) = &l.loaded_by {
            writeln!(out, "{}", fit(&format!("       injected at run time by {by}"), WIDTH))?;
        }
    }
    if f.locations.len() > LOCATIONS_PER_FINDING {
        let more = f.locations.len() - LOCATIONS_PER_FINDING;
        writeln!(out, "    … and {} (all of them are in -f json)", plural(more, "more location", "more locations"))?;
    }
    if let Some(d) = &f.decided_by {
        paragraph(out, 4, "decided by: ", &d.to_string())?;
    }
    Ok(())
}

fn findings(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if let Some(p) = &r.verdict {
        let file = p.file.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
        let verdict = if p.passed { "passed" } else { "FAILED" };
        let line = format!(
            "Policy{file}: {verdict} · {}, {} (fails on {})",
            plural(p.errors, "error", "errors"),
            plural(p.warnings, "warning", "warnings"),
            p.fail_on
        );
        writeln!(out)?;
        writeln!(out, "{}", fit(&line, WIDTH))?;
    }
    if r.findings.is_empty() {
        if r.verdict.is_some() {
            writeln!(out)?;
            writeln!(out, "Findings: none")?;
        }
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Findings ({}):", r.findings.len())?;
    for f in &r.findings {
        finding_lines(out, f)?;
    }
    Ok(())
}

fn changes(r: &Report, c: &Changes, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    if c.is_empty() {
        return paragraph(out, 0, "", &format!("Changes since baseline {}: none", c.baseline));
    }
    paragraph(out, 0, "", &format!("Changes since baseline {}:", c.baseline))?;
    let named = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|id| match super::vendor_name(r, id) {
                Some(name) => format!("{name} ({id})"),
                None => id.clone(),
            })
            .collect()
    };
    wrapped(out, 2, "new vendors: ", &named(&c.new_vendors))?;
    wrapped(out, 2, "removed vendors: ", &named(&c.removed_vendors))?;
    wrapped(out, 2, "new hosts: ", &c.new_hosts)?;
    wrapped(out, 2, "removed hosts: ", &c.removed_hosts)?;
    let payment = |p: bool| if p { " [payment page]" } else { "" };
    for (title, scripts) in [("new scripts", &c.new_scripts), ("removed scripts", &c.removed_scripts)] {
        if scripts.is_empty() {
            continue;
        }
        writeln!(out, "  {title} ({}):", scripts.len())?;
        for s in scripts {
            writeln!(out, "{}", fit(&format!("    {}", s.url), WIDTH))?;
            writeln!(out, "{}", fit(&format!("      on {}{}", s.page, payment(s.payment_page)), WIDTH))?;
        }
    }
    if !c.changed_scripts.is_empty() {
        writeln!(out, "  changed scripts ({}):", c.changed_scripts.len())?;
        for s in &c.changed_scripts {
            writeln!(out, "{}", fit(&format!("    {}", s.url), WIDTH))?;
            writeln!(out, "{}", fit(&format!("      on {}{}", s.page, payment(s.payment_page)), WIDTH))?;
            writeln!(out, "{}", fit(&format!("      {} before: {}", s.what, s.before), WIDTH))?;
            writeln!(out, "{}", fit(&format!("      {} after:  {}", s.what, s.after), WIDTH))?;
        }
    }
    Ok(())
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
        let item = clean(item);
        let piece = if i + 1 < items.len() { format!("{item}, ") } else { item.into_owned() };
        if line.len() + piece.trim_end().len() > WIDTH && line.trim().len() > label.trim().len() {
            writeln!(out, "{}", line.trim_end())?;
            line = hang.clone();
        }
        line.push_str(&piece);
    }
    writeln!(out, "{}", line.trim_end())
}

fn vendor_lines(out: &mut dyn Write, v: &VendorOut, states: &[crate::inventory::StateOut]) -> io::Result<()> {
    let kinds: Vec<&str> = v.kinds.iter().map(|k| k.as_str()).collect();
    let pages = plural(v.pages.len(), "page", "pages");
    let name = fit(&v.name, 34);
    writeln!(out, "  {name:<35}{:<30}{pages:>10}", clean(&v.categories.join(", ")))?;
    // Where to act: a `markup` vendor is in the templates, a `runtime` one is injected
    // (the tag manager or the script in "loaded by" is where it comes from).
    let seen = match v.sources.as_slice() {
        [Source::Runtime] => " (runtime only: injected by a script)",
        [Source::Both] => " (in the HTML and at run time)",
        _ => "",
    };
    if kinds.is_empty() {
        wrapped(out, 4, "via: ", &["an account ID in an inline script (loaded at run time)".to_owned()])?;
    } else {
        wrapped(out, 4, "via: ", &[format!("{}{seen}", kinds.join(", "))])?;
    }
    let loaders: Vec<String> =
        v.loaded_by.iter().map(|l| if l == "page" { "the page itself".to_owned() } else { l.clone() }).collect();
    wrapped(out, 4, "loaded by: ", &loaders)?;
    wrapped(out, 4, "consent states: ", &super::consent_cells(v, states))?;
    wrapped(out, 4, "loads: ", &v.loads)?;
    let hosts: Vec<String> = v.hosts.iter().map(|h| h.host.clone()).collect();
    wrapped(out, 4, "hosts: ", &hosts)?;
    let basis = |b: &str| v.data_received.iter().filter(|d| d.basis == b).map(|d| d.kind.clone()).collect::<Vec<_>>();
    let mut data = basis("inherent");
    data.extend(basis("documented"));
    // Seen leaving the browser, first: the rest is what the vendor says or its kind does.
    wrapped(out, 4, "observed: ", &super::observed_items(&v.data_observed))?;
    wrapped(out, 4, "receives: ", &data)?;
    wrapped(out, 4, "likely also: ", &basis("inferred"))?;
    for (label, note) in super::owner_notes(v) {
        wrapped(out, 4, &format!("{label}: "), &[note])?;
    }
    let tags: Vec<String> = v.tag_ids.iter().map(|t| format!("{} ({})", t.value, t.kind)).collect();
    wrapped(out, 4, "account IDs: ", &tags)?;
    let cookies: Vec<String> = v.cookies.iter().map(|c| format!("{} ({})", c.name, c.domain)).collect();
    wrapped(out, 4, "cookies: ", &cookies)?;
    wrapped(out, 4, "storage: ", &v.storage)
}

fn cookie_lines(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(cookies) = &r.inventory.cookies else { return Ok(()) };
    writeln!(out)?;
    if cookies.is_empty() {
        return writeln!(out, "Cookies set during the visits: none");
    }
    writeln!(out, "Cookies set during the visits ({}):", cookies.len())?;
    for c in cookies {
        let life = match c.lifetime_days {
            None => "session".to_owned(),
            Some(d) if d >= 2.0 => format!("{:.0} days", d),
            Some(d) => format!("{:.0} hours", d * 24.0),
        };

        let who = match (&c.vendor, &c.set_by_host) {
            (Some(v), _) => v.clone(),
            (None, Some(h)) => h.clone(),
            (None, None) => "setter not seen".to_owned(),
        };
        let via = match c.via {
            crate::model::CookieVia::Header => "Set-Cookie",
            crate::model::CookieVia::Script => "script",
            crate::model::CookieVia::Unknown => "unknown",
        };
        let line = format!(
            "  {:<28}{:<28}{:<9}by {who} ({via}), {life}",
            fit(&c.name, 27),
            fit(&c.domain, 27),
            c.party_label()
        );
        writeln!(out, "{}", fit(&line, WIDTH))?;
        if let Some(why) = &c.blocked {
            paragraph(out, 4, "refused by the browser: ", why)?;
        }
    }
    Ok(())
}

pub fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    sanitize::guarded(out, |out| render_unguarded(r, out))
}

/// How the visits answered the consent banner, and where no choice could be made (then
/// nothing on that page was judged as "after reject").
fn consent_line(b: &crate::inventory::BrowserOut, out: &mut dyn Write) -> io::Result<()> {
    let gpc = if b.gpc { " · Global Privacy Control sent" } else { "" };
    let Some(applied) = b.consent_applied else {
        if b.gpc {
            writeln!(out, "Consent: none (banners left unanswered){gpc}")?;
        }
        return Ok(());
    };
    write!(
        out,
        "Consent: {} · choice made on {applied} of {}{gpc}",
        b.consent.as_str(),
        plural(b.pages_visited, "page", "pages")
    )?;
    if !b.consent_not_applied.is_empty() {
        const SHOWN: usize = 5;
        let mut pages: Vec<String> = b.consent_not_applied.iter().take(SHOWN).map(|p| clean(p).into_owned()).collect();
        if b.consent_not_applied.len() > SHOWN {
            pages.push(format!("and {} more", b.consent_not_applied.len() - SHOWN));
        }
        write!(
            out,
            " · NOT made on {} (no consent banner recognised, or the answer failed): {}",
            plural(b.consent_not_applied.len(), "page", "pages"),
            pages.join(", ")
        )?;
    }
    writeln!(out)
}

fn render_unguarded(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &r.inventory.summary;
    writeln!(
        out,
        "vendorscan {} · {} · vendor database {}",
        r.inventory.tool.version,
        clean(&r.inventory.targets.join(", ")),
        clean(&r.inventory.tool.vendor_db_version)
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
    if r.inventory.page_limit_reached {
        writeln!(out, "Stopped at the page limit: the store has more pages (raise --max-pages to scan them).")?;
    }
    if !r.inventory.complete {
        writeln!(out, "INCOMPLETE: the run was stopped before it finished; this covers the pages scanned so far.")?;
    }
    if let Some(b) = &r.inventory.browser {
        writeln!(
            out,
            "Browser: {} · {} visited, {} failed · settle {} ms",
            clean(&b.product),
            plural(b.pages_visited, "page", "pages"),
            b.pages_failed,
            b.settle_ms
        )?;
        consent_line(b, out)?;
    }
    findings(r, out)?;
    if let Some(c) = &r.changes {
        changes(r, c, out)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} from {} receive visitor data",
        plural(s.vendors, "vendor", "vendors"),
        plural(s.companies, "company", "companies")
    )?;
    // By id through a map: a search of the list per company member is quadratic in a
    // --vendors file of many entries.
    let states: &[crate::inventory::StateOut] = r.inventory.browser.as_ref().map_or(&[], |b| b.states.as_slice());
    let by_id: std::collections::HashMap<&str, &VendorOut> =
        r.inventory.vendors.iter().map(|v| (v.id.as_str(), v)).collect();
    for c in &r.inventory.companies {
        writeln!(out)?;
        match &c.parent {
            Some(p) => writeln!(out, "{} ({})", clean(&c.name), clean(p))?,
            None => writeln!(out, "{}", clean(&c.name))?,
        }
        for id in &c.vendors {
            if let Some(v) = by_id.get(id.as_str()) {
                vendor_lines(out, v, states)?;
            }
        }
    }
    let own: Vec<&VendorOut> = r.inventory.vendors.iter().filter(|v| v.first_party).collect();
    if !own.is_empty() {
        writeln!(out)?;
        writeln!(out, "Known vendors on the store's own domains (first party):")?;
        for v in own {
            vendor_lines(out, v, states)?;
        }
    }
    writeln!(out)?;
    if r.inventory.unknown_hosts.is_empty() {
        writeln!(out, "Unknown third-party hosts: none")?;
    } else {
        writeln!(
            out,
            "Unknown third-party hosts ({}): not in the vendor database, find out who they are",
            r.inventory.unknown_hosts.len()
        )?;
        let mut last = "";
        for u in &r.inventory.unknown_hosts {
            if u.registrable_domain != last {
                writeln!(out, "  {}", clean(&u.registrable_domain))?;
                last = &u.registrable_domain;
            }
            let kinds: Vec<&str> = u.kinds.iter().map(|k| k.as_str()).collect();
            let pages = plural(u.pages.len(), "page", "pages");
            writeln!(out, "    {:<50}{pages:>10}  {}", clean(&u.host), kinds.join(", "))?;
            if let Some(note) = super::hosted_note(u) {
                paragraph(out, 6, "", &note)?;
            }
            wrapped(out, 6, "observed: ", &super::observed_items(&u.data_observed))?;
        }
    }
    for (outcome, title) in [(PageOutcome::Failed, "Pages that failed"), (PageOutcome::Skipped, "Pages skipped")] {
        let pages: Vec<_> = r.inventory.pages.iter().filter(|p| p.outcome == outcome).collect();
        if pages.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{title} ({}):", pages.len())?;
        for p in pages {
            writeln!(out, "  {}", clean(&p.url))?;
            writeln!(out, "    {}", clean(p.error.as_deref().unwrap_or("")))?;
        }
    }
    cookie_lines(r, out)?;
    let failed_visits: Vec<_> =
        r.inventory.pages.iter().filter(|p| p.visit.as_ref().is_some_and(|v| !v.complete)).collect();
    if !failed_visits.is_empty() {
        writeln!(out)?;
        writeln!(out, "Browser visits that failed ({}): the static results of these pages stand", failed_visits.len())?;
        for p in failed_visits {
            writeln!(out, "  {}", clean(&p.url))?;
            paragraph(out, 4, "", p.visit.as_ref().and_then(|v| v.error.as_deref()).unwrap_or(""))?;
        }
    }
    let cut: Vec<_> = r.inventory.pages.iter().filter(|p| p.truncated).collect();
    if !cut.is_empty() {
        writeln!(out)?;
        writeln!(out, "Pages cut at the size limit ({}): only their first part was scanned", cut.len())?;
        for p in cut {
            writeln!(out, "  {}", clean(&p.url))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod location_tests {
    use super::*;

    #[test]
    fn long_locations_keep_file_and_line() {
        let l = Location {
            page: format!("https://shop.example/{}", "p".repeat(200)),
            file: Some(format!("{}/checkout/index.html", "deep/".repeat(40))),
            line: Some(58),
            url: None,
            loaded_by: None,
        };
        let text = location_text(&l, 93);
        assert!(text.chars().count() <= 93, "{text}");
        assert!(text.starts_with('…') && text.ends_with("checkout/index.html:58"), "{text}");
        let short = Location { file: Some("site/a.html".into()), ..l.clone() };
        let text = location_text(&short, 93);
        assert!(text.starts_with("site/a.html:58 · https://shop.example/ppp") && text.ends_with('…'), "{text}");
        let crawl = Location { file: None, ..l };
        assert!(location_text(&crawl, 93).ends_with("(line 58)"));
    }
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use crate::inventory::{CookieOut, PageOut, PageVisitOut, Party};

    /// Browser mode's names come straight from the page (cookie names, why Chromium
    /// refused a cookie, a visit's error): none of it reaches the terminal raw.
    #[test]
    fn browser_names_and_page_errors_are_printed_safely() {
        let mut r = super::super::csv::tests::many_unknown_hosts(1);
        r.inventory.unknown_hosts[0].registrable_domain = "\u{1b}[2Jx.example".into();
        let page = |url: &str, outcome, error: &str| PageOut {
            url: url.into(),
            final_url: None,
            file: None,
            depth: 1,
            status: None,
            outcome,
            error: Some(error.into()),
            skip: None,
            truncated: true,
            cut: None,
            resources: 0,
            visit: Some(PageVisitOut {
                complete: false,
                error: Some(format!("visit: {error}")),
                requests: 0,
                cookies: 0,
                dialogs: vec![],
                dialogs_omitted: 0,
                popups: vec![],
                downloads: vec![],
                consent: None,
                typed: None,
                scrolled: None,
                settle: None,
                journey: None,
            }),
            rendered_link: false,
            payment_page: false,
        };
        r.inventory.pages.push(page(
            "https://shop.example/a",
            PageOutcome::Failed,
            "boom\u{1b}]0;owned\u{7}\n::error::x",
        ));
        r.inventory.pages.push(page("https://shop.example/b", PageOutcome::Skipped, "\u{202e}gnp.exe ##[warning]y"));
        r.inventory.cookies = Some(vec![CookieOut {
            name: "\n::add-mask::\u{9b}31m".into(),
            domain: ".shop.example\u{200b}".into(),
            path: "/".into(),
            lifetime_days: None,
            session: true,
            secure: false,
            http_only: false,
            same_site: None,
            party: Party::First,
            via: crate::model::CookieVia::Script,
            set_by: None,
            set_by_host: Some("\r::warning::h".into()),
            vendor: None,
            blocked: Some("\u{7f}refused\n::error::z".into()),
            pages: Default::default(),
        }]);
        let mut out = Vec::new();
        render(&r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(!line.chars().any(sanitize::is_unsafe), "raw control: {line:?}");
            assert!(!line.trim_start().starts_with("::"), "a workflow command: {line:?}");
            assert!(!line.contains("##["), "a legacy command: {line:?}");
        }
        // Still there, and readable.
        assert!(text.contains("boom\\u{1b}]0;owned\\u{7}\\n::error::x"), "{text}");
        assert!(text.contains("\\n::add-mask::\\u{9b}31m"), "{text}");
    }
}
