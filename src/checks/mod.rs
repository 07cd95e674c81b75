//! Checks: from the inventory and the policy to findings.
//!
//! Enters: an immutable [`Inventory`], a validated [`Policy`] and, when a baseline was
//! given, its [`Changes`]. Leaves: an [`Evaluation`]: [`Finding`]s, each with a stable
//! [`RuleId`], a severity, where it was seen (page, file, line, URL) and which policy entry
//! or baseline decided it ([`DecidedBy`]), plus the [`Approval`] of each approved vendor.
//! Pure functions over owned data; "today" is passed in so expiry is testable. A new rule
//! goes in [`crate::rules`] (id, severity, help) and gets its decision here.

pub use crate::rules::{RuleId, RuleInfo, Severity};

use crate::baseline::Changes;
use crate::inventory::{
    DataObservedOut, Inventory, Occurrence, PageIndex, Party, ResourceOut, Source, Stopped, page_path,
};
use crate::model::FastMap;
use crate::model::ResourceKind;
use crate::policy::{Entry, EntryRef, FailOn, Policy, Target, UnknownMode};
use crate::vendors::{Vendor, VendorDb};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// Browser mode, for a reference not in the HTML: the script (or iframe document)
    /// that requested it, which is where to look instead of the template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_by: Option<String>,
}

/// What decided a finding: a policy entry, or the baseline compared with. Printed (and
/// written to the JSON) as `deny[0] vendor = "x" (vendorscan.toml:14)` or
/// `baseline old.json`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecidedBy {
    Entry(EntryRef),
    Baseline { file: String },
}

impl DecidedBy {
    /// The policy entry, when one decided.
    pub fn entry(&self) -> Option<&EntryRef> {
        match self {
            DecidedBy::Entry(e) => Some(e),
            DecidedBy::Baseline { .. } => None,
        }
    }
}

impl std::fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecidedBy::Entry(e) => e.fmt(f),
            DecidedBy::Baseline { file } => write!(f, "baseline {file}"),
        }
    }
}

impl Serialize for DecidedBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The `[[allow]]` entry that approves a vendor (the first that matches, in file order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// e.g. `allow[0] vendor = "stripe" (vendorscan.toml:5)`
    pub entry: EntryRef,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Sorted; at least one for page-level findings, none for policy-level ones
    /// (`stale-approval`).
    pub locations: Vec<Location>,
    /// The policy entry (or baseline) that decided the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<DecidedBy>,
}

impl Finding {
    pub fn new(rule: RuleId, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            vendor: None,
            host: None,
            locations: Vec::new(),
            decided_by: None,
        }
    }
}

/// Findings in a stable order: most severe first, then by rule id (as spelled), vendor/host,
/// message and the deciding entry.
pub fn sort(findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        f.locations.sort();
        f.locations.dedup();
    }
    let key = |f: &Finding| {
        (std::cmp::Reverse(f.severity), f.rule.as_str(), f.vendor.clone(), f.host.clone(), f.message.clone())
    };
    findings.sort_by_cached_key(|f| (key(f), f.decided_by.as_ref().map(ToString::to_string)));
}

/// What the checks decided for a run.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Vendor id -> the allow entry that approves it (first match in file order).
    pub approvals: BTreeMap<String, Approval>,
}

/// Aggregates page-level decisions into one finding per (rule, subject, deciding entry).
#[derive(Default)]
struct Collector {
    map: BTreeMap<(RuleId, String, Option<DecidedBy>), Finding>,
}

impl Collector {
    fn add(
        &mut self,
        rule: RuleId,
        subject: &Subject,
        decided_by: Option<DecidedBy>,
        loc: Location,
        severity: Option<Severity>,
    ) {
        let key = (rule, subject.key(), decided_by.clone());
        let f = self.map.entry(key).or_insert_with(|| {
            let mut f = Finding::new(rule, String::new());
            f.vendor = subject.vendor.map(|v| v.id.clone());
            f.host = subject.host.clone();
            f.decided_by = decided_by;
            if let Some(s) = severity {
                f.severity = s;
            }
            f
        });
        f.locations.push(loc);
    }
}

/// A vendor, or an unknown host, as the policy sees it.
struct Subject<'a> {
    vendor: Option<&'a Vendor>,
    host: Option<String>,
}

impl Subject<'_> {
    fn key(&self) -> String {
        self.vendor.map(|v| v.id.clone()).or_else(|| self.host.clone()).unwrap_or_default()
    }

    fn describe(&self) -> String {
        match self.vendor {
            Some(v) => format!("{} ({}, {})", v.name, v.company, v.categories.join("/")),
            None => format!("{} (unknown third party)", self.host.as_deref().unwrap_or("?")),
        }
    }
}

