//! Local mode: the bundled demo store and other files on disk, no network.

use crate::common::*;

fn demo() -> serde_json::Value {
    scan_json(&["examples/demo-store", "--site", "https://demo-store.example"])
}

fn vendor<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == id).unwrap_or_else(|| panic!("no vendor {id}"))
}

#[test]
fn demo_store_names_every_vendor_it_embeds() {
    let r = demo();
    let ids = vendor_ids(&r);
    for expected in [
        "cloudinary",
        "cookiebot",
        "google-analytics",
        "google-fonts",
        "google-tag-manager",
        "hotjar",
        "imgix",
        "jsdelivr",
        "klarna",
        "klaviyo",
        "meta-pixel",
        "paypal",
        "pinterest-tag",
        "searchspring",
        "signifyd",
        "stripe",
        "tiktok-pixel",
        "trustpilot",
        "vimeo",
        "yotpo",
        "youtube",
        "zendesk",
    ] {
        assert!(ids.iter().any(|i| i == expected), "{expected} missing from {ids:?}");
    }
    let unknown: Vec<&str> =
        r["unknown_hosts"].as_array().unwrap().iter().map(|u| u["host"].as_str().unwrap()).collect();
    assert_eq!(unknown, vec!["widgets.acme-loyalty.example", "images.unsplash.com"]);
    assert_eq!(r["summary"]["pages_scanned"], 11);
    assert_eq!(r["mode"], "local");
}

#[test]
fn demo_store_pages_and_evidence() {
    let r = demo();
    let checkout = "https://demo-store.example/checkout/";
    let stripe = vendor(&r, "stripe");
    assert_eq!(page_names(&r, &stripe["pages"]), [checkout]);
    assert!(page_names(&r, &vendor(&r, "hotjar")["pages"]).iter().any(|p| p == checkout), "session replay on checkout");
    assert_eq!(vendor(&r, "google-tag-manager")["tag_ids"][0]["value"], "GTM-N7WDQ3K");
    assert_eq!(vendor(&r, "paypal")["kinds"], serde_json::json!(["script", "form-action"]));
    // Evidence points into the file, at the line where the tag is written.
    let res = resource_rows(&r);
    let sdk = res.iter().find(|x| x["url"].as_str().unwrap().starts_with("https://www.paypal.com/sdk/js")).unwrap();
    let file = std::fs::read_to_string(root().join("examples/demo-store/checkout/index.html")).unwrap();
    let line = file.lines().nth(sdk["line"].as_u64().unwrap() as usize - 1).unwrap();
    assert!(line.contains("paypal.com/sdk/js"), "line {} is {line:?}", sdk["line"]);
    let page = page(&r, checkout);
    assert!(page["file"].as_str().unwrap().ends_with("checkout/index.html"));
    // The companies roll-up counts each owner once.
    let companies: Vec<&str> = r["companies"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(companies.iter().filter(|c| **c == "Google").count(), 1);
    assert_eq!(r["summary"]["companies"].as_u64().unwrap() as usize, companies.len());
}

/// The demo store with no page declaring its URL (no `<link rel=canonical>`), so that a scan
/// without `--site` cannot infer the site.
fn demo_store_without_canonical() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = root().join("examples/demo-store");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let to = tmp.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            let text = std::fs::read(entry.path()).unwrap();
            let kept: Vec<&[u8]> = text
                .split_inclusive(|b| *b == b'\n')
                .filter(|l| !l.windows(15).any(|w| w == b"rel=\"canonical\""))
                .collect();
            std::fs::write(&to, kept.concat()).unwrap();
        }
    }
    tmp
}

#[test]
fn without_site_relative_urls_are_first_party_and_absolute_ones_judged_by_host() {
    let copy = demo_store_without_canonical();
    let dir = copy.path().to_str().unwrap();
    let r = scan_json(&[dir]);
    assert!(r["first_party"].as_array().unwrap().is_empty());
    assert!(vendor_ids(&r).iter().any(|i| i == "stripe"));
    let res = resource_rows(&r);
    assert!(res.iter().all(|x| x["url"].as_str().unwrap().starts_with("http")), "file: URLs are never resources");
    assert!(r["pages"][0]["url"].as_str().unwrap().starts_with("file:///"));
    // The store's own CDN counts as third party until --site or --first-party says otherwise.
    assert!(r["unknown_hosts"].as_array().unwrap().iter().any(|u| u["host"] == "cdn.demo-store.example"));
    let r = scan_json(&[dir, "--first-party", "demo-store.example"]);
    assert!(!r["unknown_hosts"].as_array().unwrap().iter().any(|u| u["host"] == "cdn.demo-store.example"));
}

#[test]
fn a_single_file() {
    let r = scan_json(&["examples/demo-store/checkout/index.html", "--site", "https://demo-store.example/checkout/"]);
    assert_eq!(r["pages"].as_array().unwrap().len(), 1);
    // index.html is served as its folder, as on the live site.
    assert_eq!(r["pages"][0]["url"], "https://demo-store.example/checkout/");
    assert!(vendor_ids(&r).iter().any(|i| i == "stripe"));
}

#[test]
fn user_vendor_file_names_the_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ours.json");
    std::fs::write(
        &file,
        r#"{"schema_version": 1, "vendors": [{"id": "acme-loyalty", "name": "Acme Loyalty", "company": "Acme Inc.",
  "categories": ["other"], "domains": ["acme-loyalty.example"]}]}"#,
    )
    .unwrap();
    let r = scan_json(&[
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "--vendors",
        file.to_str().unwrap(),
    ]);
    assert!(vendor_ids(&r).iter().any(|i| i == "acme-loyalty"));
    assert!(!r["unknown_hosts"].as_array().unwrap().iter().any(|u| u["host"] == "widgets.acme-loyalty.example"));
}

