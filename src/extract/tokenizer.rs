//! The HTML tokenizer extraction reads pages with: start tags with their attributes, end
//! tags, and the raw text of `<script>`, `<style>` and `<noscript>`.
//!
//! Enters: a page's text. Leaves: [`Token`]s borrowing from it, each with byte offsets, in
//! document order. No tree, no character data outside raw-text elements, no allocation
//! beyond one reusable attribute list.
//!
//! Why not a crate: lol_html read the bench store's pages at ~520 MB/s bare, but each element
//! handed to a handler costs it a second, full lexing pass plus selector matching; with the
//! elements extraction must see (every tag, for `style`/`hidden`) that was 60% of a crawl's
//! CPU (docs/performance.md, "A tokenizer of our own"). html5gum's was slower still. What
//! extraction needs is the WHATWG tokenizer's answer to "where do tags, attributes and raw
//! text start and end", which this module gives, following the standard's states:
//! comments (with their abrupt endings), bogus comments, DOCTYPE, CDATA in SVG/MathML, the
//! raw-text/RCDATA elements, script data with its (double) escaped states, and the rule that
//! the tokenizer switches into those only for HTML elements (not inside `<svg>`/`<math>`
//! outside their integration points). A differential test holds it to lol_html's reading
//! of the real-pages corpus (tests/integration/tokenizer.rs).

use memchr::{memchr, memchr2};
use std::borrow::Cow;

/// One attribute as written: the name (ASCII case as written) and the value before
/// character references are decoded, with the byte offset where the value starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    Start(StartTag<'a>),
    /// An end tag, its name as written.
    End {
        name: &'a str,
    },
    /// The content of a raw-text element that extraction reads (`script`, `style`,
    /// `noscript`), with the byte offset where it starts.
    Text {
        of: RawText,
        text: &'a str,
        offset: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawText {
    Script,
    Style,
    Noscript,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartTag<'a> {
    /// As written; compare with [`StartTag::is`] (ASCII case-insensitive).
    pub name: &'a str,
    pub attrs: Vec<Attr<'a>>,
    pub self_closing: bool,
    /// Byte offset of the `<`.
    pub offset: usize,
    /// The namespace the tree builder creates the element in (HTML § 13.2.6.5 "The rules
    /// for parsing tokens in foreign content"): what an `<image>`, `<script>` or `<iframe>`
    /// fetches depends on it.
    pub ns: Namespace,
}

/// The namespace of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    Html,
    Svg,
    MathMl,
}

impl<'a> StartTag<'a> {
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The first attribute of that name (later duplicates are ignored, as browsers do).
    pub fn get(&self, name: &str) -> Option<&Attr<'a>> {
        self.attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The value of that attribute with character references decoded.
    pub fn value(&self, name: &str) -> Option<Cow<'a, str>> {
        self.get(name).map(|a| super::charref::decode_attribute(a.value))
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Elements this deep are still tokenized, but no longer tracked as open (Chromium's
/// parser stops nesting the DOM at 512 too); a hostile page with 100,000 open tags stays
/// linear. What is read past it may be in the wrong namespace: [`Tokenizer::untracked`]
/// counts such elements so the page can be reported cut.
pub const MAX_OPEN: usize = 512;

/// What kind of integration point an SVG or MathML element is (HTML § 13.2.6.5): inside
/// one, start tags are HTML again.
#[derive(Clone, Copy, PartialEq)]
enum Point {
    None,
    /// SVG `foreignObject`, `desc`, `title`; MathML `annotation-xml` with an HTML encoding.
    Html,
    /// MathML `mi`, `mo`, `mn`, `ms`, `mtext`: HTML start tags except `mglyph`/`malignmark`.
    MathText,
}

struct Open<'a> {
    name: &'a str,
    ns: Namespace,
    point: Point,
    marks: u8,
}

/// What the caller wants counted while an element is open: hidden containers (their images
/// are pixels), `<picture>` (its `<source>`s are images) and inert `<template>`s (their
/// contents load nothing). An element closed only implicitly (a `<div>` by the end of its
/// table cell) stays counted until an ancestor closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Hidden = 0,
    Picture = 1,
    Template = 2,
}

const MARKS: [Mark; 3] = [Mark::Hidden, Mark::Picture, Mark::Template];

