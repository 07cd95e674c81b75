//! Tag protocols: what one advertising or analytics request said, read the way the
//! vendor's own tag wrote it.
//!
//! Enters: one request's URL (with its query) and its body, already decompressed to text
//! (a form, a multipart form, JSON, a batch of query strings one per line, or anything
//! else). Leaves: [`Decoded`]: the protocol, the account IDs the request named, the event
//! names it reported and the parameters that say something about the visitor, each with the
//! data kind it reveals; or `None` when host and path are none of the protocols known here.
//!
//! Pure and lenient: tags drift between versions and shops bend them, so an unknown
//! parameter is skipped rather than an error, a malformed body still leaves what the URL
//! said, and no input panics. What one request can add is capped (value length, parameter,
//! event and tag counts) so a hostile page cannot make a report grow without bound.
//! JSON objects are read in the order they were written, not sorted, so the parameters come
//! out in order of appearance.

use base64::Engine as _;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use url::Url;
use url::form_urlencoded;

/// One request, read as its tag protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Short stable protocol id: "meta-pixel", "ga4", "google-ads", "tiktok", "pinterest", "snap", "linkedin", "microsoft-uet", "x", "criteo", "klaviyo", "hotjar", "clarity".
    pub protocol: &'static str,
    /// Account/container ids named by the request, as (tag id kind, value). Kinds: "meta-pixel", "ga4-measurement", "google-ads", "tiktok-pixel", "pinterest-tag", "snap-pixel", "linkedin-partner", "microsoft-uet", "x-pixel", "criteo-account", "klaviyo-company", "hotjar-site", "clarity-project".
    pub tag_ids: Vec<(&'static str, String)>,
    /// Event names the request reports (e.g. "PageView", "page_view", "AddToCart", "Purchase"), in order, deduplicated.
    pub events: Vec<String>,
    /// The parameters that say something about the visitor, each with the data kind it reveals.
    pub params: Vec<Param>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The parameter's name as the protocol writes it ("ud[em]", "cd[value]", "ep.search_term", "context.user.email").
    pub name: String,
    pub value: String,
    /// The data kind id it reveals (vocabulary below).
    pub kind: &'static str,
}

// The data kinds, as the rest of vendorscan names them.
const EMAIL: &str = "email";
const PHONE: &str = "phone";
const NAME: &str = "name";
const ADDRESS: &str = "postal-address";
const BIRTH: &str = "date-of-birth";
const HASHED: &str = "hashed-identifier";
const CART: &str = "purchase-cart";
const PAGE: &str = "page-url-referrer";
const BEHAVIOUR: &str = "browsing-behaviour";
const COOKIES: &str = "cookies-identifiers";
const DEVICE: &str = "user-agent-device";
const RECORDING: &str = "session-recording";

/// A kept value is an example for a report, not the payload: 200 characters say what it is.
const MAX_VALUE_CHARS: usize = 200;
/// Parameters kept per request; a batch of hundreds of events says nothing more after that.
const MAX_PARAMS: usize = 100;
/// Events and tag IDs kept per request, for the same reason.
const MAX_NAMES: usize = 100;
/// Name/value pairs read from one request before the rest is ignored: bounds the work and
/// memory a multi-megabyte body can cost, far above what any real tag sends.
const MAX_FIELDS: usize = 5_000;
/// JSON documents read from one newline-delimited body.
const MAX_DOCS: usize = 1_000;
/// Nesting below which a JSON object is kept as one rendered value instead of walked.
const MAX_JSON_DEPTH: usize = 24;
/// Characters of a JSON leaf kept before classification (longer than a kept value, so an
/// e-mail address is still recognised before it is cut to `MAX_VALUE_CHARS`).
const LEAF_CHARS: usize = 1_024;

/// Decode `url` (with its query) and the request body (already decompressed, as text; form-encoded, JSON, newline-separated batches or text) as the tag protocol its host and path say. `None` when the request is not one of the known protocols.
pub fn decode(url: &Url, body: Option<&str>) -> Option<Decoded> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    let path = url.path().to_ascii_lowercase();
    let body = body.filter(|b| !b.trim().is_empty());
    let protocol = protocol_of(&host, &path, url)?;
    let mut out = Out::new(protocol.id());
    match protocol {
        Protocol::Meta => meta(&mut out, url, body),
        Protocol::Ga4 => ga4(&mut out, url, body),
        Protocol::GoogleAds => google_ads(&mut out, url, &path, body),
        Protocol::TikTok => tiktok(&mut out, url, body),
        Protocol::Pinterest => pinterest(&mut out, url, body),
        Protocol::Snap => snap(&mut out, url, body),
        Protocol::LinkedIn => linkedin(&mut out, url, body),
        Protocol::MicrosoftUet => microsoft_uet(&mut out, url, body),
        Protocol::X => x(&mut out, url, body),
        Protocol::Criteo => criteo(&mut out, url, body),
        Protocol::Klaviyo => klaviyo(&mut out, url, &path, body),
        Protocol::Hotjar => hotjar(&mut out, url, &host, &path, body),
        Protocol::Clarity => clarity(&mut out, body),
    }
    Some(out.0)
}

#[derive(Clone, Copy)]
enum Protocol {
    Meta,
    Ga4,
    GoogleAds,
    TikTok,
    Pinterest,
    Snap,
    LinkedIn,
    MicrosoftUet,
    X,
    Criteo,
    Klaviyo,
    Hotjar,
    Clarity,
}

impl Protocol {
    fn id(self) -> &'static str {
        match self {
            Protocol::Meta => "meta-pixel",
            Protocol::Ga4 => "ga4",
            Protocol::GoogleAds => "google-ads",
            Protocol::TikTok => "tiktok",
            Protocol::Pinterest => "pinterest",
            Protocol::Snap => "snap",
            Protocol::LinkedIn => "linkedin",
            Protocol::MicrosoftUet => "microsoft-uet",
            Protocol::X => "x",
            Protocol::Criteo => "criteo",
            Protocol::Klaviyo => "klaviyo",
            Protocol::Hotjar => "hotjar",
            Protocol::Clarity => "clarity",
        }
    }
}

/// `host` is `domain` or one of its subdomains; a plain suffix test would let
/// `evilfacebook.com` pass for `facebook.com`.
fn on(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// Google serves conversion pings from its country domains too (`www.google.co.uk`).
fn is_google(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let Some(i) = labels.iter().rposition(|l| *l == "google") else { return false };
    let short = |l: &&str| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase());
    match &labels[i + 1..] {
        [tld] => short(tld),
        [second, cc] => matches!(*second, "co" | "com") && short(cc),
        _ => false,
    }
}

fn protocol_of(host: &str, path: &str, url: &Url) -> Option<Protocol> {
    let p = |prefix: &str| path.starts_with(prefix);
    if on(host, "facebook.com") && (path == "/tr" || p("/tr/") || p("/privacy_sandbox/pixel/register/trigger")) {
        return Some(Protocol::Meta);
    }
    if path.ends_with("/g/collect")
        && (on(host, "google-analytics.com")
            || on(host, "analytics.google.com")
            || on(host, "googletagmanager.com")
            || looks_like_ga4_hit(url))
    {
        return Some(Protocol::Ga4);
    }
    let ads_host = on(host, "googleadservices.com") || on(host, "doubleclick.net") || is_google(host);
    if ads_host && (ads_conversion(path).is_some() || (is_google(host) && p("/ccm/collect"))) {
        return Some(Protocol::GoogleAds);
    }
    if on(host, "tiktok.com") && host.starts_with("analytics") && p("/api/") {
        return Some(Protocol::TikTok);
    }
    if on(host, "ct.pinterest.com") && (p("/v3") || p("/user") || p("/event")) {
        return Some(Protocol::Pinterest);
    }
    if on(host, "snapchat.com") && host.starts_with("tr") && (path == "/p" || p("/p/") || p("/cm/i") || p("/gateway/p"))
    {
        return Some(Protocol::Snap);
    }
    if on(host, "ads.linkedin.com") && (p("/collect") || p("/wa")) {
        return Some(Protocol::LinkedIn);
    }
    if (on(host, "bat.bing.com") || on(host, "bat.bing.net")) && p("/action/") {
        return Some(Protocol::MicrosoftUet);
    }
    let x_host = ["twitter.com", "t.co", "ads-twitter.com", "x.com"].iter().any(|d| on(host, d));
    if x_host && path.contains("/i/adsct") {
        return Some(Protocol::X);
    }
    if on(host, "criteo.com") && (p("/event") || host == "gum.criteo.com") {
        return Some(Protocol::Criteo);
    }
    // `/onsite/js/` is the script itself, not a request that carries data.
    if on(host, "klaviyo.com")
        && (p("/client/") || p("/onsite/track") || p("/onsite/identify") || p("/api/track") || p("/api/identify"))
    {
        return Some(Protocol::Klaviyo);
    }
    if (on(host, "hotjar.com") || on(host, "hotjar.io")) && (p("/api/") || host.starts_with("vc.")) {
        return Some(Protocol::Hotjar);
    }
    if on(host, "clarity.ms") && p("/collect") {
        return Some(Protocol::Clarity);
    }
    None
}

/// Server-side tagging serves GA4 from the shop's own subdomain (`sst.shop.example/g/collect`):
/// the query, not the host, says it is GA4.
fn looks_like_ga4_hit(url: &Url) -> bool {
    let (mut v2, mut tid) = (false, false);
    for (k, v) in url.query_pairs() {
        match &*k {
            "v" => v2 |= v == "2",
            "tid" => tid |= v.starts_with("G-"),
            _ => {}
        }
    }
    v2 && tid
}

/// The result under construction: every value goes through here, so the caps, the
/// deduplication and the value-based kinds hold for every protocol alike.
struct Out(Decoded);

impl Out {
    fn new(protocol: &'static str) -> Self {
        Out(Decoded { protocol, tag_ids: Vec::new(), events: Vec::new(), params: Vec::new() })
    }

    fn tag(&mut self, kind: &'static str, id: &str) {
        let id = capped(id.trim(), MAX_VALUE_CHARS);
        if is_blank(id)
            || self.0.tag_ids.len() >= MAX_NAMES
            || self.0.tag_ids.iter().any(|(k, v)| *k == kind && v == id)
        {
            return;
        }
        self.0.tag_ids.push((kind, id.to_owned()));
    }

    fn event(&mut self, name: &str) {
        let name = capped(name.trim(), MAX_VALUE_CHARS);
        if is_blank(name) || self.0.events.len() >= MAX_NAMES || self.0.events.iter().any(|e| e == name) {
            return;
        }
        self.0.events.push(name.to_owned());
    }

    /// `kind` is what the key says; the value overrides it when it plainly is a digest or an
    /// e-mail address, because tags put both under keys that do not say so.
    fn param(&mut self, name: &str, value: &str, kind: &'static str) {
        let value = value.trim();
        let kind = if looks_hex_digest(value) {
            HASHED
        } else if looks_email(value) {
            EMAIL
        } else if kind == HASHED && looks_phone(value) {
            PHONE
        } else if matches!(kind, EMAIL | PHONE | NAME | ADDRESS | BIRTH) && looks_base64_digest(value) {
            HASHED
        } else {
            kind
        };
        self.push(name, value, kind);
    }

    /// A tag's own random visitor or session ID, kept as such even when it is 32 hex digits
    /// (a UUID without dashes): calling it a hashed identifier would report a hashed e-mail
    /// on every page the tag is on.
    fn random_id(&mut self, name: &str, value: &str) {
        self.push(name, value, COOKIES);
    }

