//! The layers of `src/` point one way: each file imports (by `crate::` path) only
//! from its own layer or those below it, and no two modules import each other,
//! directly or round a longer circle. ARCHITECTURE.md describes the same order.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first. `lib.rs` (the story, `run`) and `main.rs` stand on top.
const LAYERS: [&str; 6] = ["base", "spec", "report", "connect", "steps", "options"];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/steps/apply.rs` -> `["steps", "apply"]`; `mod.rs` names its folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(src)
        .expect("under src/")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Every `crate::a::b` path in the text, as its first two segments; a grouped
/// `crate::{a, b}` gives one path per name.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|seg| {
                seg.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|seg| !seg.is_empty())
            .take(2)
            .collect()
    };
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `connect_deploy::` in a doc comment, say
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let path = ident(item.trim());
                if !path.is_empty() {
                    paths.push(path);
                }
            }
        } else {
            let path = ident(rest);
            if !path.is_empty() {
                paths.push(path);
            }
        }
    }
    paths
}

#[test]
fn imports_point_down_and_never_round_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut upward = Vec::new();
    let mut unknown = Vec::new();
    // Module (its first two segments: `steps::apply`) -> the modules it imports.
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let Some(layer) = module.first() else {
            continue;
        };
        if layer == "lib" || layer == "main" {
            continue;
        }
        let Some(own) = rank(layer) else {
            unknown.push(format!("{}: a file outside every layer", file.display()));
            continue;
        };
        let from = module
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("::");
        let text = fs::read_to_string(file).expect("a readable source file");
        for path in crate_paths(&text) {
            match rank(&path[0]) {
                Some(theirs) if theirs > own => upward.push(format!(
                    "{}: {} imports crate::{} (a higher layer)",
                    file.display(),
                    layer,
                    path.join("::")
                )),
                Some(_) => {
                    let to = path.join("::");
                    if to != from && path.len() == 2 {
                        graph.entry(from.clone()).or_default().insert(to);
                    }
                }
                None => unknown.push(format!(
                    "{}: crate::{} is in no layer (the crate root is above them all)",
                    file.display(),
                    path.join("::")
                )),
            }
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
    assert!(
        unknown.is_empty(),
        "imports outside the layers:\n{}",
        unknown.join("\n")
    );

    // A circle among modules: depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_string());
            circles.push(circle.join(" -> "));
            return;
        }
        if !done.insert(node.to_string()) {
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_inline_paths() {
    let paths = crate_paths(
        "use crate::{base::exit, spec::definitions::Definition};\nx(crate::report::redact::cut(t));\n// connect_deploy::steps::apply",
    );
    assert_eq!(
        paths,
        vec![
            vec!["base".to_string(), "exit".to_string()],
            vec!["spec".to_string(), "definitions".to_string()],
            vec!["report".to_string(), "redact".to_string()],
        ]
    );
}
