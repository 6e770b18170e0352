//! No terminal injection: a hostile Azure DevOps (the sandbox behind
//! `support::hostile`, whose display name, project, area and field names
//! and error messages carry an OSC 52 clipboard write, a clear screen, a C1
//! CSI and a bidi override) is run through every output — doctor (human,
//! `--plain`, `--json`, `--report`), `connect --non-interactive`, `list`,
//! `show`, `export` (json, env), the `-v` log — and the wizard's screens.
//! None may carry ESC, BEL, a C1 control or a bidi control; the visible
//! names must still be there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ado_setup::sandbox::{Sandbox, SandboxOptions};
use support::hostile::{HostileServer, hostile};

/// Every character that must not reach a terminal, wherever it is.
fn assert_inert(what: &str, bytes: &[u8]) {
    assert!(!bytes.is_empty(), "{what}: nothing to check");
    let text = String::from_utf8_lossy(bytes);
    for (i, c) in text.chars().enumerate() {
        let bad = matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        assert!(
            !bad,
            "{what}: U+{:04X} at char {i} in:\n{}",
            c as u32,
            text.escape_debug()
        );
    }
}

struct Env {
    sb: Sandbox,
    evil: HostileServer,
    rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    let evil = rt.block_on(HostileServer::start(sb.devops_url()));
    Env {
        sb,
        evil,
        rt,
        tmp: tempfile::tempdir().unwrap(),
    }
}

struct Run {
    exit: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Run {
    fn text(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        )
    }

    fn inert(&self, what: &str) -> &Self {
        assert_inert(&format!("{what} (stdout)"), &self.stdout);
        if !self.stderr.is_empty() {
            assert_inert(&format!("{what} (stderr)"), &self.stderr);
        }
        self
    }
}

impl Env {
    fn config_dir(&self) -> PathBuf {
        self.tmp.path().join("config")
    }

    fn state_dir(&self) -> PathBuf {
        self.tmp.path().join("state")
    }

    /// The binary against the hostile server, hermetic: its own HOME,
    /// config and state dirs, a UTF-8 locale, the PAT on standard input.
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = support::ado_setup_against(&self.evil.url());
        cmd.arg("--config-dir")
            .arg(self.config_dir())
            .args(args)
            .env("HOME", self.tmp.path())
            .env("XDG_STATE_HOME", self.state_dir())
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        Run {
            exit: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }

    fn pat(&self) -> String {
        format!("{}\n", self.sb.pat())
    }
}

const AGILE: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];

/// The hostile server is hostile: its answers do carry the attacks raw.
#[test]
fn the_fake_server_really_sends_the_attacks() {
    let env = env();
    let url = format!(
        "{}/contoso-agile/_apis/connectionData?api-version=7.1-preview",
        env.evil.url()
    );
    let pat = env.sb.pat().to_string();
    let body = env.rt.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(url)
            .basic_auth("", Some(pat))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let name = v["authenticatedUser"]["providerDisplayName"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(name, hostile("Avery Lindqvist"));
    assert!(name.contains("\u{1b}]52;c;") && name.contains('\u{9b}') && name.contains('\u{202e}'));
}

#[test]
fn doctor_in_every_format_and_its_report_and_log_are_inert() {
    let env = env();
    let pat = env.pat();
    let report = env.tmp.path().join("report.txt");
    let base = [AGILE, &["--pat-stdin", "-v"]].concat();

    let human = env.run(&[&["doctor"], &base[..]].concat(), Some(&pat));
    human.inert("doctor");
    assert_eq!(human.exit, 0, "{}", human.text());
    let text = human.text();
    assert!(
        text.contains("Avery Lindqvist"),
        "the name is still shown:\n{text}"
    );
    assert!(text.contains('✓'), "{text}");

    let plain = env.run(&[&["doctor", "--plain"], &base[..]].concat(), Some(&pat));
    plain.inert("doctor --plain");
    assert!(plain.text().contains("Avery Lindqvist"), "{}", plain.text());

    let json = env.run(
        &[
            &["doctor", "--json", "--report", report.to_str().unwrap()],
            &base[..],
        ]
        .concat(),
        Some(&pat),
    );
    json.inert("doctor --json");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let messages: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("Avery Lindqvist")),
        "{messages:?}"
    );
    for m in &messages {
        assert_inert("a doctor --json message (parsed)", m.as_bytes());
    }

    let written = std::fs::read(&report).unwrap();
    assert_inert("the --report file", &written);
    assert!(String::from_utf8_lossy(&written).contains("Avery Lindqvist"));

    let log = std::fs::read(env.state_dir().join("ado-setup").join("ado-setup.log"))
        .expect("-v writes a log");
    assert_inert("the -v log", &log);
    let log = String::from_utf8_lossy(&log);
    assert!(
        log.contains("Avery Lindqvist"),
        "the check results are logged:\n{log}"
    );
    assert!(!log.contains(env.sb.pat()));
}

