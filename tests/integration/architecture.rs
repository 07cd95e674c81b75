//! The house rule, checked: data flows one way, so every `crate::` path in `src/` points to
//! a module of the same or an earlier layer, and the modules form no cycle.
//!
//! The layers are the ones `src/lib.rs` draws. A new module gets a place here; a change
//! that needs an import against the flow fails this test with the offending file and path,
//! which is the moment to move the code, not the rule.

use crate::common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Earlier layers first. A module may use its own layer and any earlier one.
const LAYERS: &[&[&str]] = &[
    &["model", "rules", "sanitize", "progress", "error", "exit"],
    &["decode", "scope", "flows"],
    &["vendors", "policy"],
    &["extract"],
    &["crawl", "local", "browser"],
    &["inventory"],
    &["baseline"],
    &["checks"],
    &["report"],
    &["pipeline"],
    &["cli"],
    &["plan"],
    &["commands"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("src/{module}: a module with no layer; give it one in {}", file!()))
}

/// The top-level module a file belongs to (`src/inventory/builder.rs` -> `inventory`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
    (name != "lib" && name != "main").then_some(name)
}

/// `crate::x` paths in the code, outside comments (doc links name modules without using them).
fn uses(text: &str) -> BTreeSet<String> {
    let path = regex::Regex::new(r"\bcrate::([a-z_][a-z0-9_]*)").unwrap();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .flat_map(|code| path.captures_iter(code).map(|c| c[1].to_owned()).collect::<Vec<_>>())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::` edge between top-level modules, with one file that makes it.
fn edges() -> BTreeMap<(String, String), String> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges = BTreeMap::new();
    for file in files {
        let Some(from) = module_of(&src, &file) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        for to in uses(&text) {
            if to != from {
                let shown = file.strip_prefix(root()).unwrap().display().to_string();
                edges.entry((from.clone(), to)).or_insert(shown);
            }
        }
    }
    edges
}

#[test]
fn imports_point_against_the_flow() {
    let edges = edges();
    assert!(edges.len() > 30, "the scan found too few imports to mean anything: {edges:?}");
    let wrong: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| layer_of(to) > layer_of(from))
        .map(|((from, to), file)| format!("{file}: `{from}` uses `crate::{to}`, a later layer"))
        .collect();
    assert!(wrong.is_empty(), "imports against the one-way flow:\n{}", wrong.join("\n"));
}

/// A cycle in the graph, as the path that closes it.
fn find_cycle<'a>(edges: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Vec<&'a str>> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges {
        graph.entry(from).or_default().push(to);
    }
    // Depth-first search with the path on the stack: a node seen again on the path closes
    // a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(i) = path.iter().position(|n| *n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, &graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycle_between_modules() {
    let edges = edges();
    let cycle = find_cycle(edges.keys().map(|(a, b)| (a.as_str(), b.as_str())));
    assert!(cycle.is_none(), "import cycle: {}", cycle.unwrap().join(" -> "));
}

/// The checker itself finds what it is for: an import named in code (not in a comment),
/// the layer order, and a made-up cycle.
#[test]
fn the_checker_sees_a_wrong_import() {
    let found = uses("use crate::report::Report; // crate::plan is only named here\n/// [`crate::cli`]\n");
    assert_eq!(found, BTreeSet::from(["report".to_owned()]));
    assert!(layer_of("report") > layer_of("inventory"), "inventory using report would be flagged");
    assert_eq!(module_of(Path::new("/s"), Path::new("/s/inventory/builder.rs")).as_deref(), Some("inventory"));
    assert_eq!(module_of(Path::new("/s"), Path::new("/s/lib.rs")), None);
    // The cycle the old house had: inventory -> checks -> inventory.
    let cycle = find_cycle([("inventory", "checks"), ("checks", "baseline"), ("baseline", "inventory")]);
    assert_eq!(cycle, Some(vec!["baseline", "inventory", "checks", "baseline"]));
    assert_eq!(find_cycle([("report", "checks"), ("checks", "inventory")]), None);
}
