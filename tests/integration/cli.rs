//! Exit codes (one test per row of the table), error messages, and the vendors commands.

use crate::common::*;
use std::net::TcpListener;

fn assert_error(out: &std::process::Output, code: i32, message: &str) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(message), "{err}");
}

#[test]
fn exit_0_scan_done() {
    assert_eq!(vendorscan(&["scan", "examples/demo-store", "--quiet"]).status.code(), Some(0));
}

#[test]
fn exit_2_bad_flags_and_values() {
    assert_eq!(vendorscan(&["scan", "--max-pages", "0", "https://x.example/"]).status.code(), Some(2));
    assert_eq!(vendorscan(&["scan", "--no-such-flag", "x"]).status.code(), Some(2));
    let out = vendorscan(&["scan", "https://x.example/", "--resolve", "x.example:80"]);
    assert_error(&out, 2, "invalid --resolve");
    assert!(stderr(&out).contains("help: write it as HOST:PORT:ADDRESS"));
    assert_error(&vendorscan(&["scan", "https://x.example/", "--header", "nocolon"]), 2, "invalid --header");
    assert_error(&vendorscan(&["scan", "examples/demo-store", "--site", "demo-store.example"]), 2, "--site");
    assert_error(&vendorscan(&["scan", "examples/demo-store", "https://x.example/"]), 2, "mix URLs and local paths");
    let out = vendorscan(&["scan", "https://staging:p%40ss@shop.example/"]);
    assert_error(&out, 2, "carries a user name or password");
    // staging:p@ss, as the header carries it.
    assert!(stderr(&out).contains("--header 'Authorization: Basic c3RhZ2luZzpwQHNz'"), "{}", stderr(&out));
    let out = vendorscan(&["scan", "shop.example.com"]);
    assert_error(&out, 2, "no such file or folder");
    assert!(
        stderr(&out)
            .contains("help: to crawl a live store, give the full URL: vendorscan scan https://shop.example.com/")
    );
}

#[test]
fn exit_2_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("v.json");
    std::fs::write(&bad, "{\"schema_version\": 1, \"vendors\": [\n {\"id\": \"Bad\", \"name\": \"x\", \"company\": \"x\", \"categories\": [\"other\"], \"domains\": [\"x.io\"]}]}").unwrap();
    let out = vendorscan(&["scan", "examples/demo-store", "--vendors", bad.to_str().unwrap()]);
    assert_error(&out, 2, "invalid vendor file");
    assert!(stderr(&out).contains(":2: vendor \"Bad\": id \"Bad\" must be kebab-case"), "{}", stderr(&out));
    let out = vendorscan(&["scan", "examples/demo-store", "-o", "/nonexistent-dir/report.json"]);
    assert_error(&out, 2, "cannot write /nonexistent-dir/report.json");
}

#[test]
fn exit_3_unreachable_start_url() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed once dropped
    let url = format!("http://127.0.0.1:{port}/");
    let out = vendorscan(&["scan", &url, "-f", "json", "--timeout", "5"]);
    assert_error(&out, 3, "nothing could be scanned");
    assert!(stderr(&out).contains("could not connect"), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the report is still written");
    assert_eq!(report["pages"][0]["outcome"], "failed");
}

#[test]
fn exit_3_folder_without_html() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.txt"), "no pages here").unwrap();
    let out = vendorscan(&["scan", dir.path().to_str().unwrap()]);
    assert_error(&out, 3, "no .html or .htm files");
    assert!(stderr(&out).contains("help: "));
}

#[test]
fn vendors_lookup() {
    let out = vendorscan(&[
        "vendors",
        "lookup",
        "connect.facebook.net",
        "WWW.GoogleTagManager.com.",
        "evil-google.com",
        "https://static.klaviyo.com/onsite/js/klaviyo.js",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("connect.facebook.net: Meta Pixel / Facebook [meta-pixel], Meta"), "{text}");
    assert!(
        text.contains("www.googletagmanager.com: Google Tag Manager [google-tag-manager], Google (Alphabet)"),
        "{text}"
    );
    assert!(text.contains("evil-google.com: unknown"), "{text}");
    assert!(text.contains("matched: domain facebook.net"), "{text}");
    assert!(text.contains("static.klaviyo.com: Klaviyo"), "{text}");
    let out = vendorscan_with_stdin(&["vendors", "lookup", "-", "-f", "json"], "js.stripe.com\nnot-a-vendor.example\n");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["vendor"]["id"], "stripe");
    assert_eq!(v[0]["matched"], "domain stripe.com");
    assert!(v[1]["vendor"].is_null());
}

