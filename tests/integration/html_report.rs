//! `-f html` opened in a real Chromium: it loads nothing, raises no console error (so its
//! Content-Security-Policy hashes match its own style and script), shows the inventory's
//! key facts in the rendered DOM, its search works, and hostile names from a store stay
//! text. Chromium resolves no name at all here (`MAP * ~NOTFOUND`): the report is a file.

use crate::common::*;
use serde_json::{Value, json};
use std::time::Duration;
use vendorscan::browser::cdp::Cdp;
use vendorscan::browser::launch::{Chromium, HostRules, LaunchOptions};

/// What a page did while it was open: every request it started, every error it logged,
/// every dialog it opened.
#[derive(Debug, Default)]
struct Seen {
    requests: Vec<String>,
    errors: Vec<String>,
    dialogs: Vec<String>,
}

/// Open `file` in a fresh Chromium, wait for its load event, run `script` in it, and
/// return what the page did and the script's value.
fn open_in_chromium(file: &std::path::Path, script: &str) -> Option<(Seen, Value)> {
    let chrome = match vendorscan::browser::find_chrome(None) {
        Ok(c) => c,
        Err(_) => {
            assert!(std::env::var_os("CI").is_none(), "CI must have Chromium (apt-get install chromium)");
            eprintln!("skipped: no Chromium on this machine (apt-get install chromium)");
            return None;
        }
    };
    let url = url::Url::from_file_path(file).unwrap().to_string();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    Some(rt.block_on(async move {
        let opts = LaunchOptions {
            chrome,
            rules: HostRules { map: vec![], others_not_found: true, exclude: vec![] },
            ignore_certificate_errors: false,
            extra_args: vec![],
        };
        let chromium = Chromium::start(&opts).await.expect("Chromium starts");
        let cdp = Cdp::connect(&chromium.ws_url).await.expect("DevTools connects");
        let target = cdp.call(None, "Target.createTarget", json!({ "url": "about:blank" })).await.unwrap();
        let attached = cdp
            .call(None, "Target.attachToTarget", json!({ "targetId": target["targetId"], "flatten": true }))
            .await
            .unwrap();
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        cdp.route(&session, tx);
        for method in ["Network.enable", "Runtime.enable", "Log.enable", "Page.enable"] {
            cdp.call(Some(&session), method, json!({})).await.unwrap();
        }
        cdp.call(Some(&session), "Page.navigate", json!({ "url": url })).await.unwrap();
        let mut seen = Seen::default();
        let note = |seen: &mut Seen, method: &str, params: &Value| match method {
            "Network.requestWillBeSent" => {
                seen.requests.push(params["request"]["url"].as_str().unwrap_or("").to_owned())
            }
            "Runtime.exceptionThrown" => seen.errors.push(params["exceptionDetails"].to_string()),
            "Runtime.consoleAPICalled" if matches!(params["type"].as_str(), Some("error" | "warning" | "assert")) => {
                seen.errors.push(params["args"].to_string())
            }
            "Log.entryAdded" if matches!(params["entry"]["level"].as_str(), Some("error" | "warning")) => {
                seen.errors.push(params["entry"]["text"].as_str().unwrap_or("").to_owned())
            }
            "Page.javascriptDialogOpening" => seen.dialogs.push(params["message"].as_str().unwrap_or("").to_owned()),
            _ => {}
        };
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .expect("the report loads within 30 s")
                .expect("the browser stays connected");
            note(&mut seen, &ev.method, &ev.params);
            if ev.method == "Page.loadEventFired" {
                break;
            }
        }
        let value = cdp
            .call(Some(&session), "Runtime.evaluate", json!({ "expression": script, "returnByValue": true }))
            .await
            .unwrap();
        // Whatever the script made the page do has been reported by now: events come before
        // the answer to a later command on the same connection.
        cdp.call(Some(&session), "Runtime.evaluate", json!({ "expression": "1" })).await.unwrap();
        while let Ok(ev) = rx.try_recv() {
            note(&mut seen, &ev.method, &ev.params);
        }
        chromium.close(&cdp).await;
        (seen, value["result"]["value"].clone())
    }))
}

