//! Who owns a vendor, who owned it before, and which hosts are compromised (issue #18):
//! the database's ownership data reaching the gate and the reports, end to end, over a
//! store served on loopback.

use crate::common::*;
use std::collections::HashMap;

const HOME: &str = r#"<!doctype html>
<html><head>
<script src="https://cdn.polyfill.io/v3/polyfill.min.js?features=default"></script>
<script src="https://cdn.mparticle.com/js/v2/us1-abc/mparticle.js"></script>
<script src="https://c.amazon-adsystem.com/aax2/apstag.js"></script>
<script src="https://shop-widgets-prod.s3.amazonaws.com/loyalty.js"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js"></script>
</head><body><a href="/about">About</a></body></html>
"#;

/// The same store without the compromised host: the twin every polyfill assertion needs.
const CLEAN: &str = r#"<!doctype html>
<html><head>
<script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js"></script>
</head><body></body></html>
"#;

struct Run {
    code: i32,
    report: serde_json::Value,
    text: String,
}

fn scan(page: &str, policy: Option<&str>, extra: &[&str]) -> Run {
    let server = Server::start(HashMap::from([
        ("/".to_owned(), Response::with_type(200, "text/html", page.as_bytes())),
        ("/about".to_owned(), Response::with_type(200, "text/html", b"<p>about</p>")),
    ]));
    let dir = tempfile::tempdir().unwrap();
    let origin = format!("http://shop.test:{}/", server.addr.port());
    let resolve = server.resolve("shop.test");
    let json = dir.path().join("report.json");
    let save = format!("json:{}", json.display());
    let mut args = vec![origin.as_str(), "--resolve", &resolve, "--save", &save];
    let policy_path = dir.path().join("vendorscan.toml");
    if let Some(p) = policy {
        std::fs::write(&policy_path, p).unwrap();
        args.extend(["--policy", policy_path.to_str().unwrap()]);
    }
    args.extend_from_slice(extra);
    let mut full = vec!["scan"];
    full.extend(args);
    let out = vendorscan(&full);
    let report = std::fs::read_to_string(&json).map(|t| serde_json::from_str(&t).unwrap()).unwrap_or_default();
    Run { code: out.status.code().unwrap_or(-1), report, text: stdout(&out) }
}

fn finding<'a>(r: &'a Run, rule: &str) -> Option<&'a serde_json::Value> {
    r.report["findings"].as_array()?.iter().find(|f| f["rule"] == rule)
}

fn vendor<'a>(r: &'a Run, id: &str) -> &'a serde_json::Value {
    r.report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == id).unwrap_or(&serde_json::Value::Null)
}

#[test]
fn a_compromised_host_fails_the_gate_without_a_policy_and_despite_an_approval() {
    let r = scan(HOME, None, &[]);
    assert_eq!(r.code, 1, "{}", r.text);
    let f = finding(&r, "compromised-host").expect("compromised-host finding");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["vendor"], "polyfill-service");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("cdn.polyfill.io") && msg.contains("polyfill-io-2024"), "{msg}");
    assert!(f["locations"][0]["url"].as_str().unwrap().starts_with("https://cdn.polyfill.io/"));
    assert_eq!(vendor(&r, "polyfill-service")["status"]["state"], "compromised");
    assert_eq!(vendor(&r, "polyfill-service")["incidents"][0]["id"], "polyfill-io-2024");
    assert!(r.text.contains("COMPROMISED since 2024"), "{}", r.text);

    // An [[allow]] entry does not make a hijacked domain safe.
    let approved = "[[allow]]\nvendor = \"polyfill-service\"\nreason = \"legacy browsers\"\n\
                    [[allow]]\ncategory = \"advertising\"\nreason = \"ads\"\n\
                    [[allow]]\ncategory = \"cdn-hosting\"\nreason = \"cdn\"\n\
                    [[allow]]\nvendor = \"mparticle\"\nreason = \"cdp\"\nowned-by = \"Rokt\"\n\
                    [[allow]]\nhost = \"shop-widgets-prod.s3.amazonaws.com\"\nreason = \"our loyalty widget\"\n";
    let r = scan(HOME, Some(approved), &[]);
    assert_eq!(r.code, 1, "{}", r.text);
    assert!(finding(&r, "compromised-host").is_some());
    assert_eq!(r.report["findings"].as_array().unwrap().len(), 1, "{:#}", r.report["findings"]);

    // The store's own word on severity still counts.
    let lowered = format!("{approved}[rules]\ncompromised-host = \"warning\"\n");
    let r = scan(HOME, Some(&lowered), &[]);
    assert_eq!(r.code, 0, "{}", r.text);
    assert_eq!(finding(&r, "compromised-host").unwrap()["severity"], "warning");

    // The twin: a store without the host has no such finding.
    let r = scan(CLEAN, None, &[]);
    assert_eq!(r.code, 0, "{}", r.text);
    assert!(finding(&r, "compromised-host").is_none());
}

