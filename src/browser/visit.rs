//! One page, visited in a fresh browser context: what it requested, set and stored.
//!
//! Enters: a [`Cdp`] connection, the page URL and a [`VisitConfig`]. Leaves: a
//! [`Visit`] (plain data: requests with their initiators and frames, cookies with their
//! setters, storage writes). Every request made by the page's target, its frames (also
//! out-of-process iframes) and its workers is recorded, including those that failed;
//! requests the browser makes for itself are never seen, because only the page's own
//! sessions are listened to.
//!
//! Timing: load, then a fixed settle window (`--settle`) for tags that fire after load,
//! all under a hard cap per page. Never "network idle": beacon-heavy pages never get there.

use super::cdp::{Cdp, Event};
use crate::model::{CookieSeen, CookieVia, InitiatorKind, ResourceKind, RuntimeRequest, StorageWrite, Visit};
use crate::scope::host_of;
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use url::Url;

/// The name of the binding the page hook reports through.
const BINDING: &str = "__vendorscanReport";

/// Runs in every frame before the page's own scripts: reports which script set a cookie
/// through `document.cookie` or wrote to Web Storage. The caller is the innermost http(s)
/// URL in the call stack; the hook itself has none, so it never names itself.
const HOOK: &str = r#"(() => {
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
})();"#;

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
    pub settle: Duration,
    /// The hard cap for one page, load and settle included.
    pub page_cap: Duration,
    pub local: Option<LocalSite>,
    /// `--header`s, added to requests to the store's own origins only (never to third
    /// parties: they may carry credentials).
    pub headers: Vec<(String, String)>,
    pub first_party_origins: Vec<String>,
}

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

#[derive(Default)]
struct Capture {
    requests: Vec<RuntimeRequest>,
    current: HashMap<(String, String), Current>,
    /// frame id → document URL
    frames: HashMap<String, String>,
    /// (request id, URL) of the frame documents recorded
    documents: std::collections::HashSet<(String, String)>,
    main_frame: Option<String>,
    /// worker session → worker script URL
    workers: HashMap<String, String>,
    setters: Vec<Setter>,
    /// Cookies the browser refused to store, from the responses' extra info.
    blocked: Vec<CookieSeen>,
    /// Extra info that arrived before its request: (session, request id) → events.
    early_extra: HashMap<(String, String), Vec<Value>>,
    storage: Vec<StorageWrite>,
    /// image URL → the script that set it as an `<img>` src
    image_setters: HashMap<String, String>,
    /// The page's own session (children have theirs).
    main_session: String,
    loaded: bool,
    crashed: bool,
    /// The request id of the page's own document (HTTP redirects keep it).
    main_request: Option<String>,
    /// The page sent the browser elsewhere (meta refresh, `location = ...`): what comes
    /// after belongs to another page, so recording stops here.
    left_for: Option<String>,
}

pub async fn visit(cdp: &Cdp, url: &Url, cfg: &VisitConfig) -> Visit {
    let start = Instant::now();
    let ctx = match cdp.call(None, "Target.createBrowserContext", json!({})).await {
        Ok(v) => v["browserContextId"].as_str().unwrap_or_default().to_owned(),
        Err(e) => return failed(format!("the browser did not open a context for this page: {e}")),
    };
    let mut cap = Capture::default();
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let visit = run(cdp, url, cfg, &ctx, &mut cap, start, (&tx, rx)).await;
    cdp.unroute(&tx);
    let _ = cdp.call_with(None, "Target.disposeBrowserContext", json!({ "browserContextId": ctx }), AFTER_CAP).await;
    visit
}

fn failed(why: String) -> Visit {
    Visit { error: Some(why), failed: true, ..Visit::default() }
}

/// How long each clean-up command (cookies, closing the context) may take after the cap:
/// the browser answers them in milliseconds unless it is wedged.
const AFTER_CAP: Duration = Duration::from_secs(5);

