//! The adaptive settle: when a visit's recording after the load event ends, and why.
//!
//! Enters: what the visit sees happen (each request of the page's sessions starting and
//! ending, each step ending, the page's timers as [`HOOK_JS`] reports them from the page)
//! and the settings: the settle window (`--settle`, after the load or the last step), the
//! quiet spell (`--settle-quiet`) and the maximum (`--settle-max`). Leaves: at each turn of
//! the visit's loop, when to look again ([`Next::Wait`]) or that the recording ends and why
//! ([`Next::End`] with a [`SettleEnd`]).
//!
//! Quiet means: no request in flight, and for the quiet spell none started or ended, no
//! step ended and no timer of the page was due. WebSockets and event streams are not "in
//! flight" (they stay open by design). A timer counts when it is due before the end that
//! applies (the window, or the maximum once past it): a tag a page fires from
//! `setTimeout(fire, 1500)` after load is waited for, as a fixed 3 s window would catch it,
//! while a timer due later would fire after the recording anyway. A page that keeps sending,
//! keeps a request open or re-arms a timer forever is never quiet: it ends at its window,
//! exactly as with a fixed one, and never later (nor past `--page-timeout`).
//!
//! With `--settle-quiet 0` the window is fixed (the behaviour before the adaptive settle):
//! then `--settle-max` waits, past the window, for a second without a new request, as it did.

use crate::model::SettleEnd;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::time::Duration;
use tokio::time::Instant;

/// The page-side half: a function the page hook calls once per frame as `(HOOK_JS)(report)`.
pub const HOOK_JS: &str = include_str!("timers.js");

/// `--settle-quiet`'s default: long enough for what a finished response or a fired timer
/// sets off to be requested (a script runs, a pixel goes out: milliseconds), short against
/// the 3 s window.
pub const DEFAULT_QUIET_MS: u64 = 500;

/// With a fixed window, how long `--settle-max` waits past it for a spell without a new
/// request (at most the window itself, at least 200 ms): what it always did.
const FIXED_EXTENSION_QUIET: Duration = Duration::from_millis(1000);

/// Timer due times kept at most: a page that arms more distinct ones (on a 100 ms grid) is
/// treated as never quiet.
const MAX_TIMERS: usize = 4096;

/// A timer due later than this is of no interest: no visit lasts that long.
const MAX_TIMER_MS: u64 = 3_600_000;

/// The settings, from `--settle`, `--settle-quiet` and `--settle-max`.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub window: Duration,
    /// Zero: the window is fixed.
    pub quiet: Duration,
    /// Past the window while the page still sends, up to this long after the load; at most
    /// `window`: no extension.
    pub max: Duration,
}

/// The instants a decision is taken against.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// The load event.
    pub load: Instant,
    /// The settle window's end (moved on by the steps: `--settle` after the consent answer
    /// or the typing, a second after the last scroll step).
    pub window: Instant,
    /// The page's cap (`--page-timeout`).
    pub hard: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Nothing ends yet: look again then (or at the next event).
    Wait(Instant),
    End(SettleEnd),
}

/// What the visit has seen that tells whether the page is quiet.
#[derive(Debug, Default)]
pub struct Watch {
    /// (session, request id) of the requests started and not yet finished or failed.
    inflight: HashSet<(String, String)>,
    /// The last thing that happened: a request started or ended, a step ended, the load.
    last: Option<Instant>,
    /// When the last request started (a fixed window's extension counts from it).
    last_request: Option<Instant>,
    /// When the page's timers are due, as reported (rounded up to the hook's grid).
    timers: BTreeSet<Instant>,
    /// A frame reported more timers than it may: the page is never quiet.
    flood: bool,
}

impl Watch {
    /// A request went out (`Network.requestWillBeSent`, once per hop).
    pub fn started(&mut self, session: &str, id: &str, cdp_type: &str, now: Instant) {
        self.last = Some(now);
        self.last_request = Some(now);
        // Open by design (a live connection, not a pending answer); a preflight has no end
        // event of its own.
        if !matches!(cdp_type, "EventSource" | "WebSocket" | "Preflight") {
            self.inflight.insert((session.to_owned(), id.to_owned()));
        }
    }

    /// A request finished or failed (`Network.loadingFinished`, `Network.loadingFailed`).
    pub fn ended(&mut self, session: &str, id: &str, now: Instant) {
        if self.inflight.remove(&(session.to_owned(), id.to_owned())) {
            self.last = Some(now);
        }
    }

