//! Extraction: every way a page hands its visitors to another server.
//!
//! Enters: the page's URL and its decoded text. Leaves: [`Extracted`]: the resources
//! (absolute http(s) URLs with kind and evidence), the links the crawl may follow, the
//! tag IDs visible in the page, and whether a limit cut the page short. Pure: no I/O, no
//! async, no knowledge of vendors or scope. What a store repeats on every page (URLs, inline
//! scripts) is remembered by each thread (`memo`), which changes no result, only its cost.
//!
//! One match (`Reader::element` below, with `Reader::svg_element` for SVG and the
//! `style`/`hidden` handler next to them) decides which element and attribute yields which
//! [`ResourceKind`]. Unlike a link checker we do want `<script>`, `<noscript>` and
//! preconnect hints: they are where visitor data goes.
//!
//! A page must not be able to hide a third party (issue #19): markup is read as a browser's
//! parser reads it (character references without `;`, SVG and MathML namespaces, template
//! contents, the standard's meta-refresh syntax), no limit drops a reference without saying
//! so ([`Extracted::cut`]), and a reference that loads only on a condition (lazy loading,
//! consent) or never by itself is kept with that [`Condition`] rather than dropped.

mod charref;
mod css;
mod memo;
mod script;
mod tags;
pub mod tokenizer;

pub use crate::model::{Condition, Cut, CutLimit};
use crate::model::{Evidence, FastMap, FastSet, RawResource, ResourceKind, TagId};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash};
use tokenizer::{Mark, Namespace, RawText, StartTag, Token, Tokenizer};
use url::Url;

pub use charref::decode_attribute;
pub use script::urls_in_script;

/// What one page yields.
#[derive(Debug, Default, Clone)]
pub struct Extracted {
    pub resources: Vec<RawResource>,
    /// Candidate pages for the crawl (`a`/`area` href, `link rel=next|prev|alternate`,
    /// `iframe`/`frame` src, meta refresh), resolved, fragments dropped. Scope is the
    /// crawl's business, not ours.
    pub links: Vec<Url>,
    pub tag_ids: Vec<TagId>,
    /// True when the page has a card input (used to spot payment pages).
    pub has_sensitive_inputs: bool,
    /// `Some` when a limit was reached and something was dropped or not read: the page
    /// must be reported as cut (what was dropped may be a third party).
    pub cut: Option<Cut>,
    /// With [`Options::count_own_assets`]: the page's own passive assets (images, fonts,
    /// hints... written relative to the page or on its host) counted here instead of being
    /// in `resources`.
    pub own_assets: usize,
}

/// How much a caller wants listed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Count the page's own assets ([`ResourceKind::is_asset`] kinds on the page's host)
    /// without resolving them into `resources`: the report only counts a first-party asset
    /// (unless `--all-resources`), and a catalogue page holds tens of thousands of them, each
    /// a URL to parse, copy and hash for nothing. Off where every reference must be listed
    /// (`--all-resources`) or matched against what a browser requested (`--browser`).
    pub count_own_assets: bool,
}

/// Distinct references one page may report. Real store pages have a few thousand (the
/// largest page of the real-pages corpus: under 3,000); repeats of one reference (80,000
/// copies of a spacer image) count once. Past this the page is cut ([`Extracted::cut`]),
/// references to other sites kept before the page's own.
pub const MAX_RESOURCES_PER_PAGE: usize = 50_000;
/// Distinct links one page may hand the crawl; past this the page is cut.
pub const MAX_LINKS_PER_PAGE: usize = 50_000;
/// Occurrences (lines) kept of one reference: each is evidence of the same load, and a
/// page repeating one image 80,000 times must not cost 80,000 entries (nor push anything
/// out). Later repeats are not reported; the reference is.
const MAX_REPEATS: u32 = 16;
/// `<noscript>` and `srcdoc` documents are read again as documents; deeper than this the
/// page is cut. Each level is a (decoded) part of the one around it, so the work stays
/// within this many times the page's size.
pub const MAX_NESTED_DOCUMENTS: u32 = 16;

/// Attributes kept as evidence because later checks (SRI, sandboxing, referrer leaks) need them.
const KEPT_ATTRS: &[&str] =
    &["integrity", "crossorigin", "async", "defer", "referrerpolicy", "sandbox", "type", "nomodule", "allow"];

/// Extract everything from one page. `doc_url` is where the page lives (for local files
/// without `--site`, a `file:` URL: relative references then resolve to `file:` and are
/// dropped, as they cannot reach a third party).
///
/// The page is tokenized ([`tokenizer`]), not parsed into a tree: building html5ever's DOM
/// cost more than all the rest of a crawl together, and lol_html's element handlers most of
/// what was left (docs/performance.md). What we need is a tag's attributes and namespace,
/// their lines, whether it sits inside a hidden element, a `<picture>` or a `<template>`,
/// and the text of scripts, styles and `<noscript>`.
pub fn extract(doc_url: &Url, text: &str) -> Extracted {
    extract_with(doc_url, text, Options::default())
}

/// [`extract`], listing only what `opts` asks for.
pub fn extract_with(doc_url: &Url, text: &str, opts: Options) -> Extracted {
    use url::Position::{AfterPort, BeforeHost};
    let site = doc_url.host_str().map(crate::scope::registrable_domain);
    let authority = |u: &Url| u[BeforeHost..AfterPort].to_owned();
    let own = (opts.count_own_assets && matches!(doc_url.scheme(), "http" | "https")).then(|| authority(doc_url));
    let read = |own: Option<String>| {
        let mut walk = Walk { site: site.clone(), own: own.map(OwnAssets::new), ..Walk::default() };
        walk.document(text, &Doc { in_noscript: false, line_offset: 0, nesting: 0, condition: None });
        // The first `<base href>` decides how every relative URL in the document resolves,
        // including those written before it.
        let base =
            walk.base.as_deref().and_then(|href| doc_url.join(href.trim()).ok()).unwrap_or_else(|| doc_url.clone());
        (walk, base)
    };
    let (mut walk, mut base) = read(own.clone());
    // The page's own assets were counted as on the page's host: a `<base href>` on another
    // host or port makes the relative ones that host's, so the page is read again, listing.
    if own.is_some() && (!matches!(base.scheme(), "http" | "https") || Some(authority(&base)) != own) {
        (walk, base) = read(None);
    }
    walk.finish(&base)
}

/// The page's own assets, counted as they are read instead of kept
/// ([`Options::count_own_assets`]): a catalogue page names tens of thousands, and keeping
/// each as a reference to resolve, deduplicate and drop held tens of megabytes at once.
/// Counted as the listing would count them: once per (text, kind, condition) on a line, at
/// most [`MAX_REPEATS`] more times per reference, and against [`MAX_RESOURCES_PER_PAGE`].
struct OwnAssets {
    /// The page's `host[:port]`.
    authority: String,
    /// The line being read and the references counted on it (lines only grow as a page is
    /// read, so one line's set at a time is enough).
    line: u32,
    on_line: FastSet<(String, ResourceKind, Option<Condition>)>,
    /// Occurrences counted per reference (by the hash `Walk::push` names references by).
    seen: FastMap<u64, u32>,
    counted: usize,
}

impl OwnAssets {
    fn new(authority: String) -> Self {
        OwnAssets { authority, line: 0, on_line: FastSet::default(), seen: FastMap::default(), counted: 0 }
    }
}

