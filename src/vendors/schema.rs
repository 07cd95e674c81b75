//! The on-disk shape of `known_vendors.json` and of a user's `--vendors` file.
//!
//! Enters: JSON text. Leaves: typed [`DbFile`] / [`Vendor`] values. Documented in
//! `docs/vendors.md`; `schema_version` changes only with a deliberate format change.
//!
//! Version 2 added who owns a vendor as data (`companies`, `company_id`,
//! `previous_owners`, `status`, `verified`), `incidents`, `customer_hosted`, a citation
//! per documented data kind and the curators' `note`. Every field it added is optional,
//! so a user's version-1 file still reads.

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 2;
/// User files written for the first format are still accepted.
pub const OLDEST_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbFile {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub db_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Term>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_kinds: Vec<Term>,
    /// Every company a vendor's `company_id` or a `previous_owners` entry names, once, with
    /// one spelling.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub companies: Vec<Company>,
    /// Supply-chain attacks and data breaches, with the hosts and vendors they concern.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<Incident>,
    pub vendors: Vec<Vendor>,
}

/// A company that owns (or owned) vendors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Company {
    pub id: String,
    pub name: String,
    /// What kind of owner this is, when it matters to a store (a retailer competes with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OwnerKind>,
    /// The id of the company that owns this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
}

/// Owners a store may want to treat differently.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum OwnerKind {
    /// Sells to shoppers itself, so it competes with the store for the same customers.
    Retailer,
    /// Runs a marketplace where other sellers reach the same shoppers (and it often sells
    /// too).
    Marketplace,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An owner a vendor had before its current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousOwner {
    /// The company's name then (a `companies` id is in `company_id`).
    pub company: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// When it stopped being the owner: `YYYY` or `YYYY-MM-DD`.
    pub until: String,
    /// Where the change is documented.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    pub state: State,
    /// `YYYY` or `YYYY-MM-DD`.
    pub since: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum State {
    /// The product is shut down: a tag still on the page sends data nowhere useful, or to
    /// whoever holds the domain now.
    Discontinued,
    /// Loading it is dangerous now (the domain or its scripts are in hostile hands).
    Compromised,
}

impl State {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A documented security incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub id: String,
    /// `YYYY-MM-DD` (or `YYYY-MM` / `YYYY` when that is all that is known).
    pub date: String,
    pub kind: IncidentKind,
    /// True when loading one of `hosts` today is itself dangerous (`compromised-host`).
    #[serde(default)]
    pub compromised: bool,
    /// Domain rules (the host and every subdomain) the incident concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Vendor ids the incident concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendors: Vec<String>,
    pub summary: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum IncidentKind {
    /// The vendor's script or domain served malicious code to the sites loading it.
    SupplyChain,
    /// Data the vendor held about its customers' visitors was stolen or exposed.
    DataBreach,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where entries come from, with the licence and attribution that must travel with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub url: String,
    pub licence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

/// A vocabulary entry (category or data kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub id: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    /// The company that owns the vendor now, by name (`company_id` is its id).
    pub company: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// The name of the company that owns `company`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What kind of owner the vendor has, when it competes with a store (from its
    /// company, or set for one product of a company).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_kind: Option<OwnerKind>,
    /// Owners before the current one, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_owners: Vec<PreviousOwner>,
    /// Absent while the product is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// When a curator last checked the owner (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
    /// A hosting provider whose subdomains are its customers' (buckets, apps): a match
    /// says where a file is hosted, not who receives the visitor's data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub customer_hosted: bool,
    pub categories: Vec<String>,
    /// Suffix rules: the domain and every subdomain, on a label boundary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    /// Exact-host rules, for shared domains that must not be claimed whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_received: Vec<DataReceived>,
    /// Incident ids (in the file's `incidents`) that concern this vendor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// What a curator noted about the entry (why a domain is there, what was checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Vendor {
    /// Is the vendor owned by this company, named as a person would (any spelling:
    /// "Meta", "Meta Platforms, Inc." and the id `meta` alike), directly or as the parent?
    pub fn owned_by(&self, company: &str) -> bool {
        let want = super::company_key(company);
        !want.is_empty()
            && [Some(self.company.as_str()), self.company_id.as_deref(), self.parent.as_deref()]
                .into_iter()
                .flatten()
                .any(|c| super::company_key(c) == want)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataReceived {
    pub kind: String,
    pub basis: Basis,
    /// Where the vendor documents it (for `documented`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// How we know a vendor receives a kind of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Basis {
    /// Every request to the vendor carries it (IP address, user agent).
    Inherent,
    /// The vendor documents collecting it.
    Documented,
    /// Typical for the vendor's category; not checked for this vendor.
    Inferred,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
