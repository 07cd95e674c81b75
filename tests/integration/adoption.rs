//! Issue #15, adopting vendorscan: the versions a gate depends on, terminal manners
//! (colour, -v, help, completions, man page), a folder's site read from its pages, policy
//! errors that say the fix, and the packaging files kept consistent with each other.

use crate::common::*;
use std::collections::HashMap;

fn cargo_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[test]
fn version_names_the_vendor_database() {
    let db: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("known_vendors.json")).unwrap()).unwrap();
    let db_version = db["db_version"].as_str().unwrap();
    let want = format!("vendorscan {} (vendor database {db_version})\n", cargo_version());
    for flag in ["--version", "-V"] {
        let out = vendorscan(&[flag]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(stdout(&out), want, "{flag}");
    }
}

#[test]
fn every_report_carries_the_vendor_database() {
    let report = scan_json(&["examples/demo-store", "--site", "https://demo-store.example"]);
    let tool = &report["tool"];
    let version = tool["vendor_db_version"].as_str().unwrap();
    assert_eq!(tool["vendor_db"]["version"], version);
    // db_version is the day the database was made: 2026.11.23 -> 2026-11-23.
    assert_eq!(tool["vendor_db"]["date"], version.replace('.', "-"));
    assert!(tool["vendor_db"]["vendors"].as_u64().unwrap() > 1000);
    assert!(
        tool["vendor_db"]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("third-party-web "))
    );
    assert!(report_schema_errors(&report).is_empty(), "{:?}", report_schema_errors(&report));

    let sarif =
        vendorscan(&["scan", "examples/demo-store", "--site", "https://demo-store.example", "-q", "-f", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["properties"]["vendor_db_version"], version);
    assert_eq!(driver["properties"]["vendor_db_date"], version.replace('.', "-"));

    for format in ["table", "markdown"] {
        let out =
            vendorscan(&["scan", "examples/demo-store", "--site", "https://demo-store.example", "-q", "-f", format]);
        assert!(stdout(&out).contains(&format!("vendor database {version}")), "{format}");
    }
}

/// A policy that fails the demo store: nothing approved, unknown hosts are errors.
fn failing_policy(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("vendorscan.toml");
    std::fs::write(&path, "unknown = \"warn\"\n").unwrap();
    path
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = failing_policy(tmp.path());
    let base = [
        "scan",
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "-q",
        "--policy",
        policy.to_str().unwrap(),
    ];
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vendorscan"));
        cmd.args(base).args(extra).current_dir(root());
        for var in ["CI", "NO_COLOR", "TERM"] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        cmd.output().unwrap()
    };
    let painted = run(&["--color", "always"], &[]);
    assert_eq!(painted.status.code(), Some(1), "{}", stderr(&painted));
    let text = stdout(&painted);
    assert!(text.contains("\u{1b}[1m\u{1b}[31mFAILED\u{1b}[0m"), "{text}");
    assert!(text.contains("  \u{1b}[1m\u{1b}[31merror\u{1b}[0m   unapproved-vendor"), "{text}");
    assert!(text.contains("\u{1b}[1m\u{1b}[33mwarning\u{1b}[0m unknown-third-party"), "{text}");
    // Without the escapes it is exactly the plain report.
    let plain = stdout(&run(&["--color", "never"], &[]));
    let stripped = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap().replace_all(&text, "");
    assert_eq!(stripped, plain);
    assert!(!plain.contains('\u{1b}'));
    // auto: standard output is a pipe here, so no colour, whatever else is set.
    assert!(!stdout(&run(&[], &[])).contains('\u{1b}'));
    assert!(!stdout(&run(&["--color", "auto"], &[("CI", "true")])).contains('\u{1b}'));
    // Only the table is painted: JSON read by a program never is.
    let json = run(&["--color", "always", "-f", "json"], &[]);
    assert!(!stdout(&json).contains('\u{1b}'));
}