/// One (possibly nested) document being read.
struct Doc {
    in_noscript: bool,
    /// Lines before the start of this (nested) document in the page source.
    line_offset: u32,
    nesting: u32,
    /// What holds for everything in it (a `srcdoc` inside template contents is inert).
    condition: Option<Condition>,
}

/// A reference as written, before resolution: the `<base>` may come later in the page.
struct Found {
    kind: ResourceKind,
    /// Borrowed for the elements the table knows; any element may carry a `style`.
    element: Cow<'static, str>,
    attribute: &'static str,
    raw: String,
    line: u32,
    in_noscript: bool,
    attrs: BTreeMap<String, String>,
    /// Inline-script URLs arrive absolute. Boxed: most references have none, and a page
    /// may hold tens of thousands of `Found`s at once.
    url: Option<Box<Url>>,
    condition: Option<Condition>,
}

impl Found {
    /// Two occurrences of one reference: everything but the line agrees.
    fn same_reference(&self, other: &Found) -> bool {
        self.kind == other.kind
            && self.raw == other.raw
            && self.attribute == other.attribute
            && self.element == other.element
            && self.in_noscript == other.in_noscript
            && self.condition == other.condition
            && self.attrs == other.attrs
    }
}

/// What a page's walk collects, over the page and its nested documents.
#[derive(Default)]
struct Walk {
    found: Vec<Found>,
    /// Each distinct reference's first entry in `found` (by a hash of everything but the
    /// line) and how often it was seen.
    distinct: FastMap<u64, (u32, u32)>,
    hasher: foldhash::fast::RandomState,
    /// Distinct references in `found`.
    references: usize,
    links: Vec<String>,
    link_set: FastSet<String>,
    tag_ids: Vec<TagId>,
    base: Option<String>,
    sensitive: bool,
    /// The page's registrable domain: when a limit is reached, references elsewhere are
    /// kept first.
    site: Option<String>,
    cut: Cut,
    /// Set when the page's own assets are counted, not listed.
    own: Option<OwnAssets>,
}

/// The state shared while one document is read.
struct Reader<'w, 't> {
    walk: &'w mut Walk,
    doc: &'w Doc,
    lines: LineCounter<'t>,
    /// Whether the next raw text (of the script or noscript just opened) is read, and
    /// under which condition.
    wanted: Option<Option<Condition>>,
    hidden: u32,
    pictures: u32,
    /// Inside the contents of a `<template>` (not a declarative shadow root): inert.
    templates: u32,
    /// The raw text to come is an SVG `<script>`'s or `<style>`'s: markup, not raw text.
    svg_text: bool,
}

impl Walk {
    fn document(&mut self, text: &str, doc: &Doc) {
        let mut r = Reader {
            walk: self,
            doc,
            lines: LineCounter::new(text),
            wanted: None,
            hidden: 0,
            pictures: 0,
            templates: 0,
            svg_text: false,
        };
        let mut tokens = Tokenizer::new(text);
        while let Some(token) = tokens.next_token() {
            match token {
                Token::Start(tag) => {
                    // Hidden containers make their images pixels; `<picture>` makes `<source>` an image.
                    if hides(&tag) {
                        tokens.mark(Mark::Hidden);
                    }
                    if tag.ns == Namespace::Html {
                        if tag.is("picture") {
                            tokens.mark(Mark::Picture);
                        }
                        if tag.is("template") && !shadow_root(&tag, tokens.parent_name()) {
                            tokens.mark(Mark::Template);
                        }
                    }
                    r.element(&tag);
                    r.styled(&tag);
                    tokens.recycle(tag.attrs);
                }
                Token::Text { of, text, offset } => r.text(of, text, offset),
                Token::End { .. } => {}
            }
            // The element itself is counted once its own attributes are read.
            r.hidden = tokens.open_marked(Mark::Hidden);
            r.pictures = tokens.open_marked(Mark::Picture);
            r.templates = tokens.open_marked(Mark::Template);
        }
        if tokens.untracked() > 0 {
            r.walk.cut.hit(CutLimit::OpenElements);
            r.walk.cut.untracked_elements += tokens.untracked();
        }
    }

    /// Whether a reference as written points away from the page's site (or may: a
    /// relative reference does when the `<base>` read so far does).
    fn elsewhere(&self, f: &Found) -> bool {
        let host = match &f.url {
            Some(url) => url.host_str().map(str::to_owned),
            None => raw_host(&f.raw).or_else(|| self.base.as_deref().and_then(raw_host)),
        };
        host.is_some_and(|h| Some(crate::scope::registrable_domain(&h)) != self.site)
    }

    /// Keep a reference: a repeat adds its line (up to [`MAX_REPEATS`]), a new one counts
    /// against [`MAX_RESOURCES_PER_PAGE`]. Past the cap, references to other sites are
    /// still taken (up to as many again): a page padded with its own images must not push
    /// a third party out. Whatever is refused is counted in the cut.
    fn push(&mut self, f: Found) {
        if cannot_load(&f.raw) && f.url.is_none() {
            return;
        }
        let key = {
            let mut h = self.hasher.build_hasher();
            (f.kind, &f.raw, f.attribute, &f.element, f.in_noscript, &f.condition, &f.attrs).hash(&mut h);
            std::hash::Hasher::finish(&h)
        };
        if let Some(own) = self.own.as_mut().filter(|_| f.url.is_none() && f.kind.is_asset()) {
            if let Some(text) = own_key(&f.raw, &own.authority) {
                if own.line != f.line {
                    own.line = f.line;
                    own.on_line.clear();
                }
                let repeat = own.seen.get(&key).copied();
                if repeat.is_none() && self.references >= MAX_RESOURCES_PER_PAGE {
                    self.cut.hit(CutLimit::References);
                    self.cut.dropped_references += 1;
                    return;
                }
                let seen = own.seen.entry(key).or_insert(0);
                *seen += 1;
                if repeat.is_none() {
                    self.references += 1;
                }
                if *seen <= MAX_REPEATS && own.on_line.insert((text.to_owned(), f.kind, f.condition)) {
                    own.counted += 1;
                }
                return;
            }
        }
        if let Some((first, seen)) = self.distinct.get_mut(&key) {
            if self.found[*first as usize].same_reference(&f) {
                *seen += 1;
                if *seen <= MAX_REPEATS {
                    self.found.push(f);
                }
                return;
            }
        }
        if self.references >= MAX_RESOURCES_PER_PAGE
            && (self.references >= 2 * MAX_RESOURCES_PER_PAGE || !self.elsewhere(&f))
        {
            self.cut.hit(CutLimit::References);
            self.cut.dropped_references += 1;
            return;
        }
        self.references += 1;
        let index = u32::try_from(self.found.len()).unwrap_or(u32::MAX);
        self.distinct.entry(key).or_insert((index, 1));
        self.found.push(f);
    }

