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
    /// The script must contain one of these for the pattern to be tried (cheap pre-filter
    /// and context for generic shapes such as `ti: "123"`). Each is three bytes or more:
    /// the vectorised search then fingerprints three bytes, and a bundle's text sets off far
    /// fewer false candidates than with the two of `G-` (the pass took half the time).
    markers: &'static [&'static str],
    /// Where a match starts, relative to an occurrence of a marker in it.
    start: Start,
    regex: Regex,
    /// The same pattern, tried only where a match would start.
    anchored: regex_automata::meta::Regex,
}

/// How a match's start follows from the marker it contains: a script of 300 KB is then read
/// once for every marker, and each pattern tried only at a handful of places, instead of
/// each pattern whose marker is present running over the whole text.
#[derive(Clone, Copy)]
enum Start {
    /// The match starts with the marker.
    AtMarker,
    /// One of these bytes comes right before the marker, and the match starts there.
    Quote(&'static [u8]),
    /// One of these bytes, then white space, then the marker (`["'=]\s*`).
    QuoteSpace(&'static [u8]),
    /// The marker is not part of the match: the whole text is searched.
    Anywhere,
}

fn p(
    kind: &'static str,
    vendor_host: &'static str,
    markers: &'static [&'static str],
    start: Start,
    re: &str,
) -> Pattern {
    Pattern {
        kind,
        vendor_host,
        markers,
        start,
        regex: Regex::new(re).expect("valid tag regex"),
        anchored: regex_automata::meta::Regex::new(re).expect("valid tag regex"),
    }
}

const QUOTE_EQ: &[u8] = b"\"'=";

static SCRIPT_PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    use Start::*;
    vec![
        p(
            "gtm-container",
            "www.googletagmanager.com",
            &["GTM-"],
            QuoteSpace(QUOTE_EQ),
            r#"["'=]\s*(GTM-[A-Z0-9]{4,10})\b"#,
        ),
        p(
            "ga4-measurement",
            "www.google-analytics.com",
            &["\"G-", "'G-", "=G-"],
            AtMarker,
            r#"["'=](G-[A-Z0-9]{6,12})\b"#,
        ),
        p("google-ads", "www.googleadservices.com", &["AW-"], Quote(QUOTE_EQ), r#"["'=](AW-[0-9]{6,12})\b"#),
        p(
            "universal-analytics",
            "www.google-analytics.com",
            &["UA-"],
            Quote(QUOTE_EQ),
            r#"["'=](UA-[0-9]{4,10}-[0-9]{1,4})\b"#,
        ),
        p("floodlight", "ad.doubleclick.net", &["DC-"], Quote(QUOTE_EQ), r#"["'=](DC-[0-9]{6,10})\b"#),
        p(
            "meta-pixel",
            "connect.facebook.net",
            &["fbq"],
            AtMarker,
            r#"fbq\(\s*["']init["']\s*,\s*["']?([0-9]{10,20})"#,
        ),
        p("tiktok-pixel", "analytics.tiktok.com", &["ttq"], AtMarker, r#"ttq\.load\(\s*["']([A-Z0-9]{15,25})["']"#),
        p(
            "pinterest-tag",
            "ct.pinterest.com",
            &["pintrk"],
            AtMarker,
            r#"pintrk\(\s*["']load["']\s*,\s*["']([0-9]{10,16})["']"#,
        ),
        p(
            "linkedin-partner",
            "snap.licdn.com",
            &["_linkedin_partner_id"],
            AtMarker,
            r#"_linkedin_partner_id\s*=\s*["']?([0-9]{4,10})"#,
        ),
        p("microsoft-uet", "bat.bing.com", &["bat.bing.com"], Anywhere, r#"\bti\s*:\s*["']?([0-9]{5,12})"#),
        p("hotjar-site", "static.hotjar.com", &["hjid"], AtMarker, r#"hjid\s*:\s*([0-9]{5,10})"#),
        p(
            "snap-pixel",
            "sc-static.net",
            &["snaptr"],
            AtMarker,
            r#"snaptr\(\s*["']init["']\s*,\s*["']([0-9a-f-]{36})["']"#,
        ),
        p(
            "x-pixel",
            "static.ads-twitter.com",
            &["twq"],
            AtMarker,
            r#"twq\(\s*["'](?:init|config)["']\s*,\s*["']([a-z0-9]{5,10})["']"#,
        ),
        p(
            "clarity-project",
            "www.clarity.ms",
            &["clarity"],
            Quote(b"\"'"),
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
    /// The bytes a match starts with: it is tried, anchored, only there (a URL has a few).
    lead: &'static [u8],
    /// The pattern as written (the tests hold the anchored search to it).
    #[cfg(test)]
    source: &'static str,
    regex: regex_automata::meta::Regex,
}

impl UrlPattern {
    fn applies_to(&self, url: &Url) -> bool {
        url.host_str()
            .and_then(|h| h.strip_suffix(self.domain))
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            && url.path().starts_with(self.path)
    }
}

fn u(
    kind: &'static str,
    vendor_host: &'static str,
    domain: &'static str,
    path: &'static str,
    re: &'static str,
) -> UrlPattern {
    let lead: &'static [u8] = if re.starts_with("[?&]") { b"?&" } else { b"/" };
    let regex = regex_automata::meta::Regex::new(re).expect("valid tag regex");
    UrlPattern {
        kind,
        vendor_host,
        domain,
        path,
        lead,
        #[cfg(test)]
        source: re,
        regex,
    }
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

/// Every pattern's marker, found in one pass over a script. Leftmost-first, because only
/// that search uses the vectorised prefilter (the overlapping one read a bundle a byte at a
/// time); it misses no occurrence, since no marker can overlap another in any text (a test
/// holds the list to that).
static MARKERS: LazyLock<(aho_corasick::AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let (owners, markers): (Vec<usize>, Vec<&str>) =
        SCRIPT_PATTERNS.iter().enumerate().flat_map(|(i, p)| p.markers.iter().map(move |m| (i, *m))).unzip();
    let search = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(markers)
        .expect("valid marker set");
    (search, owners)
});

/// Find tag IDs in an inline script; `found(offset, tag)` gets the byte offset of each, in
/// the order of the patterns, then of the text (as each pattern's `captures_iter` over the
/// whole text would give them).
pub fn scan_script(text: &str, mut found: impl FnMut(usize, TagId)) {
    let b = text.as_bytes();
    // Where each pattern may match, from the markers' occurrences.
    let mut starts: Vec<Vec<usize>> = vec![Vec::new(); SCRIPT_PATTERNS.len()];
    let mut present = vec![false; SCRIPT_PATTERNS.len()];
    let mut whole_text: Vec<bool> = SCRIPT_PATTERNS.iter().map(|p| matches!(p.start, Start::Anywhere)).collect();
    let (markers, owners) = &*MARKERS;
    for m in markers.find_iter(text) {
        let i = owners[m.pattern().as_usize()];
        present[i] = true;
        let at = m.start();
        let start = match SCRIPT_PATTERNS[i].start {
            Start::AtMarker => Some(at),
            Start::Quote(before) => at.checked_sub(1).filter(|&s| before.contains(&b[s])),
            Start::QuoteSpace(before) => {
                let mut s = at;
                while s > 0 && matches!(b[s - 1], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
                    s -= 1;
                }
                match s.checked_sub(1).map(|s| (s, b[s])) {
                    Some((s, c)) if before.contains(&c) => Some(s),
                    // Unicode white space (U+00A0 and the like) is `\s` too: rare enough to
                    // search the whole text for.
                    Some((_, c)) if c >= 0x80 => {
                        whole_text[i] = true;
                        None
                    }
                    _ => None,
                }
            }
            Start::Anywhere => None,
        };
        starts[i].extend(start);
    }
    for (i, pat) in SCRIPT_PATTERNS.iter().enumerate().filter(|(i, _)| present[*i]) {
        let mut report = |start: usize, value: &str| {
            found(start, TagId { kind: pat.kind, value: value.to_owned(), vendor_host: pat.vendor_host, line: 0 })
        };
        if whole_text[i] {
            for c in pat.regex.captures_iter(text) {
                let m = c.get(1).expect("pattern has a group");
                report(m.start(), m.as_str());
            }
            continue;
        }
        let list = &mut starts[i];
        list.sort_unstable();
        list.dedup();
        let mut caps = pat.anchored.create_captures();
        // Matches do not overlap, as `captures_iter` reports them: a start inside the last
        // match is passed over.
        let mut end = 0;
        for &s in list.iter() {
            if s < end {
                continue;
            }
            let input = regex_automata::Input::new(text).range(s..).anchored(regex_automata::Anchored::Yes);
            pat.anchored.search_captures(&input, &mut caps);
            if let (Some(whole), Some(m)) = (caps.get_match(), caps.get_group(1)) {
                end = whole.end();
                report(m.start, &text[m.range()]);
            }
        }
    }
}

/// Find tag IDs in a resource URL (`gtag/js?id=G-…`, `facebook.com/tr?id=…`, ...): the
/// leftmost match of each pattern that applies, as a search over the whole URL finds it.
pub fn scan_url(url: &Url, mut found: impl FnMut(TagId)) {
    let text = url.as_str();
    for pat in URL_PATTERNS.iter().filter(|p| p.applies_to(url)) {
        let mut caps = pat.regex.create_captures();
        let leads = text.bytes().enumerate().filter(|(_, c)| pat.lead.contains(c));
        for (at, _) in leads {
            let input = regex_automata::Input::new(text).range(at..).anchored(regex_automata::Anchored::Yes);
            pat.regex.search_captures(&input, &mut caps);
            if let Some(m) = caps.get_group(1) {
                let value = text[m.range()].to_owned();
                found(TagId { kind: pat.kind, value, vendor_host: pat.vendor_host, line: 0 });
                break;
            }
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

    /// What scanning was before it searched only where markers are: each pattern whose
    /// marker is present, run over the whole text. The oracle the anchored search is held to.
    fn reference(text: &str) -> Vec<(usize, &'static str, String)> {
        let mut v = Vec::new();
        for pat in SCRIPT_PATTERNS.iter().filter(|p| p.markers.iter().any(|m| text.contains(m))) {
            for caps in pat.regex.captures_iter(text) {
                let m = caps.get(1).expect("pattern has a group");
                v.push((m.start(), pat.kind, m.as_str().to_owned()));
            }
        }
        v
    }

    fn anchored(text: &str) -> Vec<(usize, &'static str, String)> {
        let mut v = Vec::new();
        scan_script(text, |at, t| v.push((at, t.kind, t.value)));
        v
    }

    /// Scripts made of the pieces the patterns are made of (markers, quotes, white space
    /// of both kinds, IDs of every shape and length), in every order a seeded generator
    /// picks: the anchored search finds what the whole-text search finds, in its order.
    #[test]
    fn searching_at_markers_finds_what_the_whole_text_finds() {
        const PIECES: &[&str] = &[
            "GTM-",
            "G-",
            "AW-",
            "UA-",
            "DC-",
            "fbq",
            "ttq",
            "pintrk",
            "_linkedin_partner_id",
            "bat.bing.com",
            "hjid",
            "snaptr",
            "twq",
            "clarity",
            "\"",
            "'",
            "=",
            " ",
            "\n",
            "\t",
            "\u{a0}",
            "\u{3000}",
            "(",
            ")",
            ",",
            ":",
            ".",
            "load",
            "init",
            "config",
            "script",
            "ti",
            "ABCD",
            "K7Q2",
            "ABCDEFGHIJKL",
            "1234",
            "123456",
            "1234567890",
            "12345678901234",
            "-",
            "é",
            "x",
            "a1b2c3d4e5",
            "0f",
            "C4ABCDEFGHIJKLMNOPQR",
            "bx",
            // Whole IDs, as snippets write them.
            "'GTM-K7Q2AB'",
            "= GTM-ABCD",
            "\"G-ABCDEF12\"",
            "'AW-1234567'",
            "=UA-1234-12",
            "'DC-1234567'",
            "fbq('init', '1234567890123')",
            "ttq.load('C4ABCDEFGHIJKLMNOPQR')",
            "pintrk('load', '1234567890123')",
            "_linkedin_partner_id = \"12345\"",
            "hjid: 123456",
            "ti: 12345678",
            "\"clarity\", \"script\", \"abcd1234ef\"",
            "twq('init','abcde')",
            "snaptr('init', '0123456789abcdef0123456789abcdef0123')",
        ];
        let mut generate = crate::extract::pieced(PIECES, 0x2545_f491_4f6c_dd1d);
        let mut with_ids = 0;
        for _ in 0..60_000 {
            let js = generate(16);
            let want = reference(&js);
            with_ids += usize::from(!want.is_empty());
            assert_eq!(anchored(&js), want, "{js:?}");
        }
        // The generator does reach the shapes that are IDs.
        assert!(with_ids > 20_000, "only {with_ids} scripts held an ID");
    }

    /// Every inline script of the real pages in the corpus (when it is there, as in CI).
    #[test]
    fn searching_at_markers_agrees_on_real_pages() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-pages/pages");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert!(std::env::var_os("CI").is_none(), "no corpus at {}", dir.display());
            return;
        };
        let (mut scripts, mut ids) = (0, 0);
        for e in entries.flatten() {
            let Ok(page) = std::fs::read_to_string(e.path()) else { continue };
            for part in page.split("<script").skip(1) {
                let body = part.split_once('>').map_or("", |(_, rest)| rest);
                let js = body.split("</script").next().unwrap_or("");
                let want = reference(js);
                ids += want.len();
                scripts += 1;
                assert_eq!(anchored(js), want, "{}", e.path().display());
            }
        }
        assert!(scripts > 100 && ids > 10, "{scripts} scripts, {ids} IDs");
    }

    /// URLs made of the pieces the URL patterns are made of, on each pattern's host: the
    /// anchored search finds the match a search over the whole URL finds.
    #[test]
    fn url_ids_are_the_leftmost_matches() {
        const PIECES: &[&str] = &[
            "?",
            "&",
            "=",
            "id",
            "sdkid",
            "tid",
            "pid",
            "ti",
            "company_id",
            "/tag/",
            "/",
            "GTM-",
            "G-",
            "AW-",
            "ABCD",
            "K7Q2AB",
            "ABCDEFGHIJKLMNOP",
            "1234",
            "123456",
            "1234567890",
            "12345678901234",
            "abcd1234ef",
            "Xy12Ab",
            "_",
            "-",
            "x",
            "%20",
            "#",
            ".",
            // Whole parameters, as tags write them.
            "?id=GTM-K7Q2AB",
            "&id=G-ABCDEF12",
            "?id=AW-1234567",
            "&id=1234567890123",
            "?sdkid=C4ABCDEFGHIJKLMNOPQ",
            "&tid=1234567890123",
            "?pid=12345",
            "&ti=1234567",
            "?company_id=Xy12Ab",
            "/tag/abcd1234ef",
        ];
        let mut generate = crate::extract::pieced(PIECES, 0x1234_5678_9abc_def1);
        let mut with_ids = 0;
        for pat in URL_PATTERNS.iter() {
            let whole = Regex::new(pat.source).expect("valid tag regex");
            let base = format!("https://www.{}{}", pat.domain, if pat.path.is_empty() { "/p" } else { pat.path });
            for _ in 0..4_000 {
                let tail = generate(12);
                let Ok(url) = Url::parse(&format!("{base}{tail}")) else { continue };
                let want: Vec<String> = whole.captures(url.as_str()).map(|c| c[1].to_owned()).into_iter().collect();
                let mut got = Vec::new();
                scan_url(&url, |t| {
                    if t.kind == pat.kind {
                        got.push(t.value)
                    }
                });
                with_ids += usize::from(!want.is_empty());
                assert_eq!(got, want, "{url}");
            }
        }
        assert!(with_ids > 2_000, "only {with_ids} URLs held an ID");
    }

    /// No marker shares a byte with another in any text: none holds another, and none ends
    /// with what another begins with. So one leftmost-first pass finds every occurrence.
    #[test]
    fn markers_cannot_overlap() {
        let markers: Vec<&str> = SCRIPT_PATTERNS.iter().flat_map(|p| p.markers.iter().copied()).collect();
        assert!(markers.iter().all(|m| m.len() >= 3), "a marker under three bytes slows the search");
        for (i, a) in markers.iter().enumerate() {
            for (_, b) in markers.iter().enumerate().filter(|(j, _)| *j != i) {
                assert!(!a.contains(b), "{a} holds {b}");
                for k in 1..a.len().min(b.len()) {
                    assert!(a[a.len() - k..] != b[..k], "{a} ends with what {b} begins with");
                }
            }
        }
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