/// Walks a page; yields tokens through [`Tokenizer::next_token`].
pub struct Tokenizer<'a> {
    src: &'a str,
    pos: usize,
    /// Open elements (names compared ASCII case-insensitively) with their namespace (to
    /// know whether a start tag is an HTML element) and the caller's [`Mark`]s.
    open: Vec<Open<'a>>,
    /// How many open elements carry each mark.
    marked: [u32; 3],
    /// Open HTML `p` elements (most start tags close one; the count spares the walk).
    open_p: u32,
    /// Start tags of elements not tracked because [`MAX_OPEN`] were open.
    untracked: usize,
    /// An HTML `<frameset>` was read: raw-text elements may be ignored from here on.
    frameset: bool,
    /// The last start tag is the innermost open element (it was not void, raw text or
    /// past [`MAX_OPEN`]), so it can be marked.
    last_opened: bool,
    /// Raw text still to hand out after the start tag that opened it.
    pending: Option<Token<'a>>,
    /// An attribute list handed back by the caller ([`Tokenizer::recycle`]), empty, for the
    /// next start tag: a store page has some hundreds of tags with attributes, and each
    /// had its own allocation.
    spare: Vec<Attr<'a>>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Elements with no end tag: never pushed on the open list.
fn is_void(name: &str) -> bool {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param",
        "keygen", "basefont", "bgsound", "frame",
    ];
    VOID.iter().any(|v| v.eq_ignore_ascii_case(name))
}

/// HTML start tags that end SVG/MathML content (the "breakout" list of the standard).
fn breaks_out_of_foreign(tag: &StartTag) -> bool {
    const BREAKOUT: &[&str] = &[
        "b",
        "big",
        "blockquote",
        "body",
        "br",
        "center",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "hr",
        "i",
        "img",
        "li",
        "listing",
        "menu",
        "meta",
        "nobr",
        "ol",
        "p",
        "pre",
        "ruby",
        "s",
        "small",
        "span",
        "strong",
        "strike",
        "sub",
        "sup",
        "table",
        "tt",
        "u",
        "ul",
        "var",
    ];
    BREAKOUT.iter().any(|b| tag.is(b)) || (tag.is("font") && (tag.has("color") || tag.has("face") || tag.has("size")))
}

/// The integration point a new element is (§ 13.2.6.5 and "HTML integration point").
fn integration_point(tag: &StartTag, ns: Namespace) -> Point {
    match ns {
        Namespace::Html => Point::None,
        Namespace::Svg if tag.is("foreignObject") || tag.is("desc") || tag.is("title") => Point::Html,
        Namespace::MathMl if ["mi", "mo", "mn", "ms", "mtext"].iter().any(|n| tag.is(n)) => Point::MathText,
        Namespace::MathMl
            if tag.is("annotation-xml")
                && tag.value("encoding").is_some_and(|e| {
                    e.eq_ignore_ascii_case("text/html") || e.eq_ignore_ascii_case("application/xhtml+xml")
                }) =>
        {
            Point::Html
        }
        _ => Point::None,
    }
}

/// § 13.2.4.2: the elements "has an element in scope" stops at (the default scope).
fn is_scope_boundary(o: &Open) -> bool {
    match o.ns {
        Namespace::Html => ["applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"]
            .iter()
            .any(|n| o.name.eq_ignore_ascii_case(n)),
        // The MathML text integration points, `annotation-xml`, and SVG's three.
        _ => o.point != Point::None || o.name.eq_ignore_ascii_case("annotation-xml"),
    }
}

/// § 13.2.4.2's "special" category.
fn is_special(o: &Open) -> bool {
    const SPECIAL: &[&str] = &[
        "address",
        "applet",
        "area",
        "article",
        "aside",
        "base",
        "basefont",
        "bgsound",
        "blockquote",
        "body",
        "br",
        "button",
        "caption",
        "center",
        "col",
        "colgroup",
        "dd",
        "details",
        "dir",
        "div",
        "dl",
        "dt",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "iframe",
        "img",
        "input",
        "keygen",
        "li",
        "link",
        "listing",
        "main",
        "marquee",
        "menu",
        "meta",
        "nav",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "ol",
        "p",
        "param",
        "plaintext",
        "pre",
        "script",
        "search",
        "section",
        "select",
        "source",
        "style",
        "summary",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "track",
        "ul",
        "wbr",
        "xmp",
    ];
    match o.ns {
        Namespace::Html => SPECIAL.iter().any(|n| o.name.eq_ignore_ascii_case(n)),
        _ => is_scope_boundary(o),
    }
}

impl<'a> Tokenizer<'a> {
    pub fn new(src: &'a str) -> Self {
        Tokenizer {
            src,
            pos: 0,
            open: Vec::new(),
            marked: [0; 3],
            open_p: 0,
            untracked: 0,
            frameset: false,
            last_opened: false,
            pending: None,
            spare: Vec::new(),
        }
    }

