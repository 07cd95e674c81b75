//! A hostile web: servers that misbehave on purpose. Each case checks that the run
//! finishes within its limits, records the failure with a clear reason, keeps every
//! result it already had, and exits with the documented code.

use crate::common::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

const HOME: &str = "<html><head><script src=\"https://static.klaviyo.com/onsite/js/klaviyo.js\"></script></head><body>LINKS</body></html>";

/// A store whose home page links to `paths` and carries a known vendor, so every test
/// can check that the good page's result survives the bad one.
fn store(paths: &[&str], extra: HashMap<String, Response>) -> Server {
    let links: String = paths.iter().map(|p| format!("<a href=\"{p}\">x</a>")).collect();
    let mut routes = extra;
    routes.insert("/".into(), Response::with_type(200, "text/html", HOME.replace("LINKS", &links).as_bytes()));
    Server::start(routes)
}

fn scan(server: &Server, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let origin = format!("{}/", server.origin());
    let resolve = server.resolve("shop.test");
    let mut args = vec!["scan", origin.as_str(), "--resolve", &resolve, "-f", "json", "--quiet", "--no-sitemap"];
    args.extend_from_slice(extra);
    let out = vendorscan(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), report, stderr(&out))
}

fn page_of<'a>(server: &Server, report: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    page(report, &format!("{}{path}", server.origin()))
}

/// The cut is never silent: a `page-cut` finding names the page.
fn cut_is_a_finding(report: &serde_json::Value) {
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["rule"] == "page-cut" && f["severity"] == "error"), "{report}");
}

fn home_kept(report: &serde_json::Value) {
    assert!(vendor_ids(report).iter().any(|v| v == "klaviyo"), "the good page's result was lost: {report}");
}

#[test]
fn slow_drip_times_out() {
    let server = store(
        &["/drip"],
        HashMap::from([("/drip".into(), Response::with_type(200, "text/html", b"<html>").behaving(Behaviour::Drip))]),
    );
    let (code, report, _) = scan(&server, &["--timeout", "2"]);
    assert_eq!(code, Some(0));
    let drip = page_of(&server, &report, "/drip");
    assert_eq!(drip["outcome"], "failed");
    assert!(drip["error"].as_str().unwrap().contains("timed out after 2 s"), "{drip}");
    home_kept(&report);
}

#[test]
fn endless_body_stops_at_the_size_cap_and_keeps_what_it_read() {
    let body = b"<html><script src=\"https://js.stripe.com/v3/\"></script>".to_vec();
    let endless = Response::with_type(200, "text/html", &body).behaving(Behaviour::Endless(1 << 30));
    let server = store(&["/endless"], HashMap::from([("/endless".into(), endless)]));
    let (code, report, _) = scan(&server, &["--max-body-size", "1000000"]);
    assert_eq!(code, Some(1), "a page cut at the cap fails the gate (page-cut)");
    cut_is_a_finding(&report);
    let p = page_of(&server, &report, "/endless");
    assert_eq!((p["outcome"].as_str(), p["truncated"].as_bool()), (Some("scanned"), Some(true)), "{p}");
    assert!(p["error"].as_str().unwrap().contains("only the first part was scanned"));
    assert!(vendor_ids(&report).iter().any(|v| v == "stripe"), "what came before the cut is kept");
    home_kept(&report);
}

#[test]
fn gzip_bomb_stops_at_the_size_cap() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"<html><script src=\"https://js.stripe.com/v3/\"></script>").unwrap();
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..256 {
        enc.write_all(&zeros).unwrap(); // 256 MiB of spaces, a few hundred KB compressed
    }
    let mut bomb = Response::with_type(200, "text/html", &enc.finish().unwrap());
    bomb.headers.push(("Content-Encoding".into(), "gzip".into()));
    let server = store(&["/bomb"], HashMap::from([("/bomb".into(), bomb)]));
    let (code, report, _) = scan(&server, &["--max-body-size", "2000000"]);
    assert_eq!(code, Some(1), "a page cut at the cap fails the gate (page-cut)");
    cut_is_a_finding(&report);
    let p = page_of(&server, &report, "/bomb");
    assert_eq!(p["truncated"], true, "{p}");
    home_kept(&report);
}