    fn push(&mut self, name: &str, value: &str, kind: &'static str) {
        let value = value.trim();
        if is_blank(value) || self.0.params.len() >= MAX_PARAMS {
            return;
        }
        let (name, value) = (capped(name.trim(), MAX_VALUE_CHARS), capped(value, MAX_VALUE_CHARS));
        // Batches repeat the shared parameters on every line; once says it.
        if self.0.params.iter().any(|p| p.name == name && p.value == value) {
            return;
        }
        self.0.params.push(Param { name: name.to_owned(), value: value.to_owned(), kind });
    }
}

/// Values that are present but say nothing: what tags write for an unset field.
fn is_blank(v: &str) -> bool {
    matches!(v, "" | "null" | "undefined" | "[]" | "{}" | "\"\"" | "[\"\"]")
}

/// The first `max` characters of `s`, cut on a character boundary.
fn capped(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Hex MD5, SHA-1, SHA-256 or SHA-512. All digits is more likely a long numeric ID than a
/// digest (a digest without any of a-f is one in millions).
fn looks_hex_digest(v: &str) -> bool {
    matches!(v.len(), 32 | 40 | 64 | 128)
        && v.bytes().all(|b| b.is_ascii_hexdigit())
        && !v.bytes().all(|b| b.is_ascii_digit())
}

/// Base64 of a SHA-256 digest, the form Google's and some other tags send. Only trusted
/// under a key that names personal data: random IDs have the same shape.
fn looks_base64_digest(v: &str) -> bool {
    let b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
    let body = v.trim_end_matches('=');
    body.len() == 43
        && body.bytes().all(b64)
        && body.bytes().any(|b| b.is_ascii_digit())
        && body.bytes().any(|b| b.is_ascii_uppercase())
        && body.bytes().any(|b| b.is_ascii_lowercase())
}

fn looks_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-'".contains(&b));
    let Some((_, tld)) = domain.rsplit_once('.') else { return false };
    let domain_ok = domain.len() <= 253
        && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && domain.split('.').all(|label| !label.is_empty());
    local_ok && domain_ok && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

fn looks_phone(v: &str) -> bool {
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&digits) && v.bytes().all(|b| b.is_ascii_digit() || b" +-().".contains(&b))
}

// ---------------------------------------------------------------------------------------
// Reading the request: query, form, multipart and JSON, all as name/value fields.

/// One name/value pair of a request. `key` is the last segment of a JSON path (`email` of
/// `context.user.email`) and the whole name otherwise, so one match serves both shapes.
struct Field {
    name: String,
    key: String,
    value: String,
}

impl Field {
    fn flat(name: &str, value: &str) -> Self {
        Field { name: name.to_owned(), key: name.to_owned(), value: value.to_owned() }
    }
}

/// The query's pairs, then the body's: tags put the same parameters in either depending on
/// length and transport (GET pixel, `sendBeacon`, form POST).
fn fields(url: &Url, body: Option<&str>) -> Vec<Field> {
    let mut out: Vec<Field> = url.query_pairs().take(MAX_FIELDS).map(|(k, v)| Field::flat(&k, &v)).collect();
    if let Some(body) = body {
        body_fields(body, &mut out);
    }
    out
}

fn body_fields(body: &str, out: &mut Vec<Field>) {
    let text = body.trim_start();
    if text.starts_with('{') || text.starts_with('[') {
        for doc in json_docs(text) {
            let items: Vec<&Json> = match &doc {
                Json::Arr(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                for leaf in leaves(item) {
                    if out.len() >= MAX_FIELDS {
                        return;
                    }
                    let key = leaf.path.last().copied().unwrap_or_default().to_owned();
                    out.push(Field { name: leaf.path.join("."), key, value: leaf.value });
                }
            }
        }
    } else if let Some(parts) = multipart(text) {
        out.extend(parts.into_iter().take(MAX_FIELDS.saturating_sub(out.len())));
    } else {
        for (k, v) in form_lines(text).take(MAX_FIELDS.saturating_sub(out.len())) {
            out.push(Field::flat(&k, &v));
        }
    }
}

/// Form pairs, one query string per line: batches put one event on each line.
fn form_lines(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines()
        .flat_map(|line| form_urlencoded::parse(line.trim().as_bytes()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// `multipart/form-data` as `sendBeacon(url, FormData)` sends it. The boundary is the first
/// line, so the Content-Type header is not needed.
fn multipart(text: &str) -> Option<Vec<Field>> {
    let first = text.lines().next()?.trim_end();
    if !first.starts_with("--") || first.len() < 3 || !text.to_ascii_lowercase().contains("content-disposition") {
        return None;
    }
    let mut out = Vec::new();
    for part in text.split(first).skip(1) {
        let part = part.trim_start_matches(['\r', '\n']);
        let Some((head, value)) = part.split_once("\r\n\r\n").or_else(|| part.split_once("\n\n")) else { continue };
        let Some(name) = head.split("name=\"").nth(1).and_then(|rest| rest.split('"').next()) else { continue };
        let value = value.strip_suffix("\r\n").or_else(|| value.strip_suffix('\n')).unwrap_or(value);
        out.push(Field::flat(name, value));
        if out.len() >= MAX_FIELDS {
            break;
        }
    }
    Some(out)
}

/// `a[b]` → `b`, when the key starts with `prefix[`; Meta and Pinterest bracket their
/// sub-fields (`ud[em]`, `cd[value]`).
fn bracket_field<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let inner = name.strip_prefix(prefix)?.strip_prefix('[')?;
    inner.split(']').next()
}

/// `pr1`, `p0`, … : a prefix followed by an index.
fn is_indexed(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// IDs written as a JSON array (`[123,456]`) or a comma list (`123,456`).
fn ids_in(value: &str) -> Vec<String> {
    let value = value.trim();
    if value.starts_with('[') {
        if let Some(Json::Arr(items)) = parse_json(value) {
            return items.iter().filter_map(Json::scalar).collect();
        }
    }
    value.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

/// The body as upload evidence: its size says a replay was sent without repeating it.
fn upload_size(body: Option<&str>) -> String {
    match body {
        Some(b) => format!("{} bytes", b.len()),
        None => "upload (body not captured)".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// JSON in written order. serde_json's `Value` sorts object keys (no `preserve_order` in
// this build), which would list a payload's parameters alphabetically.

enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Num(n.to_string()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Num(n.to_string()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Json::Num(n.to_string()))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Json>()? {
            entries.push(entry);
        }
        Ok(Json::Obj(entries))
    }
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A string, number or boolean as text; `None` for null, arrays and objects.
    fn scalar(&self) -> Option<String> {
        match self {
            Json::Str(s) => Some(capped(s, LEAF_CHARS).to_owned()),
            Json::Num(n) => Some(n.clone()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Compact JSON text, stopped a little past what a kept value can show.
    fn render(&self, out: &mut String) {
        if out.len() > LEAF_CHARS {
            return;
        }
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(n),
            Json::Str(s) => out.push_str(&quoted(s)),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if out.len() > LEAF_CHARS {
                        break;
                    }
                    if i > 0 {
                        out.push(',');
                    }
                    item.render(out);
                }
                out.push(']');
            }
            Json::Obj(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if out.len() > LEAF_CHARS {
                        break;
                    }
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&quoted(k));
                    out.push(':');
                    v.render(out);
                }
                out.push('}');
            }
        }
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(capped(s, LEAF_CHARS)).unwrap_or_default()
}

fn parse_json(text: &str) -> Option<Json> {
    serde_json::from_str(text.trim()).ok()
}

/// One JSON document or several, newline-delimited; reading stops at the first malformed one.
fn json_docs(text: &str) -> Vec<Json> {
    serde_json::Deserializer::from_str(text).into_iter::<Json>().map_while(Result::ok).take(MAX_DOCS).collect()
}

/// A scalar (or array, kept whole: item lists are one value) at a path of object keys.
struct Leaf<'a> {
    path: Vec<&'a str>,
    value: String,
}

fn leaves(doc: &Json) -> Vec<Leaf<'_>> {
    fn walk<'a>(v: &'a Json, path: &mut Vec<&'a str>, out: &mut Vec<Leaf<'a>>) {
        if out.len() >= MAX_FIELDS {
            return;
        }
        let value = match v {
            Json::Null => return,
            Json::Obj(entries) if path.len() < MAX_JSON_DEPTH => {
                for (k, child) in entries {
                    path.push(k);
                    walk(child, path, out);
                    path.pop();
                }
                return;
            }
            // `["<digest>"]`: a one-element list is its element (advanced-matching fields).
            Json::Arr(items) if items.len() == 1 && items[0].scalar().is_some() => items[0].scalar(),
            Json::Arr(items) if items.is_empty() => return,
            Json::Arr(_) | Json::Obj(_) => {
                let mut text = String::new();
                v.render(&mut text);
                Some(text)
            }
            scalar => scalar.scalar(),
        };
        if let Some(value) = value {
            out.push(Leaf { path: path.clone(), value });
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut Vec::new(), &mut out);
    out
}

/// `prefix[a][b]`: how a JSON value carried inside one query parameter is named.
fn bracket_name(prefix: &str, path: &[&str]) -> String {
    format!("{prefix}[{}]", path.join("]["))
}

/// Standard or URL-safe base64, padded or not; `+` read back from a space, as a query
/// string's decoding turns an unescaped `+` into one.
fn base64_text(raw: &str) -> Option<String> {
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
    let raw = raw.trim().replace(' ', "+");
    let bytes = STANDARD.decode(&raw).or_else(|_| URL_SAFE.decode(&raw)).ok()?;
    String::from_utf8(bytes).ok()
}

// ---------------------------------------------------------------------------------------
// Free-form keys (event properties, user properties, profiles): what the name says.

/// Lowercase without `$`, `_`, `-` and spaces: `$first_name`, `FirstName` and `first-name`
/// are one key.
fn norm(key: &str) -> String {
    key.chars().filter(|c| !matches!(c, '$' | '_' | '-' | ' ' | '.')).flat_map(char::to_lowercase).collect()
}

/// A field that names the person.
fn personal_kind(key: &str) -> Option<&'static str> {
    let k = norm(key);
    let kind = match k.as_str() {
        "em" | "mail" => EMAIL,
        "ph" | "mobile" | "tel" | "telephone" | "mobilenumber" | "sms" => PHONE,
        "firstname" | "lastname" | "fullname" | "givenname" | "familyname" | "surname" | "middlename" => NAME,
        "dob" | "birthday" | "birthdate" | "dateofbirth" => BIRTH,
        "city" | "state" | "region" | "province" | "zip" | "zipcode" | "postalcode" | "postcode" | "country"
        | "address" | "address1" | "address2" | "street" | "streetaddress" => ADDRESS,
        _ if k.contains("email") => EMAIL,
        _ if k.contains("phone") => PHONE,
        _ => return None,
    };
    Some(kind)
}

/// A field that holds a visitor, device or session ID.
fn is_id_key(key: &str) -> bool {
    let k = norm(key);
    matches!(k.as_str(), "id" | "kx" | "uuid" | "anonymous" | "ttp" | "cid")
        || (k.ends_with("id")
            && "user visitor anonymous external exchange client device session customer profile cookie"
                .split(' ')
                .any(|w| k.contains(w)))
}

/// Event properties: cart and order fields, page fields, personal fields, and otherwise
/// what was viewed or done. `None` for the tag's own bookkeeping.
fn property_kind(key: &str) -> Option<&'static str> {
    let k = norm(key);
    match k.as_str() {
        "eventid" | "messageid" | "uniqueid" | "time" | "timestamp" | "ts" | "cb" | "rnd" | "random" | "nonce"
        | "version" | "v" | "sendto" | "debugmode" | "engagementtimemsec" | "eventcallback" | "eventtimeout"
        | "noninteraction" | "transporttype" | "useip" | "issessionactivity" | "np" => return None,
        "url" | "href" | "pageurl" | "pagelocation" | "pagereferrer" | "pagetitle" | "pagepath" | "landingpage"
        | "documentlocation" | "documentreferrer" | "documenttitle" | "referrer" | "referer" => return Some(PAGE),
        _ => {}
    }
    if let Some(kind) = personal_kind(&k) {
        return Some(kind);
    }
    let cart = "value price revenue total currency amount quantity qty item contents contentid product prodid sku \
                order transaction cart checkout coupon tax shipping discount";
    if cart.split_whitespace().any(|w| k.contains(w)) {
        return Some(CART);
    }
    Some(BEHAVIOUR)
}

/// Telemetry keys (session-replay and heatmap tools): page, device and visitor fields only.
fn telemetry_kind(key: &str) -> Option<&'static str> {
    let k = norm(key);
    if matches!(k.as_str(), "url" | "href" | "pageurl" | "referrer" | "referer" | "title" | "pagetitle") {
        return Some(PAGE);
    }
    if ["width", "height", "screen", "viewport", "useragent", "language", "locale", "platform", "timezone"]
        .iter()
        .any(|w| k.contains(w))
    {
        return Some(DEVICE);
    }
    if is_id_key(key) {
        return Some(COOKIES);
    }
    personal_kind(key)
}

