//! The generator behind `known_vendors.json` (`vendorscan vendors build`).
//!
//! Enters: the pinned third-party-web seed (`vendors/seed/third-party-web/`, MIT) and the
//! hand-curated overlay (`vendors/overlay.json`). Leaves: the database text, byte for byte
//! deterministic, so a test can prove the shipped file was generated and not hand-edited.
//!
//! Every seed entity becomes a vendor (id = slug of its name) unless an overlay entry
//! folds it in by name; overlay fields then win, overlay domains and hosts are added and
//! `remove_domains` taken away. `*.x` seed patterns are suffix rules, bare patterns exact
//! hosts. Every vendor receives IP address and user agent (inherent to any request), the
//! overlay's documented kinds, and its categories' typical kinds (marked inferred).

use super::check::validate;
use super::schema::{Basis, DataReceived, DbFile, SCHEMA_VERSION, Source, Term, Vendor};
use crate::error::Error;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub struct BuildInputs {
    /// Folder holding `entities-nostats.json`, `LICENSE` and `VERSION`.
    pub seed_dir: PathBuf,
    pub overlay: PathBuf,
}

#[derive(Deserialize)]
struct SeedEntity {
    name: String,
    company: Option<String>,
    homepage: Option<String>,
    category: String,
    domains: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Overlay {
    db_version: String,
    categories: Vec<Term>,
    data_kinds: Vec<Term>,
    seed_categories: BTreeMap<String, String>,
    category_data: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    drop_seed: Vec<DropSeed>,
    vendors: Vec<OverlayVendor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DropSeed {
    name: String,
    #[allow(dead_code)] // documentation for reviewers
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayVendor {
    id: String,
    #[serde(default)]
    seed: Vec<String>,
    name: Option<String>,
    company: Option<String>,
    parent: Option<String>,
    categories: Option<Vec<String>>,
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    remove_domains: Vec<String>,
    homepage: Option<String>,
    privacy_policy: Option<String>,
    country: Option<String>,
    #[serde(default)]
    data_received: Vec<DataReceived>,
    #[allow(dead_code)] // documentation for reviewers
    note: Option<String>,
}

const SEED_ID: &str = "third-party-web";
const OVERLAY_ID: &str = "vendorscan-overlay";
const INHERENT: &[&str] = &["ip-address", "user-agent-device"];

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))
}

fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_owned()
}

/// Build the database text from the seed folder and overlay file.
pub fn build_from_files(inputs: &BuildInputs) -> Result<String, Error> {
    let seed_path = inputs.seed_dir.join("entities-nostats.json");
    let seed: Vec<SeedEntity> =
        serde_json::from_str(&read(&seed_path)?).map_err(|e| Error::input(format!("{}: {e}", seed_path.display())))?;
    let overlay: Overlay = serde_json::from_str(&read(&inputs.overlay)?)
        .map_err(|e| Error::input(format!("{}: {e}", inputs.overlay.display())))?;
    let version = read(&inputs.seed_dir.join("VERSION"))?.trim().to_owned();
    let licence = read(&inputs.seed_dir.join("LICENSE"))?;
    let db = build(seed, overlay, &version, &licence)?;
    let mut text = serde_json::to_string_pretty(&db).expect("serialisable");
    text.push('\n');
    Ok(text)
}

