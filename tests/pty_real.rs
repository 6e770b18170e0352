//! The real launch in a pseudo-terminal: `ado-setup` (the wizard, or the
//! start menu once connections exist), `ado-setup connect`, `edit NAME` and
//! `doctor NAME --tui`, with the settings a user has — not the demo — against
//! a sandbox the test starts (its URLs in the `ADO_SETUP_*_URL` variables,
//! `--allow-http`), the file secret store and a temporary `--config-dir`.
//!
//! Each run is driven by keys to its natural end. The PAT is typed into the
//! masked field (never on the command line) and is asserted absent from
//! everything the binary drew, from its draft and from every file but the
//! secret store's. The draft (`draft.toml`, 0600) is read while the wizard
//! runs and must be gone after the save. The environment is hermetic
//! (`support::pty_env::Hermetic`): a temporary `HOME`, a stand-in `az` as the
//! whole `PATH` (it records its calls and says no one is signed in), and
//! nothing of the host's — no proxies, no `XDG_*`, no `AZURE_DEVOPS_EXT_PAT`.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use ado_setup::sandbox::{Sandbox, SandboxOptions};
use support::pty_env::{Hermetic, Tty, sandbox_vars};
use support::secret_service::SecretService;

/// The saved name of contoso-agile's Payments Platform project.
const AGILE_PAYMENTS: &str = "contoso-agile-payments-platform";

/// A sandbox and a hermetic home for one or more launches.
struct Real {
    h: Hermetic,
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
    /// The OS keyring of the session, when the launches use the default
    /// store (`auto`) instead of the file store.
    keyring: Option<SecretService>,
}

impl Real {
    fn new() -> Real {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sb = rt
            .block_on(Sandbox::start(SandboxOptions::default()))
            .unwrap();
        Real {
            h: Hermetic::new(),
            sb,
            _rt: rt,
            keyring: None,
        }
    }

    /// Launches that keep the secret where a desktop user's goes: the
    /// default store, GNOME Keyring on `keyring`'s D-Bus session.
    fn with_keyring(keyring: SecretService) -> Real {
        Real {
            keyring: Some(keyring),
            ..Real::new()
        }
    }

    fn pat(&self) -> &str {
        self.sb.pat()
    }

    /// `ado-setup ARGS` with the settings of a real launch against the
    /// sandbox (the flags after the command's own).
    fn launch(&self, args: &[&str]) -> Tty {
        let config = self.h.config_dir();
        let mut all: Vec<&str> = args.to_vec();
        all.push("--allow-http");
        if self.keyring.is_none() {
            all.extend(["--secret-store", "file"]);
        }
        all.extend(["--config-dir", config.to_str().unwrap()]);
        let mut vars = sandbox_vars(&self.sb);
        if let Some(k) = &self.keyring {
            vars.push(("DBUS_SESSION_BUS_ADDRESS", k.address().to_string()));
        }
        Tty::launch(&self.h, &all, &vars)
    }

    /// What the OS keyring holds for `name` (read with `secret-tool`).
    fn in_keyring(&self, name: &str) -> Option<String> {
        self.keyring
            .as_ref()
            .and_then(|k| k.lookup("ado-setup", name))
    }

