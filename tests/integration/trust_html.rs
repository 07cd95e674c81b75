//! Issue #19, "a page cannot hide a third party": the extractor reads markup as a browser
//! does. Two kinds of evidence:
//! - differential: on the real-pages corpus and on crafted markup for each class of the
//!   issue, the hosts the extractor reports as loads are the hosts html5ever's DOM (scraper,
//!   the spec reference) makes a browser fetch (`fuzz/reference.rs`, shared with the fuzz
//!   target `html_diff`);
//! - end to end: crafted pages served on loopback and scanned by the real binary report
//!   the third party the page tried to hide.

use crate::common::*;
use std::collections::{BTreeSet, HashMap};
use url::Url;

#[path = "../../fuzz/reference.rs"]
mod reference;

fn doc() -> Url {
    Url::parse("https://shop.example/p/page.html").unwrap()
}

/// Both readings of `html`, and where they differ.
fn disagreement(url: &Url, html: &str) -> Option<String> {
    let theirs = reference::loads(url, html);
    let ours = reference::ours(url, html);
    (theirs != ours).then(|| {
        let only_theirs: BTreeSet<_> = theirs.difference(&ours).collect();
        let only_ours: BTreeSet<_> = ours.difference(&theirs).collect();
        format!("html5ever only: {only_theirs:?}; ours only: {only_ours:?}")
    })
}

fn agree(name: &str, html: &str) {
    if let Some(d) = disagreement(&doc(), html) {
        panic!("{name}: {d}\n{html}");
    }
}