fn build(seed: Vec<SeedEntity>, overlay: Overlay, version: &str, licence: &str) -> Result<DbFile, Error> {
    let fail = |msgs: Vec<String>| Error::input(format!("vendor build failed:\n  {}", msgs.join("\n  ")));
    let by_name: HashMap<&str, &SeedEntity> = seed.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut errors = Vec::new();
    let dropped: HashSet<&str> = overlay.drop_seed.iter().map(|d| d.name.as_str()).collect();
    let mut claimed: HashSet<&str> = HashSet::new();
    for name in overlay
        .drop_seed
        .iter()
        .map(|d| d.name.as_str())
        .chain(overlay.vendors.iter().flat_map(|v| v.seed.iter().map(String::as_str)))
    {
        if !by_name.contains_key(name) {
            errors.push(format!("overlay names seed entity \"{name}\", which the seed does not have"));
        }
        if !dropped.contains(name) && !claimed.insert(name) {
            errors.push(format!("seed entity \"{name}\" is folded into more than one overlay vendor"));
        }
    }
    let map_category = |c: &str, errors: &mut Vec<String>| match overlay.seed_categories.get(c) {
        Some(m) => m.clone(),
        None => {
            errors.push(format!("seed category \"{c}\" has no entry in seed_categories"));
            "other".into()
        }
    };

    let mut vendors: Vec<Vendor> = Vec::new();
    for e in &seed {
        // A seed entity without domains could never match a host; it is not a vendor to us.
        if dropped.contains(e.name.as_str()) || claimed.contains(e.name.as_str()) || e.domains.is_empty() {
            continue;
        }
        let mut v = empty_vendor(slug(&e.name), e.name.clone(), e.company.clone().unwrap_or_else(|| e.name.clone()));
        v.categories = vec![map_category(&e.category, &mut errors)];
        v.homepage = e.homepage.clone().filter(|h| !h.is_empty());
        add_patterns(&mut v, &e.domains);
        v.sources = vec![SEED_ID.into()];
        vendors.push(v);
    }
    for o in overlay.vendors {
        let folded: Vec<&SeedEntity> = o.seed.iter().filter_map(|n| by_name.get(n.as_str()).copied()).collect();
        let first = folded.first();
        let name = o.name.or_else(|| first.map(|e| e.name.clone()));
        let company = o.company.or_else(|| first.and_then(|e| e.company.clone().or_else(|| Some(e.name.clone()))));
        let (Some(name), Some(company)) = (name, company) else {
            errors.push(format!("overlay vendor \"{}\" folds no seed entity, so it needs name and company", o.id));
            continue;
        };
        let mut v = empty_vendor(o.id, name, company);
        for e in &folded {
            add_patterns(&mut v, &e.domains);
        }
        v.categories = match o.categories {
            Some(c) => c,
            None => match first {
                Some(e) => vec![map_category(&e.category, &mut errors)],
                None => {
                    errors.push(format!("overlay vendor \"{}\" needs categories", v.id));
                    vec![]
                }
            },
        };
        v.parent = o.parent;
        v.homepage = o.homepage.or_else(|| first.and_then(|e| e.homepage.clone()).filter(|h| !h.is_empty()));
        v.privacy_policy = o.privacy_policy;
        v.country = o.country;
        v.domains.extend(o.domains);
        v.hosts.extend(o.hosts);
        for r in &o.remove_domains {
            let before = v.domains.len() + v.hosts.len();
            v.domains.retain(|d| d != r);
            v.hosts.retain(|h| h != r);
            if before == v.domains.len() + v.hosts.len() {
                errors.push(format!("overlay vendor \"{}\" removes \"{r}\", which it does not have", v.id));
            }
        }
        v.data_received = o.data_received;
        v.sources = if folded.is_empty() { vec![OVERLAY_ID.into()] } else { vec![SEED_ID.into(), OVERLAY_ID.into()] };
        vendors.push(v);
    }

    let kind_order: HashMap<&str, usize> =
        overlay.data_kinds.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    let cat_order: HashMap<&str, usize> =
        overlay.categories.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    for v in &mut vendors {
        finish_vendor(v, &overlay.category_data, &kind_order, &cat_order);
    }
    vendors.sort_by(|a, b| a.id.cmp(&b.id));
    for w in vendors.windows(2) {
        if w[0].id == w[1].id {
            errors.push(format!("two vendors get the id \"{}\" (rename one in the overlay)", w[0].id));
        }
    }

    let db = DbFile {
        schema_version: SCHEMA_VERSION,
        db_version: overlay.db_version,
        sources: vec![
            Source {
                id: SEED_ID.into(),
                name: "third-party-web".into(),
                version: Some(version.into()),
                url: "https://github.com/patrickhulce/third-party-web".into(),
                licence: "MIT".into(),
                attribution: Some(licence.trim().to_owned()),
            },
            Source {
                id: OVERLAY_ID.into(),
                name: "vendorscan curated overlay (vendors/overlay.json)".into(),
                version: None,
                url: "https://github.com/vendorscan/vendorscan/blob/main/vendors/overlay.json".into(),
                licence: "MIT".into(),
                attribution: None,
            },
        ],
        categories: overlay.categories,
        data_kinds: overlay.data_kinds,
        vendors,
    };
    let categories: HashSet<&str> = db.categories.iter().map(|t| t.id.as_str()).collect();
    let kinds: HashSet<&str> = db.data_kinds.iter().map(|t| t.id.as_str()).collect();
    for (c, ks) in &overlay.category_data {
        if !categories.contains(c.as_str()) {
            errors.push(format!("category_data names unknown category \"{c}\""));
        }
        errors.extend(
            ks.iter()
                .filter(|k| !kinds.contains(k.as_str()))
                .map(|k| format!("category_data names unknown data kind \"{k}\"")),
        );
    }
    errors.extend(validate(&db, &categories, &kinds).into_iter().map(|p| p.to_string().trim().to_owned()));
    if errors.is_empty() { Ok(db) } else { Err(fail(errors)) }
}

