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
        self.get(name).map(|a| html_escape::decode_html_entities(a.value))
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Elements this deep are still tokenized, but no longer tracked as open (Chromium's
/// parser stops nesting at 512 too); a hostile page with 100,000 open tags stays linear.
const MAX_OPEN: usize = 512;

#[derive(Clone, Copy, PartialEq)]
enum Ns {
    Html,
    /// SVG or MathML: no raw-text switching, `<![CDATA[` is a section.
    Foreign,
    /// An SVG/MathML element whose children are HTML again (`foreignObject`, `desc`,
    /// `title`, MathML's text elements).
    Integration,
}

struct Open<'a> {
    name: &'a str,
    ns: Ns,
    marks: u8,
}

/// What the caller wants counted while an element is open: hidden containers (their images
/// are pixels) and `<picture>` (its `<source>`s are images). An element closed only
/// implicitly (a `<p>` by the next `<p>`) stays counted until an ancestor closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Hidden = 0,
    Picture = 1,
}

/// Walks a page; yields tokens through [`Tokenizer::next_token`].
pub struct Tokenizer<'a> {
    src: &'a str,
    pos: usize,
    /// Open elements (names compared ASCII case-insensitively) with their namespace (to
    /// know whether a start tag is an HTML element) and the caller's [`Mark`]s.
    open: Vec<Open<'a>>,
    /// How many open elements carry each mark.
    marked: [u32; 2],
    /// The last start tag is the innermost open element (it was not void, raw text or
    /// past [`MAX_OPEN`]), so it can be marked.
    last_opened: bool,
    /// Raw text still to hand out after the start tag that opened it.
    pending: Option<Token<'a>>,
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

impl<'a> Tokenizer<'a> {
    pub fn new(src: &'a str) -> Self {
        Tokenizer { src, pos: 0, open: Vec::new(), marked: [0; 2], last_opened: false, pending: None }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    /// Case-insensitive `src[at..].starts_with(word)` for an ASCII word.
    fn at_word(&self, at: usize, word: &str) -> bool {
        self.bytes().get(at..at + word.len()).is_some_and(|b| b.eq_ignore_ascii_case(word.as_bytes()))
    }

    /// The namespace a new child of the current element gets, before its own name counts.
    fn current_ns(&self) -> Ns {
        self.open.last().map_or(Ns::Html, |o| o.ns)
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

    /// Open elements that carry `mark`.
    pub fn open_marked(&self, mark: Mark) -> u32 {
        self.marked[mark as usize]
    }

    fn pop_to(&mut self, len: usize) {
        for o in self.open.drain(len..) {
            for m in [Mark::Hidden, Mark::Picture] {
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
                    let Some((tag, end)) = self.tag(lt, lt + 1) else {
                        self.pos = bytes.len(); // EOF inside a tag: the tag is dropped
                        return None;
                    };
                    self.pos = end;
                    return Some(self.started(tag));
                }
                Some(b'/') => match bytes.get(lt + 2).copied() {
                    Some(b) if b.is_ascii_alphabetic() => {
                        let Some((tag, end)) = self.tag(lt, lt + 2) else {
                            self.pos = bytes.len();
                            return None;
                        };
                        self.pos = end;
                        self.close(tag.name);
                        return Some(Token::End { name: tag.name });
                    }
                    Some(b'>') => self.pos = lt + 3, // `</>` is dropped
                    None => return None,
                    Some(_) => self.pos = self.skip_past(lt + 2, b'>'), // bogus comment
                },
                Some(b'!') => {
                    if bytes[lt + 2..].starts_with(b"--") {
                        self.pos = self.comment_end(lt + 4);
                    } else if bytes[lt + 2..].starts_with(b"[CDATA[") && self.current_ns() == Ns::Foreign {
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
    fn tag(&self, lt: usize, name_at: usize) -> Option<(StartTag<'a>, usize)> {
        let bytes = self.bytes();
        let mut i = name_at;
        while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'/' && bytes[i] != b'>' {
            i += 1;
        }
        let mut tag = StartTag { name: &self.src[name_at..i], attrs: Vec::new(), self_closing: false, offset: lt };
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

    /// A start tag was read: track it, and switch to raw text where the standard does.
    fn started(&mut self, tag: StartTag<'a>) -> Token<'a> {
        let parent = self.current_ns();
        let mut ns = match parent {
            Ns::Foreign if breaks_out_of_foreign(&tag) => {
                let keep = self.open.iter().rposition(|o| o.ns != Ns::Foreign).map_or(0, |i| i + 1);
                self.pop_to(keep);
                self.current_ns()
            }
            Ns::Foreign => Ns::Foreign,
            Ns::Html | Ns::Integration => Ns::Html,
        };
        if ns != Ns::Foreign && (tag.is("svg") || tag.is("math")) {
            ns = Ns::Foreign;
        }
        if ns == Ns::Foreign
            && parent == Ns::Foreign
            && ["foreignObject", "desc", "title", "mi", "mo", "mn", "ms", "mtext"].iter().any(|n| tag.is(n))
        {
            ns = Ns::Integration;
        }
        let html = ns == Ns::Html;
        self.last_opened = false;
        if html && tag.is("plaintext") {
            self.pos = self.src.len();
            return Token::Start(tag);
        }
        // In SVG/MathML `<x/>` closes itself; in HTML the slash means nothing.
        let closed = ns != Ns::Html && tag.self_closing;
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
        if !html && !closed && (tag.is("script") || tag.is("style")) {
            let (of, name) = if tag.is("script") { (RawText::Script, "script") } else { (RawText::Style, "style") };
            let (end, _) = self.raw_end(self.pos, name);
            self.pending = Some(Token::Text { of, text: &self.src[self.pos..end], offset: self.pos });
        }
        if !closed && !is_void(tag.name) && self.open.len() < MAX_OPEN {
            self.open.push(Open { name: tag.name, ns, marks: 0 });
            self.last_opened = true;
        }
        Token::Start(tag)
    }

    /// An end tag closes the innermost open element of its name (and what is open inside
    /// it); one that matches nothing open is ignored.
    fn close(&mut self, name: &str) {
        if let Some(i) = self.open.iter().rposition(|o| o.name.eq_ignore_ascii_case(name)) {
            self.pop_to(i);
        }
        self.last_opened = false;
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
        match self.tag(from, from) {
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
}