    fn link(&mut self, raw: Cow<str>) {
        if cannot_load(&raw) {
            return;
        }
        // A fragment names a place in the page the link leads to, not another page: a
        // catalogue's `faq.html#q1` ... `#q12000` are one link, kept once instead of as
        // twelve thousand (a `#` always starts the fragment, in every kind of URL).
        let raw = match (raw.find('#'), raw) {
            (Some(at), Cow::Borrowed(text)) => Cow::Borrowed(&text[..at]),
            (Some(at), Cow::Owned(mut text)) => {
                text.truncate(at);
                Cow::Owned(text)
            }
            (None, raw) => raw,
        };
        if self.link_set.contains(raw.as_ref()) {
            return;
        }
        if self.links.len() >= MAX_LINKS_PER_PAGE {
            self.cut.hit(CutLimit::Links);
            self.cut.dropped_links += 1;
            return;
        }
        self.link_set.insert(raw.clone().into_owned());
        self.links.push(raw.into_owned());
    }

    /// Resolve everything against the page's base, deduplicate and cap.
    fn finish(self, base: &Url) -> Extracted {
        let mut cut = self.cut;
        let mut out = Extracted { has_sensitive_inputs: self.sensitive, tag_ids: self.tag_ids, ..Default::default() };
        // A reference written twice on one line (a logo in a `src` and its `srcset`) is one;
        // the same text resolves the same way, so it is parsed once.
        // (The condition is part of it: a URL that loads nothing in one place and loads in
        // another on the same line is two references.)
        let mut written: FastSet<(&str, ResourceKind, u32, Option<&Condition>)> = FastSet::default();
        let urls: Vec<Option<Url>> = self
            .found
            .iter()
            .map(|f| match &f.url {
                Some(url) => Some(Url::clone(url)),
                None if written.insert((f.raw.as_str(), f.kind, f.line, f.condition.as_ref())) => resolve(base, &f.raw),
                None => None,
            })
            .collect();
        drop(written);
        let key = |i: usize| urls[i].as_ref().map(Url::as_str);
        // Different spellings of one URL (`/a`, `https://shop.example/a`) are one too.
        let mut seen: FastSet<(&str, ResourceKind, u32, Option<&Condition>)> = FastSet::default();
        let mut keep: Vec<bool> = (self.found.iter().enumerate())
            .map(|(i, f)| key(i).is_some_and(|k| seen.insert((k, f.kind, f.line, f.condition.as_ref()))))
            .collect();
        drop(seen);
        // The cap counts distinct references (URL, kind, condition), not their lines. When
        // it is reached, references to other sites are kept first, in page order.
        let mut distinct: FastSet<(&str, ResourceKind, Option<&Condition>)> = FastSet::default();
        // `Some` marks a reference's first occurrence; whether it is on another site is
        // worked out only when the cap is reached (a public-suffix lookup per reference).
        let mut other_site: Vec<Option<bool>> = vec![None; keep.len()];
        for (i, f) in self.found.iter().enumerate() {
            if let (true, Some(k)) = (keep[i], key(i)) {
                if distinct.insert((k, f.kind, f.condition.as_ref())) {
                    other_site[i] = Some(false);
                }
            }
        }
        if distinct.len() > MAX_RESOURCES_PER_PAGE {
            for (i, other) in other_site.iter_mut().enumerate().filter(|(_, o)| o.is_some()) {
                let site = urls[i].as_ref().and_then(Url::host_str).map(crate::scope::registrable_domain);
                *other = Some(site != self.site);
            }
            let elsewhere = other_site.iter().filter(|o| **o == Some(true)).count();
            let mut room_here = MAX_RESOURCES_PER_PAGE.saturating_sub(elsewhere);
            let mut room_elsewhere = MAX_RESOURCES_PER_PAGE;
            let mut dropped: FastSet<(&str, ResourceKind, Option<&Condition>)> = FastSet::default();
            for (i, f) in self.found.iter().enumerate() {
                let Some(k) = key(i).filter(|_| keep[i]) else { continue };
                let room = match other_site[i] {
                    Some(true) => &mut room_elsewhere,
                    Some(false) => &mut room_here,
                    // A repeat: kept when its first occurrence was.
                    None => {
                        keep[i] = !dropped.contains(&(k, f.kind, f.condition.as_ref()));
                        continue;
                    }
                };
                if *room == 0 {
                    keep[i] = false;
                    dropped.insert((k, f.kind, f.condition.as_ref()));
                } else {
                    *room -= 1;
                }
            }
            cut.hit(CutLimit::References);
            cut.dropped_references += dropped.len();
        }
        drop(distinct);
        out.own_assets = self.own.as_ref().map_or(0, |o| o.counted);
        out.resources.reserve_exact(urls.iter().zip(&keep).filter(|(u, k)| u.is_some() && **k).count());
        let kept =
            self.found.into_iter().zip(urls).zip(keep).filter_map(|((f, url), keep)| Some((url?, f)).filter(|_| keep));
        for (url, f) in kept {
            tags::scan_url(&url, |tag| out.tag_ids.push(TagId { line: f.line, ..tag }));
            out.resources.push(RawResource {
                url,
                kind: f.kind,
                evidence: Evidence {
                    element: f.element,
                    attribute: f.attribute,
                    raw: one_line(trimmed(f.raw)),
                    line: f.line,
                    in_noscript: f.in_noscript,
                    attrs: f.attrs,
                    condition: f.condition,
                },
            });
        }
        // Navigation repeats the same links on every page (and some twice on one).
        let links = self.links.iter().filter_map(|raw| {
            let mut url = resolve(base, raw)?;
            url.set_fragment(None);
            Some(url)
        });
        let links: Vec<Url> = links.collect();
        let mut seen: FastSet<&str> = FastSet::default();
        let first: Vec<bool> = links.iter().map(|u| seen.insert(u.as_str())).collect();
        drop(seen);
        out.links = links.into_iter().zip(first).filter_map(|(u, first)| first.then_some(u)).collect();
        out.tag_ids.sort();
        out.tag_ids.dedup_by(|a, b| a.kind == b.kind && a.value == b.value);
        out.cut = (!cut.limits.is_empty()).then_some(cut);
        out
    }
}

/// What names one of the page's own assets: the reference from its path on, when it is
/// written relative to the page (`/cdn/a.jpg`, `img/a.jpg`, `?v=2`) or absolute on the
/// base's `authority` (`//shop.example/a.jpg`, `https://shop.example/a.jpg`). `None` sends
/// the reference through the URL parser: anything it would read differently than it looks
/// (backslashes and control characters it strips or turns into slashes, another scheme,
/// another spelling of the host) is not guessed at here. (A space inside is only
/// percent-encoded; the ends are trimmed as `resolve` trims them.)
fn own_key<'r>(raw: &'r str, authority: &str) -> Option<&'r str> {
    let raw = raw.trim();
    if raw.is_empty() || raw.bytes().any(|b| b < b' ' || b == b'\\' || b == 0x7f) {
        return None;
    }
    let on_host = |rest: &'r str| {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        (rest[..end].eq_ignore_ascii_case(authority)).then(|| &rest[end..])
    };
    if let Some(rest) = raw.strip_prefix("//") {
        return on_host(rest);
    }
    if raw.starts_with('/') {
        return Some(raw);
    }
    let head = &raw[..raw.find(['/', '?', '#']).unwrap_or(raw.len())];
    match head.split_once(':') {
        None => Some(raw),
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            on_host(raw.split_once(':')?.1.strip_prefix("//")?)
        }
        Some(_) => None,
    }
}

