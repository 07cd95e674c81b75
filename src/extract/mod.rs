//! Extraction: every way a page hands its visitors to another server.
//!
//! Enters: the page's URL and its decoded text. Leaves: [`Extracted`]: the resources
//! (absolute http(s) URLs with kind and evidence), the links the crawl may follow, and the
//! tag IDs visible in the page. Pure: no I/O, no async, no knowledge of vendors or scope.
//!
//! One match (`Reader::element` below, with the `style`/`hidden` handler next to it) decides
//! which element and attribute yields which [`ResourceKind`]. Unlike a link checker we do
//! want `<script>`, `<noscript>` and preconnect hints: they are where visitor data goes.

mod css;
mod script;
mod tags;
pub mod tokenizer;

use crate::model::{Evidence, FastSet, RawResource, ResourceKind, TagId};
use std::borrow::Cow;
use std::collections::BTreeMap;
use tokenizer::{Mark, RawText, StartTag, Token, Tokenizer};
use url::Url;

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
}

/// Hostile pages must not exhaust memory: a page with more references than this is cut,
/// and the cut is visible as exactly this many entries.
pub const MAX_RESOURCES_PER_PAGE: usize = 20_000;
pub const MAX_LINKS_PER_PAGE: usize = 20_000;
/// References and links are kept as written until the page's `<base>` is known; past this
/// many (duplicates included) the rest of a hostile page's references are not kept.
const MAX_FOUND_PER_PAGE: usize = 4 * MAX_RESOURCES_PER_PAGE;
/// `<noscript>` and `srcdoc` documents are parsed again; nesting beyond this is ignored.
const MAX_NESTED_DOCUMENTS: u32 = 3;

/// Attributes kept as evidence because later checks (SRI, sandboxing, referrer leaks) need them.
const KEPT_ATTRS: &[&str] =
    &["integrity", "crossorigin", "async", "defer", "referrerpolicy", "sandbox", "type", "nomodule", "allow"];

/// Extract everything from one page. `doc_url` is where the page lives (for local files
/// without `--site`, a `file:` URL: relative references then resolve to `file:` and are
/// dropped, as they cannot reach a third party).
///
/// The page is tokenized ([`tokenizer`]), not parsed into a tree: building html5ever's DOM
/// cost more than all the rest of a crawl together, and lol_html's element handlers most of
/// what was left (docs/performance.md). What we need is a tag's attributes, their lines,
/// whether it sits inside a hidden element or a `<picture>`, and the text of scripts,
/// styles and `<noscript>`.
pub fn extract(doc_url: &Url, text: &str) -> Extracted {
    let mut walk = Walk::default();
    walk.document(text, &Doc { in_noscript: false, line_offset: 0, nesting: 0 });
    // The first `<base href>` decides how every relative URL in the document resolves,
    // including those written before it.
    let base = walk.base.as_deref().and_then(|href| doc_url.join(href.trim()).ok()).unwrap_or_else(|| doc_url.clone());
    walk.finish(&base)
}

/// One (possibly nested) document being read.
struct Doc {
    in_noscript: bool,
    /// Lines before the start of this (nested) document in the page source.
    line_offset: u32,
    nesting: u32,
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
    /// Inline-script URLs arrive absolute.
    url: Option<Url>,
}

/// What a page's walk collects, over the page and its nested documents.
#[derive(Default)]
struct Walk {
    found: Vec<Found>,
    links: Vec<String>,
    tag_ids: Vec<TagId>,
    base: Option<String>,
    sensitive: bool,
}

/// The state shared while one document is read.
struct Reader<'w, 't> {
    walk: &'w mut Walk,
    doc: &'w Doc,
    lines: LineCounter<'t>,
    /// Whether the next raw text (of the script or noscript just opened) is read.
    wanted: bool,
    hidden: u32,
    pictures: u32,
}