#[test]
fn server_error_messages_are_inert() {
    let env = env();
    let pat = env.pat();
    // A project that does not exist: the server's message (with the
    // attack) is what doctor and connect report.
    let args = ["--org", "contoso-agile", "--project", "Ghost Project"];
    let run = env.run(
        &[&["doctor"], &args[..], &["--pat-stdin"]].concat(),
        Some(&pat),
    );
    run.inert("doctor on a missing project");
    assert_eq!(run.exit, 1, "{}", run.text());
    assert!(run.text().contains("PROJECT_NOT_FOUND"), "{}", run.text());

    let run = env.run(
        &[
            &["--secret-store", "file", "connect", "--non-interactive"],
            &args[..],
            &["--pat-stdin"],
        ]
        .concat(),
        Some(&pat),
    );
    run.inert("connect on a missing project");
    assert_ne!(run.exit, 0, "{}", run.text());

    // Rejected credentials: the 401's message carries the attack too.
    let run = env.run(
        &[&["doctor", "--plain"], AGILE, &["--pat-stdin"]].concat(),
        Some("not-a-valid-pat\n"),
    );
    run.inert("doctor with a rejected PAT");
    assert_eq!(run.exit, 4, "{}", run.text());
}

#[test]
fn connect_saves_clean_names_and_list_show_export_are_inert() {
    let env = env();
    let pat = env.pat();
    let connect = ["--secret-store", "file", "connect", "--non-interactive"];
    let name = "contoso-agile-payments-platform";
    let run = env.run(
        &[&connect[..], AGILE, &["--pat-stdin", "--json"]].concat(),
        Some(&pat),
    );
    run.inert("connect --json");
    assert_eq!(run.exit, 0, "{}", run.text());
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["saved"], true);
    env.run(&["remove", name, "--yes"], None).inert("remove");

    let run = env.run(
        &[&connect[..], AGILE, &["--pat-stdin"]].concat(),
        Some(&pat),
    );
    run.inert("connect");
    assert_eq!(run.exit, 0, "{}", run.text());
    assert!(run.text().contains("Avery Lindqvist"), "{}", run.text());

    // What was saved came through the boundary: no attack in the files.
    for entry in std::fs::read_dir(env.config_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            assert_inert(&path.display().to_string(), &std::fs::read(&path).unwrap());
        }
    }
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("Avery Lindqvist"), "{config}");
    assert!(
        config.contains("project = \"Payments Platform\""),
        "{config}"
    );

    env.run(&["list"], None).inert("list");
    env.run(&["list", "--json"], None).inert("list --json");
    let show = env.run(&["show", name], None);
    show.inert("show");
    assert!(show.text().contains("Avery Lindqvist"), "{}", show.text());
    env.run(&["show", name, "--json"], None)
        .inert("show --json");
    env.run(&["export", name], None).inert("export");
    env.run(&["export", name, "--format", "env"], None)
        .inert("export --format env");
}

