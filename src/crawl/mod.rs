//! The crawl: the store's own pages, breadth-first, over HTTP.
//!
//! Enters: a [`CrawlConfig`] (start URLs, scope, limits, network settings). Leaves: one
//! [`PageRecord`] per page looked at: scanned (with its extracted resources), failed or
//! skipped, each with the reason. The only async part of vendorscan besides the browser:
//! everything after a body arrives is a plain function (`decode`, `extract`).
//!
//! Third-party URLs are recorded, never fetched: only first-party pages are requested,
//! and a redirect off the store is not followed.

pub mod fetch;
pub mod frontier;
pub mod robots;
pub mod sitemap;

use crate::error::Error;
use crate::model::{PageOutcome, PageRecord, SkipReason};
use crate::progress::Progress;
use crate::scope::Scope;
use fetch::FetchConfig;
use frontier::Frontier;
use robots::Robots;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

#[derive(Debug, Clone)]
pub struct CrawlConfig {
    pub start: Vec<Url>,
    pub scope: Scope,
    pub max_pages: usize,
    pub max_depth: Option<u32>,
    pub concurrency: usize,
    pub per_host: usize,
    pub fetch: FetchConfig,
    pub sitemaps: bool,
    pub robots: bool,
    /// Minimum time between the starts of two requests to the same host.
    pub delay: Duration,
    /// What extraction lists (the page's own assets are only counted in a static scan).
    pub extract: crate::extract::Options,
}

/// Politeness towards one host: how many requests may run at once, and when the next may
/// start (`--delay`, and a server's `Retry-After`, which holds back the whole host).
struct HostGate {
    slots: Arc<Semaphore>,
    next: tokio::sync::Mutex<tokio::time::Instant>,
    delay: Duration,
}

impl HostGate {
    fn new(per_host: usize, delay: Duration) -> Self {
        HostGate {
            slots: Arc::new(Semaphore::new(per_host.max(1))),
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
            delay,
        }
    }

    /// Wait for this host's turn, and book the next one `delay` later.
    async fn turn(&self) {
        let mut next = self.next.lock().await;
        let now = tokio::time::Instant::now();
        if *next > now {
            tokio::time::sleep_until(*next).await;
        }
        *next = tokio::time::Instant::now() + self.delay;
    }

    /// The server asked every client to wait: nobody starts a request to it before then.
    async fn hold_until(&self, wait: Duration) {
        let mut next = self.next.lock().await;
        let until = tokio::time::Instant::now() + wait;
        if *next < until {
            *next = until;
        }
    }
}

/// How a crawl ended; its pages went to the caller's `on_page` as they came.
pub struct CrawlResult {
    /// The page budget (`--max-pages`) stopped the crawl before every page was queued.
    pub budget_spent: bool,
    /// Ctrl-C or SIGTERM stopped the crawl; `pages` holds what was scanned until then.
    pub interrupted: bool,
    /// The deadline given to [`crawl_into_until`] passed: the crawl stopped there, and the
    /// pages and sitemaps it had not read are recorded as skipped ("time budget").
    pub deadline_reached: bool,
}

/// A stop request: Ctrl-C (SIGINT) or, on Unix, SIGTERM (what CI runners send on cancel),
/// or the run's time budget (`--max-time`) running out.
///
/// Installed once per run, before the first phase, and shared by every phase (the crawl,
/// a local walk, the browser, `--hash-scripts`): a signal that arrives between two phases,
/// or while Chromium is starting, is not lost (and never kills the process behind the
/// browser's back). The budget is the same request with another cause, so every phase
/// that ends cleanly on Ctrl-C ends as cleanly when the time is up.
#[derive(Clone)]
pub struct Stop(tokio::sync::watch::Receiver<Option<StopCause>>);

/// What asked the run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCause {
    /// SIGINT or SIGTERM.
    Signal,
    /// The time budget ran out.
    Deadline,
}

