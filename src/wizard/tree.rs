//! A tree picker for area and iteration paths: expand/collapse, a filter
//! that keeps the ancestors of every match visible, and a jump to a path.
//! Built for 20,000+ nodes: nodes live in one pre-order vector with each
//! subtree's end precomputed, so showing, filtering and moving are linear
//! scans over plain data (no allocation per node per keystroke beyond the
//! visible index list).

use crate::ado::models::{ClassificationNode, NodeName};

/// A nested node as Azure DevOps sends it: a name and its children.
pub trait TreeSource: Sized {
    fn node_name(&self) -> &str;
    fn node_children(&self) -> &[Self];
}

impl TreeSource for ClassificationNode {
    fn node_name(&self) -> &str {
        &self.name
    }
    fn node_children(&self) -> &[Self] {
        &self.children
    }
}

impl TreeSource for NodeName {
    fn node_name(&self) -> &str {
        &self.name
    }
    fn node_children(&self) -> &[Self] {
        &self.children
    }
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    pub name: String,
    /// The path in field form: `Project\Area\Child` (no leading backslash,
    /// no `Area`/`Iteration` structure segment).
    pub path: String,
    pub depth: u16,
    pub parent: Option<u32>,
}

/// A row to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeRow<'a> {
    pub node: &'a TreeNode,
    pub selected: bool,
    pub has_children: bool,
    pub expanded: bool,
    /// The node itself matches the filter (not only shown as an ancestor).
    pub matched: bool,
}

/// The picker's state.
#[derive(Debug, Clone, Default)]
pub struct TreePicker {
    nodes: Vec<TreeNode>,
    /// Lower-case names, for matching.
    lower: Vec<String>,
    /// Index one past the end of each node's subtree.
    end: Vec<u32>,
    expanded: Vec<bool>,
    /// Scratch: nodes shown while filtering (matches and their ancestors).
    shown: Vec<bool>,
    matched: Vec<bool>,
    query: String,
    /// Indexes of the visible nodes, in order.
    visible: Vec<u32>,
    /// Position in `visible`.
    selected: usize,
}

/// A classification node's `path` (`\Project\Area\Child`) in field form
/// (`Project\Child`): the leading backslash and the structure segment
/// (`Area`, `Iteration`; the second segment) removed. Already-converted
/// paths come back unchanged.
pub fn field_form_of_node_path(path: &str) -> String {
    if path.starts_with('\\') {
        crate::ado::models::node_path_to_field_path(path)
    } else {
        path.to_string()
    }
}

