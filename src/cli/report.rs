//! How a check run is shown: a checklist for people (✓ ! ✗ -, or ASCII with
//! `--plain`), one JSON object (`ado-setup.doctor/v1`) for scripts, a
//! redacted support report, and the exit code (SPEC §5). `doctor` and
//! `connect --non-interactive` both render with these.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use crate::ado::endpoints::{Deployment, Endpoints};
use crate::checks::{CheckOutcome, Report, Status, Subject};
use crate::cli::exit;
use crate::problem::Problem;
use crate::text::Untrusted;

/// SPEC §5: 0 no fail (with --strict, no warn); 4 authentication required; 1 otherwise.
pub fn exit_code(report: &Report, strict: bool) -> u8 {
    let s = report.summary();
    if s.fail > 0 {
        let auth = report.get("auth.credentials").is_some_and(|o| {
            o.status == Status::Fail && o.code.as_deref() == Some("PROVIDER_AUTH_REQUIRED")
        });
        if auth { exit::AUTH } else { exit::FAILED }
    } else if strict && s.warn > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

pub(crate) fn utf8_locale(env: &impl Fn(&str) -> Option<String>) -> bool {
    let locale = env("LC_ALL")
        .filter(|v| !v.is_empty())
        .or_else(|| env("LC_CTYPE").filter(|v| !v.is_empty()))
        .or_else(|| env("LANG").filter(|v| !v.is_empty()));
    match locale {
        Some(l) => {
            let l = l.to_ascii_lowercase();
            l.contains("utf-8") || l.contains("utf8")
        }
        // No locale at all: most terminals today are UTF-8.
        None => true,
    }
}

/// The object of SPEC §5.
pub fn json_output(subject: &Subject, report: &Report) -> String {
    crate::text::to_json_pretty(&json_value(subject, report))
}

/// The `doctor --json` object (SPEC §5), for `doctor` and `connect --json`.
pub fn json_value(subject: &Subject, report: &Report) -> serde_json::Value {
    let provider = match subject.deployment {
        Deployment::Services => "azure_devops_services",
        Deployment::Server => "azure_devops_server",
    };
    let organization = match subject.deployment {
        Deployment::Services => report
            .base_url
            .as_ref()
            .and_then(|b| b.rsplit('/').next().map(str::to_string)),
        Deployment::Server => None,
    };
    json!({
        "schema": "ado-setup.doctor/v1",
        "connection": {
            "name": subject.name,
            "provider_key": provider,
            "organization": organization,
            "base_url": report.base_url,
            "project": subject.project,
            "auth_method": subject.auth_method().as_str(),
        },
        "allowlist_status": report.allowlist_status,
        "checks": report.outcomes.iter().map(|o| json!({
            "id": o.id,
            "title": o.title,
            "status": o.status,
            "code": o.code,
            "message": o.message,
            "fix": o.fix,
            "duration_ms": o.duration_ms,
        })).collect::<Vec<_>>(),
        "summary": report.summary(),
    })
}

/// The checklist for people. Skipped checks are folded into one line per
/// cause unless `all` (`doctor --all`) asks for each of them.
pub fn human_output(subject: &Subject, report: &Report, ascii: bool, all: bool) -> String {
    render_checklist("doctor", subject, report, ascii, all)
}

/// The checklist under a header naming the command (`doctor`, `connect`),
/// skipped checks folded by cause. Names and messages (which quote the
/// server) are made safe to show.
pub fn checklist(command: &str, subject: &Subject, report: &Report, ascii: bool) -> String {
    render_checklist(command, subject, report, ascii, false)
}

/// Why a skipped check did not run, traced to its root: the check whose
/// failure (or own skip reason) stopped it. `needs X, which did not run`
/// follows X; `needs X, which failed` ends at X.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipCause {
    /// This check failed, and everything below it waited for it.
    Failed(&'static str),
    /// A reason of its own (`read-only connection: …`), said as is.
    Reason(String),
}

/// The root cause of each skipped check of `report`, by check id.
pub fn skip_causes(report: &Report) -> Vec<(&'static str, SkipCause)> {
    let find = |id: &str| report.outcomes.iter().find(|o| o.id == id);
    report
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Skip)
        .map(|o| {
            let mut at = o;
            // The chain is acyclic (prerequisites come earlier); the bound
            // is only a guard against a malformed report.
            for _ in 0..report.outcomes.len() {
                let need = at
                    .message
                    .strip_prefix("needs ")
                    .and_then(|m| m.split_once(", which "))
                    .and_then(|(need, _)| find(need));
                match need {
                    Some(n) if n.status == Status::Skip => at = n,
                    Some(n) => return (o.id, SkipCause::Failed(n.id)),
                    None => break,
                }
            }
            (o.id, SkipCause::Reason(at.message.clone()))
        })
        .collect()
}

