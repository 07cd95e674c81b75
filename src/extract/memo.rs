//! Remembered URL resolutions: a reference's text and what its result depends on in, the
//! result the URL parser gave for it before out.
//!
//! A store repeats itself: the same tag manager, pixel and navigation links on every page.
//! Parsing each occurrence again was a tenth of a tag-heavy crawl's CPU; a hash lookup and
//! a clone of the stored `Url` cost a fraction of that. Each extracting thread keeps its own
//! memo (no lock on the hot path), bounded in entries and key length, and emptied whole when
//! full, so a store of only distinct URLs costs a bounded amount of memory and a lookup
//! that misses.
//!
//! The result is a function of the key by construction: a reference is remembered only
//! when what it depends on is in the key. `https://` and `http://` references depend on no
//! base; references starting with `/` (a path, or another host written `//host`) depend on
//! the base's scheme, credentials, host and port, which is the base up to its path; any
//! other reference (`a.js`, `?v=2`, `https:a.js`) depends on the base's path too and is
//! not remembered. Only http(s) bases are used: every such base can be a base, so the part
//! before the path says everything about them a `/` reference can see.

use super::resolve_fresh;
use crate::model::FastMap;
use std::cell::RefCell;
use url::{Position, Url};

/// Entries kept by one thread before its memo is emptied. A 1,000-page tag-heavy store has
/// about 9,500 distinct references, of which the few hundred on every page are almost all
/// the lookups; this keeps those at some hundreds of kilobytes per thread.
const MAX_ENTRIES: usize = 4096;
/// Longer references are resolved each time: they are rarely repeated, and the bound keeps
/// a full memo under a few megabytes.
const MAX_KEY: usize = 256;

/// What a stored result was computed by: [`Memo::resolve`]'s function over a base part, or
/// a plain parse of an absolute URL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Resolve,
    Parse,
}

/// Results by reference text, for one (function, base part).
type Results = FastMap<Box<str>, Option<Url>>;

#[derive(Default)]
struct Memo {
    /// One map per (function, base part): a page's references share its origin, so there
    /// are a handful of these at most and they are searched in order.
    maps: Vec<(By, Box<str>, Results)>,
    entries: usize,
    /// Lookups answered from the memo, for the tests to see it used.
    #[cfg(test)]
    hits: usize,
}

impl Memo {
    fn get_or(&mut self, by: By, part: &str, raw: &str, compute: impl FnOnce() -> Option<Url>) -> Option<Url> {
        let at = match self.maps.iter().position(|(b, p, _)| *b == by && **p == *part) {
            Some(at) => at,
            None => {
                self.maps.push((by, part.into(), Results::default()));
                self.maps.len() - 1
            }
        };
        if let Some(found) = self.maps[at].2.get(raw) {
            #[cfg(test)]
            {
                self.hits += 1;
            }
            return found.clone();
        }
        let result = compute();
        if self.entries >= MAX_ENTRIES {
            // Emptied whole rather than evicted one by one: what a store repeats is back
            // after a page or two, and nothing is kept that would need bookkeeping.
            self.maps.clear();
            self.entries = 0;
            self.maps.push((by, part.into(), Results::default()));
            self.maps[0].2.insert(raw.into(), result.clone());
        } else {
            self.maps[at].2.insert(raw.into(), result.clone());
        }
        self.entries += 1;
        result
    }
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

#[cfg(test)]
thread_local! {
    /// Tests read pages with and without the memo, to hold one to the other.
    static BYPASS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn bypassed() -> bool {
    #[cfg(test)]
    return BYPASS.get();
    #[cfg(not(test))]
    false
}

/// What of `base` the resolution of `raw` (already trimmed) can depend on, when that is
/// worth a key; `None` when `raw` is to be resolved afresh.
fn base_part<'b>(base: &'b Url, raw: &str) -> Option<&'b str> {
    if bypassed() || raw.len() > MAX_KEY || !matches!(base.scheme(), "http" | "https") {
        return None;
    }
    if raw.starts_with("https://") || raw.starts_with("http://") {
        Some("")
    } else if raw.starts_with('/') {
        Some(&base[..Position::BeforePath])
    } else {
        None
    }
}

/// [`resolve_fresh`]`(base, raw)`, remembered when its result depends on `base` only
/// through the key. `raw` is trimmed as `resolve_fresh` trims it.
pub(super) fn resolve(base: &Url, raw: &str) -> Option<Url> {
    let trimmed = raw.trim();
    match base_part(base, trimmed) {
        Some(part) => MEMO.with_borrow_mut(|m| m.get_or(By::Resolve, part, trimmed, || resolve_fresh(base, trimmed))),
        None => resolve_fresh(base, raw),
    }
}

