//! Browser mode against a real Chromium and a store on loopback.
//!
//! Every host name a page uses is mapped to the in-process server with `--resolve`, and
//! `--offline` maps every other name to `~NOTFOUND` (a test below proves the rule is in
//! force), so nothing leaves loopback, not even a DNS lookup, including the lookups
//! Chromium makes for itself. The vendor hosts are ones Chromium does not upgrade to
//! https (not on the HSTS preload list), so a plain-HTTP server sees their requests.
//!
//! Without Chromium these tests print why and pass, except under `CI`, where a missing
//! browser is a failure (`.ci/run` installs it).

use crate::common::*;
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// One browser test at a time: each starts a whole Chromium, and two cores are all CI has.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

pub(crate) fn chromium() -> Option<std::sync::MutexGuard<'static, ()>> {
    // The same search the binary makes ($CHROME, then the usual paths).
    if vendorscan::browser::find_chrome(None).is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Chromium for the browser tests (apt-get install chromium)"
        );
        eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
        return None;
    }
    Some(ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner()))
}

const HOSTS: &[&str] = &[
    "shop.test",
    "www.googletagmanager.com",
    "static.hotjar.com",
    "static.criteo.net",
    "analytics.tiktok.com",
    "snap.licdn.com",
    "static.klaviyo.com",
];

pub(crate) fn js(body: &str) -> Response {
    Response::with_type(200, "text/javascript", body.as_bytes())
}

pub(crate) fn html(body: &str) -> Response {
    Response::with_type(200, "text/html; charset=utf-8", body.as_bytes())
}

/// page → tag manager → vendor script → pixel, beacon and fetch to fourth parties.
fn tag_store() -> Server {
    let mut r = HashMap::new();
    let mut page = html(
        r#"<!doctype html><html><head><title>Shop</title>
<script>
(function(w,d){var s=d.createElement('script');s.async=true;
s.src='http://www.googletagmanager.com:{{PORT}}/gtm.js?id=GTM-TEST1';d.head.appendChild(s);})(window,document);
</script></head><body><h1>Coffee</h1><a href="/other.html">other</a></body></html>"#,
    );
    page.headers.push(("Set-Cookie".into(), "shop_session=s1; Path=/; HttpOnly".into()));
    r.insert("/".into(), page);
    r.insert("/other.html".into(), html("<!doctype html><title>Other</title><p>No tags here.</p>"));
    r.insert(
        "/gtm.js?id=GTM-TEST1".into(),
        js("var s=document.createElement('script');s.src='http://static.hotjar.com:{{PORT}}/c/hotjar-1.js';document.head.appendChild(s);"),
    );
    r.insert(
        "/c/hotjar-1.js".into(),
        js(r#"
document.cookie = '_hjid=abc; path=/; max-age=3600';
localStorage.setItem('_hjUser', '1');
new Image().src = 'http://static.criteo.net:{{PORT}}/px.gif?e=view';
navigator.sendBeacon('http://analytics.tiktok.com:{{PORT}}/beacon', 'event=view');
fetch('http://snap.licdn.com:{{PORT}}/collect?e=1', { mode: 'no-cors' });
var x = document.createElement('script'); x.src = 'http://unmapped.example/x.js'; document.head.appendChild(x);
"#),
    );
    let mut pixel = Response::with_type(200, "image/gif", b"GIF89a");
    pixel.headers.push(("Set-Cookie".into(), "cto_bundle=xyz; Path=/; Max-Age=86400".into()));
    r.insert("/px.gif?e=view".into(), pixel);
    r.insert("/beacon".into(), Response::with_type(204, "text/plain", b""));
    r.insert("/collect?e=1".into(), Response::with_type(200, "text/plain", b"ok"));
    Server::start(r)
}

fn browser_args(server: &Server, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![format!("{}/", server.origin()), "--offline".into()];
    for h in HOSTS {
        args.extend(["--resolve".into(), server.resolve(h)]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

/// A scan's JSON report, which must match the documented schema (browser fields included).
fn scan(args: &[String]) -> serde_json::Value {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = scan_json(&refs);
    let errors = report_schema_errors(&report);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    report
}

/// The first occurrence of a resource whose URL contains `url_part`, as one row.
fn resource(report: &serde_json::Value, url_part: &str) -> serde_json::Value {
    resource_rows(report)
        .into_iter()
        .find(|r| r["url"].as_str().unwrap().contains(url_part))
        .unwrap_or_else(|| panic!("no resource like {url_part} in {:#}", report["resources"]))
}

fn vendor<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == id).unwrap_or_else(|| {
        panic!("no vendor {id} in {:?}", vendor_ids(report));
    })
}

#[test]
fn the_chain_from_page_to_fourth_party_and_what_static_mode_misses() {
    let Some(_one) = chromium() else { return };
    let server = tag_store();
    let report = scan(&browser_args(&server, &["--browser", "--settle", "1500"]));
    let p = server.port();
    let gtm = format!("http://www.googletagmanager.com:{p}/gtm.js?id=GTM-TEST1");
    let hotjar = format!("http://static.hotjar.com:{p}/c/hotjar-1.js");

    // The tag manager is written in the page's inline script: markup and runtime.
    let tm = resource(&report, "gtm.js");
    assert_eq!(tm["source"], "both", "{tm:#}");
    assert!(tm["runtime"].get("loaded_by").is_none(), "the page itself loaded it: {tm:#}");
    // The vendor script exists only at run time, injected by the tag manager.
    let hj = resource(&report, "hotjar-1.js");
    assert_eq!((hj["source"].as_str(), hj["kind"].as_str()), (Some("runtime"), Some("script")));
    assert_eq!(hj["runtime"]["loaded_by"], gtm.as_str());
    assert_eq!(hj["runtime"]["initiator"], "script");
    assert_eq!(hj["runtime"]["status"], 200);
    // Its fourth parties, each with the whole chain.
    for (part, kind) in [("px.gif", "pixel"), ("/beacon", "beacon"), ("/collect", "fetch")] {
        let r = resource(&report, part);
        assert_eq!(r["kind"], kind, "{r:#}");
        assert_eq!(r["source"], "runtime");
        assert_eq!(r["runtime"]["chain"], serde_json::json!([gtm, hotjar]), "{r:#}");
    }
    assert_eq!(vendor(&report, "hotjar")["loaded_by"], serde_json::json!(["google-tag-manager"]));
    assert_eq!(vendor(&report, "google-tag-manager")["loads"], serde_json::json!(["hotjar"]));
    let loads = vendor(&report, "hotjar")["loads"].clone();
    for v in ["criteo", "linkedin-insight-tag", "tiktok-pixel"] {
        assert!(loads.as_array().unwrap().iter().any(|l| l == v), "hotjar loads {v}: {loads}");
        assert_eq!(vendor(&report, v)["sources"], serde_json::json!(["runtime"]));
    }
    // The server really received the fourth parties' requests, under their own names.
    let seen = server.seen();
    for (host, path) in
        [("static.criteo.net", "/px.gif"), ("analytics.tiktok.com", "/beacon"), ("snap.licdn.com", "/collect")]
    {
        assert!(
            seen.iter().any(|s| s.host.starts_with(host) && s.path.starts_with(path)),
            "{host}{path} not requested"
        );
    }
    // Cookies: one from the page's own header, one written by the vendor's script.
    let cookies = report["cookies"].as_array().unwrap();
    let hjid = cookies.iter().find(|c| c["name"] == "_hjid").expect("_hjid cookie");
    assert_eq!((hjid["via"].as_str(), hjid["vendor"].as_str()), (Some("script"), Some("hotjar")), "{hjid:#}");
    assert_eq!(hjid["set_by"], hotjar.as_str());
    assert_eq!(hjid["session"], false);
    let days = hjid["lifetime_days"].as_f64().unwrap();
    assert!((days - 3600.0 / 86400.0).abs() < 0.011, "max-age=3600 is {days} days");
    let own = cookies.iter().find(|c| c["name"] == "shop_session").expect("shop_session cookie");
    assert_eq!(
        (own["via"].as_str(), own["party"].as_str(), own["http_only"].as_bool()),
        (Some("header"), Some("first"), Some(true))
    );
    assert!(vendor(&report, "hotjar")["cookies"].as_array().unwrap().iter().any(|c| c["name"] == "_hjid"));
    // The fourth party's own cookie: a third-party cookie, reported whether or not this
    // browser's settings let it be stored (`blocked` then says why not).
    let cto = cookies.iter().find(|c| c["name"] == "cto_bundle").unwrap_or_else(|| panic!("{cookies:#?}"));
    assert_eq!(
        (cto["party"].as_str(), cto["vendor"].as_str(), cto["via"].as_str()),
        (Some("third"), Some("criteo"), Some("header")),
        "{cto:#}"
    );
    assert_eq!(cto["set_by"], format!("http://static.criteo.net:{p}/px.gif?e=view").as_str());
    assert!(vendor(&report, "criteo")["cookies"].as_array().unwrap().iter().any(|c| c["name"] == "cto_bundle"));
    let storage = report["storage"].as_array().unwrap();
    assert!(
        storage.iter().any(|s| s["key"] == "_hjUser" && s["vendor"] == "hotjar" && s["area"] == "local"),
        "{storage:?}"
    );
    // The unmapped host was attempted (and recorded), but never resolved: the
    // `MAP * ~NOTFOUND` rule is in force.
    let unmapped = resource(&report, "unmapped.example");
    assert_eq!(unmapped["runtime"]["failure"], "net::ERR_NAME_NOT_RESOLVED", "{unmapped:#}");
    assert_eq!(report["browser"]["pages_visited"], 2);
    assert_eq!(report["browser"]["pages_failed"], 0);
    // Only the page's own requests are recorded: none of the browser's background traffic.
    for r in resource_rows(&report) {
        let host = r["host"].as_str().unwrap();
        assert!(HOSTS.contains(&host) || host == "unmapped.example", "request not made by the page: {r:#}");
    }

    // The static scan of the same store sees only the first link.
    let static_report = scan(&browser_args(&server, &[]));
    let urls: Vec<&str> =
        static_report["resources"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert!(urls.iter().any(|u| u.contains("gtm.js")), "{urls:?}");
    for missed in ["hotjar", "criteo", "tiktok", "licdn"] {
        assert!(!urls.iter().any(|u| u.contains(missed)), "static mode cannot see {missed}: {urls:?}");
    }
    assert!(static_report.get("browser").is_none() && static_report.get("cookies").is_none());
}

#[test]
fn an_iframe_loads_its_own_third_parties_and_they_are_attributed_to_it() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        html(
            r#"<!doctype html><title>Shop</title><iframe src="http://static.klaviyo.com:{{PORT}}/form.html"></iframe>"#,
        ),
    );
    r.insert(
        "/form.html".into(),
        html(r#"<!doctype html><title>Form</title><script src="http://static.criteo.net:{{PORT}}/in-frame.js"></script>"#),
    );
    r.insert("/in-frame.js".into(), js("new Image().src='http://analytics.tiktok.com:{{PORT}}/from-frame.gif';"));
    r.insert("/from-frame.gif".into(), Response::with_type(200, "image/gif", b"GIF89a"));
    let server = Server::start(r);
    let report = scan(&browser_args(&server, &["--browser", "--settle", "1000", "--no-sitemap"]));
    let frame = format!("http://static.klaviyo.com:{}/form.html", server.port());
    let doc = resource(&report, "form.html");
    assert_eq!((doc["kind"].as_str(), doc["source"].as_str()), (Some("iframe"), Some("both")));
    let inner = resource(&report, "in-frame.js");
    assert_eq!(inner["runtime"]["frame"], frame.as_str(), "{inner:#}");
    assert_eq!(inner["runtime"]["loaded_by"], frame.as_str());
    assert_eq!(inner["runtime"]["initiator"], "parser");
    let pixel = resource(&report, "from-frame.gif");
    assert_eq!(pixel["runtime"]["frame"], frame.as_str());
    assert_eq!(pixel["runtime"]["chain"][0], frame.as_str(), "{pixel:#}");
    assert_eq!(vendor(&report, "criteo")["loaded_by"], serde_json::json!(["klaviyo"]));
}

#[test]
fn a_worker_s_requests_are_attributed_to_the_worker_script() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        html("<!doctype html><title>Shop</title><script>new Worker('/analytics-worker.js');</script>"),
    );
    r.insert(
        "/analytics-worker.js".into(),
        js("fetch('http://static.criteo.net:{{PORT}}/from-worker', { mode: 'no-cors' });"),
    );
    r.insert("/from-worker".into(), Response::with_type(200, "text/plain", b"ok"));
    let server = Server::start(r);
    let report = scan(&browser_args(&server, &["--browser", "--settle", "1000"]));
    let from = resource(&report, "/from-worker");
    assert_eq!(from["runtime"]["loaded_by"], format!("{}/analytics-worker.js", server.origin()).as_str(), "{from:#}");
    assert_eq!(vendor(&report, "criteo")["loaded_by"], serde_json::json!(["shop.test/analytics-worker.js"]));
}

