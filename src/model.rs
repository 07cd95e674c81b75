//! The data that flows through the pipeline.
//!
//! Enters: nothing (plain types). Leaves: [`PageRecord`] (one per page the crawl or the
//! local walk looked at), [`RawResource`] (a reference found on a page, before it is
//! classified) and [`TagId`] (an account ID visible in the page). `extract` produces them,
//! `classify` and `inventory` consume them; none of them hold a page body.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Hash sets and maps on the hot path (per-page reference sets, the frontier, the report
/// index): foldhash, hashbrown's default hasher, several times faster than std's SipHash on
/// short keys. It is seeded per process, which makes colliding keys hard to plan for a page
/// that cannot see the seed, though foldhash claims only minimal DoS resistance; the keys are
/// also bounded per page (`MAX_FOUND_PER_PAGE`) and by the page budget.
pub type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// `1 page` / `3 pages`: counts in messages, one spelling for every module.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How a page hands a visitor's browser to another server.
///
/// The kebab-case names are public: they appear in the JSON report and in policy files.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, strum::IntoStaticStr, strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ResourceKind {
    /// `<script src>`
    Script,
    /// A URL written inside an inline `<script>` (tag-manager and pixel snippets).
    InlineScriptUrl,
    /// `<img>` that is 1×1, zero-size, hidden, or inside `<noscript>`: a tracking pixel.
    Pixel,
    /// Any other `<img>`, `<picture><source>`, `<video poster>`, `<input type=image>`.
    Image,
    /// `<iframe src>` / `<frame src>`.
    Iframe,
    /// `<link rel=stylesheet>`.
    Stylesheet,
    /// `<link rel=preconnect>`.
    Preconnect,
    /// `<link rel=dns-prefetch>`.
    DnsPrefetch,
    /// `<link rel=preload>`.
    Preload,
    /// `<link rel=modulepreload>`.
    Modulepreload,
    /// `<link rel=prefetch|prerender>`.
    Prefetch,
    /// `<link rel=icon|apple-touch-icon|mask-icon>`.
    Icon,
    /// `<link rel=manifest>`.
    Manifest,
    /// `<form action>`: what the visitor types is posted there.
    FormAction,
    /// `<video>`, `<audio>`, `<source>`, `<track>`.
    Media,
    /// `<embed src>`.
    Embed,
    /// `<object data>`.
    Object,
    /// `<a ping>`: the browser posts to it when the link is clicked.
    Ping,
    /// `<meta http-equiv=refresh content="0; url=...">`.
    MetaRefresh,
    /// `url(...)` in a `<style>` block or a `style=""` attribute.
    CssUrl,
    /// `@import` in a `<style>` block.
    CssImport,
    /// Browser mode: a font file.
    Font,
    /// Browser mode: an `XMLHttpRequest`.
    Xhr,
    /// Browser mode: a `fetch()` call.
    Fetch,
    /// Browser mode: `navigator.sendBeacon()` (and `<a ping>` as the browser sends it).
    Beacon,
    /// Browser mode: a WebSocket connection.
    Websocket,
    /// Browser mode: a server-sent event stream (`EventSource`).
    EventSource,
    /// Browser mode: a window the page tried to open (`window.open`, a `target=_blank` link or
    /// form). The URL is what a visitor's browser would load, with whatever it carries.
    Popup,
    /// Browser mode: a file the page made the browser download (refused, never saved).
    Download,
    /// Browser mode: any other request (a worker script, a CSP report, ...).
    Other,
}

