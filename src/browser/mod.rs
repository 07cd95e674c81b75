//! Browser mode (`scan --browser`): what a real visit in Chromium sends, and who loaded whom.
//!
//! Enters: the pages the crawl (or the local walk) scanned, and a [`BrowserConfig`].
//! Leaves: one [`Visit`] per page, as plain data, which `inventory` merges with the static
//! findings (`source: markup | runtime | both`) and turns into chains and per-vendor
//! cookies. One browser per run, a fresh context per page, several pages at once; the
//! browser is killed on every exit path ([`launch::Chromium`]'s `Drop`).

pub mod cdp;
pub mod consent;

pub mod launch;
pub mod scroll;
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
    // Chromium is dropped (killed) if the stop comes while it starts.
    let started = tokio::select! {
        c = launch::Chromium::start(&cfg.launch) => c?,
        _ = stop.requested() => return Ok(stopped()),
    };
    let chromium = started;
    let cdp = tokio::select! {
        c = cdp::Cdp::connect(&chromium.ws_url) => c.map_err(|e| {
            Error::input(e).with_help("the browser started but did not accept a DevTools connection; try again")
        })?,
        _ = stop.requested() => return Ok(stopped()),
    };
    let version = cdp
        .call(None, "Browser.getVersion", serde_json::json!({}))
        .await
        .ok()
        .and_then(|v| v["product"].as_str().map(str::to_owned))
        .unwrap_or_default();
    progress.set_length(pages.len() as u64);
    progress.set_position(0);
    let visit_cfg = Arc::new(cfg.visit.clone());
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
