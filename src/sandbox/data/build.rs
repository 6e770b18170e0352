//! Building the catalog from the assets: parse the JSON files, resolve
//! every name (fields, processes, people) to an index, derive the generated
//! parts, and check what the handlers rely on (known scenarios, sign-in
//! scenarios in tenants of their own, organizations listed once). A broken
//! asset is an error naming the file or entry, never a panic.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use super::model::{
    App, AppKind, Catalog, Category, FieldDef, MSA_TENANT, Org, Person, Process, Project, StateDef,
    Team, Tenant, TypeField, WitType,
};
use super::raw::{
    FIELDS_JSON, ORGS_JSON, PROCESSES_JSON, RawField, RawFieldFile, RawGenerator, RawIterations,
    RawOrg, RawOrgFile, RawPerson, RawProcess, RawProcessFile, RawProject, RawSecurityFile,
    RawTeam, RawType, SECURITY_JSON,
};
use super::trees::{AreaSpec, IterationSpec};
use crate::sandbox::scenario::{scenario_kind, sign_in_kind};
use crate::sandbox::util::{b64url_encode, date_string, guid_from, is_guid, parse_ymd};

/// The catalog, built from the embedded assets.
pub(super) fn build_catalog() -> anyhow::Result<Catalog> {
    let raw_orgs: RawOrgFile = parse("organizations.json", ORGS_JSON)?;
    let raw_proc: RawProcessFile = parse("processes.json", PROCESSES_JSON)?;
    let raw_fields: RawFieldFile = parse("fields.json", FIELDS_JSON)?;
    let raw_sec: RawSecurityFile = parse("security.json", SECURITY_JSON)?;

    let fields = Fields::build(raw_fields)?;
    let processes = build_processes(&raw_proc, &fields)?;
    let (people, apps) = build_people(&raw_orgs)?;
    let person_idx = |email: &str| person_index(&people, email);
    let main_user = person_idx(&raw_orgs.main_user)?;
    let reader_user = person_idx(&raw_orgs.reader_user)?;
    let names = Names {
        people: &people,
        processes: &processes,
        main_user,
        reader_user,
    };

    let mut orgs: Vec<Org> = Vec::new();
    for (oi, ro) in raw_orgs.organizations.iter().enumerate() {
        let org = build_org(&names, oi, ro)?;
        if orgs
            .iter()
            .any(|o: &Org| o.server == ro.server && o.name.eq_ignore_ascii_case(&ro.name))
        {
            anyhow::bail!("organization {} is listed twice", ro.name);
        }
        orgs.push(org);
    }
    check_sign_in_tenants(&orgs, &raw_orgs.tenants)?;

    Ok(Catalog {
        tenants: raw_orgs.tenants,
        people,
        main_user,
        reader_user,
        apps,
        orgs,
        processes,
        fields: fields.defs,
        namespaces: raw_sec.namespaces,
        field_index: fields.index,
    })
}

/// One asset file, parsed; the error names the file.
fn parse<T: DeserializeOwned>(file: &str, text: &str) -> anyhow::Result<T> {
    serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))
}