impl Walk {
    fn document(&mut self, text: &str, doc: &Doc) {
        let mut r = Reader { walk: self, doc, lines: LineCounter::new(text), wanted: false, hidden: 0, pictures: 0 };
        let mut tokens = Tokenizer::new(text);
        while let Some(token) = tokens.next_token() {
            match token {
                Token::Start(tag) => {
                    // Hidden containers make their images pixels; `<picture>` makes `<source>` an image.
                    if hides(&tag) {
                        tokens.mark(Mark::Hidden);
                    }
                    if tag.is("picture") {
                        tokens.mark(Mark::Picture);
                    }
                    r.element(&tag);
                    r.styled(&tag);
                }
                Token::Text { of, text, offset } => r.text(of, text, offset),
                Token::End { .. } => {}
            }
            // The element itself is counted once its own attributes are read.
            r.hidden = tokens.open_marked(Mark::Hidden);
            r.pictures = tokens.open_marked(Mark::Picture);
        }
    }

    /// Resolve everything against the page's base, deduplicate and cap.
    fn finish(self, base: &Url) -> Extracted {
        let mut out = Extracted { has_sensitive_inputs: self.sensitive, tag_ids: self.tag_ids, ..Default::default() };
        // A reference written twice on one line (a logo in a `src` and its `srcset`) is one;
        // the same text resolves the same way, so it is parsed once.
        let mut written: FastSet<(&str, ResourceKind, u32)> = FastSet::default();
        let urls: Vec<Option<Url>> = self
            .found
            .iter()
            .map(|f| match &f.url {
                Some(url) => Some(url.clone()),
                None if written.insert((f.raw.as_str(), f.kind, f.line)) => resolve(base, &f.raw),
                None => None,
            })
            .collect();
        drop(written);
        // Different spellings of one URL (`/a`, `https://shop.example/a`) are one too.
        let mut seen: FastSet<(&str, ResourceKind, u32)> = FastSet::default();
        let keep: Vec<bool> = (self.found.iter().zip(&urls))
            .map(|(f, url)| url.as_ref().is_some_and(|u| seen.insert((u.as_str(), f.kind, f.line))))
            .collect();
        drop(seen);
        let kept =
            self.found.into_iter().zip(urls).zip(keep).filter_map(|((f, url), keep)| Some((url?, f)).filter(|_| keep));
        for (url, f) in kept.take(MAX_RESOURCES_PER_PAGE) {
            tags::scan_url(&url, |tag| out.tag_ids.push(TagId { line: f.line, ..tag }));
            out.resources.push(RawResource {
                url,
                kind: f.kind,
                evidence: Evidence {
                    element: f.element.into_owned(),
                    attribute: f.attribute.to_owned(),
                    raw: one_line(f.raw.trim()),
                    line: f.line,
                    in_noscript: f.in_noscript,
                    attrs: f.attrs,
                },
            });
        }
        // Navigation repeats the same links on every page (and some twice on one).
        let mut written: FastSet<&str> = FastSet::default();
        let links: Vec<Url> = self
            .links
            .iter()
            .filter(|raw| written.insert(raw.as_str()))
            .filter_map(|raw| {
                let mut url = resolve(base, raw)?;
                url.set_fragment(None);
                Some(url)
            })
            .collect();
        let mut seen: FastSet<&str> = FastSet::default();
        let keep: Vec<bool> = links.iter().map(|u| seen.insert(u.as_str())).collect();
        drop(seen);
        out.links =
            links.into_iter().zip(keep).filter(|(_, keep)| *keep).map(|(u, _)| u).take(MAX_LINKS_PER_PAGE).collect();
        out.tag_ids.sort();
        out.tag_ids.dedup_by(|a, b| a.kind == b.kind && a.value == b.value);
        out
    }
}

/// An attribute's value with character references decoded (`&amp;` in a query string is
/// the most common), and the byte offset where it is written in the document.
struct Attr<'a> {
    value: Cow<'a, str>,
    offset: usize,
}

impl Reader<'_, '_> {
    /// The 1-based line (in the whole page) of a byte offset in this document.
    fn line_at(&mut self, offset: usize) -> u32 {
        self.lines.line_at(offset) + 1 + self.doc.line_offset
    }