#[test]
fn the_deploy_gate_fails_on_a_vendor_only_the_browser_sees_and_points_at_its_loader() {
    let Some(_one) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("vendorscan.toml");
    let base = ["examples/demo-store", "--site", "https://demo-store.example", "--offline"];
    // The policy approves what the static scan sees today.
    let mut init = vec!["policy", "init", "-q", "-o", policy.to_str().unwrap()];
    init.extend(base);
    let out = vendorscan(&init);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut args = vec!["scan", "-f", "json", "--quiet", "--policy", policy.to_str().unwrap()];
    args.extend(base);
    let out = vendorscan(&args);
    assert_eq!(out.status.code(), Some(0), "the static scan passes its own policy: {}", stderr(&out));
    args.extend(["--browser", "--settle", "300"]);
    let out = vendorscan(&args);
    assert_eq!(out.status.code(), Some(1), "the browser sees more: {}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let criteo = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unapproved-vendor" && f["vendor"] == "criteo")
        .unwrap_or_else(|| panic!("{:#}", report["findings"]));
    assert_eq!(criteo["locations"][0]["loaded_by"], "https://demo-store.example/assets/js/marketing.js", "{criteo:#}");
    assert!(criteo["locations"][0].get("line").is_none(), "not in the HTML: no line");
}

#[test]
fn headers_go_to_the_store_only_never_to_third_parties() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        html(r#"<!doctype html><title>Staging</title><script src="/app.js"></script><img src="http://static.criteo.net:{{PORT}}/px.gif">"#),
    );
    r.insert("/app.js".into(), js("fetch('http://snap.licdn.com:{{PORT}}/collect', { mode: 'no-cors' });"));
    let server = Server::start(r);
    let report =
        scan(&browser_args(&server, &["--browser", "--settle", "500", "-H", "Authorization: Basic c3RhZ2luZzpwdw=="]));
    assert_eq!(report["browser"]["pages_visited"], 1);
    let seen = server.seen();
    let auth = |s: &Seen| s.headers.iter().any(|(k, v)| k == "authorization" && v == "Basic c3RhZ2luZzpwdw==");
    let browser_app = seen.iter().filter(|s| s.path == "/app.js").collect::<Vec<_>>();
    assert!(
        !browser_app.is_empty() && browser_app.iter().all(|s| auth(s)),
        "the store's requests carry it: {browser_app:?}"
    );
    for path in ["/px.gif", "/collect"] {
        let third: Vec<_> = seen.iter().filter(|s| s.path == path).collect();
        assert!(!third.is_empty(), "{path} was requested");
        assert!(third.iter().all(|s| !auth(s)), "{path} must not get the store's credentials: {third:?}");
    }
}

