//! The layout holds (README, Development): the rooms of `src/` depend in one
//! direction, no two files import each other (a `mod.rs` naming its own
//! children is containment, not an import back), the sandbox shares nothing
//! with the client but `ado::models`' data shapes, and no clap type is seen
//! below `cli/`.
//!
//! Imports are read from the source text: every `use` tree and every
//! `crate::…`/`super::…` path outside test modules, resolved to the longest
//! module prefix it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The rooms, each allowed to depend only on those after it.
const ORDER: &[&str] = &[
    "cli", "tui", "jobs", "wizard", "checks", "auth", "store", "ado", "net", "problem", "text",
];

struct Module {
    file: PathBuf,
    /// Non-test source, comments removed.
    code: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module of the library by path (`store::config`), `main.rs` aside.
fn modules() -> BTreeMap<String, Module> {
    let mut out = BTreeMap::new();
    let mut todo = vec![src()];
    while let Some(dir) = todo.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(src()).unwrap_or_else(|e| panic!("{e}"));
            let mut parts: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts == ["main"] {
                continue;
            }
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            out.insert(
                parts.join("::"),
                Module {
                    file: path,
                    code: non_test_code(&text),
                },
            );
        }
    }
    out
}

/// The text before the file's test module, without `//` comments.
fn non_test_code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    'find: for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            for next in &lines[i + 1..] {
                let t = next.trim();
                if t.starts_with("#[") {
                    continue;
                }
                if t.starts_with("mod ") || t.starts_with("pub(crate) mod ") {
                    // Attributes just above belong to the test module too.
                    let mut start = i;
                    while start > 0 && lines[start - 1].trim().starts_with("#[") {
                        start -= 1;
                    }
                    end = start;
                    break 'find;
                }
                break;
            }
        }
    }
    lines[..end]
        .iter()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a `use` tree names (`a::{b, c::{d as e}}` → `a::b`, `a::c::d`).
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let mut depth = 0;
    let mut part = String::new();
    let mut parts = Vec::new();
    for ch in tree.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            parts.push(std::mem::take(&mut part));
        } else {
            part.push(ch);
        }
    }
    parts.push(part);
    for p in parts {
        let p: String = p.split_whitespace().collect::<Vec<_>>().join(" ");
        if p.is_empty() {
            continue;
        }
        let join = |rest: &str| {
            if prefix.is_empty() {
                rest.to_string()
            } else {
                format!("{prefix}::{rest}")
            }
        };
        match p.find("::{") {
            Some(at) if p.ends_with('}') => {
                expand(&join(&p[..at]), &p[at + 3..p.len() - 1], out);
            }
            _ if p.starts_with('{') && p.ends_with('}') => {
                expand(prefix, &p[1..p.len() - 1], out);
            }
            _ => out.push(join(p.split(" as ").next().unwrap_or(&p).trim())),
        }
    }
}

