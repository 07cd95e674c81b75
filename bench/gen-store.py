#!/usr/bin/env python3
"""Generate a realistic static online store for the vendorscan crawl benchmark.

    python3 bench/gen-store.py --pages 1000 --out /tmp/store-1000 [--origin http://127.0.0.1:8089]

Writes exactly --pages HTML pages (home, paginated category pages, product pages, cart,
checkout steps, account and content pages) plus robots.txt and a sitemap index with child
sitemaps. Every page is reachable breadth-first from "/" through root-relative links, and
every page is also listed in the sitemaps (absolute URLs under --origin).

Pages average about 87 KB, like real storefront HTML: a head with preconnects, Google Fonts,
critical CSS and a theme settings script; a header with a mega menu; a product grid or a
product page with JSON-LD; a long footer; inline SVG icons; and the third-party tags real
stores carry, varied by page type (Google Tag Manager and GA4, Meta Pixel, TikTok,
Pinterest, Klaviyo, Hotjar, Cookiebot, a reviews widget, YouTube embeds, PayPal, Klarna,
Stripe on checkout, a chat widget, Microsoft Clarity, and one loyalty widget that no vendor
database knows).

Deterministic: a fixed seed, Python 3 standard library only; the same arguments give the
same bytes.
"""

import argparse
import html
import json
import os
import random
import shutil
import sys

SEED = 20261123
PRODUCTS_PER_PAGE = 24

# Account IDs, fixed for the whole store as on a real one.
GTM_ID = "GTM-K7X2QWB"
GA4_ID = "G-8RT4NZ2Q1M"
ADS_ID = "AW-10873245619"
META_ID = "730125884412096"
TIKTOK_ID = "CK3V9J3C77U8L0QH6R20"
PINTEREST_ID = "2613998744213"
KLAVIYO_ID = "XyZ4pQ"
HOTJAR_ID = "3518842"
CLARITY_ID = "k2m8n4xq7z"
COOKIEBOT_ID = "6f1d2a4c-8e3b-4f57-9a21-c0d4e8b7f612"
STRIPE_KEY = "pk_live_51Mbench0000000000000000000000000000000000000000000000000000000000000000"
PAYPAL_CLIENT = "AbEnChMaRk-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ_klmnopq"
YOTPO_KEY = "q8Zt3bL0vN2mR5wX7yC1kD4fG6hJ9sA0eU3iO5pT"

STORE = "Northwind Outfitters"

