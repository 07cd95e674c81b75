//! Differential fuzzing of the extractor's reading of markup (issue #19): the set of hosts
//! it reports as loads must be the set html5ever's DOM (scraper) makes a browser fetch
//! (`fuzz/reference.rs`).
//!
//! Inputs are either markup generated from a grammar (tags that switch namespaces, raw
//! text and integration points, attributes that load, URLs spelled with and without
//! character references, nested `srcdoc` documents, CDATA, comments, stray end tags) or the
//! bytes as they come. Run from the repository root:
//!   RUSTC_BOOTSTRAP=1 cargo fuzz run html_diff -- -max_total_time=600 -timeout=10
//!
//! Disagreements that remain and why (each is filtered below by the shape that causes it,
//! and pinned by a test):
//! - `<math><annotation-xml encoding="text/html">`: scraper's tree sink does not tell
//!   html5ever it is an HTML integration point (the trait's default answer), the standard
//!   and browsers do, and so do we (tests/integration/trust_html.rs, SCRAPER_DEVIATIONS).
//! - Start tags the tree builder ignores in context (`<td>` outside a table, a second
//!   `<body>`'s attributes, `<frame>` outside a frameset, all content after a `<frameset>`):
//!   we report their references, a browser loads nothing. Only ever more hosts, never
//!   fewer; see `ignored_start_tag`.
//! - Open (not fixed, an over-report): inside an SVG `<script>` full of stray `<!--`,
//!   `</script>` and quotes in attribute values, html5ever read a `<font>` tag the tokenizer
//!   did not, so we read an `<iframe src>` html5ever held as `<textarea>` text (fuzz/README.md).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[path = "../reference.rs"]
mod reference;

const NAMES: &[&str] = &[
    "svg",
    "math",
    "foreignObject",
    "desc",
    "title",
    "mi",
    "mtext",
    "annotation-xml",
    "mglyph",
    "template",
    "script",
    "style",
    "noscript",
    "iframe",
    "img",
    "image",
    "use",
    "feImage",
    "link",
    "video",
    "source",
    "picture",
    "embed",
    "object",
    "base",
    "p",
    "br",
    "div",
    "span",
    "table",
    "tr",
    "td",
    "select",
    "option",
    "font",
    "b",
    "a",
    "li",
    "textarea",
    "xmp",
    "body",
    "html",
    "head",
    "frameset",
    "frame",
    "input",
    "g",
    "filter",
    "foreignobject",
    "SVG",
];
const ATTRS: &[&str] = &[
    "src",
    "href",
    "xlink:href",
    "srcset",
    "srcdoc",
    "type",
    "rel",
    "shadowrootmode",
    "encoding",
    "color",
    "style",
    "data-src",
    "class",
    "poster",
    "background",
    "data",
    "imagesrcset",
];
const TEXTS: &[&str] = &[
    "x",
    " > ",
    "]]>",
    "<!--",
    "-->",
    "</script>",
    "<![CDATA[",
    "<!-->",
    "s='https://js.example.com/a.js'",
    "// https://comment.example.com/\n",
    "background:url(https://css.example.com/b.png)",
    "stylesheet",
    "open",
    "text/html",
    "module",
    "application/ld+json",
    "text/plain",
    "red",
    "<",
    "&",
    "&amp",
    "\n",
];

