//! The generator behind `known_vendors.json` (`vendorscan vendors build`).
//!
//! Enters: the `vendors/` folder: the pinned third-party-web seed
//! (`seed/third-party-web/`, MIT), the WhoTracks.Me snapshot (`seed/whotracksme/`,
//! CC BY 4.0), the hand-curated overlay (`overlay.json`) and the owners file
//! (`owners.json`: companies, owner changes, statuses, incidents, cited data kinds).
//! Leaves: the database text, byte for byte deterministic, so a test can prove the
//! shipped file was generated and not hand-edited.
//!
//! The order is the order of trust. Every third-party-web entity becomes a vendor (id =
//! slug of its name) unless an overlay entry folds it in by name; overlay fields then win.
//! WhoTracks.Me only fills gaps: a tracker none of whose domains is known yet becomes a
//! vendor, one whose domains a single vendor already claims lends it its other domains
//! and, where third-party-web only repeated the product name as the company, its owner.
//! The owners file is applied last, so a curated owner beats both seeds. Every company
//! is then given one id and one spelling. Every vendor receives IP address and user agent
//! (inherent to any request), its cited kinds, and its categories' typical kinds (marked
//! inferred).

use super::check::{valid_rule_host, validate};
use super::schema::{
    Basis, Company, DataReceived, DbFile, Incident, IncidentKind, OwnerKind, PreviousOwner, SCHEMA_VERSION, Source,
    State, Status, Term, Vendor,
};
use crate::error::Error;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub struct BuildInputs {
    /// The `vendors/` folder of the repository.
    pub dir: PathBuf,
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
struct WtmFile {
    #[allow(dead_code)] // provenance for reviewers
    source: String,
    #[allow(dead_code)]
    snapshot: String,
    companies: BTreeMap<String, WtmCompany>,
    trackers: Vec<WtmTracker>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WtmCompany {
    name: String,
    country: Option<String>,
    website: Option<String>,
    privacy_policy: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WtmTracker {
    id: String,
    name: String,
    category: String,
    company: Option<String>,
    website: Option<String>,
    domains: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Overlay {
    db_version: String,
    categories: Vec<Term>,
    data_kinds: Vec<Term>,
    seed_categories: BTreeMap<String, String>,
    whotracksme_categories: BTreeMap<String, String>,
    category_data: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    drop_seed: Vec<Dropped>,
    #[serde(default)]
    drop_whotracksme: Vec<Dropped>,
    vendors: Vec<OverlayVendor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Dropped {
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
    /// WhoTracks.Me tracker ids folded into this vendor.
    #[serde(default)]
    whotracksme: Vec<String>,
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
    customer_hosted: bool,
    owner_kind: Option<OwnerKind>,
    #[serde(default)]
    data_received: Vec<DataReceived>,
    note: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Owners {
    #[serde(default)]
    companies: Vec<OwnersCompany>,
    #[serde(default)]
    ownership: Vec<Ownership>,
    #[serde(default)]
    status: Vec<StatusEntry>,
    #[serde(default)]
    incidents: Vec<OwnersIncident>,
    #[serde(default)]
    data_kinds: Vec<Citation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnersCompany {
    id: String,
    name: String,
    country: Option<String>,
    kind: Option<OwnerKind>,
    parent: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    homepage: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ownership {
    /// A domain the vendor claims: the entry applies to the vendor that matches it.
    domain: String,
    company: String,
    #[serde(default)]
    previous_owners: Vec<OwnersPrevious>,
    verified: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnersPrevious {
    company: String,
    until: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusEntry {
    domain: String,
    status: State,
    since: String,
    source: String,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnersIncident {
    id: String,
    date: String,
    kind: IncidentKind,
    #[serde(default)]
    compromised: bool,
    #[serde(default)]
    hosts: Vec<String>,
    /// A domain of the vendor the incident concerns as a whole.
    domain: Option<String>,
    summary: String,
    sources: Vec<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Citation {
    domain: String,
    kind: String,
    source: String,
    #[allow(dead_code)]
    note: Option<String>,
}

const SEED_ID: &str = "third-party-web";
const WTM_ID: &str = "whotracksme";
const OVERLAY_ID: &str = "vendorscan-overlay";
const INHERENT: &[&str] = &["ip-address", "user-agent-device"];
/// What WhoTracks.Me's SOURCE.md asks to be carried wherever its data goes.
const WTM_ATTRIBUTION: &str = "WhoTracks.Me tracker database (Cliqz GmbH and Ghostery), August 2022 snapshot, CC BY 4.0, \
     https://whotracks.me; changed: merged, re-categorised and corrected by vendorscan.";

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    serde_json::from_str(&read(path)?).map_err(|e| Error::input(format!("{}: {e}", path.display())))
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

/// The key two spellings of one company share: case, punctuation and a trailing legal
/// form dropped ("SalesLoft" = "Salesloft", "Criteo SA" = "Criteo").
pub fn company_key(name: &str) -> String {
    const LEGAL: &[&str] = &[
        "inc",
        "llc",
        "ltd",
        "limited",
        "gmbh",
        "corp",
        "corporation",
        "co",
        "sa",
        "ag",
        "bv",
        "plc",
        "srl",
        "sas",
        "ab",
        "as",
        "oy",
        "pty",
        "pte",
        "sarl",
        "spa",
        "nv",
        "kg",
        "se",
        "company",
        "holdings",
        "group",
    ];
    let lower = name.to_lowercase();
    let mut words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL.contains(w)) {
        words.pop();
    }
    words.concat()
}

/// What one build made: the database text, and what WhoTracks.Me brought to it (for the
/// maintainer, who reviews a seed four years old).
pub struct Built {
    pub text: String,
    pub whotracksme: WtmStats,
}

/// Build the database text from the `vendors/` folder.
pub fn build_from_files(inputs: &BuildInputs) -> Result<Built, Error> {
    let dir = &inputs.dir;
    let tpw_dir = dir.join("seed/third-party-web");
    let seed: Vec<SeedEntity> = parse(&tpw_dir.join("entities-nostats.json"))?;
    let wtm: WtmFile = parse(&dir.join("seed/whotracksme/trackers.json"))?;
    let overlay: Overlay = parse(&dir.join("overlay.json"))?;
    let owners: Owners = parse(&dir.join("owners.json"))?;
    let version = read(&tpw_dir.join("VERSION"))?.trim().to_owned();
    let licence = read(&tpw_dir.join("LICENSE"))?;
    let (db, whotracksme) = build(Inputs { seed, wtm, overlay, owners }, &version, &licence)?;
    let mut text = serde_json::to_string_pretty(&db).expect("serialisable");
    text.push('\n');
    Ok(Built { text, whotracksme })
}

struct Inputs {
    seed: Vec<SeedEntity>,
    wtm: WtmFile,
    overlay: Overlay,
    owners: Owners,
}

/// Which vendor a host belongs to while building: the lookup's rules (exact host, then the
/// longest domain), over the vendors built so far.
#[derive(Default)]
struct Index {
    exact: HashMap<String, usize>,
    suffix: HashMap<String, usize>,
}

impl Index {
    fn of(vendors: &[Vendor]) -> Self {
        let mut ix = Index::default();
        for (i, v) in vendors.iter().enumerate() {
            ix.add(i, v);
        }
        ix
    }

    fn add(&mut self, i: usize, v: &Vendor) {
        for d in &v.domains {
            self.suffix.entry(d.clone()).or_insert(i);
        }
        for h in &v.hosts {
            self.exact.entry(h.clone()).or_insert(i);
        }
    }

    fn lookup(&self, host: &str) -> Option<usize> {
        if let Some(i) = self.exact.get(host) {
            return Some(*i);
        }
        let mut rest = host;
        loop {
            if let Some(i) = self.suffix.get(rest) {
                return Some(*i);
            }
            rest = rest.split_once('.')?.1;
        }
    }
}

fn build(inputs: Inputs, version: &str, licence: &str) -> Result<(DbFile, WtmStats), Error> {
    let Inputs { seed, wtm, overlay, owners } = inputs;
    let fail = |msgs: Vec<String>| Error::input(format!("vendor build failed:\n  {}", msgs.join("\n  ")));
    let mut errors = Vec::new();
    // Vendors whose company is only the product name repeated: a better owner may fill it.
    let mut unnamed_owner: HashSet<String> = HashSet::new();
    let mut vendors = from_third_party_web(&seed, &overlay, &mut errors, &mut unnamed_owner);
    let wtm_stats = merge_whotracksme(&wtm, &overlay, &mut vendors, &mut errors, &mut unnamed_owner);

    let kind_order: HashMap<&str, usize> =
        overlay.data_kinds.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    let cat_order: HashMap<&str, usize> =
        overlay.categories.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    let (companies, incidents) = apply_owners(&owners, &mut vendors, &mut errors);
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
                id: WTM_ID.into(),
                name: "WhoTracks.Me tracker database".into(),
                version: Some("2022-08 (whotracksme/whotracks.me@3d961e62)".into()),
                url: "https://whotracks.me".into(),
                licence: "CC-BY-4.0".into(),
                attribution: Some(WTM_ATTRIBUTION.into()),
            },
            Source {
                id: OVERLAY_ID.into(),
                name: "vendorscan curated overlay and owners (vendors/overlay.json, vendors/owners.json)".into(),
                version: None,
                url: "https://github.com/vendorscan/vendorscan/tree/main/vendors".into(),
                licence: "MIT".into(),
                attribution: None,
            },
        ],
        categories: overlay.categories,
        data_kinds: overlay.data_kinds,
        companies,
        incidents,
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
    for (wc, c) in &overlay.whotracksme_categories {
        if !categories.contains(c.as_str()) {
            errors.push(format!("whotracksme_categories maps \"{wc}\" to unknown category \"{c}\""));
        }
    }
    errors.extend(validate(&db, &categories, &kinds).into_iter().map(|p| p.to_string().trim().to_owned()));
    if errors.is_empty() { Ok((db, wtm_stats)) } else { Err(fail(errors)) }
}

/// The third-party-web entities, with the overlay folded over them.
fn from_third_party_web(
    seed: &[SeedEntity],
    overlay: &Overlay,
    errors: &mut Vec<String>,
    unnamed_owner: &mut HashSet<String>,
) -> Vec<Vendor> {
    let by_name: HashMap<&str, &SeedEntity> = seed.iter().map(|e| (e.name.as_str(), e)).collect();
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
    for e in seed {
        // A seed entity without domains could never match a host; it is not a vendor to us.
        if dropped.contains(e.name.as_str()) || claimed.contains(e.name.as_str()) || e.domains.is_empty() {
            continue;
        }
        let mut v = empty_vendor(slug(&e.name), e.name.clone(), e.company.clone().unwrap_or_else(|| e.name.clone()));
        if e.company.is_none() {
            unnamed_owner.insert(v.id.clone());
        }
        v.categories = vec![map_category(&e.category, errors)];
        v.homepage = e.homepage.clone().filter(|h| !h.is_empty());
        add_patterns(&mut v, &e.domains);
        v.sources = vec![SEED_ID.into()];
        vendors.push(v);
    }
    for o in &overlay.vendors {
        let folded: Vec<&SeedEntity> = o.seed.iter().filter_map(|n| by_name.get(n.as_str()).copied()).collect();
        let first = folded.first();
        let name = o.name.clone().or_else(|| first.map(|e| e.name.clone()));
        let company =
            o.company.clone().or_else(|| first.and_then(|e| e.company.clone().or_else(|| Some(e.name.clone()))));
        let (Some(name), Some(company)) = (name, company) else {
            errors.push(format!("overlay vendor \"{}\" folds no seed entity, so it needs name and company", o.id));
            continue;
        };
        let mut v = empty_vendor(o.id.clone(), name, company);
        if o.company.is_none() && first.is_some_and(|e| e.company.is_none()) {
            unnamed_owner.insert(v.id.clone());
        }
        for e in &folded {
            add_patterns(&mut v, &e.domains);
        }
        v.categories = match &o.categories {
            Some(c) => c.clone(),
            None => match first {
                Some(e) => vec![map_category(&e.category, errors)],
                None if !o.whotracksme.is_empty() => vec![],
                None => {
                    errors.push(format!("overlay vendor \"{}\" needs categories", v.id));
                    vec![]
                }
            },
        };
        v.parent = o.parent.clone();
        v.homepage = o.homepage.clone().or_else(|| first.and_then(|e| e.homepage.clone()).filter(|h| !h.is_empty()));
        v.privacy_policy = o.privacy_policy.clone();
        v.country = o.country.clone();
        v.customer_hosted = o.customer_hosted;
        v.owner_kind = o.owner_kind;
        v.note = o.note.clone();
        v.domains.extend(o.domains.iter().cloned());
        v.hosts.extend(o.hosts.iter().cloned());
        for r in &o.remove_domains {
            let before = v.domains.len() + v.hosts.len();
            v.domains.retain(|d| d != r);
            v.hosts.retain(|h| h != r);
            if before == v.domains.len() + v.hosts.len() {
                errors.push(format!("overlay vendor \"{}\" removes \"{r}\", which it does not have", v.id));
            }
        }
        v.data_received = o.data_received.clone();
        v.sources = if folded.is_empty() { vec![OVERLAY_ID.into()] } else { vec![SEED_ID.into(), OVERLAY_ID.into()] };
        vendors.push(v);
    }
    vendors
}

/// Counts of what WhoTracks.Me brought, for the maintainer reading the build's output.
#[derive(Debug, Default, Clone, Copy)]
pub struct WtmStats {
    pub new_vendors: usize,
    pub domains_added: usize,
    pub owners_filled: usize,
}

/// Fill the gaps third-party-web leaves from the WhoTracks.Me snapshot.
fn merge_whotracksme(
    wtm: &WtmFile,
    overlay: &Overlay,
    vendors: &mut Vec<Vendor>,
    errors: &mut Vec<String>,
    unnamed_owner: &mut HashSet<String>,
) -> WtmStats {
    let mut stats = WtmStats::default();
    let by_id: HashMap<&str, &WtmTracker> = wtm.trackers.iter().map(|t| (t.id.as_str(), t)).collect();
    let dropped: HashSet<&str> = overlay.drop_whotracksme.iter().map(|d| d.name.as_str()).collect();
    let mut folded: HashMap<&str, &str> = HashMap::new();
    for o in &overlay.vendors {
        for t in &o.whotracksme {
            if !by_id.contains_key(t.as_str()) {
                errors.push(format!(
                    "overlay vendor \"{}\" folds WhoTracks.Me tracker \"{t}\", which the snapshot does not have",
                    o.id
                ));
            }
            if folded.insert(t.as_str(), o.id.as_str()).is_some() {
                errors.push(format!("WhoTracks.Me tracker \"{t}\" is folded into more than one overlay vendor"));
            }
        }
    }
    for d in &dropped {
        if !by_id.contains_key(d) {
            errors.push(format!("drop_whotracksme names tracker \"{d}\", which the snapshot does not have"));
        }
    }
    let category = |t: &WtmTracker, errors: &mut Vec<String>| match overlay.whotracksme_categories.get(&t.category) {
        Some(c) => c.clone(),
        None => {
            errors.push(format!("WhoTracks.Me category \"{}\" has no entry in whotracksme_categories", t.category));
            "other".into()
        }
    };
    let owner = |t: &WtmTracker| t.company.as_deref().and_then(|c| wtm.companies.get(c));
    let domains = |t: &WtmTracker| -> Vec<String> {
        t.domains.iter().map(|d| d.trim().to_ascii_lowercase()).filter(|d| valid_rule_host(d)).collect()
    };

    // Trackers an overlay entry folds: their domains join it (the overlay's word wins).
    let at: HashMap<String, usize> = vendors.iter().enumerate().map(|(i, v)| (v.id.clone(), i)).collect();
    for (t, vid) in &folded {
        let (Some(t), Some(&i)) = (by_id.get(t), at.get(*vid)) else { continue };
        let v = &mut vendors[i];
        for d in domains(t) {
            if !v.domains.contains(&d) && !v.hosts.contains(&d) {
                v.domains.push(d);
            }
        }
        if v.categories.is_empty() {
            v.categories = vec![category(t, errors)];
        }
        if !v.sources.iter().any(|s| s == WTM_ID) {
            v.sources.insert(v.sources.len().saturating_sub(1), WTM_ID.into());
        }
    }

    let mut index = Index::of(vendors);
    let mut ids: HashSet<String> = vendors.iter().map(|v| v.id.clone()).collect();
    for t in &wtm.trackers {
        if dropped.contains(t.id.as_str()) || folded.contains_key(t.id.as_str()) {
            continue;
        }
        let ds = domains(t);
        if ds.is_empty() {
            continue;
        }
        // A hosting provider's catch-all does not make a tracker's own bucket known; the
        // provider's own domain, named as such, is.
        let owner_of = |d: &String| {
            index.lookup(d).filter(|&i| {
                let v = &vendors[i];
                !v.customer_hosted || v.domains.contains(d) || v.hosts.contains(d)
            })
        };
        let covering: BTreeSet<usize> = ds.iter().filter_map(owner_of).collect();
        let uncovered: Vec<String> = ds.iter().filter(|d| owner_of(d).is_none()).cloned().collect();
        match covering.len() {
            // The same product under its seed name, found by other domains: one vendor.
            0 if at_name(vendors, &ids, t).is_some() => {
                let i = at_name(vendors, &ids, t).expect("checked");
                stats.domains_added += uncovered.len();
                vendors[i].domains.extend(uncovered);
                if !vendors[i].sources.iter().any(|s| s == WTM_ID) {
                    vendors[i].sources.push(WTM_ID.into());
                }
                let v = vendors[i].clone();
                index.add(i, &v);
            }
            0 => {
                let mut id = slug(&t.name);
                if id.is_empty() || ids.contains(&id) {
                    id = slug(&t.id);
                }
                if id.is_empty() || ids.contains(&id) {
                    id = format!("{}-wtm", slug(&t.id));
                }
                let company = owner(t).map_or_else(|| t.name.trim().to_owned(), |c| c.name.clone());
                let mut v = empty_vendor(id.clone(), t.name.trim().to_owned(), company);
                if owner(t).is_none() {
                    unnamed_owner.insert(id.clone());
                }
                v.categories = vec![category(t, errors)];
                v.homepage = t.website.clone().or_else(|| owner(t).and_then(|c| c.website.clone())).filter(|u| web(u));
                v.privacy_policy = owner(t).and_then(|c| c.privacy_policy.clone()).filter(|u| web(u));
                v.country = owner(t).and_then(|c| c.country.clone()).filter(|c| c.len() == 2 && c != "XX");
                v.domains = uncovered;
                v.sources = vec![WTM_ID.into()];
                stats.new_vendors += 1;
                stats.domains_added += v.domains.len();
                index.add(vendors.len(), &v);
                ids.insert(id);
                vendors.push(v);
            }
            1 => {
                let i = *covering.iter().next().expect("one");
                let v = &mut vendors[i];
                let added = !uncovered.is_empty();
                stats.domains_added += uncovered.len();
                v.domains.extend(uncovered);
                // Only a tracker that is this vendor (same product name, or every domain
                // of the vendor among its own) lends it an owner: a tracker that merely
                // shares one domain may belong to someone else (a publisher's link
                // shortener is not the shortener's owner).
                let same = company_key(&t.name) == company_key(&v.name)
                    || v.domains.iter().chain(&v.hosts).all(|d| ds.contains(d));
                if same && unnamed_owner.contains(&v.id) {
                    if let Some(c) = owner(t) {
                        if company_key(&c.name) != company_key(&v.company) {
                            v.company = c.name.clone();
                            stats.owners_filled += 1;
                        }
                        unnamed_owner.remove(&v.id);
                    }
                }
                if added && !v.sources.iter().any(|s| s == WTM_ID) {
                    v.sources.push(WTM_ID.into());
                }
                let v = vendors[i].clone();
                index.add(i, &v);
            }
            // Spread over several vendors already: which one its other domains belong to
            // is a guess, and a wrong owner is worse than an unknown host.
            _ => {}
        }
    }
    stats
}

/// The vendor already named like this tracker (same id slug, same product name).
fn at_name(vendors: &[Vendor], ids: &HashSet<String>, t: &WtmTracker) -> Option<usize> {
    let id = slug(&t.name);
    if !ids.contains(&id) {
        return None;
    }
    vendors.iter().position(|v| v.id == id && company_key(&v.name) == company_key(&t.name))
}

fn web(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Apply the owners file and give every company one id and one spelling. Returns the
/// companies and incidents tables.
fn apply_owners(owners: &Owners, vendors: &mut [Vendor], errors: &mut Vec<String>) -> (Vec<Company>, Vec<Incident>) {
    let index = Index::of(vendors);
    let find = |domain: &str, what: &str, errors: &mut Vec<String>| -> Option<usize> {
        let found = index.lookup(domain);
        if found.is_none() {
            errors.push(format!("owners.json: {what} names domain \"{domain}\", which no vendor claims"));
        }
        found
    };
    let mut table: BTreeMap<String, Company> = BTreeMap::new();
    let mut by_key: HashMap<String, String> = HashMap::new();
    for c in &owners.companies {
        if table.contains_key(&c.id) {
            errors.push(format!("owners.json: company \"{}\" is listed twice", c.id));
        }
        table.insert(
            c.id.clone(),
            Company {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind,
                parent: c.parent.clone(),
                country: c.country.clone(),
                homepage: c.homepage.clone(),
            },
        );
    }
    // An alias beats another company's name: "Twitter" spelled in a seed means X Corp now,
    // even though the former "Twitter, Inc." keeps an id of its own for the history.
    let mut by_alias: HashMap<String, String> = HashMap::new();
    for c in &owners.companies {
        for n in &c.aliases {
            if let Some(other) = by_alias.insert(company_key(n), c.id.clone()) {
                if other != c.id {
                    errors.push(format!("owners.json: alias \"{n}\" belongs to both \"{other}\" and \"{}\"", c.id));
                }
            }
        }
    }
    for c in &owners.companies {
        let key = company_key(&c.name);
        if by_alias.get(&key).is_some_and(|id| id != &c.id) {
            continue;
        }
        if let Some(other) = by_key.insert(key, c.id.clone()) {
            if other != c.id {
                errors.push(format!("owners.json: \"{}\" is the name of both \"{other}\" and \"{}\"", c.name, c.id));
            }
        }
    }
    by_key.extend(by_alias);
    let known = |id: &str, errors: &mut Vec<String>| {
        if !table.contains_key(id) {
            errors.push(format!("owners.json names company \"{id}\", which its companies list does not have"));
        }
    };
    for c in table.values() {
        if let Some(p) = &c.parent {
            known(p, errors);
        }
    }
    for o in &owners.ownership {
        known(&o.company, errors);
        let Some(i) = find(&o.domain, "ownership", errors) else { continue };
        let v = &mut vendors[i];
        v.company_id = Some(o.company.clone());
        v.previous_owners = o
            .previous_owners
            .iter()
            .map(|p| {
                known(&p.company, errors);
                PreviousOwner {
                    company: p.company.clone(),
                    company_id: Some(p.company.clone()),
                    until: p.until.clone(),
                    source: p.source.clone(),
                }
            })
            .collect();
        v.verified = o.verified.clone();
    }
    for s in &owners.status {
        let Some(i) = find(&s.domain, "status", errors) else { continue };
        vendors[i].status = Some(Status { state: s.status, since: s.since.clone(), source: s.source.clone() });
    }
    for c in &owners.data_kinds {
        let Some(i) = find(&c.domain, "data_kinds", errors) else { continue };
        let v = &mut vendors[i];
        v.data_received.retain(|d| d.kind != c.kind || d.source.is_some());
        v.data_received.push(DataReceived {
            kind: c.kind.clone(),
            basis: Basis::Documented,
            source: Some(c.source.clone()),
        });
    }
    let mut incidents = Vec::new();
    for inc in &owners.incidents {
        let mut hit: BTreeSet<usize> = BTreeSet::new();
        if let Some(d) = &inc.domain {
            hit.extend(find(d, "incident", errors));
        }
        hit.extend(inc.hosts.iter().filter_map(|h| index.lookup(h)));
        let mut ids: Vec<String> = hit.iter().map(|&i| vendors[i].id.clone()).collect();
        ids.sort();
        for &i in &hit {
            let v = &mut vendors[i];
            v.incidents.push(inc.id.clone());
            // The whole vendor is compromised when the incident covers every host it has.
            let whole = inc.domain.is_some()
                || v.domains.iter().chain(&v.hosts).all(|d| inc.hosts.iter().any(|h| within(d, h)));
            if inc.compromised && whole {
                v.status = Some(Status {
                    state: State::Compromised,
                    since: inc.date.clone(),
                    source: inc.sources.first().cloned().unwrap_or_default(),
                });
            }
        }
        incidents.push(Incident {
            id: inc.id.clone(),
            date: inc.date.clone(),
            kind: inc.kind,
            compromised: inc.compromised,
            hosts: inc.hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
            vendors: ids,
            summary: inc.summary.clone(),
            sources: inc.sources.clone(),
        });
    }
    incidents.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));

    // Companies nobody curated: one per spelling key, named by its most frequent spelling.
    let mut spellings: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for v in vendors.iter().filter(|v| v.company_id.is_none()) {
        let key = company_key(&v.company);
        if !by_key.contains_key(&key) {
            *spellings.entry(key).or_default().entry(v.company.clone()).or_default() += 1;
        }
    }
    for (key, names) in spellings {
        let name = names.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))).map(|(n, _)| n.clone());
        let name = name.unwrap_or_default();
        let mut id = slug(&name);
        if id.is_empty() {
            id = format!("company-{key}");
        }
        let mut n = 2;
        while table.contains_key(&id) {
            id = format!("{}-{n}", slug(&name));
            n += 1;
        }
        table.insert(id.clone(), Company { id: id.clone(), name, ..Company::default() });
        by_key.insert(key, id);
    }
    for v in vendors.iter_mut() {
        let id = v.company_id.clone().unwrap_or_else(|| by_key[&company_key(&v.company)].clone());
        let Some(c) = table.get(&id) else { continue };
        v.company = c.name.clone();
        v.parent = c.parent.as_ref().and_then(|p| table.get(p)).map(|p| p.name.clone()).or(v.parent.take());
        v.country = v.country.take().or_else(|| c.country.clone());
        v.owner_kind = v.owner_kind.or(c.kind);
        for p in &mut v.previous_owners {
            if let Some(pc) = p.company_id.as_ref().and_then(|id| table.get(id)) {
                p.company = pc.name.clone();
            }
        }
        v.company_id = Some(id);
    }
    // Only companies something refers to travel in the file.
    let mut used: BTreeSet<String> = BTreeSet::new();
    for v in vendors.iter() {
        used.extend(v.company_id.clone());
        used.extend(v.previous_owners.iter().filter_map(|p| p.company_id.clone()));
    }
    let mut queue: Vec<String> = used.iter().cloned().collect();
    while let Some(id) = queue.pop() {
        if let Some(p) = table.get(&id).and_then(|c| c.parent.clone()) {
            if used.insert(p.clone()) {
                queue.push(p);
            }
        }
    }
    let companies = table.into_values().filter(|c| used.contains(&c.id)).collect();
    (companies, incidents)
}

/// Is `host` the domain `domain` or below it?
fn within(host: &str, domain: &str) -> bool {
    host == domain || host.strip_suffix(domain).is_some_and(|p| p.ends_with('.'))
}

fn empty_vendor(id: String, name: String, company: String) -> Vendor {
    Vendor { id, name, company, ..Vendor::default() }
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
    v.incidents.sort();
    v.incidents.dedup();

    // Strongest basis per kind: inherent < documented < inferred in the enum order; a
    // documented kind keeps the first citation given for it.
    let mut kinds: BTreeMap<String, (Basis, Option<String>)> = BTreeMap::new();
    let mut add = |kind: &str, basis: Basis, source: Option<&String>| {
        let e = kinds.entry(kind.to_owned()).or_insert((basis, source.cloned()));
        if basis < e.0 || (basis == e.0 && e.1.is_none()) {
            *e = (basis, source.cloned());
        }
    };
    for k in INHERENT {
        add(k, Basis::Inherent, None);
    }
    for d in &v.data_received {
        add(&d.kind, d.basis, d.source.as_ref());
    }
    // A host that only serves customers' files says nothing about what its customers collect.
    if !v.customer_hosted {
        for c in &v.categories {
            for k in category_data.get(c).into_iter().flatten() {
                add(k, Basis::Inferred, None);
            }
        }
    }
    let mut list: Vec<DataReceived> =
        kinds.into_iter().map(|(kind, (basis, source))| DataReceived { kind, basis, source }).collect();
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

    #[test]
    fn company_spellings_share_a_key() {
        assert_eq!(company_key("SalesLoft"), company_key("Salesloft"));
        assert_eq!(company_key("Criteo SA"), company_key("criteo"));
        assert_eq!(company_key("LiveRamp Holdings, Inc."), company_key("LiveRamp"));
        assert_ne!(company_key("Meta"), company_key("Metadata"));
        assert_eq!(company_key("Group"), "group", "a name that is only a legal form stays");
    }

    /// The shipped file is exactly what the generator makes from the committed inputs, so
    /// nobody edits it by hand (edit the overlay and run `vendorscan vendors build`).
    #[test]
    fn shipped_database_is_reproducible() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let inputs = BuildInputs { dir: root.join("vendors") };
        let built = build_from_files(&inputs).expect("the generator accepts the committed inputs").text;
        let shipped = std::fs::read_to_string(root.join("known_vendors.json")).unwrap();
        assert!(
            built == shipped,
            "known_vendors.json differs from the generator's output: run `cargo run -- vendors build` and commit"
        );
    }
}