    /// A session went away (a frame or worker detached): its requests will never say they ended.
    pub fn forget_session(&mut self, session: &str) {
        self.inflight.retain(|(s, _)| s != session);
    }

    /// Something the page may answer with requests of its own: the load, a step's end.
    pub fn activity(&mut self, now: Instant) {
        self.last = Some(now);
    }

    /// A message of the page hook: `{"t":"timer","in":MS}` or `{"t":"timer","flood":true}`.
    pub fn timer(&mut self, msg: &Value, now: Instant) {
        if msg["flood"] == true {
            self.flood = true;
            return;
        }
        let Some(ms) = msg["in"].as_u64().filter(|&ms| ms <= MAX_TIMER_MS) else { return };
        if self.timers.len() >= MAX_TIMERS {
            self.timers = self.timers.split_off(&now);
            if self.timers.len() >= MAX_TIMERS {
                self.flood = true;
                self.timers.clear();
                return;
            }
        }
        self.timers.insert(now + Duration::from_millis(ms));
    }

    /// When the page will have been quiet for `spell`, counting the timers due before
    /// `horizon`; `None` while a request is in flight (or never, after a flood).
    fn quiet_at(&self, horizon: Instant, spell: Duration, since: Instant) -> Option<Instant> {
        if self.flood || !self.inflight.is_empty() {
            return None;
        }
        let timer = self.timers.range(..=horizon).next_back().copied();
        let from = [Some(since), self.last, timer].into_iter().flatten().max().unwrap_or(since);
        Some(from + spell)
    }

    /// Quiet now, counting the timers due before `horizon` (never with a fixed window).
    pub fn is_quiet(&self, s: &Settings, horizon: Instant, since: Instant, now: Instant) -> bool {
        !s.quiet.is_zero() && self.quiet_at(horizon, s.quiet, since).is_some_and(|q| q <= now)
    }
}