/// `Url::parse(absolute)`, remembered for short inputs.
pub(super) fn parse(absolute: &str) -> Option<Url> {
    if bypassed() || absolute.len() > MAX_KEY {
        return Url::parse(absolute).ok();
    }
    MEMO.with_borrow_mut(|m| m.get_or(By::Parse, "", absolute, || Url::parse(absolute).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair resolves as the plain function does, asked first, again, and after the
    /// memo has seen the same text against other bases.
    #[test]
    fn a_remembered_result_is_the_one_the_parser_gives() {
        let bases = [
            "https://shop.example/products/a?x=1#f",
            "https://shop.example/collections/b/",
            "http://shop.example/a",
            "https://shop.example:8443/a",
            "https://user:pw@shop.example/a",
            "https://other.example/deep/path/",
            "file:///srv/site/index.html",
        ];
        let raws = [
            "/cart",
            "/cart?x=1#top",
            "//cdn.example.net/a.js",
            "/\\evil.example/x",
            "/\t/tabbed.example/x",
            "https://www.googletagmanager.com/gtm.js?id=GTM-1",
            "https://cdn.example.net./a.js",
            "http://[::1]:8080/x",
            "https:relative.js",
            "a.js",
            "?v=2",
            "  /padded  ",
            "https://bad host/",
            "/%zz",
        ];
        for _ in 0..2 {
            for b in bases {
                let base = Url::parse(b).unwrap();
                for raw in raws {
                    assert_eq!(resolve(&base, raw), resolve_fresh(&base, raw), "{raw} against {b}");
                }
            }
        }
        for raw in raws {
            assert_eq!(parse(raw), Url::parse(raw).ok(), "{raw}");
            assert_eq!(parse(raw), Url::parse(raw).ok(), "{raw}, asked again");
        }
    }

    /// Distinct references past the bound empty the memo instead of growing it, and the
    /// results stay right across the emptying.
    #[test]
    fn the_memo_stays_bounded() {
        let base = Url::parse("https://shop.example/").unwrap();
        for i in 0..(MAX_ENTRIES * 2 + 7) {
            let raw = format!("/p/{i}");
            assert_eq!(resolve(&base, &raw), resolve_fresh(&base, &raw));
            let entries = MEMO.with_borrow(|m| (m.entries, m.maps.iter().map(|(_, _, map)| map.len()).sum::<usize>()));
            assert!(entries.0 <= MAX_ENTRIES && entries.0 == entries.1, "{entries:?} after {i}");
        }
        let long = format!("/{}", "x".repeat(MAX_KEY));
        let before = MEMO.with_borrow(|m| m.entries);
        assert_eq!(resolve(&base, &long), resolve_fresh(&base, &long));
        assert_eq!(MEMO.with_borrow(|m| m.entries), before, "a long reference is not kept");
    }

    /// Every real page of the corpus (when it is there, as in CI) reads the same with the
    /// memo, warmed by the pages before it, as without: resources, links and all.
    #[test]
    fn real_pages_read_the_same_with_and_without_the_memo() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-pages");
        let Ok(tsv) = std::fs::read_to_string(corpus.join("SOURCES.tsv")) else {
            assert!(std::env::var_os("CI").is_none(), "no corpus at {}", corpus.display());
            return;
        };
        let (mut pages, mut hits) = (0, 0);
        for line in tsv.lines().skip(1) {
            let mut cols = line.split('\t');
            let (Some(file), Some(url)) = (cols.next(), cols.next()) else { continue };
            let Ok(bytes) = std::fs::read(corpus.join("pages").join(file)) else { continue };
            let text = crate::decode::decode_html(&bytes, Some("text/html"));
            let url = Url::parse(url).unwrap();
            let opts = crate::extract::Options { count_own_assets: true };
            let before = MEMO.with_borrow(|m| m.hits);
            let with = crate::extract::extract_with(&url, &text, opts);
            hits += MEMO.with_borrow(|m| m.hits) - before;
            BYPASS.set(true);
            let without = crate::extract::extract_with(&url, &text, opts);
            BYPASS.set(false);
            let rows = |e: &crate::extract::Extracted| {
                e.resources.iter().map(|r| (r.url.clone(), r.kind, r.evidence.line)).collect::<Vec<_>>()
            };
            assert_eq!(rows(&with), rows(&without), "{file}: resources");
            assert_eq!(with.links, without.links, "{file}: links");
            pages += 1;
        }
        assert!(pages > 40 && hits > 1000, "{pages} pages, {hits} references answered by the memo");
    }
}
