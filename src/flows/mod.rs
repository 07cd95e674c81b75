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
    /// The prices the page shows (a product's, the cart's or order's total), once known.
    prices: Vec<f64>,
}

impl Matcher {
    pub fn new(identity_needles: Vec<Needle>, page_url: Option<&Url>) -> Matcher {
        let mut needles = identity_needles;
        // The home page's URL is the origin and a slash: any URL of the store starts with it,
        // so it would be found in every image link. Only a page with a path or query is
        // looked for (a `Referer` is judged the same way).
        let page_url = page_url.filter(|u| u.path() != "/" || u.query().is_some()).map(|u| {
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
        Matcher { needles, search, page_url, prices: Vec::new() }
    }

    /// The page URL looked for, if any.
    pub fn page_url(&self) -> Option<&str> {
        self.page_url.as_deref()
    }

    /// The same matcher for the page's final URL (after redirects), keeping its prices.
    pub fn for_page(&self, page_url: &Url) -> Matcher {
        let identity: Vec<Needle> = self.needles.iter().filter(|n| n.of != "page-url").cloned().collect();
        let mut m = Matcher::new(identity, Some(page_url));
        m.prices = self.prices.clone();
        m
    }

    /// The prices the page shows: a parameter with a money name (`value`, `price`, `total`,
    /// `revenue`, `amount`) holding one of them is the purchase or cart value leaving.
    pub fn set_prices(&mut self, mut prices: Vec<f64>) {
        prices.retain(|p| p.is_finite() && *p > 0.0);
        prices.dedup();
        self.prices = prices;
    }
}

/// A price as a page writes it (`19.00`, `$1,299.99`, `19,90 €`), as a number.
pub fn parse_price(text: &str) -> Option<f64> {
    let kept: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',').collect();
    // A comma is the decimal mark when it is the last separator and two digits follow it
    // (`19,90`, `1.299,90`); otherwise it groups thousands (`1,299.99`).
    let normal = match (kept.rfind(','), kept.rfind('.')) {
        (Some(c), d) if d.is_none_or(|d| c > d) && kept.len() - c == 3 => kept.replace('.', "").replace(',', "."),
        _ => kept.replace(',', ""),
    };
    normal.parse::<f64>().ok().filter(|p| p.is_finite() && *p > 0.0)
}

/// Parameter names that carry money: a purchase, cart or product value.
fn money_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let last = k.rsplit(['.', '[', ']', '_', '-']).find(|p| !p.is_empty()).unwrap_or(&k);
    ["value", "price", "total", "revenue", "amount", "subtotal", "sum", "ordertotal", "carttotal"].contains(&last)
        || k.contains("price")
        || k.contains("revenue")
        || k.ends_with("total")
}

/// The page's prices in a request's parameters: query pairs, a form body, a JSON body
/// (any depth) and newline-separated batches of query strings.
fn price_observations(
    req: &Outgoing<'_>,
    body: Option<&str>,
    m: &Matcher,
    seen: &mut std::collections::BTreeSet<Observation>,
) {
    if m.prices.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String, Via)> =
        req.url.query_pairs().take(200).map(|(k, v)| (k.into_owned(), v.into_owned(), Via::Query)).collect();
    if let Some(b) = body {
        let t = b.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
                json_pairs(&v, "", 0, &mut |k, v| pairs.push((k, v, req.body_via)));
            }
        } else {
            for line in t.lines().take(50) {
                for (k, v) in url::form_urlencoded::parse(line.as_bytes()).take(200) {
                    pairs.push((k.into_owned(), v.into_owned(), req.body_via));
                }
            }
        }
    }
    for (k, v, via) in pairs {
        if !money_key(&k) {
            continue;
        }
        let Some(n) = parse_price(&v) else { continue };
        // Cents are the same value (`1999` for 19.99); a rounding difference is not another.
        if m.prices.iter().any(|p| (p - n).abs() < 0.005 || (p * 100.0 - n).abs() < 0.5) {
            seen.insert(Observation {
                kind: "purchase-cart",
                of: Some("price"),
                encoding: Some(Encoding::Plain),
                via,
                example: format!("{}=«the page's price»", safe_key(&k)),
            });
        }
    }
}