#[test]
fn the_demo_store_report_is_inert_and_shows_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    let json = scan_json(&["examples/demo-store", "--site", "https://demo-store.example"]);
    let out = vendorscan(&[
        "scan",
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "-f",
        "html",
        "-o",
        file.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let script = r#"(() => {
        const text = document.body.innerText;
        const companies = document.querySelectorAll('.company').length;
        const box = document.getElementById('company-search');
        box.value = 'klaviyo';
        box.dispatchEvent(new Event('input'));
        const shown = [...document.querySelectorAll('.company')].filter(a => !a.hidden).map(a => a.querySelector('h3').textContent);
        return { text, companies, shown, matrixRows: document.querySelectorAll('#companies table.matrix tbody tr').length,
                 title: document.title, unknownRows: document.querySelectorAll('#unknown tbody tr').length };
    })()"#;
    let Some((seen, got)) = open_in_chromium(&file, script) else { return };
    let url = url::Url::from_file_path(&file).unwrap().to_string();
    assert_eq!(seen.requests, [url], "the report requested something besides itself");
    assert!(seen.errors.is_empty(), "console errors (a CSP hash that does not match shows here): {:?}", seen.errors);
    assert!(seen.dialogs.is_empty());
    let companies = json["summary"]["companies"].as_u64().unwrap();
    assert!(companies > 10, "{companies}");
    assert_eq!(got["companies"], companies, "one card per company");
    assert_eq!(got["matrixRows"], companies, "one matrix row per company");
    assert_eq!(got["unknownRows"], json["summary"]["unknown_hosts"]);
    assert_eq!(got["shown"], json!(["Klaviyo"]), "the search filters the companies");
    let text = got["text"].as_str().unwrap();
    for fact in ["Google Tag Manager", "GTM-N7WDQ3K", "Meta Pixel", "widgets.acme-loyalty.example", "Who loaded whom"] {
        assert!(text.contains(fact), "{fact} is not in the rendered page");
    }
    assert!(got["title"].as_str().unwrap().contains("examples/demo-store"));
}

#[test]
fn hostile_names_from_a_store_stay_text() {
    // A server's Content-Type reaches the report as the reason a page was skipped.
    // (Control and bidi characters cannot travel in a header; `esc`'s unit test has them.)
    let evil = "text/x-<img src=x onerror=alert(1)><svg onload=alert(2)>";
    let home = r#"<html><body><script src="https://cdn.unknown-tracker.example/t.js"></script>
<a href="/weird">weird</a></body></html>"#;
    let server = Server::start(std::collections::HashMap::from([
        ("/".into(), Response::with_type(200, "text/html", home.as_bytes())),
        ("/weird".into(), Response::with_type(200, evil, b"<html></html>")),
    ]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    let origin = format!("{}/", server.origin());
    let resolve = server.resolve("shop.test");
    let out = vendorscan(&[
        "scan",
        &origin,
        "--resolve",
        &resolve,
        "--offline",
        "--no-sitemap",
        "-f",
        "html",
        "-o",
        file.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(!html.contains("<img src=x"), "markup from a server reached the report");
    let script = r#"(() => ({ imgs: document.images.length,
        handlers: document.querySelectorAll('[onerror],[onload]').length,
        scripts: document.scripts.length,
        text: document.body.textContent }))()"#;
    let Some((seen, got)) = open_in_chromium(&file, script) else { return };
    assert!(seen.dialogs.is_empty(), "script from the store ran in the report: {:?}", seen.dialogs);
    assert_eq!(seen.requests.len(), 1, "{:?}", seen.requests);
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
    assert_eq!((got["imgs"].as_u64(), got["handlers"].as_u64(), got["scripts"].as_u64()), (Some(0), Some(0), Some(1)));
    let text = got["text"].as_str().unwrap();
    assert!(text.contains("not an HTML page (text/x-<img src=x onerror=alert(1)><svg onload=alert(2)>)"), "{text}");
    assert!(text.contains("cdn.unknown-tracker.example"));
}
