//! Parses the official Azure DevOps REST API example responses (api-version
//! 7.1, from `MicrosoftDocs/vsts-rest-api-specs`) with the models of
//! `ado_setup::ado::models`, and checks what was read.
//!
//! The examples are not part of this crate: point `ADO_EXAMPLES_DIR` at the
//! folder (CI: `ADO_EXAMPLES_DIR=../shared/ado-examples`, relative paths are
//! resolved against the crate directory). Without it these tests print
//! `SKIPPED …: ADO_EXAMPLES_DIR not set` on stderr and pass; under CI (`CI`
//! set) they fail.
//!
//! The last tests (odd JSON, deep trees) need no examples.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use ado_setup::ado::models::*;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::path::PathBuf;

/// The examples folder, or `None` (after saying so) when not configured.
fn examples_dir() -> Option<PathBuf> {
    support::examples_dir(std::thread::current().name().unwrap_or("examples_parse"))
}

/// The whole example file (request, status, body, source).
fn example(dir: &std::path::Path, name: &str) -> Value {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read example {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("example {name} is not JSON: {e}"))
}

/// The example's response `body`.
fn body(dir: &std::path::Path, name: &str) -> Value {
    example(dir, name)
        .get("body")
        .cloned()
        .unwrap_or_else(|| panic!("example {name} has no body"))
}

/// The example's body parsed as `T`, with the file name in any failure.
fn parse<T: DeserializeOwned>(dir: &std::path::Path, name: &str) -> T {
    let b = body(dir, name);
    serde_json::from_value(b).unwrap_or_else(|e| {
        panic!(
            "example {name} does not parse as {}: {e}",
            std::any::type_name::<T>()
        )
    })
}

/// Length of the raw `value` array of a list body.
fn raw_len(dir: &std::path::Path, name: &str) -> usize {
    body(dir, name)["value"]
        .as_array()
        .unwrap_or_else(|| panic!("example {name} has no value array"))
        .len()
}

macro_rules! examples_or_skip {
    () => {
        match examples_dir() {
            Some(dir) => dir,
            None => return,
        }
    };
}

// ---------------------------------------------------------------- core ---

#[test]
fn projects_list() {
    let dir = examples_or_skip!();
    for file in [
        "core__Projects_List.json",
        "_supplementary/core__Projects_List__onprem_server-7.1.json",
    ] {
        let list: ListResponse<TeamProjectReference> = parse(&dir, file);
        assert_eq!(list.len(), raw_len(&dir, file), "{file}");
        assert_eq!(list.count, Some(3), "{file}");
        assert!(
            list.value.iter().any(|p| p.name == "Fabrikam-Fiber-Git"
                && p.id == "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c"),
            "{file}"
        );
        assert!(
            list.value
                .iter()
                .all(|p| p.state == Some(ProjectState::WellFormed)),
            "{file}"
        );
        // "TestGit" has no description: that must be None, not a failure.
        let test_git = list.value.iter().find(|p| p.name == "TestGit").unwrap();
        assert!(test_git.description.is_none());
        // Older versions send no visibility / revision.
        assert!(list.value.iter().all(|p| p.visibility.is_none()));
    }
    let onprem: ListResponse<TeamProjectReference> = parse(
        &dir,
        "_supplementary/core__Projects_List__onprem_server-7.1.json",
    );
    assert!(onprem.value.iter().all(|p| {
        p.url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://fabrikam:8080/"))
    }));
}

#[test]
fn project_get_with_capabilities_legacy_doc() {
    let dir = examples_or_skip!();
    let file = "_supplementary/core__Projects_Get_includeCapabilities__legacy_tfs_doc.json";
    let p: TeamProject = parse(&dir, file);
    assert_eq!(p.name, "Fabrikam-Fiber-TFVC");
    assert_eq!(p.id, "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1");
    assert_eq!(
        p.process_template_name(),
        Some("Microsoft Visual Studio Scrum 2013")
    );
    // The 1.0 sample has no templateTypeId.
    assert_eq!(p.process_template_type_id(), None);
    let vc = p
        .capabilities
        .as_ref()
        .and_then(|c| c.versioncontrol.as_ref())
        .unwrap();
    assert_eq!(vc.source_control_type.as_deref(), Some("Tfvc"));
    let team = p.default_team.as_ref().unwrap();
    assert_eq!(team.name.as_deref(), Some("Fabrikam-Fiber-TFVC Team"));
    assert_eq!(team.id, "66df9be7-3586-467b-9c5f-425b29afedfd");
    assert!(p.links.is_some());
}

