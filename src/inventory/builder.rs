//! The streaming builder: pages in, one [`Inventory`] out.
//!
//! Enters: [`PageRecord`]s one at a time (as the crawl, the local walk or the browser phase
//! delivers them), the run's [`RunInfo`], the [`Scope`] and the [`VendorDb`]. Leaves: the
//! sorted, immutable [`Inventory`]. A page's references are classified and folded in when it
//! arrives and then dropped, so memory holds each distinct reference once plus a small
//! record per occurrence. Everything is sorted in [`Builder::finish`], once, so two runs over
//! the same site give the same bytes.

use super::classify;
use super::contract::{
    BrowserOut, CompanyOut, ConsentCellOut, CookieOut, CookieRef, DataObservedOut, DataOut, HostOut, IncidentOut,
    Inventory, Mode, OccurrenceOut, PageIndex, PageOut, Party, PayloadsOut, REPORT_SCHEMA_VERSION, ResourceOut, Source,
    StateOut, Stopped, StorageOut, Summary, TagIdOut, Tool, UnknownHost, VendorDbInfo, VendorOut,
};
use super::visit::match_key;
use crate::model::{Condition, Encoding, FastMap, PageOutcome, PageRecord, ResourceKind, Via};
use crate::scope::{Scope, registrable_domain};
use crate::vendors::{VendorDb, VendorMatch};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the run was pointed at, for the report header.
pub struct RunInfo<'a> {
    pub mode: Mode,
    pub targets: Vec<String>,
    pub scope: &'a Scope,
    /// Why the run ended early, if it did.
    pub stopped: Option<Stopped>,
    pub page_limit_reached: bool,
    /// `[payment-pages] paths` from the policy.
    pub payment_paths: Option<globset::GlobSet>,
    /// Treat pages with card inputs as payment pages.
    pub detect_payment_pages: bool,
    /// List first-party assets (see [`ResourceKind::is_asset`]) in `resources`, not only count them.
    pub list_assets: bool,
    /// Browser mode: the browser's product string and timings.
    pub browser: Option<BrowserInfo>,
}

impl<'a> RunInfo<'a> {
    /// A run as it starts: not yet known to be cut short, card inputs mark payment pages,
    /// first-party assets counted but not listed, no browser.
    pub fn new(mode: Mode, targets: Vec<String>, scope: &'a Scope) -> Self {
        RunInfo {
            mode,
            targets,
            scope,
            stopped: None,
            page_limit_reached: false,
            payment_paths: None,
            detect_payment_pages: true,
            list_assets: false,
            browser: None,
        }
    }
}

pub struct BrowserInfo {
    pub product: String,
    pub settle_ms: u64,
    pub page_timeout_ms: u64,
    pub consent: crate::model::ConsentState,
    pub gpc: bool,
    /// The test identity was typed into the pages (`--no-type` not given).
    pub typing: bool,
    pub scroll: bool,
    /// `--settle-quiet`.
    pub settle_quiet_ms: u64,
    pub settle_max_ms: u64,
    /// Every `--consent` state visited, the first (`consent`) included.
    pub states: Vec<crate::model::ConsentState>,
}

#[derive(Default)]
pub(super) struct VendorAcc {
    pub(super) hosts: BTreeSet<HostOut>,
    /// Pages by arrival (the order [`Builder::add`] got them), renumbered in `finish`.
    pub(super) pages: BTreeSet<PageIndex>,
    pub(super) kinds: BTreeSet<ResourceKind>,
    pub(super) sources: BTreeSet<Source>,
    pub(super) loaded_by: BTreeSet<String>,
    pub(super) loads: BTreeSet<String>,
    pub(super) cookies: BTreeSet<CookieRef>,
    pub(super) storage: BTreeSet<String>,
    pub(super) tag_ids: BTreeSet<TagIdOut>,
    pub(super) resources: usize,
    pub(super) third_party: bool,
    pub(super) observed: Observed,
    /// Per consent state: what its visits sent to this vendor (several `--consent` states).
    pub(super) states: BTreeMap<crate::model::ConsentState, StateAcc>,
}