/// A config holding hostile text (written by an older version, or edited by
/// hand): every command that prints it prints it inert, and the env export
/// still sources to the visible text.
#[test]
fn hostile_text_already_in_the_config_is_printed_inert() {
    let env = env();
    let dir = env.config_dir();
    let name = "payments";
    env.rt.block_on(async {
        use ado_setup::store::config::*;
        let store = ConfigStore::open(&dir);
        let mut config = store.load().unwrap();
        config
            .upsert(Connection {
                name: name.into(),
                provider_key: ProviderKey::AzureDevopsServices,
                deployment_mode: DeploymentMode::Cloud,
                organization: Some("contoso-agile".into()),
                base_url: format!("{}/contoso-agile", env.evil.url()),
                api_version: "7.1".into(),
                auth_method: AuthMethod::Pat,
                project: hostile("Payments Platform"),
                project_id: "c1d40a2e-4882-414a-adb0-8d73f032fb8c".into(),
                process: hostile("Agile"),
                work_item_type: hostile("Bug"),
                area_path: hostile("Payments Platform\\Checkout"),
                iteration_path: "Payments Platform".into(),
                user: Some(ConnectionUser {
                    display_name: hostile("Avery Lindqvist"),
                    sign_in: Some(hostile("avery.lindqvist@contoso.example")),
                }),
                field_defaults: [(hostile("Custom.Impact"), hostile("High risk"))]
                    .into_iter()
                    .collect(),
                ..Connection::default()
            })
            .unwrap();
        store.save(&config).unwrap();
    });
    let raw = std::fs::read(dir.join("config.toml")).unwrap();
    assert!(
        String::from_utf8_lossy(&raw).contains('\u{9b}'),
        "the config really holds the attack (TOML escapes only C0)"
    );

    for (what, args) in [
        ("list", vec!["list"]),
        ("list --json", vec!["list", "--json"]),
        ("show", vec!["show", name]),
        ("show --json", vec!["show", name, "--json"]),
        ("export", vec!["export", name]),
    ] {
        let run = env.run(&args, None);
        assert_eq!(run.exit, 0, "{what}: {}", run.text());
        run.inert(what);
    }
    let show = env.run(&["show", name], None);
    for visible in [
        "Payments Platform",
        "Avery Lindqvist",
        "High risk",
        "Payments Platform\\Checkout",
    ] {
        assert!(show.text().contains(visible), "{visible}:\n{}", show.text());
    }
    // JSON keeps the value (escaped): a parser reads the server's text back.
    let json = env.run(&["export", name], None);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["project"], hostile("Payments Platform"));

    let envf = env.run(&["export", name, "--format", "env"], None);
    envf.inert("export --format env");
    assert_eq!(envf.exit, 0, "{}", envf.text());
    let file = env.tmp.path().join("connection.env");
    std::fs::write(&file, &envf.stdout).unwrap();
    let sourced = sh_source(&file, "AZURE_DEVOPS_PROJECT");
    assert_eq!(sourced, "Payments Platform");
    let area = sh_source(&file, "AZURE_DEVOPS_AREA_PATH");
    assert_eq!(area, "Payments Platform\\Checkout");

    // doctor on it: the names it checks are shown inert too.
    let run = env.run(&["doctor", name, "--plain"], None);
    run.inert("doctor on a hostile saved connection");
    assert!(run.text().contains("Payments Platform"), "{}", run.text());
    let run = env.run(&["doctor", name, "--json"], None);
    run.inert("doctor --json on a hostile saved connection");
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["connection"]["project"], hostile("Payments Platform"));
}