CATEGORY_NAMES = [
    "Jackets", "Knitwear", "Shirts", "Trousers", "Shoes", "Bags", "Accessories", "Outdoor",
    "Home", "Kitchen", "Coffee", "Tea", "Beauty", "Kids", "Sale", "New In", "Gifts", "Sport",
    "Camping", "Travel",
]
ADJECTIVES = [
    "Classic", "Alpine", "Harbor", "Heritage", "Urban", "Coastal", "Nordic", "Everyday", "Trail",
    "Summit", "Meadow", "Canyon", "Riverside", "Weekend", "Merino", "Organic", "Waxed", "Linen",
]
NOUNS = [
    "Parka", "Overshirt", "Cardigan", "Chinos", "Boots", "Tote", "Beanie", "Scarf", "Mug",
    "Blanket", "Backpack", "Sneakers", "Hoodie", "Tee", "Kettle", "Grinder", "Apron", "Candle",
]
COLOURS = ["Black", "Navy", "Olive", "Sand", "Rust", "Stone", "Forest", "Charcoal", "Oat", "Sky"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
WORDS = (
    "crafted from durable organic cotton with reinforced seams for everyday wear this piece "
    "keeps its shape wash after wash designed in our studio and made by partners we have known "
    "for years relaxed fit that layers easily over a tee or under a coat water resistant finish "
    "recycled trims natural dyes limited run ships in plastic free packaging free returns within "
    "thirty days carbon neutral delivery lifetime repairs responsibly sourced materials soft "
    "brushed interior adjustable hood two hand pockets and one inside pocket for your phone"
).split()

INFO_PAGES = [
    ("pages/about.html", "About us"),
    ("pages/contact.html", "Contact"),
    ("pages/shipping.html", "Shipping"),
    ("pages/returns.html", "Returns"),
    ("pages/privacy.html", "Privacy policy"),
    ("pages/faq.html", "FAQ"),
    ("account/login.html", "Sign in"),
]
CHECKOUT_PAGES = [
    ("checkout/index.html", "Checkout: information"),
    ("checkout/shipping.html", "Checkout: shipping"),
    ("checkout/payment.html", "Checkout: payment"),
]
FIXED_PAGES = 2 + len(INFO_PAGES) + len(CHECKOUT_PAGES)  # home, cart, info, checkout


def slug(text):
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def url_path(path):
    """File path -> the root-relative URL nginx serves it at (index.html -> folder)."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path[: -len("index.html")]
    return "/" + path


# ---------------------------------------------------------------------------------------
# Site plan


class Plan:
    def __init__(self, pages, rng):
        if pages < FIXED_PAGES + 2:
            sys.exit(f"gen-store: --pages must be at least {FIXED_PAGES + 2}")
        n_cat = max(2, min(len(CATEGORY_NAMES), pages // 80))
        # Products P and category pages: P + sum(ceil(p_i / 24)) + FIXED == pages.
        products = pages - FIXED_PAGES - n_cat
        while products + self._cat_pages(products, n_cat) + FIXED_PAGES > pages:
            products -= 1
        self.categories = []  # (name, slug, [product ids])
        per = [products // n_cat + (1 if i < products % n_cat else 0) for i in range(n_cat)]
        pid = 1000
        for i in range(n_cat):
            name = CATEGORY_NAMES[i]
            ids = list(range(pid, pid + per[i]))
            pid += per[i]
            self.categories.append((name, slug(name), ids))
        self.products = {}
        for ci, (_, cslug, ids) in enumerate(self.categories):
            for p in ids:
                title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
                self.products[p] = {
                    "id": p,
                    "cat": ci,
                    "title": title,
                    "colour": rng.choice(COLOURS),
                    "price": rng.randrange(900, 24900) / 100,
                    "slug": f"{slug(title)}-{p}",
                    "rating": round(rng.uniform(3.6, 5.0), 1),
                    "reviews": rng.randrange(0, 480),
                    "video": p % 7 == 3,  # about one product in seven has a video
                }
        # Padding pages so the total is exact even when the product split leaves a gap.
        self.extra = pages - FIXED_PAGES - products - self._cat_pages(products, n_cat)
        self.total = pages

    @staticmethod
    def _cat_pages(products, n_cat):
        per = [products // n_cat + (1 if i < products % n_cat else 0) for i in range(n_cat)]
        return sum(max(1, -(-p // PRODUCTS_PER_PAGE)) for p in per)

    def product_path(self, p):
        return f"products/{self.products[p]['slug']}.html"

    def category_path(self, ci, page=1):
        cslug = self.categories[ci][1]
        return f"collections/{cslug}/index.html" if page == 1 else f"collections/{cslug}/page-{page}.html"

    def category_pages(self, ci):
        return max(1, -(-len(self.categories[ci][2]) // PRODUCTS_PER_PAGE))


# ---------------------------------------------------------------------------------------
# Markup pieces


def lorem(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


SVG_ICONS = {
    "search": "M21.71 20.29 18 16.61A9 9 0 1 0 16.61 18l3.68 3.68a1 1 0 0 0 1.42 0 1 1 0 0 0 0-1.39ZM11 18a7 7 0 1 1 7-7 7 7 0 0 1-7 7Z",
    "cart": "M21 7h-3.18A3 3 0 0 0 15 5h-1V4a2 2 0 0 0-4 0v1H9a3 3 0 0 0-2.82 2H3a1 1 0 0 0-1 1v1a1 1 0 0 0 1 1h.18l1.64 9.84A2 2 0 0 0 6.79 22h10.42a2 2 0 0 0 1.97-1.66L20.82 10H21a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1Z",
    "account": "M12 12a5 5 0 1 0-5-5 5 5 0 0 0 5 5Zm0 2c-3.33 0-10 1.67-10 5v1a1 1 0 0 0 1 1h18a1 1 0 0 0 1-1v-1c0-3.33-6.67-5-10-5Z",
    "heart": "M12 21.35 10.55 20C5.4 15.36 2 12.28 2 8.5A5.42 5.42 0 0 1 7.5 3 6 6 0 0 1 12 5.09 6 6 0 0 1 16.5 3 5.42 5.42 0 0 1 22 8.5c0 3.78-3.4 6.86-8.55 11.54Z",
    "chevron": "M8.59 16.59 13.17 12 8.59 7.41 10 6l6 6-6 6-1.41-1.41Z",
    "star": "M12 17.27 18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21Z",
    "truck": "M20 8h-3V4H3a2 2 0 0 0-2 2v11h2a3 3 0 0 0 6 0h6a3 3 0 0 0 6 0h2v-5Zm-.5 1.5 1.96 2.5H17V9.5ZM6 18a1 1 0 1 1 1-1 1 1 0 0 1-1 1Zm12 0a1 1 0 1 1 1-1 1 1 0 0 1-1 1Z",
    "instagram": "M12 2.16c3.2 0 3.58 0 4.85.07 3.25.15 4.77 1.69 4.92 4.92.06 1.27.07 1.65.07 4.85s0 3.58-.07 4.85c-.15 3.23-1.66 4.77-4.92 4.92-1.27.06-1.64.07-4.85.07s-3.58 0-4.85-.07c-3.26-.15-4.77-1.7-4.92-4.92C2.17 15.58 2.16 15.2 2.16 12s0-3.58.07-4.85C2.38 3.92 3.9 2.38 7.15 2.23 8.42 2.17 8.8 2.16 12 2.16Z",
}


def icon(name, cls="icon"):
    return (
        f'<svg class="{cls} {cls}--{name}" aria-hidden="true" focusable="false" role="presentation" '
        f'xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">'
        f'<path fill="currentColor" d="{SVG_ICONS[name]}"/></svg>'
    )


def critical_css(rng):
    """A theme's inlined critical CSS: many small rules, as themes ship it."""
    rules = []
    blocks = ["header", "nav", "menu", "grid", "card", "price", "badge", "footer", "drawer", "btn", "form", "modal"]
    for b in blocks:
        for el in ["", "__inner", "__title", "__link", "__item", "__media", "--active", "--sticky"]:
            rules.append(
                f".{b}{el}{{display:flex;align-items:center;gap:{rng.randrange(2, 24)}px;"
                f"padding:{rng.randrange(0, 20)}px {rng.randrange(0, 32)}px;"
                f"color:rgba(var(--color-foreground),.{rng.randrange(55, 99)});"
                f"transition:opacity var(--duration-short) ease}}"
            )
    rules.append(
        "@font-face{font-family:Assistant;font-weight:400;font-style:normal;font-display:swap;"
        "src:url(/cdn/fonts/assistant/assistant_n4.woff2) format(\"woff2\")}"
    )
    rules.append(".hero{background-image:url(/cdn/shop/files/hero-autumn.jpg?v=1699999999&width=1920)}")
    rules.append("@media screen and (min-width:750px){.grid--4-col-desktop .grid__item{width:calc(25% - var(--grid-desktop-horizontal-spacing)*3/4)}}")
    return "<style>\n:root{--color-foreground:18,18,18;--duration-short:100ms;--page-width:120rem}\n" + "\n".join(rules) + "\n</style>"


def theme_script(rng, plan):
    """window.theme settings and translations: the long inline script every theme prints."""
    strings = {
        f"{sec}.{key}": lorem(rng, rng.randrange(3, 9))
        for sec in ["cart", "products", "search", "accessibility", "general", "customer", "newsletter", "shipping"]
        for key in ["title", "empty", "add", "remove", "error", "success", "label", "more", "less", "close", "open", "loading"]
    }
    settings = {
        "shop": {"name": STORE, "currency": "EUR", "locale": "en", "money_format": "€{{amount_with_comma_separator}}"},
        "routes": {
            "cart_url": "/cart.html",
            "cart_add_url": "/cart/add",
            "cart_change_url": "/cart/change",
            "search_url": "/search",
            "predictive_search_url": "/search/suggest",
        },
        "strings": strings,
        "collections": [{"title": c[0], "handle": c[1], "count": len(c[2])} for c in plan.categories],
        "features": {"quickAdd": True, "wishlist": True, "predictiveSearch": True, "stickyHeader": True},
    }
    body = json.dumps(settings, separators=(",", ":"))
    return (
        "<script>\n  window.theme = window.theme || {};\n  window.theme.settings = " + body + ";\n"
        "  window.theme.moneyFormat = window.theme.settings.shop.money_format;\n"
        "  document.documentElement.className = document.documentElement.className.replace('no-js', 'js');\n"
        "  if (Shopify && Shopify.designMode) { document.documentElement.classList.add('shopify-design-mode'); }\n"
        "</script>"
    )


def tags_head(kind, rng):
    """Third-party tags in <head>, by page type (home, category, product, cart, checkout, info)."""
    out = []
    checkout = kind == "checkout"
    out.append(
        f'<script data-cookieconsent="ignore" id="Cookiebot" src="https://consent.cookiebot.com/uc.js" '
        f'data-cbid="{COOKIEBOT_ID}" data-blockingmode="auto" type="text/javascript"></script>'
    )
    out.append(
        "<!-- Google Tag Manager -->\n<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':\n"
        "new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],\n"
        "j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=\n"
        f"'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);\n"
        f"}})(window,document,'script','dataLayer','{GTM_ID}');</script>\n<!-- End Google Tag Manager -->"
    )
    out.append(
        f'<script async src="https://www.googletagmanager.com/gtag/js?id={GA4_ID}"></script>\n'
        "<script>\n  window.dataLayer = window.dataLayer || [];\n  function gtag(){dataLayer.push(arguments);}\n"
        f"  gtag('js', new Date());\n  gtag('config', '{GA4_ID}', {{ 'send_page_view': true }});\n"
        f"  gtag('config', '{ADS_ID}', {{ 'allow_enhanced_conversions': true }});\n</script>"
    )
    if not checkout:
        event = "fbq('track', 'ViewContent');" if kind == "product" else ""
        out.append(
            "<!-- Meta Pixel Code -->\n<script>\n!function(f,b,e,v,n,t,s)\n{if(f.fbq)return;n=f.fbq=function(){n.callMethod?\n"
            "n.callMethod.apply(n,arguments):n.queue.push(arguments)};\nif(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';\n"
            "n.queue=[];t=b.createElement(e);t.async=!0;\nt.src=v;s=b.getElementsByTagName(e)[0];\n"
            "s.parentNode.insertBefore(t,s)}(window, document,'script',\n'https://connect.facebook.net/en_US/fbevents.js');\n"
            f"fbq('init', '{META_ID}');\nfbq('track', 'PageView');{event}\n</script>\n"
            f'<noscript><img height="1" width="1" style="display:none"\nsrc="https://www.facebook.com/tr?id={META_ID}&ev=PageView&noscript=1"\n/></noscript>\n'
            "<!-- End Meta Pixel Code -->"
        )
    if kind in ("home", "category", "product"):
        out.append(
            "<script>\n!function (w, d, t) {\n  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];"
            'ttq.methods=["page","track","identify","instances","debug","on","off","once","ready","alias","group","enableCookie","disableCookie"],'
            "ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};"
            "for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);"
            'ttq.load=function(e,n){var i="https://analytics.tiktok.com/i18n/pixel/events.js";'
            'ttq._i=ttq._i||{},ttq._i[e]=[],ttq._i[e]._u=i,ttq._t=ttq._t||{},ttq._t[e]=+new Date,ttq._o=ttq._o||{},ttq._o[e]=n||{};'
            'var o=document.createElement("script");o.type="text/javascript",o.async=!0,o.src=i+"?sdkid="+e+"&lib="+t;'
            'var a=document.getElementsByTagName("script")[0];a.parentNode.insertBefore(o,a)};\n'
            f"  ttq.load('{TIKTOK_ID}');\n  ttq.page();\n}}(window, document, 'ttq');\n</script>"
        )
    if kind in ("category", "product"):
        out.append(
            '<script type="text/javascript">\n!function(e){if(!window.pintrk){window.pintrk = function () {\n'
            "window.pintrk.queue.push(Array.prototype.slice.call(arguments))};var\nn=window.pintrk;n.queue=[],n.version=\"3.0\";var\n"
            't=document.createElement("script");t.async=!0,t.src=e;var\nr=document.getElementsByTagName("script")[0];\n'
            'r.parentNode.insertBefore(t,r)}}("https://s.pinimg.com/ct/core.js");\n'
            f"pintrk('load', '{PINTEREST_ID}');\npintrk('page');\n</script>\n"
            f'<noscript>\n<img height="1" width="1" style="display:none;" alt=""\nsrc="https://ct.pinterest.com/v3/?event=init&tid={PINTEREST_ID}&noscript=1" />\n</noscript>'
        )
    if not checkout:
        out.append(
            "<script>\n    (function(h,o,t,j,a,r){\n        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};\n"
            f"        h._hjSettings={{hjid:{HOTJAR_ID},hjsv:6}};\n        a=o.getElementsByTagName('head')[0];\n"
            "        r=o.createElement('script');r.async=1;\n        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;\n"
            "        a.appendChild(r);\n    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');\n</script>"
        )
    if rng.random() < 0.3 and not checkout:
        out.append(
            '<script type="text/javascript">\n    (function(c,l,a,r,i,t,y){\n        c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};\n'
            '        t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;\n'
            '        y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);\n'
            f'    }})(window, document, "clarity", "script", "{CLARITY_ID}");\n</script>'
        )
    if kind == "product":
        out.append(f'<script type="text/javascript" async src="https://staticw2.yotpo.com/{YOTPO_KEY}/widget.js"></script>')
        out.append('<script async src="https://js.klarna.com/web-sdk/v1/klarna.js" data-client-id="klarna-bench-0001"></script>')
    if kind in ("product", "cart"):
        out.append(
            f'<script src="https://www.paypal.com/sdk/js?client-id={PAYPAL_CLIENT}&currency=EUR&components=buttons,messages" '
            'data-namespace="paypal_sdk" data-partner-attribution-id="bench_cart" defer></script>'
        )
    if checkout:
        out.append('<script src="https://js.stripe.com/v3/"></script>')
    return "\n".join(out)


def head(title, kind, rng, plan, path, description, extra=""):
    canonical = url_path(path)
    return f"""<!doctype html>
<html class="no-js" lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="theme-color" content="">
<link rel="canonical" href="{canonical}">
<link rel="preconnect" href="https://fonts.googleapis.com">
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
<link rel="dns-prefetch" href="https://www.googletagmanager.com">
<link rel="dns-prefetch" href="https://connect.facebook.net">
<link rel="icon" type="image/png" href="/cdn/shop/files/favicon-32.png?v=1699999999&width=32">
<title>{html.escape(title)} | {STORE}</title>
<meta name="description" content="{html.escape(description)}">
<meta property="og:site_name" content="{STORE}">
<meta property="og:url" content="{canonical}">
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:type" content="{'product' if kind == 'product' else 'website'}">
<meta property="og:image" content="/cdn/shop/files/og-image.jpg?v=1699999999">
<meta name="twitter:card" content="summary_large_image">
<link href="https://fonts.googleapis.com/css2?family=Assistant:wght@400;600;700&family=Playfair+Display:ital@0;1&display=swap" rel="stylesheet">
<link rel="stylesheet" href="/cdn/shop/t/12/assets/base.css?v=144526617094120927681699999999" media="all">
<link rel="stylesheet" href="/cdn/shop/t/12/assets/component-card.css?v=120341546515895839841699999999" media="print" onload="this.media='all'">
<link rel="preload" href="/cdn/shop/t/12/assets/global.js?v=35808040588022306731699999999" as="script">
<script src="/cdn/shop/t/12/assets/constants.js?v=58251544750838685771699999999" defer="defer"></script>
<script src="/cdn/shop/t/12/assets/pubsub.js?v=158357773527763999511699999999" defer="defer"></script>
<script src="/cdn/shop/t/12/assets/global.js?v=35808040588022306731699999999" defer="defer"></script>
<script src="https://cdn.jsdelivr.net/npm/swiper@11/swiper-bundle.min.js" defer></script>
{critical_css(rng)}
{theme_script(rng, plan)}
{tags_head(kind, rng)}
{extra}
</head>"""


def header(rng, plan):
    """Announcement bar, logo, mega menu (every category with featured products), icons."""
    menu = []
    for ci, (name, _, ids) in enumerate(plan.categories):
        featured = rng.sample(ids, min(len(ids), 6))
        items = "\n".join(
            f'          <li><a href="/{plan.product_path(p)}" class="mega-menu__link link">{html.escape(plan.products[p]["title"])}</a></li>'
            for p in featured
        )
        menu.append(
            f"""    <li class="header__menu-item">
      <details id="Details-HeaderMenu-{ci + 1}" class="mega-menu">
        <summary class="header__menu-item list-menu__item link focus-inset"><span>{name}</span>{icon('chevron')}</summary>
        <div id="MegaMenu-Content-{ci + 1}" class="mega-menu__content color-background-1 gradient motion-reduce global-settings-popup" tabindex="-1">
          <ul class="mega-menu__list page-width" role="list">
          <li><a href="{url_path(plan.category_path(ci))}" class="mega-menu__link mega-menu__link--level-2 link">Shop all {name}</a></li>
{items}
          </ul>
        </div>
      </details>
    </li>"""
        )
    menu_html = "\n".join(menu)
    return f"""<body class="gradient template-page">
<a class="skip-to-content-link button visually-hidden" href="#MainContent">Skip to content</a>
<div class="announcement-bar" role="region" aria-label="Announcement">{icon('truck')}
  <p class="announcement-bar__message h5">Free carbon-neutral shipping on orders over €60 · <a href="/pages/shipping.html">Details</a></p>
</div>
<header class="header header--middle-left header--mobile-center page-width header--has-menu">
  <a href="/" class="header__heading-link link link--text focus-inset">
    <img src="/cdn/shop/files/logo.svg?v=1699999999&width=180" alt="{STORE}" width="180" height="40" class="header__heading-logo">
  </a>
  <nav class="header__inline-menu">
  <ul class="list-menu list-menu--inline" role="list">
{menu_html}
  </ul>
  </nav>
  <div class="header__icons">
    <details-modal class="header__search"><details><summary class="header__icon header__icon--search" aria-label="Search">{icon('search')}</summary>
      <form action="/search" method="get" role="search" class="search search-modal__form">
        <input class="search__input field__input" id="Search-In-Modal" type="search" name="q" placeholder="Search" autocomplete="off">
        <button class="search__button field__button" aria-label="Search">{icon('search')}</button>
      </form></details></details-modal>
    <a href="/account/login.html" class="header__icon header__icon--account link focus-inset">{icon('account')}<span class="visually-hidden">Log in</span></a>
    <a href="/pages/faq.html" class="header__icon header__icon--wishlist link focus-inset">{icon('heart')}<span class="visually-hidden">Wishlist</span></a>
    <a href="/cart.html" class="header__icon header__icon--cart link focus-inset" id="cart-icon-bubble">{icon('cart')}<span class="visually-hidden">Cart</span></a>
  </div>
</header>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id={GTM_ID}"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<main id="MainContent" class="content-for-layout focus-none" role="main" tabindex="-1">"""


def card(plan, p, rng):
    pr = plan.products[p]
    img = f"/cdn/shop/products/{pr['slug']}"
    srcset = ", ".join(f"{img}.jpg?v=1699999999&width={w} {w}w" for w in (165, 360, 533, 720, 940))
    return f"""<li class="grid__item">
  <div class="card-wrapper product-card-wrapper underline-links-hover">
    <div class="card card--standard card--media" style="--ratio-percent: 125.0%;">
      <div class="card__inner color-background-2 gradient ratio" style="--ratio-percent: 125.0%;">
        <div class="card__media"><div class="media media--transparent media--hover-effect">
          <img srcset="{srcset}" src="{img}.jpg?v=1699999999&width=533"
            sizes="(min-width: 1200px) 267px, (min-width: 990px) calc((100vw - 130px) / 4), (min-width: 750px) calc((100vw - 120px) / 3), calc((100vw - 35px) / 2)"
            alt="{html.escape(pr['title'])} in {pr['colour']}" class="motion-reduce" loading="lazy" width="1200" height="1500">
        </div></div>
      </div>
      <div class="card__content">
        <h3 class="card__heading h5" id="title-{p}"><a href="/{plan.product_path(p)}" id="CardLink-{p}" class="full-unstyled-link" aria-labelledby="CardLink-{p} Badge-{p}">{html.escape(pr['title'])}</a></h3>
        <div class="rating" role="img" aria-label="{pr['rating']} out of 5.0 stars" style="--rating: {int(pr['rating'])}; --rating-max: 5.0; --rating-decimal: {pr['rating'] % 1:.1f};"><span aria-hidden="true" class="rating-star"></span></div>
        <p class="rating-count caption">({pr['reviews']})</p>
        <div class="price"><span class="price-item price-item--regular">€{pr['price']:.2f}</span></div>
        <product-form><form method="post" action="/cart/add" id="quick-add-{p}" class="form" enctype="multipart/form-data" novalidate="novalidate">
          <input type="hidden" name="id" value="{p}01"><button type="submit" name="add" class="quick-add__submit button button--full-width button--secondary">Add to cart</button>
        </form></product-form>
      </div>
    </div>
  </div>
</li>"""


def footer(rng, plan, kind):
    cols = []
    for title, links in [
        ("Shop", [(f"{url_path(plan.category_path(ci))}", c[0]) for ci, c in enumerate(plan.categories)]),
        ("Help", [("/pages/shipping.html", "Shipping"), ("/pages/returns.html", "Returns"), ("/pages/faq.html", "FAQ"), ("/pages/contact.html", "Contact us")]),
        ("About", [("/pages/about.html", "Our story"), ("/pages/privacy.html", "Privacy policy"), ("/account/login.html", "Your account")]),
    ]:
        items = "\n".join(f'      <li><a href="{h}" class="link link--text list-menu__item list-menu__item--link">{t}</a></li>' for h, t in links)
        cols.append(f'  <div class="footer-block grid__item"><h2 class="footer-block__heading">{title}</h2>\n    <ul class="footer-block__details-content list-unstyled">\n{items}\n    </ul></div>')
    payments = "".join(
        f'<li class="list-payment__item"><svg class="icon icon--full-color" viewBox="0 0 38 24" xmlns="http://www.w3.org/2000/svg" role="img" width="38" height="24" aria-labelledby="pi-{n}"><title id="pi-{n}">{n}</title><path opacity=".07" d="M35 0H3C1.3 0 0 1.3 0 3v18c0 1.7 1.4 3 3 3h32c1.7 0 3-1.3 3-3V3c0-1.7-1.4-3-3-3z"/><path fill="#fff" d="M35 1c1.1 0 2 .9 2 2v18c0 1.1-.9 2-2 2H3c-1.1 0-2-.9-2-2V3c0-1.1.9-2 2-2h32"/></svg></li>'
        for n in ["Visa", "Mastercard", "American Express", "PayPal", "Apple Pay", "Google Pay", "Klarna"]
    )
    tail = []
    if kind != "checkout":
        tail.append(f'<script async type="text/javascript" src="https://static.klaviyo.com/onsite/js/klaviyo.js?company_id={KLAVIYO_ID}"></script>')
        tail.append('<script async src="https://widgets.acme-loyalty.example/v2/loader.js" data-shop="northwind"></script>')
    if kind in ("home", "product", "info") or rng.random() < 0.2:
        tail.append(
            '<script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=5d1c2e4f-bench-4a6b-9c8d-0e1f2a3b4c5d"></script>'
        )
    analytics = (
        "<script>\n  window.dataLayer = window.dataLayer || [];\n"
        f"  window.dataLayer.push({{'event': 'page_type', 'pageType': '{kind}', 'currency': 'EUR', "
        f"'cartValue': {rng.randrange(0, 40000) / 100}, 'visitorType': 'guest'}});\n"
        "  document.querySelectorAll('[data-track]').forEach(function (el) {\n"
        "    el.addEventListener('click', function () { window.dataLayer.push({ event: 'select_item', item: el.dataset.track }); });\n"
        "  });\n</script>"
    )
    newsletter = f"""<div class="footer-block--newsletter"><h2 class="footer-block__heading">Subscribe to our emails</h2>
  <form method="post" action="/contact#ContactFooter" id="ContactFooter" accept-charset="UTF-8" class="footer__newsletter newsletter-form">
  <input type="hidden" name="form_type" value="customer"><input type="hidden" name="contact[tags]" value="newsletter">
  <div class="newsletter-form__field-wrapper"><div class="field"><input id="NewsletterForm--footer" type="email" name="contact[email]" class="field__input" autocomplete="email" placeholder="Email" required>
  <label class="field__label" for="NewsletterForm--footer">Email</label>
  <button type="submit" class="newsletter-form__button field__button" name="commit" aria-label="Subscribe">{icon('chevron')}</button></div></div></form>
  <p>{lorem(rng, 30)}</p></div>"""
    return f"""</main>
<footer class="footer color-background-1 gradient section-footer-padding">
<div class="footer__content-top page-width">
<div class="footer__blocks-wrapper grid grid--1-col grid--2-col grid--4-col-tablet">
{chr(10).join(cols)}
</div>
{newsletter}
<ul class="footer__list-social list-unstyled list-social" role="list">
  <li class="list-social__item"><a href="https://www.instagram.com/northwind.outfitters" class="link list-social__link">{icon('instagram')}<span class="visually-hidden">Instagram</span></a></li>
  <li class="list-social__item"><a href="https://www.pinterest.com/northwindoutfitters" class="link list-social__link">Pinterest</a></li>
  <li class="list-social__item"><a href="https://www.tiktok.com/@northwindoutfitters" class="link list-social__link">TikTok</a></li>
</ul>
</div>
<div class="footer__content-bottom"><div class="footer__column footer__column--info">
  <ul class="list list-payment" role="list">{payments}</ul>
  <small class="copyright__content">&copy; 2026, <a href="/" title="">{STORE}</a></small>
</div></div>
</footer>
{analytics}
{chr(10).join(tail)}
</body>
</html>
"""


def json_ld_product(plan, p):
    pr = plan.products[p]
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": pr["title"],
        "sku": f"NW-{p}",
        "image": [f"/cdn/shop/products/{pr['slug']}.jpg"],
        "brand": {"@type": "Brand", "name": STORE},
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": pr["rating"], "reviewCount": pr["reviews"]},
        "offers": [
            {
                "@type": "Offer",
                "sku": f"NW-{p}-{s}",
                "availability": "https://schema.org/InStock",
                "price": f"{pr['price']:.2f}",
                "priceCurrency": "EUR",
                "url": f"/{plan.product_path(p)}?variant={p}{i}",
            }
            for i, s in enumerate(SIZES)
        ],
    }
    return '<script type="application/ld+json">\n' + json.dumps(data, indent=2) + "\n</script>"


