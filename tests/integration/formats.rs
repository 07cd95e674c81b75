//! The CI report formats (table, json, sarif, github, markdown, junit, csv) on one fixed
//! report: a small site scanned from disk through the library, plus hand-made findings,
//! a policy verdict, approvals and baseline changes.
//!
//! Each output is an insta snapshot in `tests/snapshots/`. After an intended change, run
//! `INSTA_UPDATE=always cargo test --test integration formats` (or `cargo insta review`)
//! and review the diff; under `CI` a changed output fails. Besides the snapshots, each format is checked for what its consumer
//! needs: SARIF against the OASIS SARIF 2.1.0 schema (`tests/schemas/`), GitHub lines
//! against the workflow-command grammar, JUnit as well-formed XML, CSV as RFC 4180 with
//! the right number of columns, Markdown tables with the right number of cells.

use crate::common::*;
use vendorscan::baseline::{Changed, Changes, ScriptChange, ScriptRef};
use vendorscan::checks::{self, Approval, DecidedBy, Finding, Location, RuleId, Severity};
use vendorscan::inventory::{self, Mode, RunInfo};
use vendorscan::model::{CookieSeen, CookieVia, InitiatorKind, ResourceKind, RuntimeRequest, StorageWrite, Visit};
use vendorscan::policy::{EntryRef, FailOn, Table};
use vendorscan::report::{self, Format, Report, Verdict};
use vendorscan::scope::Scope;
use vendorscan::vendors::VendorDb;

const SITE: &str = "https://shop.example";
const CHECKOUT: &str = "https://shop.example/checkout/";
const HOME: &str = "https://shop.example/";
const HOTJAR_JS: &str = "https://static.hotjar.com/c/hotjar-1234.js?sv=6";
const STRIPE_JS: &str = "https://js.stripe.com/v3/";

const INDEX: &str = r#"<!doctype html>
<html><head>
<script async src="https://www.googletagmanager.com/gtm.js?id=GTM-TEST123"></script>
<script src="https://static.hotjar.com/c/hotjar-1234.js?sv=6"></script>
</head><body>
<img src="https://www.facebook.com/tr?id=1234567890&amp;ev=PageView" width="1" height="1" alt="">
<script src="https://widgets.acme-loyalty.example/w.js"></script>
<a href="/checkout/">Checkout</a>
</body></html>
"#;

const CHECKOUT_HTML: &str = r#"<!doctype html>
<html><head>
<script src="https://static.hotjar.com/c/hotjar-1234.js?sv=6"></script>
<script src="https://js.stripe.com/v3/"></script>
</head><body>
<form><input autocomplete="cc-number" name="card"></form>
</body></html>
"#;

const OFFERS: &str = r#"<!doctype html>
<html><body>
<iframe src="https://www.youtube.com/embed/abc123"></iframe>
</body></html>
"#;

fn loc(page: &str, file: Option<&str>, line: Option<u32>, url: Option<&str>) -> Location {
    Location { page: page.into(), file: file.map(Into::into), line, url: url.map(Into::into), loaded_by: None }
}

const GTM_JS: &str = "https://www.googletagmanager.com/gtm.js?id=GTM-TEST123";
const KLAVIYO_JS: &str = "https://static.klaviyo.com/onsite/js/klaviyo.js?company_id=AbC123";

