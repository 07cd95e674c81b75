//! What the limits cut is never silent: a run the time budget (`--max-time`) ends, a stop
//! during `--hash-scripts`, and a page read only in part each leave a report that says so
//! and a finding that fails the gate unless the policy's `[rules]` says otherwise.

use crate::common::*;
use std::collections::HashMap;

const HOME: &str = r#"<html><head>
<script src="https://static.klaviyo.com/onsite/js/klaviyo.js?company_id=AbC123"></script>
</head><body><a href="/slow">slow</a></body></html>"#;

fn findings_of(report: &serde_json::Value, rule: &str) -> Vec<serde_json::Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).cloned().collect()
}

#[test]
fn the_time_budget_ends_the_run_with_a_report_that_fails_the_gate() {
    let (tx, _rx) = std::sync::mpsc::channel();
    let server = Server::start(HashMap::from([
        ("/".into(), Response::with_type(200, "text/html", HOME.as_bytes())),
        // Holds the request for a minute: only the budget can end the run before then.
        ("/slow".into(), Response::with_type(200, "text/html", b"").behaving(Behaviour::Hold(tx))),
    ]));
    let origin = format!("{}/", server.origin());
    let out = vendorscan(&[
        "scan",
        &origin,
        "--resolve",
        &server.resolve("shop.test"),
        "-f",
        "json",
        "--no-sitemap",
        "--concurrency",
        "1",
        "--max-time",
        "2s",
    ]);
    assert_eq!(out.status.code(), Some(1), "the gate fails on a cut scan: {}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a report is written");
    assert_eq!(report["complete"], false);
    assert_eq!(report["stopped"], "time-budget");
    assert!(vendor_ids(&report).contains(&"klaviyo".to_owned()), "the scanned page is kept: {report}");
    let cut = findings_of(&report, "scan-incomplete");
    assert_eq!(cut.len(), 1, "{report}");
    assert_eq!(cut[0]["severity"], "error");
    assert!(cut[0]["message"].as_str().unwrap().contains("--max-time"), "{}", cut[0]);
    assert_eq!(report["policy"]["passed"], false, "judged without a policy file: {report}");
    assert!(stderr(&out).contains("time budget"), "{}", stderr(&out));
    // Every format says the scan is incomplete, the CSV in a row of its own.
    let csv = vendorscan(&[
        "scan",
        &origin,
        "--resolve",
        &server.resolve("shop.test"),
        "-f",
        "csv",
        "--no-sitemap",
        "--concurrency",
        "1",
        "--max-time",
        "2s",
    ]);
    let last = stdout(&csv).lines().last().unwrap_or_default().to_owned();
    assert!(last.starts_with(",(scan incomplete),") && last.contains(",incomplete,"), "{}", stdout(&csv));
}

