//! The inventory's contract types: the exact shape of the JSON report's inventory part.
//!
//! Enters: nothing (plain data). Leaves: the types `docs/json-report.md` documents, field for
//! field; `crate::report::Report` adds the assessment (policy verdict, findings, changes)
//! around them. Changing a field here changes the public JSON: bump
//! [`REPORT_SCHEMA_VERSION`] and document it.

use crate::model::{
    Condition, ConsentState, CookieVia, Cut, Encoding, InitiatorKind, PageOutcome, ResourceKind, SkipReason, Step,
    TypingAnswer, Via,
};
use crate::vendors::{Incident, IncidentKind, OwnerKind, PreviousOwner, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// 3: pages are named once, in `pages[]`, and everywhere else by their index there
/// (`vendors[].pages`, `unknown_hosts[].pages`, occurrences as `[page, line]`); 2 named the
/// page's URL in every occurrence; 1 listed one entry per occurrence. Baselines of all
/// three are read.
pub const REPORT_SCHEMA_VERSION: u32 = 3;

/// A page's position in [`Inventory::pages`]: how the report names a page after it is
/// listed once (schema 3).
pub type PageIndex = u32;

/// What a run read: a live site (`crawl`) or files on disk (`local`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Mode {
    Crawl,
    Local,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why a run ended before it was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stopped {
    /// Ctrl-C or SIGTERM (exit code 130).
    Interrupted,
    /// `--max-time` ran out.
    TimeBudget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    First,
    Third,
}

/// The classified inventory of one run: which pages were scanned, which vendors, companies
/// and unknown hosts receive data from them, and every distinct reference with the places it
/// occurs. Built once by [`crate::inventory::Builder`] and then only read: the assessment
/// (findings, changes, the verdict) wraps it in `crate::report::Report` instead of being
/// filled into it.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub schema_version: u32,
    pub tool: Tool,
    pub mode: Mode,
    pub targets: Vec<String>,
    pub first_party: Vec<String>,
    /// False when the run stopped before it was done (the list of pages is then partial).
    pub complete: bool,
    /// Why it stopped early; absent when it is complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    /// The same as `vendor_db.version`; kept for the readers of earlier reports.
    pub vendor_db_version: String,
    /// The vendor database this run classified with: what a gate's result depends on
    /// besides vendorscan's own version.
    pub vendor_db: VendorDbInfo,
}

/// `tool.vendor_db`: which vendor database was used.
#[derive(Debug, Clone, Serialize)]
pub struct VendorDbInfo {
    /// `db_version` of the database (`2026.11.23`).
    pub version: String,
    /// The day that version was made, when it is a calendar version (`2026-11-23`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Vendors in it (with a `--vendors` file merged in).
    pub vendors: usize,
    /// The upstream sources it was built from, as `id version` (`third-party-web 0.30.0`).
    pub sources: Vec<String>,
}

impl VendorDbInfo {
    /// `2026.11.23` -> `2026-11-23`: the database is versioned by the day it was made.
    pub fn date_of(version: &str) -> Option<String> {
        let mut parts = version.split('.');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let date = jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()?;
        Some(date.to_string())
    }
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
    /// Not in the JSON: what the `help:` line of a run that scanned nothing reads.
    #[serde(skip)]
    pub skip: Option<SkipReason>,
    pub truncated: bool,
    /// A per-page extraction limit was reached and references were dropped or not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
    pub resources: usize,
    /// Browser mode: how the visit of this page went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit: Option<PageVisitOut>,
    /// Browser mode: found only among a rendered page's links (not in any served HTML).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rendered_link: bool,
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
    /// Where the vendor documents it (for `documented`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorOut {
    pub id: String,
    pub name: String,
    pub company: String,
    /// The company's id in the vendor database (one per company, whatever the spelling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// `retailer` or `marketplace` when the owner sells to the same shoppers as the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_kind: Option<OwnerKind>,
    /// Owners before the current one, oldest first, each with the year it changed and
    /// the source documenting it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previous_owners: Vec<PreviousOwner>,
    /// `discontinued` or `compromised`; absent while the product is active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Documented security incidents of this vendor.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<IncidentOut>,
    pub categories: Vec<String>,
    pub data_received: Vec<DataOut>,
    /// Browser mode: what its requests were seen to carry (payloads read, the test
    /// identity found in plain or hashed form, fingerprinting by its scripts), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_observed: Vec<DataObservedOut>,
    /// Browser mode with several `--consent` states: what each state's visits sent it, in
    /// the order `none`, `reject`, `accept` (states it received nothing in are absent).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consent_matrix: Vec<ConsentCellOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_policy: Option<String>,
    /// The hosts seen on this run, and the database rule each matched.
    pub hosts: Vec<HostOut>,
    /// Where it appears: indexes into [`Inventory::pages`], ascending.
    pub pages: Vec<PageIndex>,
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

/// A security incident of a vendor, as the report repeats it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentOut {
    pub id: String,
    pub date: String,
    pub kind: IncidentKind,
    /// Loading its hosts is dangerous today (`compromised-host`).
    pub compromised: bool,
    pub summary: String,
    pub sources: Vec<String>,
}

