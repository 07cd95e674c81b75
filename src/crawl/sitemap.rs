//! Sitemaps: page URLs the store lists for crawlers.
//!
//! Enters: sitemap URLs (from robots.txt and `/sitemap.xml`). Leaves: page URLs, in file
//! order, and the sitemaps whose entries were left out, with why. Handles `<urlset>` and
//! `<sitemapindex>` (followed to a bounded depth, each file at most once, so an index that
//! lists itself ends), plain or gzipped (`.xml.gz`, or a gzip body without
//! Content-Encoding). Bad XML yields what was read before the error. The files of a level
//! are fetched concurrently (bounded), so 60 slow children cost one timeout, not 60.

use super::fetch;
use flate2::read::GzDecoder;
use futures_util::StreamExt;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashSet;
use std::io::Read;
use std::time::Duration;
use url::{Origin, Url};

/// Sitemaps may be up to 50 MiB uncompressed (sitemaps.org); a gzip bomb stops there.
const MAX_SITEMAP_BYTES: usize = 50 * 1024 * 1024;
const MAX_SITEMAP_FILES: usize = 50;
const MAX_INDEX_DEPTH: u32 = 3;

/// Parse one sitemap document: (page URLs, child sitemap URLs).
pub fn parse(xml: &[u8]) -> (Vec<String>, Vec<String>) {
    let mut reader = Reader::from_reader(xml);
    let (mut pages, mut children) = (Vec::new(), Vec::new());
    // A <loc> may arrive in pieces (text, entity references, CDATA): gather, then keep.
    let (mut loc, mut in_loc, mut in_sitemap) = (String::new(), false, false);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"loc" => {
                    in_loc = true;
                    loc.clear();
                }
                b"sitemap" => in_sitemap = true,
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"loc" if in_loc => {
                    in_loc = false;
                    let l = loc.trim().to_owned();
                    if in_sitemap { children.push(l) } else { pages.push(l) }
                }
                b"sitemap" => in_sitemap = false,
                _ => {}
            },
            Ok(Event::Text(t)) if in_loc => loc.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::CData(t)) if in_loc => loc.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::GeneralRef(r)) if in_loc => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let entity = format!("&{name};");
                loc.push_str(&quick_xml::escape::unescape(&entity).map(|c| c.into_owned()).unwrap_or(entity));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    (pages, children)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = GzDecoder::new(bytes).take(MAX_SITEMAP_BYTES as u64).read_to_end(&mut out);
    out
}

/// What the sitemaps gave: page URLs in file order, and the sitemaps (or parts of them)
/// left out, each with a sentence for a skipped record in the report.
#[derive(Debug, Default)]
pub struct Collected {
    pub pages: Vec<Url>,
    pub skipped: Vec<(Url, String)>,
    /// The run's time budget ran out before every sitemap was read.
    pub deadline_reached: bool,
}

/// Where the sitemaps may lead, and how fast to read them.
pub struct Walk<'a> {
    pub limit: usize,
    pub timeout: Duration,
    /// Sitemap files fetched at once: a slow file holds up only its own slot, not the
    /// other files of its level.
    pub parallel: usize,
    pub deadline: Option<tokio::time::Instant>,
    /// The crawl's start origins: a sitemap's pages and child sitemaps must be on one of
    /// them or on the sitemap's own origin (sitemaps.org: a sitemap lists URLs of its
    /// own host, scheme and port).
    pub origins: &'a [Origin],
    /// The crawl's scope (the store, its ports): an index naming another site's sitemap is
    /// not followed, the crawl never requests a third party.
    pub allowed: &'a dyn Fn(&Url) -> bool,
}

