//! The adaptive settle (issue #17): a visit's recording after load ends once the page is
//! quiet (`--settle-quiet`), never losing a tag a timer of the page fires within the window,
//! never running past the window on a page that never goes quiet, and `--settle-quiet 0`
//! keeps the fixed window. Real Chromium, loopback only (`--resolve`, `--offline`).
//!
//! How each visit's recording ended is read from `-v`'s line per visit ("visited URL (N
//! requests, settle MS ms, ended: quiet|window|max|timeout)"), which the report's
//! `pages[].visit.settle` must match. The assertions on it are
//! ordered facts (the visit waited for the timer, so it lasted longer than the timer's
//! delay) or have seconds of margin, never a race against the clock.

use crate::browser::{chromium, html};
use crate::common::*;
use crate::interaction::rows;
use std::collections::HashMap;

const HOSTS: &[&str] = &["shop.test", "static.criteo.net", "analytics.tiktok.com"];

fn gif() -> Response {
    Response::with_type(200, "image/gif", b"GIF89a")
}

/// A page whose script builds vendor URLs with `at(host, path)` (on this server's port).
fn page(script: &str) -> Response {
    let at = "function at(host, path) { return 'http' + '://' + host + ':' + location.port + path; }";
    html(&format!("<!doctype html><title>Shop</title><p>Coffee</p><script>{at}\n{script}</script>"))
}

/// How one visit's recording after load ended, from its `-v` line.
#[derive(Debug)]
struct Ended {
    ms: u64,
    why: String,
}

/// Scan with `-v`: the JSON report (checked against the schema) and how each page's visit
/// ended, by URL.
fn scan(server: &Server, extra: &[&str]) -> (serde_json::Value, HashMap<String, Ended>) {
    let mut args: Vec<String> = ["scan", "-f", "json", "-v", "--no-progress", "--offline", "--browser"]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("{}/", server.origin())])
        .collect();
    args.extend(server.resolve_args(HOSTS));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = vendorscan(&refs);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let errors = report_schema_errors(&report);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    let mut ended = HashMap::new();
    for line in err.lines() {
        let Some(rest) = line.split("visited ").nth(1) else { continue };
        let (url, rest) = rest.split_once(' ').unwrap();
        let Some(settle) = rest.split("settle ").nth(1) else { continue };
        let (ms, why) = settle.split_once(" ms, ended: ").unwrap_or_else(|| panic!("{line}"));
        let why = why.trim_end_matches(|c: char| !c.is_alphabetic()).to_owned();
        ended.insert(url.to_owned(), Ended { ms: ms.parse().unwrap(), why });
    }
    // The report says the same per page.
    for p in report["pages"].as_array().unwrap() {
        let e = &ended[p["url"].as_str().unwrap()];
        assert_eq!(p["visit"]["settle"], serde_json::json!({ "ms": e.ms, "ended": e.why }), "{p:#}");
    }
    (report, ended)
}

#[test]
fn a_tag_a_timer_fires_after_load_is_waited_for_and_a_fixed_window_still_catches_it() {
    let Some(_one) = chromium() else { return };
    // An otherwise silent page: a pixel 1.5 s after load, another 20 s after (past any window).
    let server = Server::start(HashMap::from([
        (
            "/".to_owned(),
            page(
                "addEventListener('load', () => {
                   setTimeout(() => { new Image().src = at('static.criteo.net', '/late.gif'); }, 1500);
                   setTimeout(() => { new Image().src = at('analytics.tiktok.com', '/never.gif'); }, 20000);
                 });",
            ),
        ),
        ("/late.gif".to_owned(), gif()),
        ("/never.gif".to_owned(), gif()),
    ]));
    let home = format!("{}/", server.origin());

    // The adaptive settle (the default), with a window long enough that only the page's
    // quiet can end it early.
    let (report, ended) = scan(&server, &["--settle", "8000"]);
    let late = rows(&report, "/late.gif");
    assert_eq!(late.len(), 1, "the late tag is recorded: {:#}", report["resources"]);
    assert_eq!(late[0]["runtime"]["step"], "settle");
    assert!(rows(&report, "/never.gif").is_empty());
    let e = &ended[&home];
    assert_eq!(e.why, "quiet", "a timer due after the window does not hold the visit: {e:?}");
    assert!(e.ms >= 1500, "the visit waited for the timer: {e:?}");
    assert_eq!(report["browser"]["settle_quiet_ms"], 500);

    // `--settle-quiet 0`: the fixed window, run to its end, which catches the tag too.
    let (report, ended) = scan(&server, &["--settle-quiet", "0"]);
    assert_eq!(rows(&report, "/late.gif").len(), 1, "{:#}", report["resources"]);
    let e = &ended[&home];
    assert_eq!(e.why, "window", "{e:?}");
    assert!(e.ms >= 3000, "{e:?}");
    assert_eq!(report["browser"]["settle_quiet_ms"], 0);
}