/// The host of a reference written absolute (`https://x/`, `//x/`), as written.
fn raw_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let rest = if raw.len() > 8 && raw[..8].eq_ignore_ascii_case("https://") {
        &raw[8..]
    } else if raw.len() > 7 && raw[..7].eq_ignore_ascii_case("http://") {
        &raw[7..]
    } else {
        raw.strip_prefix("//").or_else(|| raw.strip_prefix("\\\\"))?
    };
    let host = rest.split(['/', '\\', '?', '#']).next()?;
    let host = host.rsplit('@').next()?.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// References that cannot reach a server (`data:`, `javascript:`, a fragment): not worth
/// keeping, nor counting against a limit.
fn cannot_load(raw: &str) -> bool {
    let raw = raw.trim_start();
    raw.is_empty()
        || raw.starts_with('#')
        || ["data:", "javascript:", "mailto:", "tel:", "about:", "blob:"]
            .iter()
            .any(|s| raw.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)))
}

/// An attribute's value with character references decoded (`&amp;` in a query string is
/// the most common), and the byte offset where it is written in the document.
struct Attr<'a> {
    value: Cow<'a, str>,
    offset: usize,
}

/// How a `<script>` is handled, by its `type` (HTML § 4.12.1.1, "the script's type").
#[derive(PartialEq)]
enum ScriptType {
    /// Runs: no type, an empty one, a JavaScript MIME type, `module`, or the JSON the
    /// browser acts on (`importmap`, `speculationrules`, which prefetch).
    Runs,
    /// JSON data (`application/ld+json`, `application/json-ld;charset=utf-8`): its URLs are
    /// product images and profiles, nothing is fetched.
    Data,
    /// An HTML template a script renders later (`text/html`, `text/x-template`,
    /// `html/template`, Handlebars, Underscore...): its URLs are not loads by themselves.
    Template,
    /// Anything else (`text/plain`, `text/lazy`, `rocketlazyloadscript`, `text/partytown`):
    /// not run as written, but kept back for a script (a lazy loader, a consent banner) to
    /// switch on.
    HeldBack,
}

fn script_type(el: &StartTag) -> ScriptType {
    let Some(ty) = el.value("type") else { return ScriptType::Runs };
    let essence = ty.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    const JS: &[&str] = &[
        "",
        "module",
        "importmap",
        "speculationrules",
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    ];
    if JS.contains(&essence.as_str()) {
        ScriptType::Runs
    } else if essence.contains("json") {
        ScriptType::Data
    } else if essence.contains("html")
        || ["template", "tmpl", "handlebars", "mustache", "x-jsrender", "x-dot"].iter().any(|t| essence.contains(t))
    {
        ScriptType::Template
    } else {
        ScriptType::HeldBack
    }
}

