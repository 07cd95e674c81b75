//! Change detection: this run against an earlier JSON report.
//!
//! Enters: two inventories (the baseline's, read from a JSON report on disk, and the
//! current [`Inventory`] as built). Leaves:
//! [`Changes`]: vendors and third-party hosts added and removed, third-party scripts added
//! to or removed from pages, and scripts whose `integrity` or content hash changed (same
//! URL, different bytes: PCI DSS 11.6.1). `vendorscan diff OLD NEW` prints the same.

use crate::error::Error;
use crate::inventory::{ContentHash, Inventory, Party};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The parts of a JSON report (schema 1, 2 or 3) a comparison needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportView {
    pub schema_version: u32,
    pub tool: ToolView,
    #[serde(default)]
    pub vendors: Vec<VendorView>,
    #[serde(default)]
    pub unknown_hosts: Vec<HostView>,
    #[serde(default)]
    pub resources: Vec<ResourceView>,
    #[serde(default)]
    pub pages: Vec<PageView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ToolView {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VendorView {
    pub id: String,
    #[serde(default)]
    pub first_party: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HostView {
    pub host: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PageView {
    pub url: String,
    #[serde(default)]
    pub final_url: Option<String>,
    #[serde(default)]
    pub payment_page: bool,
}

impl PageView {
    /// The URL its references name: the final URL after redirects.
    fn name(&self) -> &str {
        self.final_url.as_deref().unwrap_or(&self.url)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResourceView {
    pub url: String,
    pub host: String,
    pub kind: String,
    /// Schema 1: one resource per occurrence, with its page.
    #[serde(default)]
    pub page: Option<String>,
    /// Schema 2 and 3: one resource with the pages it occurs on.
    #[serde(default)]
    pub occurrences: Vec<OccurrenceView>,
    pub party: String,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub content: Option<ContentHash>,
    #[serde(default)]
    pub content_error: Option<String>,
}

/// The page of one occurrence: named by URL (schema 2, `{"page": URL, ...}`) or by its
/// index in `pages` (schema 3, `[page, line, ...]`). The rest of an occurrence is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OccurrenceView {
    Url(String),
    Index(usize),
}

impl<'de> Deserialize<'de> for OccurrenceView {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OccurrenceView;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an occurrence: [page index, line, ...] or {\"page\": URL, ...}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OccurrenceView, A::Error> {
                let page: usize = seq.next_element()?.ok_or_else(|| A::Error::invalid_length(0, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(OccurrenceView::Index(page))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OccurrenceView, A::Error> {
                let mut page = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
                    if key == "page" {
                        page = Some(map.next_value::<String>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                page.map(OccurrenceView::Url).ok_or_else(|| A::Error::missing_field("page"))
            }
        }
        d.deserialize_any(V)
    }
}

impl ReportView {
    /// The pages a resource is on, whichever schema wrote it. An index past the page list
    /// (a report edited by hand) names no page.
    pub fn pages_of<'a>(&'a self, r: &'a ResourceView) -> impl Iterator<Item = &'a str> + 'a {
        r.page.as_deref().into_iter().chain(r.occurrences.iter().filter_map(|o| match o {
            OccurrenceView::Url(u) => Some(u.as_str()),
            OccurrenceView::Index(i) => self.pages.get(*i).map(PageView::name),
        }))
    }
}

/// The schemas a baseline may have: 1 (before resources were grouped), 2 (before pages
/// were indexed) and the current one.
const READABLE_SCHEMAS: [u32; 3] = [1, 2, crate::inventory::REPORT_SCHEMA_VERSION];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// The baseline file compared with.
    pub baseline: String,
    pub new_vendors: Vec<String>,
    pub removed_vendors: Vec<String>,
    /// Third-party hosts (known or not).
    pub new_hosts: Vec<String>,
    pub removed_hosts: Vec<String>,
    pub new_scripts: Vec<ScriptRef>,
    pub removed_scripts: Vec<ScriptRef>,
    pub changed_scripts: Vec<ScriptChange>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.new_vendors.is_empty()
            && self.removed_vendors.is_empty()
            && self.new_hosts.is_empty()
            && self.removed_hosts.is_empty()
            && self.new_scripts.is_empty()
            && self.removed_scripts.is_empty()
            && self.changed_scripts.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScriptRef {
    pub page: String,
    pub url: String,
    pub vendor: Option<String>,
    pub payment_page: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScriptChange {
    pub page: String,
    pub url: String,
    pub vendor: Option<String>,
    pub payment_page: bool,
    pub what: Changed,
    pub before: String,
    pub after: String,
}

/// What changed about a script that kept its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Changed {
    /// The `integrity` attribute.
    Integrity,
    /// The body's digest (`--hash-scripts` in both runs).
    Content,
}

impl Changed {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Read an earlier JSON report, straight from the file (a 10,000-page report is never held
/// as text).
pub fn load(path: &Path) -> Result<ReportView, Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::input(format!("cannot read baseline {}: {e}", path.display())).with_help(
            "a baseline is an earlier `vendorscan scan ... -f json -o FILE`; on a first run, make one without --baseline",
        )
    })?;
    let view: ReportView = serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
        Error::input(format!("{} is not a vendorscan JSON report: {e}", path.display()))
            .with_help("a baseline is the output of `vendorscan scan ... -f json -o FILE`")
    })?;
    if view.tool.name != env!("CARGO_PKG_NAME") {
        return Err(Error::input(format!(
            "{} is not a vendorscan report (tool.name is \"{}\")",
            path.display(),
            view.tool.name
        ))
        .with_help("a baseline is the output of `vendorscan scan ... -f json -o FILE`"));
    }
    if !READABLE_SCHEMAS.contains(&view.schema_version) {
        return Err(Error::input(format!(
            "{} has schema_version {}, this vendorscan reads 1 to {}",
            path.display(),
            view.schema_version,
            crate::inventory::REPORT_SCHEMA_VERSION
        ))
        .with_help("make a new baseline with this version of vendorscan"));
    }
    Ok(view)
}

/// The current inventory seen as a baseline would be: the fields the comparison reads,
/// copied (not a round trip through JSON, which would hold the whole report as a tree).
pub fn view_of(inventory: &Inventory) -> ReportView {
    ReportView {
        schema_version: inventory.schema_version,
        tool: ToolView { name: inventory.tool.name.to_owned() },
        vendors: inventory
            .vendors
            .iter()
            .map(|v| VendorView { id: v.id.clone(), first_party: v.first_party })
            .collect(),
        unknown_hosts: inventory.unknown_hosts.iter().map(|u| HostView { host: u.host.clone() }).collect(),
        resources: inventory
            .resources
            .iter()
            .map(|r| ResourceView {
                url: r.url.clone(),
                host: r.host.clone(),
                kind: r.kind.as_str().to_owned(),
                page: None,
                occurrences: r.occurrences.iter().map(|o| OccurrenceView::Index(o.page as usize)).collect(),
                party: match r.party {
                    Party::First => "first",
                    Party::Third => "third",
                }
                .to_owned(),
                vendor: r.vendor.clone(),
                attributes: r.attributes.clone(),
                content: r.content.clone(),
                content_error: r.content_error.clone(),
            })
            .collect(),
        pages: inventory
            .pages
            .iter()
            .map(|p| PageView { url: p.url.clone(), final_url: p.final_url.clone(), payment_page: p.payment_page })
            .collect(),
    }
}

/// (vendor, integrity, content digest, content error, on a payment page)
type ScriptInfo<'a> = (Option<&'a String>, Option<&'a String>, Option<&'a ContentHash>, Option<&'a String>, bool);

fn third_party_scripts(v: &ReportView) -> BTreeMap<(&str, &str), ScriptInfo<'_>> {
    // Resources name their page by its final URL (after redirects).
    let payment: BTreeSet<&str> = v.pages.iter().filter(|p| p.payment_page).map(PageView::name).collect();
    v.resources
        .iter()
        .filter(|r| r.party == "third" && r.kind == "script")
        .flat_map(|r| v.pages_of(r).map(move |page| (page, r)))
        .map(|(page, r)| {
            (
                (page, r.url.as_str()),
                (
                    r.vendor.as_ref(),
                    r.attributes.get("integrity"),
                    r.content.as_ref(),
                    r.content_error.as_ref(),
                    payment.contains(page),
                ),
            )
        })
        .collect()
}

pub fn compare(baseline_name: &str, old: &ReportView, new: &ReportView) -> Changes {
    let vendors = |v: &ReportView| -> BTreeSet<String> {
        v.vendors.iter().filter(|x| !x.first_party).map(|x| x.id.clone()).collect()
    };
    let hosts = |v: &ReportView| -> BTreeSet<String> {
        v.resources.iter().filter(|r| r.party == "third").map(|r| r.host.clone()).collect()
    };
    let (ov, nv) = (vendors(old), vendors(new));
    let (oh, nh) = (hosts(old), hosts(new));
    let (os, ns) = (third_party_scripts(old), third_party_scripts(new));
    let script_ref = |(page, url): &(&str, &str), info: &ScriptInfo| ScriptRef {
        page: (*page).to_owned(),
        url: (*url).to_owned(),
        vendor: info.0.cloned(),
        payment_page: info.4,
    };
    let mut changed = Vec::new();
    for (key, new_info) in &ns {
        let Some(old_info) = os.get(key) else { continue };
        let base = |what, before: String, after: String| ScriptChange {
            page: key.0.to_owned(),
            url: key.1.to_owned(),
            vendor: new_info.0.cloned(),
            payment_page: new_info.4,
            what,
            before,
            after,
        };
        if old_info.1 != new_info.1 {
            let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(none)".into());
            changed.push(base(Changed::Integrity, show(old_info.1), show(new_info.1)));
        }
        // Comparable when both runs hashed the script. A script that had a digest and now
        // cannot be fetched is a change too: a skimmer may serve the scanner an error.
        match (old_info.2, new_info.2, new_info.3) {
            (Some(a), Some(b), _) if a.sha256 != b.sha256 => {
                changed.push(base(Changed::Content, a.sha256.clone(), b.sha256.clone()))
            }
            (Some(a), None, Some(err)) => {
                changed.push(base(Changed::Content, a.sha256.clone(), format!("(could not be fetched: {err})")))
            }
            _ => {}
        }
    }
    changed.sort();
    Changes {
        baseline: baseline_name.to_owned(),
        new_vendors: nv.difference(&ov).cloned().collect(),
        removed_vendors: ov.difference(&nv).cloned().collect(),
        new_hosts: nh.difference(&oh).cloned().collect(),
        removed_hosts: oh.difference(&nh).cloned().collect(),
        new_scripts: ns.iter().filter(|(k, _)| !os.contains_key(*k)).map(|(k, i)| script_ref(k, i)).collect(),
        removed_scripts: os.iter().filter(|(k, _)| !ns.contains_key(*k)).map(|(k, i)| script_ref(k, i)).collect(),
        changed_scripts: changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(json: &str) -> ReportView {
        serde_json::from_str(json).unwrap()
    }

    /// A baseline written before resources were grouped (schema 1) compares with a schema 2
    /// report of the same site as "no change", and a script added since shows as new; a
    /// schema 3 report (pages by index) reads as its schema 2 twin.
    #[test]
    fn baselines_of_every_schema_read_the_same() {
        let v1 = view(
            r#"{"schema_version": 1, "tool": {"name": "vendorscan"},
            "pages": [{"url": "https://s.example/"}, {"url": "https://s.example/cart"}],
            "resources": [
              {"url": "https://js.vendor.example/a.js", "host": "js.vendor.example", "kind": "script",
               "page": "https://s.example/", "party": "third", "vendor": null},
              {"url": "https://js.vendor.example/a.js", "host": "js.vendor.example", "kind": "script",
               "page": "https://s.example/cart", "party": "third", "vendor": null}]}"#,
        );
        let v2 = view(
            r#"{"schema_version": 2, "tool": {"name": "vendorscan"},
            "pages": [{"url": "https://s.example/"}, {"url": "https://s.example/cart"}],
            "resources": [
              {"url": "https://js.vendor.example/a.js", "host": "js.vendor.example", "kind": "script",
               "party": "third", "vendor": null,
               "occurrences": [{"page": "https://s.example/", "line": 3}, {"page": "https://s.example/cart", "line": 3}]},
              {"url": "https://js.vendor.example/b.js", "host": "js.vendor.example", "kind": "script",
               "party": "third", "vendor": null, "occurrences": [{"page": "https://s.example/cart", "line": 9}]}]}"#,
        );
        let same = compare("old.json", &v1, &v1);
        assert!(same.is_empty());
        let changes = compare("old.json", &v1, &v2);
        let new: Vec<(&str, &str)> = changes.new_scripts.iter().map(|s| (s.page.as_str(), s.url.as_str())).collect();
        assert_eq!(new, [("https://s.example/cart", "https://js.vendor.example/b.js")]);
        assert!(changes.removed_scripts.is_empty() && changes.new_hosts.is_empty(), "{changes:?}");
        assert_eq!(third_party_scripts(&v1).len(), 2, "one entry per page in either schema");
        // Schema 3 names pages by index; a page that was redirected by its final URL.
        let v3 = view(
            r#"{"schema_version": 3, "tool": {"name": "vendorscan"},
            "pages": [{"url": "https://s.example/"}, {"url": "https://s.example/basket", "final_url": "https://s.example/cart"}],
            "resources": [
              {"url": "https://js.vendor.example/a.js", "host": "js.vendor.example", "kind": "script",
               "party": "third", "vendor": null, "occurrences": [[0, 3], [1, 3, "both", {"count": 1}]]},
              {"url": "https://js.vendor.example/b.js", "host": "js.vendor.example", "kind": "script",
               "party": "third", "vendor": null, "occurrences": [[1, 9], [7, 1]]}]}"#,
        );
        assert!(compare("old.json", &v2, &v3).is_empty(), "{:?}", compare("old.json", &v2, &v3));
        assert_eq!(compare("old.json", &v1, &v3), changes);
        let pages: Vec<&str> = v3.pages_of(&v3.resources[1]).collect();
        assert_eq!(pages, ["https://s.example/cart"], "an index past the pages names none");
    }
}