def product_json(plan, p, rng):
    """The variant JSON a product form carries: long, and full of URLs (all first party)."""
    pr = plan.products[p]
    variants = [
        {
            "id": int(f"{p}{i:02d}"),
            "title": f"{pr['colour']} / {s}",
            "option1": pr["colour"],
            "option2": s,
            "sku": f"NW-{p}-{s}",
            "available": rng.random() < 0.8,
            "price": int(pr["price"] * 100),
            "compare_at_price": None,
            "featured_image": {"src": f"/cdn/shop/products/{pr['slug']}-{s.lower()}.jpg?v=1699999999", "width": 1200, "height": 1500},
            "inventory_management": "shopify",
            "barcode": str(rng.randrange(10**12, 10**13)),
        }
        for i, s in enumerate(SIZES)
    ]
    data = {"id": p, "title": pr["title"], "handle": pr["slug"], "description": lorem(rng, 60), "variants": variants}
    return '<script type="application/json" id="ProductJSON-' + str(p) + '">' + json.dumps(data) + "</script>"


# ---------------------------------------------------------------------------------------
# Pages


def page_home(plan, rng):
    path = "index.html"
    featured = [p for _, _, ids in plan.categories for p in ids[:4]][:16]
    cats = "\n".join(
        f'<li class="collection-list__item grid__item"><a href="{url_path(plan.category_path(ci))}" class="card-wrapper">'
        f'<img src="/cdn/shop/collections/{c[1]}.jpg?v=1699999999&width=750" alt="{c[0]}" loading="lazy" width="750" height="750">'
        f'<h3 class="card__heading">{c[0]}</h3></a></li>'
        for ci, c in enumerate(plan.categories)
    )
    grid = "\n".join(card(plan, p, rng) for p in featured)
    video = (
        '<div class="video-section"><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?enablejsapi=1&rel=0" '
        'class="js-youtube" allow="autoplay; encrypted-media" allowfullscreen title="Our autumn collection"></iframe></div>'
    )
    main = f"""<section class="hero banner banner--large"><div class="banner__content page-width">
  <h2 class="banner__heading h0">Made to last</h2><p>{lorem(rng, 25)}</p>
  <a href="{url_path(plan.category_path(0))}" class="button button--primary">Shop {plan.categories[0][0]}</a></div></section>
<section class="collection-list-wrapper page-width"><ul class="collection-list grid grid--3-col-desktop" role="list">
{cats}
</ul></section>
<section class="featured-collection page-width"><h2>Bestsellers</h2><ul class="grid product-grid grid--4-col-desktop" role="list">
{grid}
</ul></section>
{video}
<section class="rich-text page-width"><p>{lorem(rng, 120)}</p></section>"""
    return path, head("Home", "home", rng, plan, path, lorem(rng, 20)) + header(rng, plan) + main + footer(rng, plan, "home")