/// The consent category a consent-management platform gates an element behind, as the
/// page writes it: OneTrust `class="optanon-category-C0004"`, Cookiebot
/// `data-cookieconsent="marketing"`, Klaro `data-name` (with `type=text/plain`),
/// CookieConsent `data-category`/`data-cookiecategory`, Usercentrics `data-usercentrics`,
/// Complianz `data-category` or `class="cmplz-…"`, iubenda `class="_iub_cs_activate"` with
/// `data-iub-purposes`.
fn consent_category(el: &StartTag) -> Option<String> {
    let attr = |name: &str| el.value(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let class = el.value("class").unwrap_or_default();
    let classes = || class.split_ascii_whitespace();
    if let Some(c) = classes().find_map(|c| c.strip_prefix("optanon-category-")) {
        return Some(c.to_owned());
    }
    for name in ["data-cookieconsent", "data-cookiecategory", "data-category", "data-usercentrics"] {
        if let Some(v) = attr(name) {
            return Some(v);
        }
    }
    if classes().any(|c| c == "_iub_cs_activate" || c.starts_with("_iub_cs_activate-")) {
        return Some(attr("data-iub-purposes").unwrap_or_else(|| "iubenda".to_owned()));
    }
    if let Some(c) = classes().find_map(|c| c.strip_prefix("cmplz-")) {
        return Some(c.to_owned());
    }
    if el.value("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("text/plain")) {
        return attr("data-name");
    }
    None
}

/// Attributes consent platforms and lazy loaders keep a `src` in until they switch the
/// element on.
const HELD_SRC: &[&str] =
    &["data-src", "data-suppressedsrc", "suppressedsrc", "data-cmplz-src", "data-cookieblock-src"];

/// A `<template shadowrootmode=open|closed>` is a declarative shadow root (HTML § 13.2.6.4.4,
/// "A start tag whose tag name is template"): its contents are attached and live, unlike
/// a template's. The host must accept a shadow root (DOM § 4.2.2.14 "valid shadow host
/// name"); if it does not, the template stays an inert template.
fn shadow_root(tag: &StartTag, parent: Option<&str>) -> bool {
    const HOSTS: &[&str] = &[
        "article",
        "aside",
        "blockquote",
        "body",
        "div",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "main",
        "nav",
        "p",
        "section",
        "span",
    ];
    let mode = tag.value("shadowrootmode");
    let mode_ok = mode.is_some_and(|m| m.eq_ignore_ascii_case("open") || m.eq_ignore_ascii_case("closed"));
    // A custom element name has a hyphen and starts with a lowercase letter.
    let host_ok = parent.is_some_and(|p| {
        HOSTS.iter().any(|h| p.eq_ignore_ascii_case(h))
            || (p.contains('-') && p.starts_with(|c: char| c.is_ascii_alphabetic()))
    });
    mode_ok && host_ok
}

impl Reader<'_, '_> {
    /// The 1-based line (in the whole page) of a byte offset in this document.
    fn line_at(&mut self, offset: usize) -> u32 {
        self.lines.line_at(offset) + 1 + self.doc.line_offset
    }

    fn attr<'a>(&self, tag: &StartTag<'a>, name: &str) -> Option<Attr<'a>> {
        let a = tag.get(name)?;
        Some(Attr { value: charref::decode_attribute(a.value), offset: a.offset })
    }

    fn kept_attrs(tag: &StartTag) -> BTreeMap<String, String> {
        let mut attrs = BTreeMap::new();
        for a in &tag.attrs {
            if let Some(name) = KEPT_ATTRS.iter().find(|k| a.name.eq_ignore_ascii_case(k)) {
                attrs.insert((*name).to_owned(), one_line(charref::decode_attribute(a.value).into_owned()));
            }
        }
        attrs
    }

    /// The condition everything read here is under: inert inside template contents.
    fn context(&self) -> Option<Condition> {
        if self.templates > 0 { Some(Condition::Inert) } else { self.doc.condition.clone() }
    }

    /// A reference's condition: the context's, or `own` where the context has none.
    fn condition(&self, own: Option<Condition>) -> Option<Condition> {
        self.context().or(own)
    }

    fn push(&mut self, f: Found) {
        self.walk.push(f);
    }

    /// An attribute-borne URL: record it with its line and the element's kept attributes.
    fn attr_url(&mut self, el: &StartTag, element: &'static str, attribute: &'static str, kind: ResourceKind) {
        self.attr_url_if(el, element, attribute, kind, None);
    }

    /// [`Self::attr_url`] for a reference that loads only on `condition`.
    fn attr_url_if(
        &mut self,
        el: &StartTag,
        element: &'static str,
        attribute: &'static str,
        kind: ResourceKind,
        condition: Option<Condition>,
    ) {
        if let Some(a) = self.attr(el, attribute) {
            let line = self.line_at(a.offset);
            let f = Found {
                kind,
                element: Cow::Borrowed(element),
                attribute,
                raw: a.value.into_owned(),
                line,
                in_noscript: self.doc.in_noscript,
                attrs: Self::kept_attrs(el),
                url: None,
                condition: self.condition(condition),
            };
            self.push(f);
        }
    }

    fn srcset(&mut self, el: &StartTag, element: &'static str, attribute: &'static str, kind: ResourceKind) {
        self.urls_in_attr(el, element, attribute, kind, srcset_urls, None);
    }

    /// An attribute that holds several URLs (`srcset`, `ping`), split by `split`.
    fn urls_in_attr(
        &mut self,
        el: &StartTag,
        element: &'static str,
        attribute: &'static str,
        kind: ResourceKind,
        split: fn(&str) -> Vec<&str>,
        condition: Option<Condition>,
    ) {
        let Some(a) = self.attr(el, attribute) else { return };
        let line = self.line_at(a.offset);
        let attrs = Self::kept_attrs(el);
        let condition = self.condition(condition);
        for raw in split(&a.value) {
            let f = Found {
                kind,
                element: Cow::Borrowed(element),
                attribute,
                raw: raw.to_owned(),
                line,
                in_noscript: self.doc.in_noscript,
                attrs: attrs.clone(),
                url: None,
                condition: condition.clone(),
            };
            self.push(f);
        }
    }

    fn link(&mut self, raw: Cow<str>) {
        self.walk.link(raw);
    }

    /// What lazy loading or a consent platform holds back on this element: its category
    /// when a platform marks it, a guess (lazy) otherwise.
    fn held(el: &StartTag) -> Option<Condition> {
        Some(match consent_category(el) {
            Some(category) => Condition::ConsentGated { category },
            None => Condition::Lazy,
        })
    }

    /// The `src` kept in a lazy-loading or consent attribute (`data-src`, ...).
    fn held_src(&mut self, el: &StartTag, element: &'static str, kind: ResourceKind) {
        for attribute in HELD_SRC {
            if el.has(attribute) {
                self.attr_url_if(el, element, attribute, kind, Self::held(el));
            }
        }
    }

    fn element(&mut self, el: &StartTag) {
        self.wanted = None;
        self.svg_text = el.ns == Namespace::Svg;
        match el.ns {
            Namespace::Html => self.html_element(el),
            Namespace::Svg => self.svg_element(el),
            // MathML fetches nothing (its `style` attributes are read by `styled`).
            Namespace::MathMl => {}
        }
    }

    /// An SVG element: only `<script>`, `<image>`, `<use>` and `<feImage>` fetch, from
    /// `href` (SVG 2) or `xlink:href` (SVG 1.1; `href` wins when both are written). SVG
    /// defines no `iframe`, `video`, `link` or `src`: what they hold is kept as inert.
    fn svg_element(&mut self, el: &StartTag) {
        use ResourceKind as K;
        let href: &'static str = if el.has("href") { "href" } else { "xlink:href" };
        let tag = el.name.to_ascii_lowercase();
        match tag.as_str() {
            "script" => {
                self.attr_url(el, "script", href, K::Script);
                self.attr_url_if(el, "script", "src", K::Script, Some(Condition::Inert));
                if el.has("href") || el.has("xlink:href") {
                    // An external SVG script runs its `href`, not its text.
                } else if script_type(el) == ScriptType::Runs {
                    self.wanted = Some(self.context());
                }
            }
            "image" => self.attr_url(el, "image", href, K::Image),
            "use" => self.attr_url(el, "use", href, K::Image),
            "feimage" => self.attr_url(el, "feImage", href, K::Image),
            "a" => {
                if let Some(a) = self.attr(el, href) {
                    self.link(a.value);
                }
            }
            "iframe" | "frame" | "video" | "audio" | "source" | "track" | "embed" | "img" | "link" | "object" => {
                let element: &'static str = match tag.as_str() {
                    "iframe" => "iframe",
                    "frame" => "frame",
                    "video" => "video",
                    "audio" => "audio",
                    "source" => "source",
                    "track" => "track",
                    "embed" => "embed",
                    "img" => "img",
                    "link" => "link",
                    _ => "object",
                };
                for attribute in ["src", "href", "data"] {
                    self.attr_url_if(el, element, attribute, K::Other, Some(Condition::Inert));
                }
            }
            _ => {}
        }
    }

    fn html_element(&mut self, el: &StartTag) {
        // Tag names are ASCII-insensitive; the few that can be written in capitals are
        // lowered here once rather than compared in every arm.
        let lowered;
        let tag = if el.name.bytes().any(|b| b.is_ascii_uppercase()) {
            lowered = el.name.to_ascii_lowercase();
            lowered.as_str()
        } else {
            el.name
        };
        use ResourceKind as K;
        match tag {
            "script" => {
                let ty = script_type(el);
                let gated = consent_category(el).map(|category| Condition::ConsentGated { category });
                // What holds the script back when its type does not run.
                let held = match ty {
                    ScriptType::Runs => None,
                    ScriptType::Data | ScriptType::Template => Some(Condition::Inert),
                    ScriptType::HeldBack => Some(gated.clone().unwrap_or(Condition::Lazy)),
                };
                if el.has("src") {
                    self.attr_url_if(el, "script", "src", K::Script, held.clone());
                } else if ty != ScriptType::Data && ty != ScriptType::Template {
                    self.wanted = Some(self.condition(held));
                }
                self.held_src(el, "script", K::Script);
            }
            // `<image>` is `<img>` to the tree builder (§ 13.2.6.4.7).
            "img" | "image" => {
                let kind = if self.is_pixel(el) { K::Pixel } else { K::Image };
                self.attr_url(el, "img", "src", kind);
                self.srcset(el, "img", "srcset", kind);
                // Lazy-loading scripts copy these into src/srcset as the image scrolls in.
                self.held_src(el, "img", kind);
                if el.has("data-srcset") {
                    self.urls_in_attr(el, "img", "data-srcset", kind, srcset_urls, Self::held(el));
                }
            }
            "iframe" | "frame" => {
                let element = if tag == "iframe" { "iframe" } else { "frame" };
                self.attr_url(el, element, "src", K::Iframe);
                self.held_src(el, element, K::Iframe);
                if let Some(src) = self.attr(el, "src") {
                    self.link(src.value);
                }
                if tag == "iframe" {
                    if let Some(srcdoc) = self.attr(el, "srcdoc") {
                        let line = self.line_at(srcdoc.offset);
                        let in_noscript = self.doc.in_noscript;
                        self.nested(&srcdoc.value, line, in_noscript);
                    }
                }
            }
            "link" => {
                let rel = el.value("rel").unwrap_or_default().to_ascii_lowercase();
                let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
                if let Some(kind) = link_kind(&rels) {
                    self.attr_url(el, "link", "href", kind);
                    if kind == K::Preload && el.has("imagesrcset") {
                        self.srcset(el, "link", "imagesrcset", kind);
                    }
                }
                let follow = rels.iter().any(|r| matches!(*r, "next" | "prev" | "alternate"));
                let html_type = el.value("type").is_none_or(|t| t.contains("html"));
                if let (true, true, Some(href)) = (follow, html_type, self.attr(el, "href")) {
                    self.link(href.value);
                }
            }
            "a" | "area" => {
                if let Some(href) = self.attr(el, "href") {
                    self.link(href.value);
                }
                let element = if tag == "a" { "a" } else { "area" };
                self.urls_in_attr(el, element, "ping", K::Ping, |v| v.split_ascii_whitespace().collect(), None);
            }
            // An empty action posts to the page itself; `resolve` drops empty references.
            "form" => self.attr_url(el, "form", "action", K::FormAction),
            "button" => self.attr_url(el, "button", "formaction", K::FormAction),
            "input" => {
                self.attr_url(el, "input", "formaction", K::FormAction);
                let ty = el.value("type").unwrap_or_default().to_ascii_lowercase();
                if ty == "image" {
                    self.attr_url(el, "input", "src", K::Image);
                }
                // Card fields mark a payment page (PCI DSS scope). A password field alone does
                // not: a login form in a header would put every page in scope.
                let card = el.value("autocomplete").is_some_and(|a| {
                    a.split_ascii_whitespace().any(|t| matches!(t, "cc-number" | "cc-csc" | "cc-exp" | "cc-name"))
                }) || ["name", "id"].iter().any(|a| {
                    el.value(a).is_some_and(|v| {
                        let v = v.to_ascii_lowercase().replace(['-', '_'], "");
                        v.contains("cardnumber") || v == "ccnumber" || v == "cvc" || v == "cvv"
                    })
                });
                if card && self.context().is_none() {
                    self.walk.sensitive = true;
                }
            }
            "source" => {
                let kind = if self.pictures > 0 { K::Image } else { K::Media };
                self.attr_url(el, "source", "src", kind);
                self.srcset(el, "source", "srcset", kind);
                self.held_src(el, "source", kind);
                if el.has("data-srcset") {
                    self.urls_in_attr(el, "source", "data-srcset", kind, srcset_urls, Self::held(el));
                }
            }
            "video" => {
                self.attr_url(el, "video", "src", K::Media);
                self.attr_url(el, "video", "poster", K::Image);
            }
            "audio" => self.attr_url(el, "audio", "src", K::Media),
            "track" => self.attr_url(el, "track", "src", K::Media),
            "embed" => self.attr_url(el, "embed", "src", K::Embed),
            "object" => self.attr_url(el, "object", "data", K::Object),
            "meta" => {
                let refresh = el.value("http-equiv").is_some_and(|h| h.trim().eq_ignore_ascii_case("refresh"));
                if let (true, Some(content)) = (refresh, self.attr(el, "content")) {
                    if let Some(target) = refresh_target(&content.value) {
                        let line = self.line_at(content.offset);
                        let f = Found {
                            kind: K::MetaRefresh,
                            element: Cow::Borrowed("meta"),
                            attribute: "content",
                            raw: target.to_owned(),
                            line,
                            in_noscript: self.doc.in_noscript,
                            attrs: Self::kept_attrs(el),
                            url: None,
                            condition: self.context(),
                        };
                        self.push(f);
                        self.link(Cow::Borrowed(target));
                    }
                }
            }
            // Scripting is on while reading, so the content is raw text: it is read again as
            // HTML, which is what a browser with JavaScript off would load.
            "noscript" => self.wanted = Some(self.context()),
            // The legacy `background` attribute (body, table, td, th) loads an image.
            "body" => self.attr_url(el, "body", "background", K::Image),
            "table" => self.attr_url(el, "table", "background", K::Image),
            "td" => self.attr_url(el, "td", "background", K::Image),
            "th" => self.attr_url(el, "th", "background", K::Image),
            // The document's base is the first `<base href>` of the document itself, not one
            // in template contents or a nested document (HTML § 4.2.3).
            "base" if self.doc.nesting == 0 && self.templates == 0 && self.walk.base.is_none() => {
                self.walk.base = self.attr(el, "href").map(|a| a.value.into_owned());
            }
            _ => {}
        }
    }

    /// Elements with `style` or `hidden`: `url()`s in the style, and hidden containers.
    fn styled(&mut self, el: &StartTag) {
        let Some(style) = self.attr(el, "style") else { return };
        let element: Cow<'static, str> = Cow::Owned(el.name.to_ascii_lowercase());
        let attrs = Self::kept_attrs(el);
        let condition = self.context();
        for found in css::urls_in_css(&style.value) {
            // The value is decoded, so the offset is found again in the value as written.
            let line = self.line_at(style.offset);
            let f = Found {
                kind: ResourceKind::CssUrl,
                element: element.clone(),
                attribute: "style",
                raw: found.raw.to_owned(),
                line,
                in_noscript: self.doc.in_noscript,
                attrs: attrs.clone(),
                url: None,
                condition: condition.clone(),
            };
            self.push(f);
        }
    }

    /// A tracking pixel: an image nobody is meant to see. 1×1 or zero-size by attribute or
    /// style, hidden (by attribute, by style, or inside a hidden element), or in `<noscript>`.
    fn is_pixel(&self, el: &StartTag) -> bool {
        if self.doc.in_noscript || self.hidden > 0 {
            return true;
        }
        let dim = |a: &str| el.value(a).and_then(|v| v.trim().trim_end_matches("px").trim().parse::<f32>().ok());
        let (w, h) = (dim("width"), dim("height"));
        let tiny = (w.is_some() || h.is_some()) && w.is_none_or(|w| w <= 1.0) && h.is_none_or(|h| h <= 1.0);
        tiny || w == Some(0.0) || h == Some(0.0) || hides(el)
    }

    /// The text of the raw-text element just opened.
    fn text(&mut self, of: RawText, text: &str, offset: usize) {
        let wanted = match of {
            RawText::Style => {
                self.wanted = None;
                Some(self.context())
            }
            _ => self.wanted.take(),
        };
        let Some(condition) = wanted else { return };
        if text.is_empty() {
            return;
        }
        let line = self.line_at(offset);
        let text = if std::mem::take(&mut self.svg_text) { svg_text(text) } else { Cow::Borrowed(text) };
        let text = text.as_ref();
        match of {
            RawText::Script => self.inline_script(text, line, condition),
            RawText::Style => {
                let mut counter = LineCounter::new(text);
                let in_noscript = self.doc.in_noscript;
                for found in css::urls_in_css(text) {
                    let kind = if found.import { ResourceKind::CssImport } else { ResourceKind::CssUrl };
                    let f = Found {
                        kind,
                        element: Cow::Borrowed("style"),
                        attribute: "#text",
                        raw: found.raw.to_owned(),
                        line: line + counter.line_at(found.offset),
                        in_noscript,
                        attrs: BTreeMap::new(),
                        url: None,
                        condition: condition.clone(),
                    };
                    self.push(f);
                }
            }
            RawText::Noscript => self.nested(text, line, true),
        }
    }

    /// Read a document embedded in the page (`<noscript>` content, `iframe srcdoc`) that
    /// starts on `line` of the page. Past [`MAX_NESTED_DOCUMENTS`] levels the page is cut.
    fn nested(&mut self, text: &str, line: u32, in_noscript: bool) {
        if text.trim().is_empty() {
            return;
        }
        if self.doc.nesting >= MAX_NESTED_DOCUMENTS {
            self.walk.cut.hit(CutLimit::NestedDocuments);
            self.walk.cut.unread_documents += 1;
            return;
        }
        let inner = Doc {
            in_noscript,
            line_offset: line.saturating_sub(1),
            nesting: self.doc.nesting + 1,
            condition: self.context(),
        };
        self.walk.document(text, &inner);
    }

    fn inline_script(&mut self, text: &str, line: u32, condition: Option<Condition>) {
        let read = memo::script(text);
        for u in &read.urls {
            let f = Found {
                kind: ResourceKind::InlineScriptUrl,
                element: Cow::Borrowed("script"),
                attribute: "#text",
                raw: text[u.raw.clone()].to_owned(),
                line: line + u.line,
                in_noscript: self.doc.in_noscript,
                attrs: BTreeMap::new(),
                url: Some(Box::new(u.url.clone())),
                condition: condition.clone(),
            };
            self.push(f);
        }
        for (l, tag) in &read.tags {
            self.walk.tag_ids.push(TagId { line: line + l, ..tag.clone() });
        }
    }
}

