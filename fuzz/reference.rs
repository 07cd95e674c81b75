//! The reference reading of a page: which hosts a browser fetches from as it reads the
//! markup, decided on html5ever's DOM (scraper), the spec reference of issue #19.
//!
//! Shared by the differential tests (tests/integration/trust_html.rs) and the differential
//! fuzz target (fuzz/fuzz_targets/html_diff.rs). It holds the same table as the extractor
//! (which element and attribute loads what) but none of its parsing: namespaces, template
//! contents, raw text, character references and foreign content all come from html5ever's
//! tokenizer and tree builder. What the two disagree on is then the extractor's reading of
//! markup, which is what is under test.
//!
//! Out of the comparison on both sides: references that load only on a condition (lazy,
//! consent, inert: the extractor labels them), `<meta http-equiv=refresh>` (its syntax is
//! unit-tested against the standard's steps), navigation links, and `<a ping>`/form actions
//! (sent on a click, not on reading).

use scraper::Html;
use scraper::node::Node;
use std::collections::BTreeSet;
use url::Url;

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";
const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";

/// Nested documents (`srcdoc`, `<noscript>`) read, as the extractor's limit.
const MAX_NESTED: u32 = 16;

/// Hosts (lowercase, no trailing dot) of what a browser loads reading `html` at `doc_url`.
pub fn loads(doc_url: &Url, html: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let doc = Html::parse_document(html);
    let base = document_base(&doc).and_then(|href| doc_url.join(href.trim()).ok()).unwrap_or_else(|| doc_url.clone());
    let mut raw = Vec::new();
    walk(&doc, 0, &mut raw);
    for r in raw {
        if let Some(host) = resolve(&base, &r) {
            out.insert(host);
        }
    }
    out
}

/// What the extractor reports as loads, in the same terms: hosts of references without a
/// condition, meta refresh, pings and form actions aside.
pub fn ours(doc_url: &Url, html: &str) -> BTreeSet<String> {
    use vendorscan::model::ResourceKind as K;
    vendorscan::extract::extract(doc_url, html)
        .resources
        .into_iter()
        .filter(|r| r.evidence.condition.is_none())
        .filter(|r| !matches!(r.kind, K::MetaRefresh | K::Ping | K::FormAction))
        .filter_map(|r| r.url.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()))
        .collect()
}

fn resolve(base: &Url, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with('#') {
        return None;
    }
    let url = base.join(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()).filter(|h| !h.is_empty())
}

/// The document's base: the first HTML `<base>` with an `href` in tree order, template
/// contents excluded (they are not in the document's tree).
fn document_base(doc: &Html) -> Option<String> {
    let mut stack = vec![doc.tree.root()];
    let mut order = Vec::new();
    // Depth-first, in tree order, without recursion (the DOM may be 100,000 deep).
    while let Some(node) = stack.pop() {
        if let Node::Element(el) = node.value() {
            if &*el.name.ns == HTML_NS && &*el.name.local == "template" {
                continue;
            }
            if &*el.name.ns == HTML_NS && &*el.name.local == "base" {
                if let Some(href) = el.attr("href") {
                    order.push(href.to_owned());
                    break;
                }
            }
        }
        let children: Vec<_> = node.children().collect();
        stack.extend(children.into_iter().rev());
    }
    order.into_iter().next()
}

/// The attribute `local` with no namespace, or, when `xlink` is set and there is none, in
/// the XLink namespace (SVG 2: `href` wins over `xlink:href`).
fn attr<'a>(el: &'a scraper::node::Element, local: &str, xlink: bool) -> Option<&'a str> {
    let plain = el.attrs.iter().find(|(q, _)| q.ns.is_empty() && &*q.local == local);
    let linked = || el.attrs.iter().find(|(q, _)| xlink && &*q.ns == XLINK_NS && &*q.local == local);
    plain.or_else(linked).map(|(_, v)| &**v)
}

/// Collect what the document's elements load, as written (`raw`), descending into nested
/// documents (`<noscript>` content read again as HTML, as a browser without scripting
/// would; `iframe srcdoc`) up to [`MAX_NESTED`] deep.
fn walk(doc: &Html, nesting: u32, raw: &mut Vec<String>) {
    let mut nested: Vec<String> = Vec::new();
    let mut stack = vec![doc.tree.root()];
    while let Some(node) = stack.pop() {
        let mut descend = true;
        if let Node::Element(el) = node.value() {
            let ns = &*el.name.ns;
            let name = (*el.name.local).to_ascii_lowercase();
            // The direct text children: the text of a script, style or noscript.
            let text = || -> String {
                node.children()
                    .filter_map(|c| if let Node::Text(t) = c.value() { Some(t.to_string()) } else { None })
                    .collect()
            };
            if let Some(style) = el.attr("style") {
                raw.extend(css_urls(style));
            }
            if ns == HTML_NS {
                html_element(el, &name, raw, &mut nested, &text);
                if name == "template" {
                    // Template contents (the fragment child) are inert, unless the template is
                    // a declarative shadow root its parent can host.
                    let parent = node.parent().and_then(|p| match p.value() {
                        Node::Element(pe) => Some(pe.name.local.to_string()),
                        _ => None,
                    });
                    descend = shadow_root(el.attr("shadowrootmode"), parent.as_deref());
                }
            } else if ns == SVG_NS {
                let href = attr(el, "href", true);
                match name.as_str() {
                    "script" => match href {
                        Some(h) => raw.push(h.to_owned()),
                        None if runs(el.attr("type")) => raw.extend(script_urls(&text())),
                        None => {}
                    },
                    "image" | "use" | "feimage" => raw.extend(href.map(str::to_owned)),
                    "style" => raw.extend(css_urls(&text())),
                    _ => {}
                }
            }
        }
        if descend {
            let children: Vec<_> = node.children().collect();
            stack.extend(children.into_iter().rev());
        }
    }
    if nesting < MAX_NESTED {
        for html in nested {
            walk(&Html::parse_document(&html), nesting + 1, raw);
        }
    }
}