/// One vendor in one consent state.
#[derive(Default)]
pub(super) struct StateAcc {
    pub(super) requests: usize,
    pub(super) after_choice: usize,
    pub(super) pages: BTreeSet<PageIndex>,
    /// Pages where it was sent requests after the choice was made.
    pub(super) pages_after_choice: BTreeSet<PageIndex>,
    /// Pages showing a banner where it was sent requests before any choice.
    pub(super) pages_before_choice: BTreeSet<PageIndex>,
    /// The smallest URL it was sent after the choice, as evidence.
    pub(super) first_after_choice: Option<String>,
    pub(super) first_before_choice: Option<String>,
    pub(super) cookies: BTreeSet<String>,
    pub(super) storage: BTreeSet<String>,
    pub(super) kinds: BTreeSet<&'static str>,
}

/// What a recipient was seen to receive, by (kind, of, encoding, via).
pub(super) type Observed = BTreeMap<ObsKey, ObsAcc>;
pub(super) type ObsKey = (&'static str, Option<&'static str>, Option<Encoding>, Via);

#[derive(Default)]
pub(super) struct ObsAcc {
    pub(super) pages: BTreeSet<PageIndex>,
    pub(super) events: BTreeSet<String>,
    /// The smallest example and request seen, so the report does not depend on page order.
    pub(super) example: Option<String>,
    pub(super) request: Option<String>,
}

#[derive(Default)]
pub(super) struct UnknownAcc {
    pub(super) pages: BTreeSet<PageIndex>,
    pub(super) kinds: BTreeSet<ResourceKind>,
    pub(super) sources: BTreeSet<Source>,
    pub(super) loaded_by: BTreeSet<String>,
    pub(super) resources: usize,
    pub(super) observed: Observed,
}

/// What a host is, worked out once per run: a store's pages name the same few hundred hosts
/// over and over, and classifying one (scope, then one vendor-rule probe per label) costs
/// more than looking it up here.
#[derive(Clone, Copy)]
pub(super) struct HostSeen<'a> {
    party: Party,
    found: Option<VendorMatch<'a>>,
    /// Counted as a third-party host of the run (a reference to it was counted).
    counted: bool,
    /// Listed among its vendor's hosts.
    listed: bool,
}

/// The running totals of one [`build`]. The per-vendor and per-host tables are hash maps:
/// they are looked up once per reference and sorted once, in [`Builder::finish`].
pub(super) struct Acc<'a> {
    pub(super) scope: &'a Scope,
    pub(super) db: &'a VendorDb,
    pub(super) vendors: FastMap<String, VendorAcc>,
    pub(super) unknown: FastMap<String, UnknownAcc>,
    pub(super) hosts: FastMap<Box<str>, HostSeen<'a>>,
    /// Distinct third-party hosts counted.
    pub(super) third_hosts: usize,
    pub(super) summary: Summary,
    pub(super) cookies: BTreeMap<(String, String, String), CookieOut>,
    pub(super) storage: BTreeMap<(&'static str, String, String, Option<String>), StorageOut>,
}

impl<'a> Acc<'a> {
    /// The host's party and vendor, from the run's table (classified on first sight).
    pub(super) fn classified(&mut self, host: &str) -> (Party, Option<VendorMatch<'a>>) {
        let seen = self.seen(host);
        (seen.party, seen.found)
    }

