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

pub fn urls_in_css(css: &str) -> Vec<CssUrl<'_>> {
    if !css.contains("url(") && !css.contains("URL(") && !css.contains("@import") {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut import_spans = Vec::new();
    for caps in IMPORT.captures_iter(css) {
        let whole = caps.get(0).expect("match");
        if let Some(m) = caps.get(1).or_else(|| caps.get(2)).or_else(|| caps.get(3)) {
            import_spans.push(whole.start()..whole.end() + 1);
            found.push(CssUrl { offset: m.start(), raw: m.as_str(), import: true });
        }
    }
    for caps in URL.captures_iter(css) {
        let whole = caps.get(0).expect("match");
        if import_spans.iter().any(|s| s.contains(&whole.start())) {
            continue;
        }
        if let Some(m) = caps.get(1).or_else(|| caps.get(2)).or_else(|| caps.get(3)) {
            found.push(CssUrl { offset: m.start(), raw: m.as_str(), import: false });
        }
    }
    found.sort_by_key(|f| f.offset);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

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
