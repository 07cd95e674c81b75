//! One page, visited in a fresh browser context: what it requested, set and stored.
//!
//! Enters: a [`Cdp`] connection, the page URL and a [`VisitConfig`]. Leaves: a
//! [`Visit`] (plain data: requests with their initiators and frames, cookies with their
//! setters, storage writes). Every request made by the page's target, its frames (also
//! out-of-process iframes) and its workers is recorded, including those that failed;
//! requests the browser makes for itself are never seen, because only the page's own
//! sessions are listened to.
//!
//! Timing: load, then the steps (consent, typing, scrolling), then a settle window
//! (`--settle`) for tags that fire after load, all under a hard cap per page. The window
//! ends early once the page is quiet (`--settle-quiet`: nothing in flight, and no request,
//! step or timer of the page's due within the window, for a quiet spell; see [`settle`]), so
//! a beacon-heavy or polling page simply runs to the window's end, never past it; the
//! visit reports how long the recording lasted and what ended it ([`Settled`]). Then the
//! visit leaves the page for `about:blank` while still recording (bounded by
//! [`LEAVE_LIMIT`]), so what `pagehide`/`visibilitychange`/`unload` handlers send is kept.
//!
//! A hostile page cannot hold or hide the visit: dialogs are answered as they open and
//! listed; pop-ups and downloads are recorded (the pop-up blocked, the file refused); a
//! navigation leaves the page only when it commits (a download or a 204 does not stop the
//! recording); a request the browser canceled after it went out counts as sent; a stop
//! (Ctrl-C) keeps what each open tab recorded.

use super::cdp::{Cdp, Event};
use super::settle::{self, Next, Watch};
use super::{consent, journey, scroll, typing};
use crate::crawl::Stop;
use crate::flows::identity::{Identity, Needle};
use crate::flows::{self, Matcher, Outgoing};
use crate::model::{
    ConsentAnswer, ConsentState, CookieSeen, CookieVia, Dialog, FingerprintSeen, InitiatorKind, JourneyAnswer, Payload,
    ResourceKind, RuntimeRequest, SettleEnd, Settled, Step, StorageWrite, TypingAnswer, Via, Visit,
};
use crate::scope::host_of;
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use url::Url;

/// The name of the binding the page hook reports through.
const BINDING: &str = "__vendorscanReport";

/// Runs in every frame before the page's own scripts: reports which script set a cookie
/// through `document.cookie` or wrote to Web Storage. The caller is the innermost http(s)
/// URL in the call stack; the hook itself has none, so it never names itself.
const HOOK_BASE: &str = r#"(() => {
  const report = globalThis.__vendorscanReport;
  if (typeof report !== 'function') return;
  // Out of the page's reach: its scripts can neither see the scanner nor forge reports.
  try { delete globalThis.__vendorscanReport; } catch (e) {}
  const caller = () => {
    const stack = String(new Error().stack || '');
    const m = stack.match(/(?:https?|wss?):\/\/[^\s)]+?(?=:\d+:\d+)/);
    return m ? m[0] : null;
  };
  const send = (o) => { try { report(JSON.stringify(o)); } catch (e) {} };
  try {
    const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    if (d && d.set) {
      Object.defineProperty(Document.prototype, 'cookie', {
        configurable: true, enumerable: d.enumerable,
        get() { return d.get.call(this); },
        set(v) {
          const name = String(v).split(';')[0].split('=')[0].trim();
          send({ t: 'cookie', name, by: caller(), origin: location.origin });
          return d.set.call(this, v);
        },
      });
    }
  } catch (e) {}
  try {
    // An image whose src a script sets loads later, off the script's stack, and Chromium
    // then names the document as its initiator: the setter says which script it was.
    const d = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src');
    if (d && d.set) {
      Object.defineProperty(HTMLImageElement.prototype, 'src', {
        configurable: true, enumerable: d.enumerable,
        get() { return d.get.call(this); },
        set(v) {
          try { send({ t: 'src', url: new URL(String(v), document.baseURI).href, by: caller() }); } catch (e) {}
          return d.set.call(this, v);
        },
      });
    }
  } catch (e) {}
  try {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      let area = 'local';
      try { if (this === window.sessionStorage) area = 'session'; } catch (e) {}
      send({ t: 'storage', area, key: String(k), by: caller(), origin: location.origin });
      return setItem.apply(this, arguments);
    };
  } catch (e) {}
  // The prices the page shows (a product's, the cart's or order's total), for the payload
  // analysis to recognise them in what tags send: the top document only, once parsed.
  try {
    if (window === window.top) document.addEventListener('DOMContentLoaded', () => {
      try {
        const vals = [];
        const sel = 'meta[property="product:price:amount"],meta[property="og:price:amount"],[itemprop="price"],[data-cart-total],[data-order-total]';
        for (const el of document.querySelectorAll(sel)) {
          vals.push(el.getAttribute('content') || el.getAttribute('data-cart-total') || el.getAttribute('data-order-total') || el.textContent);
          if (vals.length > 20) break;
        }
        const walk = (o, depth) => {
          if (!o || typeof o !== 'object' || depth > 6 || vals.length > 20) return;
          if (Array.isArray(o)) { o.slice(0, 50).forEach((x) => walk(x, depth + 1)); return; }
          for (const k of ['price', 'lowPrice', 'highPrice', 'totalPrice']) if (o[k] != null) vals.push(String(o[k]));
          for (const v of Object.values(o).slice(0, 50)) walk(v, depth + 1);
        };
        for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
          try { walk(JSON.parse(s.textContent.slice(0, 200000)), 0); } catch (e) {}
        }
        if (vals.length) send({ t: 'price', values: vals.slice(0, 20).map((v) => String(v).trim().slice(0, 32)) });
      } catch (e) {}
    });
  } catch (e) {}
  /*FINGERPRINT*/
  /*TIMERS*/
})();"#;

/// The hook with the fingerprinting detector (`flows::fingerprint`) inside it, so it shares
/// the binding the hook hides from the page; first with the adaptive settle's timer reports
/// (`settle::HOOK_JS`), then without them, for a fixed window (`--settle-quiet 0`), where
/// nothing would read them.
static HOOKS: LazyLock<(String, String)> = LazyLock::new(|| {
    let hook = HOOK_BASE.replace(
        "/*FINGERPRINT*/",
        &format!("try {{ ({})(send, caller); }} catch (e) {{}}", flows::fingerprint::HOOK_JS),
    );
    let timers = format!("try {{ ({})(report); }} catch (e) {{}}", settle::HOOK_JS);
    (hook.replace("/*TIMERS*/", &timers), hook.replace("/*TIMERS*/", ""))
});

fn hook(cfg: &VisitConfig) -> &'static str {
    if cfg.quiet.is_zero() { &HOOKS.1 } else { &HOOKS.0 }
}

/// A built site on disk served to the browser in place of the live site (local mode):
/// requests to `origin` are answered from `root`, so the page URLs are the same as in a
/// static scan of the folder and nothing is fetched from the real store.
#[derive(Debug, Clone)]
pub struct LocalSite {
    pub origin: String,
    pub site: Url,
    pub root: PathBuf,
}

#[derive(Clone)]
pub struct VisitConfig {
    /// The settle window (`--settle`): how long the recording goes on after the load event
    /// (and after the consent answer or the typing), at most, unless `settle_max` extends it.
    pub settle: Duration,
    /// The quiet spell that ends the settle window early (`--settle-quiet`; see
    /// [`settle`]); zero: the window is fixed.
    pub quiet: Duration,
    /// The hard cap for one page, load and settle included.
    pub page_cap: Duration,
    pub local: Option<LocalSite>,
    /// `--header`s, added to requests to the store's own origins only (never to third
    /// parties: they may carry credentials).
    pub headers: Vec<(String, String)>,
    pub first_party_origins: Vec<String>,
    /// How the consent banner is answered once the page has loaded (`--consent`).
    pub consent: ConsentState,
    /// Send the Global Privacy Control signal (`--gpc`).
    pub gpc: bool,
    /// Scroll each page to its end after load (not with `--no-scroll`).
    pub scroll: bool,
    /// Past the window while the page still sends, up to this long after the load
    /// (`--settle-max`); at most `settle`: never past the window.
    pub settle_max: Duration,
    /// A journey's actions on this page (`--journey`), done after load; empty otherwise.
    pub actions: Vec<journey::Step>,
    /// A journey's browser context, shared by its pages so the cart persists; `None`: a
    /// fresh context for this visit alone.
    pub context: Option<String>,
    /// A journey's name and this page's place in it.
    pub journey: Option<(String, usize)>,
    /// The test identity typed into each page's fields; `None` with `--no-type`. Its forms
    /// are looked for in every payload either way (a page may hold them from elsewhere).
    pub identity: Option<Arc<Identity>>,
    pub needles: Arc<Vec<Needle>>,
    /// Payload bytes the run may still read, shared by every visit (see [`PAYLOAD_BUDGET`]).
    pub budget: Arc<AtomicI64>,
}

/// Payload bytes one run reads at most (URLs, bodies, frames, cookie headers): a store of
/// thousands of pages with replay uploads must not make the analysis the run's cost. Past
/// it, requests are still recorded, their payloads not read, and the report says so.
pub const PAYLOAD_BUDGET: i64 = 512 << 20;
/// Payload bytes one page has read at most: a page that streams frames or uploads cannot
/// leave the rest of the run unread, nor hold its visit's loop in analysis for long.
pub const PAGE_PAYLOAD_BUDGET: i64 = 64 << 20;

/// What a request id currently points at (redirects reuse the id).
struct Current {
    index: Option<usize>,
    /// Every hop's URL, first to last: a `Set-Cookie` seen for the id may belong to any
    /// of them, and the cookie's domain tells which.
    hops: Vec<String>,
}

/// Who tried to set a cookie: by a response header (any hop of one request) or by a
/// script (`document.cookie`, in a document of `origin`).
struct Setter {
    name: String,
    via: CookieVia,
    urls: Vec<String>,
    origin: Option<String>,
}

/// The `Cookie` and `Referer` headers one hop of a request went out with.
type SentHeaders = (Option<String>, Option<String>);

/// (session, request id): how the protocol names one request (its redirects included).
type Key = (String, String);

/// What went over the wire for one recorded request, kept beside it (same index) until the
/// visit ends, when [`settle_wire`] decides between "failed" and "sent, then canceled".
#[derive(Default)]
struct Wire {
    key: Key,
    /// Which hop of the request id this entry is (0 for the first URL, 1 after a redirect...).
    hop: usize,
    /// `Network.loadingFailed` said `canceled`.
    canceled: bool,
}

