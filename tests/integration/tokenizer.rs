//! Our HTML tokenizer (src/extract/tokenizer.rs) against a reference: lol_html, a
//! WHATWG-conformant tokenizer with a tree-builder simulation (foreign content, raw-text
//! switching). On every page of the real-pages corpus and on hand-made tricky markup, both
//! must see the same start tags, with the same attributes, values and value offsets, in the
//! same order, and the same text in `<script>` and `<style>`.

use crate::common::*;
use lol_html::{HtmlRewriter, Settings, element, text};
use std::cell::RefCell;
use vendorscan::extract::tokenizer::{RawText, Token, Tokenizer};

/// One start tag: lowercased name, then (lowercased name, value as written, value offset).
type Tag = (String, Vec<(String, String, Option<usize>)>);

/// What lol_html reads: start tags (with their attributes) and the raw text of scripts
/// and styles, each in document order.
fn reference(html: &str) -> (Vec<Tag>, Vec<String>) {
    let tags = RefCell::new(Vec::new());
    let texts = RefCell::new(Vec::<String>::new());
    let open_text = RefCell::new(false);
    let settings = Settings {
        element_content_handlers: vec![
            element!("*", |el| {
                let attrs = el
                    .attributes()
                    .iter()
                    .map(|a| (a.name(), a.value(), a.value_source_location().map(|l| l.bytes().start)))
                    .collect();
                let mut attrs: Vec<(String, String, Option<usize>)> = attrs;
                // lol_html reports repeated attributes; browsers (and we) keep the first.
                let mut seen = std::collections::HashSet::new();
                attrs.retain(|a| seen.insert(a.0.clone()));
                tags.borrow_mut().push((el.tag_name(), attrs));
                Ok(())
            }),
            text!("script, style", |t| {
                let mut texts = texts.borrow_mut();
                let mut open = open_text.borrow_mut();
                if !*open {
                    texts.push(String::new());
                    *open = true;
                }
                texts.last_mut().unwrap().push_str(t.as_str());
                if t.last_in_text_node() {
                    *open = false;
                }
                Ok(())
            }),
        ],
        strict: false,
        ..Settings::new()
    };
    let mut rw = HtmlRewriter::new(settings, |_: &[u8]| {});
    rw.write(html.as_bytes()).unwrap();
    rw.end().unwrap();
    let mut texts = texts.into_inner();
    texts.retain(|t| !t.is_empty());
    (tags.into_inner(), texts)
}

fn ours(html: &str) -> (Vec<Tag>, Vec<String>) {
    let (mut tags, mut texts) = (Vec::new(), Vec::new());
    for token in Tokenizer::new(html) {
        match token {
            Token::Start(t) => tags.push((
                t.name.to_ascii_lowercase(),
                t.attrs
                    .iter()
                    // lol_html gives a bare attribute no value position.
                    .map(|a| (a.name.to_ascii_lowercase(), a.value.to_owned(), Some(a.offset)))
                    .collect(),
            )),
            Token::Text { of: RawText::Script | RawText::Style, text, .. } if !text.is_empty() => {
                texts.push(text.to_owned())
            }
            _ => {}
        }
    }
    (tags, texts)
}