/// Fetch one sitemap: its final URL (after in-store redirects) and body, `None` when it
/// is missing or unreadable (a missing /sitemap.xml is normal), `Err` when the time budget
/// ran out first.
async fn fetch_one(client: &fetch::Fetcher, url: &Url, walk: &Walk<'_>) -> Result<Option<(Url, Vec<u8>)>, ()> {
    let read = async {
        let (head, resp) = fetch::get(client, url, walk.timeout).await.ok()?;
        if !(200..300).contains(&head.status) {
            return None;
        }
        let (body, _) = fetch::read_capped(resp, MAX_SITEMAP_BYTES, walk.timeout).await.ok()?;
        let body = if body.starts_with(&[0x1f, 0x8b]) { gunzip(&body) } else { body };
        Some((head.final_url, body))
    };
    match walk.deadline {
        Some(d) => tokio::time::timeout_at(d, read).await.map_err(|_| ()),
        None => Ok(read.await),
    }
}

/// Fetch sitemaps level by level (an index, then its children, ...) and collect up to
/// `limit` page URLs. The files of one level are fetched `parallel` at a time and read in
/// file order, so the pages kept under the page budget do not depend on which server
/// answered first.
pub async fn collect(client: &fetch::Fetcher, roots: Vec<Url>, walk: &Walk<'_>) -> Collected {
    let mut out = Collected::default();
    let mut fetched: HashSet<String> = HashSet::new();
    let mut level = roots;
    for depth in 0..=MAX_INDEX_DEPTH {
        let room = MAX_SITEMAP_FILES.saturating_sub(fetched.len());
        let batch: Vec<Url> = level.into_iter().filter(|u| fetched.insert(u.as_str().to_owned())).take(room).collect();
        if batch.is_empty() || out.pages.len() >= walk.limit {
            break;
        }
        let mut next = Vec::new();
        let mut bodies =
            futures_util::stream::iter(batch.iter().map(|u| fetch_one(client, u, walk))).buffered(walk.parallel.max(1));
        let mut i = 0;
        while let Some(got) = bodies.next().await {
            let url = &batch[i];
            i += 1;
            let (final_url, body) = match got {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                Err(()) => {
                    out.deadline_reached = true;
                    out.skipped.push((url.clone(), "not read: the run's time budget ran out".into()));
                    continue;
                }
            };
            let own = final_url.origin();
            let ok = |u: &Url| (u.origin() == own || walk.origins.contains(&u.origin())) && (walk.allowed)(u);
            let (locs, children) = parse(&body);
            let mut elsewhere: Vec<String> = Vec::new();
            let mut others = 0usize;
            for u in locs.iter().filter_map(|l| Url::parse(l).ok()) {
                if !ok(&u) {
                    others += 1;
                    let o = u.origin().ascii_serialization();
                    if elsewhere.len() < 3 && !elsewhere.contains(&o) {
                        elsewhere.push(o);
                    }
                } else if out.pages.len() < walk.limit {
                    out.pages.push(u);
                }
            }
            if others > 0 {
                out.skipped.push((
                    url.clone(),
                    format!(
                        "lists {} on another origin ({}): not scanned; this crawl covers {}",
                        crate::model::plural(others, "page", "pages"),
                        elsewhere.join(", "),
                        own.ascii_serialization()
                    ),
                ));
            }
            if depth < MAX_INDEX_DEPTH {
                next.extend(children.iter().filter_map(|c| Url::parse(c).ok()).filter(|u| ok(u)));
            }
        }
        level = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlset_and_index() {
        let xml = br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://s.example/a?x=1&amp;y=2 </loc></url><url><loc><![CDATA[https://s.example/b]]></loc></url></urlset>"#;
        let (pages, children) = parse(xml);
        assert_eq!(pages, vec!["https://s.example/a?x=1&y=2", "https://s.example/b"]);
        assert!(children.is_empty());
        let idx = br#"<sitemapindex><sitemap><loc>https://s.example/s1.xml.gz</loc></sitemap></sitemapindex>"#;
        assert_eq!(parse(idx), (vec![], vec!["https://s.example/s1.xml.gz".to_owned()]));
    }

    #[test]
    fn broken_xml_keeps_what_came_before() {
        let (pages, _) = parse(b"<urlset><url><loc>https://s.example/a</loc></url><url><loc>https://s.example/b</lo");
        assert_eq!(pages[0], "https://s.example/a");
    }
}
