//! Journeys (`--journey FILE|PRESET`): a customer's path through the store, in one browser
//! session, so the cart persists and the checkout is reached with something in it.
//!
//! Enters: a [`Journey`] (read from a small TOML file, or one of the presets for Shopify,
//! WooCommerce, Magento/Adobe Commerce and a generic storefront) and the store's start URL.
//! Leaves: one [`Visit`] per page the journey went through, in order, each with the URL it
//! ended up on: plain data, merged into the report like any other visit (the pages it
//! reaches that the crawl did not find are added).
//!
//! The steps are `goto` (a path or URL of the store), `click` (a CSS selector, or
//! `click-text`: a visible button or link by its text), `type` (a selector and a `text`),
//! `select` (a selector and a `value`) and `wait-for` (a selector). A step may list several
//! alternatives (`any = [...]`): the first that matches is used. Clicks are real mouse
//! events at the element's centre; a click that loads another page ends that page's visit
//! and the journey goes on on the new one. A journey never pays: it refuses, at parse time
//! and again before each click, anything that reads "place order", "pay now", "complete
//! order", "buy now", "submit order" or "confirm and pay", and it submits no form itself.

use super::cdp::Cdp;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// What a step acts on: a CSS selector or a visible text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Selector(String),
    Text(String),
}

