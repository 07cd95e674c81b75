//! The deploy gate: every rule fires on a case built for it and stays quiet on its twin,
//! policy init, baselines, diff, and the policy's own errors.

use crate::common::*;
use std::collections::HashMap;
use std::path::Path;

const HOME: &str = r#"<!doctype html>
<html><head>
<script async src="https://www.googletagmanager.com/gtm.js?id=GTM-TEST01"></script>
<script>(function(h,o,t,j){h._hjSettings={hjid:1234567,hjsv:6};})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>
<script src="https://widgets.unknown-partner.example/w.js"></script>
</head><body><a href="/checkout/">Checkout</a></body></html>
"#;

const CHECKOUT: &str = r#"<!doctype html>
<html><head>
<script async src="https://www.googletagmanager.com/gtm.js?id=GTM-TEST01"></script>
<script>(function(h,o,t,j){h._hjSettings={hjid:1234567,hjsv:6};})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>
<script src="https://js.stripe.com/v3/"></script>
<script src="https://cdn.jsdelivr.net/npm/a@1/a.min.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC" crossorigin="anonymous"></script>
</head><body>
<form action="/pay"><input autocomplete="cc-number" name="card"></form>
</body></html>
"#;

/// A two-page store on disk (home, checkout) and a folder for policies and reports.
fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("site/checkout")).unwrap();
    std::fs::write(dir.path().join("site/index.html"), HOME).unwrap();
    std::fs::write(dir.path().join("site/checkout/index.html"), CHECKOUT).unwrap();
    dir
}

/// Every vendor on the store approved with a real reason, so each test changes one thing.
const APPROVE_ALL: &str = r#"
[[allow]]
vendor = "google-tag-manager"
reason = "Marketing tags"

[[allow]]
vendor = "hotjar"
reason = "UX research"

[[allow]]
vendor = "stripe"
reason = "Card payments; Stripe.js cannot be pinned with SRI"

[[allow]]
vendor = "jsdelivr"
reason = "Pinned library with SRI"

[[allow]]
host = "widgets.unknown-partner.example"
reason = "Partner widget"
"#;

struct Run {
    code: i32,
    report: serde_json::Value,
    stderr: String,
}

fn run(dir: &Path, policy: &str, extra: &[&str]) -> Run {
    let policy_path = dir.join("policy.toml");
    std::fs::write(&policy_path, policy).unwrap();
    let site = dir.join("site");
    let mut args = vec![
        "scan",
        site.to_str().unwrap(),
        "--site",
        "https://shop.example",
        "--policy",
        policy_path.to_str().unwrap(),
        "-f",
        "json",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = vendorscan(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    Run { code: out.status.code().unwrap_or(-1), report, stderr: stderr(&out) }
}

/// (rule, severity, vendor-or-host) of every finding.
fn findings(r: &Run) -> Vec<(String, String, String)> {
    r.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let who = f["vendor"].as_str().or(f["host"].as_str()).unwrap_or("");
            (f["rule"].as_str().unwrap().to_owned(), f["severity"].as_str().unwrap().to_owned(), who.to_owned())
        })
        .collect()
}

fn has(r: &Run, rule: &str, who: &str) -> bool {
    findings(r).iter().any(|(ru, _, w)| ru == rule && w == who)
}

#[test]
fn approving_everything_passes() {
    let dir = store();
    let r = run(dir.path(), APPROVE_ALL, &[]);
    assert_eq!(r.code, 0, "{:?} {}", findings(&r), r.stderr);
    assert!(findings(&r).is_empty(), "{:?}", findings(&r));
    assert_eq!(r.report["policy"]["passed"], true);
    let stripe = r.report["vendors"].as_array().unwrap().iter().find(|v| v["id"] == "stripe").unwrap();
    assert_eq!(stripe["approval"]["reason"], "Card payments; Stripe.js cannot be pinned with SRI");
    assert!(stripe["approval"]["entry"].as_str().unwrap().starts_with("allow[2] vendor = \"stripe\""));
}