/// The source line of a reference; runtime-only references have none.
fn line_of(r: &Occurrence) -> Option<u32> {
    (r.line > 0).then_some(r.line)
}

/// Who requested a reference that is not in the HTML.
fn runtime_loader(r: &Occurrence) -> Option<String> {
    if r.source != Source::Runtime {
        return None;
    }
    let rt = r.runtime?;
    Some(rt.loaded_by.clone().unwrap_or_else(|| "the page itself (an inline script or the browser)".to_owned()))
}

/// One subject (vendor or unknown host) on one page.
struct OnPage<'a> {
    /// Where to point: the first place it is written. A reference written in the HTML
    /// comes before one only requested at run time (line 0), which points at its loader.
    first: Occurrence<'a>,
    /// The hosts it uses there.
    hosts: Vec<&'a str>,
    /// Its `<script src>` elements there without valid SRI.
    unsigned: Vec<Occurrence<'a>>,
}

/// The pages one subject's resources occur on, with what the checks need per page, keyed
/// by page index: every (subject, page) pair looks itself up here, and an integer key spares
/// a store's hundred thousand pairs the hashing of a URL. Pages that share a name (two
/// redirects to one URL) share one entry, under the index `canon` gives them all.
fn on_pages<'a>(
    report: &'a Inventory,
    resources: &[&'a ResourceOut],
    canon: &[PageIndex],
) -> FastMap<PageIndex, OnPage<'a>> {
    let rank = |r: &Occurrence| (r.line == 0, r.line);
    let mut on: FastMap<PageIndex, OnPage> = FastMap::default();
    for &res in resources {
        let unsigned =
            res.kind == ResourceKind::Script && !res.attributes.get("integrity").is_some_and(|i| valid_sri(i));
        for (o, r) in res.occurrences.iter().zip(report.each(res)) {
            let page = canon.get(o.page as usize).copied().unwrap_or(o.page);
            let e = on.entry(page).or_insert_with(|| OnPage { first: r, hosts: Vec::new(), unsigned: Vec::new() });
            if rank(&r) < rank(&e.first) {
                e.first = r;
            }
            if !e.hosts.contains(&res.host.as_str()) {
                e.hosts.push(&res.host);
            }
            if unsigned {
                e.unsigned.push(r);
            }
        }
    }
    on
}

/// For each page, the index that stands for its name: the last page of that name, whose
/// file and payment flag a lookup by name found before (a map built in page order keeps the
/// last value of a repeated key).
fn canonical_pages(report: &Inventory) -> Vec<PageIndex> {
    let mut last: FastMap<&str, PageIndex> = FastMap::default();
    for (i, p) in report.pages.iter().enumerate() {
        last.insert(p.name(), i as PageIndex);
    }
    report.pages.iter().map(|p| last[p.name()]).collect()
}