async fn run(
    cdp: &Cdp,
    url: &Url,
    cfg: &VisitConfig,
    ctx: &str,
    cap: &mut Capture,
    start: Instant,
    (tx, mut rx): (&mpsc::UnboundedSender<Event>, mpsc::UnboundedReceiver<Event>),
) -> Visit {
    let hard = start + cfg.page_cap;
    let target =
        match cdp.call(None, "Target.createTarget", json!({ "url": "about:blank", "browserContextId": ctx })).await {
            Ok(v) => v["targetId"].as_str().unwrap_or_default().to_owned(),
            Err(e) => return failed(format!("the browser did not open a tab: {e}")),
        };
    let session = match cdp.call(None, "Target.attachToTarget", json!({ "targetId": target, "flatten": true })).await {
        Ok(v) => v["sessionId"].as_str().unwrap_or_default().to_owned(),
        Err(e) => return failed(format!("cannot attach to the tab: {e}")),
    };
    cdp.route(&session, tx.clone());
    cap.main_session = session.clone();
    if let Err(e) = prepare(cdp, &session, cfg).await {
        return failed(format!("cannot prepare the tab: {e}"));
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
    let mut navigating = true;
    let mut error = None;
    let mut failed_visit = false;
    let mut settle_until: Option<Instant> = None;
    loop {
        let until = settle_until.map_or(hard, |s| s.min(hard));
        let ev = tokio::select! {
            r = &mut nav, if navigating => {
                navigating = false;
                let why = match r {
                    Ok(v) => v["errorText"].as_str().filter(|e| !e.is_empty()).map(str::to_owned),
                    Err(e) => Some(e),
                };
                if let Some(why) = why {
                    error = Some(format!("the browser could not load the page: {why}"));
                    failed_visit = true;
                    break;
                }
                continue;
            }
            ev = rx.recv() => ev,
            _ = tokio::time::sleep_until(until) => break,
        };
        let Some(ev) = ev else {
            error = Some("the browser exited during the visit".into());
            failed_visit = true;
            break;
        };
        handle(cdp, cfg, cap, ev).await;
        if cap.crashed {
            error = Some("the page crashed the browser tab (renderer process)".into());
            failed_visit = true;
            break;
        }
        if let Some(to) = &cap.left_for {
            error = Some(format!(
                "the page sent the browser on to {to} (a client-side redirect); what it requested before \
                 leaving is kept"
            ));
            break;
        }
        if cap.loaded && settle_until.is_none() {
            settle_until = Some(Instant::now() + cfg.settle);
        }
    }
    if !cap.loaded && !failed_visit && cap.left_for.is_none() {
        error = Some(format!(
            "the page did not finish loading within {} s (a script may be busy or hung); requests \
             made until then are kept",
            cfg.page_cap.as_secs()
        ));
        failed_visit = true;
    }
    // Events already queued belong to the visit too (not after it left the page).
    while let Ok(ev) = rx.try_recv() {
        if cap.left_for.is_some() {
            break;
        }
        handle(cdp, cfg, cap, ev).await;
    }
    attribute_images(cap);
    // Extra info whose request never showed still tells which cookies were set.
    for extra in std::mem::take(&mut cap.early_extra).into_values().flatten() {
        on_extra_info(cap, &[], &extra);
    }
    let cookies = collect_cookies(cdp, ctx, cap).await;
    Visit {
        requests: std::mem::take(&mut cap.requests),
        cookies,
        storage: std::mem::take(&mut cap.storage),
        error,
        failed: failed_visit,
    }
}

/// The commands that prepare a page or frame session (workers get Network only): the
/// domains, the page hook and its binding, request interception, and auto-attach.
fn setup_commands(cfg: &VisitConfig, page: bool) -> Vec<(&'static str, Value)> {
    let mut cmds = vec![("Network.enable", json!({}))];
    if page {
        cmds.push(("Page.enable", json!({})));
        cmds.push(("Inspector.enable", json!({})));
        // Binding calls are reported only while the Runtime domain is on.
        cmds.push(("Runtime.enable", json!({})));
        cmds.push(("Runtime.addBinding", json!({ "name": BINDING })));
        cmds.push(("Page.addScriptToEvaluateOnNewDocument", json!({ "source": HOOK })));
        let mut patterns: Vec<Value> = Vec::new();
        if let Some(local) = &cfg.local {
            patterns.push(json!({ "urlPattern": format!("{}/*", local.origin), "requestStage": "Request" }));
        } else if !cfg.headers.is_empty() {
            for o in &cfg.first_party_origins {
                patterns.push(json!({ "urlPattern": format!("{o}/*"), "requestStage": "Request" }));
            }
        }
        if !patterns.is_empty() {
            cmds.push(("Fetch.enable", json!({ "patterns": patterns })));
        }
    }
    cmds.push(("Target.setAutoAttach", json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true })));
    cmds
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
        "Network.requestWillBeSent" => on_request_sent(cap, &session, p),
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
            if let Some(i) = current_index(cap, &session, p) {
                let r = &mut cap.requests[i];
                r.failure = Some(if let Some(b) = p["blockedReason"].as_str() {
                    format!("blocked by the browser ({b})")
                } else if p["canceled"].as_bool() == Some(true) {
                    "canceled".to_owned()
                } else {
                    p["errorText"].as_str().unwrap_or("failed").to_owned()
                });
            }
        }
        "Network.responseReceivedExtraInfo" => on_extra_event(cap, &session, p),
        "Page.loadEventFired" if session == cap.main_session => cap.loaded = true,
        "Page.frameNavigated" => {
            let f = &p["frame"];
            if let (Some(id), Some(u)) = (f["id"].as_str(), f["url"].as_str()) {
                if Some(id) != cap.main_frame.as_deref() {
                    cap.frames.insert(id.to_owned(), u.to_owned());
                }
            }
        }
        "Inspector.targetCrashed" if session == cap.main_session => cap.crashed = true,
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
            if !is_frame {
                if let Some(u) = p["targetInfo"]["url"].as_str() {
                    cap.workers.insert(child.to_owned(), u.to_owned());
                }
            }
            // Sent in order without waiting for answers: the child is paused until the last
            // one, and this loop must keep answering paused requests meanwhile.
            for (method, params) in setup_commands(cfg, is_frame) {
                cdp.send(Some(child), method, params);
            }
            cdp.send(Some(child), "Runtime.runIfWaitingForDebugger", json!({}));
        }
        "Fetch.requestPaused" => on_paused(cdp, cfg, &session, p).await,
        _ => {}
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
    if is_main_document {
        match &cap.main_request {
            None => cap.main_request = Some(id.to_owned()),
            Some(first) if first != id => {
                cap.left_for.get_or_insert_with(|| raw_url.to_owned());
                return;
            }
            Some(_) => {}
        }
    }
    let url = Url::parse(raw_url).ok().filter(|u| matches!(u.scheme(), "http" | "https" | "ws" | "wss"));
    let skip = is_main_document
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
        kind: kind_of(&cdp_type, initiator),
        cdp_type,
        method: p["request"]["method"].as_str().unwrap_or("GET").to_owned(),
        status: None,
        failure: None,
        frame,
        initiator,
        initiator_url,
        initiator_line,
    };
    cap.requests.push(request);
    cap.current.insert(key, Current { index: Some(cap.requests.len() - 1), hops });
}