#[test]
fn project_properties() {
    let dir = examples_or_skip!();
    for (file, expected) in [
        ("core__Projects_GetProjectProperties.json", 8),
        ("core__Projects_GetProjectProperties_keys.json", 4),
    ] {
        let props: ListResponse<ProjectProperty> = parse(&dir, file);
        assert_eq!(props.len(), expected, "{file}");
        assert_eq!(props.len(), raw_len(&dir, file), "{file}");
        assert_eq!(props.count, Some(expected as u32), "{file}");
        let current = props
            .value
            .iter()
            .find(|p| p.name == project_property::CURRENT_PROCESS_TEMPLATE_ID)
            .unwrap();
        assert_eq!(
            current.value_str().as_deref(),
            Some("2dc3221a-2d39-4138-a4e1-fc4d20d8912d")
        );
        let git = props
            .value
            .iter()
            .find(|p| p.name == "System.SourceControlGitEnabled")
            .unwrap();
        assert_eq!(git.value, json!("True"), "booleans are strings here");
    }
    let props: ListResponse<ProjectProperty> =
        parse(&dir, "core__Projects_GetProjectProperties.json");
    let by_name = |n: &str| {
        props
            .value
            .iter()
            .find(|p| p.name == n)
            .and_then(ProjectProperty::value_str)
    };
    assert_eq!(
        by_name(project_property::PROCESS_TEMPLATE).as_deref(),
        Some("Agile")
    );
    let template_type = by_name(project_property::PROCESS_TEMPLATE_TYPE).unwrap();
    assert_eq!(system_process_name(&template_type), Some("Agile"));
}

#[test]
fn processes_list_and_get() {
    let dir = examples_or_skip!();
    let file = "processes__Processes_List.json";
    let list: ListResponse<Process> = parse(&dir, file);
    assert_eq!(list.len(), raw_len(&dir, file));
    assert_eq!(list.len(), 4);
    // Quirk: the example's count (14) does not match its four items.
    assert_eq!(list.count, Some(14));
    let names: Vec<&str> = list.value.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Agile", "CMMI", "Scrum", "CustomProcess"]);
    // Quirk: customizationType is PascalCase ("System", "Inherited") here.
    assert_eq!(
        list.value[0].customization_type,
        Some(CustomizationType::System)
    );
    let custom = &list.value[3];
    assert_eq!(
        custom.customization_type,
        Some(CustomizationType::Inherited)
    );
    assert!(custom.reference_name.is_none());
    assert_eq!(custom.parent(), None, "all-zero parent means none");
    for p in &list.value[..3] {
        assert_eq!(p.system_base(), Some(p.name.as_str()));
    }
    assert_eq!(
        list.value
            .iter()
            .filter(|p| p.is_default == Some(true))
            .count(),
        1
    );

    let agile: Process = parse(&dir, "processes__Processes_Get.json");
    assert_eq!(agile.name, "Agile");
    assert_eq!(agile.type_id, "adcc42ab-9882-485e-a3ed-7678f01f66bc");
    assert_eq!(agile.is_default, Some(true));
    assert_eq!(agile.is_enabled, Some(true));
    assert_eq!(agile.system_base(), Some("Agile"));
}

#[test]
fn teams_and_members() {
    let dir = examples_or_skip!();
    let team: WebApiTeam = parse(&dir, "core__Teams_Get.json");
    assert_eq!(team.name, "Quality assurance");
    assert_eq!(team.id, "564e8204-a90b-4432-883b-d4363c6125ca");
    assert_eq!(team.description.as_deref(), Some("Testing staff"));
    assert!(team.identity_url.is_some());
    assert!(team.project_id.is_none());

    for file in [
        "core__Teams_GetTeams.json",
        "core__Teams_GetTeams_mine.json",
    ] {
        let teams: ListResponse<WebApiTeam> = parse(&dir, file);
        assert_eq!(teams.len(), raw_len(&dir, file), "{file}");
        assert_eq!(teams.count, Some(2), "{file}");
        assert!(
            teams
                .value
                .iter()
                .any(|t| t.name == "Fabrikam-Fiber-TFVC Team"),
            "{file}"
        );
    }

    let file = "core__Teams_GetTeamMembersWithExtendedProperties.json";
    let members: ListResponse<TeamMember> = parse(&dir, file);
    assert_eq!(members.len(), raw_len(&dir, file));
    assert_eq!(members.len(), 3);
    let admins: Vec<&str> = members
        .value
        .iter()
        .filter(|m| m.is_team_admin)
        .filter_map(|m| m.identity.display_name.as_deref())
        .collect();
    assert_eq!(admins, ["Johnnie McLeod"]);
    let christie = &members.value[0].identity;
    assert_eq!(christie.field_value(), "fabrikamfiber1@hotmail.com");
    assert!(christie.image_url.is_some());
}

// ---------------------------------------------------------------- work ---

