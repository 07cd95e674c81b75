//! `vendorscan scan`: targets in, report out, and the deploy gate.
//!
//! Enters: [`ScanArgs`]. Leaves: the rendered report, and `Outcome::Done`,
//! `Outcome::PolicyViolated`, or an error (usage, input, or nothing scanned: the report is
//! still written first in that case, so a CI artifact shows which page failed and why).
//! Order: inputs are validated (policy, baseline, output path) before any network work;
//! then crawl or read files, build the inventory, hash payment scripts, compare with the
//! baseline, evaluate the policy, render.

use super::{Sink, load_db, note};
use crate::baseline;
use crate::browser;
use crate::checks::{self, Severity};
use crate::cli::{CrawlArgs, ScanArgs, TargetArgs};
use crate::crawl::{self, CrawlConfig, fetch, fetch::FetchConfig};
use crate::error::Error;
use crate::exit::Outcome;
use crate::inventory::{self, RunInfo};
use crate::local;
use crate::model::{PageOutcome, PageRecord};
use crate::policy::{self, PaymentPages, Policy};
use crate::report;
use crate::scope::Scope;
use crate::vendors::VendorDb;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;
use url::Url;

enum Targets {
    Urls(Vec<Url>),
    Local(std::path::PathBuf),
}

fn parse_targets(targets: &[String]) -> Result<Targets, Error> {
    let is_url = |t: &str| t.starts_with("http://") || t.starts_with("https://");
    if targets.iter().all(|t| is_url(t)) {
        let urls = targets
            .iter()
            .map(|t| {
                Url::parse(t).map_err(|e| {
                    Error::usage(format!("\"{t}\" is not a valid URL: {e}"))
                        .with_help("write the start URL in full, e.g. https://shop.example.com/")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(u) = urls.iter().find(|u| fetch::has_credentials(u)) {
            return Err(credentials_in(u));
        }
        return Ok(Targets::Urls(urls));
    }
    if let [one] = targets {
        let path = Path::new(one);
        if path.exists() {
            return Ok(Targets::Local(path.to_path_buf()));
        }
        let looks_like_host =
            !one.contains('/') && one.contains('.') && !one.ends_with(".html") && !one.ends_with(".htm");
        let help = if looks_like_host {
            format!("to crawl a live store, give the full URL: vendorscan scan https://{one}/")
        } else {
            "give a URL (https://...), an HTML file, or a folder of HTML files".to_owned()
        };
        return Err(Error::input(format!("{one}: no such file or folder")).with_help(help));
    }
    Err(Error::usage("targets mix URLs and local paths, or name several local paths")
        .with_help("scan either one or more URLs of the same store, or one file or folder"))
}

/// `https://user:pass@staging.example/`: vendorscan never sends credentials written in a
/// URL (they would also be copied into every page URL of the report); the help gives the
/// header that carries them to the store's own requests only.
fn credentials_in(url: &Url) -> Error {
    use base64::Engine;
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let pair = format!("{}:{}", decode(url.username()), decode(url.password().unwrap_or("")));
    let mut bare = url.clone();
    fetch::strip_credentials(&mut bare);
    Error::usage(format!(
        "the start URL carries a user name or password ({bare}); vendorscan never sends credentials written in a URL"
    ))
    .with_help(format!(
        "give them as a header, which goes to the store's own pages only: vendorscan scan {bare} --header 'Authorization: Basic {}'",
        base64::engine::general_purpose::STANDARD.encode(pair)
    ))
}

/// `--resolve host:port:addr`, as curl writes it (an IPv6 address may be in brackets).
pub fn parse_resolve(spec: &str) -> Result<(String, SocketAddr), Error> {
    let bad = || {
        Error::usage(format!("invalid --resolve \"{spec}\""))
            .with_help("write it as HOST:PORT:ADDRESS, e.g. --resolve shop.example.com:443:127.0.0.1")
    };
    let mut parts = spec.splitn(3, ':');
    let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
    let port: u16 = port.parse().map_err(|_| bad())?;
    let addr: IpAddr = addr.trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| bad())?;
    // The name as URLs carry it on the wire: lower case, and punycode for an IDN
    // (`bücher.test` is `xn--bcher-kva.test`), or the mapping would never match.
    let host = url::Host::parse(host).map_err(|_| bad())?.to_string();
    Ok((host, SocketAddr::new(addr, port)))
}

fn parse_header(spec: &str) -> Result<(String, String), Error> {
    match spec.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.trim().to_owned())),
        _ => Err(Error::usage(format!("invalid --header \"{spec}\""))
            .with_help("write it as 'Name: value', e.g. --header 'Authorization: Basic dXNlcjpwYXNz'")),
    }
}

