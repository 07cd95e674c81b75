//! Hostile names in every output format: what a scanned site (or a pull request's files)
//! can put in a report must never drive the terminal or the CI runner that prints it.
//!
//! One corpus, scanned once per `-f` format: a local folder whose file names carry ANSI
//! and OSC escape sequences, C1 controls, DEL, bidi overrides, a newline followed by a
//! GitHub Actions `::error::` command and the legacy `##[error]` form; pages whose
//! third-party URLs carry the same in their query and fragment; and a crawled store whose
//! paths, redirects and failures carry them too. Every output is checked for raw control
//! characters, escape sequences, bidi and zero-width characters, and lines a CI runner
//! would read as a command (other than the annotations `-f github` writes on purpose).

use crate::common::*;
use std::collections::HashMap;

const FORMATS: [&str; 7] = ["table", "json", "sarif", "github", "markdown", "junit", "csv"];

/// File names (legal on Linux: anything but `/` and NUL) and what each one carries.
const HOSTILE_NAMES: [&str; 9] = [
    "esc-\u{1b}[31mred\u{1b}[0m.html",
    "osc-\u{1b}]8;;https:evil.example\u{7}link\u{1b}]8;;\u{7}.html",
    "title-\u{1b}]0;owned\u{7}.html",
    "nl-\n::error file=x::pwned.html",
    "cr-\r::warning::pwned.html",
    "c1-\u{9b}31m-\u{85}::notice::x.html",
    "bidi-\u{202e}lmth.exe\u{2066}x\u{2069}.html",
    "zw-\u{200b}\u{feff}-del\u{7f}.html",
    "legacy-##[error]pwned ##vso[task.complete]x.html",
];

/// A character that must not reach a terminal or CI log raw (as `sanitize::is_unsafe`,
/// less the line break that ends every line).
fn control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{9}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// Bidi controls and invisible characters: text shown other than it is.
fn hidden(c: char) -> bool {
    matches!(c,
        '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}'
        | '\u{feff}' | '\u{2028}' | '\u{2029}')
}

/// What is checked in one output.
#[derive(Clone, Copy)]
struct Checks {
    hidden: bool,
    legacy: bool,
}

/// Everything wrong with one output: raw control characters (CR only as CSV's CRLF),
/// bidi and invisible characters, lines a runner reads as a command, and the legacy
/// command forms (`##[`, `##vso[`) that runners find anywhere in a line.
fn problems(format: &str, out: &str, checks: Checks) -> Vec<String> {
    let mut found = Vec::new();
    let text = if format == "csv" { out.replace("\r\n", "\n") } else { out.to_owned() };
    for (n, line) in text.split('\n').enumerate() {
        let at = |what: &str| format!("{format} line {}: {what}: {line:?}", n + 1);
        if let Some(c) = line.chars().find(|&c| control(c) || (checks.hidden && hidden(c))) {
            found.push(at(&format!("raw U+{:04X}", c as u32)));
        }
        let rest = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        // -f github writes its annotations on purpose, `::error file=...::` at column 0;
        // a runner parses such a line as that command, never as a legacy one.
        let own = format == "github"
            && ["::error ", "::warning ", "::notice "].iter().any(|p| line.starts_with(p))
            && rest.len() == line.len();
        if rest.starts_with("::") && !own {
            found.push(at("a workflow command"));
        }
        if checks.legacy && !own && (line.contains("##[") || line.contains("##vso[")) {
            found.push(at("a legacy workflow command"));
        }
    }
    found
}

/// What each format guarantees today. JSON escapes what serde_json escapes (C0 controls),
/// not a bidi override in a page's raw markup (the evidence) nor `##[` in a URL fragment;
/// SARIF and Markdown carry `##[` as it is: `sanitize::SafeJson` and `sanitize::clean` are
/// there for json.rs, sarif.rs and markdown.rs, which this change did not touch.
fn checks_now(format: &str) -> Checks {
    match format {
        "json" => Checks { hidden: false, legacy: false },
        "sarif" | "markdown" => Checks { hidden: true, legacy: false },
        _ => Checks { hidden: true, legacy: true },
    }
}

const STRICT: Checks = Checks { hidden: true, legacy: true };