/// What an inline script yields, as a function of its text alone (so it can be
/// remembered, see `memo::script`): the URLs in it and the tag IDs, each with its line
/// within the script (0 for the first).
struct ScriptRead {
    urls: Vec<ScriptRef>,
    tags: Vec<(u32, TagId)>,
}

struct ScriptRef {
    /// Where the reference is written in the script.
    raw: std::ops::Range<usize>,
    line: u32,
    url: Url,
}

fn read_script(text: &str) -> ScriptRead {
    let mut counter = LineCounter::new(text);
    let mut urls = Vec::new();
    for found in urls_in_script(text) {
        let Some(url) = memo::parse(&found.url) else { continue };
        // `raw` is written at `offset`.
        let raw = found.offset..found.offset + found.raw.len();
        debug_assert_eq!(text.get(raw.clone()), Some(found.raw));
        urls.push(ScriptRef { raw, line: counter.line_at(found.offset), url });
    }
    let mut counter = LineCounter::new(text);
    let mut tags = Vec::new();
    tags::scan_script(text, |offset, tag| tags.push((counter.line_at(offset), tag)));
    ScriptRead { urls, tags }
}

/// The text an SVG `<script>` or `<style>` runs or applies: its child text, which is the
/// markup between its tags with elements and comments left out, character references
/// decoded, and CDATA sections taken as written (HTML § 13.2.5.69; an SVG script is not
/// raw text). What is left out is blanked byte for byte (newlines kept) so offsets, and
/// the lines computed from them, stay those of the page.
fn svg_text(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if memchr::memchr2(b'<', b'&', bytes).is_none() {
        return Cow::Borrowed(text);
    }
    let blank = |out: &mut String, s: &str| out.extend(s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    // Text between tags: references decoded, padded to the length as written.
    let plain = |out: &mut String, s: &str| {
        let d = charref::decode_attribute(s);
        out.push_str(&d);
        out.extend(std::iter::repeat_n(' ', s.len().saturating_sub(d.len())));
    };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'<', &bytes[at..]) {
        let lt = at + i;
        plain(&mut out, &text[at..lt]);
        let rest = &text[lt..];
        let end = if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let close = body.find("]]>").map_or(rest.len(), |e| 9 + e);
            blank(&mut out, "<![CDATA[");
            out.push_str(&rest[9..close]);
            blank(&mut out, &rest[close..(close + 3).min(rest.len())]);
            lt + (close + 3).min(rest.len())
        } else if let Some(comment) = rest.strip_prefix("<!--") {
            let e = comment.find("-->").map_or(rest.len(), |e| 4 + e + 3);
            blank(&mut out, &rest[..e]);
            lt + e
        } else if rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?') {
            // A tag (its quoted values may hold `>`).
            let mut quote = None;
            let e = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| match quote {
                    Some(q) if c == q => {
                        quote = None;
                        false
                    }
                    Some(_) => false,
                    None if c == '"' || c == '\'' => {
                        quote = Some(c);
                        false
                    }
                    None => c == '>',
                })
                .map_or(rest.len(), |(i, _)| i + 1);
            blank(&mut out, &rest[..e]);
            lt + e
        } else {
            out.push('<');
            lt + 1
        };
        at = end;
    }
    plain(&mut out, &text[at..]);
    Cow::Owned(out)
}

