//! Browser visits merged into the inventory: requests, loader edges, cookies and storage.
//!
//! Enters: one page's [`Visit`] (what Chromium saw) and the positions of that page's markup
//! references in the [`Builder`]. Leaves: nothing but updates to the builder: a request for
//! a URL the markup names marks that occurrence `both`; any other request becomes a
//! `runtime` occurrence; every request adds a "who loaded whom" edge; cookies and Web
//! Storage writes are merged over pages. Pure: the browser itself lives in `crate::browser`.

use super::builder::{Acc, Builder, ObsAcc, RefKey};
use super::chain;
use super::contract::{
    ConsentOut, CookieOut, CookieRef, DialogOut, OccurrenceOut, PageIndex, PageVisitOut, Party, PayloadsOut,
    RuntimeOut, Source, StorageOut, TagIdOut,
};
use crate::model::{CookieVia, ResourceKind, Via, Visit};
use crate::scope::host_of;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use url::Url;

impl Acc<'_> {
    /// A source seen again by the browser: the vendor (or unknown host) now counts as
    /// seen in both places.
    pub(super) fn also_runtime(&mut self, host: &str) {
        if let Some(m) = self.db.recipient(host) {
            self.vendors.entry(m.vendor.id.clone()).or_default().sources.insert(Source::Runtime);
        } else if let Some(acc) = self.unknown.get_mut(host) {
            acc.sources.insert(Source::Runtime);
        }
    }

    /// The cookies a visit left (or tried to set), merged by (domain, name, path).
    pub(super) fn note_cookies(&mut self, visit: &Visit, page: &str) {
        for c in &visit.cookies {
            let set_by_host = c.set_by.as_deref().and_then(host_of);
            let domain_host = c.domain.trim_start_matches('.');
            let vendor = set_by_host
                .as_deref()
                .and_then(|h| self.db.recipient(h))
                .or_else(|| self.db.recipient(domain_host))
                .map(|m| m.vendor.id.clone());
            if let Some(id) = &vendor {
                self.vendors
                    .entry(id.clone())
                    .or_default()
                    .cookies
                    .insert(CookieRef { name: c.name.clone(), domain: c.domain.clone() });
            }
            let seen = CookieOut {
                name: c.name.clone(),
                domain: c.domain.clone(),
                path: c.path.clone(),
                lifetime_days: c.lifetime_days,
                session: c.lifetime_days.is_none(),
                secure: c.secure,
                http_only: c.http_only,
                same_site: c.same_site.clone(),
                party: if self.scope.is_first_party(domain_host) { Party::First } else { Party::Third },
                via: c.via,
                set_by: c.set_by.clone(),
                set_by_host,
                vendor,
                blocked: c.blocked.clone(),
                pages: BTreeSet::new(),
            };
            let key = (c.domain.clone(), c.name.clone(), c.path.clone());
            let out = self.cookies.entry(key).or_insert_with(|| seen.clone());
            // Pages arrive in crawl order, which varies: the attributes kept are the
            // ones that sort first (a known setter before an unknown one), not the
            // first page's.
            if cookie_rank(&seen) < cookie_rank(out) {
                let pages = std::mem::take(&mut out.pages);
                *out = CookieOut { pages, ..seen };
            }
            out.pages.insert(page.to_owned());
        }
    }

    /// The Web Storage writes of a visit, merged by (area, origin, key, script).
    pub(super) fn note_storage(&mut self, visit: &Visit, page: &str) {
        for w in &visit.storage {
            let host = w.script.as_deref().and_then(host_of);
            let vendor = host.as_deref().and_then(|h| self.db.recipient(h)).map(|m| m.vendor.id.clone());
            if let Some(id) = &vendor {
                self.vendors.entry(id.clone()).or_default().storage.insert(format!("{}:{}", w.area, w.key));
            }
            let party = match host.as_deref() {
                Some(h) if !self.scope.is_first_party(h) => Party::Third,
                _ => Party::First,
            };
            let key = (w.area, w.origin.clone(), w.key.clone(), w.script.clone());
            self.storage
                .entry(key)
                .or_insert_with(|| StorageOut {
                    area: w.area,
                    origin: w.origin.clone(),
                    key: w.key.clone(),
                    script: w.script.clone(),
                    party,
                    vendor,
                    pages: BTreeSet::new(),
                })
                .pages
                .insert(page.to_owned());
        }
    }

    /// How a loader is named in `loaded_by`: its vendor id, else the script itself
    /// (`host/path`, no query), which is what a developer goes to edit.
    fn entity(&self, url: &str) -> String {
        let Ok(u) = url::Url::parse(url) else { return url.to_owned() };
        let host = u.host_str().unwrap_or_default();
        self.db.recipient(host).map_or_else(|| format!("{host}{}", u.path()), |m| m.vendor.id.clone())
    }

    /// `loader` requested something from `host`.
    fn edge(&mut self, loader: Option<&str>, host: &str) {
        let from = loader.map_or_else(|| "page".to_owned(), |u| self.entity(u));
        let to = self.db.recipient(host).map_or_else(|| host.to_owned(), |m| m.vendor.id.clone());
        if from == to {
            return;
        }
        if let Some(m) = self.db.recipient(host) {
            self.vendors.entry(m.vendor.id.clone()).or_default().loaded_by.insert(from.clone());
        } else if let Some(acc) = self.unknown.get_mut(host) {
            acc.loaded_by.insert(from.clone());
        }
        if let Some(acc) = self.vendors.get_mut(&from) {
            acc.loads.insert(to);
        }
    }
}

