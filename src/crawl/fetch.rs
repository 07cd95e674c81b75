//! HTTP: the run's clients, and bodies read under a size cap.
//!
//! Enters: the run's network settings and a "may this redirect be followed?" test.
//! Leaves: a [`Fetcher`], and for each request either the response head plus a capped
//! body, or a sentence saying what went wrong.
//!
//! Redirects are followed by [`get`], hop by hop: a redirect that leaves the store stops
//! there (the page is recorded, the other site is never contacted), a loop or more than
//! `max_redirects` hops fails the page. `--resolve` maps a host on one port only, and
//! `--hash-scripts` (third-party URLs) never reaches a private address the user did not map.

use crate::error::Error;
use futures_util::StreamExt;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::redirect::Policy;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
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

/// How many header lines a response may have. hyper's default is 100, and a store behind a
/// CDN, a WAF and a cookie banner sends more (each `Set-Cookie` is a line): such a page
/// failed with "message head is too large". Browsers limit the head's size, not its lines
/// (Chromium: 256 KiB), and a header line is at least 4 bytes (`a:` CRLF), so no head a
/// browser takes can have more lines than this. The size itself stays bounded by hyper's
/// read buffer (about 400 KiB), which reqwest does not expose.
pub const MAX_RESPONSE_HEADERS: usize = 256 * 1024 / 4;

/// A host name to addresses; the system's resolver, or a stand-in in tests (which must not
/// look anything up).
type Lookup = fn(&str) -> std::io::Result<Vec<SocketAddr>>;

fn system_lookup(host: &str) -> std::io::Result<Vec<SocketAddr>> {
    (host, 0).to_socket_addrs().map(Iterator::collect)
}

/// Name lookups of every client: none at all with `--offline` (only `--resolve` hosts,
/// which reqwest applies before any resolver, are reachable), and for `--hash-scripts`
/// only public addresses, so a third-party name that resolves to the runner's own network
/// (DNS pointing at 127.0.0.1, 169.254.169.254, 10.x) is not fetched. The check is on the
/// addresses the connection then uses, so a name cannot pass it and connect elsewhere.
struct Lookups {
    offline: bool,
    public_only: bool,
    lookup: Lookup,
}

impl reqwest::dns::Resolve for Lookups {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let (offline, public_only, lookup) = (self.offline, self.public_only, self.lookup);
        Box::pin(async move {
            if offline {
                return Err(format!("{host} is not looked up (--offline; map it with --resolve)").into());
            }
            let name = host.clone();
            let addrs = tokio::task::spawn_blocking(move || lookup(&name)).await??;
            if !public_only {
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                addrs.into_iter().partition(|a| non_public(a.ip()).is_none());
            match (public.is_empty(), refused.first()) {
                (true, Some(a)) => Err(format!(
                    "not fetched: {host} resolves to {}, {} (only hosts mapped with --resolve may be)",
                    a.ip(),
                    non_public(a.ip()).unwrap_or("not a public address")
                )
                .into()),
                _ => Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs),
            }
        })
    }
}

/// Why an address is not on the public internet (`None` when it is). A third party's URL
/// must not make the CI runner fetch its own network: loopback, private and link-local
/// ranges, cloud metadata, CGNAT, unique-local IPv6, and IPv6 forms that embed an IPv4
/// address (`[::ffff:127.0.0.1]` reaches 127.0.0.1).
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_unspecified() => "the unspecified address",
        (0, ..) => "a \"this network\" address",
        (127, ..) => "a loopback address",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "a private address",
        (169, 254, _) => "a link-local address (cloud metadata lives there)",
        (100, 64..=127, _) => "a shared (CGNAT) address",
        (192, 0, 0) => "an IETF protocol address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, ..) => "a multicast address",
        (240..=255, ..) => "a reserved or broadcast address",
        _ => return None,
    })
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    Some(match s {
        _ if ip.is_unspecified() => "the unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        // The IPv4 address inside reaches an IPv4 host: judged as that address.
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => return non_public_v4(embedded_v4(s[6], s[7])),
        [0x2002, hi, lo, ..] => return non_public_v4(embedded_v4(hi, lo)),
        // Mapped and compatible addresses have no business in a public URL or DNS answer.
        [0, 0, 0, 0, 0, 0xffff, ..] => "an IPv4-mapped address",
        [0, 0, 0, 0, 0, 0, ..] => "an IPv4-compatible address",
        [0x64, 0xff9b, 1, ..] => "a local-use NAT64 address",
        [0x100, 0, 0, 0, ..] => "a discard-only address",
        [0x2001, 0xdb8, ..] => "a documentation address",
        [x, ..] if x & 0xffc0 == 0xfe80 => "a link-local address",
        [x, ..] if x & 0xffc0 == 0xfec0 => "a site-local address",
        [x, ..] if x & 0xfe00 == 0xfc00 => "a unique-local (private) address",
        [x, ..] if x & 0xff00 == 0xff00 => "a multicast address",
        _ => return None,
    })
}