fn fetch_config(c: &CrawlArgs) -> Result<FetchConfig, Error> {
    Ok(FetchConfig {
        timeout: Duration::from_secs(c.timeout),
        max_body: c.max_body_size.max(1),
        max_redirects: 10,
        user_agent: c.user_agent.clone(),
        headers: c.headers.iter().map(|h| parse_header(h)).collect::<Result<_, _>>()?,
        resolve: c.resolve.iter().map(|r| parse_resolve(r)).collect::<Result<_, _>>()?,
        offline: c.offline,
        insecure: c.insecure,
    })
}

pub fn progress_bar(quiet: bool) -> ProgressBar {
    let wanted = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !wanted {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos}/{len} pages {wide_msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A finished scan: the report, and the error to return after it is written.
pub struct Collected {
    pub report: inventory::Report,
    /// Ctrl-C or SIGTERM stopped the crawl; the report covers the pages scanned so far.
    pub interrupted: bool,
    pub db: VendorDb,
    /// The run's error, returned only after the report is written: nothing could be
    /// scanned, or the browser would not start (the static results are then reported).
    pub deferred_error: Option<Error>,
    pub fetch: FetchConfig,
}

/// Scan the targets and build the inventory (no policy, no rendering).
pub fn collect(
    t: &TargetArgs,
    db: VendorDb,
    payment: &PaymentPages,
    progress: &ProgressBar,
) -> Result<Collected, Error> {
    let targets = parse_targets(&t.targets)?;
    let site = t
        .site
        .as_deref()
        .map(|s| {
            Url::parse(s).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()).ok_or_else(
                || {
                    Error::usage(format!("--site \"{s}\" is not an http(s) URL"))
                        .with_help("e.g. --site https://shop.example.com")
                },
            )
        })
        .transpose()?;
    let fetch = fetch_config(&t.crawl)?;
    let extra: Vec<&str> = t.first_party.iter().map(String::as_str).collect();
    if let Some(bad) = extra.iter().find(|d| crate::scope::normalize_host(d).is_none()) {
        return Err(Error::usage(format!("--first-party \"{bad}\" is not a domain"))
            .with_help("give a bare domain such as cdn.mystore-assets.com"));
    }
    // Chromium is looked for before the crawl: a missing browser is an input error, not
    // something to find out after minutes of crawling.
    let chrome = t.browser.browser.then(|| browser::find_chrome(t.browser.chrome.as_deref())).transpose()?;
    let (mut interrupted, mut page_limit_reached) = (false, false);
    let rt = runtime()?;
    // Installed before the first phase that listens for it (a local scan without the
    // browser keeps the default: Ctrl-C ends the process).
    let mut stop: Option<crawl::Stop> = None;
    let (hosts, mode, target_names, local_root): (Vec<&str>, _, _, _) = match &targets {
        Targets::Urls(start) => (
            start.iter().filter_map(Url::host_str).collect(),
            "crawl",
            start.iter().map(Url::to_string).collect(),
            None,
        ),
        Targets::Local(root) => (
            site.as_ref().and_then(Url::host_str).into_iter().collect(),
            "local",
            vec![root.display().to_string()],
            Some(root.clone()),
        ),
    };
    let scope = Scope::new(hosts, extra.iter().copied());
    let info = RunInfo {
        mode,
        targets: target_names.clone(),
        scope: &scope,
        complete: true,
        page_limit_reached: false,
        payment_paths: payment.paths.clone(),
        detect_payment_pages: payment.detect,
        list_assets: t.all_resources,
        browser: None,
    };
    let mut builder = inventory::Builder::new(info, &db);
    // A static scan folds each page into the report as it arrives, so memory holds the
    // inventory, not every page's references. Browser mode visits the pages after the
    // crawl and merges each visit with its page's markup, so it keeps the records until then.
    let mut kept: Vec<PageRecord> = Vec::new();
    {
        let keep = chrome.is_some();
        let mut on_page = |p: PageRecord| if keep { kept.push(p) } else { builder.add(p) };
        match &targets {
            Targets::Urls(start) => {
                let cfg = CrawlConfig {
                    start: start.clone(),
                    scope: scope.clone(),
                    max_pages: t.crawl.max_pages as usize,
                    max_depth: t.crawl.max_depth,
                    concurrency: t.crawl.concurrency as usize,
                    per_host: t.crawl.per_host_concurrency as usize,
                    fetch: fetch.clone(),
                    sitemaps: !t.crawl.no_sitemap,
                    robots: !t.crawl.no_robots,
                    delay: Duration::from_millis(t.crawl.delay),
                };
                let stop = stop.get_or_insert_with(|| crawl::Stop::install(&rt));
                let result = rt.block_on(crawl::crawl_into(cfg, progress, stop, &mut on_page))?;
                interrupted = result.interrupted;
                page_limit_reached = result.budget_spent;
            }
            Targets::Local(root) => {
                let files = local::html_files(root)?;
                progress.set_length(files.len() as u64);
                for f in &files {
                    progress.inc(1);
                    on_page(local::scan_file(root, f, site.as_ref(), t.crawl.max_body_size));
                }
            }
        }
    }
    let (mut browser_info, mut browser_failed) = (None, None);
    if let (Some(chrome), false) = (chrome, interrupted) {
        let cfg = browser_config(t, chrome, &fetch, &scope, site.as_ref(), local_root.as_deref())?;
        let wanted: Vec<(usize, Url)> = kept
            .iter()
            .enumerate()
            .filter(|(_, p)| p.outcome == PageOutcome::Scanned)
            .filter_map(|(i, p)| Url::parse(p.final_url.as_deref().unwrap_or(&p.url)).ok().map(|u| (i, u)))
            .collect();
        let stop = stop.get_or_insert_with(|| crawl::Stop::install(&rt)).clone();
        match rt.block_on(browser::visit_pages(&cfg, wanted, progress, &stop)) {
            Ok(run) => {
                for (i, visit) in run.visits {
                    kept[i].visit = Some(visit);
                }
                interrupted |= run.interrupted;
                browser_info = Some(inventory::BrowserInfo {
                    product: run.version,
                    settle_ms: t.browser.settle,
                    page_timeout_ms: t.browser.page_timeout * 1000,
                });
            }
            // The browser would not start: the static results are still reported (and
            // the run still fails with the browser's error after the report is written).
            Err(e) => browser_failed = Some(e),
        }
    }
    for page in kept {
        builder.add(page);
    }
    if interrupted {
        // Dropping the runtime would wait for an extraction still running on the
        // blocking pool; the user asked to stop now.
        rt.shutdown_background();
    }
    progress.finish_and_clear();
    let nothing = !interrupted && !builder.pages().iter().any(|p| p.outcome == PageOutcome::Scanned);
    let why = nothing.then(|| nothing_scanned_reason(builder.pages(), mode, &target_names)).or(browser_failed);
    builder.set_end(!interrupted, page_limit_reached, browser_info);
    let report = builder.finish();
    Ok(Collected { report, interrupted, db, deferred_error: why, fetch })
}

/// The browser settings of a run: the same host mappings, headers and scope as the crawl.
fn browser_config(
    t: &TargetArgs,
    chrome: std::path::PathBuf,
    fetch: &FetchConfig,
    scope: &Scope,
    site: Option<&Url>,
    local_root: Option<&Path>,
) -> Result<browser::BrowserConfig, Error> {
    let b = &t.browser;
    let local = match (local_root, site) {
        (Some(root), Some(site)) => Some(browser::LocalSite {
            origin: site.origin().ascii_serialization(),
            site: site.clone(),
            root: root.to_path_buf(),
        }),
        _ => None,
    };
    // Headers go to the store's own origins only: the start URLs' origins (the browser
    // intercepts those requests and adds them).
    let first_party_origins: Vec<String> = t
        .targets
        .iter()
        .filter_map(|u| Url::parse(u).ok())
        .filter(|u| u.host_str().is_some_and(|h| scope.is_first_party(h)))
        .map(|u| u.origin().ascii_serialization())
        .collect();
    Ok(browser::BrowserConfig {
        launch: browser::LaunchOptions {
            chrome,
            rules: browser::HostRules {
                map: fetch.resolve.clone(),
                others_not_found: fetch.offline,
                exclude: t
                    .targets
                    .iter()
                    .filter_map(|u| Url::parse(u).ok())
                    .filter(|u| matches!(u.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))))
                    .filter_map(|u| u.host_str().map(str::to_owned))
                    .collect(),
            },
            ignore_certificate_errors: fetch.insecure,
            extra_args: b.browser_args.clone(),
        },
        visit: browser::VisitConfig {
            settle: Duration::from_millis(b.settle),
            page_cap: Duration::from_secs(b.page_timeout),
            local,
            headers: fetch.headers.clone(),
            first_party_origins,
        },
        concurrency: b.browser_concurrency as usize,
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    // Extraction is CPU-bound work on the blocking pool: more threads than cores only add
    // contention, and each thread gets its own malloc arena, whose freed parse trees other
    // threads cannot reuse (about 35 MB more peak memory on a 1,000-page crawl with
    // tokio's default of up to 512 threads).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()
        .map_err(|e| Error::input(format!("cannot start the async runtime: {e}")))
}

pub fn run(args: ScanArgs) -> Result<Outcome, Error> {
    let gate = &args.gate;
    let today = match gate.today.as_deref() {
        Some(d) => policy::parse_date(d).ok_or_else(|| {
            Error::usage(format!("--today \"{d}\" is not a date")).with_help("write it as YYYY-MM-DD")
        })?,
        None => policy::today(),
    };
    // Everything that can be wrong with the inputs is found before the crawl starts.
    let db = load_db(args.target.vendors.as_deref())?;
    let policy = match policy::locate(gate.policy.as_deref()) {
        Some(path) => policy::load(&path, &db)?,
        None => Policy::default(),
    };
    let baseline =
        gate.baseline.as_deref().map(|p| baseline::load(p).map(|v| (p.display().to_string(), v))).transpose()?;
    let uses_paths =
        policy.allow.iter().chain(&policy.deny).any(|e| e.pages.is_some()) || policy.payment.paths.is_some();
    if uses_paths && args.target.site.is_none() && !args.target.targets.iter().any(|t| t.starts_with("http")) {
        return Err(Error::usage(
            "the policy matches pages by URL path, but a folder scanned without --site has no URL paths",
        )
        .with_help("add --site https://your-store.example so pages = [...] and [payment-pages] paths apply"));
    }
    let mut outputs: Vec<&Path> = args.save.iter().map(|(_, p)| p.as_path()).collect();
    outputs.extend(args.output.as_deref());
    for (i, p) in outputs.iter().enumerate() {
        if outputs[..i].contains(p) {
            return Err(Error::usage(format!("{} is named twice as an output", p.display()))
                .with_help("give each --save and -o its own file"));
        }
    }
    let sink = Sink::open(args.output.as_deref())?;
    let saves: Vec<(report::Format, Sink)> =
        args.save.iter().map(|(f, p)| Sink::open(Some(p)).map(|s| (*f, s))).collect::<Result<_, _>>()?;
    let progress = progress_bar(args.quiet || args.no_progress);

    let Collected { mut report, interrupted, db, deferred_error, fetch } =
        collect(&args.target, db, &policy.payment, &progress)?;
    if gate.hash_scripts && !interrupted {
        hash_payment_scripts(&mut report, &fetch)?;
    }
    if let Some((name, old)) = &baseline {
        report.changes = Some(baseline::compare(name, old, &baseline::view_of(&report)));
    }
    let eval = checks::evaluate(&report, &policy, &db, today, gate.fail_on_new);
    for v in &mut report.vendors {
        v.approval = eval.approvals.get(&v.id).cloned();
    }
    let failed = checks::fails(&eval.findings, policy.fail_on, gate.fail_on_new);
    let count = |s: Severity| eval.findings.iter().filter(|f| f.severity == s).count();
    if policy.file.is_some() || baseline.is_some() {
        report.policy = Some(inventory::PolicyOut {
            file: policy.file.as_ref().map(|f| f.display().to_string()),
            fail_on: policy.fail_on.as_str().to_owned(),
            passed: !failed,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
        });
    }
    report.findings = eval.findings;

    let written = sink.path().map(Path::to_path_buf);
    sink.write_with(|w| report::render(&report, args.format, w))?;
    for (format, sink) in saves {
        sink.write_with(|w| report::render(&report, format, w))?;
    }
    write_step_summary(&report, args.format)?;
    if let Some(why) = deferred_error {
        return Err(why);
    }
    if !args.quiet {
        let s = &report.summary;
        let mut line = format!(
            "vendorscan: {} pages scanned, {} failed; {} vendors from {} companies, {} unknown hosts",
            s.pages_scanned, s.pages_failed, s.vendors, s.companies, s.unknown_hosts
        );
        if report.page_limit_reached {
            line.push_str("; stopped at --max-pages, the store has more pages");
        }
        if let Some(p) = &report.policy {
            line.push_str(&format!(
                "; policy {}: {} errors, {} warnings",
                if p.passed { "passed" } else { "FAILED" },
                p.errors,
                p.warnings
            ));
        }
        if let Some(path) = &written {
            line.push_str(&format!("; report written to {}", path.display()));
        }
        if written.is_some() || report.policy.is_some() || report.page_limit_reached {
            note(&line);
        }
    }
    if interrupted {
        note("vendorscan: interrupted; the report covers only the pages scanned so far (marked incomplete)");
        return Ok(Outcome::Interrupted);
    }
    Ok(if failed { Outcome::PolicyViolated } else { Outcome::Done })
}

/// `--format github` in GitHub Actions: also append the Markdown job summary to the file
/// `$GITHUB_STEP_SUMMARY` names.
fn write_step_summary(report: &inventory::Report, format: report::Format) -> Result<(), Error> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else { return Ok(()) };
    if format != report::Format::Github {
        return Ok(());
    }
    use std::io::Write;
    let text = report::github_step_summary(report);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::input(format!("cannot write the job summary to {}: {e}", Path::new(&path).display())))
}

