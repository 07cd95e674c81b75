//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`) and other
//! SARIF viewers.
//!
//! A small typed model of the parts of SARIF vendorscan fills, serialised with serde.
//! Mapping:
//! - one run; `tool.driver.rules` is every rule in [`RuleId::all`], in that order, so rule
//!   indexes are stable and viewers can show help for rules that did not fire;
//! - one `result` per finding *location* (a page, or a file and line), because code
//!   scanning shows only the first location of a result: a vendor found on five pages
//!   gives five alerts, each on its own file. A finding without locations
//!   (`stale-approval`) gives one result that points at its policy entry's file and line;
//! - a location with a local `file` (local-folder scans) is a `physicalLocation` in that
//!   file, relative to the current directory (the repository root in CI), with the line
//!   as `region.startLine`;
//! - a location on a crawled page has the page as its artifact, written as a relative
//!   URI without the scheme (`shop.example/checkout/`), with the line when known; the
//!   full URL is in `properties.page`. Not the `https:` URL itself: GitHub rejects the
//!   whole upload when an artifact URI's scheme differs from the checkout's `file:`
//!   ("SARIF URI scheme "https" did not match the checkout URI scheme "file"");
//! - `partialFingerprints["vendorscan/v1"]` is a hash of the rule, the vendor or host, the
//!   page and the third-party URL, so an alert keeps its identity across runs even when
//!   its line moves;
//! - `decided_by`, `vendor`, `host`, `page` and `url` are in the result's `properties`.

use super::{Report, entry_location, repo_path, subject};
use crate::checks::{Finding, Location, RuleId, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const VERSION: &str = "2.1.0";
/// The key of vendorscan's own fingerprint; bump the suffix if its recipe ever changes.
const FINGERPRINT: &str = "vendorscan/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<ReportingDescriptor>,
    /// The vendor database, as the JSON report's `tool.vendor_db` has it.
    properties: DriverProperties<'a>,
}

#[derive(Serialize)]
struct DriverProperties<'a> {
    vendor_db_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vendor_db_date: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn new(text: impl Into<String>) -> Self {
        Message { text: text.into() }
    }
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

/// Property bags: vendorscan's own fields, named as in the JSON report.
#[derive(Serialize)]
struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    vendor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    mode: &'a str,
    targets: &'a [String],
    complete: bool,
    vendor_db_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passed: Option<bool>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn descriptor(id: RuleId) -> ReportingDescriptor {
    let rule = id.info();
    let mut tags = vec!["privacy", "third-party"];
    if rule.summary.contains("PCI DSS") {
        tags.push("pci-dss");
    }
    ReportingDescriptor {
        id: id.as_str(),
        short_description: Message::new(rule.summary),
        full_description: Message::new(format!("{}. {}", rule.summary.trim_end_matches('.'), rule.help)),
        help: Message::new(rule.help),
        default_configuration: Configuration { level: level(rule.severity) },
        properties: RuleProperties { tags },
    }
}

/// Percent-encode a relative path so it is a valid URI reference (RFC 3986). `:` is
/// encoded too, so the first segment cannot read as a scheme. With `encoded`, `%` is
/// kept (the text is already percent-encoded, as URL paths are).
fn path_uri(path: &str, encoded: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) || (encoded && b == b'%') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A page URL as a relative URI: `https://shop.example/a/?q=1` is `shop.example/a/%3Fq=1`.
fn page_uri(page: &str) -> String {
    match url::Url::parse(page) {
        Ok(u) if u.scheme() == "file" => match u.to_file_path() {
            Ok(p) => file_uri(&p.to_string_lossy()),
            Err(()) => path_uri(u.path().trim_start_matches('/'), true),
        },
        Ok(u) => {
            let mut s = u.host_str().unwrap_or("").to_owned();
            if let Some(port) = u.port() {
                s.push_str(&format!(":{port}"));
            }
            s.push_str(u.path());
            if let Some(q) = u.query() {
                s.push('?');
                s.push_str(q);
            }
            path_uri(&s, true)
        }
        Err(_) => path_uri(page, false),
    }
}