#[test]
fn a_page_that_never_stops_polling_ends_at_the_settle_window() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        html("<!doctype html><title>Poll</title><script>setInterval(function(){fetch('/poll')}, 100);</script>"),
    );
    r.insert("/poll".into(), Response::with_type(200, "application/json", b"{}"));
    let server = Server::start(r);
    let report = scan(&browser_args(&server, &["--browser", "--settle", "1000", "--page-timeout", "60"]));
    let page = page(&report, &format!("{}/", server.origin()));
    assert_eq!(page["visit"]["complete"], true, "{page:#}");
    let poll = resource(&report, "/poll");
    let count = poll["runtime"]["count"].as_u64().unwrap();
    // Every 100 ms for about a second after load: a visit that waited for the network to
    // go quiet would have run to the 60 s cap, some 600 polls.
    assert!((2..100).contains(&count), "polled {count} times: {poll:#}");
    assert_eq!(poll["party"], "first");
}

#[test]
fn a_hung_renderer_is_a_failed_visit_and_the_run_goes_on() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        html(r#"<!doctype html><title>Home</title><a href="/hang.html">x</a><img src="http://static.criteo.net:{{PORT}}/ok.gif">"#),
    );
    r.insert("/hang.html".into(), html("<!doctype html><title>Hang</title><script>for(;;){}</script>"));
    r.insert("/ok.gif".into(), Response::with_type(200, "image/gif", b"GIF89a"));
    let server = Server::start(r);
    // One tab at a time: the healthy page is not starved by the spinning one on two cores.
    let report = scan(&browser_args(
        &server,
        &["--browser", "--settle", "500", "--page-timeout", "4", "--browser-concurrency", "1"],
    ));
    let o = server.origin();
    let hung = page(&report, &format!("{o}/hang.html"));
    assert_eq!(hung["visit"]["complete"], false, "{hung:#}");
    assert!(hung["visit"]["error"].as_str().unwrap().contains("did not finish loading"), "{hung:#}");
    assert_eq!(hung["outcome"], "scanned", "the static scan of the page stands");
    let home = page(&report, &format!("{o}/"));
    assert_eq!(home["visit"]["complete"], true, "{home:#}");
    assert_eq!(resource(&report, "ok.gif")["source"], "both");
    assert_eq!(report["browser"]["pages_failed"], 1);
}

#[test]
fn a_crashed_renderer_is_a_failed_visit() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert("/".into(), html(r#"<!doctype html><title>Home</title><a href="/crash.html">x</a>"#));
    // Allocates until V8's (deliberately small) heap is exhausted: the renderer dies.
    r.insert(
        "/crash.html".into(),
        html("<!doctype html><title>Crash</title><script>var a=[];for(;;){a.push(new Array(1e6).fill(1.5))}</script>"),
    );
    let server = Server::start(r);
    let report = scan(&browser_args(
        &server,
        &["--browser", "--settle", "500", "--page-timeout", "20", "--browser-arg=--js-flags=--max-old-space-size=32"],
    ));
    let o = server.origin();
    let crashed = page(&report, &format!("{o}/crash.html"));
    assert_eq!(crashed["visit"]["complete"], false, "{crashed:#}");
    assert!(crashed["visit"]["error"].as_str().unwrap().contains("crashed"), "{crashed:#}");
    assert_eq!(page(&report, &format!("{o}/"))["visit"]["complete"], true);
}

/// Chromium processes whose command line names `dir` (each run's profile lives there).
fn browsers_using(dir: &std::path::Path) -> Vec<String> {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok().map(|c| (e.file_name(), c)))
        .filter(|(_, c)| String::from_utf8_lossy(c).contains(&needle))
        .map(|(pid, c)| format!("{}: {}", pid.to_string_lossy(), String::from_utf8_lossy(&c).replace('\0', " ")))
        .collect()
}