/// Evaluate the policy (and the baseline changes, if any) over a built inventory.
pub fn evaluate(
    report: &Inventory,
    changes: Option<&Changes>,
    policy: &Policy,
    db: &VendorDb,
    today: Date,
    fail_on_new: bool,
) -> Evaluation {
    let file = policy.file.as_deref();
    let label = |e: &Entry| DecidedBy::Entry(e.reference(file));
    // Where each (subject, page) was seen: first resource by line, and the page's file.
    let page_file: FastMap<&str, Option<&String>> =
        report.pages.iter().map(|p| (p.final_url.as_deref().unwrap_or(&p.url), p.file.as_ref())).collect();
    let canon = canonical_pages(report);
    // Third-party resources by subject (vendor id, or host when unknown). The per-page
    // details are built one subject at a time: a 10,000-page store has ~20 third parties
    // on every page, and a map over every (subject, page) pair would hold them all at once.
    let mut by_subject: FastMap<&str, Vec<&ResourceOut>> = FastMap::default();
    for r in report.resources.iter().filter(|r| r.party == Party::Third) {
        by_subject.entry(r.vendor.as_deref().unwrap_or(&r.host)).or_default().push(r);
    }
    let location = |seen: Option<&OnPage>, page: &str| {
        let seen = seen.map(|s| &s.first);
        Location {
            page: page.to_owned(),
            file: page_file.get(page).copied().flatten().cloned(),
            line: seen.and_then(line_of),
            url: seen.map(|s| s.url.clone()),
            loaded_by: seen.and_then(runtime_loader),
        }
    };

    let mut out = Collector::default();
    let mut used = vec![false; policy.allow.len()];
    let mut approvals = BTreeMap::new();
    let mut subjects: Vec<(Subject, &[PageIndex])> = Vec::new();
    for v in report.vendors.iter().filter(|v| !v.first_party) {
        let host = v.hosts.first().map(|h| h.host.clone());
        if let Some(vendor) = db.get(&v.id) {
            subjects.push((Subject { vendor: Some(vendor), host }, &v.pages));
        }
    }
    for u in &report.unknown_hosts {
        subjects.push((Subject { vendor: None, host: Some(u.host.clone()) }, &u.pages));
    }

    for (subject, pages) in &subjects {
        let key = subject.key();
        let resources = by_subject.get(key.as_str()).map(Vec::as_slice).unwrap_or_default();
        let on_pages = on_pages(report, resources, &canon);
        for &index in pages.iter() {
            let page = report.page_name(index);
            let index = canon.get(index as usize).copied().unwrap_or(index);
            // Every (subject, page) pair passes here (tens of thousands on a large store), and
            // most policies name no pages: the path is cut out only when an entry asks.
            let path = || page_path(page);
            let on = on_pages.get(&index);
            // Built only for a finding: most (subject, page) pairs have none.
            let loc = || location(on, page);
            let hosts: &[&str] = on.map_or(&[], |o| o.hosts.as_slice());
            let matching: Vec<(usize, &Entry)> =
                policy.allow.iter().enumerate().filter(|(_, e)| e.matches(subject.vendor, hosts)).collect();
            for (i, _) in &matching {
                used[*i] = true;
            }
            for deny in policy.deny.iter().filter(|e| e.matches(subject.vendor, hosts) && e.covers_page(path())) {
                let rule = if matches!(deny.target, Target::Category(_)) {
                    RuleId::DeniedCategory
                } else {
                    RuleId::DeniedVendor
                };
                out.add(rule, subject, Some(label(deny)), loc(), deny.severity);
            }
            let on_page: Vec<&Entry> = matching.iter().map(|(_, e)| *e).filter(|e| e.covers_page(path())).collect();
            // The acquisition nobody told the store about: approved under one owner, owned
            // by another now.
            if let Some(v) = subject.vendor {
                for e in on_page.iter().filter(|e| e.owner_changed(v).is_some()) {
                    out.add(RuleId::OwnerChanged, subject, Some(label(e)), loc(), None);
                }
            }
            let valid = on_page.iter().find(|e| !e.expired(today));
            match (valid, on_page.first()) {
                (Some(e), _) => {
                    if let Some(v) = subject.vendor {
                        approvals.entry(v.id.clone()).or_insert_with(|| Approval {
                            entry: e.reference(file),
                            reason: e.reason.clone(),
                            owner: e.owner.clone(),
                            expires: e.expires,
                        });
                    }
                }
                (None, Some(expired)) => out.add(RuleId::ApprovalExpired, subject, Some(label(expired)), loc(), None),
                (None, None) => match subject.vendor {
                    Some(_) if policy.file.is_some() => {
                        let why = matching.first().map(|(_, e)| label(e));
                        out.add(RuleId::UnapprovedVendor, subject, why, loc(), None)
                    }
                    Some(_) => {}
                    None => match policy.unknown {
                        UnknownMode::Allow => {}
                        UnknownMode::Warn => {
                            out.add(RuleId::UnknownThirdParty, subject, None, loc(), Some(Severity::Warning))
                        }
                        UnknownMode::Error => out.add(RuleId::UnknownThirdParty, subject, None, loc(), None),
                    },
                },
            }
            // PCI DSS 6.4.3: scripts on payment pages need SRI or a justified approval.
            if policy.payment.require_integrity && report.pages.get(index as usize).is_some_and(|p| p.payment_page) {
                let justified = on_page.iter().any(|e| !e.expired(today) && e.justified());
                if !justified {
                    for r in on.iter().flat_map(|o| &o.unsigned) {
                        let loc = Location {
                            line: line_of(r),
                            url: Some(r.url.clone()),
                            loaded_by: runtime_loader(r),
                            ..loc()
                        };
                        out.add(RuleId::MissingIntegrity, subject, None, loc, None);
                    }
                }
            }
        }
    }
    for e in policy.allow.iter().zip(&used).filter(|(_, used)| !**used).map(|(e, _)| e) {
        let mut f = Finding::new(RuleId::StaleApproval, format!("{} matched nothing in this scan", label(e)));
        f.decided_by = Some(label(e));
        out.map.insert((RuleId::StaleApproval, format!("allow[{}]", e.index), None), f);
    }
    compromised_findings(&mut out, report, db, &location);
    consent_findings(&mut out, report, db, policy, &location);
    data_findings(&mut out, report, db, policy, today, &location);
    if let Some(changes) = changes {
        baseline_findings(&mut out, changes, report, db, fail_on_new);
    }
    limits_findings(&mut out, report);

    let mut findings: Vec<Finding> = out
        .map
        .into_values()
        .map(|mut f| {
            if f.message.is_empty() {
                f.message = message(&f, db, policy);
            }
            // The store's `[rules]` severities have the last word.
            f.severity = policy.severity(f.rule, f.severity);
            f
        })
        .collect();
    sort(&mut findings);
    Evaluation { findings, approvals }
}

