//! The crawl frontier: which page comes next, and when the crawl is over.
//!
//! Enters: start URLs, sitemap URLs, and links found on pages. Leaves: (URL, depth) pairs
//! in breadth-first order. A URL is queued at most once (after normalisation), and no more
//! than `max_pages` URLs are ever queued, so link traps and calendar explosions cost
//! nothing beyond the page budget.

use super::fetch::{has_credentials, strip_credentials};
use crate::model::FastSet;
use std::collections::VecDeque;
use url::Url;

pub struct Frontier {
    queue: VecDeque<(Url, u32)>,
    seen: FastSet<String>,
    /// How many URLs were ever accepted: the page budget is spent at enqueue time.
    accepted: usize,
    /// A new URL was turned away because the budget was spent.
    refused: bool,
    max_pages: usize,
    max_depth: Option<u32>,
}

/// The form of a URL used to tell pages apart: no fragment, no empty query, and no
/// credentials (`user:pass@` found in a page or a sitemap is never sent, and never shown in a
/// report). The `url` crate has already lowercased the host, dropped default ports and
/// resolved `../`.
pub fn normalize(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    if u.query() == Some("") {
        u.set_query(None);
    }
    strip_credentials(&mut u);
    u
}

fn is_normal(url: &Url) -> bool {
    url.fragment().is_none() && url.query() != Some("") && !has_credentials(url)
}

impl Frontier {
    pub fn new(max_pages: usize, max_depth: Option<u32>) -> Self {
        Frontier { queue: VecDeque::new(), seen: FastSet::default(), accepted: 0, refused: false, max_pages, max_depth }
    }

    /// Queue a URL unless it was seen, is too deep, or the budget is spent.
    pub fn push(&mut self, url: &Url, depth: u32) -> bool {
        if self.max_depth.is_some_and(|m| depth > m) {
            return false;
        }
        // Most links are already in normal form (extraction drops fragments): look them up
        // as they are, and copy only a URL that is new.
        let normalized = (!is_normal(url)).then(|| normalize(url));
        let url = normalized.as_ref().unwrap_or(url);
        if self.seen.contains(url.as_str()) {
            return false;
        }
        if self.accepted >= self.max_pages {
            self.refused = true;
            return false;
        }
        self.seen.insert(url.as_str().to_owned());
        self.accepted += 1;
        self.queue.push_back((url.clone(), depth));
        true
    }

    /// Note a URL reached by redirect so it is not fetched again; false if it was known.
    pub fn mark_seen(&mut self, url: &Url) -> bool {
        self.seen.insert(normalize(url).as_str().to_owned())
    }

    pub fn pop(&mut self) -> Option<(Url, u32)> {
        self.queue.pop_front()
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// True when the page budget stopped a URL from being queued.
    pub fn budget_spent(&self) -> bool {
        self.refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn dedups_after_normalisation_and_keeps_bfs_order() {
        let mut f = Frontier::new(10, None);
        assert!(f.push(&u("https://s.example/a#top"), 0));
        assert!(!f.push(&u("https://S.example:443/x/../a"), 1));
        assert!(!f.push(&u("https://s.example/a?"), 1));
        assert!(f.push(&u("https://s.example/b"), 1));
        assert_eq!(f.pop().unwrap().0.as_str(), "https://s.example/a");
        assert_eq!(f.pop().unwrap().0.as_str(), "https://s.example/b");
        assert!(f.pop().is_none());
    }

    #[test]
    fn credentials_are_dropped() {
        let mut f = Frontier::new(10, None);
        assert!(f.push(&u("https://s.example/a"), 0));
        assert!(!f.push(&u("https://user:secret@s.example/a"), 1), "credentials make no new page");
        assert!(f.push(&u("https://user:secret@s.example/b"), 1));
        assert_eq!(f.queue.back().unwrap().0.as_str(), "https://s.example/b", "and are never sent");
    }

    #[test]
    fn budget_and_depth() {
        let mut f = Frontier::new(2, Some(1));
        assert!(!f.push(&u("https://s.example/deep"), 2));
        assert!(f.push(&u("https://s.example/1"), 0));
        assert!(f.push(&u("https://s.example/2"), 1));
        assert!(!f.budget_spent(), "full, but nothing turned away yet");
        assert!(!f.push(&u("https://s.example/2"), 2), "a known URL is not a refusal");
        assert!(!f.budget_spent());
        assert!(!f.push(&u("https://s.example/3"), 1));
        assert!(f.budget_spent());
    }
}