#[test]
fn team_field_values() {
    let dir = examples_or_skip!();
    let t: TeamFieldValues = parse(&dir, "work__Teamfieldvalues_Get.json");
    assert_eq!(
        t.field.as_ref().map(|f| f.reference_name.as_str()),
        Some("System.AreaPath")
    );
    assert_eq!(t.default_value.as_deref(), Some("Fabrikam-Fiber\\Auto"));
    let values: Vec<&str> = t.values.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(
        values,
        [
            "Fabrikam-Fiber\\Auto",
            "Fabrikam-Fiber\\Fiber",
            "Fabrikam-Fiber\\Optics"
        ]
    );
    assert!(t.values.iter().all(|v| !v.include_children));
}

#[test]
fn team_settings() {
    let dir = examples_or_skip!();
    let s: TeamSetting = parse(&dir, "work__Teamsettings_Get.json");
    let backlog = s.backlog_iteration.as_ref().unwrap();
    assert_eq!(backlog.name.as_deref(), Some("Iteration"));
    assert_eq!(backlog.path.as_deref(), Some(""));
    let default = s.default_iteration.as_ref().unwrap();
    assert_eq!(default.name.as_deref(), Some("Iteration 1"));
    assert_eq!(default.path.as_deref(), Some("\\Iteration 1"));
    assert_eq!(
        s.default_iteration_macro.as_deref(),
        Some("@currentIteration")
    );
    assert_eq!(s.bugs_behavior.as_deref(), Some("asRequirements"));
    assert_eq!(s.working_days.len(), 5);
    assert_eq!(s.backlog_visibilities.len(), 3);
    assert_eq!(
        s.backlog_visibilities.get("Microsoft.EpicCategory"),
        Some(&false)
    );
    // Quirk: `_links.classificationNode` is an array of links.
    assert!(
        s.links.as_ref().unwrap()["classificationNode"]
            .as_array()
            .is_some()
    );
}

// ----------------------------------------------------- work item types ---

#[test]
fn work_item_types_list() {
    let dir = examples_or_skip!();
    let file = "wit__WorkItemTypes_List.json";
    let raw = body(&dir, file);
    let list: ListResponse<WorkItemType> = parse(&dir, file);
    assert_eq!(list.len(), raw_len(&dir, file));
    assert_eq!(list.len(), 15);
    assert_eq!(list.count, Some(15));
    assert!(list.value.iter().all(|t| !t.name.trim().is_empty()));
    for name in ["Bug", "Task", "User Story", "Issue", "Epic", "Feature"] {
        assert!(list.value.iter().any(|t| t.name == name), "{name} missing");
    }
    // Every type kept all of its fields (no silently skipped element).
    for (t, raw_t) in list.value.iter().zip(raw["value"].as_array().unwrap()) {
        let raw_fields = raw_t["fields"].as_array().map_or(0, Vec::len);
        let raw_instances = raw_t["fieldInstances"].as_array().map_or(0, Vec::len);
        assert_eq!(t.fields.len(), raw_fields, "{}", t.name);
        assert_eq!(t.field_instances.len(), raw_instances, "{}", t.name);
        assert!(t.reference_name.is_some(), "{}", t.name);
        assert!(t.is_enabled(), "{}", t.name);
        // Quirk: no `states` in this (api-version 1.0 recorded) example.
        assert!(t.states.is_empty());
        if raw_t.get("transitions").is_some() {
            let tr = t.transitions.as_ref().unwrap();
            assert_eq!(tr.len(), raw_t["transitions"].as_object().unwrap().len());
        }
    }
    let bug = list.value.iter().find(|t| t.name == "Bug").unwrap();
    assert!(bug.has_field("System.Title"));
    assert!(bug.has_field("system.areapath"));
    // Quirk: the initial transition is keyed by the empty string.
    assert!(bug.transitions.as_ref().unwrap().contains_key(""));
    assert!(bug.required_fields().count() >= 1);
}

#[test]
fn work_item_type_get_bug() {
    let dir = examples_or_skip!();
    let file = "wit__WorkItemTypes_Get_Bug.json";
    let raw = body(&dir, file);
    let bug: WorkItemType = parse(&dir, file);
    assert_eq!(bug.name, "Bug");
    assert_eq!(
        bug.reference_name.as_deref(),
        Some("Microsoft.VSTS.WorkItemTypes.Bug")
    );
    assert_eq!(bug.color.as_deref(), Some("CC293D"));
    assert_eq!(
        bug.icon.as_ref().and_then(|i| i.id.as_deref()),
        Some("icon_insect")
    );
    assert!(!bug.is_disabled);
    assert!(bug.xml_form.as_deref().unwrap().starts_with("<FORM>"));
    assert_eq!(bug.fields.len(), raw["fields"].as_array().unwrap().len());
    assert_eq!(
        bug.field_instances.len(),
        raw["fieldInstances"].as_array().unwrap().len()
    );
    let iteration = bug.field("System.IterationPath").unwrap();
    assert_eq!(
        iteration.help_text.as_deref(),
        Some("The iteration within which this bug will be fixed")
    );
}