    fn seen(&mut self, host: &str) -> &mut HostSeen<'a> {
        // Looked up before inserting: the host is almost always known, and a key is only
        // copied in the first time.
        if !self.hosts.contains_key(host) {
            let (party, found) = classify(host, self.scope, self.db);
            self.hosts.insert(host.into(), HostSeen { party, found, counted: false, listed: false });
        }
        self.hosts.get_mut(host).expect("inserted above")
    }

    /// Count one reference to `host` on `page`; returns its party and its vendor's id.
    pub(super) fn count(
        &mut self,
        host: &str,
        kind: ResourceKind,
        source: Source,
        page: PageIndex,
    ) -> (Party, Option<&'a str>) {
        let seen = self.seen(host);
        let HostSeen { party, found, counted, listed } = *seen;
        seen.counted = true;
        seen.listed = found.is_some();
        if party == Party::Third {
            self.summary.third_party_resources += 1;
            self.third_hosts += usize::from(!counted);
        }
        match (found, party) {
            (Some(m), _) => {
                let acc = match self.vendors.get_mut(m.vendor.id.as_str()) {
                    Some(acc) => acc,
                    None => self.vendors.entry(m.vendor.id.clone()).or_default(),
                };
                if !listed {
                    acc.hosts.insert(HostOut { host: host.to_owned(), matched: m.rule.describe() });
                }
                // Pages arrive in order: a vendor's tenth reference on this page finds it last.
                if acc.pages.last() != Some(&page) {
                    acc.pages.insert(page);
                }
                acc.kinds.insert(kind);
                acc.sources.insert(source);
                acc.resources += 1;
                acc.third_party |= party == Party::Third;
            }
            (None, Party::Third) => {
                let acc = match self.unknown.get_mut(host) {
                    Some(acc) => acc,
                    None => self.unknown.entry(host.to_owned()).or_default(),
                };
                if acc.pages.last() != Some(&page) {
                    acc.pages.insert(page);
                }
                acc.kinds.insert(kind);
                acc.sources.insert(source);
                acc.resources += 1;
            }
            (None, Party::First) => {}
        }
        (party, found.map(|m| m.vendor.id.as_str()))
    }
}

/// Where a URL's host is written in its text (an empty range for a URL without one).
fn host_range(url: &url::Url) -> std::ops::Range<usize> {
    use url::Position::{AfterHost, BeforeHost};
    url[..BeforeHost].len()..url[..AfterHost].len()
}

/// Build the inventory of a run in one go (local scans, tests, browser mode).
pub fn build(pages: Vec<PageRecord>, info: RunInfo, db: &VendorDb) -> Inventory {
    let mut b = Builder::new(info, db);
    for page in pages {
        b.add(page);
    }
    b.finish()
}

/// What makes two references the same resource: everything written in the page except
/// where. Occurrences (page, line) hang off it. Its order (URL first) is the report's.
#[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct RefKey {
    pub(super) url: String,
    pub(super) kind: ResourceKind,
    pub(super) element: std::borrow::Cow<'static, str>,
    pub(super) attribute: &'static str,
    pub(super) raw: String,
    pub(super) in_noscript: bool,
    pub(super) attrs: BTreeMap<String, String>,
    pub(super) condition: Option<Condition>,
}

/// A resource being built: what the key does not hold.
pub(super) struct Group {
    pub(super) host: String,
    pub(super) party: Party,
    pub(super) vendor: Option<String>,
    pub(super) occurrences: Vec<OccurrenceOut>,
}

/// The report built page by page, as the crawl delivers them: a page's references are
/// classified and folded into the inventory when it arrives and then dropped, so memory
/// holds each distinct reference once plus a small record per occurrence, never a page's
/// references for the whole run.
pub struct Builder<'a> {
    pub(super) acc: Acc<'a>,
    pub(super) info: RunInfo<'a>,
    pub(super) index: FastMap<RefKey, usize>,
    pub(super) groups: Vec<Group>,
    pub(super) pages: Vec<PageOut>,
    pub(super) occurrences: usize,
    pub(super) visited: usize,
    pub(super) visits_failed: usize,
    /// Pages whose visit answered the consent banner, and those where it could not.
    pub(super) consent_applied: usize,
    pub(super) consent_not_applied: Vec<String>,
    pub(super) payloads: PayloadsOut,
    /// Per consent state: pages visited, pages where the choice was made, and where not.
    pub(super) state_pages: BTreeMap<crate::model::ConsentState, (usize, usize, Vec<String>)>,
}

impl<'a> Builder<'a> {
    pub fn new(info: RunInfo<'a>, db: &'a VendorDb) -> Self {
        Builder {
            acc: Acc {
                scope: info.scope,
                db,
                vendors: FastMap::default(),
                unknown: FastMap::default(),
                hosts: FastMap::default(),
                third_hosts: 0,
                summary: Summary::default(),
                cookies: BTreeMap::new(),
                storage: BTreeMap::new(),
            },
            info,
            index: FastMap::default(),
            groups: Vec::new(),
            pages: Vec::new(),
            occurrences: 0,
            visited: 0,
            visits_failed: 0,
            consent_applied: 0,
            payloads: PayloadsOut::default(),
            state_pages: BTreeMap::new(),
            consent_not_applied: Vec::new(),
        }
    }

