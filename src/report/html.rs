//! The report a store owner reads: one self-contained, inert HTML page.
//!
//! Enters: a finished [`Report`]. Leaves: one HTML document that opens offline in any
//! browser: the verdict and the counts first, then what needs attention (findings, changes,
//! limits), the companies that receive data (each with its vendors and a data matrix), who
//! loaded whom, a matrix of page groups × companies, and what was not scanned.
//!
//! Inert by construction: the page loads nothing (no font, script, image or favicon from
//! anywhere), and its Content-Security-Policy allows only its own inline style and script by
//! hash, so even a name that slipped past escaping could neither run nor fetch. Everything
//! that comes from the scanned store is escaped, control and bidi characters made visible.
//! Deterministic like every format: the same report gives the same bytes. Size is bounded
//! for large stores: page lists are capped per vendor and per finding (the JSON has them
//! all) and the page matrix folds pages into at most [`MAX_GROUPS`] groups.

use super::{Report, fails, plural};
use crate::baseline::Changes;
use crate::checks::{Finding, Severity};
use crate::inventory::{Inventory, PageOut, VendorOut};
use crate::model::PageOutcome;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Page groups in the page matrix; smaller groups beyond this fold into "other pages".
const MAX_GROUPS: usize = 60;
/// Example pages listed per vendor, unknown host and finding.
const PAGES_LISTED: usize = 10;

const STYLE: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--err:#a40e26;--warn:#7d4e00;--ok:#116329;--note:#0550ae;--mark:#fff8c5}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer,nav{max-width:1100px;margin:0 auto;padding:0 16px}
header{padding-top:24px}
h1{font-size:1.6rem;margin:0 0 4px}
h2{font-size:1.25rem;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:0}
.sub{color:var(--muted);margin:0 0 12px}
.verdict{display:inline-block;padding:4px 12px;border-radius:6px;font-weight:600;margin:8px 0}
.verdict.failed{background:#ffebe9;color:var(--err)}.verdict.passed{background:#dafbe1;color:var(--ok)}.verdict.none{background:var(--soft);color:var(--muted)}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:8px;margin:12px 0;padding:0;list-style:none}
.stats li{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.stats b{display:block;font-size:1.5rem}
nav ul{list-style:none;padding:0;margin:8px 0;display:flex;flex-wrap:wrap;gap:4px 16px}
a{color:var(--note)}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:.92rem}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}
th button{all:unset;cursor:pointer}th button:focus-visible{outline:2px solid var(--note)}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
.sev-error{color:var(--err);font-weight:600}.sev-warning{color:var(--warn);font-weight:600}.sev-note{color:var(--note)}
.company{border:1px solid var(--line);border-radius:8px;padding:12px;margin:12px 0}
.company p{margin:4px 0}
.company header{padding:0;margin:0 0 8px;display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline}
.tag{display:inline-block;background:var(--soft);border:1px solid var(--line);border-radius:10px;padding:0 8px;font-size:.8rem;color:var(--muted)}
.tag.warn{background:#fff1e5;color:var(--warn);border-color:#ffd8b5}
.unknown{background:var(--mark)}
code.rule{white-space:nowrap;overflow-wrap:normal}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.yes{font-weight:600}
.tree,.tree ul{list-style:none;margin:0;padding-left:18px}
.tree{padding-left:0}
.tree li{position:relative;padding-left:14px}
.tree li::before{content:"";position:absolute;left:0;top:0;height:100%;border-left:1px solid var(--line)}
.tree li::after{content:"";position:absolute;left:0;top:.8em;width:10px;border-top:1px solid var(--line)}
.matrix td{text-align:center}.matrix td:first-child,.matrix th:first-child{text-align:left}
.matrix tbody th{white-space:nowrap;font-weight:normal}
.pay{color:var(--err);font-weight:600}
.tools{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.tools input,.tools select{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px}
.scroll{overflow-x:auto}
details summary{cursor:pointer;color:var(--note)}
footer{color:var(--muted);font-size:.85rem;padding:32px 16px}
@media (max-width:640px){body{font-size:14px}th,td{padding:3px 5px}.company{padding:8px}}
@media print{nav,.tools{display:none}.company{break-inside:avoid}details{display:block}a{color:inherit;text-decoration:none}body{font-size:11pt}}
"#;

/// Progressive enhancement only: without script everything is shown, unsorted.
const SCRIPT: &str = r#"
(function(){
  var box=document.getElementById('company-search'),cat=document.getElementById('company-category');
  function filter(){
    var q=(box.value||'').toLowerCase(),c=cat.value,shown=0;
    document.querySelectorAll('.company').forEach(function(a){
      var ok=a.getAttribute('data-search').indexOf(q)>=0&&(!c||(' '+a.getAttribute('data-categories')+' ').indexOf(' '+c+' ')>=0);
      a.hidden=!ok;if(ok)shown++;
    });
    document.getElementById('company-count').textContent=shown+' shown';
  }
  if(box){document.getElementById('company-tools').hidden=false;box.addEventListener('input',filter);cat.addEventListener('change',filter);}
  document.querySelectorAll('table.sortable').forEach(function(t){
    t.querySelectorAll('thead th').forEach(function(th,i){
      var b=th.querySelector('button');if(!b)return;
      b.addEventListener('click',function(){
        var asc=th.getAttribute('aria-sort')!=='ascending';
        t.querySelectorAll('thead th').forEach(function(o){o.removeAttribute('aria-sort')});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        function key(r){var c=r.cells[i];var k=c.getAttribute('data-sort');return k!==null?Number(k):c.textContent.trim().toLowerCase();}
        rows.sort(function(a,b){var x=key(a),y=key(b);return (x<y?-1:x>y?1:0)*(asc?1:-1);});
        rows.forEach(function(r){body.appendChild(r)});
      });
    });
  });
})();
"#;

/// Text from the scanned store (or anywhere) made safe for element content and quoted
/// attribute values: markup characters escaped, control and bidi-override characters shown
/// as `\u{..}` so they can neither hide nor reorder what a reader sees.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn csp_hash(text: &str) -> String {
    use base64::Engine;
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// The path of a page URL (`/products/mug`), or the URL itself when it has none.
fn path_of(url: &str) -> &str {
    crate::inventory::page_path(url)
}

fn page_key(p: &PageOut) -> &str {
    p.final_url.as_deref().unwrap_or(&p.url)
}

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "sev-error",
        Severity::Warning => "sev-warning",
        Severity::Note => "sev-note",
    }
}