/// Fetch third-party scripts on payment pages and record their digests. A script that
/// cannot be fetched keeps no digest and says why in `content_error`.
fn hash_payment_scripts(report: &mut inventory::Report, fetch: &FetchConfig) -> Result<(), Error> {
    let payment: std::collections::HashSet<String> = report
        .pages
        .iter()
        .filter(|p| p.payment_page)
        .map(|p| p.final_url.clone().unwrap_or_else(|| p.url.clone()))
        .collect();
    let wanted = |r: &inventory::ResourceOut| {
        r.kind == crate::model::ResourceKind::Script
            && r.party == inventory::Party::Third
            && r.occurrences.iter().any(|o| payment.contains(&*o.page))
    };
    let mut urls: Vec<Url> =
        report.resources.iter().filter(|r| wanted(r)).filter_map(|r| Url::parse(&r.url).ok()).collect();
    urls.sort();
    urls.dedup();
    if urls.is_empty() {
        return Ok(());
    }
    let digests = runtime()?.block_on(crawl::fetch::hash_scripts(fetch, urls))?;
    for r in report.resources.iter_mut().filter(|r| wanted(r)) {
        match digests.get(&r.url) {
            Some(Ok((sha256, sri))) => {
                r.content = Some(inventory::ContentHash { sha256: sha256.clone(), sri: sri.clone() })
            }
            Some(Err(e)) => r.content_error = Some(e.clone()),
            None => {}
        }
    }
    Ok(())
}

