//! The Field mapping step (SPEC §2 step 6): a form of rows — work item
//! type, area path, iteration path, priority map, assignee, each required
//! field — each changed in its own picker; "Check and continue" runs the
//! catalogue's `mapping.*` checks, ending with a `validateOnly` create, and
//! shows each problem on the field it names.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{
    CheckOutcome, CheckStatus, Effect, Job, MappingData, MappingInfo, MemberItem, Problem,
    ReviewRequest, TypeChoice, TypeFields, ValueItem, Wizard,
};
use crate::store::config::{PriorityMap, Severity};
use crate::wizard::filter::FilterList;

/// A row of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Type,
    Area,
    Iteration,
    Priority,
    Assignee,
    /// A required field, by its index in `TypeFields::required`.
    Field(usize),
    Continue,
}

impl Row {
    /// The key problems are filed under.
    pub fn key<'a>(&self, form: &'a MappingForm) -> &'a str {
        match self {
            Row::Type => "System.WorkItemType",
            Row::Area => "System.AreaPath",
            Row::Iteration => "System.IterationPath",
            Row::Priority => "Microsoft.VSTS.Common.Priority",
            Row::Assignee => "System.AssignedTo",
            Row::Field(i) => form
                .fields
                .required
                .get(*i)
                .map_or("", |f| f.reference_name.as_str()),
            Row::Continue => "",
        }
    }
}

/// The open picker.
#[derive(Debug, Clone)]
pub enum Picker {
    Type(FilterList<TypeChoice>),
    Area,
    Iteration,
    /// Which severity row is selected.
    Priority(usize),
    Assignee(FilterList<MemberItem>),
    /// A picklist field.
    Values(usize, FilterList<ValueItem>),
    /// A free-text field.
    Text(usize, Input),
}

/// The form's state.
#[derive(Debug, Clone)]
pub struct MappingForm {
    pub data: Box<MappingData>,
    pub work_item_type: String,
    pub fields: TypeFields,
    pub area: String,
    pub iteration: String,
    pub priority: PriorityMap,
    pub assignee: Option<String>,
    pub values: BTreeMap<String, String>,
    /// What the last check said, by row key.
    pub errors: BTreeMap<String, String>,
    pub row: usize,
    pub picker: Option<Picker>,
    /// The type's fields are being read (after a type change).
    pub loading_fields: bool,
    /// What the accepted dry run would have created, in words, for the
    /// mapping it checked; shown until Enter goes on (or an answer changes).
    pub verified: Option<(MappingInfo, String)>,
}

impl MappingForm {
    /// The form with the project's defaults, focus on "Check and continue"
    /// (or on the first required field, which has no default).
    pub fn new(data: Box<MappingData>) -> Self {
        let mut f = MappingForm {
            work_item_type: data.default_type.clone(),
            fields: data.fields.clone(),
            area: data.default_area.clone(),
            iteration: data.default_iteration.clone(),
            priority: PriorityMap::default(),
            assignee: None,
            values: BTreeMap::new(),
            errors: BTreeMap::new(),
            row: 0,
            picker: None,
            loading_fields: false,
            verified: None,
            data,
        };
        f.row = f.first_focus();
        f
    }

    fn first_focus(&self) -> usize {
        let rows = self.rows();
        rows.iter()
            .position(|r| matches!(r, Row::Field(_)))
            .unwrap_or(rows.len().saturating_sub(1))
    }

    /// The rows, in order.
    pub fn rows(&self) -> Vec<Row> {
        let mut r = vec![
            Row::Type,
            Row::Area,
            Row::Iteration,
            Row::Priority,
            Row::Assignee,
        ];
        r.extend((0..self.fields.required.len()).map(Row::Field));
        r.push(Row::Continue);
        r
    }

    /// The accepted dry run's words, while the form still holds the
    /// mapping it checked.
    pub fn verified(&self) -> Option<&str> {
        self.verified
            .as_ref()
            .filter(|(checked, _)| *checked == self.info())
            .map(|(_, said)| said.as_str())
    }

    /// The states of the chosen type.
    pub fn states(&self) -> &[String] {
        self.data
            .types
            .iter()
            .find(|t| t.name == self.work_item_type)
            .map_or(&[][..], |t| t.states.as_slice())
    }