/// Compare, ignoring the value offset of attributes written without a value.
fn agree(name: &str, html: &str) {
    let (ref_tags, ref_texts) = reference(html);
    let (our_tags, our_texts) = ours(html);
    let same = |r: &Tag, o: &Tag| {
        r.0 == o.0
            && r.1.len() == o.1.len()
            && r.1.iter().zip(&o.1).all(|(ra, oa)| ra.0 == oa.0 && ra.1 == oa.1 && (ra.2.is_none() || ra.2 == oa.2))
    };
    let mut ours = our_tags.iter();
    let mut prev = "";
    let mut slips = 0;
    for (i, r) in ref_tags.iter().enumerate() {
        let mut o = ours.next().unwrap_or_else(|| panic!("{name}: start tag #{i} {r:?} missing from ours"));
        // lol_html's one known slip: inside `<svg>`, the start tag right after a `<style>`,
        // `<title>` or `<desc>` element is not reported (`<svg><title>t</title><desc>` gives
        // svg, title); the standard, html5ever and browsers see it. Everything else must agree.
        if !same(r, o) && matches!(prev, "style" | "title" | "desc") {
            slips += 1;
            o = ours.next().unwrap_or_else(|| panic!("{name}: start tag #{i} {r:?} missing from ours"));
        }
        assert!(same(r, o), "{name}: start tag #{i} differs:\n  lol_html: {r:?}\n  ours:     {o:?}");
        prev = &o.0;
    }
    assert!(ours.next().is_none(), "{name}: we read more start tags than lol_html");
    assert!(slips <= 20, "{name}: {slips} SVG start tags only we see");
    for (i, (r, o)) in ref_texts.iter().zip(&our_texts).enumerate() {
        if r != o {
            let at = r.bytes().zip(o.bytes()).take_while(|(a, b)| a == b).count();
            let near = |s: &str| s.get(at.saturating_sub(80)..).unwrap_or(s).chars().take(200).collect::<String>();
            panic!("{name}: text #{i} differs at byte {at}:\n  lol_html: {:?}\n  ours:     {:?}", near(r), near(o));
        }
    }
    assert_eq!(ref_texts.len(), our_texts.len(), "{name}: number of script and style texts");
}

#[test]
fn the_tokenizer_reads_every_real_page_as_lol_html_does() {
    let Some(corpus) = real_pages() else { return };
    let dir = corpus.join("pages");
    let mut pages = 0;
    let mut tags = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus has a pages folder") {
        let path = entry.unwrap().path();
        let html = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        agree(&path.display().to_string(), &html);
        tags += ours(&html).0.len();
        pages += 1;
    }
    assert!(pages >= 40 && tags > 10_000, "only {pages} pages, {tags} tags read");
}

#[test]
fn the_tokenizer_agrees_on_tricky_markup() {
    let cases = [
        ("attributes", r#"<IMG SRC="a b.png" alt='x>y' width=1 hidden data-x=1/ src="dup"><a href="/x"id=y =z>"#),
        ("spacing", "<img\n  src = \"p.gif\"\n\t alt=x >"),
        (
            "comments",
            "<!-- <img src=a> --><!--><img src=b><!---><img src=c><!-- a --!><img src=d><!-- -- -><img src=e> -->",
        ),
        ("bogus", "<!DOCTYPE html><? x ><img src=d></ x><img src=e></><img src=f><![CDATA[<img src=g>]]><img src=h>"),
        (
            "raw text",
            "<script>var s='<img src=x>';</script ><style>a{}</style><textarea><img src=t></textarea><title><img src=u></title><xmp><img src=v></xmp><iframe><img src=w></iframe><img src=2>",
        ),
        (
            "script escapes",
            "<script><!-- <script>x</script> --></script><b><script><!-- y </script><i><script><!--></script><u>",
        ),
        ("script end tags", "<script>a</scripts>b</SCRIPT foo=\">\">c</script><p>"),
        (
            "script text with many < and a few </ and <!",
            "<script>if(a<b&&c<d){x='</div>'}<!b</sc</script><img src=1><script>a<!-- <script>b</div></script> c --></script><img src=2><script><!--></script><img src=3><script>x</script",
        ),
        (
            "foreign",
            "<svg><script/><style>.a{}</style><title>t<b>x</b></title></svg><img src=1><svg><foreignObject><script>x</script></foreignObject></svg><svg><![CDATA[<img src=no>]]><p><img src=2></p></svg><math><mi><style>s</style></mi></math>",
        ),
        ("breakout", "<svg><g><div><script>z</script></div></g></svg><svg><font color=red><img src=3></font></svg>"),
        ("unterminated", "<p><img src=\"a"),
        ("entities", "<a href=\"/a?x=1&amp;y=2\" title=&quot;q>"),
        ("end tag attrs", "<div></div class=\"a>b\"><img src=after>"),
    ];
    for (name, html) in cases {
        agree(name, html);
    }
}
