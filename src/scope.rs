//! Which hosts are the store itself.
//!
//! Enters: the start URLs (or `--site`) and any `--first-party` domains. Leaves: a
//! [`Scope`] that answers "is this host first party?" for the crawl (which pages to
//! follow) and for classification (which resources are third party).
//!
//! Same site = same registrable domain (eTLD+1 by the Public Suffix List), so
//! `cdn.shop.example` and `www.shop.example` are the store; `shop.myshopify.com` and
//! `other.myshopify.com` are not each other, because `myshopify.com` is a public suffix.

use std::collections::BTreeSet;
use std::net::IpAddr;

/// The registrable domain of a host: eTLD+1 by the Public Suffix List. IP addresses,
/// `localhost`, and hosts that are themselves a public suffix stand for themselves.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() {
        return host;
    }
    match psl::domain(host.as_bytes()) {
        Some(d) => String::from_utf8_lossy(d.as_bytes()).into_owned(),
        None => host,
    }
}

/// Normalise a host as typed by a user or found in a URL: lowercase, no trailing dot,
/// IDN to punycode (as the vendor database and the `url` crate write hosts).
pub fn normalize_host(input: &str) -> Option<String> {
    let trimmed = input.trim().trim_end_matches('.');
    let bare = trimmed.trim_start_matches('[').trim_end_matches(']');
    if let Ok(IpAddr::V6(v6)) = bare.parse::<IpAddr>() {
        return Some(format!("[{v6}]"));
    }
    if trimmed.is_empty() || trimmed.contains(['/', ' ', '@', ':']) && trimmed.parse::<IpAddr>().is_err() {
        return None;
    }
    let url = url::Url::parse(&format!("http://{trimmed}/")).ok()?;
    url.host_str().map(|h| h.trim_end_matches('.').to_owned())
}

/// The host of a URL written as text (`None` when it does not parse or has no host).
pub fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned))
}

/// True when `host` is `domain` or a subdomain of it (on a label boundary).
pub fn host_in_domain(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Registrable domains of the store, plus user-declared first-party domains.
    domains: BTreeSet<String>,
}

impl Scope {
    /// A scope from the store's hosts (their registrable domains are taken) and extra
    /// first-party domains (taken as written: `--first-party cdn.example.net` claims that
    /// host and its subdomains, not all of `example.net`).
    pub fn new<'a>(site_hosts: impl IntoIterator<Item = &'a str>, extra: impl IntoIterator<Item = &'a str>) -> Self {
        let mut domains: BTreeSet<String> = site_hosts.into_iter().map(registrable_domain).collect();
        domains.extend(extra.into_iter().filter_map(normalize_host));
        Scope { domains }
    }

    pub fn is_first_party(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.domains.iter().any(|d| host_in_domain(host, d))
    }

    /// The first-party domains, sorted (for the report).
    pub fn domains(&self) -> impl Iterator<Item = &str> {
        self.domains.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("www.shop.co.uk"), "shop.co.uk");
        assert_eq!(registrable_domain("WWW.Example.COM."), "example.com");
        assert_eq!(registrable_domain("a.b.myshopify.com"), "b.myshopify.com");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(registrable_domain("[::1]"), "[::1]");
        assert_eq!(registrable_domain("localhost"), "localhost");
        assert_eq!(registrable_domain("com"), "com");
        assert_eq!(registrable_domain("xn--mnchen-3ya.de"), "xn--mnchen-3ya.de");
    }

    #[test]
    fn first_party_on_label_boundaries() {
        let s = Scope::new(["www.shop.example"], ["assets-cdn.net"]);
        assert!(s.is_first_party("shop.example"));
        assert!(s.is_first_party("cdn.shop.example"));
        assert!(s.is_first_party("img.assets-cdn.net"));
        assert!(!s.is_first_party("evilshop.example"));
        assert!(!s.is_first_party("shop.example.evil.com"));
        let shopify = Scope::new(["mystore.myshopify.com"], []);
        assert!(!shopify.is_first_party("other.myshopify.com"));
    }

    #[test]
    fn normalizes_hosts() {
        assert_eq!(normalize_host("WWW.GoogleTagManager.com.").as_deref(), Some("www.googletagmanager.com"));
        assert_eq!(normalize_host("münchen.de").as_deref(), Some("xn--mnchen-3ya.de"));
        assert_eq!(normalize_host("not a host"), None);
        assert_eq!(normalize_host("[2001:db8::1]").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(normalize_host("2001:db8::1").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(normalize_host(""), None);
    }
}
