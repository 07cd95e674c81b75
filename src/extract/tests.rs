//! One case per element and attribute the extraction table knows, plus the edge cases
//! that real pages produce (noscript pixels, base href, srcset commas, line numbers).

use super::*;

fn ex(html: &str) -> Extracted {
    extract(&Url::parse("https://shop.example/p/page.html").unwrap(), html)
}

/// (kind, url) pairs, in document order.
fn kinds(html: &str) -> Vec<(ResourceKind, String)> {
    ex(html).resources.into_iter().map(|r| (r.kind, r.url.to_string())).collect()
}

fn one(html: &str) -> RawResource {
    let r = ex(html).resources;
    assert_eq!(r.len(), 1, "expected exactly one resource in {html}: {r:?}");
    r.into_iter().next().unwrap()
}

use ResourceKind as K;

#[test]
fn script_src_with_evidence_attributes() {
    let r = one(
        r#"<script async src="https://cdn.vendor.com/a.js" integrity="sha384-abc" crossorigin="anonymous" referrerpolicy="no-referrer"></script>"#,
    );
    assert_eq!(r.kind, K::Script);
    assert_eq!(r.evidence.element, "script");
    assert_eq!(r.evidence.attribute, "src");
    assert_eq!(r.evidence.raw, "https://cdn.vendor.com/a.js");
    assert_eq!(r.evidence.attrs.get("integrity").map(String::as_str), Some("sha384-abc"));
    assert_eq!(r.evidence.attrs.get("crossorigin").map(String::as_str), Some("anonymous"));
    assert_eq!(r.evidence.attrs.get("async").map(String::as_str), Some(""));
    assert_eq!(r.evidence.attrs.get("referrerpolicy").map(String::as_str), Some("no-referrer"));
}