impl Stop {
    /// Register the handlers now (on Unix synchronously, so no signal slips through), and
    /// the deadline if there is one.
    pub fn install(rt: &tokio::runtime::Runtime, deadline: Option<tokio::time::Instant>) -> Stop {
        let _inside = rt.enter();
        let (tx, rx) = tokio::sync::watch::channel(None);
        let tx = std::sync::Arc::new(tx);
        // The first cause wins: a signal after the deadline does not change why it stopped.
        let send = |tx: &tokio::sync::watch::Sender<Option<StopCause>>, cause| {
            tx.send_if_modified(|c| c.is_none() && c.replace(cause).is_none());
        };
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
                let tx = tx.clone();
                rt.spawn(async move {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                    send(&tx, StopCause::Signal);
                });
            }
        }
        #[cfg(not(unix))]
        {
            let tx = tx.clone();
            rt.spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                send(&tx, StopCause::Signal);
            });
        }
        if let Some(at) = deadline {
            rt.spawn(async move {
                tokio::time::sleep_until(at).await;
                send(&tx, StopCause::Deadline);
            });
        }
        Stop(rx)
    }

    /// Resolves once a stop was requested (at once if it already was).
    pub async fn requested(&self) {
        let mut rx = self.0.clone();
        if rx.wait_for(Option::is_some).await.is_err() {
            // No handler could be installed: never resolves, the default signal action applies.
            std::future::pending::<()>().await;
        }
    }

    /// Why the run was asked to stop, if it was (for loops that check between steps).
    pub fn cause(&self) -> Option<StopCause> {
        *self.0.borrow()
    }
}

/// Which URLs the crawl may request: http(s), a first-party host, and a port the store
/// was given on (or a default port). Another port on the same host, or loopback, is a
/// different service.
struct CrawlScope {
    scope: Scope,
    ports: BTreeSet<u16>,
}

impl CrawlScope {
    fn allows(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| self.scope.is_first_party(h))
            && url.port_or_known_default().is_some_and(|p| self.ports.contains(&p))
    }
}

/// Links to these are files, not pages: fetching them would only spend the page budget.
fn looks_like_a_file(url: &Url) -> bool {
    const EXT: &[&str] = &[
        "7z", "avi", "css", "csv", "doc", "docx", "eot", "gif", "gz", "ico", "jpeg", "jpg", "js", "json", "m4a", "mov",
        "mp3", "mp4", "otf", "pdf", "png", "rar", "svg", "tar", "tgz", "ttf", "txt", "wav", "webm", "webp", "woff",
        "woff2", "xls", "xlsx", "xml", "zip",
    ];
    let path = url.path();
    let last = path.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.').is_some_and(|(_, ext)| EXT.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

fn is_html(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "text/html" || mime == "application/xhtml+xml"
}

/// The longest `Retry-After` we wait for before retrying a 429/503 page once.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// Large pages are extracted on one thread of their own, one after the other.
///
/// Extracting a page takes transient memory in proportion to its references (about 1.5 KB
/// each: a 5 MB catalogue page with 30,000 image URLs takes ~45 MB until its record is
/// folded in). The allocator keeps what a thread freed for that thread's arena, so two
/// such pages on the two blocking threads kept twice that resident, and three or four of
/// them in a crawl more (the huge-pages bench profile of issue #17 peaked at 146 MB). On
/// one thread, each large page reuses the memory of the one before; small pages go on
/// beside it on the runtime's workers.
mod large_pages {
    use std::sync::{Mutex, mpsc};

    /// Bodies over this size go to the large-page thread.
    pub const SIZE: usize = 1024 * 1024;

    /// A body announced as large (by its Content-Length) is read only while no other large
    /// page is being read or extracted: the others wait with their bytes in the socket, not
    /// in memory (eight 6 MB catalogue pages fetched at once held 48 MB of bodies waiting for
    /// this thread). The wait is bounded by half the fetch timeout, so a slow large page
    /// cannot make the ones behind it time out.
    pub static BODIES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

    type Job = Box<dyn FnOnce() + Send>;
    static QUEUE: Mutex<Option<mpsc::Sender<Job>>> = Mutex::new(None);

    /// Run `work` on the large-page thread (started on first use); an error when it
    /// panicked.
    pub async fn extract<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = tx.send(out.map_err(|_| "the extraction panicked".to_owned()));
        });
        let sent = {
            let mut queue = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
            let sender = queue.get_or_insert_with(|| {
                let (sender, jobs) = mpsc::channel::<Job>();
                std::thread::Builder::new()
                    .name("vendorscan-large-pages".into())
                    .spawn(move || jobs.into_iter().for_each(|job| job()))
                    .expect("a thread can be started");
                sender
            });
            sender.send(job).is_ok()
        };
        if !sent {
            return Err("the large-page thread is gone".into());
        }
        rx.await.unwrap_or_else(|_| Err("the large-page thread is gone".into()))
    }
}

