//! Observed data flows (browser mode): the test identity typed into a real Chromium, and
//! what each vendor was seen to receive, each way a tag sends it.
//!
//! A loopback store whose tags read the fields a visitor types and send them on: a plain
//! JSON POST (Klaviyo), a SHA-256 beacon (TikTok), a SHA-1 in a pixel URL (Criteo), base64
//! in an XHR body and a name in a WebSocket frame (Hotjar); two more tags (LinkedIn, the tag
//! manager) receive nothing personal and must not be credited with it. Every name is mapped
//! to loopback (`--resolve`, `--offline`), the WebSocket too.

use crate::browser::{chromium, js};
use crate::common::*;
use std::collections::HashMap;

const HOSTS: &[&str] = &[
    "shop.test",
    "static.klaviyo.com",
    "analytics.tiktok.com",
    "static.criteo.net",
    "static.hotjar.com",
    "snap.licdn.com",
    "px.ads.linkedin.com",
    "www.googletagmanager.com",
    "metrics.shopstats.example",
];

const SIGNUP: &str = r#"<!doctype html><html><head><title>Sign up</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Coffee club",
"offers":{"@type":"Offer","price":"42.50","priceCurrency":"EUR"}}</script>
<script src="http://metrics.shopstats.example:{{PORT}}/m.js"></script>
<script src="http://www.googletagmanager.com:{{PORT}}/gtm.js?id=GTM-FLOW1"></script>
<script src="http://snap.licdn.com:{{PORT}}/li.js"></script>
<script src="http://static.klaviyo.com:{{PORT}}/k.js"></script>
<script src="http://analytics.tiktok.com:{{PORT}}/t.js"></script>
<script src="http://static.criteo.net:{{PORT}}/c.js"></script>
<script src="http://static.hotjar.com:{{PORT}}/h.js"></script>
</head><body><h1>Join our list</h1>
<form action="/thanks" method="post">
<label>E-mail <input type="email" name="email" id="email"></label>
<label>Phone <input type="tel" name="phone" id="phone"></label>
<input name="fname" id="fname" autocomplete="given-name">
<input name="lastname" id="lastname" placeholder="Last name">
<input name="zip" autocomplete="postal-code">
<label>Date of birth <input type="date" name="dob" id="dob"></label>
<input type="email" name="shadow_email" style="display:none">
<input type="password" name="pw">
<input type="search" name="q">
<button>Join</button>
</form></body></html>"#;

/// A hex digest in the page, with the browser's own WebCrypto (the store's origin is
/// treated as secure for this test, as https would be).
const HEX: &str = "async function hex(algo, s) { const b = await crypto.subtle.digest(algo, new TextEncoder().encode(s.trim().toLowerCase())); return Array.from(new Uint8Array(b)).map(x => x.toString(16).padStart(2, '0')).join(''); }";

