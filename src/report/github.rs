//! GitHub Actions workflow commands: one annotation per finding location.
//!
//! `::error file=PATH,line=N,title=RULE::MESSAGE (PAGE)`, with `::warning` and `::notice`
//! for the other severities. `file` and `line` are given only for local-folder scans (the
//! file relative to the current directory, which is the checkout in Actions), so the
//! annotation lands on the line in the pull request's diff; crawl findings carry the page
//! URL in the message. A finding without a page (`stale-approval`) is annotated on its
//! policy entry. After the annotations comes one plain summary line.
//!
//! Escaping follows `@actions/core`: `%`, CR and LF in the message; also `:` and `,` in
//! property values.

use super::Report;
use super::{entry_location, fails, plural, repo_path};
use crate::checks::{Finding, Location, Severity};
use std::io::{self, Write};

/// A workflow command's data: unsafe characters from the site as visible escapes, `%`, CR
/// and LF as the runner decodes them, and `##[` (a legacy command anywhere in a line) broken.
fn escape_data(s: &str) -> String {
    let encoded = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    crate::sanitize::clean(&encoded).replace("##[", "##\\[").replace("##vso[", "##vso\\[")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

fn annotation(f: &Finding, file: Option<&str>, line: Option<u32>, message: &str) -> String {
    let mut props = Vec::new();
    if let Some(file) = file {
        props.push(format!("file={}", escape_property(&repo_path(file))));
        if let Some(line) = line.filter(|l| *l > 0) {
            props.push(format!("line={line}"));
        }
    }
    props.push(format!("title={}", escape_property(f.rule.as_str())));
    format!("::{} {}::{}", command(f.severity), props.join(","), escape_data(message))
}

fn location_line(f: &Finding, loc: &Location) -> String {
    let message = if loc.page.is_empty() { f.message.clone() } else { format!("{} ({})", f.message, loc.page) };
    annotation(f, loc.file.as_deref(), loc.line, &message)
}

/// The plain line after the annotations.
fn summary_line(r: &Report) -> String {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let findings = format!(
        "{}, {}, {}",
        plural(count(Severity::Error), "error", "errors"),
        plural(count(Severity::Warning), "warning", "warnings"),
        plural(count(Severity::Note), "note", "notes")
    );
    let head = match &r.verdict {
        Some(p) => format!(
            "vendorscan: policy {} ({findings}; fails on {})",
            if p.passed { "passed" } else { "FAILED" },
            p.fail_on
        ),
        None => {
            let failing = r.findings.iter().filter(|f| fails(r, f)).count();
            format!("vendorscan: {} ({findings})", plural(failing, "failing finding", "failing findings"))
        }
    };
    let s = &r.inventory.summary;
    format!(
        "{head} · {} from {}, {} · {} scanned, {} failed",
        plural(s.vendors, "vendor", "vendors"),
        plural(s.companies, "company", "companies"),
        plural(s.unknown_hosts, "unknown host", "unknown hosts"),
        plural(s.pages_scanned, "page", "pages"),
        s.pages_failed
    )
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        if f.locations.is_empty() {
            let at = entry_location(f.decided_by.as_ref());
            writeln!(
                out,
                "{}",
                annotation(f, at.as_ref().map(|a| a.0.as_str()), at.as_ref().map(|a| a.1), &f.message)
            )?;
        }
        for loc in &f.locations {
            writeln!(out, "{}", location_line(f, loc))?;
        }
    }
    writeln!(out, "{}", summary_line(report))
}

/// The Markdown job summary, for `$GITHUB_STEP_SUMMARY` (the same text as `-f markdown`).
pub fn github_step_summary(report: &Report) -> String {
    let mut buf = Vec::new();
    super::markdown::render(report, &mut buf).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("the Markdown renderer writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a:b, c\r\nd"), "50%25 a:b, c%0D%0Ad");
        assert_eq!(escape_property("a:b, 50%\n"), "a%3Ab%2C 50%25%0A");
    }
}