#[test]
fn colour_auto_on_a_terminal_honours_no_color() {
    // A real terminal for standard output, through script(1), where installed.
    if std::process::Command::new("script").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "script(1) is missing, and CI must run this test");
        eprintln!("skipped: script(1) is not installed (bsdutils), so no terminal to test with");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let policy = failing_policy(tmp.path());
    let cmd = format!(
        "{} scan examples/demo-store --site https://demo-store.example -q --no-progress --policy {}",
        env!("CARGO_BIN_EXE_vendorscan"),
        policy.display()
    );
    let on_tty = |no_color: Option<&str>| {
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).current_dir(root()).env_remove("CI").env("TERM", "xterm");
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    assert!(on_tty(None).contains("\u{1b}[1m\u{1b}[31mFAILED"), "{}", on_tty(None));
    assert!(!on_tty(Some("1")).contains("\u{1b}[1m"), "NO_COLOR=1 still painted");
}

#[test]
fn fail_on_overrides_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = failing_policy(tmp.path());
    let p = policy.to_str().unwrap();
    let base =
        ["scan", "examples/demo-store", "--site", "https://demo-store.example", "-q", "-f", "json", "--policy", p];
    let code = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        vendorscan(&args).status.code()
    };
    assert_eq!(code(&[]), Some(1));
    assert_eq!(code(&["--fail-on", "never"]), Some(0));
    assert_eq!(code(&["--fail-on", "ERROR"]), Some(1));
    let out = vendorscan(&[&base[..], &["--fail-on", "warning"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["policy"]["fail_on"], "warning");
    assert_eq!(code(&["--fail-on", "sometimes"]), Some(2));
}

#[test]
fn verbose_says_what_the_crawl_does() {
    let server = Server::start_with(|_| {
        HashMap::from([
            ("/robots.txt".into(), Response::with_type(200, "text/plain", b"User-agent: *\nDisallow: /private/\n")),
            (
                "/".into(),
                Response::with_type(
                    200,
                    "text/html",
                    b"<a href=/old>old</a><a href=/private/x>x</a>\
                      <script src=https://www.googletagmanager.com/gtm.js?id=GTM-ABC></script>",
                ),
            ),
            ("/old".into(), Response::redirect(301, "/new")),
            ("/new".into(), Response::with_type(200, "text/html", b"<p>new</p>")),
        ])
    });
    let start = format!("{}/", server.origin());
    let resolve = server.resolve("shop.test");
    let out = vendorscan(&["scan", &start, "-v", "-q", "-f", "json", "--no-sitemap", "--resolve", &resolve]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let origin = server.origin();
    for line in [
        format!("vendorscan: GET {origin}/robots.txt"),
        format!("vendorscan: robots.txt of {origin}: rules for vendorscan read"),
        format!("vendorscan: GET {origin}/\n"),
        format!("vendorscan: scanned {origin}/ (HTTP 200, 1 references, depth 0)"),
        format!("vendorscan: redirect {origin}/old -> {origin}/new (HTTP 301)"),
        format!("vendorscan: skipped {origin}/private/x: "),
    ] {
        assert!(err.contains(&line), "missing {line:?} in:\n{err}");
    }
    assert!(!err.contains("googletagmanager.com/gtm.js?id=GTM-ABC\n"), "-v does not list references (that is -vv)");
    let vv = stderr(&vendorscan(&["scan", &start, "-vv", "-q", "-f", "json", "--no-sitemap", "--resolve", &resolve]));
    assert!(vv.contains("vendorscan:   Script https://www.googletagmanager.com/gtm.js?id=GTM-ABC"), "{vv}");
    // Without -v: nothing but the report.
    assert_eq!(stderr(&vendorscan(&["scan", &start, "-q", "-f", "json", "--no-sitemap", "--resolve", &resolve])), "");
}

#[test]
fn help_puts_each_flag_under_its_heading() {
    let help = stdout(&vendorscan(&["scan", "--help"]));
    let section = |name: &str| -> String {
        let start = help.find(&format!("\n{name}:\n")).unwrap_or_else(|| panic!("no {name} heading:\n{help}"));
        let rest = &help[start + name.len() + 3..];
        let end = rest
            .find("\n\n\u{0}")
            .or_else(|| regex::Regex::new(r"\n[A-Z][a-z ]+:\n").unwrap().find(rest).map(|m| m.start()));
        rest[..end.unwrap_or(rest.len())].to_owned()
    };
    let output = section("Output");
    for flag in ["-f, --format", "-o, --output", "--save", "-q, --quiet", "--no-progress"] {
        assert!(output.contains(flag), "{flag} not under Output:\n{output}");
    }
    let gate = section("Deploy gate");
    for flag in ["--policy", "--baseline", "--fail-on <LEVEL>", "--fail-on-new"] {
        assert!(gate.contains(flag), "{flag} not under Deploy gate:\n{gate}");
    }
    assert!(!section("Browser mode").contains("--format"));
    for flag in ["--color <WHEN>", "-v, --verbose"] {
        assert!(help.contains(flag), "{flag}");
    }
    let vendors = stdout(&vendorscan(&["vendors", "--help"]));
    for line in ["lookup  Which vendor is behind each host?", "list    List the vendors", "check   Check a vendor file"]
    {
        assert!(vendors.contains(line), "{vendors}");
    }
    for sub in ["lookup", "list", "check"] {
        let h = stdout(&vendorscan(&["vendors", sub, "--help"]));
        assert!(
            !h.lines().any(|l| l.trim_start().starts_with("-f, --format") && l.trim_end().ends_with('>')),
            "{sub}: -f has no description:\n{h}"
        );
    }
}

#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F _vendorscan"),
        ("zsh", "#compdef vendorscan"),
        ("fish", "complete -c vendorscan"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[vendorscan]"),
    ] {
        let out = vendorscan(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = stdout(&out);
        assert!(text.contains(marker), "{shell}: {}", &text[..text.len().min(400)]);
        assert!(text.contains("fail-on-new") && text.contains("baseline"), "{shell} completes scan's flags");
    }
    assert_eq!(vendorscan(&["completions", "tcsh"]).status.code(), Some(2));
    let man = vendorscan(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let man = stdout(&man);
    assert!(man.contains(".TH vendorscan 1"), "{}", &man[..200]);
    assert!(man.contains("vendor database"), "the man page carries the version with the database");
    for sub in ["scan", "vendors", "diff", "policy", "completions", "man"] {
        assert!(
            man.contains(&format!("vendorscan\\-{sub}(1)")) || man.contains(&format!("\n{sub}\n")),
            "{sub} in the man page"
        );
    }
    // Where man(1) is installed, the page renders without a warning.
    if std::process::Command::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let tmp = tempfile::tempdir().unwrap();
        let page = tmp.path().join("vendorscan.1");
        std::fs::write(&page, &man).unwrap();
        let shown = std::process::Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&shown.stdout).contains("vendorscan"),
            "{}",
            String::from_utf8_lossy(&shown.stderr)
        );
    }
}

