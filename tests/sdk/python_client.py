"""The calls an integration built on Microsoft's Python client (azure-devops)
makes, against one organization or collection URL (argv[1]).

The PAT comes from the environment (SDK_PAT), never from the arguments.
Prints one JSON object on stdout: what each call saw. Exits 1 with the
failing call on stderr when any call fails.
"""

import json
import os
import sys
import traceback

from azure.devops.connection import Connection
from azure.devops.exceptions import AzureDevOpsAuthenticationError, AzureDevOpsServiceError
from azure.devops.v7_1.work.models import TeamContext
from azure.devops.v7_1.work_item_tracking.models import JsonPatchOperation
from msrest.authentication import BasicAuthentication
from msrest.exceptions import DeserializationError


def main():
    url = sys.argv[1]
    pat = os.environ["SDK_PAT"]
    conn = Connection(base_url=url, creds=BasicAuthentication("", pat))
    out = {}
    step = "connection data"
    try:
        data = conn.clients_v7_1.get_location_client().get_connection_data()
        out["user"] = data.authenticated_user.id
        out["instance"] = data.instance_id

        step = "projects"
        core = conn.clients_v7_1.get_core_client()
        projects, skip = [], 0
        while True:
            page = core.get_projects(top=100, skip=skip)
            projects.extend(page)
            if len(page) < 100:
                break
            skip += 100
        ids = [p.id for p in projects]
        if len(set(ids)) != len(ids):
            raise AssertionError("paging returned a project twice")
        out["projects"] = len(projects)
        first = sorted(projects, key=lambda p: p.name.lower())[0]

        step = "project with capabilities"
        project = core.get_project(first.id, include_capabilities=True)
        out["project"] = project.name
        out["process"] = project.capabilities["processTemplate"]["templateName"]

        step = "work item types"
        wit = conn.clients_v7_1.get_work_item_tracking_client()
        types = wit.get_work_item_types(project.name)
        out["types"] = sorted(t.name for t in types)
        wtype = next(t for t in types if not t.is_disabled and t.name in ("Task", "Issue", "Bug"))

        step = "fields of a type"
        fields = wit.get_work_item_type_fields_with_references(project.name, wtype.name, expand="all")
        out["fields"] = len(fields)
        if not any(f.reference_name == "System.Title" for f in fields):
            raise AssertionError("System.Title missing from the fields of " + wtype.name)

        step = "area and iteration trees"
        areas = wit.get_classification_node(project.name, "areas", depth=10)
        iterations = wit.get_classification_node(project.name, "iterations", depth=10)
        roots = wit.get_root_nodes(project.name, depth=2)
        out["area_root"] = areas.name
        out["area_nodes"] = count_nodes(areas)
        out["iteration_nodes"] = count_nodes(iterations)
        out["roots"] = sorted(r.structure_type for r in roots)

        step = "teams"
        teams = core.get_teams(project.id)
        out["teams"] = len(teams)
        team = sorted(teams, key=lambda t: t.name.lower())[0]

        step = "team members"
        members = core.get_team_members_with_extended_properties(project.id, team.id)
        out["members"] = len(members)

        step = "team settings"
        work = conn.clients_v7_1.get_work_client()
        settings = work.get_team_settings(TeamContext(project=project.name, team=team.name))
        out["backlog_iteration"] = settings.backlog_iteration.id if settings.backlog_iteration else None

        step = "validateOnly create"
        doc = [JsonPatchOperation(op="add", path="/fields/System.Title", value="ado-setup SDK check")]
        item = wit.create_work_item(doc, project.name, wtype.name, validate_only=True)
        out["created_title"] = item.fields["System.Title"]
        out["created_id"] = item.id

        step = "wrong PAT refused"
        # Services answer a wrong PAT with 203 and the HTML sign-in page (the
        # client cannot read it: DeserializationError), the Server with 401
        # (AzureDevOpsServiceError). Either way no data.
        bad = Connection(base_url=url, creds=BasicAuthentication("", "wrong" + pat[5:]))
        try:
            bad.clients_v7_1.get_core_client().get_projects(top=1)
        except (AzureDevOpsServiceError, AzureDevOpsAuthenticationError, DeserializationError) as e:
            out["wrong_pat"] = type(e).__name__
        else:
            raise AssertionError("a wrong PAT was accepted")
    except Exception:
        sys.stderr.write("python: {} failed on {}:\n{}".format(step, url, traceback.format_exc()))
        sys.exit(1)
    print(json.dumps(out))


def count_nodes(node):
    return 1 + sum(count_nodes(c) for c in (node.children or []))


if __name__ == "__main__":
    main()