/// A company and what the report knows about it.
struct Company<'a> {
    name: &'a str,
    parent: Option<&'a str>,
    vendors: Vec<&'a VendorOut>,
    pages: BTreeSet<&'a str>,
}

fn companies(inv: &Inventory) -> Vec<Company<'_>> {
    let by_id: BTreeMap<&str, &VendorOut> = inv.vendors.iter().map(|v| (v.id.as_str(), v)).collect();
    let mut out: Vec<Company> = inv
        .companies
        .iter()
        .map(|c| {
            let vendors: Vec<&VendorOut> = c.vendors.iter().filter_map(|id| by_id.get(id.as_str()).copied()).collect();
            let pages = vendors.iter().flat_map(|v| inv.page_names(&v.pages)).collect();
            Company { name: &c.name, parent: c.parent.as_deref(), vendors, pages }
        })
        .collect();
    // Most widespread first: the company on every page matters more than one on a page.
    out.sort_by(|a, b| b.pages.len().cmp(&a.pages.len()).then(a.name.cmp(b.name)));
    out
}

fn examples<'a>(pages: impl Iterator<Item = &'a str>, total: usize) -> String {
    let listed: Vec<String> = pages.take(PAGES_LISTED).map(|p| format!("<li><code>{}</code></li>", esc(p))).collect();
    let more = total.saturating_sub(listed.len());
    let more = if more > 0 {
        format!("<li class=\"muted\">and {more} more (see the JSON report)</li>")
    } else {
        String::new()
    };
    format!(
        "<details><summary>{}</summary><ul>{}{more}</ul></details>",
        plural(total, "page", "pages"),
        listed.concat()
    )
}

pub fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    head(r, &mut h);
    attention(r, &mut h);
    company_section(r, &mut h);
    unknown_section(r, &mut h);
    chains(r, &mut h);
    page_matrix(r, &mut h);
    not_scanned(r, &mut h);
    let _ = write!(
        h,
        "</main>\n<footer><p>Made by vendorscan {} with vendor database {}. This page loads nothing from \
         anywhere: it works offline and tells no one that it was opened. <b>Documented</b> data is what the \
         vendor says it collects; <b>likely</b> is what vendors of its kind typically receive, not checked \
         for this vendor.</p></footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        esc(r.inventory.tool.version),
        esc(&r.inventory.tool.vendor_db_version)
    );
    out.write_all(h.as_bytes())
}

