//! The scan pipeline: a planned [`Job`] in, an inventory and then an assessed report out.
//!
//! Enters: a [`Job`] (everything checked and resolved by `crate::plan` before any network
//! work), the vendor database and a [`Progress`] sink. Leaves: [`Collected`] (the immutable
//! inventory, whether the run was stopped, and the run-level error to return once the report
//! is written), then, through [`hash_scripts`] and [`assess`], a [`Report`]. The order is the
//! house's: crawl or read files → browser visits → inventory → script digests → baseline
//! comparison → checks → verdict. Only [`collect`] and [`hash_scripts`] touch the network,
//! on the one runtime of a [`Runner`], whose stop request (Ctrl-C, SIGTERM, `--max-time`)
//! every phase honours; [`assess`] is a plain function.

use crate::baseline::{self, ReportView};
use crate::browser::{self, BrowserConfig};
use crate::checks;
use crate::crawl::{self, CrawlConfig, StopCause, fetch::FetchConfig};
use crate::error::Error;
use crate::inventory::{self, BrowserInfo, Inventory, Mode, PageOut, RunInfo, Stopped};
use crate::local;
use crate::model::{PageOutcome, PageRecord, SkipReason};
use crate::policy::Policy;
use crate::progress::Progress;
use crate::report::{Gate, Report};
use crate::scope::Scope;
use crate::vendors::{DbLoading, VendorDb};
use jiff::civil::Date;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// Where the pages come from.
pub enum Source {
    /// A live store, crawled from its start URLs.
    Crawl(CrawlConfig),
    /// A file or folder on disk; `site` is where it will be served, when given.
    Local { root: PathBuf, site: Option<Url>, max_body: usize, extract: crate::extract::Options },
}

/// One scan, fully planned: nothing in here is still to be parsed or checked.
/// The stderr line about a folder's site when `--site` was not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteNote {
    /// Taken from the pages; shown unless `--quiet`.
    Inferred(String),
    /// None found; a warning, shown even with `--quiet`.
    Missing(String),
}

pub struct Job {
    pub source: Source,
    pub scope: Scope,
    /// The targets as the report names them.
    pub targets: Vec<String>,
    /// `[payment-pages] paths` from the policy.
    pub payment_paths: Option<globset::GlobSet>,
    /// Pages with card inputs count as payment pages.
    pub detect_payment_pages: bool,
    /// `--all-resources`: list first-party assets, not only count them.
    pub list_assets: bool,
    /// `--browser`: Chromium found, and how to drive it.
    pub browser: Option<BrowserConfig>,
    /// `--browser` was asked for and no Chromium was found: the static scan runs, and the
    /// run fails with this error after its report is written.
    pub browser_missing: Option<Error>,
    /// A folder scanned without `--site`: what was inferred, or the warning that nothing was.
    pub site_note: Option<SiteNote>,
    /// The browser timings the report states.
    pub browser_timing: (u64, u64),
    /// `--consent` and `--gpc`, for the report.
    pub browser_consent: (crate::model::ConsentState, bool),
    /// Every `--consent` state, the first (`browser_consent`'s) included: each is a visit of
    /// every page.
    pub browser_states: Vec<crate::model::ConsentState>,
    /// `--journey`: a customer's path, walked after the visits.
    pub journey: Option<browser::journey::Journey>,
    /// How script digests are fetched (`--hash-scripts`): the crawl's headers and mappings.
    pub fetch: FetchConfig,
    /// `--max-time`: the whole run's time budget.
    pub budget: Option<Duration>,
}

impl Job {
    pub fn mode(&self) -> Mode {
        match self.source {
            Source::Crawl(_) => Mode::Crawl,
            Source::Local { .. } => Mode::Local,
        }
    }
}

/// The network side of a run: one async runtime, and the stop request (signals and the
/// time budget) every phase listens to. Created once, before the first phase, so a signal
/// between two phases is not lost.
pub struct Runner {
    rt: tokio::runtime::Runtime,
    stop: crawl::Stop,
    /// When the time budget runs out.
    deadline: Option<std::time::Instant>,
}

/// The crawl ends itself at the deadline and records what it left unread; the stop request
/// follows this much later for a phase that does not watch the clock itself.
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