#[derive(Default)]
struct Capture {
    requests: Vec<RuntimeRequest>,
    /// Beside `requests`, index for index.
    wire: Vec<Wire>,
    current: HashMap<Key, Current>,
    /// How many hops of a request id went out: `Network.requestWillBeSentExtraInfo` is sent
    /// once per hop when the network stack writes the request's headers to the connection.
    sent_hops: HashMap<Key, usize>,
    /// The status of each hop's answer, in order, from `Network.responseReceivedExtraInfo`
    /// (which arrives even when the page never sees the response).
    answers: HashMap<Key, Vec<u16>>,
    /// frame id → document URL
    frames: HashMap<String, String>,
    /// (request id, URL) of the frame documents recorded
    documents: std::collections::HashSet<(String, String)>,
    main_frame: Option<String>,
    /// worker session → worker script URL
    workers: HashMap<String, String>,
    /// Child frame (out-of-process iframe) session → its URL when attached.
    frame_sessions: HashMap<String, String>,
    setters: Vec<Setter>,
    /// Cookies the browser refused to store, from the responses' extra info.
    blocked: Vec<CookieSeen>,
    /// Extra info that arrived before its request: (session, request id) → events.
    early_extra: HashMap<Key, Vec<Value>>,
    storage: Vec<StorageWrite>,
    /// image URL → the script that set it as an `<img>` src
    image_setters: HashMap<String, String>,
    dialogs: Vec<Dialog>,
    dialogs_omitted: usize,
    /// The page's own session (children have theirs).
    main_session: String,
    loaded: bool,
    crashed: bool,
    /// The request id of the page's own document (HTTP redirects keep it; it is also the
    /// loader id its commit reports).
    main_request: Option<String>,
    /// Later navigations of the page's main frame (`location = ...`, a link, a meta refresh,
    /// a download): request id → index. Each is a request of this page until it commits.
    main_navs: HashMap<String, usize>,
    /// Requests recorded but not reported: the navigation that took the browser to another
    /// page is that page's, not a request of this one.
    dropped: std::collections::HashSet<usize>,
    /// The page's main frame committed another document (meta refresh, `location = ...`):
    /// what comes after belongs to another page, so recording stops here.
    left_for: Option<String>,
    /// The visit is leaving the page on purpose (to `about:blank`), recording what its
    /// `pagehide`/`visibilitychange`/`unload` handlers send.
    leaving: bool,
    /// While leaving: the interception id of each request recorded from `Fetch.requestPaused`
    /// → its index (its answer, paused at the response stage, gives its status).
    intercepted: HashMap<String, usize>,
    /// While leaving: (session, network request id) → index of a request first seen by the
    /// interception, so a late `Network.requestWillBeSent` for it fills it in, not a twin.
    intercepted_net: HashMap<Key, usize>,
    /// When the last request was recorded, or answered, while leaving (the leave ends after a
    /// quiet spell).
    last_leave_request: Option<Instant>,
    /// When the blank page committed while leaving.
    left_blank_at: Option<Instant>,
    /// The consent banner was found and is being (or has been) answered: what is recorded
    /// from here on was sent after the visitor's choice.
    choice_made: bool,
    consent: Option<ConsentAnswer>,
    /// What the analysis looks for in payloads (the identity's forms, the page's URL).
    matcher: Option<Matcher>,
    budget: Arc<AtomicI64>,
    /// Payload bytes this page may still have read: one page cannot spend the whole run's.
    page_budget: i64,
    /// Headers sent for a request before its own event arrived: (cookie, referer) per key.
    early_headers: HashMap<Key, Vec<(usize, SentHeaders)>>,
    fingerprints: std::collections::BTreeSet<FingerprintSeen>,
    typing: Option<TypingAnswer>,
    /// The visit's step now: each request is stamped with it.
    step: Step,
    /// What tells the adaptive settle whether the page has gone quiet.
    watch: Watch,
    /// How far the page was scrolled: steps taken.
    scrolled: Option<u32>,
}

/// Fingerprinting sightings kept per visit (one per technique and script; a page that
/// loads a hundred scripts that all do it has a hundred, and no more are needed).
const MAX_FINGERPRINTS: usize = 100;

/// How many distinct dialogs one visit lists; a page that opens more (a different text
/// each time) has the rest counted in `dialogs_omitted`.
const MAX_DIALOGS: usize = 10;
/// How much of a dialog's text is kept, in characters: enough to tell a cookie notice from
/// a "you won" scam, not a page of text a hostile page chose.
const MAX_DIALOG_TEXT: usize = 200;

pub async fn visit(cdp: &Cdp, url: &Url, cfg: &VisitConfig, stop: &Stop) -> Visit {
    let start = Instant::now();
    let ctx = match &cfg.context {
        Some(shared) => shared.clone(),
        None => match cdp.call(None, "Target.createBrowserContext", json!({})).await {
            Ok(v) => v["browserContextId"].as_str().unwrap_or_default().to_owned(),
            Err(e) => return failed(format!("the browser did not open a context for this page: {e}")),
        },
    };
    // Downloads are refused for the whole context (`Browser.setDownloadBehavior`): nothing a
    // page offers is written to disk. `Page.downloadWillBegin` still names each one.
    let _ = cdp.call(None, "Browser.setDownloadBehavior", json!({ "behavior": "deny", "browserContextId": ctx })).await;
    let mut cap = Capture {
        matcher: Some(Matcher::new(cfg.needles.to_vec(), Some(url))),
        budget: cfg.budget.clone(),
        page_budget: PAGE_PAYLOAD_BUDGET,
        ..Capture::default()
    };
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let (visit, stopped) = run(cdp, url, cfg, &ctx, &mut cap, start, (&tx, rx), stop).await;
    cdp.unroute(&tx);
    // After a stop the browser is killed next: closing the context would only add a wait. A
    // journey's context outlives its pages (its owner closes it).
    if !stopped && cfg.context.is_none() {
        let _ =
            cdp.call_with(None, "Target.disposeBrowserContext", json!({ "browserContextId": ctx }), AFTER_CAP).await;
    }
    visit
}

fn failed(why: String) -> Visit {
    Visit { error: Some(why), failed: true, ..Visit::default() }
}

/// How long each clean-up command (cookies, closing the context) may take after the cap:
/// the browser answers them in milliseconds unless it is wedged.
const AFTER_CAP: Duration = Duration::from_secs(5);

/// After a stop (Ctrl-C, SIGTERM): how long the visit may take to make sure it has every
/// event the browser sent before, and to read the cookie jar. The user asked to stop now.
const AFTER_STOP: Duration = Duration::from_secs(1);

/// Leaving the page: how long the navigation to `about:blank` and the unload handlers'
/// requests may take in all. Outside `--page-timeout`, which bounds load and settle.
const LEAVE_LIMIT: Duration = Duration::from_secs(2);
/// Leaving the page: the old page's unload handlers run as the blank page commits; their
/// requests reach the interception a few milliseconds later (about 20 ms on an idle
/// machine). The leave ends when none has come, nor an answer to one, for this long after
/// the commit: with a fixed settle window (`--settle-quiet 0`), half a second as always;
/// with the adaptive settle, half its quiet spell within these bounds (250 ms by default).
const LEAVE_QUIET: Duration = Duration::from_millis(500);
const LEAVE_QUIET_MIN: Duration = Duration::from_millis(200);

fn leave_quiet(cfg: &VisitConfig) -> Duration {
    if cfg.quiet.is_zero() { LEAVE_QUIET } else { (cfg.quiet / 2).clamp(LEAVE_QUIET_MIN, LEAVE_QUIET) }
}

/// How a visit's main phase ended.
#[derive(PartialEq)]
enum Ended {
    /// The settle window (or the cap) ran out, or the page left.
    Normally,
    /// The navigation failed, the renderer crashed or the browser went away.
    Failed,
    /// A stop was requested.
    Stopped,
}