impl From<&Incident> for IncidentOut {
    fn from(i: &Incident) -> Self {
        IncidentOut {
            id: i.id.clone(),
            date: i.date.clone(),
            kind: i.kind,
            compromised: i.compromised,
            summary: i.summary.clone(),
            sources: i.sources.clone(),
        }
    }
}

/// One vendor in one consent state (`vendors[].consent_matrix[]`).
#[derive(Debug, Clone, Serialize)]
pub struct ConsentCellOut {
    pub state: ConsentState,
    /// Requests its hosts were sent in this state's visits.
    pub requests: usize,
    /// Of those, sent after the visit answered the banner.
    pub after_choice: usize,
    /// Indexes into [`Inventory::pages`], ascending.
    pub pages: Vec<PageIndex>,
    /// Pages where it was sent requests after the choice (with `reject`: against it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pages_after_choice: Vec<PageIndex>,
    /// One such request (the smallest URL), as evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_after_choice: Option<String>,
    /// Pages that showed a consent banner where it was sent requests before any choice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pages_before_choice: Vec<PageIndex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_before_choice: Option<String>,
    /// Cookies it set (by header or script) in this state, `name (domain)`, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<String>,
    /// `local:KEY` / `session:KEY` its scripts wrote in this state, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<String>,
    /// The data kinds it was seen receiving in this state (see `data_observed`), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_observed: Vec<&'static str>,
}

/// One consent state's visits (`browser.states[]`).
#[derive(Debug, Clone, Serialize)]
pub struct StateOut {
    pub state: ConsentState,
    pub pages_visited: usize,
    /// With `reject` or `accept`: the pages where the choice was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_applied: Option<usize>,
    /// The pages where it was not (no banner recognised, or the answer failed), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consent_not_applied: Vec<String>,
}