impl Runner {
    /// `budget`: the whole run's time budget (`--max-time`), counted from now.
    pub fn new(budget: Option<Duration>) -> Result<Runner, Error> {
        let rt = runtime()?;
        let deadline = budget.map(|b| std::time::Instant::now() + b);
        let stop_at = deadline.map(|d| tokio::time::Instant::from_std(d + DEADLINE_GRACE));
        let stop = crawl::Stop::install(&rt, stop_at);
        Ok(Runner { rt, stop, deadline })
    }

    /// The time budget is spent.
    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| std::time::Instant::now() >= d)
    }

    /// Why the run has been asked to stop, if it has (or its time is up).
    fn stopped(&self) -> Option<Stopped> {
        match self.stop.cause() {
            Some(StopCause::Signal) => Some(Stopped::Interrupted),
            Some(StopCause::Deadline) => Some(Stopped::TimeBudget),
            None => self.out_of_time().then_some(Stopped::TimeBudget),
        }
    }

    /// Dropping the runtime would wait for an extraction still running on the blocking
    /// pool; after a stop the user (or the budget) wants the report now.
    pub fn finish(self) {
        if self.stop.cause().is_some() {
            self.rt.shutdown_background();
        }
    }
}

/// A finished collection: the inventory, and the error to return after it is written.
pub struct Collected {
    pub inventory: Inventory,
    /// The run was stopped early (a signal, or the time budget); the inventory covers
    /// what was scanned until then.
    pub stopped: Option<Stopped>,
    /// The run's error, returned only after the report is written: nothing could be
    /// scanned, or the browser would not start (the static results are then reported).
    pub deferred_error: Option<Error>,
}

/// Read the pages (crawl or files), visit them in the browser when asked, and build the
/// inventory. Every phase ends early, keeping what it has, when a stop is requested.
/// `-v`: one line per page as it is recorded (what was read, skipped or failed, and why).
fn log_page(p: &PageRecord) {
    if !log::log_enabled!(log::Level::Info) {
        return;
    }
    let at = p.file.as_deref().unwrap_or(&p.url);
    let why = p.error.as_deref().unwrap_or("");
    match p.outcome {
        PageOutcome::Scanned => {
            let status = p.status.map(|s| format!("HTTP {s}, ")).unwrap_or_default();
            log::info!("scanned {at} ({status}{} references, depth {})", p.resources.len(), p.depth);
            for r in &p.resources {
                log::debug!("{:?} {}", r.kind, r.url);
            }
        }
        PageOutcome::Skipped => log::info!("skipped {at}: {why}"),
        PageOutcome::Failed => log::info!("failed {at}: {why}"),
    }
}