def page_category(plan, ci, page, rng):
    name, cslug, ids = plan.categories[ci]
    n_pages = plan.category_pages(ci)
    path = plan.category_path(ci, page)
    chunk = ids[(page - 1) * PRODUCTS_PER_PAGE : page * PRODUCTS_PER_PAGE]
    grid = "\n".join(card(plan, p, rng) for p in chunk)
    nav = []
    rel = []
    if page > 1:
        nav.append(f'<a href="{url_path(plan.category_path(ci, page - 1))}" class="pagination__item pagination__item--prev" aria-label="Previous page">{icon("chevron")}</a>')
        rel.append(f'<link rel="prev" href="{url_path(plan.category_path(ci, page - 1))}">')
    for n in range(1, n_pages + 1):
        if n == page:
            nav.append(f'<span class="pagination__item pagination__item--current" aria-current="page">{n}</span>')
        else:
            nav.append(f'<a href="{url_path(plan.category_path(ci, n))}" class="pagination__item link">{n}</a>')
    if page < n_pages:
        nav.append(f'<a href="{url_path(plan.category_path(ci, page + 1))}" class="pagination__item pagination__item--next" aria-label="Next page">{icon("chevron")}</a>')
        rel.append(f'<link rel="next" href="{url_path(plan.category_path(ci, page + 1))}">')
    filters = "\n".join(
        f'<li class="list-menu__item facets__item"><label for="Filter-colour-{i}" class="facet-checkbox">'
        f'<input type="checkbox" name="filter.v.option.color" value="{c}" id="Filter-colour-{i}">{c}</label></li>'
        for i, c in enumerate(COLOURS)
    )
    main = f"""<div class="collection-hero"><div class="collection-hero__inner page-width">
  <h1 class="collection-hero__title">{name}{f" (page {page})" if page > 1 else ""}</h1>
  <div class="collection-hero__description rte">{lorem(rng, 40)}</div></div></div>
<div class="page-width"><aside class="facets-wrapper"><form id="FacetFiltersForm" class="facets">
  <details class="facets__disclosure"><summary>Colour</summary><ul class="facets__list list-unstyled" role="list">
{filters}
  </ul></details></form></aside>
<ul id="product-grid" class="grid product-grid grid--2-col-tablet-down grid--4-col-desktop" role="list">
{grid}
</ul>
<nav class="pagination-wrapper" role="navigation" aria-label="Pagination"><div class="pagination">{''.join(nav)}</div></nav>
</div>"""
    return path, head(f"{name}" + (f" page {page}" if page > 1 else ""), "category", rng, plan, path, lorem(rng, 20), "\n".join(rel)) + header(rng, plan) + main + footer(rng, plan, "category")


