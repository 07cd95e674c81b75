//! Who loaded whom: the chain from a page to each request of a browser visit.
//!
//! Enters: the requests of one [`crate::model::Visit`] and the page URL. Leaves: for each
//! request, the URL that asked for it (`loaded_by`: a script, an iframe document or a
//! stylesheet; `None` when the page itself did, from its markup or an inline script) and
//! the chain of URLs from the page down to that loader. Plain functions, no browser.

use crate::model::RuntimeRequest;

/// Long enough for page → tag manager → vendor → its loader → fourth party several times
/// over; a loop (A loads B loads A) or a pathological page stops here.
const MAX_CHAIN: usize = 16;

fn same_document(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.split('#').next().unwrap_or(s).trim_end_matches('/').to_owned();
    strip(a) == strip(b)
}

/// The URL that issued `req`, unless it was the page itself.
pub fn loaded_by<'a>(req: &'a RuntimeRequest, page: &str) -> Option<&'a str> {
    req.initiator_url.as_deref().filter(|u| !same_document(u, page) && *u != req.url.as_str())
}

/// The loaders of request `i`, outermost first: `[tag manager, vendor script]` for a pixel
/// the vendor script fired after the tag manager injected it. Empty when the page itself
/// loaded it.
pub fn chain(requests: &[RuntimeRequest], i: usize, page: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = loaded_by(&requests[i], page);
    while let Some(url) = cur {
        if out.iter().any(|u| u == url) || out.len() >= MAX_CHAIN {
            break;
        }
        out.push(url.to_owned());
        // The loader's own request: the first time this URL was fetched on the page.
        cur = requests.iter().find(|r| r.url.as_str() == url).and_then(|r| loaded_by(r, page));
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InitiatorKind, ResourceKind};

    fn req(url: &str, by: Option<&str>) -> RuntimeRequest {
        RuntimeRequest {
            url: url::Url::parse(url).unwrap(),
            kind: ResourceKind::Script,
            cdp_type: "Script".into(),
            method: "GET".into(),
            status: Some(200),
            failure: None,
            frame: None,
            initiator: if by.is_some() { InitiatorKind::Script } else { InitiatorKind::Parser },
            initiator_url: by.map(str::to_owned),
            initiator_line: None,
            canceled: false,
            unload: false,
            after_choice: false,
            payload: Default::default(),
            step: Default::default(),
        }
    }

    #[test]
    fn page_to_tag_manager_to_vendor_to_fourth_party() {
        let page = "https://shop.example/";
        let reqs = vec![
            req("https://www.googletagmanager.com/gtm.js?id=GTM-1", Some("https://shop.example/")),
            req("https://static.hotjar.com/c/hotjar-1.js", Some("https://www.googletagmanager.com/gtm.js?id=GTM-1")),
            req("https://script.hotjar.com/modules.js", Some("https://static.hotjar.com/c/hotjar-1.js")),
        ];
        assert_eq!(loaded_by(&reqs[0], page), None, "an inline script on the page is the page");
        assert!(chain(&reqs, 0, page).is_empty());
        assert_eq!(
            chain(&reqs, 2, page),
            vec!["https://www.googletagmanager.com/gtm.js?id=GTM-1", "https://static.hotjar.com/c/hotjar-1.js"]
        );
    }

    #[test]
    fn loops_end() {
        let page = "https://shop.example/";
        let reqs = vec![
            req("https://a.example/a.js", Some("https://b.example/b.js")),
            req("https://b.example/b.js", Some("https://a.example/a.js")),
        ];
        assert_eq!(chain(&reqs, 0, page), vec!["https://a.example/a.js", "https://b.example/b.js"]);
    }
}
