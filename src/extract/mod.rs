//! Extraction: every way a page hands its visitors to another server.
//!
//! Enters: the page's URL and its decoded text. Leaves: [`Extracted`]: the resources
//! (absolute http(s) URLs with kind and evidence), the links the crawl may follow, and the
//! tag IDs visible in the page. Pure: no I/O, no async, no knowledge of vendors or scope.
//!
//! One table ([`element_rules`] below, and the handful of special cases next to it) decides
//! which element and attribute yields which [`ResourceKind`]. Unlike a link checker we do
//! want `<script>`, `<noscript>` and preconnect hints: they are where visitor data goes.

mod css;
mod html;
mod script;
mod tags;

use crate::model::{Evidence, RawResource, ResourceKind, TagId};
use html::LinedHtml;
use scraper::ElementRef;
use std::collections::{BTreeMap, HashSet};
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
/// `<noscript>` and `srcdoc` documents are parsed again; nesting beyond this is ignored.
const MAX_NESTED_DOCUMENTS: u32 = 3;

/// Attributes kept as evidence because later checks (SRI, sandboxing, referrer leaks) need them.
const KEPT_ATTRS: &[&str] =
    &["integrity", "crossorigin", "async", "defer", "referrerpolicy", "sandbox", "type", "nomodule", "allow"];

/// Extract everything from one page. `doc_url` is where the page lives (for local files
/// without `--site`, a `file:` URL: relative references then resolve to `file:` and are
/// dropped, as they cannot reach a third party).
pub fn extract(doc_url: &Url, text: &str) -> Extracted {
    let mut out = Extractor { out: Extracted::default(), seen: HashSet::new(), seen_links: HashSet::new() };
    let doc = LinedHtml::parse(text);
    let base = find_base(&doc, doc_url).unwrap_or_else(|| doc_url.clone());
    out.document(&doc, text, &Ctx { base: &base, in_noscript: false, line_offset: 0, nesting: 0 });
    let mut ex = out.out;
    ex.tag_ids.sort();
    ex.tag_ids.dedup_by(|a, b| a.kind == b.kind && a.value == b.value);
    ex
}

/// The first `<base href>` decides how every relative URL in the document resolves.
fn find_base(doc: &LinedHtml, doc_url: &Url) -> Option<Url> {
    let href = doc
        .html
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "base" && e.value().attr("href").is_some())?
        .value()
        .attr("href")?;
    doc_url.join(href.trim()).ok()
}

struct Ctx<'a> {
    base: &'a Url,
    in_noscript: bool,
    /// Lines before the start of this (nested) document in the page source.
    line_offset: u32,
    nesting: u32,
}

struct Extractor {
    out: Extracted,
    seen: HashSet<(String, ResourceKind, u32)>,
    seen_links: HashSet<String>,
}

impl Extractor {
    fn document(&mut self, doc: &LinedHtml, text: &str, ctx: &Ctx) {
        let lines = SourceLines::new(text);
        for el in doc.html.root_element().descendants().filter_map(ElementRef::wrap) {
            let line = doc.line_of(el.id());
            self.element(el, line, &lines, ctx);
        }
    }

