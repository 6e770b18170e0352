//! The Network step: every endpoint the connection needs, with the time of
//! each stage (DNS, TCP, TLS, HTTP), what answered or why not, and the
//! allowlist status.

use ratatui::text::{Line, Span};

use super::widgets::pending_line;
use crate::tui::theme::Theme;
use crate::wizard::{EndpointProbe, EndpointRole, Wizard};

pub(super) fn network<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![Line::styled(
        format!(
            "  {:<13}{:<28} {:>5} {:>5} {:>5} {:>5}  result",
            "Service", "Host (outbound TCP)", "DNS", "TCP", "TLS", "HTTP"
        ),
        theme.key(),
    )];
    let Some(network) = &w.network else {
        if w.is_pending() {
            l.push(pending_line(
                w,
                "Reaching each endpoint (DNS, TCP, TLS, HTTP)…",
                theme,
            ));
        }
        return l;
    };
    let mut proxies: Vec<&str> = Vec::new();
    for p in network {
        let role = w.endpoint_role(&p.result.url);
        l.push(probe_row(p, role, theme));
        l.extend(probe_detail(p, role, theme));
        if let Some(proxy) = &p.proxy
            && !proxies.contains(&proxy.as_str())
        {
            proxies.push(proxy);
        }
    }
    l.push(allowlist_line(network, &proxies, theme));
    if let Some(n) = &w.notice {
        l.push(Line::styled(n.clone(), theme.ok()));
    }
    l.push(Line::styled(
        "Inbound (service hooks): allow Azure DevOps' published IP ranges, listed at",
        theme.dim(),
    ));
    l.push(Line::styled(
        crate::net::allowlist::IP_RANGES_URL
            .trim_start_matches("https://")
            .to_string(),
        theme.dim(),
    ));
    l
}

/// One endpoint's row: its mark, service, host, each stage's time and the
/// result.
fn probe_row<'a>(p: &EndpointProbe, role: EndpointRole, theme: &Theme) -> Line<'a> {
    // HTTPS's port 443 goes without saying; any other is shown.
    let host = url::Url::parse(&p.result.url)
        .map(|u| match u.port_or_known_default() {
            Some(443) => u.host_str().unwrap_or_default().to_string(),
            _ => crate::net::allowlist::host_port(&u),
        })
        .unwrap_or_else(|_| p.result.url.clone());
    let host: String = if host.chars().count() > 28 {
        host.chars().take(27).chain(['…']).collect()
    } else {
        host
    };
    let dns = p.dns.as_ref().map(|d| (d.ms, d.error.is_some()));
    let tcp = p.tcp.as_ref().map(|d| (d.ms, d.error.is_some()));
    let tls = p.tls.as_ref().map(|d| (d.ms, d.error.is_some()));
    let http = p.http.as_ref().map(|d| (d.ms, d.error.is_some()));
    let result = match (&p.http, p.result.ok) {
        (Some(h), true) => match h.status {
            Some(code) => format!("HTTP {code}"),
            None => "answered".to_string(),
        },
        _ => "blocked".to_string(),
    };
    Line::from(vec![
        if p.result.ok {
            Span::styled("✓ ", theme.ok())
        } else {
            Span::styled("✗ ", theme.error())
        },
        Span::styled(format!("{:<13}", role.what), theme.key()),
        Span::raw(format!("{host:<28} ")),
        Span::styled(
            format!(
                "{:>5} {:>5} {:>5} {:>5}  ",
                stage(dns),
                stage(tcp),
                stage(tls),
                stage(http)
            ),
            theme.dim(),
        ),
        Span::raw(result),
    ])
}

/// A stage's cell: `-` when it did not run, `✗` when it failed, else its time.
fn stage(x: Option<(u64, bool)>) -> String {
    match x {
        None => "-".to_string(),
        Some((_, true)) => "✗".to_string(),
        Some((ms, false)) => stage_time(ms),
    }
}

/// A stage's time in at most five characters (`15ms`, `1.2s`, `12s`).
fn stage_time(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms}ms"),
        1_000..=9_999 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => format!("{}s", ms / 1000),
    }
}

/// The lines under an endpoint's row: the real host it stands in for (where
/// it is overridden) and what a firewall or support engineer needs to see
/// next to it.
fn probe_detail<'a>(p: &EndpointProbe, role: EndpointRole, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = Vec::new();
    let mut in_place = role
        .replaces
        .map(|r| format!("in place of {} ({})", r.host, r.by))
        .unwrap_or_default();
    let detail = if !p.result.ok {
        p.problem
            .as_ref()
            .map(|pr| pr.message.clone())
            .unwrap_or_else(|| p.result.detail.clone())
    } else {
        success_detail(p)
    };
    // The stand-in shares the success's line where both fit, else it
    // gets its own; a failure then gets two lines for its reason.
    let detail = if p.result.ok
        && !in_place.is_empty()
        && in_place.chars().count() + 3 + detail.chars().count() <= 74
    {
        let joined = format!("{in_place} · {detail}");
        in_place.clear();
        joined
    } else {
        detail
    };
    if !in_place.is_empty() {
        l.push(Line::styled(format!("    {in_place}"), theme.dim()));
    }
    let chars: Vec<char> = detail.chars().collect();
    let lines = if p.result.ok { 1 } else { 2 };
    for chunk in chars.chunks(74).take(lines) {
        l.push(Line::styled(
            format!("    {}", chunk.iter().collect::<String>()),
            if p.result.ok {
                theme.dim()
            } else {
                theme.error()
            },
        ));
    }
    l
}

/// What an endpoint that answered shows: its first addresses, when its
/// certificate expires, and whether a proxy inspects its TLS.
fn success_detail(p: &EndpointProbe) -> String {
    let addrs = p
        .dns
        .as_ref()
        .map(|d| {
            d.addresses
                .iter()
                .take(2)
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let cert = p
        .tls
        .as_ref()
        .and_then(|t| t.certificate.as_ref())
        .map(|c| {
            format!(
                " · cert until {}",
                c.not_after.get(..10).unwrap_or(&c.not_after)
            )
        })
        .unwrap_or_default();
    let inspected = if p.tls.as_ref().is_some_and(|t| t.inspected) {
        " · TLS inspected by a proxy"
    } else {
        ""
    };
    format!("{addrs}{cert}{inspected}")
}

/// The allowlist status (direct, proxy, partial, blocked) and the proxies in
/// effect.
fn allowlist_line<'a>(network: &[EndpointProbe], proxies: &[&str], theme: &Theme) -> Line<'a> {
    let status = crate::wizard::probes_status(network).as_str();
    Line::from(vec![
        Span::styled("Allowlist status: ", theme.key()),
        Span::styled(
            status,
            if status == "direct" || status == "proxy" {
                theme.ok()
            } else {
                theme.error()
            },
        ),
        Span::styled(
            if proxies.is_empty() {
                "   no proxy in effect".to_string()
            } else {
                format!("   proxy: {}", proxies.join(", "))
            },
            theme.dim(),
        ),
    ])
}