/// The crafted cases, one or more per class of the issue, each with the host the page
/// tries to hide (or must not be taken for a load). Every one is also read by the real
/// binary below.
const CASES: &[(&str, &str)] = &[
    // 2. SVG and aliases.
    ("svg script href", r#"<svg><script href="https://svg-script.example/a.js"/></svg>"#),
    ("svg script xlink:href", r#"<svg><script xlink:href="https://svg-xlink.example/a.js"></script></svg>"#),
    ("svg image xlink:href", r#"<svg><image xlink:href="https://svg-image.example/a.png"/></svg>"#),
    ("svg use", r#"<svg><use xlink:href="https://svg-use.example/s.svg#i"/></svg>"#),
    ("svg feImage", r#"<svg><filter><feImage href="https://svg-feimage.example/f.png"/></filter></svg>"#),
    ("html image alias", r#"<image src="https://image-alias.example/a.png">"#),
    // 3. Character references without `;`.
    ("numeric refs", r#"<script src="https:&#47&#47charref.example/x.js"></script>"#),
    ("hex refs", r#"<img src="https:&#x2f&#x2Fcharref-hex.example/x.png">"#),
    ("legacy named ref", r#"<img src="https://legacy.example/a?b=1&amp/c&copy=2">"#),
    // 5. Inert and foreign markup.
    ("template", r#"<template><script src="https://in-template.example/a.js"></script></template>"#),
    (
        "shadow root",
        r#"<div><template shadowrootmode="open"><script src="https://in-shadow.example/a.js"></script></template></div>"#,
    ),
    (
        "svg iframe script-src link video",
        r#"<svg><iframe src="https://svg-iframe.example/"></iframe><script src="https://svg-src.example/a.js"></script><link rel="stylesheet" href="https://svg-link.example/a.css"/><video src="https://svg-video.example/v.mp4"/></svg>"#,
    ),
    (
        "base in template",
        r#"<template><base href="https://evil-base.example/"></template><script src="/a.js"></script>"#,
    ),
    ("base in svg", r#"<svg><base href="https://evil-base.example/"/></svg><script src="/a.js"></script>"#),
    (
        "cdata in foreignObject",
        r#"<svg><foreignObject><![CDATA[ x > <script src="https://cdata.example/a.js"></script> ]]></foreignObject></svg>"#,
    ),
    ("</p> in svg", r#"<svg></p><![CDATA[ x ><script src="https://after-p.example/a.js"></script> ]]>"#),
    (
        "math title",
        r#"<math><title><![CDATA[ > <script src="https://math-title.example/a.js"></script> ]]></title></math>"#,
    ),
    ("svg mi", r#"<svg><mi><![CDATA[ > <script src="https://svg-mi.example/a.js"></script> ]]></mi></svg>"#),
    (
        "</script> in svg cdata",
        r#"<svg><script><![CDATA[ document.write("</script>"); var u = 'https://after-cdata.com/x.js'; ]]></script></svg>"#,
    ),
    ("mi svg", r#"<math><mi><svg><script href="https://mi-svg.example/a.js"/></svg></mi></math>"#),
    (
        "svg font breakout",
        r#"<svg><font color=red><script src="https://font-breakout.example/a.js"></script></font></svg>"#,
    ),
    ("svg body end tag", r#"<svg></body><script src="https://svg-after-body.example/a.js"></script></svg>"#),
    // 6. Precision.
    (
        "js comment",
        "<script>\n//utag.data['x'] = 1;\n/* https://old-vendor.com/a.js */\nvar s = 'https://live-vendor.com/a.js';\n</script>",
    ),
    ("ld+json", r#"<script type="application/ld+json">{"image": "https://ld-json.com/p.jpg"}</script>"#),
    ("text/x-template", r#"<script type="text/x-template"><img src="https://x-template.com/p.jpg"></script>"#),
    (
        "consent gated",
        r#"<script type="text/plain" class="optanon-category-C0004" src="https://gated.example/a.js"></script>"#,
    ),
    // 7. srcdoc.
    (
        "srcdoc 5 deep",
        r#"<iframe srcdoc="<iframe srcdoc=&quot;<iframe srcdoc=&amp;quot;<iframe srcdoc=&amp;amp;quot;<iframe srcdoc=&amp;amp;amp;quot;<script src=https://srcdoc-deep.example/a.js></script>&amp;amp;amp;quot;></iframe>&amp;amp;quot;></iframe>&amp;quot;></iframe>&quot;></iframe>"></iframe>"#,
    ),
];

#[test]
fn crafted_pages_are_read_as_html5ever_reads_them() {
    for (name, html) in CASES {
        agree(name, html);
    }
}

/// Where scraper's reading is not the standard's, the extractor follows the standard (and
/// Chromium, Firefox): scraper's tree sink answers "no" to html5ever's question "is this
/// `<annotation-xml encoding=text/html>` an HTML integration point?" (the trait's default),
/// so html5ever reads its HTML children as MathML. The standard (§ 13.2.6.5, "HTML
/// integration point") makes `<xmp>` there raw text, as we do. Each deviation is pinned
/// here: (name, markup, hosts only scraper reports, hosts only we report).
const SCRAPER_DEVIATIONS: &[(&str, &str, &[&str], &[&str])] = &[(
    "annotation-xml encoding=text/html",
    r#"<math><annotation-xml encoding="text/html"><xmp><img src="https://in-xmp.example/"></xmp><iframe src="https://ip-frame.example/"></iframe></annotation-xml></math>"#,
    &["in-xmp.example"],
    &[],
)];

#[test]
fn where_scraper_departs_from_the_standard_we_follow_the_standard() {
    for (name, html, only_theirs, only_ours) in SCRAPER_DEVIATIONS {
        let theirs = reference::loads(&doc(), html);
        let ours = reference::ours(&doc(), html);
        let got: (Vec<&str>, Vec<&str>) = (
            theirs.difference(&ours).map(String::as_str).collect(),
            ours.difference(&theirs).map(String::as_str).collect(),
        );
        assert_eq!(got, (only_theirs.to_vec(), only_ours.to_vec()), "{name}");
    }
}

#[test]
fn the_extractor_reads_every_real_page_as_html5ever_does() {
    let Some(dir) = real_pages() else { return };
    let tsv = std::fs::read_to_string(dir.join("SOURCES.tsv")).expect("SOURCES.tsv is readable");
    let mut pages = 0;
    let mut hosts = 0;
    let mut differ = Vec::new();
    for line in tsv.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(file), Some(url)) = (cols.next(), cols.next()) else { continue };
        let Ok(url) = Url::parse(url) else { continue };
        let bytes = std::fs::read(dir.join("pages").join(file)).unwrap();
        let html = vendorscan::decode::decode_html(&bytes, Some("text/html"));
        if let Some(d) = disagreement(&url, &html) {
            differ.push(format!("{file}: {d}"));
        }
        // No real page reaches a limit: the caps are for hostile pages.
        let cut = vendorscan::extract::extract(&url, &html).cut;
        assert!(cut.is_none(), "{file} is cut: {cut:?}");
        hosts += reference::loads(&url, &html).len();
        pages += 1;
    }
    assert!(pages >= 40 && hosts > 200, "only {pages} pages, {hosts} hosts");
    assert!(differ.is_empty(), "{} pages read differently:\n{}", differ.len(), differ.join("\n"));
}

/// Scan one crafted page served at `/` by the loopback server; the hosts the report lists.
fn scanned_hosts(html: &str) -> (BTreeSet<String>, serde_json::Value) {
    let server =
        Server::start(HashMap::from([("/".to_owned(), Response::with_type(200, "text/html", html.as_bytes()))]));
    let origin = format!("{}/", server.origin());
    let resolve = server.resolve("shop.test");
    let out = vendorscan(&["scan", &origin, "--resolve", &resolve, "-f", "json", "--quiet", "--no-sitemap"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let hosts = resource_rows(&report).iter().filter_map(|r| r["host"].as_str().map(str::to_owned)).collect();
    // Nothing but the loopback server was asked for anything.
    assert!(server.seen().iter().all(|s| s.host.starts_with("shop.test")));
    (hosts, report)
}

#[test]
fn a_padded_page_still_reports_its_skimmer() {
    // 20,000 distinct first-party images, then 80,000 identical ones, then the skimmer.
    let mut html = String::with_capacity(3_000_000);
    for i in 0..20_000 {
        html.push_str(&format!("<img src=\"/img/{i}.jpg\">\n"));
    }
    html.push_str(&"<img src=\"/spacer.gif\">\n".repeat(80_000));
    html.push_str(r#"<script src="https://skimmer.example/x.js"></script>"#);
    let (hosts, report) = scanned_hosts(&html);
    assert!(hosts.contains("skimmer.example"), "{hosts:?}");
    assert_eq!(report["pages"][0]["truncated"], false);
}

#[test]
fn hidden_third_parties_are_reported_end_to_end() {
    // Each page hides one host a browser loads; the scan must report it.
    for (html, host) in [
        (r#"<svg><script href="https://svg-script.example/a.js"/></svg>"#, "svg-script.example"),
        (r#"<svg><image xlink:href="https://svg-image.example/a.png"/></svg>"#, "svg-image.example"),
        (r#"<image src="https://image-alias.example/a.png">"#, "image-alias.example"),
        (r#"<script src="https:&#47&#47charref.example/x.js"></script>"#, "charref.example"),
        (r#"<meta http-equiv="refresh" content="0 https://refresh.example/">"#, "refresh.example"),
        (r#"<meta http-equiv="refresh" content="0; url = 'https://refresh2.example/'">"#, "refresh2.example"),
        (r#"<svg></p><![CDATA[ x ><script src="https://after-p.example/a.js"></script> ]]>"#, "after-p.example"),
        (
            r#"<svg><script><![CDATA[ document.write("</script>"); var u = 'https://after-cdata.com/x.js'; ]]></script></svg>"#,
            "after-cdata.com",
        ),
        (CASES.iter().find(|c| c.0 == "srcdoc 5 deep").unwrap().1, "srcdoc-deep.example"),
    ] {
        let (hosts, _) = scanned_hosts(html);
        assert!(hosts.contains(host), "{host} missing from the report of {html}: {hosts:?}");
    }
}

#[test]
fn what_loads_nothing_is_not_reported_as_a_load() {
    // Labelled, not dropped: the extractor keeps these with a condition, and no host here
    // is an unconditional load.
    for (html, host) in [
        ("<script>\n//utag.data['x'] = 1;\n</script>", "utag.data"),
        (r#"<script type="text/x-template"><img src="https://x-template.com/p.jpg"></script>"#, "x-template.com"),
        (r#"<script type="application/json-ld">{"image": "https://ld-json.com/p.jpg"}</script>"#, "ld-json.com"),
        (
            r#"<svg><foreignObject><![CDATA[ x > <script src="https://cdata.example/a.js"></script> ]]></foreignObject></svg>"#,
            "cdata.example",
        ),
    ] {
        let e = vendorscan::extract::extract(&doc(), html);
        assert!(
            e.resources.iter().all(|r| r.url.host_str() != Some(host) || r.evidence.condition.is_some()),
            "{host} read as a load in {html}: {:?}",
            e.resources
        );
    }
}