/// References to hosts the database marks compromised, whatever the policy says: no
/// approval makes loading a hijacked domain safe.
fn compromised_findings(
    out: &mut Collector,
    report: &Inventory,
    db: &VendorDb,
    location: &dyn Fn(Option<&OnPage>, &str) -> Location,
) {
    for r in report.resources.iter().filter(|r| r.party == Party::Third) {
        if db.compromised(&r.host).is_none() {
            continue;
        }
        let subject = Subject { vendor: r.vendor.as_deref().and_then(|id| db.get(id)), host: Some(r.host.clone()) };
        for o in report.each(r) {
            let loc = Location {
                line: line_of(&o),
                url: Some(o.url.clone()),
                loaded_by: runtime_loader(&o),
                ..location(None, o.page)
            };
            out.add(RuleId::CompromisedHost, &subject, None, loc, None);
        }
    }
}

/// Vendor categories that need the visitor's consent: they follow, profile or measure the
/// visitor (ePrivacy art. 5(3) and GDPR; the issue #20 list, plus affiliate networks).
pub const TRACKING_CATEGORIES: &[&str] = &["advertising", "analytics", "session-replay", "social", "affiliate"];

/// Vendor categories exempt as strictly necessary for what the visitor asked for (paying,
/// fraud checks, recording the consent itself, delivering the site). A vendor in one of these
/// is never a consent finding, whatever else it does; `necessary = true` on an [[allow]]
/// entry exempts one vendor more.
pub const NECESSARY_CATEGORIES: &[&str] =
    &["payments", "fraud-prevention", "consent-management", "cdn-hosting", "fonts", "ecommerce-platform"];

/// Does this vendor need consent before it is contacted?
pub fn needs_consent(v: &Vendor) -> bool {
    let has = |list: &[&str]| v.categories.iter().any(|c| list.contains(&c.as_str()));
    has(TRACKING_CATEGORIES) && !has(NECESSARY_CATEGORIES)
}

