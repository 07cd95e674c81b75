//! Validation of vendor files: the shipped database (in tests) and a user's `--vendors`
//! file (`vendorscan vendors check FILE`, and before every scan that uses one).
//!
//! Enters: JSON text (or a parsed [`DbFile`]) and the vocabularies to check against.
//! Leaves: the parsed file, or every [`Problem`] found, each with the line and entry.

use super::schema::{Basis, OLDEST_SCHEMA_VERSION};
use super::{DbFile, SCHEMA_VERSION, VendorDb};
use std::collections::{HashMap, HashSet};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    /// The entry's id (or `vendors[N]` when it has none).
    pub entry: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "{line}: ")?;
        } else {
            write!(f, " ")?;
        }
        if let Some(entry) = &self.entry {
            write!(f, "vendor \"{entry}\": ")?;
        }
        f.write_str(&self.message)
    }
}

/// A host or domain as the database writes it: lowercase ASCII (IDN as punycode), labels
/// of letters, digits, `-` and `_`, at least two labels, no scheme, wildcard or dot at
/// either end.
pub fn valid_rule_host(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn is_web_url(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// A date as the database writes one: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real day of
/// the calendar between 1990 and 2100.
pub fn valid_when(s: &str) -> bool {
    let year_ok = |y: &str| y.len() == 4 && y.parse::<u16>().is_ok_and(|y| (1990..=2100).contains(&y));
    match s.len() {
        4 => year_ok(s),
        7 => year_ok(&s[..4]) && format!("{s}-01").parse::<jiff::civil::Date>().is_ok(),
        10 => year_ok(&s[..4]) && s.parse::<jiff::civil::Date>().is_ok(),
        _ => false,
    }
}

/// What a vendor file may refer to besides its own entries: the built-in database's
/// companies and incidents (a user's file may name them).
#[derive(Default)]
pub struct Known<'a> {
    pub companies: HashSet<&'a str>,
    pub incidents: HashSet<&'a str>,
}

/// Validate a parsed file against vocabularies. Problems carry no line yet.
pub fn validate(file: &DbFile, categories: &HashSet<&str>, data_kinds: &HashSet<&str>) -> Vec<Problem> {
    validate_with(file, categories, data_kinds, &Known::default())
}

/// [`validate`], where ids may also point into `known` (the built-in database).
pub fn validate_with(
    file: &DbFile,
    categories: &HashSet<&str>,
    data_kinds: &HashSet<&str>,
    known: &Known<'_>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |entry: Option<&str>, message: String| {
        problems.push(Problem { line: None, entry: entry.map(str::to_owned), message })
    };
    if !(OLDEST_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&file.schema_version) {
        push(
            None,
            format!(
                "schema_version is {}, this vendorscan reads {OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}",
                file.schema_version
            ),
        );
    }
    let mut company_ids: HashSet<&str> = known.companies.clone();
    let mut own_companies = HashSet::new();
    for c in &file.companies {
        let e = Some(c.id.as_str());
        if !is_kebab(&c.id) {
            push(e, format!("company id \"{}\" must be kebab-case", c.id));
        }
        if !own_companies.insert(c.id.as_str()) {
            push(e, "company id is listed twice".into());
        }
        if c.name.trim().is_empty() {
            push(e, "company name is empty".into());
        }
        company_ids.insert(&c.id);
    }
    for c in &file.companies {
        if let Some(p) = &c.parent {
            if !company_ids.contains(p.as_str()) || p == &c.id {
                push(Some(&c.id), format!("company parent \"{p}\" is not a listed company"));
            }
        }
        if c.homepage.as_deref().is_some_and(|u| !is_web_url(u)) {
            push(Some(&c.id), "company homepage is not an http(s) URL".into());
        }
        if let Some(country) = &c.country {
            if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                push(Some(&c.id), format!("country \"{country}\" must be an ISO 3166-1 alpha-2 code such as \"US\""));
            }
        }
    }
    let vendor_ids: HashSet<&str> = file.vendors.iter().map(|v| v.id.as_str()).collect();
    let mut incident_ids: HashSet<&str> = known.incidents.clone();
    for inc in &file.incidents {
        let e = Some(inc.id.as_str());
        if !is_kebab(&inc.id) {
            push(e, format!("incident id \"{}\" must be kebab-case", inc.id));
        }
        if !incident_ids.insert(&inc.id) && !known.incidents.contains(inc.id.as_str()) {
            push(e, "incident id is listed twice".into());
        }
        if !valid_when(&inc.date) {
            push(e, format!("incident date \"{}\" is not YYYY, YYYY-MM or YYYY-MM-DD", inc.date));
        }
        if inc.summary.trim().is_empty() {
            push(e, "incident summary is empty".into());
        }
        if inc.sources.is_empty() || inc.sources.iter().any(|u| !is_web_url(u)) {
            push(e, "an incident needs sources, each an http(s) URL".into());
        }
        if inc.hosts.is_empty() && inc.vendors.is_empty() {
            push(e, "the incident names no host and no vendor".into());
        }
        for h in inc.hosts.iter().filter(|h| !valid_rule_host(h)) {
            push(e, format!("incident host \"{h}\" is not a lowercase host name"));
        }
        for v in inc.vendors.iter().filter(|v| !vendor_ids.contains(v.as_str())) {
            push(e, format!("incident names vendor \"{v}\", which the file does not have"));
        }
    }
    let mut ids = HashSet::new();
    let mut domain_owner: HashMap<&str, &str> = HashMap::new();
    let mut host_owner: HashMap<&str, &str> = HashMap::new();
    for (i, v) in file.vendors.iter().enumerate() {
        let label = if v.id.is_empty() { format!("vendors[{i}]") } else { v.id.clone() };
        let e = Some(label.as_str());
        if !is_kebab(&v.id) {
            push(e, format!("id \"{}\" must be kebab-case (a-z, 0-9, single dashes)", v.id));
        }
        if !ids.insert(v.id.as_str()) {
            push(e, "id is used by another entry".into());
        }
        if v.name.trim().is_empty() {
            push(e, "name is empty".into());
        }
        if v.company.trim().is_empty() {
            push(e, "company is empty".into());
        }
        if v.categories.is_empty() {
            push(e, "categories is empty; give at least one".into());
        }
        for c in &v.categories {
            if !categories.contains(c.as_str()) {
                let mut known: Vec<&&str> = categories.iter().collect();
                known.sort();
                let known: Vec<&str> = known.into_iter().copied().collect();
                push(e, format!("unknown category \"{c}\" (known: {})", known.join(", ")));
            }
        }
        if v.domains.is_empty() && v.hosts.is_empty() {
            push(e, "no domains or hosts: the entry would never match".into());
        }
        for d in &v.domains {
            if !valid_rule_host(d) {
                push(
                    e,
                    format!("domain \"{d}\" is not a lowercase host name (no scheme, path, \"*.\" or trailing dot)"),
                );
            } else if let Some(other) = domain_owner.insert(d, &v.id) {
                push(e, format!("domain \"{d}\" is also claimed by \"{other}\""));
            }
        }
        for h in &v.hosts {
            if !valid_rule_host(h) {
                push(e, format!("host \"{h}\" is not a lowercase host name"));
            } else if let Some(other) = host_owner.insert(h, &v.id) {
                push(e, format!("host \"{h}\" is also claimed by \"{other}\""));
            }
        }
        for d in &v.data_received {
            if !data_kinds.contains(d.kind.as_str()) {
                push(e, format!("unknown data kind \"{}\"", d.kind));
            }
        }
        for (field, value) in [("homepage", &v.homepage), ("privacy_policy", &v.privacy_policy)] {
            if let Some(u) = value {
                let ok = url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                if !ok {
                    push(e, format!("{field} \"{u}\" is not an http(s) URL"));
                }
            }
        }
        if let Some(c) = &v.country {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                push(e, format!("country \"{c}\" must be an ISO 3166-1 alpha-2 code such as \"US\""));
            }
        }
        if let Some(id) = &v.company_id {
            if !company_ids.contains(id.as_str()) {
                push(e, format!("company_id \"{id}\" is not a listed company"));
            }
        }
        for p in &v.previous_owners {
            if p.company.trim().is_empty() {
                push(e, "a previous owner has no company".into());
            }
            if p.company_id.as_deref().is_some_and(|id| !company_ids.contains(id)) {
                push(
                    e,
                    format!(
                        "previous owner company_id \"{}\" is not a listed company",
                        p.company_id.as_deref().unwrap_or("")
                    ),
                );
            }
            if !valid_when(&p.until) {
                push(e, format!("previous owner \"{}\": until \"{}\" is not YYYY or YYYY-MM-DD", p.company, p.until));
            }
            if !is_web_url(&p.source) {
                push(
                    e,
                    format!(
                        "previous owner \"{}\": source must be the http(s) URL that documents the change",
                        p.company
                    ),
                );
            }
        }
        if let Some(s) = &v.status {
            if !valid_when(&s.since) {
                push(e, format!("status since \"{}\" is not YYYY or YYYY-MM-DD", s.since));
            }
            if !is_web_url(&s.source) {
                push(e, "status source must be an http(s) URL".into());
            }
        }
        if let Some(d) = &v.verified {
            if d.len() != 10 || !valid_when(d) {
                push(e, format!("verified \"{d}\" must be a date such as 2026-12-03"));
            }
        }
        for i in v.incidents.iter().filter(|i| !incident_ids.contains(i.as_str())) {
            push(e, format!("incident \"{i}\" is not in the file's incidents"));
        }
        for d in &v.data_received {
            if let Some(u) = &d.source {
                if !is_web_url(u) {
                    push(e, format!("data kind \"{}\": source \"{u}\" is not an http(s) URL", d.kind));
                }
            } else if d.basis == Basis::Documented && file.schema_version >= 2 {
                push(e, format!("data kind \"{}\" is documented but cites no source URL", d.kind));
            }
        }
    }
    problems
}