#[test]
fn long_redirect_chains_fail() {
    let mut routes = HashMap::new();
    for i in 0..15 {
        routes.insert(format!("/r{i}"), Response::redirect(302, &format!("/r{}", i + 1)));
    }
    let server = store(&["/r0"], routes);
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    let p = page_of(&server, &report, "/r0");
    assert_eq!(p["outcome"], "failed");
    assert!(p["error"].as_str().unwrap().contains("more than 10 redirects"), "{p}");
    home_kept(&report);
}

#[test]
fn link_traps_and_query_explosions_end_at_the_page_budget() {
    let server = Server::start_with(|_| {
        let page = |links: String| Response::with_type(200, "text/html", format!("<html>{links}</html>").as_bytes());
        let mut routes = HashMap::new();
        // A calendar: every day links to the next 30, in two views (a query explosion).
        for d in 0..3000 {
            let links: String = (d + 1..d + 31)
                .flat_map(|n| ["month", "week"].map(|v| format!("<a href=\"/calendar?day={n}&view={v}\">{n}</a>")))
                .collect();
            for v in ["month", "week"] {
                routes.insert(format!("/calendar?day={d}&view={v}"), page(links.clone()));
            }
        }
        // A trap: every page links to a deeper page of its own, forever.
        for n in 0..3000 {
            routes.insert(format!("/trap/{n}/"), page(format!("<a href=\"/trap/{}/\">deeper</a>", n + 1)));
        }
        let home = "<script src=\"https://static.klaviyo.com/onsite/js/klaviyo.js\"></script>\
                    <a href=\"/calendar?day=0&view=month\">c</a><a href=\"/trap/0/\">t</a>";
        routes.insert("/".into(), page(home.into()));
        routes
    });
    let (code, report, _) = scan(&server, &["--max-pages", "25"]);
    assert_eq!(code, Some(0));
    let pages = report["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 25);
    assert!(pages.iter().all(|p| p["outcome"] == "scanned"), "every page was a real, linking page: {pages:?}");
    assert!(pages.iter().any(|p| p["url"].as_str().unwrap().contains("/trap/")), "both traps were entered");
    assert!(server.seen().len() <= 26, "no fetch beyond the budget (plus robots.txt): {}", server.seen().len());
    assert_eq!(report["page_limit_reached"], true, "a crawl cut by its budget says so");
    home_kept(&report);
}

#[test]
fn a_page_with_100000_links_is_handled() {
    let server = Server::start_with(|_| {
        let mut home = String::from("<html><script src=\"https://static.klaviyo.com/onsite/js/klaviyo.js\"></script>");
        for i in 0..100_000 {
            home.push_str(&format!("<a href=\"/p/{i}\">{i}</a>\n"));
        }
        HashMap::from([("/".into(), Response::with_type(200, "text/html", home.as_bytes()))])
    });
    let (code, report, _) = scan(&server, &["--max-pages", "10"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["pages"].as_array().unwrap().len(), 10);
    home_kept(&report);
}

#[test]
fn invalid_utf8_nul_bytes_and_binary_served_as_html() {
    let mut junk = b"<html>\x00\xff\xfe<script src=\"https://js.stripe.com/v3/\"></script>\xc3\x28".to_vec();
    junk.extend((0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let server = store(
        &["/junk", "/binary"],
        HashMap::from([
            ("/junk".into(), Response::with_type(200, "text/html", &junk)),
            ("/binary".into(), Response::with_type(200, "text/html; charset=utf-8", &junk[8..])),
        ]),
    );
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(page_of(&server, &report, "/junk")["outcome"], "scanned");
    assert_eq!(page_of(&server, &report, "/binary")["outcome"], "scanned");
    assert!(vendor_ids(&report).iter().any(|v| v == "stripe"));
    home_kept(&report);
}

#[test]
fn a_connection_closed_mid_body_fails_that_page_only() {
    let server = store(
        &["/cut"],
        HashMap::from([(
            "/cut".into(),
            Response::with_type(200, "text/html", b"<html><body>half").behaving(Behaviour::CloseMidBody),
        )]),
    );
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    let p = page_of(&server, &report, "/cut");
    assert_eq!(p["outcome"], "failed");
    assert!(p["error"].as_str().unwrap().contains("body could not be read"), "{p}");
    home_kept(&report);
}

#[test]
fn http_1_0_without_length() {
    let old =
        Response::with_type(200, "text/html", b"<html><script src=\"https://js.stripe.com/v3/\"></script></html>")
            .behaving(Behaviour::Http10);
    let server = store(&["/old"], HashMap::from([("/old".into(), old)]));
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(page_of(&server, &report, "/old")["outcome"], "scanned");
    assert!(vendor_ids(&report).iter().any(|v| v == "stripe"));
}

#[test]
fn retry_after_on_429_and_503_is_honoured_once() {
    let busy = |status| {
        let mut r =
            Response::with_type(200, "text/html", b"<html><script src=\"https://js.stripe.com/v3/\"></script></html>");
        r.headers.push(("Retry-After".into(), "1".into()));
        r.behaving(Behaviour::FailFirst(Arc::new(AtomicUsize::new(0)), 1, status))
    };
    let mut always = Response::with_type(503, "text/html", b"down");
    always.headers.push(("Retry-After".into(), "3600".into()));
    let server = store(
        &["/busy429", "/busy503", "/down"],
        HashMap::from([("/busy429".into(), busy(429)), ("/busy503".into(), busy(503)), ("/down".into(), always)]),
    );
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(page_of(&server, &report, "/busy429")["outcome"], "scanned");
    assert_eq!(page_of(&server, &report, "/busy503")["outcome"], "scanned");
    let down = page_of(&server, &report, "/down");
    assert_eq!(down["outcome"], "failed");
    assert!(down["error"].as_str().unwrap().contains("Retry-After: 3600; not retried: longer than 30 s"), "{down}");
    let hits = server.seen().iter().filter(|s| s.path == "/busy429").count();
    assert_eq!(hits, 2, "one retry, no more");
}

#[test]
fn malformed_robots_and_a_self_listing_sitemap_index() {
    let server = Server::start_with(|origin| {
        let mut routes = HashMap::new();
        routes.insert("/".into(), Response::with_type(200, "text/html", HOME.replace("LINKS", "").as_bytes()));
        routes.insert(
            "/robots.txt".into(),
            Response::with_type(
                200,
                "text/plain",
                b"\x00\xffUser-agent *\nDisallow\n\n\nSitemap: ::::\nSitemap: {{ORIGIN}}/sitemap.xml\n",
            ),
        );
        let index = format!(
            "<sitemapindex><sitemap><loc>{origin}/sitemap.xml</loc></sitemap><sitemap><loc>{origin}/sitemap.xml</loc></sitemap>"
        );
        routes.insert("/sitemap.xml".into(), Response::with_type(200, "application/xml", index.as_bytes()));
        routes
    });
    let origin = format!("{}/", server.origin());
    let out = vendorscan(&["scan", &origin, "--resolve", &server.resolve("shop.test"), "-f", "json", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    home_kept(&report);
    assert_eq!(server.seen().iter().filter(|s| s.path == "/sitemap.xml").count(), 1);
}

#[test]
fn tls_handshake_failure_is_clear_and_never_falls_back_to_http() {
    use std::io::{Read, Write};
    // A plain-HTTP server that answers whatever arrives at once (a TLS ClientHello need not
    // contain a newline, so a line-reading server could leave the client waiting).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_bytes = Arc::new(std::sync::Mutex::new(Vec::<Vec<u8>>::new()));
    let seen = first_bytes.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(5) {
            let mut buf = [0u8; 512];
            let n = stream.read(&mut buf).unwrap_or(0);
            seen.lock().unwrap().push(buf[..n].to_vec());
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let url = format!("https://shop.test:{port}/");
    let resolve = format!("shop.test:{port}:127.0.0.1");
    let out = vendorscan(&["scan", &url, "--resolve", &resolve, "-f", "json", "--timeout", "10"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("nothing could be scanned") && err.contains("could not connect"), "{err}");
    let got = first_bytes.lock().unwrap();
    assert!(!got.is_empty(), "the TLS handshake reached the server");
    assert!(got.iter().all(|b| b.first() == Some(&0x16)), "only TLS handshakes, never a plain-HTTP retry");
}

#[test]
fn brotli_bomb_stops_at_the_size_cap() {
    use std::io::Write;
    // Quality 1: a bomb needs a ratio, not a small file, and higher qualities take seconds.
    let params = brotli::enc::BrotliEncoderParams { quality: 1, ..Default::default() };
    let mut enc = brotli::CompressorWriter::with_params(Vec::new(), 1 << 16, &params);
    enc.write_all(b"<html><script src=\"https://js.stripe.com/v3/\"></script>").unwrap();
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..256 {
        enc.write_all(&zeros).unwrap(); // 256 MiB of spaces
    }
    let body = enc.into_inner();
    assert!(body.len() < 1 << 20, "a bomb: {} bytes that expand to 256 MiB", body.len());
    let mut bomb = Response::with_type(200, "text/html", &body);
    bomb.headers.push(("Content-Encoding".into(), "br".into()));
    let server = store(&["/bomb"], HashMap::from([("/bomb".into(), bomb)]));
    let (code, report, _) = scan(&server, &["--max-body-size", "2000000"]);
    assert_eq!(code, Some(1), "a page cut at the cap fails the gate (page-cut)");
    cut_is_a_finding(&report);
    let p = page_of(&server, &report, "/bomb");
    assert_eq!((p["outcome"].as_str(), p["truncated"].as_bool()), (Some("scanned"), Some(true)), "{p}");
    assert!(vendor_ids(&report).iter().any(|v| v == "stripe"), "what came before the cut is kept");
    home_kept(&report);
}

#[test]
fn deeply_nested_markup_is_read_to_the_end() {
    // 100,000 open tags, none closed, then a tag: a tree builder's scope checks make this
    // quadratic; a streaming reader must still reach the script and the link at the end.
    let mut deep = String::from("<html><body>");
    for i in 0..100_000 {
        deep.push_str(["<div>", "<span>", "<table><tr><td>", "<b><i>", "<ul><li>"][i % 5]);
    }
    deep.push_str("<script src=\"https://js.stripe.com/v3/\"></script><a href=\"/after\">after</a>");
    let server = store(
        &["/deep"],
        HashMap::from([
            ("/deep".into(), Response::with_type(200, "text/html", deep.as_bytes())),
            ("/after".into(), Response::with_type(200, "text/html", b"<html>after</html>")),
        ]),
    );
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(page_of(&server, &report, "/deep")["outcome"], "scanned");
    assert_eq!(page_of(&server, &report, "/after")["outcome"], "scanned", "the link after the nesting was found");
    assert!(vendor_ids(&report).iter().any(|v| v == "stripe"));
    home_kept(&report);
}

#[test]
fn an_idn_store_and_idn_third_parties() {
    // The store's own name is Unicode on the command line and punycode on the wire; an IDN
    // third party is reported under its ASCII name and never fetched.
    let server = Server::start(HashMap::from([
        (
            "/".into(),
            Response::with_type(
                200,
                "text/html",
                "<html><script src=\"https://tags.bücher-analytics.example/t.js\"></script>\
             <a href=\"/seite\">s</a><a href=\"http://münchen.test:{{PORT}}/other\">o</a></html>"
                    .as_bytes(),
            ),
        ),
        ("/seite".into(), Response::with_type(200, "text/html", b"<html>seite</html>")),
    ]));
    let port = server.port();
    let start = format!("http://bücher.test:{port}/");
    let resolve = format!("bücher.test:{port}:127.0.0.1");
    let out = vendorscan(&["scan", &start, "--resolve", &resolve, "-f", "json", "--quiet", "--no-sitemap"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let seite = page(&report, &format!("http://xn--bcher-kva.test:{port}/seite"));
    assert_eq!(seite["outcome"], "scanned", "{report}");
    let unknown = report["unknown_hosts"].to_string();
    assert!(unknown.contains("tags.xn--bcher-analytics-zvb.example"), "{unknown}");
    for s in server.seen() {
        assert_eq!(s.host, format!("xn--bcher-kva.test:{port}"), "fetched another host: {s:?}");
    }
}

#[test]
fn odd_urls_do_not_break_the_crawl_nor_leave_scope() {
    // Another server on another loopback port: neither a link nor a redirect may reach it.
    let elsewhere = Server::start(HashMap::from([("/".into(), Response::with_type(200, "text/html", b"<html>"))]));
    let other = format!("http://127.0.0.1:{}/", elsewhere.port());
    let long = format!("/long/{}", "a".repeat(10_000));
    let links = [
        long.as_str(),
        "http://user:secret@shop.test:{{PORT}}/userinfo",
        "http://shop.test:99999/bad-port",
        "http://[::1/broken",
        "/%zz/%00",
        "javascript:alert(1)",
        "data:text/html,<script>",
        "file:///etc/passwd",
        "http://bücher.test:{{PORT}}/idn-link",
        &other,
        "/to-other-port",
        "/to-file",
        "/to-javascript",
    ];
    let server = store(
        &links,
        HashMap::from([
            (long.clone(), Response::with_type(200, "text/html", b"<html>long</html>")),
            ("/to-other-port".into(), Response::redirect(302, &other)),
            ("/to-file".into(), Response::redirect(302, "file:///etc/passwd")),
            ("/to-javascript".into(), Response::redirect(302, "javascript:alert(1)")),
        ]),
    );
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    home_kept(&report);
    assert_eq!(page_of(&server, &report, &long)["outcome"], "scanned");
    for s in server.seen() {
        assert!(!s.headers.iter().any(|(k, _)| k == "authorization"), "credentials from a link were sent: {s:?}");
        assert_eq!(s.host, format!("shop.test:{}", server.port()), "{s:?}");
        assert!(!s.path.contains("passwd") && !s.path.contains("alert"), "{s:?}");
    }
    assert_eq!(page_of(&server, &report, "/userinfo")["outcome"], "failed", "listed without the link's credentials");
    assert!(!report.to_string().contains("secret"), "credentials never reach the report");
    assert!(elsewhere.seen().is_empty(), "another port was fetched: {:?}", elsewhere.seen());
    for path in ["/to-other-port", "/to-file", "/to-javascript"] {
        let p = page_of(&server, &report, path);
        assert_eq!(p["outcome"], "skipped", "{p}");
        assert!(p["error"].as_str().unwrap().contains("outside the store (not followed)"), "{p}");
    }
}

#[test]
fn ctrl_c_writes_a_partial_report_and_exits_130() {
    interrupted_by("INT");
}

#[test]
fn sigterm_from_a_ci_runner_does_the_same() {
    interrupted_by("TERM");
}

fn interrupted_by(signal: &str) {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = store(
        &["/slow"],
        HashMap::from([("/slow".into(), Response::with_type(200, "text/html", b"").behaving(Behaviour::Hold(tx)))]),
    );
    let origin = format!("{}/", server.origin());
    let child = spawn_vendorscan(&[
        "scan",
        &origin,
        "--resolve",
        &server.resolve("shop.test"),
        "-f",
        "json",
        "--no-sitemap",
        "--concurrency",
        "1",
    ]);
    // The home page is scanned by the time /slow is requested (one page at a time).
    let path = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the crawl reached /slow");
    assert_eq!(path, "/slow");
    send_signal(&child, signal);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a report is written");
    assert_eq!(report["complete"], false);
    home_kept(&report);
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
}

/// `--delay` spaces the requests to one host, whatever the concurrency.
#[test]
fn delay_spaces_requests_to_a_host() {
    let pages: Vec<String> = (0..4).map(|i| format!("/p{i}")).collect();
    let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
    let routes = pages.iter().map(|p| (p.clone(), Response::with_type(200, "text/html", b"<html></html>"))).collect();
    let server = store(&refs, routes);
    let (code, report, _) = scan(&server, &["--delay", "300", "--concurrency", "4", "--no-robots"]);
    assert_eq!(code, Some(0));
    home_kept(&report);
    let mut times: Vec<std::time::Instant> = server.seen().iter().map(|s| s.at).collect();
    times.sort();
    assert_eq!(times.len(), 5);
    for w in times.windows(2) {
        let gap = w[1] - w[0];
        // A lower bound only (politeness), never an upper one: a busy machine can only add.
        // The margin is for the accept loop itself being scheduled late for one connection
        // on a loaded machine; without --delay these requests arrive within a millisecond.
        assert!(gap >= std::time::Duration::from_millis(250), "requests {gap:?} apart");
    }
}

#[test]
fn per_host_concurrency_holds_under_latency() {
    // Twelve pages that each take 50 ms: with eight pages allowed in flight overall and
    // two per host, the store never holds more than two requests at once.
    let gauge = Arc::new(Gauge::default());
    let pages: Vec<String> = (0..12).map(|i| format!("/slow{i}")).collect();
    let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
    let routes = pages
        .iter()
        .map(|p| {
            let slow = Behaviour::Slow(std::time::Duration::from_millis(50), gauge.clone());
            (p.clone(), Response::with_type(200, "text/html", b"<html></html>").behaving(slow))
        })
        .collect();
    let server = store(&refs, routes);
    let (code, report, _) = scan(&server, &["--concurrency", "8", "--per-host-concurrency", "2", "--no-robots"]);
    assert_eq!(code, Some(0));
    home_kept(&report);
    for p in &pages {
        assert_eq!(page_of(&server, &report, p)["outcome"], "scanned");
    }
    assert!((1..=2).contains(&gauge.peak()), "the store held {} requests at once", gauge.peak());
}

/// The payment page of `hash_scripts_never_reach_a_private_address`: one script per way a
/// redirect can point a CI runner at its own network.
const SKIMMER_PATHS: [(&str, &str); 6] = [
    ("/ipv4.js", "http://127.0.0.1:{P2}/secret.js"),
    ("/mapped.js", "http://[::ffff:127.0.0.1]:{P2}/secret.js"),
    ("/hex.js", "http://0x7f000001:{P2}/secret.js"),
    ("/localhost.js", "http://localhost:{P2}/secret.js"),
    // The mapped name on a port it was not mapped for: not the mapped address.
    ("/other-port.js", "http://cdn.vendor.example:{P2}/secret.js"),
    // Relative: the same mapped host and port, two hops.
    ("/hop.js", "/ok.js"),
];

#[test]
fn hash_scripts_never_reach_a_private_address() {
    // The runner's "internal service": nothing may reach it.
    let internal = Server::start(HashMap::from([(
        "/secret.js".into(),
        Response::with_type(200, "application/javascript", b"internal"),
    )]));
    let p2 = internal.port().to_string();
    let server = Server::start_with(|_| {
        let scripts: String = SKIMMER_PATHS
            .iter()
            .map(|(p, _)| format!("<script src=\"http://cdn.vendor.example:{{{{PORT}}}}{p}\"></script>"))
            .collect();
        let page = format!("<html><body>{scripts}<input autocomplete=cc-number></body></html>");
        let mut routes = HashMap::from([
            ("/".to_owned(), Response::with_type(200, "text/html", page.as_bytes())),
            ("/ok.js".to_owned(), Response::with_type(200, "application/javascript", b"ok")),
        ]);
        for (path, to) in SKIMMER_PATHS {
            routes.insert(path.into(), Response::redirect(302, &to.replace("{P2}", &p2)));
        }
        routes
    });
    let origin = format!("{}/", server.origin());
    let (r1, r2) = (server.resolve("shop.test"), server.resolve("cdn.vendor.example"));
    let args = ["scan", &origin, "--resolve", &r1, "--resolve", &r2, "--offline", "--hash-scripts", "-f", "json"];
    let out = vendorscan(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(internal.seen().is_empty(), "a redirect reached the internal service: {:?}", internal.seen());
    let script = |path: &str| {
        let url = format!("http://cdn.vendor.example:{}{path}", server.port());
        report["resources"].as_array().unwrap().iter().find(|r| r["url"] == url).cloned().expect(path)
    };
    for (path, why) in [
        ("/ipv4.js", "127.0.0.1 is a loopback address"),
        ("/mapped.js", "::ffff:127.0.0.1 is an IPv4-mapped address"),
        ("/hex.js", "127.0.0.1 is a loopback address"),
        ("/localhost.js", "localhost is this machine"),
        ("/other-port.js", "cdn.vendor.example is not looked up"),
    ] {
        let r = script(path);
        let error = r["content_error"].as_str().unwrap_or_else(|| panic!("{path} was hashed: {r}"));
        assert!(error.contains(why), "{path}: {error}");
        assert!(r["content"].is_null(), "{r}");
    }
    assert!(
        script("/ipv4.js")["content_error"]
            .as_str()
            .unwrap()
            .starts_with("not fetched: redirected to http://127.0.0.1:")
    );
    // A redirect among the mapped host's own paths is followed and hashed.
    assert!(script("/hop.js")["content"]["sha256"].is_string(), "{}", script("/hop.js"));
}

#[test]
fn resolve_maps_a_host_on_its_port_only() {
    // A link to the store's host on port 80: in scope (a default port), but the mapping was
    // for the test server's port only, so it must not be sent there.
    let server = store(&["http://shop.test/elsewhere"], HashMap::new());
    let (code, report, _) = scan(&server, &["--offline"]);
    assert_eq!(code, Some(0));
    home_kept(&report);
    assert!(
        server.seen().iter().all(|s| s.host == format!("shop.test:{}", server.port())),
        "a request for another port reached the mapped address: {:?}",
        server.seen()
    );
    let p = page(&report, "http://shop.test/elsewhere");
    assert_eq!(p["outcome"], "failed", "{p}");
    assert!(p["error"].as_str().unwrap().contains("shop.test is not looked up (--offline"), "{p}");
}

#[test]
fn sitemap_urls_of_another_origin_are_skipped_with_a_reason() {
    // A staging copy serving the production sitemap: its https:// URLs are another origin
    // (another port), not pages of the store being crawled.
    let server = Server::start(HashMap::from([
        ("/".into(), Response::with_type(200, "text/html", HOME.replace("LINKS", "").as_bytes())),
        ("/b".into(), Response::with_type(200, "text/html", b"<html>b</html>")),
        (
            "/robots.txt".into(),
            Response::with_type(200, "text/plain", b"Sitemap: https://shop.test/sitemap-prod.xml\n"),
        ),
        (
            "/sitemap.xml".into(),
            Response::with_type(
                200,
                "application/xml",
                b"<urlset><url><loc>https://shop.test/a</loc></url><url><loc>{{ORIGIN}}/b</loc></url>\
                  <url><loc>https://shop.test/c</loc></url></urlset>",
            ),
        ),
    ]));
    let origin = format!("{}/", server.origin());
    let args = ["scan", &origin, "--resolve", &server.resolve("shop.test"), "--offline", "-f", "json", "--quiet"];
    let out = vendorscan(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    home_kept(&report);
    assert_eq!(page_of(&server, &report, "/b")["outcome"], "scanned");
    let pages = report["pages"].as_array().unwrap();
    let https = |p: &&serde_json::Value| p["url"].as_str().unwrap().starts_with("https://");
    assert!(pages.iter().filter(https).all(|p| p["outcome"] == "skipped"), "{}", report["pages"]);
    let listed = page(&report, "https://shop.test/sitemap-prod.xml");
    assert!(listed["error"].as_str().unwrap().contains("robots.txt but on another origin: not read"), "{listed}");
    let sitemap = page_of(&server, &report, "/sitemap.xml");
    assert_eq!(sitemap["outcome"], "skipped", "{sitemap}");
    let why = sitemap["error"].as_str().unwrap();
    assert!(why.contains("2 pages on another origin") && why.contains("https://shop.test"), "{why}");
    // No TLS handshake reached the plain-HTTP server (the old way of failing these).
    assert!(server.seen().iter().all(|s| s.request_line.starts_with("GET ")), "{:?}", server.seen());
}

#[test]
fn a_response_with_many_headers_is_read() {
    // 300 headers (a CDN, a WAF and a cookie banner each add theirs): hyper's default of
    // 100 failed the page with "message head is too large"; a browser shows it.
    let mut page = Response::with_type(200, "text/html", b"<html><script src=\"https://js.stripe.com/v3/\"></script>");
    page.headers.extend((0..300).map(|i| ("Set-Cookie".to_owned(), format!("c{i}=v; Path=/"))));
    let server = store(&["/many"], HashMap::from([("/many".into(), page)]));
    let (code, report, _) = scan(&server, &[]);
    assert_eq!(code, Some(0));
    let p = page_of(&server, &report, "/many");
    assert_eq!(p["outcome"], "scanned", "{p}");
    assert!(vendor_ids(&report).iter().any(|v| v == "stripe"));
}

#[test]
fn sitemap_children_are_fetched_side_by_side() {
    // An index with twelve slow children: read one after another, twelve timeouts (60
    // slow children cost 16 minutes); now several are in flight at once.
    let gauge = Arc::new(Gauge::default());
    let server = Server::start_with(|origin| {
        let mut routes = HashMap::new();
        routes.insert("/".into(), Response::with_type(200, "text/html", HOME.replace("LINKS", "").as_bytes()));
        let children: String = (0..12).map(|i| format!("<sitemap><loc>{origin}/s{i}.xml</loc></sitemap>")).collect();
        let index = format!("<sitemapindex>{children}</sitemapindex>");
        routes.insert("/sitemap.xml".into(), Response::with_type(200, "application/xml", index.as_bytes()));
        for i in 0..12 {
            let body = format!("<urlset><url><loc>{origin}/p{i}</loc></url></urlset>");
            let slow = Behaviour::Slow(std::time::Duration::from_millis(200), gauge.clone());
            routes.insert(
                format!("/s{i}.xml"),
                Response::with_type(200, "application/xml", body.as_bytes()).behaving(slow),
            );
            routes.insert(format!("/p{i}"), Response::with_type(200, "text/html", b"<html></html>"));
        }
        routes
    });
    let origin = format!("{}/", server.origin());
    let args = ["scan", &origin, "--resolve", &server.resolve("shop.test"), "--offline", "-f", "json", "--quiet"];
    let out = vendorscan(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for i in 0..12 {
        assert_eq!(page_of(&server, &report, &format!("/p{i}"))["outcome"], "scanned");
    }
    assert!(gauge.peak() >= 2, "the sitemaps were fetched one at a time");
}

#[test]
fn robots_txt_of_each_host_is_fetched_without_holding_up_the_crawl() {
    // Four first-party hosts, each with a slow robots.txt: fetched in the scheduling loop,
    // one host's robots.txt held every other page back; now each waits only for its own.
    let gauge = Arc::new(Gauge::default());
    let hosts = ["a.shop.test", "b.shop.test", "c.shop.test", "d.shop.test"];
    let slow = Behaviour::Slow(std::time::Duration::from_millis(200), gauge.clone());
    let robots = Response::with_type(200, "text/plain", b"User-agent: *\nAllow: /\n").behaving(slow);
    let links: Vec<String> = hosts.iter().map(|h| format!("http://{h}:{{{{PORT}}}}/page")).collect();
    let refs: Vec<&str> = links.iter().map(String::as_str).collect();
    let server = store(
        &refs,
        HashMap::from([
            ("/robots.txt".into(), robots),
            ("/page".into(), Response::with_type(200, "text/html", b"<html></html>")),
        ]),
    );
    let origin = format!("{}/", server.origin());
    let mut args =
        vec!["scan".to_owned(), origin, "--offline".into(), "-f".into(), "json".into(), "--no-sitemap".into()];
    for h in ["shop.test"].iter().chain(&hosts) {
        args.extend(["--resolve".to_owned(), server.resolve(h)]);
    }
    let out = vendorscan(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for h in hosts {
        assert_eq!(page(&report, &format!("http://{h}:{}/page", server.port()))["outcome"], "scanned");
    }
    assert!(gauge.peak() >= 2, "robots.txt files were fetched one at a time");
}

#[cfg(unix)]
#[test]
fn a_local_scan_does_not_follow_symlinks_out_of_the_folder() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let (site, outside) = (dir.path().join("site"), dir.path().join("outside"));
    std::fs::create_dir_all(site.join("v2")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let stripe = "<script src=\"https://js.stripe.com/v3/\"></script>";
    std::fs::write(site.join("index.html"), stripe).unwrap();
    std::fs::write(site.join("v2/a.html"), "<script src=\"https://static.klaviyo.com/k.js\"></script>").unwrap();
    std::fs::write(outside.join("secret.html"), "<script src=\"https://static.hotjar.com/c/h.js\"></script>").unwrap();
    // A pull request can check these in: a folder and a file leading out, and one leading
    // inside (a `latest` alias), which is fine.
    symlink(&outside, site.join("escape")).unwrap();
    symlink(outside.join("secret.html"), site.join("leak.html")).unwrap();
    symlink("../outside/secret.html", site.join("relative.html")).unwrap();
    symlink("v2", site.join("latest")).unwrap();
    let r = scan_json(&[site.to_str().unwrap(), "--site", "https://shop.example"]);
    let ids = vendor_ids(&r);
    assert!(ids.contains(&"stripe".to_owned()) && ids.contains(&"klaviyo".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"hotjar".to_owned()), "a file outside the folder was read: {ids:?}");
    assert_eq!(page(&r, "https://shop.example/latest/a.html")["outcome"], "scanned");
    for url in ["https://shop.example/escape", "https://shop.example/leak.html", "https://shop.example/relative.html"] {
        let p = page(&r, url);
        assert_eq!(p["outcome"], "skipped", "{p}");
        assert!(p["error"].as_str().unwrap().contains("leads outside the scanned folder"), "{p}");
    }
    assert_eq!(r["summary"]["pages_skipped"], 3);
}