struct Fetched {
    record: PageRecord,
    links: Vec<Url>,
}

/// The reason on pages and sitemaps the deadline left unread.
pub const TIME_BUDGET: &str = "not scanned: the run's time budget ran out";

/// robots.txt of one origin, fetched once by whichever page of that origin comes first;
/// the others wait for it, and the pages of other origins do not.
type RobotsCell = Arc<tokio::sync::OnceCell<Arc<Robots>>>;

/// Crawl, handing each page record to `on_page` as soon as it is done, so a caller that
/// folds records into a report never holds a whole crawl's references. With a `deadline`
/// (the time budget) nothing more is queued or fetched, requests under way are dropped, and what was scanned is returned with
/// `deadline_reached`; every page and sitemap not read is handed to `on_page` as skipped
/// with [`TIME_BUDGET`], so the report says what the budget cost.
pub async fn crawl_into_until(
    cfg: CrawlConfig,
    deadline: Option<std::time::Instant>,
    progress: &dyn Progress,
    stop: &Stop,
    on_page: &mut dyn FnMut(PageRecord),
) -> Result<CrawlResult, Error> {
    let deadline = deadline.map(tokio::time::Instant::from_std);
    let ports: BTreeSet<u16> = cfg.start.iter().filter_map(Url::port_or_known_default).chain([80, 443]).collect();
    let cs = Arc::new(CrawlScope { scope: cfg.scope.clone(), ports });
    let follow = {
        let cs = cs.clone();
        Arc::new(move |u: &Url| cs.allows(u))
    };
    let client = fetch::build_client(&cfg.fetch, follow)?;
    let timeout = cfg.fetch.timeout;

    let mut frontier = Frontier::new(cfg.max_pages, cfg.max_depth);
    for s in &cfg.start {
        frontier.push(s, 0);
    }
    let stop = stop.requested();
    tokio::pin!(stop);
    let budget = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(budget);
    let mut robots: HashMap<String, RobotsCell> = HashMap::new();
    // robots.txt and sitemaps come first (they seed the frontier); a stop signal here ends
    // the run as cleanly as one during the crawl.
    let prelude = async {
        let mut starts: Vec<&Url> = Vec::new();
        for s in &cfg.start {
            if !starts.iter().any(|k| k.origin() == s.origin()) {
                starts.push(s);
            }
        }
        if !(cfg.robots || cfg.sitemaps) {
            return (robots, sitemap::Collected::default());
        }
        progress.set_message("robots.txt".into());
        // Every start origin's robots.txt at once: one slow host does not hold the others.
        let fetched = futures_util::future::join_all(starts.iter().map(|s| async {
            let read = robots::fetch_robots(&client, s, timeout);
            match deadline {
                Some(d) => tokio::time::timeout_at(d, read).await.unwrap_or((Robots::AllowAll, vec![], (*s).clone())),
                None => read.await,
            }
        }))
        .await;
        let origins: Vec<url::Origin> = starts.iter().map(|s| s.origin()).collect();
        let mut sitemap_roots = Vec::new();
        let mut elsewhere = Vec::new();
        for (s, (rules, maps, at)) in starts.iter().zip(fetched) {
            if cfg.robots {
                let cell = tokio::sync::OnceCell::new_with(Some(Arc::new(rules)));
                robots.insert(s.origin().ascii_serialization(), Arc::new(cell));
            }
            // A Sitemap: line on another origin (another scheme or port of the host, as a
            // staging copy of production's robots.txt has) is not this crawl's to read.
            for m in maps.iter().filter_map(|m| Url::parse(m).ok()) {
                if cs.allows(&m) && (m.origin() == at.origin() || origins.contains(&m.origin())) {
                    sitemap_roots.push(m);
                } else if cs.scope.is_first_party(m.host_str().unwrap_or("")) {
                    elsewhere.push((m, format!("listed in {at} but on another origin: not read")));
                }
            }
            sitemap_roots.extend(s.join("/sitemap.xml").ok());
        }
        if !cfg.sitemaps {
            return (robots, sitemap::Collected::default());
        }
        let mut seen = std::collections::HashSet::new();
        sitemap_roots.retain(|u| seen.insert(u.clone()));
        progress.set_message("sitemaps".into());
        let walk = sitemap::Walk {
            limit: cfg.max_pages,
            timeout,
            parallel: cfg.concurrency.min(cfg.per_host).max(1),
            deadline,
            origins: &origins,
            allowed: &|u: &Url| cs.allows(u),
        };
        let mut found = sitemap::collect(&client, sitemap_roots, &walk).await;
        found.skipped.extend(elsewhere);
        (robots, found)
    };
    let (mut robots, from_sitemaps) = tokio::select! {
        done = prelude => done,
        _ = &mut stop => {
            return Ok(CrawlResult { budget_spent: false, interrupted: true, deadline_reached: false })
        }
    };
    let mut deadline_reached = from_sitemaps.deadline_reached;
    // Depth 1, as the pages they list: a run where nothing could be scanned names a start
    // page (depth 0) as the reason, not a sitemap.
    for (url, why) in from_sitemaps.skipped {
        on_page(PageRecord::without_content(url.to_string(), 1, PageOutcome::Skipped, why));
    }
    for url in from_sitemaps.pages {
        if cs.allows(&url) && !looks_like_a_file(&url) {
            frontier.push(&url, 1);
        }
    }

    let mut hosts: HashMap<String, Arc<HostGate>> = HashMap::new();
    let mut tasks: JoinSet<Fetched> = JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, (String, u32)> = HashMap::new();
    let mut pages_done = 0usize;
    let mut interrupted = false;
    loop {
        deadline_reached |= deadline.is_some_and(|d| tokio::time::Instant::now() >= d);
        if deadline_reached {
            break;
        }
        while tasks.len() < cfg.concurrency.max(1) {
            let Some((url, depth)) = frontier.pop() else { break };
            let rules = cfg.robots.then(|| robots.entry(url.origin().ascii_serialization()).or_default().clone());
            let gate = hosts
                .entry(url.host_str().unwrap_or("").to_owned())
                .or_insert_with(|| Arc::new(HostGate::new(cfg.per_host, cfg.delay)))
                .clone();
            let (client, max_body, opts) = (client.clone(), cfg.fetch.max_body, cfg.extract);
            let key = (url.to_string(), depth);
            let handle = tasks.spawn(async move {
                if let Some(cell) = rules {
                    let rules = cell
                        .get_or_init(|| async { Arc::new(robots::fetch_robots(&client, &url, timeout).await.0) })
                        .await;
                    if let Some(why) = rules.check(&url) {
                        let mut record = PageRecord::without_content(url.to_string(), depth, PageOutcome::Skipped, why);
                        record.skip = Some(SkipReason::Robots);
                        return Fetched { record, links: vec![] };
                    }
                }
                let _permit = gate.slots.clone().acquire_owned().await;
                fetch_page(&client, &gate, url, depth, (max_body, opts), timeout).await
            });
            in_flight.insert(handle.id(), key);
        }
        progress.set_length((pages_done + tasks.len() + frontier.queued()) as u64);
        let joined = tokio::select! {
            joined = tasks.join_next_with_id() => joined,
            _ = &mut stop => {
                interrupted = true;
                break;
            }
            _ = &mut budget => {
                deadline_reached = true;
                break;
            }
        };
        let Some(joined) = joined else { break };
        let mut done = match joined {
            Ok((id, done)) => {
                in_flight.remove(&id);
                done
            }
            Err(e) => {
                // A panic while handling one page is that page's failure, not the run's.
                let (url, depth) = in_flight.remove(&e.id()).unwrap_or_default();
                Fetched {
                    record: PageRecord::without_content(
                        url,
                        depth,
                        PageOutcome::Failed,
                        format!("internal error while scanning this page: {e}"),
                    ),
                    links: vec![],
                }
            }
        };
        if let Some(final_url) = done.record.final_url.as_deref().and_then(|u| Url::parse(u).ok()) {
            if !frontier.mark_seen(&final_url) {
                let r = &mut done.record;
                r.outcome = PageOutcome::Skipped;
                r.error = Some(format!("redirects to {final_url}, which is scanned as its own page"));
                r.resources.clear();
                r.tag_ids.clear();
                done.links.clear();
            }
        }
        let depth = done.record.depth;
        for link in &done.links {
            if cs.allows(link) && !looks_like_a_file(link) {
                frontier.push(link, depth + 1);
            }
        }
        progress.set_message(done.record.url.clone());
        progress.inc(1);
        on_page(done.record);
        pages_done += 1;
    }
    // Requests still under way are dropped (aborted with the JoinSet); what was scanned
    // stays in the report.
    tasks.abort_all();
    if deadline_reached && !interrupted {
        // Said page by page: the report shows what the budget left out (the frontier
        // never holds more than --max-pages).
        let mut unread: Vec<(String, u32)> = in_flight.into_values().collect();
        unread.sort();
        unread.extend(std::iter::from_fn(|| frontier.pop()).map(|(u, d)| (u.to_string(), d)));
        for (url, depth) in unread {
            on_page(PageRecord::without_content(url, depth, PageOutcome::Skipped, TIME_BUDGET.to_owned()));
        }
    }
    Ok(CrawlResult { budget_spent: frontier.budget_spent(), interrupted, deadline_reached })
}