/// `major.minor` (both numbers, e.g. `5.0`).
fn parse_major_minor(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

// ---------------------------------------------------------------------------
// Fields and processes
// ---------------------------------------------------------------------------

/// The field definitions, with their index by reference name.
struct Fields {
    defs: Vec<FieldDef>,
    /// Lower-case reference name → index into `defs`.
    index: HashMap<String, usize>,
    /// The fields every work item type has, first on its form.
    system: Vec<usize>,
}

impl Fields {
    fn build(raw: RawFieldFile) -> anyhow::Result<Fields> {
        let defs: Vec<FieldDef> = raw.fields.into_iter().map(field_def).collect();
        let index: HashMap<String, usize> = defs
            .iter()
            .enumerate()
            .map(|(i, f)| (f.ref_name.to_lowercase(), i))
            .collect();
        let mut fields = Fields {
            defs,
            index,
            system: Vec::new(),
        };
        fields.system = raw
            .system_fields
            .iter()
            .map(|r| fields.idx(r))
            .collect::<anyhow::Result<_>>()?;
        Ok(fields)
    }

    /// A field's index by reference name (case-insensitive).
    fn idx(&self, r: &str) -> anyhow::Result<usize> {
        self.index
            .get(&r.to_lowercase())
            .copied()
            .ok_or_else(|| anyhow::anyhow!("unknown field {r}"))
    }

    /// The rules of field `i` on a type, as the field defines them.
    fn type_field(&self, i: usize) -> TypeField {
        let f = &self.defs[i];
        TypeField {
            field: i,
            required: f.required,
            default: f.default.clone(),
            allowed: f.allowed.clone(),
            help: f.help.clone(),
        }
    }
}

fn field_def(f: RawField) -> FieldDef {
    FieldDef {
        ref_name: f.ref_name,
        name: f.name,
        field_type: f.field_type,
        read_only: f.read_only,
        required: f.required,
        system: f.system,
        help: f.help,
        description: f.description,
        allowed: f.allowed,
        default: f.default,
        identity: f.identity,
        picklist: f.picklist,
        depends: f.depends,
    }
}

/// A work item type; `all_names` are the names of every type of its
/// process (the allowed values of `System.WorkItemType`).
fn build_type(t: &RawType, all_names: &[String], fields: &Fields) -> anyhow::Result<WitType> {
    let mut idxs: Vec<usize> = fields.system.clone();
    for r in &t.fields {
        let i = fields.idx(r)?;
        if !idxs.contains(&i) {
            idxs.push(i);
        }
    }
    let states: Vec<StateDef> = t
        .states
        .iter()
        .map(|(n, c, k)| StateDef {
            name: n.clone(),
            color: c.clone(),
            category: k.clone(),
        })
        .collect();
    let type_fields = idxs
        .into_iter()
        .map(|i| {
            let f = &fields.defs[i];
            let (allowed, default) = match f.ref_name.as_str() {
                "System.State" => (
                    states.iter().map(|s| s.name.clone()).collect(),
                    states.first().map(|s| s.name.clone()),
                ),
                "System.Reason" => (vec![t.initial_reason.clone()], None),
                "System.WorkItemType" => (all_names.to_vec(), None),
                _ => (f.allowed.clone(), f.default.clone()),
            };
            TypeField {
                field: i,
                required: f.required,
                default,
                allowed,
                help: f.help.clone(),
            }
        })
        .collect();
    Ok(WitType {
        name: t.name.clone(),
        ref_name: t.ref_name.clone(),
        description: t.description.clone(),
        color: t.color.clone(),
        icon: t.icon.clone(),
        disabled: false,
        states,
        initial_reason: t.initial_reason.clone(),
        fields: type_fields,
    })
}

/// Every process: the system ones first, then those derived from them.
fn build_processes(raw: &RawProcessFile, fields: &Fields) -> anyhow::Result<Vec<Process>> {
    let mut processes: Vec<Process> = Vec::new();
    for rp in raw.processes.iter().filter(|p| p.parent.is_none()) {
        processes.push(system_process(rp, raw, fields)?);
    }
    for rp in raw.processes.iter().filter(|p| p.parent.is_some()) {
        let derived = derived_process(rp, &processes, fields)?;
        processes.push(derived);
    }
    Ok(processes)
}

/// A system process: its own types and categories plus the common ones.
fn system_process(
    rp: &RawProcess,
    raw: &RawProcessFile,
    fields: &Fields,
) -> anyhow::Result<Process> {
    let mut raw_types: Vec<RawType> = rp.types.clone();
    raw_types.extend(raw.common_types.iter().cloned());
    let names: Vec<String> = raw_types.iter().map(|t| t.name.clone()).collect();
    let types = raw_types
        .iter()
        .map(|t| build_type(t, &names, fields))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut categories: Vec<Category> = rp
        .categories
        .iter()
        .chain(raw.common_categories.iter())
        .map(|c| Category {
            ref_name: c.ref_name.clone(),
            name: c.name.clone(),
            types: c.types.clone(),
        })
        .collect();
    categories.retain(|c| c.types.iter().all(|t| names.contains(t)));
    Ok(Process {
        type_id: rp.type_id.clone(),
        name: rp.name.clone(),
        description: rp.description.clone(),
        customization: rp.customization_type.clone(),
        parent: None,
        is_default: rp.is_default,
        organizations: rp.organizations.clone(),
        types,
        categories,
    })
}

/// A process derived from a system one (inherited, or custom XML): the
/// parent's types with the changes the asset lists.
fn derived_process(
    rp: &RawProcess,
    processes: &[Process],
    fields: &Fields,
) -> anyhow::Result<Process> {
    let parent_id = rp.parent.clone().unwrap_or_default();
    let base = processes
        .iter()
        .find(|p| p.type_id == parent_id)
        .ok_or_else(|| anyhow::anyhow!("process {}: unknown parent", rp.name))?;
    let mut types = base.types.clone();
    for (tname, ch) in &rp.changes {
        let t = types
            .iter_mut()
            .find(|t| t.name.eq_ignore_ascii_case(tname))
            .ok_or_else(|| anyhow::anyhow!("process {}: unknown type {tname}", rp.name))?;
        t.disabled = ch.disabled;
        for r in &ch.add_fields {
            let i = fields.idx(r)?;
            if t.field(i).is_none() {
                t.fields.push(fields.type_field(i));
            }
        }
        for r in &ch.required {
            let i = fields.idx(r)?;
            if let Some(tf) = t.fields.iter_mut().find(|f| f.field == i) {
                tf.required = true;
            }
        }
    }
    Ok(Process {
        type_id: rp.type_id.clone(),
        name: rp.name.clone(),
        description: rp.description.clone(),
        customization: rp.customization_type.clone(),
        parent: if rp.customization_type.eq_ignore_ascii_case("inherited") {
            Some(parent_id)
        } else {
            None
        },
        is_default: rp.is_default,
        organizations: rp.organizations.clone(),
        types,
        categories: base.categories.clone(),
    })
}

// ---------------------------------------------------------------------------
// People and application identities
// ---------------------------------------------------------------------------

/// The people, then the application identities (each also a person, after
/// them).
fn build_people(raw: &RawOrgFile) -> anyhow::Result<(Vec<Person>, Vec<App>)> {
    let mut people: Vec<Person> = raw.people.iter().map(person_from).collect();
    let mut apps = Vec::new();
    for ra in &raw.apps {
        if !is_guid(&ra.client_id) {
            anyhow::bail!("app {}: client_id is not a GUID", ra.name);
        }
        if !raw
            .tenants
            .iter()
            .any(|t| t.id.eq_ignore_ascii_case(&ra.tenant))
        {
            anyhow::bail!("app {}: tenant {} is not in tenants", ra.name, ra.tenant);
        }
        if people
            .iter()
            .any(|p| p.email.eq_ignore_ascii_case(&ra.client_id))
        {
            anyhow::bail!("app {}: client_id {} is not unique", ra.name, ra.client_id);
        }
        if ra.kind == AppKind::ServicePrincipal && ra.secret.is_none() {
            anyhow::bail!("app {}: a service principal needs a secret", ra.name);
        }
        let id = guid_from(&format!("app:{}", ra.client_id.to_lowercase()));
        apps.push(App {
            kind: ra.kind,
            name: ra.name.clone(),
            client_id: ra.client_id.to_lowercase(),
            tenant: ra.tenant.to_lowercase(),
            secret: ra.secret.clone(),
            system_assigned: ra.system_assigned,
            person: people.len(),
        });
        people.push(Person {
            id: id.clone(),
            name: ra.name.clone(),
            email: ra.client_id.to_lowercase(),
            windows: ra.name.clone(),
            descriptor: format!(
                "aadsp.{}",
                b64url_encode(
                    guid_from(&format!("subject:app:{}", ra.client_id.to_lowercase())).as_bytes()
                )
            ),
        });
    }
    if apps
        .iter()
        .filter(|a| a.kind == AppKind::ManagedIdentity && a.system_assigned)
        .count()
        > 1
    {
        anyhow::bail!("apps: at most one system-assigned managed identity");
    }
    Ok((people, apps))
}

fn person_from(raw: &RawPerson) -> Person {
    let local = raw.email.split('@').next().unwrap_or(&raw.email);
    let account: String = local.chars().filter(|c| *c != '.').collect();
    Person {
        id: guid_from(&format!("person:{}", raw.email.to_lowercase())),
        name: raw.name.clone(),
        email: raw.email.clone(),
        windows: raw
            .windows
            .clone()
            .unwrap_or_else(|| format!("CONTOSO\\{account}")),
        descriptor: format!(
            "aad.{}",
            b64url_encode(guid_from(&format!("subject:{}", raw.email.to_lowercase())).as_bytes())
        ),
    }
}

/// A person's index by sign-in address.
fn person_index(people: &[Person], email: &str) -> anyhow::Result<usize> {
    people
        .iter()
        .position(|p| p.email.eq_ignore_ascii_case(email))
        .ok_or_else(|| anyhow::anyhow!("unknown person {email}"))
}

// ---------------------------------------------------------------------------
// Organizations and projects
// ---------------------------------------------------------------------------

/// What the entries of an organization are resolved against.
struct Names<'a> {
    people: &'a [Person],
    processes: &'a [Process],
    main_user: usize,
    reader_user: usize,
}