/// Hidden by its own attributes: `hidden`, or a style that hides it or shrinks it to 1×1.
fn hides(el: &StartTag) -> bool {
    el.has("hidden")
        || el.value("style").is_some_and(|s| {
            let s: String = s.to_ascii_lowercase().split_whitespace().collect();
            s.contains("display:none")
                || s.contains("visibility:hidden")
                || (s.contains("width:1px") && s.contains("height:1px"))
                || s.contains("width:0;")
                || s.contains("height:0;")
                || s.ends_with("width:0")
                || s.ends_with("height:0")
        })
}

/// Evidence text with control characters (newlines above all) turned into spaces: a page
/// must not be able to start a new line in a text report, where CI runners read workflow
/// commands such as `::error`.
/// The string itself is kept when it needs no change (most do).
fn one_line(s: String) -> String {
    // Every control character (C0, DEL, C1) has one of these bytes in UTF-8 (C1's lead
    // byte is 0xC2): most strings are passed by a byte scan, without decoding characters.
    if !s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) || !s.chars().any(char::is_control) {
        return s;
    }
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Without surrounding whitespace; the string itself when it has none.
fn trimmed(s: String) -> String {
    if s.trim().len() == s.len() { s } else { s.trim().to_owned() }
}

/// Empty this thread's memos of URL resolutions and inline scripts (see `memo`).
/// Extraction gives the same results either way; a benchmark that reads one page over and
/// over calls this to read it as a crawl reads a page it has not seen.
pub fn forget_remembered() {
    memo::forget();
}

/// [`resolve_fresh`], remembered across pages (see `memo`).
fn resolve(base: &Url, raw: &str) -> Option<Url> {
    memo::resolve(base, raw)
}

/// Resolve a reference to an absolute http(s) URL; anything else (data:, javascript:,
/// mailto:, relative references in a `file:` document) cannot reach a third party.
fn resolve_fresh(base: &Url, raw: &str) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with('#') {
        return None;
    }
    // Protocol-relative URLs in a local file would otherwise become file://host/...;
    // served over the web they are https.
    let url = if raw.starts_with("//") && !matches!(base.scheme(), "http" | "https") {
        Url::parse(&format!("https:{raw}")).ok()?
    } else {
        base.join(raw).ok()?
    };
    let mut url = url;
    // `cdn.example.net.` is the same host as `cdn.example.net`; one spelling everywhere.
    if let Some(host) =
        url.host_str().filter(|h| h.ends_with('.') && h.len() > 1).map(|h| h.trim_end_matches('.').to_owned())
    {
        url.set_host(Some(&host)).ok()?;
    }
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

fn link_kind(rels: &[&str]) -> Option<ResourceKind> {
    const ORDER: &[(&str, ResourceKind)] = &[
        ("stylesheet", ResourceKind::Stylesheet),
        ("preload", ResourceKind::Preload),
        ("modulepreload", ResourceKind::Modulepreload),
        ("preconnect", ResourceKind::Preconnect),
        ("dns-prefetch", ResourceKind::DnsPrefetch),
        ("prefetch", ResourceKind::Prefetch),
        ("prerender", ResourceKind::Prefetch),
        ("icon", ResourceKind::Icon),
        ("apple-touch-icon", ResourceKind::Icon),
        ("apple-touch-icon-precomposed", ResourceKind::Icon),
        ("mask-icon", ResourceKind::Icon),
        ("manifest", ResourceKind::Manifest),
    ];
    ORDER.iter().find(|(rel, _)| rels.contains(rel)).map(|(_, k)| *k)
}

