//! The assessed report: the inventory with what the run thinks of it.
//!
//! Enters: an immutable [`Inventory`], the [`Changes`] since a baseline (if one was given)
//! and the checks' [`Evaluation`]. Leaves: a [`Report`], the one value every renderer reads.
//! Nothing in the inventory is filled in afterwards: the findings, changes, verdict and
//! approvals sit beside it, and the JSON renderer interleaves them where the schema puts
//! them (`vendors[].approval`, `policy`, `findings`, `changes`).

use crate::baseline::Changes;
use crate::checks::{self, Approval, Evaluation, Finding, Severity};
use crate::inventory::Inventory;
use crate::policy::{FailOn, Policy};
use serde::Serialize;
use std::collections::BTreeMap;

/// The gate's verdict: written as `policy` in the JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The policy file, if one was read.
    pub file: Option<String>,
    /// The least severe finding that fails the run: `error`, `warning` or `never`.
    pub fail_on: FailOn,
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub inventory: Inventory,
    /// What the checks found (policy and baseline); sorted, most severe first.
    pub findings: Vec<Finding>,
    /// The comparison with `--baseline`; absent without one.
    pub changes: Option<Changes>,
    /// Absent when nothing was judged: no policy, no baseline, and no finding.
    pub verdict: Option<Verdict>,
    /// Vendor id -> the `[[allow]]` entry that approves it.
    pub approvals: BTreeMap<String, Approval>,
    /// The day the run was judged on (`--today`, else today in UTC): the HTML report's
    /// date. Not in the JSON, which stays free of anything that changes from day to day.
    pub scanned_on: Option<jiff::civil::Date>,
}

/// How the findings are judged: the policy's `fail-on`, and `--fail-on-new`.
pub struct Gate<'a> {
    pub policy: &'a Policy,
    pub fail_on_new: bool,
    /// A baseline was compared: its findings are judged even without a policy file.
    pub baseline: bool,
    /// The day expiry dates were judged against.
    pub today: jiff::civil::Date,
}

impl Report {
    /// An inventory nobody judged (no policy, no baseline): what `vendorscan policy init`
    /// and a bare scan render.
    pub fn unassessed(inventory: Inventory) -> Report {
        Report {
            inventory,
            findings: Vec::new(),
            changes: None,
            verdict: None,
            approvals: BTreeMap::new(),
            scanned_on: None,
        }
    }

    /// Wrap an inventory with its evaluation, and decide the verdict.
    pub fn assess(inventory: Inventory, changes: Option<Changes>, eval: Evaluation, gate: &Gate) -> Report {
        let Evaluation { findings, approvals } = eval;
        let failed = checks::fails(&findings, gate.policy.fail_on, gate.fail_on_new);
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        // Findings that need no policy (a page cut short, a scan stopped early) are judged
        // too: a gate must not pass on what it could not read.
        let judged = gate.policy.file.is_some() || gate.baseline || !findings.is_empty();
        let verdict = judged.then(|| Verdict {
            file: gate.policy.file.as_ref().map(|f| f.display().to_string()),
            fail_on: gate.policy.fail_on,
            passed: !failed,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
        });
        Report { inventory, findings, changes, verdict, approvals, scanned_on: Some(gate.today) }
    }

    /// The approval of a vendor, when a policy approves it.
    pub fn approval(&self, vendor: &str) -> Option<&Approval> {
        self.approvals.get(vendor)
    }

    /// The gate failed: a finding at or above `fail-on` (or a new third party with
    /// `--fail-on-new`).
    pub fn failed(&self) -> bool {
        self.verdict.as_ref().is_some_and(|v| !v.passed)
    }
}