/// Browser mode: tracking vendors the visit contacted against the visitor's choice
/// (`tracking-after-reject`: after "Reject all", or at all with Global Privacy Control) or
/// before any choice (`tracking-before-consent`). Judged from each request the browser
/// recorded, split by `after_choice`; a reference only in the markup never counts.
fn consent_findings(
    out: &mut Collector,
    report: &Inventory,
    db: &VendorDb,
    policy: &Policy,
    location: &dyn Fn(Option<&OnPage>, &str) -> Location,
) {
    let Some(browser) = &report.browser else { return };
    let rejected = browser.consent == crate::model::ConsentState::Reject;
    let necessary =
        |v: &Vendor| policy.allow.iter().any(|e| e.necessary && matches!(&e.target, Target::Vendor(id) if id == &v.id));
    // "Before consent" means something only where the store asks for consent: a page with
    // no banner recognised (a store outside the GDPR, or a manager not loaded) would turn
    // every tag on it into a warning.
    let asks: std::collections::HashSet<&str> = report
        .pages
        .iter()
        .filter(|p| p.visit.as_ref().and_then(|v| v.consent.as_ref()).is_some_and(|c| c.cmp.is_some()))
        .map(|p| p.final_url.as_deref().unwrap_or(&p.url))
        .collect();
    let mut found = Collector::default();
    for r in report.resources.iter().filter(|r| r.party == Party::Third) {
        let Some(vendor) = r.vendor.as_deref().and_then(|id| db.get(id)) else { continue };
        if !needs_consent(vendor) || necessary(vendor) {
            continue;
        }
        let subject = Subject { vendor: Some(vendor), host: Some(r.host.clone()) };
        for o in report.each(r) {
            let Some(rt) = o.runtime else { continue };
            let loc = Location {
                line: None,
                url: Some(o.url.clone()),
                loaded_by: runtime_loader(&o),
                ..location(None, o.page)
            };
            let before = rt.count.saturating_sub(rt.after_choice);
            if browser.gpc || (rejected && rt.after_choice > 0) {
                found.add(RuleId::TrackingAfterReject, &subject, None, loc, None);
            } else if before > 0 && asks.contains(o.page) {
                found.add(RuleId::TrackingBeforeConsent, &subject, None, loc, None);
            }
        }
    }
    // The other `--consent` states of the run: their visits are in each vendor's matrix.
    for v in report.vendors.iter().filter(|v| !v.first_party) {
        let Some(vendor) = db.get(&v.id) else { continue };
        if !needs_consent(vendor) || necessary(vendor) {
            continue;
        }
        let subject = Subject { vendor: Some(vendor), host: v.hosts.first().map(|h| h.host.clone()) };
        for cell in v.consent_matrix.iter().filter(|c| c.state != browser.consent) {
            let (rule, pages, url) = match cell.state {
                crate::model::ConsentState::Reject => {
                    (RuleId::TrackingAfterReject, &cell.pages_after_choice, &cell.first_after_choice)
                }
                crate::model::ConsentState::None => {
                    (RuleId::TrackingBeforeConsent, &cell.pages_before_choice, &cell.first_before_choice)
                }
                crate::model::ConsentState::Accept => continue,
            };
            for page in report.page_names(pages) {
                let loc = Location { line: None, url: url.clone(), loaded_by: None, ..location(None, page) };
                found.add(rule, &subject, None, loc, None);
            }
        }
    }
    // The markup's own consent gate for a vendor, when it has one: the browser evidence
    // says whether that gate held.
    let gated: FastMap<&str, &str> = report
        .resources
        .iter()
        .filter_map(|r| match (&r.vendor, &r.condition) {
            (Some(v), Some(crate::model::Condition::ConsentGated { category })) => {
                Some((v.as_str(), category.as_str()))
            }
            _ => None,
        })
        .collect();
    for (key, mut f) in found.map {
        let mut pages: Vec<&str> = f.locations.iter().map(|l| l.page.as_str()).collect();
        pages.sort_unstable();
        pages.dedup();
        let shown: Vec<&str> = pages.iter().take(3).copied().collect();
        let more = if pages.len() > 3 { format!(" and {} more", pages.len() - 3) } else { String::new() };
        let mut first = f.locations.clone();
        first.sort();
        let request = first.first().and_then(|l| {
            let by = l.loaded_by.as_deref().map(|b| format!(", loaded by {b}")).unwrap_or_default();
            l.url.as_deref().map(|u| format!("{u}{by}"))
        });
        let vendor = f.vendor.as_deref().and_then(|id| db.get(id));
        let who = Subject { vendor, host: f.host.clone() }.describe();
        let when = match f.rule {
            RuleId::TrackingAfterReject if browser.gpc && rejected => {
                "after the visitor rejected consent and while the browser sent Global Privacy Control"
            }
            RuleId::TrackingAfterReject if browser.gpc => "while the browser sent Global Privacy Control (an opt-out)",
            RuleId::TrackingAfterReject => "after the visitor rejected consent",
            _ => "before the visitor made any consent choice",
        };
        let gate = vendor
            .and_then(|v| gated.get(v.id.as_str()))
            .map(|c| format!("; the markup gates it on consent category \"{c}\", yet it was requested"))
            .unwrap_or_default();
        f.message = format!(
            "{who} was sent requests {when} on {} ({}{more}){gate}; request: {}",
            crate::model::plural(pages.len(), "page", "pages"),
            shown.join(", "),
            request.unwrap_or_else(|| "?".to_owned())
        );
        out.map.insert(key, f);
    }
}

/// Data kinds that identify a person: in plain or hashed form, they are personal data.
pub const PERSONAL_KINDS: &[&str] = &["email", "phone", "name", "postal-address", "date-of-birth", "hashed-identifier"];

/// Vendor categories whose business is profiling or measuring visitors: personal data
/// sent to them is a finding even without a `data` list.
pub const PROFILING_CATEGORIES: &[&str] = &["advertising", "analytics", "session-replay"];

