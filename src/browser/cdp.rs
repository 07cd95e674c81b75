//! A small Chrome DevTools Protocol client: JSON messages over one WebSocket.
//!
//! Enters: the browser's `ws://` DevTools address. Leaves: [`Cdp`], which sends commands
//! (`call`) and routes events to the visit that owns their session. Events are plain
//! [`serde_json::Value`]s on purpose: Chromium adds resource and initiator types in every
//! release, and a request we cannot parse must still be a request we record.
//!
//! Sessions are "flat" (`flatten: true`): every target's messages share this socket and
//! carry a `sessionId`. A visit registers its page session with [`Cdp::route`]; the reader
//! routes a child target (an out-of-process iframe, a worker) to the same visit the moment
//! `Target.attachedToTarget` announces it, so no event of a child can arrive unrouted.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

/// An event from the browser: its method, parameters and session.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub params: Value,
    pub session: Option<String>,
}

type Pending = HashMap<u64, oneshot::Sender<Result<Value, String>>>;

#[derive(Default)]
struct Routes {
    by_session: HashMap<String, mpsc::UnboundedSender<Event>>,
}

/// A connection to one browser. Cheap to share (`Arc` inside).
#[derive(Clone)]
pub struct Cdp {
    out: mpsc::UnboundedSender<String>,
    pending: Arc<Mutex<Pending>>,
    routes: Arc<Mutex<Routes>>,
    next_id: Arc<AtomicU64>,
    /// Set by the reader when the socket closes: the browser is gone, and every later
    /// call fails at once instead of at its timeout.
    closed: Arc<std::sync::atomic::AtomicBool>,
}

/// How long one command may take. Chromium answers in milliseconds; a command that takes
/// this long means the browser (or a hung renderer behind it) will not answer at all.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

impl Cdp {
    /// Connect to the browser's DevTools WebSocket and start the reader and writer tasks.
    pub async fn connect(ws_url: &str) -> Result<Cdp, String> {
        let (ws, _) = tokio_tungstenite::connect_async(ws_url)
            .await
            .map_err(|e| format!("cannot connect to Chromium's DevTools socket {ws_url}: {e}"))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        let pending: Arc<Mutex<Pending>> = Arc::default();
        let routes: Arc<Mutex<Routes>> = Arc::default();
        tokio::spawn(async move {
            while let Some(text) = out_rx.recv().await {
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
            }
        });
        let (p, r) = (pending.clone(), routes.clone());
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let gone = closed.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(text) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                dispatch(v, &p, &r);
            }
            // The browser is gone: fail every call still waiting, and close every route so
            // each visit ends now instead of at its deadline.
            gone.store(true, Ordering::SeqCst);
            p.lock().unwrap_or_else(|e| e.into_inner()).clear();
            r.lock().unwrap_or_else(|e| e.into_inner()).by_session.clear();
        });
        Ok(Cdp { out, pending, routes, next_id: Arc::new(AtomicU64::new(1)), closed })
    }

    /// Send a command and wait for its result.
    pub async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Result<Value, String> {
        self.call_with(session, method, params, CALL_TIMEOUT).await
    }

    /// [`Cdp::call`] with its own time limit (a navigation may take as long as the page).
    pub async fn call_with(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s.to_owned());
        }
        if self.is_closed() {
            return Err("the browser has exited".into());
        }
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).insert(id, tx);
        if self.out.send(msg.to_string()).is_err() {
            self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            return Err("the browser has exited".into());
        }
        match tokio::time::timeout(limit, rx).await {
            Ok(Ok(result)) => result.map_err(|e| format!("{method}: {e}")),
            Ok(Err(_)) => Err("the browser has exited".into()),
            Err(_) => {
                self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                Err(format!("{method}: no answer from the browser in {} s", limit.as_secs()))
            }
        }
    }

    /// Send a command without waiting for its answer (used where a reply changes nothing,
    /// such as resuming a paused request, so the event loop never waits on the browser).
    pub fn send(&self, session: Option<&str>, method: &str, params: Value) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s.to_owned());
        }
        let _ = self.out.send(msg.to_string());
    }

    /// Deliver this session's events (and those of every target it auto-attaches) to `tx`.
    pub fn route(&self, session: &str, tx: mpsc::UnboundedSender<Event>) {
        self.routes.lock().unwrap_or_else(|e| e.into_inner()).by_session.insert(session.to_owned(), tx);
    }

    /// Stop routing every session that delivers to `tx` (the visit is over), including
    /// children attached after the visit last looked.
    pub fn unroute(&self, tx: &mpsc::UnboundedSender<Event>) {
        self.routes.lock().unwrap_or_else(|e| e.into_inner()).by_session.retain(|_, t| !t.same_channel(tx));
    }

    /// The browser's socket closed (it exited or crashed).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

fn dispatch(v: Value, pending: &Mutex<Pending>, routes: &Mutex<Routes>) {
    if let Some(id) = v.get("id").and_then(Value::as_u64) {
        let waiter = pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        if let Some(tx) = waiter {
            let result = match v.get("error") {
                Some(e) => Err(e.get("message").and_then(Value::as_str).unwrap_or("error").to_owned()),
                None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
            };
            let _ = tx.send(result);
        }
        return;
    }
    let Some(method) = v.get("method").and_then(Value::as_str) else { return };
    let session = v.get("sessionId").and_then(Value::as_str).map(str::to_owned);
    let params = v.get("params").cloned().unwrap_or(Value::Null);
    let mut routes = routes.lock().unwrap_or_else(|e| e.into_inner());
    let Some(parent) = session.as_ref().and_then(|s| routes.by_session.get(s)).cloned() else { return };
    if method == "Target.attachedToTarget" {
        if let Some(child) = params.get("sessionId").and_then(Value::as_str) {
            routes.by_session.insert(child.to_owned(), parent.clone());
        }
    }
    let _ = parent.send(Event { method: method.to_owned(), params, session });
}