fn html_element(
    el: &scraper::node::Element,
    name: &str,
    raw: &mut Vec<String>,
    nested: &mut Vec<String>,
    text: &dyn Fn() -> String,
) {
    let mut one = |a: &str| raw.extend(el.attr(a).map(str::to_owned));
    match name {
        "script" => {
            if !runs(el.attr("type")) {
            } else if let Some(src) = el.attr("src") {
                raw.push(src.to_owned());
            } else {
                raw.extend(script_urls(&text()));
            }
        }
        "img" => {
            one("src");
            raw.extend(el.attr("srcset").map(srcset).unwrap_or_default());
        }
        "iframe" => {
            one("src");
            if let Some(doc) = el.attr("srcdoc") {
                nested.push(doc.to_owned());
            }
        }
        "frame" | "embed" | "audio" | "track" => one("src"),
        "video" => {
            one("src");
            one("poster");
        }
        "source" => {
            one("src");
            raw.extend(el.attr("srcset").map(srcset).unwrap_or_default());
        }
        "object" => one("data"),
        "input" if el.attr("type").is_some_and(|t| t.eq_ignore_ascii_case("image")) => one("src"),
        "body" | "table" | "td" | "th" => one("background"),
        "link" => {
            let rel = el.attr("rel").unwrap_or_default().to_ascii_lowercase();
            const LOADS: &[&str] = &[
                "stylesheet",
                "preload",
                "modulepreload",
                "preconnect",
                "dns-prefetch",
                "prefetch",
                "prerender",
                "icon",
                "apple-touch-icon",
                "apple-touch-icon-precomposed",
                "mask-icon",
                "manifest",
            ];
            let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
            if rels.iter().any(|r| LOADS.contains(r)) {
                one("href");
                if rels.contains(&"preload") && !rels.contains(&"stylesheet") {
                    raw.extend(el.attr("imagesrcset").map(srcset).unwrap_or_default());
                }
            }
        }
        "style" => raw.extend(css_urls(&text())),
        // With scripting on, `<noscript>` holds text; a browser without it reads it as HTML.
        "noscript" => nested.push(text()),
        _ => {}
    }
}

/// HTML § 4.12.1.1: the script runs when its type is absent, empty, a JavaScript MIME type
/// (parameters tolerated, as the extractor does), `module`, or the JSON types the browser
/// acts on.
fn runs(ty: Option<&str>) -> bool {
    let Some(ty) = ty else { return true };
    let essence = ty.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence.is_empty()
        || ["module", "importmap", "speculationrules"].contains(&essence.as_str())
        || [
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
        ]
        .contains(&essence.as_str())
}

/// The template's parent may host a shadow root (DOM's "valid shadow host name").
fn shadow_root(mode: Option<&str>, parent: Option<&str>) -> bool {
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
    mode.is_some_and(|m| m.eq_ignore_ascii_case("open") || m.eq_ignore_ascii_case("closed"))
        && parent.is_some_and(|p| {
            HOSTS.contains(&p) || (p.contains('-') && p.starts_with(|c: char| c.is_ascii_alphabetic()))
        })
}

/// URLs in script text: the extractor's own scanner (what is compared is where the
/// script text is, which the tree builder decides).
fn script_urls(text: &str) -> Vec<String> {
    vendorscan::extract::urls_in_script(text).into_iter().map(|u| u.url).collect()
}

/// `url(...)` and `@import "..."` in CSS: a plain reading (no comments in the inputs
/// compared).
fn css_urls(css: &str) -> Vec<String> {
    let re = regex::Regex::new(r#"(?i)(?:url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+))"#).unwrap();
    re.captures_iter(css).filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.as_str().to_owned())).collect()
}

/// The URLs of a `srcset`: each comma-separated candidate's first word (the inputs compared
/// have no commas inside URLs).
fn srcset(v: &str) -> Vec<String> {
    v.split(',').filter_map(|c| c.split_ascii_whitespace().next()).map(str::to_owned).collect()
}