/// Browser mode: what recipients were seen to receive, against what the policy lets them
/// (`unapproved-data`: a kind missing from the approving entry's `data = [...]`) or, where it
/// says nothing, personal data going to a profiling vendor or an unknown third party
/// (`personal-data-sent`).
fn data_findings(
    out: &mut Collector,
    report: &Inventory,
    db: &VendorDb,
    policy: &Policy,
    today: Date,
    location: &dyn Fn(Option<&OnPage>, &str) -> Location,
) {
    let file = policy.file.as_deref();
    let mut recipients: Vec<(Subject, Vec<&str>, &[DataObservedOut])> = Vec::new();
    for v in report.vendors.iter().filter(|v| !v.first_party && !v.data_observed.is_empty()) {
        let Some(vendor) = db.get(&v.id) else { continue };
        let hosts: Vec<&str> = v.hosts.iter().map(|h| h.host.as_str()).collect();
        let subject = Subject { vendor: Some(vendor), host: hosts.first().map(|h| (*h).to_owned()) };
        recipients.push((subject, hosts, &v.data_observed));
    }
    for u in report.unknown_hosts.iter().filter(|u| !u.data_observed.is_empty()) {
        recipients.push((
            Subject { vendor: None, host: Some(u.host.clone()) },
            vec![u.host.as_str()],
            &u.data_observed,
        ));
    }
    for (subject, hosts, observed) in &recipients {
        let profiling =
            subject.vendor.is_none_or(|v| v.categories.iter().any(|c| PROFILING_CATEGORIES.contains(&c.as_str())));
        // Per finding: the observations it is about, in report order.
        let mut what: BTreeMap<(RuleId, Option<DecidedBy>), Vec<&DataObservedOut>> = BTreeMap::new();
        for o in observed.iter() {
            for page in report.page_names(&o.pages) {
                let path = page_path(page);
                // Every valid entry covering the page with a `data` list limits it: what any
                // of them lists is allowed (a vendor entry's list is not lost behind a
                // category entry without one).
                let limits: Vec<&Entry> = policy
                    .allow
                    .iter()
                    .filter(|e| e.data.is_some() && e.matches(subject.vendor, hosts) && e.covers_page(path))
                    .filter(|e| !e.expired(today))
                    .collect();
                let allowed = |k: &str| limits.iter().any(|e| e.data.iter().flatten().any(|d| d == k));
                let (rule, by) = match limits.first() {
                    Some(e) if !allowed(o.kind) => (RuleId::UnapprovedData, Some(DecidedBy::Entry(e.reference(file)))),
                    Some(_) => continue,
                    None if profiling && PERSONAL_KINDS.contains(&o.kind) => (RuleId::PersonalDataSent, None),
                    None => continue,
                };
                let loc = Location { url: Some(o.request.clone()), ..location(None, page) };
                out.add(rule, subject, by.clone(), loc, None);
                let list = what.entry((rule, by)).or_default();
                if !list.iter().any(|x| std::ptr::eq(*x, o)) {
                    list.push(o);
                }
            }
        }
        for ((rule, by), list) in what {
            let key = (rule, subject.key(), by.clone());
            let Some(f) = out.map.get_mut(&key) else { continue };
            let mut pages: Vec<&str> = f.locations.iter().map(|l| l.page.as_str()).collect();
            pages.sort_unstable();
            pages.dedup();
            let shown: Vec<&str> = pages.iter().take(3).copied().collect();
            let more = if pages.len() > 3 { format!(" and {} more", pages.len() - 3) } else { String::new() };
            let kinds: Vec<String> = list.iter().map(|o| describe_observed(o)).collect();
            let example = list.first().map(|o| format!("; e.g. {} in {}", o.example, o.request)).unwrap_or_default();
            let who = subject.describe();
            let on = format!("on {} ({}{more})", crate::model::plural(pages.len(), "page", "pages"), shown.join(", "));
            f.message = match (rule, &by) {
                (RuleId::UnapprovedData, Some(entry)) => {
                    let allowed = entry
                        .entry()
                        .and_then(|e| policy.allow.get(e.index))
                        .and_then(|e| e.data.as_ref())
                        .map(|d| if d.is_empty() { "nothing".to_owned() } else { d.join(", ") })
                        .unwrap_or_default();
                    format!(
                        "{who} received {} {on}, beyond what {entry} lets it receive ({allowed}){example}",
                        kinds.join("; ")
                    )
                }
                _ => format!("{who} received personal data: {} {on}{example}", kinds.join("; ")),
            };
        }
    }
}

/// "e-mail (sha256, in the query)" for an observation.
pub fn describe_observed(o: &DataObservedOut) -> String {
    let what = match (o.kind, o.of) {
        ("hashed-identifier", Some(of)) => format!("hashed {}", of.replace("email", "e-mail")),
        ("device-fingerprint", Some(t)) => format!("device fingerprint ({t})"),
        ("postal-address", Some(of)) => format!("postal address ({})", of.replace('-', " ")),
        (k, _) => k.replace('-', " ").replace("email", "e-mail"),
    };
    let how = match o.encoding {
        Some(e) => format!("{}, ", e.as_str()),
        None => String::new(),
    };
    format!("{what} ({how}via {})", o.via.as_str())
}

