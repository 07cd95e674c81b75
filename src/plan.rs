//! The plan: command-line values in, a checked [`Job`] (and output list) out.
//!
//! Enters: the parsed arguments ([`TargetArgs`], the outputs of `scan`) and the policy's
//! payment-page settings. Leaves: a [`Job`] for [`crate::pipeline`], or one [`Error`] with a
//! `help:` line. Everything that can be wrong with what the user typed is found here,
//! before any network work: targets, `--site`, `--first-party`, `--resolve`, `--header`,
//! Chromium's path, and outputs that name the same file twice. The same low-level values
//! become the crawl's, the fetcher's and the browser's settings in one place, so the three
//! never disagree (ripgrep's low-args → high-args split).

use crate::browser::{self, BrowserConfig};
use crate::cli::{CrawlArgs, TargetArgs};
use crate::crawl::{CrawlConfig, fetch, fetch::FetchConfig};
use crate::error::Error;
use crate::flows::identity::{Identity, KEYS};
use crate::local;
use crate::pipeline::{Job, SiteNote, Source};
use crate::policy::PaymentPages;
use crate::report::Format;
use crate::scope::{Scope, normalize_host};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;
use url::Url;

enum Targets {
    Urls(Vec<Url>),
    Local(PathBuf),
}

/// Turn the target arguments into a job.
pub fn job(t: &TargetArgs, payment: &PaymentPages, identity: &Identity) -> Result<Job, Error> {
    let targets = parse_targets(&t.targets)?;
    let mut site = t.site.as_deref().map(parse_site).transpose()?;
    let mut site_note = None;
    let fetch = fetch_config(&t.crawl)?;
    if let Some(bad) = t.first_party.iter().find(|d| normalize_host(d).is_none()) {
        return Err(Error::usage(format!("--first-party \"{bad}\" is not a domain"))
            .with_help("give a bare domain such as cdn.mystore-assets.com"));
    }
    let extra = t.first_party.iter().map(String::as_str);
    let (source, scope, names) = match targets {
        Targets::Urls(start) => {
            let scope = Scope::new(start.iter().filter_map(Url::host_str), extra);
            let names = start.iter().map(Url::to_string).collect();
            let c = &t.crawl;
            let cfg = CrawlConfig {
                start,
                scope: scope.clone(),
                max_pages: c.max_pages as usize,
                max_depth: c.max_depth,
                concurrency: c.concurrency as usize,
                per_host: c.per_host_concurrency as usize,
                fetch: fetch.clone(),
                sitemaps: !c.no_sitemap,
                robots: !c.no_robots,
                delay: Duration::from_millis(c.delay),
                extract: extract_options(t),
            };
            (Source::Crawl(cfg), scope, names)
        }
        Targets::Local(root) => {
            if site.is_none() {
                let (inferred, note) = guess_site(&root);
                site = inferred;
                site_note = note;
            }
            let scope = Scope::new(site.as_ref().and_then(Url::host_str), extra);
            let names = vec![root.display().to_string()];
            let extract = extract_options(t);
            (Source::Local { root, site: site.clone(), max_body: t.crawl.max_body_size, extract }, scope, names)
        }
    };
    // Chromium is looked for before the crawl, so a missing browser is said at once, not
    // after minutes of crawling; the static scan still runs and its report is written (as
    // when Chromium will not start), and the run then fails with this error (exit code 2).
    let identity = identity_of(&t.browser, identity)?;
    let journey = t.browser.journey.as_deref().map(journey_of).transpose()?;
    let (browser, browser_missing) = match t.browser.browser {
        true => match browser::find_chrome(t.browser.chrome.as_deref()) {
            Ok(chrome) => (Some(browser_config(t, chrome, &fetch, &scope, &source, identity)), None),
            Err(e) => (None, Some(e)),
        },
        false => (None, None),
    };
    Ok(Job {
        source,
        scope,
        targets: names,
        payment_paths: payment.paths.clone(),
        detect_payment_pages: payment.detect,
        list_assets: t.all_resources,
        browser,
        browser_missing,
        site_note,
        browser_timing: (t.browser.settle, t.browser.page_timeout * 1000),
        browser_consent: (consent_states(&t.browser)[0], t.browser.gpc),
        browser_states: consent_states(&t.browser),
        journey,
        fetch,
        budget: t.crawl.max_time.0,
    })
}