/// Returns the visit, and whether it ended because a stop was requested.
// The visit's parts, each used once or twice: a struct to carry them would only rename them.
#[allow(clippy::too_many_arguments)]
async fn run(
    cdp: &Cdp,
    url: &Url,
    cfg: &VisitConfig,
    ctx: &str,
    cap: &mut Capture,
    start: Instant,
    (tx, mut rx): (&mpsc::UnboundedSender<Event>, mpsc::UnboundedReceiver<Event>),
    stop: &Stop,
) -> (Visit, bool) {
    let hard = start + cfg.page_cap;
    let target =
        match cdp.call(None, "Target.createTarget", json!({ "url": "about:blank", "browserContextId": ctx })).await {
            Ok(v) => v["targetId"].as_str().unwrap_or_default().to_owned(),
            Err(e) => return (failed(format!("the browser did not open a tab: {e}")), false),
        };
    let session = match cdp.call(None, "Target.attachToTarget", json!({ "targetId": target, "flatten": true })).await {
        Ok(v) => v["sessionId"].as_str().unwrap_or_default().to_owned(),
        Err(e) => return (failed(format!("cannot attach to the tab: {e}")), false),
    };
    cdp.route(&session, tx.clone());
    cap.main_session = session.clone();
    if let Err(e) = prepare(cdp, &session, cfg).await {
        return (failed(format!("cannot prepare the tab: {e}")), false);
    }
    // A page target's main frame has the target's id; knowing it before the first event
    // tells the page's own document request from its iframes'.
    cap.main_frame = Some(target.clone());
    let left = hard.saturating_duration_since(Instant::now());
    // The navigation is answered only once the document arrives, and in local mode it
    // arrives through this very loop (Fetch.requestPaused): so events are handled while
    // the navigation is pending, never after it.
    let nav = cdp.call_with(Some(&session), "Page.navigate", json!({ "url": url.as_str() }), left);
    tokio::pin!(nav);
    let stopping = stop.requested();
    tokio::pin!(stopping);
    let mut navigating = true;
    let mut error = None;
    let mut ended = Ended::Normally;
    let mut settle_until: Option<Instant> = None;
    // The consent step under way (`--consent reject|accept`), and its result once in.
    let mut consent_step: Option<ConsentStep<'_>> = None;
    let mut consent_done: Option<Result<Value, String>> = None;
    let mut found: Option<String> = None;
    // Typing the test identity: once, after load and after the consent answer (if any), so
    // the tags the choice let in are listening when the fields change.
    let mut typing_step: Option<TypingStep<'_>> = None;
    let mut typing_started = false;
    let mut scroll_step: Option<PageStep<'_>> = None;
    // Declared before the step that borrows it, so it outlives it.
    let actions_done = std::sync::atomic::AtomicUsize::new(0);
    let mut action_step: Option<PageStep<'_, ()>> = None;
    let mut actions_started = false;
    let mut actions_error: Option<String> = None;
    let mut scroll_started = false;
    let mut settle_start: Option<Instant> = None;
    let settings = settle::Settings { window: cfg.settle, quiet: cfg.quiet, max: cfg.settle_max };
    // The banner search (`--consent reject|accept`): its end, and when to look again. Each
    // look is one call into the page, so the search can stop as soon as the page is quiet.
    let mut search_until: Option<Instant> = None;
    let mut next_look: Option<Instant> = None;
    // The page looked quiet: one round trip through its main thread (a script busy for a
    // while, timer reports still on their way) before the visit believes it.
    let mut confirm: Option<PageStep<'_, Value>> = None;
    let mut settled: Option<SettleEnd> = None;
    loop {
        if let Some(result) = consent_done.take() {
            consent_step = None;
            match (result, found.take()) {
                // The banner is there: everything the page sent until now is before the choice.
                (Ok(v), None) if consent::found(&v).is_some() => {
                    while let Ok(ev) = rx.try_recv() {
                        handle(cdp, cfg, cap, ev).await;
                    }
                    if let Some((why, how)) = verdict(cap) {
                        (error, ended) = (why, how);
                        break;
                    }
                    cap.choice_made = true;
                    found = consent::found(&v);
                    let limit = APPLY_LIMIT.min(hard.saturating_duration_since(Instant::now()));
                    consent_step = Some(Box::pin(consent::step(
                        cdp,
                        &session,
                        "apply",
                        cfg.consent,
                        Duration::ZERO,
                        found.clone(),
                        limit,
                    )));
                }
                // No banner yet: look again in a moment, unless the search is over (its window
                // ran out, or the page went quiet without showing one).
                (Ok(_), None) => {
                    let now = Instant::now();
                    match (search_until, settle_start) {
                        (Some(end), Some(load)) if now < end && !cap.watch.is_quiet(&settings, end, load, now) => {
                            next_look = Some((now + LOOK_EVERY).min(end))
                        }
                        _ => cap.consent = Some(no_banner()),
                    }
                }
                (Err(e), None) => {
                    cap.consent = Some(ConsentAnswer { detail: Some(dialog_text(&e)), ..ConsentAnswer::default() })
                }
                (Ok(v), Some(_)) => {
                    cap.consent = Some(consent::answer(&v, dialog_text));
                    settle_until = Some(Instant::now() + cfg.settle);
                }
                (Err(e), Some(cmp)) => {
                    cap.consent = Some(ConsentAnswer {
                        cmp: Some(cmp),
                        detail: Some(dialog_text(&e)),
                        ..ConsentAnswer::default()
                    });
                    settle_until = Some(Instant::now() + cfg.settle);
                }
            }
            // The quiet spell runs from the end of the step, not from before it.
            cap.watch.activity(Instant::now());
        }
        // Once the consent answer is in (or none is to be given), typing starts: here, after
        // that answer was handled, so a page without a banner is typed into too, before
        // its settle window (which the search for a banner used up) ends the visit.
        let answered = cfg.consent == ConsentState::None || cap.consent.is_some();
        if !typing_started && consent_step.is_none() && answered && cap.loaded && cap.left_for.is_none() {
            typing_started = true;
            if let (Some(id), Some(frame)) = (&cfg.identity, cap.main_frame.clone()) {
                let limit = TYPE_LIMIT.min(hard.saturating_duration_since(Instant::now()));
                cap.step = Step::Type;
                typing_step = Some(Box::pin(typing::type_identity(cdp, &session, frame, id, limit)));
            }
        }
        // A journey's actions on this page (a click that loads another page ends the visit).
        if typing_started && typing_step.is_none() && !actions_started && cap.left_for.is_none() {
            actions_started = true;
            if let (false, Some(frame)) = (cfg.actions.is_empty(), cap.main_frame.clone()) {
                let limit = ACTIONS_LIMIT.min(hard.saturating_duration_since(Instant::now()));
                cap.step = Step::Journey;
                action_step = Some(Box::pin(journey::act(cdp, &session, frame, &cfg.actions, &actions_done, limit)));
            }
        }
        // Then the page is scrolled to its end, as a reader does.
        if actions_started && action_step.is_none() && !scroll_started && cap.left_for.is_none() {
            scroll_started = true;
            match (cfg.scroll, cap.main_frame.clone()) {
                (true, Some(frame)) => {
                    let limit = scroll::limit().min(hard.saturating_duration_since(Instant::now()));
                    cap.step = Step::Scroll;
                    scroll_step = Some(Box::pin(scroll::scroll_page(cdp, &session, frame, limit)));
                }
                _ => cap.step = Step::Settle,
            }
        }
        // While the banner is being looked for or answered, fields typed into or the page
        // scrolled, the settle window waits for it.
        let busy = consent_step.is_some()
            || next_look.is_some()
            || typing_step.is_some()
            || scroll_step.is_some()
            || action_step.is_some();
        let mut until = hard;
        if let (false, Some(load), Some(window)) = (busy, settle_start, settle_until) {
            match settle::next(&settings, &cap.watch, settle::Bounds { load, window, hard }, Instant::now()) {
                Next::Wait(t) => {
                    confirm = None;
                    until = t;
                }
                Next::End(SettleEnd::Quiet) if confirm.is_none() => {
                    let left = window.max(load + cfg.settle_max).min(hard).saturating_duration_since(Instant::now());
                    confirm = Some(Box::pin(cdp.call_with(
                        Some(&session),
                        "Runtime.evaluate",
                        json!({ "expression": "0" }),
                        left,
                    )));
                }
                Next::End(SettleEnd::Quiet) => {}
                Next::End(why) => {
                    settled = Some(why);
                    break;
                }
            }
        }
        let ev = tokio::select! {
            r = &mut nav, if navigating => {
                navigating = false;
                let why = match r {
                    Ok(v) => v["errorText"].as_str().filter(|e| !e.is_empty()).map(str::to_owned),
                    Err(e) => Some(e),
                };
                if let Some(why) = why {
                    error = Some(format!("the browser could not load the page: {why}"));
                    ended = Ended::Failed;
                    break;
                }
                continue;
            }
            r = async { consent_step.as_mut().expect("polled only while some").await }, if consent_step.is_some() => {
                consent_done = Some(r);
                continue;
            }
            _ = tokio::time::sleep_until(next_look.unwrap_or(hard)), if next_look.is_some() => {
                next_look = None;
                let left = search_until.unwrap_or(hard).min(hard).saturating_duration_since(Instant::now());
                consent_step = Some(Box::pin(consent::step(cdp, &session, "find", cfg.consent, Duration::ZERO, None, left + APPLY_LIMIT)));
                continue;
            }
            _ = async { confirm.as_mut().expect("polled only while some").await }, if confirm.is_some() => {
                confirm = None;
                // What the page sent before it answered is in the channel: still quiet after
                // it, the recording ends.
                while let Ok(ev) = rx.try_recv() {
                    handle(cdp, cfg, cap, ev).await;
                }
                if let Some((why, how)) = verdict(cap) {
                    (error, ended) = (why, how);
                    break;
                }
                let (Some(load), Some(window)) = (settle_start, settle_until) else { continue };
                let bounds = settle::Bounds { load, window, hard };
                if settle::next(&settings, &cap.watch, bounds, Instant::now()) == Next::End(SettleEnd::Quiet) {
                    settled = Some(SettleEnd::Quiet);
                    break;
                }
                continue;
            }
            r = async { typing_step.as_mut().expect("polled only while some").await }, if typing_step.is_some() => {
                typing_step = None;
                cap.watch.activity(Instant::now());
                // What the fields' listeners send may be debounced: a full settle window from
                // here, when something was typed (a page without fields costs nothing more).
                if !r.fields.is_empty() {
                    settle_until = Some(Instant::now() + cfg.settle);
                }
                cap.typing = Some(r);
                continue;
            }
            r = async { action_step.as_mut().expect("polled only while some").await }, if action_step.is_some() => {
                action_step = None;
                cap.watch.activity(Instant::now());
                actions_error = r.err();
                settle_until = Some(Instant::now() + cfg.settle);
                continue;
            }
            r = async { scroll_step.as_mut().expect("polled only while some").await }, if scroll_step.is_some() => {
                scroll_step = None;
                cap.watch.activity(Instant::now());
                cap.scrolled = Some(r.unwrap_or(0));
                cap.step = Step::Settle;
                // What the last step set off gets a moment, within the settle window or past it.
                let after = Instant::now() + AFTER_STEP.min(cfg.settle);
                settle_until = Some(settle_until.map_or(after, |s| s.max(after)));
                continue;
            }
            ev = rx.recv() => ev,
            // The settle window's end, a quiet spell's or the cap: the top of the loop decides.
            _ = tokio::time::sleep_until(until), if until < hard => continue,
            _ = tokio::time::sleep_until(hard) => {
                settled = settle_start.map(|_| SettleEnd::Timeout);
                break;
            }
            _ = &mut stopping => { ended = Ended::Stopped; break; }
        };
        let Some(ev) = ev else {
            error = Some("the browser exited during the visit".into());
            ended = Ended::Failed;
            break;
        };
        handle(cdp, cfg, cap, ev).await;
        if let Some((why, how)) = verdict(cap) {
            (error, ended) = (why, how);
            break;
        }
        if cap.loaded && settle_until.is_none() {
            let now = Instant::now();
            settle_until = Some(now + cfg.settle);
            settle_start = Some(now);
            cap.watch.activity(now);
            if cfg.consent != ConsentState::None {
                cap.step = Step::Consent;
                // Consent managers load after the page, often late: look for as long as the
                // settle window (a second at least), answering as soon as one shows, and
                // stop looking once the page is quiet without one (see `LOOK_EVERY`).
                search_until = Some(now + cfg.settle.max(Duration::from_secs(1)));
                next_look = Some(now);
            }
        }
    }
    // The recording after load ends here (the leave that follows is outside it).
    let settle =
        settled.zip(settle_start).map(|(ended, load)| Settled { ms: load.elapsed().as_millis() as u64, ended });
    drop(consent_step);
    drop(scroll_step);
    drop(action_step);
    // A journey's click that loads the next page is the journey going on, not a redirect.
    if cfg.journey.is_some() && cap.left_for.is_some() && ended == Ended::Normally {
        error = None;
    }
    // The rendered page's own links: what a client-side navigation shows (not for a page
    // that failed or left, whose document is not this page's).
    let links = if ended == Ended::Normally && cap.left_for.is_none() && cfg.journey.is_none() {
        rendered_links(cdp, &session, url).await
    } else {
        Vec::new()
    };
    // A journey's page: how far its actions got, and whether it asks for a card.
    let journey = match &cfg.journey {
        Some((name, page)) => {
            let card_fields = if ended == Ended::Normally && cap.left_for.is_none() {
                has_card_fields(cdp, &session).await
            } else {
                false
            };
            Some(JourneyAnswer {
                name: name.clone(),
                page: *page,
                actions: actions_done.load(std::sync::atomic::Ordering::SeqCst),
                error: actions_error.take(),
                card_fields,
            })
        }
        None => None,
    };
    if typing_step.take().is_some() {
        // Cut short (the page's time ran out, it left, or a stop): say so, not "no typing".
        cap.typing = Some(TypingAnswer {
            detail: Some("typing was cut short: the visit ended before it was done".into()),
            ..TypingAnswer::default()
        });
    }
    let stopped = ended == Ended::Stopped;
    if stopped {
        // Every event the browser sent before it answers this is already in the channel
        // (one socket, read in order): what the tab did until the stop is all recorded.
        let _ = cdp.call_with(None, "Browser.getVersion", json!({}), AFTER_STOP).await;
        error = Some(
            "stopped (Ctrl-C or SIGTERM) before the visit finished; what the page requested until then is kept".into(),
        );
    } else if !cap.loaded && ended == Ended::Normally && cap.left_for.is_none() {
        error = Some(format!(
            "the page did not finish loading within {} s (a script may be busy or hung); requests \
             made until then are kept",
            cfg.page_cap.as_secs()
        ));
        ended = Ended::Failed;
    }
    // Events already queued belong to the visit too (not after it left the page).
    while let Ok(ev) = rx.try_recv() {
        if cap.left_for.is_some() {
            break;
        }
        handle(cdp, cfg, cap, ev).await;
    }
    // State `none`: no answer, but say which banner the visitor was shown.
    if cfg.consent == ConsentState::None && ended == Ended::Normally && cap.left_for.is_none() && cap.loaded {
        let seen = consent::step(cdp, &session, "find", cfg.consent, Duration::ZERO, None, APPLY_LIMIT).await;
        cap.consent = Some(match seen {
            Ok(v) if consent::found(&v).is_some() => {
                ConsentAnswer { cmp: consent::found(&v), ..ConsentAnswer::default() }
            }
            Ok(_) => no_banner(),
            Err(e) => ConsentAnswer { detail: Some(dialog_text(&e)), ..ConsentAnswer::default() },
        });
    }
    // A visitor's tab is closed or moves on at some point, and the page's `pagehide`,
    // `visibilitychange` and `unload` handlers send what they send then: leave the page
    // while still recording. Not after a failure (a hung or crashed renderer runs no
    // handlers) nor a stop.
    if ended == Ended::Normally && cap.left_for.is_none() {
        leave(cdp, cfg, cap, &mut rx, stop).await;
    }
    attribute_images(cap);
    // Extra info whose request never showed still tells which cookies were set.
    for extra in std::mem::take(&mut cap.early_extra).into_values().flatten() {
        on_extra_info(cap, &[], &extra);
    }
    settle_wire(cap);
    let cookies = collect_cookies(cdp, ctx, cap, if stopped { AFTER_STOP } else { AFTER_CAP }).await;
    // A choice that was not made leaves every request before any choice.
    if !cap.consent.as_ref().is_some_and(|c| c.applied) {
        cap.requests.iter_mut().for_each(|r| r.after_choice = false);
    }
    let dropped = std::mem::take(&mut cap.dropped);
    let requests =
        std::mem::take(&mut cap.requests).into_iter().enumerate().filter(|(i, _)| !dropped.contains(i)).map(|(_, r)| r);
    let visit = Visit {
        requests: requests.collect(),
        cookies,
        storage: std::mem::take(&mut cap.storage),
        error,
        failed: ended != Ended::Normally,
        dialogs: std::mem::take(&mut cap.dialogs),
        dialogs_omitted: cap.dialogs_omitted,
        consent: cap.consent.take(),
        typing: cap.typing.take(),
        scrolled: cap.scrolled,
        settle,
        journey,
        left_for: cap.left_for.clone(),
        links,
        fingerprints: std::mem::take(&mut cap.fingerprints).into_iter().collect(),
    };
    (visit, stopped)
}

