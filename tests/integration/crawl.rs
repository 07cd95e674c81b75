//! Crawling a fixture store served on loopback, with store and vendor names mapped to it.

use crate::common::*;
use std::collections::HashMap;

fn basic_store() -> Server {
    let mut extra = HashMap::new();
    extra.insert("/old".into(), Response::redirect(301, "/new.html"));
    extra.insert("/away".into(), Response::redirect(302, "http://elsewhere.test:{{PORT}}/landing"));
    extra.insert("/loop1".into(), Response::redirect(302, "/loop2"));
    extra.insert("/loop2".into(), Response::redirect(302, "/loop1"));
    extra.insert("/broken".into(), Response::with_type(500, "text/html", b"<h1>oops</h1>"));
    extra.insert("/api/data".into(), Response::with_type(200, "application/json", b"{\"a\":1}"));
    // windows-1252: the \xe9 must become U+00E9, so the URL carries caf%C3%A9.
    let mut latin1 =
        b"<html><body><img width=1 height=1 src=\"https://px.ads.linkedin.com/collect/?pid=123456&fmt=gif&q=caf"
            .to_vec();
    latin1.extend_from_slice(b"\xe9\"></body></html>");
    extra.insert("/latin1.html".into(), Response::with_type(200, "text/html; charset=windows-1252", &latin1));
    Server::site_with(&root().join("tests/fixtures/sites/basic"), extra)
}

fn scan_basic(server: &Server, extra: &[&str]) -> serde_json::Value {
    let origin = format!("{}/", server.origin());
    let r1 = server.resolve("shop.test");
    let r2 = server.resolve("elsewhere.test");
    let r3 = server.resolve("widgets.vendor.test");
    let mut args = vec![origin.as_str(), "--resolve", &r1, "--resolve", &r2, "--resolve", &r3];
    args.extend_from_slice(extra);
    scan_json(&args)
}

#[test]
fn crawls_the_store_and_names_its_vendors() {
    let server = basic_store();
    let report = scan_basic(&server, &[]);
    let o = server.origin();
    let ids = vendor_ids(&report);
    for expected in [
        "google-tag-manager",
        "meta-pixel",
        "klaviyo",
        "hotjar",
        "tiktok-pixel",
        "pinterest-tag",
        "linkedin-insight-tag",
    ] {
        assert!(ids.iter().any(|i| i == expected), "{expected} missing from {ids:?}");
    }
    // Pages: linked, sitemap-only, redirected; robots.txt keeps /private/ out.
    assert_eq!(page(&report, &format!("{o}/"))["outcome"], "scanned");
    assert_eq!(
        page(&report, &format!("{o}/products/b.html"))["outcome"],
        "scanned",
        "fragment dropped, page fetched once"
    );
    assert_eq!(page(&report, &format!("{o}/products/c.html"))["depth"], 1, "found through the sitemap");
    let private = page(&report, &format!("{o}/private/secret.html"));
    assert_eq!(private["outcome"], "skipped");
    assert!(private["error"].as_str().unwrap().contains("robots.txt"));
    assert!(!ids.iter().any(|i| i == "segment"), "a disallowed page must not be scanned");
    // The GA4 ID is shown on Google Analytics even though only googletagmanager.com loads it.
    let ga =
        report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == "google-analytics").expect("google-analytics");
    assert_eq!(ga["tag_ids"][0]["value"], "G-TEST123456");
    let meta = report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == "meta-pixel").unwrap();
    assert_eq!(meta["tag_ids"][0]["value"], "1234567890123456");
    assert!(meta["kinds"].as_array().unwrap().iter().any(|k| k == "pixel"));
}

#[test]
fn redirects_errors_and_non_html_are_recorded_and_the_crawl_goes_on() {
    let server = basic_store();
    let report = scan_basic(&server, &[]);
    let o = server.origin();
    let old = page(&report, &format!("{o}/old"));
    assert_eq!(old["outcome"], "scanned");
    assert_eq!(old["final_url"], format!("{o}/new.html"));
    let away = page(&report, &format!("{o}/away"));
    assert_eq!(away["outcome"], "skipped");
    assert!(away["error"].as_str().unwrap().contains("outside the store"), "{away}");
    let lp = page(&report, &format!("{o}/loop1"));
    assert_eq!(lp["outcome"], "failed");
    assert!(lp["error"].as_str().unwrap().contains("redirect loop"), "{lp}");
    let missing = page(&report, &format!("{o}/missing.html"));
    assert_eq!((missing["outcome"].as_str(), missing["status"].as_u64()), (Some("failed"), Some(404)));
    assert_eq!(page(&report, &format!("{o}/broken"))["error"], "HTTP 500 Internal Server Error");
    let data = page(&report, &format!("{o}/api/data"));
    assert_eq!(data["outcome"], "skipped");
    assert!(data["error"].as_str().unwrap().contains("not an HTML page (application/json)"));
    assert!(report["summary"]["pages_scanned"].as_u64().unwrap() >= 6);
}

#[test]
fn third_parties_and_other_ports_are_never_fetched() {
    let server = basic_store();
    scan_basic(&server, &[]);
    let seen = server.seen();
    let port = server.port();
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!(s.host, format!("shop.test:{port}"), "fetched a non-store host: {s:?}");
        assert!(!s.path.starts_with("/private/"), "ignored robots.txt: {s:?}");
        assert!(!s.path.ends_with(".pdf"), "fetched a file as a page: {s:?}");
        assert!(s.request_line.starts_with("GET "), "vendorscan only ever reads: {s:?}");
    }
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths.iter().filter(|p| **p == "/").count(), 1, "the home page is fetched once: {paths:?}");
    assert_eq!(paths.iter().filter(|p| **p == "/products/b.html").count(), 1, "{paths:?}");
    assert!(paths.contains(&"/robots.txt") && paths.contains(&"/sitemap.xml"));
}