#[test]
fn work_item_type_categories() {
    let dir = examples_or_skip!();
    let file = "wit__WorkItemTypeCategories_List.json";
    let list: ListResponse<WorkItemTypeCategory> = parse(&dir, file);
    assert_eq!(list.len(), raw_len(&dir, file));
    assert_eq!(list.len(), 14);
    let bugs = list
        .value
        .iter()
        .find(|c| c.reference_name == category::BUG)
        .unwrap();
    assert_eq!(
        bugs.default_work_item_type
            .as_ref()
            .map(|t| t.name.as_str()),
        Some("Bug")
    );
    assert!(list.value.iter().all(|c| !c.name.is_empty()));

    let req: WorkItemTypeCategory = parse(&dir, "wit__WorkItemTypeCategories_Get.json");
    assert_eq!(req.reference_name, category::REQUIREMENT);
    assert_eq!(
        req.default_work_item_type.as_ref().map(|t| t.name.as_str()),
        Some("Product Backlog Item")
    );
    assert_eq!(req.work_item_types.len(), 1);
}

#[test]
fn work_item_type_fields() {
    let dir = examples_or_skip!();
    for file in [
        "wit__WorkItemTypesField_List.json",
        "wit__WorkItemTypesField_List_expand.json",
    ] {
        let list: ListResponse<WorkItemTypeField> = parse(&dir, file);
        assert_eq!(list.len(), raw_len(&dir, file), "{file}");
        assert_eq!(list.len(), 56, "{file}");
        assert!(
            list.value
                .iter()
                .any(|f| f.reference_name == "System.IterationPath"),
            "{file}"
        );
        assert!(
            list.value
                .iter()
                .any(|f| f.reference_name == "System.IterationId" && f.always_required),
            "{file}"
        );
    }

    let plain: ListResponse<WorkItemTypeField> = parse(&dir, "wit__WorkItemTypesField_List.json");
    assert!(plain.value.iter().all(|f| !f.has_allowed_values()));

    let expanded: ListResponse<WorkItemTypeField> =
        parse(&dir, "wit__WorkItemTypesField_List_expand.json");
    let find = |r: &str| {
        expanded
            .value
            .iter()
            .find(|f| f.reference_name == r)
            .unwrap()
    };
    // Priority's allowed values and default are strings here, while work
    // items carry it as a number: both must compare equal.
    let priority = find("Microsoft.VSTS.Common.Priority");
    assert_eq!(priority.allowed_value_strings(), ["1", "2", "3", "4"]);
    assert_eq!(priority.default_value, Some(json!("2")));
    for ok in [json!(1), json!("2"), json!(3), json!(4)] {
        assert!(priority.allows(&ok), "{ok}");
    }
    assert!(!priority.allows(&json!(5)));
    let severity = find("Microsoft.VSTS.Common.Severity");
    assert_eq!(severity.default_value, Some(json!("3 - Medium")));
    assert!(severity.allows_str("1 - Critical"));
    let iteration = find("System.IterationPath");
    assert_eq!(
        iteration
            .dependent_fields
            .iter()
            .map(|d| d.reference_name.as_str())
            .collect::<Vec<_>>(),
        ["System.IterationId"]
    );
    let state = find("System.State");
    assert_eq!(state.default_value, Some(json!("New")));
    assert!(state.allows_str("Resolved"));
    // Identity fields list identities as objects.
    let assigned = find("System.AssignedTo");
    assert!(assigned.allowed_values.iter().all(Value::is_object));
    assert!(assigned.allows_str("fabrikamfiber3@hotmail.com"));

    let one: WorkItemTypeField = parse(&dir, "wit__WorkItemTypesField_Get.json");
    assert_eq!(one.reference_name, "System.IterationPath");
    assert_eq!(one.name.as_deref(), Some("Iteration Path"));
    assert!(one.help_text.is_some());
    assert!(one.default_value.is_none());
    assert!(one.allows_str("anything"), "no allowed values = any value");

    let one: WorkItemTypeField = parse(&dir, "wit__WorkItemTypesField_Get_expand.json");
    assert_eq!(one.reference_name, "System.ChangedBy");
    assert_eq!(one.allowed_values.len(), 3);
    assert!(one.dependent_fields.is_empty());
    assert!(one.allows_str("Norman Paulk"));
    assert!(!one.allows_str("nobody@example.com"));
}