/// One step of the consent answer, running in the page while the visit records.
type ConsentStep<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, String>> + Send + 'a>>;

/// Scrolling the page (or a journey's actions), in progress.
type PageStep<'a, T = u32> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, String>> + Send + 'a>>;

/// How long a journey's actions on one page may take.
const ACTIONS_LIMIT: Duration = Duration::from_secs(20);

/// Links read from a rendered page at most: a mega-menu has hundreds, a trap has more.
const MAX_RENDERED_LINKS: usize = 1000;

/// The rendered page's links to its own origin, without fragments, distinct, sorted.
async fn rendered_links(cdp: &Cdp, session: &str, page: &Url) -> Vec<String> {
    let expr = format!(
        "Array.from(document.querySelectorAll('a[href]')).slice(0, 5000).map((a) => a.href).filter((h) => typeof h === 'string').slice(0, {})",
        MAX_RENDERED_LINKS * 2
    );
    let params = json!({ "expression": expr, "returnByValue": true });
    let Ok(v) = cdp.call_with(Some(session), "Runtime.evaluate", params, AFTER_CAP).await else { return Vec::new() };
    let mut out: Vec<String> = v["result"]["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|h| Url::parse(h).ok())
        .filter(|u| u.origin() == page.origin())
        .map(|mut u| {
            u.set_fragment(None);
            u.to_string()
        })
        .collect();
    out.sort();
    out.dedup();
    out.truncate(MAX_RENDERED_LINKS);
    out
}

/// Does the page ask for a card (a card number or CVC field, by its autocomplete token or
/// name)? Then a journey has reached a payment page.
async fn has_card_fields(cdp: &Cdp, session: &str) -> bool {
    let expr = "Array.from(document.querySelectorAll('input')).some((i) => /cc-number|cc-csc/.test(i.autocomplete || '') \
                || /card.?number|cardnumber|cvc|cvv|security.?code/i.test((i.name || '') + ' ' + (i.id || '')))";
    let params = json!({ "expression": expr, "returnByValue": true });
    cdp.call_with(Some(session), "Runtime.evaluate", params, AFTER_CAP)
        .await
        .is_ok_and(|v| v["result"]["value"].as_bool() == Some(true))
}

/// After the last scroll step, this long for what it set off (unless the window runs
/// longer); the adaptive settle ends it earlier once the page is quiet.
const AFTER_STEP: Duration = Duration::from_millis(1000);

/// While looking for the consent banner: how often the page is asked again.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// Typing the identity, in progress.
type TypingStep<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = TypingAnswer> + Send + 'a>>;

/// How long typing into a page's fields may take (a dozen fields of thirty characters
/// is a few hundred protocol round trips: well under a second on a page that is not busy).
const TYPE_LIMIT: Duration = Duration::from_secs(10);

/// How long answering a banner may take (the call, the manager's own work, reading the
/// choice back: about a second and a half in the page's script).
const APPLY_LIMIT: Duration = Duration::from_secs(5);

fn no_banner() -> ConsentAnswer {
    ConsentAnswer { detail: Some("no consent banner recognised".into()), ..ConsentAnswer::default() }
}

/// After an event: does the visit end here (the tab crashed, the page left)? With the error
/// to record and how it ended.
fn verdict(cap: &Capture) -> Option<(Option<String>, Ended)> {
    if cap.crashed {
        return Some((Some("the page crashed the browser tab (renderer process)".into()), Ended::Failed));
    }
    let to = cap.left_for.as_ref()?;
    Some((
        Some(format!(
            "the page sent the browser on to {to} (a client-side redirect); what it requested before leaving is kept"
        )),
        Ended::Normally,
    ))
}

/// Leave the page for `about:blank`, recording what its unload handlers send.
///
/// Chromium reports no `Network` event for a request a document makes while it unloads
/// (a `navigator.sendBeacon` in a `pagehide` listener): the document is already replaced.
/// The request interception (`Fetch.enable`, every URL, request and response stage) is a
/// step of the browser's network path instead, and sees them, with their frame and
/// resource type. It is turned on only now: during the visit it would add a round trip
/// to every request.
async fn leave(cdp: &Cdp, cfg: &VisitConfig, cap: &mut Capture, rx: &mut mpsc::UnboundedReceiver<Event>, stop: &Stop) {
    cap.leaving = true;
    let start = Instant::now();
    let limit = start + LEAVE_LIMIT;
    let patterns = json!([
        { "urlPattern": "*", "requestStage": "Request" },
        { "urlPattern": "*", "requestStage": "Response" },
    ]);
    let sessions: Vec<String> =
        std::iter::once(cap.main_session.clone()).chain(cap.frame_sessions.keys().cloned()).collect();
    // In order on the one socket, before the navigation: each frame intercepts before it unloads.
    for s in &sessions[1..] {
        cdp.send(Some(s), "Fetch.enable", json!({ "patterns": patterns }));
    }
    let main = cap.main_session.clone();
    if cdp.call_with(Some(&main), "Fetch.enable", json!({ "patterns": patterns }), LEAVE_LIMIT).await.is_err() {
        return;
    }
    let nav = cdp.call_with(Some(&main), "Page.navigate", json!({ "url": "about:blank" }), LEAVE_LIMIT);
    tokio::pin!(nav);
    let stopping = stop.requested();
    tokio::pin!(stopping);
    let mut navigating = true;
    loop {
        // From the blank page's commit (`Page.frameNavigated`; `Page.navigate` answers
        // earlier), or the last request recorded since.
        let quiet_from = match (cap.left_blank_at, cap.last_leave_request) {
            (Some(c), Some(r)) => Some(c.max(r)),
            (c, _) => c,
        };
        let until = quiet_from.map_or(limit, |q| (q + leave_quiet(cfg)).min(limit));
        tokio::select! {
            r = &mut nav, if navigating => {
                navigating = false;
                if r.is_err() {
                    return;
                }
            }
            ev = rx.recv() => match ev {
                Some(ev) => handle(cdp, cfg, cap, ev).await,
                None => return,
            },
            _ = tokio::time::sleep_until(until) => break,
            _ = &mut stopping => return,
        }
    }
    while let Ok(ev) = rx.try_recv() {
        handle(cdp, cfg, cap, ev).await;
    }
}

/// The commands that prepare a page or frame session (workers get Network only): the
/// domains, the page hook and its binding, request interception, and auto-attach.
fn setup_commands(cfg: &VisitConfig, page: bool) -> Vec<(&'static str, Value)> {
    let mut cmds = vec![("Network.enable", json!({}))];
    if cfg.gpc {
        // Global Privacy Control: the header on every request of the page, its frames and
        // workers (https://privacycg.github.io/gpc-spec/).
        cmds.push(("Network.setExtraHTTPHeaders", json!({ "headers": { "Sec-GPC": "1" } })));
    }
    if page {
        cmds.push(("Page.enable", json!({})));
        cmds.push(("Inspector.enable", json!({})));
        // Binding calls are reported only while the Runtime domain is on.
        cmds.push(("Runtime.enable", json!({})));
        cmds.push(("Runtime.addBinding", json!({ "name": BINDING })));
        cmds.push(("Page.addScriptToEvaluateOnNewDocument", json!({ "source": hook(cfg) })));
        if cfg.gpc {
            cmds.push(("Page.addScriptToEvaluateOnNewDocument", json!({ "source": consent::GPC_HOOK })));
        }
        let patterns = intercepted_origins(cfg)
            .iter()
            .map(|o| json!({ "urlPattern": format!("{o}/*"), "requestStage": "Request" }))
            .collect::<Vec<_>>();
        if !patterns.is_empty() {
            cmds.push(("Fetch.enable", json!({ "patterns": patterns })));
        }
    }
    cmds.push(("Target.setAutoAttach", json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true })));
    cmds
}

/// The origins whose requests are answered or changed by [`on_paused`]: the local folder's,
/// or the store's when `--header`s are given.
fn intercepted_origins(cfg: &VisitConfig) -> Vec<&str> {
    match &cfg.local {
        Some(local) => vec![local.origin.as_str()],
        None if !cfg.headers.is_empty() => cfg.first_party_origins.iter().map(String::as_str).collect(),
        None => Vec::new(),
    }
}

/// Prepare the page's own session, waiting for each answer (nothing runs in it yet).
async fn prepare(cdp: &Cdp, session: &str, cfg: &VisitConfig) -> Result<(), String> {
    for (method, params) in setup_commands(cfg, true) {
        cdp.call(Some(session), method, params).await?;
    }
    Ok(())
}