    /// Hand back a start tag's attribute list once the tag is read, for the next one.
    pub fn recycle(&mut self, mut attrs: Vec<Attr<'a>>) {
        // A tag with thousands of attributes does not keep its list for the rest of the page.
        if attrs.capacity() <= 64 {
            attrs.clear();
            self.spare = attrs;
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    /// Case-insensitive `src[at..].starts_with(word)` for an ASCII word.
    fn at_word(&self, at: usize, word: &str) -> bool {
        self.bytes().get(at..at + word.len()).is_some_and(|b| b.eq_ignore_ascii_case(word.as_bytes()))
    }

    /// Whether the current node is in the HTML namespace (no current node counts as HTML).
    fn in_html(&self) -> bool {
        self.open.last().is_none_or(|o| o.ns == Namespace::Html)
    }

    /// Start tags of elements nested deeper than [`MAX_OPEN`]: their namespace and marks
    /// are those of the deepest tracked element, which may be wrong.
    pub fn untracked(&self) -> usize {
        self.untracked
    }

    /// Mark the element of the last start tag; false when it is not open (void, raw text,
    /// self-closed, or too deep), so nothing will unmark it.
    pub fn mark(&mut self, mark: Mark) -> bool {
        let Some(open) = self.open.last_mut().filter(|_| self.last_opened) else { return false };
        let bit = 1 << mark as u8;
        if open.marks & bit == 0 {
            open.marks |= bit;
            self.marked[mark as usize] += 1;
        }
        true
    }

    /// The name of the element the last start tag's element was inserted into (its parent),
    /// if it is tracked.
    pub fn parent_name(&self) -> Option<&'a str> {
        let skip = usize::from(self.last_opened);
        self.open.iter().rev().nth(skip).map(|o| o.name)
    }

    /// Open elements that carry `mark`.
    pub fn open_marked(&self, mark: Mark) -> u32 {
        self.marked[mark as usize]
    }

    fn pop_to(&mut self, len: usize) {
        for o in self.open.drain(len..) {
            if o.ns == Namespace::Html && o.name.eq_ignore_ascii_case("p") {
                self.open_p -= 1;
            }
            for m in MARKS {
                if o.marks & (1 << m as u8) != 0 {
                    self.marked[m as usize] -= 1;
                }
            }
        }
    }

    pub fn next_token(&mut self) -> Option<Token<'a>> {
        if let Some(t) = self.pending.take() {
            return Some(t);
        }
        let bytes = self.bytes();
        loop {
            let lt = self.pos + memchr(b'<', &bytes[self.pos..])?;
            let next = bytes.get(lt + 1).copied();
            match next {
                Some(b) if b.is_ascii_alphabetic() => {
                    let spare = std::mem::take(&mut self.spare);
                    let Some((tag, end)) = self.tag(lt, lt + 1, spare) else {
                        self.pos = bytes.len(); // EOF inside a tag: the tag is dropped
                        return None;
                    };
                    self.pos = end;
                    return Some(self.started(tag));
                }
                Some(b'/') => match bytes.get(lt + 2).copied() {
                    Some(b) if b.is_ascii_alphabetic() => {
                        let spare = std::mem::take(&mut self.spare);
                        let Some((tag, end)) = self.tag(lt, lt + 2, spare) else {
                            self.pos = bytes.len();
                            return None;
                        };
                        self.pos = end;
                        self.close(tag.name);
                        self.recycle(tag.attrs);
                        return Some(Token::End { name: tag.name });
                    }
                    Some(b'>') => self.pos = lt + 3, // `</>` is dropped
                    None => return None,
                    Some(_) => self.pos = self.skip_past(lt + 2, b'>'), // bogus comment
                },
                Some(b'!') => {
                    if bytes[lt + 2..].starts_with(b"--") {
                        self.pos = self.comment_end(lt + 4);
                    } else if bytes[lt + 2..].starts_with(b"[CDATA[") && !self.in_html() {
                        // § 13.2.5.42: a CDATA section wherever the adjusted current node is
                        // not an HTML element, integration points (`foreignObject`) included.
                        self.pos =
                            memchr::memmem::find(&bytes[lt + 9..], b"]]>").map_or(bytes.len(), |i| lt + 9 + i + 3);
                    } else {
                        self.pos = self.skip_past(lt + 2, b'>'); // DOCTYPE, bogus comment
                    }
                }
                Some(b'?') => self.pos = self.skip_past(lt + 2, b'>'),
                _ => self.pos = lt + 1, // a `<` in text
            }
            if self.pos >= bytes.len() {
                return None;
            }
        }
    }

    /// Past the next `b` (or at the end).
    fn skip_past(&self, from: usize, b: u8) -> usize {
        let bytes = self.bytes();
        memchr(b, &bytes[from.min(bytes.len())..]).map_or(bytes.len(), |i| from + i + 1)
    }

