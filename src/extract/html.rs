//! Parse HTML with scraper, keeping the source line of every element.
//!
//! Enters: page text. Leaves: a [`LinedHtml`]: scraper's [`Html`] tree plus a map from
//! element node to the 1-based line where html5ever saw its start tag end.
//!
//! Why a wrapper: scraper's own `HtmlTreeSink` drops the line numbers html5ever reports
//! through `TreeSink::set_current_line`, and evidence without a line is useless to a
//! developer looking for a tag in a template. The wrapper delegates every call to
//! scraper's sink and only notes the current line when an element is created.
//! Parsing runs with scripting enabled, as in a real browser; `<noscript>` content then
//! arrives as one text node, which `extract` parses again as HTML (see there).

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

type Handle = <HtmlTreeSink as TreeSink>::Handle;

/// A parsed document and the line of each element.
pub struct LinedHtml {
    pub html: Html,
    lines: HashMap<Handle, u32>,
}

/// Browsers cap how deep the parser nests elements (Chromium: 512) and attach deeper ones
/// as siblings. html5ever has no cap and its scope checks walk the stack of open
/// elements, so 100,000 nested tags cost minutes; we cap at the same depth.
pub const MAX_NESTING: usize = 512;

const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "noscript", "xmp", "iframe", "noembed", "noframes"];