fn store(ws_port: u16) -> Server {
    let mut r = HashMap::new();
    r.insert("/signup".into(), Response::with_type(200, "text/html; charset=utf-8", SIGNUP.as_bytes()));
    r.insert("/".into(), Response::with_type(200, "text/html", b"<!doctype html><a href=\"/signup\">Sign up</a>"));
    r.insert(
        "/gtm.js?id=GTM-FLOW1".into(),
        js("window.dataLayer = window.dataLayer || []; dataLayer.push({event: 'gtm.js'});"),
    );
    // Receives nothing personal: a page view on load and again on every change.
    r.insert(
        "/li.js".into(),
        js("const pv = () => { new Image().src = 'http://px.ads.linkedin.com:{{PORT}}/collect?pid=1234&fmt=gif&e=pv&t=' + Date.now(); };
            pv(); document.addEventListener('change', pv, true);"),
    );
    // An analytics service the database does not know: the page's price as the order value.
    r.insert(
        "/m.js".into(),
        js("addEventListener('load', () => fetch('http://metrics.shopstats.example:{{PORT}}/e', { method: 'POST', mode: 'no-cors',
              body: JSON.stringify({ event: 'view', order_total: '42.50', qty: 1 }) }));"),
    );
    r.insert("/e".into(), Response::with_type(204, "text/plain", b""));
    // A plain JSON POST of the e-mail as soon as the field changes.
    r.insert(
        "/k.js".into(),
        js("document.addEventListener('change', (e) => { if (e.target.id !== 'email') return;
              fetch('http://static.klaviyo.com:{{PORT}}/client/subscriptions', { method: 'POST', mode: 'no-cors',
                body: JSON.stringify({ data: { type: 'subscription', attributes: { email: e.target.value } } }) }); }, true);"),
    );
    // The e-mail's SHA-256 in a beacon, when the field loses focus.
    r.insert(
        "/t.js".into(),
        js(&format!("{HEX}
            document.addEventListener('blur', async (e) => {{ if (e.target.id !== 'email') return;
              const em = await hex('SHA-256', e.target.value);
              navigator.sendBeacon('http://analytics.tiktok.com:{{{{PORT}}}}/api/v2/pixel',
                JSON.stringify({{ event: 'SubmitForm', context: {{ pixel: {{ code: 'CFLOWTEST0000000000' }}, user: {{ email: em }} }} }})); }}, true);")),
    );
    // The e-mail's SHA-1 inside a pixel URL's nested, encoded parameter.
    r.insert(
        "/c.js".into(),
        js(&format!("{HEX}
            document.addEventListener('change', async (e) => {{ if (e.target.id !== 'email') return;
              const m = await hex('SHA-1', e.target.value);
              new Image().src = 'http://static.criteo.net:{{{{PORT}}}}/event?a=12345&p0=' + encodeURIComponent('e=ce&m=' + m); }}, true);")),
    );
    // Session replay: the phone number in a base64 XHR body; the names over a WebSocket.
    r.insert(
        "/h.js".into(),
        js(&format!(
            "let ws = new WebSocket('ws://ws.hotjar.com:{ws_port}/replay');
             document.addEventListener('change', (e) => {{
               if (e.target.id === 'phone') {{
                 const x = new XMLHttpRequest();
                 x.open('POST', 'http://static.hotjar.com:{{{{PORT}}}}/api/v2/client/sites/123/visit-data');
                 x.send(btoa(JSON.stringify({{ field: 'phone', value: e.target.value }})));
               }}
               if (e.target.id === 'lastname' && ws.readyState === 1) {{
                 ws.send(JSON.stringify({{ t: 'input', first: document.getElementById('fname').value, last: e.target.value }}));
               }}
             }}, true);"
        )),
    );
    for path in ["/client/subscriptions", "/api/v2/pixel", "/api/v2/client/sites/123/visit-data"] {
        r.insert(path.into(), Response::with_type(202, "text/plain", b""));
    }
    Server::start(r)
}

/// A WebSocket server on loopback that keeps every text frame it receives.
fn ws_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use futures_util::StreamExt;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let frames = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = frames.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
                    while let Some(Ok(msg)) = ws.next().await {
                        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
                            kept.lock().unwrap().push(t.to_string());
                        }
                    }
                });
            }
        });
    });
    (port, frames)
}

fn args(server: &Server, ws_port: u16, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec![
        format!("{}/signup", server.origin()),
        "--offline".into(),
        "--max-pages".into(),
        "1".into(),
        "--browser".into(),
        "--settle".into(),
        "1500".into(),
        // WebCrypto needs a secure context; the loopback store is plain HTTP.
        format!("--browser-arg=--unsafely-treat-insecure-origin-as-secure={}", server.origin()),
    ];
    a.extend(server.resolve_args(HOSTS));
    a.extend(["--resolve".into(), format!("ws.hotjar.com:{ws_port}:127.0.0.1")]);
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    a
}

fn run(args: &[String]) -> (Option<i32>, serde_json::Value) {
    let mut all: Vec<&str> = vec!["scan", "-f", "json", "--quiet"];
    all.extend(args.iter().map(String::as_str));
    let out = vendorscan(&all);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON report ({e}): {}", stderr(&out)));
    let errors = report_schema_errors(&report);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    (out.status.code(), report)
}