/// The modules `name` imports.
fn imports(name: &str, code: &str, all: &BTreeMap<String, Module>) -> BTreeSet<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let tail = &rest[at + 4..];
        rest = tail;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = tail.find(';') else { break };
        let tree = &tail[..end];
        if tree.starts_with("crate") || tree.starts_with("super") || tree.starts_with("self") {
            expand("", tree, &mut paths);
        }
    }
    for start in ["crate::", "super::"] {
        for (at, _) in code.match_indices(start) {
            let before = code[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                // Inside a longer path (`super::super::x`): read from its start.
                continue;
            }
            let tail = &code[at..];
            let len = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            if tail[len..].starts_with('{') {
                // `super::{a, b}`: a use tree, read above.
                continue;
            }
            paths.push(tail[..len].trim_end_matches(':').to_string());
        }
    }
    let here: Vec<&str> = if name.is_empty() {
        vec![]
    } else {
        name.split("::").collect()
    };
    let mut out = BTreeSet::new();
    for path in paths {
        let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let mut full: Vec<&str> = Vec::new();
        let mut i = 0;
        match segs.first() {
            Some(&"crate") => i = 1,
            Some(&"super") | Some(&"self") => {
                full = here.clone();
                while let Some(s) = segs.get(i) {
                    match *s {
                        "super" => {
                            full.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    i += 1;
                }
            }
            _ => continue,
        }
        full.extend(&segs[i..]);
        for n in (1..=full.len()).rev() {
            let candidate = full[..n].join("::");
            if all.contains_key(&candidate) {
                if candidate != name {
                    out.insert(candidate);
                }
                break;
            }
        }
    }
    out
}

/// The room of a module: its first segment.
fn room(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let all = modules();
    all.iter()
        .map(|(name, m)| (name.clone(), imports(name, &m.code, &all)))
        .collect()
}

#[test]
fn the_reader_finds_imports_and_ignores_tests_and_comments() {
    let mut all = BTreeMap::new();
    for name in ["a", "a::b", "a::c", "d"] {
        all.insert(
            name.to_string(),
            Module {
                file: PathBuf::new(),
                code: String::new(),
            },
        );
    }
    let code = non_test_code(
        "use super::{b::X, c as Sea};\n// use crate::d;\nfn f() { crate::d::g(); }\n\
         #[cfg(test)]\nmod tests {\n    use crate::a::c;\n}\n",
    );
    let found = imports("a::b", &code, &all);
    assert_eq!(
        found,
        ["a::c", "d"].iter().map(|s| s.to_string()).collect(),
        "{code}"
    );
}

#[test]
fn rooms_depend_in_one_direction_and_the_sandbox_only_on_data_shapes() {
    let g = graph();
    let mut wrong = Vec::new();
    for (module, deps) in &g {
        let from = room(module);
        for dep in deps {
            let to = room(dep);
            if from == to {
                continue;
            }
            let ok = if from.is_empty() {
                true
            } else if from == "sandbox" {
                dep == "ado::models" || dep.starts_with("ado::models::")
            } else {
                match (
                    ORDER.iter().position(|r| *r == from),
                    ORDER.iter().position(|r| *r == to),
                ) {
                    (Some(a), Some(b)) => a < b,
                    // The commands may start the sandbox (`demo`).
                    (Some(_), None) => from == "cli" && to == "sandbox",
                    _ => false,
                }
            };
            if !ok {
                wrong.push(format!("{module} -> {dep}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layout:\n{}",
        wrong.join("\n")
    );
    for r in ORDER.iter().chain(&["sandbox"]) {
        assert!(
            g.keys().any(|m| room(m) == *r),
            "no room {r}: is ORDER stale?"
        );
    }
}

#[test]
fn no_two_files_import_each_other() {
    let g = graph();
    // A mod.rs naming its own children is containment; everything else counts.
    let edges = |m: &str| -> Vec<String> {
        g.get(m)
            .map(|deps| {
                deps.iter()
                    .filter(|d| {
                        let child_of_m = if m.is_empty() {
                            !d.contains("::")
                        } else {
                            d.strip_prefix(m)
                                .and_then(|r| r.strip_prefix("::"))
                                .is_some_and(|r| !r.contains("::"))
                        };
                        !child_of_m
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    // Depth-first search for a back edge; the circle is reported as found.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = g.keys().map(|k| (k.as_str(), Mark::New)).collect();
    let mut circles = Vec::new();
    for start in g.keys() {
        if mark[start.as_str()] != Mark::New {
            continue;
        }
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), edges(start))];
        mark.insert(start.as_str(), Mark::Open);
        while let Some((node, mut rest)) = stack.pop() {
            match rest.pop() {
                None => {
                    if let Some((k, _)) = g.get_key_value(&node) {
                        mark.insert(k.as_str(), Mark::Done);
                    }
                }
                Some(next) => {
                    stack.push((node, rest));
                    let Some((k, _)) = g.get_key_value(&next) else {
                        continue;
                    };
                    match mark[k.as_str()] {
                        Mark::New => {
                            mark.insert(k.as_str(), Mark::Open);
                            stack.push((next.clone(), edges(&next)));
                        }
                        Mark::Open => {
                            let at = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                            let mut path: Vec<&str> =
                                stack[at..].iter().map(|(n, _)| n.as_str()).collect();
                            path.push(&next);
                            circles.push(path.join(" -> "));
                        }
                        Mark::Done => {}
                    }
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_clap_type_below_the_commands() {
    let mut seen = Vec::new();
    for (name, m) in modules() {
        if room(&name) == "cli" {
            continue;
        }
        if m.code.contains("clap::") || m.code.contains("use clap") {
            seen.push(m.file.display().to_string());
        }
    }
    assert!(seen.is_empty(), "clap below cli/: {seen:?}");
}