impl Names<'_> {
    fn person(&self, email: &str) -> anyhow::Result<usize> {
        person_index(self.people, email)
    }

    fn process(&self, name: &str) -> anyhow::Result<usize> {
        self.processes
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| anyhow::anyhow!("unknown process {name}"))
    }
}

fn iteration_spec(r: &RawIterations) -> anyhow::Result<IterationSpec> {
    Ok(IterationSpec {
        start: parse_ymd(&r.start).ok_or_else(|| anyhow::anyhow!("bad date {}", r.start))?,
        days: r.days.max(1),
        paths: r.paths.clone(),
    })
}

/// Organization `ro`, the `oi`-th of the asset (its node ids start at
/// `(oi + 1) * 10⁹`).
fn build_org(names: &Names, oi: usize, ro: &RawOrg) -> anyhow::Result<Org> {
    let base = (oi as i64 + 1) * 1_000_000_000;
    let mut projects = ro
        .projects
        .iter()
        .enumerate()
        .map(|(pi, rp)| build_project(names, rp, base + pi as i64 * 100_000))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(g) = &ro.generated_projects {
        generate_projects(names, &ro.name, g, base, &mut projects)?;
    }
    projects.sort_by_key(|p| p.name.to_lowercase());
    let mut by_key = HashMap::new();
    for (i, p) in projects.iter().enumerate() {
        by_key.insert(p.id.to_lowercase(), i);
        by_key.insert(p.name.to_lowercase(), i);
    }
    let procs: Vec<usize> = names
        .processes
        .iter()
        .enumerate()
        .filter(|(_, p)| match &p.organizations {
            None => true,
            Some(list) => list.iter().any(|o| o.eq_ignore_ascii_case(&ro.name)),
        })
        .map(|(i, _)| i)
        .collect();
    let api_version = match (&ro.api_version, ro.server) {
        (None, true) => (6, 0),
        (None, false) => (7, 2),
        (Some(_), false) => {
            anyhow::bail!(
                "organization {}: api_version is for Server collections only",
                ro.name
            )
        }
        (Some(v), true) => parse_major_minor(v)
            .ok_or_else(|| anyhow::anyhow!("collection {}: bad api_version {v}", ro.name))?,
    };
    if let Some(sc) = &ro.scenario
        && scenario_kind(sc).is_none()
        && sign_in_kind(sc).is_none()
    {
        anyhow::bail!("organization {}: unknown scenario {sc}", ro.name);
    }
    Ok(Org {
        name: ro.name.clone(),
        id: ro.id.clone(),
        tenant: if ro.server { None } else { ro.tenant.clone() },
        server: ro.server,
        api_version,
        scenario: ro.scenario.clone(),
        primary_process: ro.process.clone(),
        anonymous_access: ro.anonymous_access,
        projects,
        processes: procs,
        by_key,
        root_nodes: OnceLock::new(),
    })
}