    fn element(&mut self, el: ElementRef, line: u32, lines: &SourceLines, ctx: &Ctx) {
        let e = el.value();
        let name = e.name();
        // An attribute-borne URL: locate the raw text for a precise line, then record it.
        let attr_url = |this: &mut Self, attr: &str, kind: ResourceKind| {
            if let Some(raw) = e.attr(attr) {
                let l = lines.refine(line, raw);
                this.add(ctx, el, attr, raw, l, kind);
            }
        };
        match name {
            "script" => {
                if e.attr("src").is_some() {
                    attr_url(self, "src", ResourceKind::Script);
                } else if !is_data_script(e.attr("type")) {
                    let text: String = el.text().collect();
                    self.inline_script(&text, line, ctx);
                }
            }
            "img" => {
                let kind = if is_pixel(el, ctx.in_noscript) { ResourceKind::Pixel } else { ResourceKind::Image };
                attr_url(self, "src", kind);
                self.srcset(el, line, lines, ctx, kind);
                // Lazy-loading scripts copy these into src/srcset as the image scrolls in.
                attr_url(self, "data-src", kind);
                self.srcset_attr(el, "data-srcset", line, lines, ctx, kind);
            }
            // SVG: <image href> loads an image; <use href="sprite.svg#icon"> loads the sprite.
            "image" | "use" => attr_url(self, "href", ResourceKind::Image),
            "iframe" | "frame" => {
                attr_url(self, "src", ResourceKind::Iframe);
                attr_url(self, "data-src", ResourceKind::Iframe);
                if let Some(src) = e.attr("src") {
                    self.link(ctx, src);
                }
                if let (Some(srcdoc), true) = (e.attr("srcdoc"), name == "iframe") {
                    self.nested(srcdoc, line, ctx, ctx.in_noscript);
                }
            }
            "link" => {
                let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
                let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
                if let Some(kind) = link_kind(&rels) {
                    attr_url(self, "href", kind);
                    if kind == ResourceKind::Preload && e.attr("imagesrcset").is_some() {
                        self.srcset_attr(el, "imagesrcset", line, lines, ctx, kind);
                    }
                }
                let follow = rels.iter().any(|r| matches!(*r, "next" | "prev" | "alternate"));
                let html_type = e.attr("type").is_none_or(|t| t.contains("html"));
                if let (true, true, Some(href)) = (follow, html_type, e.attr("href")) {
                    self.link(ctx, href);
                }
            }
            "a" | "area" => {
                if let Some(href) = e.attr("href") {
                    self.link(ctx, href);
                }
                if let Some(ping) = e.attr("ping") {
                    let l = lines.refine(line, ping);
                    for raw in ping.split_ascii_whitespace() {
                        self.add(ctx, el, "ping", raw, l, ResourceKind::Ping);
                    }
                }
            }
            // An empty action posts to the page itself; `resolve` drops empty references.
            "form" => attr_url(self, "action", ResourceKind::FormAction),
            "button" | "input" => {
                attr_url(self, "formaction", ResourceKind::FormAction);
                if name == "input" {
                    let ty = e.attr("type").unwrap_or("").to_ascii_lowercase();
                    if ty == "image" {
                        attr_url(self, "src", ResourceKind::Image);
                    }
                    // Card fields mark a payment page (PCI DSS scope). A password field alone does
                    // not: a login form in a header would put every page in scope.
                    let card = e.attr("autocomplete").is_some_and(|a| {
                        a.split_ascii_whitespace().any(|t| matches!(t, "cc-number" | "cc-csc" | "cc-exp" | "cc-name"))
                    }) || ["name", "id"].iter().any(|a| {
                        e.attr(a).is_some_and(|v| {
                            let v = v.to_ascii_lowercase().replace(['-', '_'], "");
                            v.contains("cardnumber") || v == "ccnumber" || v == "cvc" || v == "cvv"
                        })
                    });
                    if card {
                        self.out.has_sensitive_inputs = true;
                    }
                }
            }
            "source" => {
                let in_picture = el.parent().and_then(ElementRef::wrap).is_some_and(|p| p.value().name() == "picture");
                let kind = if in_picture { ResourceKind::Image } else { ResourceKind::Media };
                attr_url(self, "src", kind);
                self.srcset(el, line, lines, ctx, kind);
            }
            "video" => {
                attr_url(self, "src", ResourceKind::Media);
                attr_url(self, "poster", ResourceKind::Image);
            }
            "audio" | "track" => attr_url(self, "src", ResourceKind::Media),
            "embed" => attr_url(self, "src", ResourceKind::Embed),
            "object" => attr_url(self, "data", ResourceKind::Object),
            "meta" => {
                let refresh = e.attr("http-equiv").is_some_and(|h| h.eq_ignore_ascii_case("refresh"));
                if let (true, Some(target)) = (refresh, e.attr("content").and_then(refresh_target)) {
                    let l = lines.refine(line, target);
                    self.add(ctx, el, "content", target, l, ResourceKind::MetaRefresh);
                    self.link(ctx, target);
                }
            }
            "style" => {
                let text: String = el.text().collect();
                let mut counter = LineCounter::new(&text);
                for found in css::urls_in_css(&text) {
                    let l = line + counter.line_at(found.offset);
                    let kind = if found.import { ResourceKind::CssImport } else { ResourceKind::CssUrl };
                    self.add(ctx, el, "#text", found.raw, l, kind);
                }
            }
            "noscript" => {
                // Scripting is on while parsing, so the content is raw text: parse it as
                // HTML, which is what a browser with JavaScript off would load.
                let text: String = el.text().collect();
                self.nested(&text, line, ctx, true);
            }
            _ => {}
        }
        // The legacy `background` attribute (body, table, td, th) loads an image.
        if matches!(name, "body" | "table" | "td" | "th") {
            attr_url(self, "background", ResourceKind::Image);
        }
        if let Some(style) = e.attr("style") {
            for found in css::urls_in_css(style) {
                let l = lines.refine(line, found.raw);
                self.add(ctx, el, "style", found.raw, l, ResourceKind::CssUrl);
            }
        }
    }