#[test]
fn images_and_pixels() {
    assert_eq!(
        kinds(r#"<img src="https://img.cdn.com/a.jpg" width="300">"#),
        vec![(K::Image, "https://img.cdn.com/a.jpg".into())]
    );
    for pixel in [
        r#"<img src="https://t.example/p.gif" width="1" height="1">"#,
        r#"<img src="https://t.example/p.gif" height="1" width="1" style="display:none">"#,
        r#"<img src="https://t.example/p.gif" width="0" height="0">"#,
        r#"<img src="https://t.example/p.gif" style="visibility: hidden">"#,
        r#"<img src="https://t.example/p.gif" hidden>"#,
        r#"<div style="display:none"><img src="https://t.example/p.gif"></div>"#,
    ] {
        assert_eq!(kinds(pixel), vec![(K::Pixel, "https://t.example/p.gif".into())], "{pixel}");
    }
}

#[test]
fn noscript_content_is_parsed_as_html_in_head_and_body() {
    let html = "<html><head>\n<noscript><img height=\"1\" width=\"1\" src=\"https://www.facebook.com/tr?id=123456789012&ev=PageView&noscript=1\"/></noscript>\n</head><body>\n<noscript>\n<iframe src=\"https://www.googletagmanager.com/ns.html?id=GTM-ABC123\"></iframe></noscript></body></html>";
    let e = ex(html);
    let got: Vec<(K, bool, u32)> =
        e.resources.iter().map(|r| (r.kind, r.evidence.in_noscript, r.evidence.line)).collect();
    assert_eq!(got, vec![(K::Pixel, true, 2), (K::Iframe, true, 5)]);
    let mut tags: Vec<(&str, &str)> = e.tag_ids.iter().map(|t| (t.kind, t.value.as_str())).collect();
    tags.sort();
    assert_eq!(tags, vec![("gtm-container", "GTM-ABC123"), ("meta-pixel", "123456789012")]);
}

#[test]
fn srcset_urls_may_contain_commas() {
    assert_eq!(
        srcset_urls(
            "https://res.cloudinary.com/x/w_100,h_100/a.jpg 1x, https://res.cloudinary.com/x/w_200,h_200/a.jpg 2x"
        ),
        vec!["https://res.cloudinary.com/x/w_100,h_100/a.jpg", "https://res.cloudinary.com/x/w_200,h_200/a.jpg"]
    );
    assert_eq!(srcset_urls("a.jpg, b.jpg 2x,c.jpg"), vec!["a.jpg", "b.jpg", "c.jpg"]);
    // Per the HTML standard a comma inside a URL is part of it; only trailing commas end it.
    assert_eq!(srcset_urls("a.jpg,b.jpg 2x"), vec!["a.jpg,b.jpg"]);
    assert_eq!(srcset_urls("  "), Vec::<&str>::new());
    let got = kinds(
        r#"<picture><source srcset="https://i.cdn.com/a.webp 1x, https://i.cdn.com/b.webp 2x"><img src="/l.jpg" srcset="//i.cdn.com/c.jpg 400w"></picture>"#,
    );
    assert_eq!(
        got,
        vec![
            (K::Image, "https://i.cdn.com/a.webp".into()),
            (K::Image, "https://i.cdn.com/b.webp".into()),
            (K::Image, "https://shop.example/l.jpg".into()),
            (K::Image, "https://i.cdn.com/c.jpg".into()),
        ]
    );
}

#[test]
fn frames_and_iframes() {
    assert_eq!(
        kinds(r#"<iframe src="https://js.stripe.com/v3/m.html" sandbox="allow-scripts"></iframe>"#),
        vec![(K::Iframe, "https://js.stripe.com/v3/m.html".into())]
    );
    assert_eq!(
        kinds(r#"<frameset><frame src="https://a.example/f.html"></frameset>"#),
        vec![(K::Iframe, "https://a.example/f.html".into())]
    );
    let srcdoc = kinds(r#"<iframe srcdoc="<script src='https://in.srcdoc.com/x.js'></script>"></iframe>"#);
    assert_eq!(srcdoc, vec![(K::Script, "https://in.srcdoc.com/x.js".into())]);
}

#[test]
fn link_rels() {
    let html = r#"<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
<link rel="dns-prefetch" href="//widget.trustpilot.com">
<link rel="preload" as="script" href="https://cdn.a.com/p.js">
<link rel="modulepreload" href="https://cdn.a.com/m.js">
<link rel="prefetch" href="https://cdn.a.com/next.js">
<link rel="icon" href="https://cdn.a.com/f.ico">
<link rel="manifest" href="https://cdn.a.com/m.json">
<link rel="canonical" href="https://elsewhere.example/">"#;
    let got: Vec<K> = kinds(html).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        got,
        vec![
            K::Stylesheet,
            K::Preconnect,
            K::DnsPrefetch,
            K::Preload,
            K::Modulepreload,
            K::Prefetch,
            K::Icon,
            K::Manifest
        ]
    );
}

#[test]
fn forms_media_embeds_and_pings() {
    let html = r#"<form action="https://www.paypal.com/cgi-bin/webscr" method="post"><button formaction="https://pay.b.com/go">x</button></form>
<form action=""></form>
<video src="https://v.cdn.com/a.mp4" poster="https://v.cdn.com/p.jpg"><source src="https://v.cdn.com/b.webm"><track src="https://v.cdn.com/c.vtt"></video>
<audio src="https://a.cdn.com/s.mp3"></audio>
<embed src="https://e.cdn.com/x.swf"><object data="https://o.cdn.com/y.pdf"></object>
<a href="/x" ping="https://ping.a.com/1 https://ping.b.com/2">x</a>
<input type="image" src="https://btn.cdn.com/b.png">"#;
    assert_eq!(
        kinds(html),
        vec![
            (K::FormAction, "https://www.paypal.com/cgi-bin/webscr".into()),
            (K::FormAction, "https://pay.b.com/go".into()),
            (K::Media, "https://v.cdn.com/a.mp4".into()),
            (K::Image, "https://v.cdn.com/p.jpg".into()),
            (K::Media, "https://v.cdn.com/b.webm".into()),
            (K::Media, "https://v.cdn.com/c.vtt".into()),
            (K::Media, "https://a.cdn.com/s.mp3".into()),
            (K::Embed, "https://e.cdn.com/x.swf".into()),
            (K::Object, "https://o.cdn.com/y.pdf".into()),
            (K::Ping, "https://ping.a.com/1".into()),
            (K::Ping, "https://ping.b.com/2".into()),
            (K::Image, "https://btn.cdn.com/b.png".into()),
        ]
    );
}

#[test]
fn svg_background_and_lazy_loading() {
    let html = r##"<svg><image href="https://img.cdn.example/a.png"/><use href="https://icons.cdn.example/sprite.svg#cart"/><use href="#local"/></svg>
<table background="https://bg.cdn.example/t.gif"><tr><td background="https://bg.cdn.example/c.gif">x</td></tr></table>
<img data-src="https://lazy.cdn.example/p.jpg" data-srcset="https://lazy.cdn.example/p2.jpg 2x">
<iframe data-src="https://www.youtube.com/embed/x"></iframe>"##;
    let got: Vec<(K, String)> = kinds(html);
    assert_eq!(
        got,
        vec![
            (K::Image, "https://img.cdn.example/a.png".into()),
            (K::Image, "https://icons.cdn.example/sprite.svg#cart".into()),
            (K::Image, "https://bg.cdn.example/t.gif".into()),
            (K::Image, "https://bg.cdn.example/c.gif".into()),
            (K::Image, "https://lazy.cdn.example/p.jpg".into()),
            (K::Image, "https://lazy.cdn.example/p2.jpg".into()),
            (K::Iframe, "https://www.youtube.com/embed/x".into()),
        ]
    );
}

#[test]
fn meta_refresh_is_a_resource_and_a_link() {
    let e = ex(r#"<meta http-equiv="Refresh" content="0; URL='https://go.partner.com/x'">"#);
    assert_eq!(e.resources[0].kind, K::MetaRefresh);
    assert_eq!(e.resources[0].url.as_str(), "https://go.partner.com/x");
    assert_eq!(e.links[0].as_str(), "https://go.partner.com/x");
}

#[test]
fn css_in_style_blocks_and_attributes() {
    let html = "<style>\n@import url('https://fonts.googleapis.com/css?family=A');\n.x{background:url(https://img.cdn.com/bg.png)}</style>\n<div style=\"background-image:url(&quot;https://images.unsplash.com/p.jpg&quot;)\"></div>";
    let e = ex(html);
    let got: Vec<(K, String, u32)> = e.resources.iter().map(|r| (r.kind, r.url.to_string(), r.evidence.line)).collect();
    assert_eq!(
        got,
        vec![
            (K::CssImport, "https://fonts.googleapis.com/css?family=A".into(), 2),
            (K::CssUrl, "https://img.cdn.com/bg.png".into(), 3),
            (K::CssUrl, "https://images.unsplash.com/p.jpg".into(), 4),
        ]
    );
}

#[test]
fn inline_script_urls_with_lines_and_json_blocks_skipped() {
    let html = "<script>\n!function(f,b,e,v,n,t,s){t.src=v}(window,document,'script',\n'https://connect.facebook.net/en_US/fbevents.js');\nfbq('init', '2048391756203847');</script>\n<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"image\":\"https://img.cdn.com/p.jpg\"}</script>";
    let e = ex(html);
    let got: Vec<(K, String, u32)> = e.resources.iter().map(|r| (r.kind, r.url.to_string(), r.evidence.line)).collect();
    assert_eq!(got, vec![(K::InlineScriptUrl, "https://connect.facebook.net/en_US/fbevents.js".into(), 3)]);
    assert_eq!(e.tag_ids[0].value, "2048391756203847");
    assert_eq!(e.tag_ids[0].line, 4);
}

#[test]
fn base_href_and_protocol_relative() {
    let e = ex(
        r#"<head><base href="https://static.cdn-base.com/theme/"></head><script src="js/app.js"></script><script src="//cdn.proto.com/x.js"></script><a href="next.html">n</a>"#,
    );
    let urls: Vec<&str> = e.resources.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(urls, vec!["https://static.cdn-base.com/theme/js/app.js", "https://cdn.proto.com/x.js"]);
    assert_eq!(e.resources[1].evidence.raw, "//cdn.proto.com/x.js");
    assert_eq!(e.links[0].as_str(), "https://static.cdn-base.com/theme/next.html");
}

#[test]
fn protocol_relative_in_a_local_file_is_https() {
    let e = extract(
        &Url::parse("file:///site/index.html").unwrap(),
        r#"<script src="//cdn.proto.com/x.js"></script><script src="local.js"></script>"#,
    );
    let urls: Vec<&str> = e.resources.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(urls, vec!["https://cdn.proto.com/x.js"]);
}

#[test]
fn non_network_schemes_are_dropped() {
    assert!(kinds(r#"<img src="data:image/gif;base64,R0lGOD"><a href="javascript:void(0)" ping="mailto:x@y.z">x</a><iframe src="about:blank"></iframe><script src=""></script>"#).is_empty());
}

#[test]
fn links_for_the_crawl() {
    let e = ex(
        r#"<a href="/a#frag">a</a><a href="/a">dup</a><area href="/b"><link rel="next" href="/page/2"><link rel="alternate" hreflang="de" href="/de/"><link rel="alternate" type="application/rss+xml" href="/feed"><iframe src="/embed"></iframe>"#,
    );
    let got: Vec<&str> = e.links.iter().map(Url::path).collect();
    assert_eq!(got, vec!["/a", "/b", "/page/2", "/de/", "/embed"]);
}

#[test]
fn line_numbers_point_at_the_attribute_in_multiline_tags() {
    let html = "<!doctype html>\n<html>\n<body>\n<script\n  async\n  src=\"https://a.vendor.com/x.js\"\n  data-x=\"1\"\n></script>\n</body>\n</html>";
    assert_eq!(one(html).evidence.line, 6);
}

#[test]
fn sensitive_inputs() {
    assert!(ex(r#"<input autocomplete="cc-number">"#).has_sensitive_inputs);
    assert!(ex(r#"<input name="card_number">"#).has_sensitive_inputs);
    assert!(!ex(r#"<input type="password">"#).has_sensitive_inputs, "a login form is not a payment page");
    assert!(!ex(r#"<input type="email">"#).has_sensitive_inputs);
}

#[test]
fn evidence_is_one_line() {
    let r =
        one("<script src=\"https://a.example/x.js\" integrity=\"sha384-x\n::error file=README.md::owned\"></script>");
    assert_eq!(r.evidence.attrs["integrity"], "sha384-x ::error file=README.md::owned");
    // C0, DEL and C1 controls (U+0085 is a line end to some readers) become spaces; other
    // characters, including those whose UTF-8 starts with the byte C1 controls start with
    // (U+00A2), are kept.
    for (raw, want) in [
        ("a\u{85}b\u{9f}c\u{7f}d\u{1}e", "a b c d e"),
        ("\u{a2}\u{e9}\u{2028}x", "\u{a2}\u{e9}\u{2028}x"),
        ("plain", "plain"),
    ] {
        assert_eq!(one_line(raw.to_owned()), want, "{raw:?}");
    }
}

#[test]
fn large_pages_are_linear() {
    // Shapes that were quadratic once: many small raw-text elements, one huge line with
    // many attributes, an inline script with many URLs. Each must finish (and be correct).
    let scripts = "<script>1</script>".repeat(20_000);
    assert!(ex(&scripts).resources.is_empty());
    let imgs: String = (0..20_000).map(|i| format!("<img src=\"https://i{i}.cdn.example/x.png\">")).collect();
    assert_eq!(ex(&imgs).resources.len(), 20_000);
    let js: String = (0..60_000).map(|i| format!("u{i}=\"https://h{i}.example.com/a\";\n")).collect();
    let got = ex(&format!("<script>{js}</script>"));
    assert_eq!(got.resources.len(), MAX_RESOURCES_PER_PAGE);
    assert_eq!(got.resources.last().unwrap().evidence.line, MAX_RESOURCES_PER_PAGE as u32);
}

#[test]
fn hostile_markup_does_not_panic() {
    let deep = format!("{}<img src=\"https://deep.example/p.gif\" width=1 height=1>", "<div>".repeat(100_000));
    assert_eq!(kinds(&deep), vec![(K::Pixel, "https://deep.example/p.gif".into())]);
    let _ = ex("<script src=\"https://[::1\"></script><img srcset=\",,,,\"><a href=\"http://%zz\">");
    let _ = ex("\u{0}\u{fffd}<noscript><noscript><noscript><noscript><img src=//x.y.com/a></noscript>");
}

// ---- Issue #19: a page cannot hide a third party. Each block is one class of the issue;
// every case here was missed or misread by the extraction before it.

/// Hosts of the references a browser loads as it reads the page (no condition), in order.
fn loads(html: &str) -> Vec<String> {
    ex(html)
        .resources
        .into_iter()
        .filter(|r| r.evidence.condition.is_none())
        .map(|r| r.url.host_str().unwrap().to_owned())
        .collect()
}

/// (host, condition) of every reference.
fn conditions(html: &str) -> Vec<(String, Option<Condition>)> {
    ex(html).resources.into_iter().map(|r| (r.url.host_str().unwrap().to_owned(), r.evidence.condition)).collect()
}

const SKIMMER: &str = r#"<script src="https://skimmer.example/x.js"></script>"#;

#[test]
fn caps_distinct_first_party_images_do_not_hide_a_later_third_party() {
    // 20,000 distinct images are what a big category page can have: no cut at all.
    let imgs: String = (0..20_000).map(|i| format!("<img src=\"/i/{i}.jpg\">\n")).collect();
    let e = ex(&format!("{imgs}{SKIMMER}"));
    assert_eq!(e.resources.last().unwrap().url.host_str(), Some("skimmer.example"));
    assert_eq!(e.cut, None);
    // Past the cap, the page's own references give way to the third party, and the cut says so.
    let imgs: String = (0..MAX_RESOURCES_PER_PAGE + 5_000).map(|i| format!("<img src=\"/i/{i}.jpg\">")).collect();
    let e = ex(&format!("{imgs}{SKIMMER}"));
    assert!(e.resources.iter().any(|r| r.url.host_str() == Some("skimmer.example")));
    assert_eq!(e.resources.len(), MAX_RESOURCES_PER_PAGE);
    let cut = e.cut.expect("the page is cut");
    assert_eq!(cut.limits, vec![CutLimit::References]);
    assert_eq!(cut.dropped_references, 5_001);
}

#[test]
fn caps_identical_references_count_once() {
    let imgs = "<img src=\"/spacer.gif\">\n".repeat(80_000);
    let e = ex(&format!("{imgs}{SKIMMER}"));
    assert_eq!(e.resources.last().unwrap().url.host_str(), Some("skimmer.example"));
    assert_eq!(e.cut, None, "repeats are not a cut");
    let spacers = e.resources.iter().filter(|r| r.url.path() == "/spacer.gif").count();
    assert!((1..=MAX_REPEATS as usize).contains(&spacers), "{spacers} spacer occurrences");
    // Different spellings of one URL also count once.
    let spellings =
        "<img src=\"/a.gif\"><img src=\"https://shop.example/a.gif\"><img src=\"./../a.gif\">\n".repeat(30_000);
    let e = ex(&format!("{spellings}{SKIMMER}"));
    assert!(e.resources.iter().any(|r| r.url.host_str() == Some("skimmer.example")));
    assert_eq!(e.cut, None);
}

#[test]
fn caps_third_party_padding_is_reported_not_silent() {
    // Distinct third parties past the cap: some must go, and the page says how many.
    let hosts: String =
        (0..2 * MAX_RESOURCES_PER_PAGE + 10).map(|i| format!("<img src=\"https://h{i}.example/\">")).collect();
    let e = ex(&hosts);
    let cut = e.cut.expect("cut");
    assert_eq!(e.resources.len() + cut.dropped_references, 2 * MAX_RESOURCES_PER_PAGE + 10);
    let links: String = (0..MAX_LINKS_PER_PAGE + 3).map(|i| format!("<a href=\"/p/{i}\">")).collect();
    let e = ex(&links);
    assert_eq!(e.links.len(), MAX_LINKS_PER_PAGE);
    assert_eq!(e.cut.map(|c| (c.limits, c.dropped_links)), Some((vec![CutLimit::Links], 3)));
    // Links to places in one page are one link, and do not count against the cap.
    let anchors: String =
        (0..MAX_LINKS_PER_PAGE + 3).map(|i| format!("<a href=\"/faq#q{i}\"><a href=\"#top{i}\">")).collect();
    let e = ex(&anchors);
    let got: Vec<&str> = e.links.iter().map(Url::as_str).collect();
    assert_eq!(got, vec!["https://shop.example/faq"], "a bare #fragment is this page");
    assert_eq!(e.cut, None);
}

#[test]
fn svg_script_image_use_and_feimage_load_from_href_and_xlink_href() {
    let html = r##"<svg xmlns:xlink="http://www.w3.org/1999/xlink">
<script href="https://svg-script.example/a.js"/>
<script xlink:href="https://svg-xlink-script.example/a.js"></script>
<image xlink:href="https://svg-image.example/a.png"/>
<use xlink:href="https://svg-use.example/s.svg#i"/>
<filter><feImage href="https://svg-feimage.example/f.png"/></filter>
</svg>
<image src="https://html-image-alias.example/a.png">"##;
    assert_eq!(
        kinds(html),
        vec![
            (K::Script, "https://svg-script.example/a.js".into()),
            (K::Script, "https://svg-xlink-script.example/a.js".into()),
            (K::Image, "https://svg-image.example/a.png".into()),
            (K::Image, "https://svg-use.example/s.svg#i".into()),
            (K::Image, "https://svg-feimage.example/f.png".into()),
            (K::Image, "https://html-image-alias.example/a.png".into()),
        ]
    );
    // `href` wins over `xlink:href` on one element, as SVG 2 says.
    assert_eq!(
        loads(r#"<svg><image href="https://a.example/" xlink:href="https://b.example/"/></svg>"#),
        ["a.example"]
    );
}

#[test]
fn character_references_without_semicolons_decode_as_in_a_browser() {
    assert_eq!(loads(r#"<script src="https:&#47&#47skimmer.example/x.js"></script>"#), ["skimmer.example"]);
    assert_eq!(loads(r#"<script src="https:&#x2f&#x2fskimmer.example/x.js"></script>"#), ["skimmer.example"]);
    assert_eq!(loads(r#"<iframe src="https&#58//frame.example/"></iframe>"#), ["frame.example"]);
    // Legacy named references: `&amp/` decodes, `&copy=` in a query does not.
    let r = one(r#"<img src="https://img.example/a?x=1&amp/y&copy=2&lt">"#);
    assert_eq!(r.url.as_str(), "https://img.example/a?x=1&/y&copy=2%3C");
    // And the decoded value is what the evidence shows.
    assert_eq!(r.evidence.raw, "https://img.example/a?x=1&/y&copy=2<");
}

#[test]
fn meta_refresh_spellings_the_standard_allows() {
    for content in [
        "0 https://refresh.example/",
        "0; url = https://refresh.example/",
        "0,url=https://refresh.example/",
        "0;URL='https://refresh.example/'",
        "0; url=\"https://refresh.example/\"",
        "1.5 ; 'https://refresh.example/'",
        ".5;url=https://refresh.example/",
        "0;url=https:&#47;&#47refresh.example/",
    ] {
        let q = if content.contains('"') { '\'' } else { '"' };
        let e = ex(&format!("<meta http-equiv=\"refresh\" content={q}{content}{q}>"));
        let got: Vec<(K, &str)> = e.resources.iter().map(|r| (r.kind, r.url.host_str().unwrap())).collect();
        assert_eq!(got, [(K::MetaRefresh, "refresh.example")], "{content}");
        assert_eq!(e.links[0].host_str(), Some("refresh.example"), "{content}");
    }
    assert!(kinds(r#"<meta http-equiv="refresh" content="x; url=https://refresh.example/">"#).is_empty());
}

#[test]
fn template_contents_are_inert_but_declarative_shadow_roots_load() {
    let html = r#"<template><script src="https://in-template.example/a.js"></script><img src="https://in-template.example/p.gif">
<script>s='https://in-template-inline.com/b.js'</script></template>
<div><template shadowrootmode="open"><script src="https://in-shadow.example/a.js"></script></template></div>
<a><template shadowrootmode="open"><img src="https://not-a-host.example/p.png"></template></a>"#;
    assert_eq!(
        conditions(html),
        vec![
            ("in-template.example".into(), Some(Condition::Inert)),
            ("in-template.example".into(), Some(Condition::Inert)),
            ("in-template-inline.com".into(), Some(Condition::Inert)),
            ("in-shadow.example".into(), None),
            // `<a>` cannot host a shadow root: the template stays a template.
            ("not-a-host.example".into(), Some(Condition::Inert)),
        ]
    );
}

#[test]
fn svg_iframe_script_src_link_and_video_fetch_nothing() {
    let html = r#"<svg><iframe src="https://svg-iframe.example/"></iframe><script src="https://svg-script-src.example/a.js"></script>
<link rel="stylesheet" href="https://svg-link.example/a.css"/><video src="https://svg-video.example/v.mp4"/></svg>"#;
    let got = conditions(html);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got.iter().all(|(_, c)| *c == Some(Condition::Inert)), "{got:?}");
}

#[test]
fn a_base_in_a_template_or_svg_is_not_the_document_base() {
    for html in [
        r#"<template><base href="https://evil-base.example/"></template><script src="/app.js"></script>"#,
        r#"<svg><base href="https://evil-base.example/"/></svg><script src="/app.js"></script>"#,
    ] {
        assert_eq!(loads(html), ["shop.example"], "{html}");
    }
    // The first real `<base>` counts, wherever it is.
    assert_eq!(
        loads(r#"<script src="/app.js"></script><base href="https://cdn-base.example/">"#),
        ["cdn-base.example"]
    );
}

#[test]
fn cdata_and_foreign_content_are_read_in_the_right_namespace() {
    // In foreignObject (an SVG element) `<![CDATA[` opens a CDATA section: text, no tags.
    let html = r#"<svg><foreignObject><![CDATA[ x > <script src="https://cdata-text.example/a.js"></script> ]]></foreignObject></svg>"#;
    assert_eq!(loads(html), Vec::<String>::new());
    // `</p>` breaks out of SVG: what follows is HTML, where `<![CDATA[` is a bogus comment
    // that ends at the first `>`.
    let html = r#"<svg></p><![CDATA[ x ><script src="https://after-p.example/a.js"></script> ]]>"#;
    assert_eq!(loads(html), ["after-p.example"]);
    // `<math><title>` is MathML (no integration point), `<svg><mi>` is SVG: CDATA in both.
    for html in [
        r#"<math><title><![CDATA[ > <script src="https://x.example/a.js"></script> ]]></title></math>"#,
        r#"<svg><mi><![CDATA[ > <script src="https://x.example/a.js"></script> ]]></mi></svg>"#,
    ] {
        assert_eq!(loads(html), Vec::<String>::new(), "{html}");
    }
    // `annotation-xml encoding=text/html` is an HTML integration point: `<xmp>` is raw text there.
    let html = r#"<math><annotation-xml encoding="text/html"><xmp><img src="https://in-xmp.example/"></xmp><iframe src="https://ip-frame.example/"></iframe></annotation-xml></math>"#;
    assert_eq!(loads(html), ["ip-frame.example"]);
    // `</script>` inside an SVG script's CDATA is script text: the script goes on.
    let html = r#"<svg><script><![CDATA[ document.write("</script>"); var u = 'https://after-cdata.com/x.js'; ]]></script></svg>"#;
    assert_eq!(loads(html), ["after-cdata.com"]);
    // Inside a MathML text integration point, `<svg>` is SVG again.
    assert_eq!(
        loads(r#"<math><mi><svg><script href="https://mi-svg.example/a.js"/></svg></mi></math>"#),
        ["mi-svg.example"]
    );
}

#[test]
fn nesting_past_the_open_element_limit_is_reported() {
    let html = format!("{}<img src=\"https://deep.example/p.png\">", "<span>".repeat(tokenizer::MAX_OPEN + 100));
    let e = ex(&html);
    assert_eq!(e.resources.len(), 1);
    let cut = e.cut.expect("cut");
    assert_eq!(cut.limits, vec![CutLimit::OpenElements]);
    assert_eq!(cut.untracked_elements, 100);
    // Unclosed paragraphs and list items are closed by the next one, as browsers do: a long
    // page of them is not deep.
    let flat = "<ul><li><p>x".to_owned() + &"<li><p>item<p>more".repeat(5_000);
    assert_eq!(ex(&flat).cut, None);
}

#[test]
fn urls_in_javascript_comments_are_not_references() {
    let html = "<script>\n//utag.data['x'] = 1;\n/* https://old-vendor.com/a.js */\nvar s = 'https://live-vendor.com/a.js';\n</script>";
    assert_eq!(loads(html), ["live-vendor.com"]);
}

#[test]
fn template_and_json_script_blocks_are_not_loads() {
    for ty in [
        "text/html",
        "text/x-template",
        "html/template",
        "text/x-handlebars-template",
        "application/ld+json",
        "application/json-ld",
        "application/ld+json; charset=utf-8",
        "APPLICATION/JSON",
    ] {
        let html = format!(
            "<script type=\"{ty}\">{{\"u\": \"https://block.com/x.js\"}} <img src='https://block.example/i.png'></script>"
        );
        assert!(kinds(&html).is_empty(), "{ty}");
        let html = format!("<script type=\"{ty}\" src=\"https://block-src.example/x.js\"></script>");
        assert_eq!(conditions(&html), [("block-src.example".into(), Some(Condition::Inert))], "{ty}");
    }
    // A JavaScript type with parameters, `module` and no type all run.
    for ty in ["text/javascript; charset=utf-8", "module", "", "text/ecmascript"] {
        let html = format!("<script type=\"{ty}\" src=\"https://runs.example/x.js\"></script>");
        assert_eq!(loads(&html), ["runs.example"], "{ty}");
    }
}

#[test]
fn lazy_loading_attributes_are_labelled_guesses() {
    let html = r#"<img data-src="https://lazy.example/a.jpg" data-srcset="https://lazy.example/b.jpg 2x"><iframe data-src="https://lazy-frame.example/"></iframe>
<script type="text/lazy" src="https://lazy-script.example/a.js"></script>"#;
    let got = conditions(html);
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|(_, c)| *c == Some(Condition::Lazy)), "{got:?}");
}

#[test]
fn consent_gated_loads_are_kept_with_their_category() {
    let gated = |category: &str| Some(Condition::ConsentGated { category: category.into() });
    let html = r#"<script type="text/plain" class="optanon-category-C0004" src="https://onetrust.example/a.js"></script>
<script type="text/plain" class="x optanon-category-C0002">var u='https://onetrust-inline.com/b.js'</script>
<script type="text/plain" data-cookieconsent="marketing" data-src="https://cookiebot.example/a.js"></script>
<iframe data-cookieconsent="statistics" data-cookieblock-src="https://cookiebot-frame.example/"></iframe>
<script type="text/plain" data-category="analytics" src="https://cookieconsent.example/a.js"></script>
<script type="text/plain" data-cookiecategory="ads" src="https://cookieconsent2.example/a.js"></script>
<script type="text/plain" data-usercentrics="Google Analytics" src="https://usercentrics.example/a.js"></script>
<script type="text/plain" class="cmplz-script cmplz-marketing" data-cmplz-src="https://complianz.example/a.js"></script>
<script type="text/plain" class="_iub_cs_activate" data-iub-purposes="4" data-suppressedsrc="https://iubenda.example/a.js"></script>
<script type="text/plain" data-type="application/javascript" data-name="googleAnalytics" data-src="https://klaro.example/a.js"></script>
<script class="optanon-category-C0004" src="https://not-gated.example/a.js"></script>"#;
    assert_eq!(
        conditions(html),
        vec![
            ("onetrust.example".into(), gated("C0004")),
            ("onetrust-inline.com".into(), gated("C0002")),
            ("cookiebot.example".into(), gated("marketing")),
            ("cookiebot-frame.example".into(), gated("statistics")),
            ("cookieconsent.example".into(), gated("analytics")),
            ("cookieconsent2.example".into(), gated("ads")),
            ("usercentrics.example".into(), gated("Google Analytics")),
            ("complianz.example".into(), gated("script")),
            ("iubenda.example".into(), gated("4")),
            ("klaro.example".into(), gated("googleAnalytics")),
            // A script that runs is not gated, whatever its class says.
            ("not-gated.example".into(), None),
        ]
    );
    let json = serde_json::to_value(gated("C0004")).unwrap();
    assert_eq!(json, serde_json::json!({"kind": "consent-gated", "category": "C0004"}));
    assert_eq!(serde_json::to_value(Condition::Lazy).unwrap(), serde_json::json!({"kind": "lazy"}));
}

#[test]
fn srcdoc_documents_are_followed_deep_and_a_deeper_one_is_reported() {
    /// `inner` in `depth` levels of `srcdoc`, each level's quotes escaped once more.
    fn nest(depth: usize, inner: &str) -> String {
        let mut html = inner.to_owned();
        for _ in 0..depth {
            html = format!("<iframe srcdoc=\"{}\"></iframe>", html.replace('&', "&amp;").replace('"', "&quot;"));
        }
        html
    }
    let e = ex(&nest(6, SKIMMER));
    assert_eq!(e.resources.iter().map(|r| r.url.host_str().unwrap()).collect::<Vec<_>>(), ["skimmer.example"]);
    assert_eq!(e.cut, None);
    let e = ex(&nest(MAX_NESTED_DOCUMENTS as usize + 1, SKIMMER));
    assert!(e.resources.is_empty());
    let cut = e.cut.expect("cut");
    assert_eq!((cut.limits, cut.unread_documents), (vec![CutLimit::NestedDocuments], 1));
}

#[test]
fn svg_script_text_is_its_child_text() {
    // Elements inside an SVG script are not its text; CDATA and character references are.
    let html = r#"<svg><script><x src="https://not-text.com/a"></x>var a = 'https:&#47;&#47;charref-text.com/a'; <![CDATA[ var b = 'https://cdata-text.com/b'; ]]></script></svg>"#;
    assert_eq!(loads(html), ["charref-text.com", "cdata-text.com"]);
    assert_eq!(svg_text("a\n<b c='>'>\nd").as_ref(), "a\n         \nd");
}

#[test]
fn after_a_frameset_raw_text_elements_may_be_ignored_so_both_readings_count() {
    // "In frameset" the tree builder ignores `<script>` without switching to script data:
    // the frame after it loads (found by the html_diff fuzz target).
    let html = r#"<frameset><script src="/x.js"><frame src="https://frame-after.example/"></frameset>"#;
    assert!(loads(html).contains(&"frame-after.example".to_owned()));
    // And where it does not (frameset-ok was off), the script's text is still read.
    let html = "<p>text</p><frameset><script>s='https://inline-after.com/a.js'</script>";
    assert!(loads(html).contains(&"inline-after.com".to_owned()));
}

#[test]
fn a_conditional_reference_does_not_hide_the_same_load_on_its_line() {
    // Found by the html_diff fuzz target: the same URL written twice on one line, first where
    // it loads nothing (an SVG `src`), then where it loads, was kept once, as inert.
    let html = r#"<svg><script src="https://h0.example.com/a"/><script href="https://h0.example.com/a"/></svg>"#;
    assert_eq!(loads(html), ["h0.example.com"]);
    let html = r#"<script type="text/plain" class="optanon-category-C0004" src="https://x.example/a.js"></script><script src="https://x.example/a.js"></script>"#;
    assert_eq!(conditions(html).len(), 2);
    assert_eq!(loads(html), ["x.example"]);
}

#[test]
fn own_asset_keys_are_given_only_where_the_url_parser_agrees() {
    let a = "shop.example";
    // The page's own: relative, root-relative, and absolute on its host in any case.
    assert_eq!(own_key("/cdn/a.jpg", a), Some("/cdn/a.jpg"));
    assert_eq!(own_key(" img/a.jpg ", a), Some("img/a.jpg"));
    assert_eq!(own_key("?v=2", a), Some("?v=2"));
    assert_eq!(own_key("//shop.example/cdn/a.jpg", a), Some("/cdn/a.jpg"));
    assert_eq!(own_key("HTTPS://Shop.Example/cdn/a.jpg", a), Some("/cdn/a.jpg"));
    assert_eq!(own_key("http://shop.example?x", a), Some("?x"));
    // Elsewhere, or read differently by the URL parser: left to it.
    for raw in [
        "//cdn.shop.example/a.jpg",
        "//shop.example.evil.com/a.jpg",
        "https://shop.example:8443/a.jpg",
        "https://user@shop.example/a.jpg",
        "/\\evil.com/a.jpg",
        "\\\\evil.com/a.jpg",
        "/\t/evil.com/a.jpg",
        "\u{1}//evil.com/a.jpg",
        "//sh%6Fp.example/a.jpg",
        "ftp://shop.example/a.jpg",
        "data:image/png;base64,AAAA",
        "a:b/c",
        "",
    ] {
        assert_eq!(own_key(raw, a), None, "{raw:?}");
    }
    assert_eq!(own_key("//127.0.0.1:8089/a.jpg", "127.0.0.1:8089"), Some("/a.jpg"));
}

#[test]
fn own_assets_are_counted_as_they_would_have_been_listed() {
    let html = r#"<img src="/a.jpg" srcset="/a.jpg 1x, //shop.example/b.jpg 2x">
<img src="https://shop.example/c.jpg"><img src="https://cdn.other.example/d.jpg">
<link rel="preconnect" href="https://shop.example"><script src="/app.js"></script>
<img src="/a.jpg">"#;
    let url = Url::parse("https://shop.example/p/page.html").unwrap();
    let all = extract(&url, html);
    let counted = extract_with(&url, html, Options { count_own_assets: true });
    let own = |r: &RawResource| r.kind.is_asset() && r.url.host_str() == Some("shop.example");
    assert_eq!(all.own_assets, 0);
    assert_eq!(counted.own_assets, all.resources.iter().filter(|r| own(r)).count());
    assert_eq!(counted.own_assets, 5);
    let rest: Vec<String> = all.resources.iter().filter(|r| !own(r)).map(|r| r.url.to_string()).collect();
    let listed: Vec<String> = counted.resources.iter().map(|r| r.url.to_string()).collect();
    assert_eq!(listed, rest);
    assert_eq!(listed, ["https://cdn.other.example/d.jpg", "https://shop.example/app.js"]);
    // A `<base>` on another host makes relative references that host's: listed, also when
    // it comes after them (the page is read again).
    for based in [
        format!(r#"<base href="https://cdn.other.example/">{html}"#),
        format!("{html}<base href=\"//cdn.other.example/\">"),
    ] {
        let counted = extract_with(&url, &based, Options { count_own_assets: true });
        assert_eq!(counted.own_assets, 0);
        assert_eq!(counted.resources.len(), extract(&url, &based).resources.len());
    }
    // A reference repeated on many lines is counted as often as it would be listed.
    let spacers = "<img src=\"/spacer.gif\">\n".repeat(200);
    let listed = extract(&url, &spacers).resources.len();
    assert!((2..200).contains(&listed), "repeats are capped: {listed}");
    assert_eq!(extract_with(&url, &spacers, Options { count_own_assets: true }).own_assets, listed);
}