/// A project written in the assets.
fn build_project(names: &Names, rp: &RawProject, node_id_base: i64) -> anyhow::Result<Project> {
    let process = names.process(&rp.process)?;
    let teams = rp
        .teams
        .iter()
        .enumerate()
        .map(|(ti, rt)| build_team(names, &rp.id, ti, rt))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let areas = match &rp.area_generator {
        Some(g) => AreaSpec::Generated(g.levels.clone()),
        None => AreaSpec::List(rp.areas.clone()),
    };
    Ok(Project {
        id: rp.id.clone(),
        name: rp.name.clone(),
        description: rp.description.clone(),
        process,
        visibility: rp.visibility.clone().unwrap_or_else(|| "private".into()),
        source_control: rp.source_control.clone().unwrap_or_else(|| "Git".into()),
        revision: rp.revision.unwrap_or(1),
        last_update: rp
            .last_update
            .clone()
            .unwrap_or_else(|| "2026-01-05T09:00:00.000Z".into()),
        teams,
        areas,
        iterations: iteration_spec(&rp.iterations)?,
        permissions: rp.permissions.clone(),
        node_id_base,
        trees: OnceLock::new(),
    })
}

/// The `ti`-th team of project `project_id` (the first is the default team).
fn build_team(names: &Names, project_id: &str, ti: usize, rt: &RawTeam) -> anyhow::Result<Team> {
    let mut members = Vec::new();
    for m in &rt.members {
        let p = names.person(m)?;
        let admin = rt.admins.iter().any(|a| a.eq_ignore_ascii_case(m));
        members.push((p, admin));
    }
    let areas = rt.areas.clone().unwrap_or_else(|| vec![String::new()]);
    let default_area = rt
        .default_area
        .clone()
        .unwrap_or_else(|| areas.first().cloned().unwrap_or_default());
    Ok(Team {
        id: guid_from(&format!("team:{}:{}", project_id, rt.name.to_lowercase())),
        name: rt.name.clone(),
        description: rt.description.clone().unwrap_or_else(|| {
            if ti == 0 {
                "The default project team.".to_string()
            } else {
                String::new()
            }
        }),
        members,
        areas,
        default_area,
        iteration: rt.iteration.clone(),
    })
}