/// A status as the checklist shows it: a symbol, or a word in brackets.
fn mark(s: Status, ascii: bool) -> &'static str {
    match (s, ascii) {
        (Status::Pass, false) => "✓",
        (Status::Warn, false) => "!",
        (Status::Fail, false) => "✗",
        (Status::Skip, false) => "-",
        (Status::Pass, true) => "[ OK ]",
        (Status::Warn, true) => "[WARN]",
        (Status::Fail, true) => "[FAIL]",
        (Status::Skip, true) => "[SKIP]",
    }
}

/// One check in the checklist: its mark, id and message, then its code and
/// each fix on lines of their own.
fn outcome_lines(out: &mut String, o: &CheckOutcome, mark: &str) {
    let _ = writeln!(out, "{} {:<26} {}", mark, o.id, Untrusted::new(&o.message));
    if let Some(code) = &o.code {
        let _ = writeln!(out, "    {}", Untrusted::new(code));
    }
    for f in &o.fix {
        let _ = writeln!(out, "    fix: {}", Untrusted::new(f));
    }
}

fn render_checklist(
    command: &str,
    subject: &Subject,
    report: &Report,
    ascii: bool,
    all: bool,
) -> String {
    let mark = |s: Status| mark(s, ascii);
    let mut out = String::new();
    let what = subject.name.clone().unwrap_or_else(|| "ad hoc".to_string());
    let _ = writeln!(
        out,
        "ado-setup {command}: {} ({}{})",
        Untrusted::new(&what),
        Untrusted::new(report.base_url.as_deref().unwrap_or(&subject.target)),
        subject
            .project
            .as_ref()
            .map(|p| format!(" · {}", Untrusted::new(p)))
            .unwrap_or_default()
    );
    // Skipped checks sharing a cause are one line: after the check that
    // failed, or where the first of them would be.
    let causes = skip_causes(report);
    let members = |cause: &SkipCause| -> Vec<&'static str> {
        causes
            .iter()
            .filter(|(_, c)| c == cause)
            .map(|(id, _)| *id)
            .collect()
    };
    let folded = |id: &str| -> Option<&SkipCause> {
        let (_, cause) = causes.iter().find(|(i, _)| *i == id)?;
        (!all && members(cause).len() > 1).then_some(cause)
    };
    let fold_line = |out: &mut String, cause: &SkipCause| {
        let ids = members(cause);
        let why = match cause {
            SkipCause::Failed(id) => format!("{id} failed"),
            SkipCause::Reason(r) => Untrusted::new(r).to_string(),
        };
        let _ = writeln!(
            out,
            "{} {} checks skipped: {why} ({}{})",
            mark(Status::Skip),
            ids.len(),
            ids.iter().take(3).copied().collect::<Vec<_>>().join(", "),
            if ids.len() > 3 {
                ", …; --all lists each"
            } else {
                ""
            }
        );
    };
    let mut said: Vec<SkipCause> = Vec::new();
    for o in &report.outcomes {
        if let Some(cause) = folded(o.id) {
            let root_shown = matches!(cause, SkipCause::Failed(root)
                if report.outcomes.iter().any(|r| r.id == *root));
            if !root_shown && !said.contains(cause) {
                fold_line(&mut out, cause);
                said.push(cause.clone());
            }
            continue;
        }
        outcome_lines(&mut out, o, mark(o.status));
        let waiting = SkipCause::Failed(o.id);
        if !all && members(&waiting).len() > 1 {
            fold_line(&mut out, &waiting);
            said.push(waiting);
        }
    }
    let s = report.summary();
    let _ = writeln!(
        out,
        "{} passed, {} warned, {} failed, {} skipped",
        s.pass, s.warn, s.fail, s.skip
    );
    let out = crate::text::clean_lines_string(out);
    if ascii { ascii_only(&out) } else { out }
}

