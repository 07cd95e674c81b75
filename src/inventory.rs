//! Classification and the inventory: from pages to "who receives what, where".
//!
//! Enters: the [`PageRecord`]s of a run, the [`Scope`] and the [`VendorDb`]. Leaves: a
//! [`Report`], the one model every renderer reads and the exact shape of the JSON output
//! (`schema_version` 1, documented in `docs/json-report.md`). Everything is sorted here,
//! once, so two runs over the same site give the same bytes.

use crate::baseline::Changes;
use crate::checks::Finding;
use crate::model::{PageOutcome, PageRecord, RawResource, ResourceKind};
use crate::scope::{Scope, registrable_domain};
use crate::vendors::{VendorDb, VendorMatch};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const REPORT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    First,
    Third,
}

/// First or third party, and the vendor when the database knows the host.
pub fn classify<'a>(res: &RawResource, scope: &Scope, db: &'a VendorDb) -> (Party, Option<VendorMatch<'a>>) {
    let host = res.url.host_str().unwrap_or("");
    let party = if scope.is_first_party(host) { Party::First } else { Party::Third };
    (party, db.lookup(host))
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// `crawl` (live site) or `local` (files on disk).
    pub mode: &'static str,
    pub targets: Vec<String>,
    pub first_party: Vec<String>,
    /// False when the run stopped before it was done (the list of pages is then partial).
    pub complete: bool,
    /// `--max-pages` turned away pages the crawl had found: the store has more pages than
    /// this report covers.
    pub page_limit_reached: bool,
    pub summary: Summary,
    pub pages: Vec<PageOut>,
    pub vendors: Vec<VendorOut>,
    pub companies: Vec<CompanyOut>,
    pub unknown_hosts: Vec<UnknownHost>,
    pub resources: Vec<ResourceOut>,
    /// The policy the run was checked against; absent when no policy was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyOut>,
    /// What the checks found (policy and baseline); sorted, most severe first.
    pub findings: Vec<Finding>,
    /// The comparison with `--baseline`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyOut {
    /// The policy file, if one was read.
    pub file: Option<String>,
    /// The least severe finding that fails the run: `error`, `warning` or `never`.
    pub fail_on: String,
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    pub vendor_db_version: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub pages_scanned: usize,
    pub pages_failed: usize,
    pub pages_skipped: usize,
    pub resources: usize,
    pub third_party_resources: usize,
    pub third_party_hosts: usize,
    pub vendors: usize,
    pub companies: usize,
    pub unknown_hosts: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageOut {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub depth: u32,
    pub status: Option<u16>,
    pub outcome: PageOutcome,
    pub error: Option<String>,
    pub truncated: bool,
    pub resources: usize,
    /// In PCI DSS scope: matched `[payment-pages] paths`, or has card fields (card number,
    /// CVC, expiry; when `detect` is on).
    pub payment_page: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TagIdOut {
    pub kind: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataOut {
    pub kind: String,
    pub basis: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorOut {
    pub id: String,
    pub name: String,
    pub company: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub categories: Vec<String>,
    pub data_received: Vec<DataOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_policy: Option<String>,
    /// The hosts seen on this run, and the database rule each matched.
    pub hosts: Vec<HostOut>,
    pub pages: Vec<String>,
    /// How the vendor is referenced; empty when only a tag ID in a script names it.
    pub kinds: Vec<ResourceKind>,
    pub tag_ids: Vec<TagIdOut>,
    pub resources: usize,
    /// True when the resources are all first party (e.g. the store runs on this platform's domain).
    pub first_party: bool,
    /// The policy entry that approves this vendor (absent without a policy or approval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// e.g. `allow[0] vendor = "stripe" (vendorscan.toml:5)`
    pub entry: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HostOut {
    pub host: String,
    pub matched: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompanyOut {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub vendors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnknownHost {
    pub host: String,
    pub registrable_domain: String,
    pub pages: Vec<String>,
    pub kinds: Vec<ResourceKind>,
    pub resources: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceOut {
    pub url: String,
    pub host: String,
    pub kind: ResourceKind,
    pub page: String,
    pub line: u32,
    pub party: Party,
    pub vendor: Option<String>,
    pub element: String,
    pub attribute: String,
    pub raw: String,
    pub in_noscript: bool,
    pub attributes: BTreeMap<String, String>,
    /// Digest of the script body (`--hash-scripts`, third-party scripts on payment pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentHash>,
    /// Why `--hash-scripts` could not fetch the script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ContentHash {
    /// Hex SHA-256 of the body as served (after HTTP decompression).
    pub sha256: String,
    /// The SRI value for an `integrity` attribute (`sha384-...`).
    pub sri: String,
}

/// What the run was pointed at, for the report header.
pub struct RunInfo<'a> {
    pub mode: &'static str,
    pub targets: Vec<String>,
    pub scope: &'a Scope,
    pub complete: bool,
    pub page_limit_reached: bool,
    /// `[payment-pages] paths` from the policy.
    pub payment_paths: Option<globset::GlobSet>,
    /// Treat pages with card inputs as payment pages.
    pub detect_payment_pages: bool,
}

#[derive(Default)]
struct VendorAcc {
    hosts: BTreeSet<HostOut>,
    pages: BTreeSet<String>,
    kinds: BTreeSet<ResourceKind>,
    tag_ids: BTreeSet<TagIdOut>,
    resources: usize,
    third_party: bool,
}

#[derive(Default)]
struct UnknownAcc {
    pages: BTreeSet<String>,
    kinds: BTreeSet<ResourceKind>,
    resources: usize,
}

pub fn build(pages: Vec<PageRecord>, info: RunInfo, db: &VendorDb) -> Report {
    let mut vendors: BTreeMap<String, VendorAcc> = BTreeMap::new();
    let mut unknown: BTreeMap<String, UnknownAcc> = BTreeMap::new();
    let mut third_hosts: BTreeSet<String> = BTreeSet::new();
    let mut resources = Vec::new();
    let mut summary = Summary::default();
    let mut page_out = Vec::with_capacity(pages.len());

    for page in pages {
        match page.outcome {
            PageOutcome::Scanned => summary.pages_scanned += 1,
            PageOutcome::Failed => summary.pages_failed += 1,
            PageOutcome::Skipped => summary.pages_skipped += 1,
        }
        // The page as a user knows it: where the content came from.
        let page_url = page.final_url.clone().unwrap_or_else(|| page.url.clone());
        for res in &page.resources {
            let host = res.url.host_str().unwrap_or("").to_owned();
            let (party, found) = classify(res, info.scope, db);
            if party == Party::Third {
                summary.third_party_resources += 1;
                third_hosts.insert(host.clone());
            }
            let vendor_id = found.map(|m| m.vendor.id.clone());
            match (&found, party) {
                (Some(m), _) => {
                    let acc = vendors.entry(m.vendor.id.clone()).or_default();
                    acc.hosts.insert(HostOut { host: host.clone(), matched: m.rule.describe() });
                    acc.pages.insert(page_url.clone());
                    acc.kinds.insert(res.kind);
                    acc.resources += 1;
                    acc.third_party |= party == Party::Third;
                }
                (None, Party::Third) => {
                    let acc = unknown.entry(host.clone()).or_default();
                    acc.pages.insert(page_url.clone());
                    acc.kinds.insert(res.kind);
                    acc.resources += 1;
                }
                (None, Party::First) => {}
            }
            resources.push(ResourceOut {
                url: res.url.to_string(),
                host,
                kind: res.kind,
                page: page_url.clone(),
                line: res.evidence.line,
                party,
                vendor: vendor_id,
                element: res.evidence.element.clone(),
                attribute: res.evidence.attribute.clone(),
                raw: res.evidence.raw.clone(),
                in_noscript: res.evidence.in_noscript,
                attributes: res.evidence.attrs.clone(),
                content: None,
                content_error: None,
            });
        }
        // A tag ID names the account that receives the data. It also names the vendor when
        // the vendor's own host is not in the markup (GA4's `G-` ID is loaded through
        // googletagmanager.com, the data goes to google-analytics.com).
        for tag in &page.tag_ids {
            if let Some(m) = db.lookup(tag.vendor_host) {
                let acc = vendors.entry(m.vendor.id.clone()).or_default();
                acc.tag_ids.insert(TagIdOut { kind: tag.kind, value: tag.value.clone() });
                acc.pages.insert(page_url.clone());
                acc.third_party |= !info.scope.is_first_party(tag.vendor_host);
            }
        }
        page_out.push(PageOut {
            url: page.url,
            final_url: page.final_url,
            file: page.file,
            depth: page.depth,
            status: page.status,
            outcome: page.outcome,
            error: page.error,
            truncated: page.truncated,
            resources: page.resources.len(),
            payment_page: page.sensitive_inputs && info.detect_payment_pages
                || info.payment_paths.as_ref().is_some_and(|g| g.is_match(page_path(&page_url))),
        });
    }

    let mut vendor_out: Vec<VendorOut> = vendors
        .into_iter()
        .filter_map(|(id, acc)| {
            let v = db.get(&id)?;
            Some(VendorOut {
                id,
                name: v.name.clone(),
                company: v.company.clone(),
                parent: v.parent.clone(),
                categories: v.categories.clone(),
                data_received: v
                    .data_received
                    .iter()
                    .map(|d| DataOut { kind: d.kind.clone(), basis: d.basis.as_str() })
                    .collect(),
                homepage: v.homepage.clone(),
                privacy_policy: v.privacy_policy.clone(),
                hosts: acc.hosts.into_iter().collect(),
                pages: acc.pages.into_iter().collect(),
                kinds: acc.kinds.into_iter().collect(),
                tag_ids: acc.tag_ids.into_iter().collect(),
                resources: acc.resources,
                first_party: !acc.third_party,
                approval: None,
            })
        })
        .collect();
    vendor_out.sort_by(|a, b| a.id.cmp(&b.id));

    let mut companies: BTreeMap<&str, CompanyOut> = BTreeMap::new();
    for v in vendor_out.iter().filter(|v| !v.first_party) {
        companies
            .entry(&v.company)
            .or_insert_with(|| CompanyOut { name: v.company.clone(), parent: v.parent.clone(), vendors: vec![] })
            .vendors
            .push(v.id.clone());
    }
    let companies: Vec<CompanyOut> = companies.into_values().collect();

    let mut unknown_hosts: Vec<UnknownHost> = unknown
        .into_iter()
        .map(|(host, acc)| UnknownHost {
            registrable_domain: registrable_domain(&host),
            host,
            pages: acc.pages.into_iter().collect(),
            kinds: acc.kinds.into_iter().collect(),
            resources: acc.resources,
        })
        .collect();
    unknown_hosts.sort_by(|a, b| (&a.registrable_domain, &a.host).cmp(&(&b.registrable_domain, &b.host)));

    page_out.sort_by(|a, b| a.url.cmp(&b.url));
    resources.sort_by(|a, b| (&a.page, a.line, &a.url, a.kind).cmp(&(&b.page, b.line, &b.url, b.kind)));

    summary.resources = resources.len();
    summary.third_party_hosts = third_hosts.len();
    summary.vendors = vendor_out.iter().filter(|v| !v.first_party).count();
    summary.companies = companies.len();
    summary.unknown_hosts = unknown_hosts.len();

    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            vendor_db_version: db.file.db_version.clone(),
        },
        mode: info.mode,
        targets: info.targets,
        first_party: info.scope.domains().map(str::to_owned).collect(),
        complete: info.complete,
        page_limit_reached: info.page_limit_reached,
        summary,
        pages: page_out,
        vendors: vendor_out,
        companies,
        unknown_hosts,
        resources,
        policy: None,
        findings: Vec::new(),
        changes: None,
    }
}

/// The path of a page URL, as policy patterns see it (`/checkout/`); the whole string
/// when it is not a URL.
pub fn page_path(page: &str) -> &str {
    match page.find("://") {
        Some(i) => {
            let rest = &page[i + 3..];
            let path = rest.find('/').map_or("/", |j| &rest[j..]);
            path.split(['?', '#']).next().unwrap_or(path)
        }
        None => page,
    }
}
