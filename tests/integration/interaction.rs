//! Visiting like a reader (issue #20, interaction): each page is scrolled to its end after
//! load, what fires on the way is attributed to the step, and the adaptive settle waits out a
//! page that is still sending. Real Chromium, loopback only (`--resolve`, `--offline`).

use crate::browser::{chromium, js};
use crate::common::*;
use std::collections::HashMap;

const HOSTS: &[&str] = &["shop.test", "static.criteo.net", "analytics.tiktok.com"];

fn gif() -> Response {
    Response::with_type(200, "image/gif", b"GIF89a")
}

fn run(server: &Server, extra: &[&str]) -> serde_json::Value {
    let mut a: Vec<String> = vec![format!("{}/", server.origin()), "--offline".into(), "--browser".into()];
    a.extend(server.resolve_args(HOSTS));
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let report = scan_json(&refs);
    let errors = report_schema_errors(&report);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    report
}

/// Every occurrence the browser requested of a resource whose URL contains `part`, as rows
/// (the inline scripts' URLs are also found in the markup, unrequested).
pub(crate) fn rows(report: &serde_json::Value, part: &str) -> Vec<serde_json::Value> {
    resource_rows(report)
        .into_iter()
        .filter(|r| r["url"].as_str().unwrap().contains(part) && r["runtime"].is_object())
        .collect()
}

#[test]
fn a_tag_that_fires_on_scroll_is_seen_and_attributed_to_the_scroll() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    // A long page: the footer's pixel fires only when the footer comes into view, and a
    // scroll-depth beacon at 75 %.
    r.insert(
        "/".into(),
        Response::with_type(
            200,
            "text/html",
            b"<!doctype html><title>Long page</title><div style=\"height:5000px\">products</div>
<footer id=f>footer</footer>
<script src=\"http://analytics.tiktok.com:{{PORT}}/depth.js\"></script>
<script>new IntersectionObserver((es) => { if (es[0].isIntersecting) new Image().src =
  'http://static.criteo.net:{{PORT}}/footer.gif'; }).observe(document.getElementById('f'));</script>",
        ),
    );
    r.insert(
        "/depth.js".into(),
        js("let sent = false; addEventListener('scroll', () => {
              const el = document.scrollingElement; if (sent || el.scrollTop + innerHeight < el.scrollHeight * 0.75) return;
              sent = true; navigator.sendBeacon('http://analytics.tiktok.com:{{PORT}}/depth?d=75', 'x'); });"),
    );
    r.insert("/footer.gif".into(), gif());
    r.insert("/depth?d=75".into(), Response::with_type(204, "text/plain", b""));
    let server = Server::start(r);

    let report = run(&server, &["--settle", "500"]);
    let visit = &report["pages"][0]["visit"];
    assert!(visit["scrolled"].as_u64().unwrap_or(0) >= 2, "{visit:#}");
    for part in ["/footer.gif", "/depth?d=75"] {
        let found = rows(&report, part);
        assert_eq!(found.len(), 1, "{part} requested once: {found:#?}");
        assert_eq!(found[0]["runtime"]["step"], "scroll", "{part}: {:#}", found[0]);
    }
    assert_eq!(report["browser"]["scroll"], true);
    // The tag script itself loaded with the page: no step named.
    assert!(rows(&report, "/depth.js")[0]["runtime"].get("step").is_none());

    // Without scrolling, a visit sees neither.
    let report = run(&server, &["--settle", "500", "--no-scroll"]);
    assert!(rows(&report, "/footer.gif").is_empty() && rows(&report, "/depth?d=75").is_empty());
    assert!(report["pages"][0]["visit"].get("scrolled").is_none());
    assert_eq!(report["browser"]["scroll"], false);
}