/// `text` in plain ASCII (`--plain`, or a terminal that is not UTF-8): our
/// own typography becomes its ASCII look-alike; anything else (a name from
/// the server) is written as a `\u{…}` escape rather than bytes the
/// terminal would garble.
pub fn ascii_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '›' | '→' => out.push('>'),
            '‹' | '←' => out.push('<'),
            '·' | '•' | '–' | '—' | '−' => out.push('-'),
            '…' => out.push_str("..."),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '✓' => out.push_str("OK"),
            '✗' => out.push('x'),
            '\u{a0}' => out.push(' '),
            other => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
            }
        }
    }
    out
}

/// The redacted support report (SPEC §4): versions, overrides, proxy
/// settings (without credentials), every check with timings, HTTP status and
/// support ids. Never a secret, token or Authorization header.
pub(crate) fn write_report(
    path: &Path,
    subject: &Subject,
    report: &Report,
    endpoints: &Endpoints,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), Problem> {
    let mut r = String::new();
    let _ = writeln!(r, "ado-setup support report");
    let _ = writeln!(r, "tool: ado-setup {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(r, "os: {} {}", std::env::consts::OS, std::env::consts::ARCH);
    let _ = writeln!(r, "devops: {}", endpoints.devops);
    let _ = writeln!(r, "vssps: {}", endpoints.vssps);
    let _ = writeln!(r, "profile: {}", endpoints.profile);
    let _ = writeln!(r, "authority: {}", endpoints.authority);
    let _ = writeln!(r, "imds: {}", endpoints.imds);
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        if let Some(v) = env(var) {
            let _ = writeln!(r, "{var}: {}", redact_userinfo(&v));
        }
    }
    let _ = writeln!(r, "secret source: {}", Untrusted::new(&subject.pat_source));
    let _ = writeln!(
        r,
        "allowlist: {}",
        report.allowlist_status.map_or("not probed", |a| a.as_str())
    );
    let _ = writeln!(r);
    for o in &report.outcomes {
        let http = o
            .http
            .as_ref()
            .map(|h| {
                format!(
                    " http={} activity={}",
                    h.status.map_or("-".to_string(), |s| s.to_string()),
                    Untrusted::new(h.activity_id.as_deref().unwrap_or("-"))
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            r,
            "{:<26} {:<5} {:>6} ms {}{} {}",
            o.id,
            format!("{:?}", o.status).to_lowercase(),
            o.duration_ms,
            o.code.as_deref().unwrap_or(""),
            http,
            Untrusted::new(&o.message)
        );
    }
    // The report is read with `cat` and pasted into tickets: nothing in it
    // may drive a terminal.
    let r = crate::text::clean_lines_string(r);
    crate::store::fsutil::write_atomic(path, r.as_bytes(), None).map_err(|e| {
        Problem::new(
            "CONFIG_WRITE_FAILED",
            format!("cannot write the report {}: {e}", path.display()),
            "Choose a writable path for --report",
        )
    })
}

/// `http://user:pw@proxy:8080` → `http://***@proxy:8080`.
fn redact_userinfo(v: &str) -> String {
    match url::Url::parse(v) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("***");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_are_redacted() {
        assert_eq!(
            redact_userinfo("http://user:secret@proxy.example:8080"),
            "http://***@proxy.example:8080/"
        );
        assert_eq!(redact_userinfo("proxy.example:3128"), "proxy.example:3128");
    }

    #[test]
    fn plain_output_is_ascii_and_keeps_what_it_cannot_fold() {
        assert_eq!(
            ascii_only("Organization Settings › Policies · Zoë…"),
            "Organization Settings > Policies - Zo\\u{eb}..."
        );
        assert!(ascii_only("日本 ✓ — “x”").is_ascii());
    }

    #[test]
    fn locale_decides_ascii() {
        let env = |k: &str| (k == "LANG").then(|| "C".to_string());
        assert!(!utf8_locale(&env));
        let env = |k: &str| (k == "LC_ALL").then(|| "en_US.UTF-8".to_string());
        assert!(utf8_locale(&env));
    }
}