#[test]
fn an_acquisition_since_the_approval_is_a_warning_naming_both_owners() {
    let policy = |owned_by: &str, rules: &str| {
        format!(
            "unknown = \"allow\"\n[[allow]]\nvendor = \"mparticle\"\nreason = \"customer data platform\"\n\
             owned-by = \"{owned_by}\"\n[[allow]]\ncategory = \"advertising\"\nreason = \"ads\"\n\
             [[allow]]\ncategory = \"cdn-hosting\"\nreason = \"cdn\"\n[[allow]]\nvendor = \"polyfill-service\"\n\
             reason = \"r\"\n[rules]\ncompromised-host = \"note\"\n{rules}"
        )
    };
    let r = scan(HOME, Some(&policy("mParticle", "")), &[]);
    let f = finding(&r, "owner-changed").expect("owner-changed finding");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["vendor"], "mparticle");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("owned by Rokt") && msg.contains("when mParticle owned it"), "{msg}");
    assert!(f["decided_by"].as_str().unwrap().starts_with("allow[0] vendor = \"mparticle\""), "{f:#}");
    assert_eq!(r.code, 0, "a warning by default: {}", r.text);
    assert_eq!(vendor(&r, "mparticle")["previous_owners"][0]["company"], "mParticle");
    assert!(vendor(&r, "mparticle")["previous_owners"][0]["source"].as_str().unwrap().starts_with("https://"));

    // Approved under today's owner, in any spelling: nothing to say.
    for now in ["Rokt", "rokt", "ROKT"] {
        let r = scan(HOME, Some(&policy(now, "")), &[]);
        assert!(finding(&r, "owner-changed").is_none(), "{now}: {:#}", r.report["findings"]);
    }
    // A store that wants acquisitions to stop the deploy says so.
    let r = scan(HOME, Some(&policy("mParticle", "owner-changed = \"error\"\n")), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(finding(&r, "owner-changed").unwrap()["severity"], "error");
}

#[test]
fn owners_that_sell_to_the_same_shoppers_can_be_denied_or_warned_about() {
    let base = "unknown = \"allow\"\n[[allow]]\ncategory = \"advertising\"\nreason = \"ads\"\n\
                [[allow]]\nvendor = \"mparticle\"\nreason = \"cdp\"\n[[allow]]\ncategory = \"cdn-hosting\"\nreason = \"cdn\"\n\
                [[allow]]\nvendor = \"polyfill-service\"\nreason = \"r\"\n[rules]\ncompromised-host = \"note\"\n";
    let r = scan(HOME, Some(base), &[]);
    assert_eq!(r.code, 0, "{}", r.text);
    assert_eq!(vendor(&r, "amazon-ads")["owner_kind"], "retailer");
    assert!(r.text.contains("owned by a retailer (Amazon sells to the same shoppers)"), "{}", r.text);

    let warn = format!(
        "{base}[[deny]]\nowner-kind = \"retailer\"\nreason = \"no data to competitors\"\nseverity = \"warning\"\n"
    );
    let r = scan(HOME, Some(&warn), &[]);
    let f = finding(&r, "denied-vendor").expect("denied-vendor");
    assert_eq!((f["vendor"].as_str(), f["severity"].as_str()), (Some("amazon-ads"), Some("warning")));
    assert_eq!(r.code, 0);
    let deny = warn.replace("severity = \"warning\"\n", "");
    let r = scan(HOME, Some(&deny), &[]);
    assert_eq!(finding(&r, "denied-vendor").unwrap()["severity"], "error");
    assert_eq!(r.code, 1);
    // mParticle's owner is no retailer: the deny entry leaves it alone.
    assert!(r.report["findings"].as_array().unwrap().iter().all(|f| f["vendor"] != "mparticle"));
}

