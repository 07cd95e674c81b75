//! The vendor database: who is behind a host.
//!
//! Enters: the embedded `known_vendors.json` and optionally a user's `--vendors` file.
//! Leaves: a [`VendorDb`] whose [`VendorDb::lookup`] maps a host to the vendor and the
//! rule that matched. The longest matching rule wins: an exact-host rule first, then
//! domain rules from the full host down to its last label, one hash probe per label, so
//! `evil-google.com` never matches `google.com` and a lookup costs a few probes, not a
//! scan of every domain.

mod build;
mod check;
mod diff;
mod schema;

pub use build::{BuildInputs, Built, WtmStats, build_from_files, company_key};
pub use check::{Problem, check_user_file};
pub use diff::{DbDiff, diff};
pub use schema::{
    Basis, Company, DataReceived, DbFile, Incident, IncidentKind, OwnerKind, PreviousOwner, SCHEMA_VERSION, Source,
    State, Status, Term, Vendor,
};

use crate::error::Error;
use std::collections::HashMap;

/// Where the vendor-file format is documented, for help lines of an installed binary.
pub const DOCS_URL: &str = "https://github.com/vendorscan/vendorscan/blob/main/docs/vendors.md";

/// The database shipped in the binary (generated; see `docs/vendors.md`).
pub const EMBEDDED: &str = include_str!("../../known_vendors.json");

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchRule {
    /// A suffix rule: the host is this domain or below it.
    Domain(String),
    /// An exact-host rule.
    Host(String),
}