fn nothing_scanned_reason(pages: &[inventory::PageOut], mode: &str, targets: &[String]) -> Error {
    if mode == "local" {
        let msg = match pages.first() {
            None => format!("no .html or .htm files in {}", targets.join(", ")),
            Some(p) => {
                format!("no file could be scanned: {}: {}", p.url, p.error.as_deref().unwrap_or("unknown error"))
            }
        };
        return Error::nothing_scanned(msg)
            .with_help("point vendorscan at the folder your build writes HTML to (e.g. ./public or ./dist)");
    }
    let first = pages.iter().min_by_key(|p| p.depth);
    let detail =
        first.map(|p| format!("{}: {}", p.url, p.error.as_deref().unwrap_or("not scanned"))).unwrap_or_default();
    let help = match first.and_then(|p| p.error.as_deref()) {
        Some(e) if e.contains("robots") => {
            "the store's robots.txt keeps crawlers out; for your own store add --no-robots"
        }
        Some(e) if e.contains("outside the store") => {
            "the start URL redirects to another site; start from the URL it redirects to"
        }
        _ => "check the URL and that this machine can reach it; for a staging host use --resolve HOST:PORT:ADDRESS",
    };
    Error::nothing_scanned(format!("nothing could be scanned: {detail}")).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_specs() {
        assert_eq!(
            parse_resolve("Shop.Test:8080:127.0.0.1").unwrap(),
            ("shop.test".into(), "127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(parse_resolve("shop.test:443:[::1]").unwrap().1, "[::1]:443".parse().unwrap());
        assert_eq!(parse_resolve("Bücher.test:80:127.0.0.1").unwrap().0, "xn--bcher-kva.test");
        for bad in ["shop.test", "shop.test:x:127.0.0.1", "shop.test:80:nowhere", ":80:127.0.0.1"] {
            let e = parse_resolve(bad).unwrap_err();
            assert!(e.help.as_deref().unwrap().contains("HOST:PORT:ADDRESS"), "{bad}");
        }
    }

    #[test]
    fn headers() {
        assert_eq!(parse_header("X-Auth:  a:b ").unwrap(), ("X-Auth".into(), "a:b".into()));
        assert!(parse_header("no colon").is_err());
    }

    #[test]
    fn a_bare_domain_gets_a_hint() {
        let Err(e) = parse_targets(&["shop.example.com".into()]) else { panic!("accepted a bare domain") };
        assert_eq!(
            e.help.as_deref(),
            Some("to crawl a live store, give the full URL: vendorscan scan https://shop.example.com/")
        );
    }
}