async fn handle(cdp: &Cdp, cfg: &VisitConfig, cap: &mut Capture, ev: Event) {
    let p = &ev.params;
    let session = ev.session.clone().unwrap_or_default();
    match ev.method.as_str() {
        "Network.requestWillBeSent" => {
            if let Some(id) = p["requestId"].as_str() {
                cap.watch.started(&session, id, p["type"].as_str().unwrap_or(""), Instant::now());
            }
            on_request_sent(cap, &session, p)
        }
        "Network.loadingFinished" => {
            if let Some(id) = p["requestId"].as_str() {
                cap.watch.ended(&session, id, Instant::now());
            }
        }
        "Network.webSocketCreated" => {
            let mut fake = p.clone();
            fake["request"] = json!({ "url": p["url"], "method": "GET" });
            fake["type"] = json!("WebSocket");
            on_request(cap, &session, &fake);
        }
        "Network.responseReceived" => {
            if let Some(i) = current_index(cap, &session, p) {
                cap.requests[i].status = p["response"]["status"].as_u64().map(|s| s as u16);
            }
        }
        "Network.webSocketHandshakeResponseReceived" => {
            if let Some(i) = current_index(cap, &session, p) {
                cap.requests[i].status = p["response"]["status"].as_u64().map(|s| s as u16);
            }
        }
        "Network.loadingFailed" => {
            if let Some(id) = p["requestId"].as_str() {
                cap.watch.ended(&session, id, Instant::now());
            }
            on_loading_failed(cap, &session, p)
        }
        "Network.webSocketFrameSent" => on_frame_sent(cap, &session, p),
        // Sent once per hop as the request's headers are written to the connection.
        "Network.requestWillBeSentExtraInfo" => on_sent_extra(cap, &session, p),
        "Network.responseReceivedExtraInfo" => {
            on_answer_extra(cap, &session, p);
            on_extra_event(cap, &session, p)
        }
        "Page.loadEventFired" if session == cap.main_session => cap.loaded = true,
        // The page's frame stopped loading without a load event: a navigation the page
        // started while it loaded (a link it clicked) turned out to be a download or a 204
        // and the page stayed. It is as loaded as it will be: settle from here.
        "Page.frameStoppedLoading"
            if session == cap.main_session
                && cap.main_request.is_some()
                && p["frameId"].as_str() == cap.main_frame.as_deref() =>
        {
            cap.loaded = true
        }
        "Page.frameNavigated" => {
            let f = &p["frame"];
            if let (Some(id), Some(u)) = (f["id"].as_str(), f["url"].as_str()) {
                if Some(id) != cap.main_frame.as_deref() {
                    cap.frames.insert(id.to_owned(), u.to_owned());
                } else if session == cap.main_session {
                    on_main_commit(cap, f["loaderId"].as_str().unwrap_or_default(), u);
                    // The page's own document, after any redirect: its URL is the one a tag
                    // sends as "the page".
                    if cap.left_for.is_none() && !cap.leaving {
                        if let (Some(m), Ok(url)) = (&cap.matcher, Url::parse(u)) {
                            if m.page_url() != Some(url.as_str()) {
                                cap.matcher = Some(m.for_page(&url));
                            }
                        }
                    }
                }
            }
        }
        "Inspector.targetCrashed" if session == cap.main_session => cap.crashed = true,
        // A dialog holds the page's script until it is answered: answer at once (leaving
        // the page on `beforeunload`, dismissing the rest: `confirm` is false, `prompt` null).
        "Page.javascriptDialogOpening" => {
            let accept = p["type"] == "beforeunload";
            cdp.send(Some(&session), "Page.handleJavaScriptDialog", json!({ "accept": accept }));
            note_dialog(cap, p);
        }
        // A new window (`window.open`, a `target=_blank` link or form). Chromium's pop-up
        // blocker stops it without a user gesture, which a visit never makes, so the URL is
        // known only from this event.
        "Page.windowOpen" => on_window_open(cap, &session, p),
        "Page.downloadWillBegin" => on_download(cap, &session, p),
        "Runtime.bindingCalled" if p["name"] == BINDING => {
            let Ok(msg) = serde_json::from_str::<Value>(p["payload"].as_str().unwrap_or("")) else { return };
            let by = msg["by"].as_str().map(str::to_owned);
            match msg["t"].as_str() {
                Some("cookie") => {
                    let name = msg["name"].as_str().unwrap_or("").to_owned();
                    if !name.is_empty() {
                        cap.setters.push(Setter {
                            name,
                            via: CookieVia::Script,
                            urls: by.into_iter().collect(),
                            origin: msg["origin"].as_str().map(str::to_owned),
                        });
                    }
                }
                Some("src") => {
                    if let (Some(url), Some(by)) = (msg["url"].as_str(), by) {
                        cap.image_setters.entry(url.to_owned()).or_insert(by);
                    }
                }
                // The page's prices: what a tag sends as a purchase or cart value.
                Some("price") if session == cap.main_session => {
                    let prices: Vec<f64> = msg["values"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .filter_map(flows::parse_price)
                        .take(20)
                        .collect();
                    if let Some(m) = cap.matcher.as_mut() {
                        m.set_prices(prices);
                    }
                }
                Some("fp") => {
                    if let Some(f) = flows::fingerprint::parse(&msg) {
                        cap.fingerprints.insert(FingerprintSeen {
                            technique: f.technique.as_str(),
                            script: f.script,
                            detail: f.detail,
                        });
                        // The smallest are kept, so which ones does not depend on timing.
                        while cap.fingerprints.len() > MAX_FINGERPRINTS {
                            cap.fingerprints.pop_last();
                        }
                    }
                }
                Some("timer") => cap.watch.timer(&msg, Instant::now()),
                Some("storage") => cap.storage.push(StorageWrite {
                    area: if msg["area"] == "session" { "session" } else { "local" },
                    origin: msg["origin"].as_str().unwrap_or("").to_owned(),
                    key: msg["key"].as_str().unwrap_or("").to_owned(),
                    script: by,
                }),
                _ => {}
            }
        }
        "Target.attachedToTarget" => {
            let Some(child) = p["sessionId"].as_str() else { return };
            let kind = p["targetInfo"]["type"].as_str().unwrap_or("");
            let is_frame = matches!(kind, "iframe" | "page");
            let url = p["targetInfo"]["url"].as_str().unwrap_or_default().to_owned();
            if is_frame {
                cap.frame_sessions.insert(child.to_owned(), url);
            } else {
                cap.workers.insert(child.to_owned(), url);
            }
            // Sent in order without waiting for answers: the child is paused until the last
            // one, and this loop must keep answering paused requests meanwhile.
            for (method, params) in setup_commands(cfg, is_frame) {
                cdp.send(Some(child), method, params);
            }
            cdp.send(Some(child), "Runtime.runIfWaitingForDebugger", json!({}));
        }
        "Target.detachedFromTarget" => {
            if let Some(child) = p["sessionId"].as_str() {
                cap.watch.forget_session(child);
            }
        }
        "Fetch.requestPaused" => on_paused(cdp, cfg, cap, &session, p).await,
        _ => {}
    }
}

/// `Network.loadingFailed`: why, and whether the browser canceled it (see [`settle_wire`]).
fn on_loading_failed(cap: &mut Capture, session: &str, p: &Value) {
    let Some(i) = current_index(cap, session, p) else { return };
    let canceled = p["canceled"].as_bool() == Some(true) && p["blockedReason"].is_null();
    cap.wire[i].canceled = canceled;
    cap.requests[i].failure = Some(if let Some(b) = p["blockedReason"].as_str() {
        format!("blocked by the browser ({b})")
    } else if canceled {
        "canceled".to_owned()
    } else {
        p["errorText"].as_str().unwrap_or("failed").to_owned()
    });
}

/// `Network.requestWillBeSentExtraInfo`: one more hop of the request went out. Counted by
/// id, as it may come before or after the request's own event.
fn on_sent_extra(cap: &mut Capture, session: &str, p: &Value) {
    let Some(id) = p["requestId"].as_str() else { return };
    let key = (session.to_owned(), id.to_owned());
    *cap.sent_hops.entry(key.clone()).or_default() += 1;
    // The headers as written to the connection: the only place the `Cookie` header shows.
    let header = |name: &str| {
        p["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    let (cookie, referer) = (header("cookie"), header("referer"));
    if cookie.is_none() && referer.is_none() {
        return;
    }
    // Which hop these headers went out with: the n-th extra info of a request id is its n-th
    // hop, which may not be recorded yet (the events of one hop come in either order).
    let hop = cap.sent_hops[&key] - 1;
    let recorded = cap.current.get(&key).map_or(0, |c| c.hops.len());
    if hop >= recorded {
        cap.early_headers.entry(key).or_default().push((hop, (cookie, referer)));
        return;
    }
    let index = cap.wire.iter().position(|w| w.key == key && w.hop == hop);
    if let Some(i) = index {
        add_headers(cap, i, cookie.as_deref(), referer.as_deref());
    }
}

/// `Network.responseReceivedExtraInfo`: the server answered one more hop, with this status.
fn on_answer_extra(cap: &mut Capture, session: &str, p: &Value) {
    if let (Some(id), Some(status)) = (p["requestId"].as_str(), p["statusCode"].as_u64()) {
        cap.answers.entry((session.to_owned(), id.to_owned())).or_default().push(status as u16);
    }
}

/// The page's main frame committed a document (`Page.frameNavigated`, loader id = the
/// navigation's request id). Its own first, then perhaps another: the page left for it.
fn on_main_commit(cap: &mut Capture, loader: &str, url: &str) {
    if cap.leaving {
        // The blank page: the old one's unload handlers run now.
        cap.left_blank_at.get_or_insert_with(Instant::now);
        return;
    }
    if cap.main_request.as_deref().is_none_or(|m| m == loader) {
        return;
    }
    // That navigation's request is the next page's own document, not a request of this one.
    if let Some(&i) = cap.main_navs.get(loader) {
        cap.dropped.insert(i);
    }
    cap.left_for.get_or_insert_with(|| url.to_owned());
}

/// `Page.javascriptDialogOpening`: one more dialog of its type and text.
fn note_dialog(cap: &mut Capture, p: &Value) {
    let kind = match p["type"].as_str() {
        Some("alert") => "alert",
        Some("confirm") => "confirm",
        Some("prompt") => "prompt",
        Some("beforeunload") => "beforeunload",
        _ => "other",
    };
    let message = dialog_text(p["message"].as_str().unwrap_or(""));
    if let Some(d) = cap.dialogs.iter_mut().find(|d| d.kind == kind && d.message == message) {
        d.count += 1;
    } else if cap.dialogs.len() < MAX_DIALOGS {
        cap.dialogs.push(Dialog { kind, message, count: 1 });
    } else {
        cap.dialogs_omitted += 1;
    }
}

/// A dialog's text as the report keeps it: whitespace runs as one space, no control or
/// bidirectional-override characters (they could disguise the text in a terminal or a
/// review), at most [`MAX_DIALOG_TEXT`] characters with `…` where it was cut.
fn dialog_text(raw: &str) -> String {
    let bidi = |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
    let cleaned: String = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().filter(|&c| !bidi(c)).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if cleaned.chars().count() <= MAX_DIALOG_TEXT {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(MAX_DIALOG_TEXT - 1).collect();
    cut.push('…');
    cut
}

/// The document URL of the frame a child session belongs to, or `None` for the page.
fn frame_of_session(cap: &Capture, session: &str) -> Option<String> {
    (session != cap.main_session).then(|| cap.frame_sessions.get(session).cloned()).flatten()
}

/// A request the protocol announced with no `Network` event of its own (a pop-up, a
/// download, an unload beacon seen by the interception).
fn synthetic(url: Url, kind: ResourceKind, cdp_type: &str, method: &str, frame: Option<String>) -> RuntimeRequest {
    RuntimeRequest {
        url,
        kind,
        cdp_type: cdp_type.to_owned(),
        method: method.to_owned(),
        status: None,
        failure: None,
        frame,
        initiator: InitiatorKind::Other,
        initiator_url: None,
        initiator_line: None,
        canceled: false,
        unload: false,
        after_choice: false,
        payload: Payload::default(),
        step: Step::Load,
    }
}

fn http_url(raw: &str) -> Option<Url> {
    Url::parse(raw).ok().filter(|u| matches!(u.scheme(), "http" | "https" | "ws" | "wss"))
}

fn push_request(cap: &mut Capture, mut request: RuntimeRequest, wire: Wire) -> usize {
    request.unload |= cap.leaving;
    request.after_choice |= cap.choice_made;
    request.step = cap.step;
    if cap.leaving {
        cap.last_leave_request = Some(Instant::now());
    }
    cap.requests.push(request);
    cap.wire.push(wire);
    cap.requests.len() - 1
}

/// `Page.windowOpen`: the pop-up's URL is a request of the page (kind `popup`).
fn on_window_open(cap: &mut Capture, session: &str, p: &Value) {
    let Some(url) = p["url"].as_str().and_then(http_url) else { return };
    let frame = frame_of_session(cap, session);
    push_request(cap, synthetic(url, ResourceKind::Popup, "Document", "GET", frame), Wire::default());
}

/// `Page.downloadWillBegin`: the navigation (of the page or an iframe) that turned out to
/// be a file is a `download`; the browser refuses it (`Browser.setDownloadBehavior`).
fn on_download(cap: &mut Capture, session: &str, p: &Value) {
    let Some(url) = p["url"].as_str().and_then(http_url) else { return };
    let found =
        cap.requests.iter().rposition(|r| r.cdp_type == "Document" && r.url == url && r.kind != ResourceKind::Download);
    match found {
        Some(i) => cap.requests[i].kind = ResourceKind::Download,
        None => {
            let frame = p["frameId"]
                .as_str()
                .filter(|f| Some(*f) != cap.main_frame.as_deref())
                .and_then(|f| cap.frames.get(f).cloned())
                .or_else(|| frame_of_session(cap, session));
            push_request(cap, synthetic(url, ResourceKind::Download, "Document", "GET", frame), Wire::default());
        }
    }
}

/// At the end of the visit, what the wire says about each request: one the browser
/// canceled after its headers went out, or after an answer arrived, reached the server.
/// It counts as sent, with the status when there was one, and `canceled` as a note; a
/// cancel before anything went out stays a `failure`.
fn settle_wire(cap: &mut Capture) {
    for (r, w) in cap.requests.iter_mut().zip(&cap.wire) {
        if r.status.is_none() {
            r.status = cap.answers.get(&w.key).and_then(|a| a.get(w.hop)).copied();
        }
        let went_out = r.status.is_some() || cap.sent_hops.get(&w.key).is_some_and(|&n| n > w.hop);
        if w.canceled && went_out {
            r.failure = None;
            r.canceled = true;
        }
    }
}

/// Images a script created (`new Image().src = ...`): the script is the initiator, and
/// such an image is a pixel.
fn attribute_images(cap: &mut Capture) {
    for r in cap.requests.iter_mut().filter(|r| r.cdp_type == "Image" && r.initiator != InitiatorKind::Script) {
        if let Some(by) = cap.image_setters.get(r.url.as_str()) {
            r.initiator = InitiatorKind::Script;
            r.initiator_url = Some(by.clone());
            r.initiator_line = None;
            r.kind = kind_of("Image", InitiatorKind::Script);
        }
    }
}

/// `Network.requestWillBeSent`: record the request, then any extra info that came first.
fn on_request_sent(cap: &mut Capture, session: &str, p: &Value) {
    on_request(cap, session, p);
    let key = (session.to_owned(), p["requestId"].as_str().unwrap_or_default().to_owned());
    if let (Some(early), Some(hops)) = (cap.early_extra.remove(&key), cap.current.get(&key).map(|c| c.hops.clone())) {
        for extra in early {
            on_extra_info(cap, &hops, &extra);
        }
    }
}

/// `Network.responseReceivedExtraInfo`. Chromium may send it before the request itself:
/// then it waits until the request names its URL, so the cookie keeps its setter.
fn on_extra_event(cap: &mut Capture, session: &str, p: &Value) {
    let Some(id) = p["requestId"].as_str() else { return };
    let key = (session.to_owned(), id.to_owned());
    match cap.current.get(&key).map(|c| c.hops.clone()) {
        Some(hops) => on_extra_info(cap, &hops, p),
        None => cap.early_extra.entry(key).or_default().push(p.clone()),
    }
}

/// The cookies a response set (its `Set-Cookie` lines) and the ones the browser refused,
/// from `Network.responseReceivedExtraInfo`; `hops` are the request's URLs so far.
fn on_extra_info(cap: &mut Capture, hops: &[String], p: &Value) {
    let headers = p["headers"].as_object().into_iter().flatten();
    for (_, value) in headers.filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie")) {
        for line in value.as_str().unwrap_or("").lines() {
            let cookie = line.split(';').next().unwrap_or("").split('=').next().unwrap_or("").trim();
            if !cookie.is_empty() {
                cap.setters.push(Setter {
                    name: cookie.to_owned(),
                    via: CookieVia::Header,
                    urls: hops.to_vec(),
                    origin: None,
                });
            }
        }
    }
    for b in p["blockedCookies"].as_array().into_iter().flatten() {
        cap.blocked.push(blocked_cookie(b, hops));
    }
}

fn current_index(cap: &Capture, session: &str, p: &Value) -> Option<usize> {
    let id = p["requestId"].as_str()?;
    cap.current.get(&(session.to_owned(), id.to_owned()))?.index
}

fn kind_of(cdp_type: &str, initiator: InitiatorKind) -> ResourceKind {
    match cdp_type {
        "Document" => ResourceKind::Iframe,
        "Stylesheet" => ResourceKind::Stylesheet,
        // An image a script asks for is a beacon in all but name (`new Image().src = ...`).
        "Image" if initiator == InitiatorKind::Script => ResourceKind::Pixel,
        "Image" => ResourceKind::Image,
        "Media" | "TextTrack" => ResourceKind::Media,
        "Font" => ResourceKind::Font,
        "Script" => ResourceKind::Script,
        "XHR" => ResourceKind::Xhr,
        "Fetch" => ResourceKind::Fetch,
        "Ping" => ResourceKind::Beacon,
        "WebSocket" => ResourceKind::Websocket,
        "EventSource" => ResourceKind::EventSource,
        "Manifest" => ResourceKind::Manifest,
        "Prefetch" => ResourceKind::Prefetch,
        _ => ResourceKind::Other,
    }
}

/// The innermost script URL of an initiator stack (async parents included).
fn stack_top(stack: &Value) -> Option<(String, Option<u32>)> {
    let mut s = Some(stack);
    while let Some(st) = s {
        for f in st["callFrames"].as_array().into_iter().flatten() {
            if let Some(u) = f["url"].as_str().filter(|u| u.starts_with("http")) {
                return Some((u.to_owned(), f["lineNumber"].as_u64().map(|l| l as u32 + 1)));
            }
        }
        s = st.get("parent");
    }
    None
}

fn on_request(cap: &mut Capture, session: &str, p: &Value) {
    let Some(id) = p["requestId"].as_str() else { return };
    let raw_url = p["request"]["url"].as_str().unwrap_or("");
    let key = (session.to_owned(), id.to_owned());
    // A redirect reuses the request id: the hop before it got this 3xx.
    let mut hops = Vec::new();
    if let (Some(status), Some(cur)) = (p["redirectResponse"]["status"].as_u64(), cap.current.get(&key)) {
        if let Some(i) = cur.index {
            cap.requests[i].status = Some(status as u16);
        }
        hops = cur.hops.clone();
    }
    hops.push(raw_url.to_owned());
    let cdp_type = p["type"].as_str().unwrap_or("Other").to_owned();
    let frame_id = p["frameId"].as_str().unwrap_or("");
    if cdp_type == "Document" {
        // The latest hop or navigation: a frame's later requests belong to its current document.
        cap.frames.insert(frame_id.to_owned(), raw_url.to_owned());
    }
    let is_main_document = cdp_type == "Document" && cap.main_frame.as_deref().is_none_or(|m| m == frame_id);
    // Another navigation of the page itself (`location = ...`, a link, a meta refresh). It
    // leaves the page only if it commits (`on_main_commit`); until then it is a request of
    // this page, and one that never commits (a download, a 204, an error) stays one, while
    // the visit goes on recording.
    let mut navigation = false;
    if is_main_document {
        match &cap.main_request {
            None => cap.main_request = Some(id.to_owned()),
            Some(first) if first != id => navigation = true,
            Some(_) => {}
        }
    }
    let url = http_url(raw_url);
    let skip = (is_main_document && !navigation)
        || cdp_type == "Preflight"
        || p["initiator"]["type"] == "preflight"
        // An out-of-process frame's document shows on both sides (same id); the parent's copy counts.
        || (cdp_type == "Document" && cap.documents.contains(&(id.to_owned(), raw_url.to_owned())));
    if cdp_type == "Document" {
        cap.documents.insert((id.to_owned(), raw_url.to_owned()));
    }
    let Some(url) = url.filter(|_| !skip) else {
        cap.current.insert(key, Current { index: None, hops });
        return;
    };
    let init = &p["initiator"];
    let (initiator, mut initiator_url, mut initiator_line) = match init["type"].as_str() {
        Some("parser") => (
            InitiatorKind::Parser,
            init["url"].as_str().map(str::to_owned),
            init["lineNumber"].as_u64().map(|l| l as u32 + 1),
        ),
        Some("script") => {
            let top = stack_top(&init["stack"]);
            (InitiatorKind::Script, top.as_ref().map(|t| t.0.clone()), top.and_then(|t| t.1))
        }
        Some("preload") => (InitiatorKind::Preload, init["url"].as_str().map(str::to_owned), None),
        _ => (InitiatorKind::Other, init["url"].as_str().map(str::to_owned), None),
    };
    if initiator_url.is_none() {
        // A worker's own requests: the worker script is who asked.
        if let Some(w) = cap.workers.get(session) {
            initiator_url = Some(w.clone());
            initiator_line = None;
        }
    }
    // A frame's own requests name its document; an iframe's document request belongs to
    // the frame that holds it, which its initiator already names.
    let frame = (cdp_type != "Document" && Some(frame_id) != cap.main_frame.as_deref())
        .then(|| cap.frames.get(frame_id).cloned())
        .flatten();
    let request = RuntimeRequest {
        url,
        kind: if navigation { ResourceKind::Other } else { kind_of(&cdp_type, initiator) },
        cdp_type,
        method: p["request"]["method"].as_str().unwrap_or("GET").to_owned(),
        status: None,
        failure: None,
        frame,
        initiator,
        initiator_url,
        initiator_line,
        canceled: false,
        unload: false,
        after_choice: false,
        payload: Payload::default(),
        step: Step::Load,
    };
    let body = body_of(&p["request"]);
    let via = if request.cdp_type == "Ping" { Via::Beacon } else { Via::Body };
    let mut request = request;
    request.payload = read_payload(cap, &request.url, body.as_deref(), via);
    let wire = Wire { key: key.clone(), hop: hops.len() - 1, canceled: false };
    // While leaving, the interception may have announced it first: fill that entry in.
    let index = match cap.intercepted_net.remove(&key) {
        Some(i) => {
            cap.requests[i] = RuntimeRequest { unload: true, after_choice: cap.requests[i].after_choice, ..request };
            cap.wire[i] = wire;
            i
        }
        None => push_request(cap, request, wire),
    };
    if navigation {
        cap.main_navs.insert(id.to_owned(), index);
    }
    let hop = hops.len() - 1;
    if let Some(early) = cap.early_headers.get_mut(&key) {
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(early).into_iter().partition(|(h, _)| *h == hop);
        *early = later;
        for (_, (cookie, referer)) in now {
            add_headers(cap, index, cookie.as_deref(), referer.as_deref());
        }
    }
    cap.current.insert(key, Current { index: Some(index), hops });
}

/// The body a request sent: the exact bytes when the browser gives them (a gzip'd or
/// binary body), else its text. Bounded: past [`MAX_SENT_BODY`] the rest is not kept.
fn body_of(req: &Value) -> Option<Vec<u8>> {
    if let Some(entries) = req["postDataEntries"].as_array() {
        let mut out = Vec::new();
        for e in entries {
            if let Some(b) = e["bytes"].as_str() {
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b) {
                    out.extend_from_slice(&bytes[..bytes.len().min(MAX_SENT_BODY.saturating_sub(out.len()))]);
                }
            }
        }
        if !out.is_empty() {
            return Some(out);
        }
    }
    req["postData"].as_str().map(|t| t.as_bytes()[..t.len().min(MAX_SENT_BODY)].to_vec())
}

/// Event names kept per request (a WebSocket adds those of each frame it sends).
const MAX_EVENTS_PER_REQUEST: usize = 100;

/// How much of one body (or frame) is kept to be read: a gzip'd body this long inflates
/// past what [`flows::MAX_BODY`] reads anyway.
const MAX_SENT_BODY: usize = 4 << 20;

/// Read what a request carried, unless the run's payload budget is spent.
fn read_payload(cap: &mut Capture, url: &Url, body: Option<&[u8]>, via: Via) -> Payload {
    let cost = (url.as_str().len() + body.map_or(0, <[u8]>::len)) as i64;
    if cap.matcher.is_none() {
        return Payload::default();
    }
    if !spend(cap, cost) {
        return Payload { skipped: true, ..Payload::default() };
    }
    let Some(m) = &cap.matcher else { return Payload::default() };
    let a = flows::analyse(&Outgoing { url, body, body_via: via }, m);
    Payload {
        observed: a.observations,
        protocol: a.protocol,
        events: a.events,
        tag_ids: a.tag_ids,
        cut: a.truncated,
        skipped: false,
    }
}

/// Take `cost` bytes from the page's and the run's payload budgets; false when either is spent.
fn spend(cap: &mut Capture, cost: i64) -> bool {
    if cap.page_budget < cost {
        return false;
    }
    if cap.budget.fetch_sub(cost, Ordering::Relaxed) < cost {
        return false;
    }
    cap.page_budget -= cost;
    true
}

/// The cookies and referrer the browser wrote for request `i`: what they carried joins
/// what its URL and body did.
fn add_headers(cap: &mut Capture, i: usize, cookie: Option<&str>, referer: Option<&str>) {
    let cost = (cookie.map_or(0, str::len) + referer.map_or(0, str::len)) as i64;
    if cap.matcher.is_none() {
        return;
    }
    if !spend(cap, cost) {
        cap.requests[i].payload.skipped = true;
        return;
    }
    let Some(m) = &cap.matcher else { return };
    let more = flows::analyse_headers(cookie, referer, m);
    flows::merge(&mut cap.requests[i].payload.observed, more);
}

/// `Network.webSocketFrameSent`: a frame the page sent on one of its sockets (text as is,
/// binary in base64).
fn on_frame_sent(cap: &mut Capture, session: &str, p: &Value) {
    let Some(i) = current_index(cap, session, p) else { return };
    let r = &p["response"];
    let data = r["payloadData"].as_str().unwrap_or("");
    let bytes = if r["opcode"].as_u64() == Some(2) {
        base64::engine::general_purpose::STANDARD.decode(data).unwrap_or_default()
    } else {
        data.as_bytes().to_vec()
    };
    if bytes.is_empty() {
        return;
    }
    let url = cap.requests[i].url.clone();
    let frame = read_payload(cap, &url, Some(&bytes[..bytes.len().min(MAX_SENT_BODY)]), Via::Websocket);
    let p = &mut cap.requests[i].payload;
    // The socket's URL was read when it opened: only what the frame adds counts here.
    let from_frame: Vec<_> = frame.observed.into_iter().filter(|o| o.via == Via::Websocket).collect();
    flows::merge(&mut p.observed, from_frame);
    // A socket may send frames for as long as the page is open: its event names are capped.
    for e in frame.events {
        if p.events.len() < MAX_EVENTS_PER_REQUEST && !p.events.contains(&e) {
            p.events.push(e);
        }
    }
    p.cut |= frame.cut;
    p.skipped |= frame.skipped;
}

/// `Fetch.requestPaused`. At the request stage: a first-party request is answered from
/// disk (local mode) or given the `--header`s; while leaving, every request is recorded
/// first (see [`leave`]). At the response stage (leaving only): its status is noted.
/// Anything else goes on unchanged.
async fn on_paused(cdp: &Cdp, cfg: &VisitConfig, cap: &mut Capture, session: &str, p: &Value) {
    let id = p["requestId"].as_str().unwrap_or_default();
    let url = p["request"]["url"].as_str().unwrap_or_default();
    // The protocol's rule: a paused request is at the response stage when either field is present.
    let status = p["responseStatusCode"].as_u64();
    let error = p["responseErrorReason"].as_str();
    if status.is_some() || error.is_some() {
        // An answer while leaving: what its handler does next gets the quiet spell too.
        if cap.leaving {
            cap.last_leave_request = Some(Instant::now());
        }
        if let Some(r) = cap.intercepted.get(id).map(|&i| &mut cap.requests[i]) {
            if r.status.is_none() {
                r.status = status.map(|s| s as u16);
                r.failure = error.map(|e| format!("failed ({e})"));
            }
        }
        cdp.send(Some(session), "Fetch.continueRequest", json!({ "requestId": id }));
        return;
    }
    if cap.leaving {
        record_intercepted(cap, session, p);
    }
    let ours = intercepted_origins(cfg).iter().any(|o| url.strip_prefix(o).is_some_and(|rest| rest.starts_with('/')));
    if !ours {
        cdp.send(Some(session), "Fetch.continueRequest", json!({ "requestId": id }));
        return;
    }
    if let Some(local) = &cfg.local {
        let (status, body, mime) =
            match Url::parse(url).ok().and_then(|u| crate::local::file_for_url(&local.root, &local.site, &u)) {
                Some(path) => match std::fs::read(&path) {
                    Ok(bytes) => (200, bytes, crate::local::mime_for(&path)),
                    Err(_) => (404, Vec::new(), "text/plain"),
                },
                None => (404, b"not in the local folder".to_vec(), "text/plain"),
            };
        cdp.send(
            Some(session),
            "Fetch.fulfillRequest",
            json!({
                "requestId": id,
                "responseCode": status,
                "responseHeaders": [{ "name": "Content-Type", "value": mime }],
                "body": base64::engine::general_purpose::STANDARD.encode(body),
            }),
        );
        return;
    }
    let mut headers: Vec<Value> = p["request"]["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !cfg.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)))
        .filter(|(k, _)| !(cfg.gpc && k.eq_ignore_ascii_case("sec-gpc")))
        .map(|(k, v)| json!({ "name": k, "value": v.as_str().unwrap_or("") }))
        .collect();
    headers.extend(cfg.headers.iter().map(|(k, v)| json!({ "name": k, "value": v })));
    if cfg.gpc {
        headers.push(json!({ "name": "Sec-GPC", "value": "1" }));
    }
    cdp.send(Some(session), "Fetch.continueRequest", json!({ "requestId": id, "headers": headers }));
}

/// While leaving: a request the interception paused, recorded unless `Network` already
/// did (the page was still live when it asked). Unload handlers' requests have no
/// `Network` event and no initiator; the resource type and frame are known.
fn record_intercepted(cap: &mut Capture, session: &str, p: &Value) {
    let Some(fetch_id) = p["requestId"].as_str() else { return };
    let net_key = p["networkId"].as_str().map(|n| (session.to_owned(), n.to_owned()));
    if let Some(i) = net_key.as_ref().and_then(|k| cap.current.get(k)).and_then(|c| c.index) {
        cap.intercepted.insert(fetch_id.to_owned(), i);
        return;
    }
    let Some(url) = p["request"]["url"].as_str().and_then(http_url) else { return };
    let cdp_type = p["resourceType"].as_str().unwrap_or("Other");
    let frame_id = p["frameId"].as_str().unwrap_or("");
    let in_main_frame = Some(frame_id) == cap.main_frame.as_deref();
    if cdp_type == "Preflight" || (cdp_type == "Document" && in_main_frame) {
        return;
    }
    let frame =
        if in_main_frame { None } else { cap.frames.get(frame_id).cloned() }.or_else(|| frame_of_session(cap, session));
    let method = p["request"]["method"].as_str().unwrap_or("GET");
    let mut request = synthetic(url, kind_of(cdp_type, InitiatorKind::Other), cdp_type, method, frame);
    // The interception names no initiator, and calls a `fetch` an `XHR`. When the page
    // made the same request before (a timer that polls, a beacon it also sent on load),
    // this is taken to be the same call: same type and initiator, so it counts as one more.
    let same = |r: &&RuntimeRequest| r.url == request.url && r.method == request.method && r.frame == request.frame;
    if let Some(before) = cap.requests.iter().rev().find(same) {
        request.kind = before.kind;
        request.cdp_type = before.cdp_type.clone();
        request.initiator = before.initiator;
        request.initiator_url = before.initiator_url.clone();
        request.initiator_line = before.initiator_line;
    }
    let via = if request.cdp_type == "Ping" || cdp_type == "Ping" { Via::Beacon } else { Via::Body };
    request.payload = read_payload(cap, &request.url, body_of(&p["request"]).as_deref(), via);
    let i = push_request(cap, request, Wire::default());
    cap.intercepted.insert(fetch_id.to_owned(), i);
    if let Some(k) = net_key {
        cap.intercepted_net.insert(k, i);
    }
}

/// `host` may set a cookie for `domain` (`.shop.example` or `shop.example`).
fn domain_matches(host: &str, domain: &str) -> bool {
    crate::scope::host_in_domain(host, domain.trim_start_matches('.'))
}

/// The last setter that could have set cookie `name` on `domain`: a header from a hop
/// whose host domain-matches, or a script in a document of a matching origin. A name alone
/// is not enough: two sites often use the same cookie name.
fn setter_of<'a>(setters: &'a [Setter], name: &str, domain: &str) -> Option<(CookieVia, Option<&'a String>)> {
    setters.iter().rev().filter(|s| s.name == name).find_map(|s| match s.via {
        CookieVia::Header => s
            .urls
            .iter()
            .rev()
            .find(|u| host_of(u).is_some_and(|h| domain_matches(&h, domain)))
            .map(|u| (s.via, Some(u))),
        _ => s
            .origin
            .as_deref()
            .and_then(host_of)
            .is_some_and(|h| domain_matches(&h, domain))
            .then(|| (s.via, s.urls.first())),
    })
}

fn lifetime_days(expires: Option<f64>, session: bool) -> Option<f64> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64();
    let e = expires.filter(|_| !session)?;
    Some(((e - now) / 86_400.0 * 100.0).round() / 100.0)
}

fn same_site(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// A cookie the browser refused, from `blockedCookies` of a response's extra info.
fn blocked_cookie(b: &Value, hops: &[String]) -> CookieSeen {
    let c = &b["cookie"];
    let line = b["cookieLine"].as_str().unwrap_or("");
    let name = c["name"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| line.split(';').next().unwrap_or("").split('=').next().unwrap_or("").trim().to_owned());
    let set_by = hops.last().cloned();
    let domain =
        c["domain"].as_str().map(str::to_owned).or_else(|| set_by.as_deref().and_then(host_of)).unwrap_or_default();
    let reasons: Vec<&str> = b["blockedReasons"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let session = c["session"].as_bool().unwrap_or(true);
    CookieSeen {
        name,
        domain,
        path: c["path"].as_str().unwrap_or("/").to_owned(),
        lifetime_days: lifetime_days(c["expires"].as_f64(), session),
        secure: c["secure"].as_bool().unwrap_or(false),
        http_only: c["httpOnly"].as_bool().unwrap_or(false),
        same_site: same_site(&c["sameSite"]),
        via: CookieVia::Header,
        set_by,
        blocked: Some(if reasons.is_empty() { "blocked".to_owned() } else { reasons.join(", ") }),
    }
}

/// The cookies in the context's jar, each with its setter, then the ones the browser
/// refused (unless the same cookie made it into the jar after all).
async fn collect_cookies(cdp: &Cdp, ctx: &str, cap: &mut Capture, limit: Duration) -> Vec<CookieSeen> {
    let jar = cdp.call_with(None, "Storage.getCookies", json!({ "browserContextId": ctx }), limit).await;
    let mut out: Vec<CookieSeen> = jar
        .ok()
        .and_then(|v| v["cookies"].as_array().cloned())
        .into_iter()
        .flatten()
        .map(|c| {
            let name = c["name"].as_str().unwrap_or("").to_owned();
            let domain = c["domain"].as_str().unwrap_or("").to_owned();
            let setter = setter_of(&cap.setters, &name, &domain);
            let session = c["session"].as_bool().unwrap_or(false);
            CookieSeen {
                lifetime_days: lifetime_days(c["expires"].as_f64(), session),
                path: c["path"].as_str().unwrap_or("/").to_owned(),
                secure: c["secure"].as_bool().unwrap_or(false),
                http_only: c["httpOnly"].as_bool().unwrap_or(false),
                same_site: same_site(&c["sameSite"]),
                via: setter.map_or(CookieVia::Unknown, |s| s.0),
                set_by: setter.and_then(|s| s.1.cloned()),
                blocked: None,
                name,
                domain,
            }
        })
        .collect();
    for b in std::mem::take(&mut cap.blocked) {
        let stored = out
            .iter()
            .any(|c| c.name == b.name && c.domain.trim_start_matches('.') == b.domain.trim_start_matches('.'));
        if !stored && !out.iter().any(|c| c.name == b.name && c.domain == b.domain && c.blocked.is_some()) {
            out.push(b);
        }
    }
    out.sort_by(|a, b| (&a.domain, &a.name, &a.path).cmp(&(&b.domain, &b.name, &b.path)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_innermost_script_url_is_the_initiator() {
        let stack = json!({
            "callFrames": [
                { "url": "", "lineNumber": 0 },
                { "url": "https://connect.facebook.net/en_US/fbevents.js", "lineNumber": 24 },
                { "url": "https://www.googletagmanager.com/gtm.js?id=GTM-X", "lineNumber": 3 }
            ]
        });
        assert_eq!(stack_top(&stack), Some(("https://connect.facebook.net/en_US/fbevents.js".to_owned(), Some(25))));
        let async_only = json!({ "callFrames": [], "parent": { "callFrames": [{ "url": "https://a.example/x.js", "lineNumber": 0 }] } });
        assert_eq!(stack_top(&async_only).map(|t| t.0), Some("https://a.example/x.js".to_owned()));
        assert_eq!(stack_top(&json!({})), None);
    }

    #[test]
    fn extra_info_before_its_request_keeps_the_setter() {
        let mut cap = Capture::default();
        let url = "http://static.criteo.net/px.gif?e=view";
        let extra = json!({
            "requestId": "7",
            "headers": { "Set-Cookie": "cto_bundle=abc; Max-Age=60" },
            "blockedCookies": [{ "cookie": { "name": "cto_bundle", "domain": "static.criteo.net" },
                                 "blockedReasons": ["ThirdPartyPhaseout"] }]
        });
        on_extra_event(&mut cap, "s", &extra);
        assert!(cap.blocked.is_empty(), "waits for its request");
        let request = json!({ "requestId": "7", "request": { "url": url, "method": "GET" }, "type": "Image",
                              "frameId": "f", "initiator": { "type": "other" } });
        on_request_sent(&mut cap, "s", &request);
        assert_eq!(cap.blocked.len(), 1);
        assert_eq!(cap.blocked[0].set_by.as_deref(), Some(url));
        assert_eq!(cap.setters[0].urls, [url]);
        // In the usual order the same holds.
        let mut usual = Capture::default();
        on_request_sent(&mut usual, "s", &request);
        on_extra_event(&mut usual, "s", &extra);
        assert_eq!(usual.blocked[0].set_by.as_deref(), Some(url));
        assert!(usual.early_extra.is_empty() && cap.early_extra.is_empty());
    }

    fn request(id: &str, url: &str, cdp_type: &str, frame: &str) -> Value {
        json!({ "requestId": id, "request": { "url": url, "method": "POST" }, "type": cdp_type,
                "frameId": frame, "initiator": { "type": "other" } })
    }

    #[test]
    fn a_cancel_after_the_request_went_out_is_not_a_failure() {
        let mut cap = Capture::default();
        let canceled = |id: &str| json!({ "requestId": id, "canceled": true, "errorText": "net::ERR_ABORTED" });
        for id in ["sent", "answered", "never", "hops", "blocked"] {
            on_request_sent(&mut cap, "s", &request(id, &format!("https://t.example/{id}"), "Fetch", "f"));
        }
        // Its headers were written, then the page went away: the server has it.
        on_sent_extra(&mut cap, "s", &json!({ "requestId": "sent" }));
        on_loading_failed(&mut cap, "s", &canceled("sent"));
        // The server answered (the page never saw the response, only the extra info did).
        on_answer_extra(&mut cap, "s", &json!({ "requestId": "answered", "statusCode": 204 }));
        on_loading_failed(&mut cap, "s", &canceled("answered"));
        // Canceled before anything went out.
        on_loading_failed(&mut cap, "s", &canceled("never"));
        // The first hop went out and was redirected; the second was canceled before it did.
        on_sent_extra(&mut cap, "s", &json!({ "requestId": "hops" }));
        let mut second = request("hops", "https://u.example/next", "Fetch", "f");
        second["redirectResponse"] = json!({ "status": 302 });
        on_request_sent(&mut cap, "s", &second);
        on_loading_failed(&mut cap, "s", &canceled("hops"));
        // Blocked is not canceled, whatever the flag says.
        on_sent_extra(&mut cap, "s", &json!({ "requestId": "blocked" }));
        let mut blocked = canceled("blocked");
        blocked["blockedReason"] = json!("mixed-content");
        on_loading_failed(&mut cap, "s", &blocked);
        settle_wire(&mut cap);
        let got: Vec<_> =
            cap.requests.iter().map(|r| (r.url.path().to_owned(), r.status, r.failure.clone(), r.canceled)).collect();
        let c = Some("canceled".to_owned());
        assert_eq!(
            got,
            [
                ("/sent".to_owned(), None, None, true),
                ("/answered".to_owned(), Some(204), None, true),
                ("/never".to_owned(), None, c.clone(), false),
                ("/hops".to_owned(), Some(302), None, false),
                ("/blocked".to_owned(), None, Some("blocked by the browser (mixed-content)".to_owned()), false),
                ("/next".to_owned(), None, c, false),
            ]
        );
    }

    #[test]
    fn a_navigation_of_the_page_leaves_it_only_when_it_commits() {
        let mut cap = Capture { main_frame: Some("F".into()), ..Capture::default() };
        on_request_sent(&mut cap, "s", &request("L1", "https://shop.example/", "Document", "F"));
        assert!(cap.requests.is_empty(), "the page's own document is not one of its requests");
        on_main_commit(&mut cap, "L1", "https://shop.example/");
        assert_eq!(cap.left_for, None);
        // A link the page follows: a request of the page while it is pending...
        on_request_sent(&mut cap, "s", &request("L2", "https://files.example/report.bin", "Document", "F"));
        assert_eq!(cap.requests[0].kind, ResourceKind::Other);
        assert_eq!(cap.left_for, None, "a download or a 204 never commits");
        // ...and once the browser says it was a download, a download.
        on_download(&mut cap, "s", &json!({ "frameId": "F", "url": "https://files.example/report.bin" }));
        assert_eq!((cap.requests.len(), cap.requests[0].kind), (1, ResourceKind::Download));
        // Another that commits: the page is left, and that document is the next page's.
        on_request_sent(&mut cap, "s", &request("L3", "https://shop.example/next", "Document", "F"));
        on_main_commit(&mut cap, "L3", "https://shop.example/next");
        assert_eq!(cap.left_for.as_deref(), Some("https://shop.example/next"));
        assert!(cap.dropped.contains(&1) && !cap.dropped.contains(&0));
        // The visit's own way out is not the page leaving.
        let mut leaving = Capture { main_frame: Some("F".into()), leaving: true, ..Capture::default() };
        on_request_sent(&mut leaving, "s", &request("L1", "https://shop.example/", "Document", "F"));
        on_main_commit(&mut leaving, "B", "about:blank");
        assert!(leaving.left_for.is_none() && leaving.left_blank_at.is_some());
    }

    #[test]
    fn dialogs_are_counted_by_text_and_their_text_is_kept_short_and_plain() {
        assert_eq!(dialog_text("  Hello\n\t world\u{0}!  "), "Hello world !");
        assert_eq!(dialog_text("pay \u{202e}gnp.exe\u{2066}"), "pay gnp.exe");
        let long = dialog_text(&"é".repeat(1000));
        assert_eq!(long.chars().count(), MAX_DIALOG_TEXT);
        assert!(long.ends_with('…'));
        let mut cap = Capture::default();
        for i in 0..(MAX_DIALOGS + 5) {
            note_dialog(&mut cap, &json!({ "type": "confirm", "message": "Sure?" }));
            note_dialog(&mut cap, &json!({ "type": "alert", "message": format!("step {i}") }));
        }
        note_dialog(&mut cap, &json!({ "type": "somethingNew", "message": "" }));
        assert_eq!(cap.dialogs[0], Dialog { kind: "confirm", message: "Sure?".into(), count: MAX_DIALOGS + 5 });
        assert_eq!(cap.dialogs.len(), MAX_DIALOGS);
        assert_eq!(cap.dialogs_omitted, 5 + 1 + 1, "the alerts past the cap, and the unknown type");
    }

    #[test]
    fn a_popup_is_a_request_of_the_frame_that_opened_it() {
        let mut cap = Capture { main_session: "s".into(), ..Capture::default() };
        cap.frame_sessions.insert("child".into(), "https://widget.example/frame.html".into());
        on_window_open(&mut cap, "s", &json!({ "url": "https://ads.example/pop?uid=1", "userGesture": false }));
        on_window_open(&mut cap, "child", &json!({ "url": "https://ads.example/from-frame" }));
        on_window_open(&mut cap, "s", &json!({ "url": "javascript:alert(1)" }));
        let got: Vec<_> = cap.requests.iter().map(|r| (r.kind, r.url.as_str(), r.frame.as_deref())).collect();
        assert_eq!(
            got,
            [
                (ResourceKind::Popup, "https://ads.example/pop?uid=1", None),
                (ResourceKind::Popup, "https://ads.example/from-frame", Some("https://widget.example/frame.html")),
            ]
        );
    }

    #[test]
    fn an_unload_request_the_interception_saw_is_recorded_once() {
        let mut cap = Capture { main_frame: Some("F".into()), leaving: true, ..Capture::default() };
        let paused = |fid: &str, nid: &str, url: &str| {
            json!({ "requestId": fid, "networkId": nid, "frameId": "F", "resourceType": "Ping",
                    "request": { "url": url, "method": "POST" } })
        };
        // Seen only by the interception (the document is gone): a beacon sent while unloading.
        record_intercepted(&mut cap, "s", &paused("i1", "n1", "https://t.example/bye"));
        // Seen by the interception first, then by the network domain: one request.
        record_intercepted(&mut cap, "s", &paused("i2", "n2", "https://t.example/late"));
        on_request_sent(&mut cap, "s", &request("n2", "https://t.example/late", "Fetch", "F"));
        // The page's own navigation away is not one of its requests.
        let mut nav = paused("i3", "n3", "https://shop.example/next");
        nav["resourceType"] = json!("Document");
        record_intercepted(&mut cap, "s", &nav);
        let got: Vec<_> = cap.requests.iter().map(|r| (r.url.path(), r.kind, r.unload)).collect();
        assert_eq!(got, [("/bye", ResourceKind::Beacon, true), ("/late", ResourceKind::Fetch, true)]);
    }

    #[test]
    fn resource_types_map_to_kinds() {
        assert_eq!(kind_of("Ping", InitiatorKind::Script), ResourceKind::Beacon);
        assert_eq!(kind_of("Image", InitiatorKind::Script), ResourceKind::Pixel);
        assert_eq!(kind_of("Image", InitiatorKind::Parser), ResourceKind::Image);
        assert_eq!(kind_of("Document", InitiatorKind::Parser), ResourceKind::Iframe);
        assert_eq!(kind_of("SomethingNew", InitiatorKind::Other), ResourceKind::Other);
    }
}