#[test]
fn the_adaptive_settle_waits_for_a_chain_of_late_tags_and_stops_when_it_is_quiet() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    // Each step of the chain fires 400 ms after the one before: five pixels over two
    // seconds, then nothing.
    r.insert(
        "/".into(),
        Response::with_type(
            200,
            "text/html",
            b"<!doctype html><title>Shop</title><script>
let n = 0; const next = () => { n++; new Image().src = 'http://static.criteo.net:{{PORT}}/late.gif?n=' + n;
  if (n < 5) setTimeout(next, 400); }; addEventListener('load', () => setTimeout(next, 400));</script>",
        ),
    );
    for n in 1..=5 {
        r.insert(format!("/late.gif?n={n}"), gif());
    }
    let server = Server::start(r);
    let seen =
        |report: &serde_json::Value| (1..=5).filter(|n| !rows(report, &format!("late.gif?n={n}")).is_empty()).count();

    // A fixed second after load misses the end of the chain.
    let fixed = run(&server, &["--settle", "1000", "--no-scroll"]);
    let fixed_n = seen(&fixed);
    assert!(fixed_n < 5, "a fixed 1 s window saw {fixed_n} of 5");
    // The adaptive settle keeps going while they come, and all five are seen.
    let adaptive = run(&server, &["--settle", "1000", "--settle-max", "8000", "--no-scroll"]);
    assert_eq!(seen(&adaptive), 5, "{:#?}", rows(&adaptive, "late.gif"));
    assert_eq!(adaptive["browser"]["settle_max_ms"], 8000);
    for row in rows(&adaptive, "late.gif") {
        assert_eq!(row["runtime"]["step"], "settle", "{row:#}");
    }
}

#[test]
fn links_only_the_rendered_page_has_are_read_and_visited_too() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    // A client-rendered storefront: the served HTML has no link, the navigation is drawn by
    // a script. The product page it links to carries a pixel, and links (again only when
    // rendered) to a deeper page with another tag.
    let nav = |href: &str| {
        format!(
            "<script>const a = document.createElement('a'); a.href = '{href}'; a.textContent = 'go';
             document.body.appendChild(a);</script>"
        )
    };
    r.insert(
        "/".into(),
        Response::with_type(
            200,
            "text/html",
            format!("<!doctype html><title>Shop</title><body>{}", nav("/products/hidden-mug")).as_bytes(),
        ),
    );
    r.insert(
        "/products/hidden-mug".into(),
        Response::with_type(
            200,
            "text/html",
            format!(
                "<!doctype html><title>Mug</title><body><img src=\"http://static.criteo.net:{{{{PORT}}}}/px.gif\" width=1 height=1>{}",
                nav("/products/deeper")
            )
            .as_bytes(),
        ),
    );
    r.insert(
        "/products/deeper".into(),
        Response::with_type(
            200,
            "text/html",
            b"<!doctype html><title>Deeper</title><script src=\"http://analytics.tiktok.com:{{PORT}}/t.js\"></script>",
        ),
    );
    r.insert("/px.gif".into(), gif());
    r.insert("/t.js".into(), js("window.t = 1;"));
    let server = Server::start(r);

    // The static crawl reads the home page only: there is no link to follow.
    let mut plain: Vec<String> = vec![format!("{}/", server.origin()), "--offline".into()];
    plain.extend(server.resolve_args(HOSTS));
    let refs: Vec<&str> = plain.iter().map(String::as_str).collect();
    let static_report = scan_json(&refs);
    assert_eq!(static_report["summary"]["pages_scanned"], 1);

    let report = run(&server, &["--settle", "300", "--no-scroll"]);
    let pages = report["pages"].as_array().unwrap();
    for path in ["/products/hidden-mug", "/products/deeper"] {
        let url = format!("{}{path}", server.origin());
        let page =
            pages.iter().find(|p| p["url"] == url.as_str()).unwrap_or_else(|| panic!("{url} not read: {pages:#?}"));
        assert_eq!(page["rendered_link"], true, "{page:#}");
        assert_eq!(page["visit"]["complete"], true, "{page:#}");
    }
    let ids = vendor_ids(&report);
    assert!(ids.contains(&"criteo".to_owned()) && ids.contains(&"tiktok-pixel".to_owned()), "{ids:?}");
    // The crawl's page budget holds for these too.
    let capped = run(&server, &["--settle", "300", "--no-scroll", "--max-pages", "2"]);
    assert_eq!(capped["pages"].as_array().unwrap().len(), 2, "{:#}", capped["pages"]);
}
