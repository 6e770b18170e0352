//! Classification nodes: the area and iteration trees of a project.

use super::lenient;
use super::lenient_enum;
use serde::{Deserialize, Serialize};

lenient_enum! {
    /// `structureType` of a classification node.
    pub enum TreeNodeStructureType {
        /// An area.
        Area = "area",
        /// An iteration.
        Iteration = "iteration",
    }
}

/// A classification node with only its name and children: what a tree
/// picker needs, read from the same JSON at a fraction of the memory (a
/// 20,000-node tree's other fields — ids, paths, URLs — are not kept).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct NodeName {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub children: Vec<NodeName>,
}

/// `GET {base}/{project}/_apis/wit/classificationnodes/{areas|iterations}[/{path}][?$depth=n]`,
/// and items of `GET {base}/{project}/_apis/wit/classificationnodes?ids=…`
/// (parse that list as `ListResponse<Option<ClassificationNode>>`: with
/// `errorPolicy=omit` missing ids come back as `null` items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassificationNode {
    /// Integer id (the `System.AreaId` / `System.IterationId` value).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// GUID identifier.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub identifier: Option<String>,
    /// Node name (the root node is named after the project).
    pub name: String,
    /// `area` or `iteration`.
    #[serde(default)]
    pub structure_type: Option<TreeNodeStructureType>,
    /// Whether the node has children (they are only included up to `$depth`).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub has_children: Option<bool>,
    /// Node path, e.g. `\Fabrikam\Area\Devices\Phone` (see [`Self::field_path`]).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub path: Option<String>,
    /// Children (up to the requested `$depth`).
    #[serde(
        default,
        deserialize_with = "lenient::vec_skip_invalid",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub children: Vec<ClassificationNode>,
    /// Attributes, e.g. `startDate`/`finishDate` of an iteration.
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// REST URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// HAL links.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<serde_json::Value>,
}

impl ClassificationNode {
    /// The node's path in the form work item fields use (`System.AreaPath`,
    /// `System.IterationPath`): `\Fabrikam\Area\Devices\Phone` →
    /// `Fabrikam\Devices\Phone`, root `\Fabrikam\Area` → `Fabrikam`.
    /// `None` when the service sent no path.
    pub fn field_path(&self) -> Option<String> {
        self.path.as_deref().map(node_path_to_field_path)
    }

    /// Iteration start date (`attributes.startDate`), as sent.
    pub fn start_date(&self) -> Option<&str> {
        self.attributes.as_ref()?.get("startDate")?.as_str()
    }

    /// Iteration finish date (`attributes.finishDate`), as sent.
    pub fn finish_date(&self) -> Option<&str> {
        self.attributes.as_ref()?.get("finishDate")?.as_str()
    }

    /// All nodes of the tree, depth first, this node first.
    pub fn walk(&self) -> NodeWalk<'_> {
        NodeWalk {
            stack: vec![(0, self)],
        }
    }

    /// Number of nodes in the tree, this node included.
    pub fn count(&self) -> usize {
        self.walk().count()
    }

    /// Every node of the tree with its field path, depth first. The root's
    /// field path comes from its `path` (its name when absent); descendants'
    /// are built from their names, so they are right even where the service
    /// sends placeholder or missing `path`s.
    pub fn field_paths(&self) -> Vec<(String, &ClassificationNode)> {
        let mut out = Vec::new();
        let root = self
            .field_path()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| self.name.clone());
        let mut stack: Vec<(String, &ClassificationNode)> = vec![(root, self)];
        while let Some((path, node)) = stack.pop() {
            for child in node.children.iter().rev() {
                stack.push((format!("{path}\\{}", child.name), child));
            }
            out.push((path, node));
        }
        out
    }

    /// The node whose field path is `field_path` (case-insensitive, either
    /// separator direction tolerated), searched with [`Self::field_paths`].
    pub fn find_by_field_path(&self, field_path: &str) -> Option<&ClassificationNode> {
        let wanted = normalize_field_path(field_path);
        self.field_paths()
            .into_iter()
            .find(|(p, _)| normalize_field_path(p).eq_ignore_ascii_case(&wanted))
            .map(|(_, n)| n)
    }
}

/// Depth-first iterator over a classification tree (see [`ClassificationNode::walk`]).
#[derive(Debug, Clone)]
pub struct NodeWalk<'a> {
    stack: Vec<(usize, &'a ClassificationNode)>,
}

impl<'a> NodeWalk<'a> {
    /// Also yield each node's depth (0 for the starting node).
    pub fn with_depth(self) -> impl Iterator<Item = (usize, &'a ClassificationNode)> {
        NodeWalkDepth { inner: self }
    }

    fn next_with_depth(&mut self) -> Option<(usize, &'a ClassificationNode)> {
        let (depth, node) = self.stack.pop()?;
        for child in node.children.iter().rev() {
            self.stack.push((depth + 1, child));
        }
        Some((depth, node))
    }
}