#[test]
fn a_bad_budget_is_a_usage_error() {
    let out = vendorscan(&["scan", "examples/demo-store", "--max-time", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a duration"), "{}", stderr(&out));
}

#[test]
fn a_stop_while_hashing_payment_scripts_writes_the_partial_report() {
    let (tx, rx) = std::sync::mpsc::channel();
    let checkout = r#"<html><body>
<script src="http://js.payments.test:{{PORT}}/sdk.js"></script>
<form><input autocomplete="cc-number" name="card"></form></body></html>"#;
    let server = Server::start(HashMap::from([
        ("/".into(), Response::with_type(200, "text/html", checkout.as_bytes())),
        ("/sdk.js".into(), Response::with_type(200, "text/javascript", b"").behaving(Behaviour::Hold(tx))),
    ]));
    let origin = format!("{}/", server.origin());
    let child = spawn_vendorscan(&[
        "scan",
        &origin,
        "--resolve",
        &server.resolve("shop.test"),
        "--resolve",
        &server.resolve("js.payments.test"),
        "--offline",
        "--no-sitemap",
        "--hash-scripts",
        "-f",
        "json",
    ]);
    // The crawl is over once the script is being fetched: stop in the hashing phase.
    let path = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("--hash-scripts fetched the script");
    assert_eq!(path, "/sdk.js");
    send_signal(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a report is written");
    assert_eq!(report["stopped"], "interrupted");
    assert_eq!(report["pages"][0]["payment_page"], true, "{report}");
    assert_eq!(findings_of(&report, "scan-incomplete").len(), 1, "{report}");
}

fn big_page_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let padding = "<p>padding</p>\n".repeat(2_000);
    let page = format!("<html><body>{padding}<script src=\"https://skimmer.example/x.js\"></script></body></html>");
    std::fs::write(dir.path().join("index.html"), page).unwrap();
    std::fs::write(dir.path().join("small.html"), "<html><body>small</body></html>").unwrap();
    dir
}

#[test]
fn a_page_read_in_part_is_a_finding_that_fails_the_gate() {
    let dir = big_page_folder();
    let site = dir.path().to_str().unwrap();
    let out = vendorscan(&["scan", site, "--site", "https://shop.example", "-f", "json", "--max-body-size", "4096"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cut = findings_of(&report, "page-cut");
    assert_eq!(cut.len(), 1, "{report}");
    assert_eq!(cut[0]["severity"], "error");
    let pages: Vec<&str> =
        cut[0]["locations"].as_array().unwrap().iter().map(|l| l["page"].as_str().unwrap()).collect();
    assert_eq!(pages, ["https://shop.example/"], "only the cut page");
    // Every format says so: the table names the rule, github annotates it.
    let table = vendorscan(&["scan", site, "--site", "https://shop.example", "--max-body-size", "4096"]);
    assert!(stdout(&table).contains("page-cut"), "{}", stdout(&table));
    let github =
        vendorscan(&["scan", site, "--site", "https://shop.example", "-f", "github", "--max-body-size", "4096"]);
    assert!(
        stdout(&github).lines().any(|l| l.starts_with("::error ") && l.contains("title=page-cut")),
        "{}",
        stdout(&github)
    );
}

#[test]
fn the_policy_can_set_a_rule_s_severity() {
    let dir = big_page_folder();
    let site = dir.path().to_str().unwrap();
    let policy = dir.path().join("vendorscan.toml");
    std::fs::write(&policy, "unknown = \"allow\"\n\n[rules]\npage-cut = \"warning\"\n").unwrap();
    let policy = policy.to_str().unwrap();
    let args = ["scan", site, "--site", "https://shop.example", "-f", "json", "--max-body-size", "4096", "--policy"];
    let out = vendorscan(&[&args[..], &[policy]].concat());
    assert_eq!(out.status.code(), Some(0), "a warning does not fail fail-on = error: {}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings_of(&report, "page-cut")[0]["severity"], "warning", "{report}");

    std::fs::write(
        dir.path().join("vendorscan.toml"),
        "[rules]\npage-cuts = \"warning\"\nstale-approval = \"fatal\"\n",
    )
    .unwrap();
    let out = vendorscan(&[&args[..], &[policy]].concat());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("[rules] page-cuts: no such rule (known: unapproved-vendor,"), "{err}");
    assert!(err.contains("stale-approval = \"fatal\": use \"error\", \"warning\" or \"note\""), "{err}");
}

/// A page padded past the per-page reference limit is cut, says so, and fails the gate;
/// a third-party script after the padding is not silently lost: the page is named.
#[test]
fn a_page_past_the_reference_limit_is_cut_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let limit = vendorscan::extract::MAX_RESOURCES_PER_PAGE;
    let mut page = String::from("<html><body>\n");
    for i in 0..limit + 10 {
        page.push_str(&format!("<img src=\"/p/{i}.jpg\">\n"));
    }
    page.push_str("<script src=\"https://skimmer.example/x.js\"></script></body></html>\n");
    std::fs::write(dir.path().join("index.html"), page).unwrap();
    let out = vendorscan(&["scan", dir.path().to_str().unwrap(), "--site", "https://shop.example", "-f", "json", "-q"]);
    assert_eq!(out.status.code(), Some(1), "a cut page fails the gate: {}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cut = &report["pages"][0]["cut"];
    assert!(cut["limits"].as_array().unwrap().iter().any(|l| l == "references"), "{cut}");
    assert!(cut["dropped_references"].as_u64().unwrap() > 0, "{cut}");
    assert_eq!(findings_of(&report, "page-cut").len(), 1, "{}", report["findings"]);
}

/// Lazy-load guesses and inert markup are listed with their condition but make no host a
/// recipient; a consent-gated tag is a recipient, labelled with its category.
#[test]
fn conditional_references_are_labelled_and_only_real_loads_count() {
    let dir = tempfile::tempdir().unwrap();
    let html = r#"<html><body>
<img data-src="https://lazy-images.example/a.jpg">
<template><script src="https://inert-template.example/t.js"></script></template>
<script type="text/plain" class="optanon-category-C0004" src="https://connect.facebook.net/en_US/fbevents.js"></script>
<script src="https://real-load.example/r.js"></script>
</body></html>"#;
    std::fs::write(dir.path().join("index.html"), html).unwrap();
    let report = scan_json(&[dir.path().to_str().unwrap(), "--site", "https://shop.example"]);
    let unknown: Vec<&str> =
        report["unknown_hosts"].as_array().unwrap().iter().map(|u| u["host"].as_str().unwrap()).collect();
    assert_eq!(unknown, ["real-load.example"], "guesses and inert markup are no recipients");
    let condition = |host: &str| {
        let r = report["resources"].as_array().unwrap().iter().find(|r| r["host"] == host);
        r.unwrap_or_else(|| panic!("{host} is not listed: {report}"))["condition"].clone()
    };
    assert_eq!(condition("lazy-images.example")["kind"], "lazy");
    assert_eq!(condition("inert-template.example")["kind"], "inert");
    let gated = condition("connect.facebook.net");
    assert_eq!((gated["kind"].as_str(), gated["category"].as_str()), (Some("consent-gated"), Some("C0004")));
    assert!(vendor_ids(&report).iter().any(|v| v.contains("facebook") || v.contains("meta")), "{report}");
    assert!(condition("real-load.example").is_null());
}
