// The calls an integration built on Microsoft's Node client
// (azure-devops-node-api) makes, against one organization or collection URL
// (argv[2]). The PAT comes from the environment (SDK_PAT), never from the
// arguments. Prints one JSON object on stdout: what each call saw. Exits 1
// with the failing call on stderr when any call fails.
"use strict";

const azdev = require("azure-devops-node-api");

async function main() {
  const url = process.argv[2];
  const pat = process.env.SDK_PAT;
  const conn = new azdev.WebApi(url, azdev.getPersonalAccessTokenHandler(pat));
  const out = {};
  let step = "connect";
  try {
    const data = await conn.connect();
    out.user = data.authenticatedUser.id;
    out.instance = data.instanceId;

    step = "connection data (location client)";
    const loc = await conn.getLocationsApi();
    const cd = await loc.getConnectionData();
    if (cd.authenticatedUser.id !== out.user) throw new Error("two users");

    step = "projects";
    const core = await conn.getCoreApi();
    const projects = [];
    for (let skip = 0; ; skip += 100) {
      const page = await core.getProjects(undefined, 100, skip);
      projects.push(...page);
      if (page.length < 100) break;
    }
    const ids = new Set(projects.map((p) => p.id));
    if (ids.size !== projects.length) throw new Error("paging returned a project twice");
    out.projects = projects.length;
    const first = projects.slice().sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))[0];

    step = "project with capabilities";
    const project = await core.getProject(first.id, true);
    out.project = project.name;
    out.process = project.capabilities.processTemplate.templateName;

    step = "work item types";
    const wit = await conn.getWorkItemTrackingApi();
    const types = await wit.getWorkItemTypes(project.name);
    out.types = types.map((t) => t.name).sort();
    const wtype = types.find((t) => !t.isDisabled && ["Task", "Issue", "Bug"].includes(t.name));

    step = "fields of a type";
    // WorkItemTypeFieldsExpandLevel.All = 3
    const fields = await wit.getWorkItemTypeFieldsWithReferences(project.name, wtype.name, 3);
    out.fields = fields.length;
    if (!fields.some((f) => f.referenceName === "System.Title")) {
      throw new Error("System.Title missing from the fields of " + wtype.name);
    }

    step = "area and iteration trees";
    // TreeStructureGroup: Areas = 0, Iterations = 1. The client drops a
    // route value of 0 (falsy), so Areas goes by name.
    const areas = await wit.getClassificationNode(project.name, "Areas", undefined, 10);
    const iterations = await wit.getClassificationNode(project.name, 1, undefined, 10);
    const roots = await wit.getRootNodes(project.name, 2);
    out.area_root = areas.name;
    out.area_nodes = countNodes(areas);
    out.iteration_nodes = countNodes(iterations);
    out.roots = roots.map((r) => r.structureType).sort();

    step = "teams";
    const teams = await core.getTeams(project.id);
    out.teams = teams.length;
    const team = teams.slice().sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))[0];

    step = "team members";
    const members = await core.getTeamMembersWithExtendedProperties(project.id, team.id);
    out.members = members.length;

    step = "team settings";
    const work = await conn.getWorkApi();
    const settings = await work.getTeamSettings({ project: project.name, team: team.name });
    out.backlog_iteration = settings.backlogIteration ? settings.backlogIteration.id : null;

    step = "validateOnly create";
    const doc = [{ op: "add", path: "/fields/System.Title", value: "ado-setup SDK check" }];
    const item = await wit.createWorkItem(null, doc, project.name, wtype.name, true);
    out.created_title = item.fields["System.Title"];
    out.created_id = item.id === undefined ? null : item.id;

    step = "wrong PAT refused";
    // Services answer a wrong PAT with 203 and the HTML sign-in page (the
    // client then has no JSON: null), the Server with 401 (the client
    // throws). Either way no data, and the status says why.
    const bad = new azdev.WebApi(url, azdev.getPersonalAccessTokenHandler("wrong" + pat.slice(5)));
    let refused = null;
    try {
      const got = await (await bad.getCoreApi()).getProjects(undefined, 1);
      if (Array.isArray(got)) throw new Error("a wrong PAT got projects");
    } catch (e) {
      if (!e.statusCode) throw e;
      refused = e.statusCode;
    }
    if (refused === null) {
      const res = await bad.rest.client.get(url + "/_apis/projects?api-version=5.0");
      refused = res.message.statusCode;
      await res.readBody();
    }
    if (refused !== 203 && refused !== 401) throw new Error("a wrong PAT got status " + refused);
    out.wrong_pat = refused;
  } catch (e) {
    process.stderr.write("node: " + step + " failed on " + url + ":\n" + (e && e.stack ? e.stack : String(e)) + "\n");
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

function countNodes(node) {
  return 1 + (node.children || []).reduce((n, c) => n + countNodes(c), 0);
}

main();