    /// How the run ended, known only after the crawl (and the browser phase).
    pub fn set_end(&mut self, stopped: Option<Stopped>, page_limit_reached: bool, browser: Option<BrowserInfo>) {
        self.info.stopped = stopped;
        self.info.page_limit_reached = page_limit_reached;
        self.info.browser = browser;
    }

    /// The pages added so far, in the order they came.
    pub fn pages(&self) -> &[PageOut] {
        &self.pages
    }

    /// A first-party asset is counted (in the page's and the run's totals); it is listed
    /// only with `--all-resources`. True when it is counted and not to be listed.
    pub(super) fn unlisted_asset(&mut self, party: Party, kind: ResourceKind) -> bool {
        if party != Party::First || !kind.is_asset() {
            return false;
        }
        self.acc.summary.first_party_assets += 1;
        if self.info.list_assets {
            return false;
        }
        self.occurrences += 1;
        true
    }

    /// Record one occurrence of the reference `key`, a new resource when the key is new;
    /// returns where it went (resource, occurrence), for the browser visit to update.
    pub(super) fn occur(
        &mut self,
        key: RefKey,
        host: &str,
        party: Party,
        vendor: Option<&str>,
        occ: OccurrenceOut,
    ) -> (usize, usize) {
        self.occur_with(key, |_| host.to_owned(), party, vendor, occ)
    }

    /// [`Self::occur`] with the host worked out from the key, only when it is a new resource.
    fn occur_with(
        &mut self,
        key: RefKey,
        host: impl FnOnce(&RefKey) -> String,
        party: Party,
        vendor: Option<&str>,
        occ: OccurrenceOut,
    ) -> (usize, usize) {
        self.occurrences += 1;
        let g = match self.index.get(&key) {
            Some(&g) => g,
            None => {
                let g = self.groups.len();
                let (host, vendor) = (host(&key), vendor.map(str::to_owned));
                self.groups.push(Group { host, party, vendor, occurrences: Vec::new() });
                self.index.insert(key, g);
                g
            }
        };
        let list = &mut self.groups[g].occurrences;
        list.push(occ);
        (g, list.len() - 1)
    }

