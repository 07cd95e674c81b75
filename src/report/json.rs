//! The JSON report, `schema_version` 3 (documented in `docs/json-report.md`, checked against
//! `tests/schemas/report-v3.json`).
//!
//! Enters: a [`Report`]. Leaves: the inventory's fields in their documented order, with the
//! assessment placed where the schema has it: each vendor's `approval`, then `policy` (the
//! verdict), `findings` and `changes` at the end. It is serialised straight into the output
//! (a buffered file), never built as a tree; only the head of `resources`, at most 8 MiB,
//! may be rendered ahead into memory while the checks run ([`prerender`]). Arrays of numbers
//! and of arrays (page indexes, `[page, line]` occurrences) are written on one line each.

use super::Report;
use crate::checks::Approval;
use crate::inventory::{Inventory, ResourceOut, VendorOut};
use crate::sanitize::SafeJson;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct VendorJson<'a> {
    #[serde(flatten)]
    vendor: &'a VendorOut,
    /// The policy entry that approves this vendor (absent without a policy or approval).
    #[serde(skip_serializing_if = "Option::is_none")]
    approval: Option<&'a Approval>,
}

/// The first resources of the `resources` array, rendered while the checks still run:
/// they are most of a report's bytes, and need nothing the checks decide.
pub struct Prerendered {
    /// `[` and the elements, each after its `,` and line break, as [`render`] writes them.
    bytes: Vec<u8>,
    /// How many resources `bytes` holds; [`render`] writes the rest itself.
    count: usize,
}

/// Render resources ahead until `budget` bytes are written: a bounded head start, so the
/// report is still written as it is built, never held whole in memory.
pub fn prerender(resources: &[ResourceOut], budget: usize) -> io::Result<Prerendered> {
    let mut bytes = Vec::with_capacity(budget.min(1 << 20));
    let mut count = 0;
    bytes.push(b'[');
    for r in resources {
        if bytes.len() >= budget {
            break;
        }
        element(&mut bytes, count == 0, r)?;
        count += 1;
    }
    Ok(Prerendered { bytes, count })
}

/// One element of an array in the top-level object (`resources`), as serde_json's pretty
/// layout puts it. Every value goes through [`SafeJson`]: control, bidi and CI-command
/// characters from the site are written as \u escapes, so the data reads back the same and a
/// CI log that prints the file shows no raw command.
fn element<W: Write, T: Serialize + ?Sized>(out: &mut W, first: bool, value: &T) -> io::Result<()> {
    out.write_all(if first { b"\n    " } else { b",\n    " })?;
    value.serialize(&mut serde_json::Serializer::with_formatter(out, SafeJson::report_at(2)))?;
    Ok(())
}

/// The top-level object, written a field at a time: its fields are serialised as a derived
/// struct would write them, but the `resources` array may come partly rendered already.
struct Top<W> {
    out: W,
    /// A field is written: the next one follows a comma.
    opened: bool,
}

impl<W: Write> Top<W> {
    fn key(&mut self, name: &str) -> io::Result<()> {
        let open: &[u8] = if self.opened { b",\n  \"" } else { b"{\n  \"" };
        self.opened = true;
        self.out.write_all(open)?;
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(b"\": ")
    }

    /// A value through [`SafeJson`], as [`element`] writes one.
    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> io::Result<()> {
        self.key(name)?;
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut self.out, SafeJson::report_at(1)))?;
        Ok(())
    }

    fn some<T: Serialize + ?Sized>(&mut self, name: &str, value: Option<&T>) -> io::Result<()> {
        value.map_or(Ok(()), |v| self.field(name, v))
    }

    fn resources(&mut self, all: &[ResourceOut], pre: Option<&Prerendered>) -> io::Result<()> {
        self.key("resources")?;
        let done = match pre {
            Some(p) => {
                self.out.write_all(&p.bytes)?;
                p.count.min(all.len())
            }
            None => {
                self.out.write_all(b"[")?;
                0
            }
        };
        for (i, r) in all.iter().enumerate().skip(done) {
            element(&mut self.out, i == 0, r)?;
        }
        self.out.write_all(if all.is_empty() { b"]" } else { b"\n  ]" })
    }
}