fn head(r: &Report, h: &mut String) {
    let inv = &r.inventory;
    // The store by its domains (what a reader knows it by), then what was scanned.
    let target = match inv.first_party.as_slice() {
        [] => inv.targets.join(", "),
        domains => format!("{} ({})", domains.join(", "), inv.targets.join(", ")),
    };
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>Who receives visitor data: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1>Who receives your visitors' data</h1>\n<p class=\"sub\"><code>{}</code></p>\n",
        esc(&target),
        esc(&target)
    );
    let (class, text) = match &r.verdict {
        Some(v) if v.passed => ("passed", "Policy passed".to_owned()),
        Some(v) => (
            "failed",
            format!(
                "Policy failed: {}, {}",
                plural(v.errors, "error", "errors"),
                plural(v.warnings, "warning", "warnings")
            ),
        ),
        None => ("none", "No policy checked".to_owned()),
    };
    let _ = writeln!(h, "<p class=\"verdict {class}\" role=\"status\">{}</p>", esc(&text));
    let s = &inv.summary;
    let stat = |n: usize, label: &str| format!("<li><b>{n}</b>{label}</li>");
    let _ = writeln!(
        h,
        "<ul class=\"stats\">{}{}{}{}{}</ul>",
        stat(s.companies, "companies"),
        stat(s.vendors, "vendors"),
        stat(s.unknown_hosts, "unknown hosts"),
        stat(s.pages_scanned, "pages scanned"),
        stat(r.findings.len(), "findings"),
    );
    let date = r.scanned_on.map(|d| format!("scanned on {d} · ")).unwrap_or_default();
    let browser = inv.browser.as_ref().map(|b| format!(" · browser {}", esc(&b.product))).unwrap_or_default();
    let _ = writeln!(
        h,
        "<p class=\"sub\">{date}{} scanned, {} failed, {} skipped · {} third-party references to {} · vendorscan {} · vendor database {}{browser}</p>",
        plural(s.pages_scanned, "page", "pages"),
        s.pages_failed,
        s.pages_skipped,
        s.third_party_resources,
        plural(s.third_party_hosts, "host", "hosts"),
        esc(inv.tool.version),
        esc(&inv.tool.vendor_db_version),
    );
    h.push_str(
        "</header>\n<nav aria-label=\"Sections\"><ul><li><a href=\"#attention\">Needs attention</a></li>\
         <li><a href=\"#companies\">Companies</a></li><li><a href=\"#unknown\">Unknown hosts</a></li>\
         <li><a href=\"#chains\">Who loaded whom</a></li><li><a href=\"#pages\">Pages</a></li>\
         <li><a href=\"#not-scanned\">Not scanned</a></li></ul></nav>\n<main>\n",
    );
}

fn attention(r: &Report, h: &mut String) {
    let inv = &r.inventory;
    h.push_str(
        "<section id=\"attention\" aria-labelledby=\"attention-h\">\n<h2 id=\"attention-h\">Needs attention</h2>\n",
    );
    let mut nothing = true;
    if !inv.complete {
        nothing = false;
        let why = match inv.stopped {
            Some(crate::inventory::Stopped::TimeBudget) => "the time budget (--max-time) ran out",
            _ => "it was interrupted",
        };
        let _ = writeln!(
            h,
            "<p class=\"sev-error\">This scan is incomplete: {why}. It covers only the pages scanned until then.</p>"
        );
    }
    if inv.page_limit_reached {
        nothing = false;
        h.push_str("<p class=\"sev-warning\">The page limit (--max-pages) was reached: the store has more pages than this report covers.</p>\n");
    }
    if !r.findings.is_empty() {
        nothing = false;
        // One block per rule, most severe first (the findings' own order): what the rule
        // means and what to do is said once, then each finding with its evidence.
        let mut rules: Vec<crate::rules::RuleId> = Vec::new();
        for f in &r.findings {
            if !rules.contains(&f.rule) {
                rules.push(f.rule);
            }
        }
        for rule in rules {
            let of: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == rule).collect();
            let info = rule.info();
            let _ = writeln!(
                h,
                "<h3><code class=\"rule\">{}</code> · {}</h3>\n<p>{}. <span class=\"muted\">{}</span></p>",
                rule.as_str(),
                plural(of.len(), "finding", "findings"),
                esc(info.summary.trim_end_matches('.')),
                esc(info.help)
            );
            h.push_str(
                "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th scope=\"col\"><button type=\"button\">Severity</button></th>\
                 <th scope=\"col\">What</th><th scope=\"col\">Where</th><th scope=\"col\">Decided by</th></tr></thead><tbody>\n",
            );
            for f in of {
                finding_row(r, f, h);
            }
            h.push_str("</tbody></table></div>\n");
        }
    }
    if let Some(c) = &r.changes {
        nothing = false;
        changes(r, c, h);
    }
    if nothing {
        h.push_str("<p>Nothing: no findings, no changes, and the whole store within the limits was scanned.</p>\n");
    }
    h.push_str("</section>\n");
}

