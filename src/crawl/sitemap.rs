//! Sitemaps: page URLs the store lists for crawlers.
//!
//! Enters: sitemap URLs (from robots.txt and `/sitemap.xml`). Leaves: page URLs, in file
//! order. Handles `<urlset>` and `<sitemapindex>` (followed to a bounded depth, each file
//! at most once, so an index that lists itself ends), plain or gzipped (`.xml.gz`, or a
//! gzip body without Content-Encoding). Bad XML yields what was read before the error.

use super::fetch;
use flate2::read::GzDecoder;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashSet;
use std::io::Read;
use std::time::Duration;
use url::Url;

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

/// Fetch sitemaps breadth-first and collect up to `limit` page URLs.
/// `allowed` keeps the walk on the store: an index naming another site's sitemap is not
/// followed (the crawl never requests a third party).
pub async fn collect(
    client: &fetch::Fetcher,
    roots: Vec<Url>,
    limit: usize,
    timeout: Duration,
    allowed: &dyn Fn(&Url) -> bool,
) -> Vec<Url> {
    let mut queue: Vec<(Url, u32)> = roots.into_iter().map(|u| (u, 0)).collect();
    let mut fetched = HashSet::new();
    let mut pages = Vec::new();
    let mut i = 0;
    while i < queue.len() && fetched.len() < MAX_SITEMAP_FILES && pages.len() < limit {
        let (url, depth) = queue[i].clone();
        i += 1;
        if !fetched.insert(url.as_str().to_owned()) {
            continue;
        }
        let Ok((head, resp)) = fetch::get(client, &url, timeout).await else { continue };
        if !(200..300).contains(&head.status) {
            continue;
        }
        let Ok((body, _)) = fetch::read_capped(resp, MAX_SITEMAP_BYTES, timeout).await else { continue };
        let body = if body.starts_with(&[0x1f, 0x8b]) { gunzip(&body) } else { body };
        let (locs, children) = parse(&body);
        pages.extend(locs.iter().filter_map(|l| Url::parse(l).ok()).take(limit - pages.len()));
        if depth < MAX_INDEX_DEPTH {
            queue.extend(
                children.iter().filter_map(|c| Url::parse(c).ok()).filter(|u| allowed(u)).map(|u| (u, depth + 1)),
            );
        }
    }
    pages
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