/// The URLs of a `srcset` (HTML's "parse a srcset attribute", minus descriptor checks):
/// a candidate is a URL up to whitespace; a URL ending in commas ends its candidate;
/// otherwise descriptors run to the next comma. URLs may themselves contain commas.
pub(crate) fn srcset_urls(srcset: &str) -> Vec<&str> {
    let mut urls = Vec::new();
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        let (candidate, after) = rest.split_at(end);
        let url = candidate.trim_end_matches(',');
        if !url.is_empty() {
            urls.push(url);
        }
        rest = if url.len() < candidate.len() {
            after
        } else {
            // Skip descriptors up to the comma that ends this candidate (not one in parens).
            let mut depth = 0i32;
            let mut cut = after.len();
            for (i, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth <= 0 => {
                        cut = i;
                        break;
                    }
                    _ => {}
                }
            }
            &after[cut..]
        };
    }
    urls
}

/// The URL of a `<meta http-equiv=refresh content=...>`, read by HTML § 7.11.1's "shared
/// declarative refresh steps": a time (digits, then digits and dots), then whitespace, `;`
/// or `,`, then an optional `url` `=` (any case, spaces around `=`), then the URL, quoted or
/// not (a quote ends it only when it opened it). `0 https://x`, `0;url = 'https://x'` and
/// `.5,URL=https://x` all navigate; `30` alone reloads the page itself (no target).
fn refresh_target(content: &str) -> Option<&str> {
    let ws = |c: char| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ');
    let s = content.trim_start_matches(ws);
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    // Steps 5-6: no digits is a failure unless the time starts with a dot (`.5`).
    if digits == 0 && !s.starts_with('.') {
        return None;
    }
    let s = s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    // Step 10: the time ends at whitespace, `;` or `,` (or the end: no URL).
    let s = match s.chars().next() {
        None => return None,
        Some(c) if ws(c) || c == ';' || c == ',' => s.trim_start_matches(ws),
        Some(_) => return None,
    };
    let s = s.strip_prefix([';', ',']).unwrap_or(s).trim_start_matches(ws);
    // Step 11: `url=` is optional; a word that starts like it but is not (`urn:`) is the URL.
    let mut url = s;
    if let Some(rest) = s.get(..3).filter(|p| p.eq_ignore_ascii_case("url")).map(|_| s[3..].trim_start_matches(ws)) {
        if let Some(rest) = rest.strip_prefix('=') {
            url = rest.trim_start_matches(ws);
        }
    }
    // Steps h-j: a quote opens, and the same quote (if present) ends the URL.
    if let Some(q) = url.chars().next().filter(|c| *c == '"' || *c == '\'') {
        url = &url[1..];
        if let Some(end) = url.find(q) {
            url = &url[..end];
        }
    }
    // The URL parser strips leading and trailing C0 controls and spaces.
    let url = url.trim_matches(|c: char| c <= ' ');
    (!url.is_empty()).then_some(url)
}

/// Newlines before an offset, counted incrementally: offsets come in nearly increasing
/// order, so a script with thousands of URLs, or a page with thousands of tags, is read
/// once, not once per URL.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    count: u32,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter { bytes: text.as_bytes(), pos: 0, count: 0 }
    }

    fn line_at(&mut self, offset: usize) -> u32 {
        let offset = offset.min(self.bytes.len());
        let newlines = |b: &[u8]| u32::try_from(count_newlines(b)).unwrap_or(u32::MAX);
        // A step back (an element's attributes are not read in source order) counts only
        // the bytes stepped over, not the page again from its start.
        if offset < self.pos {
            self.count = self.count.saturating_sub(newlines(&self.bytes[offset..self.pos]));
        } else {
            self.count = self.count.saturating_add(newlines(&self.bytes[self.pos..offset]));
        }
        self.pos = offset;
        self.count
    }
}

/// Newlines in `bytes`, counted in byte-wide lanes: a `u8` sum over at most 255 bytes
/// cannot overflow, and LLVM turns it into 32 comparisons a step, where a plain
/// `filter().count()` widened every byte to a `usize` lane (10% of extraction).
fn count_newlines(bytes: &[u8]) -> usize {
    bytes.chunks(255).map(|c| usize::from(c.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>())).sum()
}

#[cfg(test)]
mod tests;

/// Texts made of `pieces`, in orders a seeded xorshift generator picks: each call gives one
/// of fewer than `max_len` pieces. The differential tests of extraction's shortcuts feed
/// them to the shortcut and to what it replaced.
#[cfg(test)]
pub(crate) fn pieced<'p>(pieces: &'p [&'p str], mut seed: u64) -> impl FnMut(u64) -> String + 'p {
    move |max_len| {
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let len = next() % max_len;
        (0..len).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect()
    }
}

#[cfg(test)]
mod refresh_tests {
    use super::{LineCounter, refresh_target};

    #[test]
    fn line_counter_steps_back_and_forth() {
        let text = "a\nb\nc\nd";
        let mut c = LineCounter::new(text);
        assert_eq!([6, 2, 4, 0, 7, 99].map(|o| c.line_at(o)), [3, 1, 2, 0, 3, 3]);
        // Counted in 255-byte lanes: a run of newlines longer than a lane must not wrap.
        let many = format!("{}x{}", "\n".repeat(1000), "\n".repeat(300));
        let mut c = LineCounter::new(&many);
        assert_eq!([1000, 1001, 1301].map(|o| c.line_at(o)), [1000, 1000, 1300]);
    }

    #[test]
    fn refresh_targets() {
        assert_eq!(refresh_target("0; url=/a"), Some("/a"));
        assert_eq!(refresh_target("5;URL='https://x.example/'"), Some("https://x.example/"));
        assert_eq!(refresh_target("0, /b"), Some("/b"));
        assert_eq!(refresh_target("Déguisement; 00€ - Découvrez"), None);
        assert_eq!(refresh_target("0; €€"), Some("€€"));
        assert_eq!(refresh_target("30"), None);
    }

    #[test]
    fn refresh_spellings_the_standard_allows() {
        for (content, url) in [
            ("0 https://x.example/a", Some("https://x.example/a")),
            ("0; url = https://x.example/a", Some("https://x.example/a")),
            ("0,url=https://x.example/a", Some("https://x.example/a")),
            ("0;URL=\"https://x.example/a\" trailing", Some("https://x.example/a")),
            ("  1.5 ;  'https://x.example/a'", Some("https://x.example/a")),
            (".5;url=https://x.example/a", Some("https://x.example/a")),
            ("0; urn:x", Some("urn:x")),
            ("0; url='https://x.example/it's'", Some("https://x.example/it")),
            ("0; url=\"https://x.example/a", Some("https://x.example/a")),
            ("0;", None),
            ("0x; url=https://x.example/a", None),
            ("; url=https://x.example/a", None),
        ] {
            assert_eq!(refresh_target(content), url, "{content}");
        }
    }
}
