//! The JSON report, `schema_version` 3 (documented in `docs/json-report.md`, checked against
//! `tests/schemas/report-v3.json`).
//!
//! Enters: a [`Report`]. Leaves: the inventory's fields in their documented order, with the
//! assessment placed where the schema has it: each vendor's `approval`, then `policy` (the
//! verdict), `findings` and `changes` at the end. It is serialised straight into the output
//! (a buffered file), never built as a string or a tree first; arrays of numbers and of
//! arrays (page indexes, `[page, line]` occurrences) are written on one line each.

use super::Report;
use crate::baseline::Changes;
use crate::checks::{Approval, Finding};
use crate::inventory::{
    BrowserOut, CompanyOut, CookieOut, Inventory, Mode, PageOut, ResourceOut, Stopped, StorageOut, Summary, Tool,
    UnknownHost, VendorOut,
};
use serde::Serialize;
use std::io::{self, Write};

/// The report as written: borrowed, in field order. A test holds the inventory part to
/// [`Inventory`]'s own serialization, so a field added there cannot be forgotten here.
#[derive(Serialize)]
struct Json<'a> {
    schema_version: u32,
    tool: &'a Tool,
    mode: Mode,
    targets: &'a [String],
    first_party: &'a [String],
    complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<Stopped>,
    page_limit_reached: bool,
    summary: &'a Summary,
    pages: &'a [PageOut],
    vendors: Vec<VendorJson<'a>>,
    companies: &'a [CompanyOut],
    unknown_hosts: &'a [UnknownHost],
    resources: &'a [ResourceOut],
    #[serde(skip_serializing_if = "Option::is_none")]
    cookies: Option<&'a [CookieOut]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    storage: Option<&'a [StorageOut]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    browser: Option<&'a BrowserOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a super::Verdict>,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'a Changes>,
}

#[derive(Serialize)]
struct VendorJson<'a> {
    #[serde(flatten)]
    vendor: &'a VendorOut,
    /// The policy entry that approves this vendor (absent without a policy or approval).
    #[serde(skip_serializing_if = "Option::is_none")]
    approval: Option<&'a Approval>,
}

fn json(report: &Report) -> Json<'_> {
    let Inventory {
        schema_version,
        tool,
        mode,
        targets,
        first_party,
        complete,
        stopped,
        page_limit_reached,
        summary,
        pages,
        vendors,
        companies,
        unknown_hosts,
        resources,
        cookies,
        storage,
        browser,
    } = &report.inventory;
    Json {
        schema_version: *schema_version,
        tool,
        mode: *mode,
        targets,
        first_party,
        complete: *complete,
        stopped: *stopped,
        page_limit_reached: *page_limit_reached,
        summary,
        pages,
        vendors: vendors.iter().map(|v| VendorJson { vendor: v, approval: report.approval(&v.id) }).collect(),
        companies,
        unknown_hosts,
        resources,
        cookies: cookies.as_deref(),
        storage: storage.as_deref(),
        browser: browser.as_ref(),
        policy: report.verdict.as_ref(),
        findings: &report.findings,
        changes: report.changes.as_ref(),
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // The serializer writes a few bytes at a time (a bracket, a number, an indentation),
    // millions of writes for a large report: into a buffer of a known type they are copies,
    // where each was a call through `dyn Write` (a quarter of the report's writing time).
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    // Control, bidi and CI-command characters from the site written as \u escapes: the
    // data reads back the same, and a CI log that prints the file shows no raw command.
    let mut ser = serde_json::Serializer::with_formatter(&mut out, crate::sanitize::SafeJson::report());
    json(report).serialize(&mut ser)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{RunInfo, build};
    use crate::model::{PageOutcome, PageRecord};
    use crate::scope::Scope;
    use crate::vendors::VendorDb;

    /// An unjudged report is its inventory plus an empty `findings`: the destructuring in
    /// [`json`] names every field, and this holds their order and spelling to the
    /// inventory's own.
    #[test]
    fn the_inventory_part_is_the_inventory() {
        let db = VendorDb::embedded().unwrap();
        let scope = Scope::new(["shop.example"], std::iter::empty());
        let url = url::Url::parse("https://shop.example/").unwrap();
        let html = r#"<script src="https://www.googletagmanager.com/gtm.js?id=GTM-ABC1234"></script>
            <img src="https://pixel.unknown-tracker.example/p.gif" width=1 height=1>"#;
        let found = crate::extract::extract(&url, html);
        let mut page = PageRecord::without_content(url.to_string(), 0, PageOutcome::Scanned, String::new());
        page.error = None;
        page.resources = found.resources;
        page.tag_ids = found.tag_ids;
        let info = RunInfo::new(Mode::Crawl, vec!["https://shop.example/".into()], &scope);
        let inventory = build(vec![page], info, &db);
        assert!(inventory.summary.vendors > 0 && inventory.summary.unknown_hosts > 0, "{:?}", inventory.summary);
        let mut alone = Vec::new();
        inventory
            .serialize(&mut serde_json::Serializer::with_formatter(&mut alone, crate::sanitize::SafeJson::report()))
            .unwrap();
        let alone = String::from_utf8(alone).unwrap();
        let want = format!("{},\n  \"findings\": []\n}}\n", alone.strip_suffix("\n}").unwrap());
        let mut text = Vec::new();
        render(&Report::unassessed(inventory), &mut text).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), want, "same fields, same order, same bytes");
    }
}