fn browser_visit() -> Visit {
    let req = |url: &str, cdp: &str, kind, initiator, by: Option<&str>| RuntimeRequest {
        url: url::Url::parse(url).unwrap(),
        kind,
        cdp_type: cdp.into(),
        method: "GET".into(),
        status: Some(200),
        failure: None,
        frame: None,
        initiator,
        initiator_url: by.map(Into::into),
        initiator_line: Some(2),
        canceled: false,
        unload: false,
        after_choice: false,
        payload: Default::default(),
        step: Default::default(),
    };
    // The visitor rejected consent (`--consent reject`) before the pixel went out.
    let mut pixel = req(
        "https://static.criteo.net/px.gif?e=view",
        "Image",
        ResourceKind::Pixel,
        InitiatorKind::Script,
        Some(KLAVIYO_JS),
    );
    pixel.after_choice = true;
    // What the pixel carried: the e-mail typed into the page, hashed, and the event name.
    pixel.payload = vendorscan::model::Payload {
        observed: vec![vendorscan::model::Observation {
            kind: "hashed-identifier",
            of: Some("email"),
            encoding: Some(vendorscan::model::Encoding::Sha256),
            via: vendorscan::model::Via::Query,
            example: "m=«sha256(e-mail)»".into(),
        }],
        protocol: Some("criteo"),
        events: vec!["viewHome".into()],
        tag_ids: vec![("criteo-account", "12345".into())],
        cut: false,
        skipped: false,
    };
    Visit {
        requests: vec![
            req(GTM_JS, "Script", ResourceKind::Script, InitiatorKind::Parser, Some(HOME)),
            req(KLAVIYO_JS, "Script", ResourceKind::Script, InitiatorKind::Script, Some(GTM_JS)),
            pixel,
        ],
        cookies: vec![
            CookieSeen {
                name: "__kla_id".into(),
                domain: ".shop.example".into(),
                path: "/".into(),
                lifetime_days: Some(395.0),
                secure: false,
                http_only: false,
                same_site: Some("Lax".into()),
                via: CookieVia::Script,
                set_by: Some(KLAVIYO_JS.into()),
                blocked: None,
            },
            CookieSeen {
                name: "cto_bundle".into(),
                domain: "static.criteo.net".into(),
                path: "/".into(),
                lifetime_days: None,
                secure: false,
                http_only: false,
                same_site: None,
                via: CookieVia::Header,
                set_by: Some("https://static.criteo.net/px.gif?e=view".into()),
                blocked: Some("ThirdPartyPhaseout".into()),
            },
        ],
        storage: vec![StorageWrite {
            area: "local",
            origin: "https://shop.example".into(),
            key: "__kla_viewed".into(),
            script: Some(KLAVIYO_JS.into()),
        }],
        error: None,
        failed: false,
        dialogs: Vec::new(),
        dialogs_omitted: 0,
        consent: Some(vendorscan::model::ConsentAnswer {
            cmp: Some("cookiebot".into()),
            method: Some("api".into()),
            applied: true,
            confirmed: Some(true),
            detail: Some("Cookiebot.submitCustomConsent(false, false, false); Cookiebot.consent: []".into()),
        }),
        typing: Some(vendorscan::model::TypingAnswer { fields: [("email", 1)].into_iter().collect(), detail: None }),
        fingerprints: Vec::new(),
        scrolled: None,
        settle: Some(vendorscan::model::Settled { ms: 840, ended: vendorscan::model::SettleEnd::Quiet }),
        journey: None,
        left_for: None,
        links: Vec::new(),
    }
}

fn finding(rule: RuleId, severity: Severity, message: &str) -> Finding {
    let mut f = Finding::new(rule, message);
    f.severity = severity;
    f
}

