//! Vendor lookup throughput (host -> vendor) and the cost of loading the embedded database.
//!
//! The host list is built from the database itself, so it follows the database as it grows:
//! every domain rule as written and with `www.` and `cdn.` in front, every exact-host rule,
//! and as many hosts that no rule knows (`img12.some-shop-cdn.com` style: the expensive case,
//! one probe per label). Generated with a fixed seed: the same list on every run.
//!
//! Benchmarks:
//! - `lookup/mixed`: the whole list (half known, half unknown), in hosts/s. Target: > 5 M/s.
//! - `lookup/known`, `lookup/unknown`: each half on its own.
//! - `vendor_db/embedded`: `VendorDb::embedded()` (parse the JSON, build the index).
//!   Target: well under 10 ms.
//!
//! Quick run: `cargo bench --bench lookup -- --warm-up-time 1 --measurement-time 3`.

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use vendorscan::vendors::VendorDb;

/// A small deterministic generator (64-bit LCG, high bits), so the bench needs no `rand`.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

fn known_hosts(db: &VendorDb) -> Vec<String> {
    let mut hosts = Vec::new();
    for v in db.vendors() {
        for d in &v.domains {
            hosts.push(d.clone());
            hosts.push(format!("www.{d}"));
            hosts.push(format!("cdn.{d}"));
        }
        hosts.extend(v.hosts.iter().cloned());
    }
    hosts
}

/// Hosts a store's pages name that are in no vendor rule: its own CDNs, image hosts,
/// agencies, regional domains. Mostly 3 to 4 labels, as on real pages.
fn unknown_hosts(n: usize, db: &VendorDb) -> Vec<String> {
    let mut rng = Lcg(0x5eed_1234_abcd_0042);
    let prefixes = ["img", "static", "cdn", "assets", "media", "api", "m", "shop", "files", "cache"];
    let words = ["some-shop", "acme", "northwind", "blue-harbor", "kaffee-haus", "maison", "tienda", "mercado"];
    let kinds = ["cdn", "media", "store", "images", "edge", "content"];
    let tlds = ["com", "de", "co.uk", "fr", "com.au", "nl", "example", "io", "shop"];
    let mut hosts = Vec::with_capacity(n);
    while hosts.len() < n {
        let host = match rng.next() % 4 {
            0 => format!(
                "{}{}.{}-{}.{}",
                rng.pick(&prefixes),
                rng.next() % 40,
                rng.pick(&words),
                rng.pick(&kinds),
                rng.pick(&tlds)
            ),
            1 => format!("{}.{}{}.{}", rng.pick(&prefixes), rng.pick(&words), rng.next() % 1000, rng.pick(&tlds)),
            2 => format!(
                "{}-{}.{}.{}-{}.{}",
                rng.pick(&prefixes),
                rng.next() % 9,
                rng.pick(&kinds),
                rng.pick(&words),
                rng.pick(&kinds),
                rng.pick(&tlds)
            ),
            _ => format!("{}{}.{}", rng.pick(&words), rng.next() % 100_000, rng.pick(&tlds)),
        };
        if db.lookup(&host).is_none() {
            hosts.push(host);
        }
    }
    hosts
}

fn count_matches(db: &VendorDb, hosts: &[String]) -> usize {
    hosts.iter().filter(|h| db.lookup(black_box(h.as_str())).is_some()).count()
}

fn benches(c: &mut Criterion) {
    let db = VendorDb::embedded().expect("the embedded vendor database loads");
    let known = known_hosts(&db);
    let unknown = unknown_hosts(known.len(), &db);
    // Interleave so the branch predictor cannot learn "all hits, then all misses".
    let mixed: Vec<String> = known.iter().zip(&unknown).flat_map(|(k, u)| [k.clone(), u.clone()]).collect();
    let hits = count_matches(&db, &known);
    eprintln!(
        "lookup: {} vendors, {} known hosts ({} match), {} unknown hosts",
        db.vendors().len(),
        known.len(),
        hits,
        unknown.len()
    );

    let mut g = c.benchmark_group("lookup");
    for (name, hosts) in [("mixed", &mixed), ("known", &known), ("unknown", &unknown)] {
        g.throughput(Throughput::Elements(hosts.len() as u64));
        g.bench_function(name, |b| b.iter(|| count_matches(&db, hosts)));
    }
    g.finish();

    let mut g = c.benchmark_group("vendor_db");
    g.sample_size(20);
    g.bench_function("embedded", |b| b.iter(|| VendorDb::embedded().expect("loads")));
    g.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
}
