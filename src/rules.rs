//! The rule registry: every finding vendorscan can raise, and how severe, in one place.
//!
//! Enters: nothing. Leaves: [`RuleId`] and [`Severity`], the vocabulary the policy file
//! (`[rules]` severities), the checks and every renderer share; it sits at the bottom of the
//! house so all of them can name a rule. The kebab-case names are public and stable: they
//! appear in policy files, the JSON report, SARIF rule ids and the docs. Adding a rule is
//! fine; renaming one is a breaking change. A new rule is one variant here plus its arm in
//! [`RuleId::info`] (the compiler asks for it), its decision in `crate::checks` and its
//! message in `checks::message` (the compiler asks for that too); every renderer lists it
//! from here.

/// How bad a finding is; `fail-on` in the policy says from which level the gate fails.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A rule's id. The names are derived once from the variant (kebab-case) for serde and for
/// [`RuleId::as_str`]; a test holds the two to the same spelling.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
    strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum RuleId {
    UnapprovedVendor,
    UnknownThirdParty,
    DeniedVendor,
    DeniedCategory,
    ApprovalExpired,
    StaleApproval,
    MissingIntegrity,
    NewThirdParty,
    NewPaymentScript,
    ScriptChanged,
    PageCut,
    ScanIncomplete,
    CompromisedHost,
    OwnerChanged,
    TrackingAfterReject,
    TrackingBeforeConsent,
    UnapprovedData,
    PersonalDataSent,
}

/// What a rule means and how severe it is unless the policy says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub severity: Severity,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// What to do about it.
    pub help: &'static str,
}

impl RuleId {
    /// The public id, e.g. `unapproved-vendor`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every rule, in the order the docs and SARIF's `tool.driver.rules` list them.
    pub fn all() -> impl Iterator<Item = RuleId> {
        <RuleId as strum::IntoEnumIterator>::iter()
    }