#[test]
fn unapproved_vendor_and_its_twin() {
    let dir = store();
    let policy = APPROVE_ALL.replace(
        "vendor = \"hotjar\"\nreason = \"UX research\"",
        "vendor = \"hotjar\"\nreason = \"UX research\"\npages = [\"/checkout/**\"]",
    );
    let r = run(dir.path(), &policy, &[]);
    assert_eq!(r.code, 1);
    assert!(has(&r, "unapproved-vendor", "hotjar"));
    let f = &r.report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "unapproved-vendor").unwrap();
    assert_eq!(f["locations"].as_array().unwrap().len(), 1, "only the home page is outside the approved pages");
    assert_eq!(f["locations"][0]["page"], "https://shop.example/");
    assert!(f["locations"][0]["file"].as_str().unwrap().ends_with("site/index.html"));
    assert_eq!(f["locations"][0]["line"], 4, "the line where the snippet is written");
    assert!(f["decided_by"].as_str().unwrap().contains("allow[1] vendor = \"hotjar\""));
    let twin = run(dir.path(), APPROVE_ALL, &[]);
    assert!(!has(&twin, "unapproved-vendor", "hotjar"));
}

#[test]
fn unknown_third_party_error_warn_and_allowed() {
    let dir = store();
    let without = APPROVE_ALL.replace(
        "host = \"widgets.unknown-partner.example\"\nreason = \"Partner widget\"",
        "host = \"other.example\"\nreason = \"x\"",
    );
    let r = run(dir.path(), &without, &[]);
    assert_eq!(r.code, 1);
    assert!(findings(&r).contains(&(
        "unknown-third-party".into(),
        "error".into(),
        "widgets.unknown-partner.example".into()
    )));
    let warn = run(dir.path(), &format!("unknown = \"warn\"\n{without}"), &[]);
    assert_eq!(warn.code, 0, "a warning does not fail fail-on = error");
    assert!(findings(&warn).contains(&(
        "unknown-third-party".into(),
        "warning".into(),
        "widgets.unknown-partner.example".into()
    )));
    let strict = run(dir.path(), &format!("unknown = \"warn\"\nfail-on = \"warning\"\n{without}"), &[]);
    assert_eq!(strict.code, 1);
    let allowed = run(dir.path(), APPROVE_ALL, &[]);
    assert!(!has(&allowed, "unknown-third-party", "widgets.unknown-partner.example"));
}

#[test]
fn denied_vendor_and_category_are_page_scoped() {
    let dir = store();
    let deny = format!(
        "{APPROVE_ALL}\n[[deny]]\ncategory = \"session-replay\"\npages = [\"/checkout/**\"]\nreason = \"No recording where cards are typed\"\n\n[[deny]]\nvendor = \"google-tag-manager\"\npages = [\"/checkout/**\"]\nreason = \"No tag manager on checkout\"\n"
    );
    let r = run(dir.path(), &deny, &[]);
    assert_eq!(r.code, 1);
    assert!(has(&r, "denied-category", "hotjar"));
    assert!(has(&r, "denied-vendor", "google-tag-manager"));
    for f in r.report["findings"].as_array().unwrap() {
        assert_eq!(f["locations"].as_array().unwrap().len(), 1);
        assert_eq!(f["locations"][0]["page"], "https://shop.example/checkout/", "{f}");
    }
    let twin = run(dir.path(), &deny.replace("/checkout/**", "/account/**"), &[]);
    assert_eq!(twin.code, 0, "{:?}", findings(&twin));
}

#[test]
fn expiry_is_judged_against_today() {
    let dir = store();
    let policy = APPROVE_ALL.replace("reason = \"UX research\"", "reason = \"UX research\"\nexpires = 2026-06-30");
    let r = run(dir.path(), &policy, &["--today", "2026-07-01"]);
    assert_eq!(r.code, 1);
    assert!(has(&r, "approval-expired", "hotjar"));
    let before = run(dir.path(), &policy, &["--today", "2026-06-30"]);
    assert_eq!(before.code, 0, "{:?}", findings(&before));
}