#[test]
fn ctrl_c_during_a_visit_writes_the_report_and_leaves_no_browser_behind() {
    let Some(_one) = chromium() else { return };
    let (tx, rx) = std::sync::mpsc::channel();
    let mut r = HashMap::new();
    r.insert("/".into(), html(r#"<!doctype html><title>Home</title><script src="/slow.js"></script>"#));
    r.insert("/slow.js".into(), js("").behaving(Behaviour::Hold(tx)));
    let server = Server::start(r);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let mut args = browser_args(&server, &["--browser", "--page-timeout", "120", "-f", "json", "--quiet"]);
    args.extend(["-o".into(), out.display().to_string()]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .arg("scan")
        .args(&args)
        .env("TMPDIR", tmp.path())
        .env_remove("CI")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The browser is mid-visit once the server holds the script it asked for.
    let held = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the browser requested /slow.js");
    assert_eq!(held, "/slow.js");
    assert!(!browsers_using(tmp.path()).is_empty(), "a browser runs with the run's profile");
    nix_kill(child.id(), "INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(report["complete"], false);
    assert_eq!(report["summary"]["pages_scanned"], 1, "the static result is kept");
    let left = browsers_using(tmp.path());
    assert!(left.is_empty(), "browser processes left behind: {left:#?}");
}

#[test]
fn ctrl_c_while_the_browser_starts_kills_it_too() {
    // A stand-in browser that connects back to the test, then never prints its DevTools
    // address: the run is stuck in the browser's start-up when the signal comes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake =
        stand_in_browser(tmp.path(), &format!("#!/bin/bash\nexec 3<>/dev/tcp/127.0.0.1/{port}\nexec sleep 120\n"));
    let out = tmp.path().join("report.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .args(["scan", "examples/demo-store", "--site", "https://demo-store.example", "--browser", "--offline"])
        .args(["--chrome", fake.to_str().unwrap(), "-f", "json", "--quiet", "-o", out.to_str().unwrap()])
        .current_dir(root())
        .env_remove("CI")
        .env_remove("CHROME")
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(listener.accept().map(|(s, _)| s));
    });
    let mut browser = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the browser started").unwrap();
    nix_kill(child.id(), "INT");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(report["complete"], false);
    assert_eq!(report["summary"]["pages_scanned"], 11, "the static results are kept");
    // The stand-in's end of the socket closes when it is killed.
    browser.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut buf = [0u8; 1];
    let read = std::io::Read::read(&mut browser, &mut buf);
    assert!(matches!(read, Ok(0)), "the browser process is still alive: {read:?}");
}

#[test]
fn a_browser_that_will_not_start_is_an_error_after_the_static_report() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path().join("broken-chromium");
    std::fs::write(&fake, "#!/bin/sh\necho 'error while loading shared libraries: libnss3.so' >&2\nexit 127\n")
        .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let report = tmp.path().join("report.json");
    let out = vendorscan(&[
        "scan",
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "--browser",
        "--chrome",
        fake.to_str().unwrap(),
        "-f",
        "json",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("did not start: error while loading shared libraries: libnss3.so"), "{err}");
    assert!(err.contains("help: "), "{err}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["summary"]["pages_scanned"], 11, "the static scan is kept");
    assert!(r.get("browser").is_none());
}

#[test]
fn a_finished_run_leaves_no_browser_behind() {
    let Some(_one) = chromium() else { return };
    let server = Server::start(HashMap::from([("/".to_owned(), html("<!doctype html><title>x</title><p>hi"))]));
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .arg("scan")
        .args(browser_args(&server, &["--browser", "--settle", "0", "-f", "json", "--quiet"]))
        .env("TMPDIR", tmp.path())
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["browser"]["pages_visited"], 1);
    let left = browsers_using(tmp.path());
    assert!(left.is_empty(), "browser processes left behind: {left:#?}");
    // The profile folder is removed too.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// As the README says: without Chromium the static report is still written, the problem is
/// said before the scan starts, and the run exits with code 2 and the install help.
#[test]
fn without_chromium_the_static_report_is_written_and_the_error_says_how_to_install_it() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.json");
    let out = vendorscan(&[
        "scan",
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "--browser",
        "--chrome",
        "/nonexistent/chromium",
        "-f",
        "json",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "vendorscan: --chrome names /nonexistent/chromium, which is not a file; scanning without the browser"
        ),
        "{err}"
    );
    assert!(err.contains("\nerror: --chrome names /nonexistent/chromium"), "{err}");
    assert!(err.contains("help: install Chromium"), "{err}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["summary"]["vendors"], 24, "the static scan's report");
    assert!(json.get("browser").is_none());
}

#[test]
fn the_demo_store_in_the_browser_finds_what_the_static_scan_cannot() {
    let Some(_one) = chromium() else { return };
    let base = ["examples/demo-store", "--site", "https://demo-store.example", "--offline"];
    let static_ids = vendor_ids(&scan_json(&base));
    let mut args = base.to_vec();
    args.extend(["--browser", "--settle", "500"]);
    let report = scan_json(&args);
    let found: Vec<String> = vendor_ids(&report).into_iter().filter(|v| !static_ids.contains(v)).collect();
    assert!(!found.is_empty(), "browser mode found nothing new: {:?}", vendor_ids(&report));
    for id in &found {
        assert_eq!(vendor(&report, id)["sources"], serde_json::json!(["runtime"]), "{id}");
        assert!(!vendor(&report, id)["loaded_by"].as_array().unwrap().is_empty(), "{id} has a loader");
    }
}

/// An executable script standing in for Chromium, in `dir`.
fn stand_in_browser(dir: &std::path::Path, script: &str) -> std::path::PathBuf {
    let path = dir.join("stand-in-chromium");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

fn nix_kill(pid: u32, sig: &str) {
    let ok = Command::new("kill").args([&format!("-{sig}"), &pid.to_string()]).status().unwrap().success();
    assert!(ok, "kill -{sig} {pid}");
}

// Hostile pages (issue #19, part 3): a page must not be able to hold the visit, hide what
// it sends, or make the report say less than went over the wire.

/// A store whose home page runs `script` (after `body`), with more routes. The script
/// builds vendor URLs with `at(host, path)` (on this server's port), so they are not in the
/// page source: what the report says of them comes from the browser alone.
fn hostile_store(body: &str, script: &str, routes: Vec<(&str, Response)>) -> Server {
    let mut r: HashMap<String, Response> = routes.into_iter().map(|(p, resp)| (p.to_owned(), resp)).collect();
    let at = "function at(host, path) { return 'http' + '://' + host + ':' + location.port + path; }";
    r.insert("/".into(), html(&format!("<!doctype html><title>Shop</title>{body}<script>{at}\n{script}</script>")));
    Server::start(r)
}

fn gif() -> Response {
    Response::with_type(200, "image/gif", b"GIF89a")
}

fn home_visit(report: &serde_json::Value, server: &Server) -> serde_json::Value {
    page(report, &format!("{}/", server.origin()))["visit"].clone()
}

#[test]
fn an_alert_does_not_hold_the_visit_and_is_recorded() {
    let Some(_one) = chromium() else { return };
    // `print()` is here too: headless Chromium shows no print dialog, and it must stay so.
    let server = hostile_store(
        "",
        r"alert('Welcome!\n\n  Sign up for 10% off'); window.print();
          new Image().src = at('static.criteo.net', '/after-alert.gif');",
        vec![("/after-alert.gif", gif())],
    );
    // A held alert would run the visit into this cap and mark it incomplete.
    let report = scan(&browser_args(&server, &["--browser", "--settle", "500", "--page-timeout", "30"]));
    let visit = home_visit(&report, &server);
    assert_eq!(visit["complete"], true, "{visit:#}");
    assert!(visit.get("error").is_none(), "{visit:#}");
    assert_eq!(
        visit["dialogs"],
        serde_json::json!([{ "type": "alert", "message": "Welcome! Sign up for 10% off", "count": 1 }]),
        "{visit:#}"
    );
    let pixel = resource(&report, "after-alert.gif");
    assert_eq!((pixel["kind"].as_str(), pixel["runtime"]["status"].as_u64()), (Some("pixel"), Some(200)), "{pixel:#}");
}

#[test]
fn a_page_that_loops_confirm_and_prompt_is_answered_each_time() {
    let Some(_one) = chromium() else { return };
    // Dismissed, `confirm` is false and `prompt` null: the loop runs to its end, the pixel
    // says what `prompt` returned. The alerts have a new text each time, with a
    // right-to-left override and 500 more characters.
    let server = hostile_store(
        "",
        r"for (var i = 0; i < 40; i++) { if (confirm('Leave this page?')) break; }
          var email = prompt('Your email?', 'someone@example.com');
          for (var j = 0; j < 15; j++) alert('Step ' + j + ' \u202e' + 'x'.repeat(500));
          new Image().src = at('static.criteo.net', '/after-dialogs.gif?email=' + email);",
        vec![("/after-dialogs.gif?email=null", gif())],
    );
    let report = scan(&browser_args(&server, &["--browser", "--settle", "500", "--page-timeout", "30"]));
    let visit = home_visit(&report, &server);
    assert_eq!(visit["complete"], true, "{visit:#}");
    assert_eq!(resource(&report, "after-dialogs.gif?email=null")["runtime"]["status"], 200);
    let dialogs = visit["dialogs"].as_array().unwrap();
    assert_eq!(dialogs[0], serde_json::json!({ "type": "confirm", "message": "Leave this page?", "count": 40 }));
    assert_eq!(dialogs[1], serde_json::json!({ "type": "prompt", "message": "Your email?", "count": 1 }));
    // Ten listed (the confirm, the prompt, eight alerts), the other seven alerts counted.
    assert_eq!(dialogs.len(), 10, "{visit:#}");
    assert_eq!(visit["dialogs_omitted"], 7, "{visit:#}");
    for d in &dialogs[2..] {
        let text = d["message"].as_str().unwrap();
        assert_eq!((d["type"].as_str(), d["count"].as_u64()), (Some("alert"), Some(1)), "{d:#}");
        assert!(text.starts_with("Step ") && text.ends_with('…'), "{text}");
        assert_eq!(text.chars().count(), 200, "{text}");
        assert!(!text.contains('\u{202e}'), "the override is removed: {text:?}");
    }
}

/// Ctrl-C or SIGTERM while a tab is open: the tab's recording so far is in the report.
fn a_stop_keeps_what_the_open_tab_recorded(signal: &str) {
    let (tx, rx) = std::sync::mpsc::channel();
    // The script is asked for only once the pixel is done (a 6-byte GIF is an error to the
    // decoder, so both ends count), so by the time the server holds it, the pixel's request
    // is behind the visit, which must keep it.
    let server = hostile_store(
        r#"<script>function next() { var s = document.createElement('script'); s.src = '/slow.js'; document.head.appendChild(s); }</script>
           <img src="http://static.criteo.net:{{PORT}}/before-stop.gif" onload="next()" onerror="next()">"#,
        "",
        vec![("/before-stop.gif", gif()), ("/slow.js", js("").behaving(Behaviour::Hold(tx)))],
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let mut args = browser_args(&server, &["--browser", "--page-timeout", "120", "-f", "json", "--quiet"]);
    args.extend(["-o".into(), out.display().to_string()]);
    let child = Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .arg("scan")
        .args(&args)
        .env("TMPDIR", tmp.path())
        .env_remove("CI")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let held = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the browser requested /slow.js");
    assert_eq!(held, "/slow.js");
    nix_kill(child.id(), signal);
    let done = child.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(130), "{}", String::from_utf8_lossy(&done.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(report_schema_errors(&report), Vec::<String>::new());
    assert_eq!(report["complete"], false);
    let visit = home_visit(&report, &server);
    assert_eq!(visit["complete"], false, "{visit:#}");
    assert!(visit["error"].as_str().unwrap().starts_with("stopped"), "{visit:#}");
    let pixel = resource(&report, "before-stop.gif");
    assert_eq!((pixel["source"].as_str(), pixel["runtime"]["status"].as_u64()), (Some("both"), Some(200)), "{pixel:#}");
    let slow = resource(&report, "/slow.js");
    assert_eq!((slow["source"].as_str(), slow["runtime"]["initiator"].as_str()), (Some("runtime"), Some("script")));
    assert!(slow["runtime"]["status"].is_null(), "never answered: {slow:#}");
    assert_eq!(report["browser"]["pages_failed"], 1);
    let left = browsers_using(tmp.path());
    assert!(left.is_empty(), "browser processes left behind: {left:#?}");
}

#[test]
fn ctrl_c_keeps_what_the_open_tab_recorded() {
    let Some(_one) = chromium() else { return };
    a_stop_keeps_what_the_open_tab_recorded("INT");
}

#[test]
fn sigterm_keeps_what_the_open_tab_recorded() {
    let Some(_one) = chromium() else { return };
    a_stop_keeps_what_the_open_tab_recorded("TERM");
}

#[test]
fn a_post_the_browser_canceled_after_the_server_got_it_counts_as_sent() {
    let Some(_one) = chromium() else { return };
    let (got, wait) = std::sync::mpsc::channel();
    // Answered: the page aborts the POST once its answer's headers are in (the body drips).
    let mut answered = Response::with_type(200, "text/plain", b"ok").behaving(Behaviour::Drip);
    answered.headers.push(("Access-Control-Allow-Origin".into(), "*".into()));
    // Received, never answered: the page aborts it once the server has it (`/ack` answers then).
    let server = hostile_store(
        "",
        r"var a = new AbortController();
          fetch(at('static.criteo.net', '/answered'), { method: 'POST', body: 'email=a%40b.example', signal: a.signal })
            .then(function () { a.abort(); }).catch(function () {});
          var h = new AbortController();
          fetch(at('snap.licdn.com', '/received'), { method: 'POST', body: 'email=a%40b.example', mode: 'no-cors', signal: h.signal })
            .catch(function () {});
          fetch('/ack').then(function () { h.abort(); });",
        vec![
            ("/answered", answered),
            ("/received", Response::with_type(200, "text/plain", b"").behaving(Behaviour::Hold(got))),
            (
                "/ack",
                Response::with_type(200, "text/plain", b"").behaving(Behaviour::WaitFor(Arc::new(Mutex::new(wait)))),
            ),
        ],
    );
    let report = scan(&browser_args(&server, &["--browser", "--settle", "1000"]));
    let seen = server.seen();
    for path in ["/answered", "/received"] {
        assert!(seen.iter().any(|s| s.request_line.starts_with(&format!("POST {path} "))), "the server got {path}");
        let r = resource(&report, path)["runtime"].clone();
        assert_eq!(r["method"], "POST", "{r:#}");
        assert!(r.get("failure").is_none(), "it reached the server, so it did not fail: {r:#}");
        assert_eq!(r["canceled"], true, "{r:#}");
    }
    assert_eq!(resource(&report, "/answered")["runtime"]["status"], 200);
    assert!(resource(&report, "/received")["runtime"]["status"].is_null());
}

#[test]
fn a_blocked_popup_is_a_request_of_the_page() {
    let Some(_one) = chromium() else { return };
    let server = hostile_store("", "window.open(at('static.criteo.net', '/popup?uid=42'), '_blank');", vec![]);
    let report = scan(&browser_args(&server, &["--browser", "--settle", "500"]));
    let url = format!("http://static.criteo.net:{}/popup?uid=42", server.port());
    let popup = resource(&report, "/popup?uid=42");
    assert_eq!(
        (popup["kind"].as_str(), popup["vendor"].as_str(), popup["source"].as_str()),
        (Some("popup"), Some("criteo"), Some("runtime")),
        "{popup:#}"
    );
    assert_eq!(home_visit(&report, &server)["popups"], serde_json::json!([url]));
    assert!(vendor(&report, "criteo")["kinds"].as_array().unwrap().iter().any(|k| k == "popup"));
    // The pop-up blocker stopped it: nothing was loaded.
    assert!(!server.seen().iter().any(|s| s.path.starts_with("/popup")), "{:?}", server.seen());
}

#[test]
fn a_download_is_refused_recorded_and_the_visit_goes_on() {
    let Some(_one) = chromium() else { return };
    let attachment = |name: &str| {
        let mut r = Response::with_type(200, "application/octet-stream", b"customer list");
        r.headers.push(("Content-Disposition".into(), format!("attachment; filename={name}")));
        r
    };
    // One download in the page's own frame (a link the page clicks: until now it stopped
    // the recording as if the page had left), one in an iframe a script inserts.
    let server = hostile_store(
        r#"<a id="d" href="http://static.hotjar.com:{{PORT}}/report.bin?uid=42">x</a>"#,
        r"document.getElementById('d').click();
          var f = document.createElement('iframe');
          f.src = at('static.klaviyo.com', '/export.csv?list=1');
          document.body.appendChild(f);",
        vec![("/report.bin?uid=42", attachment("report.bin")), ("/export.csv?list=1", attachment("export.csv"))],
    );
    let report = scan(&browser_args(&server, &["--browser", "--settle", "1000"]));
    let p = server.port();
    let (main, framed) = (
        format!("http://static.hotjar.com:{p}/report.bin?uid=42"),
        format!("http://static.klaviyo.com:{p}/export.csv?list=1"),
    );
    let visit = home_visit(&report, &server);
    assert_eq!(visit["complete"], true, "{visit:#}");
    assert!(visit.get("error").is_none(), "a download does not leave the page: {visit:#}");
    assert_eq!(visit["downloads"], serde_json::json!([main, framed]), "{visit:#}");
    for (part, vendor_id) in [("/report.bin", "hotjar"), ("/export.csv", "klaviyo")] {
        let r = resource(&report, part);
        assert_eq!((r["kind"].as_str(), r["vendor"].as_str()), (Some("download"), Some(vendor_id)), "{r:#}");
    }
}

#[test]
fn unload_beacons_are_recorded_as_the_visit_leaves_the_page() {
    let Some(_one) = chromium() else { return };
    let server = hostile_store(
        "",
        r"addEventListener('pagehide', function () {
            navigator.sendBeacon(at('analytics.tiktok.com', '/bye?e=pagehide'), 'cart=3');
          });
          document.addEventListener('visibilitychange', function () {
            if (document.visibilityState === 'hidden')
              fetch(at('snap.licdn.com', '/hidden'), { method: 'POST', body: 'x', keepalive: true, mode: 'no-cors' });
          });",
        vec![
            ("/bye?e=pagehide", Response::with_type(204, "text/plain", b"")),
            ("/hidden", Response::with_type(200, "text/plain", b"ok")),
        ],
    );
    let report = scan(&browser_args(&server, &["--browser", "--settle", "500"]));
    // Chromium's interception names a keepalive `fetch` an `XHR`.
    for (part, kinds, status, vendor_id) in [
        ("/bye?e=pagehide", &["beacon"][..], 204, "tiktok-pixel"),
        ("/hidden", &["fetch", "xhr"][..], 200, "linkedin-insight-tag"),
    ] {
        let r = resource(&report, part);
        assert!(kinds.contains(&r["kind"].as_str().unwrap()), "{r:#}");
        assert_eq!(r["vendor"], vendor_id, "{r:#}");
        assert_eq!(r["runtime"]["unload"], true, "{r:#}");
        assert_eq!((r["runtime"]["method"].as_str(), r["runtime"]["status"].as_u64()), (Some("POST"), Some(status)));
    }
    assert!(server.seen().iter().any(|s| s.path == "/bye?e=pagehide"));
    assert_eq!(home_visit(&report, &server)["complete"], true);
}

// ---------------------------------------------------------------------------------------
// Consent (`--consent`, `--gpc`): stand-in consent managers written for these tests from
// the managers' public documentation (the same global objects, element ids and calls), and
// tags that obey the visitor's choice or ignore it. The tags fire on the manager's own
// consent events, never on a timer, so what is sent before and after the choice is fixed.

/// A Cookiebot stand-in (`window.Cookiebot` with `consent`, `submitCustomConsent`,
/// `withdraw`; the dialog `#CybotCookiebotDialog` with its decline and allow-all buttons;
/// the `CookiebotOnAccept`/`CookiebotOnDecline` events; and, as Cookiebot does, scripts
/// written as `type="text/plain" data-cookieconsent="marketing"` switched on by acceptance).
const COOKIEBOT_STAND_IN: &str = r#"(function () {
  var dialog = document.createElement('div');
  dialog.id = 'CybotCookiebotDialog';
  dialog.innerHTML = '<p>This website uses cookies.</p>' +
    '<button id="CybotCookiebotDialogBodyButtonDecline">Use necessary cookies only</button>' +
    '<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll">Allow all</button>';
  var cb = window.Cookiebot = {
    consent: { necessary: true, preferences: false, statistics: false, marketing: false },
    consented: false, declined: false, hasResponse: false,
    submitCustomConsent: function (p, s, m) {
      cb.consent.preferences = !!p; cb.consent.statistics = !!s; cb.consent.marketing = !!m;
      cb.hasResponse = true; cb.consented = !!(p || s || m); cb.declined = !cb.consented;
      document.cookie = 'CookieConsent=' + (cb.consented ? 'all' : 'necessary') + '; path=/';
      dialog.style.display = 'none';
      if (cb.consented) {
        document.querySelectorAll('script[type="text/plain"][data-cookieconsent]').forEach(function (old) {
          var s = document.createElement('script'); s.src = old.src; document.head.appendChild(s);
        });
      }
      window.dispatchEvent(new Event(cb.consented ? 'CookiebotOnAccept' : 'CookiebotOnDecline'));
    },
    withdraw: function () { cb.submitCustomConsent(false, false, false); },
  };
  document.body.appendChild(dialog);
  document.getElementById('CybotCookiebotDialogBodyButtonDecline').onclick = function () { cb.submitCustomConsent(false, false, false); };
  document.getElementById('CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll').onclick = function () { cb.submitCustomConsent(true, true, true); };
})();"#;

/// The store behind a Cookiebot banner: LinkedIn's tag fires on load (before any choice),
/// Criteo only once the visitor accepts (and its gated script is switched on then), and a
/// TikTok beacon fires on the decline event itself: the tag that ignores "reject".
fn cookiebot_store() -> Server {
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        html(
            r#"<!doctype html><html><head><title>Shop</title>
<script type="text/plain" data-cookieconsent="marketing" src="http://static.criteo.net:{{PORT}}/ld.js"></script>
</head><body><h1>Coffee</h1>
<script>
fetch('http://snap.licdn.com:{{PORT}}/collect?on=load', { mode: 'no-cors' });
window.addEventListener('CookiebotOnAccept', function () { new Image().src = 'http://static.criteo.net:{{PORT}}/px.gif?on=accept'; });
window.addEventListener('CookiebotOnDecline', function () { navigator.sendBeacon('http://analytics.tiktok.com:{{PORT}}/beacon?on=decline', 'e=1'); });
</script>
<script id="Cookiebot" src="http://consent.cookiebot.com:{{PORT}}/uc.js" async></script>
</body></html>"#,
        ),
    );
    r.insert("/uc.js".into(), js(COOKIEBOT_STAND_IN));
    r.insert("/ld.js".into(), js("window.criteoLoaded = true;"));
    for p in ["/px.gif?on=accept", "/collect?on=load"] {
        r.insert(p.into(), gif());
    }
    r.insert("/beacon?on=decline".into(), Response::with_type(204, "text/plain", b""));
    Server::start(r)
}

fn consent_args(server: &Server, extra: &[&str]) -> Vec<String> {
    let mut args = browser_args(server, &["--browser", "--settle", "500", "--resolve"]);
    args.push(server.resolve("consent.cookiebot.com"));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

/// A scan that may fail the gate: its exit code and its (schema-valid) JSON report.
fn scan_gate(args: &[String]) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["scan", "-f", "json", "--quiet"];
    all.extend(args.iter().map(String::as_str));
    let out = vendorscan(&all);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let errors = report_schema_errors(&report);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    (out.status.code(), report)
}

fn findings_of<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
}

fn requested(server: &Server, host: &str, path: &str) -> bool {
    server.seen().iter().any(|s| s.host.starts_with(host) && s.path.starts_with(path))
}

#[test]
fn consent_reject_through_the_cookiebot_api_fails_on_the_tag_that_ignores_it() {
    let Some(_one) = chromium() else { return };
    let server = cookiebot_store();
    let (code, report) = scan_gate(&consent_args(&server, &["--consent", "reject"]));
    assert_eq!(code, Some(1), "an error finding fails the gate: {:#}", report["findings"]);
    let visit = &home_visit(&report, &server);
    let c = &visit["consent"];
    assert_eq!(
        (c["cmp"].as_str(), c["method"].as_str(), c["applied"].as_bool(), c["confirmed"].as_bool()),
        (Some("cookiebot"), Some("api"), Some(true), Some(true)),
        "{c:#}"
    );
    assert!(c["detail"].as_str().unwrap().contains("Cookiebot.submitCustomConsent(false, false, false)"), "{c:#}");
    assert_eq!(
        (report["browser"]["consent"].as_str(), report["browser"]["consent_applied"].as_u64()),
        (Some("reject"), Some(1))
    );
    // The beacon the decline itself triggered: after the choice, to TikTok.
    let beacon = resource(&report, "/beacon?on=decline");
    assert_eq!(beacon["runtime"]["after_choice"], 1, "{beacon:#}");
    let after = findings_of(&report, "tracking-after-reject");
    assert_eq!(after.len(), 1, "{:#}", report["findings"]);
    let f = after[0];
    assert_eq!((f["vendor"].as_str(), f["severity"].as_str()), (Some("tiktok-pixel"), Some("error")));
    let msg = f["message"].as_str().unwrap();
    let page = format!("{}/", server.origin());
    assert!(msg.contains("after the visitor rejected consent") && msg.contains(&page), "{msg}");
    assert!(msg.contains(&format!("http://analytics.tiktok.com:{}/beacon?on=decline", server.port())), "{msg}");
    // LinkedIn fired on load, before any choice: a warning, not an error.
    let before = findings_of(&report, "tracking-before-consent");
    let li: Vec<_> = before.iter().map(|f| (f["vendor"].as_str().unwrap(), f["severity"].as_str().unwrap())).collect();
    assert_eq!(li, [("linkedin-insight-tag", "warning")], "{:#}", report["findings"]);
    // Criteo obeyed: neither its pixel nor its gated script was requested.
    assert!(!requested(&server, "static.criteo.net", "/px.gif"));
    assert!(!requested(&server, "static.criteo.net", "/ld.js"));
    assert!(requested(&server, "analytics.tiktok.com", "/beacon"));
}

#[test]
fn consent_accept_switches_on_the_gated_tags_and_none_leaves_the_banner_unanswered() {
    let Some(_one) = chromium() else { return };
    let server = cookiebot_store();
    let (code, report) = scan_gate(&consent_args(&server, &["--consent", "accept"]));
    assert_eq!(code, Some(0), "{:#}", report["findings"]);
    let c = &home_visit(&report, &server)["consent"];
    assert_eq!(
        (c["cmp"].as_str(), c["applied"].as_bool(), c["confirmed"].as_bool()),
        (Some("cookiebot"), Some(true), Some(true))
    );
    // The script the markup gates on "marketing" loads once accepted: markup and browser agree.
    let gated = resource(&report, "/ld.js");
    assert_eq!(
        gated["condition"],
        serde_json::json!({ "kind": "consent-gated", "category": "marketing" }),
        "{gated:#}"
    );
    assert_eq!(
        (gated["source"].as_str(), gated["runtime"]["after_choice"].as_u64()),
        (Some("both"), Some(1)),
        "{gated:#}"
    );
    assert_eq!(resource(&report, "/px.gif?on=accept")["runtime"]["after_choice"], 1);
    assert!(findings_of(&report, "tracking-after-reject").is_empty());
    assert!(!requested(&server, "analytics.tiktok.com", "/beacon"));

    // No answer: the banner is named, nothing is applied, only what fires on load is sent.
    let before = server.seen().len();
    let (code, report) = scan_gate(&consent_args(&server, &[]));
    assert_eq!(code, Some(0));
    let c = &home_visit(&report, &server)["consent"];
    assert_eq!(
        (c["cmp"].as_str(), c["applied"].as_bool(), c.get("method")),
        (Some("cookiebot"), Some(false), None),
        "{c:#}"
    );
    assert_eq!(report["browser"]["consent"], "none");
    assert!(report["browser"].get("consent_applied").is_none());
    let later: Vec<String> = server.seen()[before..].iter().map(|s| format!("{}{}", s.host, s.path)).collect();
    assert!(!later.iter().any(|s| s.contains("criteo") || s.contains("tiktok")), "{later:?}");
    let f = findings_of(&report, "tracking-before-consent");
    assert_eq!(f.len(), 1, "{:#}", report["findings"]);
    assert!(f[0]["message"].as_str().unwrap().contains("before the visitor made any consent choice"));
}

/// Three banners answered without an API: a OneTrust banner whose SDK exposes no
/// `OneTrust` object (its documented reject button, and `OnetrustActiveGroups` read back),
/// a German banner of a TCF v2 CMP (known by its button text; the choice read back from
/// `__tcfapi('getTCData')`), and a page with no banner at all.
fn button_store() -> Server {
    let page =
        |body: &str| html(&format!("<!doctype html><html><head><title>p</title></head><body>{body}</body></html>"));
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        page(r#"<a href="/onetrust.html">1</a> <a href="/tcf.html">2</a> <a href="/plain.html">3</a>"#),
    );
    r.insert(
        "/onetrust.html".into(),
        page(
            r#"<div id="onetrust-banner-sdk"><p>We value your privacy</p>
<button id="onetrust-accept-btn-handler">Accept All Cookies</button><button id="onetrust-reject-all-handler">Reject All</button></div>
<script>
window.OnetrustActiveGroups = ',C0001,C0002,C0004,';
document.getElementById('onetrust-reject-all-handler').onclick = function () {
  window.OnetrustActiveGroups = ',C0001,';
  document.getElementById('onetrust-banner-sdk').style.display = 'none';
};
</script>"#,
        ),
    );
    r.insert(
        "/tcf.html".into(),
        page(
            r#"<div id="cmp-box"><p>Wir verwenden Cookies.</p><button>Alle akzeptieren</button> <button class="no">Alle ablehnen</button></div>
<script>
var consents = { 1: true, 2: true, 3: true };
window.__tcfapi = function (cmd, version, cb) {
  if (cmd === 'getTCData') cb({ tcfPolicyVersion: 4, eventStatus: 'tcloaded', purpose: { consents: consents } }, true);
};
document.querySelector('#cmp-box .no').onclick = function () {
  consents = { 1: false, 2: false, 3: false };
  document.getElementById('cmp-box').remove();
};
</script>"#,
        ),
    );
    // A tracking tag on a page that asks for no consent: nothing to judge "before consent" by.
    r.insert(
        "/plain.html".into(),
        page(r#"<p>No banner here.</p><script src="http://static.hotjar.com:{{PORT}}/c/hotjar-7.js"></script>"#),
    );
    r.insert("/c/hotjar-7.js".into(), js("/* replay */"));
    Server::start(r)
}

#[test]
fn consent_banners_are_answered_by_their_buttons_and_a_page_without_one_is_named() {
    let Some(_one) = chromium() else { return };
    let server = button_store();
    let args = browser_args(&server, &["--browser", "--settle", "300", "--consent", "reject"]);
    let report = scan(&args);
    let o = server.origin();
    let consent = |path: &str| page(&report, &format!("{o}{path}"))["visit"]["consent"].clone();
    let ot = consent("/onetrust.html");
    assert_eq!(
        (ot["cmp"].as_str(), ot["method"].as_str(), ot["applied"].as_bool(), ot["confirmed"].as_bool()),
        (Some("onetrust"), Some("button"), Some(true), Some(true)),
        "{ot:#}"
    );
    assert!(ot["detail"].as_str().unwrap().contains("active groups ,C0001,"), "{ot:#}");
    let tcf = consent("/tcf.html");
    assert_eq!(
        (tcf["cmp"].as_str(), tcf["method"].as_str(), tcf["applied"].as_bool(), tcf["confirmed"].as_bool()),
        (Some("tcf"), Some("button"), Some(true), Some(true)),
        "{tcf:#}"
    );
    assert!(tcf["detail"].as_str().unwrap().contains(r#"clicked "alle ablehnen""#), "{tcf:#}");
    // No banner: said so, per page and in the run's summary, and nothing counts as rejected.
    let plain = consent("/plain.html");
    assert_eq!((plain["cmp"].clone(), plain["applied"].as_bool()), (serde_json::Value::Null, Some(false)));
    assert_eq!(plain["detail"], "no consent banner recognised");
    let b = &report["browser"];
    assert_eq!(b["consent_not_applied"], serde_json::json!([format!("{o}/"), format!("{o}/plain.html")]), "{b:#}");
    assert_eq!(b["consent_applied"], 2);
    // The text report says it too.
    let mut text = vec!["scan", "--quiet"];
    text.extend(args.iter().map(String::as_str));
    let out = stdout(&vendorscan(&text));
    assert!(out.contains("Consent: reject · choice made on 2 of 4 pages"), "{out}");
    assert!(out.contains("NOT made on 2 pages (no consent banner recognised, or the answer failed)"), "{out}");
    // Hotjar was requested on the page without a banner, and is not judged there.
    assert!(requested(&server, "static.hotjar.com", "/c/hotjar-7.js"));
    let plain_page = format!("{o}/plain.html");
    for f in
        findings_of(&report, "tracking-before-consent").iter().chain(&findings_of(&report, "tracking-after-reject"))
    {
        assert!(f["locations"].as_array().unwrap().iter().all(|l| l["page"] != plain_page.as_str()), "{f:#}");
    }
}

#[test]
fn gpc_is_sent_in_the_header_and_seen_by_the_page_and_tracking_then_is_an_error() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        html(
            r#"<!doctype html><title>Shop</title><script>
if (navigator.globalPrivacyControl === true) fetch('/gpc-seen');
</script><script src="http://static.hotjar.com:{{PORT}}/c/hotjar-1.js"></script>"#,
        ),
    );
    r.insert("/c/hotjar-1.js".into(), js("window.hj = 1;"));
    r.insert("/gpc-seen".into(), Response::with_type(204, "text/plain", b""));
    let server = Server::start(r);
    let (code, report) = scan_gate(&browser_args(&server, &["--browser", "--settle", "300", "--gpc"]));
    assert_eq!(code, Some(1), "{:#}", report["findings"]);
    assert_eq!(report["browser"]["gpc"], true);
    let seen = server.seen();
    // What the browser sent (the static crawl fetched the page too, without the signal).
    let gpc = |host: &str, path: &str| {
        let sent: Vec<_> = seen
            .iter()
            .filter(|s| s.host.starts_with(host) && s.path == path && s.user_agent.contains("Chrome"))
            .collect();
        !sent.is_empty() && sent.iter().all(|s| s.headers.iter().any(|(k, v)| k == "sec-gpc" && v == "1"))
    };
    assert!(gpc("shop.test", "/"), "the page's own request");
    assert!(gpc("static.hotjar.com", "/c/hotjar-1.js"), "a third party's");
    assert!(gpc("shop.test", "/gpc-seen"), "navigator.globalPrivacyControl was true before the page's scripts ran");
    let f = findings_of(&report, "tracking-after-reject");
    assert_eq!(f.len(), 1, "{:#}", report["findings"]);
    assert_eq!(f[0]["vendor"], "hotjar");
    assert!(f[0]["message"].as_str().unwrap().contains("while the browser sent Global Privacy Control"), "{f:#?}");
    assert!(findings_of(&report, "tracking-before-consent").is_empty(), "GPC is the stronger finding");
}

#[test]
fn three_consent_states_in_one_run_compare_each_vendor_and_fail_on_the_tag_that_ignores_reject() {
    let Some(_one) = chromium() else { return };
    let server = cookiebot_store();
    let args = consent_args(&server, &["--consent", "none", "--consent", "reject", "--consent", "accept"]);
    let (code, report) = scan_gate(&args);
    assert_eq!(code, Some(1), "the tag that ignores reject fails the gate: {:#}", report["findings"]);
    let states: Vec<&str> =
        report["browser"]["states"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["none", "reject", "accept"]);
    assert_eq!(report["browser"]["consent"], "none", "the first state is the one the report describes");
    for s in report["browser"]["states"].as_array().unwrap() {
        assert_eq!(s["pages_visited"], 1, "{s}");
    }
    // The matrix: who was sent what in which state.
    let cell = |vendor_id: &str, state: &str| -> Option<serde_json::Value> {
        vendor(&report, vendor_id)["consent_matrix"]
            .as_array()
            .and_then(|m| m.iter().find(|c| c["state"] == state).cloned())
    };
    // LinkedIn fires on load whatever the choice.
    for state in ["none", "reject", "accept"] {
        assert!(cell("linkedin-insight-tag", state).is_some_and(|c| c["requests"].as_u64() > Some(0)), "{state}");
    }
    // Criteo waits for "accept", and only then.
    assert!(cell("criteo", "accept").is_some_and(|c| c["after_choice"].as_u64() > Some(0)));
    assert!(cell("criteo", "none").is_none() && cell("criteo", "reject").is_none());
    // TikTok fires on the decline itself: after the choice, in the reject state only.
    let tiktok = cell("tiktok-pixel", "reject").expect("tiktok in the reject state");
    assert_eq!(tiktok["after_choice"], 1, "{tiktok:#}");
    assert!(tiktok["first_after_choice"].as_str().unwrap().contains("/beacon?on=decline"));
    assert!(cell("tiktok-pixel", "none").is_none() && cell("tiktok-pixel", "accept").is_none());
    // The reject state's evidence makes the error, though the report describes "none".
    let after = findings_of(&report, "tracking-after-reject");
    let ids: Vec<&str> = after.iter().map(|f| f["vendor"].as_str().unwrap()).collect();
    assert_eq!(ids, ["tiktok-pixel"], "{:#}", report["findings"]);
    // The table shows the matrix per vendor.
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["scan", "--quiet"];
    all.extend(refs);
    let table = stdout(&vendorscan(&all));
    assert!(
        table.contains("consent states: none: nothing, reject: 1 request (1 after the choice), accept: nothing"),
        "{table}"
    );
}

/// Stand-ins for four more consent manager families, each written from its public
/// documentation: the banner's own elements, its JavaScript API where it has one, and the
/// read-back call. Each page's tag fires only once the visitor accepts.
fn more_cmps_store() -> Server {
    const COOKIEYES: &str = r#"(function () {
  var d = document.createElement('div'); d.className = 'cky-consent-container';
  d.innerHTML = '<button class="cky-btn cky-btn-reject" data-cky-tag="reject-button">Reject All</button>' +
    '<button class="cky-btn cky-btn-accept" data-cky-tag="accept-button">Accept All</button>';
  document.body.appendChild(d);
  var cats = { necessary: true, functional: false, analytics: false, advertisement: false };
  window.getCkyConsent = function () { return { activeLaw: 'gdpr', categories: Object.assign({}, cats) }; };
  function set(v) { ['functional', 'analytics', 'advertisement'].forEach(function (k) { cats[k] = v; }); d.style.display = 'none'; }
  d.querySelector('.cky-btn-reject').onclick = function () { set(false); };
  d.querySelector('.cky-btn-accept').onclick = function () { set(true); };
})();"#;
    const COMPLIANZ: &str = r#"(function () {
  var d = document.createElement('div'); d.className = 'cmplz-cookiebanner';
  d.innerHTML = '<button class="cmplz-btn cmplz-deny">Deny</button><button class="cmplz-btn cmplz-accept">Accept</button>';
  document.body.appendChild(d);
  var given = {};
  window.cmplz_has_consent = function (c) { return !!given[c]; };
  window.cmplz_deny_all = function () { given = {}; d.style.display = 'none'; };
  window.cmplz_accept_all = function () { given = { statistics: 1, marketing: 1, preferences: 1 }; d.style.display = 'none'; };
})();"#;
    const IUBENDA: &str = r#"(function () {
  var d = document.createElement('div'); d.id = 'iubenda-cs-banner';
  d.innerHTML = '<button class="iubenda-cs-reject-btn">Reject</button><button class="iubenda-cs-accept-btn">Accept</button>';
  document.body.appendChild(d);
  var state = null;
  window._iub = { cs: { api: { isConsentGiven: function () { return state === true; },
                               isConsentRejected: function () { return state === false; } } } };
  d.querySelector('.iubenda-cs-reject-btn').onclick = function () { state = false; d.remove(); };
  d.querySelector('.iubenda-cs-accept-btn').onclick = function () { state = true; d.remove(); };
})();"#;
    const SHOPIFY: &str = r#"(function () {
  var choice = null;
  window.Shopify = { customerPrivacy: {
    shouldShowBanner: function () { return choice === null; },
    setTrackingConsent: function (c, cb) { choice = c; setTimeout(cb, 10); },
    currentVisitorConsent: function () {
      var r = {}; ['analytics', 'marketing', 'preferences', 'sale_of_data'].forEach(function (k) {
        r[k] = choice === null ? '' : (choice[k] ? 'yes' : 'no'); }); return r; } } };
})();"#;
    let mut r = HashMap::new();
    let links: String = ["cookieyes", "complianz", "iubenda", "shopify", "trusted"]
        .iter()
        .map(|c| format!("<a href=\"/{c}.html\">{c}</a>"))
        .collect();
    r.insert("/".into(), html(&format!("<!doctype html><title>Shop</title>{links}")));
    // A banner that takes only a real click (as some do, against scripted clicks).
    r.insert(
        "/trusted.html".into(),
        html(
            r#"<!doctype html><title>Trusted</title><body><div id="banner">We use cookies
<button onclick="if (event.isTrusted) document.getElementById('banner').remove()">Reject all</button>
<button onclick="if (event.isTrusted) document.getElementById('banner').remove()">Accept all</button></div>"#,
        ),
    );
    for (name, script) in
        [("cookieyes", COOKIEYES), ("complianz", COMPLIANZ), ("iubenda", IUBENDA), ("shopify", SHOPIFY)]
    {
        r.insert(
            format!("/{name}.html"),
            html(&format!("<!doctype html><title>{name}</title><body><h1>Shop</h1><script>{script}</script>")),
        );
    }
    Server::start(r)
}