pub fn collect(run: &Runner, job: &Job, db: &DbLoading, progress: &dyn Progress) -> Result<Collected, Error> {
    let mut info = Some(RunInfo {
        payment_paths: job.payment_paths.clone(),
        detect_payment_pages: job.detect_payment_pages,
        list_assets: job.list_assets,
        ..RunInfo::new(job.mode(), job.targets.clone(), &job.scope)
    });
    // Made when the first page is in: the vendor database may be read meanwhile.
    let mut builder: Option<inventory::Builder> = None;
    let mut db_failed: Option<Error> = None;
    let mut page_limit_reached = false;
    // A static scan folds each page into the inventory as it arrives, so memory holds the
    // inventory, not every page's references. Browser mode visits the pages after the
    // crawl and merges each visit with its page's markup, so it keeps the records until then.
    let mut kept: Vec<PageRecord> = Vec::new();
    {
        let keep = job.browser.is_some();
        let mut on_page = |p: PageRecord| {
            log_page(&p);
            if keep {
                return kept.push(p);
            }
            match builder_of(&mut builder, &mut info, db) {
                Ok(b) => b.add(p),
                Err(e) => drop(db_failed.get_or_insert(e)),
            }
        };
        match &job.source {
            Source::Crawl(cfg) => {
                let crawl = crawl::crawl_into_until(cfg.clone(), run.deadline, progress, &run.stop, &mut on_page);
                let result = run.rt.block_on(crawl)?;
                page_limit_reached = result.budget_spent;
            }
            Source::Local { root, site, max_body, extract } => {
                let files = local::html_files(root)?;
                progress.set_length(files.len() as u64);
                for f in &files {
                    if run.stopped().is_some() {
                        break;
                    }
                    progress.inc(1);
                    on_page(local::scan_file(root, f, site.as_ref(), *max_body, *extract));
                }
            }
        }
    }
    if let Some(e) = db_failed {
        return Err(e);
    }
    builder_of(&mut builder, &mut info, db)?;
    let Some(mut builder) = builder else { return Err(Error::input("the inventory could not be started")) };
    let (mut browser_info, mut browser_failed) = (None, None);
    if let (Some(cfg), None) = (&job.browser, run.stopped()) {
        let wanted: Vec<(usize, Url)> = kept
            .iter()
            .enumerate()
            .filter(|(_, p)| p.outcome == PageOutcome::Scanned)
            .filter_map(|(i, p)| Url::parse(p.final_url.as_deref().unwrap_or(&p.url)).ok().map(|u| (i, u)))
            .collect();
        match run.rt.block_on(browser::visit_pages(cfg, wanted, progress, &run.stop)) {
            Ok(visited) => {
                for (i, visit) in visited.visits {
                    kept[i].visit = Some(visit);
                }
                // Links only the rendered pages have (a storefront that renders its menus
                // client-side): read and visited too, within the crawl's page budget.
                if let Source::Crawl(crawl_cfg) = &job.source {
                    if let Err(e) = follow_rendered_links(run, crawl_cfg, cfg, &mut kept, progress) {
                        browser_failed = Some(e);
                    }
                }
                let wanted_again: Vec<(usize, Url)> = kept
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.outcome == PageOutcome::Scanned && p.visit.is_some())
                    .filter_map(|(i, p)| Url::parse(p.final_url.as_deref().unwrap_or(&p.url)).ok().map(|u| (i, u)))
                    .collect();
                // Each further consent state: the same pages again, in a fresh browser.
                for &state in job.browser_states.iter().skip(1) {
                    if run.stopped().is_some() {
                        break;
                    }
                    let again = BrowserConfig {
                        launch: cfg.launch.clone(),
                        visit: browser::VisitConfig { consent: state, ..cfg.visit.clone() },
                        concurrency: cfg.concurrency,
                    };
                    match run.rt.block_on(browser::visit_pages(&again, wanted_again.clone(), progress, &run.stop)) {
                        Ok(more) => {
                            for (i, visit) in more.visits {
                                kept[i].visit_state = Some(job.browser_states[0]);
                                kept[i].other_states.push((state, visit));
                            }
                        }
                        Err(e) => {
                            browser_failed = Some(e);
                            break;
                        }
                    }
                }
                let (settle_ms, page_timeout_ms) = job.browser_timing;
                let (consent, gpc) = job.browser_consent;
                let typing = cfg.visit.identity.is_some();
                browser_info = Some(BrowserInfo {
                    product: visited.version,
                    settle_ms,
                    page_timeout_ms,
                    consent,
                    gpc,
                    typing,
                    scroll: cfg.visit.scroll,
                    settle_quiet_ms: cfg.visit.quiet.as_millis() as u64,
                    settle_max_ms: cfg.visit.settle_max.as_millis() as u64,
                    states: job.browser_states.clone(),
                });
            }
            // The browser would not start: the static results are still reported (and
            // the run still fails with the browser's error after the report is written).
            Err(e) => browser_failed = Some(e),
        }
        if let (Some(plan), None, None) = (&job.journey, &browser_failed, run.stopped()) {
            let site = journey_site(job, &kept);
            match site.map(|s| run.rt.block_on(browser::run_journey(cfg, plan, &s, &run.stop))) {
                Some(Ok(pages)) => merge_journey(&mut kept, pages),
                Some(Err(e)) => browser_failed = Some(e),
                None => {}
            }
        }
    }
    for page in kept {
        builder.add(page);
    }
    progress.finish();
    let stopped = run.stopped();
    let nothing = stopped.is_none() && !builder.pages().iter().any(|p| p.outcome == PageOutcome::Scanned);
    let why = nothing.then(|| nothing_scanned(builder.pages(), job)).or(browser_failed);
    builder.set_end(stopped, page_limit_reached, browser_info);
    Ok(Collected { inventory: builder.finish(), stopped, deferred_error: why })
}

/// The run's inventory builder, made on first use (`info` is taken then).
fn builder_of<'b, 'a>(
    slot: &'b mut Option<inventory::Builder<'a>>,
    info: &mut Option<RunInfo<'a>>,
    db: &'a DbLoading,
) -> Result<&'b mut inventory::Builder<'a>, Error> {
    if slot.is_none() {
        let info = info.take().ok_or_else(|| Error::input("the inventory was started twice"))?;
        *slot = Some(inventory::Builder::new(info, db.get()?));
    }
    slot.as_mut().ok_or_else(|| Error::input("the inventory could not be started"))
}

