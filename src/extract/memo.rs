//! Remembered work: a reference's text (with what its result depends on) or an inline
//! script's text in, what the URL parser or the script reading gave for it before out.
//!
//! A store repeats itself: the same tag manager, pixel and navigation links on every page,
//! and the same tag snippets and theme settings inline. Parsing each URL again was a tenth
//! of a tag-heavy crawl's CPU, and reading the same snippets again about as much; a hash
//! lookup and a clone cost a fraction of that. Each extracting thread keeps its own memos
//! (no lock on the hot path), bounded in entries and bytes, and emptied whole when full, so
//! a store of only distinct URLs or scripts costs a bounded amount of memory and a lookup
//! that misses.
//!
//! A result is a function of its key by construction. For URLs, a reference is remembered
//! only when what it depends on is in the key: `https://` and `http://` references depend
//! on no base; references starting with `/` (a path, or another host written `//host`)
//! depend on the base's scheme, credentials, host and port, which is the base up to its
//! path; any other reference (`a.js`, `?v=2`, `https:a.js`) depends on the base's path too
//! and is not remembered. Only http(s) bases are used: every such base can be a base, so
//! the part before the path says everything about them a `/` reference can see. For
//! scripts, [`ScriptRead`] holds what depends on the text alone (the URLs, the tag IDs,
//! their lines within the script); where the script is on the page is added by the caller.

use super::{ScriptRead, read_script, resolve_fresh};
use crate::model::{FastMap, FastSet};
use std::cell::RefCell;
use std::hash::BuildHasher;
use std::rc::Rc;
use url::{Position, Url};

/// Entries kept by one thread before its memo is emptied. A 1,000-page tag-heavy store has
/// about 9,500 distinct references, of which the few hundred on every page are almost all
/// the lookups; this keeps those at some hundreds of kilobytes per thread.
const MAX_ENTRIES: usize = 4096;
/// Longer references are resolved each time: they are rarely repeated, and the bound keeps
/// a full memo under a few megabytes.
const MAX_KEY: usize = 256;
/// Base parts (origins) kept at once. A crawl stays on one store, with a few origins; a page
/// can name any in its `<base href>`, and a memo searched through thousands would be slower
/// than none.
const MAX_MAPS: usize = 16;

/// What a stored result was computed by: [`resolve_fresh`] over a base part, or
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
        let mut at = match self.maps.iter().position(|(b, p, _)| *b == by && **p == *part) {
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
        if self.entries >= MAX_ENTRIES || self.maps.len() > MAX_MAPS {
            // Emptied whole rather than evicted one by one: what a store repeats is back
            // after a page or two, and nothing is kept that would need bookkeeping.
            self.maps.clear();
            self.entries = 0;
            self.maps.push((by, part.into(), Results::default()));
            at = 0;
        }
        self.maps[at].2.insert(raw.into(), result.clone());
        self.entries += 1;
        result
    }
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
    static SCRIPTS: RefCell<Scripts> = RefCell::new(Scripts::default());
}

/// Inline scripts longer than this are read each time: a tag snippet or a theme's settings
/// repeat on every page; a large bundle is rarely inline on more than one.
const MAX_SCRIPT: usize = 64 * 1024;
/// What one thread's script memo holds, at most, before it is emptied: the texts and, at
/// [`PER_FOUND`] bytes each, the URLs and tag IDs read from them.
const MAX_SCRIPT_BYTES: usize = 1 << 20;
/// What a URL or a tag ID read from a script is counted as (a `Url` and its text, its
/// place): a script of short URLs must not hold many times its own size.
const PER_FOUND: usize = 256;
/// Scripts that yield more than this are read each time: a snippet holds a few URLs.
const MAX_FOUND: usize = 256;
/// Scripts seen once, remembered by hash only, before that list is emptied.
const MAX_SEEN_SCRIPTS: usize = 16 * 1024;