/// The form in which a markup reference and a browser request are the same URL: no
/// fragment (the browser never sends one), and `http:` as `https:` (the browser upgrades
/// some hosts before it asks).
pub(super) fn match_key(url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    match url.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_owned(),
    }
}

impl Builder<'_> {
    /// Fold one page's browser requests into its resources: a request for a URL the markup
    /// names marks that occurrence `both`; any other becomes a `runtime` occurrence (one per
    /// URL and kind on the page, with a count). Every request adds its loader edge.
    pub(super) fn merge_visit(
        &mut self,
        markup: HashMap<String, Vec<(usize, usize)>>,
        visit: &Visit,
        page: &str,
        pi: PageIndex,
    ) {
        // Where this page's runtime-only requests went; `None` for an unlisted asset.
        let mut runtime_only: HashMap<(String, ResourceKind), Option<(usize, usize)>> = HashMap::new();
        for (i, req) in visit.requests.iter().enumerate() {
            let url = req.url.to_string();
            let host = req.url.host_str().unwrap_or("").to_owned();
            let loader = chain::loaded_by(req, page);
            let out = || RuntimeOut {
                cdp_type: req.cdp_type.clone(),
                method: req.method.clone(),
                status: req.status,
                failure: req.failure.clone(),
                frame: req.frame.clone(),
                initiator: req.initiator,
                loaded_by: loader.map(str::to_owned),
                loaded_by_line: loader.and(req.initiator_line),
                chain: chain::chain(&visit.requests, i, page),
                count: 1,
                canceled: req.canceled,
                unload: req.unload,
                after_choice: usize::from(req.after_choice),
                step: req.step,
            };
            if let Some(at) = markup.get(&match_key(&url)) {
                self.acc.edge(loader, &host);
                for &(g, o) in at {
                    let occ = &mut self.groups[g].occurrences[o];
                    occ.source = Source::Both;
                    match &mut occ.runtime {
                        Some(rt) => {
                            rt.count += 1;
                            rt.after_choice += usize::from(req.after_choice);
                        }
                        None => occ.runtime = Some(Box::new(out())),
                    }
                }
                self.acc.also_runtime(&host);
                continue;
            }
            if let Some(&at) = runtime_only.get(&(url.clone(), req.kind)) {
                if let Some(rt) = at.and_then(|(g, o)| self.groups[g].occurrences[o].runtime.as_mut()) {
                    rt.count += 1;
                    rt.after_choice += usize::from(req.after_choice);
                }
                self.acc.edge(loader, &host);
                continue;
            }
            // Counted first, so an unknown host seen only now exists when its loader is noted.
            let (party, vendor) = self.acc.count(&host, req.kind, Source::Runtime, pi);
            self.acc.edge(loader, &host);
            if self.unlisted_asset(party, req.kind) {
                // One count per URL and kind on the page, as for a listed runtime resource.
                runtime_only.insert((url, req.kind), None);
                continue;
            }
            let key = RefKey {
                url: url.clone(),
                kind: req.kind,
                element: std::borrow::Cow::Borrowed(""),
                attribute: "",
                raw: String::new(),
                in_noscript: false,
                condition: None,
                attrs: BTreeMap::new(),
            };
            let occ = OccurrenceOut { page: pi, line: 0, source: Source::Runtime, runtime: Some(Box::new(out())) };
            let at = self.occur(key, &host, party, vendor, occ);
            runtime_only.insert((url, req.kind), Some(at));
        }
    }
}