#[test]
fn wit_fields() {
    let dir = examples_or_skip!();
    let file = "wit__Fields_List.json";
    let list: ListResponse<WorkItemField> = parse(&dir, file);
    assert_eq!(list.len(), raw_len(&dir, file));
    assert_eq!(list.len(), 121);
    assert!(
        list.value
            .iter()
            .all(|f| f.field_type.is_some_and(|t| t != FieldType::Unknown)),
        "every type of the example is a known one"
    );
    let title = list
        .value
        .iter()
        .find(|f| f.reference_name == "System.Title")
        .unwrap();
    assert_eq!(title.field_type, Some(FieldType::String));
    assert!(list.value.iter().any(|f| f.is_identity));
    assert!(
        list.value
            .iter()
            .any(|f| f.field_type == Some(FieldType::TreePath))
    );

    let f: WorkItemField = parse(&dir, "wit__Fields_Get.json");
    assert_eq!(f.reference_name, "System.IterationPath");
    assert_eq!(f.field_type, Some(FieldType::TreePath));
    assert!(f.read_only);
    assert_eq!(f.supported_operations.len(), 5);
    assert_eq!(
        f.supported_operations[2].name.as_deref(),
        Some("="),
        "operators are kept"
    );
}

// ------------------------------------------------ classification nodes ---

/// Number of nodes in a raw node tree.
fn raw_node_count(v: &Value) -> usize {
    1 + v["children"]
        .as_array()
        .map_or(0, |c| c.iter().map(raw_node_count).sum())
}

#[test]
fn classification_nodes_single() {
    let dir = examples_or_skip!();
    let cases = [
        (
            "wit__ClassificationNodes_Get_areaPath.json",
            "Web",
            TreeNodeStructureType::Area,
        ),
        (
            "wit__ClassificationNodes_Get_areas.json",
            "Fabrikam-Fiber-Git",
            TreeNodeStructureType::Area,
        ),
        (
            "wit__ClassificationNodes_Get_areas_depth2.json",
            "Fabrikam-Fiber-Git",
            TreeNodeStructureType::Area,
        ),
        (
            "wit__ClassificationNodes_Get_iterationPath.json",
            "Final Iteration",
            TreeNodeStructureType::Iteration,
        ),
        (
            "wit__ClassificationNodes_Get_iterations.json",
            "Fabrikam-Fiber-Git",
            TreeNodeStructureType::Iteration,
        ),
        (
            "wit__ClassificationNodes_Get_iterations_depth2.json",
            "Fabrikam-Fiber-Git",
            TreeNodeStructureType::Iteration,
        ),
    ];
    for (file, name, structure) in cases {
        let raw = body(&dir, file);
        let node: ClassificationNode = parse(&dir, file);
        assert_eq!(node.name, name, "{file}");
        assert_eq!(node.structure_type, Some(structure), "{file}");
        assert!(node.id.is_some(), "{file}");
        assert_eq!(node.count(), raw_node_count(&raw), "{file}");
        // Quirk: placeholder paths; converting them must not panic and
        // leaves them as they are (no structure segment to drop).
        for n in node.walk() {
            if let Some(p) = n.field_path() {
                assert_eq!(p, "fabrikam\\fiber\\tfvc\\iteration", "{file}");
            }
        }
        assert_eq!(node.field_paths().len(), node.count(), "{file}");
    }

    let areas: ClassificationNode = parse(&dir, "wit__ClassificationNodes_Get_areas_depth2.json");
    assert_eq!(areas.has_children, Some(true));
    let top: Vec<&str> = areas.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(top, ["Devices", "Website", "Backend"]);
    let phone = areas
        .find_by_field_path("fabrikam\\fiber\\tfvc\\iteration\\Devices\\Windows Phone")
        .unwrap();
    assert_eq!(phone.id, Some(4483));
    let depths: Vec<usize> = areas.walk().with_depth().map(|(d, _)| d).collect();
    assert_eq!(depths.iter().max(), Some(&2));

    let iterations: ClassificationNode =
        parse(&dir, "wit__ClassificationNodes_Get_iterations_depth2.json");
    // Quirk: "Sprint 4" comes without a path.
    let sprint4 = iterations.walk().find(|n| n.name == "Sprint 4").unwrap();
    assert!(sprint4.path.is_none());
    assert!(sprint4.field_path().is_none());
    let sprint2 = iterations.walk().find(|n| n.name == "Sprint 2").unwrap();
    assert_eq!(sprint2.start_date(), Some("2014-03-17T00:00:00Z"));
    assert_eq!(sprint2.finish_date(), Some("2014-03-28T00:00:00Z"));

    let final_it: ClassificationNode =
        parse(&dir, "wit__ClassificationNodes_Get_iterationPath.json");
    assert_eq!(final_it.id, Some(126_392));
    assert_eq!(final_it.finish_date(), Some("2014-10-31T00:00:00Z"));
    assert_eq!(final_it.count(), 1);
}