#[test]
fn charset_base_href_protocol_relative_and_inline_urls() {
    let server = basic_store();
    let report = scan_basic(&server, &[]);
    let o = server.origin();
    let resources = resource_rows(&report);
    let find = |needle: &str| {
        resources
            .iter()
            .find(|r| r["url"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no resource {needle}"))
    };
    assert!(find("px.ads.linkedin.com")["url"].as_str().unwrap().ends_with("q=caf%C3%A9"), "windows-1252 decoded");
    assert_eq!(find("/static/js/app.js")["party"], "first", "base href resolves relative URLs");
    let klaviyo = find("static.klaviyo.com");
    assert_eq!(klaviyo["raw"], "//static.klaviyo.com/onsite/js/klaviyo.js?company_id=AbC123");
    assert_eq!(
        klaviyo["url"].as_str().unwrap(),
        "http://static.klaviyo.com/onsite/js/klaviyo.js?company_id=AbC123",
        "protocol-relative takes the page's scheme"
    );
    let hotjar = find("static.hotjar.com");
    assert_eq!((hotjar["kind"].as_str(), hotjar["line"].as_u64()), (Some("inline-script-url"), Some(12)));
    let pixel = find("facebook.com/tr");
    assert_eq!(
        (pixel["kind"].as_str(), pixel["in_noscript"].as_bool(), pixel["line"].as_u64()),
        (Some("pixel"), Some(true), Some(15))
    );
    assert_eq!(pixel["page"], format!("{o}/products/a.html"));
}

#[test]
fn limits_stop_the_crawl_and_are_visible() {
    let server = basic_store();
    let report = scan_basic(&server, &["--max-pages", "3", "--no-sitemap"]);
    assert_eq!(report["pages"].as_array().unwrap().len(), 3);
    assert_eq!(report["page_limit_reached"], true, "the owner is told the store has more pages");
    assert_eq!(scan_basic(&server, &[])["page_limit_reached"], false, "a full crawl is not cut");
    let report = scan_basic(&server, &["--max-depth", "0"]);
    let depths: Vec<u64> = report["pages"].as_array().unwrap().iter().map(|p| p["depth"].as_u64().unwrap()).collect();
    assert!(depths.iter().all(|d| *d <= 1), "depth 0 plus sitemap pages only: {depths:?}");
}

#[test]
fn no_robots_scans_disallowed_pages_and_headers_are_sent() {
    let server = basic_store();
    let report = scan_basic(
        &server,
        &["--no-robots", "--header", "Authorization: Basic c3RhZ2luZzpwYXNz", "--user-agent", "store-ci/1.0"],
    );
    assert!(vendor_ids(&report).iter().any(|i| i == "segment"), "disallowed page scanned with --no-robots");
    let seen = server.seen();
    assert!(seen.iter().all(|s| s.user_agent == "store-ci/1.0"));
    assert!(seen.iter().all(|s| s.headers.iter().any(|(k, v)| k == "authorization" && v == "Basic c3RhZ2luZzpwYXNz")));
}

#[test]
fn two_runs_give_identical_json() {
    let server = basic_store();
    let a = scan_basic(&server, &[]);
    let b = scan_basic(&server, &[]);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &Default::default()).unwrap();
    out
}

#[test]
fn compressed_pages_and_sitemap_indexes() {
    let server = Server::start_with(|origin| {
        let mut routes = HashMap::new();
        let home = b"<html><body><a href=\"/br.html\">br</a><script src=\"https://static.klaviyo.com/onsite/js/klaviyo.js\"></script></body></html>";
        let mut gz = Response::with_type(200, "text/html", &gzip(home));
        gz.headers.push(("Content-Encoding".into(), "gzip".into()));
        routes.insert("/".into(), gz);
        let mut br = Response::with_type(
            200,
            "text/html",
            &brotli(b"<html><script src=\"https://js.stripe.com/v3/\"></script></html>"),
        );
        br.headers.push(("Content-Encoding".into(), "br".into()));
        routes.insert("/br.html".into(), br);
        let robots = format!("User-agent: *\nAllow: /\nSitemap: {origin}/sitemap-index.xml\n");
        routes.insert("/robots.txt".into(), Response::with_type(200, "text/plain", robots.as_bytes()));
        // An index that lists itself, and a gzipped sitemap served without Content-Encoding.
        let index = format!(
            "<sitemapindex><sitemap><loc>{origin}/sitemap-index.xml</loc></sitemap><sitemap><loc>{origin}/products.xml.gz</loc></sitemap></sitemapindex>"
        );
        routes.insert("/sitemap-index.xml".into(), Response::with_type(200, "application/xml", index.as_bytes()));
        let urlset = format!("<urlset><url><loc>{origin}/only-in-sitemap.html</loc></url></urlset>");
        routes
            .insert("/products.xml.gz".into(), Response::with_type(200, "application/gzip", &gzip(urlset.as_bytes())));
        let hidden = b"<script src=\"https://static.hotjar.com/c/hotjar-1.js\"></script>";
        routes.insert("/only-in-sitemap.html".into(), Response::with_type(200, "text/html", hidden));
        routes
    });
    let origin = format!("{}/", server.origin());
    let report = scan_json(&[&origin, "--resolve", &server.resolve("shop.test")]);
    let ids = vendor_ids(&report);
    for id in ["klaviyo", "stripe", "hotjar"] {
        assert!(ids.iter().any(|i| i == id), "{id} missing: {ids:?} pages {}", report["pages"]);
    }
    let index_fetches = server.seen().iter().filter(|s| s.path == "/sitemap-index.xml").count();
    assert_eq!(index_fetches, 1, "a self-listing index is read once");
}