impl Acc<'_> {
    /// What a visit's requests carried and its scripts read, credited to the third party
    /// that received it (a vendor or an unknown host). What went to the store itself is
    /// not a disclosure and is left out.
    pub(super) fn note_payloads(&mut self, visit: &Visit, page: PageIndex, totals: &mut PayloadsOut) {
        for req in &visit.requests {
            let p = &req.payload;
            // A request whose later parts (a frame, its headers) came after the budget ran
            // out still counts for what was read before.
            if p.skipped {
                totals.skipped += 1;
            } else {
                totals.read += 1;
            }
            totals.cut += usize::from(p.cut);
            if p.observed.is_empty() && p.tag_ids.is_empty() {
                continue;
            }
            let host = req.url.host_str().unwrap_or("");
            let request = redacted_request(&req.url);
            if let Some(acc) = self.third_party_vendor(host) {
                for (kind, value) in &p.tag_ids {
                    acc.tag_ids.insert(TagIdOut { kind, value: value.clone() });
                }
                // IDs seen at run time come from what pages send: a page inventing a new
                // one per request must not make the list endless (the smallest are kept).
                while acc.tag_ids.len() > MAX_TAG_IDS {
                    acc.tag_ids.pop_last();
                }
            }
            for o in &p.observed {
                let key = (o.kind, o.of, o.encoding, o.via);
                let Some(observed) = self.observed_of(host) else { break };
                observe(observed.entry(key).or_default(), page, &p.events, &o.example, &request);
            }
        }
        for f in &visit.fingerprints {
            let Some(script) = f.script.as_deref().and_then(|s| Url::parse(s).ok()) else { continue };
            let host = script.host_str().unwrap_or("").to_owned();
            let Some(observed) = self.observed_of(&host) else { continue };
            let key = ("device-fingerprint", Some(f.technique), None, Via::Script);
            observe(observed.entry(key).or_default(), page, &[], &f.detail, &redacted_request(&script));
        }
    }

    /// One consent state's visit of a page, for the vendors' consent matrix: requests (and
    /// those after the choice, or before it on a page with a banner), cookies set, storage
    /// written and data kinds seen, per vendor.
    pub(super) fn note_state(&mut self, state: crate::model::ConsentState, visit: &Visit, page: PageIndex) {
        let banner = visit.consent.as_ref().is_some_and(|c| c.cmp.is_some());
        for req in &visit.requests {
            let host = req.url.host_str().unwrap_or("");
            let Some(acc) = self.state_of(host, state) else { continue };
            acc.requests += 1;
            acc.pages.insert(page);
            let url = req.url.as_str();
            if req.after_choice {
                acc.after_choice += 1;
                acc.pages_after_choice.insert(page);
                if acc.first_after_choice.as_deref().is_none_or(|f| url < f) {
                    acc.first_after_choice = Some(url.to_owned());
                }
            } else if banner && !req.unload {
                acc.pages_before_choice.insert(page);
                if acc.first_before_choice.as_deref().is_none_or(|f| url < f) {
                    acc.first_before_choice = Some(url.to_owned());
                }
            }
            acc.kinds.extend(req.payload.observed.iter().map(|o| o.kind));
        }
        for c in &visit.cookies {
            let setter = c.set_by.as_deref().and_then(host_of);
            let host = setter.as_deref().unwrap_or(c.domain.trim_start_matches('.')).to_owned();
            if let Some(acc) = self.state_of(&host, state) {
                acc.cookies.insert(format!("{} ({})", c.name, c.domain));
            }
        }
        for w in &visit.storage {
            let Some(host) = w.script.as_deref().and_then(host_of) else { continue };
            if let Some(acc) = self.state_of(&host, state) {
                acc.storage.insert(format!("{}:{}", w.area, w.key));
            }
        }
    }

    /// A third-party vendor's row for one state (a vendor the inventory has).
    fn state_of(&mut self, host: &str, state: crate::model::ConsentState) -> Option<&mut super::builder::StateAcc> {
        if host.is_empty() || self.scope.is_first_party(host) {
            return None;
        }
        let m = self.db.recipient(host)?;
        let v = self.vendors.entry(m.vendor.id.clone()).or_default();
        // A vendor contacted only in another state is a recipient all the same: listed, with
        // its host, and judged on that state's evidence.
        v.third_party = true;
        if !v.hosts.iter().any(|h| h.host == host) {
            v.hosts.insert(super::contract::HostOut { host: host.to_owned(), matched: m.rule.describe() });
        }
        Some(v.states.entry(state).or_default())
    }

    /// The observations of the third party `host` is: its vendor's, or the unknown host's.
    fn observed_of(&mut self, host: &str) -> Option<&mut super::builder::Observed> {
        if self.scope.is_first_party(host) {
            return None;
        }
        match self.db.recipient(host) {
            Some(m) => {
                let id = m.vendor.id.clone();
                self.vendors.get_mut(&id).map(|a| &mut a.observed)
            }
            None => self.unknown.get_mut(host).map(|a| &mut a.observed),
        }
    }

    fn third_party_vendor(&mut self, host: &str) -> Option<&mut super::builder::VendorAcc> {
        if self.scope.is_first_party(host) {
            return None;
        }
        let id = self.db.recipient(host)?.vendor.id.clone();
        self.vendors.get_mut(&id)
    }
}

