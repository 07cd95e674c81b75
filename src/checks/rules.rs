//! The rule registry: every finding vendorscan can raise, with its public id.
//!
//! Rule ids are public and stable (kebab-case): they appear in policy files, the JSON
//! report, SARIF rule ids and the docs. Adding a rule is fine; renaming one is a breaking
//! change. The help text is what SARIF viewers and the docs show.

use super::Severity;

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// What to do about it.
    pub help: &'static str,
}

pub const UNAPPROVED_VENDOR: Rule = Rule {
    id: "unapproved-vendor",
    severity: Severity::Error,
    summary: "A known vendor receives visitor data on a page where no [[allow]] entry approves it",
    help: "Review the vendor; if it is wanted, add an [[allow]] entry with vendor = \"ID\" and a reason (and pages = [...] if it belongs only on some pages); otherwise remove the tag.",
};
pub const UNKNOWN_THIRD_PARTY: Rule = Rule {
    id: "unknown-third-party",
    severity: Severity::Error,
    summary: "A third-party host that is in no vendor entry receives visitor data",
    help: "Find out who runs the host. Approve it with [[allow]] host = \"...\" and a reason, name it in a --vendors file, or remove it. `unknown = \"warn\"` or \"allow\" in the policy relaxes this rule.",
};
pub const DENIED_VENDOR: Rule = Rule {
    id: "denied-vendor",
    severity: Severity::Error,
    summary: "A vendor, company or host that a [[deny]] entry forbids is present",
    help: "Remove the tag from the pages listed, or change the [[deny]] entry if the decision has changed.",
};
pub const DENIED_CATEGORY: Rule = Rule {
    id: "denied-category",
    severity: Severity::Error,
    summary: "A vendor of a category that a [[deny]] entry forbids is present (e.g. session replay on checkout)",
    help: "Remove the tag from those pages (or scope it away from them in the tag manager).",
};
pub const APPROVAL_EXPIRED: Rule = Rule {
    id: "approval-expired",
    severity: Severity::Error,
    summary: "The [[allow]] entry approving this vendor has expired",
    help: "Review the vendor again and move `expires` forward, or remove the vendor.",
};
pub const STALE_APPROVAL: Rule = Rule {
    id: "stale-approval",
    severity: Severity::Warning,
    summary: "An [[allow]] entry matched nothing in this scan",
    help: "Remove the entry if the vendor is gone, so the inventory stays true; keep it if the scan did not cover the pages where it is used.",
};
pub const MISSING_INTEGRITY: Rule = Rule {
    id: "missing-integrity",
    severity: Severity::Error,
    summary: "A third-party script on a payment page has no Subresource Integrity and no justified approval (PCI DSS 6.4.3)",
    help: "Add integrity=\"sha384-...\" and crossorigin=\"anonymous\" to the script tag, or, for scripts that change by design (payment SDKs), give the vendor's [[allow]] entry a real reason.",
};
pub const NEW_THIRD_PARTY: Rule = Rule {
    id: "new-third-party",
    severity: Severity::Warning,
    summary: "A vendor or third-party host that the baseline report does not have",
    help: "Check that the new third party was meant to ship with this change; --fail-on-new turns this into an error.",
};
pub const NEW_PAYMENT_SCRIPT: Rule = Rule {
    id: "new-payment-script",
    severity: Severity::Error,
    summary: "A third-party script appeared on a payment page since the baseline (PCI DSS 11.6.1)",
    help: "Confirm the script is authorised and justified for the payment page, then refresh the baseline.",
};
pub const SCRIPT_CHANGED: Rule = Rule {
    id: "script-changed",
    severity: Severity::Error,
    summary: "A third-party script on a payment page has the same URL but different content or integrity than in the baseline (PCI DSS 11.6.1)",
    help: "Find out why the script changed (a vendor release, or tampering); once reviewed, refresh the baseline.",
};

/// Every rule, in the order the docs list them.
pub const ALL: &[Rule] = &[
    UNAPPROVED_VENDOR,
    UNKNOWN_THIRD_PARTY,
    DENIED_VENDOR,
    DENIED_CATEGORY,
    APPROVAL_EXPIRED,
    STALE_APPROVAL,
    MISSING_INTEGRITY,
    NEW_THIRD_PARTY,
    NEW_PAYMENT_SCRIPT,
    SCRIPT_CHANGED,
];

pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| r.id == id)
}