/// The fixed report every format is rendered from.
fn fixture() -> Report {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    std::fs::create_dir_all(site.join("checkout")).unwrap();
    std::fs::create_dir_all(site.join("offers")).unwrap();
    std::fs::write(site.join("index.html"), INDEX).unwrap();
    std::fs::write(site.join("checkout/index.html"), CHECKOUT_HTML).unwrap();
    std::fs::write(site.join("offers/a|b,c.html"), OFFERS).unwrap();
    let site_url = url::Url::parse(SITE).unwrap();
    let mut files = vendorscan::local::html_files(site).unwrap();
    files.push(site.join("gone.html"));
    files.sort();
    let mut pages: Vec<_> = files
        .iter()
        .map(|f| vendorscan::local::scan_file(site, f, Some(&site_url), 10 << 20, Default::default()))
        .collect();
    // Browser mode on the home page: the tag manager in the markup injects Klaviyo, which
    // fires a Criteo pixel, sets a cookie and writes to localStorage.
    let home = pages.iter_mut().find(|p| p.url == HOME).unwrap();
    home.visit = Some(browser_visit());
    let scope = Scope::new(["shop.example"], []);
    let info = RunInfo {
        browser: Some(inventory::BrowserInfo {
            product: "Chrome/TEST".into(),
            settle_ms: 3000,
            page_timeout_ms: 30000,
            consent: vendorscan::model::ConsentState::Reject,
            gpc: false,
            typing: true,
            scroll: true,
            settle_quiet_ms: 500,
            settle_max_ms: 0,
            states: vec![vendorscan::model::ConsentState::Reject],
        }),
        ..RunInfo::new(Mode::Local, vec!["site".into()], &scope)
    };
    let db = VendorDb::embedded().unwrap();
    let mut inv = inventory::build(pages, info, &db);

    // Stable across machines and releases: no temporary paths, no version numbers.
    let tmp = site.display().to_string();
    for p in &mut inv.pages {
        p.file = p.file.as_ref().map(|f| f.replace(&tmp, "site"));
    }
    inv.tool.version = "VERSION";
    inv.tool.vendor_db_version = "DB-VERSION".into();
    inv.tool.vendor_db = inventory::VendorDbInfo {
        version: "DB-VERSION".into(),
        date: Some("2000-01-01".into()),
        vendors: 1000,
        sources: vec!["third-party-web SEED-VERSION".into()],
    };

    let approvals = [
        (
            "stripe",
            Approval {
                entry: entry(Table::Allow, 0, "vendor", "stripe", 5),
                reason: "Card payments, \"PCI\" scope;\nreviewed by finance".into(),
                owner: Some("payments@shop.example".into()),
                expires: Some(jiff::civil::date(2027, 1, 31)),
            },
        ),
        (
            "google-tag-manager",
            Approval {
                entry: entry(Table::Allow, 1, "vendor", "google-tag-manager", 11),
                reason: "Marketing tags".into(),
                owner: None,
                expires: None,
            },
        ),
    ]
    .into_iter()
    .map(|(id, a)| (id.to_owned(), a))
    .collect();

    let here = root().join("site/index.html").display().to_string();
    let mut findings = Vec::new();
    // An error with file and line locations (one absolute, under the working directory).
    let mut f = finding(
        RuleId::UnapprovedVendor,
        Severity::Error,
        "Hotjar (Hotjar, session-replay) receives visitor data on 2 pages and no [[allow]] entry approves it",
    );
    f.vendor = Some("hotjar".into());
    f.host = Some("static.hotjar.com".into());
    f.locations.push(loc(CHECKOUT, Some("site/checkout/index.html"), Some(3), Some(HOTJAR_JS)));
    f.locations.push(loc(HOME, Some(&here), Some(4), Some(HOTJAR_JS)));
    findings.push(f);
    // An error decided by a policy entry, seen on a page with no local file.
    let mut f = finding(
        RuleId::DeniedCategory,
        Severity::Error,
        "Hotjar (Hotjar, session-replay) is on 1 page where deny[0] category = \"session-replay\" \
         (vendorscan.toml:14) forbids it",
    );
    f.vendor = Some("hotjar".into());
    f.decided_by = Some(DecidedBy::Entry(entry(Table::Deny, 0, "category", "session-replay", 14)));
    f.locations.push(loc(CHECKOUT, None, Some(3), Some(HOTJAR_JS)));
    findings.push(f);
    let mut f = finding(
        RuleId::ScriptChanged,
        Severity::Error,
        "https://js.stripe.com/v3/ on https://shop.example/checkout/ changed its integrity: sha384-old -> (none) \
         (since base.json)",
    );
    f.vendor = Some("stripe".into());
    f.host = Some("js.stripe.com".into());
    f.locations.push(loc(CHECKOUT, None, None, Some(STRIPE_JS)));
    findings.push(f);
    // A warning without a file, with characters every format must escape.
    let mut f = finding(
        RuleId::UnknownThirdParty,
        Severity::Warning,
        "widgets.acme-loyalty.example (unknown third party): 100% unknown, <b>no</b> vendor | [[allow]] entry\nnames it",
    );
    f.host = Some("widgets.acme-loyalty.example".into());
    f.locations.push(loc(HOME, None, None, Some("https://widgets.acme-loyalty.example/w.js")));
    findings.push(f);
    // A warning about a policy entry, with no page at all.
    let mut f = finding(
        RuleId::StaleApproval,
        Severity::Warning,
        "allow[2] vendor = \"olark\" (vendorscan.toml:9) matched nothing in this scan",
    );
    f.decided_by = Some(DecidedBy::Entry(entry(Table::Allow, 2, "vendor", "olark", 9)));
    findings.push(f);
    // A note on a page whose URL has `|` and `,`.
    let offers = inv.pages.iter().find(|p| p.url.contains("offers")).unwrap().url.clone();
    let mut f = finding(RuleId::NewThirdParty, Severity::Note, "YouTube (Google, video) on 1 page");
    f.vendor = Some("youtube".into());
    f.decided_by = Some(DecidedBy::Baseline { file: "base.json".into() });
    f.locations.push(loc(&offers, Some("site/offers/a|b,c.html"), Some(3), None));
    findings.push(f);
    checks::sort(&mut findings);
    let verdict = Some(Verdict {
        file: Some("vendorscan.toml".into()),
        fail_on: FailOn::Error,
        passed: false,
        errors: 3,
        warnings: 2,
    });
    let changes = Some(Changes {
        baseline: "base.json".into(),
        new_vendors: vec!["hotjar".into(), "youtube".into()],
        removed_vendors: vec!["olark".into()],
        new_hosts: vec!["static.hotjar.com".into(), "www.youtube.com".into()],
        removed_hosts: vec!["static.olark.com".into()],
        new_scripts: vec![
            ScriptRef {
                page: CHECKOUT.into(),
                url: HOTJAR_JS.into(),
                vendor: Some("hotjar".into()),
                payment_page: true,
            },
            ScriptRef { page: HOME.into(), url: HOTJAR_JS.into(), vendor: Some("hotjar".into()), payment_page: false },
        ],
        removed_scripts: vec![ScriptRef {
            page: HOME.into(),
            url: "https://static.olark.com/jsclient/loader.js".into(),
            vendor: Some("olark".into()),
            payment_page: false,
        }],
        changed_scripts: vec![ScriptChange {
            page: CHECKOUT.into(),
            url: STRIPE_JS.into(),
            vendor: Some("stripe".into()),
            payment_page: true,
            what: Changed::Integrity,
            before: "sha384-old".into(),
            after: "(none)".into(),
        }],
    });
    Report { inventory: inv, findings, changes, verdict, approvals, scanned_on: Some(jiff::civil::date(2026, 12, 3)) }
}