/// Account IDs kept per vendor.
const MAX_TAG_IDS: usize = 50;

fn observe(acc: &mut ObsAcc, page: PageIndex, events: &[String], example: &str, request: &str) {
    acc.pages.insert(page);
    // The smallest names are kept, so the list does not depend on the order pages came in.
    for e in events {
        acc.events.insert(e.clone());
        if acc.events.len() > 64 {
            acc.events.pop_last();
        }
    }
    if acc.example.as_deref().is_none_or(|x| example < x) {
        acc.example = Some(example.to_owned());
    }
    if acc.request.as_deref().is_none_or(|x| request < x) {
        acc.request = Some(request.to_owned());
    }
}

/// A request as the report names it: scheme, host and path, never the query (it may carry
/// what the report must not repeat), and not a page long.
fn redacted_request(u: &Url) -> String {
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let s = format!("{}://{}{port}{}", u.scheme(), u.host_str().unwrap_or(""), u.path());
    if s.len() <= 200 {
        return s;
    }
    let mut end = 200;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// How the visit of one page went, as `pages[].visit` reports it.
pub(super) fn visit_out(visit: &Visit) -> PageVisitOut {
    let urls_of = |kind: ResourceKind| {
        let urls: BTreeSet<String> =
            visit.requests.iter().filter(|r| r.kind == kind).map(|r| r.url.to_string()).collect();
        urls.into_iter().collect::<Vec<_>>()
    };
    PageVisitOut {
        complete: !visit.failed,
        error: visit.error.clone(),
        requests: visit.requests.len(),
        cookies: visit.cookies.len(),
        dialogs: visit
            .dialogs
            .iter()
            .map(|d| DialogOut { kind: d.kind, message: d.message.clone(), count: d.count })
            .collect(),
        dialogs_omitted: visit.dialogs_omitted,
        popups: urls_of(ResourceKind::Popup),
        downloads: urls_of(ResourceKind::Download),
        consent: visit.consent.as_ref().map(|c| ConsentOut {
            cmp: c.cmp.clone(),
            method: c.method.clone(),
            applied: c.applied,
            confirmed: c.confirmed,
            detail: c.detail.clone(),
        }),
        typed: visit.typing.clone(),
        scrolled: visit.scrolled,
        settle: visit.settle,
        journey: visit.journey.clone(),
    }
}

/// Which of two sightings of one cookie the report keeps: stored before blocked, a known
/// setter before an unknown one, then the smallest values, so the choice never depends on
/// the order pages were crawled in.
fn cookie_rank(c: &CookieOut) -> impl Ord + '_ {
    (
        c.blocked.is_some(),
        c.via == CookieVia::Unknown,
        &c.set_by,
        c.lifetime_days.map(|d| (d * 100.0) as i64),
        &c.same_site,
        (c.secure, c.http_only),
    )
}