async fn fetch_page(
    client: &fetch::Fetcher,
    gate: &HostGate,
    url: Url,
    depth: u32,
    (max_body, opts): (usize, crate::extract::Options),
    timeout: std::time::Duration,
) -> Fetched {
    let mut record = PageRecord::without_content(url.to_string(), depth, PageOutcome::Failed, String::new());
    record.error = None;
    let fail = |mut record: PageRecord, outcome, why: String| {
        record.outcome = outcome;
        record.error = Some(why);
        Fetched { record, links: vec![] }
    };
    let mut retried = false;
    let (head, resp) = loop {
        gate.turn().await;
        let (head, resp) = match fetch::get(client, &url, timeout).await {
            Ok(r) => r,
            Err(e) => return fail(record, PageOutcome::Failed, e),
        };
        // A busy store says when to come back; honour a short wait once (for every request
        // to that host), then give up on the page rather than hold the crawl.
        let wait = head.retry_after.as_deref().and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        match wait {
            Some(w) if matches!(head.status, 429 | 503) && !retried && w <= MAX_RETRY_WAIT => {
                retried = true;
                drop(resp);
                gate.hold_until(w).await;
            }
            _ => break (head, resp),
        }
    };
    record.status = Some(head.status);
    if head.final_url != url {
        record.final_url = Some(head.final_url.to_string());
    }
    // Header values are the server's text: visible ASCII, but a tab and the like are
    // written as escapes before they go into a sentence of the report.
    let clean = |s: &str| crate::sanitize::clean(s).into_owned();
    if (300..400).contains(&head.status) {
        let to = head.location.as_deref().map_or_else(|| "an unnamed location".into(), clean);
        record.skip = Some(SkipReason::OffSite);
        return fail(record, PageOutcome::Skipped, format!("redirects to {to}, outside the store (not followed)"));
    }
    if head.status >= 400 {
        let reason = reqwest::StatusCode::from_u16(head.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
        let mut why = format!("HTTP {} {reason}", head.status).trim_end().to_owned();
        if let (true, Some(after)) = (matches!(head.status, 429 | 503), &head.retry_after) {
            let note = match (retried, after.trim().parse::<u64>()) {
                (true, _) => "retried once",
                (false, Ok(_)) => "not retried: longer than 30 s",
                (false, Err(_)) => "not retried: only a number of seconds is understood",
            };
            why.push_str(&format!(" (Retry-After: {}; {note})", clean(after)));
        }
        return fail(record, PageOutcome::Failed, why);
    }
    if let Some(ct) = head.content_type.as_deref().filter(|ct| !is_html(ct)) {
        record.skip = Some(SkipReason::NotHtml);
        return fail(record, PageOutcome::Skipped, format!("not an HTML page ({})", clean(ct)));
    }
    let announced_large = resp.content_length().is_some_and(|n| n > large_pages::SIZE as u64);
    let _large_turn = match announced_large {
        true => tokio::time::timeout(timeout / 2, large_pages::BODIES.acquire()).await.ok().and_then(Result::ok),
        false => None,
    };
    let (body, truncated) = match fetch::read_capped(resp, max_body, timeout).await {
        Ok(b) => b,
        Err(e) => return fail(record, PageOutcome::Failed, e),
    };
    record.truncated = truncated;
    let large = body.len() > large_pages::SIZE;
    let base = head.final_url.clone();
    let ct = head.content_type.clone();
    let work = move || {
        let text = crate::decode::decode_html_owned(body, ct.as_deref());
        crate::extract::extract_with(&base, &text, opts)
    };
    let extracted = match large {
        true => large_pages::extract(work).await,
        // Read where the body arrived, on the runtime's worker: a page under 1 MiB takes a
        // few milliseconds, and handing it to the blocking pool cost a thread switch and a
        // wake-up per page (5-7% of a crawl's wall time, issue #17). The large pages, which
        // would hold a worker long, have their own thread.
        false => std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
            .map_err(|_| "the extraction panicked".to_owned()),
    };
    match extracted {
        Ok(ex) => {
            record.outcome = PageOutcome::Scanned;
            if truncated {
                record.error = Some(format!("larger than {} bytes: only the first part was scanned", max_body));
            }
            record.resources = ex.resources;
            record.own_assets = ex.own_assets;
            record.tag_ids = ex.tag_ids;
            record.sensitive_inputs = ex.has_sensitive_inputs;
            record.cut = ex.cut;
            Fetched { record, links: ex.links }
        }
        Err(e) => fail(record, PageOutcome::Failed, format!("internal error while extracting: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawl_scope_keeps_to_the_store_and_its_ports() {
        let cs = CrawlScope { scope: Scope::new(["shop.example"], []), ports: [443, 80, 8080].into() };
        assert!(cs.allows(&Url::parse("https://www.shop.example/a").unwrap()));
        assert!(cs.allows(&Url::parse("http://shop.example:8080/a").unwrap()));
        assert!(!cs.allows(&Url::parse("http://shop.example:9090/a").unwrap()));
        assert!(!cs.allows(&Url::parse("https://other.example/").unwrap()));
        assert!(!cs.allows(&Url::parse("file:///etc/passwd").unwrap()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deadline_ends_the_crawl_and_says_what_it_left_out() {
        // A store that accepts connections and never answers: without the deadline the
        // crawl would wait out the 60 s timeout for robots.txt, the sitemap and the page.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let held: Vec<_> = listener.incoming().take(8).flatten().collect();
            std::thread::sleep(Duration::from_secs(90));
            drop(held);
        });
        let start = Url::parse(&format!("http://shop.test:{port}/")).unwrap();
        let cfg = CrawlConfig {
            start: vec![start.clone()],
            scope: Scope::new(["shop.test"], []),
            max_pages: 10,
            max_depth: None,
            concurrency: 4,
            per_host: 4,
            fetch: FetchConfig {
                timeout: Duration::from_secs(60),
                max_body: 1 << 20,
                max_redirects: 10,
                user_agent: "test".into(),
                headers: vec![],
                resolve: vec![("shop.test".into(), format!("127.0.0.1:{port}").parse().unwrap())],
                offline: true,
                insecure: false,
            },
            sitemaps: true,
            robots: true,
            delay: Duration::ZERO,
            extract: Default::default(),
        };
        let never = Stop(tokio::sync::watch::channel(None).1);
        let deadline = std::time::Instant::now() + Duration::from_millis(500);
        let mut pages = Vec::new();
        let end = crawl_into_until(cfg, Some(deadline), &crate::progress::Silent, &never, &mut |p| pages.push(p))
            .await
            .unwrap();
        assert!(end.deadline_reached && !end.interrupted);
        let why = |url: &str| pages.iter().find(|p| p.url == url).and_then(|p| p.error.clone()).unwrap_or_default();
        assert!(why(&format!("{start}sitemap.xml")).contains("time budget"), "{pages:?}");
        assert_eq!(why(start.as_str()), TIME_BUDGET, "{pages:?}");
        assert!(pages.iter().all(|p| p.outcome == PageOutcome::Skipped), "{pages:?}");
    }

    #[test]
    fn files_are_not_pages() {
        assert!(looks_like_a_file(&Url::parse("https://s.example/a/b.PDF").unwrap()));
        assert!(!looks_like_a_file(&Url::parse("https://s.example/products/x.html").unwrap()));
        assert!(!looks_like_a_file(&Url::parse("https://s.example/v1.2/").unwrap()));
    }

    #[test]
    fn html_content_types() {
        assert!(is_html("text/html; charset=utf-8"));
        assert!(is_html("application/xhtml+xml"));
        assert!(!is_html("image/png"));
    }
}