/// One kind of data a recipient was seen to receive (`vendors[].data_observed`): observed
/// in what the browser sent, not documented or guessed from the category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataObservedOut {
    /// A data kind of the vendor database: `email`, `phone`, `name`, `postal-address`,
    /// `date-of-birth`, `hashed-identifier`, `purchase-cart`, `page-url-referrer`,
    /// `device-fingerprint`, `cookies-identifiers`, ...
    pub kind: &'static str,
    /// What it is when the kind does not say: the identity value a hash is of (`email`,
    /// `phone`, `name`, ...), an address part, `page-url`, a fingerprinting technique.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<&'static str>,
    /// `plain`, `url`, `base64`, `gzip`, `sha256`, `sha1`, `md5`; absent where it does not
    /// apply (a cookie sent, a fingerprinting script).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// `query`, `body`, `beacon`, `websocket`, `cookie`, `referrer`, `script`.
    pub via: Via,
    /// Indexes into [`Inventory::pages`], ascending.
    pub pages: Vec<PageIndex>,
    /// The tag protocol's event names the requests carried (`Purchase`, `page_view`), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Where it was, with the value replaced by what it is: `ud[em]=«sha256(e-mail)»`.
    pub example: String,
    /// One request that carried it: scheme, host and path, never the query.
    pub request: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnknownHost {
    pub host: String,
    pub registrable_domain: String,
    /// The hosting provider when the host is one of its customers' buckets or apps
    /// (`*.s3.amazonaws.com`, `*.herokuapp.com`): where the file is, not who receives
    /// the data; the recipient is that customer, unknown to the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_on: Option<String>,
    /// Indexes into [`Inventory::pages`], ascending.
    pub pages: Vec<PageIndex>,
    pub kinds: Vec<ResourceKind>,
    pub sources: Vec<Source>,
    /// Browser mode: what its requests were seen to carry, as for a vendor.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_observed: Vec<DataObservedOut>,
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
    /// The browser canceled it after it had gone out (headers written, or an answer
    /// arrived): the server got it. Then it has no `failure`; `status` says if it answered.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub canceled: bool,
    /// Sent while the visit left the page (a `pagehide`, `visibilitychange` or `unload`
    /// handler), as a visitor's browser sends it when the tab closes or moves on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unload: bool,
    /// How many of `count` were sent after the visit answered the consent banner
    /// (`--consent reject|accept`, when the choice was made).
    #[serde(skip_serializing_if = "is_zero")]
    pub after_choice: usize,
    /// What the visit was doing when it was first sent: `consent`, `type`, `scroll`,
    /// `settle`; absent for `load` (the page loading).
    #[serde(skip_serializing_if = "is_load")]
    pub step: Step,
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
    /// JavaScript dialogs the page opened (each dismissed at once), in the order first opened.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dialogs: Vec<DialogOut>,
    /// Dialogs with yet other texts, past the listed ones: counted only.
    #[serde(skip_serializing_if = "is_zero")]
    pub dialogs_omitted: usize,
    /// Windows the page tried to open (blocked), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub popups: Vec<String>,
    /// Files the page made the browser download (refused), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub downloads: Vec<String>,
    /// The consent banner: which manager was found and how it was answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentOut>,
    /// What was typed into the page's form fields (the test identity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typed: Option<TypingAnswer>,
    /// Scroll steps taken to reach the page's end (a screen each; absent with `--no-scroll`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrolled: Option<u32>,
    /// How long the recording went on after the load event, and what ended it (`quiet`,
    /// `window`, `max`, `timeout`); absent when the page never loaded, left, failed or the
    /// run was stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settle: Option<crate::model::Settled>,
    /// `--journey`: the journey that reached this page, and how its actions here went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journey: Option<crate::model::JourneyAnswer>,
}

/// How one visit answered the consent banner (`pages[].visit.consent`).
#[derive(Debug, Clone, Serialize)]
pub struct ConsentOut {
    /// `onetrust`, `cookiebot`, `didomi`, `usercentrics`, `tcf` (another IAB TCF v2 CMP),
    /// `generic` (known by its button text only); `null` when no banner was recognised.
    pub cmp: Option<String>,
    /// `api` or `button`; absent when nothing was answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The choice was made.
    pub applied: bool,
    /// The consent manager, asked afterwards, holds the choice (`false`: it does not);
    /// absent when it cannot be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_load(s: &Step) -> bool {
    *s == Step::Load
}

/// A dialog a page opened: its type, its text (cleaned and cut), and how often.
#[derive(Debug, Clone, Serialize)]
pub struct DialogOut {
    /// `alert`, `confirm`, `prompt` or `beforeunload`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub message: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrowserOut {
    /// The browser's product string, e.g. `HeadlessChrome/156.0.8078.114`.
    pub product: String,
    pub settle_ms: u64,
    pub page_timeout_ms: u64,
    pub pages_visited: usize,
    pub pages_failed: usize,
    /// How the visits answered the consent banner (`--consent`): `none`, `reject`, `accept`.
    pub consent: ConsentState,
    /// The visits sent the Global Privacy Control signal (`--gpc`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gpc: bool,
    /// With `reject` or `accept`: the pages where the choice was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_applied: Option<usize>,
    /// With `reject` or `accept`: the pages visited where it was not (no banner recognised,
    /// or the answer failed; `pages[].visit.consent` says which), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consent_not_applied: Vec<String>,
    /// With several `--consent` states: each state's visits (the first is `consent`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<StateOut>,
    /// The test identity was typed into the pages' form fields (not with `--no-type`).
    pub typing: bool,
    /// The pages were scrolled to their end (not with `--no-scroll`).
    pub scroll: bool,
    /// `--settle-quiet`: the quiet spell that ends a visit's settle window early; 0: the
    /// window is fixed.
    pub settle_quiet_ms: u64,
    /// `--settle-max`: how long after load the recording may go on past the window while
    /// the page is not quiet, when it is above `--settle`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settle_max_ms: Option<u64>,
    /// What reading the payloads cost and where it stopped.
    pub payloads: PayloadsOut,
}

