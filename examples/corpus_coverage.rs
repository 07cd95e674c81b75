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
//! may be plain links written in JavaScript). A host is named when the database names its
//! recipient: a customer's bucket on a hosting provider (`*.s3.amazonaws.com`) is not.
//! `--compare OLD.json` adds a column for another database file (the one before a change);
//! the last lines give the share of the WhoTracks.Me snapshot's domains named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use url::Url;
use vendorscan::model::ResourceKind;
use vendorscan::scope::Scope;
use vendorscan::vendors::{BuildInputs, DbFile, VendorDb, build_from_files};

/// The database the seeds alone make: the overlay without vendor entries and an empty
/// owners file, built in a scratch copy of `vendors/`.
fn seed_only_db(root: &Path) -> VendorDb {
    let overlay: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("vendors/overlay.json")).unwrap()).unwrap();
    let mut bare = overlay.clone();
    bare["vendors"] = serde_json::json!([]);
    bare["drop_seed"] = serde_json::json!([]);
    bare["drop_whotracksme"] = serde_json::json!([]);
    let tmp = std::env::temp_dir().join(format!("vendorscan-seed-only-{}", std::process::id()));
    for seed in ["third-party-web", "whotracksme"] {
        let from = root.join("vendors/seed").join(seed);
        let to = tmp.join("seed").join(seed);
        std::fs::create_dir_all(&to).unwrap();
        for f in std::fs::read_dir(&from).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
    }
    std::fs::write(tmp.join("overlay.json"), serde_json::to_string(&bare).unwrap()).unwrap();
    std::fs::write(tmp.join("owners.json"), "{}").unwrap();
    let text = build_from_files(&BuildInputs { dir: tmp.clone() }).expect("seed-only build").text;
    let _ = std::fs::remove_dir_all(tmp);
    VendorDb::from_file(serde_json::from_str::<DbFile>(&text).unwrap())
}

/// A database file given with `--compare FILE` (e.g. the previous release's
/// known_vendors.json), as a third column.
fn compare_db() -> Option<(String, VendorDb)> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--compare")?;
    let path = args.get(at + 1).expect("--compare FILE");
    let file: DbFile = serde_json::from_str(&std::fs::read_to_string(path).expect("readable --compare file"))
        .expect("a vendor database");
    Some((path.clone(), VendorDb::from_file(file)))
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
            named += usize::from(db.recipient(h).is_some());
        }
        (named, total)
    };
    println!("third-party hosts on {} corpus pages named by the vendor database", sources.lines().count() - 1);
    let compare = compare_db();
    let cell = |a: usize, t: usize| format!("{a}/{t} {:.1}%", 100.0 * a as f64 / t.max(1) as f64);
    println!(
        "{:<44}{:>16}{:>16}{:>16}",
        "",
        "seeds only",
        "shipped",
        compare.as_ref().map_or("", |(p, _)| p.rsplit('/').next().unwrap_or(p))
    );
    let rows: [(&str, Vec<&String>); 4] = [
        ("distinct hosts, every reference kind", hosts_all.iter().collect()),
        ("distinct hosts, loaded references only", hosts_loading.iter().collect()),
        ("(page, host) pairs, every reference kind", pairs_all.iter().map(|(_, h)| h).collect()),
        ("(page, host) pairs, loaded references only", pairs_loading.iter().map(|(_, h)| h).collect()),
    ];
    for (label, hosts) in rows {
        let (b, t) = share(&mut hosts.iter().copied(), &before);
        let (a, _) = share(&mut hosts.iter().copied(), &after);
        let c = compare.as_ref().map_or(String::new(), |(_, db)| {
            let (c, _) = share(&mut hosts.iter().copied(), db);
            cell(c, t)
        });
        println!("{label:<44}{:>16}{:>16}{c:>16}", cell(b, t), cell(a, t));
    }
    let wtm: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("vendors/seed/whotracksme/trackers.json")).expect("the WhoTracks.Me seed"),
    )
    .unwrap();
    let domains: BTreeSet<String> = wtm["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["domains"].as_array().unwrap().iter().filter_map(|d| d.as_str().map(str::to_owned)))
        .collect();
    let named = |db: &VendorDb| domains.iter().filter(|d| db.lookup(d).is_some()).count();
    println!(
        "{:<44}{:>16}{:>16}{:>16}",
        "WhoTracks.Me 2022-08 domains named",
        cell(named(&before), domains.len()),
        cell(named(&after), domains.len()),
        compare.as_ref().map_or(String::new(), |(_, db)| cell(named(db), domains.len()))
    );
    if show_unknown {
        for (file, host) in &pairs_all {
            if after.recipient(host).is_none() {
                println!("unknown\t{file}\t{host}");
            }
        }
    }
}