fn entry(table: Table, index: usize, key: &'static str, value: &str, line: usize) -> EntryRef {
    EntryRef { table, index, key, value: value.into(), file: "vendorscan.toml".into(), line }
}

fn render(r: &Report, format: Format) -> String {
    let mut buf = Vec::new();
    report::render(r, format, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// Compare with the insta snapshot `tests/snapshots/NAME.snap`. Absolute paths into the
/// checkout differ from machine to machine (CI clones elsewhere): they read `<ROOT>`.
fn snapshot(name: &str, actual: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.add_filter(&regex::escape(&root().display().to_string()), "<ROOT>");
    settings.bind(|| insta::assert_snapshot!(name, actual));
}

#[test]
fn fixture_is_what_the_snapshots_expect() {
    let r = fixture().inventory;
    assert_eq!(r.summary.pages_scanned, 3, "{:?}", r.pages);
    assert_eq!(r.summary.pages_failed, 1);
    for id in ["google-tag-manager", "hotjar", "stripe", "youtube"] {
        assert!(r.vendors.iter().any(|v| v.id == id), "{id} missing");
    }
    assert_eq!(r.unknown_hosts[0].host, "widgets.acme-loyalty.example");
    assert!(r.pages.iter().any(|p| p.url == CHECKOUT && p.payment_page));
}

#[test]
fn table_snapshot_and_width() {
    let text = render(&fixture(), Format::Table);
    snapshot("formats.txt", &text);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide ({}): {line}", line.chars().count());
    }
    let pos = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s:?} missing:\n{text}"));
    assert!(pos("Findings (6):") < pos("Changes since baseline base.json:"));
    assert!(pos("Changes since baseline base.json:") < pos("vendors from"));
    // The file and line come first (where to edit), relative to the working directory.
    assert!(text.contains("at site/checkout/index.html:3 · https://shop.example/checkout/"), "{text}");
    assert!(text.contains("at site/index.html:4 · https://shop.example/"), "{text}");
    assert!(text.contains("decided by: deny[0] category = \"session-replay\" (vendorscan.toml:14)"));
    assert!(text.contains("Policy vendorscan.toml: FAILED · 3 errors, 2 warnings (fails on error)"));
}

