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