    /// Fold one page in.
    pub fn add(&mut self, page: PageRecord) {
        match page.outcome {
            PageOutcome::Scanned => self.acc.summary.pages_scanned += 1,
            PageOutcome::Failed => self.acc.summary.pages_failed += 1,
            PageOutcome::Skipped => self.acc.summary.pages_skipped += 1,
        }
        // The page as a user knows it: where the content came from. Occurrences name it by
        // its arrival index; `finish` renumbers them in the pages' report order.
        let page_url: &str = page.final_url.as_deref().unwrap_or(&page.url);
        let pi = PageIndex::try_from(self.pages.len()).expect("fewer than 4 billion pages");
        let first_occurrence = self.occurrences;
        // Counted by extraction: first-party assets, never listed (`extract::Options`).
        self.acc.summary.first_party_assets += page.own_assets;
        self.occurrences += page.own_assets;
        // Browser mode matches the visit's requests against this page's markup references.
        let mut markup: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for res in page.resources {
            // The host is a slice of the URL's text, which the key takes over below: kept as
            // a range, so a reference copies its host only when it is a new resource.
            let host_at = host_range(&res.url);
            let host = &res.url.as_str()[host_at.clone()];
            // A lazy-load guess or an inert reference is listed, labelled, but does not make
            // its host a recipient: only a real load does (in browser mode the request, when
            // a script does load it, is counted as a runtime reference of its own).
            let guess = matches!(res.evidence.condition, Some(Condition::Lazy | Condition::Inert));
            let (party, vendor) = if guess {
                let (party, found) = self.acc.classified(host);
                (party, found.map(|m| m.vendor.id.as_str()))
            } else {
                self.acc.count(host, res.kind, Source::Markup, pi)
            };
            let match_on = (page.visit.is_some() && !guess).then(|| match_key(res.url.as_str()));
            if self.unlisted_asset(party, res.kind) {
                // Known to be in the markup, so the browser's request for it is not counted again.
                if let Some(k) = match_on {
                    markup.entry(k).or_default();
                }
                continue;
            }
            let ev = res.evidence;
            let key = RefKey {
                url: res.url.into(),
                kind: res.kind,
                element: ev.element,
                attribute: ev.attribute,
                raw: ev.raw,
                in_noscript: ev.in_noscript,
                attrs: ev.attrs,
                condition: ev.condition,
            };
            let occ = OccurrenceOut { page: pi, line: ev.line, source: Source::Markup, runtime: None };
            let at = self.occur_with(key, |k| k.url[host_at].to_owned(), party, vendor, occ);
            if let Some(k) = match_on {
                markup.entry(k).or_default().push(at);
            }
        }
        let mut visit_out = None;
        if let Some(visit) = &page.visit {
            self.visited += 1;
            self.visits_failed += usize::from(visit.failed);
            match &visit.consent {
                Some(c) if c.applied => self.consent_applied += 1,
                _ => self.consent_not_applied.push(page_url.to_owned()),
            }
            self.merge_visit(markup, visit, page_url, pi);
            self.acc.note_cookies(visit, page_url);
            self.acc.note_payloads(visit, pi, &mut self.payloads);
            self.acc.note_storage(visit, page_url);
            visit_out = Some(super::visit::visit_out(visit));
        }
        // Several consent states: every state's visit of the page, the first included.
        if !page.other_states.is_empty() {
            let all = page
                .visit_state
                .zip(page.visit.as_ref())
                .into_iter()
                .chain(page.other_states.iter().map(|(s, v)| (*s, v)));
            for (state, visit) in all {
                let entry = self.state_pages.entry(state).or_default();
                entry.0 += 1;
                match &visit.consent {
                    Some(c) if c.applied => entry.1 += 1,
                    _ if state != crate::model::ConsentState::None => entry.2.push(page_url.to_owned()),
                    _ => {}
                }
                self.acc.note_state(state, visit, pi);
            }
        }
        // A tag ID names the account that receives the data. It also names the vendor when
        // the vendor's own host is not in the markup (GA4's `G-` ID is loaded through
        // googletagmanager.com, the data goes to google-analytics.com).
        for tag in &page.tag_ids {
            if let Some(m) = self.acc.db.recipient(tag.vendor_host) {
                let v = self.acc.vendors.entry(m.vendor.id.clone()).or_default();
                v.tag_ids.insert(TagIdOut { kind: tag.kind, value: tag.value.clone() });
                v.pages.insert(pi);
                v.third_party |= !self.info.scope.is_first_party(tag.vendor_host);
            }
        }
        let payment_page = page.sensitive_inputs && self.info.detect_payment_pages
            || self.info.payment_paths.as_ref().is_some_and(|g| g.is_match(page_path(page_url)));
        self.pages.push(PageOut {
            url: page.url,
            final_url: page.final_url,
            file: page.file,
            depth: page.depth,
            status: page.status,
            outcome: page.outcome,
            error: page.error,
            skip: page.skip,
            truncated: page.truncated,
            cut: page.cut,
            resources: self.occurrences - first_occurrence,
            visit: visit_out,
            rendered_link: page.rendered_link,
            payment_page,
        });
    }

