//! Scrolling the page to its end, as a reader does, so what loads or fires on scroll is seen.
//!
//! Enters: the page's CDP session and main frame, once the page has loaded (and the consent
//! banner and the form fields were dealt with). Leaves: how many scroll steps were taken.
//! The scrolling runs in an isolated world (the page cannot see or stop the script), by about
//! a screen at a time with a pause between steps, so lazy images, infinite lists and tags
//! that fire on scroll depth or visibility run; it stops at the end of the page, when a step
//! moves nothing, or after [`MAX_STEPS`] (an endless feed has no end).

use super::cdp::Cdp;
use serde_json::json;
use std::time::Duration;

/// Screens scrolled at most: a long product list is a dozen, an endless feed never ends.
pub const MAX_STEPS: u32 = 12;
/// The pause after each step: what the step set off (a lazy image, a scroll-depth beacon)
/// is requested within it.
const PAUSE_MS: u64 = 200;

const SCRIPT: &str = r#"async (maxSteps, pauseMs) => {
  const el = document.scrollingElement || document.documentElement;
  if (!el) return 0;
  let steps = 0;
  while (steps < maxSteps) {
    const before = el.scrollTop;
    if (Math.ceil(window.innerHeight + before) >= el.scrollHeight) break;
    window.scrollBy(0, Math.max(200, Math.floor(window.innerHeight * 0.8)));
    steps++;
    await new Promise((r) => setTimeout(r, pauseMs));
    if (el.scrollTop === before) break;
  }
  return steps;
}"#;

/// Scroll the page to its end; the steps taken, or why it could not.
pub async fn scroll_page(cdp: &Cdp, session: &str, frame: String, limit: Duration) -> Result<u32, String> {
    let world = cdp
        .call_with(
            Some(session),
            "Page.createIsolatedWorld",
            json!({ "frameId": frame, "worldName": "vendorscan-scroll" }),
            limit,
        )
        .await?;
    let ctx = world["executionContextId"].as_i64().ok_or("the page gave no isolated world to scroll from")?;
    let params = json!({
        "expression": format!("({SCRIPT})({MAX_STEPS}, {PAUSE_MS})"),
        "contextId": ctx,
        "awaitPromise": true,
        "returnByValue": true,
    });
    let v = cdp.call_with(Some(session), "Runtime.evaluate", params, limit).await?;
    if v.get("exceptionDetails").is_some() {
        return Err("the page could not be scrolled".into());
    }
    Ok(v["result"]["value"].as_u64().unwrap_or(0).min(u64::from(MAX_STEPS)) as u32)
}

/// How long scrolling may take at most: every step and its pause, and a margin.
pub fn limit() -> Duration {
    Duration::from_millis(u64::from(MAX_STEPS) * (PAUSE_MS + 100) + 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_a_function_of_steps_and_pause() {
        let e = format!("({SCRIPT})({MAX_STEPS}, {PAUSE_MS})");
        assert!(e.starts_with("(async (maxSteps, pauseMs) =>") && e.ends_with(")(12, 200)"), "{e}");
        assert!(limit() >= Duration::from_millis(u64::from(MAX_STEPS) * PAUSE_MS));
    }
}