#[test]
fn json_snapshot() {
    let text = render(&fixture(), Format::Json);
    snapshot("formats.json", &text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 6);
}

fn schema_errors(validator: &jsonschema::Validator, report: &serde_json::Value) -> Vec<String> {
    validator.iter_errors(report).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// Every field the fixture exercises (browser visit, cookies, storage, approvals, findings,
/// a verdict and changes) and a plain scan of the demo store match the documented schema;
/// the schema is strict enough to catch a renamed or added field.
#[test]
fn json_matches_the_report_schema() {
    let validator = report_schema(3);
    let fixture: serde_json::Value = serde_json::from_str(&render(&fixture(), Format::Json)).unwrap();
    let errors = schema_errors(&validator, &fixture);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    assert!(fixture["cookies"].as_array().is_some_and(|c| !c.is_empty()), "the fixture covers browser mode");

    let out = vendorscan(&["scan", "examples/demo-store", "--site", "https://demo-store.example", "-q", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let demo: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let errors = schema_errors(&validator, &demo);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));

    let mut renamed = fixture.clone();
    let vendor = renamed["vendors"][0].as_object_mut().unwrap();
    let id = vendor.remove("id").unwrap();
    vendor.insert("vendor_id".into(), id);
    assert!(!validator.is_valid(&renamed), "a renamed field is caught");
    let mut bad_rule = fixture;
    bad_rule["findings"][0]["rule"] = "no-such-rule".into();
    assert!(!validator.is_valid(&bad_rule), "rule ids are an enum");
}

/// RFC 3986 URI-reference, by its character set: unreserved and reserved characters and
/// `%XX` escapes only (what SARIF's `"format": "uri-reference"` rejects is the rest).
fn is_uri_reference(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).all(|i| match b[i] {
        b'%' => b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit(),
        c => c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c),
    })
}

