//! Any bytes as a page: decoding and extraction must not panic, and what comes out must
//! keep the extractor's promises (absolute http(s) URLs, lines inside the page).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("https://shop.example/p/page.html").unwrap();
    let text = vendorscan::decode::decode_html(data, Some("text/html"));
    let lines = text.lines().count() as u32 + 1;
    let ex = vendorscan::extract::extract(&base, &text);
    for r in &ex.resources {
        assert!(matches!(r.url.scheme(), "http" | "https"), "{}", r.url);
        assert!(r.url.host().is_some());
        assert!(r.evidence.line >= 1 && r.evidence.line <= lines + 1, "line {} of {lines}", r.evidence.line);
    }
    assert!(ex.resources.len() <= vendorscan::extract::MAX_RESOURCES_PER_PAGE);
    assert!(ex.links.len() <= vendorscan::extract::MAX_LINKS_PER_PAGE);
    // The same bytes as a local file, without a site URL.
    let file = url::Url::parse("file:///site/index.html").unwrap();
    let _ = vendorscan::extract::extract(&file, &text);
});
