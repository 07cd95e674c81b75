//! The data that flows through the pipeline.
//!
//! Enters: nothing (plain types). Leaves: [`PageRecord`] (one per page the crawl or the
//! local walk looked at), [`RawResource`] (a reference found on a page, before it is
//! classified) and [`TagId`] (an account ID visible in the page). `extract` produces them,
//! `classify` and `inventory` consume them; none of them hold a page body.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// `1 page` / `3 pages`: counts in messages, one spelling for every module.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How a page hands a visitor's browser to another server.
///
/// The kebab-case names are public: they appear in the JSON report and in policy files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
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
}

impl ResourceKind {
    /// The public name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Script => "script",
            Self::InlineScriptUrl => "inline-script-url",
            Self::Pixel => "pixel",
            Self::Image => "image",
            Self::Iframe => "iframe",
            Self::Stylesheet => "stylesheet",
            Self::Preconnect => "preconnect",
            Self::DnsPrefetch => "dns-prefetch",
            Self::Preload => "preload",
            Self::Modulepreload => "modulepreload",
            Self::Prefetch => "prefetch",
            Self::Icon => "icon",
            Self::Manifest => "manifest",
            Self::FormAction => "form-action",
            Self::Media => "media",
            Self::Embed => "embed",
            Self::Object => "object",
            Self::Ping => "ping",
            Self::MetaRefresh => "meta-refresh",
            Self::CssUrl => "css-url",
            Self::CssImport => "css-import",
        }
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
    pub element: String,
    /// The attribute the URL came from (`src`, `href`, `srcset`, ...), `#text` for text content.
    pub attribute: String,
    /// The URL as written in the page, before resolution.
    pub raw: String,
    /// 1-based line in the page source.
    pub line: u32,
    /// True when the element sits inside `<noscript>` (loaded only when JavaScript is off).
    pub in_noscript: bool,
    /// Attributes later checks need: `integrity`, `crossorigin`, `async`, `defer`,
    /// `referrerpolicy`, `sandbox`, `type`, `nomodule`. Empty values mean "present".
    pub attrs: BTreeMap<String, String>,
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
    /// The body was larger than the size cap; only the first part was scanned.
    pub truncated: bool,
    pub resources: Vec<RawResource>,
    pub tag_ids: Vec<TagId>,
    /// The page has a card input (card number, CVC, expiry, name on card).
    pub sensitive_inputs: bool,
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
            truncated: false,
            resources: Vec::new(),
            tag_ids: Vec::new(),
            sensitive_inputs: false,
        }
    }
}