// ---------------------------------------------------------------------------------------
// The protocols.

fn meta(out: &mut Out, url: &Url, body: Option<&str>) {
    for f in fields(url, body) {
        let (name, value) = (f.name.as_str(), f.value.as_str());
        let kind = match name {
            "id" => {
                out.tag("meta-pixel", value);
                continue;
            }
            "ev" => {
                out.event(value);
                continue;
            }
            "dl" | "rl" => PAGE,
            "fbp" | "fbc" => COOKIES,
            "sw" | "sh" => DEVICE,
            _ => {
                if let Some(field) = bracket_field(name, "cd") {
                    let cart = ["value", "currency", "content_ids", "contents", "order_id", "num_items"];
                    if cart.contains(&field) { CART } else { BEHAVIOUR }
                } else if let Some(field) = bracket_field(name, "ud").or_else(|| bracket_field(name, "udff")) {
                    match meta_user_kind(field) {
                        Some(kind) => kind,
                        None => continue,
                    }
                } else {
                    continue;
                }
            }
        };
        out.param(name, value, kind);
    }
}

/// Advanced matching (`ud[...]`): the kind when sent in clear; a digest turns into
/// hashed-identifier in `Out::param`.
fn meta_user_kind(field: &str) -> Option<&'static str> {
    Some(match field {
        "em" => EMAIL,
        "ph" => PHONE,
        // Gender has no kind of its own in the vocabulary; it is typed with the name.
        "fn" | "ln" | "ge" => NAME,
        "db" => BIRTH,
        "ct" | "st" | "zp" | "country" => ADDRESS,
        "external_id" => COOKIES,
        _ => return None,
    })
}

/// GA4 sends the parameters shared by a batch in the URL and one event per body line.
fn ga4(out: &mut Out, url: &Url, body: Option<&str>) {
    for (k, v) in url.query_pairs().take(MAX_FIELDS) {
        ga4_field(out, &k, &v);
    }
    if let Some(body) = body {
        for (k, v) in form_lines(body).take(MAX_FIELDS) {
            ga4_field(out, &k, &v);
        }
    }
}

fn ga4_field(out: &mut Out, name: &str, value: &str) {
    let kind = match name {
        "tid" => return out.tag("ga4-measurement", value),
        "en" => return out.event(value),
        "dl" | "dr" | "dt" => PAGE,
        "cid" | "uid" | "sid" => COOKIES,
        "sr" | "ul" | "uaa" | "uab" | "uafvl" | "uam" | "uamb" | "uap" | "uapv" | "uaw" => DEVICE,
        // User-provided data (`tv.1~em.<digest>`); a clear address still turns into email.
        "em" => HASHED,
        "cu" => CART,
        _ if is_indexed(name, "pr") => CART,
        _ => {
            if let Some(field) = name.strip_prefix("ep.").or_else(|| name.strip_prefix("epn.")) {
                match property_kind(field) {
                    Some(kind) => kind,
                    None => return,
                }
            } else if let Some(field) = name.strip_prefix("up.").or_else(|| name.strip_prefix("upn.")) {
                personal_kind(field).unwrap_or(if is_id_key(field) { COOKIES } else { BEHAVIOUR })
            } else {
                return;
            }
        }
    };
    out.param(name, value, kind);
}

const ADS_PATHS: &[&str] = &["conversion", "viewthroughconversion", "1p-conversion", "1p-user-list"];

/// `/pagead/<kind>/<conversion id>/`: the kind of hit and the Google Ads account.
fn ads_conversion(path: &str) -> Option<(&str, &str)> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments.windows(3).find_map(|w| {
        let id_ok = !w[2].is_empty() && w[2].bytes().all(|b| b.is_ascii_digit());
        (w[0] == "pagead" && ADS_PATHS.contains(&w[1]) && id_ok).then_some((w[1], w[2]))
    })
}

fn google_ads(out: &mut Out, url: &Url, path: &str, body: Option<&str>) {
    let fields = fields(url, body);
    if let Some((kind, id)) = ads_conversion(path) {
        out.tag("google-ads", &format!("AW-{id}"));
        // The path names the hit: a remarketing-list ping is no conversion.
        if kind == "1p-user-list" {
            out.event("remarketing");
        } else {
            let label = fields.iter().find(|f| f.name == "label" && !f.value.trim().is_empty());
            match label {
                Some(label) => out.event(&format!("conversion:{}", label.value.trim())),
                None => out.event("conversion"),
            }
        }
    }
    for f in &fields {
        let (name, value) = (f.name.as_str(), f.value.as_str());
        let kind = match name {
            "tid" if value.starts_with("AW-") => {
                out.tag("google-ads", value);
                continue;
            }
            "en" => {
                out.event(value);
                continue;
            }
            "data" => {
                ads_data(out, value);
                continue;
            }
            "value" | "currency_code" | "currency" | "oid" => CART,
            "url" | "ref" | "tiba" | "dl" | "dr" | "dt" => PAGE,
            "em" => HASHED,
            "auid" | "gclaw" => COOKIES,
            "u_w" | "u_h" | "u_tz" | "uaa" | "uab" | "uafvl" | "uam" | "uamb" | "uap" | "uapv" | "uaw" => DEVICE,
            _ => continue,
        };
        out.param(name, value, kind);
    }
}

/// Remarketing `data=event=purchase;ecomm_prodid=SKU-1;value=42`.
fn ads_data(out: &mut Out, raw: &str) {
    for item in raw.split(';') {
        let Some((k, v)) = item.split_once('=') else { continue };
        if k.trim() == "event" {
            out.event(v);
        } else if let Some(kind) = property_kind(k) {
            out.param(&format!("data[{}]", k.trim()), v, kind);
        }
    }
}

fn tiktok(out: &mut Out, url: &Url, body: Option<&str>) {
    for (k, v) in url.query_pairs().take(MAX_FIELDS) {
        match &*k {
            "sdkid" | "pixel_code" => out.tag("tiktok-pixel", &v),
            "event" => out.event(&v),
            _ => {}
        }
    }
    let Some(body) = body else { return };
    for doc in json_docs(body) {
        let events: Vec<&Json> = match (&doc, doc.get("batch")) {
            (_, Some(Json::Arr(batch))) => batch.iter().collect(),
            (Json::Arr(items), _) => items.iter().collect(),
            (one, _) => vec![one],
        };
        for event in events {
            tiktok_event(out, event);
        }
    }
}

fn tiktok_event(out: &mut Out, event: &Json) {
    for leaf in leaves(event) {
        let value = leaf.value.as_str();
        let kind = match leaf.path.as_slice() {
            ["event"] => {
                out.event(value);
                continue;
            }
            ["context", "pixel", "code"] | ["pixel_code"] | ["sdkid"] => {
                out.tag("tiktok-pixel", value);
                continue;
            }
            ["context", "user", field] => match *field {
                "email" => EMAIL,
                "phone_number" | "phone" => PHONE,
                "external_id" | "ttp" | "anonymous_id" | "device_id" => COOKIES,
                "locale" => DEVICE,
                _ => continue,
            },
            ["context", "ad", "callback" | "ttp" | "sub_id"] => COOKIES,
            ["context", "page", "url" | "referrer" | "referer" | "title"] => PAGE,
            ["context", "device", ..] | ["context", "userAgent" | "user_agent" | "locale" | "platform"] => DEVICE,
            ["context", "session_id"] | ["ttp"] | ["context", "ttp"] => COOKIES,
            ["properties", field, ..] => {
                let cart =
                    ["value", "currency", "contents", "content_id", "content_ids", "order_id", "quantity", "price"];
                if cart.contains(field) {
                    CART
                } else {
                    match property_kind(field) {
                        Some(kind) => kind,
                        None => continue,
                    }
                }
            }
            _ => continue,
        };
        out.param(&leaf.path.join("."), value, kind);
    }
}

fn pinterest(out: &mut Out, url: &Url, body: Option<&str>) {
    for f in fields(url, body) {
        let (name, value) = (f.name.as_str(), f.value.as_str());
        match name {
            "tid" => out.tag("pinterest-tag", value),
            "event" => out.event(value),
            // Event, partner and page data each travel as one JSON string.
            "ed" | "pd" | "ad" => {
                let Some(doc) = parse_json(value) else { continue };
                for leaf in leaves(&doc) {
                    let Some(field) = leaf.path.first() else { continue };
                    if let Some(kind) = pinterest_kind(name, field) {
                        out.param(&bracket_name(name, &leaf.path), &leaf.value, kind);
                    }
                }
            }
            _ => {
                let sub = ["ed", "pd", "ad"].into_iter().find_map(|g| bracket_field(name, g).map(|field| (g, field)));
                if let Some(kind) = sub.and_then(|(group, field)| pinterest_kind(group, field)) {
                    out.param(name, value, kind);
                }
            }
        }
    }
}

fn pinterest_kind(group: &str, field: &str) -> Option<&'static str> {
    match (group, field) {
        ("ed", _) => property_kind(field),
        ("pd", "em" | "hashed_maids") => Some(HASHED),
        ("pd", "ph") => Some(PHONE),
        ("pd", "pin_unauth" | "epik" | "derived_epik" | "external_id") => Some(COOKIES),
        ("ad", "loc" | "ref") => Some(PAGE),
        ("ad", "sh" | "sw") => Some(DEVICE),
        _ => None,
    }
}

