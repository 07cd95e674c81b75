//! URLs in CSS: `url(...)` and `@import`, from `<style>` blocks and `style=""` attributes.
//!
//! Enters: CSS text. Leaves: each URL as written, its byte offset, and whether it is an
//! `@import` (a stylesheet the browser fetches) or a `url()` (an image, font, ...).

use regex::Regex;
use std::sync::LazyLock;

pub struct CssUrl<'a> {
    pub offset: usize,
    pub raw: &'a str,
    pub import: bool,
}

static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^\s;'")]+))"#).expect("valid regex")
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\burl\(\s*(?:"([^"]*)"|'([^']*)'|([^\s'")]+))\s*\)"#).expect("valid regex"));

/// The CSS with comments blanked out byte for byte (spaces; newlines kept), so offsets
/// still point into the original and a URL in a comment, which loads nothing, is not
/// found. Spaces are ASCII, so the result is valid UTF-8 whatever the comment held.
fn without_comments(css: &str) -> std::borrow::Cow<'_, str> {
    if !css.contains("/*") {
        return std::borrow::Cow::Borrowed(css);
    }
    let mut bytes = css.as_bytes().to_vec();
    let mut at = 0;
    while let Some(start) = css[at..].find("/*").map(|i| at + i) {
        let end = css[start + 2..].find("*/").map_or(css.len(), |e| start + 2 + e + 2);
        for b in &mut bytes[start..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        at = end;
    }
    std::borrow::Cow::Owned(String::from_utf8(bytes).expect("ASCII spaces keep UTF-8 valid"))
}

pub fn urls_in_css(css: &str) -> Vec<CssUrl<'_>> {
    if !css.contains("url(") && !css.contains("URL(") && !css.contains("@import") {
        return Vec::new();
    }
    let clean = without_comments(css);
    let mut found = Vec::new();
    let mut import_spans = Vec::new();
    for caps in IMPORT.captures_iter(&clean) {
        let whole = caps.get(0).expect("match");
        if let Some(m) = caps.get(1).or_else(|| caps.get(2)).or_else(|| caps.get(3)) {
            import_spans.push(whole.start()..whole.end() + 1);
            found.push(CssUrl { offset: m.start(), raw: &css[m.range()], import: true });
        }
    }
    for caps in URL.captures_iter(&clean) {
        let whole = caps.get(0).expect("match");
        if import_spans.iter().any(|s| s.contains(&whole.start())) {
            continue;
        }
        if let Some(m) = caps.get(1).or_else(|| caps.get(2)).or_else(|| caps.get(3)) {
            found.push(CssUrl { offset: m.start(), raw: &css[m.range()], import: false });
        }
    }
    found.sort_by_key(|f| f.offset);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_comments_load_nothing() {
        let css = "/* old: url(https://old.cdn.example/bg.png) — ünïcode */\n.a{background:url(https://new.cdn.example/bg.png)}";
        let got: Vec<(&str, usize)> = urls_in_css(css).iter().map(|u| (u.raw, u.offset)).collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "https://new.cdn.example/bg.png");
        assert_eq!(&css[got[0].1..got[0].1 + 4], "http");
    }

    #[test]
    fn finds_imports_and_urls_but_not_import_urls_twice() {
        let css = "@import url(\"https://fonts.googleapis.com/css2?family=Inter\");\n@import 'https://a.example/x.css';\n.hero{background:url(https://images.unsplash.com/p.jpg)} .b{background:URL( 'img/b.png' )}";
        let got: Vec<(&str, bool)> = urls_in_css(css).iter().map(|u| (u.raw, u.import)).collect();
        assert_eq!(
            got,
            vec![
                ("https://fonts.googleapis.com/css2?family=Inter", true),
                ("https://a.example/x.css", true),
                ("https://images.unsplash.com/p.jpg", false),
                ("img/b.png", false),
            ]
        );
    }
}