def page_product(plan, p, rng):
    pr = plan.products[p]
    ci = pr["cat"]
    path = plan.product_path(p)
    ids = plan.categories[ci][2]
    related = [x for x in rng.sample(ids, min(len(ids), 5)) if x != p][:4]
    img = f"/cdn/shop/products/{pr['slug']}"
    gallery = "\n".join(
        f'<li class="product__media-item grid__item slider__slide" data-media-id="{p}{i}"><div class="product-media-container media-type-image">'
        f'<img srcset="{img}-{i}.jpg?v=1699999999&width=493 493w, {img}-{i}.jpg?v=1699999999&width=600 600w, {img}-{i}.jpg?v=1699999999&width=713 713w, {img}-{i}.jpg?v=1699999999&width=1200 1200w" '
        f'src="{img}-{i}.jpg?v=1699999999&width=1946" sizes="(min-width: 1200px) 715px, (min-width: 990px) calc(65.0vw - 10rem), calc(100vw - 3rem)" '
        f'alt="{html.escape(pr["title"])} view {i + 1}" width="1200" height="1500" loading="lazy"></div></li>'
        for i in range(6)
    )
    sizes = "\n".join(
        f'<input type="radio" id="size-{s}" name="Size" value="{s}" form="product-form-{p}"{" checked" if s == "M" else ""}><label for="size-{s}">{s}</label>'
        for s in SIZES
    )
    reviews = "\n".join(
        f'<div class="yotpo-review"><span class="yotpo-user-name">{rng.choice(["Anna", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Gus"])} {chr(65 + rng.randrange(26))}.</span>'
        f'<div class="yotpo-review-stars">{"".join(icon("star", "rating-star") for _ in range(5))}</div>'
        f"<div class=\"content-review\">{lorem(rng, rng.randrange(15, 45))}</div></div>"
        for _ in range(rng.randrange(1, 7))
    )
    video = (
        f'<div class="product__video"><iframe src="https://www.youtube-nocookie.com/embed/{"abcdefghijk"[p % 11:] + str(p)}?rel=0" '
        'width="560" height="315" title="Product video" allow="accelerometer; encrypted-media; gyroscope; picture-in-picture" allowfullscreen></iframe></div>'
        if pr["video"]
        else ""
    )
    grid = "\n".join(card(plan, x, rng) for x in related)
    main = f"""<section class="page-width product product--large product--left product--thumbnail_slider grid grid--1-col grid--2-col-tablet">
<div class="grid__item product__media-wrapper"><slider-component class="slider-mobile-gutter"><ul class="product__media-list grid grid--peek list-unstyled slider slider--mobile" role="list">
{gallery}
</ul></slider-component></div>
<div class="product__info-wrapper grid__item"><div id="ProductInfo-{p}" class="product__info-container product__column-sticky">
  <nav class="breadcrumbs"><a href="/">Home</a> / <a href="{url_path(plan.category_path(ci))}">{plan.categories[ci][0]}</a></nav>
  <h1 class="product__title">{html.escape(pr['title'])}</h1>
  <div class="price price--large"><span class="price-item price-item--regular">€{pr['price']:.2f}</span></div>
  <klarna-placement data-key="credit-promotion-badge" data-locale="en-DE" data-purchase-amount="{int(pr['price'] * 100)}"></klarna-placement>
  <fieldset class="js product-form__input"><legend class="form__label">Size</legend>
{sizes}
  </fieldset>
  <product-form class="product-form"><form method="post" action="/cart/add" id="product-form-{p}" accept-charset="UTF-8" class="form" enctype="multipart/form-data" novalidate="novalidate">
    <input type="hidden" name="id" value="{p}02"><button type="submit" name="add" class="product-form__submit button button--full-width button--secondary">Add to cart</button>
    <div id="paypal-button-container-{p}" class="paypal-buttons"></div>
  </form></product-form>
  <div class="product__description rte"><p>{lorem(rng, 90)}</p><ul>{''.join(f"<li>{lorem(rng, 8)}</li>" for _ in range(6))}</ul></div>
  <details class="product__accordion"><summary>Materials &amp; care</summary><p>{lorem(rng, 50)}</p></details>
  <details class="product__accordion"><summary>Shipping &amp; returns</summary><p>{lorem(rng, 40)} <a href="/pages/returns.html">Returns policy</a></p></details>
</div></div>
</section>
{video}
<section class="page-width reviews"><h2>Customer reviews</h2>
<div class="yotpo yotpo-main-widget" data-product-id="{p}" data-price="{pr['price']:.2f}" data-currency="EUR" data-name="{html.escape(pr['title'])}" data-url="/{path}" data-image-url="{img}.jpg">
{reviews}
</div></section>
<section class="related-products page-width"><h2 class="related-products__heading">You may also like</h2>
<ul class="grid product-grid grid--4-col-desktop" role="list">
{grid}
</ul></section>
{json_ld_product(plan, p)}
{product_json(plan, p, rng)}"""
    return path, head(pr["title"], "product", rng, plan, path, lorem(rng, 25)) + header(rng, plan) + main + footer(rng, plan, "product")


