//! Answering the consent banner (`--consent reject|accept`) and the Global Privacy Control
//! signal (`--gpc`).
//!
//! Enters: the page's CDP session, once the page has loaded. Leaves: a [`ConsentAnswer`]
//! (which consent manager was found, how it was answered, whether the choice took).
//!
//! The answer is given as a visitor gives it, through what the consent manager documents:
//! its JavaScript API where it has one (OneTrust `RejectAll`/`AllowAll`, Cookiebot
//! `submitCustomConsent`/`withdraw`, Didomi `setUserDisagreeToAll`/`setUserAgreeToAll`,
//! Usercentrics `UC_UI.denyAllConsents`/`acceptAllConsents`, Complianz
//! `cmplz_deny_all`/`cmplz_accept_all`, Shopify's `customerPrivacy.setTrackingConsent`), else
//! a click on its own button (by the element id or class it documents: CookieYes, iubenda,
//! TrustArc too), else on any visible button whose text reads
//! "reject all", "only necessary", "alle ablehnen", "tout refuser", ... (or "accept all" and
//! its translations). The choice is then read back from the manager (OneTrust's active
//! groups, `Cookiebot.consent`, Didomi's user status, Usercentrics' services, `getCkyConsent`,
//! `cmplz_has_consent`, `_iub.cs.api`, `currentVisitorConsent`) or from the IAB TCF v2
//! `__tcfapi('getTCData')` purposes, which any TCF CMP answers (Quantcast Choice among them).
//!
//! Two steps, so the visit knows when the choice was made: `find` (look for a banner, for
//! up to a given wait; the visit looks with no wait every 100 ms instead, so it can stop
//! looking as soon as the page is quiet without one) and `apply`. Every request recorded after `find` returned is marked `after_choice`: at worst
//! one protocol round trip early, never late, so nothing sent after the choice passes for
//! sent before it. A button is clicked with the mouse (`Input.dispatchMouseEvent`: a trusted
//! event, which a banner that checks `isTrusted` accepts), then a `confirm` step reads the
//! choice back. Not covered: banners inside iframes (Sourcepoint, TrustArc's newer ones).

use super::cdp::Cdp;
use crate::model::{ConsentAnswer, ConsentState};
use serde_json::{Value, json};
use std::time::Duration;

const SCRIPT: &str = include_str!("consent.js");

/// Runs before the page's own scripts in every frame with `--gpc`: the DOM side of the
/// Global Privacy Control signal (the header side is `Sec-GPC: 1` on every request).
pub const GPC_HOOK: &str = r#"(() => {
  try {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true, enumerable: true });
  } catch (e) {}
})();"#;

/// The expression that runs one step of [`SCRIPT`] in the page.
fn expression(mode: &str, choice: ConsentState, wait: Duration, found: Option<&str>) -> String {
    format!("({SCRIPT})({}, {}, {}, {})", json!(mode), json!(choice.as_str()), wait.as_millis(), json!(found))
}

/// Ask the page (main world: the consent manager's objects live there) to run one step;
/// the value it returns, or why there is none.
pub async fn step(
    cdp: &Cdp,
    session: &str,
    mode: &str,
    choice: ConsentState,
    wait: Duration,
    found: Option<String>,
    limit: Duration,
) -> Result<Value, String> {
    let params = json!({
        "expression": expression(mode, choice, wait, found.as_deref()),
        "awaitPromise": true,
        "returnByValue": true,
        "userGesture": true,
    });
    let deadline = tokio::time::Instant::now() + limit;
    let v = evaluate(cdp, session, params, limit).await?;
    // The step chose a button: click it as a visitor does, with the mouse (a trusted event a
    // banner that checks `isTrusted` accepts), then let the page say whether the choice took.
    let (Some(x), Some(y)) = (v["click"]["x"].as_f64(), v["click"]["y"].as_f64()) else { return Ok(v) };
    let left = || deadline.saturating_duration_since(tokio::time::Instant::now());
    for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
        let ev = json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 });
        cdp.call_with(Some(session), "Input.dispatchMouseEvent", ev, left()).await?;
    }
    let params = json!({
        "expression": expression("confirm", choice, Duration::ZERO, found.as_deref()),
        "awaitPromise": true,
        "returnByValue": true,
    });
    evaluate(cdp, session, params, left()).await
}

async fn evaluate(cdp: &Cdp, session: &str, params: Value, limit: Duration) -> Result<Value, String> {
    let v = cdp.call_with(Some(session), "Runtime.evaluate", params, limit).await?;
    if let Some(e) = v.get("exceptionDetails") {
        let text = e["exception"]["description"].as_str().or(e["text"].as_str()).unwrap_or("an exception");
        return Err(format!("the page's script environment refused the consent step: {}", first_line(text)));
    }
    Ok(v["result"]["value"].clone())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(120).collect()
}

/// The CMP a `find` step named, if any.
pub fn found(v: &Value) -> Option<String> {
    v["cmp"].as_str().filter(|c| KNOWN.contains(c)).map(str::to_owned)
}

/// The names a step may return (anything else from a page that tampered with it is dropped).
const KNOWN: &[&str] = &[
    "onetrust",
    "cookiebot",
    "didomi",
    "usercentrics",
    "cookieyes",
    "complianz",
    "iubenda",
    "shopify",
    "trustarc",
    "quantcast",
    "tcf",
    "generic",
];

/// An `apply` step's result as the visit records it. The page cannot make the detail long
/// or odd: it is cut and cleaned like a dialog's text.
pub fn answer(v: &Value, clean: impl Fn(&str) -> String) -> ConsentAnswer {
    ConsentAnswer {
        cmp: found(v),
        method: v["method"].as_str().filter(|m| matches!(*m, "api" | "button")).map(str::to_owned),
        applied: v["applied"].as_bool().unwrap_or(false),
        confirmed: v["confirmed"].as_bool(),
        detail: v["detail"].as_str().map(clean).filter(|d| !d.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_answer_keeps_only_known_values() {
        let v = json!({ "cmp": "evil<script>", "method": "magic", "applied": true, "confirmed": "yes", "detail": 3 });
        let a = answer(&v, |s| s.to_owned());
        assert_eq!(a, ConsentAnswer { applied: true, ..ConsentAnswer::default() });
        let ok = json!({ "cmp": "onetrust", "method": "api", "applied": true, "confirmed": true, "detail": "x" });
        let a = answer(&ok, |s| s.to_uppercase());
        assert_eq!(
            (a.cmp.as_deref(), a.method.as_deref(), a.confirmed, a.detail.as_deref()),
            (Some("onetrust"), Some("api"), Some(true), Some("X"))
        );
    }

    #[test]
    fn the_expression_passes_its_arguments_as_json() {
        let e = expression("apply", ConsentState::Reject, Duration::from_millis(1500), Some("cookiebot"));
        assert!(e.ends_with(r#")("apply", "reject", 1500, "cookiebot")"#), "{}", &e[e.len() - 60..]);
        assert!(
            expression("find", ConsentState::Accept, Duration::ZERO, None).ends_with(r#"("find", "accept", 0, null)"#)
        );
    }
}