#[test]
fn a_customer_bucket_names_its_host_not_a_recipient() {
    let r = scan(HOME, None, &[]);
    let unknown: Vec<&serde_json::Value> = r.report["unknown_hosts"].as_array().unwrap().iter().collect();
    let bucket = unknown.iter().find(|u| u["host"] == "shop-widgets-prod.s3.amazonaws.com").expect("listed as unknown");
    assert_eq!(bucket["hosted_on"], "Amazon Web Services");
    assert!(r.report["vendors"].as_array().unwrap().iter().all(|v| v["id"] != "amazon-web-services"));
    assert!(r.text.contains("hosted on Amazon Web Services: the recipient is that customer"), "{}", r.text);
}

#[test]
fn policy_init_records_the_owner_it_approved() {
    let server = Server::start(HashMap::from([(
        "/".to_owned(),
        Response::with_type(200, "text/html", HOME.replace("cdn.polyfill.io", "cdn.jsdelivr.net").as_bytes()),
    )]));
    let dir = tempfile::tempdir().unwrap();
    let origin = format!("http://shop.test:{}/", server.addr.port());
    let policy = dir.path().join("vendorscan.toml");
    let out = vendorscan(&[
        "policy",
        "init",
        &origin,
        "--resolve",
        &server.resolve("shop.test"),
        "-o",
        policy.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&policy).unwrap();
    let at = text.find("vendor = \"mparticle\"").expect("mparticle entry");
    assert!(text[at..].lines().take(4).any(|l| l.starts_with("owned-by = \"Rokt\"")), "{}", &text[at..]);
}

#[test]
fn vendors_diff_reads_what_a_database_upgrade_does_to_the_gate() {
    // The "old" database: the shipped one as it was before mParticle's sale, with one vendor
    // that the upgrade drops and without the polyfill.io incident.
    let mut old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("known_vendors.json")).unwrap()).unwrap();
    old["db_version"] = "2020.01.01".into();
    for v in old["vendors"].as_array_mut().unwrap() {
        if v["id"] == "mparticle" {
            v["company"] = "mParticle".into();
            v["company_id"] = "mparticle".into();
            v.as_object_mut().unwrap().remove("previous_owners");
        }
        if v["id"] == "polyfill-service" {
            v.as_object_mut().unwrap().remove("status");
        }
    }
    old["vendors"].as_array_mut().unwrap().push(serde_json::json!({
        "id": "retired-widget", "name": "Retired Widget", "company": "Retired Co",
        "categories": ["other"], "domains": ["retired-widget.example"]
    }));
    old["incidents"].as_array_mut().unwrap().retain(|i| i["id"] != "polyfill-io-2024");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(&path, serde_json::to_string(&old).unwrap()).unwrap();

    let out = vendorscan(&["vendors", "diff", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("vendor database 2020.01.01 -> "), "{text}");
    let line = text.lines().find(|l| l.trim_start().starts_with("mparticle ")).expect("mparticle's new owner");
    assert!(line.contains("mParticle -> Rokt (since 2025)"), "{line}");
    assert!(text.lines().any(|l| l.contains("polyfill-service") && l.contains("active -> compromised")), "{text}");
    assert!(text.contains("New incidents (1): polyfill-io-2024"), "{text}");
    assert!(text.lines().any(|l| l.trim_start().starts_with("retired-widget") && l.contains("Retired Co")), "{text}");
    assert!(text.contains("domain retired-widget.example"), "{text}");

    let out = vendorscan(&["vendors", "diff", path.to_str().unwrap(), "-f", "json"]);
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["removed"][0]["id"], "retired-widget");
    assert_eq!(d["owner_changes"].as_array().unwrap().len(), 1, "{:#}", d["owner_changes"]);
    // The same file on both sides: nothing to say.
    let root_db = root().join("known_vendors.json");
    let out = vendorscan(&["vendors", "diff", root_db.to_str().unwrap(), root_db.to_str().unwrap()]);
    assert!(stdout(&out).contains("no changes"), "{}", stdout(&out));
    // Not a database: exit 2 with a help line.
    let out = vendorscan(&["vendors", "diff", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("help:"), "{}", stderr(&out));
}

#[test]
fn vendors_lookup_tells_the_owner_history_and_incidents() {
    let out = vendorscan(&["vendors", "lookup", "cdn.mparticle.com", "cdn.polyfill.io", "my-bucket.s3.amazonaws.com"]);
    let text = stdout(&out);
    assert!(text.contains("formerly: mParticle until 2025"), "{text}");
    assert!(text.contains("status: compromised since 2024-06-25"), "{text}");
    assert!(text.contains("incident: 2024-06-25 supply-chain (polyfill-io-2024)"), "{text}");
    assert!(text.contains("customer-hosted"), "{text}");
}
