//! Keeps the engine's top-level modules a DAG: reads `src/*.rs` and each top-level module's
//! directory, builds the graph of `crate::<module>` uses between top-level modules (a name
//! lib.rs re-exports counts as a use of the module it comes from), and fails naming every
//! cycle. A cycle makes modules impossible to read, test or change one at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The top-level modules lib.rs declares (test-only ones aside).
fn modules(lib: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut test_only = false;
    for line in lib.lines().map(str::trim) {
        if line == "#[cfg(test)]" {
            test_only = true;
            continue;
        }
        let decl = line
            .strip_prefix("pub ")
            .unwrap_or(line)
            .strip_prefix("mod ");
        if let Some(name) = decl.and_then(|d| d.strip_suffix(';'))
            && !test_only
        {
            out.push(name.to_string());
        }
        test_only = false;
    }
    out
}

/// lib.rs's re-exports: each name, with the module it comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';').map(str::trim) {
        let Some(path) = stmt.strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(['{', '}']).split(',') {
            let name = item.trim().rsplit("::").next().unwrap_or("");
            if !name.is_empty() {
                out.insert(name.to_string(), module.to_string());
            }
        }
    }
    out
}

/// Every `.rs` file of a top-level module: `name.rs`, and the files under `name/`.
fn files_of(src: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let file = src.join(format!("{name}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let mut dirs = vec![src.join(name)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// `code` without its comments (a `//` ends the line's code; good enough for paths).
fn without_comments(code: &str) -> String {
    let lines = code.lines().map(|l| l.split("//").next().unwrap_or(""));
    lines.collect::<Vec<_>>().join("\n")
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segment of every `crate::` path in `code`: `crate::x::y` gives `x`, and
/// `crate::{x, y::{z, w}}` gives `x` and `y`.
fn crate_names(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let after = &code[i + "crate::".len()..];
        let Some(group) = after.strip_prefix('{') else {
            out.insert(ident(after).to_string());
            continue;
        };
        let (mut depth, mut start) = (0usize, 0usize);
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                ',' | '}' if depth == 0 => {
                    out.insert(ident(group[start..j].trim()).to_string());
                    start = j + 1;
                    if c == '}' {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out.remove("");
    out
}

/// The engine's graph: each top-level module and the top-level modules it uses.
fn engine_graph() -> Graph {
    let src = src();
    let lib = read(&src.join("lib.rs"));
    let modules = modules(&lib);
    let reexports = reexports(&lib);
    let mut graph = Graph::new();
    for m in &modules {
        let mut uses = BTreeSet::new();
        for f in files_of(&src, m) {
            for name in crate_names(&without_comments(&read(&f))) {
                let target = reexports.get(&name).unwrap_or(&name);
                if modules.contains(target) && target != m {
                    uses.insert(target.clone());
                }
            }
        }
        graph.insert(m.clone(), uses);
    }
    graph
}

/// Every module reachable from `start` (itself only when on a cycle).
fn reachable(graph: &Graph, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&String> = graph.get(start).into_iter().flatten().collect();
    while let Some(n) = stack.pop() {
        if seen.insert(n.clone()) {
            stack.extend(graph.get(n).into_iter().flatten());
        }
    }
    seen
}

/// The graph's cycles, each as the set of modules that reach each other (its strongly
/// connected components of more than one module).
fn cycles(graph: &Graph) -> BTreeSet<BTreeSet<String>> {
    let reach: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reachable(graph, m))).collect();
    let mut out = BTreeSet::new();
    for (m, from_m) in &reach {
        if !from_m.contains(*m) {
            continue;
        }
        let component: BTreeSet<String> = from_m
            .iter()
            .filter(|n| reach.get(n).is_some_and(|r| r.contains(*m)))
            .cloned()
            .collect();
        out.insert(component);
    }
    out
}

/// The cycles as a message, each with the uses that close it.
fn describe(graph: &Graph, cycles: &BTreeSet<BTreeSet<String>>) -> String {
    let mut out = String::new();
    for c in cycles {
        let edges: Vec<String> = c
            .iter()
            .flat_map(|m| {
                let uses = graph[m].iter().filter(|n| c.contains(*n));
                uses.map(move |n| format!("{m} → {n}"))
            })
            .collect();
        out.push_str(&format!("cycle among {c:?}: {}\n", edges.join(", ")));
    }
    out
}

/// The modules of the engine's core (issue #11's scheduler, object state machine and their
/// leaves): none of them may be on a cycle now.
const CORE: &[&str] = &[
    "run", "order", "process", "progress", "listed", "waits", "options", "report",
];

#[test]
fn no_cycle_among_the_top_level_modules() {
    let graph = engine_graph();
    assert!(graph.len() > 10, "modules not found: {graph:?}");
    let cycles = cycles(&graph);
    assert!(cycles.is_empty(), "{}", describe(&graph, &cycles));
}

#[test]
fn the_core_modules_are_on_no_cycle() {
    let graph = engine_graph();
    for m in CORE {
        assert!(graph.contains_key(*m), "{m} not found: {graph:?}");
    }
    let on_core: BTreeSet<_> = cycles(&graph)
        .into_iter()
        .filter(|c| CORE.iter().any(|m| c.contains(*m)))
        .collect();
    assert!(on_core.is_empty(), "{}", describe(&graph, &on_core));
}

#[test]
fn uses_are_read_from_paths_and_groups_and_cycles_are_found() {
    let code = "use crate::a::X;\nuse crate::{b, c::{D, E}, F};\n\
                // crate::commented\nlet x = crate::g::h();";
    let names = crate_names(&without_comments(code));
    let expected = ["F", "a", "b", "c", "g"].map(String::from);
    assert_eq!(names, BTreeSet::from(expected));
    let lib = "pub mod a;\nmod b;\n#[cfg(test)]\nmod t;\npub use a::{X, Y};\npub use b::Z;";
    assert_eq!(modules(lib), ["a", "b"]);
    assert_eq!(reexports(lib).get("Y").map(String::as_str), Some("a"));
    let edge = |a: &str, b: &[&str]| (a.to_string(), b.iter().map(|s| s.to_string()).collect());
    let graph: Graph = [
        edge("a", &["b"]),
        edge("b", &["c"]),
        edge("c", &["a"]),
        edge("d", &["a"]),
    ]
    .into_iter()
    .collect();
    let found = cycles(&graph);
    assert_eq!(found.len(), 1);
    assert!(describe(&graph, &found).contains("c → a"), "{found:?}");
    let dag: Graph = [edge("a", &["b"]), edge("b", &[])].into_iter().collect();
    assert!(cycles(&dag).is_empty());
}