impl<'a> Iterator for NodeWalk<'a> {
    type Item = &'a ClassificationNode;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_with_depth().map(|(_, n)| n)
    }
}

struct NodeWalkDepth<'a> {
    inner: NodeWalk<'a>,
}

impl<'a> Iterator for NodeWalkDepth<'a> {
    type Item = (usize, &'a ClassificationNode);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next_with_depth()
    }
}

/// Converts a classification node path to field form: drop the leading
/// backslash and the structure segment (`Area`/`Iteration`, also the plural)
/// after the project: `\Fabrikam\Area\Devices\Phone` →
/// `Fabrikam\Devices\Phone`, `\Fabrikam\Iteration` → `Fabrikam`. Paths
/// without a structure segment are only trimmed. Never panics.
pub fn node_path_to_field_path(path: &str) -> String {
    let segments: Vec<&str> = path
        .split(['\\', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let is_structure = |s: &str| {
        ["Area", "Areas", "Iteration", "Iterations"]
            .iter()
            .any(|k| s.eq_ignore_ascii_case(k))
    };
    match segments.split_first() {
        Some((project, rest)) => {
            let rest = match rest.split_first() {
                Some((first, tail)) if is_structure(first) => tail,
                _ => rest,
            };
            std::iter::once(*project)
                .chain(rest.iter().copied())
                .collect::<Vec<_>>()
                .join("\\")
        }
        None => String::new(),
    }
}

fn normalize_field_path(p: &str) -> String {
    p.split(['\\', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\\")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn field_path_conversion() {
        assert_eq!(
            node_path_to_field_path(r"\Fabrikam\Area\Devices\Phone"),
            r"Fabrikam\Devices\Phone"
        );
        assert_eq!(node_path_to_field_path(r"\Fabrikam\Area"), "Fabrikam");
        assert_eq!(node_path_to_field_path(r"\Fabrikam\Iteration"), "Fabrikam");
        assert_eq!(
            node_path_to_field_path(r"\Fabrikam Fiber\Iteration\Release 1\Sprint 2"),
            r"Fabrikam Fiber\Release 1\Sprint 2"
        );
        // A child area that happens to be called "Area" is kept.
        assert_eq!(
            node_path_to_field_path(r"\Fabrikam\Area\Area"),
            r"Fabrikam\Area"
        );
        // The official examples' placeholder path: no structure segment.
        assert_eq!(
            node_path_to_field_path(r"\fabrikam\fiber\tfvc\iteration"),
            r"fabrikam\fiber\tfvc\iteration"
        );
        // Team settings' odd forms and garbage do not panic.
        assert_eq!(node_path_to_field_path(r"\Iteration 1"), "Iteration 1");
        assert_eq!(node_path_to_field_path(""), "");
        assert_eq!(node_path_to_field_path(r"\\\"), "");
        assert_eq!(node_path_to_field_path(r"\Area"), "Area");
        assert_eq!(node_path_to_field_path("Fabrikam"), "Fabrikam");
        assert_eq!(node_path_to_field_path("ü\\Área\\ß"), "ü\\Área\\ß");
    }

    fn tree() -> ClassificationNode {
        serde_json::from_str(
            r#"{"id":1,"name":"Fabrikam","structureType":"area","hasChildren":true,"path":"\\Fabrikam\\Area","children":[
                {"id":2,"name":"Devices","structureType":"area","hasChildren":true,"path":"\\Fabrikam\\Area\\Devices","children":[
                    {"id":3,"name":"Phone","structureType":"area","hasChildren":false,"path":"\\Fabrikam\\Area\\Devices\\Phone"}]},
                {"id":4,"name":"Web","structureType":"area","hasChildren":false}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn walk_and_count() {
        let t = tree();
        assert_eq!(t.count(), 4);
        let names: Vec<&str> = t.walk().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["Fabrikam", "Devices", "Phone", "Web"]);
        let depths: Vec<usize> = t.walk().with_depth().map(|(d, _)| d).collect();
        assert_eq!(depths, [0, 1, 2, 1]);
        assert_eq!(t.field_path().as_deref(), Some("Fabrikam"));
        assert_eq!(
            t.children[0].children[0].field_path().as_deref(),
            Some(r"Fabrikam\Devices\Phone")
        );
        assert_eq!(t.children[1].field_path(), None);
    }

    #[test]
    fn field_paths_and_find() {
        let t = tree();
        let paths: Vec<String> = t.field_paths().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "Fabrikam",
                r"Fabrikam\Devices",
                r"Fabrikam\Devices\Phone",
                r"Fabrikam\Web"
            ]
        );
        assert_eq!(
            t.find_by_field_path(r"fabrikam\devices\phone")
                .and_then(|n| n.id),
            Some(3)
        );
        assert_eq!(
            t.find_by_field_path("Fabrikam/Web/").and_then(|n| n.id),
            Some(4)
        );
        assert!(t.find_by_field_path(r"Fabrikam\Nope").is_none());
    }
}