/// `(kind, of, encoding, via)` of every observation of a recipient.
fn observed(report: &serde_json::Value, id: &str) -> Vec<(String, String, String, String)> {
    let v = report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vendor {id} in {:?}", vendor_ids(report)));
    let s = |x: &serde_json::Value| x.as_str().unwrap_or("").to_owned();
    v["data_observed"]
        .as_array()
        .map(|list| list.iter().map(|o| (s(&o["kind"]), s(&o["of"]), s(&o["encoding"]), s(&o["via"]))).collect())
        .unwrap_or_default()
}

fn has(list: &[(String, String, String, String)], kind: &str, of: &str, encoding: &str, via: &str) -> bool {
    list.iter().any(|(k, o, e, v)| (k.as_str(), o.as_str(), e.as_str(), v.as_str()) == (kind, of, encoding, via))
}

const PERSONAL: &[&str] = &["email", "phone", "name", "postal-address", "date-of-birth", "hashed-identifier"];

#[test]
fn each_vendor_is_credited_with_exactly_what_it_received_and_how() {
    let Some(_one) = chromium() else { return };
    let (ws_port, frames) = ws_server();
    let server = store(ws_port);
    let (code, report) = run(&args(&server, ws_port, &[]));
    assert_eq!(code, Some(0), "no policy: warnings only");

    // What was typed: the visible fields of each kind, never a hidden, password or search one.
    let page = &report["pages"][0];
    let typed = &page["visit"]["typed"]["fields"];
    assert_eq!(
        typed,
        &serde_json::json!({ "birth-date": 1, "email": 1, "first-name": 1, "last-name": 1, "phone": 1, "postal-code": 1 }),
        "{:#}",
        page["visit"]
    );
    assert_eq!(report["browser"]["typing"], true);

    let klaviyo = observed(&report, "klaviyo");
    assert!(has(&klaviyo, "email", "email", "plain", "body"), "{klaviyo:?}");
    let tiktok = observed(&report, "tiktok-pixel");
    assert!(has(&tiktok, "hashed-identifier", "email", "sha256", "beacon"), "{tiktok:?}");
    let criteo = observed(&report, "criteo");
    assert!(has(&criteo, "hashed-identifier", "email", "sha1", "query"), "{criteo:?}");
    let hotjar = observed(&report, "hotjar");
    assert!(has(&hotjar, "phone", "phone", "base64", "body"), "{hotjar:?}");
    assert!(has(&hotjar, "name", "name", "plain", "websocket"), "{hotjar:?}");
    // Nothing more personal than that, for anyone: each vendor got what its tag sent.
    let personal = |list: &[(String, String, String, String)]| -> Vec<(String, String)> {
        list.iter().filter(|o| PERSONAL.contains(&o.0.as_str())).map(|o| (o.0.clone(), o.1.clone())).collect()
    };
    assert_eq!(personal(&klaviyo), vec![("email".into(), "email".into())]);
    assert!(personal(&tiktok).iter().all(|(k, of)| k == "hashed-identifier" && of == "email"), "{tiktok:?}");
    assert!(personal(&criteo).iter().all(|(k, of)| k == "hashed-identifier" && of == "email"), "{criteo:?}");
    for (k, of) in personal(&hotjar) {
        assert!(matches!((k.as_str(), of.as_str()), ("phone", "phone") | ("name", "name")), "hotjar got {k} {of}");
    }
    assert!(personal(&observed(&report, "linkedin-insight-tag")).is_empty(), "LinkedIn received nothing personal");
    assert!(personal(&observed(&report, "google-tag-manager")).is_empty(), "the tag manager received nothing personal");

    // The page's price, sent as an order total to a host the database does not know.
    let unknown = report["unknown_hosts"].as_array().unwrap();
    let stats = unknown.iter().find(|u| u["host"] == "metrics.shopstats.example").expect("the unknown host");
    let price = &stats["data_observed"][0];
    assert_eq!(
        (price["kind"].as_str(), price["of"].as_str(), price["via"].as_str()),
        (Some("purchase-cart"), Some("price"), Some("body")),
        "{stats:#}"
    );
    assert_eq!(price["example"], "order_total=«the page's price»");
    assert!(!observed(&report, "linkedin-insight-tag").iter().any(|o| o.0 == "purchase-cart"));

    // The examples never carry the value itself.
    let text = report["vendors"].to_string();
    assert!(!text.contains("vendorscan.testperson@example.com"), "a raw e-mail in the report");
    assert!(!text.contains("555-0147") && !text.contains("Testperson"), "a raw value in the report");

    // Personal data to advertising and session replay: warnings naming each such vendor.
    let findings = report["findings"].as_array().unwrap();
    let warned: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "personal-data-sent")
        .map(|f| f["vendor"].as_str().unwrap_or(""))
        .collect();
    for v in ["tiktok-pixel", "criteo", "hotjar"] {
        assert!(warned.contains(&v), "no personal-data-sent for {v}: {warned:?}");
    }
    assert!(!warned.contains(&"linkedin-insight-tag") && !warned.contains(&"klaviyo"), "{warned:?}");

    // The server really got them; the socket frame carried the typed names.
    let seen = server.seen();
    assert!(seen.iter().any(|s| s.path == "/client/subscriptions"), "the POST went out");
    let frames = frames.lock().unwrap().clone();
    assert!(frames.iter().any(|f| f.contains("Vendorina") && f.contains("Testperson")), "{frames:?}");
}