#[test]
fn vendors_list_and_check() {
    let out = vendorscan(&["vendors", "list", "--category", "payments"]);
    let text = stdout(&out);
    assert!(text.contains("stripe") && text.contains("klarna"), "{text}");
    assert!(!text.contains("google-analytics"));
    let out = vendorscan(&["vendors", "list", "--company", "meta", "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // One company, one spelling, whatever name it is asked by.
    assert!(v.as_array().unwrap().iter().all(|x| x["company"] == "Meta Platforms"), "{v:#}");
    assert!(v.as_array().unwrap().iter().any(|x| x["id"] == "meta-pixel"));
    assert_error(&vendorscan(&["vendors", "list", "--category", "adverts"]), 2, "unknown category");

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, r#"{"schema_version": 1, "vendors": [{"id": "a", "name": "A", "company": "A", "categories": ["other"], "domains": ["a.io"]}]}"#).unwrap();
    let out = vendorscan(&["vendors", "check", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("1 vendors, no problems"));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 1, \"vendors\": [\n{\"id\": \"a\", \"name\": \"A\", \"company\": \"A\", \"categories\": [\"nope\"], \"domains\": [\"A.io\"]}]}").unwrap();
    let out = vendorscan(&["vendors", "check", bad.to_str().unwrap()]);
    assert_error(&out, 2, "has 2 problem(s)");
    let text = stdout(&out);
    assert!(text.contains("bad.json:2: vendor \"a\": unknown category \"nope\""), "{text}");
    assert!(text.contains("domain \"A.io\" is not a lowercase host name"), "{text}");
}

/// Every flag `scan --help` offers is documented in the README's option table.
#[test]
fn readme_documents_every_scan_flag() {
    let help = stdout(&vendorscan(&["scan", "--help"]));
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let flags: Vec<&str> = help
        .split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches([',', '.']))
        .filter(|w| *w != "--help")
        .collect();
    assert!(flags.len() >= 15, "{flags:?}");
    for flag in flags {
        assert!(
            readme.contains(&format!("`{flag}")) || readme.contains(&format!(", {flag}")),
            "README does not document {flag}"
        );
    }
}

/// A run that fails before its report is ready leaves an existing report untouched (it
/// may be the team's baseline), and leaves no temporary file behind.
#[test]
fn a_failed_run_does_not_empty_an_existing_report() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("keep.json");
    std::fs::write(&keep, "{\"precious\": true}").unwrap();
    let out = vendorscan(&["scan", "./no-such-dir", "-f", "json", "-o", keep.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "{\"precious\": true}");
    let twice = vendorscan(&[
        "scan",
        "examples/demo-store",
        "-o",
        keep.to_str().unwrap(),
        "--save",
        &format!("csv:{}", keep.display()),
    ]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains("named twice"), "{}", stderr(&twice));
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(entries.len(), 1, "no temporary files left: {entries:?}");
    let ok = vendorscan(&["scan", "examples/demo-store", "-f", "json", "-o", keep.to_str().unwrap(), "--quiet"]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(std::fs::read_to_string(&keep).unwrap().contains("\"schema_version\": 3"));
}

/// `diff` prints the changes and exits 0; with `--fail-on-changes` a change is exit 1.
#[test]
fn diff_can_fail_on_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    let scan = |extra: &[&str], out: &std::path::Path| {
        let site = root().join("examples/demo-store");
        let mut args = vec!["scan", site.to_str().unwrap(), "--site", "https://demo-store.example", "-q"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-f", "JSON", "-o", out.to_str().unwrap()]);
        assert_eq!(vendorscan(&args).status.code(), Some(0), "-f in upper case is accepted");
    };
    scan(&[], &old);
    scan(&["--all-resources"], &new);
    let same = vendorscan(&["diff", old.to_str().unwrap(), old.to_str().unwrap(), "--fail-on-changes"]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    // Another report of the same store whose third parties differ: drop one vendor's rows.
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&new).unwrap()).unwrap();
    let gone = v["vendors"][0]["id"].clone();
    v["vendors"].as_array_mut().unwrap().retain(|x| x["id"] != gone);
    std::fs::write(&new, v.to_string()).unwrap();
    let plain = vendorscan(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(plain.status.code(), Some(0));
    assert!(stdout(&plain).contains(gone.as_str().unwrap()), "{}", stdout(&plain));
    let gated = vendorscan(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--fail-on-changes"]);
    assert_eq!(gated.status.code(), Some(1), "{}", stdout(&gated));
    let missing = vendorscan(&["scan", "examples/demo-store", "--baseline", "nope.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("help: a baseline is an earlier"), "{}", stderr(&missing));
}