#[derive(Arbitrary, Debug)]
enum Input {
    Markup(Vec<Piece>),
    Bytes(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Piece {
    Open { name: u8, attrs: Vec<Attr>, self_closing: bool },
    Close(u8),
    Text(u8),
    Cdata(Vec<u8>),
    Comment(u8),
}

#[derive(Arbitrary, Debug)]
struct Attr {
    name: u8,
    value: Value,
    quote: u8,
}

#[derive(Arbitrary, Debug)]
enum Value {
    Url {
        host: u8,
        spelling: u8,
    },
    Text(u8),
    /// A nested document (for `srcdoc`).
    Doc(Vec<Piece>),
}

fn url(host: u8, spelling: u8) -> String {
    let h = format!("h{}.example.com", host % 8);
    match spelling % 7 {
        0 => format!("https://{h}/a"),
        1 => format!("//{h}/a"),
        2 => format!("https:&#47&#47{h}/a"),
        3 => format!("https&#x3a;//{h}/a?x=1&amp/y"),
        4 => format!("https://{h}/a?x=1&copy=2"),
        5 => format!("{h}/relative"),
        _ => format!("https://{h}/a 1x, https://{h}/b 2x"),
    }
}

fn render(pieces: &[Piece], depth: u32, out: &mut String) {
    for p in pieces {
        match p {
            Piece::Open { name, attrs, self_closing } => {
                out.push('<');
                out.push_str(NAMES[*name as usize % NAMES.len()]);
                for a in attrs {
                    out.push(' ');
                    out.push_str(ATTRS[a.name as usize % ATTRS.len()]);
                    let value = match &a.value {
                        Value::Url { host, spelling } => url(*host, *spelling),
                        Value::Text(t) => TEXTS[*t as usize % TEXTS.len()].to_owned(),
                        Value::Doc(inner) if depth < 4 => {
                            let mut doc = String::new();
                            render(inner, depth + 1, &mut doc);
                            doc
                        }
                        Value::Doc(_) => String::new(),
                    };
                    match a.quote % 3 {
                        0 => out.push_str(&format!("=\"{}\"", value.replace('&', "&amp;").replace('"', "&quot;"))),
                        1 => out.push_str(&format!("='{}'", value.replace('&', "&amp;").replace('\'', "&#39;"))),
                        _ if !value.is_empty()
                            && !value.contains(|c: char| c.is_ascii_whitespace() || "\"'<>=`".contains(c)) =>
                        {
                            out.push('=');
                            out.push_str(&value);
                        }
                        _ => out.push_str(&format!("=\"{}\"", value.replace('&', "&amp;").replace('"', "&quot;"))),
                    }
                }
                out.push_str(if *self_closing { "/>" } else { ">" });
            }
            Piece::Close(name) => {
                out.push_str("</");
                out.push_str(NAMES[*name as usize % NAMES.len()]);
                out.push('>');
            }
            Piece::Text(t) => out.push_str(TEXTS[*t as usize % TEXTS.len()]),
            Piece::Cdata(inner) => {
                out.push_str("<![CDATA[");
                out.push_str(&String::from_utf8_lossy(inner));
                out.push_str("]]>");
            }
            Piece::Comment(t) => {
                out.push_str("<!--");
                out.push_str(TEXTS[*t as usize % TEXTS.len()]);
                out.push_str("-->");
            }
        }
    }
}

/// Shapes whose disagreement is understood (see the file's comment).
fn scraper_deviation(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    lower.contains("annotation-xml") && lower.contains("encoding")
}

/// Hosts only we report (never fewer) where the tree builder ignores a start tag the
/// token stream cannot tell is out of place: a table cell or row outside a table
/// (`<td background>`), a second `<body>` whose attributes are dropped, a `<frame>` outside
/// a frameset, and everything after a `<frameset>` replaced the body (§ 13.2.6.4.7, "in
/// body": "A start tag whose tag name is one of: caption, col, ... tr: parse error, ignore
/// the token"; "in frameset"). Erring towards reporting is the safe side for a CI gate.
fn ignored_start_tag(doc: &url::Url, html: &str, extra: &[&String]) -> bool {
    if html.to_ascii_lowercase().contains("<frameset") {
        return true;
    }
    let ex = vendorscan::extract::extract(doc, html);
    extra.iter().all(|host| {
        ex.resources
            .iter()
            .filter(|r| r.evidence.condition.is_none() && r.url.host_str() == Some(host.as_str()))
            .all(|r| matches!(&*r.evidence.element, "td" | "th" | "tr" | "body" | "frame"))
    })
}

fuzz_target!(|input: Input| {
    let html = match &input {
        Input::Markup(pieces) => {
            let mut s = String::new();
            render(pieces, 0, &mut s);
            s
        }
        Input::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
    };
    if html.len() > 64 * 1024 {
        return;
    }
    let doc = url::Url::parse("https://shop.example/p/page.html").unwrap();
    let theirs = reference::loads(&doc, &html);
    let ours = reference::ours(&doc, &html);
    if theirs == ours || scraper_deviation(&html) {
        return;
    }
    let only_theirs: Vec<_> = theirs.difference(&ours).collect();
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    // A host a browser loads and we do not report is always a finding; one we report and
    // the browser does not is one only when no known shape explains it.
    if !only_theirs.is_empty() || !ignored_start_tag(&doc, &html, &only_ours) {
        panic!("html5ever only: {only_theirs:?}; ours only: {only_ours:?}\n{html}");
    }
});
