//! Classification and the inventory: from pages to "who receives what, where".
//!
//! Enters: the [`PageRecord`](crate::model::PageRecord)s of a run (from `crawl`, `local` or
//! `browser`), the [`Scope`] and the [`VendorDb`]. Leaves: an immutable [`Inventory`], the
//! part of the JSON report that says what was found (`schema_version` 3, documented in
//! `docs/json-report.md`). What the run *thinks* of it (findings, changes, the verdict)
//! is not in here: `checks` and `baseline` read the inventory and `crate::report::Report`
//! wraps it with their results, so nothing below `report` is filled in later.
//!
//! - [`contract`]: the types the JSON documents, field for field.
//! - [`builder`]: pages in, one sorted inventory out, built as pages arrive.
//! - `visit`: a browser visit's requests, cookies and storage merged into a page.
//! - [`chain`]: who loaded whom within a visit.

pub mod builder;
pub mod chain;
pub mod contract;
mod visit;

pub use builder::{BrowserInfo, Builder, RunInfo, build, page_path};
pub use contract::*;

use crate::scope::Scope;
use crate::vendors::{VendorDb, VendorMatch};
use std::collections::{BTreeMap, BTreeSet};

/// First or third party, and the vendor when the database knows the host.
pub fn classify<'a>(host: &str, scope: &Scope, db: &'a VendorDb) -> (Party, Option<VendorMatch<'a>>) {
    let party = if scope.is_first_party(host) { Party::First } else { Party::Third };
    (party, db.recipient(host))
}

/// What `--hash-scripts` got for one script URL: its digest, or why it could not be fetched.
pub type Digests = BTreeMap<String, Result<ContentHash, String>>;

impl Inventory {
    /// Third-party scripts referenced on payment pages (PCI DSS 6.4.3): the scripts whose
    /// bytes `--hash-scripts` fetches and digests. Sorted, each once.
    pub fn payment_scripts(&self) -> Vec<String> {
        let payment = self.payment_pages();
        let mut urls: Vec<String> =
            self.resources.iter().filter(|r| is_payment_script(r, &payment)).map(|r| r.url.clone()).collect();
        urls.sort();
        urls.dedup();
        urls
    }

    /// The same inventory with the digests of its payment-page scripts recorded
    /// (`content`, or `content_error` when the script could not be fetched). Takes the
    /// inventory by value: it is a step of building it, not a change to a finished one.
    pub fn with_digests(mut self, digests: &Digests) -> Inventory {
        let payment = self.payment_pages();
        for r in self.resources.iter_mut().filter(|r| is_payment_script(r, &payment)) {
            match digests.get(&r.url) {
                Some(Ok(hash)) => r.content = Some(hash.clone()),
                Some(Err(e)) => r.content_error = Some(e.clone()),
                None => {}
            }
        }
        self
    }

    /// The same inventory, marked as stopped early (a stop that came after the pages were
    /// in, e.g. while `--hash-scripts` fetched).
    pub fn stopped(mut self, why: Stopped) -> Inventory {
        self.complete = false;
        self.stopped.get_or_insert(why);
        self
    }

    /// Payment pages, by index.
    fn payment_pages(&self) -> BTreeSet<PageIndex> {
        (0..self.pages.len()).filter(|&i| self.pages[i].payment_page).map(|i| i as PageIndex).collect()
    }
}

fn is_payment_script(r: &ResourceOut, payment: &BTreeSet<PageIndex>) -> bool {
    r.kind == crate::model::ResourceKind::Script
        && r.party == Party::Third
        && r.occurrences.iter().any(|o| payment.contains(&o.page))
}