    /// Parse a document embedded in the page (`<noscript>` content, `iframe srcdoc`).
    fn nested(&mut self, text: &str, line: u32, ctx: &Ctx, in_noscript: bool) {
        if ctx.nesting >= MAX_NESTED_DOCUMENTS || text.trim().is_empty() {
            return;
        }
        let doc = LinedHtml::parse(text);
        let inner = Ctx {
            base: ctx.base,
            in_noscript,
            line_offset: ctx.line_offset + line.saturating_sub(1),
            nesting: ctx.nesting + 1,
        };
        self.document(&doc, text, &inner);
    }

    fn inline_script(&mut self, text: &str, line: u32, ctx: &Ctx) {
        let mut counter = LineCounter::new(text);
        for found in urls_in_script(text) {
            if self.out.resources.len() >= MAX_RESOURCES_PER_PAGE {
                break;
            }
            let l = line + counter.line_at(found.offset);
            let Ok(url) = Url::parse(&found.url) else { continue };
            self.push(ctx, "script", "#text", found.raw, l, ResourceKind::InlineScriptUrl, url, BTreeMap::new());
        }
        let mut counter = LineCounter::new(text);
        tags::scan_script(text, |offset, tag| {
            let l = ctx.line_offset + line + counter.line_at(offset);
            self.out.tag_ids.push(TagId { line: l, ..tag });
        });
    }

    fn srcset(&mut self, el: ElementRef, line: u32, lines: &SourceLines, ctx: &Ctx, kind: ResourceKind) {
        self.srcset_attr(el, "srcset", line, lines, ctx, kind);
    }

    fn srcset_attr(
        &mut self,
        el: ElementRef,
        attr: &str,
        line: u32,
        lines: &SourceLines,
        ctx: &Ctx,
        kind: ResourceKind,
    ) {
        if let Some(srcset) = el.value().attr(attr) {
            let l = lines.refine(line, srcset);
            for raw in srcset_urls(srcset) {
                self.add(ctx, el, attr, raw, l, kind);
            }
        }
    }

    fn add(&mut self, ctx: &Ctx, el: ElementRef, attr: &str, raw: &str, line: u32, kind: ResourceKind) {
        let Some(url) = resolve(ctx.base, raw) else { return };
        let mut attrs = BTreeMap::new();
        for name in KEPT_ATTRS {
            if let Some(v) = el.value().attr(name) {
                attrs.insert((*name).to_owned(), one_line(v));
            }
        }
        self.push(ctx, el.value().name(), attr, raw, line, kind, url, attrs);
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        ctx: &Ctx,
        element: &str,
        attribute: &str,
        raw: &str,
        line: u32,
        kind: ResourceKind,
        url: Url,
        attrs: BTreeMap<String, String>,
    ) {
        let line = line + ctx.line_offset;
        if self.out.resources.len() >= MAX_RESOURCES_PER_PAGE
            || !self.seen.insert((url.as_str().to_owned(), kind, line))
        {
            return;
        }
        tags::scan_url(&url, |tag| self.out.tag_ids.push(TagId { line, ..tag }));
        self.out.resources.push(RawResource {
            url,
            kind,
            evidence: Evidence {
                element: element.to_owned(),
                attribute: attribute.to_owned(),
                raw: one_line(raw.trim()),
                line,
                in_noscript: ctx.in_noscript,
                attrs,
            },
        });
    }

