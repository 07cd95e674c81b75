//! The policy file (`vendorscan.toml`): the store's reviewed inventory of third parties.
//!
//! Enters: TOML text and the vendor database (to check vendor ids and categories).
//! Leaves: a validated [`Policy`], or one input error listing every problem with its line.
//! Every entry keeps its index and line so a finding can say which entry decided it, as
//! cargo-deny does. Unknown keys are errors: a typo must never silently weaken a gate.

use crate::error::Error;
use crate::flows::identity::Identity;
use crate::rules::{RuleId, Severity};
use crate::scope::host_in_domain;
use crate::vendors::{OwnerKind, Vendor, VendorDb, company_key};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use jiff::civil::Date;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file looked for in the working directory when `--policy` is not given.
pub const DEFAULT_FILE: &str = "vendorscan.toml";

/// The least severe finding that fails the run (`fail-on`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::Display,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a third-party host that no vendor entry names is (`unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "kebab-case")]
pub enum UnknownMode {
    Allow,
    Warn,
    Error,
}

/// The two lists of a policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr, strum::Display)]
#[strum(serialize_all = "kebab-case")]
pub enum Table {
    Allow,
    Deny,
}

/// Which policy entry decided something: `allow[2] vendor = "stripe" (vendorscan.toml:12)`
/// when printed. Kept as parts, so a renderer that wants the file and line (SARIF, GitHub
/// annotations) reads them instead of parsing the text back.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryRef {
    pub table: Table,
    pub index: usize,
    /// `vendor`, `host`, `category` or `company`.
    pub key: &'static str,
    pub value: String,
    /// The policy file as given (`vendorscan.toml` when read from the working directory).
    pub file: String,
    /// 1-based line of the entry's `[[allow]]`/`[[deny]]` header.
    pub line: usize,
}

impl std::fmt::Display for EntryRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}] {} = \"{}\" ({}:{})", self.table, self.index, self.key, self.value, self.file, self.line)
    }
}

impl serde::Serialize for EntryRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Vendor(String),
    Host(String),
    Category(String),
    Company(String),
    /// `owner-kind = "retailer"`: vendors whose owner sells to the same shoppers
    /// ("retailer" also covers marketplaces, which do too).
    OwnerKind(OwnerKind),
}

impl Target {
    fn matches_kind(wanted: OwnerKind, vendor: &Vendor) -> bool {
        match (wanted, vendor.owner_kind) {
            (_, None) => false,
            (OwnerKind::Retailer, Some(_)) => true,
            (w, Some(k)) => w == k,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub table: Table,
    pub index: usize,
    pub line: usize,
    pub target: Target,
    pub reason: String,
    pub owner: Option<String>,
    pub expires: Option<Date>,
    pub pages: Option<GlobSet>,
    pub page_patterns: Vec<String>,
    /// `owned-by`: the company that owned the vendor when it was approved.
    pub owned_by: Option<String>,
    /// `severity` of a [[deny]] entry (error unless it says "warning" or "note").
    pub severity: Option<Severity>,
    /// `necessary = true` on an [[allow]] entry: the vendor is strictly necessary for what the
    /// visitor asked for, so it needs no consent (`tracking-after-reject` and
    /// `tracking-before-consent` leave it out); the entry's reason says why.
    pub necessary: bool,
    /// `data = [...]` on an [[allow]] entry: the data kinds the vendor may receive. Anything
    /// else a browser visit sees it receive is an `unapproved-data` finding. `None`: no limit.
    pub data: Option<Vec<String>>,
}

impl Entry {
    /// Where this entry is, for findings and approvals to point at.
    pub fn reference(&self, file: Option<&Path>) -> EntryRef {
        let (key, value) = match &self.target {
            Target::Vendor(v) => ("vendor", v.as_str()),
            Target::Host(v) => ("host", v.as_str()),
            Target::Category(v) => ("category", v.as_str()),
            Target::Company(v) => ("company", v.as_str()),
            Target::OwnerKind(k) => ("owner-kind", k.as_str()),
        };
        EntryRef {
            table: self.table,
            index: self.index,
            key,
            value: value.to_owned(),
            file: file.map_or_else(|| DEFAULT_FILE.to_owned(), |f| f.display().to_string()),
            line: self.line,
        }
    }

    /// Does the entry name this vendor, or one of the hosts it was seen on (for a known
    /// vendor: the hosts on the page in question)?
    pub fn matches(&self, vendor: Option<&Vendor>, hosts: &[&str]) -> bool {
        match &self.target {
            Target::Vendor(id) => vendor.is_some_and(|v| &v.id == id),
            Target::Category(c) => vendor.is_some_and(|v| v.categories.contains(c)),
            Target::Company(c) => vendor.is_some_and(|v| v.owned_by(c)),
            Target::Host(h) => hosts.iter().any(|x| host_in_domain(x, h)),
            Target::OwnerKind(k) => vendor.is_some_and(|v| Target::matches_kind(*k, v)),
        }
    }

    /// The owner now, when it is not the one `owned-by` recorded at approval.
    pub fn owner_changed<'v>(&self, vendor: &'v Vendor) -> Option<&'v str> {
        let approved = company_key(self.owned_by.as_deref()?);
        let same = company_key(&vendor.company) == approved
            || vendor.parent.as_deref().is_some_and(|p| company_key(p) == approved)
            || vendor.company_id.as_deref().is_some_and(|id| company_key(id) == approved);
        (!same).then_some(vendor.company.as_str())
    }