#[test]
fn a_data_limit_in_the_policy_turns_extra_data_into_an_error() {
    let Some(_one) = chromium() else { return };
    let (ws_port, _frames) = ws_server();
    let server = store(ws_port);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("vendorscan.toml");
    let mut allow = String::from("unknown = \"allow\"\n");
    for v in ["klaviyo", "tiktok-pixel", "criteo", "hotjar", "linkedin-insight-tag", "google-tag-manager"] {
        allow.push_str(&format!("[[allow]]\nvendor = \"{v}\"\nreason = \"test\"\n"));
        if v == "klaviyo" {
            allow.push_str("data = [\"page-url-referrer\", \"cookies-identifiers\"]\n");
        }
    }
    std::fs::write(&policy, allow).unwrap();
    // With a consent state asked for and no banner on the page, the fields are typed into all
    // the same (the answer is "no banner", then typing).
    let (code, report) = run(&args(&server, ws_port, &["--policy", policy.to_str().unwrap(), "--consent", "reject"]));
    let typed = &report["pages"][0]["visit"]["typed"]["fields"];
    assert_eq!(typed["email"], 1, "{:#}", report["pages"][0]["visit"]);
    assert_eq!(code, Some(1), "an unapproved data kind fails the gate");
    let findings = report["findings"].as_array().unwrap();
    let f = findings.iter().find(|f| f["rule"] == "unapproved-data").expect("unapproved-data");
    assert_eq!((f["vendor"].as_str(), f["severity"].as_str()), (Some("klaviyo"), Some("error")));
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("e-mail (plain, via body)") && msg.contains("allow[0]"), "{msg}");
    assert!(msg.contains("/client/subscriptions"), "names the request: {msg}");
    // A vendor approved without a limit keeps the warning; the limited one does not get both.
    assert!(findings.iter().any(|f| f["rule"] == "personal-data-sent" && f["vendor"] == "criteo"));
    assert!(!findings.iter().any(|f| f["rule"] == "personal-data-sent" && f["vendor"] == "klaviyo"));
}