#[test]
fn cookieyes_complianz_iubenda_and_shopify_banners_are_answered_and_read_back() {
    let Some(_one) = chromium() else { return };
    let server = more_cmps_store();
    for state in ["reject", "accept"] {
        let report = scan(&browser_args(&server, &["--browser", "--settle", "300", "--consent", state]));
        let o = server.origin();
        let consent = |path: &str| page(&report, &format!("{o}{path}"))["visit"]["consent"].clone();
        for (page, cmp, method, said) in [
            ("/cookieyes.html", "cookieyes", "button", "CookieYes categories: ["),
            (
                "/complianz.html",
                "complianz",
                "api",
                if state == "reject" { "cmplz_deny_all()" } else { "cmplz_accept_all()" },
            ),
            ("/iubenda.html", "iubenda", "button", "iubenda consent given: "),
            ("/shopify.html", "shopify", "api", "Shopify.customerPrivacy.setTrackingConsent({analytics: "),
        ] {
            let c = consent(page);
            assert_eq!(
                (c["cmp"].as_str(), c["method"].as_str(), c["applied"].as_bool(), c["confirmed"].as_bool()),
                (Some(cmp), Some(method), Some(true), Some(true)),
                "{state} on {page}: {c:#}"
            );
            assert!(c["detail"].as_str().unwrap().contains(said), "{state} on {page}: {c:#}");
        }
        // The button clicked with the mouse: a banner that ignores scripted clicks goes.
        let t = consent("/trusted.html");
        assert_eq!(
            (t["cmp"].as_str(), t["method"].as_str(), t["applied"].as_bool(), t["confirmed"].as_bool()),
            (Some("generic"), Some("button"), Some(true), Some(true)),
            "{state}: {t:#}"
        );
    }
}