impl ResourceKind {
    /// Kinds that only fetch passive content. From the store's own servers they send no
    /// visitor data to anyone else, and a large store has tens of thousands (every product
    /// photo in every size), so by default they are counted, not listed. Scripts, frames,
    /// forms, stylesheets, pixels and browser-mode requests (a first-party endpoint may be a
    /// server-side tag that forwards data) are always listed.
    pub fn is_asset(self) -> bool {
        use ResourceKind as K;
        matches!(
            self,
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

    /// The public name, as in the JSON report (derived once from the variant, as serde's is).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the page a resource was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The element name (`script`, `img`, ...), or `style` / `script` for text content.
    /// (Static for the elements extraction knows, as the attribute always is: a page's
    /// hundred references then copy no names.)
    pub element: std::borrow::Cow<'static, str>,
    /// The attribute the URL came from (`src`, `href`, `srcset`, ...), `#text` for text content.
    pub attribute: &'static str,
    /// The URL as written in the page, before resolution.
    pub raw: String,
    /// 1-based line in the page source.
    pub line: u32,
    /// True when the element sits inside `<noscript>` (loaded only when JavaScript is off).
    pub in_noscript: bool,
    /// Attributes later checks need: `integrity`, `crossorigin`, `async`, `defer`,
    /// `referrerpolicy`, `sandbox`, `type`, `nomodule`. Empty values mean "present".
    pub attrs: BTreeMap<String, String>,
    /// When the reference loads only on a condition (a lazy-loading script copies it into
    /// place, a consent banner switches it on) or never by itself (template contents, an
    /// SVG element that fetches nothing). `None`: the browser loads it as the page is read.
    pub condition: Option<Condition>,
}

/// Why a reference in the markup is not an unconditional load.
///
/// Serialized as `{"kind": "lazy"}`, `{"kind": "inert"}` or
/// `{"kind": "consent-gated", "category": "C0004"}` (kebab-case names are public).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Condition {
    /// A guess at what a script will load: `data-src`/`data-srcset` lazy-loading attributes,
    /// a `<script src>` whose `type` the browser does not run (`text/lazy`, WP Rocket's
    /// `rocketlazyloadscript`) until a loader script switches it on.
    Lazy,
    /// Never fetched by the markup itself: `<template>` contents, `application/ld+json` and
    /// HTML-template script blocks, an SVG `<iframe src>`/`<script src>`/`<video src>` (which
    /// SVG does not define). Kept so a parsing disagreement shows as a labelled reference
    /// rather than as nothing.
    Inert,
    /// Blocked until the visitor consents: a consent-management platform (OneTrust,
    /// Cookiebot, Usercentrics, Klaro, CookieConsent, Complianz, iubenda) switches it on for
    /// the category named here, as the page writes it (`C0004`, `marketing`, `Google Analytics`).
    ConsentGated { category: String },
}

/// Why a page's extraction is incomplete: a limit that protects memory or time was reached
/// and references were dropped. A cut page must be reported (finding `page-cut`): what was
/// dropped may be a third party.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cut {
    /// Each limit that was reached, once, in the order first reached.
    pub limits: Vec<CutLimit>,
    /// Distinct references (resources) not reported.
    pub dropped_references: usize,
    /// Distinct links for the crawl not kept.
    pub dropped_links: usize,
    /// Nested documents (`iframe srcdoc`, `<noscript>` content) deeper than the limit, not read.
    pub unread_documents: usize,
    /// Elements nested deeper than the open-element limit: what is inside them may be
    /// read in the wrong namespace (SVG or HTML) or out of a hidden container.
    pub untracked_elements: usize,
}

/// A per-page limit of extraction (see `vendorscan::extract` for the values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CutLimit {
    /// `MAX_RESOURCES_PER_PAGE` distinct references.
    References,
    /// `MAX_LINKS_PER_PAGE` distinct links.
    Links,
    /// `MAX_NESTED_DOCUMENTS` levels of `srcdoc`/`<noscript>` documents.
    NestedDocuments,
    /// The tokenizer's open-element limit.
    OpenElements,
}

impl Cut {
    /// Note that `limit` was reached (once).
    pub fn hit(&mut self, limit: CutLimit) {
        if !self.limits.contains(&limit) {
            self.limits.push(limit);
        }
    }
}

/// A reference found on a page, resolved to an absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResource {
    pub url: url::Url,
    pub kind: ResourceKind,
    pub evidence: Evidence,
}

/// An account or container ID that says *whose* account receives the data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TagId {
    /// What kind of ID: `gtm-container`, `ga4-measurement`, `google-ads`, ...
    pub kind: &'static str,
    pub value: String,
    /// A host the vendor serves this tag from; `classify` turns it into a vendor.
    #[serde(skip)]
    pub vendor_host: &'static str,
    pub line: u32,
}