#[test]
fn without_typing_nothing_personal_is_observed() {
    let Some(_one) = chromium() else { return };
    let (ws_port, _frames) = ws_server();
    let server = store(ws_port);
    let (_, report) = run(&args(&server, ws_port, &["--no-type"]));
    assert_eq!(report["browser"]["typing"], false);
    assert!(report["pages"][0]["visit"].get("typed").is_none());
    for v in report["vendors"].as_array().unwrap() {
        for o in v["data_observed"].as_array().into_iter().flatten() {
            assert!(!PERSONAL.contains(&o["kind"].as_str().unwrap()), "{}: {o}", v["id"]);
        }
    }
    // The payloads were still read: LinkedIn's page views are there, with their account.
    let li = report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == "linkedin-insight-tag").unwrap();
    assert!(li["tag_ids"].as_array().unwrap().iter().any(|t| t["value"] == "1234"), "{li:#}");
}

#[test]
fn a_fingerprinting_script_is_named_and_a_chart_is_not() {
    let Some(_one) = chromium() else { return };
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        Response::with_type(
            200,
            "text/html",
            b"<!doctype html><title>Shop</title><canvas id=chart width=300 height=150></canvas>
<script src=\"http://static.criteo.net:{{PORT}}/fp.js\"></script>
<script src=\"http://static.klaviyo.com:{{PORT}}/chart.js\"></script>",
        ),
    );
    // Canvas fingerprinting: text in two colours on a hidden canvas, read back as PNG; and
    // the graphics card's name through WebGL's debug extension.
    r.insert(
        "/fp.js".into(),
        js("const c = document.createElement('canvas'); c.width = 240; c.height = 60;
            const x = c.getContext('2d'); x.textBaseline = 'top'; x.font = '14px Arial';
            x.fillStyle = '#f60'; x.fillRect(125, 1, 62, 20);
            x.fillStyle = '#069'; x.fillText('Cwm fjordbank glyphs vext quiz', 2, 15);
            x.fillStyle = 'rgba(102, 204, 0, 0.7)'; x.fillText('Cwm fjordbank glyphs vext quiz', 4, 17);
            const id = c.toDataURL();
            const g = document.createElement('canvas').getContext('webgl');
            if (g) { const e = g.getExtension('WEBGL_debug_renderer_info'); if (e) g.getParameter(e.UNMASKED_RENDERER_WEBGL); }
            new Image().src = 'http://static.criteo.net:{{PORT}}/px.gif?fp=' + id.length;"),
    );
    // A bar chart: shapes and a label, never read back.
    r.insert(
        "/chart.js".into(),
        js("const x = document.getElementById('chart').getContext('2d');
            [30, 80, 55].forEach((h, i) => { x.fillStyle = ['#c33', '#3c3', '#33c'][i]; x.fillRect(20 + i * 60, 150 - h, 40, h); });
            x.fillStyle = '#000'; x.fillText('Sales by month', 10, 10);"),
    );
    r.insert("/px.gif".into(), Response::with_type(200, "image/gif", b"GIF89a"));
    let server = Server::start(r);
    let mut a: Vec<String> =
        vec![format!("{}/", server.origin()), "--offline".into(), "--browser".into(), "--settle".into(), "500".into()];
    a.extend(server.resolve_args(&["shop.test", "static.criteo.net", "static.klaviyo.com"]));
    let (_, report) = run(&a);
    let criteo = observed(&report, "criteo");
    assert!(has(&criteo, "device-fingerprint", "canvas", "", "script"), "{criteo:?}");
    let fp = report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == "criteo").unwrap();
    let canvas = fp["data_observed"].as_array().unwrap().iter().find(|o| o["of"] == "canvas").unwrap();
    assert!(canvas["request"].as_str().unwrap().ends_with("/fp.js"), "names the script: {canvas}");
    let klaviyo = observed(&report, "klaviyo");
    assert!(!klaviyo.iter().any(|o| o.0 == "device-fingerprint"), "a chart is not fingerprinting: {klaviyo:?}");
}