/// Answer a paused first-party request: from disk in local mode, or with `--header`s.
async fn on_paused(cdp: &Cdp, cfg: &VisitConfig, session: &str, p: &Value) {
    let id = p["requestId"].as_str().unwrap_or_default();
    let url = p["request"]["url"].as_str().unwrap_or_default();
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
        .map(|(k, v)| json!({ "name": k, "value": v.as_str().unwrap_or("") }))
        .collect();
    headers.extend(cfg.headers.iter().map(|(k, v)| json!({ "name": k, "value": v })));
    cdp.send(Some(session), "Fetch.continueRequest", json!({ "requestId": id, "headers": headers }));
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
async fn collect_cookies(cdp: &Cdp, ctx: &str, cap: &mut Capture) -> Vec<CookieSeen> {
    let jar = cdp.call_with(None, "Storage.getCookies", json!({ "browserContextId": ctx }), AFTER_CAP).await;
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

    #[test]
    fn resource_types_map_to_kinds() {
        assert_eq!(kind_of("Ping", InitiatorKind::Script), ResourceKind::Beacon);
        assert_eq!(kind_of("Image", InitiatorKind::Script), ResourceKind::Pixel);
        assert_eq!(kind_of("Image", InitiatorKind::Parser), ResourceKind::Image);
        assert_eq!(kind_of("Document", InitiatorKind::Parser), ResourceKind::Iframe);
        assert_eq!(kind_of("SomethingNew", InitiatorKind::Other), ResourceKind::Other);
    }
}