/// The files a scan writes: `-o` (or standard output) and each `--save`. Two that name the
/// same file, however spelled (`out.json`, `./out.json`, a symlink to it), would overwrite
/// each other, so that is refused before the crawl.
pub fn outputs(output: Option<&Path>, save: &[(Format, PathBuf)]) -> Result<(), Error> {
    let mut outputs: Vec<&Path> = save.iter().map(|(_, p)| p.as_path()).collect();
    outputs.extend(output);
    let canonical: Vec<PathBuf> = outputs.iter().map(|p| canonical_output(p)).collect();
    for (i, p) in canonical.iter().enumerate() {
        if let Some(j) = canonical[..i].iter().position(|q| q == p) {
            let (a, b) = (outputs[j].display(), outputs[i].display());
            let named = if a.to_string() == b.to_string() {
                format!("{a} is named")
            } else {
                format!("{a} and {b} name the same file,")
            };
            return Err(
                Error::usage(format!("{named} twice as an output")).with_help("give each --save and -o its own file")
            );
        }
    }
    Ok(())
}

/// Where an output really goes: the file itself when it exists (symlinks resolved), else its
/// resolved folder joined with its name.
fn canonical_output(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    dir.canonicalize().map_or_else(|_| path.to_path_buf(), |d| d.join(name))
}

/// A folder scanned without `--site`: the URL its pages declare ([`local::infer_site`]), and
/// the line that says so; or none, and the warning that says what that costs.
/// A static scan only counts the store's own assets (images, fonts, hints), so extraction
/// need not resolve them; `--all-resources` lists them, and browser mode matches each
/// markup reference to the request the visit made for it.
fn extract_options(t: &TargetArgs) -> crate::extract::Options {
    crate::extract::Options { count_own_assets: !t.all_resources && !t.browser.browser }
}

fn guess_site(root: &Path) -> (Option<Url>, Option<SiteNote>) {
    let files = local::html_files(root).unwrap_or_default();
    if files.is_empty() {
        // Nothing to scan: that error says all there is to say.
        return (None, None);
    }
    match local::infer_site(root, &files) {
        Some((url, file)) => {
            let origin = url.origin().ascii_serialization();
            let line = format!(
                "vendorscan: no --site given: the site is {origin}, the URL {} declares (canonical or og:url); pass --site to choose another",
                file.display()
            );
            (Some(url), Some(SiteNote::Inferred(line)))
        }
        None => (
            None,
            Some(SiteNote::Missing(
                "vendorscan: warning: no --site given, and no page declares its URL (<link rel=canonical> or og:url): \
                 absolute links to the store's own domain and its CDN count as third parties; \
                 pass --site https://your-store.example"
                    .to_owned(),
            )),
        ),
    }
}

fn parse_site(s: &str) -> Result<Url, Error> {
    Url::parse(s).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()).ok_or_else(|| {
        Error::usage(format!("--site \"{s}\" is not an http(s) URL")).with_help("e.g. --site https://shop.example.com")
    })
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

/// `--journey`: a preset by name, else a journey file.
fn journey_of(spec: &str) -> Result<browser::journey::Journey, Error> {
    if let Some(j) = browser::journey::preset(spec) {
        return Ok(j);
    }
    let path = Path::new(spec);
    if !path.is_file() {
        return Err(Error::usage(format!("--journey {spec}: no such file, and not a preset"))
            .with_help(format!("give a journey file (TOML) or a preset: {}", browser::journey::PRESETS.join(", "))));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::input(format!("cannot read journey {spec}: {e}")).with_help("check the path and its permissions")
    })?;
    browser::journey::parse(&text, spec).map_err(|e| {
        Error::input(format!("invalid journey {e}"))
            .with_help("steps are [[step]] tables with one of goto, click, click-text, any, type (+ text), select (+ value), wait-for; see the README")
    })
}