#[test]
fn policy_init_in_browser_mode_approves_what_each_vendor_was_seen_receiving() {
    let Some(_one) = chromium() else { return };
    let (ws_port, _frames) = ws_server();
    let server = store(ws_port);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("vendorscan.toml");
    let mut init: Vec<String> = vec!["policy".into(), "init".into(), "-o".into(), policy.display().to_string()];
    init.extend(args(&server, ws_port, &["--quiet"]));
    let all: Vec<&str> = init.iter().map(String::as_str).collect();
    let out = vendorscan(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&policy).unwrap();
    let klaviyo = text.split("[[allow]]").find(|e| e.contains("vendor = \"klaviyo\"")).expect("klaviyo entry");
    assert!(klaviyo.contains("data = [") && klaviyo.contains("\"email\""), "{klaviyo}");
    let criteo = text.split("[[allow]]").find(|e| e.contains("vendor = \"criteo\"")).expect("criteo entry");
    assert!(criteo.contains("\"hashed-identifier\"") && !criteo.contains("\"email\""), "{criteo}");
    // As written, the policy passes the same store: nothing is unapproved, nothing warned.
    let (code, report) = run(&args(&server, ws_port, &["--policy", policy.to_str().unwrap()]));
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(code, Some(0), "{rules:?}");
    assert!(!rules.iter().any(|r| *r == "unapproved-data" || *r == "personal-data-sent"), "{rules:?}");
}

#[test]
fn a_vendor_cookie_the_visit_does_not_send_is_not_claimed_as_sent() {
    let Some(_one) = chromium() else { return };
    // The vendor's iframe keeps the e-mail's hash in a cookie of its own (a `.localhost` host is
    // a secure context, so a `SameSite=None; Secure` cookie can be set over plain HTTP), then
    // calls home. Each visit's browser context blocks third-party cookies, as a private
    // window does: the cookie does not go out, and the report must not say it did. (What a
    // cookie that is sent carries is read like any other part: `flows` unit tests.)
    let mut r = HashMap::new();
    r.insert(
        "/".into(),
        Response::with_type(
            200,
            "text/html",
            b"<!doctype html><title>Shop</title><input type=email id=email>
<script>document.getElementById('email').addEventListener('change', (e) => {
  const f = document.createElement('iframe');
  f.src = 'http://tracker.localhost:{{PORT}}/frame.html#' + encodeURIComponent(e.target.value);
  document.body.appendChild(f); });</script>",
        ),
    );
    r.insert(
        "/frame.html".into(),
        Response::with_type(
            200,
            "text/html",
            format!(
                "<!doctype html><script>{HEX}
(async () => {{ const em = await hex('SHA-256', decodeURIComponent(location.hash.slice(1)));
  document.cookie = 'uid=' + em + '; SameSite=None; Secure; Path=/; Max-Age=3600';
  fetch('/collect?e=sync', {{ credentials: 'include' }}); }})();</script>"
            )
            .as_bytes(),
        ),
    );
    r.insert("/collect?e=sync".into(), Response::with_type(204, "text/plain", b""));
    let server = Server::start(r);
    let mut a: Vec<String> =
        vec![format!("{}/", server.origin()), "--offline".into(), "--browser".into(), "--settle".into(), "1500".into()];
    a.extend(server.resolve_args(&["shop.test", "tracker.localhost"]));
    // A frame is a secure context only under a secure page.
    a.push(format!("--browser-arg=--unsafely-treat-insecure-origin-as-secure={}", server.origin()));
    let (_, report) = run(&a);
    let seen = server.seen();
    let collect = seen.iter().find(|s| s.path == "/collect?e=sync").expect("the frame called home");
    assert!(!collect.headers.iter().any(|(k, _)| k == "cookie"), "the browser sent the third-party cookie");
    let host = report["unknown_hosts"].as_array().unwrap().iter().find(|u| u["host"] == "tracker.localhost");
    let host = host.unwrap_or_else(|| panic!("{:#}", report["unknown_hosts"]));
    let claimed = host["data_observed"].as_array().into_iter().flatten().any(|o| o["via"] == "cookie");
    assert!(!claimed, "{host:#}");
    // The e-mail itself did reach the frame, in its URL's fragment: never sent over the wire.
    assert!(!host["data_observed"].to_string().contains("\"email\""), "{host:#}");
}