#[test]
fn stale_approvals_are_reported() {
    let dir = store();
    let policy = format!("{APPROVE_ALL}\n[[allow]]\nvendor = \"criteo\"\nreason = \"Campaign that ended\"\n");
    let r = run(dir.path(), &policy, &[]);
    assert_eq!(r.code, 0, "a warning does not fail by default");
    assert!(findings(&r).iter().any(|(rule, sev, _)| rule == "stale-approval" && sev == "warning"));
    let f = r.report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "stale-approval").unwrap();
    assert!(f["message"].as_str().unwrap().contains("allow[5] vendor = \"criteo\""));
    assert_eq!(run(dir.path(), &format!("fail-on = \"warning\"\n{policy}"), &[]).code, 1);
}

#[test]
fn missing_integrity_on_payment_pages() {
    let dir = store();
    let todo =
        APPROVE_ALL.replace("reason = \"Card payments; Stripe.js cannot be pinned with SRI\"", "reason = \"TODO\"");
    let r = run(dir.path(), &todo, &[]);
    assert_eq!(r.code, 1);
    assert!(has(&r, "missing-integrity", "stripe"), "{:?}", findings(&r));
    assert!(!has(&r, "missing-integrity", "jsdelivr"), "it has integrity=");
    assert!(
        !has(&r, "missing-integrity", "hotjar"),
        "only <script src> is checked; hotjar is loaded by an inline snippet"
    );
    let page =
        r.report["pages"].as_array().unwrap().iter().find(|p| p["url"] == "https://shop.example/checkout/").unwrap();
    assert_eq!(page["payment_page"], true, "detected by its card-number input");
    assert_eq!(run(dir.path(), APPROVE_ALL, &[]).code, 0, "a justified approval is enough");
    let off = format!("{todo}\n[payment-pages]\nrequire-integrity = false\n");
    assert!(!has(&run(dir.path(), &off, &[]), "missing-integrity", "stripe"));
    let by_path = format!("{todo}\n[payment-pages]\ndetect = false\npaths = [\"/nothing/**\"]\n");
    assert!(
        !has(&run(dir.path(), &by_path, &[]), "missing-integrity", "stripe"),
        "checkout is no payment page by these rules"
    );
}

