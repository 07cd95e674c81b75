//! Journeys (issue #20): a customer's path in one browser session, product → add to cart →
//! cart → checkout, on stand-in Shopify-like and WooCommerce-like stores whose checkout is
//! reached only that way (no link to it in any page the crawl reads). Real Chromium on
//! loopback only (`--resolve`, `--offline`).

use crate::browser::{chromium, html, js};
use crate::common::*;
use std::collections::HashMap;

/// A checkout page as a payment provider's would be: card fields, and a third-party script.
const CHECKOUT: &str = r#"<!doctype html><title>Checkout</title><h1>Checkout</h1>
<form><input type="email" name="email" autocomplete="email">
<input name="cardnumber" autocomplete="cc-number"><input name="cvc" autocomplete="cc-csc">
<button type="button">Pay now</button></form>
<script src="http://static.klaviyo.com:{{PORT}}/checkout-tracker.js"></script>"#;

fn with_cart(location: &str) -> Response {
    let mut r = Response::redirect(302, location);
    r.headers.push(("Set-Cookie".into(), "cart=c1; Path=/".into()));
    r
}

fn shopify_like() -> Server {
    let mut r = HashMap::new();
    r.insert("/".into(), html(r#"<!doctype html><title>Shop</title><a href="/collections/all">Shop all</a>"#));
    r.insert(
        "/collections/all".into(),
        html(r#"<!doctype html><title>All</title><a href="/products/mug">Mug</a><a href="/cart">Cart</a>"#),
    );
    r.insert(
        "/products/mug".into(),
        html(
            r#"<!doctype html><title>Mug</title><form action="/cart/add" method="post">
<input type="hidden" name="id" value="1"><button type="submit" name="add">Add to cart</button></form>"#,
        ),
    );
    r.insert("/cart/add".into(), with_cart("/cart"));
    r.insert(
        "/cart".into(),
        html(
            r#"<!doctype html><title>Cart</title><form action="/cart/go" method="post">
<button type="submit" name="checkout">Check out</button></form>"#,
        ),
    );
    r.insert("/cart/go".into(), Response::redirect(302, "/checkouts/c1"));
    r.insert("/checkouts/c1".into(), html(CHECKOUT));
    r.insert("/checkout-tracker.js".into(), js("window.tracked = true;"));
    Server::start(r)
}

fn woocommerce_like() -> Server {
    let mut r = HashMap::new();
    r.insert("/".into(), html(r#"<!doctype html><title>Shop</title><a href="/shop/">Shop</a>"#));
    r.insert(
        "/shop/".into(),
        html(
            r#"<!doctype html><title>Shop</title><a class="woocommerce-LoopProduct-link" href="/product/mug/">Mug</a>"#,
        ),
    );
    r.insert(
        "/product/mug/".into(),
        html(
            r#"<!doctype html><title>Mug</title><form class="cart" action="/product/mug/?add-to-cart=1" method="post">
<button type="submit" class="single_add_to_cart_button button">Add to cart</button></form>"#,
        ),
    );
    r.insert("/product/mug/?add-to-cart=1".into(), with_cart("/cart/"));
    r.insert(
        "/cart/".into(),
        html(
            r#"<!doctype html><title>Cart</title><script>
document.write('<a class="checkout-button button alt" href="/che' + 'ckout/">Proceed to checkout</a>');</script>"#,
        ),
    );
    r.insert("/checkout/".into(), html(CHECKOUT));
    r.insert("/checkout-tracker.js".into(), js("window.tracked = true;"));
    Server::start(r)
}

fn scan(server: &Server, journey: &str) -> (Option<i32>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("vendorscan.toml");
    // A policy, so payment pages are checked: nothing approved, scripts need SRI there.
    std::fs::write(&policy, "unknown = \"allow\"\n").unwrap();
    let mut a: Vec<String> = vec![
        "scan".into(),
        "-f".into(),
        "json".into(),
        "--quiet".into(),
        format!("{}/", server.origin()),
        "--offline".into(),
        "--browser".into(),
        "--settle".into(),
        "500".into(),
        "--no-type".into(),
        "--journey".into(),
        journey.into(),
        "--policy".into(),
        policy.display().to_string(),
    ];
    a.extend(server.resolve_args(&["shop.test", "static.klaviyo.com"]));
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = vendorscan(&refs);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let errors = report_schema_errors(&report);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    (out.status.code(), report)
}

/// The journey reached the checkout: its page is in the report, a payment page, its
/// third-party script on it (without SRI: `missing-integrity`), and the crawl alone never
/// saw it.
fn assert_reached_checkout(server: &Server, report: &serde_json::Value, checkout: &str, name: &str) {
    let url = format!("{}{checkout}", server.origin());
    let pages = report["pages"].as_array().unwrap();
    let page = pages.iter().find(|p| p["url"] == url.as_str()).unwrap_or_else(|| {
        panic!("{url} not in the report: {:?}", pages.iter().map(|p| p["url"].clone()).collect::<Vec<_>>())
    });
    assert_eq!(page["payment_page"], true, "{page:#}");
    let j = &page["visit"]["journey"];
    assert_eq!((j["name"].as_str(), j["card_fields"].as_bool()), (Some(name), Some(true)), "{page:#}");
    let on_checkout: Vec<String> = resource_rows(report)
        .into_iter()
        .filter(|r| r["page"] == url.as_str())
        .map(|r| r["url"].as_str().unwrap().to_owned())
        .collect();
    assert!(on_checkout.iter().any(|u| u.contains("/checkout-tracker.js")), "{on_checkout:?}");
    let integrity: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "missing-integrity").collect();
    assert!(
        integrity.iter().any(|f| f["locations"].as_array().unwrap().iter().any(|l| l["page"] == url.as_str())),
        "{:#}",
        report["findings"]
    );
    // Add to cart went through: the server handed out the cart cookie, and the checkout
    // was asked for with it.
    let seen = server.seen();
    let asked = seen.iter().find(|s| s.path == checkout).expect("the checkout was requested");
    assert!(asked.headers.iter().any(|(k, v)| k == "cookie" && v.contains("cart=c1")), "{:?}", asked.headers);
    // Nothing was paid: the "Pay now" button was never clicked (it submits nothing anyway),
    // and the journey stopped on the checkout.
    assert!(j.get("error").is_none() || !j["error"].as_str().unwrap().contains("refused"), "{j:#}");
}

#[test]
fn the_shopify_preset_reaches_the_checkout_with_a_cart() {
    let Some(_one) = chromium() else { return };
    let server = shopify_like();
    let (code, report) = scan(&server, "shopify");
    assert_eq!(code, Some(1), "missing-integrity on the payment page fails the gate");
    assert_reached_checkout(&server, &report, "/checkouts/c1", "shopify");
    // Each page of the path is in the report with its place in the journey.
    let journey_pages: Vec<u64> =
        report["pages"].as_array().unwrap().iter().filter_map(|p| p["visit"]["journey"]["page"].as_u64()).collect();
    assert!(journey_pages.len() >= 3, "{journey_pages:?}");
}

#[test]
fn the_woocommerce_preset_reaches_the_checkout_with_a_cart() {
    let Some(_one) = chromium() else { return };
    let server = woocommerce_like();
    let (_, report) = scan(&server, "woocommerce");
    assert_reached_checkout(&server, &report, "/checkout/", "woocommerce");
}

#[test]
fn a_journey_that_would_pay_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pay.toml");
    std::fs::write(&file, "[[step]]\ngoto = \"/checkout\"\n[[step]]\nclick-text = \"Place order\"\n").unwrap();
    let out = vendorscan(&["scan", "http://127.0.0.1:9/", "--browser", "--journey", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("would pay or place an order") && err.contains("help:"), "{err}");
    let out = vendorscan(&["scan", "http://127.0.0.1:9/", "--browser", "--journey", "nonesuch"]);
    assert!(stderr(&out).contains("not a preset") && stderr(&out).contains("shopify"), "{}", stderr(&out));
}