    /// Sort everything and hand over the inventory.
    pub fn finish(self) -> Inventory {
        let Builder {
            acc,
            info,
            index,
            groups,
            pages: page_out,
            occurrences,
            visited,
            visits_failed,
            consent_applied,
            mut consent_not_applied,
            payloads,
            state_pages,
        } = self;
        consent_not_applied.sort();
        let db = acc.db;
        // Pages in report order (by URL), and each arrival index's place in it.
        let mut order: Vec<usize> = (0..page_out.len()).collect();
        order.sort_by(|&a, &b| page_out[a].url.cmp(&page_out[b].url));
        let mut renumber = vec![0 as PageIndex; page_out.len()];
        for (at, &arrived) in order.iter().enumerate() {
            renumber[arrived] = at as PageIndex;
        }
        let mut arrived: Vec<Option<PageOut>> = page_out.into_iter().map(Some).collect();
        let page_out: Vec<PageOut> = order.iter().map(|&i| arrived[i].take().expect("each page once")).collect();
        let pages_of = |set: BTreeSet<PageIndex>| -> Vec<PageIndex> {
            let mut v: Vec<PageIndex> = set.into_iter().map(|p| renumber[p as usize]).collect();
            v.sort_unstable();
            v
        };
        // Each key beside its group (the index maps one to the other), then in report order.
        let mut keyed: Vec<(usize, RefKey)> = index.into_iter().map(|(key, g)| (g, key)).collect();
        keyed.sort_unstable_by_key(|(g, _)| *g);
        let mut entries: Vec<(RefKey, Group)> = keyed.into_iter().map(|(_, key)| key).zip(groups).collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let resources: Vec<ResourceOut> = entries
            .into_iter()
            .map(|(key, mut group)| {
                for o in &mut group.occurrences {
                    o.page = renumber[o.page as usize];
                }
                group.occurrences.sort_by_key(|o| (o.page, o.line, o.source));
                let sources: BTreeSet<Source> = group.occurrences.iter().map(|o| o.source).collect();
                let source = match collapse(sources).as_slice() {
                    [one] => *one,
                    _ => Source::Both,
                };
                ResourceOut {
                    url: key.url,
                    host: group.host,
                    kind: key.kind,
                    party: group.party,
                    vendor: group.vendor,
                    element: key.element.into_owned(),
                    attribute: key.attribute.to_owned(),
                    raw: key.raw,
                    in_noscript: key.in_noscript,
                    condition: key.condition,
                    attributes: key.attrs,
                    source,
                    occurrences: group.occurrences,
                    content: None,
                    content_error: None,
                }
            })
            .collect();
        let Acc { vendors, unknown, third_hosts, mut summary, cookies, storage, .. } = acc;

        let mut vendor_out: Vec<VendorOut> = vendors
            .into_iter()
            .filter_map(|(id, acc)| {
                let v = db.get(&id)?;
                Some(VendorOut {
                    id,
                    name: v.name.clone(),
                    company: v.company.clone(),
                    company_id: v.company_id.clone(),
                    parent: v.parent.clone(),
                    owner_kind: v.owner_kind,
                    previous_owners: v.previous_owners.clone(),
                    status: v.status.clone(),
                    incidents: v.incidents.iter().filter_map(|id| db.incident(id)).map(IncidentOut::from).collect(),
                    categories: v.categories.clone(),
                    data_received: v
                        .data_received
                        .iter()
                        .map(|d| DataOut { kind: d.kind.clone(), basis: d.basis.as_str(), source: d.source.clone() })
                        .collect(),
                    data_observed: observed_out(acc.observed, &pages_of),
                    consent_matrix: acc
                        .states
                        .into_iter()
                        .map(|(state, s)| ConsentCellOut {
                            state,
                            requests: s.requests,
                            after_choice: s.after_choice,
                            pages: pages_of(s.pages),
                            pages_after_choice: pages_of(s.pages_after_choice),
                            first_after_choice: s.first_after_choice,
                            pages_before_choice: pages_of(s.pages_before_choice),
                            first_before_choice: s.first_before_choice,
                            cookies: s.cookies.into_iter().collect(),
                            storage: s.storage.into_iter().collect(),
                            data_observed: s.kinds.into_iter().collect(),
                        })
                        .collect(),
                    homepage: v.homepage.clone(),
                    privacy_policy: v.privacy_policy.clone(),
                    hosts: acc.hosts.into_iter().collect(),
                    pages: pages_of(acc.pages),
                    kinds: acc.kinds.into_iter().collect(),
                    sources: collapse(acc.sources),
                    loaded_by: acc.loaded_by.into_iter().collect(),
                    loads: acc.loads.into_iter().collect(),
                    cookies: acc.cookies.into_iter().collect(),
                    storage: acc.storage.into_iter().collect(),
                    tag_ids: acc.tag_ids.into_iter().collect(),
                    resources: acc.resources,
                    first_party: !acc.third_party,
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
                hosted_on: db.hosted_on(&host).map(|v| v.name.clone()),
                host,
                pages: pages_of(acc.pages),
                kinds: acc.kinds.into_iter().collect(),
                sources: collapse(acc.sources),
                loaded_by: acc.loaded_by.into_iter().collect(),
                resources: acc.resources,
                data_observed: observed_out(acc.observed, &pages_of),
            })
            .collect();
        unknown_hosts.sort_by(|a, b| (&a.registrable_domain, &a.host).cmp(&(&b.registrable_domain, &b.host)));

        summary.resources = occurrences;
        summary.third_party_hosts = third_hosts;
        summary.vendors = vendor_out.iter().filter(|v| !v.first_party).count();
        summary.companies = companies.len();
        summary.unknown_hosts = unknown_hosts.len();

        Inventory {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
                vendor_db_version: db.file.db_version.clone(),
                vendor_db: VendorDbInfo {
                    version: db.file.db_version.clone(),
                    date: VendorDbInfo::date_of(&db.file.db_version),
                    vendors: db.vendors().len(),
                    sources: db
                        .file
                        .sources
                        .iter()
                        .map(|s| match &s.version {
                            Some(v) => format!("{} {v}", s.id),
                            None => s.id.clone(),
                        })
                        .collect(),
                },
            },
            mode: info.mode,
            targets: info.targets,
            first_party: info.scope.domains().map(str::to_owned).collect(),
            complete: info.stopped.is_none(),
            stopped: info.stopped,
            page_limit_reached: info.page_limit_reached,
            summary,
            pages: page_out,
            vendors: vendor_out,
            companies,
            unknown_hosts,
            resources,
            cookies: info.browser.as_ref().map(|_| cookies.into_values().collect()),
            storage: info.browser.as_ref().map(|_| storage.into_values().collect()),
            browser: info.browser.map(|b| BrowserOut {
                product: b.product,
                settle_ms: b.settle_ms,
                page_timeout_ms: b.page_timeout_ms,
                pages_visited: visited,
                pages_failed: visits_failed,
                consent: b.consent,
                gpc: b.gpc,
                consent_applied: (b.consent != crate::model::ConsentState::None).then_some(consent_applied),
                consent_not_applied: if b.consent == crate::model::ConsentState::None {
                    Vec::new()
                } else {
                    consent_not_applied
                },
                states: if b.states.len() > 1 {
                    b.states
                        .iter()
                        .map(|s| {
                            let (visited, applied, mut not_applied) = state_pages.get(s).cloned().unwrap_or_default();
                            not_applied.sort();
                            StateOut {
                                state: *s,
                                pages_visited: visited,
                                consent_applied: (*s != crate::model::ConsentState::None).then_some(applied),
                                consent_not_applied: not_applied,
                            }
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                typing: b.typing,
                scroll: b.scroll,
                settle_quiet_ms: b.settle_quiet_ms,
                settle_max_ms: (b.settle_max_ms > b.settle_ms).then_some(b.settle_max_ms),
                payloads,
            }),
        }
    }
}

/// `{markup, runtime}` reads as "both"; a vendor's `sources` is then `[both]`.
/// A recipient's observations in report order (sorted by key), with their pages renumbered.
fn observed_out(observed: Observed, pages_of: &dyn Fn(BTreeSet<PageIndex>) -> Vec<PageIndex>) -> Vec<DataObservedOut> {
    observed
        .into_iter()
        .map(|((kind, of, encoding, via), acc)| DataObservedOut {
            kind,
            of,
            encoding,
            via,
            pages: pages_of(acc.pages),
            // A page that names a thousand events would make the entry a page long.
            events: acc.events.into_iter().take(MAX_EVENTS).collect(),
            example: acc.example.unwrap_or_default(),
            request: acc.request.unwrap_or_default(),
        })
        .collect()
}

/// Event names listed per observation.
const MAX_EVENTS: usize = 20;

fn collapse(sources: BTreeSet<Source>) -> Vec<Source> {
    if sources.contains(&Source::Markup) && sources.contains(&Source::Runtime) {
        vec![Source::Both]
    } else {
        sources.into_iter().collect()
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
