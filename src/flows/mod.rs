//! Observed data flows: what a request actually carried, read from its payload.
//!
//! Enters: one outgoing request as the browser sent it ([`Outgoing`]: URL, body bytes,
//! cookies, referrer, WebSocket frame) and the [`identity::Identity`] the visit typed into
//! the page. Leaves: [`Analysis`], plain data: which kinds of data left (`email`,
//! `hashed-identifier` of a phone number, `purchase-cart`, ...), in which encoding and by
//! which way, the tag protocol's event names and the account IDs it named, each with a
//! redacted example. Nothing raw leaves this module: the payload is read here and dropped.
//!
//! Plain functions, no runtime: the browser visit calls [`analyse`] as each request is
//! recorded, so a page's payloads are never held all at once.

pub mod fingerprint;
pub mod identity;
pub mod protocols;

pub use crate::model::{Encoding, Observation, Via};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use identity::Needle;
use std::io::Read;
use url::Url;

/// One request as the browser sent it.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub url: &'a Url,
    /// The body (POST data, beacon payload) or the WebSocket frame, as sent.
    pub body: Option<&'a [u8]>,
    /// Which way the body went: [`Via::Body`], [`Via::Beacon`] or [`Via::Websocket`].
    pub body_via: Via,
}

/// What one request carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Sorted, distinct.
    pub observations: Vec<Observation>,
    /// The tag protocol it spoke (`meta-pixel`, `ga4`, ...), when it is a known one.
    pub protocol: Option<&'static str>,
    pub events: Vec<String>,
    pub tag_ids: Vec<(&'static str, String)>,
    /// The body was longer than [`MAX_BODY`] (after decompression): only its start was read.
    pub truncated: bool,
}

/// How much of one body is read (after decompression). Enough for any tag's event batch;
/// a session-replay upload beyond it is cut, and the analysis says so.
pub const MAX_BODY: usize = 1 << 20;
/// Base64 runs decoded per payload: a page cannot make one request cost more than this.
const MAX_BASE64_RUNS: usize = 64;

/// What the analysis looks for, built once per page: the identity's forms and the page's
/// own URL.
pub struct Matcher {
    needles: Vec<Needle>,
    search: AhoCorasick,
    /// The page URL without its fragment, when it is long enough to mean something.
    page_url: Option<String>,
}

impl Matcher {
    pub fn new(identity_needles: Vec<Needle>, page_url: Option<&Url>) -> Matcher {
        let mut needles = identity_needles;
        let page_url = page_url.map(|u| {
            let mut u = u.clone();
            u.set_fragment(None);
            u.as_str().to_owned()
        });
        if let Some(p) = &page_url {
            needles.push(Needle {
                text: p.to_ascii_lowercase(),
                kind: "page-url-referrer",
                of: "page-url",
                hashed: None,
                digits_only: false,
            });
            needles.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then_with(|| a.text.cmp(&b.text)));
        }
        let search = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(needles.iter().map(|n| n.text.as_bytes()))
            .expect("needles are plain strings");
        Matcher { needles, search, page_url }
    }
}