fn message(f: &Finding, db: &VendorDb, policy: &Policy) -> String {
    let subject = Subject { vendor: f.vendor.as_deref().and_then(|id| db.get(id)), host: f.host.clone() };
    let mut pages: Vec<&str> = f.locations.iter().map(|l| l.page.as_str()).collect();
    pages.dedup();
    let n = crate::model::plural(pages.len(), "page", "pages");
    let who = subject.describe();
    let decided_by = f.decided_by.as_ref().map(ToString::to_string);
    match f.rule {
        RuleId::UnapprovedVendor => match &decided_by {
            Some(entry) => format!("{who} receives visitor data on {n} outside the pages approved by {entry}"),
            None => format!("{who} receives visitor data on {n} and no [[allow]] entry approves it"),
        },
        RuleId::UnknownThirdParty => {
            format!("{who} receives visitor data on {n}; no vendor entry or [[allow]] host names it")
        }
        RuleId::DeniedVendor | RuleId::DeniedCategory => {
            format!("{who} is on {n} where {} forbids it", decided_by.as_deref().unwrap_or("a deny entry"))
        }
        RuleId::ApprovalExpired => {
            format!("{who} is on {n}, but its approval {} has expired", decided_by.as_deref().unwrap_or(""))
        }
        RuleId::MissingIntegrity => {
            format!(
                "{who} loads a script on payment page(s) without integrity= and without a justified [[allow]] entry ({n})"
            )
        }
        RuleId::NewThirdParty => format!(
            "{who} is new since the baseline ({}) and receives visitor data on {n}",
            match &f.decided_by {
                Some(DecidedBy::Baseline { file }) => file.as_str(),
                _ => "baseline",
            }
        ),
        RuleId::PageCut => format!(
            "{n} only partly read (larger than --max-body-size, or past a per-page limit): third parties written \
             after the cut are not in this report"
        ),
        RuleId::CompromisedHost => {
            let mut hosts: Vec<String> = f.locations.iter().filter_map(|l| l.url.as_deref()).map(host_of).collect();
            hosts.sort_unstable();
            hosts.dedup();
            let incident = hosts.iter().find_map(|h| db.compromised(h));
            let what = incident.map_or_else(String::new, |i| {
                format!(
                    ": {} ({}, {}; {})",
                    i.summary.trim_end_matches('.'),
                    i.id,
                    i.date,
                    i.sources.first().map_or("", String::as_str)
                )
            });
            format!("{who} is loaded from {}, a compromised host, on {n}{what}", hosts.join(", "))
        }
        RuleId::OwnerChanged => {
            let entry = f.decided_by.as_ref().and_then(DecidedBy::entry);
            let approved = entry
                .and_then(|e| policy.allow.get(e.index))
                .and_then(|e| e.owned_by.as_deref())
                .unwrap_or("another company");
            let Some(v) = subject.vendor else { return format!("{who} has a new owner") };
            let since = v
                .previous_owners
                .iter()
                .find(|p| crate::vendors::company_key(&p.company) == crate::vendors::company_key(approved))
                .map(|p| format!(" since {}", p.until.get(..4).unwrap_or(&p.until)))
                .unwrap_or_default();
            let parent = v.parent.as_deref().map(|p| format!(" (part of {p})")).unwrap_or_default();
            format!(
                "{} is owned by {}{parent}{since}, but {} approved it when {approved} owned it; it is on {n}",
                v.name,
                v.company,
                decided_by.as_deref().unwrap_or("an allow entry")
            )
        }
        // These carry their own message, written where they are decided.
        RuleId::StaleApproval
        | RuleId::NewPaymentScript
        | RuleId::ScriptChanged
        | RuleId::ScanIncomplete
        | RuleId::TrackingAfterReject
        | RuleId::TrackingBeforeConsent
        | RuleId::UnapprovedData
        | RuleId::PersonalDataSent => {
            format!("{who} on {n}")
        }
    }
}