fn snap(out: &mut Out, url: &Url, body: Option<&str>) {
    for f in fields(url, body) {
        let value = f.value.as_str();
        let kind = match f.key.as_str() {
            "pid" => {
                out.tag("snap-pixel", value);
                continue;
            }
            "ev" => {
                out.event(value);
                continue;
            }
            "u_hem" | "u_hpn" | "u_hmai" => HASHED,
            "pl" | "ref" | "rf" => PAGE,
            "price" | "currency" | "transaction_id" | "item_ids" | "number_items" => CART,
            "search_string" | "item_category" | "description" | "sign_up_method" => BEHAVIOUR,
            "u_c1" | "u_scsid" | "u_sclid" | "sc_cookie1" | "sc_click_id" => COOKIES,
            _ => continue,
        };
        out.param(&f.name, value, kind);
    }
}

fn linkedin(out: &mut Out, url: &Url, body: Option<&str>) {
    for f in fields(url, body) {
        let value = f.value.as_str();
        let kind = match f.key.as_str() {
            "pid" | "pids" | "partnerId" => {
                for id in ids_in(value) {
                    out.tag("linkedin-partner", &id);
                }
                continue;
            }
            "conversionId" | "conversion_id" => {
                if !value.trim().is_empty() {
                    out.event(&format!("conversion:{}", value.trim()));
                }
                continue;
            }
            "url" | "href" | "pageUrl" | "ref" | "referrer" => PAGE,
            "liFatId" | "li_fat_id" | "liGiant" | "li_giant" => COOKIES,
            "hem" => HASHED,
            _ if f.name == "signals" || f.name.starts_with("signals.") => BEHAVIOUR,
            _ => continue,
        };
        out.param(&f.name, value, kind);
    }
}

fn microsoft_uet(out: &mut Out, url: &Url, body: Option<&str>) {
    for f in fields(url, body) {
        let value = f.value.as_str();
        let kind = match f.key.as_str() {
            "ti" => {
                out.tag("microsoft-uet", value);
                continue;
            }
            "evt" | "ea" => {
                out.event(value);
                continue;
            }
            "gv" | "gc" | "ev" | "prodid" | "items" | "revenue" => CART,
            "ec" | "el" | "kw" | "pagetype" => BEHAVIOUR,
            "p" | "r" | "tl" => PAGE,
            // `msclkid=N` is the tag saying there is no click ID.
            "msclkid" if value == "N" => continue,
            // `_uetsid` and `_uetvid`: random UUIDs the tag writes without dashes.
            "sid" | "vid" => {
                out.random_id(&f.name, value);
                continue;
            }
            "mid" | "uid" | "msclkid" => COOKIES,
            "pi" | "lg" | "sw" | "sh" | "sc" => DEVICE,
            "em" => EMAIL,
            "ph" => PHONE,
            _ => continue,
        };
        out.param(&f.name, value, kind);
    }
}

fn x(out: &mut Out, url: &Url, body: Option<&str>) {
    for f in fields(url, body) {
        let (name, value) = (f.name.as_str(), f.value.as_str().trim());
        let kind = match f.key.as_str() {
            "txn_id" => {
                out.tag("x-pixel", value);
                continue;
            }
            // `p_id=Twitter` is the product name every request carries, not an account.
            "p_id" if !value.eq_ignore_ascii_case("twitter") => {
                out.tag("x-pixel", value);
                continue;
            }
            "events" => {
                x_events(out, value);
                continue;
            }
            "event" => {
                if let Some(doc) = parse_json(value) {
                    x_properties(out, "event", &doc);
                }
                continue;
            }
            // The tag sends 0 for both on every page view: only a real amount says anything.
            "tw_sale_amount" | "tw_order_quantity" if value != "0" => CART,
            "tw_document_href" | "tw_document_referrer" => PAGE,
            "dv" => DEVICE,
            "p_user_id" if value != "0" => COOKIES,
            "twclid" => COOKIES,
            _ => continue,
        };
        out.param(name, value, kind);
    }
}

/// `events=[["pageview",{}],["purchase",{"value":"42.00"}]]`.
fn x_events(out: &mut Out, raw: &str) {
    let Some(Json::Arr(items)) = parse_json(raw) else { return };
    for (i, item) in items.iter().enumerate() {
        match item {
            Json::Arr(parts) => {
                if let Some(Json::Str(name)) = parts.first() {
                    out.event(name);
                }
                if let Some(params) = parts.get(1) {
                    x_properties(out, &format!("events[{i}]"), params);
                }
            }
            Json::Str(name) => out.event(name),
            _ => {}
        }
    }
}

fn x_properties(out: &mut Out, prefix: &str, params: &Json) {
    for leaf in leaves(params) {
        let Some(key) = leaf.path.last() else { continue };
        if let Some(kind) = property_kind(key) {
            out.param(&bracket_name(prefix, &leaf.path), &leaf.value, kind);
        }
    }
}

fn criteo(out: &mut Out, url: &Url, body: Option<&str>) {
    for f in fields(url, body) {
        let (key, value) = (f.key.as_str(), f.value.as_str());
        if is_indexed(key, "p") {
            criteo_event(out, key, value);
            continue;
        }
        let kind = match key {
            "a" => {
                out.tag("criteo-account", value);
                continue;
            }
            "fu" | "ref" | "rf" | "tld" | "topUrl" | "url" => PAGE,
            // `v` is the loader version, except where a page URL stands in it.
            "v" if value.starts_with("http") => PAGE,
            "bundle" | "cto_bundle" | "uid" | "bidid" => COOKIES,
            _ => continue,
        };
        out.param(&f.name, value, kind);
    }
}

/// One OneTag event, a query string inside a parameter: `p2=e%3Dce%26m%3D<digest>`.
fn criteo_event(out: &mut Out, slot: &str, raw: &str) {
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let kind = match &*k {
            "e" => {
                out.event(&v);
                continue;
            }
            "m" | "h" | "em" | "email" => HASHED,
            k if k.starts_with("m[") => HASHED,
            "p" | "i" | "id" | "pr" | "q" | "c" | "cur" | "currency" | "value" | "price" | "quantity" | "nc" => CART,
            k if k.starts_with("p[") || k.starts_with("item") => CART,
            "kw" | "ca" | "category" => BEHAVIOUR,
            "ci" | "uid" => COOKIES,
            "zip" | "zipcode" => ADDRESS,
            "site_type" => DEVICE,
            _ => continue,
        };
        out.param(&format!("{slot}[{k}]"), &v, kind);
    }
}

fn klaviyo(out: &mut Out, url: &Url, path: &str, body: Option<&str>) {
    for (k, v) in url.query_pairs().take(MAX_FIELDS) {
        match &*k {
            "company_id" => out.tag("klaviyo-company", &v),
            "data" => klaviyo_legacy(out, &v),
            _ => {}
        }
    }
    if let Some(body) = body {
        let text = body.trim_start();
        if text.starts_with('{') || text.starts_with('[') {
            for doc in json_docs(text) {
                klaviyo_json(out, &doc);
            }
        } else {
            for (k, v) in form_lines(text).take(MAX_FIELDS) {
                match k.as_str() {
                    "company_id" => out.tag("klaviyo-company", &v),
                    "data" => klaviyo_legacy(out, &v),
                    _ => {}
                }
            }
        }
    }
    // Profile and subscription calls name no metric: the endpoint is the event.
    if out.0.events.is_empty() {
        if path.starts_with("/client/subscriptions") || path.starts_with("/client/back-in-stock") {
            out.event("subscribe");
        } else if path.starts_with("/client/profiles") || path.contains("identify") {
            out.event("identify");
        }
    }
}

fn klaviyo_json(out: &mut Out, doc: &Json) {
    // The legacy API also accepted its object as JSON, or base64 inside `data`.
    if let Some(Json::Str(data)) = doc.get("data") {
        return klaviyo_legacy(out, data);
    }
    if doc.get("token").is_some() || doc.get("event").is_some() {
        return klaviyo_legacy_doc(out, doc);
    }
    // `/client/profiles` sends the profile itself as the document.
    let profile_doc = matches!(doc.get("data").and_then(|d| d.get("type")), Some(Json::Str(t)) if t == "profile");
    for leaf in leaves(doc) {
        let path = leaf.path.as_slice();
        if path.ends_with(&["metric", "data", "attributes", "name"]) {
            out.event(&leaf.value);
            continue;
        }
        let kind = if let Some(i) = path.iter().position(|s| *s == "profile") {
            let rest = &path[i + 1..];
            match rest {
                ["data", "id"] => Some(COOKIES),
                ["data", "attributes", fields @ ..] => klaviyo_profile_kind(fields),
                _ => None,
            }
        } else if profile_doc {
            match path {
                ["data", "attributes", fields @ ..] => klaviyo_profile_kind(fields),
                _ => None,
            }
        } else {
            match path {
                ["data", "attributes", "properties", .., key] => property_kind(key),
                [.., "attributes", "value" | "value_currency"] => Some(CART),
                [.., "attributes", key @ ("email" | "phone_number" | "external_id" | "anonymous_id")] => {
                    klaviyo_profile_kind(&[*key])
                }
                _ => None,
            }
        };
        if let Some(kind) = kind {
            out.param(&path.join("."), &leaf.value, kind);
        }
    }
}

/// A profile's attributes (`email`, `location.city`, `properties.Loyalty`).
fn klaviyo_profile_kind(fields: &[&str]) -> Option<&'static str> {
    match fields {
        // The IP is the request's own; it has no kind in this vocabulary.
        ["location", "ip", ..] => None,
        ["location", "timezone", ..] => Some(DEVICE),
        ["location", ..] => Some(ADDRESS),
        ["properties", .., key] => property_kind(key),
        ["subscriptions" | "meta", ..] => None,
        ["locale", ..] => Some(DEVICE),
        [key, ..] => personal_kind(key).or_else(|| is_id_key(key).then_some(COOKIES)),
        [] => None,
    }
}

/// The legacy Track/Identify object: `data=<base64 JSON>`, or the JSON itself.
fn klaviyo_legacy(out: &mut Out, raw: &str) {
    let raw = raw.trim();
    let doc = if raw.starts_with('{') { parse_json(raw) } else { base64_text(raw).and_then(|t| parse_json(&t)) };
    if let Some(doc) = doc {
        klaviyo_legacy_doc(out, &doc);
    }
}

fn klaviyo_legacy_doc(out: &mut Out, doc: &Json) {
    for leaf in leaves(doc) {
        let path = leaf.path.as_slice();
        let kind = match path {
            ["token"] => {
                out.tag("klaviyo-company", &leaf.value);
                continue;
            }
            ["event"] => {
                out.event(&leaf.value);
                continue;
            }
            ["customer_properties", .., key] => {
                personal_kind(key).or_else(|| is_id_key(key).then_some(COOKIES)).or_else(|| property_kind(key))
            }
            ["properties", .., key] => property_kind(key),
            _ => None,
        };
        if let Some(kind) = kind {
            out.param(&bracket_name("data", path), &leaf.value, kind);
        }
    }
}

fn hotjar(out: &mut Out, url: &Url, host: &str, path: &str, body: Option<&str>) {
    // `/api/v2/client/sites/<site id>/...`
    let segments: Vec<&str> = path.split('/').collect();
    if let Some(i) = segments.iter().position(|s| *s == "sites") {
        let id = segments.get(i + 1).copied().unwrap_or_default();
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
            out.tag("hotjar-site", id);
        }
    }
    for (k, v) in url.query_pairs().take(MAX_FIELDS) {
        match k.to_ascii_lowercase().as_str() {
            "site_id" | "siteid" | "hjid" => out.tag("hotjar-site", &v),
            "user_id" | "uuid" => out.param(&k, &v, COOKIES),
            _ => {}
        }
    }
    if host.starts_with("vc.") || path.contains("record") || path.contains("/sessions") {
        out.event("recording");
        out.param("recording", &upload_size(body), RECORDING);
        return;
    }
    for doc in body.map(json_docs).unwrap_or_default() {
        for leaf in leaves(&doc) {
            let kind = leaf.path.last().and_then(|key| telemetry_kind(key));
            if let Some(kind) = kind {
                out.param(&leaf.path.join("."), &leaf.value, kind);
            }
        }
    }
}