/// Read one request: which identity values and page data it carried, in which form, and
/// what its tag protocol says.
pub fn analyse(req: &Outgoing<'_>, m: &Matcher) -> Analysis {
    let mut out = Analysis::default();
    let mut seen: std::collections::BTreeSet<Observation> = Default::default();
    // The URL after the host: where a pixel puts its parameters.
    let mut tail = req.url.path().to_owned();
    if let Some(q) = req.url.query() {
        tail.push('?');
        tail.push_str(q);
    }
    search_surface(tail.as_bytes(), Via::Query, m, &mut seen);
    let body_text = req.body.map(|b| {
        let (bytes, gz, cut) = inflate(b);
        out.truncated |= cut;
        let via = req.body_via;
        if gz {
            search_gzipped(&bytes, via, m, &mut seen);
        } else {
            search_surface(&bytes, via, m, &mut seen);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    if let Some(d) = protocols::decode(req.url, body_text.as_deref()) {
        let body_via = req.body_via;
        let hashed_seen = seen.iter().any(|o| o.kind == "hashed-identifier");
        for p in &d.params {
            // The identity search already says which value it was (and which hash); the
            // decoder's view of the same parameter would only repeat it without the `of`.
            if (p.kind == "hashed-identifier" && hashed_seen) || seen.iter().any(|o| o.kind == p.kind && o.of.is_some())
            {
                continue;
            }
            let in_url = req.url.query().is_some_and(|q| q.contains(&*p.name) || q.contains(&encode_key(&p.name)));
            let via = if in_url || req.body.is_none() { Via::Query } else { body_via };
            let encoding = match p.kind {
                "hashed-identifier" => Some(hash_of(&p.value)),
                "email" | "phone" | "name" | "postal-address" | "date-of-birth" => Some(Encoding::Plain),
                _ => None,
            };
            seen.insert(Observation {
                kind: p.kind,
                of: None,
                encoding,
                via,
                example: format!("{}=«{}»", safe_key(&p.name), p.kind.replace('-', " ")),
            });
        }
        out.protocol = Some(d.protocol);
        out.events = d.events;
        out.tag_ids = d.tag_ids;
    }
    out.observations = dedupe(seen);
    out
}

/// What the headers the browser wrote for a request carried: its cookies (the identity
/// may be in one a script set) and a `Referer` with the page's path. They arrive apart from
/// the request (`Network.requestWillBeSentExtraInfo`), so they are read apart.
pub fn analyse_headers(cookie: Option<&str>, referrer: Option<&str>, m: &Matcher) -> Vec<Observation> {
    let mut seen: std::collections::BTreeSet<Observation> = Default::default();
    if let Some(c) = cookie.filter(|c| !c.trim().is_empty()) {
        search_surface(c.as_bytes(), Via::Cookie, m, &mut seen);
        let names: Vec<&str> =
            c.split(';').filter_map(|p| p.split('=').next()).map(str::trim).filter(|n| !n.is_empty()).take(6).collect();
        seen.insert(Observation {
            kind: "cookies-identifiers",
            of: None,
            encoding: None,
            via: Via::Cookie,
            example: format!("cookie {}", names.iter().map(|n| safe_key(n)).collect::<Vec<_>>().join(", ")),
        });
    }
    // Browsers send the page's origin as the referrer of every cross-site request; only a
    // referrer that carries the page's path tells the vendor which page was viewed.
    if let (Some(r), Some(page)) = (referrer, &m.page_url) {
        if let Ok(ru) = Url::parse(r) {
            let carries_path = ru.path() != "/" || ru.query().is_some();
            if carries_path && page.eq_ignore_ascii_case(ru.as_str()) {
                seen.insert(Observation {
                    kind: "page-url-referrer",
                    of: Some("page-url"),
                    encoding: Some(Encoding::Plain),
                    via: Via::Referrer,
                    example: "Referer: «page URL»".into(),
                });
            }
        }
    }
    dedupe(seen)
}

/// Add `more` to a request's sorted observations, keeping one per (kind, of, encoding, via).
pub fn merge(into: &mut Vec<Observation>, more: Vec<Observation>) {
    let all: std::collections::BTreeSet<Observation> = into.drain(..).chain(more).collect();
    *into = dedupe(all);
}

/// One observation per (kind, of, encoding, via): the first example stands for the rest.
fn dedupe(seen: std::collections::BTreeSet<Observation>) -> Vec<Observation> {
    let mut out: Vec<Observation> = Vec::new();
    for o in seen {
        if !out.iter().any(|x| (x.kind, x.of, x.encoding, x.via) == (o.kind, o.of, o.encoding, o.via)) {
            out.push(o);
        }
    }
    out
}

fn hash_of(v: &str) -> Encoding {
    let hexish = v.bytes().all(|b| b.is_ascii_hexdigit());
    match v.len() {
        40 if hexish => Encoding::Sha1,
        32 if hexish => Encoding::Md5,
        _ => Encoding::Sha256,
    }
}

fn encode_key(k: &str) -> String {
    percent_encoding::utf8_percent_encode(k, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A parameter name fit for the report: short, and only the characters names are made of
/// (a page choosing its own keys cannot write text into the report through them).
fn safe_key(k: &str) -> String {
    let s: String = k.chars().filter(|c| c.is_ascii_alphanumeric() || "_.-[]$:".contains(*c)).take(40).collect();
    if s.is_empty() { "?".into() } else { s }
}

/// The body as bytes to search, decompressed when it is gzip: `(bytes, was_gzip, cut)`.
fn inflate(body: &[u8]) -> (Vec<u8>, bool, bool) {
    if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // A bomb stops at the cap: the reader is never asked for more.
        let mut r = flate2::read::MultiGzDecoder::new(body).take(MAX_BODY as u64 + 1);
        if r.read_to_end(&mut out).is_ok() || !out.is_empty() {
            let cut = out.len() > MAX_BODY;
            out.truncate(MAX_BODY);
            return (out, true, cut);
        }
    }
    let cut = body.len() > MAX_BODY;
    (body[..body.len().min(MAX_BODY)].to_vec(), false, cut)
}

fn search_gzipped(bytes: &[u8], via: Via, m: &Matcher, seen: &mut std::collections::BTreeSet<Observation>) {
    let mut found = std::collections::BTreeSet::new();
    search_surface(bytes, via, m, &mut found);
    // Inside a gzip'd body, what was plain is "gzip"; what was further encoded keeps that.
    for mut o in found {
        if o.encoding == Some(Encoding::Plain) {
            o.encoding = Some(Encoding::Gzip);
        }
        seen.insert(o);
    }
}

/// Search one part of a request in every view of it: as sent, URL-decoded once and twice,
/// and each base64 run decoded. A value is reported in the most direct view it shows in.
fn search_surface(bytes: &[u8], via: Via, m: &Matcher, seen: &mut std::collections::BTreeSet<Observation>) {
    let mut found: Vec<usize> = Vec::new();
    let plain = bytes.to_vec();
    let once = url_decode(&plain);
    let twice = once.as_ref().and_then(|o| url_decode(o));
    let mut views: Vec<(Encoding, &[u8])> = vec![(Encoding::Plain, &plain)];
    if let Some(o) = &once {
        views.push((Encoding::Url, o));
    }
    if let Some(t) = &twice {
        views.push((Encoding::Url, t));
    }
    let mut decoded: Vec<Vec<u8>> = Vec::new();
    for (_, v) in &views {
        for run in base64_runs(v) {
            if decoded.len() >= MAX_BASE64_RUNS {
                break;
            }
            decoded.push(run);
        }
    }
    let mut b64_views: Vec<(Encoding, Vec<u8>)> = Vec::new();
    for d in decoded {
        let d_once = url_decode(&d);
        b64_views.push((Encoding::Base64, d));
        if let Some(o) = d_once {
            b64_views.push((Encoding::Base64, o));
        }
    }
    for (enc, text) in views.iter().map(|(e, t)| (*e, *t)).chain(b64_views.iter().map(|(e, t)| (*e, t.as_slice()))) {
        for hit in m.search.find_iter(text) {
            let n = &m.needles[hit.pattern().as_usize()];
            if n.digits_only && digit_beside(text, hit.start(), hit.end()) {
                continue;
            }
            let i = hit.pattern().as_usize();
            if found.contains(&i) || swallowed(text, hit.start(), hit.end(), n, m) {
                continue;
            }
            found.push(i);
            let encoding = n.hashed.unwrap_or(enc);
            let example = match key_before(text, hit.start()) {
                Some(k) => format!("{k}={}", n.placeholder()),
                None => format!("{} in {}", n.placeholder(), via.as_str()),
            };
            let kind = if n.hashed.is_some() { "hashed-identifier" } else { n.kind };
            let of = Some(n.of);
            seen.insert(Observation { kind, of, encoding: Some(encoding), via, example });
        }
    }
}

/// Is this hit part of a longer identity value written in another encoding? A last name
/// inside the e-mail `vendorscan.testperson%2540example.com` is the e-mail, twice
/// URL-encoded, not a name sent beside it: the token around the hit, decoded, holds the
/// longer value.
fn swallowed(text: &[u8], start: usize, end: usize, n: &Needle, m: &Matcher) -> bool {
    let sep = |c: u8| {
        matches!(
            c,
            b'&' | b'='
                | b'?'
                | b'/'
                | b'"'
                | b'\''
                | b' '
                | b':'
                | b','
                | b';'
                | b'{'
                | b'}'
                | b'['
                | b']'
                | b'<'
                | b'>'
        )
    };
    let mut a = start;
    while a > 0 && start - a < 512 && !sep(text[a - 1]) {
        a -= 1;
    }
    let mut b = end;
    while b < text.len() && b - end < 512 && !sep(text[b]) {
        b += 1;
    }
    if (a, b) == (start, end) {
        return false;
    }
    let mut token = text[a..b].to_vec();
    for _ in 0..2 {
        match url_decode(&token) {
            Some(d) => token = d,
            None => break,
        }
    }
    let token = token.to_ascii_lowercase();
    m.needles
        .iter()
        .filter(|o| o.text.len() > n.text.len() && o.text.contains(n.text.as_str()))
        .any(|o| memchr::memmem::find(&token, o.text.as_bytes()).is_some())
}

fn digit_beside(text: &[u8], start: usize, end: usize) -> bool {
    (start > 0 && text[start - 1].is_ascii_digit()) || text.get(end).is_some_and(u8::is_ascii_digit)
}

/// The parameter name written just before a value: `key=` in a query or form, `"key":` in
/// JSON. Looked for in the few bytes before the value only.
fn key_before(text: &[u8], at: usize) -> Option<String> {
    let from = at.saturating_sub(64);
    let before = String::from_utf8_lossy(&text[from..at]).into_owned();
    let before = before.trim_end_matches(['"', ' ', '\'']);
    let before =
        before.strip_suffix(':').map(|b| b.trim_end().trim_end_matches('"')).or_else(|| before.strip_suffix('='))?;
    let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || "_.-[]$:".contains(c))).map_or(0, |i| i + 1);
    let key = &before[start..];
    (!key.is_empty()).then(|| safe_key(key))
}

/// Form-style URL decoding (`+` is a space), or `None` when there is nothing to decode.
fn url_decode(b: &[u8]) -> Option<Vec<u8>> {
    if !b.iter().any(|&c| c == b'%' || c == b'+') {
        return None;
    }
    let spaced: Vec<u8> = b.iter().map(|&c| if c == b'+' { b' ' } else { c }).collect();
    let out: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    (out != b).then_some(out)
}

/// Runs that look like base64 (16 characters or more, standard or web-safe alphabet),
/// decoded, when the result is mostly text: a payload nested as base64 JSON or query.
fn base64_runs(text: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine;
    let mut out = Vec::new();
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
    let mut i = 0;
    while i < text.len() && out.len() < MAX_BASE64_RUNS {
        if !is_b64(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_b64(text[i]) {
            i += 1;
        }
        let run = &text[start..i];
        if run.len() < 16 {
            continue;
        }
        let cleaned: Vec<u8> = run
            .iter()
            .map(|&c| match c {
                b'-' => b'+',
                b'_' => b'/',
                c => c,
            })
            .collect();
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true),
        );
        // A run that is not a whole number of base64 quanta may be base64 followed by
        // text; decode the longest prefix that is.
        let usable = cleaned.len() - cleaned.len() % 4;
        let Ok(bytes) = engine.decode(&cleaned[..usable]) else { continue };
        let printable = bytes.iter().filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t').count();
        if bytes.len() >= 8 && printable * 10 >= bytes.len() * 9 {
            out.push(bytes);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::identity::Identity;
    use super::*;
    use base64::Engine;
    use sha2::{Digest, Sha256};
    use std::io::Write;

    fn matcher() -> Matcher {
        Matcher::new(Identity::default().needles(), Some(&Url::parse("https://shop.test/product/mug?v=2#top").unwrap()))
    }

    fn run(url: &str, body: Option<&[u8]>, via: Via) -> Vec<Observation> {
        let url = Url::parse(url).unwrap();
        analyse(&Outgoing { url: &url, body, body_via: via }, &matcher()).observations
    }

    fn kinds(obs: &[Observation]) -> Vec<(&'static str, Option<&'static str>, Option<&'static str>, &'static str)> {
        obs.iter().map(|o| (o.kind, o.of, o.encoding.map(Encoding::as_str), o.via.as_str())).collect()
    }

    fn sha256_hex(s: &str) -> String {
        Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_plain_email_in_a_json_body_is_found_with_its_key() {
        let body = br#"{"profile":{"email":"vendorscan.testperson@example.com","consent":true}}"#;
        let obs = run("https://a.vendor.test/client/events", Some(body), Via::Body);
        assert_eq!(kinds(&obs), vec![("email", Some("email"), Some("plain"), "body")]);
        assert_eq!(obs[0].example, "email=«e-mail»");
    }

    #[test]
    fn a_hashed_email_in_the_query_is_a_hashed_identifier_of_the_email() {
        let h = sha256_hex("vendorscan.testperson@example.com");
        let obs = run(&format!("https://px.vendor.test/tr?id=1&ud[em]={h}&ev=Lead"), None, Via::Body);
        assert_eq!(kinds(&obs), vec![("hashed-identifier", Some("email"), Some("sha256"), "query")]);
        assert_eq!(obs[0].example, "ud[em]=«sha256(e-mail)»");
        // Upper-case hex is the same digest.
        let obs = run(&format!("https://px.vendor.test/p?hem={}", h.to_uppercase()), None, Via::Body);
        assert_eq!(obs[0].encoding, Some(Encoding::Sha256));
    }

    #[test]
    fn nested_encodings_are_unwrapped() {
        // base64 of a JSON object, in a query parameter (URL-encoded as a browser does it).
        let inner = r#"{"$email":"vendorscan.testperson@example.com","token":"AbC123"}"#;
        let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
        let q = percent_encoding::utf8_percent_encode(&b64, percent_encoding::NON_ALPHANUMERIC).to_string();
        let obs = run(&format!("https://a.vendor.test/api/track?data={q}"), None, Via::Body);
        assert_eq!(kinds(&obs), vec![("email", Some("email"), Some("base64"), "query")]);
        // Twice URL-encoded (a URL carried inside another URL's parameter).
        let twice = "vendorscan.testperson%2540example.com";
        let obs = run(&format!("https://r.vendor.test/redirect?to=x%3Fe%3D{twice}"), None, Via::Body);
        assert_eq!(kinds(&obs), vec![("email", Some("email"), Some("url"), "query")]);
    }

    #[test]
    fn a_gzipped_body_is_read_and_said_to_be_gzip() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"events=[{\"t\":\"input\",\"v\":\"+1 202-555-0147\"}]").unwrap();
        let body = gz.finish().unwrap();
        let obs = run("https://c.replay.test/collect", Some(&body), Via::Beacon);
        assert_eq!(kinds(&obs), vec![("phone", Some("phone"), Some("gzip"), "beacon")]);
    }

    #[test]
    fn phone_digits_inside_a_longer_number_do_not_count() {
        assert!(run("https://x.vendor.test/p?ts=9912025550147001&r=2025550147000", None, Via::Body).is_empty());
        let obs = run("https://x.vendor.test/p?ph=12025550147", None, Via::Body);
        assert_eq!(kinds(&obs), vec![("phone", Some("phone"), Some("plain"), "query")]);
    }

    #[test]
    fn a_request_that_carries_nothing_personal_has_no_observation() {
        assert!(run("https://static.vendor.test/px.gif?e=view&cb=1712345678", None, Via::Body).is_empty());
        assert!(run("https://static.vendor.test/lib.js", Some(b"{}"), Via::Body).is_empty());
        // The last name is inside the e-mail: the e-mail counts, not a name besides it.
        let obs = run("https://x.vendor.test/i?e=vendorscan.testperson@example.com", None, Via::Body);
        assert_eq!(obs.len(), 1, "{obs:?}");
    }

    #[test]
    fn the_page_url_is_found_encoded_and_in_a_referrer_with_its_path() {
        let obs = run(
            "https://www.analytics.test/g/collect?dl=https%3A%2F%2Fshop.test%2Fproduct%2Fmug%3Fv%3D2",
            None,
            Via::Body,
        );
        assert_eq!(kinds(&obs), vec![("page-url-referrer", Some("page-url"), Some("url"), "query")]);
        let m = matcher();
        let with_path = analyse_headers(None, Some("https://shop.test/product/mug?v=2"), &m);
        assert_eq!(kinds(&with_path), vec![("page-url-referrer", Some("page-url"), Some("plain"), "referrer")]);
        let home = Matcher::new(vec![], Some(&Url::parse("https://shop.test/").unwrap()));
        assert!(analyse_headers(None, Some("https://shop.test/"), &home).is_empty(), "an origin-only referrer");
    }

    #[test]
    fn cookies_sent_are_identifiers_and_are_searched() {
        let h = sha256_hex("vendorscan.testperson@example.com");
        let obs = analyse_headers(Some(&format!("_uid=abc; _hem={h}")), None, &matcher());
        assert_eq!(
            kinds(&obs),
            vec![
                ("cookies-identifiers", None, None, "cookie"),
                ("hashed-identifier", Some("email"), Some("sha256"), "cookie")
            ]
        );
        assert_eq!(obs[0].example, "cookie _uid, _hem");
    }

    #[test]
    fn a_hostile_payload_cannot_write_into_the_report_or_blow_up() {
        // A key made of markup and control characters is cleaned; a gzip bomb stops at the cap.
        let body = b"<script>alert(1)</script>\x1b[2J=vendorscan.testperson@example.com";
        let obs = run("https://x.vendor.test/c", Some(body), Via::Body);
        assert!(
            obs[0].example.chars().all(|c| c.is_ascii_graphic() || c == ' ' || "«»".contains(c)),
            "{}",
            obs[0].example
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b'a'; 8 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        let url = Url::parse("https://x.vendor.test/c").unwrap();
        let a = analyse(&Outgoing { url: &url, body: Some(&bomb), body_via: Via::Body }, &matcher());
        assert!(a.truncated && a.observations.is_empty());
    }
}
