//! Classification trees (areas and iterations) of a project: how a tree is
//! defined in the assets ([`AreaSpec`], [`IterationSpec`]), the built tree
//! with its lookups, and the builder. Node ids and GUIDs derive from the
//! project, so every run builds identical trees.

use std::collections::HashMap;

use crate::sandbox::util::guid_from;

/// How a project's area tree is defined.
#[derive(Debug, Clone)]
pub enum AreaSpec {
    /// Relative paths (`Web/Checkout`).
    List(Vec<String>),
    /// Every combination of the per-level names (a big tree).
    Generated(Vec<Vec<String>>),
}

/// How a project's iteration tree is defined: leaves get consecutive date
/// ranges of `days` days from `start`; parents span their children.
#[derive(Debug, Clone)]
pub struct IterationSpec {
    /// Day number of the first day.
    pub start: i64,
    /// Length of each leaf iteration in days.
    pub days: i64,
    /// Leaf paths, relative (`Release 1/Sprint 1`).
    pub paths: Vec<String>,
}

/// One node of a classification tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Integer id (unique in the organization).
    pub id: i64,
    /// GUID identifier.
    pub identifier: String,
    /// Node name (the project name for the root).
    pub name: String,
    /// Path relative to the root, `\`-separated (`""` for the root).
    pub rel: String,
    /// Parent index.
    pub parent: Option<usize>,
    /// Child indices.
    pub children: Vec<usize>,
    /// Start and finish day numbers (iterations only).
    pub dates: Option<(i64, i64)>,
}

/// An area or iteration tree; node 0 is the root.
#[derive(Debug)]
pub struct Tree {
    /// `true` for areas, `false` for iterations.
    pub is_area: bool,
    /// Nodes; index 0 is the root.
    pub nodes: Vec<Node>,
    by_rel: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
}

impl Tree {
    /// A node by relative path (`\` or `/` separated, case-insensitive).
    pub fn find(&self, rel: &str) -> Option<usize> {
        let key = normalize_rel(rel);
        self.by_rel.get(&key).copied()
    }

    /// A node by integer id.
    pub fn by_id(&self, id: i64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Number of nodes, root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Never empty (there is always a root); provided for clippy.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// The classification trees of one project.
#[derive(Debug)]
pub struct Trees {
    /// Areas.
    pub areas: Tree,
    /// Iterations.
    pub iterations: Tree,
}

/// A relative path as the trees key it: `\`-separated, lower case.
fn normalize_rel(rel: &str) -> String {
    rel.split(['\\', '/'])
        .filter(|s| !s.is_empty())
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join("\\")
}

/// The identifier of a project's area or iteration root node.
pub(super) fn root_node_identifier(project_id: &str, is_area: bool) -> String {
    let kind = if is_area { "area" } else { "iteration" };
    guid_from(&format!("node:{project_id}:{kind}:"))
}

/// Builds a tree node by node, keeping the lookups up to date.
struct TreeBuilder {
    is_area: bool,
    project_id: String,
    next_id: i64,
    nodes: Vec<Node>,
    by_rel: HashMap<String, usize>,
}

impl TreeBuilder {
    /// A tree of the project `project_id` whose root, `project_name`, gets
    /// the id `first_id`.
    fn new(is_area: bool, project_id: &str, project_name: &str, first_id: i64) -> Self {
        let mut b = TreeBuilder {
            is_area,
            project_id: project_id.to_string(),
            next_id: first_id,
            nodes: Vec::new(),
            by_rel: HashMap::new(),
        };
        b.push(None, project_name.to_string(), String::new());
        b
    }

    fn push(&mut self, parent: Option<usize>, name: String, rel: String) -> usize {
        let idx = self.nodes.len();
        let key = rel.to_lowercase();
        let kind = if self.is_area { "area" } else { "iteration" };
        self.nodes.push(Node {
            id: self.next_id,
            identifier: guid_from(&format!("node:{}:{kind}:{key}", self.project_id)),
            name,
            rel,
            parent,
            children: Vec::new(),
            dates: None,
        });
        self.next_id += 1;
        if let Some(p) = parent {
            self.nodes[p].children.push(idx);
        }
        self.by_rel.insert(key, idx);
        idx
    }

    /// Adds `a/b/c`, creating missing ancestors; returns the leaf index.
    fn add_path(&mut self, path: &str) -> usize {
        let mut cur = 0usize;
        let mut rel = String::new();
        for seg in path.split(['/', '\\']).filter(|s| !s.trim().is_empty()) {
            let seg = seg.trim();
            if !rel.is_empty() {
                rel.push('\\');
            }
            rel.push_str(seg);
            cur = match self.by_rel.get(&rel.to_lowercase()) {
                Some(i) => *i,
                None => self.push(Some(cur), seg.to_string(), rel.clone()),
            };
        }
        cur
    }

    fn finish(self) -> Tree {
        let by_id = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id, i))
            .collect();
        Tree {
            is_area: self.is_area,
            nodes: self.nodes,
            by_rel: self.by_rel,
            by_id,
        }
    }
}

/// The trees of the project `project_id` named `project_name`, from their
/// definitions; node ids start above `node_id_base` (unique per project).
pub(super) fn build_trees(
    project_id: &str,
    project_name: &str,
    node_id_base: i64,
    areas: &AreaSpec,
    iterations: &IterationSpec,
) -> Trees {
    let mut a = TreeBuilder::new(true, project_id, project_name, node_id_base + 1);
    match areas {
        AreaSpec::List(paths) => {
            for path in paths {
                a.add_path(path);
            }
        }
        AreaSpec::Generated(levels) => {
            fn rec(b: &mut TreeBuilder, levels: &[Vec<String>], parent: usize, rel: &str) {
                let Some((first, rest)) = levels.split_first() else {
                    return;
                };
                for name in first {
                    let r = if rel.is_empty() {
                        name.clone()
                    } else {
                        format!("{rel}\\{name}")
                    };
                    let idx = b.push(Some(parent), name.clone(), r.clone());
                    rec(b, rest, idx, &r);
                }
            }
            rec(&mut a, levels, 0, "");
        }
    }
    let mut it = TreeBuilder::new(false, project_id, project_name, node_id_base + 50_001);
    let spec = iterations;
    for (k, path) in spec.paths.iter().enumerate() {
        let leaf = it.add_path(path);
        let start = spec.start + k as i64 * spec.days;
        let finish = start + spec.days - 3;
        it.nodes[leaf].dates = Some((start, finish.max(start)));
    }
    // Parents (except the root) span their children.
    for i in (1..it.nodes.len()).rev() {
        if let Some((s, f)) = it.nodes[i].dates
            && let Some(pi) = it.nodes[i].parent
            && pi != 0
        {
            let merged = match it.nodes[pi].dates {
                Some((ps, pf)) => (ps.min(s), pf.max(f)),
                None => (s, f),
            };
            it.nodes[pi].dates = Some(merged);
        }
    }
    Trees {
        areas: a.finish(),
        iterations: it.finish(),
    }
}