    pub fn info(self) -> RuleInfo {
        let (severity, summary, help) = match self {
            RuleId::UnapprovedVendor => (
                Severity::Error,
                "A known vendor receives visitor data on a page where no [[allow]] entry approves it",
                "Review the vendor; if it is wanted, add an [[allow]] entry with vendor = \"ID\" and a reason (and pages = [...] if it belongs only on some pages); otherwise remove the tag.",
            ),
            RuleId::UnknownThirdParty => (
                Severity::Error,
                "A third-party host that is in no vendor entry receives visitor data",
                "Find out who runs the host. Approve it with [[allow]] host = \"...\" and a reason, name it in a --vendors file, or remove it. `unknown = \"warn\"` or \"allow\" in the policy relaxes this rule.",
            ),
            RuleId::DeniedVendor => (
                Severity::Error,
                "A vendor, company or host that a [[deny]] entry forbids is present",
                "Remove the tag from the pages listed, or change the [[deny]] entry if the decision has changed.",
            ),
            RuleId::DeniedCategory => (
                Severity::Error,
                "A vendor of a category that a [[deny]] entry forbids is present (e.g. session replay on checkout)",
                "Remove the tag from those pages (or scope it away from them in the tag manager).",
            ),
            RuleId::ApprovalExpired => (
                Severity::Error,
                "The [[allow]] entry approving this vendor has expired",
                "Review the vendor again and move `expires` forward, or remove the vendor.",
            ),
            RuleId::StaleApproval => (
                Severity::Warning,
                "An [[allow]] entry matched nothing in this scan",
                "Remove the entry if the vendor is gone, so the inventory stays true; keep it if the scan did not cover the pages where it is used.",
            ),
            RuleId::MissingIntegrity => (
                Severity::Error,
                "A third-party script on a payment page has no Subresource Integrity and no justified approval (PCI DSS 6.4.3)",
                "Add integrity=\"sha384-...\" and crossorigin=\"anonymous\" to the script tag, or, for scripts that change by design (payment SDKs), give the vendor's [[allow]] entry a real reason.",
            ),
            RuleId::NewThirdParty => (
                Severity::Warning,
                "A vendor or third-party host that the baseline report does not have",
                "Check that the new third party was meant to ship with this change; --fail-on-new turns this into an error.",
            ),
            RuleId::NewPaymentScript => (
                Severity::Error,
                "A third-party script appeared on a payment page since the baseline (PCI DSS 11.6.1)",
                "Confirm the script is authorised and justified for the payment page, then refresh the baseline.",
            ),
            RuleId::ScriptChanged => (
                Severity::Error,
                "A third-party script on a payment page has the same URL but different content or integrity than in the baseline (PCI DSS 11.6.1)",
                "Find out why the script changed (a vendor release, or tampering); once reviewed, refresh the baseline.",
            ),
            RuleId::PageCut => (
                Severity::Error,
                "A page was only partly read (larger than --max-body-size, or past a per-page limit): third parties after the cut are not in the report",
                "Look at the page: a real page this large is rare, a padded one may hide a tag. Raise --max-body-size if the page is genuine; `[rules] page-cut = \"warning\"` in the policy accepts cut pages.",
            ),
            RuleId::ScanIncomplete => (
                Severity::Error,
                "The scan stopped before it was done (the --max-time budget ran out, or it was interrupted): pages not scanned may hold third parties",
                "Give the scan more time with --max-time, or scan fewer pages with --max-pages; a gate that passed on part of the store has not checked the rest.",
            ),
            RuleId::CompromisedHost => (
                Severity::Error,
                "A page loads from a host that the vendor database marks compromised (its domain or scripts are in hostile hands, e.g. polyfill.io since 2024)",
                "Remove the reference now, or serve the file from your own domain; read the incident's sources in the report. No [[allow]] entry approves a compromised host: `[rules] compromised-host` changes its severity.",
            ),
            RuleId::OwnerChanged => (
                Severity::Warning,
                "A vendor's owner has changed since the policy approved it (owned-by in the [[allow]] entry names the owner then)",
                "Read the new owner's terms and privacy policy; if the vendor may stay, set owned-by to the new owner. `[rules] owner-changed = \"error\"` makes an acquisition fail the gate.",
            ),
            RuleId::TrackingAfterReject => (
                Severity::Error,
                "An advertising, analytics, session-replay, social or affiliate vendor was sent requests after the visitor rejected consent (--consent reject) or while the browser sent Global Privacy Control (--gpc) (GDPR, ePrivacy art. 5(3))",
                "Make the tag wait for consent: gate it in the consent manager (its category), in the tag manager's consent settings, or by type=\"text/plain\" with the CMP's category. If the vendor is strictly necessary, say so with necessary = true and a reason on its [[allow]] entry.",
            ),
            RuleId::TrackingBeforeConsent => (
                Severity::Warning,
                "On a page with a consent banner, an advertising, analytics, session-replay, social or affiliate vendor was sent requests before the visitor made any consent choice (browser mode)",
                "Load the tag only once the visitor agrees (the consent manager's category, the tag manager's consent settings); `[rules] tracking-before-consent = \"error\"` makes this fail the gate.",
            ),
            RuleId::UnapprovedData => (
                Severity::Error,
                "An approved vendor was seen receiving a kind of data its [[allow]] entry's data = [...] does not list (browser mode)",
                "Stop sending it (the tag's settings: advanced matching, user data, automatic form capture), or, if the store has a basis for it, add the kind to data = [...] on the vendor's [[allow]] entry.",
            ),
            RuleId::PersonalDataSent => (
                Severity::Warning,
                "Personal data (an e-mail, phone number, name, address or birth date, in plain or hashed form) was seen going to an advertising, analytics or session-replay vendor, or to an unknown third party (browser mode)",
                "Check that the store has a legal basis and tells its customers; turn off the tag's form capture or advanced matching if not. Listing what the vendor may receive with data = [...] on its [[allow]] entry replaces this warning with the unapproved-data check.",
            ),
        };
        RuleInfo { severity, summary, help }
    }

    pub fn default_severity(self) -> Severity {
        self.info().severity
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde and strum derive the name from the same variant; they must spell it alike,
    /// or a policy key, a JSON `rule` and a SARIF rule id would disagree.
    #[test]
    fn one_spelling_per_rule() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RuleId::all() {
            let json = serde_json::to_value(rule).unwrap();
            assert_eq!(json.as_str(), Some(rule.as_str()));
            assert_eq!(rule.as_str().parse::<RuleId>().unwrap(), rule);
            assert!(seen.insert(rule.as_str()), "{rule} twice");
            assert!(!rule.info().summary.is_empty() && !rule.info().help.is_empty());
        }
        assert_eq!(seen.len(), 18);
    }
}
