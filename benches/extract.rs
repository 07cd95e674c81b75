//! Extraction throughput on real store pages: bytes in, resources, links and tag IDs out.
//!
//! Reads `../shared/corpus/real-pages/` (beside the repository; `VENDORSCAN_CORPUS` points
//! elsewhere). Each page is decoded and extracted as the crawl does it, with its original
//! URL (column 2 of `SOURCES.tsv`) as the document URL. Without the corpus the bench prints
//! why and does nothing, so `cargo bench` still passes on a machine without `../shared`.
//!
//! Benchmarks:
//! - `extract/corpus`: decode + extract every page once, in MiB/s of page source.
//! - `extract_pages/corpus`: the same work, counted in pages/s.
//! - `extract/<page>`: the largest pages on their own (MiB/s).
//!
//! Each page is read cold ([`vendorscan::extract::forget_remembered`]): a crawl remembers
//! the URLs and inline scripts a store repeats, which a page read over and over would
//! measure instead.
//!
//! Quick run: `cargo bench --bench extract -- --warm-up-time 1 --measurement-time 5`.

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;
use vendorscan::decode::decode_html;
use vendorscan::extract::extract;

/// How many of the largest pages get a bench of their own.
const LARGE_PAGES: usize = 3;

struct Page {
    name: String,
    url: Url,
    bytes: Vec<u8>,
}

fn corpus_dir() -> PathBuf {
    match std::env::var_os("VENDORSCAN_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-pages"),
    }
}

/// Every page listed in SOURCES.tsv (file, url) that exists; `Err` says why there are none.
fn load_corpus() -> Result<Vec<Page>, String> {
    let dir = corpus_dir();
    let tsv = std::fs::read_to_string(dir.join("SOURCES.tsv"))
        .map_err(|e| format!("cannot read {}: {e}", dir.join("SOURCES.tsv").display()))?;
    let mut pages = Vec::new();
    for line in tsv.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(file), Some(url)) = (cols.next(), cols.next()) else { continue };
        let Ok(url) = Url::parse(url) else { continue };
        let Ok(bytes) = std::fs::read(dir.join("pages").join(file)) else { continue };
        let name = file.trim_end_matches(".html").trim_end_matches(".htm").to_owned();
        pages.push(Page { name, url, bytes });
    }
    if pages.is_empty() {
        return Err(format!("no pages listed in {} could be read", dir.join("SOURCES.tsv").display()));
    }
    Ok(pages)
}

/// What the crawl does with a body: decode (nginx sends `text/html` without a charset), extract.
/// Cold: the thread's memos of URLs and inline scripts are emptied first (and that is
/// timed too), or every iteration after the first would read the page from them.
fn scan_page(page: &Page) -> usize {
    vendorscan::extract::forget_remembered();
    let text = decode_html(&page.bytes, Some("text/html"));
    let ex = extract(&page.url, &text);
    ex.resources.len() + ex.links.len() + ex.tag_ids.len()
}

fn benches(c: &mut Criterion, pages: &[Page]) {
    let total: u64 = pages.iter().map(|p| p.bytes.len() as u64).sum();
    let found: usize = pages.iter().map(scan_page).sum();
    eprintln!(
        "extract: {} pages, {:.1} MB ({} references, links and tag IDs in all)",
        pages.len(),
        total as f64 / 1e6,
        found
    );

    // One iteration is the whole corpus (~12 MB): few, long samples.
    let mut g = c.benchmark_group("extract");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(total));
    g.bench_function("corpus", |b| b.iter(|| pages.iter().map(|p| scan_page(black_box(p))).sum::<usize>()));
    let mut largest: Vec<&Page> = pages.iter().collect();
    largest.sort_by_key(|p| std::cmp::Reverse(p.bytes.len()));
    for page in largest.into_iter().take(LARGE_PAGES) {
        g.throughput(Throughput::Bytes(page.bytes.len() as u64));
        g.bench_function(&page.name, |b| b.iter(|| scan_page(black_box(page))));
    }
    g.finish();

    let mut g = c.benchmark_group("extract_pages");
    g.sample_size(10);
    g.throughput(Throughput::Elements(pages.len() as u64));
    g.bench_function("corpus", |b| b.iter(|| pages.iter().map(|p| scan_page(black_box(p))).sum::<usize>()));
    g.finish();
}

fn main() {
    let pages = match load_corpus() {
        Ok(pages) => pages,
        Err(why) => {
            eprintln!(
                "extract bench skipped: {why} (the real-pages corpus lives in ../shared; set VENDORSCAN_CORPUS to use another folder)"
            );
            return;
        }
    };
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    benches(&mut c, &pages);
    c.final_summary();
}