fn empty_vendor(id: String, name: String, company: String) -> Vendor {
    Vendor {
        id,
        name,
        company,
        parent: None,
        categories: vec![],
        domains: vec![],
        hosts: vec![],
        homepage: None,
        privacy_policy: None,
        country: None,
        data_received: vec![],
        sources: vec![],
    }
}

fn add_patterns(v: &mut Vendor, patterns: &[String]) {
    for p in patterns {
        let p = p.trim().to_ascii_lowercase();
        match p.strip_prefix("*.") {
            Some(domain) => v.domains.push(domain.to_owned()),
            None => v.hosts.push(p),
        }
    }
}

fn finish_vendor(
    v: &mut Vendor,
    category_data: &BTreeMap<String, Vec<String>>,
    kind_order: &HashMap<&str, usize>,
    cat_order: &HashMap<&str, usize>,
) {
    let domains: BTreeSet<String> = v.domains.drain(..).collect();
    v.hosts.retain(|h| !domains.contains(h));
    let hosts: BTreeSet<String> = v.hosts.drain(..).collect();
    v.domains = domains.into_iter().collect();
    v.hosts = hosts.into_iter().collect();
    let mut cats: Vec<String> = v.categories.drain(..).collect::<BTreeSet<_>>().into_iter().collect();
    cats.sort_by_key(|c| cat_order.get(c.as_str()).copied().unwrap_or(usize::MAX));
    v.categories = cats;

    // Strongest basis per kind: inherent < documented < inferred in the enum order.
    let mut kinds: BTreeMap<String, Basis> = BTreeMap::new();
    let mut add = |kind: &str, basis: Basis| {
        let e = kinds.entry(kind.to_owned()).or_insert(basis);
        *e = (*e).min(basis);
    };
    for k in INHERENT {
        add(k, Basis::Inherent);
    }
    for d in &v.data_received {
        add(&d.kind, d.basis);
    }
    for c in &v.categories {
        for k in category_data.get(c).into_iter().flatten() {
            add(k, Basis::Inferred);
        }
    }
    let mut list: Vec<DataReceived> = kinds.into_iter().map(|(kind, basis)| DataReceived { kind, basis }).collect();
    list.sort_by_key(|d| kind_order.get(d.kind.as_str()).copied().unwrap_or(usize::MAX));
    v.data_received = list;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Google/Doubleclick Ads"), "google-doubleclick-ads");
        assert_eq!(slug("  Trust Pilot!"), "trust-pilot");
        assert_eq!(slug("Hotjar"), "hotjar");
    }

    /// The shipped file is exactly what the generator makes from the committed inputs, so
    /// nobody edits it by hand (edit the overlay and run `vendorscan vendors build`).
    #[test]
    fn shipped_database_is_reproducible() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let inputs = BuildInputs {
            seed_dir: root.join("vendors/seed/third-party-web"),
            overlay: root.join("vendors/overlay.json"),
        };
        let built = build_from_files(&inputs).expect("the generator accepts the committed inputs");
        let shipped = std::fs::read_to_string(root.join("known_vendors.json")).unwrap();
        assert!(
            built == shipped,
            "known_vendors.json differs from the generator's output: run `cargo run -- vendors build` and commit"
        );
    }
}
