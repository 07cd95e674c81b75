//! The on-disk shape of `known_vendors.json` and of a user's `--vendors` file.
//!
//! Enters: JSON text. Leaves: typed [`DbFile`] / [`Vendor`] values. Documented in
//! `docs/vendors.md`; `schema_version` changes only with a deliberate format change.

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

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
    pub vendors: Vec<Vendor>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    pub company: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataReceived {
    pub kind: String,
    pub basis: Basis,
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