#[test]
fn classification_nodes_by_ids() {
    let dir = examples_or_skip!();
    let file = "wit__ClassificationNodes_GetByIds.json";
    let list: ListResponse<ClassificationNode> = parse(&dir, file);
    assert_eq!(list.len(), raw_len(&dir, file));
    let ids: Vec<Option<i64>> = list.value.iter().map(|n| n.id).collect();
    assert_eq!(ids, [Some(1), Some(3)]);
    assert!(list.value[1].attributes.is_some());

    // Quirk: with errorPolicy=omit a missing id comes back as a null item.
    let file = "wit__ClassificationNodes_GetByIds_errorPolicy.json";
    let list: ListResponse<Option<ClassificationNode>> = parse(&dir, file);
    assert_eq!(list.len(), 2);
    assert_eq!(
        list.value[0].as_ref().map(|n| n.name.as_str()),
        Some("demo")
    );
    assert!(list.value[1].is_none());
    assert!(
        serde_json::from_value::<ListResponse<ClassificationNode>>(body(&dir, file)).is_err(),
        "a null item needs Option<ClassificationNode>"
    );
}

// ------------------------------------------------------------ security ---

#[test]
fn security_namespaces() {
    let dir = examples_or_skip!();
    let file = "security__SecurityNamespaces_Query_all.json";
    let raw = body(&dir, file);
    let all: ListResponse<SecurityNamespace> = parse(&dir, file);
    assert_eq!(all.len(), raw_len(&dir, file));
    assert_eq!(all.len(), 10);
    for (ns, raw_ns) in all.value.iter().zip(raw["value"].as_array().unwrap()) {
        assert_eq!(
            ns.actions.len(),
            raw_ns["actions"].as_array().unwrap().len(),
            "{}",
            ns.name
        );
        assert!(
            ns.actions.iter().all(|a| a.bit.is_power_of_two()),
            "{}",
            ns.name
        );
    }
    let by_name = |n: &str| all.value.iter().find(|ns| ns.name == n).unwrap();
    let git = by_name("Git Repositories");
    assert_eq!(git.bit_for("GenericContribute"), Some(4));
    assert_eq!(git.bit_for("genericcontribute"), Some(4));
    assert_eq!(git.bit_for("NoSuchAction"), None);
    assert_eq!(
        by_name("EventSubscriber").separator_value.as_deref(),
        Some(":")
    );
    // Quirk: a NUL character as separator.
    assert_eq!(
        by_name("WorkItemTrackingAdministration")
            .separator_value
            .as_deref(),
        Some("\u{0}")
    );
    assert_eq!(
        by_name("Identity").namespace_id,
        security_namespace::IDENTITY
    );

    let one: ListResponse<SecurityNamespace> =
        parse(&dir, "security__SecurityNamespaces_Query_one.json");
    assert_eq!(one.len(), 1);
    let identity = &one.value[0];
    assert_eq!(identity.name, "Identity");
    assert_eq!(identity.bit_for("ManageMembership"), Some(8));
    assert_eq!(identity.bit_for("READ"), Some(1));
    assert_eq!(identity.read_permission, Some(1));
}

#[test]
fn permissions() {
    let dir = examples_or_skip!();
    // Quirk: the single-token example's body is null.
    let single: Option<PermissionEvaluation> =
        parse(&dir, "security__Permissions_HasPermissions_token.json");
    assert!(single.is_none());

    let file = "security__Permissions_HasPermissions_tokens.json";
    let many: PermissionEvaluation = parse(&dir, file);
    assert_eq!(many.len(), raw_len(&dir, file));
    assert_eq!(many.value, [false, false, true]);
    assert_eq!(many.count, Some(3));
}

// ---------------------------------------------------------- work items ---

#[test]
fn work_items() {
    let dir = examples_or_skip!();
    let file = "wit__WorkItems_Create.json";
    let created: WorkItem = parse(&dir, file);
    assert_eq!(created.id, Some(131_489));
    assert_eq!(created.real_id(), Some(131_489));
    assert_eq!(created.rev, Some(1));
    assert_eq!(created.title(), Some("Sample task"));
    assert_eq!(created.work_item_type(), Some("Task"));
    assert_eq!(
        created.field("Microsoft.VSTS.Common.Priority"),
        Some(&json!(2))
    );
    assert_eq!(
        created.field_str("System.CreatedBy"),
        Some("Jamal Hartnett")
    );
    assert!(
        created
            .link_href("html")
            .is_some_and(|h| h.contains("id=131489"))
    );
    assert_eq!(
        created.fields.len(),
        body(&dir, file)["fields"].as_object().unwrap().len()
    );
    // The request body is a JSON Patch document our builder reproduces.
    let request: JsonPatchDocument =
        serde_json::from_value(example(&dir, file)["request"]["body"].clone()).unwrap();
    assert_eq!(
        request,
        [JsonPatchOperation::add_field("System.Title", "Sample task")]
    );

    let got: WorkItem = parse(&dir, "wit__WorkItems_GetWorkItem.json");
    assert_eq!(got.id, Some(12));
    assert_eq!(got.rev, Some(3));
    assert_eq!(got.field_str("System.AssignedTo"), Some("Jamal Hartnett"));
    assert_eq!(
        got.field_str("System.IterationPath"),
        Some("MyAgilePrj2\\Iteration 1")
    );

    let template: WorkItem = parse(&dir, "wit__WorkItems_GetWorkItemTemplate.json");
    assert_eq!(template.id, None, "templates have no id");
    assert_eq!(template.real_id(), None);
    assert_eq!(template.work_item_type(), Some("Bug"));
    assert_eq!(
        template.field_str("Microsoft.VSTS.Common.Severity"),
        Some("3 - Medium")
    );

    let file = "wit__WorkItems_Update_validateOnly.json";
    let validated: WorkItem = parse(&dir, file);
    assert_eq!(validated.id, Some(299));
    assert_eq!(validated.relations.len(), 1);
    assert_eq!(
        validated.relations[0].rel.as_deref(),
        Some("System.LinkTypes.Hierarchy-Reverse")
    );
    let request: JsonPatchDocument =
        serde_json::from_value(example(&dir, file)["request"]["body"].clone()).unwrap();
    assert_eq!(request[0], JsonPatchOperation::test_rev(1));
    assert_eq!(request[1].op, PatchOp::Add);
    assert_eq!(request[1].field_reference_name(), Some("System.Title"));
}