    /// No file of the runs holds the PAT (the OS keyring keeps it).
    fn assert_pat_in_no_file(&self) {
        let holders: Vec<PathBuf> = files_under(self.h.root())
            .into_iter()
            .filter(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap()).contains(self.pat()))
            .collect();
        assert!(holders.is_empty(), "the PAT is in {holders:?}");
    }

    fn draft_path(&self) -> PathBuf {
        self.h.config_dir().join("draft.toml")
    }

    /// The draft as it is now: it exists, is 0600 and holds no secret.
    fn draft(&self) -> toml::Table {
        use std::os::unix::fs::PermissionsExt;
        let path = self.draft_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no draft at {}: {e}", path.display()));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "draft.toml is {mode:o}");
        self.assert_no_secret_in(&text, "draft.toml");
        toml::from_str(&text).unwrap_or_else(|e| panic!("draft.toml: {e}\n{text}"))
    }

    fn assert_no_draft(&self) {
        assert!(
            !self.draft_path().exists(),
            "a draft is left: {:?}",
            std::fs::read_to_string(self.draft_path())
        );
    }

    /// Neither the PAT nor any 12 characters of it.
    fn assert_no_secret_in(&self, text: &str, what: &str) {
        let pat = self.pat();
        assert!(!text.contains(pat), "the PAT is in {what}");
        for i in 0..=pat.len() - 12 {
            assert!(
                !text.contains(&pat[i..i + 12]),
                "part of the PAT is in {what}"
            );
        }
    }

    /// Every file the runs left (home, config dir, log): only the file
    /// secret store holds the PAT.
    fn assert_pat_only_in_the_secret_store(&self) {
        let mut holders = Vec::new();
        for f in files_under(self.h.root()) {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            if text.contains(self.pat()) {
                holders.push(f);
            }
        }
        assert_eq!(
            holders,
            vec![self.h.config_dir().join("secrets.toml")],
            "the PAT is stored where it should not be"
        );
    }

    /// The saved connection names in config.toml.
    fn saved_names(&self) -> Vec<String> {
        let store = ado_setup::store::config::ConfigStore::open(self.h.config_dir());
        let config = store.load().unwrap();
        config.names().into_iter().map(str::to_string).collect()
    }

    /// The binary drew nothing of the PAT (nor of any 12 characters of it).
    fn assert_pat_never_drawn(&self, tty: &Tty) {
        self.assert_no_secret_in(&tty.raw_text(), "the terminal output");
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files
}

fn step(n: u8) -> String {
    format!("Step {n} of 9")
}

fn str_of<'a>(t: &'a toml::Table, key: &str) -> &'a str {
    t.get(key).and_then(|v| v.as_str()).unwrap_or("")
}

/// From the Deployment step (Services chosen), the organization typed, to
/// the Sign in step with its probes answered: Microsoft sign-in selected,
/// the stand-in `az` asked and found not signed in.
fn deployment_to_sign_in(real: &Real, tty: &mut Tty, org: &str) {
    tty.wait_for(&step(1));
    tty.wait_for("› 1 Azure DevOps Services");
    tty.send("\r");
    tty.wait_for("Organization name, or paste");
    tty.send(org);
    tty.wait_for(&format!("Organization: {org}"));
    tty.send("\r");
    tty.wait_for(&step(3));
    tty.wait_for("Press Enter for a code");
    // The Azure CLI's probe ran the stand-in, which said no one is signed in.
    tty.wait_for("az is not signed in");
    assert!(
        real.h
            .az_calls()
            .iter()
            .any(|c| c.starts_with("account get-access-token")),
        "{:?}",
        real.h.az_calls()
    );
}

/// Types the PAT into the (empty, masked) token field; it shows as dots.
fn type_pat(real: &Real, tty: &mut Tty) {
    let dots = "•".repeat(real.pat().chars().count());
    tty.wait_until("an empty token field", |s| {
        s.contains("Token: ▏") && !s.contains("Token: •")
    });
    tty.send(real.pat());
    tty.wait_for(&format!("Token: {dots}"));
    assert!(!tty.contents().contains(real.pat()));
}

/// From the Sign in step with the PAT method chosen and the token typed
/// (or prefilled) to Done, the project found by `filter`; returns the saved
/// name from the Done screen. The draft is checked on the way: written at
/// the Organization step (sign-in `pat`, no token), gone at Done.
fn sign_in_to_done(real: &Real, tty: &mut Tty, org: &str, filter: &str, project: &str) {
    tty.send("\r");
    tty.wait_for(&step(4));
    tty.wait_for(&format!("Organization: {org}"));
    let draft = real.draft();
    assert_eq!(str_of(&draft, "target"), org, "{draft:?}");
    assert_eq!(str_of(&draft, "sign_in"), "pat", "{draft:?}");
    assert_eq!(str_of(&draft, "step"), "Organization", "{draft:?}");
    tty.send("\r");
    tty.wait_for(&step(5));
    tty.wait_for("projects");
    tty.send(filter);
    tty.wait_for(&format!("› {project}"));
    tty.send("\r");
    tty.wait_for(&step(6));
    tty.wait_for("Iteration path");
    assert_eq!(str_of(&real.draft(), "project"), project);
    tty.send("\r");
    tty.wait_for("Dry run accepted: would create");
    tty.send("\r");
    tty.wait_for(&step(7));
    tty.wait_for("Allowlist status: direct");
    tty.send("\r");
    tty.wait_for(&step(8));
    tty.wait_for("0 failed");
    assert_eq!(str_of(&real.draft(), "step"), "Review");
    tty.send("\r");
    tty.wait_for(&step(9));
    tty.wait_for("saved");
    // Saved: the draft is done with.
    real.assert_no_draft();
}

