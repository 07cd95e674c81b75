//! Validation of vendor files: the shipped database (in tests) and a user's `--vendors`
//! file (`vendorscan vendors check FILE`, and before every scan that uses one).
//!
//! Enters: JSON text (or a parsed [`DbFile`]) and the vocabularies to check against.
//! Leaves: the parsed file, or every [`Problem`] found, each with the line and entry.

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

/// Validate a parsed file against vocabularies. Problems carry no line yet.
pub fn validate(file: &DbFile, categories: &HashSet<&str>, data_kinds: &HashSet<&str>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |entry: Option<&str>, message: String| {
        problems.push(Problem { line: None, entry: entry.map(str::to_owned), message })
    };
    if file.schema_version != SCHEMA_VERSION {
        push(None, format!("schema_version is {}, this vendorscan reads {SCHEMA_VERSION}", file.schema_version));
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
    }
    problems
}

/// Parse and validate a user's vendor file against the built-in vocabularies.
pub fn check_user_file(text: &str, builtin: &VendorDb) -> Result<DbFile, Vec<Problem>> {
    let file: DbFile = serde_json::from_str(text)
        .map_err(|e| vec![Problem { line: Some(e.line()), entry: None, message: format!("{e}") }])?;
    let categories: HashSet<&str> = builtin.category_ids().collect();
    let kinds: HashSet<&str> = builtin.data_kind_ids().collect();
    let mut problems = validate(&file, &categories, &kinds);
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