/// Why a page was not scanned, or what went wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageOutcome {
    /// Fetched (or read) and extracted.
    Scanned,
    /// Fetching or reading failed, or the server answered with an error status.
    Failed,
    /// Not fetched or not parsed on purpose (robots.txt, not HTML, off-site redirect, ...).
    Skipped,
}

/// Why a page was skipped on purpose, when the reason changes what the user should do
/// (the `help:` line of a run that scanned nothing). The sentence for people is the page's
/// `error`; this is for code, and is not part of the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// robots.txt keeps vendorscan out.
    Robots,
    /// The page redirects to another site.
    OffSite,
    /// The answer is not an HTML page.
    NotHtml,
}

/// One page the crawl or the local walk looked at, and what came of it.
#[derive(Debug, Clone)]
pub struct PageRecord {
    /// The URL as queued (normalised).
    pub url: String,
    /// Where the content came from after redirects, if different.
    pub final_url: Option<String>,
    /// The file it was read from, in local mode.
    pub file: Option<String>,
    pub depth: u32,
    pub status: Option<u16>,
    pub outcome: PageOutcome,
    /// For `failed` and `skipped`: a sentence a store owner can read.
    pub error: Option<String>,
    /// For some skipped pages, the reason as a value (see [`SkipReason`]).
    pub skip: Option<SkipReason>,
    /// The body was larger than the size cap; only the first part was scanned.
    pub truncated: bool,
    pub resources: Vec<RawResource>,
    pub tag_ids: Vec<TagId>,
    /// The page has a card input (card number, CVC, expiry, name on card).
    pub sensitive_inputs: bool,
    /// Extraction reached a limit and dropped references (`Extracted::cut`); such a page
    /// is not fully known and must be reported as cut.
    pub cut: Option<Cut>,
    /// What a real visit in Chromium requested, set and stored (`--browser` only).
    pub visit: Option<Visit>,
    /// With several `--consent` states: the visits in the states after the first (whose
    /// visit is `visit`), in the order given.
    pub other_states: Vec<(ConsentState, Visit)>,
    /// With several `--consent` states: the state `visit` was made in (the first given).
    pub visit_state: Option<ConsentState>,
    /// Found only in a rendered page's links (browser mode), not in any served HTML.
    pub rendered_link: bool,
    /// The page's own assets, counted by extraction instead of listed in `resources`
    /// (`crate::extract::Options::count_own_assets`).
    pub own_assets: usize,
}

/// Who asked the browser for a URL, from the DevTools protocol's initiator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitiatorKind {
    /// The HTML (or CSS) parser of a document: the reference is written in markup.
    Parser,
    /// A script: it inserted an element, or called `fetch`, `sendBeacon`, `new Image()`...
    Script,
    /// A `<link rel=preload>` or the preload scanner.
    Preload,
    /// Anything else (a navigation, a worker, the browser itself on the page's behalf).
    Other,
}

/// One request a page (or one of its frames or workers) made during a browser visit.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeRequest {
    pub url: url::Url,
    pub kind: ResourceKind,
    /// The DevTools resource type as Chromium names it (`Script`, `Ping`, `XHR`, ...).
    pub cdp_type: String,
    pub method: String,
    /// The HTTP status of the response (for a redirect, the 3xx of that hop).
    pub status: Option<u16>,
    /// Why it failed (`net::ERR_NAME_NOT_RESOLVED`, blocked, canceled), when it did. The
    /// attempt still counts: it is what tells who would have received the data.
    pub failure: Option<String>,
    /// The document URL of the frame that made it, when that is not the page itself.
    pub frame: Option<String>,
    pub initiator: InitiatorKind,
    /// The script that issued it (innermost frame of the initiator stack), or the document
    /// or stylesheet whose parser did; `None` when nothing is known.
    pub initiator_url: Option<String>,
    /// 1-based line in `initiator_url`, when known.
    pub initiator_line: Option<u32>,
    /// The browser canceled it after it had gone out (its headers were written to the
    /// connection, or an answer arrived): the server got it, so it is not a `failure`.
    pub canceled: bool,
    /// Sent while the visit was leaving the page: from a `pagehide`, `visibilitychange` or
    /// `unload` handler (a visitor's browser sends these when the tab closes or moves on).
    pub unload: bool,
    /// Sent after the visit answered the consent banner (`--consent reject|accept`): the
    /// page knew the visitor's choice when it asked.
    pub after_choice: bool,
    /// What its payload carried (browser mode reads every request's URL, body, cookies and
    /// WebSocket frames as it is recorded; only this summary is kept).
    pub payload: Payload,
    /// What the visit was doing when the page sent it.
    pub step: Step,
}