/// `connect` with a typed PAT to contoso-agile's Payments Platform, to Done
/// and out; the connection saved.
fn connect_payments(real: &Real) {
    let mut tty = real.launch(&["connect"]);
    deployment_to_sign_in(real, &mut tty, "contoso-agile");
    tty.send("\t");
    type_pat(real, &mut tty);
    sign_in_to_done(
        real,
        &mut tty,
        "contoso-agile",
        "Payments",
        "Payments Platform",
    );
    tty.wait_for(&format!("Connection {AGILE_PAYMENTS} saved"));
    tty.send("\r");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    assert!(
        tty.contents()
            .contains(&format!("Saved connection {AGILE_PAYMENTS}")),
        "{}",
        tty.contents()
    );
    real.assert_pat_never_drawn(&tty);
    assert_eq!(real.saved_names(), vec![AGILE_PAYMENTS.to_string()]);
}

#[test]
fn the_first_launch_runs_the_wizard_with_a_typed_pat_to_a_saved_connection() {
    let real = Real::new();
    let mut tty = real.launch(&["-v"]);
    // No connection yet: straight into the wizard, for real (no menu, no
    // demo banner).
    tty.wait_for("Where does Azure Boards run?");
    tty.wait_stable();
    let first = tty.contents();
    assert!(first.contains(&step(1)), "{first}");
    assert!(!first.contains("New connection"), "{first}");
    assert!(!first.contains("demo"), "{first}");
    // Nothing answered yet, nothing kept.
    real.assert_no_draft();

    deployment_to_sign_in(&real, &mut tty, "contoso-agile");
    // The Target answer is kept already; Microsoft sign-in is the default.
    let draft = real.draft();
    assert_eq!(str_of(&draft, "deployment"), "services", "{draft:?}");
    assert_eq!(str_of(&draft, "target"), "contoso-agile", "{draft:?}");
    assert_eq!(str_of(&draft, "sign_in"), "device_code", "{draft:?}");
    assert_eq!(str_of(&draft, "step"), "Sign in", "{draft:?}");

    tty.send("\t"); // Personal access token
    type_pat(&real, &mut tty);
    sign_in_to_done(
        &real,
        &mut tty,
        "contoso-agile",
        "Payments",
        "Payments Platform",
    );
    tty.wait_for(&format!("Connection {AGILE_PAYMENTS} saved"));
    tty.send("\r");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    let out = tty.contents();
    assert!(
        out.contains(&format!("Saved connection {AGILE_PAYMENTS}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("Next: ado-setup doctor {AGILE_PAYMENTS}")),
        "{out}"
    );
    assert!(!out.contains("This was the demo"), "{out}");

    real.assert_pat_never_drawn(&tty);
    assert_eq!(real.saved_names(), vec![AGILE_PAYMENTS.to_string()]);
    // -v wrote a log, in the temporary HOME's state dir; it, like every
    // other file but the secret store, has no PAT.
    assert!(
        files_under(&real.h.home())
            .iter()
            .any(|f| f.ends_with("ado-setup.log")),
        "-v wrote no log under HOME: {:?}",
        files_under(real.h.root())
    );
    real.assert_pat_only_in_the_secret_store();
}

#[test]
fn connect_saves_and_the_next_launch_opens_the_start_menu() {
    let real = Real::new();
    connect_payments(&real);
    real.assert_pat_only_in_the_secret_store();

    // `ado-setup` with a connection saved: the start menu, nothing to resume.
    let mut tty = real.launch(&[]);
    tty.wait_for("New connection");
    tty.wait_stable();
    let menu = tty.contents();
    assert!(menu.contains("Troubleshoot a connection"), "{menu}");
    assert!(menu.contains("Quit"), "{menu}");
    assert!(!menu.contains("Resume"), "{menu}");
    tty.send("q");
    assert_eq!(tty.wait_exit(), 0, "leaving the menu cancels nothing");
    tty.assert_restored();
}

#[test]
fn edit_revalidates_with_the_stored_pat_and_replaces_the_connection() {
    let real = Real::new();
    connect_payments(&real);
    let az_before = real.h.az_calls().len();

    edit_renaming_to_agile_payments(&real);
    assert!(real.h.az_calls().len() > az_before, "az was not probed");
    assert_eq!(
        real.saved_names(),
        vec!["agile-payments".to_string()],
        "the edit replaced the connection"
    );
    let store = ado_setup::store::config::ConfigStore::open(real.h.config_dir());
    let saved = store
        .load()
        .unwrap()
        .get("agile-payments")
        .cloned()
        .unwrap();
    assert_eq!(saved.project, "Payments Platform", "the project was kept");
    real.assert_pat_only_in_the_secret_store();
}

/// `edit AGILE_PAYMENTS`: every answer prefilled (the PAT from its store,
/// masked), accepted, the connection renamed `agile-payments` at Review,
/// saved, and out.
fn edit_renaming_to_agile_payments(real: &Real) {
    let mut tty = real.launch(&["edit", AGILE_PAYMENTS]);
    tty.wait_for(&step(1));
    tty.wait_for("› 1 Azure DevOps Services");
    tty.send("\r");
    // Every answer prefilled: the organization …
    tty.wait_for("Organization: contoso-agile");
    tty.send("\r");
    // … and the sign-in: the PAT from its store, masked.
    tty.wait_for(&step(3));
    let dots = "•".repeat(real.pat().chars().count());
    tty.wait_for(&format!("Token: {dots}"));
    tty.wait_for("az is not signed in");
    // The draft of the edit: its answers, never the stored PAT.
    assert_eq!(str_of(&real.draft(), "sign_in"), "pat");
    sign_in_to_done_keeping(real, &mut tty);
    tty.send("\r");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    real.assert_pat_never_drawn(&tty);
}

/// [`sign_in_to_done`] for an edit: every prefilled answer accepted, the
/// connection renamed at Review.
fn sign_in_to_done_keeping(real: &Real, tty: &mut Tty) {
    tty.send("\r");
    tty.wait_for(&step(4));
    tty.send("\r");
    tty.wait_for(&step(5));
    tty.wait_for("› Payments Platform");
    tty.send("\r");
    tty.wait_for(&step(6));
    tty.wait_for("Iteration path");
    tty.send("\r");
    tty.wait_for("Dry run accepted: would create");
    tty.send("\r");
    tty.wait_for(&step(7));
    tty.wait_for("Allowlist status: direct");
    tty.send("\r");
    tty.wait_for(&step(8));
    tty.wait_for("0 failed");
    tty.wait_for(AGILE_PAYMENTS);
    assert_eq!(str_of(&real.draft(), "project"), "Payments Platform");
    // A new name: the old one erased, key by key.
    tty.send(&"\x7f".repeat(AGILE_PAYMENTS.len()));
    tty.wait_until("an empty name", |s| !s.contains(AGILE_PAYMENTS));
    tty.send("agile-payments");
    tty.wait_for("agile-payments");
    tty.send("\r");
    tty.wait_for(&step(9));
    tty.wait_for("Connection agile-payments saved");
    real.assert_no_draft();
}

#[test]
fn doctor_tui_runs_the_checks_of_a_saved_connection_and_q_quits() {
    let real = Real::new();
    connect_payments(&real);
    let az_before = real.h.az_calls().len();

    let mut tty = real.launch(&["doctor", AGILE_PAYMENTS, "--tui"]);
    // The troubleshooter, the connection selected; Enter checks it.
    tty.wait_for("Which connection should be checked?");
    tty.wait_for(&format!("› {AGILE_PAYMENTS}"));
    tty.send("\r");
    tty.wait_for(&format!("{AGILE_PAYMENTS}: "));
    tty.wait_for(" passed, ");
    let checklist = tty.contents();
    assert!(checklist.contains("0 failed"), "{checklist}");
    assert!(checklist.contains("project.access"), "{checklist}");
    // The checks signed in with the PAT from the file store.
    assert!(
        checklist.contains("a dry-run create was accepted"),
        "{checklist}"
    );
    tty.send("q");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    real.assert_pat_never_drawn(&tty);
    // The saved connection signs in with its PAT: no Azure CLI asked, no
    // draft left by a troubleshooter.
    assert_eq!(real.h.az_calls().len(), az_before);
    real.assert_no_draft();
}

#[test]
fn an_interrupted_connect_leaves_a_draft_that_the_next_launch_resumes() {
    let real = Real::new();
    let mut tty = real.launch(&["connect"]);
    deployment_to_sign_in(&real, &mut tty, "contoso-agile");
    tty.send("\t");
    type_pat(&real, &mut tty);
    tty.send("\r");
    tty.wait_for(&step(4));
    // Ctrl-C with answers given asks first; y quits.
    tty.send("\x03");
    tty.wait_for("Quit?");
    tty.send("y");
    assert_eq!(tty.wait_exit(), 130);
    tty.assert_restored();
    real.assert_pat_never_drawn(&tty);
    let draft = real.draft();
    assert_eq!(str_of(&draft, "target"), "contoso-agile", "{draft:?}");
    assert_eq!(str_of(&draft, "sign_in"), "pat", "{draft:?}");
    assert_eq!(str_of(&draft, "step"), "Organization", "{draft:?}");
    // Nothing saved but the draft.
    assert!(!real.h.config_dir().join("config.toml").exists());
    assert!(!real.h.config_dir().join("secrets.toml").exists());

    // The next start offers to resume it, first.
    let mut tty = real.launch(&[]);
    tty.wait_for("› Resume: contoso-agile (Organization)");
    tty.send("\r");
    tty.wait_for(&step(1));
    tty.send("\r");
    tty.wait_for("Organization: contoso-agile");
    tty.send("\r");
    // The method is kept, the token is not: typed again.
    tty.wait_for(&step(3));
    type_pat(&real, &mut tty);
    sign_in_to_done(
        &real,
        &mut tty,
        "contoso-agile",
        "Payments",
        "Payments Platform",
    );
    tty.send("\r");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    real.assert_pat_never_drawn(&tty);
    assert_eq!(real.saved_names(), vec![AGILE_PAYMENTS.to_string()]);
    real.assert_pat_only_in_the_secret_store();
}

#[test]
fn connect_to_a_server_collection_asks_no_azure_cli() {
    let real = Real::new();
    let of8 = |n: u8| format!("Step {n} of 8");
    let mut tty = real.launch(&["connect"]);
    tty.wait_for("› 1 Azure DevOps Services");
    tty.send("\x1b[B");
    tty.wait_for("› 2 Azure DevOps Server");
    tty.send("\r");
    tty.wait_for("Collection URL of your Azure DevOps Server");
    let collection = real.sb.collection_url();
    tty.send(&collection);
    tty.wait_for(&collection);
    tty.send("\r");
    tty.wait_for(&of8(3));
    tty.wait_for("Sign in with a personal access token.");
    let draft = real.draft();
    assert_eq!(str_of(&draft, "deployment"), "server", "{draft:?}");
    assert_eq!(str_of(&draft, "target"), collection, "{draft:?}");
    assert_eq!(str_of(&draft, "sign_in"), "pat", "{draft:?}");
    type_pat(&real, &mut tty);
    tty.send("\r");
    tty.wait_for(&of8(4));
    tty.wait_for("projects");
    tty.send("manufac");
    tty.wait_for("› Manufacturing Execution");
    tty.send("\r");
    tty.wait_for(&of8(5));
    tty.wait_for("Iteration path");
    assert_eq!(str_of(&real.draft(), "project"), "Manufacturing Execution");
    tty.send("\r");
    tty.wait_for("Dry run accepted: would create");
    tty.send("\r");
    tty.wait_for(&of8(6));
    tty.wait_for("Allowlist status: direct");
    tty.send("\r");
    tty.wait_for(&of8(7));
    tty.wait_for("0 failed");
    tty.send("\r");
    tty.wait_for(&of8(8));
    tty.wait_for("saved");
    real.assert_no_draft();
    tty.send("\r");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    real.assert_pat_never_drawn(&tty);
    assert_eq!(real.saved_names().len(), 1);
    real.assert_pat_only_in_the_secret_store();
    // Server signs in with a PAT only: the Azure CLI is never asked.
    assert_eq!(real.h.az_calls(), Vec::<String>::new());
}

#[test]
fn a_hangup_leaves_a_draft_and_new_connection_discards_it() {
    let real = Real::new();
    let mut tty = real.launch(&["connect"]);
    deployment_to_sign_in(&real, &mut tty, "contoso-agile");
    tty.send("\t");
    type_pat(&real, &mut tty);
    tty.send("\r");
    tty.wait_for(&step(4));
    tty.send("\r");
    tty.wait_for(&step(5));
    tty.wait_for("projects");
    // The SSH connection drops.
    let pid = tty.child.process_id().unwrap();
    let ok = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    assert_eq!(tty.wait_exit(), 130);
    tty.assert_restored();
    real.assert_pat_never_drawn(&tty);
    let draft = real.draft();
    assert_eq!(str_of(&draft, "step"), "Project", "{draft:?}");
    assert_eq!(str_of(&draft, "sign_in"), "pat", "{draft:?}");

    // The next start offers it; New connection starts afresh and drops it.
    let mut tty = real.launch(&[]);
    tty.wait_for("› Resume: contoso-agile (Project)");
    tty.send("\x1b[B");
    tty.wait_for("› New connection");
    tty.send("\r");
    tty.wait_for(&step(1));
    real.assert_no_draft();
    tty.send("q");
    assert_eq!(tty.wait_exit(), 130);
    tty.assert_restored();
    real.assert_no_draft();
    assert!(!real.h.config_dir().join("secrets.toml").exists());
}

/// The path of a desktop user: no `--secret-store`, so the OS keyring
/// (GNOME Keyring's Secret Service) after its round trip. The wizard saves
/// there and exits with its summary (it used to panic at exit); `edit`
/// reads the PAT back and a rename moves it; the troubleshooter signs in
/// with it; `export --include-secret` reads it after asking. Nothing but
/// the keyring holds it.
#[test]
fn the_os_keyring_keeps_the_secret_through_connect_edit_doctor_and_export() {
    let Some(keyring) = SecretService::start("PTY: the wizard with the OS keyring") else {
        return;
    };
    let real = Real::with_keyring(keyring);
    let pat = real.pat().to_string();
    connect_payments(&real);
    assert_eq!(
        real.in_keyring(AGILE_PAYMENTS).as_deref(),
        Some(pat.as_str())
    );
    let config = std::fs::read_to_string(real.h.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("store = \"keyring\""), "{config}");
    real.assert_pat_in_no_file();

    // edit: the PAT comes back from the keyring; the rename moves it.
    edit_renaming_to_agile_payments(&real);
    assert_eq!(real.saved_names(), vec!["agile-payments".to_string()]);
    assert_eq!(
        real.in_keyring(AGILE_PAYMENTS),
        None,
        "the old entry is gone"
    );
    assert_eq!(
        real.in_keyring("agile-payments").as_deref(),
        Some(pat.as_str())
    );

    // The troubleshooter signs in with it.
    let mut tty = real.launch(&["doctor", "agile-payments", "--tui"]);
    tty.wait_for("› agile-payments");
    tty.send("\r");
    tty.wait_for("agile-payments: ");
    tty.wait_for(" passed, ");
    let checklist = tty.contents();
    assert!(checklist.contains("0 failed"), "{checklist}");
    tty.send("q");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    real.assert_pat_never_drawn(&tty);

    // export --include-secret: asked first, then the PAT from the keyring.
    let mut tty = real.launch(&[
        "export",
        "agile-payments",
        "--format",
        "env",
        "--include-secret",
    ]);
    tty.wait_for("Print the personal access token of agile-payments");
    tty.send("y\r");
    assert_eq!(tty.wait_exit(), 0);
    assert!(tty.contents().contains(&pat), "{}", tty.contents());
    real.assert_pat_in_no_file();
}
