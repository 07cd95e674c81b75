//! Local mode: scan a built site on disk (CI before deploy). No network at all.
//!
//! Enters: an HTML file or a folder (walked recursively for `*.html`/`*.htm`), and the
//! URL the site is served at (`--site`), if known. Leaves: one [`PageRecord`] per file.
//! With `--site`, a file's URL is the site URL plus its path (`a/index.html` is `a/`), so
//! relative references resolve as on the live site. Without it the page URL is the
//! `file:` URL: relative references then count as first party and are left out, and
//! absolute ones are judged by their host.

use crate::decode::decode_html;
use crate::error::Error;
use crate::model::{PageOutcome, PageRecord};
use std::path::{Path, PathBuf};
use url::Url;
use walkdir::WalkDir;

fn is_html_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// The HTML files under `target`, sorted, so runs are reproducible.
///
/// Symbolic links are followed while they stay inside the folder (a build that links
/// `latest/` to `v2/` is scanned as served). One that leads outside it (`escape -> /`,
/// `leak.html -> ~/.ssh/id_rsa` in a checked-out pull request) is not followed: it is
/// listed as it is, and [`scan_file`] turns it into a skipped page that says why, so the
/// report shows what was left out.
pub fn html_files(target: &Path) -> Result<Vec<PathBuf>, Error> {
    let meta = std::fs::metadata(target).map_err(|e| {
        Error::input(format!("cannot read {}: {e}", target.display()))
            .with_help("give a URL (https://...), an HTML file, or a folder of HTML files")
    })?;
    if meta.is_file() {
        return Ok(vec![target.to_path_buf()]);
    }
    let root =
        std::fs::canonicalize(target).map_err(|e| Error::input(format!("cannot read {}: {e}", target.display())))?;
    let mut outside: Vec<PathBuf> = Vec::new();
    let mut files: Vec<PathBuf> = WalkDir::new(target)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            if !e.path_is_symlink() || inside(&root, e.path()) {
                return true;
            }
            // Only what would have been scanned is worth a line in the report.
            if e.file_type().is_dir() || is_html_file(e.path()) {
                outside.push(e.path().to_path_buf());
            }
            false
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_html_file(e.path()))
        .map(|e| e.into_path())
        .collect();
    files.append(&mut outside);
    files.sort();
    Ok(files)
}

/// Does `path`, with every symbolic link resolved, lie inside the (canonical) `root`?
fn inside(root: &Path, path: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|real| real.starts_with(root))
}

/// Why a listed path is not read: it leads out of the scanned folder. Checked again when
/// the file is opened, so a link that appeared after the walk is not followed either.
fn outside_reason(root: &Path, file: &Path) -> Option<String> {
    let root = std::fs::canonicalize(root).ok().filter(|r| r.is_dir())?;
    let real = std::fs::canonicalize(file).ok()?;
    (!real.starts_with(&root)).then(|| {
        "not read: a symbolic link that leads outside the scanned folder (only links within it are followed)".to_owned()
    })
}

/// The URL a file is served at.
pub fn page_url(root: &Path, file: &Path, site: Option<&Url>) -> Option<Url> {
    match site {
        Some(site) => {
            let rel = if root.is_file() {
                file.file_name().map(PathBuf::from)?
            } else {
                file.strip_prefix(root).ok()?.to_path_buf()
            };
            let mut path: Vec<String> =
                rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if path.last().is_some_and(|l| l == "index.html" || l == "index.htm") {
                path.pop();
                path.push(String::new());
            }
            // Segment by segment, so a file name's `#`, `?` or `%` is percent-encoded as a
            // server would serve it, not read as a fragment, a query or an escape.
            let mut url = site.clone();
            url.set_query(None);
            url.set_fragment(None);
            url.path_segments_mut().ok()?.pop_if_empty().extend(&path);
            Some(url)
        }
        None => Url::from_file_path(std::path::absolute(file).ok()?).ok(),
    }
}

