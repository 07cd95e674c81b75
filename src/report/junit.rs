//! JUnit XML for GitLab's test report (`artifacts:reports:junit`) and Jenkins.
//!
//! One `<testsuite name="vendorscan">`. The test cases are the things a reviewer decides
//! about, with names that stay the same from run to run, so GitLab can tell "newly
//! failed" and "resolved" apart in a merge request:
//! - one case per third-party vendor (`classname="vendorscan.vendor"`, `name` = vendor id)
//!   and per unknown host (`classname="vendorscan.unknown-host"`, `name` = host);
//! - one case per finding that is about no vendor or host, such as `stale-approval`
//!   (`classname="vendorscan.policy"`, `name` = the rule and the policy entry).
//!
//! A case fails (`<failure>`) when a finding about it fails the policy, i.e. is at or
//! above `fail-on` (`error` when there is no policy; nothing with `fail-on = "never"`):
//! the JUnit failures are exactly what makes the exit code 1. The failure's `type` lists
//! the rule ids, its `message` is the first finding's message, and its body lists every
//! failing finding with its pages, files and lines. Findings below `fail-on` (warnings,
//! notes) do not fail the case; they are written to its `<system-out>` along with the
//! approving policy entry, so they are visible without turning the pipeline red.
//! Nothing is reported as skipped.
//!
//! Text from the scanned site is [`clean`]ed before it is put in (a line break, a control
//! character or a bidi override is written as a visible escape) and the whole file goes
//! through [`super::sanitize::Guard`], so a report printed in a CI log cannot drive the
//! terminal or start a workflow command.

use super::Report;
use super::sanitize::{clean, clean_text};
use super::{fails, plural, repo_path, subject};
use crate::checks::Finding;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

/// XML-escape, after replacing characters XML 1.0 cannot carry.
fn esc(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// An attribute value on one line.
fn attr(s: &str) -> String {
    esc(&clean(&s.replace(['\r', '\n', '\t'], " ")))
}

#[derive(Default)]
struct Case<'a> {
    classname: &'static str,
    name: String,
    failing: Vec<&'a Finding>,
    other: Vec<&'a Finding>,
    notes: Vec<String>,
}

fn describe(f: &Finding) -> String {
    let mut s = format!("{} {}: {}\n", f.severity.as_str(), f.rule, clean_text(&f.message));
    if let Some(d) = &f.decided_by {
        s.push_str(&format!("  decided by: {}\n", clean(&d.to_string())));
    }
    for l in &f.locations {
        let mut line = format!("  at {}", clean(&l.page));
        if let Some(file) = &l.file {
            let at = l.line.map(|n| format!(":{n}")).unwrap_or_default();
            line.push_str(&format!(" ({}{at})", clean(&repo_path(file))));
        } else if let Some(n) = l.line {
            line.push_str(&format!(" (line {n})"));
        }
        if let Some(url) = &l.url {
            line.push_str(&format!(" {}", clean(url)));
        }
        s.push_str(&line);
        s.push('\n');
    }
    s
}

fn cases(r: &Report) -> Vec<Case<'_>> {
    // Keyed by (classname, name) so the order is stable and sorted.
    let mut map: BTreeMap<(&'static str, String), Case> = BTreeMap::new();
    let mut case = |classname: &'static str, name: String| -> (&'static str, String) {
        let key = (classname, name.clone());
        map.entry(key.clone()).or_insert_with(|| Case { classname, name, ..Case::default() });
        key
    };
    let mut vendor_keys = Vec::new();
    for v in r.inventory.vendors.iter().filter(|v| !v.first_party) {
        let key = case("vendorscan.vendor", v.id.clone());
        let mut note =
            format!("{} ({}), {}", clean(&v.name), clean(&v.company), plural(v.pages.len(), "page", "pages"));
        if let Some(a) = r.approval(&v.id) {
            note.push_str(&format!("; approved by {}: {}", clean(&a.entry.to_string()), clean_text(&a.reason)));
            if let Some(o) = &a.owner {
                note.push_str(&format!("; owner {}", clean(o)));
            }
            if let Some(e) = &a.expires {
                note.push_str(&format!("; expires {}", e));
            }
        }
        vendor_keys.push((key, note));
    }
    for u in &r.inventory.unknown_hosts {
        let key = case("vendorscan.unknown-host", u.host.clone());
        vendor_keys.push((key, format!("not in the vendor database, {}", plural(u.pages.len(), "page", "pages"))));
    }
    // A set, not a scan of the list per finding: 100,000 unknown hosts each with its
    // finding made that quadratic (minutes).
    let unknown: HashSet<&str> = r.inventory.unknown_hosts.iter().map(|u| u.host.as_str()).collect();
    let mut finding_keys = Vec::new();
    for f in &r.findings {
        let key = match (&f.vendor, subject(f)) {
            (Some(v), _) => case("vendorscan.vendor", v.clone()),
            (None, Some(host)) => {
                let known = unknown.contains(host);
                case(if known { "vendorscan.unknown-host" } else { "vendorscan.host" }, host.to_owned())
            }
            (None, None) => {
                let what = f.decided_by.as_ref().map_or_else(|| f.message.clone(), ToString::to_string);
                case("vendorscan.policy", format!("{}: {what}", f.rule))
            }
        };
        finding_keys.push((key, f));
    }
    for (key, note) in vendor_keys {
        if let Some(c) = map.get_mut(&key) {
            c.notes.push(note);
        }
    }
    for (key, f) in finding_keys {
        if let Some(c) = map.get_mut(&key) {
            if fails(r, f) { c.failing.push(f) } else { c.other.push(f) }
        }
    }
    map.into_values().collect()
}

