//! `vendorscan policy init TARGET`: a starting policy that approves what is there today.
//!
//! Enters: the same target and crawl flags as `scan`. Leaves: a `vendorscan.toml` with one
//! `[[allow]]` entry per vendor (grouped by category, `reason = "TODO"`) and per unknown
//! host: the inventory a team then reviews. The file passes as written, so the gate can
//! be switched on at once and tightened entry by entry.

use super::{load_db, note, progress_bar};
use crate::cli::InitArgs;
use crate::error::Error;
use crate::exit::Outcome;
use crate::inventory::{Inventory, Stopped};
use crate::model::plural;
use crate::pipeline;
use crate::plan;
use crate::policy::{self, Policy};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn run(args: InitArgs) -> Result<Outcome, Error> {
    if args.output.exists() && !args.force {
        return Err(Error::input(format!("{} already exists", args.output.display()))
            .with_help("review and edit the existing policy, or pass --force to replace it"));
    }
    let db = crate::vendors::DbLoading::ready(load_db(args.target.vendors.as_deref())?);
    let mut job = plan::job(&args.target, &Policy::default().payment, &Policy::default().identity)?;
    // A policy written without the browser's findings would approve too little: stop here.
    if let Some(e) = job.browser_missing.take() {
        return Err(e);
    }
    match &job.site_note {
        Some(crate::pipeline::SiteNote::Inferred(line)) if !args.quiet => note(line),
        Some(crate::pipeline::SiteNote::Missing(line)) => note(line),
        _ => {}
    }
    let progress = progress_bar(args.quiet);
    let run = pipeline::Runner::new(job.budget)?;
    let collected = pipeline::collect(&run, &job, &db, &progress)?;
    run.finish();
    if let Some(why) = collected.deferred_error {
        return Err(why);
    }
    match collected.stopped {
        Some(Stopped::Interrupted) => {
            return Err(Error::nothing_scanned("interrupted: no policy written from a partial scan")
                .with_help("run `vendorscan policy init` again and let it finish"));
        }
        Some(Stopped::TimeBudget) => {
            return Err(Error::nothing_scanned("the time budget ran out: no policy written from a partial scan")
                .with_help("give it more time with --max-time (e.g. --max-time 2h), or fewer pages with --max-pages"));
        }
        None => {}
    }
    let text = render(&collected.inventory, policy::today());
    // Re-read what we wrote: a policy init that the gate rejects would be a bug.
    policy::parse(&text, Some(&args.output), db.get()?)?;
    std::fs::write(&args.output, &text)
        .map_err(|e| Error::input(format!("cannot write {}: {e}", args.output.display())))?;
    if !args.quiet {
        let r = &collected.inventory;
        super::note(&format!(
            "wrote {}: {} vendors and {} unknown hosts approved as found on {} pages; review every reason = \"TODO\"",
            args.output.display(),
            r.summary.vendors,
            r.summary.unknown_hosts,
            r.summary.pages_scanned
        ));
    }
    Ok(Outcome::Done)
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// The policy text for a report.
pub fn render(r: &Inventory, today: jiff::civil::Date) -> String {
    let mut t = String::new();
    // A year from today; jiff keeps it on the calendar (29 Feb becomes 28 Feb).
    let expires = today.saturating_add(jiff::Span::new().years(1));
    let _ = writeln!(t, "# vendorscan policy: the third parties this store approves, and why.");
    let _ = writeln!(
        t,
        "# Written by `vendorscan policy init` on {today} from {} ({}).",
        r.targets.join(", "),
        plural(r.summary.pages_scanned, "page", "pages")
    );
    let _ = writeln!(t, "# Review every entry: replace reason = \"TODO\" with why the store uses the vendor,");
    let _ = writeln!(t, "# set an owner, limit it to the pages it belongs on, and delete what should not be there.");
    let _ = writeln!(t, "# Every key is described in {}\n", crate::policy::DOCS_URL);
    let _ = writeln!(t, "fail-on = \"error\"   # error | warning | never");
    let _ = writeln!(
        t,
        "unknown = \"error\"   # a third party in no vendor entry and no [[allow]] host: allow | warn | error\n"
    );
    let mut by_category: BTreeMap<&str, Vec<&crate::inventory::VendorOut>> = BTreeMap::new();
    for v in r.vendors.iter().filter(|v| !v.first_party) {
        by_category.entry(v.categories.first().map_or("other", String::as_str)).or_default().push(v);
    }
    for (category, vendors) in by_category {
        let _ = writeln!(t, "# --- {category} ---");
        for v in vendors {
            let _ = writeln!(t, "[[allow]]");
            let _ = writeln!(
                t,
                "vendor = \"{}\"   # {} ({}); {}",
                v.id,
                one_line(&v.name),
                one_line(&v.company),
                plural(v.pages.len(), "page", "pages")
            );
            let _ = writeln!(t, "reason = \"TODO\"");
            // The owner at approval: the next scan after an acquisition says so (owner-changed).
            let _ = writeln!(
                t,
                "owned-by = {}   # the company that owns it today",
                toml::Value::String(one_line(&v.company))
            );
            // Browser mode: what it was seen receiving, approved as found like the vendor itself;
            // the reviewer removes what it should not get, and the gate holds it to the rest.
            let mut kinds: Vec<&str> = v.data_observed.iter().map(|o| o.kind).collect();
            kinds.dedup();
            if !kinds.is_empty() {
                let list: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
                let _ = writeln!(
                    t,
                    "data = [{}]   # what the browser saw it receive; remove what it should not get",
                    list.join(", ")
                );
            }
            let _ = writeln!(t, "# owner = \"\"");
            let _ = writeln!(t, "# expires = {expires}");
            let _ = writeln!(t, "# pages = [\"/**\"]\n");
        }
    }
    if !r.unknown_hosts.is_empty() {
        let _ = writeln!(t, "# --- third-party hosts not in the vendor database: find out who runs them ---");
        for u in &r.unknown_hosts {
            let kinds: Vec<&str> = u.kinds.iter().map(|k| k.as_str()).collect();
            let _ = writeln!(t, "[[allow]]");
            let _ = writeln!(
                t,
                "host = \"{}\"   # {}: {}",
                u.host,
                plural(u.pages.len(), "page", "pages"),
                kinds.join(", ")
            );
            let _ = writeln!(t, "reason = \"TODO\"\n");
        }
    }
    let payment: Vec<&str> =
        r.pages.iter().filter(|p| p.payment_page).map(|p| p.final_url.as_deref().unwrap_or(&p.url)).collect();
    let unsigned = r.occurrences().any(|x| {
        x.kind == crate::model::ResourceKind::Script
            && x.party == crate::inventory::Party::Third
            && !x.attributes.get("integrity").is_some_and(|i| crate::checks::valid_sri(i))
            && payment.contains(&x.page)
    });
    let _ = writeln!(t, "# PCI DSS 6.4.3: pages where scripts must be inventoried and justified.");
    if !payment.is_empty() {
        let _ = writeln!(t, "# Detected by their card fields: {}", payment.join(", "));
    }
    let _ = writeln!(t, "[payment-pages]");
    let _ = writeln!(t, "paths = []   # e.g. [\"/checkout/**\", \"/cart\"]");
    let _ = writeln!(t, "detect = true   # also pages with card fields (card number, CVC, expiry)");
    if unsigned {
        let _ = writeln!(t, "# Third-party scripts on payment pages have no integrity= today: write real reasons for");
        let _ = writeln!(t, "# their vendors above, then turn this on.");
        let _ = writeln!(t, "require-integrity = false");
    } else {
        let _ = writeln!(t, "require-integrity = true");
    }
    t
}