/// The file that serves `url` on a site built into `root` (browser mode in a folder):
/// the inverse of [`page_url`]. `/` and `/a/` are `index.html`, `/a` is `a`, `a.html` or
/// `a/index.html`. `None` outside the site or outside the folder (no `..` escapes).
pub fn file_for_url(root: &Path, site: &Url, url: &Url) -> Option<PathBuf> {
    if url.origin() != site.origin() {
        return None;
    }
    let base = site.path().trim_end_matches('/');
    // A segment boundary: a site at `/shop` does not serve `/shopping`.
    let rest = url.path().strip_prefix(base).filter(|r| r.is_empty() || r.starts_with('/'))?;
    let mut path = root.to_path_buf();
    for seg in rest.split('/').filter(|s| !s.is_empty()) {
        let seg = percent_encoding::percent_decode_str(seg).decode_utf8().ok()?;
        if seg == ".." || seg == "." || seg.contains('/') || seg.contains('\\') {
            return None;
        }
        path.push(seg.as_ref());
    }
    let candidates = if rest.ends_with('/') || rest.is_empty() {
        vec![path.join("index.html"), path.join("index.htm")]
    } else {
        vec![path.clone(), path.with_extension("html"), path.join("index.html")]
    };
    let root = std::fs::canonicalize(root).ok()?;
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .filter(|p| p.starts_with(&root))
}

/// The Content-Type a static server would send for a file in a built site.
pub fn mime_for(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Read and extract one file. A file that cannot be read is a failed page, not an error.
pub fn scan_file(
    root: &Path,
    file: &Path,
    site: Option<&Url>,
    max_body: usize,
    opts: crate::extract::Options,
) -> PageRecord {
    let url = page_url(root, file, site).map(|u| u.to_string()).unwrap_or_else(|| file.display().to_string());
    let mut record = PageRecord::without_content(url.clone(), 0, PageOutcome::Scanned, String::new());
    record.error = None;
    // Already a display form (lossy for a name that is not UTF-8); a control character or
    // bidi override in a name from a pull request is written as a visible escape, so no
    // report format carries it raw to a terminal or a CI log.
    record.file = Some(crate::sanitize::clean(&file.display().to_string()).into_owned());
    if let Some(why) = outside_reason(root, file) {
        record.outcome = PageOutcome::Skipped;
        record.error = Some(why);
        return record;
    }
    // Read at most one byte past the cap: enough to know the file was cut, without
    // loading a huge file into memory.
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(file).and_then(|f| f.take(max_body as u64 + 1).read_to_end(&mut bytes));
    if let Err(e) = read {
        record.outcome = PageOutcome::Failed;
        record.error = Some(format!("cannot read the file: {e}"));
        return record;
    }
    let truncated = bytes.len() > max_body;
    bytes.truncate(max_body);
    let bytes = &bytes[..];
    record.truncated = truncated;
    if truncated {
        record.error = Some(format!("larger than {max_body} bytes: only the first part was scanned"));
    }
    let text = decode_html(bytes, None);
    let Ok(base) = Url::parse(&url) else {
        record.outcome = PageOutcome::Failed;
        record.error = Some("cannot form a URL for this file".into());
        return record;
    };
    // Extraction must not panic; if a bug makes it, that is this page's failure, and the
    // other files are still scanned (the crawl gets the same from its task boundary).
    let ex = match std::panic::catch_unwind(|| crate::extract::extract_with(&base, &text, opts)) {
        Ok(ex) => ex,
        Err(_) => {
            record.outcome = PageOutcome::Failed;
            record.error = Some("internal error while extracting this page (please report it)".into());
            return record;
        }
    };
    record.resources = ex.resources;
    record.own_assets = ex.own_assets;
    record.tag_ids = ex.tag_ids;
    record.sensitive_inputs = ex.has_sensitive_inputs;
    record.cut = ex.cut;
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_urls() {
        let site = Url::parse("https://shop.example").unwrap();
        let root = Path::new("/no/such/site");
        let u = |f: &str| page_url(root, &root.join(f), Some(&site)).unwrap().to_string();
        assert_eq!(u("index.html"), "https://shop.example/");
        assert_eq!(u("products/a b.html"), "https://shop.example/products/a%20b.html");
        assert_eq!(u("collections/coffee/index.html"), "https://shop.example/collections/coffee/");
        assert_eq!(u("a#b?c%41.html"), "https://shop.example/a%23b%3Fc%2541.html");
        let sub = Url::parse("https://shop.example/en").unwrap();
        assert_eq!(
            page_url(root, &root.join("x.html"), Some(&sub)).unwrap().as_str(),
            "https://shop.example/en/x.html"
        );
    }

    #[test]
    fn urls_back_to_files_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("cart")).unwrap();
        std::fs::write(dir.path().join("index.html"), "home").unwrap();
        std::fs::write(dir.path().join("cart/index.html"), "cart").unwrap();
        std::fs::write(dir.path().join("a b.html"), "ab").unwrap();
        let site = Url::parse("https://shop.example/").unwrap();
        let f = |u: &str| {
            file_for_url(dir.path(), &site, &Url::parse(u).unwrap()).map(|p| std::fs::read_to_string(p).unwrap())
        };
        assert_eq!(f("https://shop.example/").as_deref(), Some("home"));
        assert_eq!(f("https://shop.example/cart/").as_deref(), Some("cart"));
        assert_eq!(f("https://shop.example/cart").as_deref(), Some("cart"));
        assert_eq!(f("https://shop.example/a%20b.html").as_deref(), Some("ab"));
        assert_eq!(f("https://shop.example/%2e%2e/etc/passwd"), None);
        assert_eq!(f("https://other.example/"), None);
        assert_eq!(f("https://shop.example/missing.js"), None);
    }
}