fn embedded_v4(hi: u16, lo: u16) -> Ipv4Addr {
    let [a, b] = hi.to_be_bytes();
    let [c, d] = lo.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

pub type RedirectFilter = Arc<dyn Fn(&Url) -> bool + Send + Sync>;

/// The HTTP side of a run: one client per `--resolve` port plus one for everything else,
/// and the redirect rules, applied hop by hop in [`get`].
///
/// Why several clients: reqwest's `resolve` maps a name on every port, and the mapping is
/// `host:PORT:addr` (as curl's). `shop.test:8765:127.0.0.1` must not send a request for
/// `https://shop.test/` (port 443) to 127.0.0.1; so each mapped port has a client whose
/// overrides are the names mapped on that port, and a request for a name and port that
/// were not mapped goes through the client without overrides (a real lookup, or "not
/// looked up" with `--offline`). Why redirects by hand: each hop then picks its client,
/// and is checked (scope, loops, private addresses) before anything is sent.
#[derive(Clone)]
pub struct Fetcher(Arc<Clients>);

struct Clients {
    unmapped: reqwest::Client,
    by_port: Vec<(u16, reqwest::Client)>,
    resolve: Vec<(String, SocketAddr)>,
    may_follow: RedirectFilter,
    max_redirects: usize,
    /// `--hash-scripts`: third-party URLs, so no private address unless mapped.
    public_only: bool,
}

impl Fetcher {
    /// Was this URL's host and port mapped with `--resolve`?
    fn mapped(&self, url: &Url) -> bool {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return false };
        self.0.resolve.iter().any(|(h, a)| h.eq_ignore_ascii_case(host) && a.port() == port)
    }

    fn client_for(&self, url: &Url) -> &reqwest::Client {
        let port = url.port_or_known_default();
        match self.0.by_port.iter().find(|(p, _)| Some(*p) == port) {
            Some((_, client)) if self.mapped(url) => client,
            _ => &self.0.unmapped,
        }
    }

    /// Why this URL is not requested at all (`--hash-scripts`: a literal private address,
    /// or localhost, that the user did not map). Names are judged by the resolver.
    fn refused(&self, url: &Url) -> Option<String> {
        if !self.0.public_only || self.mapped(url) {
            return None;
        }
        let ip = match url.host()? {
            url::Host::Ipv4(ip) => IpAddr::V4(ip),
            url::Host::Ipv6(ip) => IpAddr::V6(ip),
            url::Host::Domain(d) => {
                let d = d.trim_end_matches('.');
                let local = d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost");
                return local.then(|| format!("{d} is this machine"));
            }
        };
        non_public(ip).map(|what| format!("{ip} is {what}"))
    }
}

pub fn build_client(cfg: &FetchConfig, may_follow: RedirectFilter) -> Result<Fetcher, Error> {
    build(cfg, may_follow, false, system_lookup)
}