    pub fn covers_page(&self, path: &str) -> bool {
        self.pages.as_ref().is_none_or(|g| g.is_match(path))
    }

    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| e < today)
    }

    /// A reason a reviewer actually wrote (not the `policy init` placeholder).
    pub fn justified(&self) -> bool {
        let r = self.reason.trim();
        !r.is_empty() && !r.to_ascii_uppercase().starts_with("TODO")
    }
}

#[derive(Debug, Clone)]
pub struct PaymentPages {
    pub paths: Option<GlobSet>,
    pub detect: bool,
    pub require_integrity: bool,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub file: Option<PathBuf>,
    pub fail_on: FailOn,
    pub unknown: UnknownMode,
    pub allow: Vec<Entry>,
    pub deny: Vec<Entry>,
    pub payment: PaymentPages,
    /// `[rules]`: severities this store gives rules instead of their defaults.
    pub severities: std::collections::BTreeMap<RuleId, Severity>,
    /// `[identity]`: the test identity browser visits type, where the store wants its own
    /// (a test account's e-mail, a phone number its forms accept).
    pub identity: Identity,
}

impl Policy {
    /// The severity a finding of `rule` has in this store: the policy's `[rules]` entry, or
    /// `default` (the rule's own, or what the deciding code chose).
    pub fn severity(&self, rule: RuleId, default: Severity) -> Severity {
        self.severities.get(&rule).copied().unwrap_or(default)
    }
}