def page_cart(plan, rng):
    path = "cart.html"
    items = rng.sample(list(plan.products), min(3, len(plan.products)))
    rows = "\n".join(
        f'<tr class="cart-item"><td class="cart-item__media"><img src="/cdn/shop/products/{plan.products[p]["slug"]}.jpg?v=1699999999&width=150" alt="" width="150" height="188"></td>'
        f'<td class="cart-item__details"><a href="/{plan.product_path(p)}" class="cart-item__name h4 break">{html.escape(plan.products[p]["title"])}</a></td>'
        f'<td class="cart-item__quantity"><input class="quantity__input" type="number" name="updates[]" value="1" min="0"></td>'
        f'<td class="cart-item__totals right">€{plan.products[p]["price"]:.2f}</td></tr>'
        for p in items
    )
    main = f"""<div class="page-width"><h1 class="title title--primary">Your cart</h1>
<form action="/checkout/" class="cart__contents critical-hidden" method="get" id="cart">
<table class="cart-items"><thead><tr><th>Product</th><th>Quantity</th><th>Total</th></tr></thead><tbody>
{rows}
</tbody></table>
<div class="cart__footer"><p>{lorem(rng, 30)}</p>
<a href="/checkout/" class="cart__checkout-button button">Check out</a>
<div id="paypal-cart-buttons"></div></div></form></div>"""
    return path, head("Your cart", "cart", rng, plan, path, lorem(rng, 15)) + header(rng, plan) + main + footer(rng, plan, "cart")


def page_checkout(plan, step, rng):
    path, title = CHECKOUT_PAGES[step]
    nxt = CHECKOUT_PAGES[step + 1][0] if step + 1 < len(CHECKOUT_PAGES) else None
    fields = {
        0: ["email", "firstName", "lastName", "address1", "city", "postalCode", "phone"],
        1: ["shippingRate"],
        2: [],
    }[step]
    inputs = "\n".join(
        f'<div class="field"><input class="field__input" type="text" id="checkout-{f}" name="checkout[{f}]" autocomplete="{f}" placeholder="{f}"><label class="field__label" for="checkout-{f}">{f}</label></div>'
        for f in fields
    )
    payment = ""
    if step == 2:
        payment = (
            '<div id="payment-element"><iframe name="__privateStripeFrame5" frameborder="0" allowtransparency="true" scrolling="no" '
            'allow="payment *" src="https://js.stripe.com/v3/elements-inner-card-8a4c1e2b.html#locale=en" title="Secure card payment input frame"></iframe></div>\n'
            '<label for="card-number">Card number</label><input id="card-number" name="cardnumber" autocomplete="cc-number" inputmode="numeric">\n'
            f"<script>\n  var stripe = Stripe('{STRIPE_KEY}');\n  var elements = stripe.elements();\n"
            "  var card = elements.create('card'); card.mount('#payment-element');\n</script>"
        )
    steps = " &rsaquo; ".join(f'<a href="{url_path(p)}">{t.split(": ")[1]}</a>' for p, t in CHECKOUT_PAGES)
    cont = f'<a class="step__footer__continue-btn btn" href="{url_path(nxt)}">Continue</a>' if nxt else ""
    main = f"""<div class="page-width checkout"><nav class="breadcrumb">{steps}</nav>
<h1>{title}</h1>
<form action="{url_path(path)}" method="post" class="edit_checkout" data-payment-form>
{inputs}
{payment}
<p>{lorem(rng, 40)}</p>
<div class="step__footer">{cont}<a href="/cart.html" class="step__footer__previous-link">Return to cart</a></div>
</form></div>"""
    return path, head(title, "checkout", rng, plan, path, lorem(rng, 15)) + header(rng, plan) + main + footer(rng, plan, "checkout")