/// `--hash-scripts`: fetch the third-party scripts of payment pages and record their
/// digests. A script that cannot be fetched keeps no digest and says why. A stop during
/// the fetches keeps the inventory without digests and marks it stopped.
pub fn hash_scripts(run: &Runner, inventory: Inventory, fetch: &FetchConfig) -> Result<Inventory, Error> {
    let urls: Vec<Url> = inventory.payment_scripts().iter().filter_map(|u| Url::parse(u).ok()).collect();
    if urls.is_empty() {
        return Ok(inventory);
    }
    let fetched = run.rt.block_on(async {
        tokio::select! {
            d = crawl::fetch::hash_scripts(fetch, urls) => Some(d),
            _ = run.stop.requested() => None,
        }
    });
    let Some(digests) = fetched.transpose()? else {
        return Ok(inventory.stopped(run.stopped().unwrap_or(Stopped::Interrupted)));
    };
    let digests: inventory::Digests = digests
        .into_iter()
        .map(|(url, got)| (url, got.map(|(sha256, sri)| inventory::ContentHash { sha256, sri })))
        .collect();
    Ok(inventory.with_digests(&digests))
}

/// Rounds of rendered-link discovery: each reads and visits the pages the last round's
/// rendered pages link to (as the crawl's depth would).
const RENDERED_ROUNDS: usize = 3;

/// Read and visit the store's pages that only rendered pages link to, round after round,
/// within the crawl's page budget; the pages are added to `kept`, marked `rendered_link`.
fn follow_rendered_links(
    run: &Runner,
    crawl_cfg: &CrawlConfig,
    browser_cfg: &BrowserConfig,
    kept: &mut Vec<PageRecord>,
    progress: &dyn Progress,
) -> Result<(), Error> {
    let mut from = 0;
    for _ in 0..RENDERED_ROUNDS {
        let known: std::collections::HashSet<String> =
            kept.iter().flat_map(|p| std::iter::once(p.url.clone()).chain(p.final_url.clone())).collect();
        let mut new: Vec<Url> = kept[from..]
            .iter()
            .filter_map(|p| p.visit.as_ref())
            .flat_map(|v| v.links.iter())
            .filter(|l| !known.contains(l.as_str()))
            .filter_map(|l| Url::parse(l).ok())
            .filter(|u| u.host_str().is_some_and(|h| crawl_cfg.scope.is_first_party(h)))
            .collect();
        new.sort();
        new.dedup();
        let room = crawl_cfg.max_pages.saturating_sub(kept.len());
        new.truncate(room);
        if new.is_empty() || run.stopped().is_some() {
            return Ok(());
        }
        let cfg = CrawlConfig { start: new, max_pages: room, max_depth: Some(0), sitemaps: false, ..crawl_cfg.clone() };
        let mut found: Vec<PageRecord> = Vec::new();
        let mut on_page = |mut p: PageRecord| {
            p.rendered_link = true;
            log_page(&p);
            found.push(p);
        };
        let crawl = crawl::crawl_into_until(cfg, run.deadline, progress, &run.stop, &mut on_page);
        run.rt.block_on(crawl)?;
        from = kept.len();
        let wanted: Vec<(usize, Url)> = found
            .iter()
            .enumerate()
            .filter(|(_, p)| p.outcome == PageOutcome::Scanned)
            .filter_map(|(i, p)| Url::parse(p.final_url.as_deref().unwrap_or(&p.url)).ok().map(|u| (from + i, u)))
            .collect();
        kept.extend(found);
        let visited = run.rt.block_on(browser::visit_pages(browser_cfg, wanted, progress, &run.stop))?;
        for (i, visit) in visited.visits {
            kept[i].visit = Some(visit);
        }
    }
    Ok(())
}

/// Where a journey starts: the first start URL of a crawl, or the local folder's site.
fn journey_site(job: &Job, kept: &[PageRecord]) -> Option<Url> {
    match &job.source {
        Source::Crawl(c) => c.start.first().cloned(),
        Source::Local { site, .. } => site.clone(),
    }
    .or_else(|| kept.iter().find_map(|p| Url::parse(&p.url).ok()))
    .map(|mut u| {
        u.set_path("/");
        u.set_query(None);
        u
    })
}