/// The steps of a browser visit, in order: what was going on when a request went out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Loading the page, up to its load event.
    #[default]
    Load,
    /// Looking for the consent banner and answering it.
    Consent,
    /// Typing the test identity into form fields.
    Type,
    /// A journey's actions (`--journey`): clicks, typing, choices.
    Journey,
    /// Scrolling the page to its end.
    Scroll,
    /// Waiting for what comes late (the settle window).
    Settle,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Load => "load",
            Step::Consent => "consent",
            Step::Type => "type",
            Step::Journey => "journey",
            Step::Scroll => "scroll",
            Step::Settle => "settle",
        }
    }
}

/// What one request carried, read from its payload (see `flows`). Nothing raw: the kinds of
/// data, how they were written, and the tag protocol's events and account IDs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payload {
    /// Sorted, one per (kind, of, encoding, via).
    pub observed: Vec<Observation>,
    /// The tag protocol it spoke (`meta-pixel`, `ga4`, ...).
    pub protocol: Option<&'static str>,
    pub events: Vec<String>,
    /// Account IDs the request named (`tiktok-pixel`, `linkedin-partner`, ...).
    pub tag_ids: Vec<(&'static str, String)>,
    /// Its body was longer than the analysis reads: only the start was searched.
    pub cut: bool,
    /// Not read at all: the run's payload budget was spent.
    pub skipped: bool,
}

/// How a value was written when it left the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// As typed (or as the page holds it).
    Plain,
    /// Percent-encoded, once or twice.
    Url,
    /// In a base64 run (a nested JSON or query string, encoded).
    Base64,
    /// Plain, inside a gzip'd body.
    Gzip,
    /// Normalised (lowercased, trimmed; phone as E.164 digits), then hashed.
    Sha256,
    Sha1,
    Md5,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Plain => "plain",
            Encoding::Url => "url",
            Encoding::Base64 => "base64",
            Encoding::Gzip => "gzip",
            Encoding::Sha256 => "sha256",
            Encoding::Sha1 => "sha1",
            Encoding::Md5 => "md5",
        }
    }
}

/// Which part of a request carried the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The request URL: its query string (or path).
    Query,
    /// The body of a `fetch`, XHR or form POST.
    Body,
    /// The body of `navigator.sendBeacon` (or an `<a ping>`).
    Beacon,
    /// A WebSocket frame the page sent.
    Websocket,
    /// The `Cookie` header sent with the request.
    Cookie,
    /// The `Referer` header, when it carried the page's path (not only its origin).
    Referrer,
    /// A script read the device's properties through browser APIs (fingerprinting).
    Script,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Query => "query",
            Via::Body => "body",
            Via::Beacon => "beacon",
            Via::Websocket => "websocket",
            Via::Cookie => "cookie",
            Via::Referrer => "referrer",
            Via::Script => "script",
        }
    }
}

/// One kind of data one request carried.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Observation {
    /// A data kind of the vendor database (`email`, `hashed-identifier`, `purchase-cart`, ...).
    pub kind: &'static str,
    /// What the value is when the kind does not say it: the identity value a hash is of
    /// (`email`, `phone`), the part of an address, `page-url`, a fingerprinting technique.
    pub of: Option<&'static str>,
    pub encoding: Option<Encoding>,
    pub via: Via,
    /// Where it was, with the value replaced by what it is: `ud[em]=«sha256(e-mail)»`.
    pub example: String,
}