/// One step of a journey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Load a page of the store (a path, or a URL on the store's origin).
    Goto(String),
    /// Click the first of these that is on the page and visible.
    Click(Vec<Target>),
    Type {
        target: Vec<Target>,
        text: String,
    },
    Select {
        target: Vec<Target>,
        value: String,
    },
    WaitFor(Vec<Target>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journey {
    pub name: String,
    pub steps: Vec<Step>,
}

/// The presets `--journey` accepts by name.
pub const PRESETS: &[&str] = &["generic", "shopify", "woocommerce", "magento"];

/// Words of a button that would pay or place an order: a journey never clicks one.
const PAYS: &[&str] =
    &["place order", "pay now", "complete order", "buy now", "submit order", "confirm and pay", "complete purchase"];

/// Does this text read like a pay or place-order button?
pub fn pays(text: &str) -> bool {
    let t = text.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    PAYS.iter().any(|p| t.contains(p))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJourney {
    name: Option<String>,
    #[serde(default)]
    step: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStep {
    goto: Option<String>,
    click: Option<String>,
    click_text: Option<String>,
    #[serde(rename = "type")]
    type_into: Option<String>,
    text: Option<String>,
    select: Option<String>,
    value: Option<String>,
    wait_for: Option<String>,
    /// Alternatives for a click: selectors, or `text:Add to cart`.
    any: Option<Vec<String>>,
}

fn target_of(s: &str) -> Target {
    match s.strip_prefix("text:") {
        Some(t) => Target::Text(t.trim().to_owned()),
        None => Target::Selector(s.to_owned()),
    }
}

/// Read a journey file's text; the error names the step and what is wrong.
pub fn parse(text: &str, name: &str) -> Result<Journey, String> {
    let raw: RawJourney = toml::from_str(text).map_err(|e| format!("{name}: {}", e.message().trim()))?;
    let mut steps = Vec::new();
    for (i, s) in raw.step.iter().enumerate() {
        let at = format!("{name}: step {}", i + 1);
        let mut targets: Vec<Target> = s.any.iter().flatten().map(|t| target_of(t)).collect();
        let kinds = [
            s.goto.is_some(),
            s.click.is_some()
                || s.click_text.is_some()
                || (s.any.is_some() && s.type_into.is_none() && s.select.is_none() && s.wait_for.is_none()),
            s.type_into.is_some(),
            s.select.is_some(),
            s.wait_for.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(format!("{at}: give exactly one of goto, click (or click-text, any), type, select, wait-for"));
        }
        let step = if let Some(g) = &s.goto {
            Step::Goto(g.clone())
        } else if let Some(sel) = &s.type_into {
            let text = s.text.clone().ok_or(format!("{at}: type needs text = \"...\""))?;
            targets.insert(0, target_of(sel));
            Step::Type { target: targets, text }
        } else if let Some(sel) = &s.select {
            let value = s.value.clone().ok_or(format!("{at}: select needs value = \"...\""))?;
            targets.insert(0, target_of(sel));
            Step::Select { target: targets, value }
        } else if let Some(sel) = &s.wait_for {
            targets.insert(0, target_of(sel));
            Step::WaitFor(targets)
        } else {
            if let Some(c) = &s.click {
                targets.insert(0, target_of(c));
            }
            if let Some(t) = &s.click_text {
                targets.insert(0, Target::Text(t.clone()));
            }
            if let Some(Target::Text(t)) = targets.iter().find(|t| matches!(t, Target::Text(x) if pays(x))) {
                return Err(format!(
                    "{at}: click-text \"{t}\" would pay or place an order; a journey stops before that"
                ));
            }
            Step::Click(targets)
        };
        steps.push(step);
    }
    if steps.is_empty() {
        return Err(format!("{name}: no [[step]]"));
    }
    if !matches!(steps[0], Step::Goto(_)) {
        steps.insert(0, Step::Goto("/".into()));
    }
    Ok(Journey { name: raw.name.unwrap_or_else(|| name.to_owned()), steps })
}

/// A preset by name: the common path product → add to cart → cart → checkout's first step.
pub fn preset(name: &str) -> Option<Journey> {
    let text = match name {
        "shopify" => {
            r##"name = "shopify"
[[step]]
goto = "/collections/all"
[[step]]
any = ["a[href*='/products/']"]
[[step]]
any = ["form[action*='/cart/add'] button[type=submit]", "button[name=add]", "text:Add to cart"]
[[step]]
goto = "/cart"
[[step]]
any = ["button[name=checkout]", "input[name=checkout]", "a[href*='/checkout']", "text:Check out"]
"##
        }
        "woocommerce" => {
            r##"name = "woocommerce"
[[step]]
goto = "/shop/"
[[step]]
any = ["a.woocommerce-LoopProduct-link", "a[href*='/product/']"]
[[step]]
any = ["button.single_add_to_cart_button", "button[name=add-to-cart]", "text:Add to cart"]
[[step]]
goto = "/cart/"
[[step]]
any = ["a.checkout-button", "a[href*='/checkout']", "text:Proceed to checkout"]
"##
        }
        "magento" => {
            r##"name = "magento"
[[step]]
goto = "/"
[[step]]
any = ["a.product-item-link", "a.product-item-photo"]
[[step]]
any = ["#product-addtocart-button", "button.tocart", "text:Add to Cart"]
[[step]]
goto = "/checkout/cart/"
[[step]]
any = ["[data-role=proceed-to-checkout]", "button.checkout", "text:Proceed to Checkout"]
"##
        }
        "generic" => {
            r##"name = "generic"
[[step]]
goto = "/"
[[step]]
any = ["a[href*='products/']", "a[href*='product/']", "a.product-item-link", "a.woocommerce-LoopProduct-link", "a[href*='/p/']"]
[[step]]
any = ["button[name=add]", "button.single_add_to_cart_button", "#product-addtocart-button", "button[name=add-to-cart]", "text:Add to cart", "text:Add to bag", "text:Add to basket"]
[[step]]
any = ["a[href$='/cart']", "a[href$='/cart/']", "a[href*='/basket']", "a[href*='/checkout/cart']", "text:Cart", "text:View cart"]
[[step]]
any = ["button[name=checkout]", "a.checkout-button", "[data-role=proceed-to-checkout]", "a[href*='/checkout']", "text:Check out", "text:Checkout", "text:Proceed to checkout"]
"##
        }
        _ => return None,
    };
    Some(parse(text, name).expect("the presets are valid journeys"))
}

/// The script that finds a step's element (in an isolated world), scrolls it into view and
/// says where it is and what it reads. Called as (targets): each `{sel}` or `{text}`.
const FIND: &str = r#"(targets) => {
  const shown = (el) => { const r = el.getBoundingClientRect(); const st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none'; };
  for (const t of targets) {
    let el = null;
    try {
      if (t.sel) el = Array.from(document.querySelectorAll(t.sel)).find(shown);
      else el = Array.from(document.querySelectorAll('button,a,input[type=submit],input[type=button],[role=button]'))
        .find((e) => shown(e) && (e.innerText || e.value || '').trim().toLowerCase().includes(t.text.toLowerCase()));
    } catch (e) {}
    if (!el) continue;
    el.scrollIntoView({ block: 'center' });
    globalThis.__vsTarget = el;
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    // Something drawn over it (a sticky header, an overlay) would take a mouse click.
    const top = document.elementFromPoint(x, y);
    return { x, y, covered: !(top && (top === el || el.contains(top))),
             text: ((el.innerText || el.value || el.getAttribute('aria-label') || '') + '').trim().slice(0, 80) };
  }
  return null;
}"#;

/// Run one page's actions, in order, from `from`; `done` counts those completed (a click
/// that loads another page may end the visit before this returns).
pub async fn act(
    cdp: &Cdp,
    session: &str,
    frame: String,
    actions: &[Step],
    done: &std::sync::atomic::AtomicUsize,
    limit: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    let left = || deadline.saturating_duration_since(Instant::now());
    let world = cdp
        .call_with(
            Some(session),
            "Page.createIsolatedWorld",
            json!({ "frameId": frame, "worldName": "vendorscan-journey" }),
            left(),
        )
        .await?;
    let ctx = world["executionContextId"].as_i64().ok_or("no isolated world for the journey")?;
    let eval = |expr: String| {
        let params = json!({ "expression": expr, "contextId": ctx, "returnByValue": true, "awaitPromise": true });
        async move {
            let v = cdp.call_with(Some(session), "Runtime.evaluate", params, left()).await?;
            Ok::<Value, String>(v["result"]["value"].clone())
        }
    };
    let find = |targets: &[Target]| {
        let list: Vec<Value> = targets
            .iter()
            .map(|t| match t {
                Target::Selector(s) => json!({ "sel": s }),
                Target::Text(t) => json!({ "text": t }),
            })
            .collect();
        eval(format!("({FIND})({})", Value::Array(list)))
    };
    for step in actions {
        match step {
            Step::Goto(_) => break,
            Step::Click(targets) => {
                let at = find(targets).await?;
                if at.is_null() {
                    return Err(format!("nothing to click: {}", describe(targets)));
                }
                let text = at["text"].as_str().unwrap_or("");
                if pays(text) {
                    return Err(format!("refused to click \"{text}\": it would pay or place an order"));
                }
                let (x, y) = (at["x"].as_f64().unwrap_or(0.0), at["y"].as_f64().unwrap_or(0.0));
                if at["covered"].as_bool() == Some(true) {
                    // Covered at its centre: the element's own click, not the overlay's.
                    eval("globalThis.__vsTarget.click()".into()).await?;
                } else {
                    for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
                        let ev = json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 });
                        cdp.call_with(Some(session), "Input.dispatchMouseEvent", ev, left()).await?;
                    }
                }
            }
            Step::Type { target, text } => {
                if find(target).await?.is_null() {
                    return Err(format!("nothing to type into: {}", describe(target)));
                }
                eval("globalThis.__vsTarget.focus()".into()).await?;
                cdp.call_with(Some(session), "Input.insertText", json!({ "text": text }), left()).await?;
                eval("globalThis.__vsTarget.blur()".into()).await?;
            }
            Step::Select { target, value } => {
                if find(target).await?.is_null() {
                    return Err(format!("nothing to select in: {}", describe(target)));
                }
                eval(format!(
                    "(() => {{ const el = globalThis.__vsTarget; el.value = {}; \
                     el.dispatchEvent(new Event('input', {{ bubbles: true }})); \
                     el.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()",
                    json!(value)
                ))
                .await?;
            }
            Step::WaitFor(targets) => {
                let until = Instant::now() + WAIT_FOR.min(left());
                while find(targets).await?.is_null() {
                    if Instant::now() >= until {
                        return Err(format!("waited {} s for {}", WAIT_FOR.as_secs(), describe(targets)));
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // What the step set off (an add-to-cart request, a navigation) gets a moment.
        tokio::time::sleep(AFTER_ACTION.min(left())).await;
    }
    Ok(())
}

/// How long a `wait-for` step waits.
const WAIT_FOR: Duration = Duration::from_secs(10);
/// The pause after each action.
const AFTER_ACTION: Duration = Duration::from_millis(700);

fn describe(targets: &[Target]) -> String {
    let words: Vec<String> = targets
        .iter()
        .map(|t| match t {
            Target::Selector(s) => s.clone(),
            Target::Text(t) => format!("text \"{t}\""),
        })
        .collect();
    words.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journey_file_reads_its_steps_and_refuses_to_pay() {
        let j = parse(
            "name = \"to checkout\"\n[[step]]\ngoto = \"/products/mug\"\n[[step]]\nclick = \"button[name=add]\"\n\
             [[step]]\nclick-text = \"Check out\"\n[[step]]\ntype = \"#email\"\ntext = \"qa@example.com\"\n\
             [[step]]\nwait-for = \"#payment\"\n",
            "j.toml",
        )
        .unwrap();
        assert_eq!(j.name, "to checkout");
        assert_eq!(j.steps.len(), 5);
        assert_eq!(j.steps[0], Step::Goto("/products/mug".into()));
        assert_eq!(j.steps[2], Step::Click(vec![Target::Text("Check out".into())]));
        let e = parse("[[step]]\nclick-text = \"Place order\"\n", "j.toml").unwrap_err();
        assert!(e.contains("would pay or place an order"), "{e}");
        assert!(parse("[[step]]\ngoto = \"/\"\nclick = \"a\"\n", "j.toml").unwrap_err().contains("exactly one"));
        assert!(parse("[[step]]\ntype = \"#e\"\n", "j.toml").unwrap_err().contains("needs text"));
        assert!(parse("[[step]]\nteleport = \"/\"\n", "j.toml").unwrap_err().contains("unknown field"));
        assert!(pays("  Pay   NOW ") && !pays("Add to cart"));
    }

    #[test]
    fn every_preset_parses_and_starts_with_a_page() {
        for p in PRESETS {
            let j = preset(p).expect(p);
            assert!(matches!(j.steps[0], Step::Goto(_)), "{p}");
            assert!(j.steps.len() >= 4, "{p}");
        }
        assert!(preset("nope").is_none());
    }
}