/// The report as JSON. `pre`: the head of the `resources` array from [`prerender`] over
/// this report's resources, if it was rendered ahead.
pub fn render(report: &Report, out: &mut dyn Write, pre: Option<&Prerendered>) -> io::Result<()> {
    // The serializer writes a few bytes at a time (a bracket, a number, an indentation),
    // millions of writes for a large report: into a buffer of a known type they are copies,
    // where each was a call through `dyn Write` (a quarter of the report's writing time).
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    // Every field of the inventory, named here so none is forgotten (a test holds their
    // order and spelling to the inventory's own serialization), with the assessment placed
    // where the schema has it.
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
    let vendors: Vec<VendorJson> =
        vendors.iter().map(|v| VendorJson { vendor: v, approval: report.approval(&v.id) }).collect();
    let mut top = Top { out: &mut out, opened: false };
    top.field("schema_version", schema_version)?;
    top.field("tool", tool)?;
    top.field("mode", mode)?;
    top.field("targets", targets)?;
    top.field("first_party", first_party)?;
    top.field("complete", complete)?;
    top.some("stopped", stopped.as_ref())?;
    top.field("page_limit_reached", page_limit_reached)?;
    top.field("summary", summary)?;
    top.field("pages", pages)?;
    top.field("vendors", &vendors)?;
    top.field("companies", companies)?;
    top.field("unknown_hosts", unknown_hosts)?;
    top.resources(resources, pre)?;
    top.some("cookies", cookies.as_deref())?;
    top.some("storage", storage.as_deref())?;
    top.some("browser", browser.as_ref())?;
    top.some("policy", report.verdict.as_ref())?;
    top.field("findings", &report.findings)?;
    top.some("changes", report.changes.as_ref())?;
    out.write_all(b"\n}\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::{self, Changes};
    use crate::checks::{Finding, RuleId};
    use crate::inventory::{
        CompanyOut, CookieOut, Mode, PageOut, RunInfo, Stopped, StorageOut, Summary, Tool, UnknownHost, build,
    };
    use crate::model::{PageOutcome, PageRecord};
    use crate::policy::FailOn;
    use crate::report::Verdict;
    use crate::scope::Scope;
    use crate::vendors::VendorDb;

    /// A small inventory: one page with a known vendor and an unknown host, and `extra`
    /// more pages with a resource each.
    fn inventory(extra: usize) -> Inventory {
        let db = VendorDb::embedded().unwrap();
        let scope = Scope::new(["shop.example"], std::iter::empty());
        let mut pages = Vec::new();
        for i in 0..=extra {
            let url = url::Url::parse(&format!("https://shop.example/p{i}")).unwrap();
            let html = format!(
                r#"<script src="https://www.googletagmanager.com/gtm.js?id=GTM-ABC1234"></script>
                <img src="https://pixel.unknown-tracker.example/p{i}.gif" width=1 height=1>"#
            );
            let found = crate::extract::extract(&url, &html);
            let mut page = PageRecord::without_content(url.to_string(), 0, PageOutcome::Scanned, String::new());
            page.error = None;
            page.resources = found.resources;
            page.tag_ids = found.tag_ids;
            pages.push(page);
        }
        let info = RunInfo::new(Mode::Crawl, vec!["https://shop.example/".into()], &scope);
        build(pages, info, &db)
    }

    /// The report as a derived struct writes it, field by field: what [`render`]'s
    /// hand-written top level must write, byte for byte.
    #[derive(Serialize)]
    struct Derived<'a> {
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
        browser: Option<&'a crate::inventory::BrowserOut>,
        #[serde(skip_serializing_if = "Option::is_none")]
        policy: Option<&'a Verdict>,
        findings: &'a [Finding],
        #[serde(skip_serializing_if = "Option::is_none")]
        changes: Option<&'a Changes>,
    }

    fn derived(report: &Report) -> String {
        let i = &report.inventory;
        let d = Derived {
            schema_version: i.schema_version,
            tool: &i.tool,
            mode: i.mode,
            targets: &i.targets,
            first_party: &i.first_party,
            complete: i.complete,
            stopped: i.stopped,
            page_limit_reached: i.page_limit_reached,
            summary: &i.summary,
            pages: &i.pages,
            vendors: i.vendors.iter().map(|v| VendorJson { vendor: v, approval: report.approval(&v.id) }).collect(),
            companies: &i.companies,
            unknown_hosts: &i.unknown_hosts,
            resources: &i.resources,
            cookies: i.cookies.as_deref(),
            storage: i.storage.as_deref(),
            browser: i.browser.as_ref(),
            policy: report.verdict.as_ref(),
            findings: &report.findings,
            changes: report.changes.as_ref(),
        };
        let mut out = Vec::new();
        d.serialize(&mut serde_json::Serializer::with_formatter(&mut out, SafeJson::report())).unwrap();
        out.push(b'\n');
        String::from_utf8(out).unwrap()
    }

    fn rendered(report: &Report, ahead: Option<&Prerendered>) -> String {
        let mut text = Vec::new();
        render(report, &mut text, ahead).unwrap();
        String::from_utf8(text).unwrap()
    }

    /// Every optional field present and absent, every resource count from none up, and a
    /// head start of every size (none, part of one resource, some, all): the same bytes as
    /// the derived struct's serialization.
    #[test]
    fn written_a_field_at_a_time_as_a_struct_would_be() {
        let mut reports = vec![Report::unassessed(inventory(0))];
        let mut none = Report::unassessed(inventory(0));
        none.inventory.resources.clear();
        reports.push(none);
        let mut full = Report::unassessed(inventory(3));
        full.inventory.stopped = Some(Stopped::TimeBudget);
        full.inventory.cookies = Some(Vec::new());
        full.inventory.storage = Some(Vec::new());
        full.verdict = Some(Verdict {
            file: Some("vendorscan.toml".into()),
            fail_on: FailOn::Error,
            passed: false,
            errors: 1,
            warnings: 0,
        });
        full.findings.push(Finding::new(RuleId::UnknownThirdParty, "pixel.unknown-tracker.example"));
        let old = baseline::view_of(&inventory(0));
        full.changes = Some(baseline::compare("old.json", &old, &baseline::view_of(&full.inventory)));
        reports.push(full);
        for report in &reports {
            let want = derived(report);
            assert_eq!(rendered(report, None), want);
            let resources = &report.inventory.resources;
            for budget in [0, 1, 200, 2_000, usize::MAX] {
                let ahead = prerender(resources, budget).unwrap();
                assert!(ahead.count <= resources.len());
                assert_eq!(rendered(report, Some(&ahead)), want, "{} resources, budget {budget}", resources.len());
            }
        }
        assert!(reports[2].inventory.resources.len() > 4, "a head start of some resources, not all");
    }

    /// An unjudged report is its inventory plus an empty `findings`: [`render`] names every
    /// field of the inventory, and this holds their order and spelling to its own.
    #[test]
    fn the_inventory_part_is_the_inventory() {
        let inventory = inventory(0);
        assert!(inventory.summary.vendors > 0 && inventory.summary.unknown_hosts > 0, "{:?}", inventory.summary);
        let mut alone = Vec::new();
        inventory
            .serialize(&mut serde_json::Serializer::with_formatter(&mut alone, crate::sanitize::SafeJson::report()))
            .unwrap();
        let alone = String::from_utf8(alone).unwrap();
        let want = format!("{},\n  \"findings\": []\n}}\n", alone.strip_suffix("\n}").unwrap());
        let mut text = Vec::new();
        render(&Report::unassessed(inventory), &mut text, None).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), want, "same fields, same order, same bytes");
    }
}