    fn attr<'a>(&self, tag: &StartTag<'a>, name: &str) -> Option<Attr<'a>> {
        let a = tag.get(name)?;
        Some(Attr { value: html_escape::decode_html_entities(a.value), offset: a.offset })
    }

    fn kept_attrs(tag: &StartTag) -> BTreeMap<String, String> {
        let mut attrs = BTreeMap::new();
        for a in &tag.attrs {
            if let Some(name) = KEPT_ATTRS.iter().find(|k| a.name.eq_ignore_ascii_case(k)) {
                attrs.insert((*name).to_owned(), one_line(&html_escape::decode_html_entities(a.value)));
            }
        }
        attrs
    }

    fn push(&mut self, f: Found) {
        if self.walk.found.len() < MAX_FOUND_PER_PAGE {
            self.walk.found.push(f);
        }
    }

    /// An attribute-borne URL: record it with its line and the element's kept attributes.
    fn attr_url(&mut self, el: &StartTag, element: &'static str, attribute: &'static str, kind: ResourceKind) {
        if let Some(a) = self.attr(el, attribute) {
            let line = self.line_at(a.offset);
            let in_noscript = self.doc.in_noscript;
            self.push(Found {
                kind,
                element: Cow::Borrowed(element),
                attribute,
                raw: a.value.into_owned(),
                line,
                in_noscript,
                attrs: Self::kept_attrs(el),
                url: None,
            });
        }
    }

    fn srcset(&mut self, el: &StartTag, element: &'static str, attribute: &'static str, kind: ResourceKind) {
        self.urls_in_attr(el, element, attribute, kind, srcset_urls);
    }

    /// An attribute that holds several URLs (`srcset`, `ping`), split by `split`.
    fn urls_in_attr(
        &mut self,
        el: &StartTag,
        element: &'static str,
        attribute: &'static str,
        kind: ResourceKind,
        split: fn(&str) -> Vec<&str>,
    ) {
        let Some(a) = self.attr(el, attribute) else { return };
        let line = self.line_at(a.offset);
        let attrs = Self::kept_attrs(el);
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
            };
            self.push(f);
        }
    }

    fn link(&mut self, raw: Cow<str>) {
        if self.walk.links.len() < MAX_FOUND_PER_PAGE {
            self.walk.links.push(raw.into_owned());
        }
    }

    fn element(&mut self, el: &StartTag) {
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
        self.wanted = false;
        match tag {
            "script" => {
                if el.has("src") {
                    self.attr_url(el, "script", "src", K::Script);
                } else {
                    self.wanted = !is_data_script(el.get("type").map(|a| a.value));
                }
            }
            "img" => {
                let kind = if self.is_pixel(el) { K::Pixel } else { K::Image };
                self.attr_url(el, "img", "src", kind);
                self.srcset(el, "img", "srcset", kind);
                // Lazy-loading scripts copy these into src/srcset as the image scrolls in.
                self.attr_url(el, "img", "data-src", kind);
                self.srcset(el, "img", "data-srcset", kind);
            }
            // SVG: <image href> loads an image; <use href="sprite.svg#icon"> loads the sprite.
            "image" => self.attr_url(el, "image", "href", K::Image),
            "use" => self.attr_url(el, "use", "href", K::Image),
            "iframe" | "frame" => {
                let element = if tag == "iframe" { "iframe" } else { "frame" };
                self.attr_url(el, element, "src", K::Iframe);
                self.attr_url(el, element, "data-src", K::Iframe);
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
                self.urls_in_attr(el, element, "ping", K::Ping, |v| v.split_ascii_whitespace().collect());
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
                if card {
                    self.walk.sensitive = true;
                }
            }
            "source" => {
                let kind = if self.pictures > 0 { K::Image } else { K::Media };
                self.attr_url(el, "source", "src", kind);
                self.srcset(el, "source", "srcset", kind);
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
                let refresh = el.value("http-equiv").is_some_and(|h| h.eq_ignore_ascii_case("refresh"));
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
                        };
                        self.push(f);
                        self.link(Cow::Borrowed(target));
                    }
                }
            }
            // Scripting is on while reading, so the content is raw text: it is read again as
            // HTML, which is what a browser with JavaScript off would load.
            "noscript" => self.wanted = self.doc.nesting < MAX_NESTED_DOCUMENTS,
            // The legacy `background` attribute (body, table, td, th) loads an image.
            "body" => self.attr_url(el, "body", "background", K::Image),
            "table" => self.attr_url(el, "table", "background", K::Image),
            "td" => self.attr_url(el, "td", "background", K::Image),
            "th" => self.attr_url(el, "th", "background", K::Image),
            _ => {}
        }
        if tag == "base" && self.doc.nesting == 0 && self.walk.base.is_none() {
            self.walk.base = self.attr(el, "href").map(|a| a.value.into_owned());
        }
    }

    /// Elements with `style` or `hidden`: `url()`s in the style, and hidden containers.
    fn styled(&mut self, el: &StartTag) {
        let Some(style) = self.attr(el, "style") else { return };
        let element: Cow<'static, str> = Cow::Owned(el.name.to_ascii_lowercase());
        let attrs = Self::kept_attrs(el);
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
        let wanted = std::mem::take(&mut self.wanted) || of == RawText::Style;
        if !wanted || text.is_empty() {
            return;
        }
        let line = self.line_at(offset);
        match of {
            RawText::Script => self.inline_script(text, line),
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
                    };
                    self.push(f);
                }
            }
            RawText::Noscript => self.nested(text, line, true),
        }
    }

    /// Read a document embedded in the page (`<noscript>` content, `iframe srcdoc`) that
    /// starts on `line` of the page.
    fn nested(&mut self, text: &str, line: u32, in_noscript: bool) {
        if self.doc.nesting >= MAX_NESTED_DOCUMENTS || text.trim().is_empty() {
            return;
        }
        let inner = Doc { in_noscript, line_offset: line.saturating_sub(1), nesting: self.doc.nesting + 1 };
        self.walk.document(text, &inner);
    }

    fn inline_script(&mut self, text: &str, line: u32) {
        let mut counter = LineCounter::new(text);
        for found in urls_in_script(text) {
            if self.walk.found.len() >= MAX_FOUND_PER_PAGE {
                break;
            }
            let Ok(url) = Url::parse(&found.url) else { continue };
            let f = Found {
                kind: ResourceKind::InlineScriptUrl,
                element: Cow::Borrowed("script"),
                attribute: "#text",
                raw: found.raw.to_owned(),
                line: line + counter.line_at(found.offset),
                in_noscript: self.doc.in_noscript,
                attrs: BTreeMap::new(),
                url: Some(url),
            };
            self.push(f);
        }
        let mut counter = LineCounter::new(text);
        tags::scan_script(text, |offset, tag| {
            let l = line + counter.line_at(offset);
            self.walk.tag_ids.push(TagId { line: l, ..tag });
        });
    }
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
fn one_line(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Resolve a reference to an absolute http(s) URL; anything else (data:, javascript:,
/// mailto:, relative references in a `file:` document) cannot reach a third party.
fn resolve(base: &Url, raw: &str) -> Option<Url> {
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

/// `<script type=application/ld+json>` and other JSON blocks carry data, not code: their
/// URLs (product images, social profiles) are not loaded by the browser.
fn is_data_script(ty: Option<&str>) -> bool {
    ty.map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| t.ends_with("json") || t == "text/template" || t == "text/x-template")
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

/// `content="0; url='https://...'"` -> the URL part.
fn refresh_target(content: &str) -> Option<&str> {
    let (delay, rest) = content.split_once([';', ','])?;
    // The HTML standard's refresh syntax starts with the delay in seconds.
    if delay.trim().parse::<f64>().is_err() {
        return None;
    }
    let rest = rest.trim_start();
    let rest = match rest.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("url=") => &rest[4..],
        _ => rest,
    };
    let target = rest.trim().trim_matches(|c| c == '\'' || c == '"').trim();
    (!target.is_empty()).then_some(target)
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
}