/// Keep nesting under [`MAX_NESTING`]: a linear scan of the tags that, when a start tag
/// would go deeper, first closes the innermost open element. Documents that stay under
/// the cap (every real page we have seen) come back borrowed and untouched. Inserted text
/// has no newlines, so line numbers do not move.
pub fn cap_nesting(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'<') {
        let at = i + off;
        let rest = &text[at..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(bytes.len(), |e| at + e + 3);
            continue;
        }
        let closing = rest.as_bytes().get(1) == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        let name_len = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = at + 1;
            continue;
        }
        let name = text[name_start..name_start + name_len].to_ascii_lowercase();
        let end = bytes[name_start..].iter().position(|&b| b == b'>').map_or(bytes.len(), |e| name_start + e + 1);
        let self_closing = end >= 2 && bytes[end - 2] == b'/';
        i = end;
        if closing {
            if let Some(pos) = stack.iter().rposition(|n| *n == name) {
                stack.truncate(pos);
            }
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            // Skip to the matching end tag: its content is text, not markup. Searched in
            // place, case-insensitively: copying the rest of the page per tag would make a
            // page of many small scripts quadratic.
            i = find_end_tag(bytes, i, name.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if VOID.contains(&name.as_str()) || self_closing {
            continue;
        }
        if stack.len() >= MAX_NESTING {
            let top = stack.pop().unwrap_or_default();
            inserts.push((at, format!("</{top}>")));
        }
        stack.push(name);
    }
    if inserts.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + inserts.len() * 8);
    let mut last = 0;
    for (at, close) in inserts {
        out.push_str(&text[last..at]);
        out.push_str(&close);
        last = at;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// The offset of `</name` (any case) at or after `from`.
fn find_end_tag(bytes: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(off) = bytes.get(at..)?.windows(2).position(|w| w == b"</") {
        let start = at + off;
        let candidate = bytes.get(start + 2..start + 2 + name.len())?;
        if candidate.eq_ignore_ascii_case(name) {
            return Some(start);
        }
        at = start + 2;
    }
    None
}

impl LinedHtml {
    pub fn parse(text: &str) -> Self {
        let text = cap_nesting(text);
        let sink = LineSink {
            inner: HtmlTreeSink::new(Html::new_document()),
            line: Cell::new(1),
            lines: RefCell::new(HashMap::new()),
        };
        html5ever::driver::parse_document(sink, Default::default()).one(StrTendril::from(&*text))
    }

    /// The line of an element (1 when unknown, e.g. for implied `<html>`/`<body>`).
    pub fn line_of(&self, id: Handle) -> u32 {
        self.lines.get(&id).copied().unwrap_or(1)
    }
}

struct LineSink {
    inner: HtmlTreeSink,
    line: Cell<u64>,
    lines: RefCell<HashMap<Handle, u32>>,
}

impl TreeSink for LineSink {
    type Handle = Handle;
    type Output = LinedHtml;
    type ElemName<'a>
        = <HtmlTreeSink as TreeSink>::ElemName<'a>
    where
        Self: 'a;

    fn finish(self) -> LinedHtml {
        LinedHtml { html: self.inner.finish(), lines: self.lines.into_inner() }
    }

    fn set_current_line(&self, line_number: u64) {
        self.line.set(line_number);
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        let id = self.inner.create_element(name, attrs, flags);
        let line = u32::try_from(self.line.get()).unwrap_or(u32::MAX);
        self.lines.borrow_mut().insert(id, line);
        id
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg)
    }
    fn get_document(&self) -> Handle {
        self.inner.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_comment(&self, text: StrTendril) -> Handle {
        self.inner.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Handle {
        self.inner.create_pi(target, data)
    }
    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        self.inner.append(parent, child)
    }
    fn append_based_on_parent_node(&self, element: &Handle, prev_element: &Handle, child: NodeOrText<Handle>) {
        self.inner.append_based_on_parent_node(element, prev_element, child)
    }
    fn append_doctype_to_document(&self, name: StrTendril, public_id: StrTendril, system_id: StrTendril) {
        self.inner.append_doctype_to_document(name, public_id, system_id)
    }
    fn mark_script_already_started(&self, node: &Handle) {
        self.inner.mark_script_already_started(node)
    }
    fn pop(&self, node: &Handle) {
        self.inner.pop(node)
    }
    fn get_template_contents(&self, target: &Handle) -> Handle {
        self.inner.get_template_contents(target)
    }
    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        self.inner.same_node(x, y)
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode)
    }
    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        self.inner.append_before_sibling(sibling, new_node)
    }
    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs)
    }
    fn associate_with_form(&self, target: &Handle, form: &Handle, nodes: (&Handle, Option<&Handle>)) {
        self.inner.associate_with_form(target, form, nodes)
    }
    fn remove_from_parent(&self, target: &Handle) {
        self.inner.remove_from_parent(target)
    }
    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        self.inner.reparent_children(node, new_parent)
    }
    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        self.inner.is_mathml_annotation_xml_integration_point(handle)
    }
    fn allow_declarative_shadow_roots(&self, intended_parent: &Handle) -> bool {
        self.inner.allow_declarative_shadow_roots(intended_parent)
    }
    fn attach_declarative_shadow(&self, location: &Handle, template: &Handle, attrs: &[Attribute]) -> bool {
        self.inner.attach_declarative_shadow(location, template, attrs)
    }
    fn maybe_clone_an_option_into_selectedcontent(&self, option: &Handle) {
        self.inner.maybe_clone_an_option_into_selectedcontent(option)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_capped_and_normal_pages_untouched() {
        let page = "<html><body><div><p>x<br><img src=a></p><script>if (a<b) { '<div>' }</script></div></body></html>";
        assert!(matches!(cap_nesting(page), std::borrow::Cow::Borrowed(_)));
        let deep = format!("{}<script src=\"https://deep.example/x.js\"></script>", "<div>".repeat(100_000));
        let capped = cap_nesting(&deep);
        assert!(capped.len() > deep.len());
        let doc = LinedHtml::parse(&deep);
        let depth = doc
            .html
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .map(|e| e.ancestors().count())
            .max()
            .unwrap();
        assert!(depth <= MAX_NESTING + 4, "depth {depth}");
        let script = doc
            .html
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() == "script");
        assert_eq!(script.and_then(|s| s.value().attr("src")), Some("https://deep.example/x.js"));
    }

    #[test]
    fn records_the_line_of_each_element() {
        let doc = LinedHtml::parse(
            "<!doctype html>\n<html><head>\n<script src=a.js></script>\n</head>\n<body>\n\n<img src=b.png></body></html>",
        );
        let line = |name: &str| {
            let el = doc
                .html
                .root_element()
                .descendants()
                .filter_map(scraper::ElementRef::wrap)
                .find(|e| e.value().name() == name)
                .unwrap();
            doc.line_of(el.id())
        };
        assert_eq!(line("script"), 3);
        assert_eq!(line("img"), 7);
    }
}
