//! HTTP: one client per run, and bodies read under a size cap.
//!
//! Enters: the run's network settings and a "may this redirect be followed?" test.
//! Leaves: a configured [`reqwest::Client`], and for each request either the response
//! head plus a capped body, or a sentence saying what went wrong.
//!
//! Redirects are checked hop by hop: a redirect that leaves the store stops there (the
//! page is recorded, the other site is never contacted), a loop or more than
//! `max_redirects` hops fails the page.

use crate::error::Error;
use futures_util::StreamExt;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::redirect::Policy;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub timeout: Duration,
    pub max_body: usize,
    pub max_redirects: usize,
    pub user_agent: String,
    pub headers: Vec<(String, String)>,
    /// `--resolve host:port:addr`: (host, socket address).
    pub resolve: Vec<(String, SocketAddr)>,
    /// `--offline`: no DNS lookups; only `resolve` hosts are reachable.
    pub offline: bool,
    /// `--insecure`: accept any TLS certificate.
    pub insecure: bool,
}

/// The resolver of `--offline`: every lookup fails, so only `--resolve` hosts (applied by
/// reqwest before any resolver) can be reached.
struct NoLookups;

impl reqwest::dns::Resolve for NoLookups {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move { Err(format!("{host} is not looked up (--offline; map it with --resolve)").into()) })
    }
}

pub type RedirectFilter = Arc<dyn Fn(&Url) -> bool + Send + Sync>;

pub fn build_client(cfg: &FetchConfig, may_follow: RedirectFilter) -> Result<reqwest::Client, Error> {
    let mut headers = HeaderMap::new();
    for (name, value) in &cfg.headers {
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::usage(format!("invalid header name \"{name}\"")).with_help("write headers as --header 'Name: value'")
        })?;
        let v = HeaderValue::from_str(value).map_err(|_| {
            Error::usage(format!("invalid value for header \"{name}\""))
                .with_help("header values must be visible ASCII")
        })?;
        headers.append(n, v);
    }
    let max = cfg.max_redirects;
    let policy = Policy::custom(move |attempt| {
        if attempt.previous().contains(attempt.url()) {
            let at = attempt.url().to_string();
            attempt.error(format!("redirect loop at {at}"))
        } else if attempt.previous().len() > max {
            attempt.error(format!("more than {max} redirects"))
        } else if may_follow(attempt.url()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    let mut builder = reqwest::Client::builder()
        .user_agent(cfg.user_agent.clone())
        .default_headers(headers)
        .redirect(policy)
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout.min(Duration::from_secs(10)));
    for (host, addr) in &cfg.resolve {
        builder = builder.resolve(host, *addr);
    }
    if cfg.offline {
        builder = builder.dns_resolver(Arc::new(NoLookups));
    }
    if cfg.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| Error::usage(format!("cannot set up the HTTP client: {}", describe(&e, cfg.timeout))))
}

pub struct Head {
    pub status: u16,
    pub final_url: Url,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub retry_after: Option<String>,
}

/// `user:pass@` in a URL. vendorscan never sends credentials written in a URL: reqwest would
/// turn them into an Authorization header for whatever host the URL names.
pub fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

pub fn strip_credentials(url: &mut Url) {
    let _ = url.set_username("");
    let _ = url.set_password(None);
}

/// Send a GET; the body is left unread so the caller can skip what it does not need.
pub async fn get(client: &reqwest::Client, url: &Url, timeout: Duration) -> Result<(Head, reqwest::Response), String> {
    // Pages come from the frontier without credentials; this also covers the third-party
    // scripts of --hash-scripts.
    let mut url = url.clone();
    strip_credentials(&mut url);
    let resp = client.get(url).send().await.map_err(|e| describe(&e, timeout))?;
    let header = |name| resp.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_owned);
    let head = Head {
        status: resp.status().as_u16(),
        final_url: resp.url().clone(),
        content_type: header(CONTENT_TYPE),
        location: header(LOCATION),
        retry_after: header(RETRY_AFTER),
    };
    Ok((head, resp))
}

