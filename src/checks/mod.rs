//! Checks: from the inventory and the policy to findings.
//!
//! Enters: a built [`crate::inventory::Report`], a validated [`crate::policy::Policy`]
//! and, optionally, a baseline report. Leaves: [`Finding`]s, each with a stable rule id,
//! a severity, where it was seen (page, file, line, URL) and which policy entry decided
//! it. Pure functions over owned data; "today" is passed in so expiry is testable.

pub mod rules;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where a finding was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The page URL.
    pub page: String,
    /// The local file (local mode), so SARIF and annotations can point into the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The third-party URL as found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Sorted; at least one for page-level findings, none for policy-level ones
    /// (`stale-approval`).
    pub locations: Vec<Location>,
    /// The policy entry that decided the finding, e.g. `deny[0] (vendorscan.toml:14)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

impl Finding {
    pub fn new(rule: &rules::Rule, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.id,
            severity: rule.severity,
            message: message.into(),
            vendor: None,
            host: None,
            locations: Vec::new(),
            decided_by: None,
        }
    }
}

/// Findings in a stable order: most severe first, then by rule, vendor/host and message.
pub fn sort(findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        f.locations.sort();
        f.locations.dedup();
    }
    findings.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), a.rule, &a.vendor, &a.host, &a.message).cmp(&(
            std::cmp::Reverse(b.severity),
            b.rule,
            &b.vendor,
            &b.host,
            &b.message,
        ))
    });
}