/// Every scalar of a JSON value with its dotted path, bounded in depth and count.
fn json_pairs(v: &serde_json::Value, path: &str, depth: usize, out: &mut dyn FnMut(String, String)) {
    if depth > 8 {
        return;
    }
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o.iter().take(200) {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                json_pairs(x, &p, depth + 1, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().take(200).for_each(|x| json_pairs(x, path, depth + 1, out)),
        serde_json::Value::String(s) => out(path.to_owned(), s.clone()),
        serde_json::Value::Number(n) => out(path.to_owned(), n.to_string()),
        _ => {}
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
    price_observations(req, body_text.as_deref(), m, &mut seen);
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
            // In the URL when the query has that key (or its root, for a nested one such as
            // Criteo's `p2[m]` inside `p2`): the body otherwise.
            let root = p.name.split('[').next().unwrap_or(&p.name);
            let in_url = req.url.query_pairs().any(|(k, _)| k == p.name.as_str() || k == root);
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
        // The page wrote these: event names lose what could mislead a terminal or a
        // reader (control and bidi characters), and an account ID must look like one.
        out.events = d
            .events
            .iter()
            .map(|e| e.chars().filter(|c| !crate::sanitize::is_unsafe(*c)).take(100).collect::<String>())
            .filter(|e| !e.trim().is_empty())
            .collect();
        out.events.dedup();
        out.tag_ids = d
            .tag_ids
            .into_iter()
            .filter(|(_, v)| {
                (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
            })
            .collect();
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
    // Each view has its own allowance of runs: decoys in one cannot hide another's.
    let decoded: Vec<Vec<u8>> = views.iter().flat_map(|(_, v)| base64_runs(v)).collect();
    let mut b64_views: Vec<(Encoding, Vec<u8>)> = Vec::new();
    for d in decoded {
        let d_once = url_decode(&d);
        b64_views.push((Encoding::Base64, d));
        if let Some(o) = d_once {
            b64_views.push((Encoding::Base64, o));
        }
    }
    // Hits judged part of a longer value, per needle: past a few dozen, a payload that
    // repeats the e-mail a million times costs no more.
    let mut swallowed_hits: std::collections::HashMap<usize, usize> = Default::default();
    let mut found_keys: Vec<(&str, &str, Option<Encoding>)> = Vec::new();
    for (enc, text) in views.iter().map(|(e, t)| (*e, *t)).chain(b64_views.iter().map(|(e, t)| (*e, t.as_slice()))) {
        for hit in m.search.find_iter(text) {
            let i = hit.pattern().as_usize();
            let n = &m.needles[i];
            // One form of a value is enough: the most direct view it shows in says how it
            // was written (a phone number typed with its `+` is not also "URL-encoded").
            let key = (n.kind, n.of, n.hashed);
            if found.contains(&i) || found_keys.contains(&key) || !bounded(text, hit.start(), hit.end(), n) {
                continue;
            }
            let tries = swallowed_hits.entry(i).or_default();
            if *tries >= MAX_SWALLOW_CHECKS {
                continue;
            }
            if swallowed(text, hit.start(), hit.end(), n, m) {
                *tries += 1;
                continue;
            }
            found.push(i);
            found_keys.push(key);
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
                | b':'
                | b','
                | b';'
                | b'{'
                | b'}'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'|'
        ) || c.is_ascii_whitespace()
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

/// Does the hit stand on its own? A run of digits (a phone number) must have no digit
/// beside it (a timestamp may contain any seven digits), a word (a name, a city) no letter or
/// digit beside it (`maria` in `mariadb`), and the page's URL must end where a URL ends
/// (`/product/mug` is not `/product/mug-xl`).
fn bounded(text: &[u8], start: usize, end: usize, n: &Needle) -> bool {
    let before = start.checked_sub(1).map(|i| text[i]);
    let after = text.get(end).copied();
    if n.digits_only {
        return !before.is_some_and(|b| b.is_ascii_digit()) && !after.is_some_and(|b| b.is_ascii_digit());
    }
    if n.of == "page-url" {
        return !after.is_some_and(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b));
    }
    if n.hashed.is_none() && n.text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return !before.is_some_and(|b| b.is_ascii_alphanumeric()) && !after.is_some_and(|b| b.is_ascii_alphanumeric());
    }
    true
}

/// How many hits of one needle per payload part are checked against longer values before
/// the rest are taken to be inside one too.
const MAX_SWALLOW_CHECKS: usize = 32;

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

/// One run decoded as base64 (standard or web-safe, padded or not), when the result is
/// mostly printable text.
fn decode_b64(run: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
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
    // A run that is not a whole number of base64 quanta may be base64 followed by text;
    // decode the longest prefix that is.
    let usable = cleaned.len() - cleaned.len() % 4;
    let bytes = engine.decode(&cleaned[..usable]).ok()?;
    let printable = bytes.iter().filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t').count();
    (bytes.len() >= 8 && printable * 10 >= bytes.len() * 9).then_some(bytes)
}

/// Runs that look like base64 (16 characters or more, standard or web-safe alphabet),
/// decoded, when the result is mostly text: a payload nested as base64 JSON or query.
fn base64_runs(text: &[u8]) -> Vec<Vec<u8>> {
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
        // `/` is base64 and a path separator: a value in a URL path is one segment of a
        // longer run, so each segment is tried as well as the whole.
        if run.contains(&b'/') {
            for seg in run.split(|&c| c == b'/').filter(|s| s.len() >= 16) {
                out.extend(decode_b64(seg));
            }
        }
        out.extend(decode_b64(run));
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
    fn the_pages_price_under_a_money_name_is_the_purchase_value() {
        let mut m = matcher();
        m.set_prices(vec![parse_price("$1,299.50").unwrap(), parse_price("19,90 €").unwrap()]);
        let url = Url::parse("https://collect.metrics.test/e?ev=checkout&order_total=1299.5").unwrap();
        let a = analyse(
            &Outgoing { url: &url, body: Some(br#"{"cart":{"value":"19.90"},"qty":2}"#), body_via: Via::Body },
            &m,
        );
        assert_eq!(
            kinds(&a.observations),
            vec![
                ("purchase-cart", Some("price"), Some("plain"), "query"),
                ("purchase-cart", Some("price"), Some("plain"), "body")
            ]
        );
        // The same number under another name (a quantity, a timestamp) is not a price.
        let url = Url::parse("https://collect.metrics.test/e?qty=1299.5&id=1990").unwrap();
        assert!(analyse(&Outgoing { url: &url, body: None, body_via: Via::Body }, &m).observations.is_empty());
        assert_eq!(parse_price("1.299,90"), Some(1299.9));
        assert_eq!(parse_price("free"), None);
    }

    #[test]
    fn words_stand_alone_and_names_beside_the_email_still_count() {
        // `Vendorina` inside `vendorinadb` is not the first name.
        assert!(run("https://x.vendor.test/c?db=vendorinadb", None, Via::Body).is_empty());
        // A name on its own line next to the e-mail is a name sent too.
        let obs = run("https://x.vendor.test/c", Some(b"Testperson\nvendorscan.testperson@example.com"), Via::Body);
        assert_eq!(
            kinds(&obs),
            vec![("email", Some("email"), Some("plain"), "body"), ("name", Some("name"), Some("plain"), "body")]
        );
    }

    #[test]
    fn the_page_url_must_end_where_a_url_ends_and_the_home_page_is_not_searched() {
        assert!(
            run("https://x.vendor.test/c?u=https%3A%2F%2Fshop.test%2Fproduct%2Fmug%3Fv%3D2x", None, Via::Body)
                .is_empty()
        );
        let home = Matcher::new(vec![], Some(&Url::parse("https://shop.test/").unwrap()));
        let url = Url::parse("https://cdn.vendor.test/img?src=https%3A%2F%2Fshop.test%2Ffiles%2Flogo.png").unwrap();
        assert!(analyse(&Outgoing { url: &url, body: None, body_via: Via::Body }, &home).observations.is_empty());
    }

    #[test]
    fn base64_in_a_url_path_segment_is_read() {
        let b64 =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"email":"vendorscan.testperson@example.com"}"#);
        let obs = run(&format!("https://x.vendor.test/t/{b64}/px.gif"), None, Via::Body);
        assert_eq!(kinds(&obs), vec![("email", Some("email"), Some("base64"), "query")]);
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