/// The artifact URI of a local file: relative when it is under the current directory,
/// a `file:` URL otherwise.
fn file_uri(file: &str) -> String {
    let path = repo_path(file);
    if std::path::Path::new(&path).is_absolute() {
        if let Ok(url) = url::Url::from_file_path(&path) {
            return url.to_string();
        }
    }
    path_uri(&path, false)
}

fn physical(loc: &Location) -> SarifLocation {
    let uri = match &loc.file {
        Some(file) => file_uri(file),
        None => page_uri(&loc.page),
    };
    SarifLocation {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri },
            region: loc.line.filter(|l| *l > 0).map(|start_line| Region { start_line }),
        },
    }
}

fn fingerprint(f: &Finding, loc: Option<&Location>) -> String {
    let mut h = Sha256::new();
    let decided_by = f.decided_by.as_ref().map(ToString::to_string);
    for part in [
        f.rule.as_str(),
        subject(f).unwrap_or(""),
        loc.map_or("", |l| l.page.as_str()),
        loc.and_then(|l| l.url.as_deref()).unwrap_or(""),
        // Findings about a policy entry have no page: the entry is what they are about.
        if loc.is_none() { decided_by.as_deref().unwrap_or("") } else { "" },
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn results<'a>(report: &'a Report) -> Vec<SarifResult<'a>> {
    let policy_file = report.verdict.as_ref().and_then(|p| p.file.as_deref());
    let mut out = Vec::new();
    for f in &report.findings {
        let base = |locations: Vec<SarifLocation>, loc: Option<&'a Location>| SarifResult {
            rule_id: f.rule.as_str(),
            rule_index: RuleId::all().position(|r| r == f.rule),
            level: level(f.severity),
            message: Message::new(f.message.clone()),
            locations,
            partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint(f, loc))]),
            properties: ResultProperties {
                vendor: f.vendor.as_deref(),
                host: f.host.as_deref(),
                decided_by: f.decided_by.as_ref().map(ToString::to_string),
                page: loc.map(|l| l.page.as_str()),
                url: loc.and_then(|l| l.url.as_deref()),
            },
        };
        if f.locations.is_empty() {
            // Point at the policy entry that the finding is about, or at least the file.
            let at = entry_location(f.decided_by.as_ref())
                .map(|(file, line)| (file, Some(line)))
                .or_else(|| policy_file.map(|p| (p.to_owned(), None)));
            let locations = at
                .map(|(file, line)| {
                    vec![physical(&Location {
                        page: String::new(),
                        file: Some(file),
                        line,
                        url: None,
                        loaded_by: None,
                    })]
                })
                .unwrap_or_default();
            out.push(base(locations, None));
        }
        for loc in &f.locations {
            out.push(base(vec![physical(loc)], Some(loc)));
        }
    }
    out
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let homepage = env!("CARGO_PKG_HOMEPAGE");
    let information_uri = [homepage, repository].into_iter().find(|u| !u.is_empty());
    let log = Log {
        schema: SCHEMA,
        version: VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: report.inventory.tool.name,
                    version: report.inventory.tool.version,
                    semantic_version: report.inventory.tool.version,
                    information_uri,
                    rules: RuleId::all().map(descriptor).collect(),
                    properties: DriverProperties {
                        vendor_db_version: &report.inventory.tool.vendor_db.version,
                        vendor_db_date: report.inventory.tool.vendor_db.date.as_deref(),
                    },
                },
            },
            results: results(report),
            properties: RunProperties {
                mode: report.inventory.mode.as_str(),
                targets: &report.inventory.targets,
                complete: report.inventory.complete,
                vendor_db_version: &report.inventory.tool.vendor_db_version,
                policy: report.verdict.as_ref().and_then(|p| p.file.as_deref()),
                passed: report.verdict.as_ref().map(|p| p.passed),
            },
        }],
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, crate::sanitize::SafeJson::pretty());
    log.serialize(&mut ser)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_uri_references() {
        assert_eq!(path_uri("site/checkout/index.html", false), "site/checkout/index.html");
        assert_eq!(path_uri("a b/100%|x:y.html", false), "a%20b/100%25%7Cx%3Ay.html");
        assert_eq!(page_uri("https://shop.example/checkout/"), "shop.example/checkout/");
        assert_eq!(page_uri("http://shop.test:8080/a%20b?q=1&r=|"), "shop.test%3A8080/a%20b%3Fq=1&r=%7C");
    }
}