#[test]
fn sarif_is_valid_against_the_oasis_schema() {
    let r = fixture();
    let text = render(&r, Format::Sarif);
    snapshot("formats.sarif", &text);
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/schemas/sarif-2.1.0.json")).unwrap()).unwrap();
    // `uri-reference` is not a draft-4 format, so the validator would skip it; GitHub's
    // upload checks it, so we do too.
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_format("uri-reference", is_uri_reference)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF schema errors:\n{}", errors.join("\n"));
    // The validator does reject what SARIF forbids.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad));
    // ... and checks formats, as GitHub's upload does (`uri-reference`).
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b|c".into();
    assert!(!validator.is_valid(&bad), "an artifact URI with a space is not a uri-reference");

    assert_eq!(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "vendorscan");
    assert_eq!(driver["version"], "VERSION");
    let rule_ids: Vec<&str> = driver["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rule_ids, RuleId::all().map(RuleId::as_str).collect::<Vec<_>>());
    for (rule, d) in RuleId::all().map(RuleId::info).zip(driver["rules"].as_array().unwrap()) {
        assert_eq!(d["shortDescription"]["text"], rule.summary);
        assert_eq!(d["help"]["text"], rule.help);
        assert_eq!(d["defaultConfiguration"]["level"], rule.severity.as_str());
    }
    // One result per location; a finding without one points at its policy entry.
    let results = run["results"].as_array().unwrap();
    let expected: usize = r.findings.iter().map(|f| f.locations.len().max(1)).sum();
    assert_eq!(results.len(), expected);
    let uri = |i: usize| results[i]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    let line = |i: usize| &results[i]["locations"][0]["physicalLocation"]["region"]["startLine"];
    let find = |rule: &str, u: &str| {
        (0..results.len())
            .find(|&i| results[i]["ruleId"] == rule && uri(i) == u)
            .unwrap_or_else(|| panic!("no {rule} result at {u}: {text}"))
    };
    let i = find("unapproved-vendor", "site/checkout/index.html");
    assert_eq!(line(i), 3);
    assert_eq!(results[i]["level"], "error");
    assert_eq!(results[i]["properties"]["vendor"], "hotjar");
    assert_eq!(results[i]["properties"]["page"], CHECKOUT);
    assert_eq!(line(find("unapproved-vendor", "site/index.html")), 4, "absolute path made relative");
    // Crawled pages: the page without its scheme (GitHub rejects `https:` artifact URIs).
    let i = find("denied-category", "shop.example/checkout/");
    assert_eq!(line(i), 3);
    assert_eq!(results[i]["properties"]["decided_by"], "deny[0] category = \"session-replay\" (vendorscan.toml:14)");
    assert_eq!(line(find("stale-approval", "vendorscan.toml")), 9);
    assert_eq!(results[find("unknown-third-party", "shop.example/")]["level"], "warning");
    assert_eq!(results[find("new-third-party", "site/offers/a%7Cb,c.html")]["level"], "note");
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.contains("://") || uri.starts_with("file://"), "only relative or file: URIs: {uri}");
        let rule = r["ruleId"].as_str().unwrap();
        assert_eq!(rule_ids[r["ruleIndex"].as_u64().unwrap() as usize], rule);
        assert_eq!(r["partialFingerprints"]["vendorscan/v1"].as_str().unwrap().len(), 64);
    }
    // Same input, same bytes.
    assert_eq!(text, render(&fixture(), Format::Sarif));
}

#[test]
fn github_lines_follow_the_workflow_command_grammar() {
    let r = fixture();
    let text = render(&r, Format::Github);
    snapshot("formats.github.txt", &text);
    let lines: Vec<&str> = text.lines().collect();
    let (summary, annotations) = lines.split_last().unwrap();
    // ::LEVEL [key=value[,key=value]...]::message, property values without raw `:`/`,`.
    let grammar = regex::Regex::new(
        r"^::(error|warning|notice)(?: (?:file|line|title)=[^,:\r\n]*(?:,(?:file|line|title)=[^,:\r\n]*)*)?::[^\r\n]*$",
    )
    .unwrap();
    for l in annotations {
        assert!(grammar.is_match(l), "not a workflow command: {l}");
    }
    let expected: usize = r.findings.iter().map(|f| f.locations.len().max(1)).sum();
    assert_eq!(annotations.len(), expected);
    assert!(!summary.starts_with("::"), "{summary}");
    assert!(summary.contains("policy FAILED"), "{summary}");
    let has = |s: &str| assert!(annotations.iter().any(|l| l.starts_with(s)), "no line starting {s:?}:\n{text}");
    has("::error file=site/checkout/index.html,line=3,title=unapproved-vendor::Hotjar");
    has("::error file=site/index.html,line=4,title=unapproved-vendor::");
    has("::error title=denied-category::Hotjar");
    has("::warning title=unknown-third-party::widgets.acme-loyalty.example (unknown third party): 100%25 unknown");
    has("::warning file=vendorscan.toml,line=9,title=stale-approval::allow[2]");
    has("::notice file=site/offers/a|b%2Cc.html,line=3,title=new-third-party::");
    assert!(text.contains("entry%0Anames it (https://shop.example/)"), "{text}");
}