/// Read a body up to `max` bytes (after decompression, so a gzip bomb stops at the cap).
/// Returns the bytes and whether the body was cut.
pub async fn read_capped(resp: reqwest::Response, max: usize, timeout: Duration) -> Result<(Vec<u8>, bool), String> {
    // Sized once from Content-Length (capped: the header may lie), not grown and copied
    // chunk by chunk.
    let expected = resp.content_length().map_or(0, |n| usize::try_from(n).unwrap_or(max).min(max));
    let mut body = Vec::with_capacity(expected);
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| describe(&e, timeout))?;
        let room = max - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// A reqwest error as a sentence for the report: the kind, then the deepest cause.
pub fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    let mut cause = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let what = if e.is_timeout() {
        return format!("timed out after {} s", timeout.as_secs_f32());
    } else if e.is_redirect() {
        "redirect failed"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read"
    } else if e.is_request() {
        "the request failed"
    } else {
        "HTTP error"
    };
    if cause.is_empty() { what.to_owned() } else { format!("{what}: {cause}") }
}

/// What `--hash-scripts` presents itself as: a current desktop Chrome.
const BROWSER_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// A page may name any URL; the CI runner must not be made to fetch its own network
/// (cloud metadata at 169.254.169.254, localhost services). Only literal addresses can be
/// judged here; host names mapped with --resolve are the user's explicit choice.
fn private_address(url: &Url) -> Option<String> {
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => std::net::IpAddr::V4(ip),
        url::Host::Ipv6(ip) => std::net::IpAddr::V6(ip),
        url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => return Some("not fetched: localhost".into()),
        url::Host::Domain(_) => return None,
    };
    let private = match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified(),
        std::net::IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    };
    private.then(|| format!("not fetched: {ip} is a private or local address"))
}

/// Scripts are small; a "script" beyond this is not what a payment page should load.
const MAX_SCRIPT_BYTES: usize = 20 * 1024 * 1024;

/// `--hash-scripts`: fetch each script (the only time third-party URLs are requested) and
/// return its hex SHA-256 and its SRI value (`sha384-<base64>`), or why it failed.
pub async fn hash_scripts(
    cfg: &FetchConfig,
    urls: Vec<Url>,
) -> Result<std::collections::BTreeMap<String, Result<(String, String), String>>, Error> {
    use base64::Engine;
    use sha2::{Digest, Sha256, Sha384};
    // Third-party scripts redirect among their own hosts (CDN, versioned paths): follow,
    // within the hop limit. The user's --header values (staging credentials) are for the
    // store only, and a browser's User-Agent gets the script a visitor gets, not one served
    // to scanners.
    let hashing = FetchConfig { headers: Vec::new(), user_agent: BROWSER_USER_AGENT.to_owned(), ..cfg.clone() };
    let client = build_client(&hashing, Arc::new(|_: &Url| true))?;
    let slots = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        let (client, slots, timeout) = (client.clone(), slots.clone(), cfg.timeout);
        let max = cfg.max_body.min(MAX_SCRIPT_BYTES);
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let result = async {
                if let Some(why) = private_address(&url) {
                    return Err(why);
                }
                let (head, resp) = get(&client, &url, timeout).await?;
                if !(200..300).contains(&head.status) {
                    return Err(format!("HTTP {}", head.status));
                }
                let (body, cut) = read_capped(resp, max, timeout).await?;
                if cut {
                    return Err(format!("larger than {max} bytes"));
                }
                let sha256: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
                let sri = format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&body)));
                Ok((sha256, sri))
            }
            .await;
            (url.to_string(), result)
        });
    }
    let mut out = std::collections::BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok((url, result)) = done {
            out.insert(url, result);
        }
    }
    Ok(out)
}