/// Parse and validate a user's vendor file against the built-in vocabularies.
pub fn check_user_file(text: &str, builtin: &VendorDb) -> Result<DbFile, Vec<Problem>> {
    let file: DbFile = serde_json::from_str(text)
        .map_err(|e| vec![Problem { line: Some(e.line()), entry: None, message: format!("{e}") }])?;
    let categories: HashSet<&str> = builtin.category_ids().collect();
    let kinds: HashSet<&str> = builtin.data_kind_ids().collect();
    let known = Known {
        companies: builtin.file.companies.iter().map(|c| c.id.as_str()).collect(),
        incidents: builtin.file.incidents.iter().map(|i| i.id.as_str()).collect(),
    };
    let mut problems = validate_with(&file, &categories, &kinds, &known);
    if problems.is_empty() {
        return Ok(file);
    }
    for p in &mut problems {
        p.line = p.entry.as_deref().and_then(|id| line_of_id(text, id));
    }
    Err(problems)
}

/// The line where `"id": "<id>"` is written, so a message points into the file.
fn line_of_id(text: &str, id: &str) -> Option<usize> {
    let needle = format!("\"{id}\"");
    text.lines().position(|l| l.contains("\"id\"") && l.contains(&needle)).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> VendorDb {
        VendorDb::embedded().unwrap()
    }

    #[test]
    fn accepts_a_good_file() {
        let text = r#"{"schema_version": 1, "vendors": [
  {"id": "acme-widgets", "name": "Acme Widgets", "company": "Acme", "categories": ["other"],
   "domains": ["acme-widgets.io"], "data_received": [{"kind": "ip-address", "basis": "inherent"}]}
]}"#;
        let file = check_user_file(text, &builtin()).expect("valid");
        assert_eq!(file.vendors[0].id, "acme-widgets");
    }

    #[test]
    fn reports_each_problem_with_line_and_entry() {
        let text = r#"{"schema_version": 1, "vendors": [
  {"id": "ok-one", "name": "A", "company": "A", "categories": ["other"], "domains": ["a.io"]},
  {"id": "Bad_Id", "name": "B", "company": "B", "categories": ["adverts"], "domains": ["*.b.io", "a.io"]}
]}"#;
        let problems = check_user_file(text, &builtin()).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text.iter().any(|t| t.starts_with("3: vendor \"Bad_Id\": id \"Bad_Id\" must be kebab-case")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("unknown category \"adverts\"")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("domain \"*.b.io\" is not a lowercase host name")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("domain \"a.io\" is also claimed by \"ok-one\"")), "{text:?}");
    }

    #[test]
    fn syntax_and_unknown_fields_point_at_the_line() {
        let problems =
            check_user_file("{\"schema_version\": 1,\n \"vendors\": [\n {\"id\": \"x\", \"nmae\": 1}]}", &builtin())
                .unwrap_err();
        assert_eq!(problems[0].line, Some(3));
        assert!(problems[0].message.contains("unknown field `nmae`"), "{}", problems[0].message);
        let problems = check_user_file("{\"schema_version\": 1,\n", &builtin()).unwrap_err();
        assert!(problems[0].message.contains("EOF"), "{}", problems[0].message);
    }

    /// The shipped database passes the same checks as a user's file, against its own
    /// vocabularies: unique kebab ids, known categories and data kinds, valid lowercase
    /// hosts, no domain or host claimed twice.
    #[test]
    fn shipped_database_is_valid() {
        let db = builtin();
        let categories: HashSet<&str> = db.category_ids().collect();
        let kinds: HashSet<&str> = db.data_kind_ids().collect();
        assert!(categories.contains("session-replay") && kinds.contains("payment-card"));
        let problems = validate(&db.file, &categories, &kinds);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            !db.file.sources.is_empty()
                && db.file.sources[0].attribution.as_deref().unwrap_or("").contains("Patrick Hulce")
        );
    }

    #[test]
    fn dates_as_the_database_writes_them() {
        assert!(valid_when("2020") && valid_when("2024-06") && valid_when("2024-06-25"));
        assert!(!valid_when("2024-02-30") && !valid_when("24") && !valid_when("1889") && !valid_when("2024-13"));
        assert!(!valid_when("2024/06/25") && !valid_when(""));
    }

    #[test]
    fn owners_sources_and_dates_are_checked() {
        let text = r#"{"schema_version": 2,
 "companies": [{"id": "acme", "name": "Acme", "parent": "nobody"}],
 "incidents": [{"id": "leak", "date": "2024-02-30", "kind": "data-breach", "hosts": ["acme.io"], "summary": "s", "sources": ["ftp://x"]}],
 "vendors": [
  {"id": "acme-widgets", "name": "Acme Widgets", "company": "Acme", "company_id": "acme", "categories": ["other"],
   "domains": ["acme-widgets.io"],
   "previous_owners": [{"company": "Old", "until": "twenty", "source": "not a url"}],
   "status": {"state": "discontinued", "since": "2023", "source": "https://example.com/eol"},
   "incidents": ["leak", "unknown-incident"],
   "data_received": [{"kind": "email", "basis": "documented"}]}
]}"#;
        let problems = check_user_file(text, &builtin()).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        for expected in [
            "company parent \"nobody\" is not a listed company",
            "incident date \"2024-02-30\"",
            "an incident needs sources, each an http(s) URL",
            "until \"twenty\" is not YYYY",
            "source must be the http(s) URL that documents the change",
            "incident \"unknown-incident\" is not in the file's incidents",
            "data kind \"email\" is documented but cites no source URL",
        ] {
            assert!(text.iter().any(|t| t.contains(expected)), "missing {expected:?} in {text:#?}");
        }
        assert_eq!(text.len(), 7, "{text:#?}");
    }

    #[test]
    fn a_first_format_file_still_reads() {
        let text = r#"{"schema_version": 1, "vendors": [
  {"id": "acme-widgets", "name": "Acme Widgets", "company": "Acme", "categories": ["other"],
   "domains": ["acme-widgets.io"], "data_received": [{"kind": "email", "basis": "documented"}]}]}"#;
        assert!(check_user_file(text, &builtin()).is_ok());
        let text = text.replace("\"schema_version\": 1", "\"schema_version\": 3");
        let problems = check_user_file(&text, &builtin()).unwrap_err();
        assert!(problems[0].message.contains("reads 1 to 2"), "{problems:?}");
    }

    #[test]
    fn host_rules() {
        assert!(valid_rule_host("static.klaviyo.com"));
        assert!(valid_rule_host("xn--mnchen-3ya.de"));
        assert!(!valid_rule_host("Static.klaviyo.com"));
        assert!(!valid_rule_host("*.klaviyo.com"));
        assert!(!valid_rule_host("klaviyo.com."));
        assert!(!valid_rule_host("https://klaviyo.com"));
        assert!(!valid_rule_host("localhost"));
    }
}