fn finding_row(r: &Report, f: &Finding, h: &mut String) {
    let failing = if fails(r, f) { " (fails the gate)" } else { "" };
    let rank = match f.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    };
    let places: Vec<String> = f
        .locations
        .iter()
        .map(|l| {
            let mut s = format!("<code>{}</code>", esc(&l.page));
            if let (Some(file), Some(line)) = (&l.file, l.line) {
                let _ = write!(s, " <span class=\"muted\">{}:{line}</span>", esc(&super::repo_path(file)));
            } else if let Some(line) = l.line {
                let _ = write!(s, " <span class=\"muted\">line {line}</span>");
            }
            if let Some(url) = &l.url {
                let _ = write!(s, "<br><code class=\"muted\">{}</code>", esc(url));
            }
            if let Some(by) = &l.loaded_by {
                let _ = write!(s, "<br><span class=\"muted\">loaded by</span> <code>{}</code>", esc(by));
            }
            s
        })
        .collect();
    let shown = places.len().min(PAGES_LISTED);
    let mut wher = places[..shown].iter().map(|p| format!("<li>{p}</li>")).collect::<String>();
    if places.len() > shown {
        let _ = write!(wher, "<li class=\"muted\">and {} more (see the JSON report)</li>", places.len() - shown);
    }
    let wher = if places.is_empty() {
        "<span class=\"muted\">the whole run</span>".to_owned()
    } else {
        format!("<ul>{wher}</ul>")
    };
    let _ = writeln!(
        h,
        "<tr><td data-sort=\"{rank}\" class=\"{}\">{}{failing}</td><td>{}</td><td>{wher}</td><td>{}</td></tr>",
        sev_class(f.severity),
        f.severity.as_str(),
        esc(&f.message),
        f.decided_by.as_ref().map(|d| format!("<code>{}</code>", esc(&d.to_string()))).unwrap_or_else(|| "—".into()),
    );
}

fn changes(r: &Report, c: &Changes, h: &mut String) {
    let _ = writeln!(h, "<h3>Changes since the baseline <code>{}</code></h3>", esc(&c.baseline));
    if c.is_empty() {
        h.push_str("<p>No change.</p>\n");
        return;
    }
    let name = |id: &str| {
        super::vendor_name(r, id).map_or_else(|| esc(id), |n| format!("{} (<code>{}</code>)", esc(n), esc(id)))
    };
    let mut list = |title: &str, items: Vec<String>| {
        if !items.is_empty() {
            let _ = writeln!(
                h,
                "<p><b>{title}</b></p><ul>{}</ul>",
                items.iter().map(|i| format!("<li>{i}</li>")).collect::<String>()
            );
        }
    };
    list("New vendors", c.new_vendors.iter().map(|v| name(v)).collect());
    list("Removed vendors", c.removed_vendors.iter().map(|v| name(v)).collect());
    list("New third-party hosts", c.new_hosts.iter().map(|x| format!("<code>{}</code>", esc(x))).collect());
    list("Removed third-party hosts", c.removed_hosts.iter().map(|x| format!("<code>{}</code>", esc(x))).collect());
    let script = |pay: bool, url: &str, page: &str| {
        format!(
            "{}<code>{}</code> on <code>{}</code>",
            if pay { "<span class=\"pay\">payment page</span> " } else { "" },
            esc(url),
            esc(page)
        )
    };
    list("New scripts", c.new_scripts.iter().map(|s| script(s.payment_page, &s.url, &s.page)).collect());
    list("Removed scripts", c.removed_scripts.iter().map(|s| script(s.payment_page, &s.url, &s.page)).collect());
    list(
        "Changed scripts",
        c.changed_scripts
            .iter()
            .map(|s| {
                format!(
                    "{}: {} <code>{}</code> → <code>{}</code>",
                    script(s.payment_page, &s.url, &s.page),
                    s.what,
                    esc(&s.before),
                    esc(&s.after)
                )
            })
            .collect(),
    );
}

/// The data kinds of the vendor database, as a reader says them; the order is the matrix's.
const KINDS: &[(&str, &str)] = &[
    ("ip-address", "IP address"),
    ("user-agent-device", "browser and device"),
    ("page-url-referrer", "pages viewed"),
    ("cookies-identifiers", "cookies and IDs"),
    ("browsing-behaviour", "browsing behaviour"),
    ("session-recording", "session recording"),
    ("form-input", "what is typed"),
    ("email-or-phone", "e-mail or phone"),
    ("purchase-cart", "cart and purchases"),
    ("payment-card", "card data"),
];

fn kind_label(kind: &str) -> String {
    KINDS.iter().find(|(k, _)| *k == kind).map_or_else(|| kind.replace('-', " "), |(_, l)| (*l).to_owned())
}