// ------------------------------------------------- profile and accounts ---

#[test]
fn profile_and_accounts() {
    let dir = examples_or_skip!();
    let me: Profile = parse(&dir, "profile__Profiles_Get_me.json");
    assert_eq!(me.id, "d6245f20-2af8-44f4-9451-8107cb2767db");
    assert_eq!(me.display_name.as_deref(), Some("Normal Paulk"));
    assert_eq!(
        me.email_address.as_deref(),
        Some("fabrikamfiber16@hotmail.com")
    );
    assert_eq!(me.core_revision, Some(1647));
    assert_eq!(me.revision, Some(1647));

    for (file, names) in [
        (
            "account__Accounts_List_memberId.json",
            vec!["Fabrikam-Fiber-Inc", "NormalPaulk"],
        ),
        ("account__Accounts_List_ownerId.json", vec!["NormalPaulk"]),
    ] {
        let list: ListResponse<Account> = parse(&dir, file);
        assert_eq!(list.len(), raw_len(&dir, file), "{file}");
        let got: Vec<&str> = list.value.iter().map(|a| a.account_name.as_str()).collect();
        assert_eq!(got, names, "{file}");
        assert!(list.value.iter().all(Account::is_enabled), "{file}");
        assert!(list.value.iter().all(|a| a.account_uri.is_some()), "{file}");
    }
}

// ------------------------------------- robustness (no examples needed) ---

/// Odd JSON documents every model must survive (errors are fine, panics not).
fn odd_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = [
        "null",
        "[]",
        "\"x\"",
        "1",
        "-1",
        "1e400",
        "true",
        "{}",
        "{\"value\":null}",
        "{\"value\":[null,1,\"x\",{},[]]}",
        "{\"count\":\"many\",\"value\":[]}",
        "{\"id\":null,\"name\":null}",
        "{\"id\":1,\"name\":2}",
        "{\"id\":\"\",\"name\":\"\",\"children\":[{},{\"name\":null},null,5]}",
        "{\"fields\":[1,2],\"states\":{},\"actions\":\"x\",\"properties\":[]}",
        "{\"$id\":1,\"innerException\":{\"innerException\":{\"innerException\":[]}}}",
        "{\"customProperties\":{\"RuleValidationErrors\":[null,{\"fieldStatusCode\":{}}]}}",
        "{\"access_token\":1,\"expires_in\":\"soon\",\"device_code\":null}",
        "{\"error\":[],\"error_codes\":\"x\"}",
        "{\"authenticatedUser\":{\"id\":5,\"properties\":{\"Account\":7}}}",
        "{\"value\":[{\"id\":\"1\",\"name\":\"n\",\"state\":{},\"visibility\":[],\"revision\":\"-4\"}]}",
        "{\"structureType\":42,\"customizationType\":null,\"deploymentType\":true,\"type\":{}}",
        "not json",
        "",
        "{",
        "[{\"op\":\"add\"}]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Deep nesting: beyond serde_json's recursion limit, and just within it.
    inputs.push(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)));
    inputs.push(format!(
        "{}null{}",
        "{\"value\":".repeat(300),
        "}".repeat(300)
    ));
    inputs.push(format!(
        "{}{}",
        "{\"name\":\"n\",\"children\":[".repeat(200),
        "]}".repeat(200)
    ));
    inputs.push(format!(
        "{}null{}",
        "{\"innerException\":".repeat(100),
        "}".repeat(100)
    ));
    inputs
}