/// The `--consent` states in the order given, each once; `none` when none is given.
fn consent_states(b: &crate::cli::BrowserArgs) -> Vec<crate::model::ConsentState> {
    let mut states: Vec<crate::model::ConsentState> = Vec::new();
    for s in &b.consent {
        if !states.contains(s) {
            states.push(*s);
        }
    }
    if states.is_empty() {
        states.push(crate::model::ConsentState::None);
    }
    states
}

/// The test identity: the policy's, with each `--identity KEY=VALUE` over it.
fn identity_of(b: &crate::cli::BrowserArgs, policy: &Identity) -> Result<Identity, Error> {
    let mut id = policy.clone();
    for spec in &b.identity {
        let Some((key, value)) = spec.split_once('=') else {
            return Err(Error::usage(format!("--identity \"{spec}\" is not KEY=VALUE"))
                .with_help(format!("for example --identity email=qa@example.com (keys: {})", KEYS.join(", "))));
        };
        id.set(key.trim(), value).map_err(|msg| {
            Error::usage(format!("--identity {msg}"))
                .with_help(format!("keys: {}; birth-date as YYYY-MM-DD", KEYS.join(", ")))
        })?;
    }
    Ok(id)
}

/// The browser settings of a run: the same host mappings, headers and scope as the crawl.
fn browser_config(
    t: &TargetArgs,
    chrome: PathBuf,
    fetch: &FetchConfig,
    scope: &Scope,
    source: &Source,
    identity: Identity,
) -> BrowserConfig {
    let b = &t.browser;
    let local = match source {
        Source::Local { root, site: Some(site), .. } => Some(browser::LocalSite {
            origin: site.origin().ascii_serialization(),
            site: site.clone(),
            root: root.clone(),
        }),
        _ => None,
    };
    let start: Vec<Url> = t.targets.iter().filter_map(|u| Url::parse(u).ok()).collect();
    // Headers go to the store's own origins only: the start URLs' origins (the browser
    // intercepts those requests and adds them).
    let first_party_origins: Vec<String> = start
        .iter()
        .filter(|u| u.host_str().is_some_and(|h| scope.is_first_party(h)))
        .map(|u| u.origin().ascii_serialization())
        .collect();
    BrowserConfig {
        launch: browser::LaunchOptions {
            chrome,
            rules: browser::HostRules {
                map: fetch.resolve.clone(),
                others_not_found: fetch.offline,
                exclude: start
                    .iter()
                    .filter(|u| matches!(u.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))))
                    .filter_map(|u| u.host_str().map(str::to_owned))
                    .collect(),
            },
            ignore_certificate_errors: fetch.insecure,
            extra_args: b.browser_args.clone(),
        },
        visit: browser::VisitConfig {
            settle: Duration::from_millis(b.settle),
            quiet: Duration::from_millis(b.settle_quiet),
            page_cap: Duration::from_secs(b.page_timeout),
            local,
            headers: fetch.headers.clone(),
            first_party_origins,
            consent: consent_states(b)[0],
            gpc: b.gpc,
            scroll: !b.no_scroll,
            actions: Vec::new(),
            context: None,
            journey: None,
            settle_max: Duration::from_millis(b.settle_max),
            needles: Arc::new(identity.needles()),
            identity: (!b.no_type).then(|| Arc::new(identity)),
            budget: Arc::new(AtomicI64::new(browser::PAYLOAD_BUDGET)),
        },
        concurrency: b.browser_concurrency as usize,
    }
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
    fn outputs_that_are_the_same_file_however_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.json");
        let dotted = dir.path().join(".").join("out.json");
        let e = outputs(Some(&out), &[(Format::Csv, dotted)]).unwrap_err();
        assert!(e.message.contains("name the same file"), "{}", e.message);
        std::fs::write(&out, "{}").unwrap();
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&out, &link).unwrap();
            assert!(outputs(Some(&out), &[(Format::Json, link)]).is_err(), "a symlink to the same file");
        }
        assert!(outputs(Some(&out), &[(Format::Csv, dir.path().join("out.csv"))]).is_ok());
        assert!(outputs(None, &[(Format::Csv, out.clone()), (Format::Json, out)]).is_err());
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