impl Default for Policy {
    /// No policy file: nothing is approved or denied, pages with card inputs
    /// are payment pages; only baseline findings can arise.
    fn default() -> Self {
        Policy {
            file: None,
            fail_on: FailOn::Error,
            unknown: UnknownMode::Allow,
            allow: vec![],
            deny: vec![],
            payment: PaymentPages { paths: None, detect: true, require_integrity: false },
            severities: Default::default(),
            identity: Identity::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    fail_on: Option<toml::Spanned<String>>,
    unknown: Option<toml::Spanned<String>>,
    #[serde(default)]
    allow: Vec<toml::Spanned<RawEntry>>,
    #[serde(default)]
    deny: Vec<toml::Spanned<RawEntry>>,
    payment_pages: Option<toml::Spanned<RawPayment>>,
    /// `[rules]`: a rule id mapped to the severity it should have in this store.
    #[serde(default)]
    rules: std::collections::BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
    #[serde(default)]
    identity: std::collections::BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEntry {
    vendor: Option<String>,
    host: Option<String>,
    category: Option<String>,
    company: Option<String>,
    owner_kind: Option<String>,
    reason: Option<String>,
    owner: Option<String>,
    /// A TOML date; read as any value so that a quoted date gets its own message.
    expires: Option<toml::Value>,
    pages: Option<Vec<String>>,
    owned_by: Option<String>,
    severity: Option<String>,
    #[serde(default)]
    necessary: bool,
    data: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPayment {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default = "yes")]
    detect: bool,
    #[serde(default = "yes")]
    require_integrity: bool,
}

fn yes() -> bool {
    true
}

/// Line numbers of byte offsets in the policy text: where each line starts, found once,
/// then a binary search per lookup. Counting newlines from the start for every entry made
/// a policy of 100,000 entries take hours.
struct Lines(Vec<usize>);

impl Lines {
    fn of(text: &str) -> Self {
        Lines(std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect())
    }

    /// The 1-based line of a byte offset.
    fn line_at(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset).max(1)
    }
}

/// A host that is a public suffix (`com`, `co.uk`, `github.io`): approving it would approve
/// every site registered under it, which is no review of a third party.
fn public_suffix(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>().is_err()
        && psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes() == host.as_bytes())
}

fn globs(patterns: &[String]) -> Result<GlobSet, String> {
    if patterns.is_empty() {
        return Err("an empty list matches no page; leave the key out to mean every page".into());
    }
    let mut b = GlobSetBuilder::new();
    let glob = |p: &str| {
        // `*` stays within one path segment, `**` crosses them (as docs/policy.md says).
        GlobBuilder::new(p).literal_separator(true).build().map_err(|e| format!("bad page pattern \"{p}\": {e}"))
    };
    for p in patterns {
        if !p.starts_with('/') {
            return Err(format!("page pattern \"{p}\" must start with / (it is matched against the URL path)"));
        }
        b.add(glob(p)?);
        // `/checkout/**` should also cover `/checkout` itself.
        if let Some(base) = p.strip_suffix("/**") {
            b.add(glob(if base.is_empty() { "/" } else { base })?);
        }
    }
    b.build().map_err(|e| e.to_string())
}

/// Find the policy: `--policy FILE`, else `vendorscan.toml` in the working directory.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Path::new(DEFAULT_FILE).is_file().then(|| PathBuf::from(DEFAULT_FILE)),
    }
}

/// The policy documentation, where an installed binary's user can read it (the repository's
/// `docs/policy.md` is not on their machine).
pub const DOCS_URL: &str = "https://github.com/vendorscan/vendorscan/blob/main/docs/policy.md";

/// The known name closest to `wrong`, if one is close enough to be a typo: at least 0.8
/// Jaro-Winkler similarity (`strip` → `stripe`, `hotjr` → `hotjar`), the measure that favours
/// a shared beginning, as ids that differ in their ending usually are typos.
pub fn did_you_mean<'a>(wrong: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let wrong = wrong.to_ascii_lowercase();
    known
        .map(|k| (strsim::jaro_winkler(&wrong, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, k)| k)
}

pub fn load(path: &Path, db: &VendorDb) -> Result<Policy, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::input(format!("cannot read policy {}: {e}", path.display()))
            .with_help("create one with `vendorscan policy init URL`, or pass --policy FILE")
    })?;
    parse(&text, Some(path), db)
}