/// A script seen reading the device's properties in a fingerprinting pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FingerprintSeen {
    /// `canvas`, `canvas-font`, `webgl`, `audio`.
    pub technique: &'static str,
    /// The script that did it (innermost http(s) URL on the call stack).
    pub script: Option<String>,
    pub detail: String,
}

/// What the visit typed into the page's form fields (the test identity).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypingAnswer {
    /// Fields typed into, per kind (`email`, `phone`, `first-name`, ...), sorted.
    pub fields: BTreeMap<&'static str, usize>,
    /// Why typing stopped or did not happen, when it did not go through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The answer a browser visit gives the consent banner (`--consent`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentState {
    /// A first visit: the banner is left unanswered, no choice is made.
    #[default]
    None,
    /// "Reject all" (only what is strictly necessary).
    Reject,
    /// "Accept all".
    Accept,
}

impl ConsentState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::None => "none",
            ConsentState::Reject => "reject",
            ConsentState::Accept => "accept",
        }
    }
}

/// How one visit answered the consent banner: which consent manager (CMP) it found, by
/// which means it answered, and whether the answer took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentAnswer {
    /// The consent manager recognised (`onetrust`, `cookiebot`, `didomi`, `usercentrics`,
    /// `tcf` for any other IAB TCF v2 CMP, `generic` for a banner known by its button
    /// text only); `None` when no banner was recognised.
    pub cmp: Option<String>,
    /// `api` (the CMP's documented JavaScript call) or `button` (a click on its button);
    /// `None` when nothing was answered (state `none`, or no banner).
    pub method: Option<String>,
    /// The choice was made (the call returned, the button was clicked).
    pub applied: bool,
    /// What the CMP reported back afterwards, when it can be asked (its consent state, or
    /// the TCF `getTCData` purposes): `Some(true)` when it holds the choice.
    pub confirmed: Option<bool>,
    /// What was done and read back, in a few words (`OneTrust.RejectAll(); active groups ,C0001,`).
    pub detail: Option<String>,
}

/// A JavaScript dialog a page opened during its visit (`alert`, `confirm`, `prompt`,
/// `beforeunload`). The visit dismisses it and goes on.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    /// `alert`, `confirm`, `prompt` or `beforeunload`.
    pub kind: &'static str,
    /// The text it showed: control characters removed, cut to a few hundred characters.
    pub message: String,
    /// How many times the page opened this dialog with this text.
    pub count: usize,
}

/// How a cookie came to be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CookieVia {
    /// A `Set-Cookie` response header.
    Header,
    /// `document.cookie = ...` in a script.
    Script,
    /// Present at the end of the visit, setter not seen.
    Unknown,
}

/// A cookie in the browser's jar at the end of a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct CookieSeen {
    pub name: String,
    /// As Chromium stores it: `.shop.example` for a domain cookie, `shop.example` host-only.
    pub domain: String,
    pub path: String,
    /// How long it lives, in days from the visit (two decimals); `None` for a session
    /// cookie. Relative, not a date, so two runs of the same site give the same report.
    pub lifetime_days: Option<f64>,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<String>,
    pub via: CookieVia,
    /// The response URL (header) or script URL (script) that set it.
    pub set_by: Option<String>,
    /// The browser refused to store it, and why (Chromium's reasons, such as
    /// `ThirdPartyPhaseout` or `SameSiteUnspecifiedTreatedAsLax`): the attempt still says
    /// who tried to set a cookie, and would succeed in a browser with other settings.
    pub blocked: Option<String>,
}

/// A `localStorage` / `sessionStorage` write seen during a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageWrite {
    /// `local` or `session`.
    pub area: &'static str,
    /// The origin whose storage was written (the frame's origin).
    pub origin: String,
    pub key: String,
    /// The script that wrote it (innermost URL of the call stack).
    pub script: Option<String>,
}