#[test]
fn html_snapshot_is_one_inert_file() {
    let r = fixture();
    let text = render(&r, Format::Html);
    snapshot("formats.html", &text);
    assert!(text.starts_with("<!doctype html>"));
    // Nothing loads from anywhere: no URL in a loading attribute, and the policy says so.
    for attr in ["src=", "href=\"http", "url(", "@import"] {
        assert!(!text.contains(attr), "{attr} in the HTML report");
    }
    assert!(text.contains("default-src 'none'"), "the Content-Security-Policy forbids every load");
    // The verdict, a finding with its deciding entry, a change, the chain and the matrix.
    for fact in [
        "Policy failed: 3 errors, 2 warnings",
        "denied-category",
        "deny[0] category = &quot;session-replay&quot; (vendorscan.toml:14)",
        "Changes since the baseline <code>base.json</code>",
        "Klaviyo <span class=\"muted\">(Klaviyo)</span>",
        "<span class=\"pay\">payment</span>",
    ] {
        assert!(text.contains(fact), "{fact} missing");
    }
    assert_eq!(text, render(&fixture(), Format::Html), "same input, same bytes");
}

#[test]
fn step_summary_is_the_markdown_report() {
    let r = fixture();
    assert_eq!(report::github_step_summary(&r), render(&r, Format::Markdown));
}

/// Unescaped `|` in a Markdown table row (outside code spans, `\|` does not count).
fn cells(row: &str) -> usize {
    let bytes = row.as_bytes();
    (0..bytes.len()).filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\')).count()
}

#[test]
fn markdown_renders_as_a_pr_comment() {
    let text = render(&fixture(), Format::Markdown);
    snapshot("formats.md", &text);
    assert!(text.starts_with("## ❌ vendorscan: policy failed\n"), "{text}");
    let pos = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s:?} missing:\n{text}"));
    assert!(pos("### What changed since `base.json`") < pos("### Findings"));
    assert!(pos("### Findings") < pos("<details><summary>Inventory:"));
    assert!(pos("<details><summary>Inventory:") < pos("### Unknown third-party hosts"));
    assert!(pos("### Unknown third-party hosts") < pos("### Pages that failed"));
    assert!(text.contains("> **Payment pages**"), "payment-page changes come first");
    // Every table row has as many cells as its header.
    let mut header_cells = None;
    for line in text.lines() {
        if line.starts_with('|') {
            let n = cells(line);
            match header_cells {
                None => header_cells = Some(n),
                Some(h) => assert_eq!(n, h, "row with a different number of cells: {line}"),
            }
        } else {
            header_cells = None;
        }
    }
    assert!(text.contains("`/offers/a\\|b,c.html`"), "`|` escaped in a table cell:\n{text}");
    assert!(text.contains("\\<b\\>no\\</b\\>"), "HTML from messages is escaped:\n{text}");
}