    /// The mapping as chosen.
    pub fn info(&self) -> MappingInfo {
        MappingInfo {
            work_item_type: self.work_item_type.clone(),
            type_states: self.states().to_vec(),
            area_path: self.area.clone(),
            iteration_path: self.iteration.clone(),
            has_priority: self.fields.priority_values.is_some(),
            priority_map: self.priority,
            assignee: self.assignee.clone(),
            field_defaults: self
                .values
                .iter()
                .filter(|(k, _)| self.fields.required.iter().any(|f| &f.reference_name == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// New fields for a new type: values of fields it no longer has go.
    pub fn set_fields(&mut self, fields: TypeFields) {
        if fields.work_item_type != self.work_item_type {
            return; // a stale answer
        }
        self.values
            .retain(|k, _| fields.required.iter().any(|f| &f.reference_name == k));
        self.fields = fields;
        self.loading_fields = false;
        self.row = self.row.min(self.rows().len().saturating_sub(1));
    }

    /// Files the checks' findings under the rows they concern; what fits no
    /// row comes back for the screen's problem box.
    pub fn file_outcomes(&mut self, outcomes: &[CheckOutcome]) -> Vec<String> {
        self.errors.clear();
        let mut general = Vec::new();
        for o in outcomes.iter().filter(|o| o.status == CheckStatus::Fail) {
            if !o.fields.is_empty() {
                for f in &o.fields {
                    let key = match f.reference_name.as_str() {
                        "" => continue,
                        k => k.to_string(),
                    };
                    self.errors.entry(key).or_insert_with(|| f.message.clone());
                }
                continue;
            }
            let key = match o.id {
                "mapping.work_item_type" => "System.WorkItemType",
                "mapping.area_path" => "System.AreaPath",
                "mapping.iteration_path" => "System.IterationPath",
                "mapping.priority" => "Microsoft.VSTS.Common.Priority",
                "mapping.assignee" => "System.AssignedTo",
                _ => {
                    general.push(format!("{}: {}", o.id, o.message));
                    continue;
                }
            };
            self.errors
                .entry(key.to_string())
                .or_insert_with(|| o.message.clone());
        }
        // A field a rule names that is not on the form gets a row of its own.
        let known: Vec<String> = self
            .rows()
            .iter()
            .map(|r| r.key(self).to_string())
            .collect();
        for k in self.errors.keys() {
            if !known.contains(k) {
                general.push(format!("{k}: {}", self.errors[k]));
            }
        }
        general
    }
}

fn is_ctrl(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL)
}

/// Keys of the Field mapping step. Returns `None` when the key is not the
/// form's (the wizard's own handling applies: Esc back, `q`, `?`).
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Option<Vec<Effect>> {
    let form = w.form.as_mut()?;
    if let Some(picker) = form.picker.take() {
        let (keep, effects) = picker_key(w, picker, key);
        if let Some(f) = w.form.as_mut() {
            f.picker = keep;
        }
        return Some(effects);
    }
    if w.pending.is_some() {
        return None;
    }
    let rows = form.rows();
    match key.code {
        KeyCode::Up | KeyCode::BackTab => {
            form.row = form.row.saturating_sub(1);
            Some(Vec::new())
        }
        KeyCode::Down | KeyCode::Tab => {
            form.row = (form.row + 1).min(rows.len().saturating_sub(1));
            Some(Vec::new())
        }
        KeyCode::Enter => {
            let row = rows.get(form.row).cloned().unwrap_or(Row::Continue);
            Some(open(w, row))
        }
        _ => None,
    }
}

/// Opens the picker of `row`, or validates on "Check and continue".
fn open(w: &mut Wizard, row: Row) -> Vec<Effect> {
    let Some(form) = w.form.as_mut() else {
        return Vec::new();
    };
    w.problem = None;
    form.picker = match row {
        Row::Type => {
            let mut list = FilterList::new(form.data.types.clone());
            let current = form.work_item_type.clone();
            list.select_where(|t: &TypeChoice| t.name == current);
            Some(Picker::Type(list))
        }
        Row::Area => {
            let area = form.area.clone();
            form.data.areas.select_path(&area);
            Some(Picker::Area)
        }
        Row::Iteration => {
            let it = form.iteration.clone();
            form.data.iterations.select_path(&it);
            Some(Picker::Iteration)
        }
        Row::Priority => {
            if form.fields.priority_values.is_none() {
                w.problem = Some(Problem::new(
                    "MAPPING_INVALID",
                    format!(
                        "{} has no Priority field: severities are not mapped",
                        form.work_item_type
                    ),
                    "Choose a type with a Priority field to map severities, or go on without",
                ));
                None
            } else {
                Some(Picker::Priority(0))
            }
        }
        Row::Assignee => {
            let mut list = FilterList::new(form.data.members.clone());
            if let Some(a) = form.assignee.clone() {
                list.select_where(|m: &MemberItem| m.unique_name.eq_ignore_ascii_case(&a));
            }
            Some(Picker::Assignee(list))
        }
        Row::Field(i) => {
            let Some(field) = form.fields.required.get(i) else {
                return Vec::new();
            };
            let current = form.values.get(&field.reference_name).cloned();
            if field.allowed_values.is_empty() {
                Some(Picker::Text(i, Input::new(current.unwrap_or_default())))
            } else {
                let mut list = FilterList::new(
                    field
                        .allowed_values
                        .iter()
                        .map(|v| ValueItem(v.clone()))
                        .collect(),
                );
                if let Some(c) = current {
                    list.select_where(|v: &ValueItem| v.0 == c);
                }
                Some(Picker::Values(i, list))
            }
        }
        Row::Continue => {
            // The dry run passed for exactly these answers: go on.
            if form.verified().is_some() {
                w.mapping = Some(form.info());
                let next = w.next_step();
                return w.enter(next);
            }
            return validate(w);
        }
    };
    Vec::new()
}

/// What an accepted dry run of `m` would have created, in words.
pub fn would_create(m: &MappingInfo) -> String {
    let t = crate::text::clean(&m.work_item_type);
    let article = match t.chars().next() {
        Some(c) if "AEIOUaeiou".contains(c) => "an",
        _ => "a",
    };
    format!(
        "would create {article} {t} in {}, iteration {}; nothing was created",
        crate::text::clean(&m.area_path),
        crate::text::clean(&m.iteration_path)
    )
}

/// "Check and continue": the mapping checks, ending with the dry run.
fn validate(w: &mut Wizard) -> Vec<Effect> {
    let (Some(form), Some(session), Some(project)) =
        (w.form.as_ref(), w.session(), w.project.clone())
    else {
        return Vec::new();
    };
    if form.loading_fields {
        return Vec::new();
    }
    let mapping = form.info();
    let req = ReviewRequest {
        session,
        project,
        mapping,
        devops_base: w.settings.devops_base.clone(),
        extra_endpoints: w.settings.service_endpoints(),
        allow_http: w.settings.allow_http,
    };
    w.spawn(Job::ValidateMapping(Box::new(req)))
}

/// Edits a filter query with a key; true when the key was text editing.
fn edit_query(query: &str, key: &KeyEvent) -> Option<String> {
    match key.code {
        KeyCode::Char(c) if !is_ctrl(key) => Some(format!("{query}{c}")),
        KeyCode::Backspace => {
            let mut q = query.to_string();
            q.pop();
            Some(q)
        }
        _ => None,
    }
}

/// What a key in an open picker leaves: the picker to keep open (if any)
/// and the effects.
type PickerOutcome = (Option<Picker>, Vec<Effect>);

/// A key in an open picker; returns the picker to keep open (if any).
fn picker_key(w: &mut Wizard, picker: Picker, key: KeyEvent) -> PickerOutcome {
    if w.form.is_none() || key.code == KeyCode::Esc {
        return (None, Vec::new());
    }
    match picker {
        Picker::Type(list) => type_key(w, list, key),
        Picker::Area => tree_key(w, true, key),
        Picker::Iteration => tree_key(w, false, key),
        Picker::Priority(sev) => priority_key(w, sev, key),
        Picker::Assignee(list) => assignee_key(w, list, key),
        Picker::Values(i, list) => values_key(w, i, list, key),
        Picker::Text(i, input) => text_key(w, i, input, key),
    }
}

/// The work item type: another type loads its fields (and clears the
/// errors filed under the old one).
fn type_key(w: &mut Wizard, mut list: FilterList<TypeChoice>, key: KeyEvent) -> PickerOutcome {
    let Some(form) = w.form.as_mut() else {
        return (None, Vec::new());
    };
    match key.code {
        KeyCode::Up => {
            list.select_prev();
            (Some(Picker::Type(list)), Vec::new())
        }
        KeyCode::Down => {
            list.select_next();
            (Some(Picker::Type(list)), Vec::new())
        }
        KeyCode::Enter => {
            let Some(t) = list.selected().map(|t| t.name.clone()) else {
                return (Some(Picker::Type(list)), Vec::new());
            };
            if t == form.work_item_type {
                return (None, Vec::new());
            }
            form.work_item_type = t.clone();
            form.errors.clear();
            form.loading_fields = true;
            w.mapping = None;
            let (Some(session), Some(project)) = (w.session(), w.project.clone()) else {
                return (None, Vec::new());
            };
            let effects = w.spawn(Job::LoadTypeFields {
                session,
                project,
                work_item_type: t,
            });
            (None, effects)
        }
        _ => {
            if let Some(q) = edit_query(list.query(), &key) {
                list.set_query(&q);
            }
            (Some(Picker::Type(list)), Vec::new())
        }
    }
}

/// The area (`is_area`) or iteration tree: ←→ fold, Tab the team's
/// default, Enter the selected node or a typed path that exists.
fn tree_key(w: &mut Wizard, is_area: bool, key: KeyEvent) -> PickerOutcome {
    let picker = if is_area {
        Picker::Area
    } else {
        Picker::Iteration
    };
    let Some(form) = w.form.as_mut() else {
        return (None, Vec::new());
    };
    let default = if is_area {
        form.data.default_area.clone()
    } else {
        form.data.default_iteration.clone()
    };
    let tree = if is_area {
        &mut form.data.areas
    } else {
        &mut form.data.iterations
    };
    match key.code {
        KeyCode::Up => tree.select_prev(),
        KeyCode::Down => tree.select_next(),
        KeyCode::PageUp => tree.page_up(10),
        KeyCode::PageDown => tree.page_down(10),
        KeyCode::Left => tree.collapse(),
        KeyCode::Right => tree.expand(),
        KeyCode::Tab => {
            tree.select_path(&default);
        }
        KeyCode::Enter => {
            // A typed path that exists is taken as typed.
            let typed = tree.query().trim().to_string();
            let chosen = if typed.contains('\\') && tree.contains_path(&typed) {
                Some(typed.trim_start_matches('\\').to_string())
            } else {
                tree.selected().map(|n| n.path.clone())
            };
            if let Some(path) = chosen {
                let key = if is_area {
                    form.area = path;
                    "System.AreaPath"
                } else {
                    form.iteration = path;
                    "System.IterationPath"
                };
                form.errors.remove(key);
                w.mapping = None;
                return (None, Vec::new());
            }
        }
        _ => {
            if let Some(q) = edit_query(tree.query(), &key) {
                tree.set_query(&q);
            }
        }
    }
    (Some(picker), Vec::new())
}

/// The priority map: ↑↓ choose a severity, ←→ (or Space) step its
/// priority through the field's allowed values.
fn priority_key(w: &mut Wizard, mut sev: usize, key: KeyEvent) -> PickerOutcome {
    let Some(form) = w.form.as_mut() else {
        return (None, Vec::new());
    };
    let values = form.fields.priority_values.clone().unwrap_or_default();
    let step = |form: &mut MappingForm, sev: usize, forward: bool| {
        let s = Severity::ALL[sev.min(3)];
        let current = form.priority.get(s).to_string();
        let pos = values.iter().position(|v| *v == current);
        let next = match (pos, forward) {
            (Some(p), true) => (p + 1) % values.len().max(1),
            (Some(p), false) => (p + values.len().max(1) - 1) % values.len().max(1),
            (None, _) => 0,
        };
        if let Some(v) = values.get(next).and_then(|v| v.parse::<i64>().ok()) {
            form.priority.set(s, v);
        }
    };
    match key.code {
        KeyCode::Up => sev = sev.saturating_sub(1),
        KeyCode::Down => sev = (sev + 1).min(3),
        KeyCode::Left => step(form, sev, false),
        KeyCode::Right | KeyCode::Char(' ') => step(form, sev, true),
        KeyCode::Enter => {
            form.errors.remove("Microsoft.VSTS.Common.Priority");
            w.mapping = None;
            return (None, Vec::new());
        }
        _ => {}
    }
    (Some(Picker::Priority(sev)), Vec::new())
}

/// The assignee: a team member, a typed address, or none (Delete, or
/// Enter on nothing typed).
fn assignee_key(w: &mut Wizard, mut list: FilterList<MemberItem>, key: KeyEvent) -> PickerOutcome {
    let Some(form) = w.form.as_mut() else {
        return (None, Vec::new());
    };
    match key.code {
        KeyCode::Up => {
            list.select_prev();
            (Some(Picker::Assignee(list)), Vec::new())
        }
        KeyCode::Down => {
            list.select_next();
            (Some(Picker::Assignee(list)), Vec::new())
        }
        KeyCode::Delete => {
            form.assignee = None;
            form.errors.remove("System.AssignedTo");
            w.mapping = None;
            (None, Vec::new())
        }
        KeyCode::Enter => {
            let typed = list.query().trim().to_string();
            let chosen = match list.selected() {
                Some(m) => Some(m.unique_name.clone()),
                // Not a team member in the list: an address, checked
                // by the mapping checks.
                None if typed.contains('@') => Some(typed),
                None if typed.is_empty() => None,
                None => return (Some(Picker::Assignee(list)), Vec::new()),
            };
            form.assignee = chosen;
            form.errors.remove("System.AssignedTo");
            w.mapping = None;
            (None, Vec::new())
        }
        _ => {
            if let Some(q) = edit_query(list.query(), &key) {
                list.set_query(&q);
            }
            (Some(Picker::Assignee(list)), Vec::new())
        }
    }
}

/// A picklist field (required field `i`): Enter takes the selected value.
fn values_key(
    w: &mut Wizard,
    i: usize,
    mut list: FilterList<ValueItem>,
    key: KeyEvent,
) -> PickerOutcome {
    let Some(form) = w.form.as_mut() else {
        return (None, Vec::new());
    };
    match key.code {
        KeyCode::Up => {
            list.select_prev();
            (Some(Picker::Values(i, list)), Vec::new())
        }
        KeyCode::Down => {
            list.select_next();
            (Some(Picker::Values(i, list)), Vec::new())
        }
        KeyCode::Enter => {
            if let (Some(v), Some(f)) = (list.selected(), form.fields.required.get(i)) {
                form.values.insert(f.reference_name.clone(), v.0.clone());
                form.errors.remove(&f.reference_name);
                w.mapping = None;
                return (None, Vec::new());
            }
            (Some(Picker::Values(i, list)), Vec::new())
        }
        _ => {
            if let Some(q) = edit_query(list.query(), &key) {
                list.set_query(&q);
            }
            (Some(Picker::Values(i, list)), Vec::new())
        }
    }
}

/// A free-text field (required field `i`): Enter takes the text (empty:
/// no value).
fn text_key(w: &mut Wizard, i: usize, mut input: Input, key: KeyEvent) -> PickerOutcome {
    let Some(form) = w.form.as_mut() else {
        return (None, Vec::new());
    };
    match key.code {
        KeyCode::Enter => {
            if let Some(f) = form.fields.required.get(i) {
                let v = input.value().trim().to_string();
                if v.is_empty() {
                    form.values.remove(&f.reference_name);
                } else {
                    form.values.insert(f.reference_name.clone(), v);
                }
                form.errors.remove(&f.reference_name);
                w.mapping = None;
            }
            (None, Vec::new())
        }
        _ => {
            input.handle_event(&crossterm::event::Event::Key(key));
            (Some(Picker::Text(i, input)), Vec::new())
        }
    }
}

/// A paste into the open picker's filter or text.
pub(super) fn on_paste(w: &mut Wizard, text: &str) -> bool {
    let Some(form) = w.form.as_mut() else {
        return false;
    };
    match form.picker.as_mut() {
        Some(Picker::Type(l)) => l.set_query(&format!("{}{text}", l.query())),
        Some(Picker::Assignee(l)) => l.set_query(&format!("{}{text}", l.query())),
        Some(Picker::Values(_, l)) => l.set_query(&format!("{}{text}", l.query())),
        Some(Picker::Area) => {
            let q = format!("{}{text}", form.data.areas.query());
            form.data.areas.set_query(&q);
        }
        Some(Picker::Iteration) => {
            let q = format!("{}{text}", form.data.iterations.query());
            form.data.iterations.set_query(&q);
        }
        Some(Picker::Text(_, input)) => {
            for c in text.chars() {
                input.handle(tui_input::InputRequest::InsertChar(c));
            }
        }
        Some(Picker::Priority(_)) | None => return false,
    }
    true
}