pub fn parse(text: &str, file: Option<&Path>, db: &VendorDb) -> Result<Policy, Error> {
    let name = file.map_or_else(|| DEFAULT_FILE.to_owned(), |f| f.display().to_string());
    let help = format!("every key is described in {DOCS_URL}");
    let lines = Lines::of(text);
    let raw: RawPolicy = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| format!(":{}", lines.line_at(s.start))).unwrap_or_default();
        Error::input(format!("invalid policy {name}{line}: {}", e.message().trim())).with_help(help.clone())
    })?;
    let mut problems: Vec<String> = Vec::new();
    // A parsed policy always has a file name: `file: Some(..)` is what tells the checks a
    // policy is in force (text without a path is named after the default file).
    let mut policy =
        Policy { file: Some(file.map_or_else(|| PathBuf::from(DEFAULT_FILE), Path::to_path_buf)), ..Policy::default() };
    policy.unknown = UnknownMode::Error;
    policy.payment.require_integrity = true;
    if let Some(f) = &raw.fail_on {
        policy.fail_on = match f.get_ref().parse() {
            Ok(v) => v,
            Err(_) => {
                let other = f.get_ref();
                problems.push(format!(
                    "{name}:{}: fail-on = \"{other}\": use \"error\", \"warning\" or \"never\"",
                    lines.line_at(f.span().start)
                ));
                FailOn::Error
            }
        };
    }
    if let Some(u) = &raw.unknown {
        policy.unknown = match u.get_ref().parse() {
            Ok(v) => v,
            Err(_) => {
                let other = u.get_ref();
                problems.push(format!(
                    "{name}:{}: unknown = \"{other}\": use \"allow\", \"warn\" or \"error\"",
                    lines.line_at(u.span().start)
                ));
                UnknownMode::Error
            }
        };
    }
    let categories: Vec<&str> = db.category_ids().collect();
    for (table, list) in [(Table::Allow, &raw.allow), (Table::Deny, &raw.deny)] {
        for (index, spanned) in list.iter().enumerate() {
            let line = lines.line_at(spanned.span().start);
            let e = spanned.get_ref();
            let at = format!("{name}:{line}: {table}[{index}]");
            let targets: Vec<Target> = [
                e.vendor.clone().map(Target::Vendor),
                e.host.clone().map(|h| Target::Host(h.trim().trim_end_matches('.').to_ascii_lowercase())),
                e.category.clone().map(Target::Category),
                e.company.clone().map(Target::Company),
                e.owner_kind.as_deref().map(|k| match k.parse::<OwnerKind>() {
                    Ok(k) => Target::OwnerKind(k),
                    Err(_) => {
                        problems.push(format!("{at}: owner-kind = \"{k}\": use \"retailer\" (retailers and marketplaces) or \"marketplace\""));
                        Target::OwnerKind(OwnerKind::Retailer)
                    }
                }),
            ]
            .into_iter()
            .flatten()
            .collect();
            let target = match targets.as_slice() {
                [one] => one.clone(),
                [] => {
                    problems.push(format!(
                        "{at}: say what it is about with one of vendor, host, category, company or owner-kind"
                    ));
                    continue;
                }
                _ => {
                    problems.push(format!(
                        "{at}: give only one of vendor, host, category, company or owner-kind (split it into several entries)"
                    ));
                    continue;
                }
            };
            match &target {
                Target::Vendor(id) if db.get(id).is_none() => {
                    let hint = match did_you_mean(id, db.vendors().iter().map(|v| v.id.as_str())) {
                        Some(near) => format!("did you mean \"{near}\"? "),
                        None => String::new(),
                    };
                    problems.push(format!("{at}: vendor \"{id}\" is not in the vendor database ({hint}see `vendorscan vendors lookup HOST` or `vendors list`)"))
                }
                Target::Category(c) if !categories.contains(&c.as_str()) => {
                    problems.push(format!("{at}: unknown category \"{c}\" (known: {})", categories.join(", ")))
                }
                Target::Host(h) if crate::scope::normalize_host(h).as_deref() != Some(h.as_str()) => {
                    problems.push(format!("{at}: host \"{h}\" is not a host name"))
                }
                Target::Host(h) if table == Table::Allow && public_suffix(h) => problems.push(format!(
                    "{at}: host \"{h}\" is a public suffix: it would approve every site under it, \
                     not one third party; name the vendor's own domain (e.g. \"cdn.vendor.{h}\") or use vendor = \"id\""
                )),
                Target::Company(c)
                    if !db.vendors().iter().any(|v| {
                        v.owned_by(c)
                    }) =>
                {
                    problems.push(format!("{at}: no vendor in the database belongs to company \"{c}\" (see `vendorscan vendors list --company NAME`)"))
                }
                _ => {}
            }
            let reason = e.reason.clone().unwrap_or_default();
            if reason.trim().is_empty() {
                problems.push(format!("{at}: reason is required: say why this third party is (or is not) allowed"));
            }
            let expires = match &e.expires {
                None => None,
                Some(toml::Value::Datetime(dt)) => match (dt.date, dt.time) {
                    // TOML has already checked the calendar (no 2027-02-30).
                    (Some(d), None) => Date::new(d.year as i16, d.month as i8, d.day as i8).ok(),
                    _ => {
                        problems.push(format!("{at}: expires must be a date such as 2027-06-30"));
                        None
                    }
                },
                Some(toml::Value::String(text)) => {
                    let fix = match parse_date(text.trim()) {
                        Some(d) => format!("expires = {d}"),
                        None => "expires = 2027-06-30".to_owned(),
                    };
                    problems.push(format!(
                        "{at}: expires = \"{text}\" is a string; expires must be a TOML date without quotes: {fix}"
                    ));
                    None
                }
                Some(_) => {
                    problems.push(format!(
                        "{at}: expires must be a TOML date without quotes, such as expires = 2027-06-30"
                    ));
                    None
                }
            };
            let page_patterns = e.pages.clone().unwrap_or_default();
            let pages = match &e.pages {
                None => None,
                Some(p) => match globs(p) {
                    Ok(g) => Some(g),
                    Err(msg) => {
                        problems.push(format!("{at}: {msg}"));
                        None
                    }
                },
            };
            let owned_by = e.owned_by.clone().filter(|o| !o.trim().is_empty());
            if owned_by.is_some() && (table != Table::Allow || !matches!(target, Target::Vendor(_))) {
                problems.push(format!(
                    "{at}: owned-by records who owned a vendor when it was approved: give it on [[allow]] entries with vendor = \"ID\""
                ));
            }
            let severity = match (&e.severity, table) {
                (None, _) => None,
                (Some(s), Table::Deny) => match s.parse::<Severity>() {
                    Ok(s) => Some(s),
                    Err(_) => {
                        problems.push(format!("{at}: severity = \"{s}\": use \"error\", \"warning\" or \"note\""));
                        None
                    }
                },
                (Some(_), Table::Allow) => {
                    problems
                        .push(format!("{at}: severity belongs on [[deny]] entries (how bad a forbidden vendor is)"));
                    None
                }
            };
            if e.necessary && (table != Table::Allow || !matches!(target, Target::Vendor(_))) {
                problems.push(format!(
                    "{at}: necessary = true marks an approved vendor as strictly necessary: give it on [[allow]] entries with vendor = \"ID\""
                ));
            }
            let data = match (&e.data, table) {
                (None, _) => None,
                (Some(kinds), Table::Allow) => {
                    let known: Vec<&str> = db.data_kind_ids().collect();
                    for k in kinds.iter().filter(|k| !known.contains(&k.as_str())) {
                        let hint = did_you_mean(k, known.iter().copied())
                            .map(|n| format!("did you mean \"{n}\"? "))
                            .unwrap_or_default();
                        problems.push(format!(
                            "{at}: data = [\"{k}\"]: not a data kind ({hint}known: {})",
                            known.join(", ")
                        ));
                    }
                    Some(kinds.clone())
                }
                (Some(_), Table::Deny) => {
                    problems.push(format!(
                        "{at}: data lists what an approved vendor may receive: give it on [[allow]] entries"
                    ));
                    None
                }
            };
            let entry = Entry {
                data,
                table,
                index,
                line,
                target,
                reason,
                owner: e.owner.clone(),
                expires,
                pages,
                page_patterns,
                owned_by,
                severity,
                necessary: e.necessary && table == Table::Allow,
            };
            match table {
                Table::Allow => policy.allow.push(entry),
                Table::Deny => policy.deny.push(entry),
            }
        }
    }
    for (rule, severity) in &raw.rules {
        let line = lines.line_at(rule.span().start);
        match (rule.get_ref().parse::<RuleId>(), severity.get_ref().parse::<Severity>()) {
            (Ok(r), Ok(s)) => {
                policy.severities.insert(r, s);
            }
            (Err(_), _) => {
                let known: Vec<&str> = RuleId::all().map(RuleId::as_str).collect();
                problems.push(format!(
                    "{name}:{line}: [rules] {}: no such rule (known: {})",
                    rule.get_ref(),
                    known.join(", ")
                ))
            }
            (_, Err(_)) => problems.push(format!(
                "{name}:{line}: [rules] {} = \"{}\": use \"error\", \"warning\" or \"note\"",
                rule.get_ref(),
                severity.get_ref()
            )),
        }
    }
    for (key, value) in &raw.identity {
        let line = lines.line_at(key.span().start);
        // A postal code or a birth date written without quotes is a TOML number or date:
        // the value is the same.
        let text = match value.get_ref() {
            toml::Value::String(t) => t.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                problems
                    .push(format!("{name}:{line}: [identity] {} = {other}: write the value in quotes", key.get_ref()));
                continue;
            }
        };
        if let Err(msg) = policy.identity.set(key.get_ref(), &text) {
            problems.push(format!("{name}:{line}: [identity] {msg}"));
        }
    }
    if let Some(p) = &raw.payment_pages {
        let pp = p.get_ref();
        policy.payment.detect = pp.detect;
        policy.payment.require_integrity = pp.require_integrity;
        if !pp.paths.is_empty() {
            match globs(&pp.paths) {
                Ok(g) => policy.payment.paths = Some(g),
                Err(msg) => problems.push(format!("{name}:{}: payment-pages: {msg}", lines.line_at(p.span().start))),
            }
        }
    }
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(Error::input(format!("invalid policy {name}:\n  {}", problems.join("\n  "))).with_help(help))
    }
}