    /// Where a comment whose text starts at `from` (just after `<!--`) ends: `-->`, `--!>`,
    /// or the abrupt `<!-->` / `<!--->`.
    fn comment_end(&self, from: usize) -> usize {
        let bytes = self.bytes();
        let from = from.min(bytes.len());
        if bytes[from..].starts_with(b">") {
            return from + 1;
        }
        if bytes[from..].starts_with(b"->") {
            return from + 2;
        }
        let mut at = from;
        while let Some(i) = memchr(b'-', &bytes[at..]) {
            let d = at + i;
            if bytes[d..].starts_with(b"-->") {
                return d + 3;
            }
            if bytes[d..].starts_with(b"--!>") {
                return d + 4;
            }
            at = d + 1;
        }
        bytes.len()
    }

    /// Read a tag from its name at `name_at`; `None` when the page ends inside it.
    /// Returns the tag and the offset just past its `>`.
    /// `attrs`: an empty list to fill (see [`Tokenizer::recycle`]).
    fn tag(&self, lt: usize, name_at: usize, attrs: Vec<Attr<'a>>) -> Option<(StartTag<'a>, usize)> {
        debug_assert!(attrs.is_empty());
        let bytes = self.bytes();
        let mut i = name_at;
        while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'/' && bytes[i] != b'>' {
            i += 1;
        }
        let mut tag =
            StartTag { name: &self.src[name_at..i], attrs, self_closing: false, offset: lt, ns: Namespace::Html };
        loop {
            // Before an attribute name.
            while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
                if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'>') {
                    tag.self_closing = true;
                }
                i += 1;
            }
            if *bytes.get(i)? == b'>' {
                return Some((tag, i + 1));
            }
            // The name: a leading `=` belongs to it.
            let name_start = i;
            i += 1;
            while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            let name = &self.src[name_start..i];
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            let (value, offset) = if bytes.get(i) == Some(&b'=') {
                i += 1;
                while i < bytes.len() && is_space(bytes[i]) {
                    i += 1;
                }
                match bytes.get(i)? {
                    q @ (b'"' | b'\'') => {
                        let start = i + 1;
                        let end = start + memchr(*q, &bytes[start..])?;
                        i = end + 1;
                        (&self.src[start..end], start)
                    }
                    b'>' => ("", i),
                    _ => {
                        let start = i;
                        while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                            i += 1;
                        }
                        (&self.src[start..i], start)
                    }
                }
            } else {
                ("", name_start)
            };
            if !tag.attrs.iter().any(|a| a.name.eq_ignore_ascii_case(name)) {
                tag.attrs.push(Attr { name, value, offset });
            }
        }
    }

    /// A start tag was read: give it its namespace, track it, and switch to raw text where
    /// the standard does.
    fn started(&mut self, mut tag: StartTag<'a>) -> Token<'a> {
        self.last_opened = false;
        let ns = self.namespace_of(&tag);
        tag.ns = ns;
        let html = ns == Namespace::Html;
        if html {
            self.close_implied(&tag);
        }
        if html && tag.is("frameset") {
            self.frameset = true;
        }
        // After a `<frameset>` the tree builder may be "in frameset", where it ignores
        // `<script>`, `<style>`, `<plaintext>`... without switching the tokenizer to raw text:
        // the markup in them is read as tags (§ 13.2.6.4.20). Whether it is depends on the
        // frameset-ok flag, which a token stream cannot follow exactly; both readings are
        // taken (the text is handed out and its markup read), so neither can hide anything.
        let both = html && self.frameset && !tag.is("noframes");
        if html && tag.is("plaintext") && !both {
            self.pos = self.src.len();
            return Token::Start(tag);
        }
        // In SVG/MathML `<x/>` closes itself; in HTML the slash means nothing.
        let closed = !html && tag.self_closing;
        if html {
            let raw = if tag.is("script") {
                Some((Some(RawText::Script), "script"))
            } else if tag.is("style") {
                Some((Some(RawText::Style), "style"))
            } else if tag.is("noscript") {
                Some((Some(RawText::Noscript), "noscript"))
            } else {
                ["textarea", "title", "xmp", "iframe", "noembed", "noframes"]
                    .into_iter()
                    .find(|n| tag.is(n))
                    .map(|n| (None, n))
            };
            if let Some((of, name)) = raw {
                let start = self.pos;
                let (end, resume) =
                    if of == Some(RawText::Script) { self.script_end(start) } else { self.raw_end(start, name) };
                if both {
                    if let Some(of) = of {
                        self.pending = Some(Token::Text { of, text: &self.src[start..end], offset: start });
                    }
                    return self.opened(tag, html, false);
                }
                self.pos = resume;
                if let Some(of) = of {
                    self.pending = Some(Token::Text { of, text: &self.src[start..end], offset: start });
                }
                // The element is closed by the end tag just consumed.
                return Token::Start(tag);
            }
        }
        // SVG's `<script>` and `<style>` run and apply like HTML's, but their content is
        // markup, not raw text: hand out the text up to the end tag and go on reading the
        // markup in it too.
        if ns == Namespace::Svg && !closed && (tag.is("script") || tag.is("style")) {
            let (of, name) = if tag.is("script") { (RawText::Script, "script") } else { (RawText::Style, "style") };
            let end = self.foreign_text_end(self.pos, name);
            self.pending = Some(Token::Text { of, text: &self.src[self.pos..end], offset: self.pos });
        }
        self.opened(tag, html, closed)
    }

    /// Track the element of a start tag as open (unless it is void or closed at once).
    fn opened(&mut self, tag: StartTag<'a>, html: bool, closed: bool) -> Token<'a> {
        let ns = tag.ns;
        // `<image>` is `<img>` in HTML (§ 13.2.6.4.7), a void element.
        let void = html && (is_void(tag.name) || tag.is("image"));
        if !closed && !void {
            if self.open.len() < MAX_OPEN {
                let point = integration_point(&tag, ns);
                if html && tag.is("p") {
                    self.open_p += 1;
                }
                self.open.push(Open { name: tag.name, ns, point, marks: 0 });
                self.last_opened = true;
            } else {
                self.untracked += 1;
            }
        }
        Token::Start(tag)
    }

    /// The namespace a start tag's element is created in: § 13.2.6 "Tree construction"
    /// dispatches it to the HTML rules (where `<svg>` and `<math>` start foreign content) or
    /// to the rules for foreign content (where an HTML "breakout" tag ends it).
    fn namespace_of(&mut self, tag: &StartTag) -> Namespace {
        let html_rules = match self.open.last() {
            None => true,
            Some(o) if o.ns == Namespace::Html || o.point == Point::Html => true,
            Some(o) if o.point == Point::MathText => !(tag.is("mglyph") || tag.is("malignmark")),
            Some(o) => o.ns == Namespace::MathMl && o.name.eq_ignore_ascii_case("annotation-xml") && tag.is("svg"),
        };
        if !html_rules {
            if !breaks_out_of_foreign(tag) {
                return self.open.last().map_or(Namespace::Html, |o| o.ns);
            }
            // Pop until an HTML element or an integration point is current, then read the
            // tag again with the HTML rules (it is no `svg` or `math`).
            let keep = self.open.iter().rposition(|o| o.ns == Namespace::Html || o.point != Point::None);
            self.pop_to(keep.map_or(0, |i| i + 1));
            return Namespace::Html;
        }
        if tag.is("svg") {
            Namespace::Svg
        } else if tag.is("math") {
            Namespace::MathMl
        } else {
            Namespace::Html
        }
    }

    /// The end tags an HTML start tag implies (§ 13.2.6.4.7 "in body"): a block closes an
    /// open `p`, a list item the previous one, an `option` the previous option. Without
    /// them a page of unclosed `<p>`s and `<li>`s would look thousands of elements deep.
    fn close_implied(&mut self, tag: &StartTag) {
        const CLOSES_P: &[&str] = &[
            "address",
            "article",
            "aside",
            "blockquote",
            "center",
            "details",
            "dialog",
            "dir",
            "div",
            "dl",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "header",
            "hgroup",
            "main",
            "menu",
            "nav",
            "ol",
            "p",
            "search",
            "section",
            "summary",
            "ul",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "pre",
            "listing",
            "form",
            "table",
            "hr",
            "xmp",
            "li",
            "dd",
            "dt",
            "plaintext",
        ];
        if self.open_p > 0 && CLOSES_P.iter().any(|n| tag.is(n)) {
            // "Close a p element" if one is in button scope.
            if let Some(i) = self.find_in_scope(|o| o.ns == Namespace::Html && o.name.eq_ignore_ascii_case("p"), true) {
                self.pop_to(i);
            }
        }
        // A link inside a link ends the first (the adoption agency algorithm, § 13.2.6.4.7 "A
        // start tag whose tag name is a"; likewise `nobr`): pages of unclosed `<a>` are flat.
        for f in ["a", "nobr"] {
            if tag.is(f) {
                if let Some(i) =
                    self.find_in_scope(|o| o.ns == Namespace::Html && o.name.eq_ignore_ascii_case(f), false)
                {
                    self.pop_to(i);
                }
                return;
            }
        }
        let siblings: &[&str] = if tag.is("li") {
            &["li"]
        } else if tag.is("dd") || tag.is("dt") {
            &["dd", "dt"]
        } else if tag.is("option") || tag.is("optgroup") {
            // Only the current node: an `option` does not close one it is nested in.
            if self.open.last().is_some_and(|o| o.ns == Namespace::Html && o.name.eq_ignore_ascii_case("option")) {
                self.pop_to(self.open.len() - 1);
            }
            return;
        } else if tag.is("td") || tag.is("th") || tag.is("tr") {
            // A new cell or row ends the open one (§ 13.2.6.4.14, 15).
            let names: &[&str] = if tag.is("tr") { &["tr"] } else { &["td", "th"] };
            let stop = ["table", "template", "tr"];
            for i in (0..self.open.len()).rev() {
                let o = &self.open[i];
                if o.ns == Namespace::Html && names.iter().any(|n| o.name.eq_ignore_ascii_case(n)) {
                    self.pop_to(i);
                    return;
                }
                if o.ns != Namespace::Html || stop.iter().any(|n| o.name.eq_ignore_ascii_case(n)) {
                    return;
                }
            }
            return;
        } else {
            return;
        };
        // Walk down to the previous item, stopping at a special element other than
        // `address`, `div` and `p`.
        for i in (0..self.open.len()).rev() {
            let o = &self.open[i];
            if o.ns == Namespace::Html && siblings.iter().any(|n| o.name.eq_ignore_ascii_case(n)) {
                self.pop_to(i);
                return;
            }
            let passable =
                o.ns == Namespace::Html && ["address", "div", "p"].iter().any(|n| o.name.eq_ignore_ascii_case(n));
            if is_special(o) && !passable {
                return;
            }
        }
    }

    /// The innermost open element matching `is`, unless a scope boundary comes first
    /// (§ 13.2.4.2 "has an element in scope"; `button` too for button scope).
    fn find_in_scope(&self, is: impl Fn(&Open) -> bool, button: bool) -> Option<usize> {
        for i in (0..self.open.len()).rev() {
            let o = &self.open[i];
            if is(o) {
                return Some(i);
            }
            if is_scope_boundary(o) || (button && o.ns == Namespace::Html && o.name.eq_ignore_ascii_case("button")) {
                return None;
            }
        }
        None
    }

    /// An end tag: § 13.2.6.5 in foreign content (it closes the innermost SVG/MathML element
    /// of its name, above the nearest HTML element; `</p>` and `</br>` break out), otherwise
    /// the HTML rules: the innermost element of its name in scope, if any.
    fn close(&mut self, name: &str) {
        self.last_opened = false;
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if !self.in_html() {
            if is("p") || is("br") {
                let keep = self.open.iter().rposition(|o| o.ns == Namespace::Html || o.point != Point::None);
                self.pop_to(keep.map_or(0, |i| i + 1));
            } else {
                for i in (0..self.open.len()).rev() {
                    let o = &self.open[i];
                    if o.ns == Namespace::Html {
                        break;
                    }
                    if o.name.eq_ignore_ascii_case(name) {
                        self.pop_to(i);
                        return;
                    }
                }
            }
        }
        // `</body>` and `</html>` close nothing: what follows is still read in the body,
        // inside whatever was open (SVG included).
        if is("body") || is("html") || is("br") {
            return;
        }
        let heading = |n: &str| matches!(n.as_bytes(), [b'h' | b'H', b'1'..=b'6']);
        let found = if heading(name) {
            self.find_in_scope(|o| o.ns == Namespace::Html && heading(o.name), false)
        } else {
            self.find_in_scope(|o| o.ns == Namespace::Html && o.name.eq_ignore_ascii_case(name), is("p"))
        };
        if let Some(i) = found {
            self.pop_to(i);
        }
    }

    /// Where the text of an SVG `<script>`/`<style>` ends: at its end tag, but not at one
    /// written inside a CDATA section or a comment, where it is text (`<![CDATA[
    /// document.write("</script>") ]]>`).
    fn foreign_text_end(&self, from: usize, name: &str) -> usize {
        let bytes = self.bytes();
        let mut at = from;
        while let Some(i) = memchr(b'<', &bytes[at..]) {
            let lt = at + i;
            if bytes[lt..].starts_with(b"<![CDATA[") {
                at = memchr::memmem::find(&bytes[lt + 9..], b"]]>").map_or(bytes.len(), |i| lt + 9 + i + 3);
            } else if bytes[lt..].starts_with(b"<!--") {
                at = self.comment_end(lt + 4);
            } else if self.end_tag_at(lt, name) {
                return lt;
            } else {
                at = lt + 1;
            }
        }
        bytes.len()
    }

    /// An end tag `</name` followed by whitespace, `/` or `>` at `at`?
    fn end_tag_at(&self, at: usize, name: &str) -> bool {
        let bytes = self.bytes();
        bytes[at..].starts_with(b"</")
            && self.at_word(at + 2, name)
            && bytes.get(at + 2 + name.len()).is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
    }

    /// RAWTEXT/RCDATA: the text runs to the first `</name` end tag. Returns where the text
    /// ends and where reading resumes (past the end tag).
    fn raw_end(&self, from: usize, name: &str) -> (usize, usize) {
        let bytes = self.bytes();
        let mut at = from;
        while let Some(i) = memchr(b'<', &bytes[at..]) {
            let lt = at + i;
            if self.end_tag_at(lt, name) {
                return (lt, self.skip_end_tag(lt + 2 + name.len()));
            }
            at = lt + 1;
        }
        (bytes.len(), bytes.len())
    }

    /// Past the `>` of an end tag whose name ended at `from` (its attributes, quoted or not,
    /// are read like a start tag's and dropped).
    fn skip_end_tag(&self, from: usize) -> usize {
        match self.tag(from, from, Vec::new()) {
            Some((_, end)) => end,
            None => self.src.len(),
        }
    }

    /// Script data: ends at `</script`, except inside `<!-- <script> ... -->` (the escaped
    /// and double-escaped states), where browsers keep reading.
    fn script_end(&self, from: usize) -> (usize, usize) {
        let bytes = self.bytes();
        #[derive(PartialEq)]
        enum S {
            Data,
            Escaped,
            DoubleEscaped,
        }
        let mut state = S::Data;
        let mut at = from;
        loop {
            let Some(i) = (match state {
                S::Data => memchr(b'<', &bytes[at..]),
                _ => memchr2(b'<', b'-', &bytes[at..]),
            }) else {
                return (bytes.len(), bytes.len());
            };
            let p = at + i;
            at = p + 1;
            if bytes[p] == b'-' {
                if bytes[p..].starts_with(b"-->") {
                    state = S::Data;
                    at = p + 3;
                }
                continue;
            }
            match state {
                S::Data => {
                    if self.end_tag_at(p, "script") {
                        return (p, self.skip_end_tag(p + 8));
                    }
                    if bytes[p..].starts_with(b"<!--") {
                        state = S::Escaped;
                        // `<!-->` and `<!--->` end the escape at once.
                        at = p + 4;
                        if bytes[at..].starts_with(b">") || bytes[at..].starts_with(b"->") {
                            state = S::Data;
                        }
                    }
                }
                S::Escaped => {
                    if self.end_tag_at(p, "script") {
                        return (p, self.skip_end_tag(p + 8));
                    }
                    if self.at_word(p + 1, "script")
                        && bytes.get(p + 7).is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
                    {
                        state = S::DoubleEscaped;
                    }
                }
                S::DoubleEscaped => {
                    if self.end_tag_at(p, "script") {
                        state = S::Escaped;
                        at = p + 8;
                    }
                }
            }
        }
    }
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Token<'a>;
    fn next(&mut self) -> Option<Token<'a>> {
        self.next_token()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(src: &str) -> Vec<String> {
        Tokenizer::new(src)
            .filter_map(|t| match t {
                Token::Start(t) => Some(format!(
                    "{}{}",
                    t.name.to_ascii_lowercase(),
                    t.attrs.iter().map(|a| format!(" {}={:?}", a.name, a.value)).collect::<String>()
                )),
                _ => None,
            })
            .collect()
    }

    fn texts(src: &str) -> Vec<String> {
        Tokenizer::new(src)
            .filter_map(|t| match t {
                Token::Text { text, .. } => Some(text.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn attributes_quoted_unquoted_bare_and_duplicated() {
        assert_eq!(
            starts(r#"<IMG SRC="a b.png" alt='x>y' width=1 hidden data-x=1/ src="dup"><a href=/p>"#),
            [r#"img SRC="a b.png" alt="x>y" width="1" hidden="" data-x="1/""#, r#"a href="/p""#]
        );
        // A value runs into the next attribute without whitespace; `=` may start a name.
        assert_eq!(starts(r#"<a href="/x"id=y =z>"#), [r#"a href="/x" id="y" =z="""#]);
        let src = r#"<img  src = "p.gif" >"#;
        let Some(Token::Start(t)) = Tokenizer::new(src).next() else { panic!() };
        assert_eq!(&src[t.get("src").unwrap().offset..][..5], "p.gif");
    }

    #[test]
    fn comments_doctype_and_bogus_markup_hide_nothing_else() {
        let src = "<!DOCTYPE html><!-- <img src=a> --><!--><img src=b><!---><img src=c><? x ><img src=d>\
                   </ x><img src=e><!-- a --!><img src=f><![CDATA[<img src=g>]]>";
        assert_eq!(starts(src), ["img src=\"b\"", "img src=\"c\"", "img src=\"d\"", "img src=\"e\"", "img src=\"f\""]);
    }

    #[test]
    fn raw_text_elements_hide_their_markup() {
        let src = "<script>var s='<img src=x>';</script ><img src=1><style>a{}</style><textarea><img src=t></textarea>\
                   <title><img src=t></title><noscript><img src=n></noscript><iframe><img src=i></iframe><img src=2>";
        assert_eq!(
            starts(src),
            ["script", "img src=\"1\"", "style", "textarea", "title", "noscript", "iframe", "img src=\"2\""]
        );
        assert_eq!(texts(src), ["var s='<img src=x>';", "a{}", "<img src=n>"]);
        // `</scripts>` does not end a script.
        assert_eq!(texts("<script>a</scripts>b</script>"), ["a</scripts>b"]);
    }

    #[test]
    fn script_data_escapes() {
        // Inside `<!-- <script>`, `</script>` ends only the inner "script".
        assert_eq!(texts("<script><!-- <script>x</script> --></script><b>"), ["<!-- <script>x</script> -->"]);
        assert_eq!(texts("<script><!-- x </script><b>"), ["<!-- x "]);
        assert_eq!(texts("<script><!--></script>"), ["<!-->"]);
    }

    #[test]
    fn foreign_content_is_not_raw_text() {
        // In SVG, <style> and <script> hold markup; <script/> closes itself.
        let src = "<svg><script/><style>.a{}</style></svg><img src=1><svg><foreignObject><script>x</script>\
                   </foreignObject></svg><svg><![CDATA[<img src=no>]]><p><img src=2>";
        assert_eq!(
            starts(src),
            ["svg", "script", "style", "img src=\"1\"", "svg", "foreignobject", "script", "svg", "p", "img src=\"2\""]
        );
        assert_eq!(texts(src), [".a{}", "x"]);
    }

    #[test]
    fn cut_off_pages_end_cleanly() {
        for src in ["<img src=\"a", "<img src=a", "<script>x", "<!-- x", "<a", "</", "<", "<!", "<script><!--<script>"]
        {
            let _ = Tokenizer::new(src).count();
        }
        assert_eq!(starts("<img src=\"a"), Vec::<String>::new());
        assert_eq!(texts("<script>x"), ["x"]);
    }

    #[test]
    fn marks_last_until_the_element_closes() {
        let mut t = Tokenizer::new("<div hidden><div></div><img><p></div><img><picture><source></picture><br>");
        let mut seen = Vec::new();
        while let Some(tok) = t.next_token() {
            if let Token::Start(tag) = &tok {
                if tag.has("hidden") {
                    assert!(t.mark(Mark::Hidden));
                }
                if tag.is("picture") {
                    assert!(t.mark(Mark::Picture));
                }
                if tag.is("img") || tag.is("source") {
                    assert!(!t.mark(Mark::Hidden), "a void element is never open");
                    seen.push((t.open_marked(Mark::Hidden), t.open_marked(Mark::Picture)));
                }
            }
        }
        assert_eq!(seen, [(1, 0), (0, 0), (0, 1)]);
        assert_eq!(t.open_marked(Mark::Picture), 0);
    }

    #[test]
    fn deep_nesting_stays_bounded() {
        let src = "<div>".repeat(100_000) + "<img src=x>";
        let mut t = Tokenizer::new(&src);
        let n = t.by_ref().count();
        assert_eq!(n, 100_001);
        assert!(t.open.len() <= MAX_OPEN);
    }

    /// Lists handed back for reuse give the same tags, attributes and all, as fresh ones:
    /// nothing of one tag is left in the next.
    #[test]
    fn recycled_attribute_lists_start_empty() {
        let src = "<a href=1 class=x id=y><b></b><img src=2 alt=''></a attr=z><p a b c d e f g h><br><i title=t>\
                   <script src=3 async>x</script><svg><image href=4/></svg>";
        let fresh: Vec<Token> = Tokenizer::new(src).collect();
        let mut t = Tokenizer::new(src);
        let mut recycled = Vec::new();
        while let Some(tok) = t.next_token() {
            if let Token::Start(tag) = &tok {
                t.recycle(tag.attrs.clone());
            }
            recycled.push(tok);
        }
        assert_eq!(recycled, fresh);
        assert!(fresh.iter().any(|t| matches!(t, Token::Start(s) if s.attrs.len() == 8)), "{fresh:?}");
    }
}