/// Clarity's upload: `{"e":[version, sequence, start, duration, project, user, session, …],
/// "a":[…events…]}`. The envelope's layout moves between versions, so the project is the
/// first short lowercase alphanumeric string rather than a fixed index.
fn clarity(out: &mut Out, body: Option<&str>) {
    out.event("recording");
    for doc in body.map(json_docs).unwrap_or_default() {
        let envelopes: Vec<&Json> = match &doc {
            Json::Arr(items) => items.iter().collect(),
            one => vec![one],
        };
        for envelope in envelopes {
            let Some(Json::Arr(fields)) = envelope.get("e") else { continue };
            for (i, field) in fields.iter().enumerate() {
                let Json::Str(s) = field else { continue };
                let short_id = (5..=16).contains(&s.len())
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    && s.bytes().any(|b| b.is_ascii_lowercase());
                if s.starts_with("http") {
                    out.param(&format!("e[{i}]"), s, PAGE);
                } else if short_id && !out.0.tag_ids.iter().any(|(k, _)| *k == "clarity-project") {
                    out.tag("clarity-project", s);
                } else if short_id {
                    // After the project: the visitor's and the session's IDs.
                    out.param(&format!("e[{i}]"), s, COOKIES);
                }
            }
        }
    }
    out.param("recording", &upload_size(body), RECORDING);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 of `jane.doe@example.com`, as advanced matching sends it.
    const EMAIL_SHA256: &str = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d";
    /// SHA-256 of the phone number `15551234567`.
    const PHONE_SHA256: &str = "d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a";
    /// MD5 of `jane.doe@example.com`.
    const EMAIL_MD5: &str = "0cba00ca3da1b283a57287bcceb17e35";

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    fn dec(u: &str, body: Option<&str>) -> Decoded {
        decode(&url(u), body).unwrap_or_else(|| panic!("{u} should decode"))
    }

    /// The kind a parameter was given, or `None` when it was not listed.
    fn kind_of(d: &Decoded, name: &str) -> Option<&'static str> {
        d.params.iter().find(|p| p.name == name).map(|p| p.kind)
    }

    fn value_of<'a>(d: &'a Decoded, name: &str) -> Option<&'a str> {
        d.params.iter().find(|p| p.name == name).map(|p| p.value.as_str())
    }

    fn kinds(d: &Decoded) -> Vec<&'static str> {
        d.params.iter().map(|p| p.kind).collect()
    }

    fn tag(kind: &'static str, id: &str) -> (&'static str, String) {
        (kind, id.to_owned())
    }

    #[test]
    fn meta_purchase_get_with_hashed_email() {
        let d = dec(
            &format!(
                "https://www.facebook.com/tr/?id=1234567890123456&ev=Purchase\
                 &dl=https%3A%2F%2Fshop.example%2Fcheckout%2Fthank-you&rl=https%3A%2F%2Fshop.example%2Fcart\
                 &if=false&ts=1717000000000&cd[value]=42.00&cd[currency]=EUR\
                 &cd[content_ids]=%5B%22SKU-1%22%5D&cd[content_type]=product&ud[em]={EMAIL_SHA256}\
                 &sw=1920&sh=1080&v=2.9.156&r=stable&ec=4&o=4126&fbp=fb.1.1717000000000.123456789\
                 &it=1717000000000&coo=false&rqm=GET"
            ),
            None,
        );
        assert_eq!(d.protocol, "meta-pixel");
        assert_eq!(d.tag_ids, vec![tag("meta-pixel", "1234567890123456")]);
        assert_eq!(d.events, vec!["Purchase"]);
        assert_eq!(kind_of(&d, "cd[value]"), Some(CART));
        assert_eq!(value_of(&d, "cd[value]"), Some("42.00"));
        assert_eq!(kind_of(&d, "cd[currency]"), Some(CART));
        assert_eq!(kind_of(&d, "cd[content_ids]"), Some(CART));
        assert_eq!(kind_of(&d, "cd[content_type]"), Some(BEHAVIOUR));
        assert_eq!(kind_of(&d, "ud[em]"), Some(HASHED));
        assert_eq!(kind_of(&d, "dl"), Some(PAGE));
        assert_eq!(value_of(&d, "dl"), Some("https://shop.example/checkout/thank-you"));
        assert_eq!(kind_of(&d, "rl"), Some(PAGE));
        assert_eq!(kind_of(&d, "fbp"), Some(COOKIES));
        assert_eq!(kind_of(&d, "sw"), Some(DEVICE));
        // Plumbing is not listed.
        for plumbing in ["v", "r", "ts", "ec", "o", "it", "coo", "rqm", "if", "id", "ev"] {
            assert_eq!(kind_of(&d, plumbing), None, "{plumbing} is protocol plumbing");
        }
        // In order of appearance.
        let names: Vec<&str> = d.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(&names[..3], ["dl", "rl", "cd[value]"]);
    }

    #[test]
    fn meta_page_view_without_user_data_has_no_hashed_identifier() {
        let d = dec(
            "https://www.facebook.com/tr/?id=1234567890123456&ev=PageView&dl=https%3A%2F%2Fshop.example%2F\
             &rl=&if=false&ts=1717000000000&sw=1280&sh=800&v=2.9.156&r=stable&ec=0&o=4126&it=1717000000000",
            None,
        );
        assert_eq!(d.events, vec!["PageView"]);
        assert!(!kinds(&d).contains(&HASHED), "{:?}", d.params);
        assert_eq!(kind_of(&d, "rl"), None, "an empty referrer is not listed");
        assert_eq!(kind_of(&d, "dl"), Some(PAGE));
    }

    #[test]
    fn meta_post_form_body_with_clear_advanced_matching() {
        let body = "id=1234567890123456&ev=Lead&ud%5Bem%5D=jane.doe%40example.com&ud%5Bph%5D=%2B1%20555%20123%204567\
                    &ud%5Bfn%5D=jane&ud%5Bct%5D=springfield&ud%5Bdb%5D=19800101&ud%5Bge%5D=&cd%5Bsearch_string%5D=boots";
        let d = dec("https://www.facebook.com/tr/", Some(body));
        assert_eq!(d.tag_ids, vec![tag("meta-pixel", "1234567890123456")]);
        assert_eq!(d.events, vec!["Lead"]);
        assert_eq!(kind_of(&d, "ud[em]"), Some(EMAIL));
        assert_eq!(kind_of(&d, "ud[ph]"), Some(PHONE));
        assert_eq!(kind_of(&d, "ud[fn]"), Some(NAME));
        assert_eq!(kind_of(&d, "ud[ct]"), Some(ADDRESS));
        assert_eq!(kind_of(&d, "ud[db]"), Some(BIRTH));
        assert_eq!(kind_of(&d, "ud[ge]"), None, "empty values are never listed");
        assert_eq!(kind_of(&d, "cd[search_string]"), Some(BEHAVIOUR));
    }

    #[test]
    fn meta_multipart_beacon_body() {
        let body = format!(
            "------WebKitFormBoundaryx7Yq\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n1234567890123456\r\n\
             ------WebKitFormBoundaryx7Yq\r\nContent-Disposition: form-data; name=\"ev\"\r\n\r\nAddToCart\r\n\
             ------WebKitFormBoundaryx7Yq\r\nContent-Disposition: form-data; name=\"ud[ph]\"\r\n\r\n{PHONE_SHA256}\r\n\
             ------WebKitFormBoundaryx7Yq--\r\n"
        );
        let d = dec("https://www.facebook.com/tr/", Some(&body));
        assert_eq!(d.tag_ids, vec![tag("meta-pixel", "1234567890123456")]);
        assert_eq!(d.events, vec!["AddToCart"]);
        assert_eq!(kind_of(&d, "ud[ph]"), Some(HASHED));
        assert_eq!(value_of(&d, "ud[ph]"), Some(PHONE_SHA256));
    }

    #[test]
    fn ga4_post_batch_of_two_events() {
        let u = "https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123XYZ9&gtm=45je45s0v9&_p=1717000000123\
                 &gcd=13l3l3l3l1&npa=0&dma=0&cid=1234567890.1717000000&ul=en-us&sr=1920x1080&uaa=x86\
                 &dl=https%3A%2F%2Fshop.example%2Fsearch%3Fq%3Drunning%2Bshoes&dt=Search%20%E2%80%93%20Shoe%20Shop\
                 &sid=1717000000&sct=3&seg=1&_s=4";
        let body = "en=view_search_results&ep.search_term=running%20shoes&_et=1520\n\
                    en=add_to_cart&epn.value=59.9&cu=EUR&pr1=idSKU-1~nmTrail%20Runner~pr59.9~qt1&_et=4000";
        let d = dec(u, Some(body));
        assert_eq!(d.protocol, "ga4");
        assert_eq!(d.tag_ids, vec![tag("ga4-measurement", "G-ABC123XYZ9")]);
        assert_eq!(d.events, vec!["view_search_results", "add_to_cart"]);
        assert_eq!(kind_of(&d, "ep.search_term"), Some(BEHAVIOUR));
        assert_eq!(value_of(&d, "ep.search_term"), Some("running shoes"));
        assert_eq!(kind_of(&d, "epn.value"), Some(CART));
        assert_eq!(kind_of(&d, "cu"), Some(CART));
        assert_eq!(kind_of(&d, "pr1"), Some(CART));
        assert_eq!(kind_of(&d, "cid"), Some(COOKIES));
        assert_eq!(kind_of(&d, "ul"), Some(DEVICE));
        assert_eq!(kind_of(&d, "sr"), Some(DEVICE));
        assert_eq!(kind_of(&d, "dl"), Some(PAGE));
        assert_eq!(kind_of(&d, "dt"), Some(PAGE));
        for plumbing in ["v", "gtm", "_p", "gcd", "npa", "dma", "seg", "_s", "_et", "sct"] {
            assert_eq!(kind_of(&d, plumbing), None, "{plumbing} is protocol plumbing");
        }
    }

    #[test]
    fn ga4_batch_repeats_are_listed_once() {
        let body =
            "en=page_view&ep.page_type=product\nen=page_view&ep.page_type=product\nen=scroll&epn.percent_scrolled=90";
        let d = dec("https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123XYZ9&cid=1.2", Some(body));
        assert_eq!(d.events, vec!["page_view", "scroll"]);
        assert_eq!(d.params.iter().filter(|p| p.name == "ep.page_type").count(), 1);
    }

    #[test]
    fn ga4_user_properties_and_user_provided_data() {
        let u = format!(
            "https://analytics.google.com/g/collect?v=2&tid=G-ABC123XYZ9&cid=1.2&en=login\
             &up.hashed_email={EMAIL_SHA256}&up.customer_email=jane.doe%40example.com&up.loyalty_tier=gold\
             &em=tv.1~em.huC55WwXzE0SOH4ZSbhQU_vnO8POWhGIcTqdMAzGEz0&ep.user_hash={EMAIL_MD5}"
        );
        let d = dec(&u, None);
        assert_eq!(d.events, vec!["login"]);
        assert_eq!(kind_of(&d, "up.hashed_email"), Some(HASHED));
        assert_eq!(kind_of(&d, "up.customer_email"), Some(EMAIL));
        assert_eq!(kind_of(&d, "up.loyalty_tier"), Some(BEHAVIOUR));
        assert_eq!(kind_of(&d, "em"), Some(HASHED));
        // A hex digest is a hashed identifier whatever the key says.
        assert_eq!(kind_of(&d, "ep.user_hash"), Some(HASHED));
    }

    #[test]
    fn ga4_server_side_first_party_endpoint() {
        let d = dec("https://sst.shop.example/g/collect?v=2&tid=G-ABC123XYZ9&en=purchase&ep.transaction_id=1001", None);
        assert_eq!(d.protocol, "ga4");
        assert_eq!(d.events, vec!["purchase"]);
        assert_eq!(kind_of(&d, "ep.transaction_id"), Some(CART));
        // Without the GA4 query, a first-party /g/collect is not claimed.
        assert!(decode(&url("https://shop.example/g/collect?foo=bar"), None).is_none());
    }

    #[test]
    fn google_ads_conversion_with_enhanced_conversion_data() {
        let d = dec(
            "https://www.googleadservices.com/pagead/conversion/987654321/?random=1717000000&cv=11&fst=1717000000\
             &bg=ffffff&guid=ON&async=1&gtm=45be45s0&u_w=1920&u_h=1080&hn=www.googleadservices.com&frm=0\
             &url=https%3A%2F%2Fshop.example%2Fcheckout%2Fthank-you&ref=https%3A%2F%2Fshop.example%2Fcheckout\
             &label=AbC-D_efG1hIjK&value=42.0&currency_code=EUR&oid=1001&tiba=Thank%20you\
             &em=tv.1~em.huC55WwXzE0SOH4ZSbhQU_vnO8POWhGIcTqdMAzGEz0&auid=1234567.1717000000&fmt=3",
            None,
        );
        assert_eq!(d.protocol, "google-ads");
        assert_eq!(d.tag_ids, vec![tag("google-ads", "AW-987654321")]);
        assert_eq!(d.events, vec!["conversion:AbC-D_efG1hIjK"]);
        for cart in ["value", "currency_code", "oid"] {
            assert_eq!(kind_of(&d, cart), Some(CART), "{cart}");
        }
        assert_eq!(kind_of(&d, "url"), Some(PAGE));
        assert_eq!(kind_of(&d, "ref"), Some(PAGE));
        assert_eq!(kind_of(&d, "tiba"), Some(PAGE));
        assert_eq!(kind_of(&d, "em"), Some(HASHED));
        assert_eq!(kind_of(&d, "auid"), Some(COOKIES));
        assert_eq!(kind_of(&d, "u_w"), Some(DEVICE));
        for plumbing in ["random", "cv", "fst", "bg", "guid", "async", "gtm", "frm", "fmt", "hn", "label"] {
            assert_eq!(kind_of(&d, plumbing), None, "{plumbing} is protocol plumbing");
        }
    }

    #[test]
    fn google_ads_other_endpoints() {
        let d = dec(
            "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/987654321/?random=1&cv=11\
             &data=event%3Dadd_to_cart%3Becomm_prodid%3DSKU-1%3Bvalue%3D59.9",
            None,
        );
        assert_eq!(d.tag_ids, vec![tag("google-ads", "AW-987654321")]);
        assert_eq!(d.events, vec!["conversion", "add_to_cart"]);
        assert_eq!(kind_of(&d, "data[ecomm_prodid]"), Some(CART));
        assert_eq!(kind_of(&d, "data[value]"), Some(CART));

        let d = dec("https://www.google.co.uk/pagead/1p-conversion/987654321/?label=xYz12&value=10", None);
        assert_eq!(d.protocol, "google-ads");
        assert_eq!(d.events, vec!["conversion:xYz12"]);

        let d = dec(
            "https://www.google.com/ccm/collect?tid=AW-987654321&en=page_view&dl=https%3A%2F%2Fshop.example%2F",
            None,
        );
        assert_eq!(d.tag_ids, vec![tag("google-ads", "AW-987654321")]);
        assert_eq!(d.events, vec!["page_view"]);
        assert_eq!(kind_of(&d, "dl"), Some(PAGE));

        // A search on Google is not a conversion ping.
        assert!(decode(&url("https://www.google.com/search?q=shoes"), None).is_none());
    }

    #[test]
    fn tiktok_json_event() {
        let body = format!(
            r#"{{"event":"CompletePayment","message_id":"messageId-1717000000-abc","event_id":"","is_onsite":false,
            "timestamp":"2024-05-29T12:00:00.000Z",
            "context":{{"ad":{{"sdk_env":"external","jsb_status":2}},
              "user":{{"anonymous_id":"","email":"{EMAIL_SHA256}","phone_number":"{PHONE_SHA256}"}},
              "pixel":{{"code":"CABCDE1234567890FGHI","runtime":"1"}},
              "page":{{"url":"https://shop.example/checkout/thank-you","referrer":"https://shop.example/checkout"}},
              "library":{{"name":"pixel.js","version":"2.2.1"}},"device":{{"platform":"pc"}},
              "session_id":"sess-1717000000","userAgent":"Mozilla/5.0 (X11; Linux x86_64)","locale":"en-US",
              "ttp":"2fJk3Zx9QvYH6pLm0nBcD4eRsTu"}},
            "properties":{{"value":42,"currency":"EUR","contents":[{{"content_id":"SKU-1","quantity":1,"price":42}}],
              "query":"trail runner"}},
            "_inspection":{{"identity_params":{{}}}}}}"#
        );
        let d = dec("https://analytics.tiktok.com/api/v2/pixel", Some(&body));
        assert_eq!(d.protocol, "tiktok");
        assert_eq!(d.tag_ids, vec![tag("tiktok-pixel", "CABCDE1234567890FGHI")]);
        assert_eq!(d.events, vec!["CompletePayment"]);
        assert_eq!(kind_of(&d, "context.user.email"), Some(HASHED));
        assert_eq!(kind_of(&d, "context.user.phone_number"), Some(HASHED));
        assert_eq!(kind_of(&d, "context.user.anonymous_id"), None, "empty");
        assert_eq!(kind_of(&d, "context.page.url"), Some(PAGE));
        assert_eq!(kind_of(&d, "context.page.referrer"), Some(PAGE));
        assert_eq!(kind_of(&d, "context.ttp"), Some(COOKIES));
        assert_eq!(kind_of(&d, "context.userAgent"), Some(DEVICE));
        assert_eq!(kind_of(&d, "properties.value"), Some(CART));
        assert_eq!(value_of(&d, "properties.value"), Some("42"));
        assert_eq!(kind_of(&d, "properties.contents"), Some(CART));
        assert_eq!(value_of(&d, "properties.contents"), Some(r#"[{"content_id":"SKU-1","quantity":1,"price":42}]"#));
        assert_eq!(kind_of(&d, "properties.query"), Some(BEHAVIOUR));
        assert_eq!(kind_of(&d, "context.library.version"), None);
        assert_eq!(kind_of(&d, "message_id"), None);
        // Written order, not sorted: context before properties.
        let first = d.params.first().map(|p| p.name.as_str());
        assert_eq!(first, Some("context.user.email"));
    }

    #[test]
    fn tiktok_batch_and_query_pixel() {
        let body = r#"{"batch":[{"event":"ViewContent","context":{"pixel":{"code":"CABCDE1234567890FGHI"}}},
                      {"event":"AddToCart","properties":{"content_id":"SKU-1"}}]}"#;
        let d = dec("https://analytics.tiktok.com/api/v2/pixel/batch", Some(body));
        assert_eq!(d.events, vec!["ViewContent", "AddToCart"]);
        assert_eq!(kind_of(&d, "properties.content_id"), Some(CART));
        let d = dec("https://analytics.tiktok.com/api/v2/pixel/act?sdkid=CABCDE1234567890FGHI", None);
        assert_eq!(d.tag_ids, vec![tag("tiktok-pixel", "CABCDE1234567890FGHI")]);
    }

    #[test]
    fn pinterest_checkout() {
        let ed = r#"{"value":"42.00","order_quantity":1,"currency":"EUR","order_id":"1001","line_items":[{"product_id":"SKU-1","product_price":42}],"np":"gtm"}"#;
        let pd = format!(r#"{{"em":"{EMAIL_SHA256}","pin_unauth":"dWlkPU5qQmxNV1V4TkRNdA","np":"gtm"}}"#);
        let ad = r#"{"loc":"https://shop.example/checkout/thank-you","ref":"https://shop.example/checkout","if":false,"sh":1080,"sw":1920,"is_js":true}"#;
        let mut u = url("https://ct.pinterest.com/v3/");
        u.query_pairs_mut()
            .append_pair("event", "checkout")
            .append_pair("ed", ed)
            .append_pair("tid", "2612345678901")
            .append_pair("pd", &pd)
            .append_pair("ad", ad)
            .append_pair("cb", "1717000000000");
        let d = decode(&u, None).expect("pinterest");
        assert_eq!(d.protocol, "pinterest");
        assert_eq!(d.tag_ids, vec![tag("pinterest-tag", "2612345678901")]);
        assert_eq!(d.events, vec!["checkout"]);
        assert_eq!(kind_of(&d, "ed[value]"), Some(CART));
        assert_eq!(kind_of(&d, "ed[order_id]"), Some(CART));
        assert_eq!(kind_of(&d, "ed[currency]"), Some(CART));
        assert_eq!(kind_of(&d, "ed[line_items]"), Some(CART));
        assert_eq!(kind_of(&d, "ed[np]"), None);
        assert_eq!(kind_of(&d, "pd[em]"), Some(HASHED));
        assert_eq!(kind_of(&d, "pd[pin_unauth]"), Some(COOKIES));
        assert_eq!(kind_of(&d, "ad[loc]"), Some(PAGE));
        assert_eq!(kind_of(&d, "ad[ref]"), Some(PAGE));
        assert_eq!(kind_of(&d, "ad[sw]"), Some(DEVICE));
        assert_eq!(kind_of(&d, "ad[is_js]"), None);
        assert_eq!(kind_of(&d, "cb"), None);
    }

    #[test]
    fn snap_purchase_form_body() {
        let body = format!(
            "pid=1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d&ev=PURCHASE&v=1.5&ts=1717000000000\
             &pl=https%3A%2F%2Fshop.example%2Fcheckout%2Fthank-you&ref=https%3A%2F%2Fshop.example%2Fcheckout\
             &u_hem={EMAIL_SHA256}&u_hpn=&price=42.00&currency=EUR&transaction_id=1001&item_ids=SKU-1\
             &u_c1=8f3c2a1b-1111-4222-8333-944455556666&bt=1234abcd"
        );
        let d = dec("https://tr.snapchat.com/p", Some(&body));
        assert_eq!(d.protocol, "snap");
        assert_eq!(d.tag_ids, vec![tag("snap-pixel", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")]);
        assert_eq!(d.events, vec!["PURCHASE"]);
        assert_eq!(kind_of(&d, "u_hem"), Some(HASHED));
        assert_eq!(kind_of(&d, "u_hpn"), None, "empty");
        assert_eq!(kind_of(&d, "pl"), Some(PAGE));
        assert_eq!(kind_of(&d, "price"), Some(CART));
        assert_eq!(kind_of(&d, "transaction_id"), Some(CART));
        assert_eq!(kind_of(&d, "item_ids"), Some(CART));
        assert_eq!(kind_of(&d, "u_c1"), Some(COOKIES));
        assert_eq!(kind_of(&d, "bt"), None);
    }

    #[test]
    fn linkedin_collect_and_json_beacon() {
        let d = dec(
            "https://px.ads.linkedin.com/collect/?pid=1234567&fmt=js&time=1717000000000\
             &url=https%3A%2F%2Fshop.example%2Fcheckout%2Fthank-you&conversionId=7654321&v=2",
            None,
        );
        assert_eq!(d.protocol, "linkedin");
        assert_eq!(d.tag_ids, vec![tag("linkedin-partner", "1234567")]);
        assert_eq!(d.events, vec!["conversion:7654321"]);
        assert_eq!(kind_of(&d, "url"), Some(PAGE));
        assert_eq!(kind_of(&d, "fmt"), None);

        let body = r#"{"pids":[1234567,2345678],"scriptVersion":161,"time":1717000000000,"domain":"shop.example",
            "url":"https://shop.example/products/trail-runner","pageUrl":"https://shop.example/products/trail-runner",
            "isTranslated":false,"liFatId":"","liGiant":"","misc":{"psbState":-1},"isLinkedInApp":false,
            "signals":{"buttonText":"Add to cart"},"href":"https://shop.example/products/trail-runner"}"#;
        let d = dec("https://px.ads.linkedin.com/wa/", Some(body));
        assert_eq!(d.tag_ids, vec![tag("linkedin-partner", "1234567"), tag("linkedin-partner", "2345678")]);
        assert!(d.events.is_empty());
        assert_eq!(kind_of(&d, "href"), Some(PAGE));
        assert_eq!(kind_of(&d, "signals.buttonText"), Some(BEHAVIOUR));
        assert_eq!(kind_of(&d, "liFatId"), None, "empty");
        assert_eq!(kind_of(&d, "scriptVersion"), None);
    }

    #[test]
    fn microsoft_uet_custom_event() {
        let d = dec(
            "https://bat.bing.com/action/0?ti=187654321&tm=gtm002&Ver=2&mid=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\
             &bo=1&sid=a1b2c3d01dd111efa1b2c3d4e5f6a7b8&vid=a1b2c3d01dd111efb9c8d7e6f5a4b3c2&vids=0&msclkid=N\
             &ea=purchase&ec=ecommerce&el=checkout&gv=42&gc=EUR&pi=918639831&lg=en-US&sw=1920&sh=1080&sc=24\
             &tl=Thank%20you&p=https%3A%2F%2Fshop.example%2Fcheckout%2Fthank-you&r=https%3A%2F%2Fshop.example%2Fcart\
             &lt=512&evt=custom&sv=1&rn=123456",
            None,
        );
        assert_eq!(d.protocol, "microsoft-uet");
        assert_eq!(d.tag_ids, vec![tag("microsoft-uet", "187654321")]);
        assert_eq!(d.events, vec!["purchase", "custom"]);
        assert_eq!(kind_of(&d, "gv"), Some(CART));
        assert_eq!(kind_of(&d, "gc"), Some(CART));
        assert_eq!(kind_of(&d, "ec"), Some(BEHAVIOUR));
        assert_eq!(kind_of(&d, "p"), Some(PAGE));
        assert_eq!(kind_of(&d, "r"), Some(PAGE));
        assert_eq!(kind_of(&d, "tl"), Some(PAGE));
        assert_eq!(kind_of(&d, "mid"), Some(COOKIES));
        // 32 hex digits, but the tag's own random IDs, not a digest of anything.
        assert_eq!(kind_of(&d, "sid"), Some(COOKIES));
        assert_eq!(kind_of(&d, "vid"), Some(COOKIES));
        assert_eq!(kind_of(&d, "lg"), Some(DEVICE));
        assert_eq!(kind_of(&d, "msclkid"), None, "N means no click ID");
        for plumbing in ["tm", "Ver", "bo", "vids", "lt", "sv", "rn"] {
            assert_eq!(kind_of(&d, plumbing), None, "{plumbing} is protocol plumbing");
        }
    }

    #[test]
    fn x_page_view_and_purchase() {
        let d = dec(
            "https://analytics.twitter.com/i/adsct?bci=4&dv=Europe%2FBerlin%26en-US%26Google%20Inc.%26Linux%20x86_64\
             &eci=3&event=%7B%7D&event_id=4f1e2d3c-0b9a-4877-8665-544332211000\
             &events=%5B%5B%22pageview%22%2C%7B%7D%5D%5D&integration=advertiser&p_id=Twitter&p_user_id=0\
             &pl_id=c1d2e3f4-a5b6-4789-9012-3456789abcde&tw_document_href=https%3A%2F%2Fshop.example%2F\
             &tw_iframe_status=0&tw_order_quantity=0&tw_sale_amount=0&txn_id=o5xyz&type=javascript&version=2.3.30",
            None,
        );
        assert_eq!(d.protocol, "x");
        assert_eq!(d.tag_ids, vec![tag("x-pixel", "o5xyz")]);
        assert_eq!(d.events, vec!["pageview"]);
        assert_eq!(kind_of(&d, "tw_document_href"), Some(PAGE));
        assert_eq!(kind_of(&d, "dv"), Some(DEVICE));
        assert_eq!(kind_of(&d, "tw_sale_amount"), None, "0 is the default");
        assert_eq!(kind_of(&d, "p_user_id"), None);

        let d = dec(
            "https://t.co/i/adsct?txn_id=o5xyz&p_id=Twitter&tw_sale_amount=42.00&tw_order_quantity=2\
             &events=%5B%5B%22purchase%22%2C%7B%22value%22%3A%2242.00%22%2C%22email_address%22%3A%22jane.doe%40example.com%22%7D%5D%5D",
            None,
        );
        assert_eq!(d.events, vec!["purchase"]);
        assert_eq!(kind_of(&d, "tw_sale_amount"), Some(CART));
        assert_eq!(kind_of(&d, "tw_order_quantity"), Some(CART));
        assert_eq!(kind_of(&d, "events[0][value]"), Some(CART));
        assert_eq!(kind_of(&d, "events[0][email_address]"), Some(EMAIL));
    }

    #[test]
    fn criteo_onetag_events() {
        let d = dec(
            &format!(
                "https://sslwidget.criteo.com/event?a=12345&v=5.23.0&otl=1\
                 &p0=e%3Dexd%26site_type%3Dd&p1=e%3Dvh&p2=e%3Dce%26m%3D{EMAIL_MD5}\
                 &p3=e%3Dtrans%26id%3D1001%26p%3D%255B%257B%2522i%2522%253A%2522SKU-1%2522%252C%2522pr%2522%253A42%252C%2522q%2522%253A1%257D%255D\
                 &p4=e%3Ddis&adce=1&bundle=bXlCdW5kbGVJZA&tld=shop.example&dy=1\
                 &fu=https%253A%252F%252Fshop.example%252Fcheckout%252Fthank-you&ceid=1a2b3c4d&dtycbr=12345"
            ),
            None,
        );
        assert_eq!(d.protocol, "criteo");
        assert_eq!(d.tag_ids, vec![tag("criteo-account", "12345")]);
        assert_eq!(d.events, vec!["exd", "vh", "ce", "trans", "dis"]);
        assert_eq!(kind_of(&d, "p2[m]"), Some(HASHED));
        assert_eq!(value_of(&d, "p2[m]"), Some(EMAIL_MD5));
        assert_eq!(kind_of(&d, "p3[id]"), Some(CART));
        assert_eq!(kind_of(&d, "p3[p]"), Some(CART));
        assert_eq!(value_of(&d, "p3[p]"), Some(r#"[{"i":"SKU-1","pr":42,"q":1}]"#));
        assert_eq!(kind_of(&d, "p0[site_type]"), Some(DEVICE));
        assert_eq!(kind_of(&d, "tld"), Some(PAGE));
        assert_eq!(kind_of(&d, "fu"), Some(PAGE));
        assert_eq!(kind_of(&d, "bundle"), Some(COOKIES));
        assert_eq!(kind_of(&d, "v"), None, "the loader version");
        assert_eq!(kind_of(&d, "dtycbr"), None);
    }

    #[test]
    fn klaviyo_json_api_event() {
        let body = r#"{"data":{"type":"event","attributes":{
            "properties":{"ProductName":"Trail Runner","ProductID":"SKU-1","Price":59.9,"Categories":["Shoes"],
              "URL":"https://shop.example/products/trail-runner","$event_id":"1717000000"},
            "time":"2024-05-29T12:00:00Z","value":59.9,
            "metric":{"data":{"type":"metric","attributes":{"name":"Viewed Product"}}},
            "profile":{"data":{"type":"profile","attributes":{"email":"jane.doe@example.com","phone_number":"+15551234567",
              "first_name":"Jane","last_name":"Doe","location":{"city":"Springfield","zip":"12345","ip":"203.0.113.7"},
              "properties":{"Loyalty":"gold"},"_kx":"aBcDeF12_3456"}}}}}}"#;
        let d = dec("https://a.klaviyo.com/client/events/?company_id=AbC123", Some(body));
        assert_eq!(d.protocol, "klaviyo");
        assert_eq!(d.tag_ids, vec![tag("klaviyo-company", "AbC123")]);
        assert_eq!(d.events, vec!["Viewed Product"]);
        let profile = "data.attributes.profile.data.attributes";
        assert_eq!(kind_of(&d, &format!("{profile}.email")), Some(EMAIL));
        assert_eq!(kind_of(&d, &format!("{profile}.phone_number")), Some(PHONE));
        assert_eq!(kind_of(&d, &format!("{profile}.first_name")), Some(NAME));
        assert_eq!(kind_of(&d, &format!("{profile}.last_name")), Some(NAME));
        assert_eq!(kind_of(&d, &format!("{profile}.location.city")), Some(ADDRESS));
        assert_eq!(kind_of(&d, &format!("{profile}.location.zip")), Some(ADDRESS));
        assert_eq!(kind_of(&d, &format!("{profile}.location.ip")), None);
        assert_eq!(kind_of(&d, &format!("{profile}._kx")), Some(COOKIES));
        assert_eq!(kind_of(&d, &format!("{profile}.properties.Loyalty")), Some(BEHAVIOUR));
        assert_eq!(kind_of(&d, "data.attributes.properties.ProductName"), Some(CART));
        assert_eq!(kind_of(&d, "data.attributes.properties.Price"), Some(CART));
        assert_eq!(kind_of(&d, "data.attributes.properties.Categories"), Some(BEHAVIOUR));
        assert_eq!(kind_of(&d, "data.attributes.properties.URL"), Some(PAGE));
        assert_eq!(kind_of(&d, "data.attributes.properties.$event_id"), None);
        assert_eq!(kind_of(&d, "data.attributes.value"), Some(CART));
        assert_eq!(kind_of(&d, "data.attributes.time"), None);
    }

    #[test]
    fn klaviyo_legacy_base64_and_subscription() {
        use base64::engine::general_purpose::STANDARD;
        let legacy = r#"{"token":"AbC123","event":"Started Checkout","customer_properties":{"$email":"jane.doe@example.com","$first_name":"Jane","$exchange_id":"xYz_123"},"properties":{"$value":59.9,"ItemNames":["Trail Runner"]}}"#;
        let mut u = url("https://a.klaviyo.com/api/track");
        u.query_pairs_mut().append_pair("data", &STANDARD.encode(legacy));
        let d = decode(&u, None).expect("klaviyo");
        assert_eq!(d.tag_ids, vec![tag("klaviyo-company", "AbC123")]);
        assert_eq!(d.events, vec!["Started Checkout"]);
        assert_eq!(kind_of(&d, "data[customer_properties][$email]"), Some(EMAIL));
        assert_eq!(kind_of(&d, "data[customer_properties][$first_name]"), Some(NAME));
        assert_eq!(kind_of(&d, "data[customer_properties][$exchange_id]"), Some(COOKIES));
        assert_eq!(kind_of(&d, "data[properties][$value]"), Some(CART));
        assert_eq!(kind_of(&d, "data[properties][ItemNames]"), Some(CART));

        let body = r#"{"data":{"type":"subscription","attributes":{"custom_source":"Footer form",
            "profile":{"data":{"type":"profile","attributes":{"email":"jane.doe@example.com",
            "subscriptions":{"email":{"marketing":{"consent":"SUBSCRIBED"}}}}}}},
            "relationships":{"list":{"data":{"type":"list","id":"XyZ789"}}}}}"#;
        let d = dec("https://a.klaviyo.com/client/subscriptions/?company_id=AbC123", Some(body));
        assert_eq!(d.events, vec!["subscribe"]);
        assert_eq!(kind_of(&d, "data.attributes.profile.data.attributes.email"), Some(EMAIL));
        assert_eq!(d.params.len(), 1, "{:?}", d.params);

        let body = r#"{"data":{"type":"profile","attributes":{"email":"jane.doe@example.com","first_name":"Jane",
            "location":{"address1":"742 Evergreen Terrace","timezone":"Europe/Berlin"},"properties":{"Shoe size":"42"}}}}"#;
        let d = dec("https://a.klaviyo.com/client/profiles/?company_id=AbC123", Some(body));
        assert_eq!(d.events, vec!["identify"]);
        assert_eq!(kind_of(&d, "data.attributes.email"), Some(EMAIL));
        assert_eq!(kind_of(&d, "data.attributes.first_name"), Some(NAME));
        assert_eq!(kind_of(&d, "data.attributes.location.address1"), Some(ADDRESS));
        assert_eq!(kind_of(&d, "data.attributes.location.timezone"), Some(DEVICE));
        assert_eq!(kind_of(&d, "data.attributes.properties.Shoe size"), Some(BEHAVIOUR));
    }

    #[test]
    fn hotjar_visit_data_and_recording_upload() {
        let body = r#"{"window_width":1280,"window_height":800,"user_id":"3a9e6f1c-7b2d-4c8e-9f0a-1b2c3d4e5f60",
            "url":"https://shop.example/products/trail-runner","r_value":1,"is_vpv":false,"session_only":false}"#;
        let d = dec("https://in.hotjar.com/api/v2/client/sites/3456789/visit-data?sv=7", Some(body));
        assert_eq!(d.protocol, "hotjar");
        assert_eq!(d.tag_ids, vec![tag("hotjar-site", "3456789")]);
        assert!(d.events.is_empty());
        assert_eq!(kind_of(&d, "window_width"), Some(DEVICE));
        assert_eq!(kind_of(&d, "user_id"), Some(COOKIES));
        assert_eq!(kind_of(&d, "url"), Some(PAGE));
        assert_eq!(kind_of(&d, "r_value"), None);
        assert!(!kinds(&d).contains(&RECORDING));

        let d = dec(
            "https://in.hotjar.com/api/v2/client/sites/3456789/recordings/content?sv=7",
            Some(r#"{"data":[{"type":"mutation","time":1717000000000}]}"#),
        );
        assert_eq!(d.events, vec!["recording"]);
        assert_eq!(kind_of(&d, "recording"), Some(RECORDING));
        assert!(decode(&url("https://static.hotjar.com/c/hotjar-3456789.js?sv=7"), None).is_none());
    }

    #[test]
    fn clarity_envelope() {
        let body = r#"{"e":["0.7.34",3,0,8420,"k3x9w2abcd","1q2w3e4","1a2b3c",1,0,0,7,"https://shop.example/checkout"],
            "a":[[8420,4,{"x":1}],[8421,9,"..."]]}"#;
        let d = dec("https://k.clarity.ms/collect", Some(body));
        assert_eq!(d.protocol, "clarity");
        assert_eq!(d.tag_ids, vec![tag("clarity-project", "k3x9w2abcd")]);
        assert_eq!(d.events, vec!["recording"]);
        assert_eq!(kind_of(&d, "e[5]"), Some(COOKIES));
        assert_eq!(kind_of(&d, "e[11]"), Some(PAGE));
        assert_eq!(kind_of(&d, "recording"), Some(RECORDING));
        assert_eq!(value_of(&d, "recording"), Some(format!("{} bytes", body.len()).as_str()));
        // Binary (still compressed) bodies still say a replay left.
        let d = dec("https://k.clarity.ms/collect", Some("\u{1f}\u{fffd}\u{8}\u{0}garbage"));
        assert!(d.tag_ids.is_empty());
        assert_eq!(kind_of(&d, "recording"), Some(RECORDING));
    }

    #[test]
    fn non_tag_urls_give_none() {
        for u in [
            "https://shop.example/tr?id=1234567890123456&ev=PageView",
            "https://www.facebook.com/login",
            "https://evilfacebook.com/tr?id=1&ev=PageView",
            "https://connect.facebook.net/en_US/fbevents.js",
            "https://www.googletagmanager.com/gtag/js?id=G-ABC123XYZ9",
            "https://ct.pinterest.com.evil.example/v3/?tid=1",
            "https://static.klaviyo.com/onsite/js/klaviyo.js?company_id=AbC123",
            "https://cdn.shopify.com/s/files/1/shoe.jpg",
        ] {
            assert_eq!(decode(&url(u), None), None, "{u}");
        }
        // A URL without a host (data:, file:) is nobody's protocol.
        assert_eq!(decode(&url("data:text/plain,hello"), None), None);
    }

    #[test]
    fn empty_values_are_never_listed() {
        let d = dec(
            "https://www.facebook.com/tr/?id=1234567890123456&ev=&ud[em]=&cd[value]=&dl=&rl=%20&fbp=null&cd[contents]=%5B%5D",
            None,
        );
        assert!(d.params.is_empty(), "{:?}", d.params);
        assert!(d.events.is_empty());
        let d =
            dec("https://analytics.tiktok.com/api/v2/pixel", Some(r#"{"event":"","context":{"user":{"email":""}}}"#));
        assert!(d.params.is_empty() && d.events.is_empty(), "{d:?}");
    }

    #[test]
    fn caps_hold_on_huge_requests() {
        let long = "x".repeat(10_000);
        let mut body = String::new();
        for i in 0..500 {
            body.push_str(&format!("en=event_{i}&ep.field_{i}={long}\n"));
        }
        let d = dec("https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123XYZ9", Some(&body));
        assert_eq!(d.params.len(), MAX_PARAMS);
        assert_eq!(d.events.len(), MAX_NAMES);
        assert!(d.params.iter().all(|p| p.value.chars().count() == MAX_VALUE_CHARS));
        // Multi-byte characters are cut on a boundary.
        let d = dec(&format!("https://www.facebook.com/tr/?id=1&dl={}", "é".repeat(500)), None);
        assert_eq!(value_of(&d, "dl").map(|v| v.chars().count()), Some(MAX_VALUE_CHARS));
    }

    #[test]
    fn malformed_bodies_do_not_panic() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(5_000), "}".repeat(5_000));
        let bodies = [
            "{",
            "[[[[",
            "{\"event\":",
            "\u{0}\u{1}\u{2}",
            "%%%%%=%E0%A4%A",
            "data=%%%&company_id=%ZZ",
            "data=!!!notbase64!!!",
            "--\r\nContent-Disposition: form-data; name=\"id",
            "------b\r\nContent-Disposition: form-data; name=\"id\"\r\n",
            "{\"e\":\"not an array\"}",
            "{\"batch\":7}",
            "[1,2,{\"event\":[]}]",
            "ed={&pd=[&ad=\"",
            "events=[[[[&event={",
            "p0=e%3D%ZZ&p1=%",
            "\n\n\n&&&===",
            deep.as_str(),
            deep_obj.as_str(),
        ];
        let urls = [
            "https://www.facebook.com/tr/",
            "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123XYZ9",
            "https://www.googleadservices.com/pagead/conversion/987654321/?data=%3B%3D%3D%3B",
            "https://analytics.tiktok.com/api/v2/pixel",
            "https://ct.pinterest.com/v3/?ed=%7B&pd=%5B1&ad=%22",
            "https://tr.snapchat.com/p",
            "https://px.ads.linkedin.com/wa/?pid=%5B",
            "https://bat.bing.com/action/0?ti=%FF%FE",
            "https://analytics.twitter.com/i/adsct?events=%5B%5B1%2C2%5D%2C%22x%22%2Cnull%5D",
            "https://sslwidget.criteo.com/event?a=1&p0=%25",
            "https://a.klaviyo.com/api/identify?data=e30",
            "https://in.hotjar.com/api/v2/client/sites//visit-data",
            "https://k.clarity.ms/collect",
        ];
        for u in urls {
            for body in bodies.iter().copied().map(Some).chain([None]) {
                let d = decode(&url(u), body).unwrap_or_else(|| panic!("{u} is a tag protocol"));
                assert!(d.params.len() <= MAX_PARAMS);
                assert!(d.params.iter().all(|p| !p.value.is_empty() && p.value.chars().count() <= MAX_VALUE_CHARS));
            }
        }
    }

    #[test]
    fn decoding_is_deterministic() {
        let u = url(&format!("https://www.facebook.com/tr/?id=1&ev=Purchase&ud[em]={EMAIL_SHA256}&cd[value]=1"));
        let body = r#"{"event":"ViewContent","properties":{"b":1,"a":2}}"#;
        assert_eq!(decode(&u, None), decode(&u, None));
        let tt = url("https://analytics.tiktok.com/api/v2/pixel");
        let d = decode(&tt, Some(body)).expect("tiktok");
        assert_eq!(d, decode(&tt, Some(body)).expect("tiktok"));
        let names: Vec<&str> = d.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["properties.b", "properties.a"], "written order");
    }

    #[test]
    fn value_shapes() {
        assert!(looks_hex_digest(EMAIL_SHA256));
        assert!(looks_hex_digest(EMAIL_MD5));
        assert!(!looks_hex_digest("12345678901234567890123456789012"), "all digits is an ID");
        assert!(!looks_hex_digest("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"));
        assert!(looks_email("jane.doe+shop@example.co.uk"));
        assert!(!looks_email("https://shop.example/?email=jane@example.com"));
        assert!(!looks_email("@example.com"));
        assert!(!looks_email("jane@localhost"));
        assert!(looks_phone("+1 (555) 123-4567"));
        assert!(!looks_phone("42.00"));
        assert!(looks_base64_digest("huC55WwXzE0SOH4ZSbhQU/vnO8POWhGIcTqdMAzGEz0="));
        assert!(is_google("www.google.com") && is_google("www.google.co.uk") && is_google("google.de"));
        assert!(!is_google("google.evil.example") && !is_google("notgoogle.com"));
    }
}
