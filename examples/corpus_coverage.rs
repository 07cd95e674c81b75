//! How much of the real-pages corpus the vendor database names, before and after the
//! curated overlay.
//!
//! Run from the repository root, with `../shared` beside it:
//!     cargo run --release --example corpus_coverage
//!
//! For every page in `../shared/corpus/real-pages/` (its URL from SOURCES.tsv) the page is
//! extracted; a host is third party unless it shares the page's registrable domain or is one
//! of the store's own other domains listed in `tools/corpus-first-party.tsv` (group domains
//! and CDNs such as bbci.co.uk for bbc.com). Each third-party host is then looked up in a
//! database built from the seed alone (overlay without vendor entries) and in the shipped
//! database. Printed: distinct hosts and (page, host) pairs named, both for every kind of
//! reference and for references that load something (without inline-script URLs, which
//! may be plain links written in JavaScript).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use url::Url;
use vendorscan::model::ResourceKind;
use vendorscan::scope::Scope;
use vendorscan::vendors::{BuildInputs, DbFile, VendorDb, build_from_files};

fn seed_only_db(root: &Path) -> VendorDb {
    let overlay: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("vendors/overlay.json")).unwrap()).unwrap();
    let mut bare = overlay.clone();
    bare["vendors"] = serde_json::json!([]);
    bare["drop_seed"] = serde_json::json!([]);
    let tmp = std::env::temp_dir().join(format!("vendorscan-seed-only-{}.json", std::process::id()));
    std::fs::write(&tmp, serde_json::to_string(&bare).unwrap()).unwrap();
    let text =
        build_from_files(&BuildInputs { seed_dir: root.join("vendors/seed/third-party-web"), overlay: tmp.clone() })
            .expect("seed-only build");
    let _ = std::fs::remove_file(tmp);
    VendorDb::from_file(serde_json::from_str::<DbFile>(&text).unwrap())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/real-pages");
    let sources = std::fs::read_to_string(corpus.join("SOURCES.tsv")).expect("../shared/corpus/real-pages/SOURCES.tsv");
    let extra: BTreeMap<String, Vec<String>> = std::fs::read_to_string(root.join("tools/corpus-first-party.tsv"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (file, domains) = l.split_once('\t')?;
            Some((file.to_owned(), domains.split_whitespace().map(str::to_owned).collect()))
        })
        .collect();
    let before = seed_only_db(root);
    let after = VendorDb::embedded().unwrap();
    let show_unknown = std::env::args().any(|a| a == "--unknown");

    // (loading_only, db) -> (named, total) over distinct hosts and over (page, host) pairs.
    let mut hosts_all: BTreeSet<String> = BTreeSet::new();
    let mut hosts_loading: BTreeSet<String> = BTreeSet::new();
    let mut pairs_all: BTreeSet<(String, String)> = BTreeSet::new();
    let mut pairs_loading: BTreeSet<(String, String)> = BTreeSet::new();
    for line in sources.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(file), Some(url)) = (cols.next(), cols.next()) else { continue };
        let page_url = Url::parse(url).unwrap();
        let bytes = std::fs::read(corpus.join("pages").join(file)).unwrap();
        let text = vendorscan::decode::decode_html(&bytes, None);
        let ex = vendorscan::extract::extract(&page_url, &text);
        let mine = extra.get(file).map(|v| v.iter().map(String::as_str).collect::<Vec<_>>()).unwrap_or_default();
        let scope = Scope::new(page_url.host_str(), mine);
        for r in &ex.resources {
            let host = r.url.host_str().unwrap_or("").to_owned();
            if scope.is_first_party(&host) {
                continue;
            }
            hosts_all.insert(host.clone());
            pairs_all.insert((file.to_owned(), host.clone()));
            if r.kind != ResourceKind::InlineScriptUrl {
                hosts_loading.insert(host.clone());
                pairs_loading.insert((file.to_owned(), host));
            }
        }
    }
    let share = |hosts: &mut dyn Iterator<Item = &String>, db: &VendorDb| {
        let (mut named, mut total) = (0usize, 0usize);
        for h in hosts {
            total += 1;
            named += usize::from(db.lookup(h).is_some());
        }
        (named, total)
    };
    println!("third-party hosts on {} corpus pages named by the vendor database", sources.lines().count() - 1);
    println!("{:<44}{:>16}{:>16}", "", "seed only", "seed + overlay");
    for (label, hosts) in [
        ("distinct hosts, every reference kind", &hosts_all),
        ("distinct hosts, loaded references only", &hosts_loading),
    ] {
        let (b, t) = share(&mut hosts.iter(), &before);
        let (a, _) = share(&mut hosts.iter(), &after);
        println!(
            "{label:<44}{:>16}{:>16}",
            format!("{b}/{t} {:.1}%", 100.0 * b as f64 / t as f64),
            format!("{a}/{t} {:.1}%", 100.0 * a as f64 / t as f64)
        );
    }
    for (label, pairs) in [
        ("(page, host) pairs, every reference kind", &pairs_all),
        ("(page, host) pairs, loaded references only", &pairs_loading),
    ] {
        let (b, t) = share(&mut pairs.iter().map(|(_, h)| h), &before);
        let (a, _) = share(&mut pairs.iter().map(|(_, h)| h), &after);
        println!(
            "{label:<44}{:>16}{:>16}",
            format!("{b}/{t} {:.1}%", 100.0 * b as f64 / t as f64),
            format!("{a}/{t} {:.1}%", 100.0 * a as f64 / t as f64)
        );
    }
    if show_unknown {
        for (file, host) in &pairs_all {
            if after.lookup(host).is_none() {
                println!("unknown\t{file}\t{host}");
            }
        }
    }
}
