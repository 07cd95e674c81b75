//! What a vendor-database upgrade changes (`vendorscan vendors diff OLD NEW`).
//!
//! Enters: two parsed database files (any schema version this build reads). Leaves: a
//! [`DbDiff`]: vendors added and removed, owners changed, rules (domains and hosts) added,
//! removed or moved to another vendor, statuses and incidents that are new. Everything is
//! sorted, so two runs print the same. It is what a team reads before bumping the
//! database in its gate: a removed id breaks a policy entry, a moved host changes which
//! entry approves it, a new owner is the `owner-changed` warning of the next scan.

use super::schema::{DbFile, Vendor};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DbDiff {
    pub old_version: String,
    pub new_version: String,
    /// Ids only in the new file, with the vendor's name and owner.
    pub added: Vec<VendorBrief>,
    /// Ids only in the old file: a policy entry naming one stops validating.
    pub removed: Vec<VendorBrief>,
    pub owner_changes: Vec<OwnerChange>,
    pub status_changes: Vec<StatusChange>,
    /// Rules whose vendor differs between the files (added, removed or moved).
    pub rules: Vec<RuleChange>,
    /// Incident ids only in the new file.
    pub new_incidents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VendorBrief {
    pub id: String,
    pub name: String,
    pub company: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OwnerChange {
    pub vendor: String,
    pub old_company: String,
    pub new_company: String,
    /// When the new file dates the change (`until` of the old owner), and its source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StatusChange {
    pub vendor: String,
    /// `active`, `discontinued` or `compromised`.
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RuleChange {
    /// `domain example.com` or `host a.example.com`.
    pub rule: String,
    /// The vendor id the rule named before (absent: the rule is new).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_vendor: Option<String>,
    /// The vendor id it names now (absent: the rule is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_vendor: Option<String>,
}

impl DbDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.owner_changes.is_empty()
            && self.status_changes.is_empty()
            && self.rules.is_empty()
            && self.new_incidents.is_empty()
    }
}

fn brief(v: &Vendor) -> VendorBrief {
    VendorBrief { id: v.id.clone(), name: v.name.clone(), company: v.company.clone() }
}

fn rules(db: &DbFile) -> BTreeMap<String, &str> {
    let mut out = BTreeMap::new();
    for v in &db.vendors {
        for d in &v.domains {
            out.insert(format!("domain {d}"), v.id.as_str());
        }
        for h in &v.hosts {
            out.insert(format!("host {h}"), v.id.as_str());
        }
    }
    out
}

fn state(v: &Vendor) -> String {
    v.status.as_ref().map_or("active", |s| s.state.as_str()).to_owned()
}

/// Compare two database files.
pub fn diff(old: &DbFile, new: &DbFile) -> DbDiff {
    let before: BTreeMap<&str, &Vendor> = old.vendors.iter().map(|v| (v.id.as_str(), v)).collect();
    let after: BTreeMap<&str, &Vendor> = new.vendors.iter().map(|v| (v.id.as_str(), v)).collect();
    let mut d =
        DbDiff { old_version: old.db_version.clone(), new_version: new.db_version.clone(), ..DbDiff::default() };
    d.added = after.iter().filter(|(id, _)| !before.contains_key(*id)).map(|(_, v)| brief(v)).collect();
    d.removed = before.iter().filter(|(id, _)| !after.contains_key(*id)).map(|(_, v)| brief(v)).collect();
    for (id, n) in &after {
        let Some(o) = before.get(id) else { continue };
        // A new spelling of the same company is not a new owner.
        if !n.owned_by(&o.company) {
            let dated = n
                .previous_owners
                .iter()
                .rev()
                .find(|p| super::company_key(&p.company) == super::company_key(&o.company));
            d.owner_changes.push(OwnerChange {
                vendor: id.to_string(),
                old_company: o.company.clone(),
                new_company: n.company.clone(),
                since: dated.map(|p| p.until.clone()),
                source: dated.map(|p| p.source.clone()),
            });
        }
        if state(o) != state(n) {
            d.status_changes.push(StatusChange { vendor: id.to_string(), old: state(o), new: state(n) });
        }
    }
    let (rb, ra) = (rules(old), rules(new));
    let all: BTreeSet<&String> = rb.keys().chain(ra.keys()).collect();
    for rule in all {
        let (o, n) = (rb.get(rule).copied(), ra.get(rule).copied());
        if o != n {
            d.rules.push(RuleChange {
                rule: rule.clone(),
                old_vendor: o.map(str::to_owned),
                new_vendor: n.map(str::to_owned),
            });
        }
    }
    let known: BTreeSet<&str> = old.incidents.iter().map(|i| i.id.as_str()).collect();
    d.new_incidents = new.incidents.iter().filter(|i| !known.contains(i.id.as_str())).map(|i| i.id.clone()).collect();
    d.new_incidents.sort();
    d
}

#[cfg(test)]
mod tests {
    use super::super::schema::{PreviousOwner, State, Status};
    use super::*;

    fn vendor(id: &str, company: &str, domains: &[&str]) -> Vendor {
        Vendor { company: company.into(), ..super::super::tests::vendor(id, domains, &[]) }
    }

    fn file(version: &str, vendors: Vec<Vendor>) -> DbFile {
        DbFile {
            schema_version: 2,
            db_version: version.into(),
            sources: vec![],
            categories: vec![],
            data_kinds: vec![],
            companies: vec![],
            incidents: vec![],
            vendors,
        }
    }

    #[test]
    fn an_upgrade_reads_as_added_removed_owners_statuses_and_rules() {
        let old = file(
            "1",
            vec![
                vendor("mparticle", "mParticle", &["mparticle.com"]),
                vendor("gone", "Gone Inc", &["gone.example"]),
                vendor("meta-pixel", "Meta", &["facebook.net"]),
                vendor("polyfill", "Polyfill", &["polyfill.io"]),
                vendor("cdn", "CDN", &["shared.example"]),
            ],
        );
        let mut rokt = vendor("mparticle", "Rokt", &["mparticle.com", "mparticle.net"]);
        rokt.previous_owners = vec![PreviousOwner {
            company: "mParticle".into(),
            company_id: None,
            until: "2025".into(),
            source: "https://example.com/rokt".into(),
        }];
        let mut polyfill = vendor("polyfill", "Polyfill", &["polyfill.io"]);
        polyfill.status = Some(Status { state: State::Compromised, since: "2024".into(), source: "https://x".into() });
        let new = file(
            "2",
            vec![
                rokt,
                Vendor {
                    company_id: Some("meta".into()),
                    ..vendor("meta-pixel", "Meta Platforms, Inc.", &["facebook.net"])
                },
                polyfill,
                vendor("cdn", "CDN", &[]),
                vendor("widget", "Widget Co", &["shared.example"]),
            ],
        );
        let d = diff(&old, &new);
        assert_eq!(d.added.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["widget"]);
        assert_eq!(d.removed.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["gone"]);
        assert_eq!(d.owner_changes.len(), 1, "Meta Platforms, Inc. (id meta) is Meta: {:?}", d.owner_changes);
        assert_eq!(d.owner_changes[0].new_company, "Rokt");
        assert_eq!(d.owner_changes[0].since.as_deref(), Some("2025"));
        assert_eq!(
            d.status_changes,
            [StatusChange { vendor: "polyfill".into(), old: "active".into(), new: "compromised".into() }]
        );
        let moved = d.rules.iter().find(|r| r.rule == "domain shared.example").unwrap();
        assert_eq!((moved.old_vendor.as_deref(), moved.new_vendor.as_deref()), (Some("cdn"), Some("widget")));
        assert!(d.rules.iter().any(|r| r.rule == "domain mparticle.net" && r.old_vendor.is_none()));
        assert!(d.rules.iter().any(|r| r.rule == "domain gone.example" && r.new_vendor.is_none()));
        assert!(diff(&new, &new).is_empty());
    }
}