/// `. FILE; printf %s "$VAR"` in a POSIX shell.
fn sh_source(file: &Path, var: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(". \"$1\" && printf %s \"${var}\""))
        .arg("sh")
        .arg(file)
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The wizard's screens with hostile names in every place a server fills:
/// the buffer holds no control, C1 or bidi character, and the names show.
#[test]
fn the_wizard_draws_hostile_names_inert() {
    use ado_setup::tui::screens::render;
    use ado_setup::tui::theme::Theme;
    use ado_setup::wizard::filter::FilterList;
    use ado_setup::wizard::{
        CheckStatus, Problem, ProjectInfo, ProjectItem, Step, UserInfo, Wizard,
    };
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    let screen = |w: &Wizard| {
        let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
        t.draw(|f| render(f, w, &Theme::plain())).unwrap();
        let buf = t.backend().buffer();
        let mut out = String::new();
        for y in 0..30 {
            for x in 0..100 {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    };
    // Raw hostile text put straight into the state (and a problem built as
    // a struct, not through `Problem::new`), as if it had bypassed the
    // boundary: the frame itself must still be inert. ratatui drops the
    // control characters; `clean_buffer` drops the bidi controls.
    let raw_problem = Problem {
        code: "PROJECT_NOT_FOUND".into(),
        message: format!("not found: {}", hostile("VS800075: no such project")),
        fix: hostile("Check the project name"),
    };
    let mut w = Wizard::new(support::wizard_settings());
    w.step = Step::Project;
    w.organization = Some(hostile("contoso"));
    w.user = Some(UserInfo {
        display_name: hostile("Avery Lindqvist"),
        sign_in: Some(hostile("avery@contoso.example")),
    });
    w.projects = FilterList::new(vec![ProjectItem {
        id: "p1".into(),
        name: hostile("Payments Platform"),
        description: hostile("Cards and ledgers"),
        visibility: "private".into(),
        process: hostile("Agile"),
    }]);
    w.projects_loaded = true;
    w.problem = Some(raw_problem.clone());
    let s = screen(&w);
    assert_inert("the Project screen", s.as_bytes());
    assert!(s.contains("Lindqvist"), "{s}");
    assert!(s.contains("no such project"), "{s}");

    let mut w = Wizard::new(support::wizard_settings());
    w.step = Step::Review;
    w.user = Some(UserInfo {
        display_name: hostile("Avery Lindqvist"),
        sign_in: None,
    });
    w.project = Some(ProjectInfo {
        id: "p1".into(),
        name: hostile("Payments Platform"),
        process: hostile("Agile"),
        default_team: Some(hostile("Payments Team")),
    });
    w.review.checks = ado_setup::checks::CATALOGUE
        .iter()
        .map(|d| {
            let mut o = support::outcome(d.id, CheckStatus::Pass, None, "ok", &[]);
            o.message = hostile("Signed in as Avery Lindqvist");
            o.fix = vec![hostile("Nothing to fix")];
            o
        })
        .collect();
    w.problem = Some(raw_problem);
    let s = screen(&w);
    assert_inert("the Review screen", s.as_bytes());
    assert!(s.contains("Platform"), "{s}");
}

/// The whole wizard through the production loop against the hostile
/// server: names arrive the real way, made safe as they are read, so every
/// frame is inert and shows them whole (no attack payload as text either).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wizard_run_against_the_hostile_server_draws_clean_names() {
    use ado_setup::wizard::{Outcome, Step, Wizard};
    use crossterm::event::KeyCode;
    use support::driver::{Act, drive_wizard, file_jobs, leak, sandbox_settings};

    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let evil = HostileServer::start(sb.devops_url()).await;
    let tmp = tempfile::tempdir().unwrap();
    let jobs = file_jobs(&tmp.path().join("config"));
    let pat = leak(sb.pat());
    let org_url = leak(format!("{}/contoso-agile/Payments%20Platform", evil.url()));
    let script = vec![
        Act::At(Step::Deployment),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Target),
        Act::Type(org_url),
        Act::Key(KeyCode::Enter),
        Act::At(Step::SignIn),
        Act::Key(KeyCode::Tab), // Personal access token
        Act::Type(pat),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Organization),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Project),
        Act::Shows("Payments Platform".into()),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Mapping),
        Act::Key(KeyCode::Enter),
        // The dry run's result is shown; Enter goes on.
        Act::Shows("Dry run accepted".into()),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Network),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Review),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Done),
        Act::Key(KeyCode::Enter),
    ];
    let wizard = Wizard::new(sandbox_settings(&evil.url()));
    let run = drive_wizard(wizard, jobs, script, std::time::Duration::from_secs(30)).await;
    assert!(matches!(run.outcome, Outcome::Saved(_)), "{}", run.last);
    assert!(run.frames.len() > 10);
    for f in &run.frames {
        assert_inert("a wizard frame", f.as_bytes());
        assert!(
            !f.contains("]52;") && !f.contains("[2J"),
            "attack text drawn:\n{f}"
        );
    }
    assert!(
        run.frames.iter().any(|f| f.contains("Avery Lindqvist")),
        "the display name is shown"
    );
    sb.shutdown().await;
}