#[test]
fn a_quiet_page_ends_early_and_cannot_see_the_timer_hook() {
    let Some(_one) = chromium() else { return };
    // A pixel on load, then nothing. The page also checks that the scanner's timer wrappers
    // look and behave as the browser's own: names and lengths, no binding, an interval's
    // extra arguments and `this`, a string handler, a bare call.
    let server = Server::start(HashMap::from([
        (
            "/".to_owned(),
            page(
                "new Image().src = at('static.criteo.net', '/onload.gif');
                 const seen = [setTimeout.name, setTimeout.length, setInterval.name, setInterval.length,
                               typeof window.__vendorscanReport, Object.keys(window).includes('setTimeout')];
                 const bare = setTimeout;
                 const id = setInterval(function (a, b) {
                   clearInterval(id);
                   seen.push(a + b, this === window);
                   bare('window.__fromString = 7', 0);
                   bare(() => {
                     seen.push(window.__fromString);
                     new Image().src = at('static.criteo.net', '/checks.gif?' + seen.join(','));
                   }, 20);
                 }, 30, 'x', 'y');",
            ),
        ),
        ("/onload.gif".to_owned(), gif()),
    ]));
    let (report, ended) = scan(&server, &["--settle", "10000"]);
    let checks = rows(&report, "/checks.gif");
    assert_eq!(checks.len(), 1, "{:#}", report["resources"]);
    let query = checks[0]["url"].as_str().unwrap().split_once('?').unwrap().1.to_owned();
    assert_eq!(query, "setTimeout,1,setInterval,1,undefined,true,xy,true,7");
    let e = &ended[&format!("{}/", server.origin())];
    assert_eq!(e.why, "quiet", "{e:?}");
    // Quiet within a second or so; the window is ten.
    assert!(e.ms < 6000, "{e:?}");
}

#[test]
fn a_page_that_re_arms_a_timer_or_polls_forever_ends_at_the_window_never_later() {
    let Some(_one) = chromium() else { return };
    let server = Server::start(HashMap::from([
        // No request at all, but a timer always due (and a link to the poller).
        (
            "/".to_owned(),
            html(
                "<!doctype html><title>Shop</title><a href=\"/poll.html\">poll</a>
                 <script>(function tick() { setTimeout(tick, 200); })();</script>",
            ),
        ),
        (
            "/poll.html".to_owned(),
            html("<!doctype html><title>Poll</title><script>setInterval(() => fetch('/poll'), 150);</script>"),
        ),
        ("/poll".to_owned(), Response::with_type(200, "application/json", b"{}")),
    ]));
    let pages = [format!("{}/", server.origin()), format!("{}/poll.html", server.origin())];
    let (_, ended) = scan(&server, &["--settle", "1500", "--page-timeout", "60"]);
    for url in &pages {
        let e = &ended[url];
        assert_eq!(e.why, "window", "{url}: {e:?}");
        // At the window: never quiet, and nowhere near the 60 s cap.
        assert!((1500..10_000).contains(&e.ms), "{url}: {e:?}");
    }
    // `--settle-max` lets it go on while the page is not quiet, up to the maximum.
    let (_, ended) = scan(&server, &["--settle", "1000", "--settle-max", "2500", "--page-timeout", "60"]);
    for url in &pages {
        let e = &ended[url];
        assert_eq!(e.why, "max", "{url}: {e:?}");
        assert!((2500..10_000).contains(&e.ms), "{url}: {e:?}");
    }
}