def page_info(plan, i, rng):
    path, title = INFO_PAGES[i]
    paras = "\n".join(f"<h2>{lorem(rng, 4)}</h2><p>{lorem(rng, rng.randrange(60, 140))}</p>" for _ in range(8))
    extra = ""
    if path == "pages/contact.html":
        extra = (
            '<form method="post" action="/contact#ContactForm" id="ContactForm"><input type="email" name="contact[email]">'
            '<textarea name="contact[body]"></textarea><button type="submit">Send</button></form>\n'
            '<iframe src="https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2428.4!2d13.4!3d52.5" width="600" height="450" '
            'style="border:0;" allowfullscreen="" loading="lazy" referrerpolicy="no-referrer-when-downgrade"></iframe>'
        )
    if path == "account/login.html":
        extra = (
            '<form method="post" action="/account/login" id="customer_login"><input type="email" name="customer[email]" autocomplete="email">'
            '<input type="password" name="customer[password]" autocomplete="current-password"><button>Sign in</button></form>'
        )
    main = f'<div class="page-width page-width--narrow"><h1 class="main-page-title page-title h0">{title}</h1>\n<div class="rte">\n{paras}\n</div>\n{extra}\n</div>'
    return path, head(title, "info", rng, plan, path, lorem(rng, 15)) + header(rng, plan) + main + footer(rng, plan, "info")


def page_extra(plan, i, rng):
    """A journal post: only used to make the page count exact."""
    path = f"blogs/journal/post-{i + 1}.html"
    paras = "\n".join(f"<p>{lorem(rng, rng.randrange(60, 140))}</p>" for _ in range(10))
    main = f'<article class="article-template page-width"><h1>{lorem(rng, 5)}</h1>\n{paras}\n</article>'
    return path, head(f"Journal {i + 1}", "info", rng, plan, path, lorem(rng, 15)) + header(rng, plan) + main + footer(rng, plan, "info")



# ---------------------------------------------------------------------------------------
# Profiles: the same store, stressed in one way each (issue #17: a benchmark must hold for
# stores it was not written for). `theme` is the store above, byte for byte; the others add
# to its pages after they are written (with a random generator of their own, seeded by the
# page's path, so the theme's bytes and the link graph stay the same), except
# `small-pages`, which is a store of its own.

PROFILES = {
    "theme": "the Shopify-style store above: ~88 KB pages, ~20 third-party references each",
    "tag-heavy": "50-150 third-party references a page (scripts, pixels, iframes, hints, URLs in inline scripts) from ~80 ad-tech hosts",
    "big-scripts": "100-500 KB of inline JavaScript a page (a bundle inlined by the theme), with first- and third-party URLs in it",
    "small-pages": "a store of its own: ~4 KB pages (a few tags, a short text, eight links), so per-page costs dominate",
    "huge-pages": "the theme store where one page in 100 is 2-6 MB (a catalogue of every product, repeated)",
    "many-vendors": "20-60 third parties a page from a pool of 1,500 vendor domains and 500 unknown hosts",
}

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vendor_domains(categories=None):
    """Vendor domains of the embedded database, sorted, for profiles that want real recipients."""
    with open(os.path.join(REPO, "known_vendors.json"), encoding="utf-8") as f:
        db = json.load(f)
    out = []
    for v in db["vendors"]:
        if v.get("status") or v.get("incidents") or v.get("first_party"):
            continue  # no compromised or discontinued hosts: they would fail the scan
        if categories and not set(v.get("categories", [])) & categories:
            continue
        out.extend(d for d in v.get("domains", []) if "/" not in d and "*" not in d)
    return sorted(set(out))


def tag_markup(host, form, n):
    """One third-party reference to `host`, written the way `form` names."""
    path = f"/t/{n % 7}/tag.js?id=acct-{n}"
    if form == 0:
        return f'<script async src="https://{host}{path}"></script>'
    if form == 1:
        return f'<noscript><img height="1" width="1" style="display:none" src="https://{host}/px?ev=PageView&id={n}"></noscript>'
    if form == 2:
        return f'<iframe src="https://{host}/sync?partner={n}" width="0" height="0" style="display:none" title="sync"></iframe>'
    if form == 3:
        return f'<link rel="preconnect" href="https://{host}" crossorigin>'
    if form == 4:
        return f'<link rel="dns-prefetch" href="https://{host}">'
    if form == 5:
        return f'<img src="https://{host}/i/{n}.gif" width="1" height="1" alt="">'
    return (
        f"<script>(function(d){{var s=d.createElement('script');s.async=1;s.src='https://{host}/loader/{n}.js';"
        f"d.head.appendChild(s)}})(document);</script>"
    )