impl TreePicker {
    /// A picker over `nodes` (pre-order: each node after its parent, its
    /// subtree contiguous). The root is expanded.
    pub fn new(nodes: Vec<TreeNode>) -> Self {
        let n = nodes.len();
        let mut end = vec![0u32; n];
        // A subtree ends at the next node whose depth is not deeper.
        let mut stack: Vec<usize> = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            while let Some(&top) = stack.last() {
                if nodes[top].depth >= node.depth {
                    end[top] = i as u32;
                    stack.pop();
                } else {
                    break;
                }
            }
            stack.push(i);
        }
        for i in stack {
            end[i] = n as u32;
        }
        let mut t = TreePicker {
            lower: nodes.iter().map(|n| n.name.to_lowercase()).collect(),
            expanded: vec![false; n],
            shown: vec![false; n],
            matched: vec![false; n],
            end,
            nodes,
            query: String::new(),
            visible: Vec::new(),
            selected: 0,
        };
        if let Some(e) = t.expanded.first_mut() {
            *e = true;
        }
        t.refresh();
        t
    }

    /// The tree of a classification node read with `$depth` (its children
    /// nested), with field-form paths built from the names.
    pub fn from_classification<T: TreeSource>(root: &T) -> Self {
        let mut nodes = Vec::new();
        // (node, depth, parent index, parent path)
        let mut stack: Vec<(&T, u16, Option<u32>, String)> = vec![(root, 0, None, String::new())];
        while let Some((node, depth, parent, parent_path)) = stack.pop() {
            let path = if parent_path.is_empty() {
                node.node_name().to_string()
            } else {
                format!("{parent_path}\\{}", node.node_name())
            };
            let index = nodes.len() as u32;
            nodes.push(TreeNode {
                name: node.node_name().to_string(),
                path: path.clone(),
                depth,
                parent,
            });
            // Reverse, so the first child is visited first.
            for child in node.node_children().iter().rev() {
                stack.push((child, depth.saturating_add(1), Some(index), path.clone()));
            }
        }
        TreePicker::new(nodes)
    }

    fn refresh(&mut self) {
        let keep = self.visible.get(self.selected).copied();
        self.visible.clear();
        if self.query.is_empty() {
            let mut i = 0usize;
            while i < self.nodes.len() {
                self.visible.push(i as u32);
                if self.expanded[i] {
                    i += 1;
                } else {
                    i = self.end[i] as usize;
                }
            }
        } else {
            let words: Vec<String> = self
                .query
                .to_lowercase()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            self.shown.iter_mut().for_each(|s| *s = false);
            for i in 0..self.nodes.len() {
                // Every word in the node's name or an ancestor's: `ops sprint`
                // finds Operations\Sprint 3.
                let hit = words.iter().all(|w| {
                    self.lower[i].contains(w.as_str()) || {
                        let mut p = self.nodes[i].parent;
                        let mut found = false;
                        while let Some(j) = p {
                            if self.lower[j as usize].contains(w.as_str()) {
                                found = true;
                                break;
                            }
                            p = self.nodes[j as usize].parent;
                        }
                        found
                    }
                });
                self.matched[i] = hit && words.iter().any(|w| self.lower[i].contains(w.as_str()));
                if self.matched[i] {
                    let mut j = Some(i as u32);
                    while let Some(k) = j {
                        if self.shown[k as usize] {
                            break;
                        }
                        self.shown[k as usize] = true;
                        j = self.nodes[k as usize].parent;
                    }
                }
            }
            for (i, s) in self.shown.iter().enumerate() {
                if *s {
                    self.visible.push(i as u32);
                }
            }
        }
        let filtering = !self.query.is_empty();
        self.selected = keep
            // While filtering, keep the selection only when it matches.
            .filter(|k| !filtering || self.matched[*k as usize])
            .and_then(|k| self.visible.iter().position(|v| *v == k))
            .or_else(|| {
                // While filtering, land on the first real match.
                (!self.query.is_empty())
                    .then(|| self.visible.iter().position(|v| self.matched[*v as usize]))
                    .flatten()
            })
            .unwrap_or(0);
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn set_query(&mut self, query: &str) {
        if self.query != query {
            self.query = query.to_string();
            self.refresh();
        }
    }

    pub fn len(&self) -> usize {
        self.visible.len()
    }

    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    /// Number of nodes in the tree.
    pub fn total(&self) -> usize {
        self.nodes.len()
    }

    /// The selected node.
    pub fn selected(&self) -> Option<&TreeNode> {
        let i = *self.visible.get(self.selected)?;
        self.nodes.get(i as usize)
    }

    fn has_children(&self, i: usize) -> bool {
        self.end[i] as usize > i + 1
    }

    pub fn select_next(&mut self) {
        if self.selected + 1 < self.visible.len() {
            self.selected += 1;
        }
    }

    pub fn select_prev(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    pub fn page_down(&mut self, n: usize) {
        self.selected = (self.selected + n).min(self.visible.len().saturating_sub(1));
    }

    pub fn page_up(&mut self, n: usize) {
        self.selected = self.selected.saturating_sub(n);
    }

    /// Right: expand the selected node (or step into its first child).
    pub fn expand(&mut self) {
        let Some(&i) = self.visible.get(self.selected) else {
            return;
        };
        let i = i as usize;
        if !self.has_children(i) {
            return;
        }
        if self.expanded[i] && self.query.is_empty() {
            self.select_next();
        } else {
            self.expanded[i] = true;
            if self.query.is_empty() {
                self.refresh();
            }
        }
    }

    /// Left: collapse the selected node (or go to its parent).
    pub fn collapse(&mut self) {
        let Some(&i) = self.visible.get(self.selected) else {
            return;
        };
        let i = i as usize;
        if self.expanded[i] && self.has_children(i) && self.query.is_empty() {
            self.expanded[i] = false;
            self.refresh();
        } else if let Some(p) = self.nodes[i].parent
            && let Some(pos) = self.visible.iter().position(|v| *v == p)
        {
            self.selected = pos;
        }
    }

    /// Selects the node with this field-form path (case-insensitive),
    /// expanding its ancestors and clearing the filter. `false` when there
    /// is no such node.
    pub fn select_path(&mut self, path: &str) -> bool {
        let want = path.trim().trim_start_matches('\\');
        let Some(i) = self
            .nodes
            .iter()
            .position(|n| n.path.eq_ignore_ascii_case(want))
        else {
            return false;
        };
        let mut p = self.nodes[i].parent;
        while let Some(j) = p {
            self.expanded[j as usize] = true;
            p = self.nodes[j as usize].parent;
        }
        self.query.clear();
        self.refresh();
        if let Some(pos) = self.visible.iter().position(|v| *v as usize == i) {
            self.selected = pos;
        }
        true
    }

    /// Whether a node with this field-form path exists.
    pub fn contains_path(&self, path: &str) -> bool {
        let want = path.trim().trim_start_matches('\\');
        self.nodes.iter().any(|n| n.path.eq_ignore_ascii_case(want))
    }

    /// The first row to draw so the selection stays in a window of `height`.
    pub fn scroll_offset(&self, height: usize) -> usize {
        if height == 0 {
            return 0;
        }
        (self.selected + 1).saturating_sub(height)
    }

    /// The rows from `offset`, at most `height`.
    pub fn window(&self, offset: usize, height: usize) -> Vec<TreeRow<'_>> {
        self.visible
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(pos, &i)| {
                let i = i as usize;
                TreeRow {
                    node: &self.nodes[i],
                    selected: pos == self.selected,
                    has_children: self.has_children(i),
                    expanded: self.expanded[i] || (!self.query.is_empty() && self.shown_child(i)),
                    matched: !self.query.is_empty() && self.matched[i],
                }
            })
            .collect()
    }

    fn shown_child(&self, i: usize) -> bool {
        self.has_children(i) && self.shown.get(i + 1).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, path: &str, depth: u16, parent: Option<u32>) -> TreeNode {
        TreeNode {
            name: name.into(),
            path: path.into(),
            depth,
            parent,
        }
    }

    /// P ─┬─ Web ─── Checkout
    ///    └─ Ops ─┬─ Sprint A
    ///            └─ Sprint B
    fn sample() -> TreePicker {
        TreePicker::new(vec![
            node("P", "P", 0, None),
            node("Web", "P\\Web", 1, Some(0)),
            node("Checkout", "P\\Web\\Checkout", 2, Some(1)),
            node("Ops", "P\\Ops", 1, Some(0)),
            node("Sprint A", "P\\Ops\\Sprint A", 2, Some(3)),
            node("Sprint B", "P\\Ops\\Sprint B", 2, Some(3)),
        ])
    }

    fn shown(t: &TreePicker) -> Vec<String> {
        t.window(0, 100)
            .iter()
            .map(|r| r.node.path.clone())
            .collect()
    }

    #[test]
    fn the_root_opens_expanded_and_children_expand_and_collapse() {
        let mut t = sample();
        assert_eq!(shown(&t), ["P", "P\\Web", "P\\Ops"]);
        t.select_next(); // Web
        t.expand();
        assert_eq!(shown(&t), ["P", "P\\Web", "P\\Web\\Checkout", "P\\Ops"]);
        t.expand(); // expanded already: into the first child
        assert_eq!(t.selected().unwrap().path, "P\\Web\\Checkout");
        t.collapse(); // a leaf: to its parent
        assert_eq!(t.selected().unwrap().path, "P\\Web");
        t.collapse();
        assert_eq!(shown(&t), ["P", "P\\Web", "P\\Ops"]);
        assert_eq!(t.selected().unwrap().path, "P\\Web");
    }

    #[test]
    fn the_filter_keeps_ancestors_of_matches_and_lands_on_a_match() {
        let mut t = sample();
        t.set_query("sprint b");
        assert_eq!(shown(&t), ["P", "P\\Ops", "P\\Ops\\Sprint B"]);
        assert_eq!(t.selected().unwrap().path, "P\\Ops\\Sprint B");
        let rows = t.window(0, 10);
        assert!(!rows[0].matched && rows[2].matched);
        // Words may name an ancestor: `ops a` is Ops\Sprint A.
        t.set_query("ops a");
        assert_eq!(t.selected().unwrap().path, "P\\Ops\\Sprint A");
        t.set_query("nothing-like-it");
        assert!(t.is_empty());
        assert!(t.selected().is_none());
        t.set_query("");
        assert_eq!(shown(&t), ["P", "P\\Web", "P\\Ops"]);
    }

    #[test]
    fn select_path_expands_to_it() {
        let mut t = sample();
        assert!(t.select_path("p\\ops\\sprint a"));
        assert_eq!(t.selected().unwrap().path, "P\\Ops\\Sprint A");
        assert!(shown(&t).contains(&"P\\Ops\\Sprint B".to_string()));
        assert!(!t.select_path("P\\Nowhere"));
        assert!(t.contains_path("\\P\\Web"));
    }

    #[test]
    fn node_paths_become_field_form() {
        assert_eq!(
            field_form_of_node_path("\\Fabrikam\\Area\\Voice"),
            "Fabrikam\\Voice"
        );
        assert_eq!(field_form_of_node_path("\\Fabrikam\\Area"), "Fabrikam");
        assert_eq!(
            field_form_of_node_path("\\Fabrikam\\Iteration\\R1\\Sprint 1"),
            "Fabrikam\\R1\\Sprint 1"
        );
        assert_eq!(
            field_form_of_node_path("Fabrikam\\Voice"),
            "Fabrikam\\Voice"
        );
        assert_eq!(
            field_form_of_node_path("\\Fabrikam\\Other"),
            "Fabrikam\\Other"
        );
    }

    #[test]
    fn classification_nodes_are_flattened_in_order() {
        let json = serde_json::json!({
            "name": "P", "path": "\\P\\Area", "hasChildren": true,
            "children": [
                {"name": "Web", "path": "\\P\\Area\\Web", "hasChildren": true,
                 "children": [{"name": "Checkout", "path": "\\P\\Area\\Web\\Checkout"}]},
                {"name": "Ops", "path": "\\P\\Area\\Ops"}
            ]
        });
        let root: ClassificationNode = serde_json::from_value(json).unwrap();
        let t = TreePicker::from_classification(&root);
        assert_eq!(t.total(), 4);
        let paths: Vec<&str> = t.nodes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(paths, ["P", "P\\Web", "P\\Web\\Checkout", "P\\Ops"]);
        for n in &t.nodes[1..] {
            let parent = &t.nodes[n.parent.unwrap() as usize];
            assert!(n.path.starts_with(&parent.path));
        }
    }
}