/// Appends the generated projects of organization `org` (every department
/// × system × region of `g`) to `projects`.
fn generate_projects(
    names: &Names,
    org: &str,
    g: &RawGenerator,
    base: i64,
    projects: &mut Vec<Project>,
) -> anyhow::Result<()> {
    let generator = Generator {
        org,
        g,
        // Members besides the main user: Contoso people, the scenario
        // users aside.
        contoso: names
            .people
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.email.ends_with("@contoso.example")
                    && *i != names.main_user
                    && *i != names.reader_user
            })
            .map(|(i, _)| i)
            .collect(),
        procs: g
            .processes
            .iter()
            .map(|p| names.process(p))
            .collect::<anyhow::Result<Vec<_>>>()?,
        iterations: iteration_spec(&g.iterations)?,
        main_user: names.main_user,
        base,
    };
    let mut n = projects.len();
    for d in &g.departments {
        for s in &g.systems {
            for r in &g.regions {
                projects.push(generator.project(d, s, r, n));
                n += 1;
            }
        }
    }
    Ok(())
}

/// What the generated projects of one organization are made from.
struct Generator<'a> {
    org: &'a str,
    g: &'a RawGenerator,
    contoso: Vec<usize>,
    procs: Vec<usize>,
    iterations: IterationSpec,
    main_user: usize,
    base: i64,
}

impl Generator<'_> {
    /// The `n`-th project of the organization: `{d} {s} {r}`, its process,
    /// members, revision and dates derived from `n`.
    fn project(&self, d: &str, s: &str, r: &str, n: usize) -> Project {
        let name = format!("{d} {s} {r}");
        let id = guid_from(&format!("project:{}:{}", self.org, name.to_lowercase()));
        let process = self
            .procs
            .get(n % self.procs.len().max(1))
            .copied()
            .unwrap_or(0);
        let mut members = vec![(self.main_user, true)];
        if !self.contoso.is_empty() {
            for k in 0..3 {
                let p = self.contoso[(n * 3 + k) % self.contoso.len()];
                if !members.iter().any(|(m, _)| *m == p) {
                    members.push((p, false));
                }
            }
        }
        let day = 20_089 + (n as i64 * 37) % 400;
        Project {
            id: id.clone(),
            name: name.clone(),
            description: Some(format!("{s} for {d}, {r} region.")),
            process,
            visibility: "private".into(),
            source_control: "Git".into(),
            revision: 40 + (n as u64 * 7919) % 900,
            last_update: format!(
                "{}T{:02}:{:02}:{:02}.{:03}Z",
                &date_string(day)[..10],
                (n * 7) % 24,
                (n * 13) % 60,
                (n * 29) % 60,
                (n * 97) % 1000
            ),
            teams: vec![Team {
                id: guid_from(&format!("team:{id}:{} team", name.to_lowercase())),
                name: format!("{name} Team"),
                description: "The default project team.".into(),
                members,
                areas: vec![String::new()],
                default_area: String::new(),
                iteration: self.g.iterations.paths.first().cloned(),
            }],
            areas: AreaSpec::List(self.g.areas.clone()),
            iterations: self.iterations.clone(),
            permissions: HashMap::new(),
            node_id_base: self.base + n as i64 * 100_000,
            trees: OnceLock::new(),
        }
    }
}

/// A sign-in scenario acts on its organization's tenant, which must be a
/// known directory of its own.
fn check_sign_in_tenants(orgs: &[Org], tenants: &[Tenant]) -> anyhow::Result<()> {
    for o in orgs {
        if o.sign_in_scenario().is_none() {
            continue;
        }
        let Some(t) = o.tenant.as_deref().filter(|t| *t != MSA_TENANT) else {
            anyhow::bail!("organization {}: a sign-in scenario needs a tenant", o.name);
        };
        if !tenants.iter().any(|x| x.id.eq_ignore_ascii_case(t)) {
            anyhow::bail!("organization {}: tenant {t} is not in tenants", o.name);
        }
        if orgs.iter().any(|other| {
            other.name != o.name
                && other
                    .tenant
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(t))
        }) {
            anyhow::bail!(
                "organization {}: the tenant of a sign-in scenario is its own",
                o.name
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_are_major_dot_minor() {
        assert_eq!(parse_major_minor(" 5.1 "), Some((5, 1)));
        assert_eq!(parse_major_minor("5"), None);
        assert_eq!(parse_major_minor("5.x"), None);
    }
}