impl MatchRule {
    pub fn describe(&self) -> String {
        match self {
            MatchRule::Domain(d) => format!("domain {d}"),
            MatchRule::Host(h) => format!("host {h}"),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct VendorMatch<'a> {
    pub vendor: &'a Vendor,
    pub rule: &'a MatchRule,
}

#[derive(Debug, Clone)]
pub struct VendorDb {
    pub file: DbFile,
    /// Rule text -> (index into `file.vendors`, the rule). Kept as one map per rule type so
    /// an exact host can shadow a suffix rule of the same text.
    exact: HashMap<Box<str>, (usize, MatchRule)>,
    suffix: HashMap<Box<str>, (usize, MatchRule)>,
    /// Domain rule -> index into `file.incidents`, for incidents that make loading a host
    /// dangerous today.
    compromised: HashMap<Box<str>, usize>,
    /// Id -> index into `file.vendors` (the first entry of an id given twice):
    /// [`VendorDb::get`] is asked once per vendor seen, and a search of the whole list each
    /// time took a store with a thousand vendors milliseconds (issue #17).
    by_id: crate::model::FastMap<Box<str>, usize>,
}

/// The vendor database of a run, possibly still being read on a thread of its own.
///
/// A scan with no policy or vendor file to check before it starts needs the database only
/// when its first page is in: reading the built-in file (about 10 ms) then overlaps with
/// setting up the HTTP client and fetching the first pages, on a second core that would
/// otherwise wait (issue #17).
pub struct DbLoading {
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<Result<VendorDb, Error>>>>,
    db: std::sync::OnceLock<Result<VendorDb, Error>>,
}

impl DbLoading {
    /// A database already read.
    pub fn ready(db: VendorDb) -> Self {
        DbLoading { thread: std::sync::Mutex::new(None), db: std::sync::OnceLock::from(Ok(db)) }
    }

    /// The built-in database, read on a thread of its own (or here, when no thread can be
    /// started).
    pub fn embedded_in_background() -> Self {
        match std::thread::Builder::new().name("vendorscan-vendor-db".into()).spawn(VendorDb::embedded) {
            Ok(handle) => DbLoading { thread: std::sync::Mutex::new(Some(handle)), db: std::sync::OnceLock::new() },
            Err(_) => {
                DbLoading { thread: std::sync::Mutex::new(None), db: std::sync::OnceLock::from(VendorDb::embedded()) }
            }
        }
    }

    /// The database, waiting for it the first time if it is still being read.
    pub fn get(&self) -> Result<&VendorDb, Error> {
        let loaded = self.db.get_or_init(|| {
            let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
            match handle.map(std::thread::JoinHandle::join) {
                Some(Ok(read)) => read,
                Some(Err(_)) | None => Err(Error::input("the built-in vendor database could not be read")),
            }
        });
        loaded.as_ref().map_err(Clone::clone)
    }
}

impl VendorDb {
    /// The embedded database. It is checked by tests at build time, so failure here is a
    /// bug, but it still comes back as an error rather than a panic.
    pub fn embedded() -> Result<Self, Error> {
        let file: DbFile = serde_json::from_str(EMBEDDED)
            .map_err(|e| Error::input(format!("the built-in vendor database is invalid: {e}")))?;
        Ok(Self::from_file(file))
    }

    pub fn from_file(file: DbFile) -> Self {
        let mut db = VendorDb {
            file,
            exact: HashMap::new(),
            suffix: HashMap::new(),
            compromised: HashMap::new(),
            by_id: Default::default(),
        };
        db.reindex();
        db
    }

    fn reindex(&mut self) {
        self.exact.clear();
        self.suffix.clear();
        self.compromised.clear();
        self.by_id.clear();
        self.by_id.reserve(self.file.vendors.len());
        for (i, v) in self.file.vendors.iter().enumerate() {
            self.by_id.entry(v.id.as_str().into()).or_insert(i);
        }
        for (i, inc) in self.file.incidents.iter().enumerate().filter(|(_, i)| i.compromised) {
            for h in &inc.hosts {
                self.compromised.entry(h.as_str().into()).or_insert(i);
            }
        }
        for (i, v) in self.file.vendors.iter().enumerate() {
            for d in &v.domains {
                self.suffix.insert(d.as_str().into(), (i, MatchRule::Domain(d.clone())));
            }
            for h in &v.hosts {
                self.exact.insert(h.as_str().into(), (i, MatchRule::Host(h.clone())));
            }
        }
    }

    /// Merge a user's vendor file over this one: entries with a known id replace the
    /// built-in entry, new ids are added, and the user's domain rules win over built-in
    /// rules for the same domain (the user knows their own stack).
    pub fn merge_user(&mut self, user: DbFile) {
        let mut user_rules: Vec<&str> = Vec::new();
        for v in &user.vendors {
            user_rules.extend(v.domains.iter().map(String::as_str));
            user_rules.extend(v.hosts.iter().map(String::as_str));
        }
        let user_rules: std::collections::HashSet<String> = user_rules.into_iter().map(str::to_owned).collect();
        for v in &mut self.file.vendors {
            v.domains.retain(|d| !user_rules.contains(d));
            v.hosts.retain(|h| !user_rules.contains(h));
        }
        // By id through a map: a search of the list per user entry made a file of 100,000
        // vendors take minutes.
        let mut at: HashMap<String, usize> =
            self.file.vendors.iter().enumerate().map(|(i, v)| (v.id.clone(), i)).collect();
        for v in user.vendors {
            match at.get(&v.id) {
                Some(&i) => self.file.vendors[i] = v,
                None => {
                    at.insert(v.id.clone(), self.file.vendors.len());
                    self.file.vendors.push(v);
                }
            }
        }
        self.file.vendors.sort_by(|a, b| a.id.cmp(&b.id));
        self.reindex();
    }

    /// The database entry that matches a host (already lowercase ASCII, as `url` gives
    /// it; a trailing dot is ignored). This may be a hosting provider whose customers own
    /// the host: [`VendorDb::recipient`] is the vendor that receives the data.
    pub fn lookup(&self, host: &str) -> Option<VendorMatch<'_>> {
        let host = host.strip_suffix('.').unwrap_or(host);
        self.lookup_rules(host).or_else(|| {
            // Google serves the same services under every country domain
            // (adservice.google.co.uk, www.google.com.mx): read them as google.com.
            let domain = crate::scope::registrable_domain(host);
            domain.strip_prefix("google.").filter(|suffix| *suffix != "com")?;
            let sub = host.strip_suffix(&domain)?;
            self.lookup_rules(&format!("{sub}google.com"))
        })
    }

    fn lookup_rules(&self, host: &str) -> Option<VendorMatch<'_>> {
        if let Some((i, rule)) = self.exact.get(host) {
            return Some(VendorMatch { vendor: &self.file.vendors[*i], rule });
        }
        let mut rest = host;
        loop {
            if let Some((i, rule)) = self.suffix.get(rest) {
                return Some(VendorMatch { vendor: &self.file.vendors[*i], rule });
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// The vendor that receives what is sent to `host`: not a hosting provider matched only
    /// because the host is one of its customers' buckets or apps.
    pub fn recipient(&self, host: &str) -> Option<VendorMatch<'_>> {
        self.lookup(host).filter(|m| !m.vendor.customer_hosted)
    }

    /// The hosting provider a host belongs to when it is a customer's bucket or app (the
    /// recipient is that customer, whom the database cannot name).
    pub fn hosted_on(&self, host: &str) -> Option<&Vendor> {
        self.lookup(host).map(|m| m.vendor).filter(|v| v.customer_hosted)
    }

    /// The incident that makes loading `host` dangerous today, if any (the host or a
    /// domain above it is listed by a compromised incident).
    pub fn compromised(&self, host: &str) -> Option<&Incident> {
        let mut rest = host.strip_suffix('.').unwrap_or(host);
        loop {
            if let Some(&i) = self.compromised.get(rest) {
                return Some(&self.file.incidents[i]);
            }
            rest = rest.split_once('.')?.1;
        }
    }

    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.file.incidents.iter().find(|i| i.id == id)
    }

    /// The vendor with this id (the first in the file, should two share it).
    pub fn get(&self, id: &str) -> Option<&Vendor> {
        self.by_id.get(id).and_then(|&i| self.file.vendors.get(i))
    }

    pub fn vendors(&self) -> &[Vendor] {
        &self.file.vendors
    }

    /// Human description of a category id (falls back to the id).
    pub fn category_ids(&self) -> impl Iterator<Item = &str> {
        self.file.categories.iter().map(|t| t.id.as_str())
    }

    pub fn data_kind_ids(&self) -> impl Iterator<Item = &str> {
        self.file.data_kinds.iter().map(|t| t.id.as_str())
    }
}

/// Read and validate a user's vendor file; every problem is listed in the error.
pub fn load_user_file(path: &std::path::Path, builtin: &VendorDb) -> Result<DbFile, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("cannot read vendor file {}: {e}", path.display())))?;
    check_user_file(&text, builtin).map_err(|problems| {
        let shown: Vec<String> = problems.iter().take(10).map(|p| format!("{}:{p}", path.display())).collect();
        let more = problems.len().saturating_sub(10);
        let mut msg = format!("invalid vendor file {}:\n  {}", path.display(), shown.join("\n  "));
        if more > 0 {
            msg.push_str(&format!("\n  ... and {more} more"));
        }
        Error::input(msg).with_help(format!(
            "run `vendorscan vendors check {}` for the full list; the format is described in {DOCS_URL}",
            path.display()
        ))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Read in the background, the built-in database is the one read in place, and every
    /// caller gets that one copy.
    #[test]
    fn the_database_read_in_the_background_is_the_built_in_one() {
        let loading = DbLoading::embedded_in_background();
        let first = loading.get().expect("the built-in file loads");
        assert_eq!(first.file, VendorDb::embedded().expect("the built-in file loads").file);
        assert!(std::ptr::eq(first, loading.get().expect("still there")));
        let ready = DbLoading::ready(VendorDb::from_file(first.file.clone()));
        assert_eq!(ready.get().expect("ready").file.vendors.len(), first.file.vendors.len());
    }

    /// A vendor for tests: named and owned by its id, category `other`.
    pub(crate) fn vendor(id: &str, domains: &[&str], hosts: &[&str]) -> Vendor {
        Vendor {
            id: id.into(),
            name: id.into(),
            company: id.into(),
            categories: vec!["other".into()],
            domains: domains.iter().map(|s| s.to_string()).collect(),
            hosts: hosts.iter().map(|s| s.to_string()).collect(),
            ..Vendor::default()
        }
    }

    fn db(vendors: Vec<Vendor>) -> VendorDb {
        VendorDb::from_file(DbFile {
            schema_version: 1,
            db_version: String::new(),
            sources: vec![],
            categories: vec![],
            data_kinds: vec![],
            companies: vec![],
            incidents: vec![],
            vendors,
        })
    }

    fn id_of<'a>(db: &'a VendorDb, host: &str) -> Option<&'a str> {
        db.lookup(host).map(|m| m.vendor.id.as_str())
    }

    /// `get` reads an id index: it finds what a search of the list in file order finds, in
    /// a file out of id order, with an id given twice, and for ids it does not hold.
    #[test]
    fn get_finds_what_a_search_in_file_order_finds() {
        let mut twice = vendor("b", &["second-b.example"], &[]);
        twice.name = "the second b".into();
        let db = db(vec![
            vendor("m", &[], &[]),
            vendor("b", &["first-b.example"], &[]),
            vendor("z", &[], &[]),
            twice,
            vendor("a", &[], &[]),
        ]);
        for id in ["", "0", "a", "aa", "b", "c", "m", "n", "z", "zz"] {
            let want = db.vendors().iter().find(|v| v.id == id);
            assert_eq!(db.get(id).map(|v| (&v.id, &v.domains)), want.map(|v| (&v.id, &v.domains)), "{id:?}");
        }
        assert_eq!(db.get("b").map(|v| v.name.as_str()), Some("b"), "the first of two entries with one id");
        let builtin = VendorDb::embedded().unwrap();
        assert!(builtin.vendors().iter().all(|v| std::ptr::eq(builtin.get(&v.id).unwrap(), v)));
    }

    #[test]
    fn longest_suffix_on_label_boundary_wins() {
        let db = db(vec![
            vendor("google", &["google.com"], &[]),
            vendor("maps", &["maps.google.com"], &[]),
            vendor("one-distribution", &[], &["d1234.cloudfront.net"]),
        ]);
        assert_eq!(id_of(&db, "google.com"), Some("google"));
        assert_eq!(id_of(&db, "www.google.com"), Some("google"));
        assert_eq!(id_of(&db, "a.maps.google.com"), Some("maps"));
        assert_eq!(id_of(&db, "evil-google.com"), None);
        assert_eq!(id_of(&db, "google.com.evil.net"), None);
        assert_eq!(id_of(&db, "google.com."), Some("google"));
        assert_eq!(id_of(&db, "d1234.cloudfront.net"), Some("one-distribution"));
        assert_eq!(id_of(&db, "x.d1234.cloudfront.net"), None, "exact host rules do not cover subdomains");
        assert_eq!(id_of(&db, "d9999.cloudfront.net"), None);
        assert_eq!(id_of(&db, "127.0.0.1"), None);
        assert_eq!(id_of(&db, ""), None);
        let m = db.lookup("x.maps.google.com").unwrap();
        assert_eq!(m.rule, &MatchRule::Domain("maps.google.com".into()));
        // Country domains read as google.com, for every country and only for Google.
        assert_eq!(id_of(&db, "maps.google.co.uk"), Some("maps"));
        assert_eq!(id_of(&db, "www.google.com.mx"), Some("google"));
        assert_eq!(id_of(&db, "google.de"), Some("google"));
        assert_eq!(id_of(&db, "google.evil.com"), None);
        assert_eq!(id_of(&db, "notgoogle.de"), None);
    }

    #[test]
    fn customer_buckets_name_no_recipient() {
        let mut aws = vendor("aws", &["amazonaws.com"], &[]);
        aws.customer_hosted = true;
        let db = db(vec![aws, vendor("livechat", &["livechat.s3.amazonaws.com"], &[])]);
        assert_eq!(db.recipient("shop-app.s3.amazonaws.com").map(|m| m.vendor.id.as_str()), None);
        assert_eq!(db.hosted_on("shop-app.s3.amazonaws.com").map(|v| v.id.as_str()), Some("aws"));
        assert_eq!(db.recipient("livechat.s3.amazonaws.com").map(|m| m.vendor.id.as_str()), Some("livechat"));
        assert!(db.hosted_on("livechat.s3.amazonaws.com").is_none());
    }

    #[test]
    fn the_shipped_database_knows_the_polyfill_incident() {
        let db = VendorDb::embedded().unwrap();
        for host in ["cdn.polyfill.io", "polyfill.io", "cdn.bootcss.com"] {
            let inc = db.compromised(host).unwrap_or_else(|| panic!("{host} is not marked compromised"));
            assert_eq!(inc.id, "polyfill-io-2024");
        }
        assert!(db.compromised("cdnjs.cloudflare.com").is_none());
        assert!(db.compromised("notpolyfill.io").is_none());
    }

    #[test]
    fn user_entries_override_and_add() {
        let mut base = db(vec![vendor("acme", &["acme.com"], &[]), vendor("other", &["cdn.example.net"], &[])]);
        let mut replaced = vendor("acme", &["acme-cdn.com"], &[]);
        replaced.name = "Acme (ours)".into();
        let user = DbFile {
            schema_version: 1,
            db_version: String::new(),
            sources: vec![],
            categories: vec![],
            data_kinds: vec![],
            companies: vec![],
            incidents: vec![],
            vendors: vec![replaced, vendor("agency", &["cdn.example.net"], &[])],
        };
        base.merge_user(user);
        assert_eq!(base.lookup("x.acme-cdn.com").unwrap().vendor.name, "Acme (ours)");
        assert_eq!(id_of(&base, "acme.com"), None, "the replaced entry's old domains are gone");
        assert_eq!(id_of(&base, "cdn.example.net"), Some("agency"));
    }

    #[test]
    fn a_user_file_of_100000_vendors_merges() {
        let mut base = VendorDb::embedded().unwrap();
        let builtin = base.vendors().len();
        let mut user: Vec<Vendor> =
            (0..100_000).map(|i| vendor(&format!("v{i}"), &[&format!("v{i}.example.net")], &[])).collect();
        // An id the built-in database has is replaced, not added.
        user.push(vendor("stripe", &["pay.example.net"], &[]));
        let file = DbFile {
            schema_version: 1,
            db_version: String::new(),
            sources: vec![],
            categories: vec![],
            data_kinds: vec![],
            companies: vec![],
            incidents: vec![],
            vendors: user,
        };
        base.merge_user(file);
        assert_eq!(base.vendors().len(), builtin + 100_000);
        assert_eq!(id_of(&base, "cdn.v99999.example.net"), Some("v99999"));
        assert_eq!(id_of(&base, "pay.example.net"), Some("stripe"));
    }

    #[test]
    fn embedded_database_loads() {
        let db = VendorDb::embedded().expect("embedded db parses");
        assert!(db.vendors().len() > 100);
        assert_eq!(db.file.schema_version, SCHEMA_VERSION);
    }
}