#[test]
fn baseline_new_vendors_and_payment_scripts() {
    let dir = store();
    let site = dir.path().join("site");
    let baseline = dir.path().join("baseline.json");
    // The baseline store has no Hotjar (neither its host nor its site ID) and no Stripe.
    let no_hotjar =
        |html: &str| html.replace("https://static.hotjar.com/c/hotjar-", "/local-").replace("hjid:1234567,", "");
    std::fs::write(site.join("index.html"), no_hotjar(HOME)).unwrap();
    std::fs::write(
        site.join("checkout/index.html"),
        no_hotjar(CHECKOUT).replace("https://js.stripe.com/v3/", "/local.js"),
    )
    .unwrap();
    let out = vendorscan(&[
        "scan",
        site.to_str().unwrap(),
        "--site",
        "https://shop.example",
        "-f",
        "json",
        "-o",
        baseline.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(site.join("index.html"), HOME).unwrap();
    std::fs::write(site.join("checkout/index.html"), CHECKOUT).unwrap();

    let r = run(dir.path(), APPROVE_ALL, &["--baseline", baseline.to_str().unwrap()]);
    let changes = &r.report["changes"];
    assert_eq!(changes["new_vendors"], serde_json::json!(["hotjar", "stripe"]));
    assert!(has(&r, "new-third-party", "hotjar"));
    assert!(has(&r, "new-payment-script", "stripe"));
    assert_eq!(r.code, 1, "a new script on a payment page is an error");
    let new_third: Vec<_> = findings(&r).into_iter().filter(|f| f.0 == "new-third-party").collect();
    assert!(new_third.iter().all(|f| f.1 == "warning"), "{new_third:?}");
    let strict = run(dir.path(), APPROVE_ALL, &["--baseline", baseline.to_str().unwrap(), "--fail-on-new"]);
    assert!(findings(&strict).iter().any(|f| f.0 == "new-third-party" && f.1 == "error"));

    // `vendorscan diff` prints the same comparison without scanning.
    let now = dir.path().join("now.json");
    std::fs::write(&now, serde_json::to_string(&r.report).unwrap()).unwrap();
    let diff = vendorscan(&["diff", baseline.to_str().unwrap(), now.to_str().unwrap()]);
    assert_eq!(diff.status.code(), Some(0));
    let text = stdout(&diff);
    assert!(text.contains("new vendors (2):\n    hotjar\n    stripe"), "{text}");
    assert!(text.contains("[payment page] https://js.stripe.com/v3/ on https://shop.example/checkout/"), "{text}");
    let same = vendorscan(&["diff", now.to_str().unwrap(), now.to_str().unwrap()]);
    assert!(stdout(&same).starts_with("No changes since"));
}

#[test]
fn hash_scripts_detects_same_url_different_content() {
    let vendor_js = "/v3/pay.js";
    let server = Server::start_with(|_| {
        let mut routes = HashMap::new();
        let page = "<html><body><script src=\"http://js.payvendor.test:{{PORT}}/v3/pay.js\"></script><input autocomplete=cc-number></body></html>";
        routes.insert("/".into(), Response::with_type(200, "text/html", page.as_bytes()));
        routes.insert(vendor_js.into(), Response::with_type(200, "application/javascript", b"console.log('v1')"));
        routes
    });
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let origin = format!("{}/", server.origin());
    let (r1, r2) = (server.resolve("shop.test"), server.resolve("js.payvendor.test"));
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            origin.as_str(),
            "--resolve",
            &r1,
            "--resolve",
            &r2,
            "--hash-scripts",
            "-f",
            "json",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        vendorscan(&args)
    };
    let first = scan(&["-o", base.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&base).unwrap()).unwrap();
    let res = report["resources"].as_array().unwrap().iter().find(|r| r["host"] == "js.payvendor.test").unwrap();
    // Known answers for "console.log('v1')", computed with Python's hashlib.
    assert_eq!(res["content"]["sha256"], "fc787e30571f76aca9fc510576876017f389e3c02cf8c43807f70c766c7ccea7");
    assert_eq!(res["content"]["sri"], "sha384-/cCbIYZiRvc2Wpt058H2Mtx5Afta7GA/FSM0451QMb9/AVZyyIzkDKBwLOattAkB");
    server.set(vendor_js, Response::with_type(200, "application/javascript", b"console.log('v2: skimmer')"));
    let second = scan(&["--baseline", base.to_str().unwrap()]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let r: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    let changed = &r["changes"]["changed_scripts"][0];
    assert_eq!((changed["what"].as_str(), changed["payment_page"].as_bool()), (Some("content"), Some(true)));
    assert!(
        r["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "script-changed" && f["severity"] == "error")
    );
    // The script was fetched from the mapped host, and only on the payment page's behalf.
    assert!(server.seen().iter().any(|s| s.host.starts_with("js.payvendor.test") && s.path == vendor_js));
}

#[test]
fn policy_init_writes_a_policy_that_passes() {
    let dir = store();
    let site = dir.path().join("site");
    let policy = dir.path().join("vendorscan.toml");
    let out = vendorscan(&[
        "policy",
        "init",
        site.to_str().unwrap(),
        "--site",
        "https://shop.example",
        "-o",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(text.contains("vendor = \"stripe\""), "{text}");
    assert!(text.contains("host = \"widgets.unknown-partner.example\""), "{text}");
    assert!(text.contains("reason = \"TODO\""));
    let scan = vendorscan(&[
        "scan",
        site.to_str().unwrap(),
        "--site",
        "https://shop.example",
        "--policy",
        policy.to_str().unwrap(),
        "-f",
        "json",
        "--quiet",
    ]);
    assert_eq!(scan.status.code(), Some(0), "{}", stdout(&scan));
    let again = vendorscan(&["policy", "init", site.to_str().unwrap(), "-o", policy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists") && stderr(&again).contains("--force"));
}

#[test]
fn a_bad_policy_is_exit_2_with_the_line() {
    let dir = store();
    let r = run(dir.path(), "fail-on = \"error\"\n\n[[allow]]\nvendor = \"stripe\"\nreson = \"typo\"\n", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("policy.toml:5") && r.stderr.contains("unknown field `reson`"), "{}", r.stderr);
    assert!(r.stderr.contains("help: "));
    let missing = vendorscan(&["scan", "examples/demo-store", "--policy", "/no/such/policy.toml"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// Keys the policy parser accepts, read from its own "expected one of" error message.
fn accepted_keys(probe: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let r = run_policy_only(dir.path(), probe);
    let list = r.split("expected one of").nth(1).unwrap_or_else(|| panic!("no key list in: {r}"));
    list.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn run_policy_only(dir: &Path, policy: &str) -> String {
    let path = dir.join("p.toml");
    std::fs::write(&path, policy).unwrap();
    stderr(&vendorscan(&["scan", "examples/demo-store", "--policy", path.to_str().unwrap(), "--quiet"]))
}

/// The example policy and docs/policy.md document every key the parser accepts, and the
/// example is itself a valid policy.
#[test]
fn example_policy_documents_every_key() {
    let example = std::fs::read_to_string(root().join("examples/vendorscan.toml")).unwrap();
    let docs = std::fs::read_to_string(root().join("docs/policy.md")).unwrap();
    let mut keys = accepted_keys("__probe = 1\n");
    keys.extend(accepted_keys("[[allow]]\n__probe = 1\n"));
    keys.extend(accepted_keys("[payment-pages]\n__probe = 1\n"));
    assert!(keys.len() >= 14, "{keys:?}");
    for key in &keys {
        let written = format!("{key} =");
        let table = format!("[{key}]");
        let array = format!("[[{key}]]");
        assert!(
            example.contains(&written) || example.contains(&table) || example.contains(&array),
            "examples/vendorscan.toml lacks {key}"
        );
        assert!(
            docs.contains(&format!("`{key}`"))
                || docs.contains(&format!("`[{key}]`"))
                || docs.contains(&format!("`[[{key}]]`")),
            "docs/policy.md lacks {key}"
        );
    }
    let out = vendorscan(&[
        "scan",
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "--policy",
        "examples/vendorscan.toml",
        "-f",
        "json",
        "--quiet",
    ]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "the example parses: {}", stderr(&out));
}

#[test]
fn one_scan_saves_every_ci_format_and_the_github_step_summary() {
    let dir = store();
    let site = dir.path().join("site");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, APPROVE_ALL.replace("vendor = \"hotjar\"", "vendor = \"criteo\"")).unwrap();
    let (sarif, md, csv, summary) =
        (dir.path().join("v.sarif"), dir.path().join("c.md"), dir.path().join("i.csv"), dir.path().join("summary.md"));
    let save = |f: &str, p: &Path| format!("{f}:{}", p.display());
    let (s1, s2, s3) = (save("sarif", &sarif), save("markdown", &md), save("csv", &csv));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .args(["scan", site.to_str().unwrap(), "--site", "https://shop.example", "--policy", policy.to_str().unwrap()])
        .args(["-f", "github", "--save", &s1, "--save", &s2, "--save", &s3, "--quiet"])
        .env_remove("CI")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "hotjar is unapproved");
    let annotations = String::from_utf8_lossy(&out.stdout);
    assert!(annotations.lines().any(|l| l.starts_with("::error ") && l.contains("unapproved-vendor")), "{annotations}");
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "unapproved-vendor"));
    assert!(std::fs::read_to_string(&md).unwrap().contains("unapproved-vendor"));
    assert!(std::fs::read_to_string(&csv).unwrap().lines().any(|l| l.starts_with("hotjar,")));
    assert!(std::fs::read_to_string(&summary).unwrap().contains("unapproved-vendor"), "job summary written");

    let bad = vendorscan(&["scan", site.to_str().unwrap(), "--save", "pdf:x.pdf"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown format \"pdf\""), "{}", stderr(&bad));
}

/// A PR comment must fit GitHub's 65,536-character limit, however big the store.
#[test]
fn markdown_comment_stays_under_the_github_limit() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    for p in 0..5 {
        let scripts: String = (0..400)
            .map(|i| format!("<script src=\"https://w{i}.unknown-vendor-{p}.example/x.js\"></script>\n"))
            .collect();
        std::fs::write(site.join(format!("p{p}.html")), format!("<html><head>{scripts}</head></html>")).unwrap();
    }
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "unknown = \"error\"\n").unwrap();
    let out = vendorscan(&[
        "scan",
        site.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "-f",
        "markdown",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let md = stdout(&out);
    assert!(md.chars().count() < 65_536, "{} characters", md.chars().count());
    assert!(md.contains("unknown-third-party"));
    assert!(md.contains("Too long for a comment"), "says what it left out");
}

/// A baseline written before schema 3 (`tests/fixtures/reports/demo-store-schema-2.json`,
/// pages named by URL in every occurrence) still reads: against a fresh schema-3 report of
/// the same store, `diff` and `scan --baseline` see no change, and a script taken out of
/// the old report shows as new, on the page the schema-2 occurrence named.
#[test]
fn schema_2_baselines_still_read() {
    let old = root().join("tests/fixtures/reports/demo-store-schema-2.json");
    let v2: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&old).unwrap()).unwrap();
    assert_eq!(v2["schema_version"], 2);
    let errors: Vec<String> = report_schema(2).iter_errors(&v2).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "the fixture is a schema-2 report: {errors:?}");

    let dir = tempfile::tempdir().unwrap();
    let now = dir.path().join("now.json");
    let scan = scan_demo_to(&now, &["--quiet"]);
    assert_eq!(scan.status.code(), Some(0), "{}", stderr(&scan));
    let v3: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&now).unwrap()).unwrap();
    assert_eq!(v3["schema_version"], 3);
    let diff = vendorscan(&["diff", old.to_str().unwrap(), now.to_str().unwrap(), "--fail-on-changes"]);
    assert_eq!(diff.status.code(), Some(0), "{}{}", stdout(&diff), stderr(&diff));
    assert!(stdout(&diff).starts_with("No changes since"), "{}", stdout(&diff));
    let gate = scan_json(&[
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "--baseline",
        old.to_str().unwrap(),
    ]);
    let changes = &gate["changes"];
    for list in ["new_vendors", "removed_vendors", "new_hosts", "removed_hosts", "new_scripts", "removed_scripts"] {
        assert_eq!(changes[list], serde_json::json!([]), "{list}: {changes:#}");
    }

    // The same old report without its Klaviyo script: the fresh report has it as new, on
    // every page the schema-2 report named.
    let mut edited = v2.clone();
    let resources = edited["resources"].as_array_mut().unwrap();
    let at = resources
        .iter()
        .position(|r| r["kind"] == "script" && r["party"] == "third" && r["url"].as_str().unwrap().contains("klaviyo"))
        .expect("the demo store loads Klaviyo");
    let pages: Vec<String> = resources[at]["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["page"].as_str().unwrap().to_owned())
        .collect();
    resources.remove(at);
    let older = dir.path().join("older.json");
    std::fs::write(&older, serde_json::to_string(&edited).unwrap()).unwrap();
    let diff = vendorscan(&["diff", older.to_str().unwrap(), now.to_str().unwrap(), "-f", "json"]);
    let changes: serde_json::Value = serde_json::from_str(&stdout(&diff)).unwrap();
    let mut new: Vec<String> =
        changes["new_scripts"].as_array().unwrap().iter().map(|s| s["page"].as_str().unwrap().to_owned()).collect();
    new.sort();
    assert!(!pages.is_empty());
    assert_eq!(new, pages, "{changes:#}");
}