fn file_of(c: &Case) -> Option<String> {
    c.failing.iter().chain(&c.other).flat_map(|f| &f.locations).find_map(|l| l.file.as_deref()).map(repo_path)
}

pub fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    super::sanitize::guarded(out, |out| render_unguarded(r, out))
}

fn render_unguarded(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let cases = cases(r);
    let failures = cases.iter().filter(|c| !c.failing.is_empty()).count();
    let counts = format!(r#"tests="{}" failures="{failures}" errors="0" skipped="0" time="0""#, cases.len());
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="vendorscan" {counts}>"#)?;
    writeln!(out, r#"  <testsuite name="vendorscan" {counts}>"#)?;
    writeln!(out, "    <properties>")?;
    let mut props = vec![
        ("vendorscan.version", r.inventory.tool.version.to_owned()),
        ("vendorscan.vendor_db_version", r.inventory.tool.vendor_db_version.clone()),
        ("vendorscan.mode", r.inventory.mode.as_str().to_owned()),
        ("vendorscan.targets", r.inventory.targets.join(" ")),
    ];
    if let Some(p) = &r.verdict {
        props.push(("vendorscan.policy", p.file.clone().unwrap_or_default()));
        props.push(("vendorscan.fail_on", p.fail_on.to_string()));
        props.push(("vendorscan.passed", p.passed.to_string()));
    }
    if let Some(c) = &r.changes {
        props.push(("vendorscan.baseline", c.baseline.clone()));
    }
    for (name, value) in props {
        writeln!(out, r#"      <property name="{name}" value="{}"/>"#, attr(&value))?;
    }
    writeln!(out, "    </properties>")?;
    for c in &cases {
        let file = file_of(c).map(|f| format!(r#" file="{}""#, attr(&f))).unwrap_or_default();
        let open = format!(r#"    <testcase classname="{}" name="{}"{file} time="0""#, c.classname, attr(&c.name));
        let mut system_out = c.notes.join("\n");
        for f in &c.other {
            if !system_out.is_empty() {
                system_out.push('\n');
            }
            system_out.push_str(describe(f).trim_end());
        }
        if c.failing.is_empty() && system_out.is_empty() {
            writeln!(out, "{open}/>")?;
            continue;
        }
        writeln!(out, "{open}>")?;
        if let Some(first) = c.failing.first() {
            let mut types: Vec<&str> = Vec::new();
            for f in &c.failing {
                if !types.contains(&f.rule.as_str()) {
                    types.push(f.rule.as_str());
                }
            }
            let body: String = c.failing.iter().map(|f| describe(f)).collect();
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                attr(&types.join(",")),
                attr(&first.message),
                esc(body.trim_end())
            )?;
        }
        if !system_out.is_empty() {
            writeln!(out, "      <system-out>{}</system-out>", esc(&system_out))?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(esc("a<b & \"c\" 'd'\u{1}"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\u{FFFD}");
        assert_eq!(attr("a\nb"), "a b");
        assert_eq!(attr("x\u{202e}\u{1b}[0m"), "x\\u{202e}\\u{1b}[0m");
    }

    #[test]
    fn one_hundred_thousand_unknown_hosts() {
        // Quadratic (a scan of the unknown hosts per finding), this took minutes.
        let r = super::super::csv::tests::many_unknown_hosts(100_000);
        let mut out = Vec::new();
        render(&r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("<testcase classname=\"vendorscan.unknown-host\"").count(), 100_000);
        assert_eq!(text.matches("<failure type=\"unknown-third-party\"").count(), 100_000);
    }
}
