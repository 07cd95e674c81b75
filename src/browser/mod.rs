//! Browser mode (`scan --browser`): what a real visit in Chromium sends, and who loaded whom.
//!
//! Enters: the pages the crawl (or the local walk) scanned, and a [`BrowserConfig`].
//! Leaves: one [`Visit`] per page, as plain data, which `inventory` merges with the static
//! findings (`source: markup | runtime | both`) and turns into chains and per-vendor
//! cookies. One browser per run, a fresh context per page, several pages at once; the
//! browser is killed on every exit path ([`launch::Chromium`]'s `Drop`).

pub mod cdp;
pub mod consent;
pub mod journey;

pub mod launch;
pub mod scroll;
pub mod settle;
pub mod typing;
pub mod visit;

use crate::crawl::Stop;
use crate::error::Error;
use crate::model::Visit;
use crate::progress::Progress;
use std::sync::Arc;
use tokio::task::JoinSet;
use url::Url;

pub use launch::{HostRules, LaunchOptions, find_chrome};
pub use visit::{LocalSite, PAYLOAD_BUDGET, VisitConfig};

pub struct BrowserConfig {
    pub launch: LaunchOptions,
    pub visit: VisitConfig,
    /// Pages visited at the same time (one tab each).
    pub concurrency: usize,
}

pub struct BrowserRun {
    /// `(index in the caller's page list, visit)`, in no particular order.
    pub visits: Vec<(usize, Visit)>,
    /// The browser's product string (`HeadlessChrome/156.0.8078.114`).
    pub version: String,
    pub interrupted: bool,
}