#[test]
fn junit_is_well_formed_and_fails_what_fails_the_policy() {
    use quick_xml::events::Event;
    let text = render(&fixture(), Format::Junit);
    snapshot("formats.xml", &text);
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures) = (Vec::new(), Vec::new());
    let (mut current, mut depth, mut roots) = (String::new(), 0usize, 0usize);
    loop {
        let event = reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{text}"));
        if let Event::Start(e) | Event::Empty(e) = &event {
            if depth == 0 {
                roots += 1;
            }
            match e.name().as_ref() {
                b"testcase" => {
                    let get =
                        |k: &[u8]| e.try_get_attribute(k).unwrap().unwrap().unescape_value().unwrap().into_owned();
                    current = format!("{}/{}", get(b"classname"), get(b"name"));
                    cases.push(current.clone());
                }
                b"failure" => failures.push(current.clone()),
                _ => {}
            }
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((depth, roots), (0, 1), "one root element, every element closed");
    for c in ["vendorscan.vendor/hotjar", "vendorscan.vendor/stripe", "vendorscan.vendor/youtube"] {
        assert!(cases.iter().any(|x| x == c), "no test case {c}: {cases:?}");
    }
    assert!(cases.iter().any(|x| x == "vendorscan.unknown-host/widgets.acme-loyalty.example"), "{cases:?}");
    assert!(cases.iter().any(|x| x.starts_with("vendorscan.policy/stale-approval")), "{cases:?}");
    // Errors fail (fail-on = error); warnings and notes do not.
    assert_eq!(failures, vec!["vendorscan.vendor/hotjar", "vendorscan.vendor/stripe"], "{text}");
    assert!(text.contains(r#"failures="2""#));
    assert!(text.contains(r#"type="denied-category,unapproved-vendor""#), "{text}");
}

/// A small RFC 4180 reader: records of fields, quoted fields may hold `,`, `""` and CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => {
                assert!(field.is_empty(), "quote inside an unquoted field");
                quoted = true;
            }
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("bare LF ends a record"),
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted && field.is_empty() && record.is_empty(), "the last record ends with CRLF");
    records
}

#[test]
fn csv_is_rfc4180_with_one_row_per_vendor_and_unknown_host() {
    let r = fixture();
    let text = render(&r, Format::Csv);
    snapshot("formats.csv", &text);
    let rows = parse_csv(&text);
    let header = &rows[0];
    assert_eq!(
        header.join(","),
        "vendor_id,vendor,company,parent,categories,data_received,hosts,pages,page_count,kinds,tag_ids,\
         privacy_policy,decision,reason,owner,expires,sources,loaded_by,cookies,ownership"
    );
    for row in &rows {
        assert_eq!(row.len(), 20, "{row:?}");
    }
    let third_party = r.inventory.vendors.iter().filter(|v| !v.first_party).count();
    assert_eq!(rows.len(), 1 + third_party + r.inventory.unknown_hosts.len());
    let row = |id: &str| rows.iter().find(|x| x[0] == id).unwrap_or_else(|| panic!("no row {id}"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let stripe = row("stripe");
    assert_eq!(stripe[col("decision")], "approved");
    // Browser mode: Criteo was only requested at run time, by Klaviyo's script.
    let criteo = row("criteo");
    assert_eq!((criteo[col("sources")].as_str(), criteo[col("loaded_by")].as_str()), ("runtime", "klaviyo"));
    assert_eq!(row("klaviyo")[col("cookies")], "__kla_id (.shop.example)");
    assert_eq!(stripe[col("reason")], "Card payments, \"PCI\" scope;\nreviewed by finance");
    assert_eq!(stripe[col("owner")], "payments@shop.example");
    assert_eq!(stripe[col("expires")], "2027-01-31");
    assert_eq!(row("hotjar")[col("decision")], "denied");
    assert_eq!(row("hotjar")[col("page_count")], "2");
    assert!(row("google-tag-manager")[col("tag_ids")].contains("GTM-TEST123 (gtm-container)"));
    assert_eq!(row("hotjar")[col("ownership")], "formerly: Hotjar until 2021");
    let unknown = rows.iter().find(|x| x[1] == "widgets.acme-loyalty.example").unwrap();
    assert_eq!(unknown[0], "");
    assert_eq!(unknown[col("hosts")], "widgets.acme-loyalty.example");
}

/// The binary accepts every format by its documented name.
#[test]
fn every_format_from_the_command_line() {
    for (name, starts) in [
        ("table", "vendorscan "),
        ("json", "{"),
        ("sarif", "{"),
        ("github", "vendorscan: "),
        ("markdown", "## "),
        ("junit", "<?xml"),
        ("csv", "vendor_id,"),
        ("html", "<!doctype html>"),
    ] {
        let out =
            vendorscan(&["scan", "examples/demo-store", "--site", "https://demo-store.example", "-q", "-f", name]);
        assert_eq!(out.status.code(), Some(0), "-f {name}: {}", stderr(&out));
        assert!(stdout(&out).starts_with(starts), "-f {name}:\n{}", stdout(&out));
    }
}