#[test]
fn table_report_fits_100_columns_and_groups_by_company() {
    let out = vendorscan(&["scan", "examples/demo-store", "--site", "https://demo-store.example"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("vendors from"), "{text}");
    assert!(text.contains("\nGoogle (Alphabet)\n"), "{text}");
    assert!(text.contains("Unknown third-party hosts (2)"), "{text}");
    assert!(text.contains("GTM-N7WDQ3K"));
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
}

#[test]
fn output_file_and_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let out = scan_demo_to(&path, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "the report goes to the file only");
    assert!(stderr(&out).contains("11 pages scanned"), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(r["schema_version"], 3);
    assert_eq!(r["tool"]["name"], "vendorscan");
}

#[test]
fn a_reference_on_many_pages_is_one_resource_with_its_occurrences() {
    let r = scan_json(&["examples/demo-store", "--site", "https://demo-store.example"]);
    let res = r["resources"].as_array().unwrap();
    let key = |x: &serde_json::Value| {
        let f = |k: &str| x[k].to_string();
        [f("url"), f("kind"), f("element"), f("attribute"), f("raw"), f("in_noscript"), f("attributes")].join("|")
    };
    let keys: std::collections::BTreeSet<String> = res.iter().map(key).collect();
    assert_eq!(keys.len(), res.len(), "each distinct reference is listed once");
    let scanned: Vec<&str> = r["pages"].as_array().unwrap().iter().map(|p| p["url"].as_str().unwrap()).collect();
    // The tag-manager container in the theme's head: one entry, one occurrence per page.
    let gtm = res.iter().find(|x| x["url"] == "https://www.googletagmanager.com/ns.html?id=GTM-N7WDQ3K").unwrap();
    let at: Vec<u64> = gtm["occurrences"].as_array().unwrap().iter().map(|o| o[0].as_u64().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "occurrences are sorted by page index: {at:?}");
    let on: Vec<String> = gtm["occurrences"].as_array().unwrap().iter().map(|o| page_name(&r, &o[0])).collect();
    assert_eq!(on.len(), scanned.len() - 1, "every page but one has the container: {on:?}");
    assert!(on.iter().all(|p| scanned.contains(&p.as_str())));
    assert!(
        gtm["occurrences"].as_array().unwrap().iter().all(|o| o.as_array().unwrap().len() == 2),
        "a static scan's occurrences are [page, line]"
    );
    let file = std::fs::read_to_string(root().join("examples/demo-store/index.html")).unwrap();
    let home = gtm["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| page_name(&r, &o[0]) == "https://demo-store.example/")
        .unwrap();
    let line = file.lines().nth(home[1].as_u64().unwrap() as usize - 1).unwrap();
    assert!(line.contains("GTM-N7WDQ3K"), "the occurrence's line is where the tag is written: {line:?}");

    // Counting: every occurrence once, in the pages' totals and the run's, whether listed or not.
    let listed: u64 = res.iter().map(|x| x["occurrences"].as_array().unwrap().len() as u64).sum();
    let assets = r["summary"]["first_party_assets"].as_u64().unwrap();
    assert!(assets > 0, "the demo store has its own images");
    assert_eq!(r["summary"]["resources"].as_u64().unwrap(), listed + assets);
    let per_page: u64 = r["pages"].as_array().unwrap().iter().map(|p| p["resources"].as_u64().unwrap()).sum();
    assert_eq!(per_page, listed + assets);
    assert!(
        !res.iter().any(|x| x["party"] == "first" && x["kind"] == "image"),
        "the store's own images are counted, not listed"
    );
    assert!(res.iter().any(|x| x["party"] == "first" && x["kind"] == "script"), "its own scripts are listed");

    // --all-resources lists them too; the counts do not change.
    let all = scan_json(&["examples/demo-store", "--site", "https://demo-store.example", "--all-resources"]);
    let all_res = all["resources"].as_array().unwrap();
    let all_listed: u64 = all_res.iter().map(|x| x["occurrences"].as_array().unwrap().len() as u64).sum();
    assert_eq!(all["summary"], r["summary"]);
    assert_eq!(all_listed, listed + assets);
    assert!(all_res.iter().any(|x| x["party"] == "first" && x["kind"] == "image"));
}

/// A default scan counts the store's own assets without listing them (extraction does not
/// even resolve them); `--all-resources` lists them. The counts must be the same.
#[test]
fn counted_assets_are_the_listed_ones() {
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "examples/demo-store", "--site", "https://demo-store.example", "-f", "json"];
        args.extend_from_slice(extra);
        serde_json::from_slice::<serde_json::Value>(&vendorscan(&args).stdout).expect("JSON report")
    };
    let (counted, listed) = (scan(&[]), scan(&["--all-resources"]));
    assert_eq!(counted["summary"], listed["summary"]);
    let per_page = |r: &serde_json::Value| {
        r["pages"].as_array().unwrap().iter().map(|p| p["resources"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(per_page(&counted), per_page(&listed));
    let assets = counted["summary"]["first_party_assets"].as_u64().unwrap();
    let listed_assets = resource_rows(&listed).iter().filter(|r| r["party"] == "first").count() as u64;
    assert!(assets > 0 && listed_assets > 0, "{assets} counted, {listed_assets} listed");
}