/// What a real visit of one page in Chromium showed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visit {
    pub requests: Vec<RuntimeRequest>,
    pub cookies: Vec<CookieSeen>,
    pub storage: Vec<StorageWrite>,
    /// Why the visit is incomplete or failed (navigation error, renderer crash, the
    /// per-page cap); what was captured until then is kept.
    pub error: Option<String>,
    /// The visit did not complete: the page failed to load, crashed the renderer, did not
    /// reach its load event within the cap, or the run was stopped (Ctrl-C, SIGTERM).
    pub failed: bool,
    /// The dialogs it opened, in the order first opened (distinct type and text; capped).
    pub dialogs: Vec<Dialog>,
    /// Dialogs with yet another text, past the cap: counted, not listed.
    pub dialogs_omitted: usize,
    /// How the consent banner was answered (browser visits that got far enough to look).
    pub consent: Option<ConsentAnswer>,
    /// What was typed into the page (unless `--no-type`).
    pub typing: Option<TypingAnswer>,
    /// Scroll steps taken to reach the page's end (unless `--no-scroll`).
    pub scrolled: Option<u32>,
    /// How long the recording went on after the load event, and what ended it; `None` when
    /// the page never loaded (or the visit ended some other way: it left, failed, stopped).
    pub settle: Option<Settled>,
    /// A journey's visit (`--journey`): how its actions went.
    pub journey: Option<JourneyAnswer>,
    /// The page the visit's main frame went on to (a click, a redirect), when it left.
    pub left_for: Option<String>,
    /// Scripts seen fingerprinting the device, sorted, distinct.
    pub fingerprints: Vec<FingerprintSeen>,
    /// The links of the rendered page (`a[href]` after scripts ran), on the page's own site:
    /// a storefront that renders its navigation client-side has them only here.
    pub links: Vec<String>,
}

/// How a visit's recording after the load event ended (`--settle`, `--settle-quiet`,
/// `--settle-max`, `--page-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settled {
    /// From the load event to the end of the recording (before leaving the page), steps
    /// (consent, typing, scrolling) included.
    pub ms: u64,
    pub ended: SettleEnd,
}

/// What ended a visit's recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettleEnd {
    /// The page went quiet: nothing in flight, no request started and no timer of the
    /// page's due for the quiet spell (`--settle-quiet`).
    Quiet,
    /// The settle window ran out (`--settle` after the load or the last step).
    Window,
    /// The window was extended while the page still sent, up to `--settle-max`.
    Max,
    /// The page's cap (`--page-timeout`).
    Timeout,
}

impl SettleEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            SettleEnd::Quiet => "quiet",
            SettleEnd::Window => "window",
            SettleEnd::Max => "max",
            SettleEnd::Timeout => "timeout",
        }
    }
}

/// How a journey's actions on one page went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JourneyAnswer {
    /// The journey's name (a preset's, or the file's `name`).
    pub name: String,
    /// Which page of the journey this was (1 for the first).
    pub page: usize,
    /// Actions completed on this page.
    pub actions: usize,
    /// Why the journey stopped here, when it did not go on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The page has card fields (card number, CVC): a payment page.
    pub card_fields: bool,
}

impl PageRecord {
    /// A page that produced no content, with the reason.
    pub fn without_content(url: String, depth: u32, outcome: PageOutcome, error: String) -> Self {
        PageRecord {
            url,
            final_url: None,
            file: None,
            depth,
            status: None,
            outcome,
            error: Some(error),
            skip: None,
            truncated: false,
            resources: Vec::new(),
            tag_ids: Vec::new(),
            sensitive_inputs: false,
            cut: None,
            visit: None,
            other_states: Vec::new(),
            visit_state: None,
            rendered_link: false,
            own_assets: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde's name and `as_str` come from the same variant by two derives; they must agree.
    #[test]
    fn resource_kinds_have_one_spelling() {
        for kind in <ResourceKind as strum::IntoEnumIterator>::iter() {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str(), "{kind:?}");
        }
        assert_eq!(ResourceKind::InlineScriptUrl.as_str(), "inline-script-url");
        assert_eq!(ResourceKind::EventSource.as_str(), "event-source");
    }
}