/// Where a built site will be served, read from its own pages when `--site` is not given:
/// the first `<link rel="canonical" href>` or `<meta property="og:url" content>` with an
/// absolute http(s) URL, in the folder's `index.html` first, then the other files in order.
/// Returns the URL's origin and the file it came from. A heuristic, said on stderr when used:
/// a store's pages name their public URL for search engines and social previews, and without
/// one every absolute link to the store's own domain (its CDN, its images) reads as a third
/// party. Only each file's head (the first 64 KiB) is read.
pub fn infer_site(root: &Path, files: &[PathBuf]) -> Option<(Url, PathBuf)> {
    const HEAD: usize = 64 * 1024;
    let index = root.join("index.html");
    let ordered = files.iter().filter(|f| **f == index).chain(files.iter().filter(|f| **f != index));
    for file in ordered {
        let Ok(bytes) = std::fs::read(file) else { continue };
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(HEAD)]);
        if let Some(url) = declared_url(&text) {
            return Some((url, file.clone()));
        }
    }
    None
}

/// The page's own URL as its `<link rel=canonical>` or `og:url` declares it.
fn declared_url(html: &str) -> Option<Url> {
    use std::sync::LazyLock;
    static TAG: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"(?is)<(link|meta)\b[^>]*>").unwrap());
    static ATTR: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r#"(?s)([a-zA-Z:_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#).unwrap());
    for tag in TAG.find_iter(html) {
        let mut attrs = std::collections::HashMap::new();
        for c in ATTR.captures_iter(tag.as_str()) {
            let value = c.get(2).or(c.get(3)).or(c.get(4)).map_or("", |m| m.as_str());
            attrs
                .entry(c[1].to_ascii_lowercase())
                .or_insert_with(|| html_escape::decode_html_entities(value).into_owned());
        }
        let is = |name: &str, want: &str| attrs.get(name).is_some_and(|v| v.trim().eq_ignore_ascii_case(want));
        let url = if is("rel", "canonical") {
            attrs.get("href")
        } else if is("property", "og:url") || is("name", "og:url") {
            attrs.get("content")
        } else {
            None
        };
        let parsed = url.and_then(|u| Url::parse(u.trim()).ok());
        if let Some(u) = parsed.filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()) {
            return Url::parse(&u.origin().ascii_serialization()).ok();
        }
    }
    None
}

#[cfg(test)]
mod site_tests {
    use super::declared_url;

    #[test]
    fn canonical_or_og_url_in_any_attribute_order() {
        let origin = |h: &str| declared_url(h).map(|u| u.to_string());
        assert_eq!(
            origin(r#"<link href="https://shop.example/a?b=1&amp;c" rel="canonical">"#).as_deref(),
            Some("https://shop.example/")
        );
        assert_eq!(
            origin("<LINK REL=canonical HREF=http://shop.example:8080/x>").as_deref(),
            Some("http://shop.example:8080/")
        );
        assert_eq!(
            origin(r#"<meta content='https://www.shop.example/p' property="og:url">"#).as_deref(),
            Some("https://www.shop.example/")
        );
        assert_eq!(origin(r#"<link rel="canonical" href="/relative">"#), None);
        assert_eq!(origin(r#"<link rel="stylesheet" href="https://cdn.example/s.css">"#), None);
        assert_eq!(origin(r#"<meta property="og:url" content="javascript:alert(1)">"#), None);
    }
}