class Profile:
    def __init__(self, name):
        self.name = name
        if name == "tag-heavy":
            hosts = vendor_domains({"advertising", "analytics", "social", "tag-manager", "marketing"})
            pick = random.Random(f"{SEED}-tag-heavy")
            hosts = pick.sample(hosts, 80)
            # The store's tag pool: each host written in two or three ways, fixed for the store.
            self.pool = [tag_markup(("www." if i % 3 == 0 else "") + h, (i * 5 + f) % 7, i * 10 + f) for i, h in enumerate(hosts) for f in range(pick.randrange(2, 4))]
        elif name == "many-vendors":
            known = vendor_domains()
            pick = random.Random(f"{SEED}-many-vendors")
            known = pick.sample(known, 1500)
            unknown = [f"cdn{i}.{pick.choice(['adsrv', 'trk', 'pixelhub', 'shopwidget', 'reviewsly', 'chatbox'])}{i}.{pick.choice(['com', 'io', 'net', 'co.uk', 'de'])}" for i in range(500)]
            self.hosts = known + unknown

    def decorate(self, path, text):
        """The page as this profile writes it (the theme's page for `theme`)."""
        if self.name in ("theme", "small-pages"):
            return text
        rng = random.Random(f"{SEED}-{self.name}-{path}")
        if self.name == "tag-heavy":
            # With the theme's own ~20 tags, 50-150 third-party references a page.
            n = rng.randrange(30, 131)
            tags = rng.sample(self.pool, min(n - 3, len(self.pool)))
            # A few references carry the page (product feeds, conversion tags): distinct per page.
            page_id = sum(map(ord, path)) * 7919 + len(path)
            tags += [tag_markup(f"ct.{h}", 5, page_id) for h in ("pinterest.com", "tiktok.com", "criteo.com")]
            head, body = tags[: len(tags) // 3], tags[len(tags) // 3 :]
            text = text.replace("</head>", "\n".join(head) + "\n</head>", 1)
            return text.replace("</body>", "\n".join(body) + "\n</body>", 1)
        if self.name == "many-vendors":
            # Each host written one way for the whole store, as a store's tags are.
            picks = rng.sample(range(len(self.hosts)), rng.randrange(20, 61))
            tags = [tag_markup(self.hosts[i], i % 7, i) for i in sorted(picks)]
            return text.replace("</body>", "\n".join(tags) + "\n</body>", 1)
        if self.name == "big-scripts":
            return text.replace("</head>", bundle(rng, rng.randrange(100_000, 500_001)) + "\n</head>", 1)
        if self.name == "huge-pages":
            if sum(map(ord, path)) % 100 != 7:
                return text
            return text.replace("</main>", catalogue(rng, rng.randrange(2_000_000, 6_000_001)) + "\n</main>", 1)
        raise SystemExit(f"gen-store: unknown profile {self.name}")


JS_WORDS = ["cart", "item", "price", "variant", "render", "update", "queue", "state", "event", "drawer", "media", "swatch", "option", "filter"]


def bundle(rng, size):
    """An inlined JavaScript bundle of about `size` bytes: functions, strings, JSON, and now
    and then a URL (first party, a CDN, a vendor endpoint), as theme bundles have them."""
    parts = ["<script>\n/*! theme.bundle.js */\n(function(){\"use strict\";"]
    n = len(parts[0])
    i = 0
    while n < size:
        a, b = rng.choice(JS_WORDS), rng.choice(JS_WORDS)
        i += 1
        chunk = (
            f"function {a}_{b}_{i}(e,t){{var n=e.{a}||{{}};if(!n.{b})return t;for(var r=0;r<n.{b}.length;r++)"
            f"{{if(n.{b}[r].id==={i})return n.{b}[r];}}return null}}\n"
            f"var {b}{i}={{\"label\":\"{a} {b} {i}\",\"max\":{rng.randrange(1000)},\"enabled\":{'true' if i % 2 else 'false'}}};\n"
        )
        if i % 40 == 0:
            chunk += f"fetch(\"/cart/{a}.js?x={i}\").then(function(r){{return r.json()}});\n"
        if i % 150 == 0:
            host = rng.choice(["cdn.jsdelivr.net/npm/lodash@4/lodash.min.js", "www.google-analytics.com/collect", "api.segment.io/v1/t", "static.klaviyo.com/onsite/js/fender.js"])
            chunk += f"var u{i}=\"https://{host}\";\n"
        parts.append(chunk)
        n += len(chunk)
    parts.append("})();\n</script>")
    return "".join(parts)


def catalogue(rng, size):
    """A page listing the whole catalogue again and again, `size` bytes of it."""
    parts = ['<section class="catalogue page-width"><ul class="grid">']
    n = 0
    i = 0
    while n < size:
        i += 1
        chunk = (
            f'<li class="grid__item"><a href="/pages/faq.html#q{i}"><img src="/cdn/shop/products/cat-{i}.jpg?width=360" '
            f'srcset="/cdn/shop/products/cat-{i}.jpg?width=360 360w, /cdn/shop/products/cat-{i}.jpg?width=720 720w" alt="Item {i}" loading="lazy" width="360" height="450">'
            f"<span>{lorem(rng, 12)}</span></a></li>\n"
        )
        parts.append(chunk)
        n += len(chunk)
    parts.append("</ul></section>")
    return "".join(parts)


def generate_small(pages, out, origin):
    """The `small-pages` store: ~4 KB pages in an eight-way tree of links from `/`."""
    written = []
    paths = ["index.html"] + [f"p/{i}.html" for i in range(1, pages)]
    for i, path in enumerate(paths):
        rng = random.Random(f"{SEED}-small-{i}")
        links = "".join(f'<li><a href="{url_path(paths[c])}">Page {c}</a></li>' for c in range(i * 8 + 1, min(pages, i * 8 + 9)))
        text = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page {i} | {STORE}</title>
<link rel="stylesheet" href="/assets/site.css">
<script async src="https://www.googletagmanager.com/gtag/js?id={GA4_ID}"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());gtag('config','{GA4_ID}');</script>
<script async src="https://connect.facebook.net/en_US/fbevents.js"></script>
{'<script async src="https://static.hotjar.com/c/hotjar-' + HOTJAR_ID + '.js?sv=6"></script>' if i % 2 else ''}
</head><body><header><a href="/">{STORE}</a> <a href="/p/1.html">Shop</a></header>
<main><h1>{lorem(rng, 5)}</h1><p>{lorem(rng, rng.randrange(200, 450))}</p>
<img src="/cdn/p{i}.jpg" alt="" width="600" height="400"><ul>{links}</ul></main>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id={META_ID}&ev=PageView&noscript=1"></noscript>
<script async src="https://static.klaviyo.com/onsite/js/klaviyo.js?company_id={KLAVIYO_ID}"></script>
</body></html>
"""
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full) or out, exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        written.append((path, len(text.encode("utf-8"))))
    return written

# ---------------------------------------------------------------------------------------


def generate(pages, out, origin, profile="theme"):
    if profile == "small-pages":
        return finish_store(generate_small(pages, out, origin), out, origin)
    decorate = Profile(profile).decorate
    rng = random.Random(SEED)
    plan = Plan(pages, rng)
    written = []

    def emit(item):
        path, text = item
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full) or out, exist_ok=True)
        text = decorate(path, text)
        with open(full, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        written.append((path, len(text.encode("utf-8"))))

    emit(page_home(plan, rng))
    for ci in range(len(plan.categories)):
        for page in range(1, plan.category_pages(ci) + 1):
            emit(page_category(plan, ci, page, rng))
    for p in sorted(plan.products):
        emit(page_product(plan, p, rng))
    emit(page_cart(plan, rng))
    for step in range(len(CHECKOUT_PAGES)):
        emit(page_checkout(plan, step, rng))
    for i in range(len(INFO_PAGES)):
        emit(page_info(plan, i, rng))
    # Journal posts fill any gap; the home page's footer cannot know them, so the about page links them.
    extras = [page_extra(plan, i, rng) for i in range(plan.extra)]
    if extras:
        about = os.path.join(out, "pages/about.html")
        with open(about, encoding="utf-8") as f:
            text = f.read()
        links = "".join(f'<li><a href="{url_path(p)}">Journal {i + 1}</a></li>' for i, (p, _) in enumerate(extras))
        text = text.replace("</main>", f'<ul class="journal">{links}</ul>\n</main>', 1)
        with open(about, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        for item in extras:
            emit(item)
    return finish_store(written, out, origin)


def finish_store(written, out, origin):
    # robots.txt and a sitemap index with one child per page type, as platforms publish them.
    groups = {"pages": [], "collections": [], "products": []}
    for path, _ in written:
        key = "products" if path.startswith("products/") else "collections" if path.startswith("collections/") else "pages"
        groups[key].append(path)
    children = []
    for key, paths in groups.items():
        name = f"sitemap_{key}_1.xml"
        children.append(name)
        urls = "\n".join(f"  <url>\n    <loc>{origin}{url_path(p)}</loc>\n    <changefreq>daily</changefreq>\n  </url>" for p in paths)
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n')
    index = "\n".join(f"  <sitemap>\n    <loc>{origin}/{c}</loc>\n  </sitemap>" for c in children)
    with open(os.path.join(out, "sitemap.xml"), "w", encoding="utf-8") as f:
        f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{index}\n</sitemapindex>\n')
    with open(os.path.join(out, "robots.txt"), "w", encoding="utf-8") as f:
        f.write(
            "# Only paths that are not pages here are disallowed, so a crawl reaches every page.\n"
            "User-agent: *\nDisallow: /search\nDisallow: /cart/add\nDisallow: /account/orders\nDisallow: /*?*sort_by*\n\n"
            f"Sitemap: {origin}/sitemap.xml\n"
        )
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000, help="number of HTML pages (default 1000)")
    ap.add_argument("--out", required=True, help="output folder (replaced if it holds a generated store)")
    ap.add_argument("--origin", default="http://127.0.0.1:8089", help="origin for the sitemap's absolute URLs")
    ap.add_argument(
        "--profile",
        default="theme",
        choices=sorted(PROFILES),
        help="what the pages stress: " + "; ".join(f"{k}: {v}" for k, v in PROFILES.items()),
    )
    args = ap.parse_args()
    origin = args.origin.rstrip("/")
    if args.pages < FIXED_PAGES + 2:
        sys.exit(f"gen-store: --pages must be at least {FIXED_PAGES + 2}")
    if os.path.exists(args.out):
        if os.listdir(args.out) and not os.path.exists(os.path.join(args.out, "robots.txt")):
            sys.exit(f"gen-store: {args.out} exists and does not look like a generated store; not touching it")
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    written = generate(args.pages, args.out, origin, args.profile)
    total = sum(n for _, n in written)
    print(
        f"gen-store: {args.profile}: {len(written)} pages, {total / 1e6:.1f} MB, {total / len(written) / 1e3:.1f} KB per page on average -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