fn baseline_findings(out: &mut Collector, changes: &Changes, report: &Inventory, db: &VendorDb, fail_on_new: bool) {
    let baseline = || Some(DecidedBy::Baseline { file: changes.baseline.clone() });
    let new_severity = if fail_on_new { Some(Severity::Error) } else { None };
    let loc = |page: &str, url: Option<&str>| Location {
        page: page.to_owned(),
        file: None,
        line: None,
        url: url.map(str::to_owned),
        loaded_by: None,
    };
    for id in &changes.new_vendors {
        let Some(v) = report.vendors.iter().find(|v| &v.id == id) else { continue };
        let vendor = db.get(id);
        let subject = Subject { vendor, host: None };
        for page in report.page_names(&v.pages) {
            out.add(RuleId::NewThirdParty, &subject, baseline(), loc(page, None), new_severity);
        }
    }
    for host in &changes.new_hosts {
        // Hosts of a known vendor are reported through the vendor (new or not).
        if db.recipient(host).is_some() {
            continue;
        }
        let subject = Subject { vendor: None, host: Some(host.clone()) };
        for r in report.occurrences().filter(|r| &r.host == host) {
            out.add(RuleId::NewThirdParty, &subject, baseline(), loc(r.page, Some(&r.url)), new_severity);
        }
    }
    for s in changes.new_scripts.iter().filter(|s| s.payment_page) {
        let subject = Subject { vendor: s.vendor.as_deref().and_then(|id| db.get(id)), host: Some(host_of(&s.url)) };
        let mut f = Finding::new(
            RuleId::NewPaymentScript,
            format!("{} is a new script on payment page {} since {}", s.url, s.page, changes.baseline),
        );
        f.vendor = s.vendor.clone();
        f.host = subject.host.clone();
        f.locations.push(loc(&s.page, Some(&s.url)));
        out.map.insert((RuleId::NewPaymentScript, format!("{} {}", s.page, s.url), None), f);
    }
    for c in &changes.changed_scripts {
        let mut f = Finding::new(
            RuleId::ScriptChanged,
            format!(
                "{} on {} changed its {}: {} -> {} (since {})",
                c.url, c.page, c.what, c.before, c.after, changes.baseline
            ),
        );
        if !c.payment_page {
            f.severity = Severity::Warning;
        }
        f.vendor = c.vendor.clone();
        f.host = Some(host_of(&c.url));
        f.locations.push(loc(&c.page, Some(&c.url)));
        out.map.insert((RuleId::ScriptChanged, format!("{} {} {}", c.page, c.url, c.what), None), f);
    }
}

/// What the limits kept vendorscan from seeing: pages read only in part, and a run that
/// stopped early. A gate must not pass on what it could not read, so both are findings
/// (errors unless the policy's `[rules]` says otherwise), with or without a policy.
fn limits_findings(out: &mut Collector, report: &Inventory) {
    let nobody = Subject { vendor: None, host: None };
    // A cut that dropped references or left a nested document unread may hide a third
    // party; links past their limit or nesting past the tracked depth drop none (the
    // page's `cut` still says so).
    let hides = |c: &crate::model::Cut| c.dropped_references > 0 || c.unread_documents > 0;
    for p in report.pages.iter().filter(|p| p.truncated || p.cut.as_ref().is_some_and(hides)) {
        let loc = Location {
            page: p.final_url.clone().unwrap_or_else(|| p.url.clone()),
            file: p.file.clone(),
            line: None,
            url: None,
            loaded_by: None,
        };
        out.add(RuleId::PageCut, &nobody, None, loc, None);
    }
    if let Some(why) = report.stopped {
        let scanned = crate::model::plural(report.summary.pages_scanned, "page", "pages");
        let what = match why {
            Stopped::TimeBudget => "the time budget (--max-time) ran out",
            Stopped::Interrupted => "the scan was interrupted (Ctrl-C or SIGTERM)",
        };
        let f = Finding::new(
            RuleId::ScanIncomplete,
            format!(
                "{what} after {scanned} scanned: pages not scanned may hold third parties this report does not name"
            ),
        );
        out.map.insert((RuleId::ScanIncomplete, String::new(), None), f);
    }
}

fn host_of(url: &str) -> String {
    crate::scope::host_of(url).unwrap_or_default()
}

/// Does this set of findings fail the run? `--fail-on-new` fails on any new third party
/// whatever `fail-on` says (it is the caller's explicit request).
pub fn fails(findings: &[Finding], fail_on: FailOn, fail_on_new: bool) -> bool {
    if fail_on_new && findings.iter().any(|f| f.rule == RuleId::NewThirdParty) {
        return true;
    }
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return false,
    };
    findings.iter().any(|f| f.severity >= threshold)
}

/// An `integrity` value a browser enforces: at least one `sha256-`/`sha384-`/`sha512-`
/// token with a base64 digest. An empty or unparsable value makes browsers load the script
/// unchecked, so it does not count.
pub fn valid_sri(value: &str) -> bool {
    value.split_ascii_whitespace().any(|token| {
        let token = token.split('?').next().unwrap_or(token);
        ["sha256-", "sha384-", "sha512-"].iter().any(|alg| {
            token.strip_prefix(alg).is_some_and(|b64| {
                b64.len() >= 40
                    && b64.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_'))
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_vendors_need_consent_and_necessary_ones_do_not() {
        let db = VendorDb::embedded().unwrap();
        for (id, needs) in [
            ("criteo", true),
            ("hotjar", true),
            ("tiktok-pixel", true),
            ("google-tag-manager", false),
            ("stripe", false),
            ("cookiebot", false),
        ] {
            let v = db.get(id).unwrap_or_else(|| panic!("{id} in the database"));
            assert_eq!(needs_consent(v), needs, "{id}: {:?}", v.categories);
        }
    }
}
