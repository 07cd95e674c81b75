//! Classification and the inventory: from pages to "who receives what, where".
//!
//! Enters: the [`PageRecord`]s of a run, the [`Scope`] and the [`VendorDb`]. Leaves: a
//! [`Report`], the one model every renderer reads and the exact shape of the JSON output
//! (`schema_version` 2, documented in `docs/json-report.md`). Everything is sorted here,
//! once, so two runs over the same site give the same bytes.

use crate::baseline::Changes;
use crate::browser::chain;
use crate::checks::Finding;
use crate::model::{CookieVia, FastMap, InitiatorKind, PageOutcome, PageRecord, ResourceKind, Visit};
use crate::scope::{Scope, host_of, registrable_domain};
use crate::vendors::{VendorDb, VendorMatch};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// 2: `resources[]` lists each distinct reference once, with its `occurrences` (page, line,
/// source, runtime); 1 listed one entry per occurrence. Baselines of both are read.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    First,
    Third,
}

/// First or third party, and the vendor when the database knows the host.
pub fn classify<'a>(host: &str, scope: &Scope, db: &'a VendorDb) -> (Party, Option<VendorMatch<'a>>) {
    let party = if scope.is_first_party(host) { Party::First } else { Party::Third };
    (party, db.lookup(host))
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// `crawl` (live site) or `local` (files on disk).
    pub mode: &'static str,
    pub targets: Vec<String>,
    pub first_party: Vec<String>,
    /// False when the run stopped before it was done (the list of pages is then partial).
    pub complete: bool,
    /// `--max-pages` turned away pages the crawl had found: the store has more pages than
    /// this report covers.
    pub page_limit_reached: bool,
    pub summary: Summary,
    pub pages: Vec<PageOut>,
    pub vendors: Vec<VendorOut>,
    pub companies: Vec<CompanyOut>,
    pub unknown_hosts: Vec<UnknownHost>,
    pub resources: Vec<ResourceOut>,
    /// Browser mode: the cookies in the jar after each visit, merged over pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookies: Option<Vec<CookieOut>>,
    /// Browser mode: `localStorage` / `sessionStorage` writes, merged over pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Vec<StorageOut>>,
    /// Browser mode: which browser ran and how; absent for a static scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<BrowserOut>,
    /// The policy the run was checked against; absent when no policy was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyOut>,
    /// What the checks found (policy and baseline); sorted, most severe first.
    pub findings: Vec<Finding>,
    /// The comparison with `--baseline`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyOut {
    /// The policy file, if one was read.
    pub file: Option<String>,
    /// The least severe finding that fails the run: `error`, `warning` or `never`.
    pub fail_on: String,
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    pub vendor_db_version: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub pages_scanned: usize,
    pub pages_failed: usize,
    pub pages_skipped: usize,
    pub resources: usize,
    /// First-party images, media, icons, fonts, CSS `url()`s and resource hints: counted in
    /// `resources`, listed only with `--all-resources`.
    pub first_party_assets: usize,
    pub third_party_resources: usize,
    pub third_party_hosts: usize,
    pub vendors: usize,
    pub companies: usize,
    pub unknown_hosts: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageOut {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub depth: u32,
    pub status: Option<u16>,
    pub outcome: PageOutcome,
    pub error: Option<String>,
    pub truncated: bool,
    pub resources: usize,
    /// Browser mode: how the visit of this page went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit: Option<PageVisitOut>,
    /// In PCI DSS scope: matched `[payment-pages] paths`, or has card fields (card number,
    /// CVC, expiry; when `detect` is on).
    pub payment_page: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TagIdOut {
    pub kind: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataOut {
    pub kind: String,
    pub basis: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorOut {
    pub id: String,
    pub name: String,
    pub company: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub categories: Vec<String>,
    pub data_received: Vec<DataOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_policy: Option<String>,
    /// The hosts seen on this run, and the database rule each matched.
    pub hosts: Vec<HostOut>,
    pub pages: Vec<Arc<str>>,
    /// How the vendor is referenced; empty when only a tag ID in a script names it.
    pub kinds: Vec<ResourceKind>,
    /// Where it was seen: `markup` (in the served HTML), `runtime` (requested in the
    /// browser only), or both.
    pub sources: Vec<Source>,
    /// Browser mode: who made the requests to it: `page` (the page's markup or inline
    /// scripts), a vendor id, or `host/path` of an unknown or first-party script.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loaded_by: Vec<String>,
    /// Browser mode: what its scripts and frames requested in turn (vendor ids or hosts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<String>,
    /// Browser mode: cookies it set (by header or script) or that live on its domains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<CookieRef>,
    /// Browser mode: Web Storage keys its scripts wrote (`local:key`, `session:key`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<String>,
    pub tag_ids: Vec<TagIdOut>,
    pub resources: usize,
    /// True when the resources are all first party (e.g. the store runs on this platform's domain).
    pub first_party: bool,
    /// The policy entry that approves this vendor (absent without a policy or approval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// e.g. `allow[0] vendor = "stripe" (vendorscan.toml:5)`
    pub entry: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HostOut {
    pub host: String,
    pub matched: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompanyOut {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub vendors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnknownHost {
    pub host: String,
    pub registrable_domain: String,
    pub pages: Vec<Arc<str>>,
    pub kinds: Vec<ResourceKind>,
    pub sources: Vec<Source>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loaded_by: Vec<String>,
    pub resources: usize,
}

/// Where a reference was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// In the HTML the server sent: edit the template.
    Markup,
    /// Requested in the browser only: injected by a script (edit the tag manager or the
    /// script that loads it).
    Runtime,
    /// Both written in the HTML and requested by the browser.
    Both,
}

/// Browser mode: what the browser did with one reference.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeOut {
    /// Chromium's resource type (`Script`, `Image`, `Ping`, `XHR`, `Fetch`, `Document`...).
    #[serde(rename = "type")]
    pub cdp_type: String,
    pub method: String,
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The frame's document URL, when an iframe (not the page) made the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
    pub initiator: InitiatorKind,
    /// The script (or document, or stylesheet) that issued the request; absent when the
    /// page itself did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_by_line: Option<u32>,
    /// The loaders from the page down, outermost first (`[tag manager, vendor script]`).
    pub chain: Vec<String>,
    /// How many times the page requested this URL as this kind.
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CookieRef {
    pub name: String,
    pub domain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CookieOut {
    pub name: String,
    pub domain: String,
    pub path: String,
    /// Days from the visit until it expires (two decimals); absent for a session cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_days: Option<f64>,
    pub session: bool,
    pub secure: bool,
    pub http_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_site: Option<String>,
    /// `first` when the cookie's domain is the store's, else `third`.
    pub party: Party,
    /// `header` (Set-Cookie), `script` (document.cookie) or `unknown`.
    pub via: CookieVia,
    /// The response or script URL that set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_by_host: Option<String>,
    /// The vendor behind the setter (or behind the cookie's domain when the setter is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The browser refused to store it: Chromium's reasons. The attempt is still reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    pub pages: BTreeSet<String>,
}

impl CookieOut {
    pub fn party_label(&self) -> &'static str {
        match self.party {
            Party::First => "first",
            Party::Third => "third",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StorageOut {
    /// `local` or `session`.
    pub area: &'static str,
    pub origin: String,
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// `first` or `third`: the party of the script that wrote it.
    pub party: Party,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    pub pages: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageVisitOut {
    /// False when the visit failed or was cut: see `error`.
    pub complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub requests: usize,
    pub cookies: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrowserOut {
    /// The browser's product string, e.g. `HeadlessChrome/156.0.8078.114`.
    pub product: String,
    pub settle_ms: u64,
    pub page_timeout_ms: u64,
    pub pages_visited: usize,
    pub pages_failed: usize,
}

/// One distinct reference: what is written (URL, kind, element, attribute, raw text, kept
/// attributes) and every page and line it is written on. A tag in the store's template is
/// one entry with a thousand occurrences, not a thousand entries: memory and output grow
/// with the distinct references, not with pages times references (schema 2).
#[derive(Debug, Clone, Serialize)]
pub struct ResourceOut {
    pub url: String,
    pub host: String,
    pub kind: ResourceKind,
    pub party: Party,
    pub vendor: Option<String>,
    pub element: String,
    pub attribute: String,
    pub raw: String,
    pub in_noscript: bool,
    pub attributes: BTreeMap<String, String>,
    /// `markup`, `runtime`, or `both` over all its occurrences.
    pub source: Source,
    /// Where it was found, sorted by page, then line.
    pub occurrences: Vec<OccurrenceOut>,
    /// Digest of the script body (`--hash-scripts`, third-party scripts on payment pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentHash>,
    /// Why `--hash-scripts` could not fetch the script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_error: Option<String>,
}

/// One place a resource was found.
#[derive(Debug, Clone, Serialize)]
pub struct OccurrenceOut {
    /// Shared by every occurrence on the page: a page URL is stored once, not once per reference.
    pub page: Arc<str>,
    /// 1-based line in the page source; `0` for a reference only the browser requested.
    pub line: u32,
    pub source: Source,
    /// Browser mode: the request the browser made for it on this page.
    /// Boxed: most occurrences have none, and a static crawl holds ~90 per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Box<RuntimeOut>>,
}

/// A resource seen from one of its occurrences: the per-page view the checks need. Derefs
/// to the resource, so `o.url` and `o.kind` read through while `o.page`, `o.line`,
/// `o.source` and `o.runtime` are the occurrence's own.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    pub res: &'a ResourceOut,
    pub page: &'a str,
    pub line: u32,
    pub source: Source,
    pub runtime: Option<&'a RuntimeOut>,
}

impl std::ops::Deref for Occurrence<'_> {
    type Target = ResourceOut;
    fn deref(&self) -> &ResourceOut {
        self.res
    }
}

impl ResourceOut {
    /// This resource's occurrences, each seen as an [`Occurrence`].
    pub fn each(&self) -> impl Iterator<Item = Occurrence<'_>> {
        self.occurrences.iter().map(move |o| Occurrence {
            res: self,
            page: &o.page,
            line: o.line,
            source: o.source,
            runtime: o.runtime.as_deref(),
        })
    }
}

impl Report {
    /// Every occurrence of every resource, in report order.
    pub fn occurrences(&self) -> impl Iterator<Item = Occurrence<'_>> {
        self.resources.iter().flat_map(ResourceOut::each)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ContentHash {
    /// Hex SHA-256 of the body as served (after HTTP decompression).
    pub sha256: String,
    /// The SRI value for an `integrity` attribute (`sha384-...`).
    pub sri: String,
}

/// What the run was pointed at, for the report header.
pub struct RunInfo<'a> {
    pub mode: &'static str,
    pub targets: Vec<String>,
    pub scope: &'a Scope,
    pub complete: bool,
    pub page_limit_reached: bool,
    /// `[payment-pages] paths` from the policy.
    pub payment_paths: Option<globset::GlobSet>,
    /// Treat pages with card inputs as payment pages.
    pub detect_payment_pages: bool,
    /// List first-party assets (see [`is_asset`]) in `resources`, not only count them.
    pub list_assets: bool,
    /// Browser mode: the browser's product string and timings.
    pub browser: Option<BrowserInfo>,
}

pub struct BrowserInfo {
    pub product: String,
    pub settle_ms: u64,
    pub page_timeout_ms: u64,
}

#[derive(Default)]
struct VendorAcc {
    hosts: BTreeSet<HostOut>,
    /// Shared with the occurrences: a page URL is stored once however many vendors it has.
    pages: BTreeSet<Arc<str>>,
    kinds: BTreeSet<ResourceKind>,
    sources: BTreeSet<Source>,
    loaded_by: BTreeSet<String>,
    loads: BTreeSet<String>,
    cookies: BTreeSet<CookieRef>,
    storage: BTreeSet<String>,
    tag_ids: BTreeSet<TagIdOut>,
    resources: usize,
    third_party: bool,
}

#[derive(Default)]
struct UnknownAcc {
    pages: BTreeSet<Arc<str>>,
    kinds: BTreeSet<ResourceKind>,
    sources: BTreeSet<Source>,
    loaded_by: BTreeSet<String>,
    resources: usize,
}

/// The running totals of one [`build`].
struct Acc<'a> {
    scope: &'a Scope,
    db: &'a VendorDb,
    vendors: BTreeMap<String, VendorAcc>,
    unknown: BTreeMap<String, UnknownAcc>,
    third_hosts: BTreeSet<String>,
    summary: Summary,
    cookies: BTreeMap<(String, String, String), CookieOut>,
    storage: BTreeMap<(&'static str, String, String, Option<String>), StorageOut>,
}

impl Acc<'_> {
    /// Count one reference to `host` on `page`.
    fn count(&mut self, host: &str, kind: ResourceKind, source: Source, page: &Arc<str>) -> (Party, Option<String>) {
        let (party, found) = classify(host, self.scope, self.db);
        // Called once per reference (about 90 a page): look before copying a string in.
        if party == Party::Third {
            self.summary.third_party_resources += 1;
            if !self.third_hosts.contains(host) {
                self.third_hosts.insert(host.to_owned());
            }
        }
        match (&found, party) {
            (Some(m), _) => {
                if !self.vendors.contains_key(&m.vendor.id) {
                    self.vendors.insert(m.vendor.id.clone(), VendorAcc::default());
                }
                let acc = self.vendors.get_mut(&m.vendor.id).expect("inserted above");
                if !acc.hosts.iter().any(|h| h.host == host) {
                    acc.hosts.insert(HostOut { host: host.to_owned(), matched: m.rule.describe() });
                }
                acc.pages.insert(page.clone());
                acc.kinds.insert(kind);
                acc.sources.insert(source);
                acc.resources += 1;
                acc.third_party |= party == Party::Third;
            }
            (None, Party::Third) => {
                if !self.unknown.contains_key(host) {
                    self.unknown.insert(host.to_owned(), UnknownAcc::default());
                }
                let acc = self.unknown.get_mut(host).expect("inserted above");
                acc.pages.insert(page.clone());
                acc.kinds.insert(kind);
                acc.sources.insert(source);
                acc.resources += 1;
            }
            (None, Party::First) => {}
        }
        (party, found.map(|m| m.vendor.id.clone()))
    }

    /// A source seen again by the browser: the vendor (or unknown host) now counts as
    /// seen in both places.
    fn also_runtime(&mut self, host: &str) {
        if let Some(m) = self.db.lookup(host) {
            self.vendors.entry(m.vendor.id.clone()).or_default().sources.insert(Source::Runtime);
        } else if let Some(acc) = self.unknown.get_mut(host) {
            acc.sources.insert(Source::Runtime);
        }
    }

    /// The cookies a visit left (or tried to set), merged by (domain, name, path).
    fn note_cookies(&mut self, visit: &Visit, page: &str) {
        for c in &visit.cookies {
            let set_by_host = c.set_by.as_deref().and_then(host_of);
            let domain_host = c.domain.trim_start_matches('.');
            let vendor = set_by_host
                .as_deref()
                .and_then(|h| self.db.lookup(h))
                .or_else(|| self.db.lookup(domain_host))
                .map(|m| m.vendor.id.clone());
            if let Some(id) = &vendor {
                self.vendors
                    .entry(id.clone())
                    .or_default()
                    .cookies
                    .insert(CookieRef { name: c.name.clone(), domain: c.domain.clone() });
            }
            let seen = CookieOut {
                name: c.name.clone(),
                domain: c.domain.clone(),
                path: c.path.clone(),
                lifetime_days: c.lifetime_days,
                session: c.lifetime_days.is_none(),
                secure: c.secure,
                http_only: c.http_only,
                same_site: c.same_site.clone(),
                party: if self.scope.is_first_party(domain_host) { Party::First } else { Party::Third },
                via: c.via,
                set_by: c.set_by.clone(),
                set_by_host,
                vendor,
                blocked: c.blocked.clone(),
                pages: BTreeSet::new(),
            };
            let key = (c.domain.clone(), c.name.clone(), c.path.clone());
            let out = self.cookies.entry(key).or_insert_with(|| seen.clone());
            // Pages arrive in crawl order, which varies: the attributes kept are the
            // ones that sort first (a known setter before an unknown one), not the
            // first page's.
            if cookie_rank(&seen) < cookie_rank(out) {
                let pages = std::mem::take(&mut out.pages);
                *out = CookieOut { pages, ..seen };
            }
            out.pages.insert(page.to_owned());
        }
    }

    /// The Web Storage writes of a visit, merged by (area, origin, key, script).
    fn note_storage(&mut self, visit: &Visit, page: &str) {
        for w in &visit.storage {
            let host = w.script.as_deref().and_then(host_of);
            let vendor = host.as_deref().and_then(|h| self.db.lookup(h)).map(|m| m.vendor.id.clone());
            if let Some(id) = &vendor {
                self.vendors.entry(id.clone()).or_default().storage.insert(format!("{}:{}", w.area, w.key));
            }
            let party = match host.as_deref() {
                Some(h) if !self.scope.is_first_party(h) => Party::Third,
                _ => Party::First,
            };
            let key = (w.area, w.origin.clone(), w.key.clone(), w.script.clone());
            self.storage
                .entry(key)
                .or_insert_with(|| StorageOut {
                    area: w.area,
                    origin: w.origin.clone(),
                    key: w.key.clone(),
                    script: w.script.clone(),
                    party,
                    vendor,
                    pages: BTreeSet::new(),
                })
                .pages
                .insert(page.to_owned());
        }
    }

    /// How a loader is named in `loaded_by`: its vendor id, else the script itself
    /// (`host/path`, no query), which is what a developer goes to edit.
    fn entity(&self, url: &str) -> String {
        let Ok(u) = url::Url::parse(url) else { return url.to_owned() };
        let host = u.host_str().unwrap_or_default();
        self.db.lookup(host).map_or_else(|| format!("{host}{}", u.path()), |m| m.vendor.id.clone())
    }

    /// `loader` requested something from `host`.
    fn edge(&mut self, loader: Option<&str>, host: &str) {
        let from = loader.map_or_else(|| "page".to_owned(), |u| self.entity(u));
        let to = self.db.lookup(host).map_or_else(|| host.to_owned(), |m| m.vendor.id.clone());
        if from == to {
            return;
        }
        if let Some(m) = self.db.lookup(host) {
            self.vendors.entry(m.vendor.id.clone()).or_default().loaded_by.insert(from.clone());
        } else if let Some(acc) = self.unknown.get_mut(host) {
            acc.loaded_by.insert(from.clone());
        }
        if let Some(acc) = self.vendors.get_mut(&from) {
            acc.loads.insert(to);
        }
    }
}

/// The form in which a markup reference and a browser request are the same URL: no
/// fragment (the browser never sends one), and `http:` as `https:` (the browser upgrades
/// some hosts before it asks).
fn match_key(url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    match url.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_owned(),
    }
}

/// Build the report of a run in one go (local scans, tests, browser mode).
pub fn build(pages: Vec<PageRecord>, info: RunInfo, db: &VendorDb) -> Report {
    let mut b = Builder::new(info, db);
    for page in pages {
        b.add(page);
    }
    b.finish()
}

/// What makes two references the same resource: everything written in the page except
/// where. Occurrences (page, line) hang off it. Its order (URL first) is the report's.
#[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RefKey {
    url: String,
    kind: ResourceKind,
    element: String,
    attribute: String,
    raw: String,
    in_noscript: bool,
    attrs: BTreeMap<String, String>,
}

/// A resource being built: what the key does not hold.
struct Group {
    host: String,
    party: Party,
    vendor: Option<String>,
    occurrences: Vec<OccurrenceOut>,
}

/// The report built page by page, as the crawl delivers them: a page's references are
/// classified and folded into the inventory when it arrives and then dropped, so memory
/// holds each distinct reference once plus a small record per occurrence, never a page's
/// references for the whole run.
pub struct Builder<'a> {
    acc: Acc<'a>,
    info: RunInfo<'a>,
    index: FastMap<RefKey, usize>,
    groups: Vec<Group>,
    pages: Vec<PageOut>,
    occurrences: usize,
    visited: usize,
    visits_failed: usize,
}

impl<'a> Builder<'a> {
    pub fn new(info: RunInfo<'a>, db: &'a VendorDb) -> Self {
        Builder {
            acc: Acc {
                scope: info.scope,
                db,
                vendors: BTreeMap::new(),
                unknown: BTreeMap::new(),
                third_hosts: BTreeSet::new(),
                summary: Summary::default(),
                cookies: BTreeMap::new(),
                storage: BTreeMap::new(),
            },
            info,
            index: FastMap::default(),
            groups: Vec::new(),
            pages: Vec::new(),
            occurrences: 0,
            visited: 0,
            visits_failed: 0,
        }
    }

    /// How the run ended, known only after the crawl (and the browser phase).
    pub fn set_end(&mut self, complete: bool, page_limit_reached: bool, browser: Option<BrowserInfo>) {
        self.info.complete = complete;
        self.info.page_limit_reached = page_limit_reached;
        self.info.browser = browser;
    }

    /// The pages added so far, in the order they came.
    pub fn pages(&self) -> &[PageOut] {
        &self.pages
    }

    /// A first-party asset is counted (in the page's and the run's totals); it is listed
    /// only with `--all-resources`. True when it is counted and not to be listed.
    fn unlisted_asset(&mut self, party: Party, kind: ResourceKind) -> bool {
        if party != Party::First || !is_asset(kind) {
            return false;
        }
        self.acc.summary.first_party_assets += 1;
        if self.info.list_assets {
            return false;
        }
        self.occurrences += 1;
        true
    }

    /// Record one occurrence of the reference `key`, a new resource when the key is new;
    /// returns where it went (resource, occurrence), for the browser visit to update.
    fn occur(
        &mut self,
        key: RefKey,
        host: &str,
        party: Party,
        vendor: Option<String>,
        occ: OccurrenceOut,
    ) -> (usize, usize) {
        self.occurrences += 1;
        let g = match self.index.get(&key) {
            Some(&g) => g,
            None => {
                let g = self.groups.len();
                self.groups.push(Group { host: host.to_owned(), party, vendor, occurrences: Vec::new() });
                self.index.insert(key, g);
                g
            }
        };
        let list = &mut self.groups[g].occurrences;
        list.push(occ);
        (g, list.len() - 1)
    }

    /// Fold one page in.
    pub fn add(&mut self, page: PageRecord) {
        match page.outcome {
            PageOutcome::Scanned => self.acc.summary.pages_scanned += 1,
            PageOutcome::Failed => self.acc.summary.pages_failed += 1,
            PageOutcome::Skipped => self.acc.summary.pages_skipped += 1,
        }
        // The page as a user knows it: where the content came from.
        let page_url: Arc<str> = page.final_url.as_deref().unwrap_or(&page.url).into();
        let first_occurrence = self.occurrences;
        // Browser mode matches the visit's requests against this page's markup references.
        let mut markup: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for res in page.resources {
            let host = res.url.host_str().unwrap_or("").to_owned();
            let (party, vendor) = self.acc.count(&host, res.kind, Source::Markup, &page_url);
            let match_on = page.visit.is_some().then(|| match_key(res.url.as_str()));
            if self.unlisted_asset(party, res.kind) {
                // Known to be in the markup, so the browser's request for it is not counted again.
                if let Some(k) = match_on {
                    markup.entry(k).or_default();
                }
                continue;
            }
            let ev = res.evidence;
            let key = RefKey {
                url: res.url.into(),
                kind: res.kind,
                element: ev.element,
                attribute: ev.attribute,
                raw: ev.raw,
                in_noscript: ev.in_noscript,
                attrs: ev.attrs,
            };
            let occ = OccurrenceOut { page: page_url.clone(), line: ev.line, source: Source::Markup, runtime: None };
            let at = self.occur(key, &host, party, vendor, occ);
            if let Some(k) = match_on {
                markup.entry(k).or_default().push(at);
            }
        }
        let mut visit_out = None;
        if let Some(visit) = &page.visit {
            self.visited += 1;
            self.visits_failed += usize::from(visit.failed);
            self.merge_visit(markup, visit, &page_url);
            self.acc.note_cookies(visit, &page_url);
            self.acc.note_storage(visit, &page_url);
            visit_out = Some(PageVisitOut {
                complete: !visit.failed,
                error: visit.error.clone(),
                requests: visit.requests.len(),
                cookies: visit.cookies.len(),
            });
        }
        // A tag ID names the account that receives the data. It also names the vendor when
        // the vendor's own host is not in the markup (GA4's `G-` ID is loaded through
        // googletagmanager.com, the data goes to google-analytics.com).
        for tag in &page.tag_ids {
            if let Some(m) = self.acc.db.lookup(tag.vendor_host) {
                let v = self.acc.vendors.entry(m.vendor.id.clone()).or_default();
                v.tag_ids.insert(TagIdOut { kind: tag.kind, value: tag.value.clone() });
                v.pages.insert(page_url.clone());
                v.third_party |= !self.info.scope.is_first_party(tag.vendor_host);
            }
        }
        let payment_page = page.sensitive_inputs && self.info.detect_payment_pages
            || self.info.payment_paths.as_ref().is_some_and(|g| g.is_match(page_path(&page_url)));
        self.pages.push(PageOut {
            url: page.url,
            final_url: page.final_url,
            file: page.file,
            depth: page.depth,
            status: page.status,
            outcome: page.outcome,
            error: page.error,
            truncated: page.truncated,
            resources: self.occurrences - first_occurrence,
            visit: visit_out,
            payment_page,
        });
    }

    /// Fold one page's browser requests into its resources: a request for a URL the markup
    /// names marks that occurrence `both`; any other becomes a `runtime` occurrence (one per
    /// URL and kind on the page, with a count). Every request adds its loader edge.
    fn merge_visit(&mut self, markup: HashMap<String, Vec<(usize, usize)>>, visit: &Visit, page: &Arc<str>) {
        // Where this page's runtime-only requests went; `None` for an unlisted asset.
        let mut runtime_only: HashMap<(String, ResourceKind), Option<(usize, usize)>> = HashMap::new();
        for (i, req) in visit.requests.iter().enumerate() {
            let url = req.url.to_string();
            let host = req.url.host_str().unwrap_or("").to_owned();
            let loader = chain::loaded_by(req, page);
            let out = || RuntimeOut {
                cdp_type: req.cdp_type.clone(),
                method: req.method.clone(),
                status: req.status,
                failure: req.failure.clone(),
                frame: req.frame.clone(),
                initiator: req.initiator,
                loaded_by: loader.map(str::to_owned),
                loaded_by_line: loader.and(req.initiator_line),
                chain: chain::chain(&visit.requests, i, page),
                count: 1,
            };
            if let Some(at) = markup.get(&match_key(&url)) {
                self.acc.edge(loader, &host);
                for &(g, o) in at {
                    let occ = &mut self.groups[g].occurrences[o];
                    occ.source = Source::Both;
                    match &mut occ.runtime {
                        Some(rt) => rt.count += 1,
                        None => occ.runtime = Some(Box::new(out())),
                    }
                }
                self.acc.also_runtime(&host);
                continue;
            }
            if let Some(&at) = runtime_only.get(&(url.clone(), req.kind)) {
                if let Some(rt) = at.and_then(|(g, o)| self.groups[g].occurrences[o].runtime.as_mut()) {
                    rt.count += 1;
                }
                self.acc.edge(loader, &host);
                continue;
            }
            // Counted first, so an unknown host seen only now exists when its loader is noted.
            let (party, vendor) = self.acc.count(&host, req.kind, Source::Runtime, page);
            self.acc.edge(loader, &host);
            if self.unlisted_asset(party, req.kind) {
                // One count per URL and kind on the page, as for a listed runtime resource.
                runtime_only.insert((url, req.kind), None);
                continue;
            }
            let key = RefKey {
                url: url.clone(),
                kind: req.kind,
                element: String::new(),
                attribute: String::new(),
                raw: String::new(),
                in_noscript: false,
                attrs: BTreeMap::new(),
            };
            let occ =
                OccurrenceOut { page: page.clone(), line: 0, source: Source::Runtime, runtime: Some(Box::new(out())) };
            let at = self.occur(key, &host, party, vendor, occ);
            runtime_only.insert((url, req.kind), Some(at));
        }
    }

    /// Sort everything and hand over the report.
    pub fn finish(self) -> Report {
        let Builder { acc, info, index, groups, pages: mut page_out, occurrences, visited, visits_failed } = self;
        let db = acc.db;
        // Each key beside its group (the index maps one to the other), then in report order.
        let mut keyed: Vec<(usize, RefKey)> = index.into_iter().map(|(key, g)| (g, key)).collect();
        keyed.sort_unstable_by_key(|(g, _)| *g);
        let mut entries: Vec<(RefKey, Group)> = keyed.into_iter().map(|(_, key)| key).zip(groups).collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let resources: Vec<ResourceOut> = entries
            .into_iter()
            .map(|(key, mut group)| {
                group.occurrences.sort_by(|a, b| (&a.page, a.line, a.source).cmp(&(&b.page, b.line, b.source)));
                let sources: BTreeSet<Source> = group.occurrences.iter().map(|o| o.source).collect();
                let source = match collapse(sources).as_slice() {
                    [one] => *one,
                    _ => Source::Both,
                };
                ResourceOut {
                    url: key.url,
                    host: group.host,
                    kind: key.kind,
                    party: group.party,
                    vendor: group.vendor,
                    element: key.element,
                    attribute: key.attribute,
                    raw: key.raw,
                    in_noscript: key.in_noscript,
                    attributes: key.attrs,
                    source,
                    occurrences: group.occurrences,
                    content: None,
                    content_error: None,
                }
            })
            .collect();
        let Acc { vendors, unknown, third_hosts, mut summary, cookies, storage, .. } = acc;

        let mut vendor_out: Vec<VendorOut> = vendors
            .into_iter()
            .filter_map(|(id, acc)| {
                let v = db.get(&id)?;
                Some(VendorOut {
                    id,
                    name: v.name.clone(),
                    company: v.company.clone(),
                    parent: v.parent.clone(),
                    categories: v.categories.clone(),
                    data_received: v
                        .data_received
                        .iter()
                        .map(|d| DataOut { kind: d.kind.clone(), basis: d.basis.as_str() })
                        .collect(),
                    homepage: v.homepage.clone(),
                    privacy_policy: v.privacy_policy.clone(),
                    hosts: acc.hosts.into_iter().collect(),
                    pages: acc.pages.into_iter().collect(),
                    kinds: acc.kinds.into_iter().collect(),
                    sources: collapse(acc.sources),
                    loaded_by: acc.loaded_by.into_iter().collect(),
                    loads: acc.loads.into_iter().collect(),
                    cookies: acc.cookies.into_iter().collect(),
                    storage: acc.storage.into_iter().collect(),
                    tag_ids: acc.tag_ids.into_iter().collect(),
                    resources: acc.resources,
                    first_party: !acc.third_party,
                    approval: None,
                })
            })
            .collect();
        vendor_out.sort_by(|a, b| a.id.cmp(&b.id));

        let mut companies: BTreeMap<&str, CompanyOut> = BTreeMap::new();
        for v in vendor_out.iter().filter(|v| !v.first_party) {
            companies
                .entry(&v.company)
                .or_insert_with(|| CompanyOut { name: v.company.clone(), parent: v.parent.clone(), vendors: vec![] })
                .vendors
                .push(v.id.clone());
        }
        let companies: Vec<CompanyOut> = companies.into_values().collect();

        let mut unknown_hosts: Vec<UnknownHost> = unknown
            .into_iter()
            .map(|(host, acc)| UnknownHost {
                registrable_domain: registrable_domain(&host),
                host,
                pages: acc.pages.into_iter().collect(),
                kinds: acc.kinds.into_iter().collect(),
                sources: collapse(acc.sources),
                loaded_by: acc.loaded_by.into_iter().collect(),
                resources: acc.resources,
            })
            .collect();
        unknown_hosts.sort_by(|a, b| (&a.registrable_domain, &a.host).cmp(&(&b.registrable_domain, &b.host)));

        page_out.sort_by(|a, b| a.url.cmp(&b.url));

        summary.resources = occurrences;
        summary.third_party_hosts = third_hosts.len();
        summary.vendors = vendor_out.iter().filter(|v| !v.first_party).count();
        summary.companies = companies.len();
        summary.unknown_hosts = unknown_hosts.len();

        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
                vendor_db_version: db.file.db_version.clone(),
            },
            mode: info.mode,
            targets: info.targets,
            first_party: info.scope.domains().map(str::to_owned).collect(),
            complete: info.complete,
            page_limit_reached: info.page_limit_reached,
            summary,
            pages: page_out,
            vendors: vendor_out,
            companies,
            unknown_hosts,
            resources,
            cookies: info.browser.as_ref().map(|_| cookies.into_values().collect()),
            storage: info.browser.as_ref().map(|_| storage.into_values().collect()),
            browser: info.browser.map(|b| BrowserOut {
                product: b.product,
                settle_ms: b.settle_ms,
                page_timeout_ms: b.page_timeout_ms,
                pages_visited: visited,
                pages_failed: visits_failed,
            }),
            policy: None,
            findings: Vec::new(),
            changes: None,
        }
    }
}

/// Which of two sightings of one cookie the report keeps: stored before blocked, a known
/// setter before an unknown one, then the smallest values, so the choice never depends on
/// the order pages were crawled in.
fn cookie_rank(c: &CookieOut) -> impl Ord + '_ {
    (
        c.blocked.is_some(),
        c.via == CookieVia::Unknown,
        &c.set_by,
        c.lifetime_days.map(|d| (d * 100.0) as i64),
        &c.same_site,
        (c.secure, c.http_only),
    )
}

/// `{markup, runtime}` reads as "both"; a vendor's `sources` is then `[both]`.
fn collapse(sources: BTreeSet<Source>) -> Vec<Source> {
    if sources.contains(&Source::Markup) && sources.contains(&Source::Runtime) {
        vec![Source::Both]
    } else {
        sources.into_iter().collect()
    }
}

/// Kinds that only fetch passive content. From the store's own servers they send no
/// visitor data to anyone else, and a large store has tens of thousands (every product
/// photo in every size), so by default they are counted, not listed. Scripts, frames,
/// forms, stylesheets, pixels and browser-mode requests (a first-party endpoint may be a
/// server-side tag that forwards data) are always listed.
pub fn is_asset(kind: ResourceKind) -> bool {
    use ResourceKind as K;
    matches!(
        kind,
        K::Image
            | K::Media
            | K::Icon
            | K::Font
            | K::CssUrl
            | K::Preload
            | K::Prefetch
            | K::Preconnect
            | K::DnsPrefetch
            | K::Manifest
    )
}

/// The path of a page URL, as policy patterns see it (`/checkout/`); the whole string
/// when it is not a URL.
pub fn page_path(page: &str) -> &str {
    match page.find("://") {
        Some(i) => {
            let rest = &page[i + 3..];
            let path = rest.find('/').map_or("/", |j| &rest[j..]);
            path.split(['?', '#']).next().unwrap_or(path)
        }
        None => page,
    }
}