/// A journey's pages into the scanned pages: a page the crawl found gets the journey's visit
/// (its cart is full now), one it did not is added; a page with card fields is a payment
/// page.
fn merge_journey(kept: &mut Vec<PageRecord>, pages: Vec<(Url, crate::model::Visit)>) {
    for (url, visit) in pages {
        let cards = visit.journey.as_ref().is_some_and(|j| j.card_fields);
        let same = |p: &PageRecord| p.url == url.as_str() || p.final_url.as_deref() == Some(url.as_str());
        match kept.iter_mut().find(|p| same(p)) {
            Some(page) => {
                page.sensitive_inputs |= cards;
                page.visit = Some(visit);
            }
            None => {
                let mut page = PageRecord::without_content(url.to_string(), 0, PageOutcome::Scanned, String::new());
                page.error = None;
                page.sensitive_inputs = cards;
                page.visit = Some(visit);
                kept.push(page);
            }
        }
    }
}

/// What the inventory is judged against.
pub struct Judge<'a> {
    pub policy: &'a Policy,
    /// `--baseline`: its name as given, and what it holds.
    pub baseline: Option<(String, &'a ReportView)>,
    /// The date approvals expire against.
    pub today: Date,
    pub fail_on_new: bool,
}

/// Compare with the baseline, run the checks, decide the verdict.
pub fn assess(inventory: Inventory, judge: &Judge, db: &VendorDb) -> Report {
    let (changes, eval) = judged(&inventory, judge, db);
    verdict(inventory, changes, eval, judge)
}

/// [`assess`], with `beside` run over the same inventory on a second thread meanwhile: the
/// crawl is over, and its second core would otherwise wait for the checks.
pub fn assess_beside<T: Send>(
    inventory: Inventory,
    judge: &Judge,
    db: &VendorDb,
    beside: impl FnOnce(&Inventory) -> T + Send,
) -> (Report, T) {
    let ((changes, eval), other) = std::thread::scope(|s| {
        let other = s.spawn(|| beside(&inventory));
        let judged = judged(&inventory, judge, db);
        (judged, other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    (verdict(inventory, changes, eval, judge), other)
}

fn judged(inventory: &Inventory, judge: &Judge, db: &VendorDb) -> (Option<baseline::Changes>, checks::Evaluation) {
    let changes =
        judge.baseline.as_ref().map(|(name, old)| baseline::compare(name, old, &baseline::view_of(inventory)));
    let eval = checks::evaluate(inventory, changes.as_ref(), judge.policy, db, judge.today, judge.fail_on_new);
    (changes, eval)
}

fn verdict(
    inventory: Inventory,
    changes: Option<baseline::Changes>,
    eval: checks::Evaluation,
    judge: &Judge,
) -> Report {
    let gate = Gate {
        policy: judge.policy,
        fail_on_new: judge.fail_on_new,
        baseline: judge.baseline.is_some(),
        today: judge.today,
    };
    Report::assess(inventory, changes, eval, &gate)
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    // Pages are read on the workers (one per core) and large ones on a thread of their own;
    // the blocking pool only resolves names (and tokio reads files there). Kept to the
    // cores: each thread gets its own malloc arena, whose freed parse trees other threads
    // cannot reuse (about 35 MB more peak memory on a 1,000-page crawl with tokio's default
    // of up to 512 threads, when pages were read there).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()
        .map_err(|e| Error::input(format!("cannot start the async runtime: {e}")))
}

/// The error of a run that scanned no page, with the help its first page's problem calls for.
fn nothing_scanned(pages: &[PageOut], job: &Job) -> Error {
    if let Source::Local { .. } = job.source {
        let msg = match pages.first() {
            None => format!("no .html or .htm files in {}", job.targets.join(", ")),
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
    let help = match first.and_then(|p| p.skip) {
        Some(SkipReason::Robots) => "the store's robots.txt keeps crawlers out; for your own store add --no-robots",
        Some(SkipReason::OffSite) => "the start URL redirects to another site; start from the URL it redirects to",
        Some(SkipReason::NotHtml) => "the start URL is not an HTML page; start from the store's home page",
        None => "check the URL and that this machine can reach it; for a staging host use --resolve HOST:PORT:ADDRESS",
    };
    Error::nothing_scanned(format!("nothing could be scanned: {detail}")).with_help(help)
}