/// Whether the recording ends now, once the page has loaded and no step is under way.
pub fn next(s: &Settings, w: &Watch, b: Bounds, now: Instant) -> Next {
    if now >= b.hard {
        return Next::End(SettleEnd::Timeout);
    }
    let max = (s.max > s.window).then(|| b.load + s.max);
    // The end that applies now: the window, then (past it) the maximum.
    let end = if now < b.window {
        b.window
    } else {
        match max {
            Some(m) if now < m => m,
            Some(m) if m > b.window => return Next::End(SettleEnd::Max),
            _ => return Next::End(SettleEnd::Window),
        }
    };
    if !s.quiet.is_zero() {
        return match w.quiet_at(end, s.quiet, b.load) {
            Some(q) if q <= now => Next::End(SettleEnd::Quiet),
            // In flight: the request's end is an event, and the loop looks again then.
            q => Next::Wait(q.unwrap_or(end).min(end).min(b.hard)),
        };
    }
    if now < b.window {
        return Next::Wait(b.window.min(b.hard));
    }
    // A fixed window, extended while requests keep coming.
    let spell = FIXED_EXTENSION_QUIET.min(s.window.max(Duration::from_millis(200)));
    match w.last_request.map(|r| r + spell) {
        Some(q) if q > now => Next::Wait(q.min(end).min(b.hard)),
        Some(q) if q > b.window => Next::End(SettleEnd::Quiet),
        _ => Next::End(SettleEnd::Window),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MS: Duration = Duration::from_millis(1);

    fn settings(window: u64, quiet: u64, max: u64) -> Settings {
        Settings { window: MS * window as u32, quiet: MS * quiet as u32, max: MS * max as u32 }
    }

    fn bounds(t0: Instant, window: u64) -> Bounds {
        Bounds { load: t0, window: t0 + MS * window as u32, hard: t0 + Duration::from_secs(30) }
    }

    #[test]
    fn a_quiet_page_ends_a_quiet_spell_after_its_last_request() {
        let t0 = Instant::now();
        let (s, b) = (settings(3000, 500, 0), bounds(t0, 3000));
        let mut w = Watch::default();
        w.activity(t0);
        w.started("s", "1", "Image", t0 + MS * 100);
        // In flight: wait (for the end event, or the window).
        assert_eq!(next(&s, &w, b, t0 + MS * 900), Next::Wait(b.window));
        w.ended("s", "1", t0 + MS * 200);
        assert_eq!(next(&s, &w, b, t0 + MS * 300), Next::Wait(t0 + MS * 700));
        assert_eq!(next(&s, &w, b, t0 + MS * 700), Next::End(SettleEnd::Quiet));
        // A WebSocket stays open: it holds nothing.
        w.started("s", "ws", "WebSocket", t0 + MS * 800);
        assert_eq!(next(&s, &w, b, t0 + MS * 1300), Next::End(SettleEnd::Quiet));
        // A frame that went away takes its requests with it.
        w.started("child", "2", "Script", t0 + MS * 1400);
        w.forget_session("child");
        assert_eq!(next(&s, &w, b, t0 + MS * 1900), Next::End(SettleEnd::Quiet));
    }

    #[test]
    fn a_timer_due_within_the_window_holds_the_visit_and_one_due_after_it_does_not() {
        let t0 = Instant::now();
        let (s, b) = (settings(3000, 500, 0), bounds(t0, 3000));
        let mut w = Watch::default();
        w.activity(t0);
        w.timer(&json!({ "t": "timer", "in": 1500 }), t0);
        w.timer(&json!({ "t": "timer", "in": 60_000 }), t0);
        assert_eq!(next(&s, &w, b, t0 + MS * 600), Next::Wait(t0 + MS * 2000));
        assert_eq!(next(&s, &w, b, t0 + MS * 2000), Next::End(SettleEnd::Quiet));
        // Garbage from the page is ignored; a flood is never quiet, and ends at the window.
        w.timer(&json!({ "t": "timer", "in": "soon" }), t0);
        w.timer(&json!({ "t": "timer", "in": -5 }), t0);
        assert_eq!(next(&s, &w, b, t0 + MS * 2000), Next::End(SettleEnd::Quiet));
        w.timer(&json!({ "t": "timer", "flood": true }), t0);
        assert_eq!(next(&s, &w, b, t0 + MS * 2500), Next::Wait(b.window));
        assert_eq!(next(&s, &w, b, b.window), Next::End(SettleEnd::Window));
    }

    #[test]
    fn a_page_that_never_goes_quiet_ends_at_the_window_or_the_maximum_never_later() {
        let t0 = Instant::now();
        let b = bounds(t0, 1000);
        let mut w = Watch::default();
        // A request every 100 ms, and a timer re-armed each time.
        let mut t = t0;
        while t < t0 + Duration::from_secs(10) {
            w.started("s", "p", "Fetch", t);
            w.ended("s", "p", t + MS * 10);
            w.timer(&json!({ "in": 100 }), t);
            t += MS * 100;
        }
        let at = |ms: u64| t0 + MS * ms as u32;
        assert_eq!(next(&settings(1000, 500, 0), &w, b, at(999)), Next::Wait(b.window));
        assert_eq!(next(&settings(1000, 500, 0), &w, b, at(1000)), Next::End(SettleEnd::Window));
        assert_eq!(next(&settings(1000, 500, 4000), &w, b, at(1000)), Next::Wait(at(4000)));
        assert_eq!(next(&settings(1000, 500, 4000), &w, b, at(4000)), Next::End(SettleEnd::Max));
        assert_eq!(next(&settings(1000, 0, 4000), &w, b, at(4000)), Next::End(SettleEnd::Max));
        let capped = Bounds { hard: at(2500), ..b };
        assert_eq!(next(&settings(1000, 500, 4000), &w, capped, at(2000)), Next::Wait(at(2500)));
        assert_eq!(next(&settings(1000, 500, 4000), &w, capped, at(2500)), Next::End(SettleEnd::Timeout));
    }

    #[test]
    fn a_fixed_window_waits_it_out_and_its_extension_waits_a_second_after_the_last_request() {
        let t0 = Instant::now();
        let b = bounds(t0, 1000);
        let mut w = Watch::default();
        w.activity(t0);
        let fixed = settings(1000, 0, 0);
        assert_eq!(next(&fixed, &w, b, t0 + MS * 10), Next::Wait(b.window));
        assert_eq!(next(&fixed, &w, b, b.window), Next::End(SettleEnd::Window));
        assert!(!w.is_quiet(&fixed, b.window, t0, t0 + Duration::from_secs(5)));
        let extended = settings(1000, 0, 8000);
        w.started("s", "1", "Image", t0 + MS * 900);
        assert_eq!(next(&extended, &w, b, b.window), Next::Wait(t0 + MS * 1900));
        assert_eq!(next(&extended, &w, b, t0 + MS * 1900), Next::End(SettleEnd::Quiet));
        // Quiet already when the window ended: the window ended it.
        let early = Watch { last_request: Some(t0), ..Watch::default() };
        assert_eq!(next(&extended, &early, b, b.window), Next::End(SettleEnd::Window));
    }
}