/// How much of what the pages sent was read (`browser.payloads`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PayloadsOut {
    /// Requests (and WebSocket frames' sockets) whose payload was read.
    pub read: usize,
    /// Requests whose body was longer than the analysis reads (1 MiB after
    /// decompression): only the start was searched.
    pub cut: usize,
    /// Requests not read at all: the run's budget (512 MiB of payload) was spent.
    pub skipped: usize,
}

/// One distinct reference: what is written (URL, kind, element, attribute, raw text, kept
/// attributes) and every page and line it is written on. A tag in the store's template is
/// one entry with a thousand occurrences, not a thousand entries: memory and output grow
/// with the distinct references, not with pages times references (schema 2), and each
/// occurrence names its page by index (schema 3).
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
    /// A load that depends on something (`lazy`, `consent-gated` with its category) or
    /// none at all (`inert`); absent for an unconditional load. Lazy and inert references
    /// are listed here but do not make their host a recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// `markup`, `runtime`, or `both` over all its occurrences.
    pub source: Source,
    /// Where it was found, sorted by page index, then line.
    pub occurrences: Vec<OccurrenceOut>,
    /// Digest of the script body (`--hash-scripts`, third-party scripts on payment pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentHash>,
    /// Why `--hash-scripts` could not fetch the script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_error: Option<String>,
}

/// One place a resource was found. Written as `[page, line]` (a reference in the markup),
/// or `[page, line, source, runtime]` when the browser saw it (schema 3): a static scan of
/// a large store has hundreds of thousands, so each costs a dozen bytes, not a hundred.
#[derive(Debug, Clone)]
pub struct OccurrenceOut {
    /// The page, by its index in [`Inventory::pages`].
    pub page: PageIndex,
    /// 1-based line in the page source; `0` for a reference only the browser requested.
    pub line: u32,
    pub source: Source,
    /// Browser mode: the request the browser made for it on this page.
    /// Boxed: most occurrences have none, and a static crawl holds ~90 per page.
    pub runtime: Option<Box<RuntimeOut>>,
}

impl Serialize for OccurrenceOut {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let markup = self.source == Source::Markup && self.runtime.is_none();
        let mut t = s.serialize_tuple(if markup { 2 } else { 4 })?;
        t.serialize_element(&self.page)?;
        t.serialize_element(&self.line)?;
        if !markup {
            t.serialize_element(&self.source)?;
            t.serialize_element(&self.runtime)?;
        }
        t.end()
    }
}

/// A resource seen from one of its occurrences: the per-page view the checks need. Derefs
/// to the resource, so `o.url` and `o.kind` read through while `o.page` (the page's URL,
/// resolved from its index), `o.line`, `o.source` and `o.runtime` are the occurrence's own.
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

impl Inventory {
    /// The name occurrences give a page: the URL its content came from (the final URL
    /// after redirects).
    pub fn page_name(&self, page: PageIndex) -> &str {
        self.pages.get(page as usize).map_or("", PageOut::name)
    }

    /// The names of these pages (a vendor's or an unknown host's `pages`).
    pub fn page_names<'a>(&'a self, pages: &'a [PageIndex]) -> impl Iterator<Item = &'a str> + Clone + 'a {
        pages.iter().map(|&p| self.page_name(p))
    }

    /// One resource's occurrences, each seen as an [`Occurrence`].
    pub fn each<'a>(&'a self, res: &'a ResourceOut) -> impl Iterator<Item = Occurrence<'a>> + 'a {
        res.occurrences.iter().map(move |o| Occurrence {
            res,
            page: self.page_name(o.page),
            line: o.line,
            source: o.source,
            runtime: o.runtime.as_deref(),
        })
    }

    /// Every occurrence of every resource, in report order.
    pub fn occurrences(&self) -> impl Iterator<Item = Occurrence<'_>> {
        self.resources.iter().flat_map(|r| self.each(r))
    }
}

impl PageOut {
    /// The URL the page's references are found on: the final URL after redirects.
    pub fn name(&self) -> &str {
        self.final_url.as_deref().unwrap_or(&self.url)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ContentHash {
    /// Hex SHA-256 of the body as served (after HTTP decompression).
    pub sha256: String,
    /// The SRI value for an `integrity` attribute (`sha384-...`).
    pub sri: String,
}