/// Inline scripts read before, by text. A script is kept the second time it is seen: most
/// pages have one of their own (a product's JSON) that would only push the shared ones out.
#[derive(Default)]
struct Scripts {
    read: FastMap<Box<str>, Rc<ScriptRead>>,
    bytes: usize,
    /// Hashes of the scripts seen once.
    seen: FastSet<u64>,
    #[cfg(test)]
    hits: usize,
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

/// Empty this thread's memos.
pub(super) fn forget() {
    MEMO.with_borrow_mut(|m| {
        m.maps.clear();
        m.entries = 0;
    });
    SCRIPTS.with_borrow_mut(|s| {
        s.read.clear();
        s.seen.clear();
        s.bytes = 0;
    });
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

/// [`read_script`]`(text)`, remembered for scripts seen on more than one page.
pub(super) fn script(text: &str) -> Rc<ScriptRead> {
    if bypassed() || text.len() > MAX_SCRIPT {
        return Rc::new(read_script(text));
    }
    SCRIPTS.with_borrow_mut(|s| {
        if let Some(read) = s.read.get(text) {
            #[cfg(test)]
            {
                s.hits += 1;
            }
            return read.clone();
        }
        let read = Rc::new(read_script(text));
        let found = read.urls.len() + read.tags.len();
        if found > MAX_FOUND {
            return read;
        }
        if s.seen.len() >= MAX_SEEN_SCRIPTS {
            s.seen.clear();
        }
        if s.seen.insert(s.read.hasher().hash_one(text)) {
            return read;
        }
        let cost = text.len() + found * PER_FOUND;
        if s.bytes + cost > MAX_SCRIPT_BYTES {
            s.read.clear();
            s.bytes = 0;
        }
        s.bytes += cost;
        s.read.insert(text.into(), read.clone());
        read
    })
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
        for i in 0..100 {
            let other = Url::parse(&format!("https://shop{i}.example/")).unwrap();
            assert_eq!(resolve(&other, "/cart"), resolve_fresh(&other, "/cart"));
            assert!(MEMO.with_borrow(|m| m.maps.len()) <= MAX_MAPS + 1, "origins after {i}");
        }
        forget();
        assert_eq!(MEMO.with_borrow(|m| (m.entries, m.maps.len())), (0, 0), "forgotten");
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
            // Read again: the page's scripts are now remembered.
            let again = crate::extract::extract_with(&url, &text, opts);
            BYPASS.set(true);
            let without = crate::extract::extract_with(&url, &text, opts);
            BYPASS.set(false);
            let rows = |e: &crate::extract::Extracted| {
                e.resources.iter().map(|r| (r.url.clone(), r.kind, r.evidence.line)).collect::<Vec<_>>()
            };
            for (read, name) in [(&with, "first"), (&again, "again")] {
                assert_eq!(rows(read), rows(&without), "{file}: resources, {name}");
                assert_eq!(read.links, without.links, "{file}: links, {name}");
                assert_eq!(read.tag_ids, without.tag_ids, "{file}: tag IDs, {name}");
            }
            pages += 1;
        }
        assert!(pages > 40 && hits > 1000, "{pages} pages, {hits} references answered by the memo");
    }

    /// A script shared by pages gives each page its own lines and evidence once it is
    /// remembered: the same snippet further down a page is found further down.
    #[test]
    fn a_remembered_script_is_placed_on_each_page() {
        let snippet = "<script>\n(function(w,d){var s=d.createElement('script');\n\
                       s.src='https://www.googletagmanager.com/gtm.js?id=GTM-ABC1234';})(window,document);\n</script>";
        let base = Url::parse("https://shop.example/").unwrap();
        let opts = crate::extract::Options { count_own_assets: true };
        let before = SCRIPTS.with_borrow(|s| s.hits);
        for lines in [0, 3, 10, 1] {
            let page = format!("<html><body>{}{snippet}</body></html>", "<p>x</p>\n".repeat(lines));
            let with = crate::extract::extract_with(&base, &page, opts);
            BYPASS.set(true);
            let without = crate::extract::extract_with(&base, &page, opts);
            BYPASS.set(false);
            let rows = |e: &crate::extract::Extracted| {
                e.resources
                    .iter()
                    .map(|r| (r.url.to_string(), r.evidence.raw.clone(), r.evidence.line))
                    .collect::<Vec<_>>()
            };
            assert_eq!(rows(&with), rows(&without), "{lines} lines down");
            assert_eq!(with.tag_ids, without.tag_ids, "{lines} lines down");
            assert_eq!(with.resources[0].evidence.line, lines as u32 + 3, "{:?}", rows(&with));
            assert_eq!(with.tag_ids[0].line, lines as u32 + 3, "{:?}", with.tag_ids);
        }
        // Seen once, kept the second time, read from the memo the third and fourth.
        assert_eq!(SCRIPTS.with_borrow(|s| s.hits) - before, 2);
    }

    /// The script memo holds no more than its budget, however many scripts repeat, and
    /// does not keep a script that yields more than a snippet does.
    #[test]
    fn the_script_memo_stays_bounded() {
        forget();
        let many: String = (0..MAX_FOUND + 1).map(|i| format!("u{i}='https://h{i}.example.com/a';\n")).collect();
        for _ in 0..3 {
            assert_eq!(script(&many).urls.len(), MAX_FOUND + 1);
        }
        assert_eq!(SCRIPTS.with_borrow(|s| s.read.len()), 0, "a script of many URLs is not kept");
        let pad = "x".repeat(30_000);
        for i in 0..80 {
            let js = format!("var a{i}='{pad}';var u='https://cdn{i}.example.com/x.js';");
            for _ in 0..3 {
                assert_eq!(script(&js).urls.len(), 1);
            }
            let (bytes, held) = SCRIPTS.with_borrow(|s| (s.bytes, s.read.keys().map(|k| k.len()).sum::<usize>()));
            assert!(bytes <= MAX_SCRIPT_BYTES && held <= bytes, "{bytes} counted, {held} bytes of text after {i}");
        }
    }
}