/// The local half of the corpus: one page per hostile name, each loading an unknown third
/// party (so every file is named in a finding), plus a page whose script URL carries the
/// same things in its query and fragment.
fn hostile_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        let html = format!("<script src=\"https://cdn{i}.unknown-widget.example/w.js\"></script>");
        std::fs::write(dir.path().join(name), html).unwrap();
    }
    let urls = "<script src=\"https://q.unknown-widget.example/a.js?x=::error::q&y=%1B[31m#frag##[error]pwned\"></script>\
                <img src=\"https://q.unknown-widget.example/p.gif?\u{202e}x#\u{1b}[2J\">";
    std::fs::write(dir.path().join("index.html"), urls).unwrap();
    std::fs::write(dir.path().join("policy.toml"), "unknown = \"error\"\n").unwrap();
    dir
}

fn run(args: &[&str], format: &str) -> String {
    let mut all = vec!["scan", "--quiet", "-f", format];
    all.extend_from_slice(args);
    let out = vendorscan(&all);
    // 1: the policy fails (every unknown host is an error), as intended.
    assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
    // Not lossy: a raw C1 or bidi byte sequence must be seen as such.
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    // The corpus did get into the report: its findings are there.
    assert!(text.contains("unknown-widget"), "{format}: {text}");
    text
}

/// Every format's output for the local corpus (with and without --site).
fn local_outputs() -> Vec<(&'static str, String)> {
    let dir = hostile_folder();
    let folder = dir.path().to_str().unwrap();
    let policy = dir.path().join("policy.toml");
    let policy = policy.to_str().unwrap();
    let mut outputs = Vec::new();
    for site in [Some("https://shop.example"), None] {
        for format in FORMATS {
            let mut args = vec![folder, "--policy", policy];
            args.extend(site.iter().flat_map(|s| ["--site", s]));
            outputs.push((format, run(&args, format)));
        }
    }
    outputs
}

/// Every format's output for the crawled corpus: URL paths and queries (percent-encoded by
/// the URL parser, except what a query and a fragment keep), a redirect's Location header
/// and a Content-Type header, both the server's text.
fn crawl_outputs() -> Vec<(&'static str, String)> {
    let server = Server::start(HashMap::from([
        (
            "/".into(),
            Response::with_type(
                200,
                "text/html",
                b"<a href=\"/p/%1B[31m::error::x\">a</a><a href=\"/away\">b</a><a href=\"/odd\">c</a>\
                  <a href=\"/q?::error::x##[error]y\">d</a>\
                  <script src=\"https://t.unknown-widget.example/a.js?::error::z#x##[error]w\"></script>",
            ),
        ),
        ("/away".into(), Response::redirect(302, "https://evil.example/##[error]pwned ::error::x")),
        ("/odd".into(), Response::with_type(200, "text/plain\t::error::x ##[error]y", b"x")),
    ]));
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "unknown = \"error\"\n").unwrap();
    let origin = format!("{}/", server.origin());
    let resolve = server.resolve("shop.test");
    let args = [origin.as_str(), "--resolve", &resolve, "--offline", "--policy", policy.to_str().unwrap()];
    FORMATS.iter().map(|f| (*f, run(&args, f))).collect()
}

#[test]
fn hostile_file_names_in_every_format() {
    let all: Vec<String> = local_outputs().iter().flat_map(|(f, out)| problems(f, out, checks_now(f))).collect();
    assert!(all.is_empty(), "{} problems:\n{}", all.len(), all.join("\n"));
}

#[test]
fn hostile_crawl_paths_redirects_and_headers_in_every_format() {
    let all: Vec<String> = crawl_outputs().iter().flat_map(|(f, out)| problems(f, out, checks_now(f))).collect();
    assert!(all.is_empty(), "{} problems:\n{}", all.len(), all.join("\n"));
}

/// The whole property for every format, once json.rs and sarif.rs serialise through
/// `sanitize::SafeJson` and markdown.rs's `code`/`text` go through `sanitize::clean` and
/// break up `##[` (issue #19; those files were being reshaped elsewhere).
#[test]
fn every_format_is_safe_for_a_ci_log() {
    let mut outputs = local_outputs();
    outputs.extend(crawl_outputs());
    let all: Vec<String> = outputs.iter().flat_map(|(f, out)| problems(f, out, STRICT)).collect();
    assert!(all.is_empty(), "{} problems:\n{}", all.len(), all.join("\n"));
}