    fn link(&mut self, ctx: &Ctx, raw: &str) {
        if self.out.links.len() >= MAX_LINKS_PER_PAGE {
            return;
        }
        if let Some(mut url) = resolve(ctx.base, raw) {
            url.set_fragment(None);
            if self.seen_links.insert(url.as_str().to_owned()) {
                self.out.links.push(url);
            }
        }
    }
}

/// Evidence text with control characters (newlines above all) turned into spaces: a page
/// must not be able to start a new line in a text report, where CI runners read workflow
/// commands such as `::error`.
fn one_line(s: &str) -> String {
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

/// A tracking pixel: an image nobody is meant to see. 1×1 or zero-size by attribute or
/// style, hidden (by attribute, by style, or inside a hidden parent), or in `<noscript>`.
fn is_pixel(el: ElementRef, in_noscript: bool) -> bool {
    if in_noscript {
        return true;
    }
    let dim = |a: &str| el.value().attr(a).and_then(|v| v.trim().trim_end_matches("px").trim().parse::<f32>().ok());
    let (w, h) = (dim("width"), dim("height"));
    let tiny = (w.is_some() || h.is_some()) && w.is_none_or(|w| w <= 1.0) && h.is_none_or(|h| h <= 1.0);
    if tiny || w == Some(0.0) || h == Some(0.0) {
        return true;
    }
    let hidden = |e: ElementRef| {
        e.value().attr("hidden").is_some()
            || e.value().attr("style").is_some_and(|s| {
                let s: String = s.to_ascii_lowercase().split_whitespace().collect();
                s.contains("display:none")
                    || s.contains("visibility:hidden")
                    || (s.contains("width:1px") && s.contains("height:1px"))
                    || s.contains("width:0;")
                    || s.contains("height:0;")
                    || s.ends_with("width:0")
                    || s.ends_with("height:0")
            })
    };
    hidden(el) || el.ancestors().filter_map(ElementRef::wrap).take(4).any(hidden)
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

/// Newlines before an offset, counted incrementally: offsets usually come in increasing
/// order, so a script with thousands of URLs is read once, not once per URL.
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
        if offset < self.pos {
            self.pos = 0;
            self.count = 0;
        }
        let n = self.bytes[self.pos..offset].iter().filter(|&&b| b == b'\n').count();
        self.count += u32::try_from(n).unwrap_or(u32::MAX);
        self.pos = offset;
        self.count
    }
}

/// Lines longer than this are not searched when pinning an attribute to its line.
const MAX_REFINE_LINE: usize = 4096;

/// Line starts of a source, to pin an attribute value to the line it is written on.
struct SourceLines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> SourceLines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        SourceLines { text, starts }
    }

    /// html5ever reports the line where a start tag *ends*; a long tag spread over lines
    /// has its attribute a few lines up. Look back a bounded distance for the raw value.
    fn refine(&self, line: u32, raw: &str) -> u32 {
        const LOOK_BACK: u32 = 40;
        let needle = raw.trim();
        if needle.is_empty() || line <= 1 {
            return line;
        }
        let first = line.saturating_sub(LOOK_BACK).max(1);
        for l in (first..=line).rev() {
            let i = l as usize - 1;
            let Some(&start) = self.starts.get(i) else { continue };
            let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
            // Minified pages put everything on a few huge lines: searching one per attribute
            // would be quadratic, and the line is already right.
            if end - start > MAX_REFINE_LINE {
                return line;
            }
            if self.text.get(start..end).is_some_and(|s| s.contains(needle)) {
                return l;
            }
        }
        line
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod refresh_tests {
    use super::refresh_target;

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
