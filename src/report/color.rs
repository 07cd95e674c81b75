//! Colour for the table report on a terminal: the verdict (`passed` green, `FAILED` red) and
//! each finding's severity (error red, warning yellow, note cyan).
//!
//! Enters: the table renderer's output, already made safe line by line by
//! [`crate::sanitize::Guard`] (which would escape any colour written inside it). Leaves: the
//! same lines with ANSI styles around those words. Only two line shapes are painted, both
//! written by the renderer itself: `Policy ...: passed|FAILED · ...` and a finding's
//! `  SEVERITY RULE-ID` header, whose rule id must be a known one, so no text from the scanned
//! site (hosts, URLs, messages, always indented further or inside other lines) can be
//! painted. Whether to colour at all is [`wanted`]'s decision.

use crate::rules::RuleId;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

/// `--color`: always, never, or auto: stdout is a terminal, `NO_COLOR` is unset or empty
/// (no-color.org), `CI` is unset (CI logs are kept and searched as text), and `TERM` is
/// not `dumb`.
pub fn wanted(choice: Choice, stdout_is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    match choice {
        Choice::Always => true,
        Choice::Never => false,
        Choice::Auto => {
            stdout_is_terminal
                && env("NO_COLOR").is_none_or(|v| v.is_empty())
                && env("CI").is_none()
                && env("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    Auto,
    Always,
    Never,
}

const RED: Style = Style::new().bold().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const GREEN: Style = Style::new().bold().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const YELLOW: Style = Style::new().bold().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const CYAN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
const BOLD: Style = Style::new().bold();

/// A writer that paints the verdict and severities of the lines passing through it.
pub struct Paint<'a> {
    out: &'a mut dyn Write,
    pending: Vec<u8>,
}

impl<'a> Paint<'a> {
    pub fn new(out: &'a mut dyn Write) -> Self {
        Paint { out, pending: Vec::new() }
    }

    pub fn finish(mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.out.write_all(paint(&String::from_utf8_lossy(&rest)).as_bytes())?;
        self.out.flush()
    }
}

impl Write for Paint<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.pending.extend_from_slice(&rest[..i]);
            let line = std::mem::take(&mut self.pending);
            self.out.write_all(paint(&String::from_utf8_lossy(&line)).as_bytes())?;
            self.out.write_all(b"\n")?;
            rest = &rest[i + 1..];
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn styled(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// One line, painted if it is a verdict or a finding header.
fn paint(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("Policy") {
        for (word, style) in [(": FAILED · ", RED), (": passed · ", GREEN)] {
            if let Some(at) = rest.find(word) {
                let (before, after) = rest.split_at(at);
                let verdict = &word[2..word.len() - " · ".len()];
                return format!(
                    "{}{before}: {} · {}",
                    styled(BOLD, "Policy"),
                    styled(style, verdict),
                    &after[word.len()..]
                );
            }
        }
        return line.to_owned();
    }
    // `  error   unapproved-vendor · hotjar (...)`: the severity padded to 8 columns.
    let Some(body) = line.strip_prefix("  ") else { return line.to_owned() };
    for (severity, style) in [("error", RED), ("warning", YELLOW), ("note", CYAN)] {
        let Some(rest) = body.strip_prefix(severity) else { continue };
        let rule = rest.trim_start();
        let id = rule.split(" · ").next().unwrap_or(rule);
        if rest.len() > rule.len() && id.parse::<RuleId>().is_ok() {
            let pad = &rest[..rest.len() - rule.len()];
            return format!("  {}{pad}{rule}", styled(style, severity));
        }
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_only_the_renderers_own_lines() {
        let red = RED.render().to_string();
        assert!(paint("Policy vendorscan.toml: FAILED · 2 errors, 0 warnings (fails on error)").contains(&red));
        assert!(
            paint("  error   unapproved-vendor · hotjar (static.hotjar.com)").starts_with(&format!("  {red}error"))
        );
        assert!(paint("  warning unknown-third-party · cdn.example.net").contains(&YELLOW.render().to_string()));
        // A host or message that happens to start with a severity is not a finding header.
        for plain in ["  error.example.com", "  error   not-a-rule", "    error   unapproved-vendor", "Pages: 1"] {
            assert_eq!(paint(plain), plain);
        }
    }

    #[test]
    fn auto_is_off_without_a_terminal_and_under_no_color_or_ci() {
        let none = |_: &str| None;
        assert!(wanted(Choice::Auto, true, none));
        assert!(!wanted(Choice::Auto, false, none));
        assert!(!wanted(Choice::Auto, true, |k: &str| (k == "NO_COLOR").then(|| "1".to_owned())));
        assert!(wanted(Choice::Auto, true, |k: &str| (k == "NO_COLOR").then(String::new)));
        assert!(!wanted(Choice::Auto, true, |k: &str| (k == "CI").then(|| "true".to_owned())));
        assert!(!wanted(Choice::Auto, true, |k: &str| (k == "TERM").then(|| "dumb".to_owned())));
        assert!(wanted(Choice::Always, false, |_: &str| Some("1".to_owned())));
        assert!(!wanted(Choice::Never, true, none));
    }
}