#[test]
fn a_folder_without_site_takes_its_url_from_the_pages() {
    let out = vendorscan(&["scan", "examples/demo-store", "-f", "json", "--no-progress"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(
            "vendorscan: no --site given: the site is https://demo-store.example, the URL examples/demo-store/index.html declares (canonical or og:url)"
        ),
        "{}",
        stderr(&out)
    );
    let inferred: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let given = scan_json(&["examples/demo-store", "--site", "https://demo-store.example"]);
    assert_eq!(inferred["first_party"], given["first_party"]);
    assert_eq!(vendor_ids(&inferred), vendor_ids(&given));
    assert_eq!(inferred["summary"], given["summary"]);
    // -q keeps the line to itself.
    assert_eq!(stderr(&vendorscan(&["scan", "examples/demo-store", "-q", "-f", "json"])), "");

    // og:url in a page other than index.html.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("p")).unwrap();
    std::fs::write(
        tmp.path().join("p/a.html"),
        r#"<meta property="og:url" content="https://www.shop.example/p/a"><img src="https://cdn.shop.example/x.png">"#,
    )
    .unwrap();
    let out = vendorscan(&["scan", tmp.path().to_str().unwrap(), "-f", "json"]);
    assert!(stderr(&out).contains("the site is https://www.shop.example, the URL "), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["unknown_hosts"], 0, "the store's CDN is first party");
}

#[test]
fn a_folder_without_site_or_declared_url_gets_a_warning_even_when_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), r#"<img src="https://cdn.shop.example/x.png">"#).unwrap();
    let out = vendorscan(&["scan", tmp.path().to_str().unwrap(), "-q", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.starts_with("vendorscan: warning: no --site given, and no page declares its URL"), "{err}");
    assert!(err.contains("pass --site https://your-store.example"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["unknown_hosts"], 1, "what the warning is about");
}

fn policy_error(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("vendorscan.toml");
    std::fs::write(&path, text).unwrap();
    let out = vendorscan(&[
        "scan",
        "examples/demo-store",
        "--site",
        "https://demo-store.example",
        "--policy",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    stderr(&out).replace(path.to_str().unwrap(), "vendorscan.toml")
}

#[test]
fn policy_errors_say_the_fix_and_where_the_docs_are() {
    let quoted = policy_error("[[allow]]\nvendor = \"stripe\"\nreason = \"payments\"\nexpires = \"2027-06-30\"\n");
    assert!(
        quoted.contains(
            "expires = \"2027-06-30\" is a string; expires must be a TOML date without quotes: expires = 2027-06-30"
        ),
        "{quoted}"
    );
    let typo = policy_error("[[allow]]\nvendor = \"strip\"\nreason = \"payments\"\n");
    assert!(typo.contains("vendor \"strip\" is not in the vendor database (did you mean \"stripe\"?"), "{typo}");
    let far = policy_error("[[allow]]\nvendor = \"qqqqqqqqqq\"\nreason = \"x\"\n");
    assert!(!far.contains("did you mean"), "{far}");
    for err in [&quoted, &typo, &policy_error("fail-on = [\n")] {
        assert!(
            err.contains(
                "help: every key is described in https://github.com/vendorscan/vendorscan/blob/main/docs/policy.md"
            ),
            "{err}"
        );
        assert!(!err.contains(" docs/policy.md"), "a repository path an installed binary's user does not have: {err}");
    }
}

/// The version a user pins is the same in every file that names it.
#[test]
fn packaging_files_name_the_same_version_and_repository() {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    let v = cargo_version();
    assert!(read("action.yml").contains(&format!("    default: \"{v}\"")), "action.yml's version default");
    assert!(read("ci/gitlab/vendorscan.gitlab-ci.yml").contains(&format!("VENDORSCAN_VERSION: \"{v}\"")));
    assert!(read("CHANGELOG.md").contains("## [Unreleased]"));
    let toml = read("Cargo.toml");
    assert!(toml.contains("repository = \"https://github.com/vendorscan/vendorscan\""));
    for doc in [
        "README.md",
        "docs/ci.md",
        "action.yml",
        "install.sh",
        "ci/gitlab/vendorscan.gitlab-ci.yml",
        ".pre-commit-hooks.yaml",
    ] {
        let text = read(doc);
        assert!(
            !text.contains("your-org/vendorscan") && !text.contains("your-group/vendorscan"),
            "{doc}: a placeholder repository"
        );
    }
    // Third-party actions are pinned by a full commit SHA, with the tag in a comment.
    let uses = regex::Regex::new(r"uses: ([\w./-]+)@(\S+)(.*)").unwrap();
    for doc in ["docs/ci.md", "action.yml", ".github/workflows/release.yml"] {
        let text = read(doc);
        let mut n = 0;
        for c in uses.captures_iter(&text) {
            if c[1].starts_with("vendorscan/") {
                continue;
            }
            n += 1;
            assert!(
                c[2].len() == 40 && c[2].bytes().all(|b| b.is_ascii_hexdigit()),
                "{doc}: {} not pinned by SHA",
                &c[0]
            );
            assert!(c[3].contains("# v"), "{doc}: {} names no tag", &c[0]);
        }
        assert!(n > 0, "{doc} uses no action?");
    }
}

/// The pre-commit hook's command, as pre-commit would run it with a user's args.
#[test]
fn the_pre_commit_hook_scans_a_built_folder() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hooks.lines().find_map(|l| l.trim().strip_prefix("entry: ")).unwrap();
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("vendorscan"));
    let mut args: Vec<&str> = words.collect();
    args.extend(["examples/demo-store", "--site", "https://demo-store.example"]);
    let out = vendorscan(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("24 vendors from 19 companies"));
}