/// Start Chromium and connect to it; `None` when a stop came first (the browser, if it had
/// started, is killed as it is dropped).
async fn start(cfg: &BrowserConfig, stop: &Stop) -> Result<Option<(launch::Chromium, cdp::Cdp, String)>, Error> {
    let chromium = tokio::select! {
        c = launch::Chromium::start(&cfg.launch) => c?,
        _ = stop.requested() => return Ok(None),
    };
    let cdp = tokio::select! {
        c = cdp::Cdp::connect(&chromium.ws_url) => c.map_err(|e| {
            Error::input(e).with_help("the browser started but did not accept a DevTools connection; try again")
        })?,
        _ = stop.requested() => return Ok(None),
    };
    let version = cdp
        .call(None, "Browser.getVersion", serde_json::json!({}))
        .await
        .ok()
        .and_then(|v| v["product"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(Some((chromium, cdp, version)))
}

/// Pages a journey goes through at most: a path to checkout is five or six.
const MAX_JOURNEY_PAGES: usize = 12;

/// Run a journey from `site` in one browser context, page after page: each `goto` opens a
/// page, the actions after it run there, and a click that loads another page goes on there.
/// Returns each page's URL and visit, in order (a page may come twice).
pub async fn run_journey(
    cfg: &BrowserConfig,
    plan: &journey::Journey,
    site: &Url,
    stop: &Stop,
) -> Result<Vec<(Url, Visit)>, Error> {
    let Some((chromium, cdp, _)) = start(cfg, stop).await? else { return Ok(Vec::new()) };
    let ctx = cdp
        .call(None, "Target.createBrowserContext", serde_json::json!({}))
        .await
        .ok()
        .and_then(|v| v["browserContextId"].as_str().map(str::to_owned))
        .ok_or_else(|| Error::input("the browser did not open a context for the journey"))?;
    let _ = cdp
        .call(None, "Browser.setDownloadBehavior", serde_json::json!({ "behavior": "deny", "browserContextId": ctx }))
        .await;
    let mut out = Vec::new();
    let mut steps = plan.steps.iter().peekable();
    let mut next: Option<Url> = None;
    while out.len() < MAX_JOURNEY_PAGES && stop.cause().is_none() {
        // The page: the next `goto`, or where the last page's click went.
        let url = match (next.take(), steps.peek()) {
            (Some(u), _) => u,
            (None, Some(journey::Step::Goto(to))) => {
                let to = to.clone();
                steps.next();
                match site.join(&to) {
                    Ok(u) if u.origin() == site.origin() => u,
                    _ => {
                        out.push((
                            site.clone(),
                            journey_error(plan, out.len(), format!("goto \"{to}\" is not a page of {site}")),
                        ));
                        break;
                    }
                }
            }
            _ => break,
        };
        let actions: Vec<journey::Step> =
            steps.clone().take_while(|s| !matches!(s, journey::Step::Goto(_))).cloned().collect();
        let visit_cfg = VisitConfig {
            actions: actions.clone(),
            context: Some(ctx.clone()),
            journey: Some((plan.name.clone(), out.len() + 1)),
            ..cfg.visit.clone()
        };
        let v = visit::visit(&cdp, &url, &visit_cfg, stop).await;
        log_visit(&v, Some(&url));
        let done = v.journey.as_ref().map_or(0, |j| j.actions);
        let failed = v.journey.as_ref().is_some_and(|j| j.error.is_some()) || v.failed;
        for _ in 0..done {
            steps.next();
        }
        next = v.left_for.as_deref().and_then(|u| Url::parse(u).ok()).filter(|u| u.origin() == site.origin());
        let left_site = v.left_for.is_some() && next.is_none();
        out.push((url, v));
        if failed || left_site {
            break;
        }
    }
    let _ = cdp.call(None, "Target.disposeBrowserContext", serde_json::json!({ "browserContextId": ctx })).await;
    chromium.close(&cdp).await;
    Ok(out)
}

fn journey_error(plan: &journey::Journey, at: usize, why: String) -> Visit {
    Visit {
        failed: true,
        error: Some(why.clone()),
        journey: Some(crate::model::JourneyAnswer {
            name: plan.name.clone(),
            page: at + 1,
            error: Some(why),
            ..Default::default()
        }),
        ..Visit::default()
    }
}

/// `-v`: one line per visit, with how its recording after load ended.
fn log_visit(v: &Visit, url: Option<&Url>) {
    let at = url.map_or("?", Url::as_str);
    let settle = match v.settle {
        Some(s) => format!("settle {} ms, ended: {}", s.ms, s.ended.as_str()),
        None => "no settle".into(),
    };
    match &v.error {
        Some(e) => log::info!("visited {at} ({} requests, {settle}): {e}", v.requests.len()),
        None => log::info!("visited {at} ({} requests, {settle})", v.requests.len()),
    }
}

/// How long the open tabs may take, after a stop, to hand back what they recorded (each
/// needs a second at most; see `visit::AFTER_STOP`). Then the browser is killed.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Visit every page; a stop request (Ctrl-C) ends the run with what was visited so far,
/// including while the browser is still starting. The pages open at the stop are kept as
/// far as they got, marked incomplete.
pub async fn visit_pages(
    cfg: &BrowserConfig,
    pages: Vec<(usize, Url)>,
    progress: &dyn Progress,
    stop: &Stop,
) -> Result<BrowserRun, Error> {
    let stopped = || BrowserRun { visits: Vec::new(), version: String::new(), interrupted: true };
    let Some((chromium, cdp, version)) = start(cfg, stop).await? else { return Ok(stopped()) };
    progress.set_length(pages.len() as u64);
    progress.set_position(0);
    let visit_cfg = Arc::new(cfg.visit.clone());
    let urls: std::collections::HashMap<usize, Url> = pages.iter().cloned().collect();
    let mut queue = pages.into_iter();
    let mut tasks: JoinSet<(usize, Visit)> = JoinSet::new();
    let mut visits = Vec::new();
    let mut interrupted = false;
    let stopping = stop.requested();
    tokio::pin!(stopping);
    loop {
        while tasks.len() < cfg.concurrency.max(1) {
            let Some((i, url)) = queue.next() else { break };
            let (cdp, vc, stop) = (cdp.clone(), visit_cfg.clone(), stop.clone());
            progress.set_message(format!("browser: {url}"));
            tasks.spawn(async move { (i, visit::visit(&cdp, &url, &vc, &stop).await) });
        }
        // The stop first: the open visits end because of it, and their results must not
        // be taken for the end of a run that finished (an empty set answers at once too).
        let joined = tokio::select! {
            biased;
            _ = &mut stopping => { interrupted = true; break; }
            j = tasks.join_next() => j,
        };
        let Some(joined) = joined else { break };
        // A visit that panicked (a bug) leaves its page without a visit; its static
        // results stand and the other pages are still visited.
        if let Ok(done) = joined {
            log_visit(&done.1, urls.get(&done.0));
            visits.push(done);
        }
        progress.inc(1);
    }
    if interrupted {
        // Each open visit sees the same stop, ends its recording and returns what it has:
        // wait for those (briefly), not for the pages never started.
        let _ = tokio::time::timeout(STOP_GRACE, async {
            while let Some(joined) = tasks.join_next().await {
                if let Ok(done) = joined {
                    visits.push(done);
                }
            }
        })
        .await;
    }
    tasks.abort_all();
    if interrupted {
        // The user asked to stop now: no polite shutdown (Drop kills the process group).
        drop(chromium);
    } else {
        chromium.close(&cdp).await;
    }
    Ok(BrowserRun { visits, version, interrupted })
}
