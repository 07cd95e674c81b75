//! URLs written inside inline JavaScript.
//!
//! Enters: the text of an inline `<script>`. Leaves: each URL found, with its byte offset,
//! the text as written and an absolute URL to classify.
//!
//! Tag-manager and pixel snippets build the URL of the script they load in code, so the
//! host appears in a string, not in markup. We look for three shapes seen in real
//! snippets: a plain or protocol-relative URL (also JSON-escaped, `https:\/\/`), a scheme
//! concatenated with a host (`'https://' + 'static.hotjar.com/...'`), and a host suffix
//! concatenated after a computed prefix (`(... 'https://ssl' : 'http://www') +
//! '.google-analytics.com/ga.js'`), reported by its registrable domain. A host only
//! counts when its suffix is on the Public Suffix List, which keeps `//window.location`
//! and friends out.

use regex::Regex;
use std::sync::LazyLock;

pub struct ScriptUrl<'a> {
    pub offset: usize,
    pub raw: &'a str,
    pub url: String,
}

static PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:https?:)?(?:\\?/){2}([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(:[0-9]{1,5})?((?:\\?/[^\s"'`<>(){}\[\]\\]*(?:\\/[^\s"'`<>(){}\[\]\\]*)*)?)"#)
        .expect("valid regex")
});
static CONCAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)["'](?:https?:)?//["']\s*\+\s*["']([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(/[^"']*)?["']"#)
        .expect("valid regex")
});
static SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\+\s*["']\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)(/[^"']*)?["']"#).expect("valid regex"));

/// A host worth reporting: at least two labels, each sane, ending in a known public suffix.
fn valid_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host.contains('.')
        && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'))
        && psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known())
        && psl::domain(host.as_bytes()).is_some()
}

/// Hosts that appear in scripts as identifiers (XML namespaces, JSON-LD contexts), never as
/// something the browser loads.
const NAMESPACE_HOSTS: &[&str] =
    &["www.w3.org", "schema.org", "purl.org", "xmlns.com", "ogp.me", "json-schema.org", "ns.adobe.com"];

pub fn urls_in_script(text: &str) -> Vec<ScriptUrl<'_>> {
    if !text.contains("//") && !text.contains("\\/") && !text.contains('+') {
        return Vec::new();
    }
    let mut found = Vec::new();
    for caps in PLAIN.captures_iter(text) {
        let (whole, host) = (caps.get(0).expect("match"), &caps[1]);
        // "a//b" inside a longer word (e.g. "sha1//x") is not a URL start.
        let prev = text[..whole.start()].chars().next_back();
        if prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') || !valid_host(host) {
            continue;
        }
        let lower = host.to_ascii_lowercase();
        // `//# sourceMappingURL=` is read by developer tools only.
        let source_map = text[..whole.start()].trim_end().ends_with("sourceMappingURL=");
        if source_map || NAMESPACE_HOSTS.contains(&lower.as_str()) {
            continue;
        }
        let port = caps.get(2).map_or("", |m| m.as_str());
        let path = caps.get(3).map_or("", |m| m.as_str()).replace("\\/", "/");
        let path = path.trim_end_matches(['.', ',', ';', ':', '"', '\'']);
        // The scheme as written; protocol-relative URLs load over https on a store.
        let scheme =
            if whole.as_str().get(..5).is_some_and(|p| p.eq_ignore_ascii_case("http:")) { "http" } else { "https" };
        found.push(ScriptUrl {
            offset: whole.start(),
            raw: whole.as_str(),
            url: format!("{scheme}://{host}{port}{path}"),
        });
    }
    for caps in CONCAT.captures_iter(text) {
        let (whole, host) = (caps.get(0).expect("match"), &caps[1]);
        if valid_host(host) {
            let path = caps.get(2).map_or("", |m| m.as_str());
            found.push(ScriptUrl { offset: whole.start(), raw: whole.as_str(), url: format!("https://{host}{path}") });
        }
    }
    for caps in SUFFIX.captures_iter(text) {
        let (whole, domain) = (caps.get(0).expect("match"), &caps[1]);
        if valid_host(domain) {
            let path = caps.get(2).map_or("", |m| m.as_str());
            found.push(ScriptUrl {
                offset: whole.start(),
                raw: whole.as_str(),
                url: format!("https://{domain}{path}"),
            });
        }
    }
    found.sort_by_key(|f| f.offset);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        urls_in_script(text).into_iter().map(|u| u.url).collect()
    }

    #[test]
    fn gtm_snippet() {
        let s = "(function(w,d,s,l,i){w[l]=w[l]||[];var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-ABC123');";
        assert_eq!(urls(s), vec!["https://www.googletagmanager.com/gtm.js?id="]);
    }

    #[test]
    fn protocol_relative_json_escaped_and_concatenated() {
        assert_eq!(urls("s.src='//cdn.example-vendor.com/x.js'"), vec!["https://cdn.example-vendor.com/x.js"]);
        assert_eq!(
            urls(r#"{"u":"https:\/\/connect.facebook.net\/en_US\/fbevents.js"}"#),
            vec!["https://connect.facebook.net/en_US/fbevents.js"]
        );
        assert_eq!(
            urls("r.src='https://' + 'static.hotjar.com/c/hotjar-'+id"),
            vec!["https://static.hotjar.com/c/hotjar-"]
        );
        assert_eq!(
            urls(
                "ga.src = ('https:' == document.location.protocol ? 'https://ssl' : 'http://www') + '.google-analytics.com/ga.js';"
            ),
            vec!["https://google-analytics.com/ga.js"]
        );
    }

    #[test]
    fn keeps_the_scheme_and_skips_namespaces_and_source_maps() {
        assert_eq!(urls("img.src='http://px.tracker.com/p.gif'"), vec!["http://px.tracker.com/p.gif"]);
        assert!(
            urls("document.createElementNS('http://www.w3.org/2000/svg','svg'); x={'@context':'https://schema.org'}")
                .is_empty()
        );
        assert!(urls("f();\n//# sourceMappingURL=https://maps.cdn.example.com/app.js.map").is_empty());
    }

    #[test]
    fn ignores_comments_words_and_unknown_suffixes() {
        assert!(urls("// see the docs\nvar a = b // c.d\n x = window.location.href; //el.innerhtml").is_empty());
        assert!(urls("var re = 'a' + '.min.js';").is_empty());
    }
}