/// Today's date in UTC, from the system clock.
pub fn today() -> Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Parse `YYYY-MM-DD` (the hidden `--today` flag, for tests and reproducible runs): a real
/// calendar date, so `2027-02-30` is refused.
pub fn parse_date(s: &str) -> Option<Date> {
    // jiff also reads an ISO week or ordinal date; only the one spelling is documented.
    let b = s.as_bytes();
    let shaped = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    shaped.then(|| s.parse::<Date>().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> VendorDb {
        VendorDb::embedded().unwrap()
    }

    #[test]
    fn identity_and_data_limits_are_read_and_checked() {
        let text = r#"
[[allow]]
vendor = "klaviyo"
reason = "newsletter"
data = ["email", "page-url-referrer"]

[identity]
email = "qa@shop.example"
postal-code = 10115
birth-date = 1985-07-04
"#;
        let p = parse(text, None, &db()).unwrap();
        assert_eq!(p.allow[0].data.as_deref(), Some(&["email".to_owned(), "page-url-referrer".to_owned()][..]));
        assert_eq!((p.identity.email.as_str(), p.identity.postal_code.as_str()), ("qa@shop.example", "10115"));
        assert_eq!(p.identity.birth_date, "1985-07-04");
        let bad = "[[allow]]\nvendor = \"klaviyo\"\nreason = \"x\"\ndata = [\"emial\"]\n[identity]\nphone = \"12\"\nshoe = \"44444\"\n";
        let e = parse(bad, None, &db()).unwrap_err().to_string();
        assert!(e.contains(r#"data = ["emial"]: not a data kind (did you mean "email"?"#), "{e}");
        assert!(e.contains("[identity] identity `phone`"), "{e}");
        assert!(e.contains("unknown identity key `shoe`"), "{e}");
        let deny = "[[deny]]\nvendor = \"klaviyo\"\nreason = \"x\"\ndata = [\"email\"]\n";
        assert!(parse(deny, None, &db()).unwrap_err().to_string().contains("give it on [[allow]] entries"));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2027-06-30"), Some(jiff::civil::date(2027, 6, 30)));
        assert_eq!(parse_date("2028-02-29"), Some(jiff::civil::date(2028, 2, 29)));
        // Not on the calendar, or not the one documented spelling.
        for bad in ["2027-13-01", "2027-02-29", "2027-02-31", "2027-04-31", "2027-W01-1", "2027-6-30", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert!(today() > jiff::civil::date(2025, 1, 1));
    }

    #[test]
    fn parses_a_full_policy() {
        let text = r#"
fail-on = "warning"
unknown = "warn"

[[allow]]
vendor = "stripe"
reason = "Card payments"
owner = "payments-team"
expires = 2027-06-30
pages = ["/checkout/**"]

[[allow]]
host = "cdn.partner-widget.io"
reason = "Loyalty widget"

[[deny]]
category = "session-replay"
pages = ["/checkout/**", "/account/**"]
reason = "No session recording where card or account data is typed"

[payment-pages]
paths = ["/checkout/**", "/cart"]
detect = false
"#;
        let p = parse(text, None, &db()).unwrap();
        assert_eq!(p.fail_on, FailOn::Warning);
        assert_eq!(p.unknown, UnknownMode::Warn);
        assert_eq!(p.allow.len(), 2);
        assert_eq!(p.allow[0].line, 5);
        assert_eq!(p.allow[0].expires, Some(jiff::civil::date(2027, 6, 30)));
        assert!(p.allow[0].covers_page("/checkout/"));
        assert!(p.allow[0].covers_page("/checkout"));
        assert!(p.allow[0].covers_page("/checkout/pay/step2"));
        let one =
            parse("[[allow]]\nvendor = \"stripe\"\nreason = \"r\"\npages = [\"/products/*\"]\n", None, &db()).unwrap();
        assert!(one.allow[0].covers_page("/products/shoes"));
        assert!(!one.allow[0].covers_page("/products/shoes/red/"), "* stays within a segment");
        assert!(!p.allow[0].covers_page("/cart"));
        assert_eq!(p.allow[0].reference(None).to_string(), "allow[0] vendor = \"stripe\" (vendorscan.toml:5)");
        assert!(p.allow[1].matches(None, &["eu.cdn.partner-widget.io"]));
        assert!(!p.allow[1].matches(None, &["cdn.partner-widget.io.evil.com"]));
        let replay = db().lookup("static.hotjar.com").unwrap().vendor.clone();
        assert!(p.deny[0].matches(Some(&replay), &["static.hotjar.com"]));
        assert!(!p.payment.detect && p.payment.require_integrity);
        assert!(p.payment.paths.unwrap().is_match("/cart"));
    }

    #[test]
    fn rejects_what_would_weaken_the_gate() {
        let err = |t: &str| parse(t, None, &db()).unwrap_err().message;
        assert!(
            err("fail-on = \"error\"\nunkown = \"allow\"").contains("vendorscan.toml:2: unknown field `unkown`"),
            "{}",
            err("fail-on = \"error\"\nunkown = \"allow\"")
        );
        let e = err(
            "[[allow]]\nvendor = \"stripe\"\n\n[[allow]]\nvendor = \"no-such-vendor\"\nreason = \"x\"\n[[deny]]\nreason = \"x\"\n",
        );
        assert!(e.contains("vendorscan.toml:1: allow[0]: reason is required"), "{e}");
        assert!(
            e.contains("vendorscan.toml:4: allow[1]: vendor \"no-such-vendor\" is not in the vendor database"),
            "{e}"
        );
        assert!(e.contains("deny[0]: say what it is about"), "{e}");
        let e =
            err("[[allow]]\nvendor = \"stripe\"\nhost = \"x.com\"\nreason = \"r\"\nexpires = 2027-01-01T10:00:00\n");
        assert!(e.contains("give only one of"), "{e}");
        let e = err("fail-on = \"sometimes\"\n[[deny]]\ncategory = \"spyware\"\nreason = \"r\"\npages = [\"/a/[\"]\n");
        assert!(e.contains("fail-on = \"sometimes\""), "{e}");
        assert!(e.contains("unknown category \"spyware\""), "{e}");
        assert!(e.contains("bad page pattern"), "{e}");
        let e = err(
            "[[allow]]\nvendor = \"stripe\"\nreason = \"r\"\npages = []\n[[allow]]\nvendor = \"stripe\"\nreason = \"r\"\npages = [\"checkout/**\"]\n[[deny]]\ncompany = \"Meta Platformz\"\nreason = \"r\"\n",
        );
        assert!(e.contains("an empty list matches no page"), "{e}");
        assert!(e.contains("must start with /"), "{e}");
        assert!(e.contains("no vendor in the database belongs to company \"Meta Platformz\""), "{e}");
    }

    #[test]
    fn necessary_marks_an_approved_vendor_only() {
        let p = parse(
            "[[allow]]\nvendor = \"hotjar\"\nreason = \"support replays, contract\"\nnecessary = true\n",
            None,
            &db(),
        )
        .unwrap();
        assert!(p.allow[0].necessary);
        let e = parse("[[deny]]\nvendor = \"hotjar\"\nreason = \"r\"\nnecessary = true\n", None, &db()).unwrap_err();
        assert!(e.message.contains("necessary = true marks an approved vendor"), "{}", e.message);
    }

    #[test]
    fn a_public_suffix_is_not_a_third_party() {
        let err = |t: &str| parse(t, None, &db()).unwrap_err().message;
        let e = err("\n[[allow]]\nhost = \"com\"\nreason = \"r\"\n[[allow]]\nhost = \"co.uk\"\nreason = \"r\"\n\
                     [[allow]]\nhost = \"github.io\"\nreason = \"r\"\n[[allow]]\nhost = \"MyShopify.com.\"\nreason = \"r\"\n");
        for (suffix, line) in [("com", 2), ("co.uk", 5), ("github.io", 8), ("myshopify.com", 11)] {
            assert!(e.contains(&format!("vendorscan.toml:{line}: allow[")), "{e}");
            assert!(e.contains(&format!("host \"{suffix}\" is a public suffix")), "{suffix}: {e}");
        }
        // A vendor's own domain under one is fine, and so is denying a whole suffix.
        let ok = "[[allow]]\nhost = \"cdn.vendor.co.uk\"\nreason = \"r\"\n[[allow]]\nhost = \"vendor.github.io\"\nreason = \"r\"\n\
                  [[allow]]\nhost = \"203.0.113.7\"\nreason = \"r\"\n[[deny]]\nhost = \"xyz\"\nreason = \"r\"\n";
        assert!(parse(ok, None, &db()).is_ok(), "{:?}", parse(ok, None, &db()).err().map(|e| e.message));
    }

    #[test]
    fn lines_are_found_in_one_pass() {
        let lines = Lines::of("a\nbb\n\nc");
        assert_eq!([0, 1, 2, 3, 5, 6, 7, 99].map(|o| lines.line_at(o)), [1, 1, 2, 2, 3, 4, 4, 4]);
        // 100,000 entries: counting newlines from the start for each took hours.
        let text: String =
            (0..100_000).map(|i| format!("[[allow]]\nhost = \"h{i}.example.net\"\nreason = \"r\"\n")).collect();
        let p = parse(&text, None, &db()).unwrap();
        assert_eq!(p.allow.len(), 100_000);
        assert_eq!(p.allow[99_999].line, 299_998);
    }
}