macro_rules! assert_no_panic {
    ($input:expr, $($t:ty),+ $(,)?) => {
        $(
            let result = std::panic::catch_unwind(|| {
                let _ = serde_json::from_str::<$t>($input);
                if let Ok(v) = serde_json::from_str::<Value>($input) {
                    let _ = serde_json::from_value::<$t>(v);
                }
            });
            assert!(
                result.is_ok(),
                "{} panicked on {:?}",
                stringify!($t),
                $input.chars().take(80).collect::<String>()
            );
        )+
    };
}

#[test]
fn every_model_survives_odd_json() {
    for input in odd_inputs() {
        let input = input.as_str();
        assert_no_panic!(
            input,
            ListResponse<Value>,
            ListResponse<bool>,
            PermissionEvaluation,
            ConnectionData,
            Identity,
            PropertyValue,
            LocationServiceData,
            DeploymentType,
            ResourceLocation,
            TeamProjectReference,
            TeamProject,
            ProjectCapabilities,
            ProjectProperty,
            ProjectState,
            ProjectVisibility,
            Process,
            CustomizationType,
            WebApiTeam,
            WebApiTeamRef,
            TeamMember,
            IdentityRef,
            TeamFieldValues,
            TeamSetting,
            WorkItemType,
            WorkItemTypeCategory,
            WorkItemStateColor,
            WorkItemTypeField,
            WorkItemTypeFieldInstance,
            FieldReference,
            WorkItemField,
            FieldType,
            ClassificationNode,
            ListResponse<Option<ClassificationNode>>,
            TreeNodeStructureType,
            SecurityNamespace,
            ActionDefinition,
            JsonPatchOperation,
            JsonPatchDocument,
            PatchOp,
            WorkItem,
            ApiErrorBody,
            RuleValidationError,
            Profile,
            Account,
            DeviceCodeResponse,
            TokenResponse,
            OAuthErrorResponse,
            JwtClaims,
        );
        let _ = parse_version_out_of_range(input);
        let _ = decode_jwt_claims(input);
        let _ = base64url_decode(input);
    }
}

#[test]
fn optional_only_models_accept_empty_object() {
    fn ok<T: DeserializeOwned>() {
        assert!(
            serde_json::from_str::<T>("{}").is_ok(),
            "{} rejects {{}}",
            std::any::type_name::<T>()
        );
    }
    ok::<LocationServiceData>();
    ok::<ProjectCapabilities>();
    ok::<TeamFieldValues>();
    ok::<TeamSetting>();
    ok::<WorkItem>();
    ok::<ApiErrorBody>();
    ok::<RuleValidationError>();
    ok::<JwtClaims>();
    ok::<PropertyValue>();
    ok::<TeamSettingsIteration>();
    ok::<AccessMapping>();

    // Models with essential fields say so instead of inventing values.
    fn err<T: DeserializeOwned>() {
        assert!(
            serde_json::from_str::<T>("{}").is_err(),
            "{} accepts {{}}",
            std::any::type_name::<T>()
        );
    }
    err::<ConnectionData>();
    err::<Identity>();
    err::<TeamProjectReference>();
    err::<TeamProject>();
    err::<Process>();
    err::<WebApiTeam>();
    err::<WorkItemType>();
    err::<ClassificationNode>();
    err::<SecurityNamespace>();
    err::<ListResponse<Value>>();
    err::<DeviceCodeResponse>();
    err::<TokenResponse>();
    err::<OAuthErrorResponse>();
}

#[test]
fn deep_classification_tree_walks_without_recursion() {
    // 40 levels of children (80 levels of JSON nesting, within serde_json's limit).
    let mut node =
        json!({"id": 40, "name": "leaf", "structureType": "area", "path": "\\P\\Area\\x"});
    for depth in (0..40).rev() {
        node = json!({
            "id": depth,
            "name": format!("n{depth}"),
            "structureType": "area",
            "hasChildren": true,
            "children": [node],
        });
    }
    let tree: ClassificationNode = serde_json::from_value(node).unwrap();
    assert_eq!(tree.count(), 41);
    assert_eq!(tree.walk().with_depth().last().map(|(d, _)| d), Some(40));
    let paths = tree.field_paths();
    assert_eq!(paths.len(), 41);
    assert!(paths[40].0.starts_with("n0\\n1\\"));
    assert!(paths[40].0.ends_with("\\n39\\leaf"));
}

#[test]
fn the_examples_are_there_when_configured() {
    // Unset: every example test skips, saying so (a failure under CI).
    // Set: the folder holds Microsoft's examples, which the tests read.
    if std::env::var_os("ADO_EXAMPLES_DIR").is_none() {
        if std::env::var_os("CI").is_none() {
            assert!(examples_dir().is_none());
        }
        return;
    }
    let dir = examples_dir().expect("configured");
    let count = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert!(count >= 20, "{} holds {count} JSON examples", dir.display());
}
