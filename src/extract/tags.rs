//! Tag IDs: the account or container that receives the data (`GTM-…`, `G-…`, `AW-…`,
//! a Meta pixel ID, ...).
//!
//! Enters: inline script text, or a resource URL. Leaves: [`TagId`]s with a host the
//! vendor serves the tag from, which `classify` resolves to a vendor in the database.
//! The patterns need context (a quote or `=` before `G-…`, the snippet's function name
//! before a numeric pixel ID) so product codes and prices are not mistaken for IDs.

use crate::model::TagId;
use regex::Regex;
use std::sync::LazyLock;
use url::Url;

struct Pattern {
    kind: &'static str,
    vendor_host: &'static str,
    /// The script must contain this for the pattern to be tried (cheap pre-filter and
    /// context for generic shapes such as `ti: "123"`).
    marker: &'static str,
    regex: Regex,
}

fn p(kind: &'static str, vendor_host: &'static str, marker: &'static str, re: &str) -> Pattern {
    Pattern { kind, vendor_host, marker, regex: Regex::new(re).expect("valid tag regex") }
}

static SCRIPT_PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    vec![
        p("gtm-container", "www.googletagmanager.com", "GTM-", r#"["'=]\s*(GTM-[A-Z0-9]{4,10})\b"#),
        p("ga4-measurement", "www.google-analytics.com", "G-", r#"["'=](G-[A-Z0-9]{6,12})\b"#),
        p("google-ads", "www.googleadservices.com", "AW-", r#"["'=](AW-[0-9]{6,12})\b"#),
        p("universal-analytics", "www.google-analytics.com", "UA-", r#"["'=](UA-[0-9]{4,10}-[0-9]{1,4})\b"#),
        p("floodlight", "ad.doubleclick.net", "DC-", r#"["'=](DC-[0-9]{6,10})\b"#),
        p("meta-pixel", "connect.facebook.net", "fbq", r#"fbq\(\s*["']init["']\s*,\s*["']?([0-9]{10,20})"#),
        p("tiktok-pixel", "analytics.tiktok.com", "ttq", r#"ttq\.load\(\s*["']([A-Z0-9]{15,25})["']"#),
        p("pinterest-tag", "ct.pinterest.com", "pintrk", r#"pintrk\(\s*["']load["']\s*,\s*["']([0-9]{10,16})["']"#),
        p(
            "linkedin-partner",
            "snap.licdn.com",
            "_linkedin_partner_id",
            r#"_linkedin_partner_id\s*=\s*["']?([0-9]{4,10})"#,
        ),
        p("microsoft-uet", "bat.bing.com", "bat.bing.com", r#"\bti\s*:\s*["']?([0-9]{5,12})"#),
        p("hotjar-site", "static.hotjar.com", "hjid", r#"hjid\s*:\s*([0-9]{5,10})"#),
        p("snap-pixel", "sc-static.net", "snaptr", r#"snaptr\(\s*["']init["']\s*,\s*["']([0-9a-f-]{36})["']"#),
        p(
            "x-pixel",
            "static.ads-twitter.com",
            "twq",
            r#"twq\(\s*["'](?:init|config)["']\s*,\s*["']([a-z0-9]{5,10})["']"#,
        ),
        p(
            "clarity-project",
            "www.clarity.ms",
            "clarity",
            r#"["']clarity["']\s*,\s*["']script["']\s*,\s*["']([a-z0-9]{8,12})["']"#,
        ),
    ]
});

/// A tag ID in a resource URL: tried only on URLs of `domain` (or a subdomain) whose path
/// starts with `path`. Every reference of every page passes here, most of them the store's
/// own images, so the host decides before any text is searched. (An ID in a vendor URL
/// copied unencoded into another URL's query, as some proxies do, is not looked for.)
struct UrlPattern {
    kind: &'static str,
    vendor_host: &'static str,
    domain: &'static str,
    path: &'static str,
    regex: Regex,
}

impl UrlPattern {
    fn applies_to(&self, url: &Url) -> bool {
        url.host_str()
            .and_then(|h| h.strip_suffix(self.domain))
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            && url.path().starts_with(self.path)
    }
}

fn u(kind: &'static str, vendor_host: &'static str, domain: &'static str, path: &'static str, re: &str) -> UrlPattern {
    UrlPattern { kind, vendor_host, domain, path, regex: Regex::new(re).expect("valid tag regex") }
}

static URL_PATTERNS: LazyLock<Vec<UrlPattern>> = LazyLock::new(|| {
    vec![
        u("gtm-container", "www.googletagmanager.com", "googletagmanager.com", "", r"[?&]id=(GTM-[A-Z0-9]{4,10})\b"),
        u("ga4-measurement", "www.google-analytics.com", "googletagmanager.com", "", r"[?&]id=(G-[A-Z0-9]{6,12})\b"),
        u("google-ads", "www.googleadservices.com", "googletagmanager.com", "", r"[?&]id=(AW-[0-9]{6,12})\b"),
        u("meta-pixel", "connect.facebook.net", "facebook.com", "/tr", r"[?&]id=([0-9]{10,20})\b"),
        u("tiktok-pixel", "analytics.tiktok.com", "tiktok.com", "", r"[?&]sdkid=([A-Z0-9]{15,25})\b"),
        u("pinterest-tag", "ct.pinterest.com", "pinterest.com", "", r"[?&]tid=([0-9]{10,16})\b"),
        u("linkedin-partner", "snap.licdn.com", "linkedin.com", "", r"[?&]pid=([0-9]{4,10})\b"),
        u("microsoft-uet", "bat.bing.com", "bat.bing.com", "", r"[?&]ti=([0-9]{5,12})\b"),
        u("klaviyo-company", "static.klaviyo.com", "klaviyo.com", "", r"[?&]company_id=([A-Za-z0-9]{6})\b"),
        u("clarity-project", "www.clarity.ms", "clarity.ms", "/tag/", r"/tag/([a-z0-9]{8,12})\b"),
    ]
});

/// Find tag IDs in an inline script; `found(offset, tag)` gets the byte offset of each.
/// Every pattern's marker, searched for in one pass over a script: a `contains` per
/// pattern read a 300 KB inline bundle fifteen times (7% of a crawl of such pages).
static MARKERS: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    regex::RegexSet::new(SCRIPT_PATTERNS.iter().map(|p| regex::escape(p.marker))).expect("valid marker set")
});

pub fn scan_script(text: &str, mut found: impl FnMut(usize, TagId)) {
    let present = MARKERS.matches(text);
    for pat in present.iter().map(|i| &SCRIPT_PATTERNS[i]) {
        for caps in pat.regex.captures_iter(text) {
            let m = caps.get(1).expect("pattern has a group");
            found(
                m.start(),
                TagId { kind: pat.kind, value: m.as_str().to_owned(), vendor_host: pat.vendor_host, line: 0 },
            );
        }
    }
}

/// Find tag IDs in a resource URL (`gtag/js?id=G-…`, `facebook.com/tr?id=…`, ...).
pub fn scan_url(url: &Url, mut found: impl FnMut(TagId)) {
    for pat in URL_PATTERNS.iter().filter(|p| p.applies_to(url)) {
        if let Some(caps) = pat.regex.captures(url.as_str()) {
            found(TagId { kind: pat.kind, value: caps[1].to_owned(), vendor_host: pat.vendor_host, line: 0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script_tags(text: &str) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        scan_script(text, |_, t| v.push((t.kind, t.value)));
        v
    }

    #[test]
    fn finds_ids_in_snippets() {
        let s = "gtag('config', 'G-ABCDEF1234'); gtag('config','AW-123456789'); })(window,document,'script','dataLayer','GTM-N7WDQ3K'); fbq('init', '1234567890123456'); ttq.load('C4ABCDEFGHIJKLMNOPQR');";
        let mut got = script_tags(s);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("ga4-measurement", "G-ABCDEF1234".to_owned()),
                ("google-ads", "AW-123456789".to_owned()),
                ("gtm-container", "GTM-N7WDQ3K".to_owned()),
                ("meta-pixel", "1234567890123456".to_owned()),
                ("tiktok-pixel", "C4ABCDEFGHIJKLMNOPQR".to_owned()),
            ]
        );
    }

    #[test]
    fn product_codes_are_not_ids() {
        assert!(script_tags("var name = 'Casio G-SHOCK GA2100'; var sku = G-1234567;").is_empty());
    }

    #[test]
    fn finds_ids_in_urls() {
        let mut v = Vec::new();
        let u = Url::parse("https://www.facebook.com/tr?id=1234567890123&ev=PageView&noscript=1").unwrap();
        scan_url(&u, |t| v.push((t.kind, t.value)));
        assert_eq!(v, vec![("meta-pixel", "1234567890123".to_owned())]);
        // The marker is the host and path, not any text in the URL.
        for other in [
            "https://shop.example/tr?id=1234567890123&ref=www.facebook.com/tr",
            "https://notfacebook.com/tr?id=1234567890123",
            "https://www.facebook.com/plugins?id=1234567890123",
        ] {
            v.clear();
            scan_url(&Url::parse(other).unwrap(), |t| v.push((t.kind, t.value)));
            assert!(v.is_empty(), "{other}: {v:?}");
        }
        v.clear();
        scan_url(&Url::parse("https://www.clarity.ms/tag/abcd1234ef").unwrap(), |t| v.push((t.kind, t.value)));
        assert_eq!(v, vec![("clarity-project", "abcd1234ef".to_owned())]);
    }
}