fn build(cfg: &FetchConfig, may_follow: RedirectFilter, public_only: bool, lookup: Lookup) -> Result<Fetcher, Error> {
    // reqwest is built without a crypto provider (Cargo.toml: aws-lc-rs's C build was most of
    // a fresh build's time); ring is the process's provider. A second call finds it installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
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
    let client = |mapped: &[(String, SocketAddr)]| {
        let mut builder = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .default_headers(headers.clone())
            // Followed in `get`, hop by hop.
            .redirect(Policy::none())
            .http1_max_headers(MAX_RESPONSE_HEADERS)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .dns_resolver(Arc::new(Lookups { offline: cfg.offline, public_only, lookup }));
        let mut names: Vec<&str> = mapped.iter().map(|(h, _)| h.as_str()).collect();
        names.dedup();
        for name in names {
            let addrs: Vec<SocketAddr> = mapped.iter().filter(|(h, _)| h == name).map(|(_, a)| *a).collect();
            builder = builder.resolve_to_addrs(name, &addrs);
        }
        if cfg.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder
            .build()
            .map_err(|e| Error::usage(format!("cannot set up the HTTP client: {}", describe(&e, cfg.timeout))))
    };
    let mut ports: Vec<u16> = cfg.resolve.iter().map(|(_, a)| a.port()).collect();
    ports.sort_unstable();
    ports.dedup();
    let mut by_port = Vec::new();
    for port in ports {
        let mut mapped: Vec<(String, SocketAddr)> =
            cfg.resolve.iter().filter(|(_, a)| a.port() == port).cloned().collect();
        mapped.sort_by(|a, b| a.0.cmp(&b.0));
        by_port.push((port, client(&mapped)?));
    }
    Ok(Fetcher(Arc::new(Clients {
        unmapped: client(&[])?,
        by_port,
        resolve: cfg.resolve.clone(),
        may_follow,
        max_redirects: cfg.max_redirects,
        public_only,
    })))
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

/// Send a GET and follow redirects hop by hop; the body is left unread so the caller can
/// skip what it does not need.
///
/// A hop is followed when it is a redirect with a usable `Location`, within the hop limit,
/// not a loop, and the client's filter allows it (the crawl: the store; `--hash-scripts`:
/// anywhere but a private address). A redirect the filter refuses is returned as it is
/// (the caller records where it pointed). The timeout covers all hops together.
pub async fn get(fetcher: &Fetcher, url: &Url, timeout: Duration) -> Result<(Head, reqwest::Response), String> {
    // Pages come from the frontier without credentials; this also covers the third-party
    // scripts of --hash-scripts, and every redirect target.
    let mut url = url.clone();
    strip_credentials(&mut url);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut visited: Vec<Url> = Vec::new();
    loop {
        if let Some(why) = fetcher.refused(&url) {
            return Err(match visited.last() {
                None => format!("not fetched: {why}"),
                Some(_) => {
                    format!("not fetched: redirected to {url}, and {why} (only hosts mapped with --resolve may be)")
                }
            });
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return Err(format!("timed out after {} s", timeout.as_secs_f32()));
        }
        log::info!("GET {url}");
        let resp = fetcher.client_for(&url).get(url.clone()).timeout(left).send().await.map_err(|e| {
            let why = describe(&e, timeout);
            log::info!("GET {url}: {why}");
            why
        })?;
        let header = |name| resp.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_owned);
        let head = Head {
            status: resp.status().as_u16(),
            final_url: url.clone(),
            content_type: header(CONTENT_TYPE),
            // UTF-8 is taken too (browsers follow such a Location; `to_str` is ASCII only).
            location: resp
                .headers()
                .get(LOCATION)
                .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
                .map(str::to_owned),
            retry_after: header(RETRY_AFTER),
        };
        let next = match (head.status, &head.location) {
            (301 | 302 | 303 | 307 | 308, Some(loc)) => {
                url.join(loc).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
            }
            _ => None,
        };
        let Some(mut next) = next else { return Ok((head, resp)) };
        strip_credentials(&mut next);
        next.set_fragment(None);
        visited.push(url);
        if visited.contains(&next) {
            return Err(format!("redirect failed: redirect loop at {next}"));
        }
        if visited.len() > fetcher.0.max_redirects {
            return Err(format!("redirect failed: more than {} redirects", fetcher.0.max_redirects));
        }
        if !(fetcher.0.may_follow)(&next) {
            log::info!("redirect {url} -> {next}: not followed (off the store)", url = visited[visited.len() - 1]);
            return Ok((head, resp));
        }
        log::info!("redirect {url} -> {next} (HTTP {})", head.status, url = visited[visited.len() - 1]);
        drop(resp);
        url = next;
    }
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

/// Scripts are small; a "script" beyond this is not what a payment page should load.
const MAX_SCRIPT_BYTES: usize = 20 * 1024 * 1024;

/// `--hash-scripts`: fetch each script (the only time third-party URLs are requested) and
/// return its hex SHA-256 and its SRI value (`sha384-<base64>`), or why it failed.
pub async fn hash_scripts(cfg: &FetchConfig, urls: Vec<Url>) -> Result<ScriptDigests, Error> {
    hash_scripts_with(cfg, urls, system_lookup).await
}

/// Per script URL: its (SHA-256 hex, SRI) or why it could not be hashed.
pub type ScriptDigests = std::collections::BTreeMap<String, Result<(String, String), String>>;

async fn hash_scripts_with(cfg: &FetchConfig, urls: Vec<Url>, lookup: Lookup) -> Result<ScriptDigests, Error> {
    use base64::Engine;
    use sha2::{Digest, Sha256, Sha384};
    // Third-party scripts redirect among their own hosts (CDN, versioned paths): follow,
    // within the hop limit. The user's --header values (staging credentials) are for the
    // store only, and a browser's User-Agent gets the script a visitor gets, not one served
    // to scanners.
    let hashing = FetchConfig { headers: Vec::new(), user_agent: BROWSER_USER_AGENT.to_owned(), ..cfg.clone() };
    // Every hop and every looked-up address is checked (`public_only`): a private address
    // is fetched only for a host and port the user mapped with --resolve.
    let client = build(&hashing, Arc::new(|_: &Url| true), true, lookup)?;
    let slots = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        let (client, slots, timeout) = (client.clone(), slots.clone(), cfg.timeout);
        let max = cfg.max_body.min(MAX_SCRIPT_BYTES);
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let result = async {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_of_the_runners_own_network_are_not_public() {
        for (addr, what) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.31.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "CGNAT"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "this network"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("198.18.0.1", "benchmarking"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "IPv4-mapped"),
            ("::ffff:8.8.8.8", "IPv4-mapped"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:7f00:1::1", "loopback"),
            ("2001:db8::1", "documentation"),
        ] {
            let got = non_public(ip(addr));
            assert!(got.is_some_and(|g| g.contains(what)), "{addr}: {got:?}");
        }
        for addr in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "64:ff9b::808:808"] {
            assert_eq!(non_public(ip(addr)), None, "{addr}");
        }
    }

    fn cfg(resolve: Vec<(String, SocketAddr)>, offline: bool) -> FetchConfig {
        FetchConfig {
            timeout: Duration::from_secs(5),
            max_body: 1 << 20,
            max_redirects: 10,
            user_agent: "test".into(),
            headers: vec![],
            resolve,
            offline,
            insecure: false,
        }
    }

    /// A name that resolves to loopback, as DNS pointed at the runner would answer: no
    /// lookup leaves the machine in tests.
    fn to_loopback(host: &str) -> std::io::Result<Vec<SocketAddr>> {
        match host {
            "evil.example" => Ok(vec!["127.0.0.1:0".parse().unwrap()]),
            "mixed.example" => Ok(vec!["127.0.0.1:0".parse().unwrap(), "203.0.114.7:0".parse().unwrap()]),
            _ => Err(std::io::Error::other(format!("{host}: no such host in this test"))),
        }
    }

    #[tokio::test]
    async fn lookups_keep_only_public_addresses_for_third_parties() {
        use reqwest::dns::Resolve;
        use std::str::FromStr;
        let name = |n: &str| reqwest::dns::Name::from_str(n).unwrap();
        let public = Lookups { offline: false, public_only: true, lookup: to_loopback };
        let err = public.resolve(name("evil.example")).await.err().unwrap().to_string();
        assert!(err.contains("evil.example resolves to 127.0.0.1, a loopback address"), "{err}");
        // A name with public and private answers (DNS rebinding) connects to the public ones only.
        let kept: Vec<SocketAddr> = public.resolve(name("mixed.example")).await.ok().unwrap().collect();
        assert_eq!(kept, vec!["203.0.114.7:0".parse::<SocketAddr>().unwrap()]);
        // The store's own crawl may be on a private network (staging, intranet).
        let store = Lookups { offline: false, public_only: false, lookup: to_loopback };
        assert_eq!(store.resolve(name("evil.example")).await.ok().unwrap().count(), 1);
        let offline = Lookups { offline: true, public_only: false, lookup: to_loopback };
        let err = offline.resolve(name("evil.example")).await.err().unwrap().to_string();
        assert!(err.contains("not looked up (--offline"), "{err}");
    }

    #[tokio::test]
    async fn a_script_host_that_resolves_to_loopback_is_never_contacted() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = Url::parse(&format!("http://evil.example:{port}/skimmer.js")).unwrap();
        let out = hash_scripts_with(&cfg(vec![], false), vec![url.clone()], to_loopback).await.unwrap();
        let why = out[url.as_str()].as_ref().unwrap_err();
        assert!(why.contains("evil.example resolves to 127.0.0.1, a loopback address"), "{why}");
        assert!(listener.accept().is_err(), "the listener was connected to");
    }

    #[test]
    fn a_mapping_holds_for_its_port_only() {
        let f = build(
            &cfg(vec![("shop.test".into(), "127.0.0.1:8765".parse().unwrap())], true),
            Arc::new(|_: &Url| true),
            true,
            to_loopback,
        )
        .unwrap();
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(f.mapped(&u("http://shop.test:8765/")));
        assert!(!f.mapped(&u("https://shop.test/")));
        assert!(!f.mapped(&u("http://shop.test/")));
        assert!(std::ptr::eq(f.client_for(&u("https://shop.test/")), &f.0.unmapped));
        assert!(!std::ptr::eq(f.client_for(&u("http://shop.test:8765/")), &f.0.unmapped));
        // A literal private address is refused for third parties; a mapped one is the user's choice.
        assert!(f.refused(&u("http://127.0.0.1:8765/")).is_some());
        assert!(f.refused(&u("http://[::ffff:7f00:1]/")).unwrap().contains("IPv4-mapped"));
        assert!(f.refused(&u("http://app.localhost/")).unwrap().contains("this machine"));
        assert!(f.refused(&u("http://shop.test:8765/")).is_none());
    }
}