/// What a company's vendors receive, kind by kind: observed (seen leaving the browser)
/// beats documented (or inherent to every request), which beats likely (typical for the
/// category).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Basis {
    Observed,
    Documented,
    Likely,
}

fn received<'a>(vendors: &[&'a VendorOut]) -> BTreeMap<&'a str, Basis> {
    let mut kinds: BTreeMap<&str, Basis> = BTreeMap::new();
    for v in vendors {
        let observed = v.data_observed.iter().map(|o| (o.kind, Basis::Observed));
        let known = v
            .data_received
            .iter()
            .map(|d| (d.kind.as_str(), if d.basis == "inferred" { Basis::Likely } else { Basis::Documented }));
        for (kind, basis) in observed.chain(known) {
            let e = kinds.entry(kind).or_insert(basis);
            *e = (*e).min(basis);
        }
    }
    kinds
}

/// Companies × data kinds, the whole answer to "who receives what" at a glance.
fn data_matrix(list: &[Company], h: &mut String) {
    let rows: Vec<(&Company, BTreeMap<&str, Basis>)> = list.iter().map(|c| (c, received(&c.vendors))).collect();
    let mut columns: Vec<String> = KINDS
        .iter()
        .map(|(k, _)| (*k).to_owned())
        .filter(|k| rows.iter().any(|(_, m)| m.contains_key(k.as_str())))
        .collect();
    let extra: BTreeSet<&str> =
        rows.iter().flat_map(|(_, m)| m.keys().copied()).filter(|k| !KINDS.iter().any(|(x, _)| x == k)).collect();
    columns.extend(extra.into_iter().map(str::to_owned));
    if columns.is_empty() {
        return;
    }
    h.push_str(
        "<div class=\"scroll\"><table class=\"matrix\"><caption>Who receives what: <span class=\"yes\">◆</span> observed \
         leaving the browser, <span class=\"yes\">●</span> documented by the vendor, <span class=\"muted\">○</span> likely \
         for its kind of service</caption><thead><tr><th scope=\"col\">Company</th>",
    );
    for c in &columns {
        let _ = write!(h, "<th scope=\"col\">{}</th>", esc(&kind_label(c)));
    }
    h.push_str("</tr></thead><tbody>\n");
    for (company, kinds) in &rows {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", esc(company.name));
        for c in &columns {
            h.push_str(match kinds.get(c.as_str()) {
                Some(Basis::Observed) => "<td class=\"yes\">◆<span class=\"sr\"> observed</span></td>",
                Some(Basis::Documented) => "<td class=\"yes\">●<span class=\"sr\"> documented</span></td>",
                Some(Basis::Likely) => "<td class=\"muted\">○<span class=\"sr\"> likely</span></td>",
                None => "<td></td>",
            });
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
}

/// Observed, documented and likely data of one company, as lines of words.
fn data_lines(vendors: &[&VendorOut], h: &mut String) {
    let observed: Vec<String> = vendors.iter().flat_map(|v| super::observed_items(&v.data_observed)).collect();
    if !observed.is_empty() {
        let items: Vec<String> = observed.iter().map(|o| esc(o)).collect();
        let _ = write!(h, "<p><b>Observed:</b> {}</p>", items.join("; "));
    }
    let kinds = received(vendors);
    let of = |b: Basis| kinds.iter().filter(|(_, x)| **x == b).map(|(k, _)| esc(&kind_label(k))).collect::<Vec<_>>();
    let (documented, likely) = (of(Basis::Documented), of(Basis::Likely));
    if !documented.is_empty() {
        let _ = write!(h, "<p><b>Receives:</b> {}</p>", documented.join(", "));
    }
    if !likely.is_empty() {
        let _ = write!(h, "<p class=\"muted\"><b>Likely also:</b> {}</p>", likely.join(", "));
    }
}

fn company_section(r: &Report, h: &mut String) {
    let inv = &r.inventory;
    let list = companies(inv);
    let categories: BTreeSet<&str> =
        list.iter().flat_map(|c| c.vendors.iter().flat_map(|v| v.categories.iter().map(String::as_str))).collect();
    let _ = writeln!(
        h,
        "<section id=\"companies\" aria-labelledby=\"companies-h\">\n<h2 id=\"companies-h\">Companies that receive visitor data ({})</h2>\n\
         <p class=\"muted\">Grouped by the company that owns each vendor now, the most widespread first. Every request \
         gives the company the visitor's IP address and browser; the table says what else.</p>",
        list.len()
    );
    data_matrix(&list, h);
    let options: String = categories.iter().map(|c| format!("<option>{}</option>", esc(c))).collect();
    let _ = writeln!(
        h,
        "<div class=\"tools\" id=\"company-tools\" hidden><label>Search <input type=\"search\" id=\"company-search\" \
         placeholder=\"company, vendor, host\"></label><label>Category <select id=\"company-category\"><option value=\"\">all</option>{options}</select></label>\
         <span class=\"muted\" id=\"company-count\" aria-live=\"polite\"></span></div>"
    );
    if list.is_empty() {
        h.push_str("<p>No third-party company was found on the pages scanned.</p>\n");
    }
    for c in &list {
        let mut search = format!("{} {}", c.name, c.parent.unwrap_or(""));
        let mut cats: BTreeSet<&str> = BTreeSet::new();
        for v in &c.vendors {
            let _ = write!(search, " {} {}", v.name, v.id);
            for host in &v.hosts {
                let _ = write!(search, " {}", host.host);
            }
            cats.extend(v.categories.iter().map(String::as_str));
        }
        let approved = c.vendors.iter().filter(|v| r.approval(&v.id).is_some()).count();
        let _ = write!(
            h,
            "<article class=\"company\" data-search=\"{}\" data-categories=\"{}\">\n<header><h3>{}</h3>{}<span class=\"tag\">{}</span>{}</header>\n",
            esc(&search.to_lowercase()),
            esc(&cats.iter().copied().collect::<Vec<_>>().join(" ")),
            esc(c.name),
            c.parent.map(|p| format!("<span class=\"muted\">part of {}</span>", esc(p))).unwrap_or_default(),
            plural(c.pages.len(), "page", "pages"),
            if r.verdict.is_some() && approved < c.vendors.len() {
                "<span class=\"tag warn\">not approved</span>".to_owned()
            } else {
                String::new()
            },
        );
        h.push_str(
            "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Vendor</th><th scope=\"col\">Categories</th>\
             <th scope=\"col\">Referenced as</th><th scope=\"col\">Account IDs</th><th scope=\"col\">Pages</th></tr></thead><tbody>",
        );
        for v in &c.vendors {
            let hosts: Vec<String> = v.hosts.iter().map(|x| format!("<code>{}</code>", esc(&x.host))).collect();
            let kinds: Vec<&str> = v.kinds.iter().map(|k| k.as_str()).collect();
            let tags: Vec<String> = v
                .tag_ids
                .iter()
                .map(|t| format!("<code>{}</code> <span class=\"muted\">{}</span>", esc(&t.value), t.kind))
                .collect();
            let mut approval = r
                .approval(&v.id)
                .map(|a| format!("<br><span class=\"muted\">approved: {}</span>", esc(&a.reason)))
                .unwrap_or_default();
            for (label, note) in super::owner_notes(v) {
                let class = if matches!(label, "status" | "incident" | "owner") { "tag warn" } else { "muted" };
                let _ = write!(approval, "<br><span class=\"{class}\">{label}: {}</span>", esc(&note));
            }
            let _ = write!(
                h,
                "<tr><td>{}<br>{}{approval}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&v.name),
                hosts.join(" "),
                esc(&v.categories.join(", ")),
                if kinds.is_empty() { "an account ID in a script".to_owned() } else { esc(&kinds.join(", ")) },
                if tags.is_empty() { "—".to_owned() } else { tags.join("<br>") },
                examples(inv.page_names(&v.pages), v.pages.len()),
            );
        }
        h.push_str("</tbody></table></div>\n");
        data_lines(&c.vendors, h);
        h.push_str("</article>\n");
    }
    h.push_str("</section>\n");
}

fn unknown_section(r: &Report, h: &mut String) {
    let hosts = &r.inventory.unknown_hosts;
    let _ = writeln!(
        h,
        "<section id=\"unknown\" aria-labelledby=\"unknown-h\">\n<h2 id=\"unknown-h\">Unknown hosts ({})</h2>\n\
         <p class=\"muted\">Third-party hosts the vendor database does not know: someone receives visitor data \
         there, and the store should find out who.</p>",
        hosts.len()
    );
    if hosts.is_empty() {
        h.push_str("<p>None.</p>\n</section>\n");
        return;
    }
    h.push_str(
        "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th scope=\"col\"><button type=\"button\">Host</button></th>\
         <th scope=\"col\"><button type=\"button\">Domain</button></th><th scope=\"col\">Referenced as</th>\
         <th scope=\"col\"><button type=\"button\">Pages</button></th></tr></thead><tbody>\n",
    );
    for u in hosts {
        let kinds: Vec<&str> = u.kinds.iter().map(|k| k.as_str()).collect();
        let _ = writeln!(
            h,
            "<tr class=\"unknown\"><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td data-sort=\"{}\">{}</td></tr>",
            esc(&u.host),
            super::hosted_note(u).map(|n| format!("<br><span class=\"muted\">{}</span>", esc(&n))).unwrap_or_default(),
            esc(&u.registrable_domain),
            esc(&kinds.join(", ")),
            u.pages.len(),
            examples(r.inventory.page_names(&u.pages), u.pages.len()),
        );
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

/// Who loaded whom, from the page down: tag managers, the vendors they inject, and the
/// fourth parties those load, as a tree. Built from each vendor's and unknown host's
/// `loaded_by` (browser mode); a static scan only knows the page itself.
fn chains(r: &Report, h: &mut String) {
    let inv = &r.inventory;
    let _ =
        writeln!(h, "<section id=\"chains\" aria-labelledby=\"chains-h\">\n<h2 id=\"chains-h\">Who loaded whom</h2>");
    // Loader -> what it loaded; names are vendor ids, unknown hosts, or script paths.
    let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut label: BTreeMap<&str, String> = BTreeMap::new();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    for v in inv.vendors.iter().filter(|v| !v.first_party) {
        label.insert(&v.id, format!("{} <span class=\"muted\">({})</span>", esc(&v.name), esc(&v.company)));
        for by in &v.loaded_by {
            children.entry(by).or_default().insert(&v.id);
        }
        if v.loaded_by.is_empty() {
            children.entry("page").or_default().insert(&v.id);
        }
    }
    for u in &inv.unknown_hosts {
        unknown.insert(&u.host);
        label.insert(&u.host, format!("<code>{}</code> <span class=\"tag warn\">unknown</span>", esc(&u.host)));
        for by in &u.loaded_by {
            children.entry(by).or_default().insert(&u.host);
        }
        if u.loaded_by.is_empty() {
            children.entry("page").or_default().insert(&u.host);
        }
    }
    // A loader that is neither a vendor nor an unknown host is a script of the store's (or
    // an unnamed one): it hangs under the page.
    let loaders: Vec<&str> = children.keys().copied().filter(|k| *k != "page" && !label.contains_key(k)).collect();
    for l in loaders {
        label.insert(l, format!("<code>{}</code> <span class=\"muted\">(script)</span>", esc(l)));
        children.entry("page").or_default().insert(l);
    }
    if inv.browser.is_none() {
        h.push_str(
            "<p class=\"muted\">A static scan sees what the page's HTML references, not what its scripts load at \
             run time: every third party below hangs off the page. Scan with <code>--browser</code> to see tag \
             managers inject vendors and vendors load fourth parties.</p>\n",
        );
    }
    h.push_str("<ul class=\"tree\"><li><b>The store's pages</b>");
    let mut path = Vec::new();
    tree("page", &children, &label, &mut path, h);
    h.push_str("</li></ul>\n</section>\n");
}

fn tree<'a>(
    node: &'a str,
    children: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    label: &BTreeMap<&'a str, String>,
    path: &mut Vec<&'a str>,
    h: &mut String,
) {
    let Some(kids) = children.get(node) else { return };
    path.push(node);
    h.push_str("<ul>");
    for kid in kids {
        let name = label.get(kid).cloned().unwrap_or_else(|| esc(kid));
        if path.contains(kid) {
            // A loop (A loads B loads A): named once more, not followed again.
            let _ = write!(h, "<li>{name} <span class=\"muted\">(again)</span></li>");
            continue;
        }
        let _ = write!(h, "<li>{name}");
        tree(kid, children, label, path, h);
        h.push_str("</li>");
    }
    h.push_str("</ul>");
    path.pop();
}

/// Pages folded into groups a reader recognises: the home page, each payment page on its
/// own, and the rest by their first path segment (`/products/…`).
fn page_groups(inv: &Inventory) -> Vec<(String, bool, Vec<&str>)> {
    let mut groups: BTreeMap<(u8, String), (bool, Vec<&str>)> = BTreeMap::new();
    for p in inv.pages.iter().filter(|p| p.outcome == PageOutcome::Scanned) {
        let key = page_key(p);
        let path = path_of(key);
        let (rank, name) = if p.payment_page {
            (1, path.to_owned())
        } else if path == "/" {
            (0, "/".to_owned())
        } else {
            let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
            let deeper = path.trim_start_matches('/').trim_end_matches('/').contains('/');
            (2, if deeper { format!("/{first}/…") } else { format!("/{first}") })
        };
        let e = groups.entry((rank, name)).or_default();
        e.0 |= p.payment_page;
        e.1.push(key);
    }
    let mut list: Vec<(String, bool, Vec<&str>)> =
        groups.into_iter().map(|((_, n), (pay, pages))| (n, pay, pages)).collect();
    if list.len() > MAX_GROUPS {
        // Keep the home and payment pages and the largest groups; fold the rest.
        let (mut keep, mut fold): (Vec<_>, Vec<_>) = list.into_iter().partition(|(n, pay, _)| *pay || n == "/");
        fold.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then(a.0.cmp(&b.0)));
        let room = MAX_GROUPS.saturating_sub(keep.len() + 1);
        let other: Vec<&str> = fold.split_off(room.min(fold.len())).into_iter().flat_map(|g| g.2).collect();
        keep.extend(fold);
        keep.push(("other pages".to_owned(), false, other));
        list = keep;
    }
    list
}

fn page_matrix(r: &Report, h: &mut String) {
    let inv = &r.inventory;
    let list = companies(inv);
    let groups = page_groups(inv);
    let _ = writeln!(
        h,
        "<section id=\"pages\" aria-labelledby=\"pages-h\">\n<h2 id=\"pages-h\">What runs on which pages</h2>\n\
         <p class=\"muted\">Pages grouped by path; a number is how many pages of the group have the company. \
         <span class=\"pay\">Payment</span> pages are in PCI DSS scope (6.4.3: every script there must be \
         authorised and justified).</p>"
    );
    if groups.is_empty() || (list.is_empty() && inv.unknown_hosts.is_empty()) {
        h.push_str("<p>No third party on the pages scanned.</p>\n</section>\n");
        return;
    }
    let mut unknown_pages: BTreeSet<&str> = BTreeSet::new();
    for u in &inv.unknown_hosts {
        unknown_pages.extend(inv.page_names(&u.pages));
    }
    h.push_str("<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th scope=\"col\">Pages</th>");
    for c in &list {
        let _ = write!(h, "<th scope=\"col\">{}</th>", esc(c.name));
    }
    h.push_str("<th scope=\"col\">Unknown hosts</th></tr></thead><tbody>\n");
    for (name, pay, pages) in &groups {
        let _ = write!(
            h,
            "<tr><th scope=\"row\"><code class=\"rule\">{}</code><br><span class=\"muted\">{}</span>{}</th>",
            esc(name),
            plural(pages.len(), "page", "pages"),
            if *pay { " <span class=\"pay\">payment</span>" } else { "" }
        );
        let cell = |set: &BTreeSet<&str>| {
            let n = pages.iter().filter(|p| set.contains(*p)).count();
            match n {
                0 => "<td class=\"muted\">·</td>".to_owned(),
                n if n == pages.len() => format!("<td class=\"yes\" title=\"all {n}\">{n}</td>"),
                n => format!("<td>{n}</td>"),
            }
        };
        for c in &list {
            h.push_str(&cell(&c.pages));
        }
        h.push_str(&cell(&unknown_pages));
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

fn not_scanned(r: &Report, h: &mut String) {
    let pages: Vec<&PageOut> = r.inventory.pages.iter().filter(|p| p.outcome != PageOutcome::Scanned).collect();
    let _ = writeln!(
        h,
        "<section id=\"not-scanned\" aria-labelledby=\"not-scanned-h\">\n<h2 id=\"not-scanned-h\">Not scanned ({})</h2>",
        pages.len()
    );
    if pages.is_empty() {
        h.push_str("<p>Every page found was scanned.</p>\n</section>\n");
        return;
    }
    h.push_str(
        "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th scope=\"col\"><button type=\"button\">Page</button></th>\
         <th scope=\"col\"><button type=\"button\">Outcome</button></th><th scope=\"col\">Why</th></tr></thead><tbody>\n",
    );
    for p in pages {
        let outcome = match p.outcome {
            PageOutcome::Failed => "failed",
            PageOutcome::Skipped => "skipped",
            PageOutcome::Scanned => "scanned",
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{outcome}</td><td>{}</td></tr>",
            esc(&p.url),
            esc(p.error.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_shows_hidden_characters() {
        let hostile = "<script>alert(1)</script>\"' onload=x \u{1b}[31m \u{202e}gpj.exe &amp;";
        let e = esc(hostile);
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''), "{e}");
        assert!(!e.contains('\u{1b}') && !e.contains('\u{202e}'), "{e}");
        assert!(e.contains("\\u{1b}") && e.contains("\\u{202e}") && e.contains("&amp;amp;"), "{e}");
    }

    #[test]
    fn the_policy_hashes_are_the_inline_blocks() {
        // Chromium computes the hash over the element's text exactly as written.
        assert!(csp_hash(STYLE).starts_with("'sha256-") && csp_hash(SCRIPT) != csp_hash(STYLE));
        assert_eq!(csp_hash(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    }
}
